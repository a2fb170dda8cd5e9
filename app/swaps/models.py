from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, StrEnumType, UTCDateTime, utcnow
from app.rosters.models import Assignment


class SwapOfferStatus(StrEnum):
    """What is stored. An `open` offer is only takeable while its duty is: scheduled in
    the published roster and not started (see service.LIVE_OFFER); otherwise it reads
    as `closed`, whatever ended the duty (the volunteer's or a coordinator's cancel, the
    shift's removal, a withdrawal, a new roster)."""

    open = "open"
    accepted = "accepted"
    withdrawn = "withdrawn"


class SwapOffer(Base):
    """A volunteer offers one of their duties; another volunteer who fits may take it
    over, and only then does the roster change."""

    __tablename__ = "swap_offer"
    __table_args__ = (
        # One open offer per duty, also when two requests offer it at the same moment.
        Index(
            "uq_swap_offer_open_assignment",
            "assignment_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The offered duty, and after a take-over the duty created for the taker.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    offered_by: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    status: Mapped[SwapOfferStatus] = mapped_column(
        StrEnumType(SwapOfferStatus, 20), default=SwapOfferStatus.open
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))
    new_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))

    assignment: Mapped[Assignment] = relationship(foreign_keys=[assignment_id], lazy="joined")
