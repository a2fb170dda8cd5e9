"""A volunteer's duties: list and cancel them, find open seats, sign up, calendar feed.

Only rosters in the `published` state are visible to volunteers; drafts are the
coordinators' business until they are published.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import solver
from app.accounts.models import Account, Role
from app.accounts.security import new_token, token_digest
from app.cover import service as cover
from app.db import utcnow
from app.districts import service as district_service
from app.duties.schemas import DutyRead, OpenShiftRead
from app.errors import Conflict, NotFound
from app.hours.models import HoursCorrection
from app.notifications import changes as change_notices
from app.pagination import Page, PageParams, paginate
from app.rosters import queries, translate
from app.rosters import service as roster_service
from app.rosters.models import (
    LIVE_STATUSES,
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    Roster,
    RosterStatus,
)
from app.settings import Settings, get_settings
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.shifts.schemas import MAX_SHIFT_LENGTH
from app.stations.models import Station
from app.types import SkillRequirement, iso_week, local_week, week_monday
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer, VolunteerSkill, VolunteerStatus
from solver.check.rules import static_violation
from solver.check.validate import skill_shortfall, volunteer_violations

CALENDAR_PAST = timedelta(days=30)
CALENDAR_FUTURE = timedelta(days=180)
MAX_FEED_TOKEN_LENGTH = 100
ERASED_REASON = "(erased: the volunteer withdrew)"
WITHDREW_REASON = "the volunteer withdrew"


def shift_week(shift: Shift) -> str:
    """The ISO week of the shift's start in its station's local time, as rosters count it."""
    return local_week(shift.starts_at, shift.station.timezone)


def _published_duties(volunteer_id: int) -> Select:
    return (
        select(Assignment)
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(Assignment.volunteer_id == volunteer_id, Roster.status == RosterStatus.published)
    )


def list_duties(
    session: Session,
    volunteer: Volunteer,
    params: PageParams,
    *,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
) -> Page[DutyRead]:
    query = _published_duties(volunteer.id).order_by(Shift.starts_at, Assignment.id)
    if starts_from is not None:
        query = query.where(Shift.starts_at >= starts_from)
    if starts_to is not None:
        query = query.where(Shift.starts_at < starts_to)
    page = paginate(session, query, params)
    return Page(items=[DutyRead.of(a) for a in page.items], total=page.total)


def upcoming_duties(session: Session, volunteer: Volunteer) -> list[Assignment]:
    """My published duties that have not ended yet and still stand (the app's list)."""
    query = (
        _published_duties(volunteer.id)
        .where(
            Shift.ends_at > utcnow(),
            Assignment.status.in_((AssignmentStatus.scheduled, AssignmentStatus.checked_in)),
        )
        .order_by(Shift.starts_at, Assignment.id)
    )
    return list(session.scalars(query))


def my_duty(session: Session, volunteer: Volunteer, assignment_id: int) -> Assignment:
    """One of my published duties, or 404 (another's duty does not exist for me)."""
    assignment = session.scalar(
        _published_duties(volunteer.id).where(Assignment.id == assignment_id)
    )
    if assignment is None:
        raise NotFound(f"Assignment {assignment_id} not found.")
    return assignment


def first_name(name: str) -> str:
    """What co-volunteers see of a name: the first word of "Chen Jie", the given name of
    "王小明" (a Chinese name starts with its one-character surname, said with the given
    name among people who do not know each other well); never the whole name."""
    name = name.strip()
    if " " in name:
        return name.split()[0]
    if len(name) >= 2 and not name.isascii():
        return name[1:]
    return name


def co_volunteers(session: Session, duties: Sequence[Assignment]) -> dict[int, list[str]]:
    """For each of my duties, the first names of the others on the same shift."""
    if not duties:
        return {}
    by_seat = {(a.roster_id, a.shift_id): a for a in duties}
    rows = session.execute(
        select(Assignment.roster_id, Assignment.shift_id, Assignment.volunteer_id, Volunteer.name)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(
            Assignment.roster_id.in_({a.roster_id for a in duties}),
            Assignment.shift_id.in_({a.shift_id for a in duties}),
            Assignment.status.in_(LIVE_STATUSES),
        )
        .order_by(Assignment.id)
    )
    names: dict[int, list[str]] = {a.id: [] for a in duties}
    for roster_id, shift_id, volunteer_id, name in rows:
        mine = by_seat.get((roster_id, shift_id))
        if mine is not None and volunteer_id != mine.volunteer_id:
            names[mine.id].append(first_name(name))
    return names


# -- cancelling --------------------------------------------------------------------


def cancel(session: Session, account: Account, assignment_id: int, reason: str) -> Assignment:
    """Cancels a scheduled, not yet started duty of a published roster; the seat reopens.

    The volunteer may cancel their own duties; coordinators those of their districts.
    Anyone else is told the assignment does not exist.
    """
    assignment, roster = roster_service.locked_assignment(session, assignment_id)
    if (
        assignment is None
        or roster is None
        or not _may_cancel(session, account, assignment, roster)
    ):
        raise NotFound(f"Assignment {assignment_id} not found.")
    if assignment.status == AssignmentStatus.cancelled:
        raise Conflict(f"Assignment {assignment_id} is already cancelled.", reason="cancelled")
    if assignment.status != AssignmentStatus.scheduled:
        raise Conflict(
            f"Assignment {assignment_id} is {assignment.status}; only a scheduled duty can be "
            "cancelled.",
            reason="not_scheduled",
        )
    if roster.status != RosterStatus.published:
        raise Conflict(
            f"Assignment {assignment_id} belongs to a {roster.status} roster; only duties of a "
            "published roster are cancelled.",
            reason="not_published",
        )
    now = utcnow()
    if assignment.shift.starts_at <= now:
        raise Conflict(
            f"The shift started at {assignment.shift.starts_at.isoformat()}; a started duty "
            "cannot be cancelled.",
            reason="started",
        )
    assignment.status = AssignmentStatus.cancelled
    assignment.cancelled_at = now
    assignment.cancel_reason = reason
    assignment.cancelled_by = account.id
    session.flush()
    change_notices.duty_cancelled(session, account, assignment)
    cover.open_seat_cover(session, assignment.shift, now)  # a seat open at short notice
    return assignment


def _may_cancel(session: Session, account: Account, assignment: Assignment, roster: Roster) -> bool:
    if account.role == Role.volunteer:
        volunteer = volunteer_service.volunteer_of(session, account)
        # Drafts stay invisible to volunteers, their own entries included.
        return assignment.volunteer_id == volunteer.id and roster.status == RosterStatus.published
    return district_service.in_scope(account, roster.district_id)


# -- open seats and sign-up --------------------------------------------------------


class SeatCheck:
    """The hard rule one volunteer would break by taking a free seat, for all the seats
    one request checks (the open-seat list checks hundreds). The volunteer as the
    solver sees them is built once over every day those seats and their duties touch
    (their weekly windows made concrete are the costliest part), a seat's shift only
    when a rule needs more than its times, and the travel to each station once. A wider
    span of days changes no rule's answer for a volunteer of the app, who has no
    minimum run of days (the only rules that read the problem's first and last day).
    """

    def __init__(
        self,
        volunteer: Volunteer,
        shifts: Iterable[Shift],
        duties: Sequence[Shift],
        settings: Settings,
    ) -> None:
        every = {s.id: s for s in [*shifts, *duties]}
        # UTC dates, a day wider on each side: every station's local day is in there.
        first_day = min(s.starts_at for s in every.values()).date() - timedelta(days=1)
        last_day = max(s.ends_at for s in every.values()).date() + timedelta(days=1)
        self.volunteer = volunteer
        self.duties = duties
        self.me = translate.solver_volunteer(volunteer, first_day, last_day, settings)
        self.zone = ZoneInfo(settings.default_timezone)  # that of the volunteer's windows
        self.solver_shifts: dict[int, solver.Shift] = {}
        # What the volunteer's duties around a seat break already, by those duties.
        self.breached: dict[tuple[solver.Id, ...], Counter[solver.Violation]] = {}
        stations = {s.station_id: s.station for s in every.values()}
        travel = translate.travel([volunteer], stations.values(), settings.travel_speed_kmh)
        self.problem = translate.own_duties_problem(
            self.me, (self.solver_shift(d) for d in duties), travel, first_day, last_day
        )

    def solver_shift(self, shift: Shift) -> solver.Shift:
        if shift.id not in self.solver_shifts:
            self.solver_shifts[shift.id] = translate.solver_shift(shift)
        return self.solver_shifts[shift.id]

    def violation(
        self, shift: Shift, holder_skills: Sequence[frozenset[str]]
    ) -> solver.Violation | None:
        """The rule broken by taking a seat on `shift`, whose other holders have
        `holder_skills`, or None."""
        me = self.me
        if shift.skill_requirements:
            # The seats left after this one must still be able to cover the skill needs.
            short = skill_shortfall(self.solver_shift(shift), [*holder_skills, me.skills])
            if sum(short.values()) > shift.max_volunteers - len(holder_skills) - 1:
                missing = sorted(s for s in short if s not in me.skills)
                return solver.Violation(
                    "skills",
                    "the free seats are kept for volunteers with "
                    + ", ".join(missing or sorted(short)),
                    self.volunteer.id,
                    shift.id,
                )
        if not me.unavailable_dates and not fits_windows(
            me, shift.starts_at, shift.ends_at, self.zone
        ):
            # What static_violation below would say, from the shift's times alone (the
            # same instants as the solver's shift in its station's zone): most seats a
            # volunteer cannot take stop here, before their shift is converted.
            return solver.Violation(
                "availability", "not available for the shift times", me.id, shift.id
            )
        # A rule that forbids the seat whatever else the volunteer works (availability,
        # skills, travel...) is the one the whole check would name first.
        candidate = self.solver_shift(shift)
        forbidden = static_violation(self.problem, me, candidate)
        if forbidden is not None:
            return forbidden
        # Then the rules over the volunteer's duties around the seat (rest, overlaps,
        # daily and weekly limits...): those the seat adds to what they already break,
        # about the seat first, as translate.added_violations has them. The rules of a
        # shift's headcount are the seat counts' and the reservations' above.
        nearby = [
            self.solver_shift(d)
            for d in self.duties
            if d.id != shift.id
            and d.ends_at > shift.starts_at - queries.NEIGHBOURHOOD
            and d.starts_at < shift.ends_at + queries.NEIGHBOURHOOD
        ]
        held = tuple(s.id for s in nearby)
        if held not in self.breached:  # the same duties are around most seats
            self.breached[held] = Counter(
                volunteer_violations(self.problem, me, nearby, include_static=False)
            )
        after = volunteer_violations(self.problem, me, [*nearby, candidate], include_static=False)
        added = list((Counter(after) - self.breached[held]).elements())
        return next((v for v in added if v.shift == shift.id), added[0] if added else None)


def live_duty_shifts(
    session: Session, volunteer_id: int, start: datetime, end: datetime
) -> list[Shift]:
    return list(
        session.scalars(
            select(Shift)
            .join(Assignment, Assignment.shift_id == Shift.id)
            .join(Roster, Roster.id == Assignment.roster_id)
            .where(
                Assignment.volunteer_id == volunteer_id,
                Assignment.status.in_(LIVE_STATUSES),
                Roster.status == RosterStatus.published,
                Shift.ends_at > start,
                Shift.starts_at < end,
                # Implied (no shift is longer); it lets the index on starts_at bound
                # the range from below too.
                Shift.starts_at > start - MAX_SHIFT_LENGTH,
            )
            .order_by(Shift.starts_at)
        ).unique()
    )


def skills_by_volunteer(session: Session, volunteer_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = set(volunteer_ids)
    out: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        rows = session.execute(
            select(VolunteerSkill.volunteer_id, VolunteerSkill.skill).where(
                VolunteerSkill.volunteer_id.in_(ids)
            )
        )
        for volunteer_id, skill in rows:
            out[volunteer_id].add(skill)
    return out


def may_take_seats(volunteer: Volunteer) -> bool:
    return volunteer.status == VolunteerStatus.active and volunteer.district_id is not None


def open_shifts(session: Session, volunteer: Volunteer, params: PageParams) -> Page[OpenShiftRead]:
    """Future shifts of the volunteer's district, in published rosters, with a free seat
    the volunteer may take without breaking a hard rule. A handful of queries in all."""
    fitting = [seat for seat, _ in open_seats(session, volunteer, fitting_only=True)]
    return Page(items=fitting[params.offset : params.offset + params.limit], total=len(fitting))


def open_seats(
    session: Session, volunteer: Volunteer, *, fitting_only: bool = False
) -> list[tuple[OpenShiftRead, solver.Violation | None]]:
    """Every free seat of the volunteer's district's published future shifts, each with
    the hard rule taking it would break (None: it fits), by start time; only those that
    fit with `fitting_only` (a district's hundreds of seats are read only to be shown)."""
    if not may_take_seats(volunteer):
        return []
    now = utcnow()
    first_week = iso_week(now - timedelta(days=7))
    rosters = {
        week: roster_id
        for roster_id, week in session.execute(
            select(Roster.id, Roster.week)
            .where(
                Roster.district_id == volunteer.district_id,
                Roster.status == RosterStatus.published,
                Roster.week >= first_week,
            )
            .order_by(Roster.id)
        )
    }
    if not rosters:
        return []
    holders = live_holders(session, rosters.values())
    free = _free_seats(session, volunteer, rosters, holders, now, fitting_only=fitting_only)
    shifts = session.scalars(
        select(Shift).where(Shift.id.in_(free)).order_by(Shift.starts_at, Shift.id)
    )
    seats = [(shift, free[shift.id], holders[free[shift.id], shift.id]) for shift in shifts]
    violations = seat_violations(session, volunteer, [(shift, ids) for shift, _, ids in seats])
    return [
        (
            OpenShiftRead(
                id=shift.id,
                roster_id=roster_id,
                station_id=shift.station_id,
                station_name=shift.station.name,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                max_volunteers=shift.max_volunteers,
                assigned=len(ids),
                free_seats=shift.max_volunteers - len(ids),
                skill_requirements=[
                    SkillRequirement.model_validate(r) for r in shift.skill_requirements
                ],
                priority=shift.priority,
            ),
            violation,
        )
        for (shift, roster_id, ids), violation in zip(seats, violations, strict=True)
        if violation is None or not fitting_only
    ]


def _free_seats(
    session: Session,
    volunteer: Volunteer,
    rosters: dict[str, int],
    holders: defaultdict[tuple[int, int], list[int]],
    now: datetime,
    *,
    fitting_only: bool,
) -> dict[int, int]:
    """The district's future shifts in service with a seat free in their week's roster
    (`rosters`: week -> roster id) that the volunteer does not hold: shift id -> roster
    id. Read on the shifts' times and headcounts alone, before any shift is loaded whole
    (most of a district's shifts are full or out of the volunteer's reach). With
    `fitting_only`, also only those at a station within the volunteer's travel limit
    and inside one of their weekly windows: the two rules that refuse most seats
    (static_violation's travel and availability); the full check follows for the rest.
    Unknown travel is not limited."""
    settings = get_settings()
    horizon = datetime.combine(week_monday(max(rosters)), time(), tzinfo=UTC) + timedelta(days=9)
    stations = {
        station.id: station
        for station in session.scalars(
            select(Station).where(Station.district_id == volunteer.district_id)
        )
    }
    zone = ZoneInfo(settings.default_timezone)  # that of the volunteer's windows
    me = None
    if fitting_only:
        me = translate.solver_volunteer(
            volunteer, now.date() - timedelta(days=1), horizon.date(), settings
        )
        stations = {
            station_id: station
            for station_id, station in stations.items()
            if (minutes := translate.travel_minutes(volunteer, station, settings.travel_speed_kmh))
            is None
            or me.max_travel_minutes is None
            or minutes <= me.max_travel_minutes
        }
    rows = session.execute(
        select(Shift.id, Shift.station_id, Shift.starts_at, Shift.ends_at, Shift.max_volunteers)
        .join(Station, Station.id == Shift.station_id)
        .where(
            Shift.station_id.in_(stations),
            shift_service.in_service(),
            Shift.starts_at > now,
            Shift.starts_at < horizon,
        )
    )
    free = {}
    for shift_id, station_id, starts_at, ends_at, max_volunteers in rows:
        roster_id = rosters.get(local_week(starts_at, stations[station_id].timezone))
        if roster_id is None:
            continue
        held_by = holders.get((roster_id, shift_id), ())
        if len(held_by) >= max_volunteers or volunteer.id in held_by:
            continue
        if me is not None and not fits_windows(me, starts_at, ends_at, zone):
            continue
        free[shift_id] = roster_id
    return free


def fits_windows(
    me: solver.Volunteer, starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> bool:
    """Whether one of the volunteer's windows holds the times, read in `zone`, the
    windows' own (translate.solver_volunteer makes them in the default zone): datetimes
    of one tzinfo compare as they stand, while across two zones each comparison asks
    both for their UTC offset, and an open-seat list makes thousands."""
    if me.availability is None:
        return True
    return me.available_for(starts_at.astimezone(zone), ends_at.astimezone(zone)) is not None


def lock_seat_shift(session: Session, volunteer: Volunteer, shift_id: int) -> tuple[Shift, Roster]:
    """The shift a volunteer wants a seat on, row-locked, and the published roster that
    covers it, after the checks that do not depend on who holds its seats: an active
    volunteer of the shift's district, a published roster, not started, an open station
    and a live weekly pattern. Sign-up and taking over a swapped duty both pass here.

    The shift row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN
    IMMEDIATE already lets one writer in at a time) before anyone counts its seats, and
    held until the request's transaction commits.
    """
    shift = session.scalar(select(Shift).where(Shift.id == shift_id).with_for_update(of=Shift))
    if shift is None or shift.cancelled_at is not None:
        raise NotFound(f"Shift {shift_id} not found.")
    if not may_take_seats(volunteer):
        raise Conflict(
            "Only an active volunteer of a district can sign up for shifts.", reason="inactive"
        )
    if shift.station.district_id != volunteer.district_id:
        raise Conflict(
            f"Shift {shift_id} belongs to another district's roster.", reason="other_district"
        )
    roster = queries.published_roster(
        session, shift.station.district_id, shift_week(shift), lock=True
    )
    if roster is None:
        raise Conflict(
            f"No published roster covers shift {shift_id}; sign-ups open when the week's "
            "roster is published.",
            reason="not_published",
        )
    if shift.starts_at <= utcnow():
        raise Conflict(
            f"Shift {shift_id} started at {shift.starts_at.isoformat()}.", reason="started"
        )
    if not shift.station.is_active:
        raise Conflict(f"The station of shift {shift_id} is closed.", reason="station_closed")
    if shift.template is not None and not shift.template.is_active:
        raise Conflict(
            f"The weekly pattern of shift {shift_id} has been retired.", reason="retired"
        )
    return shift, roster


def seat_holders(session: Session, roster_id: int, shift_id: int) -> list[int]:
    """The volunteers holding a live seat on the shift in the roster."""
    return list(
        session.scalars(
            select(Assignment.volunteer_id).where(
                Assignment.roster_id == roster_id,
                Assignment.shift_id == shift_id,
                Assignment.status.in_(LIVE_STATUSES),
            )
        )
    )


def live_holders(
    session: Session, roster_ids: Iterable[int]
) -> defaultdict[tuple[int, int], list[int]]:
    """The volunteers on each shift of the rosters: (roster_id, shift_id) -> their ids."""
    holders: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    for roster_id, shift_id, holder_id in session.execute(
        select(Assignment.roster_id, Assignment.shift_id, Assignment.volunteer_id).where(
            Assignment.roster_id.in_(set(roster_ids)),
            Assignment.status.in_(LIVE_STATUSES),
        )
    ):
        holders[roster_id, shift_id].append(holder_id)
    return holders


def seat_violations(
    session: Session,
    volunteer: Volunteer,
    seats: Sequence[tuple[Shift, Sequence[int]]],
) -> list[solver.Violation | None]:
    """For each (shift, the volunteers who stay on it), the hard rule that `volunteer`
    taking a seat there would break, or None: a seat still reserved for a team the
    volunteer is not a member of (an adoption, until its release time), the skill rule
    for the seats left, and every rule over the volunteer's own duties around it. The
    one check behind sign-up, the open-seat list, swaps and short-notice cover; five
    queries however many seats."""
    if not seats:
        return []
    skills = skills_by_volunteer(
        session, (h for shift, ids in seats if shift.skill_requirements for h in ids)
    )
    duties = live_duty_shifts(
        session,
        volunteer.id,
        min(shift.starts_at for shift, _ in seats) - queries.NEIGHBOURHOOD,
        max(shift.ends_at for shift, _ in seats) + queries.NEIGHBOURHOOD,
    )
    settings = get_settings()
    shifts = [shift for shift, _ in seats]
    adopted = translate.adopted_seats(shifts, queries.adoptions_at(session, shifts), settings)
    check = SeatCheck(volunteer, shifts, duties, settings)
    now = utcnow()
    return [
        translate.reserved_seat_violation(shift, adopted.get(shift.id, []), ids, volunteer.id, now)
        or check.violation(shift, [frozenset(skills.get(i, ())) for i in ids])
        for shift, ids in seats
    ]


def check_fit(
    session: Session,
    volunteer: Volunteer,
    shift: Shift,
    holder_ids: Sequence[int],
    *,
    action: str = "Signing up",
) -> None:
    """Raises a 409 naming the hard rule that `volunteer` taking a seat on `shift` next
    to `holder_ids` would break (see seat_violations)."""
    violation = seat_violations(session, volunteer, [(shift, holder_ids)])[0]
    if violation is not None:
        raise Conflict(
            f"{action} would break the {violation.rule} rule: {violation.message}.",
            reason=violation.rule,
        )


def sign_up(session: Session, account: Account, shift_id: int) -> Assignment:
    """Takes a free seat on a published shift for the calling volunteer.

    Never over-books: the seats are counted under the shift's row lock (lock_seat_shift).
    """
    volunteer = volunteer_service.volunteer_of(session, account)
    shift, roster = lock_seat_shift(session, volunteer, shift_id)
    holder_ids = seat_holders(session, roster.id, shift.id)
    if volunteer.id in holder_ids:
        raise already_on(shift_id)
    if len(holder_ids) >= shift.max_volunteers:
        raise Conflict(
            f"Shift {shift_id} is full ({shift.max_volunteers} of {shift.max_volunteers} "
            "seats taken).",
            reason="full",
        )
    check_fit(session, volunteer, shift, holder_ids)
    assignment = Assignment(
        roster_id=roster.id,
        shift_id=shift.id,
        volunteer_id=volunteer.id,
        status=AssignmentStatus.scheduled,
        source=AssignmentSource.signup,
        pinned=False,
    )
    session.add(assignment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise already_on(shift_id) from None
    cover.seat_signed_up(session, shift, roster, volunteer.id, utcnow())
    return assignment


def already_on(shift_id: int) -> Conflict:
    return Conflict(f"You are already on shift {shift_id}.", reason="already_assigned")


# -- calendar ----------------------------------------------------------------------


def calendar_duties(session: Session, volunteer: Volunteer) -> list[Assignment]:
    """Published duties from a month back to half a year ahead, cancelled ones included."""
    now = utcnow()
    query = (
        _published_duties(volunteer.id)
        .where(Shift.starts_at >= now - CALENDAR_PAST, Shift.starts_at < now + CALENDAR_FUTURE)
        .order_by(Shift.starts_at, Assignment.id)
    )
    return list(session.scalars(query))


def rotate_calendar_feed(session: Session, volunteer: Volunteer) -> str:
    """A new secret feed token; only its digest is stored, so the old one stops working."""
    token = new_token()
    volunteer.calendar_token_hash = token_digest(token)
    session.flush()
    return token


def volunteer_for_feed(session: Session, token: str) -> Volunteer:
    volunteer = None
    if len(token) <= MAX_FEED_TOKEN_LENGTH:
        volunteer = session.scalar(
            select(Volunteer).where(Volunteer.calendar_token_hash == token_digest(token))
        )
    if volunteer is None or volunteer.status == VolunteerStatus.withdrawn:
        raise NotFound("No calendar feed at this address; it may have been replaced.")
    return volunteer


def withdraw_volunteer(session: Session, volunteer: Volunteer) -> None:
    """Withdrawal across domains: future duties are cancelled (their seats reopen, the
    coordinator can repair), the calendar feed stops, then personal data is erased,
    free-text reasons on their duties and hours corrections included (they may name
    the person or their circumstances)."""
    now = utcnow()
    session.execute(
        update(Assignment)
        .where(Assignment.volunteer_id == volunteer.id, Assignment.cancel_reason.is_not(None))
        .values(cancel_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(HoursCorrection)
        .where(
            HoursCorrection.assignment_id.in_(
                select(Assignment.id).where(Assignment.volunteer_id == volunteer.id)
            )
        )
        .values(reason=ERASED_REASON)
        .execution_options(synchronize_session="fetch")
    )
    future = session.scalars(
        select(Assignment)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Assignment.volunteer_id == volunteer.id,
            Assignment.status == AssignmentStatus.scheduled,
            Shift.starts_at > now,
        )
    )
    reopened = []
    for assignment in future:
        assignment.status = AssignmentStatus.cancelled
        assignment.cancelled_at = now
        assignment.cancel_reason = WITHDREW_REASON
        reopened.append(assignment.shift)
    session.flush()
    for shift in reopened:
        cover.open_seat_cover(session, shift, now)
    volunteer.calendar_token_hash = None
    volunteer_service.withdraw(session, volunteer)
