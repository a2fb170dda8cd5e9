"""Benchmark: the CPU one request costs, split between the server, PostgreSQL and the client.

    python -m tests.benchmarks.request_cpu [--database-url URL] [--stations 8]
        [--volunteers 160] [--clients 16] [--seconds 8]

Loads the generated district into this week, rosters and publishes it (as
tests/benchmarks/read_load.py does), then sends each request below from `--clients`
closed-loop clients for `--seconds` to one `uroster serve --workers 2`. Prints the
requests per second and, per request, the CPU seconds that the server's processes,
the PostgreSQL server's processes (0 on SQLite) and this client used (from
/proc/<pid>/stat and getrusage), so that a change's effect on each part is measured,
not guessed:

- healthz: GET /healthz (uvicorn and the middleware, no database)
- who am i: GET /api/v1/auth/me (a bearer token checked: a session and one query)
- my duties, open seats, duty board, roster: as in read_load.py

Give an empty PostgreSQL database (default: a new SQLite file). Linux only.
"""

import argparse
import asyncio
import os
import resource
import subprocess
import time

import httpx

from tests.benchmarks.read_load import Callers, kiosk_keys, volunteer_tokens
from tests.benchmarks.roster_district import bench_server, published_this_week
from tests.servers import Process

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU of each of these processes so far."""
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes alive at the second (a
    PostgreSQL backend that ended meanwhile is not counted)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [pid, *map(int, found.stdout.split())]


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (none when it runs elsewhere:
    then its share is not measured)."""
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def client_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def closed_loop(base_url: str, request: tuple, clients: int, seconds: float) -> int:
    path, params, headers = request
    stop_at = time.perf_counter() + seconds
    answered = 0

    async def client() -> None:
        nonlocal answered
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            while time.perf_counter() < stop_at:
                response = await http.get(path, params=params, headers=headers)
                response.raise_for_status()
                answered += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return answered


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=None, help="an empty database; default SQLite")
    parser.add_argument("--stations", type=int, default=8)
    parser.add_argument("--volunteers", type=int, default=160)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    unlimited = {"kiosk_rate_per_minute": "1000000", "kiosk_rate_burst": "1000000"}
    started: list[Process] = []
    serving = bench_server(
        args.database_url, "request-cpu", ["--workers", "2"], processes=started, **unlimited
    )
    with serving as (url, base_url):
        loaded, body = published_this_week(base_url, args.stations, args.volunteers, 1, 10)
        callers = Callers(
            volunteer_tokens=volunteer_tokens(url, body["id"], 1),
            kiosk_keys=kiosk_keys(base_url, loaded.headers, loaded.district_id)[:1],
            coordinator=loaded.headers,
            roster_id=body["id"],
        )
        volunteer = callers.request("my duties", 0)[2]
        requests: dict[str, tuple[str, dict, dict]] = {
            "healthz": ("/healthz", {}, {}),
            "who am i": ("/api/v1/auth/me", {}, volunteer),
        }
        for endpoint in ("my duties", "open seats", "duty board", "roster"):
            path, params, headers = callers.request(endpoint, 0)
            requests[endpoint] = (f"/api/v1{path}", params, headers)
        server = children(started[0].popen.pid)
        on_postgres = url.startswith("postgresql")
        print(
            f"{url.split(':')[0]}, uroster serve --workers 2: {args.stations} stations, "
            f"{loaded.volunteers} volunteers; {args.clients} clients, {args.seconds:g} s each"
        )
        print(f"{'request':<11} {'req/s':>6}  CPU ms per request: {'server':>7} "
              f"{'postgres':>8} {'client':>7}")  # fmt: skip
        for name, request in requests.items():
            asyncio.run(closed_loop(base_url, request, args.clients, 1.0))  # warm-up
            before = (
                cpu_seconds(server),
                cpu_seconds(postgres_pids() if on_postgres else []),
                client_seconds(),
            )
            wall = time.perf_counter()
            answered = asyncio.run(closed_loop(base_url, request, args.clients, args.seconds))
            wall = time.perf_counter() - wall
            after = (
                cpu_seconds(server),
                cpu_seconds(postgres_pids() if on_postgres else []),
                client_seconds(),
            )
            spent = used(before[0], after[0]), used(before[1], after[1]), after[2] - before[2]
            ms = [1000 * seconds / answered for seconds in spent]
            print(f"{name:<11} {answered / wall:>6.0f}  {'':>20}{ms[0]:>7.2f} {ms[1]:>8.2f} "
                  f"{ms[2]:>7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
