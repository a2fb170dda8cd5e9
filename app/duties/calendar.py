"""Duties as an RFC 5545 calendar, for calendar apps (feed) and downloads."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from app.rosters.models import Assignment, AssignmentStatus

PRODID = "-//U-Roster//Volunteer duties//EN"
REFRESH = timedelta(hours=1)


def event_uid(assignment_id: int) -> str:
    """Stable across downloads, so that calendar apps update an event instead of adding one."""
    return f"assignment-{assignment_id}@uroster"


def duties_calendar(
    duties: Sequence[Assignment], *, volunteer_id: int, name: str, now: datetime
) -> bytes:
    calendar = icalendar.Calendar.new(
        name=name,
        prodid=PRODID,
        method="PUBLISH",
        refresh_interval=REFRESH,
        uid=f"duties-{volunteer_id}@uroster",
    )
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    for assignment in duties:
        shift = assignment.shift
        station = shift.station
        zone = ZoneInfo(station.timezone)
        cancelled = assignment.status == AssignmentStatus.cancelled
        event = icalendar.Event.new(
            uid=event_uid(assignment.id),
            summary=f"Volunteer duty: {station.name}",
            location=f"{station.name}, {station.address}",
            start=shift.starts_at.astimezone(zone),
            end=shift.ends_at.astimezone(zone),
            stamp=now,
            status=icalendar.STATUS.CANCELLED if cancelled else icalendar.STATUS.CONFIRMED,
            # A cancellation is a change to the event: clients take the higher sequence.
            sequence=1 if cancelled else 0,
            description=_description(assignment),
        )
        event.add("GEO", (station.lat, station.lon))
        calendar.add_component(event)
    if duties:
        # VTIMEZONE definitions only for the span the events use: short and exact.
        starts = [a.shift.starts_at for a in duties]
        ends = [a.shift.ends_at for a in duties]
        calendar.add_missing_timezones(
            first_date=min(starts).date() - timedelta(days=1),
            last_date=max(ends).date() + timedelta(days=1),
        )
    return calendar.to_ical()


def _description(assignment: Assignment) -> str:
    lines = [f"Status: {assignment.status}", f"Shift {assignment.shift_id}"]
    if assignment.status == AssignmentStatus.cancelled and assignment.cancel_reason:
        lines.append(f"Cancelled: {assignment.cancel_reason}")
    return "\n".join(lines)
