"""Hours reports of teams and organisations: what an organisation needs for its annual
report (its members' verified hours), and what a lead sees of their team.

A team's members are its approved members now: membership has no history, so a
volunteer who left is no longer counted, and one who joined in December brings their
whole year. Hours are those served at any station (dated as in the district report),
so a member's service counts for the team wherever it was done.

Who asks for what (GET /reports/hours):
- `team_id`: those who oversee the team (app.teams.access): its district's
  coordinators, its organisation's admins, its leads, the admin; 404 for the rest.
- `organisation_id`: the admin and the organisation's own admins (every team of it),
  and a coordinator of a district it serves (its teams of the coordinator's districts
  only); 404 for other coordinators and organisations' admins, 403 for volunteers.
"""

import csv
import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.errors import NotFound, NotPermitted
from app.exports import spreadsheet_safe
from app.hours import service as hours_service
from app.hours.schemas import GroupHoursReport, MemberHoursRow, TeamHoursTotal
from app.organisations.models import Organisation
from app.teams import access
from app.teams.models import MembershipStatus, Team, TeamMember
from app.teams.service import check_period
from app.volunteers.models import Volunteer


def team_report(
    session: Session, account: Account, team_id: int, from_date: date, to_date: date
) -> GroupHoursReport:
    team = access.overseen_team(session, account, team_id)
    check_period(from_date, to_date)
    return _report(session, [team], from_date, to_date, team_id=team.id)


def organisation_report(
    session: Session, account: Account, organisation_id: int, from_date: date, to_date: date
) -> GroupHoursReport:
    if account.role not in (Role.admin, Role.coordinator, Role.org_admin):
        raise NotPermitted("Only a coordinator or the organisation's administrator may do this.")
    organisation = session.get(Organisation, organisation_id)
    unknown = NotFound(f"Organisation {organisation_id} not found.")
    if organisation is None:
        raise unknown
    if account.role == Role.org_admin and account.organisation_id != organisation.id:
        raise unknown
    query = select(Team).where(Team.organisation_id == organisation.id)
    if account.role == Role.coordinator:
        shared = set(organisation.district_ids) & set(account.district_ids)
        if not shared:
            raise unknown
        query = query.where(Team.district_id.in_(account.district_ids))
    check_period(from_date, to_date)
    teams = list(session.scalars(query.order_by(Team.name, Team.id)))
    return _report(session, teams, from_date, to_date, organisation_id=organisation.id)


def _report(
    session: Session,
    teams: list[Team],
    from_date: date,
    to_date: date,
    *,
    organisation_id: int | None = None,
    team_id: int | None = None,
) -> GroupHoursReport:
    names = {team.id: team.name for team in teams}
    memberships = session.execute(
        select(TeamMember.team_id, Volunteer.id, Volunteer.name)
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(
            TeamMember.team_id.in_(list(names)),
            TeamMember.status == MembershipStatus.approved,
        )
    ).all()
    served = hours_service.served_by(
        session, {v_id for _, v_id, _ in memberships}, from_date, to_date
    )
    members = sorted(
        (
            MemberHoursRow(
                team_id=t_id,
                team=names[t_id],
                volunteer_id=v_id,
                name=name,
                hours=served.get(v_id, (0.0, 0))[0],
                duties=served.get(v_id, (0.0, 0))[1],
            )
            for t_id, v_id, name in memberships
        ),
        key=lambda row: (row.team, row.team_id, row.name, row.volunteer_id),
    )
    totals = []
    for team in teams:
        rows = [row for row in members if row.team_id == team.id]
        totals.append(
            TeamHoursTotal(
                team_id=team.id,
                name=team.name,
                district_id=team.district_id,
                members=len(rows),
                total_hours=round(sum(row.hours for row in rows), 2),
                duties=sum(row.duties for row in rows),
            )
        )
    volunteers = {row.volunteer_id for row in members}
    return GroupHoursReport(
        organisation_id=organisation_id,
        team_id=team_id,
        from_date=from_date,
        to_date=to_date,
        total_hours=round(sum(served.get(v, (0.0, 0))[0] for v in volunteers), 2),
        volunteers=len(volunteers),
        members=members,
        teams=totals,
    )


CSV_COLUMNS = ["row", "team_id", "team", "volunteer_id", "name", "hours", "duties"]


def report_csv(report: GroupHoursReport) -> str:
    """One row per member and team (`row` = member), then one per team (team_total),
    and for an organisation one in all (organisation_total: each volunteer once)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for m in report.members:
        writer.writerow(
            [
                "member",
                m.team_id,
                spreadsheet_safe(m.team),
                m.volunteer_id,
                spreadsheet_safe(m.name),
                f"{m.hours:.2f}",
                m.duties,
            ]  # fmt: skip
        )
    for t in report.teams:
        writer.writerow(
            [
                "team_total",
                t.team_id,
                spreadsheet_safe(t.name),
                "",
                "",
                f"{t.total_hours:.2f}",
                t.duties,
            ]  # fmt: skip
        )
    if report.organisation_id is not None:
        duties = {m.volunteer_id: m.duties for m in report.members}
        writer.writerow(
            [
                "organisation_total",
                "",
                "",
                "",
                "",
                f"{report.total_hours:.2f}",
                sum(duties.values()),
            ]  # fmt: skip
        )
    return out.getvalue()
