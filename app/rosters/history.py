"""What happened to a published roster: sign-ups, duties added by hand or by a
repair, cancellations and removals, swaps; newest first.

Derived from the roster's own rows rather than kept as a second log: an assignment
records when it was created and by what (`source`), and when, why and by whom it was
cancelled; an accepted swap offer (app/swaps) links the duty handed over to the one
taken over. So the history cannot disagree with the roster, and what a withdrawal
erases (names, cancel reasons) is gone from it too. It starts at publication: the
duties the roster was published with, draft edits and what a publish carried over
from the week's earlier roster are its content, not changes (the earlier roster
keeps its own history).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.rosters.models import Assignment, AssignmentSource, AssignmentStatus, Roster
from app.rosters.schemas import HistoryItemRead
from app.swaps.models import SwapOffer, SwapOfferStatus
from app.volunteers.models import Volunteer

# What the creation of an assignment after publication means, by its source.
ADDED_BY_SOURCE: dict[str, str] = {
    AssignmentSource.signup: "signup",  # the volunteer took an open seat
    AssignmentSource.manual: "added",  # a coordinator added them by hand
    AssignmentSource.solver: "repair",  # a repair refilled a seat
    AssignmentSource.swap: "swap",
}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    assignment: Assignment
    volunteer_id: int
    other_volunteer_id: int | None = None
    reason: str | None = None
    # The role of the account that cancelled (volunteer, coordinator, admin); None when
    # the service did (a repair, a volunteer's withdrawal).
    by: str | None = None


def roster_history(session: Session, roster: Roster) -> list[HistoryItemRead]:
    """The roster's changes since it was published, newest first."""
    since = roster.published_at
    if since is None:
        return []
    changed = list(
        session.scalars(
            select(Assignment).where(
                Assignment.roster_id == roster.id,
                or_(Assignment.created_at > since, Assignment.cancelled_at > since),
            )
        )
    )
    swaps = list(
        session.scalars(
            select(SwapOffer).where(
                SwapOffer.status == SwapOfferStatus.accepted,
                SwapOffer.new_assignment_id.in_([a.id for a in changed]),
            )
        )
    )
    taken_over = {offer.new_assignment_id: offer for offer in swaps}
    handed_over = {offer.assignment_id for offer in swaps}
    roles = dict(
        session.execute(
            select(Account.id, Account.role).where(
                Account.id.in_({a.cancelled_by for a in changed if a.cancelled_by is not None})
            )
        ).all()
    )
    entries: list[HistoryEntry] = []
    for a in changed:
        offer = taken_over.get(a.id)
        if offer is not None:
            assert offer.closed_at is not None  # set when it was accepted
            entries.append(
                HistoryEntry(offer.closed_at, "swap", a, a.volunteer_id, offer.offered_by)
            )
        elif a.created_at > since:
            entries.append(HistoryEntry(a.created_at, ADDED_BY_SOURCE[a.source], a, a.volunteer_id))
        if (
            a.status == AssignmentStatus.cancelled
            and a.cancelled_at is not None
            and a.cancelled_at > since
            and a.id not in handed_over
        ):
            entries.append(
                HistoryEntry(
                    a.cancelled_at, "cancelled", a, a.volunteer_id,
                    reason=a.cancel_reason, by=roles.get(a.cancelled_by or 0),
                )
            )  # fmt: skip
    entries.sort(key=lambda e: (e.at, e.assignment.id), reverse=True)
    people = {e.volunteer_id for e in entries} | {
        e.other_volunteer_id for e in entries if e.other_volunteer_id is not None
    }
    names = dict(
        session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(people))).all()
    )
    return [
        HistoryItemRead(
            at=e.at,
            kind=e.kind,
            assignment_id=e.assignment.id,
            shift_id=e.assignment.shift_id,
            station_id=e.assignment.shift.station_id,
            starts_at=e.assignment.shift.starts_at,
            ends_at=e.assignment.shift.ends_at,
            volunteer_id=e.volunteer_id,
            volunteer_name=names[e.volunteer_id],
            other_volunteer_id=e.other_volunteer_id,
            other_volunteer_name=names.get(e.other_volunteer_id) if e.other_volunteer_id else None,
            reason=e.reason,
            by=e.by,
        )
        for e in entries
    ]
