from pydantic import BaseModel, ConfigDict, Field

from app.types import PlaceName


class DistrictCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: PlaceName


class DistrictRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
