"""A swap as a coordinator then reads it, in a real browser against a real `uroster
serve` (and on PostgreSQL a `uroster worker`), on both databases: next week's roster
is solved and published through the API, one volunteer offers a duty, a second takes
it over, the first cancels another duty; the roster's page lists both under
"History" (变更记录), newest first. Screenshots in zh and en go to
artifacts/console/roster-history-*.png."""

import re
from datetime import timedelta

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import (
    BOOTSTRAP,
    COORDINATOR,
    SHOTS,
    district_with_coordinator,
    morning_station,
    publish_week,
)
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server, start_worker, station_today

sync_api = pytest.importorskip("playwright.sync_api")

NEXT = station_today() + timedelta(weeks=1)
WEEK = f"{NEXT.isocalendar().year}-W{NEXT.isocalendar().week:02d}"
ALL_WEEK = {
    "weekly": [
        {"weekday": day, "start": "00:00", "end": "24:00", "preference": "available"}
        for day in range(1, 8)
    ],
    "exceptions": [],
}


def volunteer(api: httpx.Client, district_id: int, name: str, phone: str) -> dict:
    """Registered through the API, available all week; their bearer headers."""
    password = "plum-lantern-harbour"
    api.post(
        "/volunteers",
        json={"name": name, "phone": phone, "password": password, "district_id": district_id,
              "accept_privacy_notice": True},
    ).raise_for_status()  # fmt: skip
    token = api.post("/auth/token", data={"username": phone, "password": password}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    api.put("/volunteers/me/availability", headers=headers, json=ALL_WEEK).raise_for_status()
    return headers


def seed(base_url: str) -> int:
    """One station, a morning seat every day of next week, 王小明 on all of them; then
    李华 takes over his first duty and he cancels his second. Returns the roster id."""
    api, district, coordinator = district_with_coordinator(base_url)
    morning_station(api, district, coordinator, min_volunteers=1, max_volunteers=1)
    wang = volunteer(api, district["id"], "王小明", "13800000011")
    roster_id = publish_week(api, coordinator, district, WEEK)
    li = volunteer(api, district["id"], "李华", "13800000012")
    first, second = api.get("/volunteers/me/assignments", headers=wang).json()["items"][:2]
    offer = api.post(f"/assignments/{first['id']}/swap-offer", headers=wang).json()
    assert [o["offer_id"] for o in api.get("/swap-offers", headers=li).json()["items"]] == [
        offer["offer_id"]
    ]
    api.post(f"/swap-offers/{offer['offer_id']}/accept", headers=li).raise_for_status()
    api.post(
        f"/assignments/{second['id']}/cancel", headers=wang, json={"reason": "家里有事"}
    ).raise_for_status()
    return roster_id


def test_a_coordinator_reads_a_swap_in_the_roster_history(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        # On PostgreSQL roster jobs run in `uroster worker` processes.
        worker = (
            start_worker(database_url, tmp_path / "worker.log") if kind == "postgresql" else None
        )
        try:
            roster_id = seed(base_url)
        finally:
            if worker is not None:
                worker.stop()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        expect.set_options(timeout=15_000)
        try:
            page.goto(f"{base_url}/console/rosters/{roster_id}")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()
            expect(page).to_have_url(re.compile(rf"/console/rosters/{roster_id}$"))
            history = page.get_by_role("region", name="变更记录")
            expect(history).to_be_visible()
            rows = history.get_by_role("row")
            expect(rows).to_have_count(3)  # the header, the cancellation, the swap
            expect(rows.nth(1)).to_contain_text("王小明")
            expect(rows.nth(1)).to_contain_text("志愿者本人取消")
            expect(rows.nth(1)).to_contain_text("家里有事")
            expect(rows.nth(2)).to_contain_text("李华")
            expect(rows.nth(2)).to_contain_text("接替了王小明的值班")
            history.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"roster-history-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="English").click()
            history = page.get_by_role("region", name="History")
            expect(history.get_by_role("row").nth(2)).to_contain_text(
                "Took the duty over from 王小明"
            )
            expect(history.get_by_role("row").nth(1)).to_contain_text("Cancelled by the volunteer")
            page.screenshot(path=str(SHOTS / f"roster-history-en-{kind}.png"), full_page=True)
            assert_accessible(page)
        finally:
            browser.close()
    assert errors == []
