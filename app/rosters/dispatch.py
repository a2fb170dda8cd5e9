"""How queued roster jobs and the notifications' nudges reach a worker, installed once
by whoever starts the app or a worker: procrastinate's tasks on PostgreSQL (`uroster
worker` processes), the in-process runner's wake-up on SQLite. Chosen here rather than
in app.rosters.jobs or app.notifications.service, which the tasks import.
"""

from app.notifications import service as notifications
from app.rosters import jobs


def _wake_embedded_runner(roster_id: int) -> None:
    # The runner takes the oldest queued job, whichever it is.
    jobs.wake_embedded_runner()


def install() -> None:
    if jobs.uses_procrastinate():
        # Only on PostgreSQL: importing the tasks builds procrastinate's app on the
        # database's URL, which SQLite has no use for.
        from app.rosters import tasks

        jobs.set_dispatcher(tasks.send_roster)
        notifications.set_nudger(tasks.nudge_delivery)
    else:
        jobs.set_dispatcher(_wake_embedded_runner)
        notifications.set_nudger(jobs.wake_embedded_runner)
