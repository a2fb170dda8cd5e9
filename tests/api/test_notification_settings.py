"""A volunteer's notification settings (`/volunteers/me/notification-settings` and the
app's settings page), who hears of which event by e-mail, and the one-click unsubscribe
link of every mail (RFC 8058), on SQLite and PostgreSQL, with mails delivered to a real
SMTP server (aiosmtpd)."""

import re
from datetime import date, datetime, time, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.notifications import service, unsubscribe
from app.notifications.models import EventKind, NotificationPreference, OutboxMessage
from app.settings import get_settings
from app.volunteers.models import Volunteer
from tests.api.conftest import ROLES, assert_problem
from tests.api.test_app_pages import as_caller, csrf
from tests.api.test_notifications import STATION_ZONE, WEEK, text_of
from tests.api.test_notifications import inbox as smtp_inbox

# The SMTP server (aiosmtpd) of the notification tests, under a name of this module.
inbox = smtp_inbox

SETTINGS = "/api/v1/volunteers/me/notification-settings"
DEFAULTS = {
    "channels": {"email": True},
    "language": "zh",
    "quiet_hours": {"start": "22:00", "end": "07:00"},
    "reminder_minutes": [1440, 120],
    "muted_kinds": [],
}


def stored(session, volunteer_id: int) -> NotificationPreference | None:
    session.expire_all()
    return session.get(NotificationPreference, volunteer_id)


# -- the API ------------------------------------------------------------------------------


def test_without_choices_a_volunteer_gets_the_offices_defaults(client, session, world):
    response = client.get(SETTINGS, headers=world["volunteer"].headers)

    assert response.status_code == 200, response.text
    assert response.json() == DEFAULTS
    assert stored(session, world["volunteer"].volunteer_id) is None  # reading writes nothing


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("volunteer", "other_volunteer")])
def test_only_a_volunteer_has_notification_settings(client, world, role):
    expected = 401 if role == "anonymous" else 403
    assert_problem(client.get(SETTINGS, headers=world[role].headers), expected)
    patch = client.patch(SETTINGS, headers=world[role].headers, json={"language": "en"})
    assert_problem(patch, expected)


def test_a_kiosk_key_is_no_credential_here(client, session, world):
    from tests.api.test_role_matrix import add_kiosks

    add_kiosks(world, session)
    kiosk = world["kiosk"].headers
    assert_problem(client.get(SETTINGS, headers=kiosk), 401)
    assert_problem(client.patch(SETTINGS, headers=kiosk, json={"language": "en"}), 401)


def test_each_volunteer_changes_only_their_own(client, session, world):
    mine, theirs = world["volunteer"], world["other_volunteer"]

    response = client.patch(SETTINGS, headers=theirs.headers, json={"language": "en"})

    assert response.status_code == 200 and response.json()["language"] == "en"
    assert client.get(SETTINGS, headers=mine.headers).json() == DEFAULTS
    assert stored(session, mine.volunteer_id) is None


def test_a_patch_changes_only_what_it_sends_and_the_rest_follows_the_office(
    client, session, world, monkeypatch
):
    volunteer = world["volunteer"]

    response = client.patch(
        SETTINGS,
        headers=volunteer.headers,
        json={"channels": {"email": False}, "quiet_hours": {"start": "23:30", "end": "06:00"}},
    )

    assert response.status_code == 200, response.text
    assert response.json() == DEFAULTS | {
        "channels": {"email": False},
        "quiet_hours": {"start": "23:30", "end": "06:00"},
    }
    row = stored(session, volunteer.volunteer_id)
    assert row is not None
    assert (row.email_enabled, row.quiet_hours, row.reminder_minutes) == (
        False,
        "23:30-06:00",
        None,  # not chosen: the office's default, whatever it becomes
    )
    monkeypatch.setattr(get_settings(), "reminder_lead_minutes", "2880,60")
    monkeypatch.setattr(get_settings(), "quiet_hours", "21:00-08:00")
    now = client.get(SETTINGS, headers=volunteer.headers).json()
    assert now["reminder_minutes"] == [2880, 60]
    assert now["quiet_hours"] == {"start": "23:30", "end": "06:00"}  # theirs, kept


def test_none_is_a_choice_of_its_own_not_the_default(client, session, world, monkeypatch):
    volunteer = world["volunteer"]

    response = client.patch(
        SETTINGS,
        headers=volunteer.headers,
        json={"quiet_hours": None, "reminder_minutes": [], "language": "en"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["quiet_hours"], body["reminder_minutes"], body["language"]) == (None, [], "en")
    row = stored(session, volunteer.volunteer_id)
    assert (row.quiet_hours, row.reminder_minutes) == ("", "")
    monkeypatch.setattr(get_settings(), "quiet_hours", "21:00-08:00")
    assert client.get(SETTINGS, headers=volunteer.headers).json()["quiet_hours"] is None


def test_lead_times_are_kept_once_each_longest_first(client, world):
    response = client.patch(
        SETTINGS, headers=world["volunteer"].headers, json={"reminder_minutes": [30, 1440, 30]}
    )
    assert response.json()["reminder_minutes"] == [1440, 30]


def test_muted_kinds_are_set_and_cleared_through_the_api(client, world):
    headers = world["volunteer"].headers
    muted = client.patch(
        SETTINGS, headers=headers, json={"muted_kinds": ["reminder", "seat_taken"]}
    )
    assert muted.json()["muted_kinds"] == ["reminder", "seat_taken"]
    cleared = client.patch(SETTINGS, headers=headers, json={"muted_kinds": []})
    assert cleared.json()["muted_kinds"] == []


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, ["body", "quiet_hours"]),
        ({"quiet_hours": {"start": "24:00", "end": "07:00"}}, ["body", "quiet_hours", "start"]),
        ({"quiet_hours": {"start": "7:00", "end": "08:00"}}, ["body", "quiet_hours", "start"]),
        ({"quiet_hours": {"start": "22:00"}}, ["body", "quiet_hours", "end"]),
        ({"quiet_hours": "22:00-07:00"}, ["body", "quiet_hours"]),
        ({"reminder_minutes": [-5]}, ["body", "reminder_minutes", 0]),
        ({"reminder_minutes": [0]}, ["body", "reminder_minutes", 0]),
        ({"reminder_minutes": [14 * 24 * 60 + 1]}, ["body", "reminder_minutes", 0]),
        ({"reminder_minutes": [10, 20, 30, 40, 50, 60]}, ["body", "reminder_minutes"]),
        ({"reminder_minutes": None}, ["body", "reminder_minutes"]),
        ({"reminder_minutes": ["soon"]}, ["body", "reminder_minutes", 0]),
        ({"language": "fr"}, ["body", "language"]),
        ({"language": None}, ["body", "language"]),
        ({"channels": {"email": "maybe"}}, ["body", "channels", "email"]),
        ({"channels": {"sms": True}}, ["body", "channels", "email"]),
        ({"channels": None}, ["body", "channels"]),
        ({"muted_kinds": ["everything"]}, ["body", "muted_kinds", 0]),
        ({"email": False}, ["body", "email"]),  # not a field: refused, not ignored
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_nothing_is_stored(
    client, session, world, body, loc
):
    volunteer = world["volunteer"]
    # A good change beside the bad one: all or nothing.
    response = client.patch(SETTINGS, headers=volunteer.headers, json={"language": "en"} | body)

    problem = assert_problem(response, 422)
    assert loc in [error["loc"] for error in problem["errors"]], problem
    assert stored(session, volunteer.volunteer_id) is None
    assert client.get(SETTINGS, headers=volunteer.headers).json() == DEFAULTS


def test_a_body_that_is_not_an_object_is_a_problem_not_a_crash(client, world):
    headers = world["volunteer"].headers
    assert_problem(client.patch(SETTINGS, headers=headers, json=["language", "en"]), 422)
    broken = headers | {"Content-Type": "application/json"}
    assert_problem(client.patch(SETTINGS, headers=broken, content=b"{not json"), 422)


# -- who hears of an event by e-mail --------------------------------------------------------


@pytest.fixture
def addressed(session, world):
    """Both volunteers of the world with an e-mail address; their ids."""
    ids = (world["volunteer"].volunteer_id, world["other_volunteer"].volunteer_id)
    for volunteer_id in ids:
        session.get_one(Volunteer, volunteer_id).email = f"v{volunteer_id}@example.org"
    session.commit()
    return ids


def recorded(session, kind: EventKind) -> dict[int, str]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_kind == kind.value))
    return {row.volunteer_id: row.language for row in rows}


def tell_both(session, ids, kind: EventKind, ref: str = "event-1") -> dict[int, str]:
    service.tell(session, kind=kind, event_ref=ref, payloads={i: {"n": i} for i in ids})
    session.flush()
    return recorded(session, kind)


def test_muting_reminders_leaves_the_change_notices_coming(client, session, world, addressed):
    mine, theirs = addressed
    client.patch(
        SETTINGS, headers=world["volunteer"].headers, json={"muted_kinds": ["reminder"]}
    ).raise_for_status()

    assert set(tell_both(session, addressed, EventKind.reminder)) == {theirs}
    assert set(tell_both(session, addressed, EventKind.duty_changed)) == {mine, theirs}


def test_e_mail_turned_off_stops_every_kind_and_on_again_brings_them_back(
    client, session, world, addressed
):
    mine, theirs = addressed
    headers = world["volunteer"].headers
    client.patch(SETTINGS, headers=headers, json={"channels": {"email": False}})

    for kind in EventKind:
        assert set(tell_both(session, addressed, kind)) == {theirs}, kind
    client.patch(SETTINGS, headers=headers, json={"channels": {"email": True}})
    assert set(tell_both(session, addressed, EventKind.duty_changed, "event-2")) == {mine, theirs}


def test_messages_are_recorded_in_each_volunteers_language(client, session, world, addressed):
    mine, theirs = addressed
    client.patch(SETTINGS, headers=world["other_volunteer"].headers, json={"language": "en"})

    assert tell_both(session, addressed, EventKind.duty_cancelled) == {mine: "zh", theirs: "en"}


def test_a_volunteer_without_an_address_or_withdrawn_hears_nothing(
    client, session, world, addressed
):
    mine, theirs = addressed
    session.get_one(Volunteer, theirs).email = None
    session.get_one(Volunteer, mine).status = "withdrawn"
    session.commit()

    assert tell_both(session, addressed, EventKind.duty_changed) == {}


# -- unsubscribe links -------------------------------------------------------------------------


def roster_payload() -> dict:
    """A roster message for the week two weeks ahead, as roster_published records it."""
    year, week = (int(part) for part in WEEK.split("-W"))
    monday = date.fromisocalendar(year, week, 1)
    starts = datetime.combine(monday, time(9), STATION_ZONE)
    return {
        "roster_id": 1,
        "week": WEEK,
        "timezone": "Asia/Shanghai",
        "district": "District A",
        "duties": [
            {
                "shift_id": 1,
                "station": "Luohu U-station",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=4)).isoformat(),
            }
        ],
    }


def unsubscribe_path(mail) -> str:
    header = mail["List-Unsubscribe"]
    found = re.fullmatch(r"<(https?://[^/]+)(/unsubscribe/[^>]+)>", header)
    assert found, header
    return found[2]


def test_every_mail_carries_a_one_click_unsubscribe_link_for_its_kind(
    client, session, world, addressed, inbox, monkeypatch
):
    monkeypatch.setattr(get_settings(), "public_url", "https://roster.example.org/")
    mine, theirs = addressed
    client.patch(SETTINGS, headers=world["other_volunteer"].headers, json={"language": "en"})
    service.tell(
        session,
        kind=EventKind.roster_published,
        event_ref="roster-1",
        payloads={volunteer_id: roster_payload() for volunteer_id in addressed},
    )
    session.commit()

    assert service.deliver_due(session, utcnow()).sent == 2

    links = {}
    for mail in inbox.mails:
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["List-Unsubscribe"].startswith("<https://roster.example.org/unsubscribe/")
        links[mail["X-Envelope-To"]] = unsubscribe_path(mail)
        # The same link under the text, for mail clients that show no button for it.
        url = mail["List-Unsubscribe"][1:-1]
        english = mail["X-Envelope-To"] == f"v{theirs}@example.org"
        question, action = (
            ("Don't want e-mails like this?", "Unsubscribe")
            if english
            else ("不想再收到此类邮件？", "退订")
        )
        assert text_of(mail).rstrip().endswith(f"{question} {action}: {url}")
        html = mail.get_body(("html",)).get_content()
        link = f'<a href="{url}">{action}</a></small></p>'
        assert link in html and html.index(link) < html.index("</body>")
    mine_link = links[f"v{mine}@example.org"]
    assert mine_link != links[f"v{theirs}@example.org"]  # one per recipient
    assert mine_link.startswith(f"/unsubscribe/{mine}.roster_published.")

    # The mail client's one-click POST (RFC 8058): no session, no CSRF token.
    client.cookies.clear()
    response = client.post(mine_link, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200, response.text
    assert response.json() == {"unsubscribed": "roster_published"}
    settings = client.get(SETTINGS, headers=world["volunteer"].headers).json()
    assert settings["muted_kinds"] == ["roster_published"]
    assert settings["channels"] == {"email": True}  # the other kinds keep coming
    again = client.post(mine_link, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # idempotent
    assert stored(session, mine).muted_kinds == "roster_published"
    # The next roster reaches only the other volunteer; a reminder still reaches both.
    service.tell(
        session,
        kind=EventKind.roster_published,
        event_ref="roster-2",
        payloads={volunteer_id: roster_payload() for volunteer_id in addressed},
    )
    session.flush()
    second = session.scalars(
        select(OutboxMessage.volunteer_id).where(
            OutboxMessage.idempotency_key.like("roster_published:roster-2:%")
        )
    ).all()
    assert second == [theirs]
    assert set(tell_both(session, addressed, EventKind.reminder)) == {mine, theirs}


def test_a_link_stops_only_its_own_kind(client, session, world, addressed):
    mine, theirs = addressed
    link = unsubscribe.url(session, mine, EventKind.reminder.value)
    path = link[link.index("/unsubscribe/") :]

    assert client.post(path).status_code == 200  # a client that sends no body at all

    assert stored(session, mine).muted_kinds == "reminder"
    assert stored(session, theirs) is None


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"List-Unsubscribe": "One-Click"}},  # application/x-www-form-urlencoded
        {"files": {"List-Unsubscribe": (None, "One-Click")}},  # multipart/form-data
        {"content": b""},
        {"json": {"anything": True}},
    ],
    ids=["urlencoded", "multipart", "empty", "json"],
)
def test_one_click_takes_whatever_body_the_mail_client_sends(client, session, world, body):
    volunteer_id = world["volunteer"].volunteer_id
    path = f"/unsubscribe/{unsubscribe.token(session, volunteer_id, 'seat_offered')}"

    response = client.post(path, **body)

    assert response.status_code == 200, response.text
    assert stored(session, volunteer_id).muted_kinds == "seat_offered"


def forged_paths(session, volunteer_id: int) -> list[str]:
    good = unsubscribe.token(session, volunteer_id, EventKind.reminder.value)
    volunteer, kind, mac = good.split(".")
    other_mac = "0" * len(mac) if mac[0] != "0" else "1" * len(mac)
    return [
        f"/unsubscribe/{volunteer}.{kind}.{other_mac}",  # a made-up signature
        f"/unsubscribe/{volunteer}.duty_changed.{mac}",  # another kind, the same signature
        f"/unsubscribe/{int(volunteer) + 1}.{kind}.{mac}",  # another volunteer
        f"/unsubscribe/{volunteer}.{kind}.{mac[:-1]}",  # cut short
        f"/unsubscribe/{volunteer}.{kind}",
        "/unsubscribe/nonsense",
        f"/unsubscribe/0{volunteer}.{kind}.{mac}",
        f"/unsubscribe/{'9' * 30}.{kind}.{mac}",
    ]


def test_a_bad_link_is_a_404_problem_and_changes_nothing(client, session, world, addressed):
    mine, _ = addressed
    for path in forged_paths(session, mine):
        assert_problem(client.post(path, data={"List-Unsubscribe": "One-Click"}), 404)
        for page in (client.get(path), client.post(path, data={"from_page": "yes"})):
            assert page.status_code == 404 and "text/html" in page.headers["content-type"]
            assert "此退订链接无效。" in page.text  # Chinese first
    assert stored(session, mine) is None


def test_a_withdrawn_volunteers_link_no_longer_works(client, session, world, addressed):
    mine, _ = addressed
    path = f"/unsubscribe/{unsubscribe.token(session, mine, 'reminder')}"
    assert client.delete("/api/v1/volunteers/me", headers=world["volunteer"].headers).is_success

    assert_problem(client.post(path), 404)


def test_the_signing_key_is_made_again_if_it_was_lost(session, world):
    from app.notifications.models import SigningKey

    volunteer_id = world["volunteer"].volunteer_id
    before = unsubscribe.token(session, volunteer_id, "reminder")
    session.delete(session.get_one(SigningKey, unsubscribe.PURPOSE))
    session.commit()
    session.info.pop("unsubscribe_key")

    after = unsubscribe.token(session, volunteer_id, "reminder")

    # A new key: links already sent stop working (nothing else can be done without the
    # old key), new ones work.
    assert after != before
    assert unsubscribe.recipient(session, before) is None
    assert unsubscribe.recipient(session, after) is not None
    assert session.get(SigningKey, unsubscribe.PURPOSE) is not None


RACING_KINDS = ["reminder", "duty_changed", "seat_offered", "seat_taken"]


@pytest.fixture
def committed_volunteer(engine):
    """A volunteer committed for real, so that sessions of their own see it."""
    from sqlalchemy import delete
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        volunteer = Volunteer(name="Race", phone="+8613900000777", email="race@example.org")
        session.add(volunteer)
        session.commit()
        volunteer_id = volunteer.id
    yield volunteer_id
    with Session(engine) as session:
        session.execute(
            delete(NotificationPreference).where(
                NotificationPreference.volunteer_id == volunteer_id
            )
        )
        session.execute(delete(Volunteer).where(Volunteer.id == volunteer_id))
        session.commit()


def test_links_clicked_at_once_each_mute_their_kind(engine, committed_volunteer):
    """Four links of one volunteer followed at the same moment (a mail client working
    through a folder): the first makes the preference row, none undoes another."""
    import threading

    from sqlalchemy.orm import Session

    with Session(engine) as session:
        paths = [unsubscribe.token(session, committed_volunteer, kind) for kind in RACING_KINDS]
    barrier = threading.Barrier(len(paths))
    failures: list[Exception] = []

    def follow(token: str) -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                assert unsubscribe.unsubscribe(session, token) is not None
                session.commit()
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            failures.append(exc)

    threads = [threading.Thread(target=follow, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with Session(engine) as session:
        row = session.get_one(NotificationPreference, committed_volunteer)
        assert row.muted_kinds.split(",") == sorted(RACING_KINDS)


# -- the confirmation page at the link's address --------------------------------------------


def test_opening_the_link_asks_first_and_changes_nothing(client, session, world, addressed):
    mine, _ = addressed
    path = f"/unsubscribe/{unsubscribe.token(session, mine, 'reminder')}"
    client.cookies.clear()

    page = client.get(path)  # a mail client's preview, a link scanner

    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "不再接收此类邮件：值班前提醒？" in unescape(page.text)
    assert '<button type="submit">退订</button>' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert stored(session, mine) is None
    english = client.get(path, params={"lang": "en"})
    assert "Stop these e-mails: Reminders before a duty?" in unescape(english.text)


def test_the_pages_button_unsubscribes_and_says_so(client, session, world, addressed):
    mine, _ = addressed
    path = f"/unsubscribe/{unsubscribe.token(session, mine, 'duty_changed')}"
    client.cookies.clear()
    client.get(path, params={"lang": "en"})

    done = client.post(path, data={"from_page": "yes"}, follow_redirects=False)

    assert done.status_code == 303 and done.headers["location"] == f"{path}?done=true"
    assert stored(session, mine).muted_kinds == "duty_changed"
    page = unescape(client.get(done.headers["location"]).text)
    assert "You no longer get these e-mails: Changes to my duties." in page
    assert 'role="status"' in page
    assert 'href="/app/settings"' in page
    later = unescape(client.get(path).text)  # opened again: no button, it is done
    assert "You no longer get these e-mails" in later and "<form" not in later.split("<main")[1]


# -- the app's settings page -----------------------------------------------------------------


def settings_form(client, **fields) -> dict:
    """The notification form as the page fills it, with some fields changed."""
    page = client.get("/app/settings", params={"lang": "en"})
    assert page.status_code == 200
    form = page.text.split('action="/app/settings/notifications"')[1].split("</form>")[0]
    data: dict[str, object] = {"csrf_token": csrf(page.text)}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or name[1] == "csrf_token":
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data.setdefault(name[1], [])
                data[name[1]].append(value[1])  # type: ignore[union-attr]
        else:
            data[name[1]] = unescape(value[1]) if value else ""
    selected = re.search(r'<option value="(\w+)"[^>]*selected', form)
    data["language"] = selected[1] if selected else ""
    return data | fields


def test_the_settings_page_shows_the_defaults_and_saves_the_changes(client, session, world):
    as_caller(client, world, "volunteer")
    form = settings_form(client)
    assert form["email"] == ["yes"] and form["language"] == "zh"
    assert form["quiet"] == ["yes"] and (form["quiet_start"], form["quiet_end"]) == (
        "22:00",
        "07:00",
    )
    assert form["reminder"] == ["1440", "120"] and form["other_leads"] == ""
    assert set(form["kind"]) == {k.value for k in EventKind} - {"invitation"}

    saved = client.post(
        "/app/settings/notifications",
        data=form
        | {
            "language": "en",
            "reminder": ["60"],
            "other_leads": "45, 90",
            "quiet": [],
            "kind": ["duty_changed", "duty_cancelled"],
        },  # fmt: skip
        follow_redirects=False,
    )

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].startswith("/app/settings?done=notifications")
    api = client.get(SETTINGS, headers=world["volunteer"].headers).json()
    assert api == {
        "channels": {"email": True},
        "language": "en",
        "quiet_hours": None,
        "reminder_minutes": [90, 60, 45],
        "muted_kinds": [
            "reminder",
            "roster_published",
            "seat_offered",
            "seat_taken",
            "team_message",
        ],
    }
    shown = settings_form(client)
    assert shown["reminder"] == ["60"] and shown["other_leads"] == "90, 45"
    assert "quiet" not in shown and sorted(shown["kind"]) == ["duty_cancelled", "duty_changed"]
    notice = client.get(saved.headers["location"].split("#")[0] + "&lang=en")
    assert "Your notification settings were saved." in notice.text


def test_saving_the_page_unchanged_keeps_following_the_office(client, session, world):
    as_caller(client, world, "volunteer")
    form = settings_form(client, language="en")

    assert client.post("/app/settings/notifications", data=form).status_code == 200

    row = stored(session, world["volunteer"].volunteer_id)
    assert (row.language, row.quiet_hours, row.reminder_minutes) == ("en", None, None)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_hours",
         "Quiet hours must end at another time than they start."),
        ({"quiet_start": "", "quiet_end": "07:00"}, "quiet_hours",
         "Give the start and end of the quiet hours as times, e.g. 22:00 and 07:00."),
        ({"other_leads": "soon"}, "reminder_minutes",
         "Write other reminder times as whole minutes, separated by commas, e.g. 45, 90."),
        ({"other_leads": "20161"}, "reminder_minutes",
         "Choose at most 5 reminders, each from 1 minute to 14 days before the duty."),
        ({"other_leads": "5, 10, 15, 20"}, "reminder_minutes",
         "Choose at most 5 reminders, each from 1 minute to 14 days before the duty."),
        ({"language": "fr"}, "language", "Choose a language from the list."),
    ],
)  # fmt: skip
def test_a_refused_form_says_why_next_to_the_field_keeps_the_input_and_stores_nothing(
    client, session, world, change, field, message
):
    as_caller(client, world, "volunteer")
    form = settings_form(client, **change)
    form["email"] = []  # changed too, but not stored: all or nothing

    refused = client.post("/app/settings/notifications?lang=en", data=form)

    assert refused.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in unescape(refused.text)
    assert 'aria-invalid="true"' in refused.text
    if "other_leads" in change:
        assert f'value="{change["other_leads"]}"' in refused.text
    assert 'id="email" name="email" value="yes">' in refused.text  # unticked as sent
    assert stored(session, world["volunteer"].volunteer_id) is None


def test_the_page_says_where_mails_go_or_that_they_cannot(client, session, world):
    as_caller(client, world, "volunteer")
    page = client.get("/app/settings", params={"lang": "en"})
    assert "Your profile has no e-mail address" in page.text
    session.get_one(Volunteer, world["volunteer"].volunteer_id).email = "wang@example.org"
    session.commit()
    assert "E-mails go to wang@example.org." in client.get("/app/settings").text


def test_a_kind_unsubscribed_by_link_is_unticked_and_can_be_ticked_again(client, session, world):
    volunteer_id = world["volunteer"].volunteer_id
    path = f"/unsubscribe/{unsubscribe.token(session, volunteer_id, 'reminder')}"
    client.post(path).raise_for_status()
    as_caller(client, world, "volunteer")
    form = settings_form(client)
    assert "reminder" not in form["kind"]

    form["kind"] = [*form["kind"], "reminder"]
    assert client.post("/app/settings/notifications", data=form).status_code == 200

    assert stored(session, volunteer_id).muted_kinds == ""


def test_the_form_needs_its_token_and_a_signed_in_volunteer(client, session, world):
    as_caller(client, world, "volunteer")
    form = settings_form(client, language="en")
    forged = client.post(
        "/app/settings/notifications", data=form | {"csrf_token": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403
    client.cookies.clear()
    anonymous = client.post("/app/settings/notifications", data=form, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/app/login")
    as_caller(client, world, "coordinator")
    assert client.post("/app/settings/notifications", data=form).status_code == 403
    assert stored(session, world["volunteer"].volunteer_id) is None


def test_the_links_token_stays_out_of_the_access_log(session, world):
    from app.ops.logs import redact

    path = f"/unsubscribe/{unsubscribe.token(session, world['volunteer'].volunteer_id, 'reminder')}"
    line = redact(f'127.0.0.1 - "POST {path}?done=true HTTP/1.1" 303')
    assert line == '127.0.0.1 - "POST /unsubscribe/[redacted]?done=true HTTP/1.1" 303'


def test_a_mail_that_is_no_volunteers_notification_has_no_unsubscribe_header():
    from app.notifications import mail

    rendered = mail.Rendered("Digest", "text", "<p>html</p>")
    common = {"to_name": "Coord", "to_address": "c@example.org", "idempotency_key": "k",
              "mail_from": "U-Roster <r@example.org>"}  # fmt: skip
    plain = mail.compose(rendered, **common)
    assert "List-Unsubscribe" not in plain and "List-Unsubscribe-Post" not in plain
    linked = mail.compose(rendered, **common, unsubscribe_url="https://x.example/unsubscribe/t")
    assert linked["List-Unsubscribe"] == "<https://x.example/unsubscribe/t>"


def test_every_kind_is_named_in_words_on_the_unsubscribe_page(client, session, world, addressed):
    """The settings page and the unsubscribe page name kinds with one macro; a kind
    without a label there would show its bare identifier."""
    mine, _ = addressed
    client.cookies.clear()
    question = {"zh": r"不再接收此类邮件：(.+?)？", "en": r"Stop these e-mails: (.+?)\?"}
    for kind in EventKind:
        path = f"/unsubscribe/{unsubscribe.token(session, mine, kind.value)}"
        for lang, pattern in question.items():
            page = client.get(path, params={"lang": lang})
            [label] = re.findall(pattern, unescape(page.text))
            assert label.strip() and label != kind.value, (kind, lang)
