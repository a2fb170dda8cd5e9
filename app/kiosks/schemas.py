from datetime import datetime

from pydantic import BaseModel, Field

from app.types import Id, Instant, PersonName

KioskName = PersonName


class KioskCreate(BaseModel):
    name: KioskName = Field(examples=["Front desk tablet"])


class KioskRead(BaseModel):
    id: int
    station_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


class KioskCreated(KioskRead):
    key: str = Field(description="The device key (header X-Kiosk-Key); shown only this once.")


class StationRef(BaseModel):
    id: int
    name: str
    timezone: str


class DutyEntry(BaseModel):
    """One person on the board. Deliberately no phone, email or home: kiosks are public."""

    assignment_id: int
    volunteer_name: str = Field(description='Masked, e.g. "张*明" or "W*** Li".')
    starts_at: datetime
    ends_at: datetime
    status: str
    checked_in: bool
    checked_out: bool
    check_in_at: datetime | None = None
    check_out_at: datetime | None = None
    check_in_opens_at: datetime = Field(description="30 minutes before the start.")


class DutyBoard(BaseModel):
    station: StationRef
    at: datetime
    on_duty: list[DutyEntry] = Field(
        description="Shifts running at `at`, and people still to check out."
    )
    next: list[DutyEntry] = Field(description="Shifts starting later on the same local day.")


class KioskAction(BaseModel):
    assignment_id: Id
    at: Instant | None = Field(
        default=None,
        description="When it happened, for records queued while offline; default now. "
        "Accepted within the station's current local day, never in the future.",
    )


class KioskActionRead(DutyEntry):
    hours: float | None = Field(default=None, description="Credited hours, once checked out.")
