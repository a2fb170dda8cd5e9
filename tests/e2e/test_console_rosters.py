"""The rosters pages in a real browser against a real `uroster serve` (and on
PostgreSQL a `uroster worker`), on both databases: a coordinator requests next week's
roster, watches the page follow the solve until "Publish" appears, opens an empty
seat and reads its reasons and candidates, sees a hand-made assignment refused by the
validator, publishes and downloads the CSV; a duty is cancelled through the API, the
repair gives the freed volunteer another seat and marks them; a volunteer is taken off
a shift by hand. Screenshots in zh and en go to artifacts/console/rosters-*.png and
roster-*.png."""

import re
from datetime import timedelta

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import (
    BOOTSTRAP,
    COORDINATOR,
    SHOTS,
    district_with_coordinator,
    morning_station,
)
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server, start_worker, station_today

sync_api = pytest.importorskip("playwright.sync_api")

NEXT = station_today() + timedelta(weeks=1)
WEEK = f"{NEXT.isocalendar().year}-W{NEXT.isocalendar().week:02d}"


def seed(base_url: str) -> tuple:
    """A tiny district: one station open every morning for three, three volunteers,
    one of whom may work four hours a week; so six seats stay open. (The API client,
    the coordinator's headers.)"""
    api, district, coordinator = district_with_coordinator(base_url)
    morning_station(api, district, coordinator, min_volunteers=3, max_volunteers=3)
    csv = (
        "name,phone,district_code,max_hours_per_week\n"
        "王小明,13800000011,LH,\n李华,13800000012,LH,\nChen Jie,13800000013,LH,4\n"
    )
    api.post(
        "/volunteers/import", headers=coordinator, files={"file": ("v.csv", csv.encode())}
    ).raise_for_status()
    return api, coordinator


def test_a_coordinator_requests_follows_explains_and_publishes_a_roster(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    settings = BOOTSTRAP
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **settings) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        api, coordinator = seed(base_url)
        # On PostgreSQL roster jobs run in `uroster worker` processes.
        worker = (
            start_worker(database_url, tmp_path / "worker.log") if kind == "postgresql" else None
        )
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Every answer is a success but the refused assignment (409, on purpose).
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.status != 409
                else None
            ),
        )
        expect.set_options(timeout=15_000)
        try:
            page.goto(f"{base_url}/console/rosters")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="排班", exact=True)).to_be_visible()
            page.get_by_label("周次").select_option(WEEK)
            page.get_by_label("时间上限（秒）").fill("5")
            page.screenshot(path=str(SHOTS / f"rosters-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("button", name="生成排班").click()
            expect(page).to_have_url(re.compile(r"/console/rosters/\d+$"))
            # The page follows the solve by itself and offers "Publish" once it is a draft.
            expect(page.get_by_role("button", name="发布")).to_be_visible()
            expect(page.get_by_text("草稿", exact=True)).to_be_visible()
            page.screenshot(path=str(SHOTS / f"roster-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="English").click()
            seats = page.get_by_role("button", name=re.compile(r"^Open seat LH-01 \w{3} 09:00$"))
            expect(seats).to_have_count(6)
            seats.first.focus()
            page.keyboard.press("Enter")  # by keyboard
            panel = page.locator("#shift-panel")
            expect(panel.get_by_role("heading", name="Why seats stay open")).to_be_visible()
            expect(panel.get_by_role("row", name=re.compile("Chen Jie"))).to_contain_text(
                "at the weekly hour limit"
            )

            # A hand-made assignment that breaks a hard rule is refused, and says which.
            panel.get_by_label("Volunteer to add").select_option(label="Chen Jie")
            panel.get_by_role("button", name="Add to this shift").click()
            expect(page.get_by_role("alert")).to_contain_text("hard rule weekly_hours")
            chosen = page.get_by_label("Volunteer to add").locator("option:checked")
            expect(chosen).to_have_text("Chen Jie")  # the choice is kept
            page.screenshot(path=str(SHOTS / f"roster-seat-en-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("button", name="Publish").click()
            expect(page.get_by_role("button", name="Repair")).to_be_visible()
            expect(page.get_by_text("published", exact=True)).to_be_visible()
            with page.expect_download() as download:
                page.get_by_role("link", name="Export CSV").click()
            assert download.value.path().read_text().startswith("assignment_id,")
            page.screenshot(path=str(SHOTS / f"roster-en-{kind}.png"), full_page=True)

            # Chen Jie cancels his one duty (through the API, as his phone would); the
            # repair gives him another seat, and the page marks him.
            roster_id = int(re.search(r"/console/rosters/(\d+)", page.url)[1])
            chen = next(
                v["id"]
                for v in api.get("/volunteers", headers=coordinator).json()["items"]
                if v["name"] == "Chen Jie"
            )
            duty = next(
                a
                for a in api.get(f"/rosters/{roster_id}/assignments", headers=coordinator).json()
                if a["volunteer_id"] == chen and a["status"] == "scheduled"
            )
            api.post(
                f"/assignments/{duty['id']}/cancel", headers=coordinator, json={"reason": "ill"}
            ).raise_for_status()
            page.reload()
            page.get_by_role("button", name="Repair").click()
            expect(page.get_by_text("the last repair changed: 1.")).to_be_visible(timeout=60_000)
            expect(page.locator(".people li.changed")).to_have_count(1)
            expect(page.locator(".people li.changed")).to_contain_text("Chen Jie")
            page.screenshot(path=str(SHOTS / f"roster-repaired-en-{kind}.png"), full_page=True)
            assert_accessible(page)

            # A volunteer taken off a shift by hand: the seat opens.
            page.get_by_role(
                "button", name=re.compile(r"^Open seat LH-01 \w{3} 09:00$")
            ).first.click()
            panel = page.locator("#shift-panel")
            before = panel.get_by_role("button", name=re.compile("^Take .* off")).count()
            panel.get_by_role("button", name=re.compile("^Take 李华 off")).click()
            expect(
                page.locator("#shift-panel").get_by_role("button", name=re.compile("^Take .* off"))
            ).to_have_count(before - 1)

            page.get_by_role("main").get_by_role("link", name="Rosters", exact=True).click()
            expect(page.get_by_role("cell", name="published")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"rosters-en-{kind}.png"), full_page=True)
        finally:
            browser.close()
            if worker is not None:
                worker.stop()
    assert errors == []
