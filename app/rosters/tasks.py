"""procrastinate tasks: the PostgreSQL job queue behind `uroster worker`."""

import procrastinate
from sqlalchemy.engine import make_url

from app.settings import get_settings


def _conninfo() -> str:
    url = make_url(get_settings().database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_conninfo()))


@queue.task(name="solve_roster", queue="rosters")
def solve_roster(roster_id: int) -> None:
    from app.rosters import jobs

    jobs.run_job(roster_id)


@queue.periodic(cron="* * * * *")
@queue.task(name="reap_stale_rosters", queue="rosters", queueing_lock="reap_stale_rosters")
def reap_stale_rosters(timestamp: int) -> None:
    """Every minute: requeue or fail jobs whose worker died."""
    from app.db import get_sessionmaker
    from app.rosters import jobs

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
    from app.db import utcnow
    from app.notifications import service as notifications

    notifications.deliver_in_own_session(utcnow())
