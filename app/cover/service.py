"""Short-notice cover: a seat of a published roster that opens less than
`UROSTER_COVER_NOTICE_HOURS` (72) before its shift is offered to the volunteers who fit
it best, a few at a time (`UROSTER_COVER_WAVE_SIZE` per open seat), the circle widening
every `UROSTER_COVER_WAVE_MINUTES` until the seat is taken or the shift starts.

- Who fits: the console's candidate list (roster_service.ranked_candidates: every hard
  rule of the solver, nearest first), each pick confirmed by the sign-up's own check
  (duty_service.seat_violations), so that nobody is offered a seat they could not take.
- Taking it: the offer links to the app's open seats, where the race-safe sign-up
  (`POST /shifts/{id}/signup`) gives it to the first; `seat_signed_up` then closes the
  cover and the others hear that it has gone (seat_taken).
- Where seats open, the services call `open_seat_cover` in their own transaction
  (cancellation, removal, publish, an ad hoc shift, withdrawal); the delivery round
  calls `run_waves(session, now)`, which widens the circle when it is time and ends a
  cover whose seat was filled some other way, whose shift began or was cancelled.

Locks: a cover row is locked last, after whatever the caller holds (an assignment, the
shift); the round skips a cover somebody holds and sees it again at the next round.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.cover.models import CoverOffer, CoverState, OfferState, SeatCover
from app.db import after_commit
from app.duties import service as duty_service
from app.errors import NotFound
from app.notifications import service as notifications
from app.notifications.models import EventKind
from app.rosters import queries, translate
from app.rosters import service as roster_service
from app.rosters.models import Assignment, AssignmentStatus, Roster
from app.settings import get_settings, public_url
from app.shifts.models import Shift
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer
from solver.check.validate import skill_shortfall

log = logging.getLogger(__name__)

# -- the seat and who fits it -------------------------------------------------------


def _roster_of(session: Session, shift: Shift) -> Roster | None:
    """The published roster that holds the shift's seats, or None."""
    return queries.published_roster(
        session, shift.station.district_id, duty_service.shift_week(shift)
    )


def _in_service(shift: Shift) -> bool:
    template = shift.template
    return (
        shift.cancelled_at is None
        and shift.station.is_active
        and (template is None or template.is_active)
    )


def open_seats(session: Session, roster: Roster, shift: Shift) -> int:
    """How many seats of the shift need somebody: short of its minimum, or of a skill
    it requires (as the console's open-seat panel counts them), but never more than
    the seats left free."""
    holders = duty_service.seat_holders(session, roster.id, shift.id)
    missing = max(0, shift.min_volunteers - len(holders))
    if shift.skill_requirements:
        skills = duty_service.skills_by_volunteer(session, holders)
        short = skill_shortfall(
            translate.solver_shift(shift), [frozenset(skills[h]) for h in holders]
        )
        missing = max(missing, sum(short.values()))
    return min(missing, shift.max_volunteers - len(holders))


def best_fitting(
    session: Session, roster: Roster, shift: Shift, *, leave_out: set[int], wanted: int
) -> list[int]:
    """Up to `wanted` volunteers who could take a seat on the shift now, nearest first,
    but those in `leave_out` (offered already). The candidates are checked against the
    rules a circle at a time (four times the wanted, then wider), not the whole
    district at once."""
    holders = duty_service.seat_holders(session, roster.id, shift.id)
    checked: set[int] = set()
    chosen: list[int] = []
    circle = len(leave_out) + 4 * wanted
    while True:
        try:
            ranked = roster_service.ranked_candidates(session, roster, shift.id, limit=circle)
        except NotFound:  # no longer a shift of the roster's week (a retired pattern)
            return []
        for candidate in ranked:
            volunteer_id = candidate["volunteer_id"]
            if len(chosen) == wanted:
                return chosen
            if volunteer_id in checked or volunteer_id in leave_out:
                continue
            checked.add(volunteer_id)
            if candidate["rule"] is None and _may_take(session, volunteer_id, shift, holders):
                chosen.append(volunteer_id)
        if len(chosen) == wanted or len(ranked) < circle:
            return chosen  # enough, or nobody further away
        circle *= 4


def _may_take(session: Session, volunteer_id: int, shift: Shift, holders: list[int]) -> bool:
    """The sign-up's own check too (it also weighs duties in the weeks around): an
    offer the volunteer could not take is no offer."""
    volunteer = session.get_one(Volunteer, volunteer_id)
    return duty_service.may_take_seats(volunteer) and (
        duty_service.seat_violations(session, volunteer, [(shift, holders)])[0] is None
    )


# -- opening a cover and its waves ----------------------------------------------------


def _within_notice(shift: Shift, now: datetime) -> bool:
    notice = timedelta(hours=get_settings().cover_notice_hours)
    return now < shift.starts_at <= now + notice


def _locked_cover(session: Session, shift_id: int) -> SeatCover | None:
    return session.scalar(
        select(SeatCover).where(SeatCover.shift_id == shift_id).with_for_update(of=SeatCover)
    )


def open_seat_cover(
    session: Session, shift: Shift, now: datetime, *, wave_now: bool = True
) -> SeatCover | None:
    """Called where a seat may have opened (after the change is flushed, in its
    transaction): if the shift is in a published roster, starts within the notice
    window and has a seat that needs somebody, its cover opens (or goes on, if open)
    and the first wave of offers is recorded with the change (or, without `wave_now`,
    left to the workers' next round). None: no cover."""
    if not _in_service(shift) or not _within_notice(shift, now):
        return None
    roster = _roster_of(session, shift)
    if roster is None:
        return None
    seats = open_seats(session, roster, shift)
    if seats == 0:
        return None
    cover = _locked_cover(session, shift.id)
    if cover is None:
        try:
            with session.begin_nested():
                cover = SeatCover(shift_id=shift.id, state=CoverState.open, round=1, waves=0,
                                  opened_at=now, next_wave_at=now)  # fmt: skip
                session.add(cover)
                session.flush()
        except IntegrityError:
            # A racing transaction opened it first (and sent its wave): carry on with it.
            return _locked_cover(session, shift.id)
    elif cover.state == CoverState.open:
        return cover  # offered already; the next wave comes in its time
    else:
        cover.state = CoverState.open
        cover.round += 1
        cover.waves = 0
        cover.opened_at = now
        cover.closed_at = None
    if wave_now:
        _send_wave(session, cover, shift, roster, seats, now)
    else:
        cover.next_wave_at = now
    return cover


def cover_open_seats(session: Session, roster: Roster, now: datetime) -> int:
    """After a publish: a cover for every seat of the week left open within the notice
    window. Their first waves are the workers' (each ranks candidates with the solver's
    checks: many open seats would hold up the publish), nudged after the commit.
    Returns the number of covers open."""
    covers = 0
    for shift in queries.week_shifts(session, roster.district_id, roster.week):
        if _within_notice(shift, now) and open_seat_cover(session, shift, now, wave_now=False):
            covers += 1
    if covers:
        after_commit(session, notifications.nudge)
    return covers


def _event_ref(cover: SeatCover) -> str:
    return f"cover-{cover.id}-{cover.round}"


def _send_wave(
    session: Session, cover: SeatCover, shift: Shift, roster: Roster, seats: int, now: datetime
) -> int:
    """Offers the seat to the next best-fitting volunteers (wave size × open seats) and
    sets the time of the next wave. Returns the number offered."""
    settings = get_settings()
    offered = set(
        session.scalars(
            select(CoverOffer.volunteer_id).where(
                CoverOffer.cover_id == cover.id, CoverOffer.round == cover.round
            )
        )
    )
    # Nor is the seat offered back to whoever gave it up.
    left = set(
        session.scalars(
            select(Assignment.volunteer_id).where(
                Assignment.roster_id == roster.id,
                Assignment.shift_id == shift.id,
                Assignment.status == AssignmentStatus.cancelled,
            )
        )
    )
    chosen = best_fitting(
        session, roster, shift, leave_out=offered | left, wanted=settings.cover_wave_size * seats
    )
    # Nobody new fits now: looked for again at the next wave (people change their
    # availability, finish other duties, or the seat's neighbours change).
    cover.next_wave_at = now + timedelta(minutes=settings.cover_wave_minutes)
    if not chosen:
        return 0
    cover.waves += 1
    for volunteer_id in chosen:
        session.add(
            CoverOffer(cover_id=cover.id, round=cover.round, wave=cover.waves,
                       volunteer_id=volunteer_id, offered_at=now, state=OfferState.offered)
        )  # fmt: skip
    payload = notifications.shift_as_told(shift) | {
        "url": f"{public_url(settings)}/app/open#seat-{shift.id}"
    }
    notifications.tell(
        session,
        kind=EventKind.seat_offered,
        event_ref=_event_ref(cover),
        payloads={volunteer_id: payload for volunteer_id in chosen},
    )
    session.flush()
    return len(chosen)


def _close(session: Session, cover: SeatCover, state: CoverState, now: datetime) -> None:
    """Ends the cover. Those still holding an offer hear that the seat has gone (filled,
    or the shift cancelled); once the shift has started nobody is told anything."""
    cover.state = state
    cover.closed_at = now
    cover.next_wave_at = None
    outstanding = list(
        session.scalars(
            select(CoverOffer).where(
                CoverOffer.cover_id == cover.id,
                CoverOffer.round == cover.round,
                CoverOffer.state == OfferState.offered,
            )
        )
    )
    for offer in outstanding:
        offer.state = OfferState.expired if state == CoverState.started else OfferState.gone
        offer.settled_at = now
    if state != CoverState.started and outstanding:
        shift = session.get_one(Shift, cover.shift_id)
        payload = notifications.shift_as_told(shift) | {
            "why": "filled" if state == CoverState.filled else "cancelled"
        }
        notifications.tell(
            session,
            kind=EventKind.seat_taken,
            event_ref=_event_ref(cover),
            payloads={offer.volunteer_id: payload for offer in outstanding},
        )
    session.flush()


def seat_signed_up(
    session: Session, shift: Shift, roster: Roster, volunteer_id: int, now: datetime
) -> None:
    """Called by the sign-up once the new seat is flushed: the volunteer's offer is
    taken, and the cover ends when no seat needs anybody any more."""
    cover = _locked_cover(session, shift.id)
    if cover is None or cover.state != CoverState.open:
        return
    offer = session.scalar(
        select(CoverOffer).where(
            CoverOffer.cover_id == cover.id,
            CoverOffer.round == cover.round,
            CoverOffer.volunteer_id == volunteer_id,
        )
    )
    if offer is not None:
        offer.state = OfferState.taken
        offer.settled_at = now
    if open_seats(session, roster, shift) == 0:
        _close(session, cover, CoverState.filled, now)


def decline(session: Session, account: Account, shift_id: int, now: datetime) -> SeatCover:
    """The volunteer says no to the seat they were offered. Once nobody offered it in
    this round is left to answer, the next wave is due at once instead of at its time.
    404 for anyone without an unanswered offer of the shift's open cover."""
    volunteer = volunteer_service.volunteer_of(session, account)
    cover = _locked_cover(session, shift_id)
    offer = None
    if cover is not None and cover.state == CoverState.open:
        offer = session.scalar(
            select(CoverOffer).where(
                CoverOffer.cover_id == cover.id,
                CoverOffer.round == cover.round,
                CoverOffer.volunteer_id == volunteer.id,
                CoverOffer.state == OfferState.offered,
            )
        )
    if cover is None or offer is None:
        raise NotFound(f"You have no open offer of a seat on shift {shift_id}.")
    offer.state = OfferState.declined
    offer.settled_at = now
    session.flush()
    unanswered = session.scalar(
        select(CoverOffer.id).where(
            CoverOffer.cover_id == cover.id,
            CoverOffer.round == cover.round,
            CoverOffer.state == OfferState.offered,
        )
    )
    if unanswered is None:
        cover.next_wave_at = now
        # The workers' round sends that wave; asked to run now rather than at its time.
        after_commit(session, notifications.nudge)
    session.flush()
    return cover


def offered_shift_ids(session: Session, volunteer_id: int) -> set[int]:
    """The shifts whose open cover holds an unanswered offer to the volunteer."""
    return set(
        session.scalars(
            select(SeatCover.shift_id)
            .join(CoverOffer, CoverOffer.cover_id == SeatCover.id)
            .where(
                SeatCover.state == CoverState.open,
                CoverOffer.round == SeatCover.round,
                CoverOffer.volunteer_id == volunteer_id,
                CoverOffer.state == OfferState.offered,
            )
        )
    )


def run_waves(session: Session, now: datetime) -> int:
    """The delivery round's share (time is an argument): every open cover whose shift
    began, was cancelled or has its people again ends; the others widen their circle
    when their next wave is due. Commits after each cover. Returns offers sent."""
    open_ids = list(
        session.scalars(
            select(SeatCover.id).where(SeatCover.state == CoverState.open).order_by(SeatCover.id)
        )
    )
    session.commit()
    sent = 0
    for cover_id in open_ids:
        cover = session.scalar(
            select(SeatCover)
            .where(SeatCover.id == cover_id, SeatCover.state == CoverState.open)
            .with_for_update(of=SeatCover, skip_locked=True)
        )
        if cover is None:
            continue  # another worker has it this round
        try:
            sent += _advance(session, cover, now)
            session.commit()
        except Exception:  # noqa: BLE001 - one cover's fault must not hold up the round's mail
            session.rollback()
            log.exception("Short-notice cover %s not advanced", cover_id)
    return sent


def _advance(session: Session, cover: SeatCover, now: datetime) -> int:
    shift = session.get_one(Shift, cover.shift_id)
    roster = _roster_of(session, shift)
    if not _in_service(shift) or roster is None:
        _close(session, cover, CoverState.withdrawn, now)
        return 0
    if shift.starts_at <= now:
        _close(session, cover, CoverState.started, now)
        return 0
    seats = open_seats(session, roster, shift)
    if seats == 0:
        _close(session, cover, CoverState.filled, now)
        return 0
    if cover.next_wave_at is not None and cover.next_wave_at <= now:
        return _send_wave(session, cover, shift, roster, seats, now)
    return 0


# -- what coordinators see -------------------------------------------------------------


@dataclass(frozen=True)
class OfferView:
    volunteer_id: int
    name: str
    wave: int
    offered_at: datetime
    state: str
    settled_at: datetime | None


@dataclass(frozen=True)
class CoverView:
    shift_id: int
    state: str
    round: int
    waves: int
    opened_at: datetime
    next_wave_at: datetime | None
    closed_at: datetime | None
    offers: list[OfferView]


def cover_views(session: Session, shift_ids: list[int]) -> dict[int, CoverView]:
    """The cover of each of these shifts that has one (its latest round), with the
    offers of that round in the order they went out."""
    if not shift_ids:
        return {}
    covers = list(session.scalars(select(SeatCover).where(SeatCover.shift_id.in_(shift_ids))))
    if not covers:
        return {}
    offers: dict[int, list[OfferView]] = {cover.id: [] for cover in covers}
    rounds = {cover.id: cover.round for cover in covers}
    rows = session.execute(
        select(CoverOffer, Volunteer.name)
        .join(Volunteer, Volunteer.id == CoverOffer.volunteer_id)
        .where(CoverOffer.cover_id.in_(rounds))
        .order_by(CoverOffer.wave, CoverOffer.id)
    )
    for offer, name in rows:
        if offer.round == rounds[offer.cover_id]:
            offers[offer.cover_id].append(
                OfferView(offer.volunteer_id, name, offer.wave, offer.offered_at, offer.state,
                          offer.settled_at)
            )  # fmt: skip
    return {
        cover.shift_id: CoverView(
            shift_id=cover.shift_id,
            state=cover.state,
            round=cover.round,
            waves=cover.waves,
            opened_at=cover.opened_at,
            next_wave_at=cover.next_wave_at,
            closed_at=cover.closed_at,
            offers=offers[cover.id],
        )  # fmt: skip
        for cover in covers
    }
