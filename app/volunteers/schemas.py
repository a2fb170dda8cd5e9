from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.accounts.schemas import NewPassword, not_guessable
from app.types import (
    Id,
    Latitude,
    LocalTime,
    LocalTimeOrMidnight,
    Longitude,
    PersonName,
    SkillTag,
    minutes_of_day,
)
from app.volunteers import phones
from app.volunteers.models import WindowPreference


def _phone(value: str) -> str:
    return phones.normalize(value)


Phone = Annotated[
    str,
    StringConstraints(min_length=3, max_length=32),
    AfterValidator(_phone),
    Field(examples=["13812345678", "+85291234567"], description="normalised to E.164"),
]
Name = PersonName


def _unique_sorted(values: list) -> list:
    return sorted(set(values))


Skills = Annotated[list[SkillTag], Field(max_length=50), AfterValidator(_unique_sorted)]
StationIds = Annotated[list[Id], Field(max_length=50), AfterValidator(_unique_sorted)]


def _given(consent: bool) -> bool:
    if not consent:
        raise ValueError("the privacy notice must be accepted")
    return consent


# Strict: consent is the JSON value true, not 1 or "yes".
Consent = Annotated[StrictBool, AfterValidator(_given)]


class Home(BaseModel):
    lat: Latitude
    lon: Longitude


class Limits(BaseModel):
    """What a volunteer can give; absent means "no limit of my own"."""

    max_hours_per_week: float | None = Field(default=None, gt=0, le=168)
    max_shifts_per_week: int | None = Field(default=None, ge=1, le=21)
    max_consecutive_days: int | None = Field(default=None, ge=1, le=7)
    min_rest_hours: float | None = Field(default=None, ge=0, le=72)
    max_travel_minutes: int | None = Field(default=None, ge=1, le=240)


class VolunteerRegister(Limits):
    name: Name
    phone: Phone
    email: EmailStr | None = None
    password: NewPassword  # after name, phone and email, which it is checked against
    skills: Skills = Field(default_factory=list)
    home: Home | None = None
    district_id: Id | None = None
    preferred_station_ids: StationIds = Field(default_factory=list)
    accept_privacy_notice: Consent = Field(
        description="Must be true: the volunteer accepts the privacy notice."
    )
    invitation_code: str | None = Field(
        default=None,
        max_length=40,
        description="From the coordinator, for a volunteer they imported: registering with it "
        "claims that record (its skills, district and availability stay unless sent here).",
    )

    @field_validator("password")
    @classmethod
    def _not_guessable(cls, password: str, info: ValidationInfo) -> str:
        return not_guessable(password, info, "name", "phone", "email")


class VolunteerUpdate(Limits):
    """PATCH: only the fields sent change; `null` clears an optional field."""

    name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    skills: Skills | None = None
    home: Home | None = None
    district_id: Id | None = None
    preferred_station_ids: StationIds | None = None


class VolunteerAdminUpdate(VolunteerUpdate):
    status: Literal["active", "inactive"] | None = None


AvailabilityModeName = Literal["windows", "any_time"]


class VolunteerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    name: str
    phone: str | None
    email: str | None
    skills: list[str]
    home: Home | None
    district_id: int | None
    max_hours_per_week: float | None
    max_shifts_per_week: int | None
    max_consecutive_days: int | None
    min_rest_hours: float | None
    max_travel_minutes: int | None
    preferred_station_ids: list[int]
    availability_mode: AvailabilityModeName = Field(
        description="windows: only inside the weekly windows (none means never); "
        "any_time: available at any time (an imported record without availability)"
    )
    created_at: datetime
    updated_at: datetime


class WeeklyWindow(BaseModel):
    weekday: int = Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")
    start: LocalTime
    end: LocalTimeOrMidnight
    preference: WindowPreference = WindowPreference.available

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if minutes_of_day(self.end) <= minutes_of_day(self.start):
            raise ValueError("end must be after start")
        return self


class DateRange(BaseModel):
    start_date: date
    end_date: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class Availability(BaseModel):
    availability_mode: AvailabilityModeName = Field(
        default="windows",
        description="windows (the default): available only inside `weekly`, so an empty "
        "list means at no time; any_time: available whenever, `weekly` must be empty",
    )
    weekly: list[WeeklyWindow] = Field(default_factory=list, max_length=100)
    exceptions: list[DateRange] = Field(
        default_factory=list, max_length=200, description="dates on which the volunteer is away"
    )

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        if self.availability_mode == "any_time" and self.weekly:
            raise ValueError("weekly windows apply only with availability_mode 'windows'")
        by_day = sorted(self.weekly, key=lambda w: (w.weekday, minutes_of_day(w.start)))
        for before, after in zip(by_day, by_day[1:], strict=False):
            if before.weekday == after.weekday and minutes_of_day(after.start) < minutes_of_day(
                before.end
            ):
                raise ValueError(
                    f"weekly windows overlap on weekday {before.weekday}: "
                    f"{before.start}-{before.end} and {after.start}-{after.end}"
                )
        return self


class Invitation(BaseModel):
    volunteer_id: int
    code: str = Field(description="give it to the volunteer; it is shown only this once")
    expires_at: datetime


class VolunteerCreated(BaseModel):
    id: int
    status: str


class ImportError_(BaseModel):
    row: int = Field(description="line of the file (the header is line 1)")
    field: str | None
    message: str


class ImportResult(BaseModel):
    created: int
    updated: int
    errors: list[ImportError_]
