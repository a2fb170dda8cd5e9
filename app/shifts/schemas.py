from datetime import date, datetime, timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.types import (
    Id,
    Instant,
    IsoWeek,
    Priority,
    SeatCount,
    SkillRequirement,
    check_staffing,
)

MAX_SHIFT_LENGTH = timedelta(hours=24)


class GenerateRequest(BaseModel):
    district_id: Id
    week: IsoWeek


class SkippedShiftRead(BaseModel):
    template_id: int
    date: date
    reason: str


class GenerateResult(BaseModel):
    created: int
    existing: int
    skipped: list[SkippedShiftRead] = Field(
        default_factory=list,
        description="Template days that yield no shift: the daylight-saving change leaves "
        "the shift no time.",
    )


class ShiftCreate(BaseModel):
    station_id: Id
    starts_at: Instant
    ends_at: Instant
    min_volunteers: SeatCount
    max_volunteers: SeatCount
    skill_requirements: list[SkillRequirement] = Field(default_factory=list)
    priority: Priority = 3

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > MAX_SHIFT_LENGTH:
            raise ValueError("a shift lasts at most 24 hours")
        check_staffing(self.min_volunteers, self.max_volunteers, self.skill_requirements)
        return self


class ShiftRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    station_id: int
    template_id: int | None
    starts_at: datetime
    ends_at: datetime
    min_volunteers: int
    max_volunteers: int
    skill_requirements: list[SkillRequirement]
    priority: int
    assigned: int = Field(default=0, description="Volunteers on the shift in published rosters.")
