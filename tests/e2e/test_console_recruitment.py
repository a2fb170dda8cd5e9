"""The recruitment advice in a real browser against a real `uroster serve` (and on
PostgreSQL a `uroster worker`), on both databases: a solved roster's page tells whom
to recruit in sentences (zh and en), its CSV downloads, and its link opens the map
with the stations to recruit near marked. Screenshots go to
artifacts/console/recruitment-*.png and map-recruit-*.png."""

import csv
import io
import re
import time
from datetime import timedelta

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import BOOTSTRAP, COORDINATOR, SHOTS, district_with_coordinator
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server, start_worker, station_today

sync_api = pytest.importorskip("playwright.sync_api")

NEXT = station_today() + timedelta(weeks=1)
WEEK = f"{NEXT.isocalendar().year}-W{NEXT.isocalendar().week:02d}"
STATIONS = (  # code, name, lat, lon, weekday, start, end, people, skill
    ("LH-01", "罗湖口岸志愿服务站", 22.532, 114.113, 6, "08:00", "12:00", 4, "lang:en"),
    ("LH-02", "东门U站", 22.548, 114.120, 6, "13:00", "17:00", 3, None),
    ("LH-03", "沙头角口岸", 22.600, 114.250, 7, "09:00", "13:00", 3, "lang:yue"),
)


def seed(base_url: str) -> tuple[httpx.Client, dict, dict]:
    """Three stations, LH-01 and LH-02 minutes apart, LH-03 far off, each with one
    shift a week; two volunteers who can be anywhere. Four seats stay open: two on
    Saturday morning at LH-01, one Saturday afternoon at LH-02, the Cantonese seat on
    Sunday at LH-03. (The API client, the district, the coordinator's headers.)"""
    api, district, coordinator = district_with_coordinator(base_url)
    for code, name, lat, lon, weekday, start, end, people, skill in STATIONS:
        station = api.post(
            "/stations",
            headers=coordinator,
            json={"code": code, "name": name, "kind": "community", "district_id": district["id"],
                  "address": "深圳", "lat": lat, "lon": lon},
        ).json()  # fmt: skip
        api.post(
            f"/stations/{station['id']}/shift-templates",
            headers=coordinator,
            json={"weekdays": [weekday], "start": start, "end": end, "min_volunteers": people,
                  "max_volunteers": people, "priority": 3,
                  "skill_requirements": [{"skill": skill, "count": 1}] if skill else []},
        ).raise_for_status()  # fmt: skip
    csv_text = (
        "name,phone,district_code,skills\n王小明,13800000011,LH,lang:en\n李华,13800000012,LH,\n"
    )
    api.post(
        "/volunteers/import", headers=coordinator, files={"file": ("v.csv", csv_text.encode())}
    ).raise_for_status()
    return api, district, coordinator


def solved(api: httpx.Client, district: dict, coordinator: dict) -> int:
    roster = api.post(
        "/rosters",
        headers=coordinator,
        json={"district_id": district["id"], "week": WEEK, "time_limit_seconds": 5},
    ).json()
    for _ in range(120):
        status = api.get(f"/rosters/{roster['id']}", headers=coordinator).json()["status"]
        if status == "draft":
            return roster["id"]
        assert status in ("queued", "solving"), status
        time.sleep(0.5)
    raise AssertionError("the roster did not solve within a minute")


def test_a_coordinator_reads_whom_to_recruit_and_where(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        api, district, coordinator = seed(base_url)
        worker = (
            start_worker(database_url, tmp_path / "worker.log") if kind == "postgresql" else None
        )
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        expect.set_options(timeout=15_000)
        try:
            roster_id = solved(api, district, coordinator)
            page.goto(f"{base_url}/console/rosters/{roster_id}")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()
            # The page does not wait for the advice: it says it is being worked out,
            # and its script puts the advice in place when the search is done.
            section = page.get_by_role("region", name="招募建议")
            expect(section).to_contain_text("按下列条件招募 3 名志愿者，可填补 4 个空缺中的 4 个。")
            advice = api.get(f"/rosters/{roster_id}/recruitment", headers=coordinator).json()
            assert (advice["open_seats"], advice["seats_filled"]) == (4, 4)
            assert advice["volunteers_needed"] == 3
            expect(section.get_by_role("listitem")).to_have_count(len(advice["profiles"]))
            expect(section).to_contain_text(
                "1 名具备 lang:yue 技能的志愿者（每周日 09:00–13:00，"
                "住在 LH-03 沙头角口岸 周边 15 分钟内），可填补 4 个空缺中的 1 个。"
            )
            section.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"recruitment-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="English").click()
            section = page.get_by_role("region", name="Recruitment")
            expect(section).to_contain_text(
                "Recruiting 3 volunteers as below fills 4 of the 4 open seats."
            )
            expect(section).to_contain_text(
                "1 volunteer with lang:yue, Sundays 09:00–13:00, within 15 min of LH-03 沙头角口岸 "
                "fills 1 of the 4 open seats."
            )
            section.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"recruitment-en-{kind}.png"), full_page=True)
            with page.expect_download() as download:
                section.get_by_role("link", name="Download recruitment CSV").click()
            rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
            assert len(rows) == len(advice["profiles"])
            assert {r["near_station_code"] for r in rows} >= {"LH-03"}

            # The map: the chosen roster's stations to recruit near, marked in orange.
            section.get_by_role("link", name="Where to recruit, on the map").focus()
            page.keyboard.press("Enter")  # by keyboard
            expect(page).to_have_url(re.compile(rf"/console/map\?roster={roster_id}$"))
            expect(page.get_by_label("Where to recruit for")).to_have_value(str(roster_id))
            where = page.get_by_role("region", name=re.compile("^Where to recruit"))
            expect(where).to_contain_text("Recruiting 3 volunteers as below fills 4 of the 4")
            marks = page.locator(".leaflet-tooltip", has_text="to recruit:")
            expect(marks).to_have_count(len({p["near_station_id"] for p in advice["profiles"]}))
            expect(
                page.locator(".leaflet-tooltip", has_text="LH-03 · to recruit: 1")
            ).to_be_visible()
            page.wait_for_load_state("load")
            page.screenshot(path=str(SHOTS / f"map-recruit-en-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="中文").click()
            expect(page.get_by_role("region", name=re.compile("^去哪里招募"))).to_contain_text(
                "按下列条件招募 3 名志愿者"
            )
            expect(
                page.locator(".leaflet-tooltip", has_text="LH-03 · 需招募：1 人")
            ).to_be_visible()
            page.screenshot(path=str(SHOTS / f"map-recruit-zh-{kind}.png"), full_page=True)
            # Choosing no roster leaves the map as it was.
            page.get_by_label("招募地点依据").select_option("")
            page.get_by_role("button", name="查看").click()
            expect(page.locator(".leaflet-tooltip", has_text="需招募")).to_have_count(0)
        finally:
            browser.close()
            if worker is not None:
                worker.stop()
    assert errors == []
