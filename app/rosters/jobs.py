"""Roster jobs: claim, solve or repair, store; and the two ways they are run.

SQLite (embedded): one in-process worker thread, woken when a job is queued.
PostgreSQL: procrastinate tasks, run by any number of `uroster worker` processes.
Both run `run_job`. A job is claimed atomically (queued -> running) so that a job
sent twice runs once, and a running job writes a heartbeat; a job whose worker
died (no heartbeat for `job_stale_seconds`) is queued again once, then failed.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import solver
from app.db import get_engine, get_sessionmaker, utcnow
from app.rosters import store
from app.rosters.models import ACTIVE_JOB_STATUSES, JobKind, JobStatus, Roster, RosterStatus
from app.settings import get_settings

log = logging.getLogger("uroster.jobs")
MAX_ATTEMPTS = 2


def session_scope() -> AbstractContextManager[Session]:
    """One transaction of a job. Tests swap it to run jobs inside their own transaction."""
    return get_sessionmaker().begin()


def claim(session: Session, roster_id: int | None = None) -> Roster | None:
    """Moves one queued job (this one, or the oldest) to running; None if there is none."""
    query = select(Roster.id).where(Roster.job_status == JobStatus.queued)
    if roster_id is not None:
        query = query.where(Roster.id == roster_id)
    candidate = session.scalar(query.order_by(Roster.created_at, Roster.id).limit(1))
    if candidate is None:
        return None
    now = utcnow()
    claimed = session.execute(
        update(Roster)
        .where(Roster.id == candidate, Roster.job_status == JobStatus.queued)
        .values(
            job_status=JobStatus.running,
            started_at=now,
            heartbeat_at=now,
            attempts=Roster.attempts + 1,
        )
        .returning(Roster.id)
    ).scalar()
    if claimed is None:  # another worker was faster
        return None
    # The UPDATE above just returned this row, so it exists.
    roster = session.get_one(Roster, claimed, populate_existing=True)
    if roster.job_kind == JobKind.solve:
        roster.status = RosterStatus.solving
    roster.progress = None
    return roster


def stale_jobs(session: Session) -> Sequence[Roster]:
    """The rosters whose job's worker went silent (queued ones whose sending a crash
    prevented included)."""
    limit = utcnow() - timedelta(seconds=get_settings().job_stale_seconds)
    return session.scalars(
        select(Roster).where(
            Roster.job_status.in_(ACTIVE_JOB_STATUSES), Roster.heartbeat_at < limit
        )
    ).all()


def reap_stale(session: Session) -> list[int]:
    """Requeues (once) or fails jobs whose worker went silent; returns the ids to send
    again, queued jobs whose sending a crash prevented included."""
    settings = get_settings()
    stale = stale_jobs(session)
    resend = []
    for roster in stale:
        if roster.job_status == JobStatus.queued:
            roster.heartbeat_at = utcnow()  # sent again now: wait a full period
            resend.append(roster.id)
        elif roster.attempts < MAX_ATTEMPTS:
            log.warning("roster %s: worker silent, queued again", roster.id)
            queue(roster)
            resend.append(roster.id)
        else:
            fail(
                roster,
                f"the worker stopped while running the {roster.job_kind} job (no heartbeat "
                f"for {settings.job_stale_seconds:.0f} s, {roster.attempts} attempts); "
                "request it again",
            )
    return resend


def queue(roster: Roster) -> None:
    """Marks the roster's job as waiting for a worker; its heartbeat clock starts now."""
    roster.job_status = JobStatus.queued
    roster.heartbeat_at = utcnow()
    if roster.job_kind == JobKind.solve:
        roster.status = RosterStatus.queued


def fail(roster: Roster, reason: str) -> None:
    roster.job_status = JobStatus.failed
    roster.error = reason[:2000]
    roster.finished_at = utcnow()
    if roster.job_kind == JobKind.solve:
        roster.status = RosterStatus.failed


class _Heartbeat:
    """Marks the job alive every few seconds while CP-SAT searches, and keeps the
    latest progress point for the coordinator to see."""

    def __init__(self, roster_id: int, kind: str, seats_required: int) -> None:
        self.roster_id = roster_id
        self.kind = kind
        self.seats_required = seats_required
        self.latest: solver.Progress | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{roster_id}", daemon=True
        )

    def __enter__(self) -> "_Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def on_progress(self, point: solver.Progress) -> None:
        self.latest = point

    def _beat(self) -> None:
        # Several beats fit in the stale limit, so a live job is never taken for dead.
        interval = min(5.0, get_settings().job_stale_seconds / 4)
        while not self.stop.wait(interval):
            try:
                self.write()
            except Exception:  # noqa: BLE001 - a missed beat must not end the beating
                log.exception("roster %s: heartbeat not written", self.roster_id)

    def write(self) -> None:
        values: dict = {"heartbeat_at": utcnow()}
        if self.latest is not None:
            bound = self.latest.bound
            values["progress"] = {
                "elapsed_seconds": round(self.latest.seconds, 2),
                "best_objective": self.latest.objective,
                "best_bound": bound if bound not in (float("inf"), float("-inf")) else None,
                "seats_filled": self.latest.assigned,
                "coverage": round(self.latest.assigned / self.seats_required, 4)
                if self.latest.assigned is not None and self.seats_required
                else None,
                "job": self.kind,
            }
        with session_scope() as session:
            session.execute(
                update(Roster)
                .where(Roster.id == self.roster_id, Roster.job_status == JobStatus.running)
                .values(**values)
            )


def run_job(roster_id: int | None = None) -> int | None:
    """Runs one queued job (this one, or the oldest); returns its roster id."""
    with session_scope() as session:
        roster = claim(session, roster_id)
        if roster is None:
            return None
        roster_id, kind = roster.id, roster.job_kind
        try:
            work = store.prepare(session, roster)
        except Exception as exc:  # noqa: BLE001 - any failure is reported on the roster
            log.exception("roster %s: cannot build the problem", roster_id)
            fail(roster, f"cannot build the roster problem: {exc}")
            return roster_id
    try:
        seats = sum(s.min_headcount for s in work.problem.shifts)
        with _Heartbeat(roster_id, kind, seats) as heartbeat:
            solution = work.run(heartbeat.on_progress)
    except Exception as exc:  # noqa: BLE001
        log.exception("roster %s: the solver failed", roster_id)
        with session_scope() as session:
            # Rosters are never deleted, so the claimed one is still there.
            fail(session.get_one(Roster, roster_id), f"the solver failed: {exc}")
        return roster_id
    with session_scope() as session:
        store.save(session, session.get_one(Roster, roster_id), work, solution)
    return roster_id


# -- runners ---------------------------------------------------------------------------


class ThreadRunner:
    """The embedded runner: one daemon thread that drains the queue."""

    def __init__(self, poll_seconds: float = 5.0) -> None:
        self.poll_seconds = poll_seconds
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> threading.Thread:
        self.stopping.clear()
        self.thread = threading.Thread(target=self._loop, name="roster-worker", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=60)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            # Cleared before the work, not after: a wake-up that comes while the loop
            # is busy (a message recorded mid-solve) makes it go round once more.
            self.wake.clear()
            self._deliver_notifications()
            try:
                with session_scope() as session:
                    reap_stale(session)
                while not self.stopping.is_set() and run_job() is not None:
                    pass
            except Exception:  # noqa: BLE001 - the loop must survive a bad job
                log.exception("roster worker loop")
            self.wake.wait(self.poll_seconds)

    def _deliver_notifications(self) -> None:
        """The outbox is delivered by the same loop (on SQLite one writer is enough)."""
        from app.notifications import rounds

        try:
            rounds.run_round(utcnow())
        except Exception:  # noqa: BLE001 - a bad round must not stop the roster jobs
            log.exception("notification delivery round")


_thread_runner: ThreadRunner | None = None


def uses_procrastinate() -> bool:
    return get_engine().dialect.name == "postgresql"


def start_embedded_runner() -> ThreadRunner | None:
    """Starts the in-process worker on SQLite; PostgreSQL uses `uroster worker`."""
    global _thread_runner
    if uses_procrastinate():
        return None
    if _thread_runner is None:
        _thread_runner = ThreadRunner()
        _thread_runner.start()
    return _thread_runner


def stop_embedded_runner() -> None:
    global _thread_runner
    if _thread_runner is not None:
        _thread_runner.stop()
        _thread_runner = None


def embedded_runner_alive() -> bool:
    """Whether this process's in-process worker is running (SQLite's worker)."""
    runner = _thread_runner
    return runner is not None and runner.thread is not None and runner.thread.is_alive()


def wake_embedded_runner() -> None:
    """Makes the in-process loop go round now (it runs on SQLite only)."""
    if _thread_runner is not None:
        _thread_runner.wake.set()


def _not_installed(roster_id: int) -> None:
    raise RuntimeError(
        f"roster {roster_id} queued with no way to reach a worker: "
        "call app.rosters.dispatch.install() where the app or worker starts"
    )


# How a queued job reaches a worker, installed by whoever starts the app or a worker
# (app.rosters.dispatch): procrastinate's tasks on PostgreSQL, which import this module,
# or the embedded runner's wake-up on SQLite.
_dispatch: Callable[[int], None] = _not_installed


def set_dispatcher(dispatch: Callable[[int], None]) -> None:
    global _dispatch
    _dispatch = dispatch


def send(roster_id: int) -> None:
    """Hands a queued job to the workers (call after the commit that queued it)."""
    _dispatch(roster_id)
