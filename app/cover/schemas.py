from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CoverOfferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    volunteer_id: int
    name: str
    wave: int
    offered_at: datetime
    state: Literal["offered", "taken", "declined", "gone", "expired"] = Field(
        description="offered (no answer yet), taken (this volunteer signed up), declined "
        "(said no), gone (told that someone else filled it or the shift was cancelled), "
        "expired (the shift started unanswered)"
    )
    settled_at: datetime | None


class DeclinedRead(BaseModel):
    shift_id: int
    state: Literal["declined"]
    next_wave_at: datetime | None = Field(
        description="when the seat goes to the next volunteers (now, once every offer of "
        "the wave has been declined)"
    )


class CoverRead(BaseModel):
    """The short-notice cover of a shift's open seats: its offers, wave by wave."""

    model_config = ConfigDict(from_attributes=True)

    state: Literal["open", "filled", "started", "withdrawn"]
    round: int = Field(description="1, then 2… each time the seat opens again at short notice")
    waves: int
    opened_at: datetime
    next_wave_at: datetime | None = Field(description="when the circle widens next, if open")
    closed_at: datetime | None
    offers: list[CoverOfferRead]
