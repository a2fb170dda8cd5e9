from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.teams.models import MembershipStatus
from app.types import Id, MessageText, PlaceName

# One line, shown as a mail's subject (a visible one-line text, as names are); the body
# may hold line breaks.
MessageSubject = PlaceName
MessageBody = MessageText


class TeamCreate(BaseModel):
    district_id: Id
    organisation_id: Id | None = Field(
        default=None, description="An organisation admin's teams are its organisation's."
    )
    name: PlaceName


class TeamRead(BaseModel):
    """What any signed-in caller may know of a team."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    district_id: int
    organisation_id: int | None
    name: str
    created_at: datetime


class LeadCreate(BaseModel):
    volunteer_id: Id


class MemberRead(BaseModel):
    """A member as a lead, coordinator or organisation admin sees them: a name and a
    standing, nothing to reach them by (no phone, e-mail or home)."""

    model_config = ConfigDict(from_attributes=True)

    volunteer_id: int
    name: str
    status: MembershipStatus
    is_lead: bool
    requested_at: datetime


class MembershipRead(BaseModel):
    """The caller's own membership of a team."""

    model_config = ConfigDict(from_attributes=True)

    team_id: int
    volunteer_id: int
    status: MembershipStatus
    is_lead: bool
    requested_at: datetime
    approved_at: datetime | None


class MyTeamRead(BaseModel):
    team: TeamRead
    status: MembershipStatus
    is_lead: bool
    requested_at: datetime


class TeamDutyRead(BaseModel):
    assignment_id: int
    volunteer_id: int
    name: str
    shift_id: int
    station_id: int
    station_name: str
    # For the pages, which show the times in it; not part of the API body.
    station_timezone: str = Field(exclude=True)
    starts_at: datetime
    ends_at: datetime
    status: str


class TeamMessageCreate(BaseModel):
    subject: MessageSubject
    body: MessageBody


class TeamMessageSent(BaseModel):
    recipients: int = Field(description="Approved members told (by e-mail and webhooks).")


class MemberHours(BaseModel):
    volunteer_id: int
    name: str
    hours: float
    duties: int = Field(description="Duties with verified hours.")


class TeamHours(BaseModel):
    team_id: int
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    total_hours: float
    members: list[MemberHours]
