"""Benchmark: the console's pages on a 40-station / 600-volunteer district.

    python -m tests.benchmarks.console_pages [--stations 40] [--volunteers 600]
        [--seed 1] [--time-limit 20] [--repeat 40] [--database-url URL]

Loads the generated district through the API (tests/benchmarks/roster_district.py)
into last week, rosters and publishes it, and credits every duty that has ended with
its hours (a coordinator's correction, as from a paper sign-in sheet), so that every
page has a full week to show. Then, signed in through the console's own form:

- each page is fetched `--repeat` times (after two warm-up requests) by a client on
  the same machine (the roster page's recruitment section, which its script fetches,
  as a page of its own once its advice is kept); prints the median and the 95th
  percentile of the response time, the server's time plus a loopback round trip;
- Debian's chromium (Playwright) opens the week's roster page ten times; prints the
  time from the navigation's start until the roster grid is on the screen.

Targets (issue 24): p95 under 150 ms per page, the grid drawn in under 1.5 s.
"""

import argparse
import math
import re
import statistics
import time
from datetime import date, datetime, timedelta

import httpx

from tests.benchmarks.roster_district import (
    ADMIN,
    COORD_PASSWORD,
    ZONE,
    bench_server,
    load,
    roster,
)

CHROMIUM = "/usr/bin/chromium"
COORDINATOR = {"username": "coord@example.org", "password": COORD_PASSWORD}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with `share` of them at or below it."""
    return sorted(values)[math.ceil(share * len(values)) - 1]


def publish_and_credit(base_url: str, headers: dict, roster_id: int) -> int:
    """Publishes the draft; credits every ended duty with its shift's hours."""
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=60, headers=headers)
    api.post(f"/rosters/{roster_id}/publish").raise_for_status()
    now = datetime.now().astimezone()
    credited = 0
    for duty in api.get(f"/rosters/{roster_id}/assignments").raise_for_status().json():
        if datetime.fromisoformat(duty["ends_at"]) > now:
            continue
        api.patch(
            f"/hours/{duty['id']}",
            json={"check_in_at": duty["starts_at"], "check_out_at": duty["ends_at"],
                  "reason": "paper sign-in sheet"},
        ).raise_for_status()  # fmt: skip
        credited += 1
    return credited


def console_client(base_url: str, account: dict) -> httpx.Client:
    """A client signed in through the console's form, with its cookies."""
    client = httpx.Client(base_url=base_url, timeout=60)
    form = client.get("/console/login").raise_for_status()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    signed_in = client.post("/console/login", data=account | {"csrf_token": token})
    assert signed_in.status_code == 303, signed_in.text
    return client


def pages(client: httpx.Client, district_id: int, week: str, roster_id: int) -> dict[str, str]:
    """One URL of every kind of console page, for this district-week."""
    monday = date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
    station = re.search(r'href="/console/stations/(\d+)"', client.get("/console/stations").text)
    volunteer = re.search(
        r'href="/console/volunteers/(\d+)"', client.get("/console/volunteers").text
    )
    open_seat = re.search(
        r'name="shift" value="(\d+)"', client.get(f"/console/rosters/{roster_id}").text
    )
    period = f"district={district_id}&from={monday}&to={monday + timedelta(days=6)}"
    recruitment = f"/console/rosters/{roster_id}/recruitment"
    while client.get(recruitment).status_code == 202:  # timed below as kept advice
        time.sleep(0.5)
    return {
        "dashboard": f"/console?district={district_id}&week={week}",
        "stations": "/console/stations",
        "station": f"/console/stations/{station[1]}",
        "new station": "/console/stations/new",
        "volunteers": "/console/volunteers",
        "volunteers search": "/console/volunteers?q=Volunteer+v1",
        "volunteer": f"/console/volunteers/{volunteer[1]}",
        "import": "/console/volunteers/import",
        "rosters": f"/console/rosters?district={district_id}&week={week}",
        "roster": f"/console/rosters/{roster_id}",
        "open seat": f"/console/rosters/{roster_id}?shift={open_seat[1]}",
        "recruitment": recruitment,
        "roster progress": f"/console/rosters/{roster_id}/progress",
        "roster CSV": f"/console/rosters/{roster_id}/export.csv",
        "hours": f"/console/hours?{period}",
        "hours CSV": f"/console/hours/report.csv?{period}",
        "map": f"/console/map?district={district_id}&week={week}",
    }


def time_pages(client: httpx.Client, urls: dict[str, str], repeat: int) -> list[tuple]:
    rows = []
    for name, url in urls.items():
        for _ in range(2):
            client.get(url).raise_for_status()
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        rows.append((name, url, len(response.content), seconds))
    return rows


def time_grid(base_url: str, roster_url: str, times: int = 10) -> list[float]:
    """Seconds from the navigation's start until the roster grid is drawn, in chromium."""
    from playwright.sync_api import sync_playwright

    drawn = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base_url}/console/login?lang=en")
        page.get_by_label("Email or phone").fill(COORDINATOR["username"])
        page.get_by_label("Password").fill(COORDINATOR["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base_url}/console")
        for _ in range(times + 1):  # the first one warms the browser's cache of assets
            started = time.perf_counter()
            page.goto(f"{base_url}{roster_url}", wait_until="commit")
            page.locator("table.roster-grid tbody tr").last.wait_for(state="visible")
            # The frame after the grid's layout: what the eye sees.
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            drawn.append(time.perf_counter() - started)
        browser.close()
    return drawn[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--volunteers", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database-url", default=None, help="an empty database; default SQLite")
    args = parser.parse_args()
    with bench_server(args.database_url, "console") as (url, base_url):
        today = datetime.now(ZONE).date()  # the stations' day, as the console's week list
        last_monday = today - timedelta(days=today.weekday() + 7)
        loaded = load(base_url, args.stations, args.volunteers, args.seed, monday=last_monday)
        body = roster(base_url, loaded, args.time_limit)
        credited = publish_and_credit(base_url, loaded.headers, body["id"])
        coordinator = console_client(base_url, COORDINATOR)
        urls = pages(coordinator, loaded.district_id, loaded.week, body["id"])
        rows = time_pages(coordinator, urls, args.repeat)
        admin = console_client(base_url, ADMIN)
        rows += time_pages(admin, {"admin": "/console/admin"}, args.repeat)
        drawn = time_grid(base_url, urls["roster"])
    stats = body["stats"]
    print(
        f"{url.split(':')[0]}: {args.stations} stations, {loaded.volunteers} volunteers, "
        f"{loaded.shifts} shifts in {loaded.week}; roster published with "
        f"{stats['seats_filled']} duties of {stats['seats_required']} seats, "
        f"{credited} credited with hours"
    )
    print(f"{'page':<18} {'bytes':>9} {'median ms':>10} {'p95 ms':>8}  URL")
    for name, page_url, size, seconds in rows:
        print(
            f"{name:<18} {size:>9,} {1000 * statistics.median(seconds):>10.1f} "
            f"{1000 * percentile(seconds, 0.95):>8.1f}  {page_url}"
        )
    print(
        f"roster grid drawn in chromium: median {statistics.median(drawn):.3f} s, "
        f"max {max(drawn):.3f} s over {len(drawn)} loads"
    )


if __name__ == "__main__":
    main()
