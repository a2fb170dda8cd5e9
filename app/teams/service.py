"""Teams (队伍): created by a district's coordinator or an organisation's administrator,
joined by the district's volunteers on approval, run by their leads.

Every function takes the caller's account and checks their reach (app.teams.access):
outside it, NotFound; a role that may never do this, NotPermitted; a wrong state
(already a member, not of the team's district), Conflict.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.db import utcnow
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput, NotFound, NotPermitted
from app.hours import service as hours_service
from app.notifications import service as notifications
from app.notifications.models import EventKind
from app.organisations.models import Organisation
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.shifts.models import Shift
from app.stations.models import Station
from app.teams import access
from app.teams.models import MembershipStatus, Team, TeamMember
from app.teams.schemas import MemberHours, TeamCreate, TeamDutyRead, TeamHours
from app.types import FIRST_YEAR, LAST_YEAR
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer, VolunteerStatus

# The longest period a team's duties or hours are read for at once: a year.
LONGEST_PERIOD_DAYS = 366


@dataclass(frozen=True)
class MemberView:
    """A member as those who oversee the team see them: no way to reach them."""

    volunteer_id: int
    name: str
    status: str
    is_lead: bool
    requested_at: datetime


# -- teams -------------------------------------------------------------------------


def create_team(session: Session, account: Account, data: TeamCreate) -> Team:
    """A coordinator's team of their district (of an organisation serving it, if one is
    named); an organisation admin's team is their organisation's, in a district it serves."""
    if account.role not in (Role.admin, Role.coordinator, Role.org_admin):
        raise NotPermitted("Only a coordinator or an organisation's administrator may do this.")
    organisation_id = data.organisation_id
    if account.role == Role.org_admin:
        if account.organisation_id is None:  # an org_admin without an organisation
            raise NotPermitted("This account administers no organisation.")
        if organisation_id is None:
            organisation_id = account.organisation_id
        if organisation_id != account.organisation_id:
            raise NotFound(f"Organisation {organisation_id} not found.")
    elif not district_service.in_scope(account, data.district_id):
        raise NotFound(f"District {data.district_id} not found.")
    if session.get(District, data.district_id) is None:
        raise InvalidInput(
            [{"loc": ["body", "district_id"], "msg": f"unknown district {data.district_id}"}]
        )
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise InvalidInput(
                [
                    {
                        "loc": ["body", "organisation_id"],
                        "msg": f"unknown organisation {organisation_id}",
                    }
                ]
            )
        if data.district_id not in organisation.district_ids:
            raise InvalidInput(
                [
                    {
                        "loc": ["body", "district_id"],
                        "msg": f"organisation {organisation.code} does not serve this district",
                    }
                ]
            )
    team = Team(district_id=data.district_id, organisation_id=organisation_id, name=data.name)
    session.add(team)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"District {data.district_id} has a team named {data.name!r} already."
        ) from None
    return team


def list_teams(
    session: Session,
    account: Account,
    *,
    district_id: int | None = None,
    organisation_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Team], int]:
    """Teams by district and name. Any signed-in caller may know which teams there are
    (a volunteer looks for one to join); their people are another matter."""
    query = select(Team)
    if district_id is not None:
        query = query.where(Team.district_id == district_id)
    if organisation_id is not None:
        query = query.where(Team.organisation_id == organisation_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(Team.district_id, Team.name, Team.id).limit(limit).offset(offset)
    )
    return list(items), total


def get_team(session: Session, account: Account, team_id: int) -> Team:
    """Any signed-in caller may see a team's name, district and organisation."""
    return access.team_or_404(session, team_id)


def led_team(session: Session, account: Account, team_id: int) -> Team:
    """The team, when the caller leads it or is a coordinator or organisation admin over
    it; else NotFound. The guard of the lead's pages."""
    return access.overseen_team(session, account, team_id)


# -- membership --------------------------------------------------------------------


def _membership(session: Session, team_id: int, volunteer_id: int) -> TeamMember | None:
    return session.get(TeamMember, (team_id, volunteer_id))


def _check_same_district(team: Team, volunteer: Volunteer) -> None:
    if volunteer.district_id != team.district_id:
        raise Conflict(
            f"Team {team.name!r} belongs to district {team.district_id}; only volunteers "
            f"of that district may be its members (this volunteer's district: "
            f"{volunteer.district_id if volunteer.district_id is not None else 'none'}).",
            reason="other_district",
        )


def request_to_join(session: Session, account: Account, team_id: int) -> TeamMember:
    """The caller (a volunteer of the team's district) asks to join; a lead, coordinator
    or organisation admin decides. 409 when already a member or asking."""
    if account.role != Role.volunteer:
        raise NotPermitted("Only a volunteer may join a team.")
    volunteer = volunteer_service.volunteer_of(session, account)
    team = access.team_or_404(session, team_id)
    _check_same_district(team, volunteer)
    existing = _membership(session, team.id, volunteer.id)
    if existing is not None:
        state = "a member" if existing.status == MembershipStatus.approved else "asking to join"
        raise Conflict(f"You are {state} of team {team.name!r} already.", reason="member")
    member = TeamMember(team_id=team.id, volunteer_id=volunteer.id, status=MembershipStatus.pending)
    session.add(member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same request twice at once
        raise Conflict(f"You are asking to join team {team.name!r} already.") from None
    return member


def leave_team(session: Session, account: Account, team_id: int) -> None:
    """The caller leaves the team (or withdraws their request); a lead stops leading."""
    if account.role != Role.volunteer:
        raise NotPermitted("Only a volunteer may leave a team.")
    volunteer = volunteer_service.volunteer_of(session, account)
    member = _membership(session, team_id, volunteer.id)
    if member is None:
        raise NotFound(f"You are not a member of team {team_id}.")
    session.delete(member)
    session.flush()


def list_members(
    session: Session,
    account: Account,
    team_id: int,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[MemberView], int]:
    """The team's members (and those asking to join) for those who oversee it: leads
    first, then by name."""
    team = access.overseen_team(session, account, team_id)
    query = (
        select(
            TeamMember.volunteer_id,
            Volunteer.name,
            TeamMember.status,
            TeamMember.is_lead,
            TeamMember.requested_at,
        )
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        # A withdrawn volunteer's record keeps their hours, not their place in teams.
        .where(TeamMember.team_id == team.id, Volunteer.status != VolunteerStatus.withdrawn)
    )
    if status is not None:
        query = query.where(TeamMember.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(TeamMember.is_lead.desc(), Volunteer.name, TeamMember.volunteer_id)
        .limit(limit)
        .offset(offset)
    )
    return [MemberView(*row) for row in rows], total


def member_view(session: Session, member: TeamMember) -> MemberView:
    name = session.scalar(select(Volunteer.name).where(Volunteer.id == member.volunteer_id))
    return MemberView(
        volunteer_id=member.volunteer_id,
        name=name or "",
        status=member.status,
        is_lead=member.is_lead,
        requested_at=member.requested_at,
    )


def approve_member(
    session: Session, account: Account, team_id: int, volunteer_id: int
) -> TeamMember:
    """A lead, coordinator or organisation admin approves a request to join (approving
    an approved member changes nothing)."""
    team = access.overseen_team(session, account, team_id)
    member = _membership(session, team.id, volunteer_id)
    if member is None:
        raise NotFound(f"Volunteer {volunteer_id} has not asked to join team {team_id}.")
    if member.status != MembershipStatus.approved:
        # They may have moved to another district since they asked.
        _check_same_district(team, session.get_one(Volunteer, volunteer_id))
        member.status = MembershipStatus.approved
        member.approved_at = utcnow()
        session.flush()
    return member


def remove_member(session: Session, account: Account, team_id: int, volunteer_id: int) -> None:
    """Turns down a request to join, or takes a member off the team. A lead may not
    remove a lead (themselves included: they leave instead); a coordinator or
    organisation admin may."""
    team = access.overseen_team(session, account, team_id)
    member = _membership(session, team.id, volunteer_id)
    if member is None:
        raise NotFound(f"Volunteer {volunteer_id} is not in team {team_id}.")
    if member.is_lead and not access.manages(account, team):
        raise NotPermitted(
            "Only a coordinator or the organisation's administrator may remove a lead."
        )
    session.delete(member)
    session.flush()


def add_lead(session: Session, account: Account, team_id: int, volunteer_id: int) -> TeamMember:
    """Makes a volunteer of the team's district a lead: an approved member with the
    lead's grant (one not yet in the team becomes an approved member)."""
    if account.role not in (Role.admin, Role.coordinator, Role.org_admin):
        raise NotPermitted("Only a coordinator or an organisation's administrator may do this.")
    team = access.managed_team(session, account, team_id)
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.district_id != team.district_id:
        # A volunteer of another district is not the caller's to know of (a coordinator
        # reaches their districts' volunteers only): the same answer as an unknown one.
        raise InvalidInput(
            [
                {
                    "loc": ["body", "volunteer_id"],
                    "msg": f"no volunteer {volunteer_id} in the team's district",
                }
            ]
        )
    if volunteer.status == VolunteerStatus.withdrawn:
        raise Conflict(f"Volunteer {volunteer_id} has withdrawn.")
    member = _membership(session, team.id, volunteer.id)
    if member is None:
        member = TeamMember(team_id=team.id, volunteer_id=volunteer.id)
        session.add(member)
    if member.status != MembershipStatus.approved:
        member.status = MembershipStatus.approved
        member.approved_at = utcnow()
    member.is_lead = True
    session.flush()
    return member


def my_teams(session: Session, account: Account) -> list[tuple[Team, TeamMember]]:
    """The caller's teams, those they ask to join included, by name."""
    if account.role != Role.volunteer:
        raise NotPermitted("Only a volunteer has teams.")
    volunteer = volunteer_service.volunteer_of(session, account)
    rows = session.execute(
        select(Team, TeamMember)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.volunteer_id == volunteer.id)
        .order_by(Team.name, Team.id)
    )
    return [(team, member) for team, member in rows]


def approved_member_ids(session: Session, team_id: int) -> list[int]:
    """The team's approved members who have not withdrawn."""
    return list(
        session.scalars(
            select(TeamMember.volunteer_id)
            .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
            .where(
                TeamMember.team_id == team_id,
                TeamMember.status == MembershipStatus.approved,
                Volunteer.status != VolunteerStatus.withdrawn,
            )
            .order_by(TeamMember.volunteer_id)
        )
    )


# -- the team's duties, hours and messages ----------------------------------------


def check_period(start: date, end: date) -> None:
    errors = []
    if end < start:
        errors.append({"loc": ["query", "to"], "msg": "must not lie before from"})
    elif (end - start).days >= LONGEST_PERIOD_DAYS:
        errors.append(
            {"loc": ["query", "to"], "msg": f"at most {LONGEST_PERIOD_DAYS} days after from"}
        )
    for loc, value in (("from", start), ("to", end)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR - 1:
            errors.append(
                {"loc": ["query", loc], "msg": f"must lie between {FIRST_YEAR} and {LAST_YEAR - 1}"}
            )
    if errors:
        raise InvalidInput(errors)


def team_duties(
    session: Session, account: Account, team_id: int, *, start: date, end: date
) -> list[TeamDutyRead]:
    """The approved members' duties of published rosters dated `start`..`end`
    (inclusive; a duty's date is its shift's start in the station's timezone), by time."""
    team = access.overseen_team(session, account, team_id)
    check_period(start, end)
    rows = session.execute(
        select(Assignment, Volunteer.name, Station)
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .join(
            TeamMember,
            (TeamMember.volunteer_id == Assignment.volunteer_id) & (TeamMember.team_id == team.id),
        )
        .where(
            TeamMember.status == MembershipStatus.approved,
            Roster.status == RosterStatus.published,
            Assignment.status != AssignmentStatus.cancelled,
            Shift.cancelled_at.is_(None),
            # A UTC window wide enough for any timezone; local dates are checked below.
            Shift.starts_at >= datetime.combine(start, time(), tzinfo=UTC) - timedelta(days=1),
            Shift.starts_at < datetime.combine(end, time(), tzinfo=UTC) + timedelta(days=2),
        )
        .order_by(Shift.starts_at, Station.code, Volunteer.name, Assignment.id)
    ).all()
    return [
        TeamDutyRead(
            assignment_id=assignment.id,
            volunteer_id=assignment.volunteer_id,
            name=name,
            shift_id=assignment.shift_id,
            station_id=station.id,
            station_name=station.name,
            station_timezone=station.timezone,
            starts_at=assignment.shift.starts_at,
            ends_at=assignment.shift.ends_at,
            status=assignment.status,
        )
        for assignment, name, station in rows
        if start <= assignment.shift.starts_at.astimezone(ZoneInfo(station.timezone)).date() <= end
    ]


def team_hours(
    session: Session, account: Account, team_id: int, *, start: date, end: date
) -> TeamHours:
    """The approved members' verified hours on duties dated `start`..`end` (at any
    station, dated as in the hours report), by name; members without any show 0."""
    team = access.overseen_team(session, account, team_id)
    check_period(start, end)
    members = session.execute(
        select(Volunteer.id, Volunteer.name)
        .join(TeamMember, TeamMember.volunteer_id == Volunteer.id)
        .where(TeamMember.team_id == team.id, TeamMember.status == MembershipStatus.approved)
        .order_by(Volunteer.name, Volunteer.id)
    ).all()
    served = hours_service.served_by(session, [m.id for m in members], start, end)
    rows = [
        MemberHours(
            volunteer_id=m.id,
            name=m.name,
            hours=served.get(m.id, (0.0, 0))[0],
            duties=served.get(m.id, (0.0, 0))[1],
        )
        for m in members
    ]
    return TeamHours(
        team_id=team.id,
        from_date=start,
        to_date=end,
        total_hours=round(sum(r.hours for r in rows), 2),
        members=rows,
    )


def send_team_message(
    session: Session, account: Account, team_id: int, *, subject: str, body: str
) -> int:
    """A lead's, coordinator's or organisation admin's message to the team's approved
    members (the sender aside), through the notification channels (e-mail to those who
    hear by it, and webhooks), kind `team_message`. Returns how many members it is for."""
    team = access.overseen_team(session, account, team_id)
    sender_volunteer = access.volunteer_id_of(session, account)
    recipients = [v for v in approved_member_ids(session, team.id) if v != sender_volunteer]
    if not recipients:
        return 0
    payload = {
        "team_id": team.id,
        "team": team.name,
        "sender": account.name,
        "subject": subject,
        "body": body,
    }
    notifications.tell(
        session,
        kind=EventKind.team_message,
        # Each message is its own event: two messages with the same words are two.
        event_ref=f"team-{team.id}-{uuid.uuid4().hex}",
        payloads={volunteer_id: payload for volunteer_id in recipients},
    )
    return len(recipients)
