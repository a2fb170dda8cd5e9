"""What the bridge to the solver reads: the district-week's shifts, its volunteers, the
rosters and their duties, the adoptions of seats. ORM rows and plain data only (the
adoptions in translate.Adoptions, the shape its adopted_seats reads); the solver's
objects are made of them in app/rosters/translate.py, and app/rosters/mapping.py's
build_problem puts the two halves together.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.rosters.models import LIVE_STATUSES, Assignment, Roster, RosterStatus
from app.rosters.translate import Adoptions
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import Station
from app.teams.models import Adoption, MembershipStatus, Team, TeamMember
from app.types import week_monday
from app.volunteers.models import Volunteer, VolunteerStatus, with_availability

# Duties this close to a shift can break a rule together with it: 72 h of rest plus
# a 24 h shift, seven consecutive days; and a week's weekly limits.
NEIGHBOURHOOD = timedelta(days=8)


def week_shifts(session: Session, district_id: int, week: str) -> list[Shift]:
    return weeks_shifts(session, district_id, [week])


def weeks_shifts(session: Session, district_id: int, weeks: Collection[str]) -> list[Shift]:
    """The district's shifts in service in any of the ISO weeks, by start."""
    if not weeks:
        return []
    return list(
        session.scalars(
            select(Shift)
            .join(Station)
            .where(*in_weeks(session, district_id, weeks))
            .order_by(Shift.starts_at, Shift.id)
        )
    )


def in_weeks(session: Session, district_id: int, weeks: Collection[str]) -> list[ColumnElement]:
    """The conditions of weeks_shifts, for a query that joins Shift to Station."""
    return [
        Station.district_id == district_id,
        shift_service.in_service(),
        shift_service.weeks_condition(session, weeks),
    ]


def district_volunteers(
    session: Session, district_id: int, only: Collection[int] | None = None
) -> list[Volunteer]:
    """The district's active volunteers (of them, those in `only`), availability loaded."""
    query = select(Volunteer).where(
        Volunteer.district_id == district_id, Volunteer.status == VolunteerStatus.active
    )
    if only is not None:
        query = query.where(Volunteer.id.in_(only))
    return list(session.scalars(query.options(*with_availability()).order_by(Volunteer.id)))


def published_roster(
    session: Session, district_id: int, week: str, *, lock: bool = False
) -> Roster | None:
    """The district-week's published roster. With `lock`, a shared row lock holds off a
    concurrent publish (which locks it for update) until this transaction ends."""
    query = select(Roster).where(
        Roster.district_id == district_id,
        Roster.week == week,
        Roster.status == RosterStatus.published,
    )
    if not lock:
        return session.scalar(query)
    roster = session.scalar(query.with_for_update(read=True))
    if roster is not None and roster.status != RosterStatus.published:
        # A publish committed while we waited for the lock: take the new roster.
        roster = session.scalar(query.with_for_update(read=True))
    return roster


def live_assignments(session: Session, roster_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.roster_id == roster_id, Assignment.status.in_(LIVE_STATUSES))
            .order_by(Assignment.id)
        )
    )


def neighbouring_duties(
    session: Session, district_id: int, week: str, volunteer_ids: Iterable[int]
) -> Sequence[tuple[int, Shift]]:
    """(volunteer id, shift) of the volunteers' live published duties of other rosters
    around the week: the neighbouring weeks' Sunday night and Monday morning, runs of
    working days (translate.fixed_duties_by_volunteer)."""
    monday = datetime.combine(week_monday(week), time(), tzinfo=UTC)
    return session.execute(
        select(Assignment.volunteer_id, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(
            Assignment.volunteer_id.in_(list(volunteer_ids)),
            Assignment.status.in_(LIVE_STATUSES),
            Roster.status == RosterStatus.published,
            ~((Roster.district_id == district_id) & (Roster.week == week)),
            Shift.cancelled_at.is_(None),
            Shift.ends_at > monday - NEIGHBOURHOOD,
            Shift.starts_at < monday + timedelta(days=7) + NEIGHBOURHOOD,
        )
    ).all()


def adoptions_at(session: Session, shifts: Iterable[Shift]) -> Adoptions:
    """The adoptions at the shifts' stations (translate.adopted_seats finds the shifts
    each covers). Three queries however many shifts; none without shifts, one where
    nobody adopted seats there."""
    stations = {s.station_id for s in shifts}
    if not stations:
        return Adoptions()
    adoptions = list(
        session.scalars(
            select(Adoption).where(Adoption.station_id.in_(stations)).order_by(Adoption.id)
        )
    )
    if not adoptions:
        return Adoptions()
    team_ids = {a.team_id for a in adoptions}
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, volunteer_id in session.execute(
        select(TeamMember.team_id, TeamMember.volunteer_id).where(
            TeamMember.team_id.in_(team_ids), TeamMember.status == MembershipStatus.approved
        )
    ):
        members[team_id].add(volunteer_id)
    return Adoptions(adoptions, teams, members)
