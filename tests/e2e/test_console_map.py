"""The 15-minute service circle in a real browser, on both databases: the share, the
circles and the cells drawn by Leaflet on the plain background, in zh and en."""

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import BOOTSTRAP, COORDINATOR, SHOTS, district_with_coordinator
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")


def seed(base_url: str) -> None:
    api, district, coordinator = district_with_coordinator(base_url)
    for code, name, lat, lon in (("LH-01", "罗湖口岸", 22.532, 114.113),
                                 ("LH-02", "东门U站", 22.548, 114.120)):  # fmt: skip
        api.post(
            "/stations",
            headers=coordinator,
            json={"code": code, "name": name, "kind": "community", "district_id": district["id"],
                  "address": "深圳", "lat": lat, "lon": lon},
        ).raise_for_status()  # fmt: skip
    rows = [f"V{i},1380000{i:04d},LH,{22.536 + (i % 3) * 0.004},{114.116}" for i in range(9)]
    rows.append("Far away,13800009999,LH,22.75,114.40")
    csv = "name,phone,district_code,home_lat,home_lon\n" + "\n".join(rows) + "\n"
    api.post(
        "/volunteers/import", headers=coordinator, files={"file": ("v.csv", csv.encode())}
    ).raise_for_status()


def test_the_service_circle_map(database_url, tmp_path):
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
        seed(base_url)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="zh-CN"
        ).new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        expect.set_options(timeout=10_000)
        try:
            page.goto(f"{base_url}/console/map")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="15分钟志愿服务圈")).to_be_visible()
            expect(page.get_by_text("15分钟内： 90 %")).to_be_visible()  # 9 of 10
            page.wait_for_load_state("load")
            assert errors == []
            expect(page.locator(".leaflet-interactive")).to_have_count(
                2 + 2 + 2
            )  # circles, stations, two cells
            page.screenshot(path=str(SHOTS / f"map-zh-{kind}.png"), full_page=True)
            assert_accessible(page)
            page.get_by_role("link", name="English").click()
            expect(page.get_by_text("Within 15 minutes: 90 %")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"map-en-{kind}.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
