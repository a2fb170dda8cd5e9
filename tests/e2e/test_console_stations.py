"""The console's station pages in a real browser (Debian's chromium through Playwright)
against a real `uroster serve`, on SQLite and PostgreSQL: a coordinator reads the
stations and their map, creates a station by clicking the map (a refused form first),
gives it a weekly template and an ad hoc shift, and creates a kiosk key whose QR code
is shown once. Screenshots in Chinese and English go to artifacts/console/."""

import re
from datetime import timedelta

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import ADMIN, BOOTSTRAP, COORDINATOR, SHOTS
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server, station_today

sync_api = pytest.importorskip("playwright.sync_api")


def seed(base_url: str) -> None:
    """A district with its coordinator and one station, another district with one."""
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
    token = api.post("/auth/token", data=ADMIN).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    luohu = api.post("/districts", headers=admin, json={"code": "LH", "name": "罗湖区"}).json()
    futian = api.post("/districts", headers=admin, json={"code": "FT", "name": "福田区"}).json()
    api.post(
        "/coordinators",
        headers=admin,
        json={"email": COORDINATOR["username"], "password": COORDINATOR["password"],
              "name": "陈静", "district_ids": [luohu["id"]]},
    ).raise_for_status()  # fmt: skip
    for district, code, name, kind, lat, lon in (
        (luohu, "LH-01", "罗湖口岸志愿服务站", "port", 22.532, 114.113),
        (luohu, "LH-02", "东门U站", "community", 22.548, 114.121),
        (futian, "FT-01", "福田口岸志愿服务站", "port", 22.517, 114.066),
    ):
        api.post(
            "/stations",
            headers=admin,
            json={"code": code, "name": name, "kind": kind, "district_id": district["id"],
                  "address": "深圳市", "lat": lat, "lon": lon},
        ).raise_for_status()  # fmt: skip


def test_a_coordinator_sets_up_a_station_on_the_map(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    db = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    settings = BOOTSTRAP
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **settings) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        seed(base_url)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and "status of 400" not in m.text
                else None
            ),
        )
        # Every answer but the refused form (400, on purpose) is a success.
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status > 400 else None,
        )
        expect.set_options(timeout=10_000)

        def shot(name: str, lang: str) -> None:
            page.screenshot(path=str(SHOTS / f"{name}-{lang}-{db}.png"), full_page=True)
            if lang == "zh":
                assert_accessible(page)

        try:
            page.goto(f"{base_url}/console/stations")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()

            # The list: this district's stations only, drawn on the map.
            expect(page.get_by_role("heading", name="站点", exact=True)).to_be_visible()
            expect(page.get_by_role("link", name="LH-01")).to_be_visible()
            expect(page.get_by_text("福田口岸志愿服务站")).to_have_count(0)
            stations_map = page.get_by_role("region", name="站点地图")
            expect(stations_map.locator("path.leaflet-interactive")).to_have_count(2)
            shot("stations", "zh")

            # A new station: placed by a click on the map; the first try lacks its name.
            page.get_by_role("link", name="新建站点").click()
            page.get_by_label("编号").fill("LH-03")
            page.get_by_label("类型").select_option(label="社区站点")
            page.get_by_label("地址").fill("罗湖区黄贝街道")
            page.get_by_role("region", name="地图：点击以放置站点").click(
                position={"x": 200, "y": 150}
            )
            expect(page.get_by_label("纬度")).to_have_value(re.compile(r"^2[0-9]\.[0-9]+$"))
            expect(page.get_by_label("经度")).to_have_value(re.compile(r"^11[0-9]\.[0-9]+$"))
            latitude = page.get_by_label("纬度").input_value()
            page.get_by_role("button", name="保存").click()
            expect(page.get_by_role("alert")).to_contain_text("站点未保存")
            expect(page.get_by_label("名称")).to_have_attribute("aria-invalid", "true")
            expect(page.get_by_text("必填。")).to_be_visible()
            expect(page.get_by_label("纬度")).to_have_value(latitude)  # kept
            shot("station-new", "zh")
            page.get_by_label("名称").fill("黄贝U站")
            page.get_by_role("button", name="保存").click()

            # The station's page: a weekly template, an ad hoc shift, a kiosk key.
            expect(page.get_by_role("heading", name="黄贝U站 LH-03")).to_be_visible()
            page.get_by_role("link", name="新建模板").click()
            for day in ("周一", "周二", "周三", "周四", "周五"):
                expect(page.get_by_label(day)).to_be_checked()
            page.get_by_label("周六").check()
            page.get_by_label("开始时间").fill("08:30")
            page.get_by_label("结束时间").fill("12:30")
            page.get_by_label("技能需求").fill("lang:en=1")
            page.get_by_role("button", name="保存").click()
            expect(
                page.get_by_role("cell", name="周一, 周二, 周三, 周四, 周五, 周六", exact=True)
            ).to_be_visible()

            shift_day = station_today() + timedelta(days=2)
            page.get_by_label("日期").fill(shift_day.isoformat())
            page.get_by_label("开始时间").fill("18:00")
            page.get_by_label("结束时间").fill("21:00")
            page.get_by_label("最多志愿者人数").fill("5")
            page.get_by_role("button", name="添加班次").click()
            expect(page.get_by_role("cell", name="18:00–21:00", exact=True)).to_be_visible()
            shot("station", "zh")

            page.get_by_label("设备名称").fill("前台平板")
            page.get_by_role("button", name="创建签到机密钥").click()
            expect(page.get_by_role("img", name="签到机网址的二维码")).to_be_visible()
            link = page.get_by_label("签到机网址").input_value()
            assert link.startswith(f"{base_url}/kiosk#key=")
            shot("kiosk-key", "zh")
            # The tablet opens the QR code's address: set up at once, the key off the URL.
            tablet = context.new_page()
            tablet.goto(link)
            expect(tablet.get_by_text("黄贝U站")).to_be_visible()
            assert tablet.url == f"{base_url}/kiosk"
            tablet.close()
            page.get_by_role("link", name="完成").click()
            expect(page.get_by_role("button", name="吊销密钥 前台平板")).to_be_visible()

            # The same pages in English.
            page.goto(f"{base_url}/console/stations?lang=en")
            expect(page.get_by_role("link", name="New station")).to_be_visible()
            shot("stations", "en")
            page.get_by_role("link", name="New station").click()
            page.get_by_label("Code").fill("LH 04")
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_text("letters, digits and _ . - only")).to_be_visible()
            for label in ("Name", "Kind", "Address", "Latitude", "Longitude"):
                expect(page.get_by_label(label, exact=True)).to_be_visible()
            shot("station-new", "en")
            page.go_back()
            page.go_back()
            page.get_by_role("link", name="LH-03").click()
            expect(page.get_by_role("link", name="New template")).to_be_visible()
            expect(page.get_by_role("button", name="Create kiosk key")).to_be_visible()
            shot("station", "en")
            page.get_by_role("link", name="New template").click()
            expect(page.get_by_role("group", name="Weekdays")).to_be_visible()
            shot("station-template", "en")
        finally:
            browser.close()
    assert errors == []
