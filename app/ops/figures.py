"""The work queue's figures, read from the database: the same answer from every API
process, whichever process or machine runs the workers.

Each function is one aggregate query (no row is loaded): /metrics and /readyz call
them on every scrape and every load-balancer probe.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, literal, select, text
from sqlalchemy.orm import Session

from app.notifications.models import Channel, OutboxMessage
from app.rosters.models import JobKind, JobStatus, Roster
from app.webhooks.models import WebhookDelivery

# procrastinate's own limit: a worker silent this long is pruned as stalled by the next
# worker that starts (Worker(stalled_worker_timeout=30.0); it beats every 10 s).
WORKER_STALE_SECONDS = 30.0
# The job histograms cover the jobs that finished in this window. Not all time: a
# roster's row holds only its latest run (a repair reuses the row of the solve and
# overwrites its times), so an all-time count would drop on every repair and could
# not be a Prometheus counter. A day holds a working day's requests.
RECENT_JOBS = timedelta(hours=24)
# Seconds; the solver's own limit is 30 s by default and at most an hour.
JOB_SECONDS_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

JOB_STATUSES = tuple(JobStatus)
JOB_OUTCOMES = (JobStatus.done, JobStatus.failed)
# A message or webhook delivery is in exactly one of these (see _delivery_counts).
DELIVERY_STATUSES = ("pending", "failed", "sent", "given_up")


def seconds_between(start, end, dialect: str) -> ColumnElement:
    """`end - start` in seconds, in SQL (SQLite keeps UTC as text, read by julianday)."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


@dataclass
class SecondsHistogram:
    """Cumulative counts of values <= each of JOB_SECONDS_BUCKETS, their count and sum."""

    buckets: list[int] = field(default_factory=lambda: [0] * len(JOB_SECONDS_BUCKETS))
    count: int = 0
    total: float = 0.0


@dataclass
class JobGroup:
    """The roster jobs of one kind in one job status."""

    kind: str
    status: str
    jobs: int = 0
    # Of queued jobs: when the one waiting longest was requested.
    oldest_queued_at: datetime | None = None
    # Of done and failed jobs that finished recently (RECENT_JOBS).
    wait: SecondsHistogram = field(default_factory=SecondsHistogram)
    solve: SecondsHistogram = field(default_factory=SecondsHistogram)


def _queued_since():
    """When a queued job was requested. A solve's row is made by its request; a repair
    reuses a published roster's row, and `jobs.queue` sets its heartbeat when it is
    queued (set again if it is sent again after job_stale_seconds)."""
    return case((Roster.job_kind == JobKind.repair, Roster.heartbeat_at), else_=Roster.created_at)


def roster_jobs(session: Session, now: datetime) -> dict[tuple[str, str], JobGroup]:
    """Every kind x job status, with zeros where there is no job (a series that is
    absent cannot be told from one not scraped)."""
    dialect = session.get_bind().dialect.name
    since = now - RECENT_JOBS
    recent = (
        Roster.job_status.in_(JOB_OUTCOMES)
        & Roster.started_at.is_not(None)
        & (Roster.finished_at >= since)
    )
    # Waiting is from the request to the start of the run that finished: known for a
    # solve only (a repair's request time is overwritten when it starts).
    waited = recent & (Roster.job_kind == JobKind.solve)
    wait = seconds_between(Roster.created_at, Roster.started_at, dialect)
    solve = seconds_between(Roster.started_at, Roster.finished_at, dialect)

    def histogram(value, where) -> list:
        return [
            *(
                func.sum(case((where & (value <= bound), 1), else_=0))
                for bound in JOB_SECONDS_BUCKETS
            ),
            func.sum(case((where, 1), else_=0)),
            func.sum(case((where, value), else_=literal(0.0))),
        ]

    query = (
        select(
            Roster.job_kind,
            Roster.job_status,
            func.count(),
            func.min(case((Roster.job_status == JobStatus.queued, _queued_since()))),
            *histogram(wait, waited),
            *histogram(solve, recent),
        )
        .where(Roster.job_status.is_not(None))
        .group_by(Roster.job_kind, Roster.job_status)
    )
    groups = {
        (kind.value, status.value): JobGroup(kind.value, status.value)
        for kind in JobKind
        for status in JOB_STATUSES
    }
    width = len(JOB_SECONDS_BUCKETS) + 2
    for kind, status, jobs, oldest, *sums in session.execute(query):
        group = groups.setdefault((kind, status), JobGroup(kind, status))
        group.jobs = jobs
        group.oldest_queued_at = oldest
        for target, part in ((group.wait, sums[:width]), (group.solve, sums[width:])):
            target.buckets = [int(b or 0) for b in part[:-2]]
            target.count = int(part[-2] or 0)
            target.total = float(part[-1] or 0.0)
    return groups


def oldest_wait_seconds(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def _delivery_counts(delivered_at, attempts, dead) -> list:
    """Counts of DELIVERY_STATUSES, as sums in one pass (a GROUP BY on the status would
    sort every row; the outbox keeps every message ever sent)."""
    waiting = delivered_at.is_(None) & dead.is_(False)
    conditions = {
        "pending": waiting & (attempts == 0),
        "failed": waiting & (attempts > 0),  # tried, and to be tried again
        "sent": delivered_at.is_not(None),
        "given_up": delivered_at.is_(None) & dead.is_(True),
    }
    return [func.sum(case((conditions[s], 1), else_=0)) for s in DELIVERY_STATUSES]


def notification_messages(session: Session) -> dict[tuple[str, str], int]:
    """Outbox messages by (channel, status)."""
    sums = _delivery_counts(OutboxMessage.sent_at, OutboxMessage.attempts, OutboxMessage.dead)
    counts = {(c.value, s): 0 for c in Channel for s in DELIVERY_STATUSES}
    for channel, *found in session.execute(
        select(OutboxMessage.channel, *sums).group_by(OutboxMessage.channel)
    ):
        for status, count in zip(DELIVERY_STATUSES, found, strict=True):
            counts[(channel, status)] = int(count or 0)
    return counts


def webhook_deliveries(session: Session) -> dict[str, int]:
    """Webhook deliveries by status ("sent": the receiver answered 2xx)."""
    sums = _delivery_counts(
        WebhookDelivery.delivered_at, WebhookDelivery.attempts, WebhookDelivery.dead
    )
    found = session.execute(select(*sums)).one()
    return {status: int(count or 0) for status, count in zip(DELIVERY_STATUSES, found, strict=True)}


def workers_alive(session: Session, now: datetime) -> int:
    """Processes that run roster jobs and deliver notifications now.

    PostgreSQL: `uroster worker` processes, each a procrastinate worker that keeps a
    heartbeat in procrastinate_workers. SQLite: the runner thread of this process
    (the server's embedded worker; 0 in a server started without it)."""
    if session.get_bind().dialect.name == "postgresql":
        return (
            session.scalar(
                text("SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > :limit"),
                {"limit": now - timedelta(seconds=WORKER_STALE_SECONDS)},
            )
            or 0
        )
    from app.rosters import jobs

    return 1 if jobs.embedded_runner_alive() else 0


@dataclass(frozen=True)
class QueueState:
    """What /readyz tells: work waiting, and whether anyone is there to do it."""

    waiting: int
    oldest_wait_seconds: float
    notifications_due: int
    workers_alive: int


def queue_state(session: Session, now: datetime) -> QueueState:
    waiting, oldest = session.execute(
        select(func.count(), func.min(_queued_since())).where(Roster.job_status == JobStatus.queued)
    ).one()
    due = session.scalar(
        select(
            select(func.count())
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.dead.is_(False),
                OutboxMessage.next_attempt_at <= now,
            )
            .scalar_subquery()
            + select(func.count())
            .where(
                WebhookDelivery.delivered_at.is_(None),
                WebhookDelivery.dead.is_(False),
                WebhookDelivery.next_attempt_at <= now,
            )
            .scalar_subquery()
        )
    )
    return QueueState(
        waiting=waiting,
        oldest_wait_seconds=round(oldest_wait_seconds(oldest, now), 3),
        notifications_due=due or 0,
        workers_alive=workers_alive(session, now),
    )
