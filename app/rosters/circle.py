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
from app.rosters import mapping
from app.rosters.models import Assignment, Roster, RosterStatus
from app.settings import get_settings
from app.stations.models import Station
from app.volunteers.models import Volunteer

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
    circle = Circle(minutes, settings.travel_speed_kmh * minutes / 60, stations)
    volunteers = mapping.district_volunteers(session, district_id)
    cells: Counter[tuple[int, int]] = Counter()
    for v in volunteers:
        if v.home_lat is None or v.home_lon is None:
            continue
        circle.volunteers_with_home += 1
        reach = [mapping.travel_minutes(v, s, settings.travel_speed_kmh) for s in stations]
        circle.volunteers_within += any(m is not None and m <= minutes for m in reach)
        cells[math.floor(v.home_lat / CELL_DEGREES), math.floor(v.home_lon / CELL_DEGREES)] += 1
    circle.cells = [
        {"south": row * CELL_DEGREES, "west": col * CELL_DEGREES, "size": CELL_DEGREES, "count": n}
        for (row, col), n in sorted(cells.items())
        if n >= MIN_CELL_VOLUNTEERS
    ]
    rows = session.execute(
        select(Assignment, Volunteer)
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(
            Roster.district_id == district_id,
            Roster.week == week,
            Roster.status == RosterStatus.published,
            Assignment.status.in_(mapping.LIVE_STATUSES),
        )
    ).all()
    for assignment, volunteer in rows:
        travel = mapping.travel_minutes(
            volunteer, assignment.shift.station, settings.travel_speed_kmh
        )
        if travel is None:
            continue
        circle.duties_with_travel += 1
        limit = volunteer.max_travel_minutes or minutes
        circle.duties_within_limit += travel <= limit
    return circle
