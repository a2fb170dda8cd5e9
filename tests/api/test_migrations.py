"""Data migrations on a database that holds rows from before them, on both backends."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, insert, select

from app.migrate import alembic_config, upgrade
from tests.databases import fresh_postgres_database

BEFORE_RELIABILITY = "d7a1c0f3b9e2"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        with fresh_postgres_database("uroster_migrate") as url:
            yield url


def test_reliability_migration_mends_dst_shifts_and_keeps_availability(empty_database):
    upgrade(empty_database, BEFORE_RELIABILITY)
    engine = create_engine(empty_database)
    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    now = datetime(2027, 3, 1, tzinfo=UTC).replace(tzinfo=None)
    start = datetime(2027, 3, 28, 1, 30)
    with engine.begin() as db:
        db.execute(insert(t["district"]).values(id=1, code="A", name="A"))
        db.execute(
            insert(t["station"]).values(
                id=1, district_id=1, code="LDN", name="London", kind="port", address="x",
                lat=51.5, lon=0.0, timezone="Europe/London", is_active=True, created_at=now,
            )
        )  # fmt: skip
        for volunteer_id in (1, 2):
            db.execute(
                insert(t["volunteer"]).values(
                    id=volunteer_id, district_id=1, status="active", name=f"V{volunteer_id}",
                    phone=f"+861380000000{volunteer_id}", preferred_station_ids=[],
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
        db.execute(
            insert(t["availability_window"]).values(
                volunteer_id=2, weekday=7, start="00:00", end="12:00", preference="available"
            )
        )
        shift = {"station_id": 1, "min_volunteers": 1, "max_volunteers": 1,
                 "skill_requirements": [], "priority": 3, "created_at": now}  # fmt: skip
        db.execute(insert(t["shift"]).values(id=1, starts_at=start, ends_at=start, **shift))
        db.execute(
            insert(t["shift"]).values(
                id=2, starts_at=start, ends_at=start - timedelta(minutes=15), **shift
            )
        )
        db.execute(
            insert(t["shift"]).values(
                id=3, starts_at=start, ends_at=start + timedelta(hours=1), **shift
            )
        )
        db.execute(
            insert(t["roster"]).values(
                id=1, district_id=1, week="2027-W12", status="published", time_limit_seconds=1,
                job_kind="solve", attempts=0, created_at=now,
            )
        )  # fmt: skip
        for assignment_id, shift_id in ((1, 2), (2, 3)):
            db.execute(
                insert(t["assignment"]).values(
                    id=assignment_id, roster_id=1, shift_id=shift_id, volunteer_id=1,
                    status="scheduled", source="solver", pinned=False, created_at=now,
                )
            )  # fmt: skip

    upgrade(empty_database)

    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    with engine.connect() as db:
        shifts = {
            row.id: row
            for row in db.execute(select(t["shift"].c.id, t["shift"].c.starts_at,
                                         t["shift"].c.ends_at, t["shift"].c.cancelled_at))
        }  # fmt: skip
        assert shifts[1].cancelled_at is not None and shifts[2].cancelled_at is not None
        assert shifts[3].cancelled_at is None
        assert all(row.ends_at > row.starts_at for row in shifts.values())
        duties = dict(db.execute(select(t["assignment"].c.id, t["assignment"].c.status)).all())
        assert duties == {1: "cancelled", 2: "scheduled"}
        modes = dict(
            db.execute(select(t["volunteer"].c.id, t["volunteer"].c.availability_mode)).all()
        )
        assert modes == {1: "any_time", 2: "windows"}
    command.downgrade(alembic_config(empty_database), BEFORE_RELIABILITY)
    engine.dispose()
