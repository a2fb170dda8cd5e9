from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class StationKind(StrEnum):
    community = "community"  # a U-station in a neighbourhood
    port = "port"  # a post at a port of entry


class Station(Base):
    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[StationKind] = mapped_column(StrEnumType(StationKind, 20))
    address: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float]
    lon: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    templates: Mapped[list["ShiftTemplate"]] = relationship(back_populates="station")


class ShiftTemplate(Base):
    """A station's weekly pattern; local times in the station's timezone."""

    __tablename__ = "shift_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    weekdays: Mapped[list[int]] = mapped_column(JSONType)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    overnight: Mapped[bool] = mapped_column(default=False)
    min_volunteers: Mapped[int]
    max_volunteers: Mapped[int]
    skill_requirements: Mapped[list[dict]] = mapped_column(JSONType)
    priority: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship(back_populates="templates")
