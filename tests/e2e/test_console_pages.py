"""The console in a real browser (Debian's chromium through Playwright) against a real
`uroster serve` process, on a fresh SQLite file and a fresh PostgreSQL database:
a coordinator signs in, reads the week's dashboard in Chinese and English, and signs
out. Screenshots of every page in both languages go to artifacts/console/."""

import time

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_kiosk_page import ARGS, ARTIFACTS, CHROMIUM
from tests.servers import migrate, running_server, start_worker, station_today

sync_api = pytest.importorskip("playwright.sync_api")

ADMIN = {"username": "admin@example.org", "password": "Vault-Lantern-Orchid-42"}
COORDINATOR = {"username": "chen.jing@example.org", "password": "Kestrel-Harbour-Quilt-58"}
SHOTS = ARTIFACTS / "console"
BOOTSTRAP = {
    "bootstrap_admin_email": ADMIN["username"],
    "bootstrap_admin_password": ADMIN["password"],
}


def district_with_coordinator(base_url: str) -> tuple[httpx.Client, dict, dict]:
    """Through the API, as an office starts: 罗湖区 (LH) and its coordinator 陈静;
    (the API client, the district, the coordinator's headers)."""
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
    admin_token = api.post("/auth/token", data=ADMIN).json()["access_token"]
    admin = {"Authorization": f"Bearer {admin_token}"}
    district = api.post("/districts", headers=admin, json={"code": "LH", "name": "罗湖区"}).json()
    api.post(
        "/coordinators",
        headers=admin,
        json={"email": COORDINATOR["username"], "password": COORDINATOR["password"],
              "name": "陈静", "district_ids": [district["id"]]},
    ).raise_for_status()  # fmt: skip
    token = api.post("/auth/token", data=COORDINATOR).json()["access_token"]
    api.post("/districts", headers=admin, json={"code": "FT", "name": "福田区"}).raise_for_status()
    return api, district, {"Authorization": f"Bearer {token}"}


def morning_station(
    api: httpx.Client,
    district: dict,
    coordinator: dict,
    *,
    min_volunteers: int,
    max_volunteers: int,
) -> dict:
    """罗湖口岸志愿服务站 (LH-01), open every morning 09:00-13:00 through a template."""
    station = api.post(
        "/stations",
        headers=coordinator,
        json={
            "code": "LH-01",
            "name": "罗湖口岸志愿服务站",
            "kind": "port",
            "district_id": district["id"],
            "address": "人民南路",
            "lat": 22.532,
            "lon": 114.113,
        },
    ).json()
    api.post(
        f"/stations/{station['id']}/shift-templates",
        headers=coordinator,
        json={
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "start": "09:00",
            "end": "13:00",
            "min_volunteers": min_volunteers,
            "max_volunteers": max_volunteers,
            "priority": 4,
        },
    ).raise_for_status()
    return station  # fmt: skip


def publish_week(api: httpx.Client, coordinator: dict, district: dict, week: str) -> int:
    """Requests the district-week's roster, waits for its draft and publishes it."""
    roster = api.post(
        "/rosters",
        headers=coordinator,
        json={"district_id": district["id"], "week": week, "time_limit_seconds": 5},
    ).json()
    deadline = time.monotonic() + 60
    while api.get(f"/rosters/{roster['id']}", headers=coordinator).json()["status"] != "draft":
        assert time.monotonic() < deadline, "the roster was not solved in time"
        time.sleep(0.2)
    api.post(f"/rosters/{roster['id']}/publish", headers=coordinator).raise_for_status()
    return roster["id"]


def seed(base_url: str) -> dict:
    """Through the API, as an office would: a district, its coordinator, a station with a
    weekday template, three volunteers, and this week's roster published."""
    api, district, coordinator = district_with_coordinator(base_url)
    morning_station(api, district, coordinator, min_volunteers=2, max_volunteers=3)
    csv = (
        "name,phone,district_code\n"
        "王小明,13800000011,LH\n李华,13800000012,LH\nChen Jie,13800000013,LH\n"
    )
    api.post(
        "/volunteers/import", headers=coordinator, files={"file": ("v.csv", csv.encode())}
    ).raise_for_status()
    year, week, _ = station_today().isocalendar()
    publish_week(api, coordinator, district, f"{year}-W{week:02d}")
    return {"district": district}


def test_a_coordinator_signs_in_reads_the_dashboard_and_signs_out(database_url, tmp_path):
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
        # On PostgreSQL roster jobs run in `uroster worker` processes.
        worker = (
            start_worker(database_url, tmp_path / "worker.log") if kind == "postgresql" else None
        )
        try:
            seed(base_url)
        finally:
            if worker is not None:
                worker.stop()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Every answer but the refused sign-in (400, on purpose) is a success.
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.status != 400
                else None
            ),
        )
        expect.set_options(timeout=10_000)
        try:
            page.goto(f"{base_url}/console")
            expect(page).to_have_url(f"{base_url}/console/login?next=%2Fconsole")
            expect(page.get_by_role("heading", name="协调员管理台")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"login-zh-{kind}.png"))
            assert_accessible(page)

            # A wrong password: the message next to the form, the email kept.
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill("not-the-password")
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("alert")).to_have_text("邮箱、手机号或密码不正确。")
            assert_accessible(page)
            expect(page.get_by_label("邮箱或手机号")).to_have_value(COORDINATOR["username"])
            expect(page.get_by_label("密码")).to_have_value("")

            # By keyboard alone: the password field, Enter.
            page.get_by_label("密码").focus()
            page.keyboard.type(COORDINATOR["password"])
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="概览")).to_be_visible()
            sections = page.get_by_role("navigation", name="管理台")
            expect(sections.get_by_role("link", name="概览")).to_have_attribute(
                "aria-current", "page"
            )
            expect(page.get_by_label("辖区")).to_have_text("罗湖区 (LH)")  # not 福田区
            expect(page.get_by_text("已发布")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"dashboard-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
            expect(page.get_by_label("District", exact=True)).to_be_visible()
            expect(page.get_by_label("Week", exact=True)).to_be_visible()
            expect(page.get_by_text("published", exact=True)).to_be_visible()
            page.screenshot(path=str(SHOTS / f"dashboard-en-{kind}.png"), full_page=True)

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            expect(page.get_by_label("Email or phone")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"login-en-{kind}.png"))
            page.goto(f"{base_url}/console")
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()  # signed out
        finally:
            browser.close()
    assert errors == []
