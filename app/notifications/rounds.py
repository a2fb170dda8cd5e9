"""The workers' round: everything that must happen on time, in order. The in-process
loop runs it every few seconds on SQLite (and when a commit records messages); the
procrastinate task `deliver_notifications` every minute on PostgreSQL (and on the same
nudge). It sits above the packages it drives, so that none of them imports another
through it."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from app.cover import service as cover
from app.db import get_sessionmaker
from app.digests import service as digests
from app.notifications import reminders
from app.notifications import service as outbox
from app.webhooks import delivery as webhook_delivery


def run_round(now: datetime, sessions: Callable[[], Session] | None = None) -> outbox.Delivery:
    """One round at `now`, each step in a session of its own (`sessions` makes them; the
    service's database by default). Returns what the e-mail step did."""
    sessions = sessions or get_sessionmaker()
    reminders.schedule_in_own_session(now, sessions)  # reminders due now join the outbox
    with sessions() as session:
        cover.run_waves(session, now)  # short-notice cover: its offers join the outbox
        delivery = outbox.deliver_due(session, now)
    with sessions() as session:
        webhook_delivery.deliver_due(session, now)
    with sessions() as session:
        digests.send_due(session, now)
    return delivery
