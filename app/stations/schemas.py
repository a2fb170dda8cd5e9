from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.stations.models import StationKind
from app.types import (
    Address,
    Id,
    Latitude,
    LocalTime,
    Longitude,
    PlaceName,
    Priority,
    SeatCount,
    SkillRequirement,
    TimeZoneName,
    check_staffing,
    minutes_of_day,
)


class StationCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: PlaceName
    kind: StationKind
    district_id: Id
    address: Address
    lat: Latitude
    lon: Longitude
    timezone: TimeZoneName | None = None


class StationUpdate(BaseModel):
    name: PlaceName | None = None
    kind: StationKind | None = None
    district_id: Id | None = None
    address: Address | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    timezone: TimeZoneName | None = None
    is_active: bool | None = None


class StationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: StationKind
    district_id: int
    address: str
    lat: float
    lon: float
    timezone: str
    is_active: bool


class ShiftTemplateCreate(BaseModel):
    weekdays: list[int] = Field(min_length=1, max_length=7, description="1 = Monday … 7 = Sunday")
    start: LocalTime
    end: LocalTime
    overnight: bool = Field(default=False, description="The shift ends on the next day.")
    min_volunteers: SeatCount
    max_volunteers: SeatCount
    skill_requirements: list[SkillRequirement] = Field(default_factory=list)
    priority: Priority = 3

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if any(not 1 <= day <= 7 for day in self.weekdays):
            raise ValueError("weekdays must be between 1 (Monday) and 7 (Sunday)")
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays must not repeat")
        start, end = minutes_of_day(self.start), minutes_of_day(self.end)
        if not self.overnight and end <= start:
            raise ValueError("end must be after start unless the shift is overnight")
        if self.overnight and end > start:
            raise ValueError("an overnight shift must end the next day at or before its start time")
        check_staffing(self.min_volunteers, self.max_volunteers, self.skill_requirements)
        return self


class ShiftTemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    station_id: int
    weekdays: list[int]
    start: str
    end: str
    overnight: bool
    min_volunteers: int
    max_volunteers: int
    skill_requirements: list[SkillRequirement]
    priority: int
    is_active: bool
    created_at: datetime
