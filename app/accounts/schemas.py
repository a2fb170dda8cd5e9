from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.accounts.models import Role
from app.types import Id


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: Role
    expires_in: int = Field(description="Seconds until the token expires.")


class Password(BaseModel):
    current_password: str
    new_password: str = Field(min_length=8, max_length=200)


class CoordinatorCreate(BaseModel):
    email: EmailStr
    password: str = Field(min_length=8, max_length=200)
    name: str = Field(min_length=1, max_length=100)
    district_ids: list[Id] = Field(default_factory=list)


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: Role
    email: str | None
    name: str
    district_ids: list[int]
