from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class MembershipStatus(StrEnum):
    pending = "pending"  # asked to join; a lead or coordinator decides
    approved = "approved"


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    """A volunteer in a team. A lead is an approved member with `is_lead`: leads stay
    volunteers (same account, same tokens); the grant lives here, not in their role."""

    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[MembershipStatus] = mapped_column(
        StrEnumType(MembershipStatus, 20), default=MembershipStatus.pending
    )
    is_lead: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Adoption(Base):
    """A team's recurring seats at a station: `seats` of every shift there that starts on
    one of `weekdays` (1 = Monday) inside start-end (local "HH:MM"; end may be past
    midnight when it is not after start). Reserved for the team's approved members
    until UROSTER_ADOPTION_RELEASE_HOURS before the shift starts."""

    __tablename__ = "adoption"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    weekdays: Mapped[list[int]] = mapped_column(JSONType)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    seats: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
