"""Short-notice cover: a seat that opens shortly before its shift, and the offers sent
for it, wave by wave."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, StrEnumType, UTCDateTime, utcnow


class CoverState(StrEnum):
    open = "open"  # offers go out, wave by wave
    filled = "filled"  # the shift has its people again
    started = "started"  # the shift began with the seat still open
    withdrawn = "withdrawn"  # the shift was cancelled or its roster is no longer published


class OfferState(StrEnum):
    offered = "offered"  # told, no answer yet
    taken = "taken"  # this volunteer signed up for the seat
    declined = "declined"  # this volunteer said no
    gone = "gone"  # someone else filled it (or the shift went): told so
    expired = "expired"  # the shift started unanswered


class SeatCover(Base):
    """The cover of one shift's open seats. One row per shift: when a seat opens again
    after an earlier cover ended, the same row opens a new `round` (so that two
    cancellations racing on one shift meet at this row's unique shift_id)."""

    __tablename__ = "seat_cover"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), unique=True)
    state: Mapped[CoverState] = mapped_column(StrEnumType(CoverState, 20), default=CoverState.open)
    round: Mapped[int] = mapped_column(default=1)
    # Waves sent in this round; 0 until the first volunteer who fits is found.
    waves: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the circle widens next; NULL once the cover has ended.
    next_wave_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CoverOffer(Base):
    """One volunteer offered one shift's seat, in a wave of a round of its cover."""

    __tablename__ = "cover_offer"
    __table_args__ = (UniqueConstraint("cover_id", "round", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cover_id: Mapped[int] = mapped_column(ForeignKey("seat_cover.id", ondelete="CASCADE"))
    round: Mapped[int]
    wave: Mapped[int]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[OfferState] = mapped_column(
        StrEnumType(OfferState, 20), default=OfferState.offered
    )
    # When it was taken, or when the volunteer was told it had gone or it expired.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
