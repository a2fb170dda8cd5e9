from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, StrEnumType, UTCDateTime, utcnow


class HoursSource(StrEnum):
    """Where a verified entry's times come from."""

    kiosk = "kiosk"  # the station kiosk's check-in and check-out
    correction = "correction"  # a coordinator's correction


class ServiceHours(Base):
    """The verified service of one assignment: what certificates and reports count.

    Written when a kiosk records the check-out, rewritten by a coordinator's
    correction. The kiosk's own times stay on the assignment, and every correction
    keeps what it replaced in `hours_correction`.
    """

    __tablename__ = "service_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    check_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hours: Mapped[float]
    source: Mapped[HoursSource] = mapped_column(StrEnumType(HoursSource, 20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class HoursCorrection(Base):
    """A coordinator's correction of an assignment's hours, next to what it replaced."""

    __tablename__ = "hours_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    previous_check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_hours: Mapped[float | None]
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    check_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hours: Mapped[float]
    reason: Mapped[str] = mapped_column(String(500))
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
