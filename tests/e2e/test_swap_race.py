"""Volunteers take the same offered duty at the same moment, against a real server on
each database: exactly one takes it over, the others are told it is taken, and the
shift never holds more or fewer people than before."""

import os
import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as wall_time
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from tests.servers import migrate, running_server

os.environ.setdefault("UROSTER_ARGON2_TIME_COST", "1")
os.environ.setdefault("UROSTER_ARGON2_MEMORY_KIB", "1024")

TAKERS = 8
ZONE = ZoneInfo("Asia/Shanghai")


def seed(database_url: str) -> tuple[int, int, int, list[str]]:
    """A published future shift with one duty on it, offered for a swap; the ids of
    the offer, the shift and the offered duty, and the takers' tokens."""
    from sqlalchemy.orm import Session

    from app import models  # noqa: F401  (every table registered)
    from app.accounts import service as account_service
    from app.accounts.models import Account, Role
    from app.db import make_engine
    from app.districts.models import District
    from app.rosters.models import Assignment, Roster, RosterStatus
    from app.shifts.models import Shift
    from app.stations.models import Station
    from app.swaps.models import SwapOffer
    from app.volunteers.models import Volunteer, VolunteerStatus

    starts_at = datetime.combine(
        datetime.now(ZONE).date() + timedelta(days=2), wall_time(9), tzinfo=ZONE
    )
    year, week, _ = starts_at.isocalendar()
    tag = uuid.uuid4().hex[:8]
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            district = District(code=f"SWAP-{tag}", name="Swap district")
            session.add(district)
            session.flush()
            station = Station(
                district_id=district.id, code=f"SWAP-{tag}", name="Swap U-station",
                kind="community", address="1 Swap Rd", lat=22.54, lon=114.11,
                timezone="Asia/Shanghai",
            )  # fmt: skip
            session.add(station)
            session.flush()
            shift = Shift(
                station_id=station.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=4),
                min_volunteers=1, max_volunteers=1, skill_requirements=[], priority=3,
            )  # fmt: skip
            roster = Roster(
                district_id=district.id, week=f"{year}-W{week:02d}",
                status=RosterStatus.published, time_limit_seconds=1,
            )  # fmt: skip
            session.add_all([shift, roster])
            people = []
            for i in range(TAKERS + 1):
                account = Account(role=Role.volunteer, name=f"Swapper {i}")
                session.add(account)
                session.flush()
                volunteer = Volunteer(
                    account_id=account.id, district_id=district.id, name=f"Swapper {i}",
                    status=VolunteerStatus.active, availability_mode="any_time",
                )  # fmt: skip
                session.add(volunteer)
                session.flush()
                people.append((account, volunteer))
            offerer = people[0][1]
            duty = Assignment(roster_id=roster.id, shift_id=shift.id, volunteer_id=offerer.id)
            session.add(duty)
            session.flush()
            offer = SwapOffer(assignment_id=duty.id, offered_by=offerer.id)
            session.add(offer)
            session.flush()
            tokens = [account_service.issue_token(session, a) for a, _ in people[1:]]
            return offer.id, shift.id, duty.id, tokens
    finally:
        engine.dispose()


def stored(database_url: str, shift_id: int) -> list[tuple[int, str, str]]:
    from app.db import make_engine
    from app.rosters.models import Assignment

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(
                connection.execute(
                    select(Assignment.id, Assignment.status, Assignment.source).where(
                        Assignment.shift_id == shift_id
                    )
                ).all()
            )
    finally:
        engine.dispose()


def test_of_volunteers_taking_one_offer_at_once_exactly_one_wins(database_url, tmp_path):
    migrate(database_url)
    offer_id, shift_id, duty_id, tokens = seed(database_url)
    codes: Counter = Counter()
    reasons: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens))
    log_path = tmp_path / "server.log"

    def take(base_url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            client.get("/healthz")  # connect first, so that the requests leave together
            barrier.wait()
            try:
                response = client.post(f"/api/v1/swap-offers/{offer_id}/accept")
            except httpx.HTTPError as exc:
                with lock:
                    errors.append(repr(exc))
                return
        with lock:
            codes[response.status_code] += 1
            if response.status_code != 200:
                reasons[response.json().get("reason")] += 1

    with running_server(database_url, log_path) as base_url:
        threads = [threading.Thread(target=take, args=(base_url, t)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    log = log_path.read_text()
    assert errors == [], log
    assert dict(codes) == {200: 1, 409: TAKERS - 1}, log
    assert dict(reasons) == {"taken": TAKERS - 1}
    rows = stored(database_url, shift_id)
    assert len(rows) == 2
    assert rows[0] == (duty_id, "cancelled", "solver")
    assert rows[1][1:] == ("scheduled", "swap")
    assert "database is locked" not in log
