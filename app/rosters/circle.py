"""The 15-minute service circle, the district plan's own goal: who lives within reach
of a station, and which duties were given within each volunteer's travel limit.

Homes are shown only as counts per grid cell, and a cell with fewer than
`MIN_CELL_VOLUNTEERS` is left out: a coordinator's map never points at one person's
home.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.districts import service as district_service
from app.rosters import translate
from app.rosters.models import LIVE_STATUSES, Assignment, Roster, RosterStatus
from app.settings import get_settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.volunteers.models import Volunteer, VolunteerStatus

CELL_DEGREES = 0.01  # about 1.1 km north-south
MIN_CELL_VOLUNTEERS = 3


@dataclass
class Circle:
    minutes: int
    radius_km: float
    stations: list[Station]
    volunteers_with_home: int = 0
    volunteers_within: int = 0
    duties_with_travel: int = 0
    duties_within_limit: int = 0
    cells: list[dict] = field(default_factory=list)

    @property
    def share_within(self) -> float | None:
        return (
            self.volunteers_within / self.volunteers_with_home
            if self.volunteers_with_home
            else None
        )

    @property
    def share_duties_within(self) -> float | None:
        if not self.duties_with_travel:
            return None
        return self.duties_within_limit / self.duties_with_travel


def service_circle(session: Session, account: Account, district_id: int, week: str) -> Circle:
    district_service.get_district_in_scope(session, account, district_id)
    settings = get_settings()
    minutes = settings.default_max_travel_minutes
    stations = list(
        session.scalars(
            select(Station)
            .where(Station.district_id == district_id, Station.is_active.is_(True))
            .order_by(Station.code)
        )
    )
    speed = settings.travel_speed_kmh
    circle = Circle(minutes, speed * minutes / 60, stations)
    cells: Counter[tuple[int, int]] = Counter()
    for lat, lon in session.execute(
        select(Volunteer.home_lat, Volunteer.home_lon).where(
            Volunteer.district_id == district_id,
            Volunteer.status == VolunteerStatus.active,
        )
    ):
        if lat is None or lon is None:
            continue
        circle.volunteers_with_home += 1
        circle.volunteers_within += any(
            translate.minutes_between(lat, lon, s.lat, s.lon, speed) <= minutes for s in stations
        )
        cells[math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)] += 1
    circle.cells = [
        {"south": row * CELL_DEGREES, "west": col * CELL_DEGREES, "size": CELL_DEGREES, "count": n}
        for (row, col), n in sorted(cells.items())
        if n >= MIN_CELL_VOLUNTEERS
    ]
    circle.duties_with_travel, circle.duties_within_limit = duties_within_limit(
        session, district_id, week
    )
    return circle


def duties_within_limit(session: Session, district_id: int, week: str) -> tuple[int, int]:
    """The week's published duties of volunteers with a home, and how many of them lie
    within the volunteer's travel limit (the default limit for those without one)."""
    settings = get_settings()
    duties = session.execute(
        select(
            Volunteer.home_lat, Volunteer.home_lon, Volunteer.max_travel_minutes,
            Station.lat, Station.lon,
        )
        .select_from(Assignment)
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .where(
            Roster.district_id == district_id,
            Roster.week == week,
            Roster.status == RosterStatus.published,
            Assignment.status.in_(LIVE_STATUSES),
        )
    )  # fmt: skip
    with_travel = within = 0
    for home_lat, home_lon, limit, lat, lon in duties:
        if home_lat is None or home_lon is None:
            continue
        with_travel += 1
        travel = translate.minutes_between(home_lat, home_lon, lat, lon, settings.travel_speed_kmh)
        within += travel <= (limit or settings.default_max_travel_minutes)
    return with_travel, within
