from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class DigestRun(Base):
    """The coordinators' digest of one local day. The row is committed before anything
    is sent: whichever worker commits it first sends that day's digest, the others see
    it and leave the day alone (so a digest is sent at most once a day)."""

    __tablename__ = "digest_run"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mails_sent: Mapped[int] = mapped_column(default=0)
    chat_sent: Mapped[bool] = mapped_column(default=False)
    # What could not be sent (no addresses or tokens, only what failed and why).
    error: Mapped[str | None] = mapped_column(String(2000))
