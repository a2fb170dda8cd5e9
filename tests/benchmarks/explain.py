"""EXPLAIN (ANALYZE, BUFFERS) of the hottest queries, as the app sends them.

    python -m tests.benchmarks.explain --database-url postgresql+psycopg://.../empty_db
        [--stations 8] [--volunteers 160] [--seed 1] [--time-limit 10]
        [--history-weeks 52]

Loads the generated district (tests/benchmarks/roster_district.py) into the current
week through the API of a real server, rosters and publishes it, gives its stations
kiosks and some volunteers tokens (tests/benchmarks/read_load.py), then copies the
week `--history-weeks` times into the past straight in SQL (shifts, published rosters,
served duties with their hours), so the tables are a year deep as in production and
the planner has a reason to use an index. Then prints the plans of the hot reads.

For another benchmark, after its own run on PostgreSQL:

    from tests.benchmarks.explain import explain_hot_queries
    print(explain_hot_queries(database_url, volunteer=headers_of_a_volunteer_with_duties,
                              kiosk={"X-Kiosk-Key": key}, coordinator=coordinator_headers,
                              district_id=..., roster_id=...))

`explain_hot_queries` sends each hot read (my duties, open seats, the kiosk's duty
board, a roster, its assignments, its CSV export, the district's rosters, volunteers,
shifts and hours report) once through an in-process app on `database_url`, records
every SQL statement with its parameters on the engine (SQLAlchemy's
`before_cursor_execute`), and runs each distinct SELECT again under
`EXPLAIN (ANALYZE, BUFFERS)` in a transaction that is rolled back. The text it returns
has, per read, the plan of each statement, and at the end a verdict on every
sequential scan of a table of `LARGE_TABLE_ROWS` rows or more: planned again with
`enable_seqscan = off`, either the statement then reads the table through an index
(the scan was the planner's choice at this size, typically a whole table hashed for a
join on its primary key), or it still scans it: a finding, an access path without an
index (none is the goal).
"""

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from tests.benchmarks.roster_district import ZONE, bench_server, published_this_week

# A sequential scan of a table this big (pg_class.reltuples) is a finding.
LARGE_TABLE_ROWS = 5000


@dataclass
class HotRead:
    name: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Captured:
    read: str
    statement: str
    parameters: Any


def hot_reads(
    *,
    volunteer: dict[str, str],
    kiosk: dict[str, str],
    coordinator: dict[str, str],
    district_id: int,
    roster_id: int,
    today: date | None = None,
) -> list[HotRead]:
    today = today or datetime.now(ZONE).date()
    month = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}
    return [
        HotRead("my duties", "/volunteers/me/assignments", volunteer),
        HotRead("open seats", "/shifts/open", volunteer),
        HotRead("my hours", "/volunteers/me/hours", volunteer),
        HotRead("duty board", "/kiosk/duty", kiosk),
        HotRead("roster", f"/rosters/{roster_id}", coordinator),
        HotRead("roster assignments", f"/rosters/{roster_id}/assignments", coordinator),
        HotRead("roster export", f"/rosters/{roster_id}/export.csv", coordinator),
        HotRead("district rosters", "/rosters", coordinator, {"district_id": district_id}),
        HotRead("volunteers", "/volunteers", coordinator, {"district_id": district_id}),
        HotRead("shifts", "/shifts", coordinator, {"district_id": district_id}),
        HotRead(
            "hours report", "/reports/hours", coordinator, {"district_id": district_id} | month
        ),
    ]


@contextmanager
def _recording(engine: Engine, into: list[Captured], current: list[str]) -> Iterator[None]:
    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        into.append(Captured(current[0], statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", record)


def capture(database_url: str, reads: list[HotRead]) -> list[Captured]:
    """Every statement each read sends, through the app in this process."""
    from fastapi import Request
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import sessionmaker

    from app.db import READ_METHODS, get_session, make_engine, request_transaction
    from app.main import create_app

    engine = make_engine(database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    app = create_app(run_jobs=False)

    def session_on(request: Request):
        with sessions() as session:
            yield from request_transaction(session, reading=request.method in READ_METHODS)

    app.dependency_overrides[get_session] = session_on
    captured: list[Captured] = []
    current = [""]
    try:
        # Not entered as a context: no lifespan (no jobs, no bootstrap admin).
        client = TestClient(app, raise_server_exceptions=True)
        with _recording(engine, captured, current):
            for read in reads:
                current[0] = read.name
                response = client.get(
                    f"/api/v1{read.path}", headers=read.headers, params=read.params
                )
                if response.status_code != 200:
                    raise RuntimeError(f"{read.name}: {response.status_code} {response.text[:300]}")
    finally:
        engine.dispose()
    return captured


SCAN = re.compile(r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan)"
                  r"(?: using (\S+))? on (\S+)")  # fmt: skip


def explained(
    connection: Connection, explain: str, item: Captured, setting: str | None = None
) -> list[str]:
    """The lines of `explain` (an EXPLAIN command) for a captured statement, in a
    transaction rolled back at once (with `setting`, a SET LOCAL, applied first)."""
    try:
        if setting:
            connection.exec_driver_sql(setting)
        return [
            row[0]
            for row in connection.exec_driver_sql(f"{explain} {item.statement}", item.parameters)
        ]
    finally:
        connection.rollback()


def explain_hot_queries(
    database_url: str,
    *,
    volunteer: dict[str, str],
    kiosk: dict[str, str],
    coordinator: dict[str, str],
    district_id: int,
    roster_id: int,
) -> str:
    """The plans of the hot reads' statements on `database_url` (PostgreSQL), and a
    verdict on sequential scans of large tables. See the module docstring."""
    from app.db import make_engine

    if not database_url.startswith("postgresql"):
        raise ValueError("EXPLAIN (ANALYZE, BUFFERS) needs PostgreSQL")
    reads = hot_reads(
        volunteer=volunteer, kiosk=kiosk, coordinator=coordinator,
        district_id=district_id, roster_id=roster_id,
    )  # fmt: skip
    captured = capture(database_url, reads)
    engine = make_engine(database_url)
    out: list[str] = []
    findings: list[str] = []  # sequential scans of large tables without a usable index
    choices: list[str] = []  # the planner's, with an index there
    seen: set[str] = set()
    try:
        with engine.connect() as connection:
            sizes = {
                name: int(rows)
                for name, rows in connection.execute(
                    text("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
                )
            }
            out.append(
                "table rows: "
                + ", ".join(
                    f"{t} {sizes[t]}"
                    for t in sorted(sizes, key=lambda t: -sizes[t])
                    if sizes[t] > 0 and not t.startswith(("pg_", "sql_", "procrastinate"))
                )
            )
            for read in reads:
                out.append(f"\n=== {read.name}: GET /api/v1{read.path} {read.params or ''}")
                for item in captured:
                    if item.read != read.name or not item.statement.lstrip().startswith("SELECT"):
                        continue
                    if item.statement in seen:
                        out.append("--- (a statement shown above)")
                        continue
                    seen.add(item.statement)
                    # ANALYZE runs the statement: a SELECT, and rolled back all the same.
                    plan = explained(connection, "EXPLAIN (ANALYZE, BUFFERS)", item)
                    first_line = " ".join(item.statement.split())[:160]
                    out.append(f"--- {first_line}")
                    out.extend(plan)
                    large = {
                        match.group(3)
                        for line in plan
                        if (match := SCAN.search(line)) and match.group(1) == "Seq Scan"
                        if sizes.get(match.group(3), 0) >= LARGE_TABLE_ROWS
                    }
                    if not large:
                        continue
                    # Is there an index for it? Planned again with sequential scans off:
                    # a table still scanned has none the statement can use; otherwise
                    # the scan was the planner's choice at this size (a whole table
                    # hashed for a join, cheaper than many index probes).
                    forced = explained(
                        connection, "EXPLAIN", item, "SET LOCAL enable_seqscan = off"
                    )
                    for table in sorted(large):
                        still = any(
                            (m := SCAN.search(line))
                            and m.group(1) == "Seq Scan"
                            and m.group(3) == table
                            for line in forced
                        )
                        used = sorted(  # a bitmap scan names its index, not its table
                            {
                                m.group(2) or m.group(3)
                                for line in forced
                                if (m := SCAN.search(line))
                                and m.group(1) != "Bitmap Heap Scan"
                                and (m.group(3) == table or m.group(1) == "Bitmap Index Scan")
                            }
                        )
                        note = f"{read.name}: Seq Scan on {table} ({sizes[table]} rows)"
                        if still:
                            findings.append(f"{note}, no index it could use: {first_line}")
                        else:
                            choices.append(f"{note}; with seq scans off it uses {', '.join(used)}")
    finally:
        engine.dispose()
    out.append("\n=== verdict")
    if choices:
        out.append(
            f"sequential scans of tables of {LARGE_TABLE_ROWS}+ rows that the planner chose "
            "over an index it has (the statement uses the index when they are off):"
        )
        out.extend(f"  {line}" for line in choices)
    if findings:
        out.append(f"sequential scans of tables of {LARGE_TABLE_ROWS}+ rows with no usable index:")
        out.extend(f"  {line}" for line in findings)
    else:
        out.append(
            f"every statement has an index for its access to each table of {LARGE_TABLE_ROWS}+ rows"
        )
    return "\n".join(out)


# -- a loaded database -------------------------------------------------------------


def add_history(database_url: str, district_id: int, roster_id: int, weeks: int) -> None:
    """Copies the roster's week `weeks` times into the past: its shifts, a published
    roster per week, its live duties served (completed, with their verified hours)."""
    from sqlalchemy import insert, select

    from app import models  # noqa: F401  (every table registered)
    from app.db import make_engine, utcnow
    from app.hours.models import ServiceHours
    from app.rosters.models import LIVE_STATUSES, Assignment, Roster
    from app.shifts.models import Shift

    engine = make_engine(database_url)
    try:
        with engine.begin() as db:
            week = db.scalar(select(Roster.week).where(Roster.id == roster_id))
            assert week is not None
            monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
            shifts = db.execute(
                select(Shift).where(
                    Shift.id.in_(
                        select(Assignment.shift_id).where(Assignment.roster_id == roster_id)
                    )
                )
            ).all()
            duties = db.execute(
                select(Assignment.shift_id, Assignment.volunteer_id, Assignment.source).where(
                    Assignment.roster_id == roster_id, Assignment.status.in_(LIVE_STATUSES)
                )
            ).all()
            now = utcnow()
            for back in range(1, weeks + 1):
                moved = timedelta(weeks=back)
                year, number, _ = (monday - moved).isocalendar()
                past = db.scalar(
                    insert(Roster)
                    .values(district_id=district_id, week=f"{year}-W{number:02d}",
                            status="published", time_limit_seconds=10, published_at=now - moved)
                    .returning(Roster.id)
                )  # fmt: skip
                new_ids = db.scalars(
                    insert(Shift).returning(Shift.id, sort_by_parameter_order=True),
                    [
                        dict(station_id=s.station_id, starts_at=s.starts_at - moved,
                             ends_at=s.ends_at - moved, min_volunteers=s.min_volunteers,
                             max_volunteers=s.max_volunteers,
                             skill_requirements=s.skill_requirements, priority=s.priority)
                        for s in shifts
                    ],
                ).all()  # fmt: skip
                copy = {s.id: (new_id, s) for s, new_id in zip(shifts, new_ids, strict=True)}
                served = [
                    dict(roster_id=past, shift_id=copy[d.shift_id][0], volunteer_id=d.volunteer_id,
                         status="completed", source=d.source,
                         check_in_at=copy[d.shift_id][1].starts_at - moved,
                         check_out_at=copy[d.shift_id][1].ends_at - moved)
                    for d in duties
                ]  # fmt: skip
                assignment_ids = db.scalars(
                    insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
                    served,
                ).all()
                db.execute(
                    insert(ServiceHours),
                    [
                        dict(assignment_id=a_id, volunteer_id=d["volunteer_id"],
                             station_id=copy[duty.shift_id][1].station_id,
                             check_in_at=d["check_in_at"], check_out_at=d["check_out_at"],
                             hours=(d["check_out_at"] - d["check_in_at"]).total_seconds() / 3600,
                             source="kiosk")
                        for a_id, d, duty in zip(assignment_ids, served, duties, strict=True)
                    ],
                )  # fmt: skip
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def main() -> None:
    from tests.benchmarks.read_load import kiosk_keys, volunteer_tokens

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--stations", type=int, default=8)
    parser.add_argument("--volunteers", type=int, default=160)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--history-weeks", type=int, default=52)
    args = parser.parse_args()
    with bench_server(args.database_url, "explain") as (url, base_url):
        loaded, body = published_this_week(
            base_url, args.stations, args.volunteers, args.seed, args.time_limit
        )
        token = volunteer_tokens(url, body["id"], 1)[0]
        key = kiosk_keys(base_url, loaded.headers, loaded.district_id)[0]
        add_history(url, loaded.district_id, body["id"], args.history_weeks)
        print(
            f"{args.stations} stations, {loaded.volunteers} volunteers, {loaded.shifts} shifts "
            f"a week; roster {body['id']} of {loaded.week} published, "
            f"{args.history_weeks} weeks of served duties before it"
        )
        print(
            explain_hot_queries(
                url,
                volunteer={"Authorization": f"Bearer {token}"},
                kiosk={"X-Kiosk-Key": key},
                coordinator=loaded.headers,
                district_id=loaded.district_id,
                roster_id=body["id"],
            )
        )


if __name__ == "__main__":
    main()
