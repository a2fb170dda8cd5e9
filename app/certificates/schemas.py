from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

RevokeReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class CertificateRequest(BaseModel):
    """The period to certify; both ends optional (see service.issue)."""

    model_config = ConfigDict(populate_by_name=True)

    from_date: date | None = Field(
        default=None,
        alias="from",
        description="First day; default: the day of my first verified duty.",
    )
    to_date: date | None = Field(default=None, alias="to", description="Last day; default: today.")


class StationHours(BaseModel):
    station_id: int
    code: str
    name: str
    hours: float
    duties: int = Field(description="Duties with verified hours.")


class CertificateRead(BaseModel):
    """A certificate as its holder sees it."""

    code: str = Field(description="The verification code (12 characters).")
    url: str = Field(description="The public page that confirms the certificate.")
    pdf_url: str = Field(description="The PDF, for the holder.")
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    hours: float
    stations: list[StationHours]
    district_id: int
    district_name: str
    issued_at: datetime
    revoked: bool
    revoked_at: datetime | None


class CertificateAdminRead(CertificateRead):
    """A certificate as a coordinator of its district sees it."""

    volunteer_id: int
    volunteer_name: str
    revoked_by: int | None
    revoke_reason: str | None


class RevokeRequest(BaseModel):
    reason: RevokeReason | None = None


class VerifyRead(BaseModel):
    """What the public verify page confirms, and nothing more about the person."""

    valid: bool
    code: str
    name: str = Field(description="The holder's name, masked.")
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    hours: float
    district: str
    issued_at: datetime
    revoked: bool
    revoked_at: datetime | None
