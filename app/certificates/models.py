from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, UTCDateTime, utcnow


class Certificate(Base):
    """A volunteer's verified service hours over a period, as issued.

    The hours (in all and per station) are computed once, at issue, and stored, so the
    PDF and the verify page keep saying what was certified even when a later
    correction changes the record. The holder's name is kept only masked, for the
    public verify page; the PDF prints the volunteer's name from their profile.
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, unguessable, short enough to type (see service.new_code).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    # The issuing district: the volunteer's district at issue.
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    from_date: Mapped[date]
    to_date: Mapped[date]
    hours: Mapped[float]
    # [{station_id, code, name, hours, duties}], by station code.
    station_hours: Mapped[list[dict]] = mapped_column(JSONType, default=list)
    masked_name: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
