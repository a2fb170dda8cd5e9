"""Webhooks: registering them (admins only), and recording each event's deliveries in
the transaction of the change that causes it (`fan_out`, called by
notifications.service.tell). Sending them is `delivery`'s work."""

import ipaddress
import json
import secrets
import socket

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.notifications.models import EventKind
from app.pagination import Page, PageParams, paginate
from app.settings import get_settings
from app.volunteers.models import Volunteer, VolunteerStatus
from app.webhooks.models import Webhook, WebhookDelivery
from app.webhooks.schemas import DeliveryStatus, WebhookCreate


def _only_private_networks(host: str, port: int | None) -> bool:
    """Whether `host` is a loopback or private address, or a name that resolves only to
    such addresses. Bodies can name volunteers, so they travel unencrypted only inside
    the office (an SMS gateway on the intranet)."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return False
        addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    return bool(addresses) and all(_inside_the_office(address) for address in addresses)


def _inside_the_office(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # ::ffff:8.8.8.8 is 8.8.8.8 (Python 3.11 counts the whole ::ffff:0:0/96 as private).
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_private


def create_webhook(session: Session, data: WebhookCreate) -> Webhook:
    url = data.url
    if url.scheme == "http" and not _only_private_networks(url.host or "", url.port):
        raise InvalidInput(
            [
                {
                    "loc": ["body", "url"],
                    "msg": "http:// is allowed only to loopback and private networks; "
                    f"{url.host} is not one of them (or does not resolve here): use https://.",
                }
            ]
        )
    webhook = Webhook(
        url=str(url),
        events=[event.value for event in data.events],
        secret=data.secret or secrets.token_urlsafe(32),
        created_at=utcnow(),
    )
    session.add(webhook)
    session.flush()
    return webhook


def list_webhooks(session: Session, params: PageParams) -> Page:
    query = select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
    return paginate(session, query, params)


def _active_webhook(session: Session, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.deleted_at is not None:
        raise NotFound(f"No webhook {webhook_id}.")
    return webhook


def delete_webhook(session: Session, webhook_id: int) -> None:
    """Nothing more is recorded for it, and what it has not been sent is given up."""
    webhook = _active_webhook(session, webhook_id)
    webhook.deleted_at = utcnow()
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.delivered_at.is_(None),
            WebhookDelivery.dead.is_(False),
        )
        .values(
            dead=True,
            next_attempt_at=None,
            body="",
            last_error="Not sent: the webhook was deleted.",
        )
    )


def delivery_status(delivery: WebhookDelivery) -> DeliveryStatus:
    if delivery.delivered_at is not None:
        return DeliveryStatus.delivered
    if delivery.dead:
        return DeliveryStatus.dead
    return DeliveryStatus.failed if delivery.attempts else DeliveryStatus.pending


_STATUS_FILTERS = {
    DeliveryStatus.delivered: WebhookDelivery.delivered_at.is_not(None),
    DeliveryStatus.dead: WebhookDelivery.dead.is_(True),
    DeliveryStatus.failed: WebhookDelivery.delivered_at.is_(None)
    & WebhookDelivery.dead.is_(False)
    & (WebhookDelivery.attempts > 0),
    DeliveryStatus.pending: WebhookDelivery.delivered_at.is_(None)
    & WebhookDelivery.dead.is_(False)
    & (WebhookDelivery.attempts == 0),
}


def list_deliveries(
    session: Session, webhook_id: int, params: PageParams, status: DeliveryStatus | None
) -> Page:
    """Newest first."""
    webhook = _active_webhook(session, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if status is not None:
        query = query.where(_STATUS_FILTERS[status])
    return paginate(session, query.order_by(WebhookDelivery.id.desc()), params)


def delivery_key(kind: EventKind, event_ref: str, volunteer_id: int) -> str:
    """The outbox's idempotency key on the webhook channel (`kind:event-ref:volunteer:
    channel`): one event for one volunteer, whichever webhook carries it."""
    return f"{kind.value}:{event_ref}:{volunteer_id}:webhook"


def personal_fields() -> list[str]:
    fields = get_settings().webhook_personal_fields
    return fields.split(",") if fields else []


def _subscribed_webhooks(session: Session, kind: EventKind) -> list[Webhook]:
    event = kind.webhook_event
    return [
        webhook
        for webhook in session.scalars(
            select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
        )
        if event in webhook.events
    ]


def any_subscribed(session: Session, kind: EventKind) -> bool:
    """Whether an active webhook carries this kind of event (then every volunteer hears
    of it, with an e-mail address or without)."""
    return bool(_subscribed_webhooks(session, kind))


def fan_out(session: Session, *, kind: EventKind, event_ref: str, payloads: dict[int, dict]) -> int:
    """Records, in the caller's transaction, one delivery per volunteer concerned and
    active webhook subscribed to the event; whether the volunteer hears by e-mail does
    not matter (a webhook is the office's own gateway). Returns the number recorded."""
    event = kind.webhook_event
    webhooks = _subscribed_webhooks(session, kind)
    if not webhooks or not payloads:
        return 0
    volunteers = session.scalars(
        select(Volunteer)
        .where(Volunteer.id.in_(payloads), Volunteer.status == VolunteerStatus.active)
        .order_by(Volunteer.id)
    ).all()
    fields = personal_fields()
    occurred_at = utcnow()
    for volunteer in volunteers:
        key = delivery_key(kind, event_ref, volunteer.id)
        data = {**payloads[volunteer.id], "volunteer_id": volunteer.id}
        data.update({field: getattr(volunteer, field) for field in fields})
        body = json.dumps(
            {"id": key, "event": event, "occurred_at": occurred_at.isoformat(), "data": data},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for webhook in webhooks:
            session.add(
                WebhookDelivery(
                    webhook_id=webhook.id,
                    volunteer_id=volunteer.id,
                    event=event,
                    idempotency_key=key,
                    body=body,
                    created_at=occurred_at,
                    attempts=0,
                    dead=False,
                    next_attempt_at=occurred_at,
                )
            )
    return len(volunteers) * len(webhooks)
