"""The console's teams and organisations in a real browser (Debian's chromium through
Playwright) against a real `uroster serve`, on SQLite and PostgreSQL:

- the admin creates an organisation (a refused form first) and its administrator;
- a coordinator creates a team of it, approves one volunteer who asked to join and
  turns another down, makes the first a lead, messages the team (a refused message
  first), and lets the team adopt Saturday seats on a station's page;
- the organisation's admin signs in, lands on its organisation, and sees its team
  only, on a desktop and on a 375 px phone, in Chinese and English;
- the new lead, a volunteer, is refused at the console's sign-in form.

Screenshots go to artifacts/console/teams-*.png; axe-core checks each page."""

import re

import httpx
import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import ADMIN, BOOTSTRAP, COORDINATOR, SHOTS
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

ORG_ADMIN = {"username": "zhou.min@example.org", "password": "Lotus-Canyon-Pebble-71"}
VOLUNTEER_PASSWORD = "walnut-signal-meadow-93"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 812}


def seed(base_url: str) -> dict:
    """罗湖区 (LH) with its coordinator 陈静 and a station, 福田区 (FT) with one too, and
    two volunteers of LH (王芳 and 李娜)."""
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
    stations = {}
    for district, code, name in ((luohu, "LH-01", "罗湖口岸志愿服务站"),
                                 (futian, "FT-01", "福田口岸志愿服务站")):  # fmt: skip
        stations[code] = api.post(
            "/stations",
            headers=admin,
            json={"code": code, "name": name, "kind": "port", "district_id": district["id"],
                  "address": "深圳市", "lat": 22.53, "lon": 114.11},
        ).json()  # fmt: skip
    volunteers = {}
    for name, phone in (("王芳", "13800000021"), ("李娜", "13800000022")):
        api.post(
            "/volunteers",
            json={"name": name, "phone": phone, "password": VOLUNTEER_PASSWORD,
                  "district_id": luohu["id"], "accept_privacy_notice": True},
        ).raise_for_status()  # fmt: skip
        login = api.post("/auth/token", data={"username": phone, "password": VOLUNTEER_PASSWORD})
        volunteers[name] = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return {"api": api, "station": stations["LH-01"], "volunteers": volunteers}


def test_organisations_teams_and_adoptions_in_the_console(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    db = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        world = seed(base_url)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Every answer but the refused forms (400, on purpose) is a success.
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status > 400 else None,
        )
        expect.set_options(timeout=10_000)

        def shot(name: str, lang: str, size: str = "desktop") -> None:
            page.screenshot(
                path=str(SHOTS / f"teams-{name}-{lang}-{size}-{db}.png"), full_page=True
            )
            assert_accessible(page)

        def sign_in(credentials: dict, path: str = "/console") -> None:
            page.goto(f"{base_url}{path}")
            page.get_by_label("邮箱或手机号").fill(credentials["username"])
            page.get_by_label("密码").fill(credentials["password"])
            page.get_by_role("button", name="登录").click()

        def sign_out() -> None:
            page.get_by_role("button", name=re.compile("退出登录|Sign out")).click()
            expect(page.get_by_role("button", name=re.compile("登录|Sign in"))).to_be_visible()

        try:
            # -- the admin: an organisation (refused once) and its administrator.
            sign_in(ADMIN)
            page.get_by_role("navigation", name="管理台").get_by_role("link", name="组织").click()
            new = page.get_by_role("form", name="新建组织")
            new.get_by_label("编号").fill("LH YOUTH")
            new.get_by_label("联系电话").fill("12")
            new.get_by_label("罗湖区 (LH)").check()
            new.get_by_role("button", name="创建组织").click()
            new = page.get_by_role("form", name="新建组织")
            expect(new.get_by_role("alert")).to_contain_text("组织未创建")
            expect(new.get_by_label("编号")).to_have_attribute("aria-invalid", "true")
            expect(new.get_by_label("名称")).to_have_attribute("aria-invalid", "true")
            expect(new.get_by_label("罗湖区 (LH)")).to_be_checked()  # kept
            shot("organisations-refused", "zh")
            new.get_by_label("编号").fill("LH-YOUTH")
            new.get_by_label("名称").fill("罗湖青年志愿者协会")
            new.get_by_label("联系人姓名").fill("周敏")
            new.get_by_label("联系电话").fill("13812345678")
            new.get_by_role("button", name="创建组织").click()
            expect(page.get_by_role("heading", name="罗湖青年志愿者协会 LH-YOUTH")).to_be_visible()
            expect(page.get_by_role("status")).to_have_text("组织已创建。")
            add = page.get_by_role("form", name="添加组织管理员")
            add.get_by_label("姓名").fill("周敏")
            add.get_by_label("邮箱").fill(ORG_ADMIN["username"])
            add.get_by_label("密码").fill(ORG_ADMIN["password"])
            add.get_by_role("button", name="添加组织管理员").click()
            expect(page.get_by_text(f"周敏 · {ORG_ADMIN['username']}")).to_be_visible()
            shot("organisation", "zh")
            sign_out()

            # -- the coordinator: a team of the organisation, its members, a message.
            sign_in(COORDINATOR)
            page.get_by_role("navigation", name="管理台").get_by_role("link", name="队伍").click()
            new_team = page.get_by_role("form", name="新建队伍")
            new_team.get_by_label("名称").fill("口岸先锋队")
            new_team.get_by_label("组织").select_option(label="罗湖青年志愿者协会")
            new_team.get_by_role("button", name="创建队伍").click()
            expect(page.get_by_role("heading", name="口岸先锋队")).to_be_visible()
            team_id = int(re.search(r"/console/teams/(\d+)", page.url)[1])
            for headers in world["volunteers"].values():  # both ask to join in the app
                world["api"].post(f"/teams/{team_id}/join", headers=headers).raise_for_status()
            page.reload()
            page.get_by_role("button", name="批准 王芳").click()
            expect(page.get_by_role("status")).to_have_text("已批准该成员。")
            page.get_by_role("button", name="删除 李娜").click()
            expect(page.get_by_text("李娜")).to_have_count(0)
            page.get_by_role("button", name="设为队长 王芳").click()
            expect(page.get_by_role("row", name=re.compile("王芳 队长"))).to_be_visible()
            message = page.get_by_role("region", name="给队伍发消息")
            message.get_by_label("消息内容").fill("周六八点半在罗湖口岸集合。")
            message.get_by_role("button", name="发送消息").click()
            message = page.get_by_role("region", name="给队伍发消息")
            expect(message.get_by_label("主题")).to_have_attribute("aria-invalid", "true")
            expect(message.get_by_label("消息内容")).to_have_value("周六八点半在罗湖口岸集合。")
            message.get_by_label("主题").fill("周六集合")
            message.get_by_role("button", name="发送消息").click()
            # 王芳 is its only member, and a lead; the sender is no member.
            expect(page.get_by_role("status")).to_have_text("消息已发送，收件人：1 位。")

            # A station's adoptions: the team adopts two Saturday seats (refused once).
            page.goto(f"{base_url}/console/stations/{world['station']['id']}")
            adoptions = page.get_by_role("region", name="队伍认领")
            adoptions.get_by_label("周六").uncheck()
            adoptions.get_by_role("button", name="添加认领").click()
            adoptions = page.get_by_role("region", name="队伍认领")
            expect(adoptions.get_by_text("请从列表中选择队伍。")).to_be_visible()
            expect(adoptions.get_by_text("请至少选择一天。")).to_be_visible()
            adoptions.get_by_label("队伍", exact=True).select_option(label="口岸先锋队")
            adoptions.get_by_label("周六").check()
            adoptions.get_by_label("开始时间").fill("09:00")
            adoptions.get_by_label("结束时间").fill("12:00")
            adoptions.get_by_label("席位").fill("2")
            adoptions.get_by_role("button", name="添加认领").click()
            remove = page.get_by_role("button", name="移除认领 口岸先锋队 周六 09:00–12:00")
            expect(remove).to_be_visible()
            page.get_by_role("region", name="队伍认领").scroll_into_view_if_needed()
            shot("station-adoptions", "zh")
            page.goto(f"{base_url}/console/teams/{team_id}")
            expect(page.get_by_role("link", name="罗湖口岸志愿服务站")).to_be_visible()
            shot("team", "zh")
            page.goto(f"{base_url}/console/teams/{team_id}?lang=en")
            expect(page.get_by_role("button", name="Make lead 王芳")).to_have_count(0)
            expect(page.get_by_role("button", name="Remove 王芳")).to_be_visible()
            shot("team", "en")
            sign_out()

            # -- the organisation's admin: its organisation and its team, nothing else.
            page.goto(f"{base_url}/console/login?lang=zh")
            sign_in(ORG_ADMIN)
            expect(page.get_by_role("heading", name="罗湖青年志愿者协会 LH-YOUTH")).to_be_visible()
            sections = page.get_by_role("navigation", name="管理台").get_by_role("link")
            expect(sections).to_have_text(["组织", "队伍"])
            expect(page.get_by_role("link", name="口岸先锋队")).to_be_visible()
            expect(page.get_by_role("link", name="下载 CSV")).to_be_visible()
            page.set_viewport_size(PHONE)
            shot("organisation-org-admin", "zh", "375")
            page.get_by_role("link", name="口岸先锋队").click()
            expect(page.get_by_role("heading", name="口岸先锋队")).to_be_visible()
            shot("team-org-admin", "zh", "375")
            page.goto(f"{base_url}/console/teams/{team_id}?lang=en")
            expect(page.get_by_role("heading", name="Members' verified hours")).to_be_visible()
            shot("team-org-admin", "en", "375")
            page.goto(f"{base_url}/console/teams")
            expect(page.get_by_role("link", name="口岸先锋队")).to_be_visible()
            page.set_viewport_size(DESKTOP)
            shot("teams-org-admin", "en")
            sign_out()

            # -- the lead is a volunteer: no console for her.
            page.goto(f"{base_url}/console/login?lang=zh")
            page.get_by_label("邮箱或手机号").fill("13800000021")
            page.get_by_label("密码").fill(VOLUNTEER_PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("alert")).to_contain_text("志愿者")
        finally:
            browser.close()
    # The refused forms answered 400 (on purpose); nothing else failed.
    assert errors == []
