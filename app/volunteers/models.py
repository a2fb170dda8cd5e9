from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from app.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class VolunteerStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    withdrawn = "withdrawn"


class WindowPreference(StrEnum):
    preferred = "preferred"  # the volunteer would rather work then
    available = "available"


class AvailabilityMode(StrEnum):
    # Only inside the weekly windows; no windows means never.
    windows = "windows"
    # At any time: an imported record whose list said nothing about availability.
    any_time = "any_time"


class Volunteer(Base):
    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    status: Mapped[VolunteerStatus] = mapped_column(
        StrEnumType(VolunteerStatus, 20), default=VolunteerStatus.active
    )
    # Personal data: erased (set to NULL / placeholder) when the volunteer withdraws.
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    home_lat: Mapped[float | None]
    home_lon: Mapped[float | None]
    # Limits and preferences the solver honours.
    max_hours_per_week: Mapped[float | None]
    max_shifts_per_week: Mapped[int | None]
    max_consecutive_days: Mapped[int | None]
    min_rest_hours: Mapped[float | None]
    max_travel_minutes: Mapped[int | None]
    preferred_station_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    availability_mode: Mapped[AvailabilityMode] = mapped_column(
        StrEnumType(AvailabilityMode, 10), default=AvailabilityMode.windows
    )
    privacy_notice_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the secret calendar-feed token; rotating it retires the old URL.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of the one-time code with which an imported volunteer claims this record.
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skill_rows: Mapped[list["VolunteerSkill"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="VolunteerSkill.skill"
    )
    # Availability loads when read: lists, grids and reports of hundreds of volunteers
    # need names and skills only. Whoever reads it for many loads it with them
    # (`with_availability`).
    weekly: Mapped[list["AvailabilityWindow"]] = relationship(
        cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start)",
    )
    exceptions: Mapped[list["AvailabilityException"]] = relationship(
        cascade="all, delete-orphan", order_by="AvailabilityException.start_date"
    )

    @property
    def skills(self) -> list[str]:
        return [row.skill for row in self.skill_rows]

    @property
    def home(self) -> dict | None:
        if self.home_lat is None or self.home_lon is None:
            return None
        return {"lat": self.home_lat, "lon": self.home_lon}


class VolunteerSkill(Base):
    """One row per skill, so that `?skill=` filters with an index on both databases."""

    __tablename__ = "volunteer_skill"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class AvailabilityWindow(Base):
    __tablename__ = "availability_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    preference: Mapped[WindowPreference] = mapped_column(StrEnumType(WindowPreference, 20))


class AvailabilityException(Base):
    """Dates (inclusive range) on which the volunteer is unavailable."""

    __tablename__ = "availability_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date]
    end_date: Mapped[date]


class WithdrawnPhone(Base):
    """The digest of a withdrawn volunteer's phone, so that a later import of an old
    list does not silently bring the person back; the number itself is erased."""

    __tablename__ = "withdrawn_phone"

    phone_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def with_availability() -> tuple:
    """Query options that load the availability of every volunteer a query returns in
    two queries, rather than two per volunteer."""
    return (selectinload(Volunteer.weekly), selectinload(Volunteer.exceptions))
