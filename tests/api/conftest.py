"""API tests run against a real SQLite file and the real PostgreSQL server.

Each backend's schema is built once by `alembic upgrade head`; each test runs inside
one outer transaction that is rolled back at the end, while the app's own commits
become savepoints inside it.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.db import READ_METHODS, committing, get_session, make_engine, request_transaction
from app.districts.models import District
from app.main import create_app
from app.migrate import upgrade
from app.ratelimit import RateLimiter
from app.stations.models import Station
from app.volunteers import service as volunteer_service
from app.volunteers.schemas import VolunteerRegister
from tests.databases import fresh_postgres_database

# Passwords that new accounts may have (12+ characters, zxcvbn score 3+). The world's
# admin and coordinators are built by the services, which take any password, as
# accounts made before the password rule still sign in with their old ones.
VOLUNTEER_PASSWORD = "plum-lantern-harbour"
STRONG_PASSWORD = "copper-heron-meadow"


def _sqlite_engine(tmp: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp / 'api.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    with fresh_postgres_database() as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory.mktemp("sqlite"))
    else:
        yield from _postgres_engine()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture(scope="session")
def shared_app() -> FastAPI:
    """One app for the API tests of a process. FastAPI (0.165) builds a route's state
    lazily, at the app's first request through it: with an app per test that was
    60 % of the role matrix's time (py-spy), paid again by every test."""
    return create_app(run_jobs=False)


def on_session(app: FastAPI, session: Session) -> FastAPI:
    """The app answering on this test's session, with rate limits counted from zero."""

    def test_session(request: Request) -> Iterator[Session]:
        # As app.db.get_session, in the test's transaction: a GET may not write.
        yield from request_transaction(session, reading=request.method in READ_METHODS)

    app.state.rate_limiter = RateLimiter()
    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def app(shared_app: FastAPI, session: Session) -> Iterator[FastAPI]:
    yield on_session(shared_app, session)
    shared_app.dependency_overrides.clear()


@pytest.fixture
def run_jobs(session: Session, monkeypatch):
    """Runs the queued roster jobs now, inside the test's transaction; returns their ids."""
    from contextlib import contextmanager

    from app.rosters import jobs

    monkeypatch.setattr(jobs, "session_scope", lambda: contextmanager(committing)(session))

    def run() -> list[int]:
        done = []
        while (roster_id := jobs.run_job()) is not None:
            done.append(roster_id)
        return done

    return run


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, base_url="http://testserver") as c:
        yield c


@dataclass
class Caller:
    """Someone calling the API: their account, token and headers."""

    name: str
    account: Account | None = None
    token: str | None = None
    volunteer_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """Two districts, a station in each, and one caller of every role (those of teams
    and organisations with add_teams)."""

    district_a: District
    district_b: District
    station_a: Station
    station_b: Station
    callers: dict[str, Caller]

    def __getitem__(self, role: str) -> Caller:
        return self.callers[role]


def make_caller(session: Session, name: str, account: Account, volunteer_id=None) -> Caller:
    token = account_service.issue_token(session, account)
    return Caller(
        name=name,
        account=account,
        token=token,
        volunteer_id=volunteer_id,
        headers={"Authorization": f"Bearer {token}"},
    )


def register_volunteer(
    session: Session,
    name: str,
    phone: str,
    district_id: int | None,
    availability_mode: str = "any_time",
    **extra,
):
    """A registered volunteer; available at any time unless the test says otherwise (a
    new registration is available at no time until it gives its weekly windows)."""
    data = VolunteerRegister(
        name=name,
        phone=phone,
        password=VOLUNTEER_PASSWORD,
        district_id=district_id,
        accept_privacy_notice=True,
        **extra,
    )
    volunteer = volunteer_service.register(session, data)
    volunteer.availability_mode = availability_mode
    return volunteer


def two_districts(session: Session) -> tuple[District, District, Station, Station]:
    """Districts A and B with a station each: the ground the API tests stand on."""
    district_a = District(code="A", name="District A")
    district_b = District(code="B", name="District B")
    session.add_all([district_a, district_b])
    session.flush()
    station_a = Station(
        district_id=district_a.id, code="A-1", name="Luohu U-station", kind="community",
        address="1 Renmin Rd", lat=22.54, lon=114.11, timezone="Asia/Shanghai",
    )  # fmt: skip
    station_b = Station(
        district_id=district_b.id, code="B-1", name="Futian Port", kind="port",
        address="2 Futian Rd", lat=22.51, lon=114.06, timezone="Asia/Shanghai",
    )  # fmt: skip
    session.add_all([station_a, station_b])
    return district_a, district_b, station_a, station_b


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def make_world(session: Session) -> World:
    """Two districts with a station each, and a caller of every role (committed)."""
    district_a, district_b, station_a, station_b = two_districts(session)
    admin = account_service.create_admin(session, email="admin@example.org", password="admin-pass")
    coord_a = account_service.create_coordinator(
        session, email="ca@example.org", password="coord-pass", name="Coord A",
        district_ids=[district_a.id],
    )  # fmt: skip
    coord_b = account_service.create_coordinator(
        session, email="cb@example.org", password="coord-pass", name="Coord B",
        district_ids=[district_b.id],
    )  # fmt: skip
    vol = register_volunteer(session, "Wang Li", "13800000001", district_a.id, skills=["lang:en"])
    other = register_volunteer(session, "张小明", "13800000002", district_a.id)
    session.flush()
    callers = {
        "anonymous": Caller(name="anonymous"),
        "volunteer": make_caller(
            session, "volunteer", session.get(Account, vol.account_id), vol.id
        ),
        "other_volunteer": make_caller(
            session, "other_volunteer", session.get(Account, other.account_id), other.id
        ),
        "coordinator": make_caller(session, "coordinator", coord_a),
        "other_coordinator": make_caller(session, "other_coordinator", coord_b),
        "admin": make_caller(session, "admin", admin),
    }
    session.commit()
    return World(district_a, district_b, station_a, station_b, callers)


ROLES = ["anonymous", "volunteer", "other_volunteer", "coordinator", "other_coordinator", "admin"]
# The callers of teams and organisations (add_teams): an administrator of organisation
# A, and a lead of team A (a volunteer of district A, so a role of its own in tests only).
TEAM_ROLES = ["org_admin", "lead"]
ALL_ROLES = ROLES + TEAM_ROLES
assert {r.value for r in Role} <= set(ALL_ROLES) | {"volunteer", "coordinator", "admin"}


def add_teams(session: Session, world: World) -> World:
    """Organisations and teams over the world, with their callers (committed):

    - organisation A (ORG-A) serves district A; `org_admin` administers it.
    - organisation B (ORG-B) serves districts A and B, and has no admin here.
    - team A: district A, organisation A. `lead` (Chen Lead, a volunteer of district
      A, available at any time like the world's volunteers) leads it;
      `other_volunteer` asks to join it (pending); `volunteer` is not in it.
    - team B: district A too, organisation B; Team B Lead leads it and is its only
      member. So the lead of A, organisation A's admin and B's coordinator are each
      outside it, while A's coordinator reaches both.
    """
    from app.organisations.models import Organisation
    from app.teams.models import Team, TeamMember

    org_a = Organisation(
        code="ORG-A", name="Luohu Youth Volunteers", contact_name="Zhao Min",
        contact_phone="+8613900000001", districts=[world.district_a],
    )  # fmt: skip
    org_b = Organisation(
        code="ORG-B", name="Port Friends", contact_name="Qian Li",
        contact_phone="+8613900000002", districts=[world.district_a, world.district_b],
    )  # fmt: skip
    session.add_all([org_a, org_b])
    session.flush()
    org_admin = account_service.create_account(
        session, role=Role.org_admin, name="Org Admin A", password="org-pass",
        email="oa@example.org",
    )  # fmt: skip
    org_admin.organisation_id = org_a.id
    team_a = Team(district_id=world.district_a.id, organisation_id=org_a.id, name="Team A")
    team_b = Team(district_id=world.district_a.id, organisation_id=org_b.id, name="Team B")
    session.add_all([team_a, team_b])
    lead = register_volunteer(session, "Chen Lead", "13800000081", world.district_a.id)
    lead_b = register_volunteer(
        session, "Team B Lead", "13800000082", world.district_a.id, availability_mode="windows"
    )
    session.flush()
    session.add_all(
        [
            TeamMember(team_id=team_a.id, volunteer_id=lead.id, status="approved", is_lead=True),
            TeamMember(team_id=team_a.id, volunteer_id=world["other_volunteer"].volunteer_id),
            TeamMember(team_id=team_b.id, volunteer_id=lead_b.id, status="approved", is_lead=True),
        ]
    )
    session.flush()
    world.callers["org_admin"] = make_caller(session, "org_admin", org_admin)
    world.callers["lead"] = make_caller(
        session, "lead", session.get_one(Account, lead.account_id), lead.id
    )
    world.org_a, world.org_b, world.team_a, world.team_b = org_a, org_b, team_a, team_b
    world.lead_b_id = lead_b.id
    session.commit()
    return world


@pytest.fixture
def team_world(session: Session, world: World) -> World:
    return add_teams(session, world)


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with the given status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    if status == 422:
        assert body["errors"] and all({"loc", "msg"} <= e.keys() for e in body["errors"])
    return body
