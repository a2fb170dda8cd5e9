"""Who reaches which team, and how far.

- Any signed-in caller may know that a team exists: its name, district, organisation.
- A team's people (members, their duties and verified hours) are reached by those who
  *oversee* it: the admin; a coordinator of its district; an administrator of its
  organisation (org_admin); and its leads. A lead is a volunteer (same account, same
  tokens) whose approved membership has `is_lead`: the grant is on that one team, so
  a lead of team A is told team B's people do not exist (404), like any volunteer.
- Those who *manage* it (the admin, its district's coordinators, its organisation's
  administrators) also name its leads; leads themselves do not.
Nobody reaches a member's phone, e-mail or home through a team: a team shows names.
"""

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.errors import NotFound
from app.teams.models import MembershipStatus, Team, TeamMember
from app.volunteers.models import Volunteer


def managed(account: Account) -> ColumnElement[bool]:
    """The teams the caller manages, as a condition on Team."""
    if account.role == Role.admin:
        return true()
    if account.role == Role.coordinator:
        return Team.district_id.in_(account.district_ids)
    if account.role == Role.org_admin and account.organisation_id is not None:
        return Team.organisation_id == account.organisation_id
    return false()


def manages(account: Account, team: Team) -> bool:
    if account.role == Role.admin:
        return True
    if account.role == Role.coordinator:
        return team.district_id in account.district_ids
    if account.role == Role.org_admin:
        return account.organisation_id is not None and team.organisation_id == (
            account.organisation_id
        )
    return False


def volunteer_id_of(session: Session, account: Account) -> int | None:
    if account.role != Role.volunteer:
        return None
    return session.scalar(select(Volunteer.id).where(Volunteer.account_id == account.id))


def leads(session: Session, account: Account, team_id: int) -> bool:
    """Whether the caller is an approved lead of the team."""
    volunteer_id = volunteer_id_of(session, account)
    if volunteer_id is None:
        return False
    return (
        session.scalar(
            select(TeamMember.team_id).where(
                TeamMember.team_id == team_id,
                TeamMember.volunteer_id == volunteer_id,
                TeamMember.status == MembershipStatus.approved,
                TeamMember.is_lead.is_(True),
            )
        )
        is not None
    )


def oversees(session: Session, account: Account, team: Team) -> bool:
    return manages(account, team) or leads(session, account, team.id)


def team_or_404(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"Team {team_id} not found.")
    return team


def overseen_team(session: Session, account: Account, team_id: int) -> Team:
    """The team, or 404 when it is unknown or its people lie outside the caller's reach."""
    team = session.get(Team, team_id)
    if team is None or not oversees(session, account, team):
        raise NotFound(f"Team {team_id} not found.")
    return team


def managed_team(session: Session, account: Account, team_id: int) -> Team:
    """The team, or 404 when it is unknown or the caller does not manage it."""
    team = session.get(Team, team_id)
    if team is None or not manages(account, team):
        raise NotFound(f"Team {team_id} not found.")
    return team
