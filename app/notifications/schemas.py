"""The notification settings of `/volunteers/me/notification-settings` (API.md), read
and changed; the app's settings page validates its form with the same models."""

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.notifications.models import EventKind, Language
from app.types import LocalTime

# A reminder two weeks ahead is the most anyone plans by; more lead times than these
# would be noise rather than reminders.
LONGEST_LEAD_MINUTES = 14 * 24 * 60
MOST_LEAD_TIMES = 5

LeadMinutes = Annotated[int, Field(ge=1, le=LONGEST_LEAD_MINUTES, examples=[1440])]


class QuietHours(BaseModel):
    """Local time of day; the span may run past midnight (22:00 to 07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("quiet hours must end at another time than they start")
        return self


class Channels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: bool


class NotificationSettingsRead(BaseModel):
    """What the volunteer gets, the office's defaults filled in where they chose nothing."""

    channels: Channels
    language: Language
    quiet_hours: QuietHours | None = Field(description="null: no quiet hours")
    reminder_minutes: list[int] = Field(description="longest lead first; [] no reminders")
    muted_kinds: list[EventKind] = Field(
        description="kinds of message unsubscribed from (by an unsubscribe link or here)"
    )


class NotificationSettingsUpdate(BaseModel):
    """PATCH: only the fields sent change. `quiet_hours: null` means none."""

    model_config = ConfigDict(extra="forbid")

    channels: Channels | None = None
    language: Language | None = None
    quiet_hours: QuietHours | None = None
    reminder_minutes: (
        Annotated[list[LeadMinutes], Field(max_length=MOST_LEAD_TIMES, examples=[[1440, 120]])]
        | None
    ) = None
    muted_kinds: list[EventKind] | None = None

    # Run only on fields sent: null is "none" for quiet hours alone.
    @field_validator("channels", "language", "reminder_minutes", "muted_kinds")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value
