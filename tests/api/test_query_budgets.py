"""Query budgets: every list endpoint, and the hot personal reads, run a bounded number
of SQL statements however many rows they return (no N+1).

A world is built twice per database, once with 10 rows of everything and once with
100 (stations, templates, kiosks, volunteers, duties, hours, swap offers, teams,
adoptions, certificates, webhooks, rosters...; bulk ORM inserts, not HTTP calls).
Every read below is called over HTTP through the real app in each world and the
statements it sends to the database are counted on the engine (SQLAlchemy's
`before_cursor_execute`, which also sees the token look-up, savepoints and writes
after reads). A read must return at least as many rows as the world has, must run
as many statements at 100 rows as at 10, and at most its budget.

A new list endpoint (a GET answering a JSON array or `{items, total}`) without a row
in READS fails `test_every_list_endpoint_has_a_budget`.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.certificates.models import Certificate
from app.districts.models import District
from app.duties import service as duty_service
from app.hours.models import ServiceHours
from app.kiosks.models import Kiosk
from app.organisations.models import Organisation
from app.rosters.models import (
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    Roster,
    RosterStatus,
)
from app.shifts.models import Shift
from app.stations.models import ShiftTemplate, Station
from app.swaps.models import SwapOffer
from app.teams.models import Adoption, Team, TeamMember
from app.volunteers.models import AvailabilityWindow, Volunteer, VolunteerSkill
from app.webhooks.models import Webhook, WebhookDelivery
from tests.api.conftest import World, add_teams, make_world, on_session

LOCAL = ZoneInfo("Asia/Shanghai")
SIZES = (10, 100)
# Statements a read may run more at 100 rows than at 10: none.
SLACK = 0


@dataclass
class Budgeted:
    """A world of `n` rows of everything, and what the reads need to find it."""

    world: World
    n: int
    future_roster: Roster  # the week after next: the volunteer's duties, unfilled seats
    webhook: Webhook
    feed_token: str
    first_day: date  # of the month of the past duties (hours reports)
    last_day: date


def _week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(LOCAL).isocalendar()
    return f"{year}-W{week:02d}"


class Rosters:
    """One published roster per district-week, made when first needed."""

    def __init__(self, session: Session, district_id: int, published_at: datetime) -> None:
        self.session, self.district_id, self.published_at = session, district_id, published_at
        self.by_week: dict[str, Roster] = {}

    def of(self, moment: datetime) -> Roster:
        week = _week(moment)
        if week not in self.by_week:
            roster = Roster(
                district_id=self.district_id, week=week, status=RosterStatus.published,
                time_limit_seconds=1, published_at=self.published_at,
            )  # fmt: skip
            self.session.add(roster)
            self.session.flush()
            self.by_week[week] = roster
        return self.by_week[week]


def _shifts(station: Station, starts: list[datetime], hours: float, **extra) -> list[Shift]:
    return [
        Shift(
            station_id=station.id,
            starts_at=start.astimezone(UTC),
            ends_at=(start + timedelta(hours=hours)).astimezone(UTC),
            min_volunteers=extra.get("min_volunteers", 1),
            max_volunteers=extra.get("max_volunteers", 1),
            skill_requirements=extra.get("skill_requirements", []),
            priority=3,
        )  # fmt: skip
        for start in starts
    ]


def build(session: Session, n: int) -> Budgeted:
    """The world of the API tests, teams included, and n rows of every list."""
    world = add_teams(session, make_world(session))
    a, station = world.district_a, world.station_a
    vol_id, other_id = world["volunteer"].volunteer_id, world["other_volunteer"].volunteer_id
    coordinator = world["coordinator"].account
    assert coordinator is not None
    now = datetime.now(LOCAL)
    rosters = Rosters(session, a.id, published_at=datetime.now(UTC) - timedelta(days=1))

    districts = [District(code=f"QB-{i}", name=f"District {i}") for i in range(n)]
    session.add_all(districts)
    session.flush()
    session.add_all(
        [
            Account(
                role=Role.coordinator,
                email=f"qb{i}@example.org",
                name=f"Coordinator {i}",
                districts=[a, districts[i]],
            )  # fmt: skip
            for i in range(n)
        ]
        + [
            Organisation(code=f"QB-ORG-{i}", name=f"Organisation {i}", districts=[a, districts[i]])
            for i in range(n)
        ]
        + [
            Station(
                district_id=a.id,
                code=f"QB-S-{i}",
                name=f"Station {i}",
                kind="community",
                address=f"{i} Renmin Rd",
                lat=22.5 + i / 1000,
                lon=114.1,
                timezone="Asia/Shanghai",
            )  # fmt: skip
            for i in range(n)
        ]
        + [
            ShiftTemplate(
                station_id=station.id,
                weekdays=[1 + i % 7],
                start="09:00",
                end="13:00",
                min_volunteers=1,
                max_volunteers=2,
                skill_requirements=[],
                priority=3,
            )  # fmt: skip
            for i in range(n)
        ]
        + [Kiosk(station_id=station.id, name=f"Desk {i}", key_hash=f"{i:064x}") for i in range(n)]
    )
    people = [
        Volunteer(
            name=f"志愿者{i}",
            phone=f"139{n:03d}{i:05d}",
            district_id=a.id,
            availability_mode="any_time",
            privacy_notice_accepted_at=datetime.now(UTC),
            skill_rows=[VolunteerSkill(skill="lang:en"), VolunteerSkill(skill="first_aid")],
            weekly=[
                AvailabilityWindow(weekday=d, start="08:00", end="20:00", preference="available")
                for d in (1, 6)
            ],
        )  # fmt: skip
        for i in range(n)
    ]
    session.add_all(people)
    session.flush()

    # Teams: the volunteer is in n of them; the people are team A's approved members.
    teams = [
        Team(district_id=a.id, organisation_id=world.org_a.id, name=f"Team QB {i}")
        for i in range(n)
    ]
    session.add_all(teams)
    session.flush()
    session.add_all(
        [TeamMember(team_id=t.id, volunteer_id=vol_id, status="approved") for t in teams]
        + [
            TeamMember(team_id=world.team_a.id, volunteer_id=p.id, status="approved")
            for p in people
        ]
    )
    # Team A adopts a seat of every shift at station A; n - 1 other teams adopt a window
    # no shift starts in (shifts start at hh:10, hh:40...), so the list has n rows and
    # seats stay open to anyone.
    session.add(
        Adoption(team_id=world.team_a.id, station_id=station.id, weekdays=[1, 2, 3, 4, 5, 6, 7],
                 start="00:00", end="23:59", seats=1)
    )  # fmt: skip
    session.flush()
    session.add_all(
        [
            Adoption(
                team_id=t.id,
                station_id=station.id,
                weekdays=[1],
                start="00:00",
                end="00:05",
                seats=1,
            )
            for t in teams[: n - 1]
        ]  # fmt: skip
    )

    # The week after next: n duties of the volunteer at station A, each one short of its
    # minimum (unfilled), offered for a swap, and a cancelled duty of one of the people
    # beside it (the roster's history has 2n changes).
    monday = now.date() - timedelta(days=now.weekday()) + timedelta(days=14)
    start = datetime.combine(monday, time(0, 10), tzinfo=LOCAL)
    future = _shifts(
        station, [start + timedelta(minutes=90 * i) for i in range(n)], 1,
        min_volunteers=2, max_volunteers=4,
    )  # fmt: skip
    session.add_all(future)
    session.flush()
    future_roster = rosters.of(start)
    duties = [
        Assignment(roster_id=future_roster.id, shift_id=s.id, volunteer_id=vol_id,
                   source=AssignmentSource.signup)
        for s in future
    ]  # fmt: skip
    session.add_all(duties)
    session.add_all(
        [
            Assignment(
                roster_id=future_roster.id,
                shift_id=s.id,
                volunteer_id=p.id,
                source=AssignmentSource.manual,
                status=AssignmentStatus.cancelled,
                cancelled_at=datetime.now(UTC),
                cancelled_by=coordinator.id,
                cancel_reason="moved away",
            )  # fmt: skip
            for s, p in zip(future, people, strict=True)
        ]
    )
    session.flush()
    session.add_all([SwapOffer(assignment_id=d.id, offered_by=vol_id) for d in duties])

    # Today at station A: each of the people on a shift of their own (the kiosk board),
    # and their team's duties.
    midnight = datetime.combine(now.date(), time(), tzinfo=LOCAL)
    today = _shifts(station, [midnight + timedelta(minutes=i) for i in range(n)], 0)
    for shift in today:
        shift.ends_at = (midnight + timedelta(days=1)).astimezone(UTC)
    session.add_all(today)
    session.flush()
    session.add_all(
        [
            Assignment(roster_id=rosters.of(midnight).id, shift_id=s.id, volunteer_id=p.id)
            for s, p in zip(today, people, strict=True)
        ]
    )

    # A month ago: n served duties of the volunteer and of each of the people, with
    # their verified hours (hours reports, my hours, certificates).
    first = (now - timedelta(days=30)).date().replace(day=1)
    past_start = datetime.combine(first, time(0, 10), tzinfo=LOCAL)
    past = _shifts(
        station, [past_start + timedelta(minutes=90 * i) for i in range(n)], 1, max_volunteers=2
    )
    session.add_all(past)
    session.flush()
    served = [
        Assignment(
            roster_id=rosters.of(s.starts_at).id,
            shift_id=s.id,
            volunteer_id=who,
            status=AssignmentStatus.completed,
            check_in_at=s.starts_at,
            check_out_at=s.ends_at,
        )  # fmt: skip
        for s, p in zip(past, people, strict=True)
        for who in (vol_id, p.id)
    ]
    session.add_all(served)
    session.flush()
    session.add_all(
        [
            ServiceHours(
                assignment_id=d.id,
                volunteer_id=d.volunteer_id,
                station_id=station.id,
                check_in_at=d.check_in_at,
                check_out_at=d.check_out_at,
                hours=1.0,
                source="kiosk",
            )  # fmt: skip
            for d in served
        ]
        + [
            Certificate(
                code=f"QB{n:03d}{i:05d}",
                volunteer_id=vol_id,
                district_id=a.id,
                from_date=first,
                to_date=first + timedelta(days=7),
                hours=1.0,
                station_hours=[],
                masked_name="W*",
            )  # fmt: skip
            for i in range(n)
        ]
    )

    # n draft rosters of other weeks, n webhooks and n deliveries of the first.
    session.add_all(
        [
            Roster(
                district_id=a.id,
                week=f"{2001 + i // 50}-W{1 + i % 50:02d}",
                status=RosterStatus.draft,
                time_limit_seconds=1,
            )
            for i in range(n)
        ]  # fmt: skip
    )
    hooks = [
        Webhook(url=f"https://hooks.example.org/{i}", events=["duty.changed"], secret="s" * 32)
        for i in range(n)
    ]
    session.add_all(hooks)
    session.flush()
    session.add_all(
        [
            WebhookDelivery(
                webhook_id=hooks[0].id,
                volunteer_id=vol_id,
                event="duty.changed",
                idempotency_key=f"duty_changed:{i}:{vol_id}:{hooks[0].id}",
                body="{}",
            )  # fmt: skip
            for i in range(n)
        ]
    )
    volunteer = session.get_one(Volunteer, vol_id)
    feed_token = duty_service.rotate_calendar_feed(session, volunteer)
    assert other_id not in {d.volunteer_id for d in duties}
    session.commit()
    last = (first + timedelta(days=40)).replace(day=1) - timedelta(days=1)
    return Budgeted(world, n, future_roster, hooks[0], feed_token, first, last)


# -- the reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A GET as one role, how many rows its answer has, and its statement budget."""

    who: str
    path: Callable[[Budgeted], str]
    budget: int
    params: Callable[[Budgeted], dict] = lambda b: {}
    # The rows of the answer (None: one object, not a list).
    rows: Callable[[Any], int] | None = lambda r: r.json()["total"]
    accept: str | None = None


def items(response) -> int:
    return len(response.json())


def lines(response) -> int:
    return len(response.text.strip().splitlines()) - 1  # the header


def events(response) -> int:
    return response.text.count("BEGIN:VEVENT")


def district_a(b: Budgeted) -> dict:
    return {"district_id": b.world.district_a.id}


def month(b: Budgeted, **scope) -> dict:
    return {"from": b.first_day.isoformat(), "to": b.last_day.isoformat(), **scope}


def this_year(b: Budgeted) -> dict:
    today = date.today()
    return {
        "from": (today - timedelta(days=60)).isoformat(),
        "to": (today + timedelta(days=60)).isoformat(),
    }


ALL = {"limit": 500}
API = "/api/v1"
# The key is the route as in the OpenAPI document (the test below matches it), and a
# variant after "#" when one route is read more than one way.
READS: dict[str, Read] = {
    "/coordinators": Read("admin", lambda b: "/coordinators", 7, lambda b: ALL),
    "/districts": Read("volunteer", lambda b: "/districts", 6, lambda b: ALL),
    "/stations": Read("volunteer", lambda b: "/stations", 7, lambda b: ALL),
    "/stations/{station_id}/shift-templates": Read(
        "coordinator",
        lambda b: f"/stations/{b.world.station_a.id}/shift-templates",
        6,
        lambda b: ALL,
    ),
    "/stations/{station_id}/kiosks": Read(
        "coordinator", lambda b: f"/stations/{b.world.station_a.id}/kiosks", 6, lambda b: ALL
    ),
    "/stations/{station_id}/adoptions": Read(
        "coordinator", lambda b: f"/stations/{b.world.station_a.id}/adoptions", 5, lambda b: ALL
    ),
    "/volunteers/me/assignments": Read(
        "volunteer", lambda b: "/volunteers/me/assignments", 8, lambda b: ALL
    ),
    "/shifts/open": Read("other_volunteer", lambda b: "/shifts/open", 16, lambda b: ALL),
    "/volunteers/me/swap-offers": Read(
        "volunteer", lambda b: "/volunteers/me/swap-offers", 7, lambda b: ALL
    ),
    "/swap-offers": Read("other_volunteer", lambda b: "/swap-offers", 13, lambda b: ALL),
    "/shifts": Read("coordinator", lambda b: "/shifts", 7, lambda b: ALL | district_a(b)),
    "/volunteers": Read("coordinator", lambda b: "/volunteers", 7, lambda b: ALL | district_a(b)),
    "/rosters": Read("coordinator", lambda b: "/rosters", 8, district_a, items),
    "/rosters/{roster_id}": Read(
        "coordinator", lambda b: f"/rosters/{b.future_roster.id}", 8, rows=None
    ),
    "/rosters/{roster_id}/assignments": Read(
        "coordinator", lambda b: f"/rosters/{b.future_roster.id}/assignments", 5, rows=items
    ),
    "/rosters/{roster_id}/unfilled": Read(
        "coordinator", lambda b: f"/rosters/{b.future_roster.id}/unfilled", 8, rows=items
    ),
    "/rosters/{roster_id}/history": Read(
        "coordinator", lambda b: f"/rosters/{b.future_roster.id}/history", 8, lambda b: ALL
    ),
    "/rosters/{roster_id}/export.csv": Read(
        "coordinator", lambda b: f"/rosters/{b.future_roster.id}/export.csv", 5, rows=lines
    ),
    "/kiosk/duty": Read(
        "kiosk", lambda b: "/kiosk/duty", 6, rows=lambda r: len(r.json()["on_duty"])
    ),
    "/volunteers/me/hours": Read(
        "volunteer", lambda b: "/volunteers/me/hours", 8, rows=lambda r: len(r.json()["entries"])
    ),
    "/reports/hours": Read(
        "coordinator",
        lambda b: "/reports/hours",
        7,
        lambda b: month(b, **district_a(b)),
        rows=lambda r: len(r.json()["volunteers"]),
    ),
    "/reports/hours#csv": Read(
        "coordinator",
        lambda b: "/reports/hours",
        7,
        lambda b: month(b, **district_a(b)),
        rows=lines,
        accept="text/csv",
    ),
    "/reports/hours#organisation": Read(
        "org_admin",
        lambda b: "/reports/hours",
        7,
        lambda b: month(b, organisation_id=b.world.org_a.id),
        rows=lambda r: len(r.json()["members"]),
    ),
    "/reports/hours#team": Read(
        "lead",
        lambda b: "/reports/hours",
        8,
        lambda b: month(b, team_id=b.world.team_a.id),
        rows=lambda r: len(r.json()["members"]),
    ),
    "/volunteers/me/certificates": Read(
        "volunteer", lambda b: "/volunteers/me/certificates", 9, lambda b: ALL
    ),
    "/certificates": Read("coordinator", lambda b: "/certificates", 8, lambda b: ALL),
    "/webhooks": Read("admin", lambda b: "/webhooks", 6, lambda b: ALL),
    "/webhooks/{webhook_id}/deliveries": Read(
        "admin", lambda b: f"/webhooks/{b.webhook.id}/deliveries", 6, lambda b: ALL
    ),
    "/organisations": Read("volunteer", lambda b: "/organisations", 7, lambda b: ALL),
    "/teams": Read("volunteer", lambda b: "/teams", 6, lambda b: ALL),
    "/volunteers/me/teams": Read("volunteer", lambda b: "/volunteers/me/teams", 7, lambda b: ALL),
    "/teams/{team_id}/members": Read(
        "lead", lambda b: f"/teams/{b.world.team_a.id}/members", 8, lambda b: ALL
    ),
    "/teams/{team_id}/duties": Read(
        "lead", lambda b: f"/teams/{b.world.team_a.id}/duties", 7, lambda b: ALL | this_year(b)
    ),
    "/teams/{team_id}/hours": Read(
        "coordinator",
        lambda b: f"/teams/{b.world.team_a.id}/hours",
        6,
        lambda b: month(b),
        rows=lambda r: len(r.json()["members"]),
    ),
    "/teams/{team_id}/open-seats": Read(
        "lead", lambda b: f"/teams/{b.world.team_a.id}/open-seats", 11, lambda b: ALL
    ),
    "/volunteers/me/calendar.ics": Read(
        "volunteer", lambda b: "/volunteers/me/calendar.ics", 7, rows=events
    ),
    "/calendar/{feed_token}.ics": Read(
        "anonymous", lambda b: f"/calendar/{b.feed_token}.ics", 5, rows=events
    ),
}


# -- counting --------------------------------------------------------------------------


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The statements sent through the engine meanwhile."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@dataclass
class Measured:
    status: int
    rows: int | None
    statements: list[str]
    body: str


def measure(client: TestClient, engine: Engine, b: Budgeted, read: Read, headers: dict) -> Measured:
    headers = headers | ({"Accept": read.accept} if read.accept else {})
    url = API + read.path(b)
    # Once to warm what a process keeps (a signing key...), then counted.
    client.get(url, headers=headers, params=read.params(b))
    with counting(engine) as statements:
        response = client.get(url, headers=headers, params=read.params(b))
    rows = read.rows(response) if response.status_code == 200 and read.rows else None
    return Measured(response.status_code, rows, statements, response.text[:500])


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture(scope="module")
def measured(engine: Engine, shared_app) -> dict[int, dict[str, Measured]]:
    """Every read's statements in the world of each size."""
    out: dict[int, dict[str, Measured]] = {}
    for n in SIZES:
        with rolled_back(engine) as session:
            b = build(session, n)
            kiosk_headers = _kiosk(session, b)
            app = on_session(shared_app, session)
            try:
                with TestClient(app, raise_server_exceptions=False) as client:
                    out[n] = {
                        name: measure(
                            client,
                            engine,
                            b,
                            read,
                            kiosk_headers if read.who == "kiosk" else b.world[read.who].headers,
                        )  # fmt: skip
                        for name, read in READS.items()
                    }
            finally:
                shared_app.dependency_overrides.clear()
    return out


def _kiosk(session: Session, b: Budgeted) -> dict[str, str]:
    from app.kiosks import service as kiosk_service

    coordinator = b.world["coordinator"].account
    assert coordinator is not None
    _, key = kiosk_service.create_kiosk(session, coordinator, b.world.station_a.id, "Front desk")
    session.commit()
    return {"X-Kiosk-Key": key}


def _repeated(statements: list[str]) -> str:
    """The statements run more than twice, most often first: where an N+1 shows."""
    counts = Counter(re.sub(r"\s+", " ", s)[:300] for s in statements)
    return "\n".join(f"{k} x {s}" for s, k in counts.most_common() if k > 2)


@pytest.mark.parametrize("name", list(READS))
def test_a_read_runs_as_many_statements_for_100_rows_as_for_10(measured, name):
    small, large = (measured[n][name] for n in SIZES)
    for n, m in ((SIZES[0], small), (SIZES[1], large)):
        assert m.status == 200, f"{name} at {n} rows: {m.status} {m.body}"
        assert m.rows is None or m.rows >= n, (
            f"{name} at {n} rows answered {m.rows}: the world is not in it"
        )
    print(f"{name}: {len(small.statements)} statements at 10 rows, {len(large.statements)} at 100")
    assert len(large.statements) <= len(small.statements) + SLACK, (
        f"{name}: {len(small.statements)} statements at {SIZES[0]} rows, "
        f"{len(large.statements)} at {SIZES[1]}; repeated:\n{_repeated(large.statements)}"
    )
    assert len(large.statements) <= READS[name].budget, (
        f"{name}: {len(large.statements)} statements, budget {READS[name].budget}:\n"
        + "\n".join(large.statements)
    )


def test_every_list_endpoint_has_a_budget(app):
    """A GET answering a list or a page of one, added without a row in READS, fails."""
    schemas = app.openapi()
    budgeted = {name.split("#")[0] for name in READS}
    lists = []
    for path, operations in schemas["paths"].items():
        if "get" not in operations:
            continue
        content = operations["get"]["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if schema.get("type") == "array" or schema.get("$ref", "").split("/")[-1].startswith(
            "PageRead"
        ):
            lists.append(path.removeprefix(API))
    assert len(lists) >= 25
    missing = [path for path in lists if path not in budgeted]
    assert not missing, f"list endpoints without a query budget: {missing}"
