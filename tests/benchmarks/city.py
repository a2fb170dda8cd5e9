"""Benchmark: a city of districts on one PostgreSQL database, run as compose runs it.

    python -m tests.benchmarks.city
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
        [--database-name uroster_city] [--districts 10] [--stations 40] [--volunteers 600]
        [--time-limit 20] [--workers 1,2] [--read-seconds 30] [--rate 200]
        [--api-processes 2] [--skip-read] [--skip-solve] [--explain]
        [--open-seats-share 0.25] [--volunteer-tokens 100] [--read-solve-workers 1]

The topology of compose.yaml without containers, on loopback: PostgreSQL (the server
named by --database-url; the benchmark creates --database-name there and drops it at
the end), the one-shot `uroster migrate`, --api-processes separate `uroster serve`
processes (the client sends its requests to them in turn, as the proxy does) and
`uroster worker` processes, each CP-SAT job at one search thread
(UROSTER_SOLVER_WORKERS=1).

1. Load: --districts generated districts (solver/benchmarks/district.py, seed 1, 2, ...)
   through the API (tests/benchmarks/roster_district.py), in parallel threads, each with
   its own coordinator, into the stations' current week.
2. Solve, for each W in --workers: every district's week requested at once
   (POST /rosters, with no worker running, so that all wait in the queue), then W
   workers started; the time until every draft is stored, each job's queue wait
   (started_at - created_at) and run time (finished_at - started_at, from the roster
   table), and the speed-up of the last W over the first, from the first job claimed
   to the last draft stored (the workers' start-up, a few seconds of imports that a
   running service pays once, left out; the other times include it). Every run solves
   the same weeks: a draft is no context for the next solve (only published duties
   are), so the runs solve the same instances, each bounded by --time-limit.
3. Read: the last drafts published, a kiosk key per station, bearer tokens for
   volunteers with duties; then an open-loop load at --rate requests/s in all: every
   kiosk polls GET /kiosk/duty every 30 s, coordinators read their roster
   (GET /rosters/{id}, 5 % of the rate) and volunteers make the rest, split between
   GET /volunteers/me/assignments and GET /shifts/open. Requests start on a schedule
   (the volunteers' and coordinators' as a Poisson process), whatever the answers
   before them, so a slow server shows as latency, not as less load; a request's time
   runs from its scheduled start. Then the same load while next week's rosters solve
   (--read-solve-workers workers), reported apart.

Targets (issue 28, on a 2-core machine): 2 workers at least 1.7x faster than 1; reads
at 200 requests/s with p95 under 50 ms for the duty board and "my duties", no 5xx and
no request over 1 s.
"""

import argparse
import asyncio
import math
import random
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx

from tests.benchmarks.explain import explain_hot_queries
from tests.benchmarks.read_load import kiosk_keys, percentile, volunteer_tokens
from tests.benchmarks.roster_district import ADMIN, ZONE, Loaded, load
from tests.servers import Process, migrate, start_server, start_worker

KIOSK_POLL_SECONDS = 30.0
COORDINATOR_SHARE = 0.05
ENDPOINTS = ("duty board", "my duties", "open seats", "roster")
TARGET_P95_MS = {"duty board": 50.0, "my duties": 50.0}
TARGET_SPEED_UP = 1.7
SLOW_SECONDS = 1.0
DONE = ("draft", "failed")
T = TypeVar("T")


# -- processes -----------------------------------------------------------------------------


@contextmanager
def own_database(server_url: str, name: str, keep: bool) -> Iterator[str]:
    """A new database `name` on the server of `server_url` (whose own database is only
    used to create and drop it); yields its SQLAlchemy URL, drops it at the end."""
    import psycopg
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        server = make_url(server_url)
    except ArgumentError as exc:
        raise SystemExit(f"--database-url: {exc}") from None
    if not server.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL (postgresql+psycopg://...)")
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as connection:
            # A database left by an interrupted run is this benchmark's own: start afresh.
            connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {quoted}")
    except psycopg.Error as exc:
        raise SystemExit(f"cannot create database {name} on {server.host}: {exc}") from None
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"database {name} kept")
        else:
            with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


@contextmanager
def api_processes(url: str, count: int, scratch: Path, **settings: str) -> Iterator[list[str]]:
    """`count` separate `uroster serve` processes on loopback ports; their base URLs."""
    started: list[Process] = []
    base_urls = []
    try:
        for n in range(count):
            process, base_url = start_server(url, scratch / f"api-{n + 1}.log", **settings)
            started.append(process)
            base_urls.append(base_url)
        yield base_urls
    finally:
        for process in started:
            process.stop()


@contextmanager
def workers(url: str, count: int, scratch: Path, label: str) -> Iterator[list[Process]]:
    """`count` `uroster worker --queue rosters` processes, each CP-SAT job at one
    search thread (the notification round, which publishing ten rosters fills with
    their open seats' cover offers, is a worker's of its own in compose.yaml)."""
    started: list[Process] = []
    try:
        for n in range(count):
            log = scratch / f"worker-{label}-{n + 1}.log"
            started.append(start_worker(url, log, ["--queue", "rosters"], solver_workers="1"))
        yield started
    finally:
        for process in started:
            process.stop()


def in_parallel(function: Callable[..., T], *iterables: Iterable) -> list[T]:
    """`map` in one thread per item. On an error or Ctrl-C it returns at once: the
    threads still running fail as soon as the servers they talk to are stopped."""
    items = [list(i) for i in iterables]
    pool = ThreadPoolExecutor(max_workers=max(1, len(items[0])))
    try:
        return list(pool.map(function, *items))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def check_alive(processes: Sequence[Process]) -> None:
    for process in processes:
        if process.popen.poll() is not None:
            raise RuntimeError(
                f"{process.log_path.name} exited ({process.popen.returncode}):\n"
                + process.log_path.read_text()[-3000:]
            )


# -- load -------------------------------------------------------------------------------------


@dataclass
class District:
    number: int  # 1, 2, ...: also the generator's seed
    base_url: str  # the API process its coordinator talks to
    loaded: Loaded

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1", timeout=60, headers=self.loaded.headers
        )


def load_city(
    base_urls: list[str], districts: int, stations: int, volunteers: int
) -> list[District]:
    """Each district through the API in its own thread, the districts spread over
    the API processes; shifts in the stations' current week."""
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday())

    def one(number: int) -> District:
        base_url = base_urls[(number - 1) % len(base_urls)]
        loaded = load(
            base_url, stations, volunteers, seed=number, monday=monday,
            coordinator_email=f"coord{number}@example.org", phone_prefix=f"13{number:02d}",
            station_prefix=f"d{number}-",
        )  # fmt: skip
        return District(number, base_url, loaded)

    return in_parallel(one, range(1, districts + 1))


def copy_week_forward(district: District) -> str:
    """The district's shifts a week later (POST /shifts), so that next week's roster
    is as big as this week's; returns next week."""
    api = district.api()
    shifts, offset = [], 0
    while True:
        page = api.get(
            "/shifts",
            params={"district_id": district.loaded.district_id, "week": district.loaded.week,
                    "limit": 500, "offset": offset},
        ).raise_for_status().json()  # fmt: skip
        shifts += page["items"]
        offset += 500
        if offset >= page["total"]:
            break
    week = timedelta(days=7)
    for shift in shifts:
        api.post(
            "/shifts",
            json={
                "station_id": shift["station_id"],
                "starts_at": (datetime.fromisoformat(shift["starts_at"]) + week).isoformat(),
                "ends_at": (datetime.fromisoformat(shift["ends_at"]) + week).isoformat(),
                "min_volunteers": shift["min_volunteers"],
                "max_volunteers": shift["max_volunteers"],
                "skill_requirements": shift["skill_requirements"],
                "priority": shift["priority"],
            },
        ).raise_for_status()
    first = (datetime.fromisoformat(shifts[0]["starts_at"]) + week).astimezone(ZONE)
    year, number, _ = first.isocalendar()
    return f"{year}-W{number:02d}"


# -- solve ------------------------------------------------------------------------------------


def request_rosters(districts: list[District], weeks: list[str], time_limit: float) -> list[int]:
    """POST /rosters for every district at once (one thread each); the roster ids."""

    def one(district: District, week: str) -> int:
        response = district.api().post(
            "/rosters",
            json={"district_id": district.loaded.district_id, "week": week,
                  "time_limit_seconds": time_limit},
        )  # fmt: skip
        if response.status_code != 202:
            raise RuntimeError(
                f"POST /rosters for district {district.number} {week}: "
                f"{response.status_code} {response.text}"
            )
        return response.json()["id"]

    return in_parallel(one, districts, weeks)


def wait_stored(
    districts: list[District], roster_ids: list[int], timeout: float,
    processes: Sequence[Process] = (),
) -> list[dict]:  # fmt: skip
    """Polls GET /rosters/{id} until every roster is a draft (or failed)."""
    clients = [d.api() for d in districts]
    bodies: dict[int, dict] = {}
    deadline = time.monotonic() + timeout
    while len(bodies) < len(roster_ids):
        if time.monotonic() > deadline:
            waiting = [r for r in roster_ids if r not in bodies]
            raise TimeoutError(f"rosters {waiting} not stored after {timeout:.0f} s")
        check_alive(processes)
        for client, roster_id in zip(clients, roster_ids, strict=True):
            if roster_id not in bodies:
                body = client.get(f"/rosters/{roster_id}").raise_for_status().json()
                if body["status"] in DONE:
                    bodies[roster_id] = body
        time.sleep(0.5)
    return [bodies[r] for r in roster_ids]


@dataclass
class Job:
    roster_id: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def jobs(url: str, roster_ids: list[int]) -> dict[int, Job]:
    """The queue's timestamps of the rosters (not in the API: read from the table)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app import models  # noqa: F401  (every table registered)
    from app.db import make_engine
    from app.rosters.models import Roster

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(Roster.id, Roster.created_at, Roster.started_at, Roster.finished_at)
                .where(Roster.id.in_(roster_ids))
            ).all()  # fmt: skip
            return {row.id: Job(*row) for row in rows}
    finally:
        engine.dispose()


@dataclass
class SolveRun:
    workers: int
    requested: datetime  # the first POST /rosters
    started: datetime  # the workers' processes started
    bodies: list[dict]
    jobs: dict[int, Job]

    @property
    def last_stored(self) -> datetime:
        return max(j.finished_at or self.started for j in self.jobs.values())

    @property
    def first_claimed(self) -> datetime:
        return min(j.started_at or self.last_stored for j in self.jobs.values())

    @property
    def makespan(self) -> float:
        """The first job claimed -> the last draft stored: the workers' start-up (a
        second or two of imports, once per process in production) left out."""
        return (self.last_stored - self.first_claimed).total_seconds()


def solve_run(
    url: str, districts: list[District], count: int, time_limit: float, scratch: Path
) -> SolveRun:
    """Every district's week requested at once, then `count` workers until all stored."""
    requested = datetime.now(UTC)
    roster_ids = request_rosters(districts, [d.loaded.week for d in districts], time_limit)
    started = datetime.now(UTC)
    # Each worker runs one job at a time; a job takes at most its time limit plus the
    # time to build and store it.
    timeout = math.ceil(len(districts) / count) * (time_limit + 60) + 120
    with workers(url, count, scratch, f"solve-{count}") as processes:
        bodies = wait_stored(districts, roster_ids, timeout, processes)
    return SolveRun(count, requested, started, bodies, jobs(url, roster_ids))


def seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return (later - earlier).total_seconds() if later and earlier else None


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_solve(run: SolveRun, districts: list[District]) -> None:
    print(f"{run.workers} worker(s), 1 search thread per job:")
    print(
        f"  {'district':>8} {'roster':>6} {'status':>7} {'queued s':>8} {'job s':>6} "
        f"{'CP-SAT s':>8} {'solver':>9} {'coverage':>8}"
    )
    waits = []
    for district, body in zip(districts, run.bodies, strict=True):
        job = run.jobs[body["id"]]
        wait = seconds(job.started_at, job.created_at)
        waits.append(wait or 0.0)
        stats = body["stats"]
        print(
            f"  {district.number:>8} {body['id']:>6} {body['status']:>7} {fmt(wait):>8} "
            f"{fmt(seconds(job.finished_at, job.started_at)):>6} "
            f"{fmt(stats.get('solve_seconds')):>8} {stats.get('solver_status') or '-':>9} "
            f"{stats['coverage']:>8.3f}"
            + (f"  error: {body['error']}" if body.get("error") else "")
        )
    print(
        f"  all {len(run.bodies)} stored {seconds(run.last_stored, run.requested):.1f} s "
        f"after the requests, {seconds(run.last_stored, run.started):.1f} s after the "
        f"workers started, {run.makespan:.1f} s after the first job was claimed; queue "
        f"wait mean {sum(waits) / len(waits):.1f} s, max {max(waits):.1f} s"
    )


# -- reads ------------------------------------------------------------------------------------


@dataclass
class Readers:
    kiosk_keys: list[str]
    volunteer_tokens: list[str]
    coordinators: list[tuple[dict[str, str], int]]  # (headers, published roster id)


@dataclass(frozen=True)
class Planned:
    at: float  # seconds after the phase starts
    endpoint: str
    path: str
    headers: dict[str, str]


def analyze(url: str) -> None:
    """VACUUM ANALYZE, as after any bulk import: the reads then measure the steady
    state, not autovacuum catching up on the tens of thousands of rows just loaded
    (and the planner's guesses before its first statistics of them)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def plan(readers: Readers, rate: float, duration: float, open_seats_share: float,
         rng: random.Random) -> list[Planned]:  # fmt: skip
    """The schedule: each kiosk every 30 s (their first polls spread over the first
    30 s), the rest a Poisson process at what is left of `rate`."""
    planned = []
    kiosks = len(readers.kiosk_keys)
    for n, key in enumerate(readers.kiosk_keys):
        at = n * KIOSK_POLL_SECONDS / kiosks
        while at < duration:
            planned.append(Planned(at, "duty board", "/kiosk/duty", {"X-Kiosk-Key": key}))
            at += KIOSK_POLL_SECONDS
    others = rate - kiosks / KIOSK_POLL_SECONDS
    if others <= rate * COORDINATOR_SHARE:
        raise SystemExit(
            f"--rate {rate:g} leaves nothing for volunteers beside {kiosks} kiosks polling "
            f"every {KIOSK_POLL_SECONDS:g} s"
        )
    at = rng.expovariate(others)
    while at < duration:
        draw = rng.random() * others
        if draw < rate * COORDINATOR_SHARE:
            headers, roster_id = rng.choice(readers.coordinators)
            planned.append(Planned(at, "roster", f"/rosters/{roster_id}", headers))
        else:
            volunteer = {"Authorization": f"Bearer {rng.choice(readers.volunteer_tokens)}"}
            if rng.random() < open_seats_share:
                planned.append(Planned(at, "open seats", "/shifts/open", volunteer))
            else:
                planned.append(Planned(at, "my duties", "/volunteers/me/assignments", volunteer))
        at += rng.expovariate(others)
    return sorted(planned, key=lambda p: p.at)


@dataclass
class OpenLoopTally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    late: list[float] = field(default_factory=list)  # the client's own delay in sending


async def run_plan(base_urls: list[str], planned: list[Planned], timeout: float) -> OpenLoopTally:
    """Sends each request at its time, to the API processes in turn, without waiting
    for earlier answers."""
    tally = OpenLoopTally()
    # Below each process's limit of requests in flight (UROSTER_MAX_CONCURRENT_REQUESTS,
    # default 100, beyond which uvicorn answers 503): a request waiting for a free
    # connection waits here instead, and its time counts from its schedule all the same.
    limits = httpx.Limits(max_connections=80, max_keepalive_connections=80)
    clients = [
        httpx.AsyncClient(base_url=f"{base}/api/v1", limits=limits, timeout=timeout)
        for base in base_urls
    ]

    async def send(client: httpx.AsyncClient, request: Planned, due: float) -> None:
        tally.late.append(time.perf_counter() - due)
        try:
            response = await asyncio.wait_for(
                client.get(request.path, headers=request.headers), timeout
            )
        except TimeoutError:
            tally.errors[request.endpoint]["timeout"] += 1
            return
        except httpx.HTTPError as exc:
            tally.errors[request.endpoint][type(exc).__name__] += 1
            return
        tally.seconds[request.endpoint].append(time.perf_counter() - due)
        tally.statuses[request.endpoint][response.status_code] += 1

    try:
        # Warm-up, not counted: connections open and every endpoint answered once
        # by every process.
        seen: dict[str, Planned] = {}
        for request in planned:
            seen.setdefault(request.endpoint, request)
        for client in clients:
            for request in seen.values():
                (await client.get(request.path, headers=request.headers)).raise_for_status()
        tasks = []
        start = time.perf_counter() + 0.2
        for n, request in enumerate(planned):
            due = start + request.at
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(clients[n % len(clients)], request, due)))
        await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()
    return tally


def report_reads(title: str, tally: OpenLoopTally, duration: float, rate: float) -> bool:
    """Prints the table and the targets; True if they are met."""
    print(title)
    print(
        f"  {'endpoint':<11} {'count':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'5xx':>4} {'other':>5} {'errors':>6} {'>1 s':>5}"
    )
    total = server_errors = failures = slow = 0
    met = True
    for endpoint in ENDPOINTS:
        ms = [1000 * s for s in tally.seconds.get(endpoint, [])]
        statuses = tally.statuses[endpoint]
        errors = sum(tally.errors[endpoint].values())
        if not ms and not errors:
            continue
        fives = sum(n for code, n in statuses.items() if code >= 500)
        others = sum(n for code, n in statuses.items() if not 200 <= code < 300) - fives
        over = sum(1 for m in ms if m > 1000 * SLOW_SECONDS) + errors
        total += len(ms) + errors
        server_errors += fives
        failures += errors
        slow += over
        p50, p95, p99 = (fmt(percentile(ms, q) if ms else None) for q in (0.5, 0.95, 0.99))
        print(
            f"  {endpoint:<11} {len(ms) + errors:>6} {(len(ms) + errors) / duration:>6.1f} "
            f"{p50:>7} {p95:>7} {p99:>7} {fmt(max(ms) if ms else None):>7} "
            f"{fives:>4} {others:>5} {errors:>6} {over:>5}"
        )
        if endpoint in TARGET_P95_MS:
            p95 = percentile(ms, 0.95) if ms else math.inf
            ok = p95 < TARGET_P95_MS[endpoint]
            met &= ok
            print(
                f"    target p95 < {TARGET_P95_MS[endpoint]:g} ms: "
                f"{'met' if ok else 'NOT met'} ({fmt(p95)} ms)"
            )
    for endpoint, kinds in tally.errors.items():
        if kinds:
            print(f"    {endpoint} errors: {dict(kinds)}")
    late = [1000 * s for s in tally.late]
    print(
        f"  all: {total} requests in {duration:g} s = {total / duration:.1f} requests/s "
        f"(planned {rate:g}); the client sent them late by p50 {fmt(percentile(late, 0.5))} ms, "
        f"p99 {fmt(percentile(late, 0.99))} ms, max {fmt(max(late))} ms"
    )
    for name, ok in (
        ("no 5xx and no failed request", server_errors == 0 and failures == 0),
        (f"no request over {SLOW_SECONDS:g} s", slow == 0),
    ):
        met &= ok
        print(f"    target {name}: {'met' if ok else 'NOT met'}")
    return met


def read_phase(
    base_urls: list[str], readers: Readers, args: argparse.Namespace, title: str, seed: int
) -> bool:
    planned = plan(readers, args.rate, args.read_seconds, args.open_seats_share,
                   random.Random(seed))  # fmt: skip
    tally = asyncio.run(run_plan(base_urls, planned, args.request_timeout))
    return report_reads(title, tally, args.read_seconds, args.rate)


def readers_of(url: str, districts: list[District], roster_ids: list[int], tokens: int) -> Readers:
    """Publishes the rosters; a kiosk per station and volunteer tokens per district."""
    readers = Readers([], [], [])
    for district, roster_id in zip(districts, roster_ids, strict=True):
        district.api().post(f"/rosters/{roster_id}/publish").raise_for_status()
        readers.kiosk_keys += kiosk_keys(
            district.base_url, district.loaded.headers, district.loaded.district_id
        )
        readers.volunteer_tokens += volunteer_tokens(url, roster_id, tokens)
        readers.coordinators.append((district.loaded.headers, roster_id))
    return readers


# -- main -------------------------------------------------------------------------------------


def worker_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("worker counts must be 1 or more")
    return counts


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="a PostgreSQL server (its database is used to create ours)",
    )
    parser.add_argument(
        "--database-name",
        default="uroster_city",
        help="created (dropped first if it exists) and dropped at the end",
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--volunteers", type=int, default=600)
    parser.add_argument("--time-limit", type=float, default=20.0, help="per job, s")
    parser.add_argument(
        "--workers",
        type=worker_counts,
        default=[1, 2],
        help="the solve runs: worker processes per run, e.g. 1,2",
    )
    parser.add_argument("--read-seconds", type=float, default=30.0, help="per read phase")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s in all")
    parser.add_argument(
        "--open-seats-share",
        type=float,
        # A volunteer opens the app at their duties; the open seats are a second page,
        # looked at when they want more (and the costliest read: it checks every free
        # seat of the district against the volunteer's rules).
        default=0.25,
        help="of the volunteers' requests, the share for open seats",
    )
    parser.add_argument(
        "--volunteer-tokens",
        type=int,
        default=100,
        help="volunteers with duties who read, per district",
    )
    parser.add_argument(
        "--read-solve-workers",
        type=int,
        default=1,
        help="workers solving next week during the second read phase; 0: none",
    )
    parser.add_argument("--request-timeout", type=float, default=10.0)
    parser.add_argument("--api-processes", type=int, default=2)
    parser.add_argument("--skip-read", action="store_true")
    parser.add_argument("--skip-solve", action="store_true")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="after the reads, EXPLAIN (ANALYZE, BUFFERS) of the hot queries",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.districts <= 99:
        parser.error("--districts: 1 to 99 (a district's phones are 13DD + 7 digits)")
    if args.volunteers > 10**7:
        parser.error("--volunteers: at most 10,000,000")
    if not 0 <= args.open_seats_share <= 1:
        parser.error("--open-seats-share: 0 to 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # `kill` (SIGTERM) ends the run like Ctrl-C: the processes stop, the database goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    scratch = Path(tempfile.mkdtemp(prefix="uroster-city-bench-"))
    print(f"logs in {scratch}")
    ok = True
    with ExitStack() as stack:
        url = stack.enter_context(own_database(args.database_url, args.database_name,
                                               args.keep_database))  # fmt: skip
        t0 = time.perf_counter()
        migrate(url)  # the one-shot migration, before any API process starts
        print(f"migrated {args.database_name} in {time.perf_counter() - t0:.1f} s")
        settings = {
            "bootstrap_admin_email": ADMIN["username"],
            "bootstrap_admin_password": ADMIN["password"],
            # Every kiosk here shares one address (loopback), whose bucket (120/min per
            # process) 400 kiosks polling every 30 s would empty; each station's kiosk
            # has its own address in the field.
            "kiosk_rate_per_minute": "1000000",
            "kiosk_rate_burst": "1000000",
        }
        base_urls = stack.enter_context(api_processes(url, args.api_processes, scratch, **settings))
        t0 = time.perf_counter()
        districts = load_city(base_urls, args.districts, args.stations, args.volunteers)
        print(
            f"{args.districts} districts x ({args.stations} stations, {args.volunteers} "
            f"volunteers, {districts[0].loaded.shifts} shifts) of {districts[0].loaded.week} "
            f"loaded through {args.api_processes} API processes in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        runs = []
        counts = [] if args.skip_solve else args.workers
        for count in counts:
            run = solve_run(url, districts, count, args.time_limit, scratch)
            report_solve(run, districts)
            ok &= all(b["status"] == "draft" for b in run.bodies)
            runs.append(run)
        if len(runs) > 1:
            first, last = runs[0], runs[-1]
            speed_up = first.makespan / last.makespan
            print(
                f"speed-up of {last.workers} workers over {first.workers} (first job claimed "
                f"-> last draft stored): {first.makespan:.1f} / {last.makespan:.1f} s "
                f"= {speed_up:.2f}x"
            )
            if (first.workers, last.workers) == (1, 2):
                met = speed_up >= TARGET_SPEED_UP
                ok &= met
                print(f"  target >= {TARGET_SPEED_UP}x: {'met' if met else 'NOT met'}")
        if not args.skip_read:
            if not runs:  # rosters to read, not timed
                runs.append(solve_run(url, districts, 2, args.time_limit, scratch))
            roster_ids = [b["id"] for b in runs[-1].bodies]
            readers = readers_of(url, districts, roster_ids, args.volunteer_tokens)
            analyze(url)
            print(
                f"published {len(roster_ids)} rosters; readers: {len(readers.kiosk_keys)} "
                f"kiosks, {len(readers.volunteer_tokens)} volunteers, "
                f"{len(readers.coordinators)} coordinators; open loop at {args.rate:g} "
                f"requests/s for {args.read_seconds:g} s, to {len(base_urls)} API processes "
                "in turn"
            )
            ok &= read_phase(base_urls, readers, args, "reads, no roster solving:", seed=1)
            if args.read_solve_workers:
                weeks = in_parallel(copy_week_forward, districts)
                roster_ids = request_rosters(districts, weeks, args.time_limit)
                with workers(url, args.read_solve_workers, scratch, "read") as processes:
                    ok &= read_phase(
                        base_urls, readers, args,
                        f"reads while {args.read_solve_workers} worker(s) solve "
                        f"{len(roster_ids)} rosters of {weeks[0]}:", seed=2,
                    )  # fmt: skip
                    check_alive(processes)
                times = jobs(url, roster_ids).values()
                print(
                    f"  during it {sum(1 for j in times if j.started_at)} solves started, "
                    f"{sum(1 for j in times if j.finished_at)} finished"
                )
            if args.explain:  # the plans of the hot reads on the city's tables
                coordinator, roster_id = readers.coordinators[0]
                print(
                    explain_hot_queries(
                        url,
                        volunteer={"Authorization": f"Bearer {readers.volunteer_tokens[0]}"},
                        kiosk={"X-Kiosk-Key": readers.kiosk_keys[0]},
                        coordinator=coordinator,
                        district_id=districts[0].loaded.district_id,
                        roster_id=roster_id,
                    )
                )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the processes are stopped and the database dropped by now
        sys.exit("interrupted")
