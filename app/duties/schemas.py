from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.rosters.models import Assignment
from app.types import SkillRequirement

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CancelRequest(BaseModel):
    reason: Reason


class DutyRead(BaseModel):
    """An assignment as its volunteer sees it: where and when, and in what state."""

    id: int
    roster_id: int
    shift_id: int
    station_id: int
    station_name: str
    starts_at: datetime
    ends_at: datetime
    status: str
    source: str
    pinned: bool
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None

    @classmethod
    def of(cls, assignment: Assignment) -> "DutyRead":
        shift = assignment.shift
        return cls(
            id=assignment.id,
            roster_id=assignment.roster_id,
            shift_id=shift.id,
            station_id=shift.station_id,
            station_name=shift.station.name,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            status=assignment.status,
            source=assignment.source,
            pinned=assignment.pinned,
            cancelled_at=assignment.cancelled_at,
            cancel_reason=assignment.cancel_reason,
        )


class OpenShiftRead(BaseModel):
    """A published future shift with a seat the caller may take."""

    id: int
    roster_id: int
    station_id: int
    station_name: str
    starts_at: datetime
    ends_at: datetime
    max_volunteers: int
    assigned: int
    free_seats: int = Field(description="Seats left before the shift is full.")
    skill_requirements: list[SkillRequirement]
    priority: int


class CalendarFeedRead(BaseModel):
    url: str = Field(description="Secret feed URL; anyone holding it can read the duties.")
