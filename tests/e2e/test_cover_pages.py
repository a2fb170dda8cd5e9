"""Short-notice cover in a real browser (Debian's chromium through Playwright) against a
real `uroster serve` on a SQLite file (the API tests run the cover on both databases):
a duty 26 hours away is cancelled, the seat is offered to the three volunteers who fit
best, the coordinator reads the offers in the roster's open-seat panel, and one offered
volunteer finds the seat first on their phone and says "Not for me". Screenshots in
Chinese and English go to artifacts/console/ and artifacts/app/."""

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.db import utcnow
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_app_journey import PHONE, WECHAT
from tests.e2e.test_app_journey import SHOTS as APP_SHOTS
from tests.e2e.test_console_pages import BOOTSTRAP, COORDINATOR, SHOTS, district_with_coordinator
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

ZONE = ZoneInfo("Asia/Shanghai")
PASSWORD = "walnut-signal-meadow-93"
# Four neighbours of the station, nearest first.
PEOPLE = [
    ("王小明", "13800000021", 22.533),
    ("李华", "13800000022", 22.536),
    ("Chen Jie", "13800000023", 22.540),
    ("赵敏", "13800000024", 22.545),
]


def office_with_a_published_duty_tomorrow(base_url: str) -> tuple:
    """Through the API: a station, one seat 26 hours from now, four volunteers living
    near it, the week's roster published. (API client, coordinator's headers, roster id,
    the assignment.)"""
    api, district, coordinator = district_with_coordinator(base_url)
    station = api.post(
        "/stations",
        headers=coordinator,
        json={"code": "LH-01", "name": "罗湖口岸志愿服务站", "kind": "port",
              "district_id": district["id"], "address": "人民南路 1 号",
              "lat": 22.532, "lon": 114.113},
    ).json()  # fmt: skip
    starts = (utcnow() + timedelta(hours=26)).astimezone(ZONE).replace(minute=0, second=0)
    starts = starts.replace(microsecond=0)
    api.post(
        "/shifts",
        headers=coordinator,
        json={"station_id": station["id"], "starts_at": starts.isoformat(),
              "ends_at": (starts + timedelta(hours=4)).isoformat(), "min_volunteers": 1,
              "max_volunteers": 1, "skill_requirements": [], "priority": 4},
    ).raise_for_status()  # fmt: skip
    for name, phone, lat in PEOPLE:
        api.post(
            "/volunteers",
            json={"name": name, "phone": phone, "password": PASSWORD,
                  "district_id": district["id"], "home": {"lat": lat, "lon": 114.113},
                  "accept_privacy_notice": True},
        ).raise_for_status()  # fmt: skip
        token = api.post("/auth/token", data={"username": phone, "password": PASSWORD}).json()
        api.put(
            "/volunteers/me/availability",
            headers={"Authorization": f"Bearer {token['access_token']}"},
            json={"availability_mode": "any_time"},
        ).raise_for_status()
    year, week, _ = starts.isocalendar()
    roster = api.post(
        "/rosters",
        headers=coordinator,
        json={"district_id": district["id"], "week": f"{year}-W{week:02d}",
              "time_limit_seconds": 5},
    ).json()  # fmt: skip
    deadline = time.monotonic() + 60
    while api.get(f"/rosters/{roster['id']}", headers=coordinator).json()["status"] != "draft":
        assert time.monotonic() < deadline, "the roster was not solved in time"
        time.sleep(0.2)
    api.post(f"/rosters/{roster['id']}/publish", headers=coordinator).raise_for_status()
    [duty] = api.get(f"/rosters/{roster['id']}/assignments", headers=coordinator).json()
    return api, coordinator, roster["id"], duty


def test_a_seat_cancelled_a_day_ahead_is_offered_and_the_coordinator_sees_to_whom(tmp_path):
    expect = sync_api.expect
    database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    APP_SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        api, coordinator, roster_id, duty = office_with_a_published_duty_tomorrow(base_url)
        api.post(
            f"/assignments/{duty['id']}/cancel", headers=coordinator, json={"reason": "ill"}
        ).raise_for_status()
        holder = api.get(f"/volunteers/{duty['volunteer_id']}", headers=coordinator).json()
        offered = [name for name, _, _ in PEOPLE if name != holder["name"]]

        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = desk.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        expect.set_options(timeout=15_000)
        try:
            # The coordinator: the open seat's panel says to whom it went, in which wave.
            page.goto(f"{base_url}/console/rosters/{roster_id}")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()
            page.get_by_role("button", name=re.compile(r"^空缺岗位 LH-01")).first.click()
            panel = page.locator("#shift-panel")
            expect(panel.get_by_role("heading", name="临时补位")).to_be_visible()
            expect(panel.get_by_text(re.compile("补位中：已发出第 1 轮邀请"))).to_be_visible()
            offers = panel.get_by_role("table", name="临时补位")
            for name in offered:
                expect(offers.get_by_role("row", name=re.compile(name))).to_be_visible()
            expect(offers.get_by_role("row", name=re.compile(holder["name"]))).to_have_count(0)
            page.screenshot(path=str(SHOTS / "roster-cover-zh-sqlite.png"), full_page=True)
            assert_accessible(page)
            page.get_by_role("link", name="English").click()
            page.get_by_role("button", name=re.compile(r"^Open seat LH-01")).first.click()
            expect(panel.get_by_role("heading", name="Short-notice cover")).to_be_visible()
            page.screenshot(path=str(SHOTS / "roster-cover-en-sqlite.png"), full_page=True)

            # The nearest offered volunteer, on a phone: the seat comes first, marked.
            phone = browser.new_context(
                viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True
            ).new_page()
            phone.on("pageerror", lambda error: errors.append(str(error)))
            nearest = next(p for p in PEOPLE if p[0] == offered[0])
            phone.goto(f"{base_url}/app/login?next=/app/open")
            phone.get_by_label("手机号").fill(nearest[1])
            phone.get_by_label("密码").fill(PASSWORD)
            phone.get_by_role("button", name="登录").click()
            expect(phone.get_by_text("临时补位邀请：先报名者得。")).to_be_visible()
            phone.screenshot(path=str(APP_SHOTS / "open-offered-zh-sqlite.png"), full_page=True)
            assert_accessible(phone)
            phone.get_by_role("button", name="我去不了").click()
            expect(phone.get_by_text("临时补位邀请：先报名者得。")).to_have_count(0)
            phone.goto(f"{base_url}/app/open?lang=en")
            phone.screenshot(path=str(APP_SHOTS / "open-declined-en-sqlite.png"), full_page=True)

            page.reload()
            page.get_by_role("button", name=re.compile(r"^Open seat LH-01")).first.click()
            offers = page.locator("#shift-panel").get_by_role("table", name="Short-notice cover")
            expect(offers.get_by_role("row", name=re.compile(offered[0]))).to_contain_text(
                "Declined"
            )
        finally:
            browser.close()
    assert errors == []
