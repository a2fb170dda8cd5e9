"""Sending due webhook deliveries: signed POSTs, retried with the e-mail outbox's
backoff, under the same claim discipline (the claim is committed before the receiver
hears anything, so no lock is held during a call and a killed worker's delivery goes
again, with the same id and body, once its claim runs out)."""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.notifications import service as notifications
from app.settings import get_settings
from app.volunteers.models import Volunteer, VolunteerStatus
from app.webhooks.models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

EVENT_HEADER = "X-URoster-Event"
DELIVERY_HEADER = "X-URoster-Delivery"
SIGNATURE_HEADER = "X-URoster-Signature"


def signature(secret: str, body: bytes) -> str:
    """The X-URoster-Signature value: the body's HMAC-SHA256 with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _claim_next(session: Session, now: datetime, skipped: set[int]) -> WebhookDelivery | None:
    """As notifications.service._claim, one row: the next due delivery, its next attempt
    moved to the end of a claim period (on PostgreSQL other workers skip the row while
    the claim is written). Receivers that failed in this round are `skipped`."""
    query = select(WebhookDelivery).where(
        WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at <= now
    )
    if skipped:
        query = query.where(WebhookDelivery.webhook_id.not_in(skipped))
    delivery = session.scalar(
        query.order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if delivery is not None:
        claim = timedelta(seconds=get_settings().notification_claim_seconds)
        delivery.next_attempt_at = max(now, utcnow()) + claim
    return delivery


def _done(delivery: WebhookDelivery) -> None:
    """Delivered or given up: the body, which may name the volunteer, is not kept."""
    delivery.next_attempt_at = None
    delivery.body = ""


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    delivery.dead = True
    delivery.last_error = reason[:2000]
    _done(delivery)


def _post(client: httpx.Client, webhook: Webhook, delivery: WebhookDelivery) -> str | None:
    """Sends the delivery; None if the receiver took it (2xx), else what went wrong.
    The error names the status or the exception, never the body's contents."""
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.idempotency_key,
        SIGNATURE_HEADER: signature(webhook.secret, body),
    }
    try:
        # The status is the answer: the response's body is never read (a receiver cannot
        # fill the worker's memory or hold it by sending one).
        with client.stream("POST", webhook.url, content=body, headers=headers) as response:
            if response.is_success:
                return None
            return f"HTTP {response.status_code} {response.reason_phrase}".strip()
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def deliver_due(session: Session, now: datetime) -> notifications.Delivery:
    """Sends every webhook delivery due at `now`, committing after each. A receiver
    that fails is left alone for the rest of the round: a gateway that is down costs
    one timeout per round, not one per waiting delivery."""
    settings = get_settings()
    withdrawn = VolunteerStatus.withdrawn
    sent = failed = 0
    skipped: set[int] = set()
    client: httpx.Client | None = None  # made at the first delivery: most rounds have none
    try:
        while (delivery := _claim_next(session, now, skipped)) is not None:
            webhook = session.get_one(Webhook, delivery.webhook_id)
            reason = None
            if webhook.deleted_at is not None:
                reason = "Not sent: the webhook was deleted."
            elif session.get_one(Volunteer, delivery.volunteer_id).status == withdrawn:
                reason = "Not sent: the volunteer has withdrawn."
            if reason is not None:
                _give_up(delivery, reason)
                session.commit()
                continue
            session.commit()  # the claim is on record before the receiver hears anything
            if client is None:
                # Redirects are failures: the signature was meant for the registered URL.
                client = httpx.Client(
                    timeout=settings.webhook_timeout_seconds, follow_redirects=False
                )
            error = _post(client, webhook, delivery)
            delivery.attempts += 1
            if error is None:
                delivery.delivered_at = utcnow()
                _done(delivery)
                sent += 1
            else:
                delivery.last_error = error[:2000]
                if delivery.attempts >= settings.notification_max_attempts:
                    _give_up(delivery, error)
                else:
                    delivery.next_attempt_at = now + notifications.retry_delay(delivery.attempts)
                skipped.add(webhook.id)
                failed += 1
                # Ids only: bodies can name volunteers, logs must not.
                log.warning(
                    "Webhook delivery %s to webhook %s failed (attempt %s)",
                    delivery.id,
                    webhook.id,
                    delivery.attempts,
                )
            session.commit()
    finally:
        if client is not None:
            client.close()
    return notifications.Delivery(sent=sent, failed=failed)


def next_attempt_due(session: Session) -> datetime | None:
    """When the earliest waiting delivery is due (a retry, or a claim running out)."""
    return session.scalar(
        select(WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.next_attempt_at.is_not(None))
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(1)
    )
