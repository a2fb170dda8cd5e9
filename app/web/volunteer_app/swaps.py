"""Swaps in the volunteer app: offer one of my duties (on My duties), take it back, and
/app/swaps, the offers of others that fit me, each taken over in one tap, with my own
offers and what became of them.

The same service as the API's /assignments/{id}/swap-offer, /swap-offers and
/swap-offers/{id}/accept (app.swaps.service): the roster changes only when someone takes
an offer over, and then in one transaction, so the duty never stands empty.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.deps import SessionDep
from app.errors import Conflict
from app.pagination import PageParams
from app.stations.models import Station
from app.swaps import service as swap_service
from app.swaps.models import SwapOffer
from app.swaps.schemas import MySwapOfferRead, SwapOfferRead
from app.volunteers.models import Volunteer
from app.web import i18n
from app.web.pages import gettext_for, redirect, render
from app.web.volunteer_app.common import (
    AppPageRoute,
    AppVolunteer,
    check_csrf,
    local_time,
    take_in_one_thread,
    volunteer_of,
)
from app.web.volunteer_app.duties import DutyId, duties_page
from app.web.volunteer_app.forms import Translate
from app.web.volunteer_app.open_seats import signup_problem

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)
OfferId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # ids are 32-bit keys on PostgreSQL
# What /app/swaps shows: the soonest offers that fit (a phone's page, not an archive),
# and my newest offers of duties still to come.
MAX_OFFERS_SHOWN = 100
MY_OFFERS_SHOWN = 20


def offer_problem(_: Translate, reason: str | None) -> str:
    """What a refused offer says, by the service's reason."""
    messages = {
        "started": _("This duty has started; it can no longer be offered for a swap."),
        "already_offered": _("This duty is offered for a swap already."),
        "not_scheduled": _("Only a duty that still stands can be offered for a swap."),
    }
    return messages.get(reason or "", _("This duty can no longer be offered for a swap."))


def closed_problem(_: Translate, reason: str | None) -> str | None:
    """Why an offer can no longer be taken or taken back (said to either side), or None
    when the reason is not about the offer itself."""
    messages = {
        "taken": _("Someone has taken this duty over already."),
        "withdrawn": _("This offer was taken back by its volunteer."),
        "started": _("This duty has started; its offer is closed."),
        "closed": _("This offer is closed: the duty was cancelled or the roster changed."),
    }
    return messages.get(reason or "")


def withdraw_problem(_: Translate, reason: str | None) -> str:
    return closed_problem(_, reason) or _("This offer can no longer be taken back.")


def accept_problem(_: Translate, reason: str | None, volunteer: Volunteer) -> str:
    """What a refused take-over says: the offer's own state first, then the reasons it
    shares with sign-up (the rule the taker would break, another district...)."""
    if reason == "taken":
        return _("Sorry, someone else has just taken this duty over.")
    if reason == "own_offer":
        return _("This is your own offer; take it back on My duties instead.")
    return closed_problem(_, reason) or signup_problem(_, reason, volunteer)


# -- the offerer, on My duties ---------------------------------------------------------


@router.post("/duties/{assignment_id}/swap-offer")
def offer_duty(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    assignment_id: DutyId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    try:
        swap_service.offer_duty(session, account, assignment_id)
    except Conflict as refused:
        session.rollback()
        message = offer_problem(gettext_for(request), refused.extra.get("reason"))
        return duties_page(
            request, session, account, swap_problem=(assignment_id, message), status=409
        )
    return redirect("/app?done=offered")


@router.post("/swaps/{offer_id}/withdraw")
def withdraw_offer(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    offer_id: OfferId,
    back: Annotated[Literal["duties", "swaps"], Form()] = "duties",
    csrf_token: Annotated[str | None, Form()] = None,
):
    """Takes my open offer back; `back` is the page it was asked from, which shows the
    outcome."""
    check_csrf(request, csrf_token)
    try:
        swap_service.withdraw(session, account, offer_id)
    except Conflict as refused:
        session.rollback()
        message = withdraw_problem(gettext_for(request), refused.extra.get("reason"))
        if back == "swaps":
            return swaps_page(request, session, account, problem=message, status=409)
        # A refused withdrawal is of my own offer (another's is "not found"): its duty,
        # while still mine, shows the message next to it.
        offer = session.get(SwapOffer, offer_id)
        duty_id = offer.assignment_id if offer is not None else 0
        return duties_page(request, session, account, swap_problem=(duty_id, message), status=409)
    return redirect("/app/swaps?done=withdrawn" if back == "swaps" else "/app?done=withdrawn")


# -- the taker, on /app/swaps ----------------------------------------------------------


def swaps_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    problem: str | None = None,
    status: int = 200,
):
    _ = gettext_for(request)
    language = i18n.language(request)
    volunteer = volunteer_of(session, account)
    fitting = swap_service.offers_for(
        session, volunteer, PageParams(limit=MAX_OFFERS_SHOWN, offset=0)
    ).items
    now = utcnow()
    mine = [
        offer
        for offer in swap_service.my_offers(
            session, volunteer, PageParams(limit=MY_OFFERS_SHOWN, offset=0)
        ).items
        if offer.starts_at > now
    ]
    stations = {
        s.id: s
        for s in session.scalars(
            select(Station).where(
                Station.id.in_({o.station_id for o in fitting} | {o.station_id for o in mine})
            )
        )
    }

    def when(offer: SwapOfferRead | MySwapOfferRead) -> dict[str, str]:
        timezone = stations[offer.station_id].timezone
        return {
            "starts": local_time(offer.starts_at, timezone, language),
            "ends": local_time(offer.ends_at, timezone, language, "time"),
        }

    states = {
        "open": _("Offered: waiting for someone to take it over"),
        "accepted": _("Taken over by another volunteer"),
        "withdrawn": _("You took this offer back"),
        "closed": _("Closed: the duty was cancelled or the roster changed"),
    }
    notices = {"withdrawn": _("You took the offer back; the duty stays yours.")}
    context = {
        "account": account,
        "offers": [
            {
                "id": offer.offer_id,
                "station": offer.station_name,
                "address": offer.address,
                "distance": offer.distance_km,
            }
            | when(offer)
            for offer in fitting
        ],
        "mine": [
            {
                "id": offer.offer_id,
                "station": offer.station_name,
                "open": offer.status == "open",
                "state": states.get(offer.status, offer.status),
            }
            | when(offer)
            for offer in mine
        ],
        "problem": problem,
        "notice": notices.get(request.query_params.get("done", "")),
        "has_district": volunteer.district_id is not None,
    }
    return render(request, "app/swaps.html", context, status=status)


@router.get("/swaps")
def swaps(request: Request, session: SessionDep, account: AppVolunteer):
    return swaps_page(request, session, account)


@router.post("/swaps/{offer_id}/accept")
async def take_over(
    request: Request,
    session: SessionDep,
    offer_id: OfferId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    def refused(account: Account, conflict: Conflict) -> Response:
        _ = gettext_for(request)
        volunteer = volunteer_of(session, account)
        problem = accept_problem(_, conflict.extra.get("reason"), volunteer)
        return swaps_page(request, session, account, problem=problem, status=409)

    return await take_in_one_thread(
        request, session, csrf_token,
        lambda session, account: swap_service.accept(session, account, offer_id),
        refused, "/app?done=taken-over",
    )  # fmt: skip
