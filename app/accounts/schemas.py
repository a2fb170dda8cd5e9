from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from app.accounts import passwords
from app.accounts.models import Role
from app.types import Id

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
    name: str = Field(min_length=1, max_length=100)
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
