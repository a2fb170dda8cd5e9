"""Teams over the API on both databases: creating them, the membership flow (ask,
approve, leave, turn down), leads and their reach (a lead of team A sees nothing of
team B), the members' duties, and messages to a team arriving by e-mail."""

from datetime import timedelta

from sqlalchemy import select

from app.notifications.models import OutboxMessage
from app.teams.models import TeamMember
from tests.api.conftest import assert_problem
from tests.api.test_duties import add_shift, another_volunteer, assign, day_after_next_monday
from tests.api.test_notifications import inbox as inbox  # the fixture: an SMTP server

TEAMS = "/api/v1/teams"


def members(client, world, team, role="coordinator", **params) -> list[dict]:
    response = client.get(f"{TEAMS}/{team.id}/members", headers=world[role].headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return body["items"]


# -- creating and listing teams ----------------------------------------------------


def test_a_coordinator_creates_a_team_of_their_district(client, team_world):
    w = team_world
    response = client.post(
        TEAMS,
        headers=w["coordinator"].headers,
        json={"district_id": w.district_a.id, "organisation_id": w.org_b.id, "name": "Night owls"},
    )
    assert response.status_code == 201, response.text
    team = response.json()
    assert team["district_id"] == w.district_a.id and team["organisation_id"] == w.org_b.id
    # The same name twice in a district: 409.
    again = client.post(
        TEAMS, headers=w["coordinator"].headers,
        json={"district_id": w.district_a.id, "name": "Night owls"},
    )  # fmt: skip
    assert_problem(again, 409)
    # Another district's coordinator: the district does not exist for them.
    elsewhere = client.post(
        TEAMS, headers=w["other_coordinator"].headers,
        json={"district_id": w.district_a.id, "name": "Intruders"},
    )  # fmt: skip
    assert_problem(elsewhere, 404)
    # An organisation that does not serve the district.
    unserved = client.post(
        TEAMS, headers=w["other_coordinator"].headers,
        json={"district_id": w.district_b.id, "organisation_id": w.org_a.id, "name": "X"},
    )  # fmt: skip
    assert unserved.status_code == 422
    assert "does not serve" in unserved.json()["errors"][0]["msg"]


def test_an_organisation_admin_creates_teams_of_their_organisation_only(client, team_world):
    w = team_world
    headers = w["org_admin"].headers
    response = client.post(
        TEAMS, headers=headers, json={"district_id": w.district_a.id, "name": "T"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["organisation_id"] == w.org_a.id  # theirs, unasked
    # Organisation A does not serve district B.
    assert_problem(
        client.post(TEAMS, headers=headers, json={"district_id": w.district_b.id, "name": "T"}),
        422,
    )
    # Another organisation's team: that organisation does not exist for them.
    other = {"district_id": w.district_a.id, "organisation_id": w.org_b.id, "name": "U"}
    assert_problem(client.post(TEAMS, headers=headers, json=other), 404)
    # Volunteers (leads too) do not create teams.
    for role in ("volunteer", "lead"):
        body = {"district_id": w.district_a.id, "name": "V"}
        assert_problem(client.post(TEAMS, headers=w[role].headers, json=body), 403)


def test_anyone_signed_in_lists_teams_with_filters(client, team_world):
    w = team_world
    for role in ("volunteer", "other_coordinator", "org_admin", "admin"):
        response = client.get(TEAMS, headers=w[role].headers)
        assert response.status_code == 200, response.text
        assert [t["name"] for t in response.json()["items"]] == ["Team A", "Team B"]
    by_org = client.get(
        TEAMS, headers=w["volunteer"].headers, params={"organisation_id": w.org_b.id}
    ).json()
    assert [t["id"] for t in by_org["items"]] == [w.team_b.id] and by_org["total"] == 1
    in_b = client.get(
        TEAMS, headers=w["volunteer"].headers, params={"district_id": w.district_b.id}
    )
    assert in_b.json() == {"items": [], "total": 0}
    assert_problem(client.get(TEAMS), 401)
    one = client.get(f"{TEAMS}/{w.team_b.id}", headers=w["lead"].headers)
    assert one.status_code == 200 and one.json()["name"] == "Team B"
    assert_problem(client.get(f"{TEAMS}/999999", headers=w["lead"].headers), 404)


# -- membership ----------------------------------------------------------------------


def test_join_approve_and_leave(client, session, team_world):
    w = team_world
    path = f"{TEAMS}/{w.team_a.id}"
    joined = client.post(f"{path}/join", headers=w["volunteer"].headers)
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "pending"
    # Asking twice, or asking when already a member: 409.
    assert_problem(client.post(f"{path}/join", headers=w["volunteer"].headers), 409)
    assert_problem(client.post(f"{path}/join", headers=w["lead"].headers), 409)

    pending = members(client, w, w.team_a, "lead", status="pending")
    assert {m["name"] for m in pending} == {"Wang Li", "张小明"}
    # A member is a name and a standing: no phone, e-mail or home.
    assert set(pending[0]) == {"volunteer_id", "name", "status", "is_lead", "requested_at"}

    volunteer_id = w["volunteer"].volunteer_id
    approved = client.post(f"{path}/members/{volunteer_id}/approve", headers=w["lead"].headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    # Approving again changes nothing.
    again = client.post(f"{path}/members/{volunteer_id}/approve", headers=w["lead"].headers)
    assert again.status_code == 200 and again.json()["status"] == "approved"
    mine = client.get("/api/v1/volunteers/me/teams", headers=w["volunteer"].headers)
    assert mine.status_code == 200
    assert mine.json()["total"] == 1
    assert [(t["team"]["name"], t["status"], t["is_lead"]) for t in mine.json()["items"]] == [
        ("Team A", "approved", False)
    ]
    # The lead turns the other request down.
    other_id = w["other_volunteer"].volunteer_id
    declined = client.delete(f"{path}/members/{other_id}/approve", headers=w["lead"].headers)
    assert declined.status_code == 204
    assert session.get(TeamMember, (w.team_a.id, other_id)) is None
    assert_problem(
        client.delete(f"{path}/members/{other_id}/approve", headers=w["lead"].headers), 404
    )
    # The member leaves; leaving twice: 404.
    assert client.delete(f"{path}/join", headers=w["volunteer"].headers).status_code == 204
    assert_problem(client.delete(f"{path}/join", headers=w["volunteer"].headers), 404)
    assert client.get("/api/v1/volunteers/me/teams", headers=w["volunteer"].headers).json() == {
        "items": [],
        "total": 0,
    }
    assert [m["name"] for m in members(client, w, w.team_a)] == ["Chen Lead"]


def test_only_volunteers_of_the_teams_district_join(client, session, team_world):
    w = team_world
    outsider = another_volunteer(session, w, "Far Away", "13800000077")
    from app.volunteers.models import Volunteer

    session.get_one(Volunteer, outsider.volunteer_id).district_id = w.district_b.id
    session.commit()
    body = assert_problem(client.post(f"{TEAMS}/{w.team_a.id}/join", headers=outsider.headers), 409)
    assert "only volunteers of that district" in body["detail"]
    assert body["reason"] == "other_district"
    for role in ("coordinator", "org_admin", "admin"):
        assert_problem(client.post(f"{TEAMS}/{w.team_a.id}/join", headers=w[role].headers), 403)
    assert_problem(client.post(f"{TEAMS}/999999/join", headers=w["volunteer"].headers), 404)


def test_a_lead_removes_members_but_not_leads(client, session, team_world):
    w = team_world
    path = f"{TEAMS}/{w.team_a.id}/members"
    lead_id = w["lead"].volunteer_id
    assert_problem(client.delete(f"{path}/{lead_id}/approve", headers=w["lead"].headers), 403)
    assert session.get(TeamMember, (w.team_a.id, lead_id)) is not None
    removed = client.delete(f"{path}/{lead_id}/approve", headers=w["org_admin"].headers)
    assert removed.status_code == 204
    # No longer a lead: the team's people are out of reach.
    assert_problem(client.get(path, headers=w["lead"].headers), 404)


def test_adding_a_lead_makes_an_approved_member(client, session, team_world):
    w = team_world
    path = f"{TEAMS}/{w.team_a.id}/leads"
    # The pending other volunteer becomes an approved lead.
    other_id = w["other_volunteer"].volunteer_id
    response = client.post(path, headers=w["coordinator"].headers, json={"volunteer_id": other_id})
    assert response.status_code == 201, response.text
    assert response.json() | {"requested_at": None} == {
        "volunteer_id": other_id, "name": "张小明", "status": "approved", "is_lead": True,
        "requested_at": None,
    }  # fmt: skip
    assert members(client, w, w.team_a, "other_volunteer")  # leads now
    # The volunteer not in the team becomes a member and lead at once.
    volunteer_id = w["volunteer"].volunteer_id
    response = client.post(
        path, headers=w["org_admin"].headers, json={"volunteer_id": volunteer_id}
    )
    assert response.status_code == 201, response.text
    member = session.get_one(TeamMember, (w.team_a.id, volunteer_id))
    assert (member.status, member.is_lead, member.approved_at is not None) == (
        "approved",
        True,
        True,
    )
    # Leads do not name leads; nor do those outside the team's reach.
    assert_problem(client.post(path, headers=w["lead"].headers, json={"volunteer_id": 1}), 403)
    body = {"volunteer_id": volunteer_id}
    assert_problem(client.post(path, headers=w["other_coordinator"].headers, json=body), 404)
    b_path = f"{TEAMS}/{w.team_b.id}/leads"
    assert_problem(client.post(b_path, headers=w["org_admin"].headers, json=body), 404)
    # A volunteer of another district (or none at all): 422, and nothing is written.
    outsider = another_volunteer(session, w, "Far Away", "13800000077")
    from app.volunteers.models import Volunteer

    session.get_one(Volunteer, outsider.volunteer_id).district_id = w.district_b.id
    session.commit()
    for unknown in (outsider.volunteer_id, 999999):
        refused = client.post(path, headers=w["admin"].headers, json={"volunteer_id": unknown})
        assert refused.status_code == 422, refused.text
    assert session.get(TeamMember, (w.team_a.id, outsider.volunteer_id)) is None


# -- leads' reach ----------------------------------------------------------------------


def test_a_lead_of_team_a_sees_nothing_of_team_b(client, team_world):
    w = team_world
    b = f"{TEAMS}/{w.team_b.id}"
    period = {"from": "2026-01-01", "to": "2026-12-31"}
    for role in ("lead", "org_admin", "other_coordinator", "volunteer", "other_volunteer"):
        headers = w[role].headers
        assert_problem(client.get(f"{b}/members", headers=headers), 404)
        assert_problem(client.get(f"{b}/duties", headers=headers, params=period), 404)
        assert_problem(client.get(f"{b}/hours", headers=headers, params=period), 404)
        assert_problem(
            client.post(f"{b}/members/{w.lead_b_id}/approve", headers=headers),
            404,
        )
        message = {"subject": "Hello", "body": "Hi"}
        assert_problem(client.post(f"{b}/messages", headers=headers, json=message), 404)
    # Team A's coordinator reaches both teams.
    assert [m["name"] for m in members(client, w, w.team_b)] == ["Team B Lead"]


def test_team_duties_are_the_members_published_duties(client, session, team_world):
    w = team_world
    lead_id = w["lead"].volunteer_id
    monday_nine = day_after_next_monday(0, 9)
    shift = add_shift(session, w.station_a, monday_nine)
    duty = assign(session, shift, lead_id)
    assign(session, shift, w["volunteer"].volunteer_id)  # not a member: not shown
    draft_shift = add_shift(session, w.station_a, monday_nine + timedelta(days=1), publish=False)
    assign(session, draft_shift, lead_id, roster_status="draft")  # a draft: not shown
    day = monday_nine.date().isoformat()
    response = client.get(
        f"{TEAMS}/{w.team_a.id}/duties",
        headers=w["lead"].headers,
        params={"from": day, "to": (monday_nine + timedelta(days=6)).date().isoformat()},
    )
    assert response.status_code == 200, response.text
    assert [
        (d["assignment_id"], d["name"], d["station_name"]) for d in response.json()["items"]
    ] == [(duty.id, "Chen Lead", "Luohu U-station")]
    # The day before: nothing; a period backwards or too long: 422.
    before = (monday_nine - timedelta(days=1)).date().isoformat()
    assert client.get(
        f"{TEAMS}/{w.team_a.id}/duties", headers=w["org_admin"].headers,
        params={"from": before, "to": before},
    ).json() == {"items": [], "total": 0}  # fmt: skip
    for period in ({"from": day, "to": before}, {"from": "2026-01-01", "to": "2027-06-01"}):
        bad = client.get(f"{TEAMS}/{w.team_a.id}/duties", headers=w["lead"].headers, params=period)
        assert_problem(bad, 422)


# -- messages to a team ------------------------------------------------------------------


def test_a_message_to_the_team_arrives_by_mail(client, session, team_world, inbox):
    from app.db import utcnow
    from app.notifications.models import NotificationPreference
    from app.notifications.service import deliver_due
    from app.volunteers.models import Volunteer

    w = team_world
    path = f"{TEAMS}/{w.team_a.id}"
    volunteer_id = w["volunteer"].volunteer_id
    client.post(f"{path}/join", headers=w["volunteer"].headers)
    client.post(f"{path}/members/{volunteer_id}/approve", headers=w["lead"].headers)
    session.get_one(Volunteer, volunteer_id).email = "wang@example.org"
    session.add(NotificationPreference(volunteer_id=volunteer_id, language="en"))
    session.commit()

    message = {"subject": "Saturday at LH-01", "body": "Bring water.\n\nSee you <there>!"}
    sent = client.post(f"{path}/messages", headers=w["lead"].headers, json=message)
    assert sent.status_code == 202, sent.text
    # The approved member; not the lead who wrote, not the pending other volunteer.
    assert sent.json() == {"recipients": 1}
    assert deliver_due(session, utcnow()).sent == 1
    [mail] = inbox.mails
    assert mail["To"].addresses[0].addr_spec == "wang@example.org"
    assert mail["Subject"] == "[Team A] Saturday at LH-01"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Chen Lead wrote to the members of Team A:" in text
    assert "Bring water.\n\nSee you <there>!" in text
    html = mail.get_body(("html",)).get_content()
    assert "<p>See you &lt;there&gt;!</p>" in html
    assert mail["List-Unsubscribe"]  # this kind can be muted like any other

    # The coordinator writes too: now the lead hears of it as well (in Chinese).
    session.get_one(Volunteer, w["lead"].volunteer_id).email = "lead@example.org"
    session.commit()
    sent = client.post(f"{path}/messages", headers=w["coordinator"].headers, json=message)
    assert sent.json() == {"recipients": 2}
    assert deliver_due(session, utcnow()).sent == 2
    subjects = {m["X-Envelope-To"]: m["Subject"] for m in inbox.mails[1:]}
    assert subjects == {
        "wang@example.org": "[Team A] Saturday at LH-01",
        "lead@example.org": "【Team A】Saturday at LH-01",
    }
    kinds = session.scalars(select(OutboxMessage.event_kind)).all()
    assert set(kinds) == {"team_message"}


def test_a_message_needs_a_subject_and_a_body_and_a_reach(client, team_world):
    w = team_world
    path = f"{TEAMS}/{w.team_a.id}/messages"
    for bad in ({"subject": "", "body": "x"}, {"subject": "a\nb", "body": "x"}, {"subject": "s"}):
        assert_problem(client.post(path, headers=w["lead"].headers, json=bad), 422)
    ok = {"subject": "s", "body": "b"}
    assert_problem(client.post(path, headers=w["volunteer"].headers, json=ok), 404)
    assert_problem(client.post(path, json=ok), 401)


def test_members_page_by_status_and_leave_out_the_withdrawn(client, session, team_world):
    from app.duties import service as duty_service
    from app.volunteers.models import Volunteer

    w = team_world
    path = f"{TEAMS}/{w.team_a.id}"
    client.post(f"{path}/join", headers=w["volunteer"].headers)
    approved = members(client, w, w.team_a, status="approved")
    assert [m["name"] for m in approved] == ["Chen Lead"]
    page = client.get(
        f"{path}/members", headers=w["lead"].headers, params={"limit": 1, "offset": 1}
    ).json()
    # Leads first, then by name.
    assert page["total"] == 3 and [m["name"] for m in page["items"]] == ["Wang Li"]
    assert_problem(
        client.get(f"{path}/members", headers=w["lead"].headers, params={"status": "gone"}), 422
    )
    duty_service.withdraw_volunteer(
        session, session.get_one(Volunteer, w["volunteer"].volunteer_id)
    )
    session.commit()
    assert [m["name"] for m in members(client, w, w.team_a)] == ["Chen Lead", "张小明"]


def test_a_volunteer_who_moved_away_is_not_approved(client, session, team_world):
    from app.volunteers.models import Volunteer

    w = team_world
    other_id = w["other_volunteer"].volunteer_id  # asked to join team A
    session.get_one(Volunteer, other_id).district_id = w.district_b.id
    session.commit()
    path = f"{TEAMS}/{w.team_a.id}/members/{other_id}/approve"
    body = assert_problem(client.post(path, headers=w["lead"].headers), 409)
    assert body["reason"] == "other_district"
    assert session.get_one(TeamMember, (w.team_a.id, other_id)).status == "pending"


def test_a_message_to_the_team_goes_to_webhooks_too(client, session, team_world):
    """Members without an e-mail address hear of it through the office's gateway."""
    import json

    from app.webhooks.models import WebhookDelivery

    w = team_world
    hook = client.post(
        "/api/v1/webhooks", headers=w["admin"].headers,
        json={"url": "http://127.0.0.1:9/hook", "events": ["team.message"]},
    )  # fmt: skip
    assert hook.status_code == 201, hook.text
    message = {"subject": "Rain plan", "body": "Meet indoors."}
    sent = client.post(f"{TEAMS}/{w.team_b.id}/messages", headers=w["admin"].headers, json=message)
    assert sent.json() == {"recipients": 1}
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    assert (delivery.event, delivery.volunteer_id) == ("team.message", w.lead_b_id)
    body = json.loads(delivery.body)
    assert body["event"] == "team.message"
    assert body["data"]["subject"] == "Rain plan" and body["data"]["team"] == "Team B"


def test_an_organisation_admin_without_an_organisation_creates_nothing(client, session, team_world):
    from app.accounts import service as account_service
    from app.accounts.models import Role
    from tests.api.conftest import make_caller

    w = team_world
    stray = account_service.create_account(
        session, role=Role.org_admin, name="Stray", password="x-pass", email="stray@example.org"
    )
    caller = make_caller(session, "stray", stray)
    session.commit()
    body = {"district_id": w.district_a.id, "name": "Nobody's"}
    assert_problem(client.post(TEAMS, headers=caller.headers, json=body), 403)
    # Nor does it reach any team's people.
    assert_problem(client.get(f"{TEAMS}/{w.team_a.id}/members", headers=caller.headers), 404)
