"""Request and response bodies of adoptions and the lead's assignments."""

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.types import Id, LocalTime, SeatCount


class AdoptionCreate(BaseModel):
    team_id: Id
    weekdays: list[int] = Field(min_length=1, max_length=7, description="1 = Monday … 7 = Sunday")
    start: LocalTime = Field(description="Shifts starting from this local time …")
    end: LocalTime = Field(
        description="… and before this one; an end not after start runs past midnight "
        "(equal: the whole day)."
    )
    seats: SeatCount = Field(
        description="Seats of every such shift kept for the team's approved members. More "
        "than a shift's max volunteers is accepted (the station's shifts may differ): each "
        "shift reserves at most its max volunteers, less what earlier adoptions of other "
        "teams reserve there."
    )

    @model_validator(mode="after")
    def _weekdays(self) -> Self:
        if any(not 1 <= day <= 7 for day in self.weekdays):
            raise ValueError("weekdays must be between 1 (Monday) and 7 (Sunday)")
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays must not repeat")
        return self


class AdoptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    team_id: int
    station_id: int
    weekdays: list[int]
    start: str
    end: str
    seats: int
    created_at: datetime


class TeamAssignmentCreate(BaseModel):
    shift_id: Id
    volunteer_id: Id


class OpenAdoptedSeatRead(BaseModel):
    shift_id: int
    roster_id: int
    station_id: int
    station_name: str
    # For the pages, which show the times in it; not part of the API body.
    station_timezone: str = Field(exclude=True)
    starts_at: datetime
    ends_at: datetime
    adopted_seats: int = Field(description="Seats of the shift the team adopted.")
    members_on: int = Field(description="Of the team's approved members, how many are on it.")
    open_seats: int = Field(description="Adopted seats a member may still take.")
    reserved: bool = Field(description="Still kept for members; false once released.")
    released_at: datetime = Field(description="When the seats become anyone's.")
