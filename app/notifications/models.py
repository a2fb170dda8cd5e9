"""The outbox: every message the service owes someone, recorded in the transaction of
the change that causes it, and marked sent by the delivery that hands it over."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class Channel(StrEnum):
    email = "email"


class EventKind(StrEnum):
    """What happened, as the outbox records it. `webhook_event` is its name in the
    webhook contract (API.md)."""

    roster_published = "roster_published"
    duty_changed = "duty_changed"
    duty_cancelled = "duty_cancelled"
    reminder = "reminder"
    seat_offered = "seat_offered"
    seat_taken = "seat_taken"
    invitation = "invitation"
    team_message = "team_message"  # a lead's (or office's) message to a team

    @property
    def webhook_event(self) -> str:
        return WEBHOOK_EVENTS[self]


WEBHOOK_EVENTS = {
    EventKind.roster_published: "roster.published",
    EventKind.duty_changed: "duty.changed",
    EventKind.duty_cancelled: "duty.cancelled",
    EventKind.reminder: "duty.reminder",
    EventKind.seat_offered: "seat.offered",
    EventKind.seat_taken: "seat.taken",
    EventKind.invitation: "invitation.created",
    EventKind.team_message: "team.message",
}


class Language(StrEnum):
    zh = "zh"
    en = "en"


class OutboxMessage(Base):
    """One message to one volunteer over one channel.

    `idempotency_key` names the event × recipient × channel: recording the same
    message twice fails on its unique index, and the e-mail's Message-ID is derived
    from it, so a message sent again after a crash is recognisably the same one."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_kind: Mapped[EventKind] = mapped_column(StrEnumType(EventKind, 40))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    channel: Mapped[Channel] = mapped_column(StrEnumType(Channel, 20))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What the message says, frozen when the change happened (the duties as published);
    # the address is read when it is delivered, so a corrected one is used.
    payload: Mapped[dict] = mapped_column(JSONType)
    language: Mapped[Language] = mapped_column(StrEnumType(Language, 8), default=Language.zh)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    # When delivery should next be tried; NULL once sent or given up (see `dead`).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    dead: Mapped[bool] = mapped_column(default=False)


class NotificationPreference(Base):
    """A volunteer's choices about messages. Without a row: Chinese, e-mail on (every
    volunteer with an address hears of their duties, imported ones included), and the
    office's reminder lead times and quiet hours (settings)."""

    __tablename__ = "notification_preference"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[Language] = mapped_column(StrEnumType(Language, 8), default=Language.zh)
    email_enabled: Mapped[bool] = mapped_column(default=True)
    # In the settings' formats: "1440,120" and "22:00-07:00"; "" is none (no reminders,
    # no quiet hours) and NULL the office's default, which follows the settings.
    reminder_minutes: Mapped[str | None] = mapped_column(String(100))
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    # Kinds of message (EventKind values, comma-separated) unsubscribed from by e-mail.
    muted_kinds: Mapped[str] = mapped_column(String(200), default="", server_default="")


class SigningKey(Base):
    """A secret of the service, one per purpose, made by the migration that adds the
    purpose (and again by `unsubscribe.signing_key` if the row was ever lost). Kept in
    the database because every API process and worker must sign alike and links in
    mails already sent must keep working after a restart; no setting to configure."""

    __tablename__ = "signing_key"

    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    # 32 random bytes, hex.
    secret: Mapped[str] = mapped_column(String(128))
