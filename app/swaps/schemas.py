from datetime import datetime

from pydantic import BaseModel, Field

from app.swaps.models import SwapOffer


class SwapOfferRead(BaseModel):
    """An open offer as a volunteer who could take it over sees it: where and when,
    never who offered it."""

    offer_id: int
    assignment_id: int
    roster_id: int
    shift_id: int
    station_id: int
    station_name: str
    address: str
    starts_at: datetime
    ends_at: datetime
    offered_at: datetime
    distance_km: float | None = Field(
        description="Great-circle distance from the caller's home to the station; "
        "null when the caller gave no home location."
    )


class MySwapOfferRead(BaseModel):
    """An offer as the volunteer who made it sees it."""

    offer_id: int
    assignment_id: int
    shift_id: int
    station_id: int
    station_name: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(
        description="open (waiting for a taker), accepted (taken over: the duty is no "
        "longer yours), withdrawn, or closed (the duty was cancelled, started or left "
        "the published roster before anyone took it)."
    )
    created_at: datetime
    closed_at: datetime | None = None

    @classmethod
    def of(cls, offer: SwapOffer, status: str | None = None) -> "MySwapOfferRead":
        """`status` overrides the stored one (an open offer whose duty ended reads closed)."""
        shift = offer.assignment.shift
        return cls(
            offer_id=offer.id,
            assignment_id=offer.assignment_id,
            shift_id=shift.id,
            station_id=shift.station_id,
            station_name=shift.station.name,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            status=status or offer.status,
            created_at=offer.created_at,
            closed_at=offer.closed_at,
        )
