"""procrastinate tasks: the PostgreSQL job queue behind `uroster worker`."""

import contextlib
import threading
from datetime import timedelta
from typing import Any

import procrastinate
import psycopg_pool
from procrastinate.exceptions import AlreadyEnqueued, AppNotOpen
from sqlalchemy.engine import make_url

from app.db import get_sessionmaker, utcnow
from app.rosters import jobs
from app.settings import get_settings


def _conninfo() -> str:
    url = make_url(get_settings().database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_conninfo()))
_opening = threading.Lock()
_opened = False


def defer(task: procrastinate.tasks.Task, **arguments: Any) -> None:
    """Queues `task`, from a worker (its queue is open) or from the web app, where the
    queue is opened on first use and stays open for the life of the process. Opening
    and closing it around each defer (`with queue.open()`) is not safe across request
    threads: one request closed the shared pool while another's was starting (a 500 for
    some of ten concurrent POST /rosters), and it cost a new pool per job."""
    try:
        task.defer(**arguments)
    except AppNotOpen:
        _open_for_the_web_app()
        task.defer(**arguments)


def _open_for_the_web_app() -> None:
    global _opened
    with _opening:
        if not _opened:
            pool = psycopg_pool.ConnectionPool(
                _conninfo(),
                min_size=1,
                max_size=4,
                open=True,
                check=psycopg_pool.ConnectionPool.check_connection,
            )
            queue.open(pool)
            _opened = True


@queue.task(name="solve_roster", queue="rosters")
def solve_roster(roster_id: int) -> None:
    jobs.run_job(roster_id)


def send_roster(roster_id: int) -> None:
    """The roster jobs' dispatcher on PostgreSQL (see app.rosters.dispatch)."""
    defer(solve_roster, roster_id=roster_id)


def nudge_delivery() -> None:
    """The notifications' nudger on PostgreSQL (see app.rosters.dispatch): a round now."""
    # AlreadyEnqueued: a round is queued already, and it will see the new rows.
    with contextlib.suppress(AlreadyEnqueued):
        defer(deliver_notifications)


@queue.periodic(cron="* * * * *")
@queue.task(name="reap_stale_rosters", queue="rosters", queueing_lock="reap_stale_rosters")
def reap_stale_rosters(timestamp: int) -> None:
    """Every minute: requeue or fail jobs whose worker died."""
    with get_sessionmaker().begin() as session:
        resend = jobs.reap_stale(session)
    for roster_id in resend:
        solve_roster.defer(roster_id=roster_id)


@queue.periodic(cron="* * * * *")
@queue.task(
    name="deliver_notifications", queue="notifications", queueing_lock="deliver_notifications"
)
def deliver_notifications(timestamp: int | None = None) -> None:
    """Every minute, and on the nudge after a commit that recorded messages: delivers
    the outbox's due messages. The queueing lock keeps at most one round waiting; rounds
    running at once in several workers skip each other's rows (FOR UPDATE SKIP LOCKED)."""
    from app.notifications import rounds
    from app.notifications import service as notifications

    rounds.run_round(utcnow())
    # A retry (the first after 30 s) or a dead worker's claim running out before the
    # next minute: a round at that moment, not at the next periodic one.
    with get_sessionmaker()() as session:
        due = notifications.next_attempt_due(session)
    if due is not None and due < utcnow() + timedelta(minutes=1):
        with contextlib.suppress(AlreadyEnqueued):  # a round is waiting already
            deliver_notifications.configure(schedule_at=max(due, utcnow())).defer()
