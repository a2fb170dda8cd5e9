"""Benchmark: a district week loaded through the API and rostered by the service.

    python -m tests.benchmarks.roster_district [--stations 8] [--volunteers 160]
        [--seed 1] [--time-limit 30] [--database-url URL]

Shifts, skills, availability and limits come from the solver's district generator
(solver/benchmarks/district.py); stations and homes are placed the same way, uniformly
in a 10 km square. Everything goes through the HTTP API of a real `uroster serve`
process (plus a `uroster worker` on PostgreSQL): stations, ad hoc shifts, a CSV
import of the volunteers, then each volunteer's limits and availability. Prints the
time from `POST /rosters` to the draft, the coverage, the solver's gap and status.
"""

import argparse
import math
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from solver.benchmarks.district import MONDAY as GENERATED_MONDAY
from solver.benchmarks.district import generate
from tests.servers import Process, migrate, start_server, start_worker

ORIGIN = (22.54, 114.05)  # south-west corner of the 10 km square
ZONE = ZoneInfo("Asia/Shanghai")
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_day = timedelta(days=1)
ADMIN = {"username": "bench@example.org", "password": "bench-admin-pass"}
COORD_PASSWORD = "heron-meadow-42"


def place(rng: random.Random) -> tuple[float, float]:
    x, y = rng.uniform(0, 10), rng.uniform(0, 10)
    lat = ORIGIN[0] + y / 111.0
    return round(lat, 6), round(ORIGIN[1] + x / (111.0 * math.cos(math.radians(lat))), 6)


def availability_text(windows) -> list[dict]:
    """Weekly windows, split at midnight, in the station timezone."""
    weekly = []
    for window in windows:
        start, end = window.start.astimezone(ZONE), window.end.astimezone(ZONE)
        while start < end:
            midnight = (start + _day).replace(hour=0, minute=0)
            stop = min(end, midnight)
            weekly.append(
                {
                    "weekday": start.isoweekday(),
                    "start": start.strftime("%H:%M"),
                    "end": "24:00" if stop == midnight else stop.strftime("%H:%M"),
                    "preference": "preferred" if window.preferred else "available",
                }
            )
            start = stop
    return _merge(weekly)


def _merge(windows: list[dict]) -> list[dict]:
    """Overlapping windows of a day joined (the API refuses overlaps)."""
    windows.sort(key=lambda w: (w["weekday"], w["start"]))
    merged: list[dict] = []
    for w in windows:
        last = merged[-1] if merged else None
        if last and last["weekday"] == w["weekday"] and w["start"] < last["end"]:
            last["end"] = max(last["end"], w["end"])
            if w["preference"] == "available":
                last["preference"] = "available"
        else:
            merged.append(dict(w))
    return merged


@dataclass
class Loaded:
    district_id: int
    week: str
    headers: dict[str, str]
    shifts: int
    volunteers: int


def load(
    base_url: str,
    stations: int,
    volunteers: int,
    seed: int,
    monday: date | None = None,
    *,
    coordinator_email: str = "coord@example.org",
    phone_prefix: str = "1390",
    station_prefix: str = "",
) -> Loaded:
    """Creates the generated district through the API; returns what the roster needs.
    `monday` moves the generated week (its shifts; availability is weekly) there.
    Several districts in one database need their own `coordinator_email`,
    `phone_prefix` (4 digits) and `station_prefix`: emails, phones and station codes
    are unique across districts."""
    problem = generate(stations, volunteers, seed)
    moved = monday - GENERATED_MONDAY if monday else timedelta(0)
    rng = random.Random(seed)
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=60)
    admin = api.post("/auth/token", data=ADMIN).raise_for_status().json()["access_token"]
    as_admin = {"Authorization": f"Bearer {admin}"}
    district = (
        api.post(
            "/districts", headers=as_admin, json={"code": f"D{seed}", "name": "Benchmark district"}
        )
        .raise_for_status()
        .json()
    )
    api.post(
        "/coordinators",
        headers=as_admin,
        json={"email": coordinator_email, "password": COORD_PASSWORD, "name": "Coordinator",
              "district_ids": [district["id"]]},
    ).raise_for_status()  # fmt: skip
    token = (
        api.post("/auth/token", data={"username": coordinator_email, "password": COORD_PASSWORD})
        .raise_for_status()
        .json()["access_token"]
    )
    headers = {"Authorization": f"Bearer {token}"}

    station_ids = {}
    for code in sorted({s.station for s in problem.shifts}):
        lat, lon = place(rng)
        created = api.post(
            "/stations",
            headers=headers,
            json={"code": f"{station_prefix}{code}", "name": f"Station {station_prefix}{code}",
                  "district_id": district["id"],
                  "kind": "port" if code.startswith("port") else "community",
                  "address": f"{code} road", "lat": lat, "lon": lon},
        ).raise_for_status().json()  # fmt: skip
        station_ids[code] = created["id"]
    for shift in problem.shifts:
        api.post(
            "/shifts",
            headers=headers,
            json={
                "station_id": station_ids[shift.station],
                "starts_at": (shift.start + moved).isoformat(),
                "ends_at": (shift.end + moved).isoformat(),
                "min_volunteers": shift.min_headcount, "max_volunteers": shift.max_headcount,
                "skill_requirements": [{"skill": k, "count": n}
                                       for k, n in shift.skill_needs.items()],
                "priority": shift.priority,
            },
        ).raise_for_status()  # fmt: skip

    rows = ["name,phone,skills,home_lat,home_lon,district_code,max_hours_per_week"]
    for i, v in enumerate(problem.volunteers):
        lat, lon = place(rng)
        rows.append(
            f"Volunteer {v.id},{phone_prefix}{i:07d},{';'.join(sorted(v.skills))},{lat},{lon},"
            f"D{seed},{v.max_minutes_per_week / 60:g}"
        )
    imported = (
        api.post(
            "/volunteers/import",
            headers=headers,
            files={"file": ("volunteers.csv", "\n".join(rows).encode(), "text/csv")},
        )
        .raise_for_status()
        .json()
    )
    assert imported["created"] == len(problem.volunteers), imported
    listed = {}
    offset = 0
    while True:
        page = api.get(
            "/volunteers", headers=headers, params={"limit": 500, "offset": offset}
        ).json()
        listed |= {item["name"].removeprefix("Volunteer "): item["id"] for item in page["items"]}
        offset += 500
        if offset >= page["total"]:
            break
    for v in problem.volunteers:
        volunteer_id = listed[v.id]
        api.patch(
            f"/volunteers/{volunteer_id}",
            headers=headers,
            json={
                "max_shifts_per_week": v.max_shifts_per_week,
                "max_consecutive_days": v.max_consecutive_days,
                "min_rest_hours": v.min_rest_minutes / 60,
                "max_travel_minutes": v.max_travel_minutes,
                "preferred_station_ids": [station_ids[s] for s in sorted(v.preferred_stations)],
            },
        ).raise_for_status()
        api.put(
            f"/volunteers/{volunteer_id}/availability",
            headers=headers,
            json={"weekly": availability_text(v.availability or ()), "exceptions": []},
        ).raise_for_status()
    year, week, _ = (problem.shifts[0].start + moved).astimezone(ZONE).isocalendar()
    return Loaded(district["id"], f"{year}-W{week:02d}", headers, len(problem.shifts),
                  len(problem.volunteers))  # fmt: skip


def roster(base_url: str, loaded: Loaded, time_limit: float, timeout: float = 600) -> dict:
    """POST /rosters, then poll until the draft (or a failure); adds the wall time."""
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=60, headers=loaded.headers)
    started = time.perf_counter()
    response = api.post(
        "/rosters",
        json={"district_id": loaded.district_id, "week": loaded.week,
              "time_limit_seconds": time_limit},
    ).raise_for_status()  # fmt: skip
    roster_id = response.json()["id"]
    seen = defaultdict(float)
    while time.perf_counter() - started < timeout:
        body = api.get(f"/rosters/{roster_id}").json()
        seen[body["status"]] = seen[body["status"]] or time.perf_counter() - started
        if body["status"] in ("draft", "failed"):
            body["wall_seconds"] = time.perf_counter() - started
            body["first_seen"] = dict(seen)
            return body
        time.sleep(0.1)
    raise TimeoutError(f"roster {roster_id} not done after {timeout} s")


def published_this_week(
    base_url: str, stations: int, volunteers: int, seed: int, time_limit: float
) -> tuple[Loaded, dict]:
    """The generated district loaded into the stations' current week (today's duties on
    the boards, the rest of the week's open seats), rostered and published: (what was
    loaded, the roster as GET /rosters/{id} answered when it was drafted)."""
    today = datetime.now(ZONE).date()
    loaded = load(
        base_url, stations, volunteers, seed, monday=today - timedelta(days=today.weekday())
    )
    body = roster(base_url, loaded, time_limit)
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=60, headers=loaded.headers)
    api.post(f"/rosters/{body['id']}/publish").raise_for_status()
    return loaded, body


@contextmanager
def bench_server(
    database_url: str | None,
    name: str,
    serve_args: Sequence[str] = (),
    *,
    processes: list[Process] | None = None,
    **settings: str,
) -> Iterator[tuple[str, str]]:
    """A migrated database (an empty one given, or a new SQLite file) served by
    `uroster serve [serve_args]` with the benchmark's admin (and UROSTER_* `settings`),
    plus `uroster worker` on PostgreSQL; (database URL, base URL). The server's process
    is added to `processes` when given (for its pid)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"uroster-{name}-bench-"))
    url = database_url or f"sqlite:///{scratch / 'bench.db'}"
    settings |= {"bootstrap_admin_email": ADMIN["username"],
                 "bootstrap_admin_password": ADMIN["password"]}  # fmt: skip
    migrate(url)
    server, base_url = start_server(url, scratch / "server.log", args=serve_args, **settings)
    if processes is not None:
        processes.append(server)
    worker = start_worker(url, scratch / "worker.log") if url.startswith("postgresql") else None
    try:
        yield url, base_url
    finally:
        if worker:
            worker.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=8)
    parser.add_argument("--volunteers", type=int, default=160)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--database-url", default=None, help="an empty database; default SQLite")
    args = parser.parse_args()
    with bench_server(args.database_url, "roster") as (url, base_url):
        t0 = time.perf_counter()
        loaded = load(base_url, args.stations, args.volunteers, args.seed)
        load_seconds = time.perf_counter() - t0
        body = roster(base_url, loaded, args.time_limit)
    stats = body["stats"]
    print(
        f"{url.split(':')[0]}: {args.stations} stations, {loaded.volunteers} volunteers, "
        f"{loaded.shifts} shifts loaded through the API in {load_seconds:.1f} s"
    )
    print(
        f"POST /rosters -> {body['status']} in {body['wall_seconds']:.2f} s "
        f"(solver {stats.get('solve_seconds')} s, first roster after "
        f"{stats.get('first_solution_seconds')} s, time limit {args.time_limit:g} s)"
    )
    gap = stats.get("gap")
    print(
        f"coverage {stats['coverage']:.4f} ({stats['seats_filled']} assignments / "
        f"{stats['seats_required']} seats required, {stats['seats_missing']} seats open), "
        f"solver {stats.get('solver_status')}, objective {stats.get('objective')}, "
        f"bound {stats.get('best_bound')}, gap "
        + (f"{100 * gap:.2f} %" if gap is not None else "n/a")
    )


if __name__ == "__main__":
    main()
