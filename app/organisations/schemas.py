from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from app.accounts.schemas import NewPassword, not_guessable
from app.types import Id, PersonName, PlaceName
from app.volunteers.schemas import Phone


class OrganisationCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: PlaceName
    contact_name: PersonName | None = None
    contact_phone: Phone | None = None
    district_ids: list[Id] = Field(default_factory=list, description="The districts it serves.")


class OrganisationUpdate(BaseModel):
    """PATCH: only the fields sent change. An organisation's own admins may change its
    name and contact; its code and districts (how far it reaches) are the admin's."""

    name: PlaceName | None = None
    contact_name: PersonName | None = None
    contact_phone: Phone | None = None
    district_ids: list[Id] | None = Field(default=None, description="replaces the list")

    @field_validator("name", "district_ids")
    @classmethod
    def _not_null(cls, value):
        # Runs only for fields sent: leaving a field out keeps it, null is a mistake.
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    contact_name: str | None
    contact_phone: str | None
    district_ids: list[int]
    created_at: datetime


class OrganisationAdminCreate(BaseModel):
    email: EmailStr
    name: PersonName
    password: NewPassword  # after email and name, which it is checked against

    @field_validator("password")
    @classmethod
    def _not_guessable(cls, password: str, info: ValidationInfo) -> str:
        return not_guessable(password, info, "email", "name")


class OrganisationAdminRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: str
    email: str | None
    name: str
    organisation_id: int | None
