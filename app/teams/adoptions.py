"""Adoptions: a team keeps recurring seats at a station for its members (认领岗位).

An `Adoption` names a station, weekdays, a local start-end window and a number of
seats: every shift there that starts on one of those weekdays inside the window has
that many seats kept for the team's approved members until
`UROSTER_ADOPTION_RELEASE_HOURS` before it starts; from then on anyone may take them
(the short-notice cover offers them like any). Where the seats are kept:

- the solver (`solver.Reservation`, made by app/rosters/translate.py): people outside
  the team fill at most max - the adopted seats, members first;
- every place that checks a single seat (sign-up and the open-seat list, swaps,
  short-notice cover: app/duties seat_violations; a coordinator's manual assignment and
  the console's candidates: app/rosters) refuses a non-member a seat still kept;
- the team's lead fills the adopted seats with members (`assign_member`).

Who: coordinators of the station's district manage adoptions; a team's lead, the
coordinators of its district and the administrators of its organisation see and fill
its adopted seats. Team membership is read from TeamMember rows (approved only).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.cover import service as cover
from app.db import utcnow
from app.districts import service as district_service
from app.duties import service as duty_service
from app.errors import Conflict, InvalidInput, NotFound
from app.notifications import changes as change_notices
from app.rosters import queries, translate
from app.rosters.models import Assignment, AssignmentSource, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations import service as station_service
from app.stations.models import Station
from app.teams.adoption_schemas import AdoptionCreate, OpenAdoptedSeatRead
from app.teams.models import Adoption, MembershipStatus, Team, TeamMember
from app.volunteers.models import Volunteer

# The longest window of open adopted seats one request may ask for.
MAX_OPEN_SEATS_SPAN = timedelta(days=92)
DEFAULT_OPEN_SEATS_SPAN = timedelta(days=28)

# -- adoptions of a station (coordinators) ---------------------------------------------


def create_adoption(
    session: Session, account: Account, station_id: int, data: AdoptionCreate
) -> Adoption:
    """A coordinator of the station's district lets one of the district's teams adopt
    seats there. A team unknown or of another district is bad input (422)."""
    station = station_service.get_station_in_scope(session, account, station_id)
    team = session.get(Team, data.team_id)
    if team is None or team.district_id != station.district_id:
        raise InvalidInput(
            [{"loc": ["body", "team_id"], "msg": "must be a team of the station's district"}]
        )
    adoption = Adoption(
        team_id=team.id,
        station_id=station.id,
        weekdays=sorted(data.weekdays),
        start=data.start,
        end=data.end,
        seats=data.seats,
    )
    session.add(adoption)
    session.flush()
    return adoption


def list_adoptions(session: Session, account: Account, station_id: int) -> list[Adoption]:
    station = station_service.get_station_in_scope(session, account, station_id)
    return list(
        session.scalars(
            select(Adoption).where(Adoption.station_id == station.id).order_by(Adoption.id)
        )
    )


def delete_adoption(session: Session, account: Account, station_id: int, adoption_id: int) -> None:
    """Ends an adoption: its seats are anyone's from now on (duties stay as they are)."""
    station = station_service.get_station_in_scope(session, account, station_id)
    adoption = session.get(Adoption, adoption_id)
    if adoption is None or adoption.station_id != station.id:
        raise NotFound(f"Adoption {adoption_id} not found.")
    session.delete(adoption)
    session.flush()


# -- a team's adopted seats (its lead, coordinators, its organisation's admins) --------


def managed_team(session: Session, account: Account, team_id: int) -> Team:
    """The team, if the caller may fill its adopted seats: an approved lead of it, a
    coordinator of its district, an administrator of its organisation, an admin.
    Anyone else is told it does not exist (404), as for every object out of scope."""
    team = session.get(Team, team_id)
    if team is None or not _manages(session, account, team):
        raise NotFound(f"Team {team_id} not found.")
    return team


def _manages(session: Session, account: Account, team: Team) -> bool:
    if account.role in (Role.admin, Role.coordinator):
        return district_service.in_scope(account, team.district_id)
    if account.role == Role.org_admin:
        return team.organisation_id is not None and team.organisation_id == account.organisation_id
    if account.role == Role.volunteer:
        lead = session.scalar(
            select(TeamMember)
            .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
            .where(
                TeamMember.team_id == team.id,
                Volunteer.account_id == account.id,
                TeamMember.status == MembershipStatus.approved,
                TeamMember.is_lead.is_(True),
            )
        )
        return lead is not None
    return False


def approved_members(session: Session, team_id: int) -> set[int]:
    return set(
        session.scalars(
            select(TeamMember.volunteer_id).where(
                TeamMember.team_id == team_id, TeamMember.status == MembershipStatus.approved
            )
        )
    )


@dataclass(frozen=True)
class OpenAdoptedSeat:
    shift: Shift
    roster: Roster
    seats: translate.AdoptedSeats
    holders: list[int]

    @property
    def members_on(self) -> int:
        return len(self.seats.members & set(self.holders))

    @property
    def open(self) -> int:
        """Adopted seats a member may still take: not held by members, and free."""
        free = self.shift.max_volunteers - len(self.holders)
        return max(0, min(self.seats.seats - self.members_on, free))


def open_adopted_seats(
    session: Session,
    account: Account,
    team_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[OpenAdoptedSeatRead]:
    """The team's adopted seats that a member may still take, on the published shifts
    starting in [start, end) (default: the next four weeks), whether still reserved or
    released already, by start time."""
    team = managed_team(session, account, team_id)
    now = utcnow()
    start = max(start or now, now)
    end = end or start + DEFAULT_OPEN_SEATS_SPAN
    if end <= start:
        raise InvalidInput([{"loc": ["query", "to"], "msg": "must be after from (and now)"}])
    if end - start > MAX_OPEN_SEATS_SPAN:
        raise InvalidInput([{"loc": ["query", "to"], "msg": "at most 92 days after from"}])
    return [
        OpenAdoptedSeatRead(
            shift_id=seat.shift.id,
            roster_id=seat.roster.id,
            station_id=seat.shift.station_id,
            station_name=seat.shift.station.name,
            station_timezone=seat.shift.station.timezone,
            starts_at=seat.shift.starts_at,
            ends_at=seat.shift.ends_at,
            adopted_seats=seat.seats.seats,
            members_on=seat.members_on,
            open_seats=seat.open,
            reserved=seat.seats.reserved(now),
            released_at=seat.seats.release_at,
        )
        for seat in _adopted_seats(session, team, start, end)
        if seat.open
    ]


def _adopted_seats(
    session: Session, team: Team, start: datetime, end: datetime
) -> list[OpenAdoptedSeat]:
    stations = select(Adoption.station_id).where(Adoption.team_id == team.id)
    shifts = list(
        session.scalars(
            select(Shift)
            .join(Station, Station.id == Shift.station_id)
            .where(
                Shift.station_id.in_(stations),
                Station.is_active.is_(True),
                shift_service.in_service(),
                Shift.starts_at >= start,
                Shift.starts_at < end,
            )
            .order_by(Shift.starts_at, Shift.id)
        )
    )
    adopted = translate.adopted_seats(shifts, queries.adoptions_at(session, shifts), get_settings())
    rosters = {
        (roster.district_id, roster.week): roster
        for roster in session.scalars(
            select(Roster).where(
                Roster.district_id == team.district_id, Roster.status == RosterStatus.published
            )
        )
    }
    holders = duty_service.live_holders(session, (r.id for r in rosters.values()))
    out = []
    for shift in shifts:
        mine = [a for a in adopted.get(shift.id, []) if a.team.id == team.id]
        roster = rosters.get((shift.station.district_id, duty_service.shift_week(shift)))
        if mine and roster is not None:
            out.append(OpenAdoptedSeat(shift, roster, mine[0], holders[roster.id, shift.id]))
    return out


def assign_member(
    session: Session, account: Account, team_id: int, shift_id: int, volunteer_id: int
) -> Assignment:
    """The team's lead (or a coordinator over it) puts an approved member on one of the
    team's adopted seats of a published shift. The sign-up's checks apply (the shift is
    bookable, every hard rule of the validator over the member's duties, the skill
    seats left), under the same row lock; 409 with the reason otherwise. The member is
    told through the duty change notice."""
    team = managed_team(session, account, team_id)
    if volunteer_id not in approved_members(session, team.id):
        raise Conflict(
            f"Volunteer {volunteer_id} is not an approved member of team {team.name}; only "
            "members take the team's adopted seats.",
            reason="not_member",
        )
    volunteer = session.get_one(Volunteer, volunteer_id)
    shift, roster = duty_service.lock_seat_shift(session, volunteer, shift_id)
    by_shift = translate.adopted_seats(
        [shift], queries.adoptions_at(session, [shift]), get_settings()
    )
    adopted = [a for a in by_shift.get(shift.id, []) if a.team.id == team.id]
    if not adopted:
        raise Conflict(
            f"Team {team.name} has adopted no seat of shift {shift_id}.", reason="not_adopted"
        )
    holders = duty_service.seat_holders(session, roster.id, shift.id)
    if volunteer.id in holders:
        raise Conflict(
            f"Volunteer {volunteer_id} is already on shift {shift_id}.", reason="already_assigned"
        )
    seat = OpenAdoptedSeat(shift, roster, adopted[0], holders)
    if not seat.open:
        taken = "by members" if seat.members_on >= seat.seats.seats else "(the shift is full)"
        raise Conflict(
            f"The {seat.seats.seats} seats team {team.name} adopted on shift {shift_id} are "
            f"taken {taken}.",
            reason="adopted_seats_taken",
        )
    duty_service.check_fit(session, volunteer, shift, holders, action="This assignment")
    assignment = Assignment(
        roster_id=roster.id,
        shift_id=shift.id,
        volunteer_id=volunteer.id,
        status=AssignmentStatus.scheduled,
        source=AssignmentSource.manual,  # kept by later solves, as a coordinator's is
        pinned=False,
    )
    session.add(assignment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"Volunteer {volunteer_id} is already on shift {shift_id}.", reason="already_assigned"
        ) from None
    now = utcnow()
    cover.seat_signed_up(session, shift, roster, volunteer.id, now)
    change_notices.duties_changed(
        session, change_notices.Cause.team_lead, change_notices.by_volunteer([assignment])
    )
    return assignment
