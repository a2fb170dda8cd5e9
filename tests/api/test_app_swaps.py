"""Swaps in the volunteer app (/app and /app/swaps) through the real app over HTTP, on
SQLite and PostgreSQL: offering a duty and taking the offer back, taking another's
offer over, every refusal said in the page's language next to what it is about, who
may use the pages, and CSRF. The browser journey is tests/e2e/test_app_swaps.py; the
service's own rules are tested through the API in tests/api/test_swaps.py."""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.db import utcnow
from app.rosters.models import Assignment, AssignmentStatus
from app.swaps.models import SwapOffer, SwapOfferStatus
from app.volunteers.models import AvailabilityMode, Volunteer
from tests.api.conftest import World
from tests.api.test_app_pages import as_caller, csrf, post
from tests.api.test_duties import add_shift, another_volunteer, assign, day_after_next_monday
from tests.api.test_kiosks import new_kiosk


@pytest.fixture
def duty(session, world: World) -> Assignment:
    """Wang Li's duty at Luohu U-station, 09:00-13:00 local, in the week after next."""
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=2)
    return assign(session, shift, world["volunteer"].volunteer_id)


def offers_of(session, duty: Assignment) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(SwapOffer.status)
            .where(SwapOffer.assignment_id == duty.id)
            .order_by(SwapOffer.id)
        )
    )


def live_on(session, shift_id: int) -> list[tuple[int, str]]:
    """(volunteer, source) of the duties on the shift that still stand."""
    session.expire_all()
    return sorted(
        session.execute(
            select(Assignment.volunteer_id, Assignment.source).where(
                Assignment.shift_id == shift_id, Assignment.status != AssignmentStatus.cancelled
            )
        ).all()
    )


def offer_from_app(client, world: World, duty: Assignment, role: str = "volunteer", lang="en"):
    as_caller(client, world, role)
    return post(client, f"/app/duties/{duty.id}/swap-offer?lang={lang}")


def open_offer_id(session, duty: Assignment) -> int:
    session.expire_all()
    return session.scalar(
        select(SwapOffer.id).where(
            SwapOffer.assignment_id == duty.id, SwapOffer.status == SwapOfferStatus.open
        )
    )


def card_of(page_text: str, marker: str) -> str:
    """The <li> card of a list that contains `marker`."""
    for card in re.findall(r"<li class=\"card[^\"]*\">(.*?)</li>", page_text, re.S):
        if marker in card:
            return card
    raise AssertionError(f"no card with {marker!r}")


# -- offering, on My duties --------------------------------------------------------------------


def test_a_duty_is_offered_from_my_duties_and_taken_back(client, session, world, duty):
    as_caller(client, world, "volunteer")
    before = client.get("/app", params={"lang": "en"})
    card = card_of(before.text, f"/app/duties/{duty.id}/swap-offer")
    assert ">Offer for swap</button>" in card
    assert "Offered for swap" not in card

    offered = post(client, f"/app/duties/{duty.id}/swap-offer")

    assert offered.status_code == 303 and offered.headers["location"] == "/app?done=offered"
    assert offers_of(session, duty) == ["open"]
    assert live_on(session, duty.shift_id) == [(world["volunteer"].volunteer_id, "solver")]
    page = client.get("/app", params={"lang": "en", "done": "offered"})
    assert (
        "Your duty is offered for a swap. It stays yours until someone takes it over." in page.text
    )
    card = card_of(page.text, "Luohu U-station")
    offer_id = open_offer_id(session, duty)
    assert "Offered for swap" in card and ">Offer for swap</button>" not in card
    assert f'action="/app/swaps/{offer_id}/withdraw"' in card
    assert ">Take the offer back</button>" in card

    back = post(client, f"/app/swaps/{offer_id}/withdraw", {"back": "duties"})

    assert back.status_code == 303 and back.headers["location"] == "/app?done=withdrawn"
    assert offers_of(session, duty) == ["withdrawn"]
    page = client.get("/app", params={"lang": "en", "done": "withdrawn"})
    assert "You took the offer back; the duty stays yours." in page.text
    assert ">Offer for swap</button>" in card_of(page.text, "Luohu U-station")
    assert live_on(session, duty.shift_id) == [(world["volunteer"].volunteer_id, "solver")]


def test_the_duty_page_says_offered_in_chinese(client, session, world, duty):
    offer_from_app(client, world, duty)
    page = client.get("/app", params={"lang": "zh"})
    assert "已发起换班" in page.text and "撤回换班" in page.text
    assert "Offered for swap" not in page.text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "This duty is offered for a swap already."),
        ("zh", "这次值班已经发起过换班。"),
    ],
)
def test_offering_twice_is_refused_next_to_the_duty(client, session, world, duty, lang, message):
    """A second tab still shows the button after the first offered the duty."""
    assert offer_from_app(client, world, duty).status_code == 303

    again = post(client, f"/app/duties/{duty.id}/swap-offer?lang={lang}")

    assert again.status_code == 409
    assert (
        f'<p class="field-error" id="swap-{duty.id}-error" role="alert">{message}</p>'
        in card_of(again.text, "Luohu U-station")
    )
    assert offers_of(session, duty) == ["open"]


def test_a_started_duty_cannot_be_offered(client, session, world):
    shift = add_shift(session, world.station_a, utcnow() - timedelta(hours=1))
    running = assign(session, shift, world["volunteer"].volunteer_id)
    as_caller(client, world, "volunteer")
    page = client.get("/app", params={"lang": "en"})
    assert "Under way" in page.text and "Offer for swap" not in page.text

    refused = post(client, f"/app/duties/{running.id}/swap-offer?lang=en")

    assert refused.status_code == 409
    card = card_of(refused.text, "Luohu U-station")
    assert "This duty has started; it can no longer be offered for a swap." in card
    assert offers_of(session, running) == []


def test_another_volunteers_duty_cannot_be_offered_or_its_offer_taken_back(
    client, session, world, duty
):
    as_caller(client, world, "other_volunteer")
    refused = post(client, f"/app/duties/{duty.id}/swap-offer?lang=en")
    assert refused.status_code == 404
    assert "This page does not exist" in refused.text
    assert offers_of(session, duty) == []

    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    as_caller(client, world, "other_volunteer")
    assert post(client, f"/app/swaps/{offer_id}/withdraw", {"back": "swaps"}).status_code == 404
    assert offers_of(session, duty) == ["open"]
    mine = client.get("/app/swaps", params={"lang": "en"})
    assert f"/app/swaps/{offer_id}/withdraw" not in mine.text


def test_a_taken_offer_cannot_be_taken_back(client, session, world, duty):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    as_caller(client, world, "volunteer")
    stale = csrf(client.get("/app").text)  # the page still shows "Take the offer back"
    as_caller(client, world, "other_volunteer")
    assert post(client, f"/app/swaps/{offer_id}/accept", page="/app/swaps").status_code == 303

    as_caller(client, world, "volunteer")
    late = client.post(
        f"/app/swaps/{offer_id}/withdraw?lang=en",
        data={"csrf_token": stale, "back": "duties"},
        follow_redirects=False,
    )

    assert late.status_code == 409
    # The duty is no longer Wang Li's: the message stands above the list.
    assert '<p class="error" role="alert">Someone has taken this duty over already.</p>' in (
        late.text
    )
    assert "Luohu U-station" not in late.text
    from_swaps = post(client, f"/app/swaps/{offer_id}/withdraw?lang=zh", {"back": "swaps"})
    assert from_swaps.status_code == 409 and "已经有人接了这次值班。" in from_swaps.text
    assert offers_of(session, duty) == ["accepted"]


# -- taking over, on /app/swaps ----------------------------------------------------------------


def test_offers_that_fit_me_show_station_local_time_and_distance(client, session, world, duty):
    taker = session.get(Volunteer, world["other_volunteer"].volunteer_id)
    taker.home_lat, taker.home_lon = 22.55, 114.11  # ~1.1 km from Luohu U-station
    session.commit()
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)

    as_caller(client, world, "other_volunteer")
    page = client.get("/app/swaps", params={"lang": "en"})

    assert page.status_code == 200
    card = card_of(page.text, f"/app/swaps/{offer_id}/accept")
    assert "<h3>Luohu U-station</h3>" in card
    assert "09:00–13:00" in card  # Asia/Shanghai, not UTC
    assert "1 Renmin Rd · 1.1 km from home" in card
    assert ">Take over</button>" in card
    assert "Wang Li" not in page.text  # who offered it is not said
    assert 'aria-current="page">Swaps</a>' in page.text
    assert "You have not offered a duty." in page.text

    # The offerer sees it under their own offers, with its state, not as one to take.
    as_caller(client, world, "volunteer")
    own = client.get("/app/swaps", params={"lang": "en"})
    assert f"/app/swaps/{offer_id}/accept" not in own.text
    assert "No offered duty fits you right now." in own.text
    card = card_of(own.text, f"/app/swaps/{offer_id}/withdraw")
    assert "Offered: waiting for someone to take it over" in card and "09:00–13:00" in card


def test_an_offer_without_a_home_shows_no_distance(client, session, world, duty):
    offer_from_app(client, world, duty)
    as_caller(client, world, "other_volunteer")
    page = client.get("/app/swaps", params={"lang": "en"})
    assert "Luohu U-station" in page.text and "km from home" not in page.text


def test_a_volunteer_without_a_district_is_told_to_choose_one(client, session, world, duty):
    offer_from_app(client, world, duty)
    taker = session.get(Volunteer, world["other_volunteer"].volunteer_id)
    taker.district_id = None
    session.commit()
    as_caller(client, world, "other_volunteer")
    page = client.get("/app/swaps", params={"lang": "en"})
    assert page.status_code == 200
    assert "Choose your district under Availability to see the duties offered in it." in page.text
    assert "Luohu U-station" not in page.text


def test_taking_over_moves_the_duty_in_one_step(client, session, world, duty):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    as_caller(client, world, "other_volunteer")

    taken = post(client, f"/app/swaps/{offer_id}/accept", page="/app/swaps")

    assert taken.status_code == 303 and taken.headers["location"] == "/app?done=taken-over"
    assert live_on(session, duty.shift_id) == [(world["other_volunteer"].volunteer_id, "swap")]
    mine = client.get("/app", params={"lang": "en", "done": "taken-over"})
    assert "The duty is yours now. Thank you for stepping in!" in mine.text
    assert "Luohu U-station" in mine.text
    assert "Luohu U-station" not in client.get("/app/swaps").text

    as_caller(client, world, "volunteer")
    assert "Luohu U-station" not in client.get("/app", params={"lang": "en"}).text
    offers = client.get("/app/swaps", params={"lang": "en"})
    assert "Taken over by another volunteer" in offers.text


def test_a_late_taker_is_told_the_duty_is_gone_in_their_language(client, session, world, duty):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    third = another_volunteer(session, world, "Chen Jie", "13800000003")
    client.cookies.clear()
    client.cookies.set("uroster_session", third.token)
    token = csrf(client.get("/app/swaps").text)  # Chen's page shows the offer
    as_caller(client, world, "other_volunteer")
    assert post(client, f"/app/swaps/{offer_id}/accept", page="/app/swaps").status_code == 303

    client.cookies.clear()
    client.cookies.set("uroster_session", third.token)
    pages = {
        lang: client.post(f"/app/swaps/{offer_id}/accept?lang={lang}",
                          data={"csrf_token": token}, follow_redirects=False)
        for lang in ("en", "zh")
    }  # fmt: skip

    assert pages["en"].status_code == pages["zh"].status_code == 409
    assert "Sorry, someone else has just taken this duty over." in pages["en"].text
    assert "抱歉，这次值班刚刚被别人接走了。" in pages["zh"].text
    assert "Sorry" not in pages["zh"].text
    assert live_on(session, duty.shift_id) == [(world["other_volunteer"].volunteer_id, "swap")]


def test_a_withdrawn_or_unfitting_or_own_offer_says_why(client, session, world, duty):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)

    # Own offer.
    own = post(client, f"/app/swaps/{offer_id}/accept?lang=en", page="/app/swaps")
    assert own.status_code == 409
    assert "This is your own offer; take it back on My duties instead." in own.text

    # Not fitting: 张小明 is now available at no time.
    taker = session.get(Volunteer, world["other_volunteer"].volunteer_id)
    taker.availability_mode = AvailabilityMode.windows
    session.commit()
    as_caller(client, world, "other_volunteer")
    assert "Luohu U-station" not in client.get("/app/swaps").text
    unfit = post(client, f"/app/swaps/{offer_id}/accept?lang=en", page="/app/swaps")
    assert unfit.status_code == 409
    assert "You cannot take this seat: outside the times you can serve." in unfit.text

    # Withdrawn.
    taker.availability_mode = AvailabilityMode.any_time
    session.commit()
    as_caller(client, world, "volunteer")
    assert post(client, f"/app/swaps/{offer_id}/withdraw", {"back": "swaps"}).status_code == 303
    as_caller(client, world, "other_volunteer")
    gone = post(client, f"/app/swaps/{offer_id}/accept?lang=en", page="/app/swaps")
    assert gone.status_code == 409
    assert "This offer was taken back by its volunteer." in gone.text
    assert live_on(session, duty.shift_id) == [(world["volunteer"].volunteer_id, "solver")]


def test_an_offer_whose_duty_was_cancelled_is_closed(client, session, world, duty):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    assert post(client, f"/app/duties/{duty.id}/cancel", {"reason": "ill"}).status_code == 303
    own = client.get("/app/swaps", params={"lang": "en"})
    assert "Closed: the duty was cancelled or the roster changed" in own.text
    assert f"/app/swaps/{offer_id}/withdraw" not in own.text

    as_caller(client, world, "other_volunteer")
    closed = post(client, f"/app/swaps/{offer_id}/accept?lang=en", page="/app/swaps")
    assert closed.status_code == 409
    assert "This offer is closed: the duty was cancelled or the roster changed." in closed.text
    assert live_on(session, duty.shift_id) == []


def test_an_unknown_offer_is_not_found(client, world):
    as_caller(client, world, "volunteer")
    assert post(client, "/app/swaps/999999/accept", page="/app/swaps").status_code == 404
    assert post(client, "/app/swaps/999999/withdraw", page="/app/swaps").status_code == 404
    assert post(client, "/app/duties/999999/swap-offer").status_code == 404


# -- who may use the pages, and CSRF ---------------------------------------------------------


def swap_posts(duty: Assignment, offer_id: int) -> list[str]:
    return [
        f"/app/duties/{duty.id}/swap-offer",
        f"/app/swaps/{offer_id}/withdraw",
        f"/app/swaps/{offer_id}/accept",
    ]


@pytest.mark.parametrize("role", ["anonymous", "kiosk"])
def test_strangers_and_kiosks_are_sent_to_sign_in(client, session, world, duty, role):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    as_caller(client, world, role)
    headers = new_kiosk(client, world)[1] if role == "kiosk" else {}
    client.cookies.clear()
    page = client.get("/app/swaps", headers=headers, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/app/login?next=%2Fapp%2Fswaps"
    for path in swap_posts(duty, offer_id):
        response = client.post(path, headers=headers, data={}, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/app/login?next=")
    assert offers_of(session, duty) == ["open"]
    assert live_on(session, duty.shift_id) == [(world["volunteer"].volunteer_id, "solver")]


@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "admin"])
def test_coordinators_and_admins_are_sent_to_the_console(client, session, world, duty, role):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    as_caller(client, world, role)
    page = client.get("/app/swaps", params={"lang": "en"}, follow_redirects=False)
    assert page.status_code == 403
    assert "coordinators use the console" in page.text
    assert "Luohu U-station" not in page.text
    # With their session's own form token (the console's sign-out form): still refused.
    token = csrf(client.get("/console").text)
    for path in swap_posts(duty, offer_id):
        response = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, path
    assert offers_of(session, duty) == ["open"]
    assert live_on(session, duty.shift_id) == [(world["volunteer"].volunteer_id, "solver")]


@pytest.mark.parametrize("token", [None, "forged"])
def test_posts_without_the_forms_token_change_nothing(client, session, world, duty, token):
    offer_from_app(client, world, duty)
    offer_id = open_offer_id(session, duty)
    second = assign(session, add_shift(session, world.station_a, day_after_next_monday(2, 9)),
                    world["volunteer"].volunteer_id)  # fmt: skip
    data = {} if token is None else {"csrf_token": token}

    as_caller(client, world, "volunteer")
    offer = client.post(f"/app/duties/{second.id}/swap-offer", data=data, follow_redirects=False)
    withdraw = client.post(
        f"/app/swaps/{offer_id}/withdraw", data=data | {"back": "duties"}, follow_redirects=False
    )
    as_caller(client, world, "other_volunteer")
    accept = client.post(f"/app/swaps/{offer_id}/accept", data=data, follow_redirects=False)

    assert offer.status_code == withdraw.status_code == accept.status_code == 403
    assert offers_of(session, second) == []
    assert offers_of(session, duty) == ["open"]
    assert live_on(session, duty.shift_id) == [(world["volunteer"].volunteer_id, "solver")]


def test_no_english_swap_message_leaks_into_the_chinese_pages(client, session, world, duty):
    """The pages in Chinese, with an offer of each side and refused forms: none of the
    swaps' English messages shows."""
    catalogue = Path(__file__).parents[2] / "app/web/translations/zh/LC_MESSAGES/swaps.po"
    with catalogue.open("rb") as po:
        english = [m.id for m in read_po(po) if m.id and len(m.id) > 8]
    offer_from_app(client, world, duty, lang="zh")
    offer_id = open_offer_id(session, duty)
    pages = [client.get("/app"), client.get("/app/swaps")]
    pages.append(post(client, f"/app/duties/{duty.id}/swap-offer"))  # offered already
    pages.append(post(client, f"/app/swaps/{offer_id}/accept", page="/app/swaps"))  # own
    as_caller(client, world, "other_volunteer")
    pages.append(client.get("/app/swaps"))
    for page in pages:
        assert '<html lang="zh-CN">' in page.text
        text = unescape(re.sub(r"<[^>]+>", " ", page.text))
        leaked = [message for message in english if message in text]
        assert leaked == [], (page.url, leaked)
