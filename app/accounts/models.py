from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, StrEnumType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.districts.models import District


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    volunteer = "volunteer"
    # An organisation's own administrator: its teams, their members and hours only.
    org_admin = "org_admin"


coordinator_district = Table(
    "coordinator_district",
    Base.metadata,
    Column("account_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("district.id", ondelete="CASCADE"), primary_key=True),
)


class Account(Base):
    """Someone who signs in. Volunteers sign in by phone through their volunteer record."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 20))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The one organisation an org_admin administers (None for every other role).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded when read: every request looks its caller's account up, and only a
    # coordinator's ever reads this. Lists of coordinators load it with them.
    districts: Mapped[list["District"]] = relationship(secondary=coordinator_district)

    @property
    def district_ids(self) -> list[int]:
        return sorted(d.id for d in self.districts)


class AccessToken(Base):
    """An opaque bearer token; only its SHA-256 is stored."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A browser session also ends after this long unused (API tokens: never idle out).
    idle_minutes: Mapped[int | None]
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined")


class ThrottleEvent(Base):
    """One event counted against a sliding-window limit (app.accounts.throttle): a
    failed sign-in, a registration... Rows older than the longest window are deleted
    as new ones come. The key is a digest: no phone, email or IP address is kept."""

    __tablename__ = "throttle_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    key_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        Index("ix_throttle_event_scope_key_created", "scope", "key_digest", "created_at"),
    )
