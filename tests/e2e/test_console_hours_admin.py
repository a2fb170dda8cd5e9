"""Administration and the hours report in a real browser (Debian's chromium through
Playwright) against a real `uroster serve`, on a fresh SQLite file and a fresh
PostgreSQL database: an admin creates a coordinator (a weak password refused first),
deactivates and reactivates them; the coordinator reads the district's hours, corrects
an entry (a refused correction first) and downloads the CSV. Screenshots in zh and en
go to artifacts/console/."""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.hours import service as hours_service
from app.rosters.models import AssignmentStatus
from app.stations.models import Station
from app.volunteers.models import Volunteer
from tests.api.test_duties import add_shift, assign
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import ADMIN, BOOTSTRAP, COORDINATOR
from tests.e2e.test_kiosk_page import ARGS, ARTIFACTS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "console"
LOCAL = ZoneInfo("Asia/Shanghai")


def seed(base_url: str, database_url: str) -> date:
    """Two districts, a station and three volunteers through the API; a duty two days
    ago served by two of them (kiosk times written as the kiosk would) and missed by
    the third. Returns the duty's date."""
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
    token = api.post("/auth/token", data=ADMIN).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    district = api.post("/districts", headers=admin, json={"code": "LH", "name": "罗湖区"}).json()
    api.post("/districts", headers=admin, json={"code": "FT", "name": "福田区"}).raise_for_status()
    station = api.post(
        "/stations",
        headers=admin,
        json={"code": "LH-01", "name": "罗湖口岸志愿服务站", "kind": "port",
              "district_id": district["id"], "address": "人民南路", "lat": 22.532, "lon": 114.113,
              "timezone": "Asia/Shanghai"},
    ).json()  # fmt: skip
    csv = "name,phone,district_code\n" + "".join(
        f"{name},1380000001{n},LH\n" for n, name in enumerate(["王小明", "李华", "陈杰"], 1)
    )
    api.post(
        "/volunteers/import", headers=admin, files={"file": ("v.csv", csv.encode())}
    ).raise_for_status()

    day = datetime.now(LOCAL).date() - timedelta(days=2)
    start = datetime.combine(day, time(9), tzinfo=LOCAL)
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        shift = add_shift(session, session.get_one(Station, station["id"]), start, max_volunteers=3)
        volunteers = session.scalars(select(Volunteer.id).order_by(Volunteer.id)).all()
        times = [((8, 55), (13, 5)), ((9, 10), (12, 30)), None]
        for volunteer_id, served in zip(volunteers, times, strict=True):
            assignment = assign(session, shift, volunteer_id)
            if served is not None:
                (in_h, in_m), (out_h, out_m) = served
                assignment.check_in_at = start.replace(hour=in_h, minute=in_m)
                assignment.check_out_at = start.replace(hour=out_h, minute=out_m)
                assignment.status = AssignmentStatus.completed
                hours_service.credit_kiosk_hours(session, assignment)
        session.commit()
    engine.dispose()
    return day


def test_an_admin_adds_a_coordinator_who_corrects_hours(database_url, tmp_path):
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
        day = seed(base_url, database_url)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Refused forms answer 409/422 on purpose; anything else 4xx/5xx is a fault.
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.status not in (409, 422)
                else None
            ),
        )
        expect.set_options(timeout=10_000)
        try:
            # -- the admin ---------------------------------------------------------------
            page.goto(f"{base_url}/console/admin")
            page.get_by_label("邮箱或手机号").fill(ADMIN["username"])
            page.get_by_label("密码").fill(ADMIN["password"])
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="系统管理", exact=True)).to_be_visible()

            page.get_by_role("link", name="新建协调员").click()
            page.get_by_label("邮箱").fill(COORDINATOR["username"])
            page.get_by_label("姓名").fill("陈静")
            page.get_by_label("密码").fill("password1234")
            page.get_by_label("罗湖区 (LH)").check()
            page.get_by_role("button", name="创建协调员").click()
            expect(page.get_by_text("该密码太容易被猜到。")).to_be_visible()
            expect(page.get_by_label("邮箱")).to_have_value(COORDINATOR["username"])
            expect(page.get_by_label("密码")).to_have_value("")
            expect(page.get_by_label("罗湖区 (LH)")).to_be_checked()
            page.screenshot(path=str(SHOTS / f"admin-coordinator-zh-{kind}.png"), full_page=True)
            assert_accessible(page)
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="创建协调员").click()
            expect(page.get_by_role("status")).to_have_text("协调员已创建，现在即可登录。")
            expect(page.get_by_role("row", name="陈静")).to_contain_text("罗湖区")
            page.screenshot(path=str(SHOTS / f"admin-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="English").click()
            row = page.get_by_role("row", name="陈静")
            row.get_by_role("button", name="Deactivate").click()
            expect(row.get_by_role("button", name="Reactivate")).to_be_visible()
            expect(row).to_contain_text("Inactive")
            page.screenshot(path=str(SHOTS / f"admin-en-{kind}.png"), full_page=True)
            row.get_by_role("button", name="Reactivate").click()
            expect(row).to_contain_text("Active")
            page.get_by_role("button", name="Sign out").click()

            # -- the coordinator -------------------------------------------------------
            page.goto(f"{base_url}/console/login?lang=zh&next=/console/hours")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="服务时长", exact=True)).to_be_visible()
            expect(page.get_by_role("link", name="系统管理")).to_have_count(0)
            page.get_by_label("开始日期").fill((day - timedelta(days=5)).isoformat())
            page.get_by_label("结束日期").fill((day + timedelta(days=2)).isoformat())
            page.get_by_role("button", name="查看").click()
            volunteers = page.get_by_role("table").first
            expect(volunteers.get_by_role("row", name="王小明")).to_contain_text("4.00")
            expect(volunteers.get_by_role("row", name="陈杰")).to_contain_text("1")  # no-show

            entry = page.get_by_role("row").filter(has_text="李华").last
            entry.get_by_text("更正", exact=False).first.click()
            entry.get_by_label("签到").fill(f"{day - timedelta(days=1)}T23:00")
            entry.get_by_label("原因").fill("终端离线，按纸质签到表登记")
            entry.get_by_role("button", name="保存更正").click()
            entry = page.get_by_role("row").filter(has_text="李华").last
            expect(entry.get_by_text("须在该班次当天")).to_be_visible()
            expect(entry.get_by_label("原因")).to_have_value("终端离线，按纸质签到表登记")
            page.screenshot(path=str(SHOTS / f"hours-correction-zh-{kind}.png"), full_page=True)
            assert_accessible(page)
            entry.get_by_label("签到").fill(f"{day}T09:00")
            entry.get_by_label("签退").fill(f"{day}T13:00")
            entry.get_by_role("button", name="保存更正").click()
            entry = page.get_by_role("row").filter(has_text="李华").last
            expect(entry).to_contain_text("已更正")
            expect(entry).to_contain_text("终端离线，按纸质签到表登记")
            expect(entry).to_contain_text(f"终端原始记录： {day} 09:10 – 12:30")
            page.screenshot(path=str(SHOTS / f"hours-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            with page.expect_download() as download:
                page.get_by_role("link", name="下载 CSV", exact=True).click()
            text = Path(download.value.path()).read_text(encoding="utf-8")
            assert text.startswith("volunteer_id,name,total_hours,duties,no_shows")
            assert "李华,4.00,1,0" in text

            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("heading", name="Hours", exact=True)).to_be_visible()
            expect(page.get_by_label("From")).to_have_value((day - timedelta(days=5)).isoformat())
            expect(page.get_by_label("To", exact=True)).to_be_visible()
            expect(page.get_by_role("link", name="Download CSV", exact=True)).to_be_visible()
            page.screenshot(path=str(SHOTS / f"hours-en-{kind}.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
