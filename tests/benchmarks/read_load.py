"""Load: concurrent clients reading duties, open seats, duty boards and a roster.

    python -m tests.benchmarks.read_load [--clients 16] [--seconds 15] [--workers 1]
        [--stations 8] [--volunteers 160] [--seed 1] [--time-limit 10]
        [--database-url URL]

Loads the generated district through the API (tests/benchmarks/roster_district.py)
into the stations' current week, rosters and publishes it, gives a kiosk to every
station and a bearer token to volunteers with duties (written to the database
directly, as imported volunteers have no password). Then `--clients` clients, each
with its own connection and caller, send requests one after another for `--seconds`,
first to each endpoint alone, then to all four in turn (the mix):

- my duties: GET /api/v1/volunteers/me/assignments (a volunteer)
- open seats: GET /api/v1/shifts/open (a volunteer)
- duty board: GET /api/v1/kiosk/duty (a station's kiosk: today's duties)
- roster: GET /api/v1/rosters/{id} (the coordinator)

Prints requests per second, p50/p90/p95/p99 and the slowest response per endpoint,
and the number of answers that were not 2xx (and transport errors). The time is the
client's, on the same machine: the server's time, the loopback and the client's own
work, which shares the machine's cores with the server.

Default: SQLite and one `uroster serve` process (as `make run`). On PostgreSQL give an
empty database and, say, `--workers 2`. Target (issue 28): p99 under 100 ms for these
reads on SQLite at 16 clients.
"""

import argparse
import asyncio
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx

from tests.benchmarks.roster_district import bench_server, published_this_week

ENDPOINTS = ("my duties", "open seats", "duty board", "roster")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with `share` of them at or below it."""
    return sorted(values)[math.ceil(share * len(values)) - 1]


@dataclass
class Callers:
    """Who reads what: a request (path, params, headers) per endpoint per client."""

    volunteer_tokens: list[str]
    kiosk_keys: list[str]
    coordinator: dict[str, str]
    roster_id: int

    def request(self, endpoint: str, client: int) -> tuple[str, dict, dict]:
        volunteer = {
            "Authorization": f"Bearer {self.volunteer_tokens[client % len(self.volunteer_tokens)]}"
        }
        if endpoint == "my duties":
            return "/volunteers/me/assignments", {}, volunteer
        if endpoint == "open seats":
            return "/shifts/open", {}, volunteer
        if endpoint == "duty board":
            key = self.kiosk_keys[client % len(self.kiosk_keys)]
            return "/kiosk/duty", {}, {"X-Kiosk-Key": key}
        return f"/rosters/{self.roster_id}", {}, self.coordinator


def volunteer_tokens(database_url: str, roster_id: int, count: int) -> list[str]:
    """Bearer tokens of `count` volunteers with duties in the roster (an account is
    made for those imported without one)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app import models  # noqa: F401  (every table registered)
    from app.accounts import service as account_service
    from app.accounts.models import Account, Role
    from app.db import make_engine
    from app.rosters.models import LIVE_STATUSES, Assignment
    from app.volunteers.models import Volunteer

    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            volunteers = session.scalars(
                select(Volunteer)
                .where(
                    Volunteer.id.in_(
                        select(Assignment.volunteer_id).where(
                            Assignment.roster_id == roster_id,
                            Assignment.status.in_(LIVE_STATUSES),
                        )
                    )
                )
                .order_by(Volunteer.id)
                .limit(count)
            ).all()
            tokens = []
            for volunteer in volunteers:
                if volunteer.account_id is None:
                    account = Account(role=Role.volunteer, name=volunteer.name)
                    session.add(account)
                    session.flush()
                    volunteer.account_id = account.id
                account = session.get_one(Account, volunteer.account_id)
                tokens.append(account_service.issue_token(session, account))
            return tokens
    finally:
        engine.dispose()


def kiosk_keys(base_url: str, headers: dict, district_id: int) -> list[str]:
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=60, headers=headers)
    stations = api.get("/stations", params={"district_id": district_id})
    keys = []
    for station in stations.raise_for_status().json()["items"]:
        created = api.post(f"/stations/{station['id']}/kiosks", json={"name": "Board"})
        keys.append(created.raise_for_status().json()["key"])
    return keys


@dataclass
class Tally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    not_2xx: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


async def client_loop(
    base_url: str, callers: Callers, endpoints: tuple[str, ...], client: int,
    stop_at: float, tally: Tally,
) -> None:  # fmt: skip
    """One client: requests one after another, the endpoints in turn, until `stop_at`."""
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=30) as http:
        for endpoint in endpoints:  # warm-up: connect, first requests (not counted)
            path, params, headers = callers.request(endpoint, client)
            (await http.get(path, params=params, headers=headers)).raise_for_status()
        turn = client
        while time.perf_counter() < stop_at:
            endpoint = endpoints[turn % len(endpoints)]
            turn += 1
            path, params, headers = callers.request(endpoint, client)
            started = time.perf_counter()
            try:
                response = await http.get(path, params=params, headers=headers)
            except httpx.HTTPError:
                tally.errors[endpoint] += 1
                continue
            tally.seconds[endpoint].append(time.perf_counter() - started)
            if not 200 <= response.status_code < 300:
                tally.not_2xx[endpoint] += 1


async def phase(
    base_url: str, callers: Callers, endpoints: tuple[str, ...], clients: int, seconds: float
) -> tuple[Tally, float]:
    tally = Tally()
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(client_loop(base_url, callers, endpoints, c, stop_at, tally) for c in range(clients))
    )
    return tally, time.perf_counter() - started


def report(title: str, tally: Tally, wall: float) -> None:
    print(title)
    print(
        f"  {'endpoint':<11} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'non-2xx':>7} {'errors':>6}"
    )
    total = 0
    for endpoint in ENDPOINTS:
        seconds = tally.seconds.get(endpoint)
        if not seconds:
            continue
        total += len(seconds)
        ms = [1000 * s for s in seconds]
        print(
            f"  {endpoint:<11} {len(ms):>8} {len(ms) / wall:>7.0f} {percentile(ms, 0.5):>7.1f} "
            f"{percentile(ms, 0.9):>7.1f} {percentile(ms, 0.95):>7.1f} "
            f"{percentile(ms, 0.99):>7.1f} {max(ms):>7.1f} {tally.not_2xx[endpoint]:>7} "
            f"{tally.errors[endpoint]:>6}"
        )
    print(f"  all: {total} requests in {wall:.1f} s = {total / wall:.0f} requests/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--workers", type=int, default=1, help="uroster serve processes")
    parser.add_argument("--stations", type=int, default=8)
    parser.add_argument("--volunteers", type=int, default=160)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--database-url", default=None, help="an empty database; default SQLite")
    args = parser.parse_args()
    serve_args = ["--workers", str(args.workers)]
    # A kiosk polls every 30 s; here 16 clients share 8 keys without pause, so the
    # kiosks' rate limit (app.kiosks, 120/min) is lifted for the run.
    unlimited = {"kiosk_rate_per_minute": "1000000", "kiosk_rate_burst": "1000000"}
    server = bench_server(args.database_url, "read-load", serve_args, **unlimited)
    with server as (url, base_url):
        loaded, body = published_this_week(
            base_url, args.stations, args.volunteers, args.seed, args.time_limit
        )
        callers = Callers(
            volunteer_tokens=volunteer_tokens(url, body["id"], args.clients),
            kiosk_keys=kiosk_keys(base_url, loaded.headers, loaded.district_id),
            coordinator=loaded.headers,
            roster_id=body["id"],
        )
        print(
            f"{url.split(':')[0]}, uroster serve --workers {args.workers}: {args.stations} "
            f"stations, {loaded.volunteers} volunteers, {loaded.shifts} shifts in "
            f"{loaded.week}, roster {body['id']} published with "
            f"{body['stats']['seats_filled']} duties; {args.clients} clients "
            f"({len(callers.volunteer_tokens)} volunteers, {len(callers.kiosk_keys)} "
            f"kiosks, the coordinator), {args.seconds:g} s per phase"
        )
        for endpoint in ENDPOINTS:
            tally, wall = asyncio.run(
                phase(base_url, callers, (endpoint,), args.clients, args.seconds)
            )
            report(f"{endpoint} alone:", tally, wall)
        tally, wall = asyncio.run(phase(base_url, callers, ENDPOINTS, args.clients, args.seconds))
        report("the four in turn:", tally, wall)


if __name__ == "__main__":
    main()
