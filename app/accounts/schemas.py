from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
)

from app.accounts import passwords
from app.accounts.models import Role
from app.types import Id, PersonName

Name = PersonName
NewPassword = Annotated[
    str,
    Field(
        min_length=passwords.MIN_LENGTH,
        max_length=passwords.MAX_LENGTH,
        description=f"At least {passwords.MIN_LENGTH} characters and not easy to guess "
        "(common passwords, names, dates, keyboard rows and the person's own email, name "
        "or phone are refused).",
    ),
]


def not_guessable(password: str, info: ValidationInfo, *fields: str) -> str:
    """For a `password` field validator: the password checked against the person's own
    inputs. pydantic validates fields in order, so `fields` must come before it."""
    return passwords.check(password, [info.data.get(field) for field in fields])


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: Role
    expires_in: int = Field(description="Seconds until the token expires.")


class Password(BaseModel):
    current_password: str = Field(max_length=passwords.MAX_LENGTH)
    # Checked against the account's own email, name and phone by the service.
    new_password: NewPassword


class CoordinatorCreate(BaseModel):
    email: EmailStr
    name: Name
    password: NewPassword  # after email and name, which it is checked against
    district_ids: list[Id] = Field(default_factory=list)

    @field_validator("password")
    @classmethod
    def _not_guessable(cls, password: str, info: ValidationInfo) -> str:
        return not_guessable(password, info, "email", "name")


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: Role
    email: str | None
    name: str
    district_ids: list[int]


class CoordinatorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    name: str
    district_ids: list[int]
    active: bool = Field(validation_alias="is_active", description="false: cannot sign in")


class CoordinatorUpdate(BaseModel):
    """PATCH: only the fields sent change. `active: false` revokes every token of the
    coordinator at once and blocks sign-in; `active: true` allows sign-in again."""

    name: Name | None = None
    district_ids: list[Id] | None = Field(default=None, description="replaces the list")
    active: StrictBool | None = None

    @field_validator("name", "district_ids", "active")
    @classmethod
    def _not_null(cls, value):
        # Runs only for fields sent: leaving a field out keeps it, null is a mistake.
        if value is None:
            raise ValueError("may be left out but not null")
        return value
