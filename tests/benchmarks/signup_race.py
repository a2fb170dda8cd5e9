"""Benchmark: many volunteers race for a few seats through a real server process.

    python -m tests.benchmarks.signup_race [--database-url URL] [--volunteers 50] [--seats 2]

Migrates the database (default: a fresh SQLite file; a PostgreSQL URL should name an
empty database), seeds one published future shift with `--seats` seats and the
volunteers with bearer tokens, starts `uroster serve` (uvicorn, one process) on a free
port, and fires every sign-up at once, each from its own thread and HTTP client.
Prints the status codes, the live assignments stored, and sign-ups per second over
the burst. tests/e2e/test_signup_race.py runs the same race and asserts on it.
"""

import argparse
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.servers import migrate, running_server

os.environ.setdefault("UROSTER_ARGON2_TIME_COST", "1")
os.environ.setdefault("UROSTER_ARGON2_MEMORY_KIB", "1024")

STATION_TIMEZONE = "Asia/Shanghai"


@dataclass
class Race:
    shift_id: int
    tokens: list[str]


def seed(database_url: str, volunteers: int, seats: int) -> Race:
    """One district, station and future shift in a published roster; volunteers with tokens."""
    from sqlalchemy.orm import Session

    from app import models  # noqa: F401  (every table registered)
    from app.accounts import service as account_service
    from app.accounts.models import Account, Role
    from app.db import make_engine
    from app.districts.models import District
    from app.rosters.models import Roster, RosterStatus
    from app.shifts.models import Shift
    from app.stations.models import Station
    from app.volunteers.models import Volunteer, VolunteerStatus

    zone = ZoneInfo(STATION_TIMEZONE)
    starts_at = datetime.combine(
        datetime.now(zone).date() + timedelta(days=2), wall_time(9), tzinfo=zone
    )
    year, week, _ = starts_at.isocalendar()
    tag = uuid.uuid4().hex[:8]
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            district = District(code=f"RACE-{tag}", name="Race district")
            session.add(district)
            session.flush()
            station = Station(
                district_id=district.id, code=f"RACE-{tag}", name="Race U-station",
                kind="community", address="1 Race Rd", lat=22.54, lon=114.11,
                timezone=STATION_TIMEZONE,
            )  # fmt: skip
            session.add(station)
            session.flush()
            shift = Shift(
                station_id=station.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=4),
                min_volunteers=1, max_volunteers=seats, skill_requirements=[], priority=3,
            )  # fmt: skip
            session.add(shift)
            session.add(
                Roster(
                    district_id=district.id, week=f"{year}-W{week:02d}",
                    status=RosterStatus.published, time_limit_seconds=1,
                )
            )  # fmt: skip
            tokens = []
            for i in range(volunteers):
                account = Account(role=Role.volunteer, name=f"Racer {i}")
                session.add(account)
                session.flush()
                session.add(
                    Volunteer(
                        account_id=account.id, district_id=district.id, name=f"Racer {i}",
                        status=VolunteerStatus.active, availability_mode="any_time",
                    )
                )  # fmt: skip
                tokens.append(account_service.issue_token(session, account))
            return Race(shift_id=shift.id, tokens=tokens)
    finally:
        engine.dispose()


@dataclass
class Burst:
    codes: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return sum(self.codes.values()) / self.seconds if self.seconds else 0.0


def burst(base_url: str, race: Race) -> Burst:
    """Every volunteer signs up at the same moment, each from its own thread and client."""
    result = Burst()
    lock = threading.Lock()
    started: list[float] = []
    finished: list[float] = []
    barrier = threading.Barrier(
        len(race.tokens), action=lambda: started.append(time.perf_counter())
    )

    def sign_up(token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            client.get("/healthz")  # connect first: the burst measures sign-ups, not TCP
            barrier.wait()
            try:
                response = client.post(f"/api/v1/shifts/{race.shift_id}/signup")
            except httpx.HTTPError as exc:
                with lock:
                    result.errors.append(repr(exc))
                return
            done = time.perf_counter()
        with lock:
            finished.append(done)
            result.codes[response.status_code] += 1
            if response.status_code >= 400:
                body = response.json()
                result.reasons[body.get("reason") or body.get("detail")] += 1

    threads = [threading.Thread(target=sign_up, args=(t,)) for t in race.tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if started and finished:
        result.seconds = max(finished) - started[0]
    return result


def live_assignments(database_url: str, shift_id: int) -> int:
    from sqlalchemy import func, select

    from app.db import make_engine
    from app.rosters.models import LIVE_STATUSES, Assignment

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(Assignment.shift_id == shift_id, Assignment.status.in_(LIVE_STATUSES))
            )
    finally:
        engine.dispose()


def run(database_url: str, volunteers: int, seats: int, log_path: Path) -> tuple[Burst, int]:
    """Migrate, seed, serve, race; returns the burst and the live assignments stored."""
    migrate(database_url)
    race = seed(database_url, volunteers, seats)
    with running_server(database_url, log_path) as base_url:
        result = burst(base_url, race)
    return result, live_assignments(database_url, race.shift_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--seats", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="uroster-race-"))
    url = args.database_url or f"sqlite:///{scratch / 'race.db'}"
    result, stored = run(url, args.volunteers, args.seats, scratch / "server.log")
    codes = ", ".join(f"{n} x {code}" for code, n in sorted(result.codes.items()))
    print(
        f"{url.split(':')[0]}: {args.volunteers} volunteers, {args.seats} seats -> {codes}; "
        f"refusals {dict(result.reasons)}; transport errors {len(result.errors)}; "
        f"live assignments stored {stored}; burst {result.seconds:.3f} s = "
        f"{result.per_second:.0f} sign-ups/s (server log {scratch / 'server.log'})"
    )


if __name__ == "__main__":
    main()
