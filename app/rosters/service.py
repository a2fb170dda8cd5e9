"""The coordinator's roster: request, read, publish, repair, edit, export."""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Bundle, Session

import solver
from app.accounts.models import Account
from app.cover import service as cover
from app.db import after_commit, utcnow, write_now
from app.districts import service as district_service
from app.errors import Conflict, NotFound
from app.exports import spreadsheet_safe
from app.notifications import changes as change_notices
from app.notifications import service as notifications
from app.rosters import jobs, mapping, queries, translate
from app.rosters.models import (
    ACTIVE_JOB_STATUSES,
    ACTIVE_STATUSES,
    LIVE_STATUSES,
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    JobKind,
    Roster,
    RosterStatus,
)
from app.rosters.schemas import ManualAssignment, RosterRequest
from app.settings import get_settings
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import Station
from app.types import local_week
from app.volunteers.models import Volunteer, VolunteerSkill, VolunteerStatus
from solver.check.explain import ORDER as RULE_ORDER
from solver.check.rules import Violation, static_violation
from solver.check.validate import skill_shortfall, volunteer_violations
from solver.model.rules.reserved_seats import reserved_for


def _send_after_commit(session: Session, roster_ids: list[int]) -> None:
    for roster_id in roster_ids:
        after_commit(session, partial(jobs.send, roster_id))


def _active_roster(session: Session, district_id: int, week: str) -> Roster | None:
    return session.scalar(
        select(Roster).where(
            Roster.district_id == district_id,
            Roster.week == week,
            Roster.status.in_(ACTIVE_STATUSES),
        )
    )


def request_roster(session: Session, account: Account, data: RosterRequest) -> tuple[Roster, bool]:
    """Queues a solve of the district-week; (roster, True) when a new job was queued,
    (the queued or solving one, False) when one is under way already."""
    district_service.get_district_in_scope(session, account, data.district_id)
    _send_after_commit(session, jobs.reap_stale(session))
    existing = _active_roster(session, data.district_id, data.week)
    if existing is not None:
        return existing, False
    if not queries.week_shifts(session, data.district_id, data.week):
        shift_service.generate_week(session, account, data.district_id, data.week)
    roster = Roster(
        district_id=data.district_id,
        week=data.week,
        job_kind=JobKind.solve,
        requested_by=account.id,
        time_limit_seconds=data.time_limit_seconds or get_settings().solver_time_limit_seconds,
    )
    jobs.queue(roster)
    try:
        # Added inside the savepoint, so that its rollback expunges the roster: left
        # pending, it would be flushed (and fail) again by the look-up below.
        with session.begin_nested():
            session.add(roster)
            session.flush()
    except IntegrityError:  # a racing request queued the same district-week first
        racing = _active_roster(session, data.district_id, data.week)
        if racing is None:  # ... and its job has finished in the meantime
            raise Conflict(
                f"A roster of {data.week} was being requested at the same moment; request it again."
            ) from None
        return racing, False
    _send_after_commit(session, [roster.id])
    return roster, True


def locked_assignment(
    session: Session, assignment_id: int
) -> tuple[Assignment, Roster] | tuple[None, None]:
    """The assignment, row-locked until the transaction ends, with its roster."""
    assignment = session.scalar(
        select(Assignment).where(Assignment.id == assignment_id).with_for_update(of=Assignment)
    )
    if assignment is None:
        return None, None
    return assignment, session.get_one(Roster, assignment.roster_id)


def get_roster(session: Session, account: Account, roster_id: int) -> Roster:
    roster = session.get(Roster, roster_id)
    if roster is None or not district_service.in_scope(account, roster.district_id):
        raise NotFound(f"Roster {roster_id} not found.")
    return roster


def refresh_jobs(session: Session) -> None:
    """A read is also a chance to notice a worker that died. Most reads find none and
    write nothing; one that does reaps in a short writing transaction of its own
    (app.db.write_now) and then shows the roster as it is after it."""
    if jobs.stale_jobs(session):
        write_now(session, lambda writing: _send_after_commit(writing, jobs.reap_stale(writing)))


def list_rosters(
    session: Session, account: Account, district_id: int, week: str | None
) -> list[Roster]:
    district_service.get_district_in_scope(session, account, district_id)
    query = select(Roster).where(Roster.district_id == district_id)
    if week is not None:
        query = query.where(Roster.week == week)
    return list(session.scalars(query.order_by(Roster.id.desc())))


def roster_assignments(session: Session, roster: Roster) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.roster_id == roster.id)
            .order_by(Assignment.shift_id, Assignment.id)
        )
    )


# An open seat the solver did not leave open: someone left it since.
REOPENED_REASON = (
    "seats reopened after the roster was made (cancellations or removals); "
    "request a repair to refill them"
)


@dataclass(frozen=True)
class ShiftFill:
    """The roster's week as it stands: its shifts, and the skills of each person on duty
    on each of them. Seat counts and open seats come from it; a page reads it once."""

    shifts: list[Shift]
    on_shift: dict[int, list[frozenset[str]]]


def shift_fill(session: Session, roster: Roster) -> ShiftFill:
    return shift_fills(session, [roster])[roster.id]


def shift_fills(session: Session, rosters: Sequence[Roster]) -> dict[int, ShiftFill]:
    """The fill of each roster, by id: three queries for a district's whole list of
    rosters (their weeks' shifts, the skills of everyone on duty in them)."""
    shifts_by_week: dict[tuple[int, str], list[Shift]] = defaultdict(list)
    for district_id in {r.district_id for r in rosters}:
        weeks = {r.week for r in rosters if r.district_id == district_id}
        for shift in queries.weeks_shifts(session, district_id, weeks):
            week = local_week(shift.starts_at, shift.station.timezone)
            shifts_by_week[district_id, week].append(shift)
    skills: dict[int, set[str]] = {}
    shift_of: dict[int, tuple[int, int]] = {}  # assignment id -> roster id, shift id
    for assignment_id, roster_id, shift_id, skill in session.execute(
        select(Assignment.id, Assignment.roster_id, Assignment.shift_id, VolunteerSkill.skill)
        .outerjoin(VolunteerSkill, VolunteerSkill.volunteer_id == Assignment.volunteer_id)
        .where(
            Assignment.roster_id.in_([r.id for r in rosters]),
            Assignment.status.in_(LIVE_STATUSES),
        )
    ):
        shift_of[assignment_id] = (roster_id, shift_id)
        held = skills.setdefault(assignment_id, set())
        if skill is not None:
            held.add(skill)
    on_shift: dict[int, dict[int, list[frozenset[str]]]] = defaultdict(lambda: defaultdict(list))
    for assignment_id, (roster_id, shift_id) in shift_of.items():
        on_shift[roster_id][shift_id].append(frozenset(skills[assignment_id]))
    return {r.id: ShiftFill(shifts_by_week[r.district_id, r.week], on_shift[r.id]) for r in rosters}


def stats(session: Session, roster: Roster, fill: ShiftFill | None = None) -> dict:
    """Seat counts from the assignments as they are now, solver figures as solved."""
    if fill is None:
        required, filled, missing = seat_counts(session, roster)
    else:
        shifts, on_shift = fill.shifts, fill.on_shift
        required = sum(s.min_volunteers for s in shifts)
        filled = sum(len(on_shift[s.id]) for s in shifts)
        missing = sum(max(0, s.min_volunteers - len(on_shift[s.id])) for s in shifts)
    return {
        "seats_required": required,
        "seats_filled": filled,
        "seats_missing": missing,
        "coverage": round(filled / required, 4) if required else 1.0,
        **(roster.stats or {}),
    }


def seat_counts(session: Session, roster: Roster) -> tuple[int, int, int]:
    """The week's seats required, filled and missing, as stats() counts them from a
    fill, in one aggregate query: a roster's stats alone (GET /rosters/{id}, polled by
    the console while a job runs) need not load its 600 shifts."""
    on = (
        select(Assignment.shift_id, func.count().label("people"))
        .where(Assignment.roster_id == roster.id, Assignment.status.in_(LIVE_STATUSES))
        .group_by(Assignment.shift_id)
        .subquery()
    )
    people = func.coalesce(on.c.people, 0)
    short = case((Shift.min_volunteers > people, Shift.min_volunteers - people), else_=0)
    counts = session.execute(
        select(func.sum(Shift.min_volunteers), func.sum(people), func.sum(short))
        .select_from(Shift)
        .join(Station)
        .outerjoin(on, on.c.shift_id == Shift.id)
        .where(*queries.in_weeks(session, roster.district_id, [roster.week]))
    ).one()
    return int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0)


def unfilled(session: Session, roster: Roster, fill: ShiftFill | None = None) -> list[dict]:
    """Every shift below its minimum or short of a skill, with the solver's reasons."""
    fill = fill or shift_fill(session, roster)
    shifts, on_shift = fill.shifts, fill.on_shift
    reasons: dict[int, list[str]] = defaultdict(list)
    for seat in roster.unfilled or []:
        for reason in seat["reasons"]:
            if reason not in reasons[seat["shift_id"]]:
                reasons[seat["shift_id"]].append(reason)
    result = []
    for shift in shifts:
        people = on_shift[shift.id]
        missing = max(0, shift.min_volunteers - len(people))
        short = skill_shortfall(translate.solver_shift(shift), people)
        if not missing and not short:
            continue
        why = reasons.get(shift.id) or [REOPENED_REASON]
        result.append(
            {
                "shift_id": shift.id,
                "station_id": shift.station_id,
                "starts_at": shift.starts_at,
                "ends_at": shift.ends_at,
                "missing": missing,
                "missing_skills": short,
                "reasons": why,
            }
        )
    return result


def seat_candidates(
    session: Session,
    account: Account,
    roster_id: int,
    shift_id: int,
    limit: int = 10,
    fill: ShiftFill | None = None,
) -> list[dict]:
    """The volunteers nearest to a shift's station who are not on it, each with the
    first hard rule that stops them from taking it next to their live assignments
    (None: they could take it). Nearest first; the unknown distances last."""
    roster = get_roster(session, account, roster_id)
    return ranked_candidates(session, roster, shift_id, limit, fill)


def ranked_candidates(
    session: Session,
    roster: Roster,
    shift_id: int,
    limit: int | None = 10,
    fill: ShiftFill | None = None,
) -> list[dict]:
    """seat_candidates for a roster the caller may read (the short-notice cover runs it
    for the service itself); `limit` None checks the whole district."""
    target = session.get(Shift, shift_id)
    if target is None or target.station.district_id != roster.district_id:
        raise NotFound(f"Shift {shift_id} is not in this roster's district and week.")
    live = session.execute(
        select(Assignment.volunteer_id, Assignment.shift_id).where(
            Assignment.roster_id == roster.id, Assignment.status.in_(LIVE_STATUSES)
        )
    ).all()
    on_shift = {volunteer_id for volunteer_id, on in live if on == shift_id}
    # The nearest from homes alone; only they are then checked against every rule.
    speed = get_settings().travel_speed_kmh
    station = target.station
    by_distance = sorted(
        (lat is None or lon is None,
         translate.minutes_between(lat, lon, station.lat, station.lon, speed)
         if lat is not None and lon is not None else 0,
         volunteer_id)
        for volunteer_id, lat, lon in session.execute(
            select(Volunteer.id, Volunteer.home_lat, Volunteer.home_lon).where(
                Volunteer.district_id == roster.district_id,
                Volunteer.status == VolunteerStatus.active,
            )
        )
        if volunteer_id not in on_shift
    )  # fmt: skip
    nearest_ids = [volunteer_id for *_, volunteer_id in by_distance[:limit]]
    problem = mapping.build_problem(
        session, roster.district_id, roster.week,
        only_volunteers=nearest_ids, shifts=fill.shifts if fill else None,
    )  # fmt: skip
    shifts = {s.id: s for s in problem.shifts}
    shift = shifts.get(shift_id)
    if shift is None:
        raise NotFound(f"Shift {shift_id} is not in this roster's district and week.")
    mine: dict[solver.Id, list[solver.Shift]] = defaultdict(list)
    for volunteer_id, on in live:
        if on in shifts:
            mine[volunteer_id].append(shifts[on])
    full = len(on_shift) >= shift.max_headcount
    volunteers = {v.id: v for v in problem.volunteers}
    nearest = [volunteers[volunteer_id] for volunteer_id in nearest_ids]
    names: dict[solver.Id, str] = {
        volunteer_id: name
        for volunteer_id, name in session.execute(
            select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(nearest_ids))
        )
    }
    result = []
    for v in nearest:
        blocked = static_violation(problem, v, shift)
        if blocked is None:
            held = mine[v.id]
            added = Counter(
                volunteer_violations(problem, v, [*held, shift], include_static=False)
            ) - Counter(volunteer_violations(problem, v, held, include_static=False))
            blocked = min(
                added,
                key=lambda b: RULE_ORDER.index(b.rule) if b.rule in RULE_ORDER else 99,
                default=None,
            )
        if blocked is None and full:
            blocked = Violation("max_headcount", "the shift is at its max headcount")
        if blocked is None and (teams := reserved_for(shift, on_shift, v.id)):
            blocked = Violation(
                "reserved_seats", f"the free seats are reserved for team {' and '.join(teams)}"
            )
        result.append(
            {
                "volunteer_id": v.id,
                "name": names[v.id],
                "travel_minutes": problem.travel(v.id, shift.station),
                "rule": blocked.rule if blocked else None,
                "message": blocked.message if blocked else None,
            }
        )
    return result


def published_seat_counts(session: Session, shift_ids: list[int]) -> dict[int, int]:
    """Volunteers on each shift in the published rosters, in one query."""
    if not shift_ids:
        return {}
    rows = session.execute(
        select(Assignment.shift_id, func.count())
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(
            Roster.status == RosterStatus.published,
            Assignment.status.in_(LIVE_STATUSES),
            Assignment.shift_id.in_(shift_ids),
        )
        .group_by(Assignment.shift_id)
    )
    return dict(rows.all())


def changes_against_published(
    session: Session, roster: Roster
) -> tuple[list[Assignment], list[Assignment]] | None:
    """For a draft: the duties it adds and those it drops against the district-week's
    published roster, (added, dropped); None when there is nothing to compare."""
    if roster.status != RosterStatus.draft:
        return None
    published = queries.published_roster(session, roster.district_id, roster.week)
    if published is None:
        return None
    mine = {(a.volunteer_id, a.shift_id): a for a in queries.live_assignments(session, roster.id)}
    theirs = {
        (a.volunteer_id, a.shift_id): a for a in queries.live_assignments(session, published.id)
    }
    by_time = lambda a: (a.shift.starts_at, a.shift_id, a.volunteer_id)  # noqa: E731
    added = sorted((mine[k] for k in mine.keys() - theirs.keys()), key=by_time)
    dropped = sorted((theirs[k] for k in theirs.keys() - mine.keys()), key=by_time)
    return added, dropped


def publish(session: Session, account: Account, roster_id: int) -> Roster:
    roster = get_roster(session, account, roster_id)
    if roster.status != RosterStatus.draft:
        raise Conflict(f"Only a draft roster can be published; this one is {roster.status}.")
    earlier = session.scalar(
        select(Roster)
        .where(
            Roster.district_id == roster.district_id,
            Roster.week == roster.week,
            Roster.status == RosterStatus.published,
        )
        .with_for_update()  # waits for sign-ups holding it, then keeps new ones out
    )
    if earlier is not None:
        _carry_over(session, earlier, roster)
        earlier.status = RosterStatus.superseded
        session.flush()
    roster.status = RosterStatus.published
    roster.published_at = utcnow()
    session.flush()
    # In this transaction: a publish that rolls back tells nobody.
    notifications.roster_published(session, roster, earlier)
    cover.cover_open_seats(session, roster, utcnow())  # seats left open close to their start
    session.flush()
    return roster


def _carry_over(session: Session, earlier: Roster, roster: Roster) -> None:
    """Brings onto the new roster what happened on the earlier one after the new
    roster's solve had read it: sign-ups and manual additions (while seats remain),
    cancellations, and every check-in with its times."""
    since = roster.started_at or roster.created_at
    rows = session.scalars(select(Assignment).where(Assignment.roster_id == earlier.id)).all()
    mine = {(a.volunteer_id, a.shift_id): a for a in queries.live_assignments(session, roster.id)}
    seats = Counter(shift_id for _, shift_id in mine)

    def copy_of(old: Assignment) -> Assignment:
        new = Assignment(
            roster_id=roster.id, shift_id=old.shift_id, volunteer_id=old.volunteer_id,
            source=old.source, pinned=old.pinned, status=old.status,
        )  # fmt: skip
        session.add(new)
        seats[old.shift_id] += 1
        return new

    for old in rows:
        key = (old.volunteer_id, old.shift_id)
        if old.check_in_at is not None:
            # Someone who came to the station stays on the roster, with the kiosk's times.
            current = mine.get(key) or copy_of(old)
            current.status = old.status
            current.check_in_at, current.check_out_at = old.check_in_at, old.check_out_at
        elif old.status == AssignmentStatus.cancelled and (old.cancelled_at or since) > since:
            if key in mine:
                mine[key].status = AssignmentStatus.cancelled
                mine[key].cancelled_at = old.cancelled_at
                mine[key].cancel_reason = old.cancel_reason
                seats[old.shift_id] -= 1
        elif (
            old.status in LIVE_STATUSES
            and old.source != AssignmentSource.solver
            and old.created_at > since
            and key not in mine
            and seats[old.shift_id] < old.shift.max_volunteers
        ):
            copy_of(old)


def request_repair(session: Session, account: Account, roster_id: int) -> Roster:
    roster = get_roster(session, account, roster_id)
    if roster.status != RosterStatus.published:
        raise Conflict(f"Only a published roster can be repaired; this one is {roster.status}.")
    if roster.job_status in ACTIVE_JOB_STATUSES:
        return roster
    roster.job_kind = JobKind.repair
    roster.attempts = 0
    roster.error = None
    jobs.queue(roster)
    session.flush()
    _send_after_commit(session, [roster.id])
    return roster


def _editable(session: Session, account: Account, roster_id: int) -> Roster:
    roster = get_roster(session, account, roster_id)
    if roster.status not in (RosterStatus.draft, RosterStatus.published):
        raise Conflict(f"A {roster.status} roster cannot be edited.")
    return roster


def add_assignment(
    session: Session, account: Account, roster_id: int, data: ManualAssignment
) -> Assignment:
    """A coordinator's own choice, checked against every hard rule by the validator."""
    roster = _editable(session, account, roster_id)
    problem = mapping.build_problem(session, roster.district_id, roster.week)
    if data.shift_id not in {s.id for s in problem.shifts}:
        raise NotFound(f"Shift {data.shift_id} is not in this roster's district and week.")
    if data.volunteer_id not in {v.id for v in problem.volunteers}:
        raise NotFound(f"Volunteer {data.volunteer_id} is not an active volunteer of the district.")
    live = translate.assignments(queries.live_assignments(session, roster.id))
    new = translate.assignment(data.volunteer_id, data.shift_id)
    if new in live:
        raise Conflict("The volunteer is already on this shift.")
    broken = translate.added_violations(problem, live, new)
    if broken:
        first = broken[0]
        raise Conflict(
            f"This assignment breaks the hard rule {first.rule}: {first.message}",
            rule=first.rule,
            violations=[{"rule": v.rule, "message": v.message} for v in broken],
        )
    assignment = Assignment(
        roster_id=roster.id,
        shift_id=data.shift_id,
        volunteer_id=data.volunteer_id,
        source=AssignmentSource.manual,
        pinned=data.pinned,
    )
    session.add(assignment)
    session.flush()
    change_notices.duties_changed(
        session, change_notices.Cause.coordinator_edit, change_notices.by_volunteer([assignment])
    )
    return assignment


REMOVED_REASON = "removed by a coordinator"


def remove_assignment(
    session: Session, account: Account, roster_id: int, assignment_id: int
) -> None:
    roster = _editable(session, account, roster_id)
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.roster_id != roster.id:
        raise NotFound(f"Assignment {assignment_id} not found in roster {roster_id}.")
    if assignment.status not in LIVE_STATUSES:
        raise Conflict(f"The assignment is {assignment.status} already.")
    assignment.status = AssignmentStatus.cancelled
    assignment.cancelled_at = utcnow()
    assignment.cancelled_by = account.id
    assignment.cancel_reason = REMOVED_REASON
    change_notices.duties_changed(
        session,
        change_notices.Cause.coordinator_edit,
        change_notices.by_volunteer(taken=[assignment]),
    )
    if roster.status == RosterStatus.published:
        session.flush()
        cover.open_seat_cover(session, assignment.shift, utcnow())


EXPORT_COLUMNS = [
    "assignment_id", "status", "source", "pinned", "station_code", "station_name",
    "date", "start", "end", "timezone", "shift_id", "volunteer_id", "volunteer_name",
    "volunteer_phone",
]  # fmt: skip


def export_csv(session: Session, roster: Roster) -> str:
    """One row per assignment, times in the station's timezone."""
    rows: Sequence[Any] = session.execute(
        select(Assignment, Bundle("volunteer", Volunteer.id, Volunteer.name, Volunteer.phone))
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(Assignment.roster_id == roster.id)
        .order_by(Assignment.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for assignment, volunteer in rows:
        shift = assignment.shift
        zone = ZoneInfo(shift.station.timezone)
        start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
        writer.writerow(
            [
                assignment.id,
                assignment.status,
                assignment.source,
                assignment.pinned,
                spreadsheet_safe(shift.station.code),
                spreadsheet_safe(shift.station.name),
                start.date().isoformat(),
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                shift.station.timezone,
                shift.id,
                volunteer.id,
                spreadsheet_safe(volunteer.name),
                volunteer.phone or "",
            ]  # fmt: skip
        )
    return out.getvalue()
