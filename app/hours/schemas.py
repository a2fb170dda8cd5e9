from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.types import Instant

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# A correction longer than this is a typo, not a shift (the longest shifts are overnight).
MAX_ENTRY_HOURS = 24


class HoursCorrectionCreate(BaseModel):
    check_in_at: Instant
    check_out_at: Instant
    reason: Reason

    @model_validator(mode="after")
    def _span(self) -> "HoursCorrectionCreate":
        span = self.check_out_at - self.check_in_at
        if span.total_seconds() <= 0:
            raise ValueError("check_out_at must lie after check_in_at")
        if span.total_seconds() > MAX_ENTRY_HOURS * 3600:
            raise ValueError(f"an entry spans at most {MAX_ENTRY_HOURS} hours")
        return self


class MyHoursEntry(BaseModel):
    assignment_id: int
    station_id: int
    station_name: str
    starts_at: datetime
    ends_at: datetime
    check_in_at: datetime
    check_out_at: datetime
    hours: float
    corrected: bool = Field(description="A coordinator corrected the kiosk's record.")


class MyHours(BaseModel):
    total_hours: float
    entries: list[MyHoursEntry]


class KioskRecord(BaseModel):
    """What the station's kiosk recorded, kept as it was."""

    check_in_at: datetime | None
    check_out_at: datetime | None


class CorrectionRead(BaseModel):
    previous_check_in_at: datetime | None
    previous_check_out_at: datetime | None
    previous_hours: float | None
    check_in_at: datetime
    check_out_at: datetime
    hours: float
    reason: str
    corrected_by: int | None
    corrected_at: datetime


class HoursEntryRead(BaseModel):
    assignment_id: int
    volunteer_id: int
    station_id: int
    status: str
    check_in_at: datetime
    check_out_at: datetime
    hours: float
    source: str
    original: KioskRecord
    corrections: list[CorrectionRead] = Field(description="Oldest first; the last one holds.")


class VolunteerHoursRow(BaseModel):
    volunteer_id: int
    name: str
    total_hours: float
    duties: int = Field(description="Duties with verified hours.")
    no_shows: int


class EntryRow(BaseModel):
    assignment_id: int
    volunteer_id: int
    name: str
    station_id: int
    station_code: str
    station_name: str
    timezone: str
    date: date
    starts_at: datetime
    ends_at: datetime
    check_in_at: datetime
    check_out_at: datetime
    hours: float
    corrected: bool
    correction_reason: str | None = None
    original: KioskRecord | None = Field(
        default=None, description="What the kiosk recorded, kept when the entry is corrected."
    )


class StationHoursRow(BaseModel):
    station_id: int
    code: str
    name: str
    total_hours: float
    duties: int = Field(description="Duties with verified hours.")


class HoursReport(BaseModel):
    district_id: int
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    total_hours: float
    volunteers: list[VolunteerHoursRow]
    stations: list[StationHoursRow] = Field(
        default_factory=list, description="Verified hours per station of the district."
    )
    entries: list[EntryRow] | None = Field(
        default=None, description="Every verified entry, with `?detail=entries`."
    )


class MemberHoursRow(BaseModel):
    team_id: int
    team: str
    volunteer_id: int
    name: str
    hours: float
    duties: int = Field(description="Duties with verified hours.")


class TeamHoursTotal(BaseModel):
    team_id: int
    name: str
    district_id: int
    members: int = Field(description="Approved members (those without hours included).")
    total_hours: float
    duties: int


class GroupHoursReport(BaseModel):
    """Verified hours of the approved members of one team, or of an organisation's
    teams: per member and team, per team, and in all (a volunteer in two of the teams
    counts once in `total_hours`)."""

    organisation_id: int | None
    team_id: int | None
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    total_hours: float
    volunteers: int = Field(description="Different volunteers among the members.")
    members: list[MemberHoursRow]
    teams: list[TeamHoursTotal]
