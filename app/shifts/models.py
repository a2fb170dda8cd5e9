from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, JSONType, UTCDateTime, utcnow
from app.stations.models import ShiftTemplate, Station


class Shift(Base):
    """One concrete time window at one station, stored in UTC."""

    __tablename__ = "shift"
    # A template yields at most one shift per start time: this is what makes
    # generation idempotent, even when two requests race.
    __table_args__ = (
        UniqueConstraint("template_id", "starts_at"),
        # A shift that ends before it starts breaks every rule that measures it.
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A station's shifts of a day or a week: the kiosk's duty board, the hours of a
        # station, generation. Also serves what an index on station_id alone did.
        Index("ix_shift_station_id_starts_at", "station_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_template.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    min_volunteers: Mapped[int]
    max_volunteers: Mapped[int]
    skill_requirements: Mapped[list[dict]] = mapped_column(JSONType)
    priority: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by DELETE /shifts/{id}: the row stays (assignments and history point at it,
    # and regenerating the week must not bring it back) but no list or roster shows it.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    station: Mapped[Station] = relationship(lazy="joined")
    template: Mapped[ShiftTemplate | None] = relationship()
