"""The volunteer app in a real browser as a new volunteer uses it from WeChat on a
phone: Debian's chromium through Playwright with a 375x667 viewport and WeChat's user
agent, against a real `uroster serve` on a fresh SQLite file and a fresh PostgreSQL
database. The office is set up through the API (a district, its coordinator, a station
with a daily morning shift); the volunteer registers (first with a weak password),
marks their week on the grid, gets duties from a roster the coordinator publishes,
cancels one, loses the race for a last seat, takes another, and reads their hours.
Screenshots of every page in Chinese and English go to artifacts/app/."""

import re
import time
from datetime import timedelta

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import BOOTSTRAP, district_with_coordinator
from tests.e2e.test_kiosk_page import ARGS, ARTIFACTS, CHROMIUM
from tests.servers import migrate, running_server, start_worker, station_today

sync_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "app"
PHONE = {"width": 375, "height": 667}
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
VOLUNTEER = {"name": "林晓华", "phone": "13912345678", "password": "ginger-comet-harbour-71"}
FIRST_PAGE_LIMIT = 200 * 1024


def next_week() -> str:
    year, week, _ = (station_today() + timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def office(base_url: str) -> tuple[httpx.Client, dict, dict]:
    """Through the API: 罗湖区, its coordinator, a station with a morning shift every day
    for two volunteers; (API client, district, coordinator's headers)."""
    api, district, coordinator = district_with_coordinator(base_url)
    station = api.post(
        "/stations",
        headers=coordinator,
        json={"code": "LH-01", "name": "罗湖口岸志愿服务站", "kind": "port",
              "district_id": district["id"], "address": "人民南路 1 号",
              "lat": 22.532, "lon": 114.113},
    ).json()  # fmt: skip
    api.post(
        f"/stations/{station['id']}/shift-templates",
        headers=coordinator,
        json={"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "09:00", "end": "13:00",
              "min_volunteers": 1, "max_volunteers": 2, "priority": 4},
    ).raise_for_status()  # fmt: skip
    return api, district, coordinator


def publish_roster(api: httpx.Client, coordinator: dict, district: dict) -> None:
    roster = api.post(
        "/rosters",
        headers=coordinator,
        json={"district_id": district["id"], "week": next_week(), "time_limit_seconds": 5},
    ).json()
    deadline = time.monotonic() + 90
    while api.get(f"/rosters/{roster['id']}", headers=coordinator).json()["status"] != "draft":
        assert time.monotonic() < deadline, "the roster was not solved in time"
        time.sleep(0.3)
    api.post(f"/rosters/{roster['id']}/publish", headers=coordinator).raise_for_status()


def api_volunteer(api: httpx.Client, district: dict, name: str, phone: str) -> dict:
    """A volunteer registered through the API, available at any time; their headers."""
    password = "walnut-signal-meadow-93"
    api.post(
        "/volunteers",
        json={"name": name, "phone": phone, "password": password,
              "district_id": district["id"], "accept_privacy_notice": True},
    ).raise_for_status()  # fmt: skip
    token = api.post("/auth/token", data={"username": phone, "password": password}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    api.put(
        "/volunteers/me/availability", headers=headers, json={"availability_mode": "any_time"}
    ).raise_for_status()
    return headers


def shoot(page, name: str, kind: str, address: str | None = None) -> None:
    """This page in Chinese as it stands (a refused form included), and the same address
    in English in a second tab (axe on both); the language cookie is left at Chinese.
    `address`: the page to show in English when this one answered a form's post."""
    page.screenshot(path=str(SHOTS / f"{name}-zh-{kind}.png"), full_page=True)
    assert_accessible(page)
    other = page.context.new_page()
    try:
        url = (
            page.url
            if address is None
            else re.sub(r"(https?://[^/]+).*", r"\1", page.url) + address
        )
        other.goto(_with(url, "en"))
        other.screenshot(path=str(SHOTS / f"{name}-en-{kind}.png"), full_page=True)
        assert_accessible(other)
        other.goto(_with(url, "zh"))
    finally:
        other.close()


def _with(url: str, lang: str) -> str:
    if "lang=" in url:
        return re.sub(r"lang=\w+", f"lang={lang}", url)
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def assert_touch_targets(page) -> None:
    """Every control of the page is at least 44 px each way (a thumb, not a mouse)."""
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              'main button, main select, main input:not([type=hidden]):not([type=checkbox]),'
              + ' main label.check, main .links a, .tabs a, .bar a, .bar button, main summary')]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []


def assert_reflows_at_200_percent(page) -> None:
    """Text at 200 %: the page grows down, not sideways (the week grid may scroll)."""
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.evaluate("document.documentElement.style.fontSize = ''")
    assert overflow <= 0


def test_a_new_volunteer_uses_the_app_on_a_phone(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        api, district, coordinator = office(base_url)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        expected = (400, 409, 422)  # the refused forms below, on purpose
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.status not in expected
                else None
            ),
        )
        expect.set_options(timeout=15_000)
        try:
            # The first page, on a poor connection: everything it loads under 200 KB.
            sizes: list[int] = []

            def count(request) -> None:
                sizes.append(request.sizes()["responseBodySize"])

            page.on("requestfinished", count)
            page.goto(f"{base_url}/app")
            expect(page).to_have_url(f"{base_url}/app/login?next=%2Fapp")
            expect(page.get_by_role("heading", name="志愿者登录")).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.remove_listener("requestfinished", count)
            assert 0 < sum(sizes) < FIRST_PAGE_LIMIT, sizes
            assert page.locator('link[rel="manifest"]').count() == 1
            assert_touch_targets(page)
            shoot(page, "login", kind)

            # Register, first with a weak password: the reason in Chinese, fields kept.
            page.get_by_role("link", name="第一次来？注册成为志愿者").click()
            page.get_by_label("名称").fill(VOLUNTEER["name"])
            page.get_by_label("手机号").fill(VOLUNTEER["phone"])
            page.get_by_label("密码").fill("password1234")
            page.get_by_label("辖区").select_option(label="罗湖区")
            page.get_by_label("每周最多班次数").fill("2")
            page.get_by_label("我同意隐私声明").check()
            page.get_by_role("button", name="注册").click()
            expect(page.locator("#password-error")).to_contain_text("密码太容易被猜到")
            expect(page.get_by_label("名称")).to_have_value(VOLUNTEER["name"])
            expect(page.get_by_label("手机号")).to_have_value(VOLUNTEER["phone"])
            expect(page.get_by_label("每周最多班次数")).to_have_value("2")
            expect(page.get_by_label("密码")).to_have_value("")
            assert "easy to guess" not in page.content()
            assert_touch_targets(page)
            shoot(page, "register-refused", kind)
            page.get_by_label("密码").fill(VOLUNTEER["password"])
            page.get_by_label("我同意隐私声明").check()
            page.get_by_role("button", name="注册").click()

            # The week on the grid: Monday to Sunday 09:00-13:00 by taps, one by keyboard.
            expect(page.get_by_role("heading", name="可服务时间", exact=True)).to_be_visible()
            days = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
            for day in days[:6]:
                for hour in (
                    "09:00",
                    "09:30",
                    "10:00",
                    "10:30",
                    "11:00",
                    "11:30",
                    "12:00",
                    "12:30",
                ):
                    page.get_by_label(f"{day} {hour}", exact=True).locator("xpath=..").click()
            for hour in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"):
                page.get_by_label(f"周日 {hour}", exact=True).locator("xpath=..").click()
            page.get_by_label("周日 12:30", exact=True).focus()
            page.keyboard.press("ArrowDown")  # not available -> available
            expect(page.get_by_label("周日 12:30", exact=True)).to_have_value("a")
            # Two taps: preferred. (An evening: app/rosters/translate.py joins touching windows
            # of one kind only, so a shift half preferred, half available would not fit.)
            evening = page.get_by_label("周五 18:00", exact=True)
            evening.locator("xpath=..").click()
            evening.locator("xpath=..").click()
            expect(evening).to_have_value("p")
            page.get_by_role("button", name="保存").click()
            expect(page.get_by_role("status")).to_have_text("已保存。")
            expect(page.get_by_label("周三 11:30", exact=True)).to_have_value("a")
            assert_touch_targets(page)
            shoot(page, "availability", kind)

            # The coordinator publishes next week's roster (a worker solves it on PostgreSQL).
            worker = (
                start_worker(database_url, tmp_path / "worker.log")
                if kind == "postgresql"
                else None
            )
            try:
                publish_roster(api, coordinator, district)
            finally:
                if worker is not None:
                    worker.stop()

            page.get_by_role("link", name="我的值班").click()
            duties = page.locator("li.duty")
            expect(duties).to_have_count(2)  # the limit of 2 shifts a week
            expect(duties.first).to_contain_text("罗湖口岸志愿服务站")
            expect(duties.first).to_contain_text("09:00–13:00")
            expect(duties.first.get_by_role("link", name="添加到日历")).to_be_visible()
            assert_touch_targets(page)
            assert_reflows_at_200_percent(page)
            shoot(page, "duties", kind)

            duties.first.get_by_role("link", name="添加到日历").click()
            expect(page.get_by_role("link", name="下载此次值班（.ics）")).to_be_visible()
            page.get_by_role("button", name="生成我的日历地址").click()
            expect(page.get_by_label("您的日历地址")).to_have_value(
                re.compile(r"/api/v1/calendar/")
            )
            shoot(page, "calendar", kind)

            # Cancel one duty with a reason.
            page.get_by_role("link", name="返回我的值班").click()
            page.locator("li.duty").first.get_by_text("我来不了").click()
            page.locator("li.duty").first.get_by_label("原因").fill("临时出差")
            page.locator("li.duty").first.get_by_role("button", name="取消值班").click()
            expect(page.get_by_role("status")).to_have_text("值班已取消。感谢您及时告知。")
            expect(page.locator("li.duty")).to_have_count(1)

            # Open seats: two others race for one seat; the last one goes before our tap.
            page.get_by_role("link", name="空缺岗位").click()
            seats = page.locator("li.seat form")
            expect(seats.first).to_be_visible()
            contested = seats.first.get_attribute("action")
            shift_id = int(re.search(r"/app/open/(\d+)/signup", contested)[1])
            first = api_volunteer(api, district, "周一鸣", "13912345001")
            second = api_volunteer(api, district, "吴佳", "13912345002")
            assert api.post(f"/shifts/{shift_id}/signup", headers=first).status_code == 201
            page.reload()
            seat = page.locator(f'form[action="{contested}"]').locator("xpath=..")
            expect(seat).to_contain_text("空位：1")
            assert_touch_targets(page)
            shoot(page, "open", kind)
            assert api.post(f"/shifts/{shift_id}/signup", headers=second).status_code == 201
            seat.get_by_role("button", name="报名").click()
            expect(page.get_by_role("alert")).to_have_text(
                "抱歉，这个班次的最后一个空位刚刚被别人报走了。"
            )
            expect(page.locator(f'form[action="{contested}"]')).to_have_count(0)
            shoot(page, "open-lost-race", kind, address="/app/open")

            page.locator("li.seat").first.get_by_role("button", name="报名").click()
            expect(page.get_by_role("status")).to_have_text("报名成功，谢谢您！")
            expect(page.locator("li.duty")).to_have_count(2)
            page.get_by_role("link", name="空缺岗位").click()
            expect(page.get_by_text("不适合您：超出您本周 2 个班次的上限").first).to_be_visible()

            # Hours and settings.
            page.get_by_role("link", name="服务时长").click()
            expect(page.get_by_text("总时长：")).to_be_visible()
            shoot(page, "hours", kind)
            page.get_by_role("link", name="设置").click()
            expect(page.get_by_role("button", name="退出志愿服务")).to_be_visible()
            assert_touch_targets(page)
            shoot(page, "settings", kind)
            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        finally:
            browser.close()
    assert errors == []


def unsubscribe_link(database_url: str, base_url: str, volunteer_id: int, kind: str) -> str:
    """The link the volunteer's e-mails of `kind` carry, signed with the database's key
    (as the delivering worker signs it)."""
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.notifications import unsubscribe

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return f"{base_url}/unsubscribe/{unsubscribe.token(session, volunteer_id, kind)}"
    finally:
        engine.dispose()


def test_a_volunteer_chooses_how_they_hear_and_unsubscribes_from_a_mail(tmp_path):
    """The notifications section of the settings page on a phone, by keyboard, with a
    refused form, and the page an e-mail's unsubscribe link opens. On SQLite only: the
    same forms run over both databases in tests/api/test_notification_settings.py."""
    expect = sync_api.expect
    database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        api, district, _coordinator = office(base_url)
        headers = api_volunteer(api, district, "林晓华", VOLUNTEER["phone"])
        me = api.patch("/volunteers/me", headers=headers, json={"email": "lin@example.org"})
        me.raise_for_status()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.status != 422
            else None,
        )  # fmt: skip
        expect.set_options(timeout=15_000)
        try:
            page.goto(f"{base_url}/app/login?next=/app/settings")
            page.get_by_label("手机号").fill(VOLUNTEER["phone"])
            page.get_by_label("密码").fill("walnut-signal-meadow-93")
            page.get_by_role("button", name="登录").click()
            section = page.get_by_role("region", name="通知")
            expect(section.get_by_text("邮件将发送到 lin@example.org。")).to_be_visible()
            expect(section.get_by_label("给我发送邮件")).to_be_checked()
            expect(section.get_by_label("提前 1 天")).to_be_checked()
            expect(section.get_by_label("提前 2 小时")).to_be_checked()
            expect(section.get_by_label("免打扰开始")).to_have_value("22:00")

            # By keyboard: untick "2 hours", tick "30 minutes", type another time, choose
            # English messages, and quiet hours that end when they start.
            section.get_by_label("提前 2 小时").focus()
            page.keyboard.press("Space")
            page.keyboard.press("Tab")  # 1 hour before
            page.keyboard.press("Tab")  # 30 minutes before
            page.keyboard.press("Space")
            page.keyboard.press("Tab")
            page.keyboard.type("45")
            section.get_by_label("通知语言").select_option(label="English")
            section.get_by_label("免打扰结束").fill("22:00")
            section.get_by_role("button", name="保存").focus()
            page.keyboard.press("Enter")
            expect(page.locator("#quiet_hours-error")).to_have_text(
                "免打扰时段的结束时间不能与开始时间相同。"
            )
            section = page.get_by_role("region", name="通知")
            expect(section.get_by_label("提前 2 小时")).not_to_be_checked()  # kept as typed
            expect(section.get_by_label("提前 30 分钟")).to_be_checked()
            expect(section.get_by_label("其他时间（提前分钟数）")).to_have_value("45")
            assert_touch_targets(page)
            shoot(page, "settings-notifications-refused", "sqlite", address="/app/settings")

            section.get_by_label("免打扰结束").fill("06:30")
            section.get_by_role("button", name="保存").click()
            expect(page.get_by_role("status")).to_have_text("通知设置已保存。")
            chosen = api.get("/volunteers/me/notification-settings", headers=headers).json()
            assert chosen == {
                "channels": {"email": True},
                "language": "en",
                "quiet_hours": {"start": "22:00", "end": "06:30"},
                "reminder_minutes": [1440, 45, 30],
                "muted_kinds": [],
            }

            # A reminder's unsubscribe link, opened by someone not signed in: it asks first.
            link = unsubscribe_link(database_url, base_url, me.json()["id"], "reminder")
            mail_client = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
            other = mail_client.new_page()
            other.goto(link)
            expect(other.get_by_text("不再接收此类邮件：值班前提醒？")).to_be_visible()
            assert api.get("/volunteers/me/notification-settings", headers=headers).json()[
                "muted_kinds"
            ] == []  # fmt: skip
            assert_touch_targets(other)
            shoot(other, "unsubscribe", "sqlite")
            other.get_by_role("button", name="退订").click()
            expect(other.get_by_role("status")).to_have_text("您已不再接收此类邮件：值班前提醒。")
            shoot(other, "unsubscribe-done", "sqlite")
            mail_client.close()

            # Back in the app the kind is unticked; ticking it brings the reminders back.
            page.reload()
            section = page.get_by_role("region", name="通知")
            reminders = section.get_by_label("值班前提醒", exact=True)
            expect(reminders).not_to_be_checked()
            reminders.check()
            section.get_by_role("button", name="保存").click()
            expect(page.get_by_role("status")).to_have_text("通知设置已保存。")
            muted = api.get("/volunteers/me/notification-settings", headers=headers).json()
            assert muted["muted_kinds"] == []
            assert_touch_targets(page)
            shoot(page, "settings-notifications", "sqlite", address="/app/settings")
        finally:
            browser.close()
    assert errors == []
