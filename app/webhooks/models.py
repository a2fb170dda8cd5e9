"""Webhooks an admin registers, and one delivery row per event × recipient × webhook.

A delivery is recorded in the transaction of the change that causes it (as the e-mail
outbox is), with its body already serialised: every attempt sends the same bytes under
the same signature, so a receiver can recognise a repeat by its id."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, UTCDateTime, utcnow


class Webhook(Base):
    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Webhook event names of the contract (API.md), e.g. ["roster.published"].
    events: Mapped[list[str]] = mapped_column(JSONType)
    # Kept as given: every delivery is signed with it (HMAC), so it cannot be hashed.
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deleted webhooks stay for their deliveries' history; none is recorded or sent.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One event for one volunteer to one webhook. Status: delivered (delivered_at set),
    dead (given up), failed (tried, to be tried again) or pending (not tried yet)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("webhook_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # Sent as X-URoster-Delivery and as the body's id: `kind:event-ref:volunteer:webhook`.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # The exact JSON text that is sent and signed, frozen when the change happened;
    # emptied once delivered or given up (it may name the volunteer).
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    # When delivery should next be tried; NULL once delivered or given up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    dead: Mapped[bool] = mapped_column(default=False)
