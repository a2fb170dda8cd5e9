"""Duty swaps over HTTP: volunteers only (coordinators, admins and kiosks get 403)."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from app.deps import (
    API_PREFIX,
    SessionDep,
    VolunteerAccount,
    get_current_account,
    require_volunteer,
)
from app.duties.schemas import DutyRead
from app.pagination import PageDep, PageRead
from app.swaps import service
from app.swaps.schemas import MySwapOfferRead, SwapOfferRead
from app.types import Id
from app.volunteers import service as volunteer_service

router = APIRouter(prefix=API_PREFIX, tags=["swaps"])
_bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


@router.post(
    "/assignments/{assignment_id}/swap-offer",
    response_model=MySwapOfferRead,
    status_code=status.HTTP_201_CREATED,
)
def offer_duty(session: SessionDep, account: VolunteerAccount, assignment_id: Id):
    """Offers my scheduled future duty to volunteers who fit it; it stays mine until one
    takes it over. 409 (`reason`) when it is not scheduled, has started, or is offered
    already (one open offer per duty)."""
    return MySwapOfferRead.of(service.offer_duty(session, account, assignment_id))


@router.post("/swap-offers/{offer_id}/withdraw", response_model=MySwapOfferRead)
def withdraw_offer(session: SessionDep, account: VolunteerAccount, offer_id: Id):
    """Takes my open offer back (the offer is kept, as `withdrawn`); 409 once it has been
    taken, withdrawn or closed."""
    return MySwapOfferRead.of(service.withdraw(session, account, offer_id))


@router.get("/volunteers/me/swap-offers", response_model=PageRead[MySwapOfferRead])
def list_my_offers(session: SessionDep, account: VolunteerAccount, page: PageDep):
    """My offers, newest first, with what became of each."""
    volunteer = volunteer_service.volunteer_of(session, account)
    return service.my_offers(session, volunteer, page)


@router.get("/swap-offers", response_model=PageRead[SwapOfferRead])
def list_offers(session: SessionDep, account: VolunteerAccount, page: PageDep):
    """Duties other volunteers offer that I could take over now (the checks of sign-up:
    district, skills, availability, limits, rest, no overlap with my duties, travel)."""
    volunteer = volunteer_service.volunteer_of(session, account)
    return service.offers_for(session, volunteer, page)


# Async for the reason given at POST /shifts/{id}/signup (app/duties/router.py): the
# row locks are taken and released within one worker-thread call.
@router.post("/swap-offers/{offer_id}/accept", response_model=DutyRead)
async def accept_offer(
    session: SessionDep, token: Annotated[str | None, Depends(_bearer)], offer_id: Id
):
    """Takes the offered duty over: in one transaction the offerer's duty is cancelled
    and mine created on the same shift (source `swap`). 409 (`reason`) when it has been
    taken, withdrawn or closed, has started, or when I do not fit it (the rule named)."""

    def take_over() -> DutyRead:
        account = require_volunteer(get_current_account(session, token))
        return DutyRead.of(service.accept(session, account, offer_id))

    return await run_in_threadpool(take_over)
