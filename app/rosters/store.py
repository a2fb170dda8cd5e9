"""What a roster job reads before solving and writes after: the database side of a job."""

import dataclasses
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

import solver
from app.db import utcnow
from app.notifications import changes as change_notices
from app.rosters import mapping, queries, translate
from app.rosters.models import (
    LIVE_STATUSES,
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    JobKind,
    JobStatus,
    Roster,
    RosterStatus,
)
from app.settings import Settings, get_settings
from solver.check.rules import static_violation

# (volunteer_id, shift_id): database ids, typed as the solver types the ids it hands back.
Key = tuple[solver.Id, solver.Id]
REPAIR_REASON = "repair: the volunteer can no longer take this shift"


def _key(a: Assignment | solver.Assignment) -> Key:
    if isinstance(a, solver.Assignment):
        return (a.volunteer, a.shift)
    return (a.volunteer_id, a.shift_id)


def solve_options(time_limit_seconds: float, settings: Settings) -> solver.SolveOptions:
    """How the service searches: within the time limit asked, on the configured threads,
    by one CP-SAT run, the search the district benchmark measures (named, not left to
    "auto", so that a change of the size rule cannot move the service unmeasured)."""
    return solver.SolveOptions(
        time_limit_seconds=time_limit_seconds, workers=settings.solver_workers, method="cp-sat"
    )


@dataclass
class Work:
    """A job ready to run without the database."""

    kind: str
    problem: solver.Problem
    options: solver.SolveOptions
    # (volunteer, shift) -> (source, pinned) of assignments carried over unchanged.
    carried: dict[Key, tuple[AssignmentSource, bool]] = field(default_factory=dict)
    published: list[solver.Assignment] = field(default_factory=list)
    cancelled: list[solver.Assignment] = field(default_factory=list)

    def run(self, on_progress: solver.ProgressCallback) -> solver.Solution:
        options = dataclasses.replace(self.options, on_progress=on_progress)
        if self.kind == JobKind.repair:
            return solver.repair(
                self.problem, self.published, cancelled=self.cancelled, options=options
            )
        return solver.solve(self.problem, options)


def prepare(session: Session, roster: Roster) -> Work:
    if roster.job_kind == JobKind.repair:
        return _prepare_repair(session, roster)
    return _prepare_solve(session, roster)


def _prepare_solve(session: Session, roster: Roster) -> Work:
    """A new roster keeps what people committed to on the published one (manual and
    pinned assignments, sign-ups) and otherwise changes it as little as it can."""
    published = queries.published_roster(session, roster.district_id, roster.week)
    live = queries.live_assignments(session, published.id) if published else []
    committed = [a for a in live if a.pinned or a.source != AssignmentSource.solver]
    problem = mapping.build_problem(
        session, roster.district_id, roster.week, keep=committed, previous=live
    )
    # A commitment that a rule now forbids (say, new unavailability) is not carried.
    allowed = tuple(
        a
        for a in problem.pinned
        if static_violation(problem, problem.volunteer(a.volunteer), problem.shift(a.shift)) is None
    )
    problem = dataclasses.replace(problem, pinned=allowed)
    kept = {_key(a) for a in allowed}
    carried = {_key(a): (a.source, a.pinned) for a in committed if _key(a) in kept}
    return Work(
        kind=JobKind.solve,
        problem=problem,
        options=solve_options(roster.time_limit_seconds, get_settings()),
        carried=carried,
    )


def _prepare_repair(session: Session, roster: Roster) -> Work:
    rows = session.scalars(select(Assignment).where(Assignment.roster_id == roster.id)).all()
    live = [a for a in rows if a.status in LIVE_STATUSES]
    cancelled = [a for a in rows if a.status == AssignmentStatus.cancelled]
    problem = mapping.build_problem(
        session,
        roster.district_id,
        roster.week,
        held=live,  # repair keeps them: an adoption reserves only the seats they leave
    )
    # Seats of shifts that have started are not refilled any more.
    now = utcnow()
    started = [s for s in problem.shifts if s.start <= now]
    live_keys = {_key(a) for a in live}
    forbidden = tuple(
        translate.assignment(v.id, s.id)
        for s in started
        for v in problem.volunteers
        if (v.id, s.id) not in live_keys
    )
    problem = dataclasses.replace(problem, forbidden=forbidden)
    known = {s.id for s in problem.shifts}
    volunteers = {v.id for v in problem.volunteers}
    in_problem = [a for a in live if a.shift_id in known and a.volunteer_id in volunteers]
    return Work(
        kind=JobKind.repair,
        problem=problem,
        options=solve_options(roster.time_limit_seconds, get_settings()),
        carried={_key(a): (a.source, a.pinned) for a in live},
        published=translate.assignments(in_problem),
        cancelled=[
            c
            for c in translate.assignments(cancelled)
            if c.shift in known and c.volunteer in volunteers and _key(c) not in live_keys
        ],
    )


def _stats(solution: solver.Solution) -> dict:
    return {
        "objective": solution.objective,
        "objective_by_rule": solution.objective_by_rule,
        "best_bound": solution.best_bound,
        "gap": solution.gap,
        "solver_status": solution.status,
        "solve_seconds": round(solution.wall_seconds, 3),
        "first_solution_seconds": solution.first_solution_seconds,
    }


def _unfilled(solution: solver.Solution) -> list[dict]:
    return [
        {
            "shift_id": seat.shift,
            "count": seat.count,
            "skill": seat.skill,
            "reasons": [reason.message for reason in seat.reasons],
        }
        for seat in solution.unfilled
    ]


def save(session: Session, roster: Roster, work: Work, solution: solver.Solution) -> None:
    if not solution.has_roster:
        roster.job_status = JobStatus.failed
        roster.finished_at = utcnow()
        roster.stats = _stats(solution)
        roster.error = (
            f"the solver found no roster ({solution.status}): the pinned assignments "
            "contradict the hard rules, or the time limit was too short"
        )
        if roster.job_kind == JobKind.solve:
            roster.status = RosterStatus.failed
        return
    if work.kind == JobKind.repair:
        _save_repair(session, roster, work, solution)
    else:
        for a in solution.assignments:
            source, pinned = work.carried.get(_key(a), (AssignmentSource.solver, False))
            session.add(
                Assignment(
                    roster_id=roster.id,
                    shift_id=a.shift,
                    volunteer_id=a.volunteer,
                    source=source,
                    pinned=pinned,
                )
            )
        roster.status = RosterStatus.draft
    roster.stats = _stats(solution)
    roster.unfilled = _unfilled(solution)
    roster.job_status = JobStatus.done
    roster.error = None
    roster.finished_at = utcnow()


def _save_repair(session: Session, roster: Roster, work: Work, solution: solver.Solution) -> None:
    """Applies the repaired roster in place: only the differences are written."""
    live = {
        _key(a): a
        for a in session.scalars(
            select(Assignment).where(
                Assignment.roster_id == roster.id, Assignment.status.in_(LIVE_STATUSES)
            )
        )
    }
    wanted = {_key(a) for a in solution.assignments}
    considered = {_key(a) for a in work.published}
    removed = [live[k] for k in considered - wanted]
    added = wanted - set(live)
    now = utcnow()
    for assignment in removed:
        assignment.status = AssignmentStatus.cancelled
        assignment.cancelled_at = now
        assignment.cancel_reason = REPAIR_REASON
    given = [
        Assignment(roster_id=roster.id, shift_id=shift_id, volunteer_id=volunteer_id)
        for volunteer_id, shift_id in sorted(added)
    ]
    session.add_all(given)
    session.flush()
    roster.changed_volunteer_ids = sorted({a.volunteer_id for a in [*removed, *given]})
    # Only those whose duties moved hear of the repair, in the transaction that applies it.
    change_notices.duties_changed(
        session, change_notices.Cause.repair, change_notices.by_volunteer(given, removed)
    )
