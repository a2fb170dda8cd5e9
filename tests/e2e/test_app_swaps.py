"""A duty swap in the volunteer app as volunteers do it on their phones: Debian's
chromium through Playwright, 375x667 and WeChat's user agent, against a real `uroster
serve` (and on PostgreSQL a `uroster worker`) on both databases.

The office is set up through the API (tests/e2e/test_app_journey.py's helpers): a
station with a morning shift every day, and next week's roster gives 王小明 (A) his
duties. A offers one for swap on My duties; 李华 (B) sees it on /app/swaps and takes it
over while 吴佳 (C), whose page still shows it, taps a moment too late and is told so;
A's list no longer has the duty and B's does; the coordinator's roster page lists the
swap under History. Screenshots in zh and en: artifacts/app/duties-offered-*.png,
swaps-*.png."""

import re

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_app_journey import (
    PHONE,
    SHOTS,
    WECHAT,
    assert_reflows_at_200_percent,
    assert_touch_targets,
    next_week,
    office,
    publish_roster,
    shoot,
)
from tests.e2e.test_console_pages import BOOTSTRAP, COORDINATOR
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server, start_worker

sync_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "walnut-signal-meadow-93"
A = {"name": "王小明", "phone": "13912340001"}
B = {"name": "李华", "phone": "13912340002"}
C = {"name": "吴佳", "phone": "13912340003"}


def volunteer(api: httpx.Client, district: dict, who: dict) -> None:
    """Registered through the API, available at any time."""
    api.post(
        "/volunteers",
        json={"name": who["name"], "phone": who["phone"], "password": PASSWORD,
              "district_id": district["id"], "accept_privacy_notice": True},
    ).raise_for_status()  # fmt: skip
    token = api.post("/auth/token", data={"username": who["phone"], "password": PASSWORD}).json()
    api.put(
        "/volunteers/me/availability",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        json={"availability_mode": "any_time"},
    ).raise_for_status()


def published_roster_id(api: httpx.Client, coordinator: dict, district: dict) -> int:
    rosters = api.get(
        "/rosters",
        headers=coordinator,
        params={"district_id": district["id"], "week": next_week()},
    ).json()
    [roster] = [r for r in rosters if r["status"] == "published"]
    return roster["id"]


def phone_page(browser, base_url: str, who: dict, errors: list[str]):
    """A phone of its own (cookies and all), signed in to the app as `who`."""
    context = browser.new_context(
        viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        # 409: C's late tap, on purpose.
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.status != 409 else None
        ),
    )
    page.goto(f"{base_url}/app")
    page.get_by_label("手机号").fill(who["phone"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    sync_api.expect(page.get_by_role("heading", name="我的值班")).to_be_visible()
    return page


def test_a_volunteer_takes_over_anothers_duty_on_a_phone(database_url, tmp_path):
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
        volunteer(api, district, A)
        # Next week's roster gives A his duties (a worker solves it on PostgreSQL).
        worker = (
            start_worker(database_url, tmp_path / "worker.log") if kind == "postgresql" else None
        )
        try:
            publish_roster(api, coordinator, district)
        finally:
            if worker is not None:
                worker.stop()
        roster_id = published_roster_id(api, coordinator, district)
        # B and C join after the roster was published: none of its duties are theirs.
        volunteer(api, district, B)
        volunteer(api, district, C)
        expect.set_options(timeout=15_000)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # A offers his first duty.
            a = phone_page(browser, base_url, A, errors)
            duties = a.locator("li.duty")
            expect(duties.first).to_contain_text("罗湖口岸志愿服务站")
            count = duties.count()
            first = duties.first
            when = first.locator(".when").inner_text()
            first.get_by_role("button", name="发起换班").click()
            expect(a.get_by_role("status")).to_have_text(
                "已为这次值班发起换班。在有人接班之前，仍由您负责。"
            )
            expect(a.locator("li.duty")).to_have_count(count)  # still his
            offered = a.locator("li.duty").filter(has_text=when)
            expect(offered).to_contain_text("已发起换班")
            expect(offered.get_by_role("button", name="撤回换班")).to_be_visible()
            expect(offered.get_by_role("button", name="发起换班")).to_have_count(0)
            assert_touch_targets(a)
            assert_reflows_at_200_percent(a)
            shoot(a, "duties-offered", kind, address="/app")
            # In English the controls carry the names of ../shared/UI.md.
            a.goto(f"{base_url}/app?lang=en")
            expect(
                a.locator("li.duty").nth(1).get_by_role("button", name="Offer for swap")
            ).to_be_visible()
            expect(a.locator("li.duty").first).to_contain_text("Offered for swap")
            a.goto(f"{base_url}/app?lang=zh")

            # B and C both see it on /app/swaps, with its station and local time.
            b = phone_page(browser, base_url, B, errors)
            c = phone_page(browser, base_url, C, errors)
            for page in (b, c):
                page.get_by_role("link", name="换班").click()
                expect(page.get_by_role("heading", name="换班", exact=True)).to_be_visible()
                offer = page.locator("li.offer")
                expect(offer).to_have_count(1)
                expect(offer).to_contain_text("罗湖口岸志愿服务站")
                expect(offer).to_contain_text("人民南路 1 号")
                expect(offer.locator(".when")).to_have_text(when)
                assert "王小明" not in page.content()  # who offered it is not said
            assert_touch_targets(b)
            assert_reflows_at_200_percent(b)
            shoot(b, "swaps", kind)
            b.goto(f"{base_url}/app/swaps?lang=en")
            expect(b.get_by_role("button", name="Take over")).to_be_visible()
            b.goto(f"{base_url}/app/swaps?lang=zh")

            # B takes it over, by keyboard; C's tap comes a moment later.
            b.locator("li.offer").get_by_role("button", name="接班").focus()
            b.keyboard.press("Enter")
            expect(b.get_by_role("status")).to_have_text(
                "接班成功，这次值班现在由您负责。感谢您的帮忙！"
            )
            expect(b.locator("li.duty")).to_have_count(1)
            expect(b.locator("li.duty .when")).to_have_text(when)
            c.locator("li.offer").get_by_role("button", name="接班").click()
            expect(c.get_by_role("alert")).to_have_text("抱歉，这次值班刚刚被别人接走了。")
            expect(c.locator("li.offer")).to_have_count(0)
            assert_touch_targets(c)
            shoot(c, "swaps-lost-race", kind, address="/app/swaps")

            # A's list no longer has it; his offers say what became of it.
            a.reload()
            expect(a.locator("li.duty")).to_have_count(count - 1)
            expect(a.locator("li.duty").filter(has_text=when)).to_have_count(0)
            a.get_by_role("link", name="换班").click()
            mine = a.locator("li.my-offer")
            expect(mine).to_have_count(1)
            expect(mine).to_contain_text("已由其他志愿者接班")
            expect(mine.locator(".when")).to_have_text(when)
            assert_touch_targets(a)
            shoot(a, "swaps-offerer", kind)

            # The coordinator reads the swap in the roster's history.
            desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            console = desk.new_page()
            console.on("pageerror", lambda error: errors.append(str(error)))
            console.goto(f"{base_url}/console/rosters/{roster_id}")
            console.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            console.get_by_label("密码").fill(COORDINATOR["password"])
            console.get_by_role("button", name="登录").click()
            expect(console).to_have_url(re.compile(rf"/console/rosters/{roster_id}$"))
            history = console.get_by_role("region", name="变更记录")
            rows = history.get_by_role("row")
            expect(rows).to_have_count(2)  # the header and the swap
            expect(rows.nth(1)).to_contain_text("李华")
            expect(rows.nth(1)).to_contain_text("接替了王小明的值班")
            history.scroll_into_view_if_needed()
            console.screenshot(path=str(SHOTS / f"swaps-history-zh-{kind}.png"), full_page=True)
            assert_accessible(console)
        finally:
            browser.close()
    assert errors == []
