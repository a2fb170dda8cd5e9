"""Duty swaps: a volunteer offers a duty, another volunteer who fits takes it over.

The roster changes only when someone takes the offer, and then in one transaction:
the offerer's assignment is cancelled (reason SWAPPED_REASON) and the taker's, of
source `swap`, is created on the same shift, so the seat never stands empty. Whether
the taker fits is decided by exactly the checks sign-up uses (app/duties/service:
lock_seat_shift, seat_violations).

An offer is stored `open` until it is taken or withdrawn; it can be taken only while
its duty is scheduled in the published roster and has not started (LIVE_OFFER). So
whatever ends the duty first (the volunteer's or a coordinator's cancel, the shift's
removal, a withdrawal, a new roster for the week) closes the offer with it, without
every one of those paths having to know about swaps.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.duties import service as duty_service
from app.errors import Conflict, NotFound
from app.notifications import changes as change_notices
from app.pagination import Page, PageParams
from app.rosters import translate
from app.rosters.models import (
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    Roster,
    RosterStatus,
)
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import Station
from app.swaps.models import SwapOffer, SwapOfferStatus
from app.swaps.schemas import MySwapOfferRead, SwapOfferRead
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer

SWAPPED_REASON = "swapped: taken over by another volunteer"
CLOSED = "closed"  # how an open offer whose duty has ended reads (not stored)


def _with_duty(query: Select) -> Select:
    """Joins an offer to its duty, the duty's roster, shift and station."""
    return (
        query.join(Assignment, Assignment.id == SwapOffer.assignment_id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
    )


def live_offer(now: datetime) -> ColumnElement[bool]:
    """An offer someone may still take: open, its duty scheduled in a published roster,
    in service and not started. Use it on a query made by _with_duty."""
    return and_(
        SwapOffer.status == SwapOfferStatus.open,
        Assignment.status == AssignmentStatus.scheduled,
        Roster.status == RosterStatus.published,
        Shift.starts_at > now,
        shift_service.in_service(),
    )


def _is_live(session: Session, offer_id: int) -> bool:
    query = _with_duty(select(SwapOffer.id)).where(SwapOffer.id == offer_id, live_offer(utcnow()))
    return session.scalar(query) is not None


def _lock_offer(session: Session, offer_id: int) -> SwapOffer | None:
    # populate_existing: the row as it is once the lock is ours, not as first read.
    return session.scalar(
        select(SwapOffer)
        .where(SwapOffer.id == offer_id)
        .with_for_update(of=SwapOffer)
        .execution_options(populate_existing=True)
    )


def _lock_assignment(session: Session, assignment_id: int) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .where(Assignment.id == assignment_id)
        .with_for_update(of=Assignment)
        .execution_options(populate_existing=True)
    )


# -- the offerer ---------------------------------------------------------------------


def offer_duty(session: Session, account: Account, assignment_id: int) -> SwapOffer:
    """Offers the caller's scheduled, future duty of a published roster for a swap.
    Another volunteer's duty, or a draft's, is "not found", as for cancelling."""
    volunteer = volunteer_service.volunteer_of(session, account)
    assignment = _lock_assignment(session, assignment_id)
    roster = session.get(Roster, assignment.roster_id) if assignment is not None else None
    if (
        assignment is None
        or roster is None
        or assignment.volunteer_id != volunteer.id
        or roster.status != RosterStatus.published
    ):
        raise NotFound(f"Assignment {assignment_id} not found.")
    if assignment.status != AssignmentStatus.scheduled:
        raise Conflict(
            f"Assignment {assignment_id} is {assignment.status}; only a scheduled duty can be "
            "offered for a swap.",
            reason="not_scheduled",
        )
    if assignment.shift.starts_at <= utcnow():
        raise Conflict(
            f"The shift started at {assignment.shift.starts_at.isoformat()}; a started duty "
            "cannot be offered.",
            reason="started",
        )
    existing = session.scalar(
        select(SwapOffer.id).where(
            SwapOffer.assignment_id == assignment.id, SwapOffer.status == SwapOfferStatus.open
        )
    )
    if existing is not None:
        raise _already_offered(assignment.id, existing)
    offer = SwapOffer(
        assignment_id=assignment.id, offered_by=volunteer.id, status=SwapOfferStatus.open
    )
    try:
        # The duty's row lock already keeps a second offer out; the unique index is
        # the guarantee.
        with session.begin_nested():
            session.add(offer)
            session.flush()
    except IntegrityError:
        raise _already_offered(assignment.id, None) from None
    return offer


def _already_offered(assignment_id: int, offer_id: int | None) -> Conflict:
    return Conflict(
        f"Assignment {assignment_id} is already offered for a swap.",
        reason="already_offered",
        offer_id=offer_id,
    )


def withdraw(session: Session, account: Account, offer_id: int) -> SwapOffer:
    """The offerer takes an open offer back; the duty stays theirs."""
    volunteer = volunteer_service.volunteer_of(session, account)
    offer = _lock_offer(session, offer_id)
    if offer is None or offer.offered_by != volunteer.id:
        raise NotFound(f"Swap offer {offer_id} not found.")
    _refuse_unless_live(session, offer)
    offer.status = SwapOfferStatus.withdrawn
    offer.closed_at = utcnow()
    session.flush()
    return offer


def _refuse_unless_live(session: Session, offer: SwapOffer) -> None:
    if offer.status == SwapOfferStatus.accepted:
        raise Conflict(f"Swap offer {offer.id} has been taken already.", reason="taken")
    if offer.status == SwapOfferStatus.withdrawn:
        raise Conflict(f"Swap offer {offer.id} was withdrawn.", reason="withdrawn")
    if not _is_live(session, offer.id):
        starts_at = offer.assignment.shift.starts_at
        if starts_at <= utcnow():
            raise Conflict(
                f"Swap offer {offer.id} is closed: its duty started at {starts_at.isoformat()}.",
                reason="started",
            )
        raise Conflict(
            f"Swap offer {offer.id} is closed: its duty was cancelled or is no longer in the "
            "published roster.",
            reason=CLOSED,
        )


def my_offers(session: Session, volunteer: Volunteer, params: PageParams) -> Page[MySwapOfferRead]:
    """The caller's offers, newest first, each with what became of it."""
    live = case((live_offer(utcnow()), True), else_=False)
    query = (
        _with_duty(select(SwapOffer, live))
        .where(SwapOffer.offered_by == volunteer.id)
        .order_by(SwapOffer.created_at.desc(), SwapOffer.id.desc())
    )
    items = [
        MySwapOfferRead.of(
            offer, CLOSED if offer.status == SwapOfferStatus.open and not is_live else None
        )
        for offer, is_live in session.execute(query).all()
    ]
    return Page(items=items[params.offset : params.offset + params.limit], total=len(items))


def live_offers_by_duty(session: Session, volunteer: Volunteer) -> dict[int, int]:
    """The caller's offers someone may still take: their duty's id -> the offer's id
    (what the app's list of duties marks as offered)."""
    query = _with_duty(select(SwapOffer.assignment_id, SwapOffer.id)).where(
        SwapOffer.offered_by == volunteer.id, live_offer(utcnow())
    )
    return {assignment_id: offer_id for assignment_id, offer_id in session.execute(query)}


# -- the taker -----------------------------------------------------------------------


def offers_for(session: Session, volunteer: Volunteer, params: PageParams) -> Page[SwapOfferRead]:
    """Live offers by others that the volunteer could take over now: in their district,
    on a shift they are not on, and passing every check of sign-up (skills for the
    seats left, availability, limits, rest, no overlap, travel). Soonest first; a
    handful of queries however many offers."""
    if not duty_service.may_take_seats(volunteer):
        return Page(items=[], total=0)
    rows = session.execute(
        _with_duty(select(SwapOffer, Shift))
        .where(
            live_offer(utcnow()),
            Station.district_id == volunteer.district_id,
            SwapOffer.offered_by != volunteer.id,
        )
        .order_by(Shift.starts_at, SwapOffer.id)
    ).all()
    holders = duty_service.live_holders(session, {offer.assignment.roster_id for offer, _ in rows})
    candidates = []
    for offer, shift in rows:
        on_shift = holders[offer.assignment.roster_id, shift.id]
        if volunteer.id in on_shift:
            continue
        staying = [h for h in on_shift if h != offer.offered_by]
        candidates.append((offer, shift, staying))
    violations = duty_service.seat_violations(
        session, volunteer, [(shift, staying) for _, shift, staying in candidates]
    )
    fitting = [
        _offer_read(offer, shift, volunteer)
        for (offer, shift, _), violation in zip(candidates, violations, strict=True)
        if violation is None
    ]
    return Page(items=fitting[params.offset : params.offset + params.limit], total=len(fitting))


def _offer_read(offer: SwapOffer, shift: Shift, volunteer: Volunteer) -> SwapOfferRead:
    station = shift.station
    distance = None
    if volunteer.home_lat is not None and volunteer.home_lon is not None:
        km = translate.distance_km(volunteer.home_lat, volunteer.home_lon, station.lat, station.lon)
        distance = round(km, 1)
    return SwapOfferRead(
        offer_id=offer.id,
        assignment_id=offer.assignment_id,
        roster_id=offer.assignment.roster_id,
        shift_id=shift.id,
        station_id=station.id,
        station_name=station.name,
        address=station.address,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        offered_at=offer.created_at,
        distance_km=distance,
    )


def accept(session: Session, account: Account, offer_id: int) -> Assignment:
    """The caller takes the offered duty over; returns their new assignment.

    Race-safe: the offer row is locked first, so of two volunteers taking it at once
    the second waits and then finds it taken (409). Under it the duty's row and, as in
    sign-up, the shift's row are locked, so that a cancel or a sign-up on the same shift
    waits too. Lock order offer -> duty -> shift -> roster; no other path takes two of
    them the other way round.
    """
    volunteer = volunteer_service.volunteer_of(session, account)
    offer = _lock_offer(session, offer_id)
    if offer is None:
        raise NotFound(f"Swap offer {offer_id} not found.")
    if offer.offered_by == volunteer.id:
        raise Conflict("This is your own offer; withdraw it instead.", reason="own_offer")
    duty = _lock_assignment(session, offer.assignment_id)
    assert duty is not None  # a foreign key, and assignments are never deleted
    _refuse_unless_live(session, offer)
    shift, roster = duty_service.lock_seat_shift(session, volunteer, duty.shift_id)
    if roster.id != duty.roster_id:  # a new roster was published while we waited
        raise Conflict(
            f"Swap offer {offer.id} is closed: the week's roster changed.", reason=CLOSED
        )
    on_shift = duty_service.seat_holders(session, roster.id, shift.id)
    if volunteer.id in on_shift:
        raise duty_service.already_on(shift.id)
    staying = [h for h in on_shift if h != offer.offered_by]
    duty_service.check_fit(session, volunteer, shift, staying, action="Taking over this duty")

    now = utcnow()
    duty.status = AssignmentStatus.cancelled
    duty.cancelled_at = now
    duty.cancel_reason = SWAPPED_REASON
    duty.cancelled_by = account.id
    taken = Assignment(
        roster_id=roster.id,
        shift_id=shift.id,
        volunteer_id=volunteer.id,
        status=AssignmentStatus.scheduled,
        source=AssignmentSource.swap,
        pinned=False,
    )
    session.add(taken)
    session.flush()
    offer.status = SwapOfferStatus.accepted
    offer.closed_at = now
    offer.accepted_by = volunteer.id
    offer.new_assignment_id = taken.id
    session.flush()
    # Both sides hear of it: the giver that the duty is no longer theirs, the taker
    # that it is now theirs (with its place and time in the message).
    Cause = change_notices.Cause
    change_notices.duties_changed(session, Cause.swap_given, {duty.volunteer_id: ([], [duty])})
    change_notices.duties_changed(session, Cause.swap_taken, {volunteer.id: ([taken], [])})
    return taken
