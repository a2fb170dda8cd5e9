from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, HttpUrl, UrlConstraints, field_validator

from app.notifications.models import WEBHOOK_EVENTS


class WebhookEvent(StrEnum):
    """The events a webhook can subscribe to (API.md)."""

    roster_published = "roster.published"
    duty_changed = "duty.changed"
    duty_cancelled = "duty.cancelled"
    duty_reminder = "duty.reminder"
    seat_offered = "seat.offered"
    seat_taken = "seat.taken"
    invitation_created = "invitation.created"
    team_message = "team.message"


# One list: a kind added to the outbox must be added here too.
assert {e.value for e in WebhookEvent} == set(WEBHOOK_EVENTS.values())

WebhookUrl = Annotated[
    HttpUrl,
    UrlConstraints(max_length=2000, allowed_schemes=["http", "https"]),
    Field(examples=["https://sms-gateway.example.org/uroster"]),
]


class WebhookCreate(BaseModel):
    url: WebhookUrl
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WEBHOOK_EVENTS))
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Printable ASCII without spaces, 16 to 200 characters; generated when "
        "absent. Shown only in the answer to this request.",
    )

    @field_validator("events")
    @classmethod
    def _once_each(cls, events: list[WebhookEvent]) -> list[WebhookEvent]:
        if len(set(events)) != len(events):
            raise ValueError("names an event twice")
        return events


class WebhookRead(BaseModel):
    id: int
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Signs every delivery (HMAC-SHA256); shown only this once.")


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    dead = "dead"


class DeliveryRead(BaseModel):
    id: int
    event: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None = None
    delivered_at: datetime | None = None
    created_at: datetime
    next_attempt_at: datetime | None = Field(
        default=None, description="When it is tried next (pending and failed ones)."
    )
