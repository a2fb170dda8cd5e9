"""Teams in the volunteer app (/app/teams and a lead's pages below it) through the real
app over HTTP, on SQLite and PostgreSQL: my teams and joining one, a lead's members,
duties, adopted seats, hours and message, every refusal said in the page's language
next to what it is about, who may use each page, and CSRF. The browser journey is
tests/e2e/test_app_teams.py; the services' own rules are tested through the API by
the teams' and adoptions' tests."""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.accounts import service as account_service
from app.accounts.models import Role
from app.db import utcnow
from app.hours.models import ServiceHours
from app.notifications.models import EventKind, OutboxMessage
from app.organisations.models import Organisation
from app.rosters.models import Assignment, AssignmentStatus
from app.teams.models import Adoption, MembershipStatus, Team, TeamMember
from app.volunteers.models import AvailabilityMode, Volunteer
from tests.api.conftest import Caller, World, make_caller
from tests.api.test_app_pages import as_caller, csrf
from tests.api.test_duties import LOCAL, add_shift, another_volunteer, assign
from tests.api.test_kiosks import new_kiosk


@dataclass
class Teams:
    """District A's 港湾志愿队 (Harbour): led by Wang Li (the world's volunteer), with
    张小明 (other_volunteer) a member and Chen Jie asking to join; Riverside, also of A,
    led by Zhao Lei; Border, of district B. Li Na, of A, is in no team."""

    harbour: Team
    riverside: Team
    border: Team
    pending: Caller
    stranger: Caller
    other_lead: Caller


def member(session, team: Team, volunteer_id: int, *, lead=False, pending=False) -> TeamMember:
    row = TeamMember(
        team_id=team.id,
        volunteer_id=volunteer_id,
        status=MembershipStatus.pending if pending else MembershipStatus.approved,
        is_lead=lead,
        approved_at=None if pending else utcnow(),
    )
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def teams(session, world: World) -> Teams:
    harbour = Team(district_id=world.district_a.id, name="港湾志愿队")
    riverside = Team(district_id=world.district_a.id, name="Riverside")
    border = Team(district_id=world.district_b.id, name="Border")
    session.add_all([harbour, riverside, border])
    session.commit()
    pending = another_volunteer(session, world, "Chen Jie", "13800000003")
    stranger = another_volunteer(session, world, "Li Na", "13800000004")
    other_lead = another_volunteer(session, world, "Zhao Lei", "13800000005")
    member(session, harbour, world["volunteer"].volunteer_id, lead=True)
    member(session, harbour, world["other_volunteer"].volunteer_id)
    member(session, harbour, pending.volunteer_id, pending=True)
    member(session, riverside, other_lead.volunteer_id, lead=True)
    return Teams(harbour, riverside, border, pending, stranger, other_lead)


def as_(client, caller: Caller) -> None:
    client.cookies.clear()
    client.cookies.set("uroster_session", caller.token)


def post(client, path: str, data: dict | None = None, page: str = "/app/teams"):
    """A form post with the token of the page it is sent from."""
    token = csrf(client.get(page).text)
    return client.post(path, data={"csrf_token": token} | (data or {}), follow_redirects=False)


def membership(session, team: Team, volunteer_id: int) -> tuple[str, bool] | None:
    session.expire_all()
    row = session.get(TeamMember, (team.id, volunteer_id))
    return None if row is None else (row.status, row.is_lead)


def card_of(page_text: str, marker: str) -> str:
    """The <li> card of a list that contains `marker`."""
    for card in re.findall(r"<li class=\"card[^\"]*\">(.*?)</li>", page_text, re.S):
        if marker in card:
            return card
    raise AssertionError(f"no card with {marker!r}")


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# -- my teams, joining and leaving -------------------------------------------------------------


def test_my_teams_show_status_and_the_leads_badge(client, world, teams):
    as_caller(client, world, "volunteer")
    page = client.get("/app/teams", params={"lang": "en"})

    assert page.status_code == 200
    assert 'aria-current="page">Teams</a>' in page.text
    mine = card_of(page.text, "港湾志愿队")
    assert '<span class="badge">Lead</span>' in mine
    assert "You lead this team." in mine and "District A" in mine
    assert f'href="/app/teams/{teams.harbour.id}"' in mine and "Run the team" in mine
    assert f'action="/app/teams/{teams.harbour.id}/leave"' in mine and ">Leave</button>" in mine
    # District A's other team may be joined; district B's is not offered.
    joinable = card_of(page.text, "Riverside")
    assert f'action="/app/teams/{teams.riverside.id}/join"' in joinable
    assert ">Join</button>" in joinable
    assert "Border" not in page.text

    as_(client, teams.pending)
    asking = client.get("/app/teams", params={"lang": "en"})
    card = card_of(asking.text, "港湾志愿队")
    assert "Asked to join: a lead of the team will decide." in card
    assert ">Take the request back</button>" in card and "badge" not in card
    assert f'href="/app/teams/{teams.harbour.id}"' not in card


def test_a_volunteer_in_no_team_is_told_so_and_one_without_a_district_too(
    client, session, world, teams
):
    as_(client, teams.stranger)
    page = client.get("/app/teams", params={"lang": "en"})
    assert "You are not in a team yet." in page.text
    assert ">Join</button>" in card_of(page.text, "港湾志愿队")

    volunteer = session.get(Volunteer, teams.stranger.volunteer_id)
    volunteer.district_id = None
    session.commit()
    page = client.get("/app/teams", params={"lang": "en"})
    assert "Choose your district under Availability to see its teams." in page.text
    assert "Riverside" not in page.text


def test_a_volunteer_asks_to_join_and_the_request_shows_as_pending(client, session, world, teams):
    as_(client, teams.stranger)

    asked = post(client, f"/app/teams/{teams.harbour.id}/join")

    assert asked.status_code == 303 and asked.headers["location"] == "/app/teams?done=requested"
    assert membership(session, teams.harbour, teams.stranger.volunteer_id) == ("pending", False)
    page = client.get("/app/teams", params={"lang": "en", "done": "requested"})
    assert "You asked to join. A lead of the team will decide; it shows here." in page.text
    assert "Asked to join" in card_of(page.text, "港湾志愿队")
    # The lead sees the request.
    as_caller(client, world, "volunteer")
    lead = client.get(f"/app/teams/{teams.harbour.id}", params={"lang": "en"})
    assert "Approve" in card_of(lead.text, "Li Na")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "You have asked to join this team already; a lead will decide."),
        ("zh", "您已经申请加入这支队伍，等待队长审批。"),
    ],
)
def test_asking_twice_is_refused_next_to_the_team(client, session, world, teams, lang, message):
    """A second tab still shows Join after the first asked."""
    as_(client, teams.stranger)
    stale = csrf(client.get("/app/teams").text)
    assert post(client, f"/app/teams/{teams.harbour.id}/join").status_code == 303

    again = client.post(
        f"/app/teams/{teams.harbour.id}/join?lang={lang}",
        data={"csrf_token": stale},
        follow_redirects=False,
    )

    assert again.status_code == 409
    error = f'<p class="field-error" id="team-{teams.harbour.id}-error" role="alert">{message}</p>'
    assert error in card_of(again.text, "港湾志愿队")
    assert membership(session, teams.harbour, teams.stranger.volunteer_id) == ("pending", False)


def test_a_member_asking_again_is_told_they_are_in_it(client, session, world, teams):
    as_caller(client, world, "other_volunteer")
    again = post(client, f"/app/teams/{teams.harbour.id}/join?lang=en")
    assert again.status_code == 409
    assert "You are in this team already." in card_of(again.text, "港湾志愿队")
    assert membership(session, teams.harbour, world["other_volunteer"].volunteer_id) == (
        "approved",
        False,
    )


def test_another_districts_team_cannot_be_joined(client, session, world, teams):
    as_(client, teams.stranger)
    refused = post(client, f"/app/teams/{teams.border.id}/join?lang=en")
    assert refused.status_code == 409
    # Not listed on the page, so the message stands above the lists.
    assert (
        '<p class="error" role="alert">This team belongs to another district; '
        "you may join your district&#39;s teams.</p>" in refused.text
    )
    assert membership(session, teams.border, teams.stranger.volunteer_id) is None


def test_an_unknown_team_is_not_found(client, world, teams):
    as_caller(client, world, "volunteer")
    for path in ["/app/teams/999999/join", "/app/teams/999999/leave"]:
        response = post(client, f"{path}?lang=en")
        assert response.status_code == 404, path
    page = client.get("/app/teams/999999", params={"lang": "en"})
    assert page.status_code == 404 and "This page does not exist" in page.text


def test_a_member_leaves_and_a_request_is_taken_back(client, session, world, teams):
    as_caller(client, world, "other_volunteer")
    left = post(client, f"/app/teams/{teams.harbour.id}/leave")
    assert left.status_code == 303 and left.headers["location"] == "/app/teams?done=left"
    assert membership(session, teams.harbour, world["other_volunteer"].volunteer_id) is None
    page = client.get("/app/teams", params={"lang": "en", "done": "left"})
    assert "You are no longer in the team." in page.text
    assert ">Join</button>" in card_of(page.text, "港湾志愿队")

    as_(client, teams.pending)
    back = post(client, f"/app/teams/{teams.harbour.id}/leave")
    assert back.headers["location"] == "/app/teams?done=withdrawn"
    assert membership(session, teams.harbour, teams.pending.volunteer_id) is None
    page = client.get("/app/teams", params={"lang": "zh", "done": "withdrawn"})
    assert "已撤回入队申请。" in page.text


def test_leaving_twice_is_said_on_the_page(client, session, world, teams):
    as_caller(client, world, "other_volunteer")
    stale = csrf(client.get("/app/teams").text)
    assert post(client, f"/app/teams/{teams.harbour.id}/leave").status_code == 303
    again = client.post(
        f"/app/teams/{teams.harbour.id}/leave?lang=en",
        data={"csrf_token": stale},
        follow_redirects=False,
    )
    assert again.status_code == 404
    assert "You are not in this team (any more)." in card_of(again.text, "港湾志愿队")


# -- one team: the member's view and the lead's members ----------------------------------------


def test_a_member_sees_the_team_and_their_own_status_only(client, world, teams):
    as_caller(client, world, "other_volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}", params={"lang": "en"})

    assert page.status_code == 200
    assert "<h1>港湾志愿队</h1>" in page.text and "District A" in page.text
    assert "You are a member of this team." in page.text
    # No one else's name, no lead's controls.
    for hidden in ["Wang Li", "Chen Jie", "Approve", "Requests to join", "Open adopted seats"]:
        assert hidden not in page.text

    as_(client, teams.pending)
    page = client.get(f"/app/teams/{teams.harbour.id}", params={"lang": "en"})
    assert "Asked to join: a lead of the team will decide." in page.text
    assert "Wang Li" not in page.text and "张小明" not in page.text


def test_the_lead_sees_members_and_requests(client, world, teams):
    as_caller(client, world, "volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}", params={"lang": "en"})

    assert page.status_code == 200
    assert 'aria-current="page">Members</a>' in page.text
    request = card_of(page.text, "Chen Jie")
    volunteer_id = teams.pending.volunteer_id
    assert f'action="/app/teams/{teams.harbour.id}/members/{volunteer_id}/approve"' in request
    assert ">Approve</button>" in request and ">Decline</button>" in request
    assert "Asked on" in request
    members = text_of(page.text.split('id="members-heading">')[1])
    assert members.startswith("Members (2)")
    assert "Wang Li Lead" in members and "张小明" in members and "Chen Jie" not in members
    # Names only: no way to reach a member.
    assert "13800000002" not in page.text and "13800000003" not in page.text
    for path in ["duties", "seats", "hours", "message"]:
        assert f'href="/app/teams/{teams.harbour.id}/{path}"' in page.text


def test_the_lead_approves_and_declines(client, session, world, teams):
    fourth = another_volunteer(session, world, "Sun Mei", "13800000006")
    member(session, teams.harbour, fourth.volunteer_id, pending=True)
    as_caller(client, world, "volunteer")
    team_page = f"/app/teams/{teams.harbour.id}"

    approved = post(
        client, f"{team_page}/members/{teams.pending.volunteer_id}/approve", page=team_page
    )
    declined = post(client, f"{team_page}/members/{fourth.volunteer_id}/decline", page=team_page)

    assert approved.status_code == declined.status_code == 303
    assert approved.headers["location"] == f"{team_page}?done=approved"
    assert declined.headers["location"] == f"{team_page}?done=declined"
    assert membership(session, teams.harbour, teams.pending.volunteer_id) == ("approved", False)
    assert membership(session, teams.harbour, fourth.volunteer_id) is None
    page = client.get(team_page, params={"lang": "zh", "done": "approved"})
    assert "该志愿者现已成为队伍成员。" in page.text
    assert "目前没有待审批的入队申请。" in page.text
    # Chen is a member now: the team's page is theirs to see.
    as_(client, teams.pending)
    assert "您是这支队伍的成员。" in client.get(team_page, params={"lang": "zh"}).text


def test_a_request_taken_back_meanwhile_is_said_where_it_stood(client, session, world, teams):
    team_page = f"/app/teams/{teams.harbour.id}"
    as_caller(client, world, "volunteer")
    stale = csrf(client.get(team_page).text)
    as_(client, teams.pending)
    assert post(client, f"/app/teams/{teams.harbour.id}/leave").status_code == 303

    as_caller(client, world, "volunteer")
    answers = [
        client.post(
            f"{team_page}/members/{teams.pending.volunteer_id}/{action}?lang=en",
            data={"csrf_token": stale},
            follow_redirects=False,
        )
        for action in ("approve", "decline")
    ]
    for answer in answers:
        assert answer.status_code in (404, 409)
        assert '<p class="error" role="alert">This request is no longer open.</p>' in answer.text
    assert membership(session, teams.harbour, teams.pending.volunteer_id) is None


def test_a_volunteer_who_moved_away_is_not_approved(client, session, world, teams):
    moved = session.get(Volunteer, teams.pending.volunteer_id)
    moved.district_id = world.district_b.id
    session.commit()
    team_page = f"/app/teams/{teams.harbour.id}"
    as_caller(client, world, "volunteer")

    refused = post(client, f"{team_page}/members/{moved.id}/approve?lang=en", page=team_page)

    assert refused.status_code == 409
    assert (
        f'<p class="field-error" id="member-{moved.id}-error" role="alert">This volunteer has '
        "moved to another district and cannot join this team.</p>"
    ) in card_of(refused.text, "Chen Jie")
    assert membership(session, teams.harbour, moved.id) == ("pending", False)


def test_decline_is_for_requests_not_members(client, session, world, teams):
    """A member is not removed by a lead's Decline (removing is the coordinator's)."""
    team_page = f"/app/teams/{teams.harbour.id}"
    as_caller(client, world, "volunteer")
    other = world["other_volunteer"].volunteer_id
    refused = post(client, f"{team_page}/members/{other}/decline?lang=en", page=team_page)
    assert refused.status_code == 409
    assert "This request is no longer open." in refused.text
    assert membership(session, teams.harbour, other) == ("approved", False)


# -- who may use the pages, and CSRF -----------------------------------------------------------


def lead_pages(team: Team) -> list[str]:
    base = f"/app/teams/{team.id}"
    return [f"{base}/duties", f"{base}/seats", f"{base}/hours", f"{base}/message"]


def lead_posts(team: Team, world: World, teams: Teams) -> list[tuple[str, dict]]:
    base = f"/app/teams/{team.id}"
    return [
        (f"{base}/members/{teams.pending.volunteer_id}/approve", {}),
        (f"{base}/members/{teams.pending.volunteer_id}/decline", {}),
        (f"{base}/message", {"subject": "Hello", "body": "Hi all"}),
        (f"{base}/seats/1/assign", {"volunteer_id": str(world["other_volunteer"].volunteer_id)}),
    ]


def nothing_changed(session, world: World, teams: Teams) -> None:
    assert membership(session, teams.harbour, teams.pending.volunteer_id) == ("pending", False)
    assert membership(session, teams.harbour, world["other_volunteer"].volunteer_id) == (
        "approved",
        False,
    )
    session.expire_all()
    assert session.scalars(select(Assignment)).all() == []


@pytest.mark.parametrize("who", ["member", "stranger", "other_lead"])
def test_only_the_lead_reaches_the_lead_pages(client, session, world, teams, who):
    """A member who does not lead, a volunteer in no team and another team's lead: the
    lead's pages of 港湾志愿队 do not exist for them (404), and their posts change nothing."""
    caller = {
        "member": world["other_volunteer"],
        "stranger": teams.stranger,
        "other_lead": teams.other_lead,
    }[who]
    as_(client, caller)
    for path in lead_pages(teams.harbour):
        page = client.get(path, params={"lang": "en"})
        assert page.status_code == 404, path
        assert "This page does not exist" in page.text and "Chen Jie" not in page.text
    team_page = client.get(f"/app/teams/{teams.harbour.id}", params={"lang": "en"})
    assert team_page.status_code == (200 if who == "member" else 404)
    assert "Chen Jie" not in team_page.text
    token = csrf(client.get("/app/teams").text)
    for path, data in lead_posts(teams.harbour, world, teams):
        response = client.post(path, data={"csrf_token": token} | data, follow_redirects=False)
        assert response.status_code == 404, path
    nothing_changed(session, world, teams)


def test_the_other_lead_runs_only_their_own_team(client, world, teams):
    as_(client, teams.other_lead)
    own = client.get(f"/app/teams/{teams.riverside.id}", params={"lang": "en"})
    assert own.status_code == 200 and "Requests to join" in own.text
    for path in lead_pages(teams.riverside):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("role", ["anonymous", "kiosk"])
def test_strangers_and_kiosks_are_sent_to_sign_in(client, session, world, teams, role):
    headers = new_kiosk(client, world)[1] if role == "kiosk" else {}
    as_caller(client, world, role)
    for path in ["/app/teams", f"/app/teams/{teams.harbour.id}", *lead_pages(teams.harbour)]:
        page = client.get(path, headers=headers, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/app/login?next=%2Fapp%2Fteams")
    posts = [(f"/app/teams/{teams.harbour.id}/join", {}), *lead_posts(teams.harbour, world, teams)]
    for path, data in posts:
        response = client.post(path, headers=headers, data=data, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/app/login?next=")
    nothing_changed(session, world, teams)


def organisation_admin(session, team: Team) -> Caller:
    """An administrator of the organisation the team belongs to."""
    organisation = Organisation(code="HB", name="Harbour Friends", districts=[])
    session.add(organisation)
    session.flush()
    team.organisation_id = organisation.id
    account = account_service.create_account(
        session, role=Role.org_admin, name="Org Admin", password="org-pass",
        email="org@example.org",
    )  # fmt: skip
    account.organisation_id = organisation.id
    session.commit()
    return make_caller(session, "org_admin", account)


@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "admin", "org_admin"])
def test_coordinators_and_admins_are_sent_to_the_console(client, session, world, teams, role):
    """The office's people, an administrator of the team's organisation too, run teams
    in the console: the app's pages are refused them and change nothing."""
    if role == "org_admin":
        as_(client, organisation_admin(session, teams.harbour))
    else:
        as_caller(client, world, role)
    for path in ["/app/teams", f"/app/teams/{teams.harbour.id}", *lead_pages(teams.harbour)]:
        page = client.get(path, params={"lang": "en"}, follow_redirects=False)
        assert page.status_code == 403, path
        assert "coordinators use the console" in page.text and "Chen Jie" not in page.text
    # With their session's own form token (as the console's forms carry it): still refused.
    token = hashlib.sha256(
        f"uroster-csrf\0{client.cookies['uroster_session']}".encode()
    ).hexdigest()
    if role != "org_admin":  # the console serves the same token to the others
        assert token == csrf(client.get("/console").text)
    for path, data in lead_posts(teams.harbour, world, teams):
        response = client.post(path, data={"csrf_token": token} | data, follow_redirects=False)
        assert response.status_code == 403, path
    nothing_changed(session, world, teams)


@pytest.mark.parametrize("token", [None, "forged"])
def test_posts_without_the_forms_token_change_nothing(client, session, world, teams, token):
    data = {} if token is None else {"csrf_token": token}
    as_(client, teams.stranger)
    join = client.post(f"/app/teams/{teams.harbour.id}/join", data=data, follow_redirects=False)
    as_caller(client, world, "other_volunteer")
    leave = client.post(f"/app/teams/{teams.harbour.id}/leave", data=data, follow_redirects=False)
    as_caller(client, world, "volunteer")
    answers = [join.status_code, leave.status_code] + [
        client.post(path, data=data | fields, follow_redirects=False).status_code
        for path, fields in lead_posts(teams.harbour, world, teams)
    ]
    assert answers == [403] * len(answers)
    assert membership(session, teams.harbour, teams.stranger.volunteer_id) is None
    nothing_changed(session, world, teams)


# -- the members' duties of a week -------------------------------------------------------------


def this_week_at(hour: int) -> datetime:
    """Today at `hour` local: always in this week (Monday to Sunday)."""
    return datetime.combine(datetime.now(LOCAL).date(), time(hour), tzinfo=LOCAL)


def next_monday_at(hour: int) -> datetime:
    today = datetime.now(LOCAL).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return datetime.combine(monday, time(hour), tzinfo=LOCAL)


def test_the_lead_sees_the_members_duties_of_this_week_and_the_next(client, session, world, teams):
    today = add_shift(session, world.station_a, this_week_at(9), max_volunteers=4)
    assign(session, today, world["volunteer"].volunteer_id)
    assign(session, today, teams.pending.volunteer_id)  # asks to join: not a member yet
    assign(session, today, teams.stranger.volunteer_id)  # in no team
    monday = add_shift(session, world.station_a, next_monday_at(14))
    assign(session, monday, world["other_volunteer"].volunteer_id)
    as_caller(client, world, "volunteer")

    this = client.get(f"/app/teams/{teams.harbour.id}/duties", params={"lang": "en"})

    assert this.status_code == 200
    assert 'aria-current="page">This week</a>' in this.text
    assert 'aria-current="page">Team duties</a>' in this.text
    duty = card_of(this.text, "Wang Li")
    assert "09:00–13:00" in duty and "Luohu U-station" in duty
    assert "Chen Jie" not in this.text and "Li Na" not in this.text and "张小明" not in this.text

    following = client.get(
        f"/app/teams/{teams.harbour.id}/duties", params={"lang": "en", "week": "next"}
    )
    assert 'aria-current="page">Next week</a>' in following.text
    assert "14:00–18:00" in card_of(following.text, "张小明")
    assert "Wang Li" not in text_of(following.text.split("</nav>", 2)[-1])

    odd = client.get(f"/app/teams/{teams.harbour.id}/duties", params={"week": "1999-W99"})
    assert odd.status_code == 200 and "Wang Li" in odd.text  # read as this week


def test_a_week_without_duties_says_so_in_chinese(client, world, teams):
    as_caller(client, world, "volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}/duties", params={"lang": "zh"})
    assert "这一周没有成员值班。" in page.text


# -- open adopted seats, and assigning a member -----------------------------------------------


def a_week_ahead(hour: int) -> datetime:
    """A week from today at `hour` local: within the seats page's two weeks, and long
    before the adopted seats are released."""
    return datetime.combine(datetime.now(LOCAL).date() + timedelta(days=7), time(hour), LOCAL)


@pytest.fixture
def adopted(session, world: World, teams: Teams):
    """港湾志愿队 adopts one seat of Luohu U-station's mornings; a published shift there
    a week from today (09:00-13:00, two seats) has it open."""
    session.add(
        Adoption(
            team_id=teams.harbour.id, station_id=world.station_a.id,
            weekdays=[1, 2, 3, 4, 5, 6, 7], start="09:00", end="13:00", seats=1,
        )
    )  # fmt: skip
    session.commit()
    return add_shift(session, world.station_a, a_week_ahead(9))


def on_shift(session, shift_id: int) -> list[tuple[int, str]]:
    session.expire_all()
    return sorted(
        session.execute(
            select(Assignment.volunteer_id, Assignment.source).where(
                Assignment.shift_id == shift_id, Assignment.status != AssignmentStatus.cancelled
            )
        ).all()
    )


def assign_from_seats(client, teams: Teams, shift_id: int, volunteer_id, lang="en"):
    page = f"/app/teams/{teams.harbour.id}/seats"
    return post(
        client,
        f"/app/teams/{teams.harbour.id}/seats/{shift_id}/assign?lang={lang}",
        {"volunteer_id": str(volunteer_id)},
        page=page,
    )


def test_the_lead_sees_the_open_adopted_seats_with_the_members_to_choose(
    client, world, teams, adopted
):
    as_caller(client, world, "volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}/seats", params={"lang": "en"})

    assert page.status_code == 200
    card = card_of(page.text, f"/seats/{adopted.id}/assign")
    assert "<h3" in card and "Luohu U-station" in card and "09:00–13:00" in card
    assert "Open adopted seats: 1" in card and "kept for the team until" in card
    options = re.findall(r'<option value="(\d*)"[^>]*>(.*?)</option>', card)
    assert options == [
        ("", "Choose a member"),
        (str(world["volunteer"].volunteer_id), "Wang Li"),
        (str(world["other_volunteer"].volunteer_id), "张小明"),
    ]  # Chen Jie asks to join: not yet one to choose
    assert f'<label for="member-{adopted.id}">Member</label>' in card
    assert ">Assign</button>" in card


def test_the_lead_puts_a_member_on_an_adopted_seat(client, session, world, teams, adopted):
    as_caller(client, world, "volunteer")
    member_id = world["other_volunteer"].volunteer_id

    done = assign_from_seats(client, teams, adopted.id, member_id)

    assert done.status_code == 303
    assert done.headers["location"] == f"/app/teams/{teams.harbour.id}/seats?done=assigned"
    assert on_shift(session, adopted.id) == [(member_id, "manual")]
    page = client.get(done.headers["location"] + "&lang=en")
    assert "The member is on the seat now; it shows in their duties." in page.text
    assert "Every adopted seat of the next two weeks is filled." in page.text
    as_caller(client, world, "other_volunteer")
    duties = client.get("/app", params={"lang": "en"})
    assert "09:00–13:00" in card_of(duties.text, "Luohu U-station")


@pytest.mark.parametrize("chosen", ["", "abc", "-3", "99999999999", "7" * 500])
def test_no_member_chosen_is_said_next_to_the_field(client, session, world, teams, adopted, chosen):
    as_caller(client, world, "volunteer")
    refused = assign_from_seats(client, teams, adopted.id, chosen)

    assert refused.status_code == 422
    card = card_of(refused.text, f"/seats/{adopted.id}/assign")
    assert (
        f'<p class="field-error" id="member-{adopted.id}-error" role="alert">'
        "Choose a member of the team from the list.</p>" in card
    )
    assert 'aria-invalid="true"' in card
    assert on_shift(session, adopted.id) == []


def test_one_asking_to_join_cannot_be_put_on_a_seat(client, session, world, teams, adopted):
    as_caller(client, world, "volunteer")
    refused = assign_from_seats(client, teams, adopted.id, teams.pending.volunteer_id)
    assert refused.status_code == 409
    assert "Choose a member of the team from the list." in card_of(
        refused.text, f"/seats/{adopted.id}/assign"
    )
    assert on_shift(session, adopted.id) == []


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "This member cannot take this seat: outside the times they can serve."),
        ("zh", "该成员不能担任这个岗位：不在其可服务的时间内。"),
    ],
)
def test_the_validators_refusal_is_said_next_to_the_field(
    client, session, world, teams, adopted, lang, message
):
    """张小明 is available at no time: the validator's availability rule refuses him."""
    member_row = session.get(Volunteer, world["other_volunteer"].volunteer_id)
    member_row.availability_mode = AvailabilityMode.windows
    session.commit()
    as_caller(client, world, "volunteer")

    refused = assign_from_seats(client, teams, adopted.id, member_row.id, lang=lang)

    assert refused.status_code == 409
    card = card_of(refused.text, f"/seats/{adopted.id}/assign")
    assert (
        f'<p class="field-error" id="member-{adopted.id}-error" role="alert">{message}</p>' in card
    )
    assert f'<option value="{member_row.id}" selected>' in card  # the choice stays
    assert on_shift(session, adopted.id) == []


def test_an_overlapping_duty_is_refused(client, session, world, teams, adopted):
    elsewhere = add_shift(session, world.station_b, a_week_ahead(10))
    assign(session, elsewhere, world["other_volunteer"].volunteer_id)
    as_caller(client, world, "volunteer")
    refused = assign_from_seats(client, teams, adopted.id, world["other_volunteer"].volunteer_id)
    assert refused.status_code == 409
    assert "This member cannot take this seat: they have another duty at that time." in (
        card_of(refused.text, f"/seats/{adopted.id}/assign")
    )
    assert on_shift(session, adopted.id) == []


def test_a_member_who_moved_to_another_district_is_refused(client, session, world, teams, adopted):
    moved = session.get(Volunteer, world["other_volunteer"].volunteer_id)
    moved.district_id = world.district_b.id
    session.commit()
    as_caller(client, world, "volunteer")
    refused = assign_from_seats(client, teams, adopted.id, moved.id)
    assert refused.status_code == 409
    assert "This member has moved to another district." in card_of(
        refused.text, f"/seats/{adopted.id}/assign"
    )
    assert on_shift(session, adopted.id) == []


def test_a_seat_filled_meanwhile_is_said_above_the_list(client, session, world, teams, adopted):
    as_caller(client, world, "volunteer")
    stale = csrf(client.get(f"/app/teams/{teams.harbour.id}/seats").text)
    member_id = world["other_volunteer"].volunteer_id
    assert assign_from_seats(client, teams, adopted.id, member_id).status_code == 303

    late = client.post(
        f"/app/teams/{teams.harbour.id}/seats/{adopted.id}/assign?lang=en",
        data={"csrf_token": stale, "volunteer_id": str(world["volunteer"].volunteer_id)},
        follow_redirects=False,
    )

    assert late.status_code == 409
    assert (
        '<p class="error" role="alert">'
        "The team&#39;s seats on this shift were filled in the meantime.</p>" in late.text
    )
    assert on_shift(session, adopted.id) == [(member_id, "manual")]


def test_a_shift_the_team_did_not_adopt_is_refused(client, session, world, teams, adopted):
    evening = add_shift(session, world.station_a, a_week_ahead(18))
    as_caller(client, world, "volunteer")
    for shift_id, status in [(evening.id, 409), (999999, 404)]:
        refused = assign_from_seats(client, teams, shift_id, world["other_volunteer"].volunteer_id)
        assert refused.status_code == status
        assert (
            '<p class="error" role="alert">This shift has no open seat adopted by the team.</p>'
            in refused.text
        )
    assert on_shift(session, evening.id) == []


def test_no_open_adopted_seat_is_said_in_chinese(client, world, teams):
    as_caller(client, world, "volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}/seats", params={"lang": "zh"})
    assert page.status_code == 200
    assert "未来两周认领的岗位都已有人。" in page.text


# -- the members' verified hours ---------------------------------------------------------------


def served(session, world: World, volunteer_id: int, starts: datetime, hours: float) -> None:
    """A duty at Luohu U-station with `hours` verified (as a kiosk records them)."""
    shift = add_shift(session, world.station_a, starts, hours=hours)
    duty = assign(session, shift, volunteer_id, status=AssignmentStatus.completed)
    session.add(
        ServiceHours(
            assignment_id=duty.id, volunteer_id=volunteer_id, station_id=world.station_a.id,
            check_in_at=shift.starts_at, check_out_at=shift.ends_at, hours=hours,
            source="kiosk",
        )
    )  # fmt: skip
    session.commit()


MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_the_lead_sees_the_members_verified_hours(client, session, world, teams):
    march = datetime(2026, 3, 10, 9, tzinfo=LOCAL)
    served(session, world, world["volunteer"].volunteer_id, march, 4)
    served(session, world, world["volunteer"].volunteer_id, march + timedelta(days=1), 2.5)
    served(session, world, world["other_volunteer"].volunteer_id, march, 3)
    served(session, world, teams.pending.volunteer_id, march, 5)  # not a member yet
    served(session, world, world["other_volunteer"].volunteer_id, march + timedelta(days=30), 1)
    as_caller(client, world, "volunteer")

    page = client.get(f"/app/teams/{teams.harbour.id}/hours", params={"lang": "en"} | MARCH)

    assert page.status_code == 200
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td></tr>", page.text)
    assert rows == [("Wang Li", "6.5"), ("张小明", "3")]
    assert 'Total hours: <span id="total-hours">9.5</span>' in page.text
    assert 'value="2026-03-01"' in page.text and 'value="2026-03-31"' in page.text
    assert "Chen Jie" not in page.text


def test_the_hours_default_to_this_year(client, world, teams):
    as_caller(client, world, "volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}/hours", params={"lang": "en"})
    today = datetime.now(LOCAL).date()
    assert page.status_code == 200
    assert f'value="{date(today.year, 1, 1).isoformat()}"' in page.text
    assert f'value="{today.isoformat()}"' in page.text
    # Members without verified hours show 0.
    assert re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td></tr>", page.text) == [
        ("Wang Li", "0"),
        ("张小明", "0"),
    ]


@pytest.mark.parametrize(
    ("period", "field", "message"),
    [
        ({"from": "March"}, "from", "Enter a date, e.g. 2026-01-31."),
        ({"to": "2026-03-01" * 100}, "to", "Enter a date, e.g. 2026-01-31."),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from", "Enter a date, e.g. 2026-01-31."),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to",
         "Must not lie before the start of the period."),
        ({"from": "2024-01-01", "to": "2026-03-01"}, "to", "A period is at most 366 days."),
        ({"from": "1900-01-01", "to": "1900-02-01"}, "from",
         "Enter a date between the years 1970 and 2998."),
    ],
)  # fmt: skip
def test_a_bad_period_is_said_next_to_its_field(client, world, teams, period, field, message):
    as_caller(client, world, "volunteer")
    page = client.get(f"/app/teams/{teams.harbour.id}/hours", params={"lang": "en"} | period)

    assert page.status_code == 422
    assert f'<p class="field-error" id="hours-{field}-error">{message}</p>' in page.text
    assert f'id="hours-{field}" name="{field}" value="{period[field]}"' in page.text
    assert 'aria-invalid="true" aria-describedby="hours-' + field + '-error"' in page.text
    assert "Total hours" not in page.text


def test_a_bad_period_is_said_in_chinese(client, world, teams):
    as_caller(client, world, "volunteer")
    page = client.get(
        f"/app/teams/{teams.harbour.id}/hours", params={"lang": "zh", "from": "x", "to": "y"}
    )
    assert page.status_code == 422
    assert page.text.count("请输入日期，例如 2026-01-31。") == 2


# -- a message to the team ---------------------------------------------------------------------


def test_the_lead_sends_a_message_to_the_team(client, session, world, teams):
    member_row = session.get(Volunteer, world["other_volunteer"].volunteer_id)
    member_row.email = "zhang@example.org"
    asking = session.get(Volunteer, teams.pending.volunteer_id)
    asking.email = "chen@example.org"  # asks to join: hears nothing yet
    session.commit()
    as_caller(client, world, "volunteer")
    page = f"/app/teams/{teams.harbour.id}/message"
    form = client.get(page, params={"lang": "en"})
    assert form.status_code == 200 and ">Send message</button>" in form.text
    assert '<label for="message-subject">Subject</label>' in form.text

    sent = post(client, page, {"subject": "周六集合", "body": "8:30 在罗湖站门口集合。"}, page=page)

    assert sent.status_code == 303
    assert sent.headers["location"] == f"{page}?done=sent&count=1"
    after = client.get(sent.headers["location"] + "&lang=en")
    assert "Your message was sent to 1 of the team&#39;s members." in after.text
    messages = outbox(session, EventKind.team_message)
    assert [(m.volunteer_id, m.payload["subject"], m.payload["body"]) for m in messages] == [
        (world["other_volunteer"].volunteer_id, "周六集合", "8:30 在罗湖站门口集合。")
    ]


def outbox(session, kind) -> list:
    session.expire_all()
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.event_kind == kind.value))
    )


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"subject": "", "body": "Hello"}, "subject",
         "Enter a subject of one line, at most 200 characters."),
        ({"subject": "   ", "body": "Hello"}, "subject",
         "Enter a subject of one line, at most 200 characters."),
        ({"subject": "x" * 201, "body": "Hello"}, "subject",
         "Enter a subject of one line, at most 200 characters."),
        ({"subject": "Hello", "body": ""}, "body", "Write the message, at most 5000 characters."),
        ({"subject": "Hello", "body": "y" * 5001}, "body",
         "Write the message, at most 5000 characters."),
        ({"subject": "Hello", "body": "a\x00b"}, "body",
         "The message holds a character that cannot be sent; remove it."),
        ({"subject": "a\nb", "body": "Hello"}, "subject",
         "Enter a subject of one line, at most 200 characters."),
    ],
)  # fmt: skip
def test_a_refused_message_says_why_next_to_the_field_and_keeps_the_text(
    client, session, world, teams, form, field, message
):
    as_caller(client, world, "volunteer")
    page = f"/app/teams/{teams.harbour.id}/message"

    refused = post(client, f"{page}?lang=en", form, page=page)

    assert refused.status_code == 422
    assert f'<p class="field-error" id="message-{field}-error">{message}</p>' in refused.text
    other = "body" if field == "subject" else "subject"
    assert form[other] in refused.text  # what was typed stays
    assert outbox(session, EventKind.team_message) == []


def test_a_message_form_too_large_is_refused_as_a_whole(client, session, world, teams):
    as_caller(client, world, "volunteer")
    page = f"/app/teams/{teams.harbour.id}/message"
    refused = post(client, page, {"subject": "Hi", "body": "z" * 30_000}, page=page)
    assert refused.status_code == 422
    assert outbox(session, EventKind.team_message) == []


# -- no English in the Chinese pages -----------------------------------------------------------


def test_no_english_team_message_leaks_into_the_chinese_pages(client, session, world, teams):
    catalogue = Path(__file__).parents[2] / "app/web/translations/zh/LC_MESSAGES/app_teams.po"
    with catalogue.open("rb") as po:
        english = [m.id for m in read_po(po) if m.id and len(m.id) > 8]
    as_caller(client, world, "volunteer")
    base = f"/app/teams/{teams.harbour.id}"
    client.get("/app/teams", params={"lang": "zh"})
    pages = [client.get("/app/teams"), client.get(base)]
    pages += [client.get(path) for path in lead_pages(teams.harbour)]
    pages.append(client.get(f"{base}/hours", params={"from": "x"}))
    pages.append(post(client, f"{base}/message", {"subject": "", "body": ""}, page=base))
    pages.append(post(client, f"/app/teams/{teams.harbour.id}/join"))
    as_(client, teams.pending)
    pages.append(client.get(base))
    for page in pages:
        assert '<html lang="zh-CN">' in page.text
        text = text_of(page.text)
        leaked = [message for message in english if message in text]
        assert leaked == [], (page.url, leaked)
