"""A volunteer team on phones: Debian's chromium through Playwright, 375x667 and
WeChat's user agent, against a real `uroster serve` (and on PostgreSQL a `uroster
worker`) on both databases.

The office is set up through the API (tests/e2e/test_app_journey.py's helpers): a
station with a morning shift every day, 罗湖青年志愿队 with 王队长 (A) its lead, who
gives one shift a week, and the team's adoption of one seat of every morning there.
Next week's roster leaves most adopted seats open (they are kept for the members). 李华
(B) asks to join on /app/teams; A approves her request on the team's page, tries to put
himself on an adopted seat (the validator refuses: his one shift a week) and then puts
B on it; B finds the duty under My duties. A reads the team's duties and hours, and
sends the team a message. Screenshots in zh and en: artifacts/app/teams-*.png."""

import re

import httpx
import pytest

from tests.e2e.test_app_journey import (
    PHONE,
    SHOTS,
    WECHAT,
    assert_reflows_at_200_percent,
    assert_touch_targets,
    office,
    publish_roster,
    shoot,
)
from tests.e2e.test_console_pages import BOOTSTRAP
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server, start_worker

sync_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "walnut-signal-meadow-93"
LEAD = {"name": "王队长", "phone": "13912340011", "max_shifts_per_week": 1}
MEMBER = {"name": "李华", "phone": "13912340012"}
TEAM = "罗湖青年志愿队"


def volunteer(api: httpx.Client, district: dict, who: dict) -> dict:
    """Registered through the API, available at any time; their profile."""
    limits = {k: v for k, v in who.items() if k.startswith("max_")}
    api.post(
        "/volunteers",
        json={"name": who["name"], "phone": who["phone"], "password": PASSWORD,
              "district_id": district["id"], "accept_privacy_notice": True} | limits,
    ).raise_for_status()  # fmt: skip
    token = api.post("/auth/token", data={"username": who["phone"], "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    api.put(
        "/volunteers/me/availability", headers=headers, json={"availability_mode": "any_time"}
    ).raise_for_status()
    return api.get("/volunteers/me", headers=headers).json()


def team_with_adoption(api: httpx.Client, district: dict, coordinator: dict, lead: dict) -> dict:
    """The team, its lead, and one adopted seat of every morning at LH-01."""
    team = api.post(
        "/teams", headers=coordinator, json={"district_id": district["id"], "name": TEAM}
    )
    team.raise_for_status()
    api.post(
        f"/teams/{team.json()['id']}/leads", headers=coordinator, json={"volunteer_id": lead["id"]}
    ).raise_for_status()
    [station] = api.get("/stations", headers=coordinator).json()["items"]
    api.post(
        f"/stations/{station['id']}/adoptions",
        headers=coordinator,
        json={"team_id": team.json()["id"], "weekdays": [1, 2, 3, 4, 5, 6, 7],
              "start": "09:00", "end": "13:00", "seats": 1},
    ).raise_for_status()  # fmt: skip
    return team.json()


def phone_page(browser, base_url: str, who: dict, errors: list[str]):
    """A phone of its own, signed in to the app as `who`; 409 and 422 are the refused
    forms below, on purpose."""
    context = browser.new_context(
        viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.status not in (409, 422)
            else None
        ),
    )
    page.goto(f"{base_url}/app")
    page.get_by_label("手机号").fill(who["phone"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    sync_api.expect(page.get_by_role("heading", name="我的值班")).to_be_visible()
    return page


def test_a_member_joins_and_the_lead_puts_her_on_an_adopted_seat(database_url, tmp_path):
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
        lead = volunteer(api, district, LEAD)
        team = team_with_adoption(api, district, coordinator, lead)
        worker = (
            start_worker(database_url, tmp_path / "worker.log") if kind == "postgresql" else None
        )
        try:
            publish_roster(api, coordinator, district)
        finally:
            if worker is not None:
                worker.stop()
        volunteer(api, district, MEMBER)  # after the roster: none of its duties are hers
        expect.set_options(timeout=15_000)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # B asks to join.
            b = phone_page(browser, base_url, MEMBER, errors)
            b.get_by_role("link", name="队伍").click()
            expect(b.get_by_role("heading", name="队伍", exact=True)).to_be_visible()
            expect(b.get_by_text("您还没有加入队伍。")).to_be_visible()
            card = b.locator("li.joinable").filter(has_text=TEAM)
            expect(card).to_contain_text("罗湖区")
            assert_touch_targets(b)
            assert_reflows_at_200_percent(b)
            shoot(b, "teams-join", kind)
            card.get_by_role("button", name="申请加入").click()
            expect(b.get_by_role("status")).to_have_text("已提交入队申请。队长审批后会显示在这里。")
            mine = b.locator("li.my-team").filter(has_text=TEAM)
            expect(mine).to_contain_text("已申请加入：由队长审批。")
            expect(mine.get_by_role("button", name="撤回申请")).to_be_visible()
            shoot(b, "teams-pending", kind, address="/app/teams")
            b.goto(f"{base_url}/app/teams?lang=en")
            expect(
                b.locator("li.my-team").get_by_role("button", name="Take the request back")
            ).to_be_visible()
            b.goto(f"{base_url}/app/teams?lang=zh")

            # A approves her, by keyboard.
            a = phone_page(browser, base_url, LEAD, errors)
            a.get_by_role("link", name="队伍").click()
            led = a.locator("li.my-team").filter(has_text=TEAM)
            expect(led.locator(".badge")).to_have_text("队长")
            led.get_by_role("link", name="管理队伍").click()
            expect(a.get_by_role("heading", name=TEAM)).to_be_visible()
            request = a.locator("li.request").filter(has_text="李华")
            expect(request).to_have_count(1)
            assert_touch_targets(a)
            assert_reflows_at_200_percent(a)
            shoot(a, "teams-members", kind)
            request.get_by_role("button", name="批准").focus()
            a.keyboard.press("Enter")
            expect(a.get_by_role("status")).to_have_text("该志愿者现已成为队伍成员。")
            expect(a.locator("ul.members")).to_contain_text("李华")
            expect(a.locator("li.request")).to_have_count(0)

            # The adopted seats: A on one is refused (his one shift a week), B is put on it.
            a.get_by_role("link", name="认领空缺").click()
            seats = a.locator("li.adopted-seat")
            expect(seats.first).to_be_visible()
            seat = seats.first
            when = seat.locator(".when").inner_text()
            station = seat.locator("h3").inner_text()
            action = seat.locator("form").get_attribute("action")
            assert_touch_targets(a)
            shoot(a, "teams-seats", kind)
            seat.get_by_role("button", name="安排").click()  # nobody chosen
            field = a.locator(f'form[action="{action}"]').get_by_label("成员")
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(a.get_by_role("alert")).to_have_text("请从列表中选择一名成员。")
            field.select_option(label="王队长")
            a.locator(f'form[action="{action}"]').get_by_role("button", name="安排").click()
            field = a.locator(f'form[action="{action}"]').get_by_label("成员")
            expect(a.get_by_role("alert")).to_have_text(
                "该成员不能担任这个岗位：超出其本周的班次上限。"
            )
            expect(field).to_have_value(str(lead["id"]))  # the choice stays
            assert_touch_targets(a)
            shoot(a, "teams-seats-refused", kind, address=f"/app/teams/{team['id']}/seats")
            # By keyboard: the member's field, her name, then the button.
            field.focus()
            field.select_option(label="李华")
            a.keyboard.press("Tab")
            expect(a.locator(f'form[action="{action}"]').get_by_role("button")).to_be_focused()
            a.keyboard.press("Enter")
            expect(a.get_by_role("status")).to_have_text("已为成员安排岗位，会显示在其值班中。")
            expect(a.locator(f'form[action="{action}"]')).to_have_count(0)

            # B finds the duty under My duties.
            b.get_by_role("link", name="我的值班").click()
            duty = b.locator("li.duty")
            expect(duty).to_have_count(1)
            expect(duty.locator(".when")).to_have_text(when)
            expect(duty.locator("h2")).to_have_text(station)
            shoot(b, "teams-member-duty", kind)
            b.get_by_role("link", name="队伍").click()
            b.locator("li.my-team").get_by_role("link", name=re.compile("队伍页面")).click()
            expect(b.get_by_text("您是这支队伍的成员。")).to_be_visible()
            assert "王队长" not in b.content()  # a member sees no one else
            shoot(b, "teams-member-view", kind)

            # A: the team's duties next week, hours, and a message.
            a.get_by_role("link", name="队伍值班").click()
            a.get_by_role("link", name="下周").click()
            expect(a.locator("li.team-duty").filter(has_text="李华")).to_contain_text(when)
            shoot(a, "teams-duties", kind)
            a.get_by_role("link", name="成员时长").click()
            expect(a.get_by_text("总时长：")).to_be_visible()
            a.get_by_label("开始日期").fill("2026-03-10")
            a.get_by_label("结束日期").fill("2026-03-01")
            a.get_by_role("button", name="查看").click()
            expect(a.locator("#hours-to-error")).to_have_text("不能早于开始日期。")
            shoot(a, "teams-hours-refused", kind)
            a.get_by_role("link", name="给队伍发消息").click()
            a.get_by_role("button", name="发送消息").click()
            expect(a.locator("#message-subject-error")).to_be_visible()
            expect(a.get_by_label("主题")).to_have_attribute("aria-invalid", "true")
            a.get_by_label("主题").fill("周六集合")
            a.get_by_label("消息内容").fill("8:30 在罗湖站门口集合，请穿志愿者马甲。")
            a.get_by_role("button", name="发送消息").click()
            expect(a.get_by_role("status")).to_have_text("消息已发送给队伍的 1 名成员。")
            assert_touch_targets(a)
            shoot(a, "teams-message", kind)
        finally:
            browser.close()
    assert errors == []
