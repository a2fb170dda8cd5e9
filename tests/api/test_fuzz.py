"""Schemathesis against every operation of the app's own OpenAPI document: no input,
valid or not, from an admin, a coordinator or a volunteer, is answered with a 5xx.

The app runs in-process on a fresh SQLite file holding a small world (a district, a
station with a template, a week of generated shifts, a published roster with duties,
a draft roster, a kiosk), so that ids hit real rows: a generated path parameter or
body id that looks like an id is pointed at a row of that world (odd ones are sent as
generated). Each example runs in a transaction that is rolled back afterwards, so no
example sees another's writes and the run is the same every time (fixed seed,
derandomized). Only SQLite: the fuzzer hunts for the app's bugs, the other API tests
cover both databases.
"""

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import Request
from schemathesis import checks
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts.models import Account
from app.db import READ_METHODS, get_session, make_engine, request_transaction
from app.main import create_app
from app.migrate import upgrade
from app.rosters.models import Assignment, Roster, RosterStatus
from app.shifts import service as shift_service
from app.stations import service as station_service
from app.stations.schemas import ShiftTemplateCreate
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer
from app.volunteers.schemas import Availability
from tests.api.conftest import World, make_caller, register_volunteer, two_districts
from tests.api.test_duties import add_duties, day_after_next_monday, week_of
from tests.api.test_role_matrix import add_kiosks
from tests.databases import fresh_postgres_database

ROLES = ["admin", "coordinator", "volunteer"]
# A few examples per operation and role keep this under a minute and a half on 2 cores;
# a deeper hunt: UROSTER_FUZZ_EXAMPLES=200 UROSTER_FUZZ_SEED=7 pytest tests/api/test_fuzz.py
EXAMPLES_PER_OPERATION = int(os.environ.get("UROSTER_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("UROSTER_FUZZ_SEED", "23"))

app = create_app(run_jobs=False)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    app,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",  # valid inputs and invalid ones
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
                # The callers' own credentials are sent; generated ones are only noise.
                "with-security-parameters": False,
            },
            # The coverage phase sends hundreds of cases per operation: for deep runs only.
            "phases": {
                "coverage": {"enabled": os.environ.get("UROSTER_FUZZ_COVERAGE") == "1"},
                "stateful": {"enabled": False},
            },
        }
    ),
)


@dataclass
class FuzzWorld:
    """The rows the fuzzer aims at, the callers' headers, and the open transaction."""

    connection: Connection
    headers: dict[str, dict[str, str]]
    kiosk_key: str
    path_ids: dict[str, Any]
    body_ids: dict[str, int]
    session: Session | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        outer = self.connection.begin()
        self.session = Session(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
        try:
            yield
        finally:
            self.session.close()
            self.session = None
            outer.rollback()

    def request_session(self, request: Request) -> Iterator[Session]:
        assert self.session is not None, "a request outside an example's transaction"
        yield from request_transaction(self.session, reading=request.method in READ_METHODS)

    def aim(self, case) -> None:
        """Real ids in the path and in the body in place of generated ones that look
        like ids; the odd ones (0, -1, 2**70, "x/y") are kept, they find the bugs."""
        path = case.operation.path
        for name, generated in (case.path_parameters or {}).items():
            value = self.path_ids.get(f"{path} {name}", self.path_ids.get(name))
            if value is not None and looks_like_an_id(generated):
                case.path_parameters[name] = value
        if isinstance(case.body, dict):
            for name, generated in case.body.items():
                if name in self.body_ids and looks_like_an_id(generated):
                    case.body[name] = self.body_ids[name]

    def headers_for(self, role: str, case) -> dict[str, str]:
        headers = dict(self.headers[role])
        if case.operation.path.startswith("/api/v1/kiosk/"):
            headers["X-Kiosk-Key"] = self.kiosk_key
        return headers


def looks_like_an_id(value: Any) -> bool:
    if isinstance(value, str):  # feed tokens: every other one kept as generated
        return value.isalnum() and len(value) % 2 == 0
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def build_world(session: Session) -> FuzzWorld:
    district_a, district_b, station_a, station_b = two_districts(session)
    admin = account_service.create_admin(session, email="admin@example.org", password="admin-pass")
    coordinator = account_service.create_coordinator(
        session, email="ca@example.org", password="coord-pass", name="Coord A",
        district_ids=[district_a.id],
    )  # fmt: skip
    volunteer = register_volunteer(
        session, "Wang Li", "13800000001", district_a.id, skills=["lang:en"]
    )
    other = register_volunteer(session, "张小明", "13800000002", district_a.id)
    session.flush()
    volunteer_service.set_availability(
        session,
        volunteer,
        Availability.model_validate(
            {"weekly": [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(1, 8)]}
        ),
    )
    callers = {
        "admin": make_caller(session, "admin", admin),
        "coordinator": make_caller(session, "coordinator", coordinator),
        "volunteer": make_caller(
            session, "volunteer", session.get(Account, volunteer.account_id), volunteer.id
        ),
        "other_volunteer": make_caller(
            session, "other_volunteer", session.get(Account, other.account_id), other.id
        ),
    }
    session.commit()
    world = World(district_a, district_b, station_a, station_b, callers)

    # A template, its generated week, a published roster of that week with duties,
    # an open shift, a calendar feed; kiosks and a duty running now at station A.
    template = station_service.create_template(
        session,
        admin,
        station_a.id,
        ShiftTemplateCreate(
            weekdays=[1, 3, 6], start="09:00", end="13:00", min_volunteers=1, max_volunteers=3,
            skill_requirements=[{"skill": "lang:en", "count": 1}], priority=4,
        ),
    )  # fmt: skip
    week = week_of(day_after_next_monday(0, 9))
    shift_service.generate_week(session, admin, district_a.id, week)
    session.commit()
    add_duties(world, session)
    add_kiosks(world, session)
    published = session.get(Roster, world.duty.roster_id)
    draft = Roster(
        district_id=district_a.id, week=week, status=RosterStatus.draft, time_limit_seconds=1
    )
    session.add(draft)
    session.flush()
    draft_assignment = Assignment(
        roster_id=draft.id, shift_id=world.open_shift.id, volunteer_id=volunteer.id
    )
    session.add(draft_assignment)
    imported = Volunteer(district_id=district_a.id, name="Imported", phone="+8613900000099")
    session.add(imported)
    session.commit()
    kiosk_key = callers.pop("kiosk").headers["X-Kiosk-Key"]

    path_ids = {
        "station_id": station_a.id,
        "template_id": template.id,
        "volunteer_id": volunteer.id,
        "shift_id": world.open_shift.id,
        "kiosk_id": world.kiosk_id,
        "feed_token": world.feed_token,
        "roster_id": draft.id,
        "assignment_id": world.duty.id,
        # Repairing needs a published roster; hours belong to a checked-in duty;
        # invitations go to imported volunteers without an account.
        "/api/v1/rosters/{roster_id}/repair roster_id": published.id,
        "/api/v1/rosters/{roster_id}/assignments/{assignment_id} assignment_id": (
            draft_assignment.id
        ),
        "/api/v1/hours/{assignment_id} assignment_id": world.checked_in.id,
        "/api/v1/volunteers/{volunteer_id}/invitation volunteer_id": imported.id,
    }
    body_ids = {
        "district_id": district_a.id,
        "station_id": station_a.id,
        "shift_id": world.open_shift.id,
        "volunteer_id": volunteer.id,
        "assignment_id": world.kiosk_duty.id,
    }
    return FuzzWorld(
        connection=session.connection(),
        headers={role: callers[role].headers for role in ROLES},
        kiosk_key=kiosk_key,
        path_ids=path_ids,
        body_ids=body_ids,
    )


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory) -> Iterator[Engine]:
    """A fresh SQLite file for this module's run, built by the migrations; a throwaway
    PostgreSQL database with UROSTER_FUZZ_POSTGRES=1 (a local hunt, not in CI)."""
    with ExitStack() as stack:
        if os.environ.get("UROSTER_FUZZ_POSTGRES") == "1":
            url = stack.enter_context(fresh_postgres_database("uroster_fuzz"))
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_engine) -> Iterator[FuzzWorld]:
    with fuzz_engine.connect() as connection:
        with Session(bind=connection, expire_on_commit=False) as session:
            world = build_world(session)
        assert not connection.in_transaction()
        app.dependency_overrides[get_session] = world.request_session
        yield world
        app.dependency_overrides.clear()


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
def test_no_input_is_a_server_error(case, role, fuzz_world):
    fuzz_world.aim(case)
    with fuzz_world.transaction():
        response = case.call(headers=fuzz_world.headers_for(role, case))
    # Error bodies are RFC 9457 problems, not FastAPI's documented default: the
    # schema check applies to successful answers.
    found = [checks.not_a_server_error]
    if response.status_code < 400:
        found.append(checks.response_schema_conformance)
    case.validate_response(response, checks=found)
