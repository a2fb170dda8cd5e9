"""Every endpoint called by every role, with the status code each must get.

Roles: anonymous, volunteer, other volunteer, coordinator of district A (the
district of everything below), coordinator of district B, admin. Objects outside a
coordinator's districts answer 404, so that their existence does not leak.

Kiosks call too: a key of station A, a key of station B and a revoked key of A. A
kiosk key is no credential outside the kiosk paths, so there a kiosk gets what an
anonymous caller gets; rows for kiosk paths say what each kiosk gets.

Teams and organisations add two callers (conftest.add_teams): `org_admin`, the
administrator of organisation A (which owns team A of district A), and `lead`, a
volunteer of district A who leads team A. Unless a row says otherwise:
- the lead gets what the other volunteer gets: leading a team grants nothing beyond
  that team, and outside it the lead is one more volunteer of district A with no
  duties of the world's own;
- the org_admin gets what every signed-in person gets where they all get the same,
  and 403 where the row is for volunteers or coordinators (an organisation's
  administrator is neither: no volunteer's record, station or roster is theirs).
Rows of the team paths say what each of the two gets; team B (of organisation B, led
by someone else) proves that team A's lead and organisation A's admin reach nothing
of it.
"""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from tests.api.conftest import ALL_ROLES, ROLES, TEAM_ROLES, Caller, World, add_teams, make_world
from tests.api.test_adoptions import add_adoptions
from tests.api.test_certificates import add_certificates
from tests.api.test_duties import add_duties
from tests.api.test_webhooks import add_webhook

A, V, OV, C, OC, AD = ROLES  # anonymous, volunteer, other_volunteer, coordinator, ...
OA, L = TEAM_ROLES  # org_admin, lead
KIOSKS = ["kiosk", "other_kiosk", "revoked_kiosk"]
CALLERS = ALL_ROLES + KIOSKS


def codes(
    anonymous,
    volunteer,
    other_volunteer,
    coordinator,
    other_coordinator,
    admin,
    *,
    org_admin: int | None = None,
    lead: int | None = None,
):
    """The code of each caller; org_admin and lead default as the module says."""
    people = {volunteer, other_volunteer, coordinator, other_coordinator, admin}
    if org_admin is None:
        org_admin = admin if len(people) == 1 else 403
    if lead is None:
        lead = other_volunteer
    return dict(
        zip(
            ALL_ROLES,
            [anonymous, volunteer, other_volunteer, coordinator, other_coordinator, admin]
            + [org_admin, lead],
            strict=True,
        )
    )


PEOPLE_ONLY = codes(401, 200, 200, 200, 200, 200)
NO_PEOPLE = codes(*[401] * 6)
ADMIN_ONLY = lambda ok: codes(401, 403, 403, 403, 403, ok)  # noqa: E731
COORDINATOR_A = lambda ok: codes(401, 403, 403, ok, 404, ok)  # noqa: E731
VOLUNTEER_SELF = lambda ok: codes(401, ok, ok, 403, 403, 403)  # noqa: E731
# Readable by the people of district A (both volunteers are there) and admins. An
# organisation's admin reads no station: a list filtered by district is empty for
# them (200, tests/api/test_organisations.py), one station is not there (404).
IN_DISTRICT_A_LIST = codes(401, 200, 200, 200, 404, 200, org_admin=200)
IN_DISTRICT_A_ONE = codes(401, 200, 200, 200, 404, 200, org_admin=404)

TEMPLATE = {
    "weekdays": [1, 3],
    "start": "09:00",
    "end": "13:00",
    "min_volunteers": 1,
    "max_volunteers": 2,
    "skill_requirements": [{"skill": "lang:en", "count": 1}],
    "priority": 3,
}
AVAILABILITY = {
    "weekly": [{"weekday": 1, "start": "08:00", "end": "12:00", "preference": "preferred"}],
    "exceptions": [{"start_date": "2026-12-24", "end_date": "2026-12-26"}],
}
CSV = "name,phone,skills\nChen Jie,13900000077,lang:yue\n"


@dataclass
class Call:
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    json: Callable[[World, str], Any] | None = None
    files: Callable[[World], Any] | None = None
    data: Callable[[World], Any] | None = None
    query: dict | Callable[[World], dict] | None = None
    # Codes for the kiosk callers; None: a kiosk key counts for nothing here (anonymous).
    kiosk: dict[str, int] | None = None

    def expects(self, caller: str) -> int:
        if caller in self.expected:
            return self.expected[caller]
        return (self.kiosk or {}).get(caller, self.expected[A])


def kiosks(kiosk, other_kiosk, revoked_kiosk):
    return dict(zip(KIOSKS, [kiosk, other_kiosk, revoked_kiosk], strict=True))


def _template_path(w: World) -> str:
    return f"/api/v1/stations/{w.station_a.id}/shift-templates/{w.template_a.id}"


CALLS = {
    "POST /auth/token": Call(
        "POST",
        lambda w: "/api/v1/auth/token",
        codes(200, 200, 200, 200, 200, 200),
        data=lambda w: {"username": "ca@example.org", "password": "coord-pass"},
    ),
    "GET /auth/me": Call("GET", lambda w: "/api/v1/auth/me", PEOPLE_ONLY),
    "POST /auth/logout": Call("POST", lambda w: "/api/v1/auth/logout", codes(401, *[204] * 5)),
    "POST /auth/password": Call(
        "POST",
        lambda w: "/api/v1/auth/password",
        codes(401, 422, 422, 422, 422, 422),  # the current password given is wrong for all
        json=lambda w, role: {"current_password": "wrong", "new_password": "quiet-bamboo-ferry"},
    ),
    "POST /coordinators": Call(
        "POST",
        lambda w: "/api/v1/coordinators",
        ADMIN_ONLY(201),
        json=lambda w, role: {
            "email": "new@example.org",
            "password": "copper-heron-meadow",
            "name": "New",
            "district_ids": [w.district_a.id],
        },
    ),
    "GET /coordinators": Call("GET", lambda w: "/api/v1/coordinators", ADMIN_ONLY(200)),
    "PATCH /coordinators/{id}": Call(
        "PATCH",
        lambda w: f"/api/v1/coordinators/{w['coordinator'].account.id}",
        ADMIN_ONLY(200),
        json=lambda w, role: {"name": "Coord A2", "active": True},
    ),
    "POST /districts": Call(
        "POST",
        lambda w: "/api/v1/districts",
        ADMIN_ONLY(201),
        json=lambda w, role: {"code": "C", "name": "District C"},
    ),  # fmt: skip
    "GET /districts": Call("GET", lambda w: "/api/v1/districts", PEOPLE_ONLY),
    "POST /stations": Call(
        "POST",
        lambda w: "/api/v1/stations",
        COORDINATOR_A(201),
        json=lambda w, role: {
            "code": "A-2",
            "name": "Another",
            "kind": "community",
            "district_id": w.district_a.id,
            "address": "3 Road",
            "lat": 22.5,
            "lon": 114.1,
        },  # fmt: skip
    ),
    "GET /stations": Call("GET", lambda w: "/api/v1/stations", PEOPLE_ONLY),
    # Volunteers read their own district's stations; other coordinators get 404.
    "GET /stations?district_id": Call(
        "GET", lambda w: "/api/v1/stations", IN_DISTRICT_A_LIST, query={"district_id": 0}
    ),
    "GET /stations/{id}": Call(
        "GET", lambda w: f"/api/v1/stations/{w.station_a.id}", IN_DISTRICT_A_ONE
    ),
    "PATCH /stations/{id}": Call(
        "PATCH",
        lambda w: f"/api/v1/stations/{w.station_a.id}",
        COORDINATOR_A(200),
        json=lambda w, role: {"name": "Renamed"},
    ),  # fmt: skip
    "DELETE /stations/{id}": Call(
        "DELETE", lambda w: f"/api/v1/stations/{w.station_a.id}", COORDINATOR_A(204)
    ),
    "POST /stations/{id}/shift-templates": Call(
        "POST",
        lambda w: f"/api/v1/stations/{w.station_a.id}/shift-templates",
        COORDINATOR_A(201),
        json=lambda w, role: TEMPLATE,
    ),  # fmt: skip
    "GET /stations/{id}/shift-templates": Call(
        "GET", lambda w: f"/api/v1/stations/{w.station_a.id}/shift-templates", COORDINATOR_A(200)
    ),
    "DELETE /stations/{id}/shift-templates/{id}": Call(
        "DELETE", _template_path, COORDINATOR_A(204)
    ),
    "POST /shifts/generate": Call(
        "POST",
        lambda w: "/api/v1/shifts/generate",
        COORDINATOR_A(200),
        json=lambda w, role: {"district_id": w.district_a.id, "week": "2026-W49"},
    ),  # fmt: skip
    "POST /shifts": Call(
        "POST",
        lambda w: "/api/v1/shifts",
        COORDINATOR_A(201),
        json=lambda w, role: {
            "station_id": w.station_a.id,
            "starts_at": "2026-12-05T09:00:00+08:00",
            "ends_at": "2026-12-05T13:00:00+08:00",
            "min_volunteers": 1,
            "max_volunteers": 2,
        },
    ),  # fmt: skip
    "GET /shifts": Call("GET", lambda w: "/api/v1/shifts", PEOPLE_ONLY, query={"week": "2026-W49"}),
    "GET /shifts?district_id": Call(
        "GET", lambda w: "/api/v1/shifts", IN_DISTRICT_A_LIST, query={"district_id": 0}
    ),
    "DELETE /shifts/{id}": Call(
        "DELETE", lambda w: f"/api/v1/shifts/{w.future_shift.id}", COORDINATOR_A(204)
    ),
    "POST /volunteers": Call(
        "POST",
        lambda w: "/api/v1/volunteers",
        codes(*[201] * 6),
        json=lambda w, role: {
            "name": "Newcomer",
            "phone": f"1370000{CALLERS.index(role):04d}",
            "password": "copper-heron-meadow",
            "accept_privacy_notice": True,
        },
    ),
    "GET /volunteers/me": Call("GET", lambda w: "/api/v1/volunteers/me", VOLUNTEER_SELF(200)),
    "PATCH /volunteers/me": Call(
        "PATCH",
        lambda w: "/api/v1/volunteers/me",
        VOLUNTEER_SELF(200),
        json=lambda w, role: {"max_hours_per_week": 6},
    ),  # fmt: skip
    "DELETE /volunteers/me": Call("DELETE", lambda w: "/api/v1/volunteers/me", VOLUNTEER_SELF(204)),
    "GET /volunteers/me/availability": Call(
        "GET", lambda w: "/api/v1/volunteers/me/availability", VOLUNTEER_SELF(200)
    ),
    "PUT /volunteers/me/availability": Call(
        "PUT",
        lambda w: "/api/v1/volunteers/me/availability",
        VOLUNTEER_SELF(200),
        json=lambda w, role: AVAILABILITY,
    ),  # fmt: skip
    "GET /volunteers": Call(
        "GET", lambda w: "/api/v1/volunteers", codes(401, 403, 403, 200, 200, 200)
    ),
    "GET /volunteers?district_id": Call(
        "GET", lambda w: f"/api/v1/volunteers?district_id={w.district_a.id}", COORDINATOR_A(200)
    ),
    "GET /volunteers/{id}": Call(
        "GET", lambda w: f"/api/v1/volunteers/{w['volunteer'].volunteer_id}", COORDINATOR_A(200)
    ),
    "PATCH /volunteers/{id}": Call(
        "PATCH",
        lambda w: f"/api/v1/volunteers/{w['volunteer'].volunteer_id}",
        COORDINATOR_A(200),
        json=lambda w, role: {"status": "inactive"},
    ),  # fmt: skip
    "GET /volunteers/{id}/availability": Call(
        "GET",
        lambda w: f"/api/v1/volunteers/{w['volunteer'].volunteer_id}/availability",
        COORDINATOR_A(200),
    ),
    "PUT /volunteers/{id}/availability": Call(
        "PUT",
        lambda w: f"/api/v1/volunteers/{w['volunteer'].volunteer_id}/availability",
        COORDINATOR_A(200),
        json=lambda w, role: AVAILABILITY,
    ),
    "POST /volunteers/{id}/invitation": Call(
        "POST",
        lambda w: f"/api/v1/volunteers/{w.imported.id}/invitation",
        COORDINATOR_A(201),
    ),
    "POST /volunteers/import": Call(
        "POST",
        lambda w: "/api/v1/volunteers/import",
        codes(401, 403, 403, 200, 200, 200),
        files=lambda w: {"file": ("volunteers.csv", CSV.encode(), "text/csv")},
    ),  # fmt: skip
    "POST /rosters": Call(
        "POST",
        lambda w: "/api/v1/rosters",
        COORDINATOR_A(202),
        json=lambda w, role: {"district_id": w.district_a.id, "week": "2026-W50"},
    ),  # fmt: skip
    "GET /rosters": Call(
        "GET",
        lambda w: "/api/v1/rosters",
        COORDINATOR_A(200),
        query={"district_id": 0},  # replaced by the fixture's district below
    ),  # fmt: skip
    "GET /rosters/{id}": Call("GET", lambda w: f"/api/v1/rosters/{w.draft.id}", COORDINATOR_A(200)),
    "GET /rosters/{id}/assignments": Call(
        "GET", lambda w: f"/api/v1/rosters/{w.draft.id}/assignments", COORDINATOR_A(200)
    ),
    "GET /rosters/{id}/unfilled": Call(
        "GET", lambda w: f"/api/v1/rosters/{w.draft.id}/unfilled", COORDINATOR_A(200)
    ),
    "POST /rosters/{id}/publish": Call(
        "POST", lambda w: f"/api/v1/rosters/{w.draft.id}/publish", COORDINATOR_A(200)
    ),
    "POST /rosters/{id}/repair": Call(
        "POST", lambda w: f"/api/v1/rosters/{w.published.id}/repair", COORDINATOR_A(202)
    ),
    "GET /rosters/{id}/export.csv": Call(
        "GET", lambda w: f"/api/v1/rosters/{w.draft.id}/export.csv", COORDINATOR_A(200)
    ),
    "POST /rosters/{id}/assignments": Call(
        "POST",
        lambda w: f"/api/v1/rosters/{w.draft.id}/assignments",
        COORDINATOR_A(201),
        json=lambda w, role: {
            "shift_id": w.shift.id,
            "volunteer_id": w["other_volunteer"].volunteer_id,
        },
    ),  # fmt: skip
    "DELETE /rosters/{id}/assignments/{id}": Call(
        "DELETE",
        lambda w: f"/api/v1/rosters/{w.draft.id}/assignments/{w.assignment.id}",
        COORDINATOR_A(204),
    ),
    "GET /volunteers/me/assignments": Call(
        "GET", lambda w: "/api/v1/volunteers/me/assignments", VOLUNTEER_SELF(200)
    ),
    "POST /assignments/{id}/cancel": Call(
        "POST",
        lambda w: f"/api/v1/assignments/{w.duty.id}/cancel",
        # Other volunteers, coordinators elsewhere and organisations' admins are told
        # it does not exist.
        codes(401, 200, 404, 200, 404, 200, org_admin=404),
        json=lambda w, role: {"reason": "unwell"},
    ),
    "GET /shifts/open": Call("GET", lambda w: "/api/v1/shifts/open", VOLUNTEER_SELF(200)),
    "POST /shifts/{id}/signup": Call(
        "POST", lambda w: f"/api/v1/shifts/{w.open_shift.id}/signup", VOLUNTEER_SELF(201)
    ),
    # Only a volunteer offered the seat at short notice may say no (tests/api/test_cover.py);
    # in this world nobody is, so volunteers are told there is no such offer.
    "POST /shifts/{id}/decline": Call(
        "POST", lambda w: f"/api/v1/shifts/{w.open_shift.id}/decline", VOLUNTEER_SELF(404)
    ),
    # Swaps are the volunteers' business; the duty's own volunteer offers it.
    "POST /assignments/{id}/swap-offer": Call(
        "POST",
        lambda w: f"/api/v1/assignments/{w.duty.id}/swap-offer",
        codes(401, 201, 404, 403, 403, 403),
    ),
    "GET /swap-offers": Call("GET", lambda w: "/api/v1/swap-offers", VOLUNTEER_SELF(200)),
    "GET /volunteers/me/swap-offers": Call(
        "GET", lambda w: "/api/v1/volunteers/me/swap-offers", VOLUNTEER_SELF(200)
    ),
    # The offerer takes it back; anyone else is told it does not exist.
    "POST /swap-offers/{offer_id}/withdraw": Call(
        "POST",
        lambda w: f"/api/v1/swap-offers/{w.swap_offer_id}/withdraw",
        codes(401, 200, 404, 403, 403, 403),
    ),
    # The other volunteer takes it over; the offerer cannot take their own (409).
    "POST /swap-offers/{offer_id}/accept": Call(
        "POST",
        lambda w: f"/api/v1/swap-offers/{w.swap_offer_id}/accept",
        codes(401, 409, 200, 403, 403, 403),
    ),
    "GET /rosters/{id}/history": Call(
        "GET", lambda w: f"/api/v1/rosters/{w.published.id}/history", COORDINATOR_A(200)
    ),
    "GET /volunteers/me/calendar.ics": Call(
        "GET", lambda w: "/api/v1/volunteers/me/calendar.ics", VOLUNTEER_SELF(200)
    ),
    "POST /volunteers/me/calendar-feed": Call(
        "POST", lambda w: "/api/v1/volunteers/me/calendar-feed", VOLUNTEER_SELF(200)
    ),
    # The URL is the credential: whoever holds it reads the feed, signed in or not.
    "GET /calendar/{feed_token}.ics": Call(
        "GET", lambda w: f"/api/v1/calendar/{w.feed_token}.ics", codes(*[200] * 6)
    ),
    "GET /volunteers/me/notification-settings": Call(
        "GET", lambda w: "/api/v1/volunteers/me/notification-settings", VOLUNTEER_SELF(200)
    ),
    "PATCH /volunteers/me/notification-settings": Call(
        "PATCH",
        lambda w: "/api/v1/volunteers/me/notification-settings",
        VOLUNTEER_SELF(200),
        json=lambda w, role: {"language": "en"},
    ),
    # The link in an e-mail is the credential (RFC 8058 one-click): anyone holding it.
    "POST /unsubscribe/{token}": Call(
        "POST", lambda w: w.unsubscribe_path, codes(*[200] * 6), kiosk=kiosks(200, 200, 200)
    ),
    "GET /unsubscribe/{token} (page)": Call(
        "GET", lambda w: w.unsubscribe_path, codes(*[200] * 6), kiosk=kiosks(200, 200, 200)
    ),
    "POST /stations/{id}/kiosks": Call(
        "POST",
        lambda w: f"/api/v1/stations/{w.station_a.id}/kiosks",
        COORDINATOR_A(201),
        json=lambda w, role: {"name": "Tablet"},
    ),
    "GET /stations/{id}/kiosks": Call(
        "GET", lambda w: f"/api/v1/stations/{w.station_a.id}/kiosks", COORDINATOR_A(200)
    ),
    "DELETE /stations/{id}/kiosks/{id}": Call(
        "DELETE",
        lambda w: f"/api/v1/stations/{w.station_a.id}/kiosks/{w.kiosk_id}",
        COORDINATOR_A(204),
    ),
    # People's tokens are not kiosk keys; station B's kiosk reads its own (empty) board.
    "GET /kiosk/duty": Call(
        "GET", lambda w: "/api/v1/kiosk/duty", NO_PEOPLE, kiosk=kiosks(200, 200, 401)
    ),
    "POST /kiosk/check-in": Call(
        "POST",
        lambda w: "/api/v1/kiosk/check-in",
        NO_PEOPLE,
        json=lambda w, role: {"assignment_id": w.kiosk_duty.id},
        kiosk=kiosks(200, 404, 401),
    ),
    "POST /kiosk/check-out": Call(
        "POST",
        lambda w: "/api/v1/kiosk/check-out",
        NO_PEOPLE,
        json=lambda w, role: {"assignment_id": w.checked_in.id},
        kiosk=kiosks(200, 404, 401),
    ),
    "GET /kiosk (page)": Call(
        "GET", lambda w: "/kiosk", codes(*[200] * 6), kiosk=kiosks(200, 200, 200)
    ),
    "GET /volunteers/me/hours": Call(
        "GET", lambda w: "/api/v1/volunteers/me/hours", VOLUNTEER_SELF(200)
    ),
    "PATCH /hours/{id}": Call(
        "PATCH",
        lambda w: f"/api/v1/hours/{w.kiosk_duty.id}",
        COORDINATOR_A(200),
        json=lambda w, role: {
            "check_in_at": w.kiosk_duty.shift.starts_at.isoformat(),
            "check_out_at": (w.kiosk_duty.shift.starts_at + timedelta(minutes=50)).isoformat(),
            "reason": "the kiosk was offline",
        },
    ),
    "GET /reports/hours": Call(
        "GET",
        lambda w: "/api/v1/reports/hours",
        COORDINATOR_A(200),
        query={"district_id": 0, "from": "2026-11-01", "to": "2026-12-31"},
    ),
    # Certificates: the volunteer served yesterday and holds world.certificate; the other
    # volunteer has no verified hours (409) and does not see it (404).
    "POST /volunteers/me/certificates": Call(
        "POST",
        lambda w: "/api/v1/volunteers/me/certificates",
        codes(401, 201, 409, 403, 403, 403),
        json=lambda w, role: {},
    ),
    "GET /volunteers/me/certificates": Call(
        "GET", lambda w: "/api/v1/volunteers/me/certificates", VOLUNTEER_SELF(200)
    ),
    "GET /volunteers/me/certificates/{code}.pdf": Call(
        "GET",
        lambda w: f"/api/v1/volunteers/me/certificates/{w.certificate.code}.pdf",
        codes(401, 200, 404, 403, 403, 403),
    ),
    "GET /certificates": Call(
        "GET", lambda w: "/api/v1/certificates", codes(401, 403, 403, 200, 200, 200)
    ),
    "GET /certificates?district_id": Call(
        "GET", lambda w: "/api/v1/certificates", COORDINATOR_A(200), query={"district_id": 0}
    ),
    "POST /certificates/{code}/revoke": Call(
        "POST", lambda w: f"/api/v1/certificates/{w.certificate.code}/revoke", COORDINATOR_A(200)
    ),
    # The public check, outside /api/v1: anyone, signed in or not.
    "GET /verify/{code}": Call("GET", lambda w: f"/verify/{w.certificate.code}", codes(*[200] * 6)),
    "GET /healthz": Call("GET", lambda w: "/healthz", codes(*[200] * 6)),
    "GET /readyz": Call("GET", lambda w: "/readyz", codes(*[200] * 6)),
    # Admins only (UROSTER_METRICS_PUBLIC=1 opens it: tests/api/test_operations.py).
    "GET /metrics": Call("GET", lambda w: "/metrics", ADMIN_ONLY(200)),
    # The API documentation pages, outside the OpenAPI document like the kiosk page.
    "GET /docs (page)": Call("GET", lambda w: "/docs", codes(*[200] * 6)),
    "GET /redoc (page)": Call("GET", lambda w: "/redoc", codes(*[200] * 6)),
    "POST /webhooks": Call(
        "POST",
        lambda w: "/api/v1/webhooks",
        ADMIN_ONLY(201),
        json=lambda w, role: {"url": "http://127.0.0.1:9/hook", "events": ["duty.changed"]},
    ),
    "GET /webhooks": Call("GET", lambda w: "/api/v1/webhooks", ADMIN_ONLY(200)),
    "DELETE /webhooks/{id}": Call(
        "DELETE", lambda w: f"/api/v1/webhooks/{w.webhook_id}", ADMIN_ONLY(204)
    ),
    "GET /webhooks/{id}/deliveries": Call(
        "GET", lambda w: f"/api/v1/webhooks/{w.webhook_id}/deliveries", ADMIN_ONLY(200)
    ),
    # recruitment
    "GET /rosters/{id}/recruitment": Call(
        "GET", lambda w: f"/api/v1/rosters/{w.draft.id}/recruitment", COORDINATOR_A(200)
    ),
    "GET /rosters/{id}/recruitment?format=csv": Call(
        "GET",
        lambda w: f"/api/v1/rosters/{w.draft.id}/recruitment",
        COORDINATOR_A(200),
        query={"format": "csv"},
    ),
}


# -- organisations and teams ------------------------------------------------------------
# Team A is organisation A's, led by `lead`; the other volunteer asks to join it. Team B
# (also of district A) is organisation B's: its rows prove that team A's lead and
# organisation A's admin reach nothing of it, while district A's coordinator does.
OWN_ORGANISATION = lambda ok: codes(401, 403, 403, 403, 403, ok, org_admin=ok)  # noqa: E731
OTHER_ORGANISATION = lambda ok: codes(401, 403, 403, 403, 403, ok, org_admin=404)  # noqa: E731
# Those who oversee team A: its coordinators, organisation admin and lead; any other
# volunteer is told the team's people do not exist.
OVERSEE_TEAM_A = lambda ok: codes(401, 404, 404, ok, 404, ok, org_admin=ok, lead=ok)  # noqa: E731
OVERSEE_TEAM_B = lambda ok: codes(401, 404, 404, ok, 404, ok, org_admin=404, lead=404)  # noqa: E731
# Those who manage a team (not its leads, who are volunteers: 403) name its leads.
MANAGE_TEAM = lambda ok, org_admin: codes(  # noqa: E731
    401, 403, 403, ok, 404, ok, org_admin=org_admin, lead=403
)
PERIOD = {"from": "2026-11-01", "to": "2026-12-31"}
MESSAGE = {"subject": "Saturday", "body": "Bring water."}


def _team(w: World, which: str) -> str:
    return f"/api/v1/teams/{getattr(w, 'team_' + which).id}"


TEAM_CALLS = {
    "POST /organisations": Call(
        "POST",
        lambda w: "/api/v1/organisations",
        ADMIN_ONLY(201),
        json=lambda w, role: {"code": "ORG-N", "name": "New", "district_ids": [w.district_a.id]},
    ),
    "GET /organisations": Call("GET", lambda w: "/api/v1/organisations", PEOPLE_ONLY),
    "GET /organisations/{id}": Call(
        "GET", lambda w: f"/api/v1/organisations/{w.org_a.id}", OWN_ORGANISATION(200)
    ),
    "GET /organisations/{id} (another's)": Call(
        "GET", lambda w: f"/api/v1/organisations/{w.org_b.id}", OTHER_ORGANISATION(200)
    ),
    "PATCH /organisations/{id}": Call(
        "PATCH",
        lambda w: f"/api/v1/organisations/{w.org_a.id}",
        OWN_ORGANISATION(200),
        json=lambda w, role: {"name": "Renamed"},
    ),
    "PATCH /organisations/{id} (another's)": Call(
        "PATCH",
        lambda w: f"/api/v1/organisations/{w.org_b.id}",
        OTHER_ORGANISATION(200),
        json=lambda w, role: {"name": "Renamed"},
    ),
    "POST /organisations/{id}/admins": Call(
        "POST",
        lambda w: f"/api/v1/organisations/{w.org_a.id}/admins",
        ADMIN_ONLY(201),
        json=lambda w, role: {
            "email": "new-oa@example.org",
            "name": "New Admin",
            "password": "copper-heron-meadow",
        },
    ),  # fmt: skip
    "POST /teams": Call(
        "POST",
        lambda w: "/api/v1/teams",
        MANAGE_TEAM(201, org_admin=201),
        json=lambda w, role: {"district_id": w.district_a.id, "name": "New team"},
    ),
    "GET /teams": Call("GET", lambda w: "/api/v1/teams", PEOPLE_ONLY),
    # Which teams there are is no secret to the signed-in, whatever the district.
    "GET /teams?district_id": Call(
        "GET", lambda w: "/api/v1/teams", PEOPLE_ONLY, query={"district_id": 0}
    ),
    "GET /teams/{id}": Call("GET", lambda w: _team(w, "b"), PEOPLE_ONLY),
    "GET /volunteers/me/teams": Call(
        "GET", lambda w: "/api/v1/volunteers/me/teams", VOLUNTEER_SELF(200)
    ),
    "POST /teams/{id}/leads": Call(
        "POST",
        lambda w: f"{_team(w, 'a')}/leads",
        MANAGE_TEAM(201, org_admin=201),
        json=lambda w, role: {"volunteer_id": w["volunteer"].volunteer_id},
    ),
    "POST /teams/{id}/leads (team B)": Call(
        "POST",
        lambda w: f"{_team(w, 'b')}/leads",
        MANAGE_TEAM(201, org_admin=404),
        json=lambda w, role: {"volunteer_id": w["volunteer"].volunteer_id},
    ),
    # The volunteer asks; the other volunteer asks already and the lead is in it (409).
    "POST /teams/{id}/join": Call(
        "POST", lambda w: f"{_team(w, 'a')}/join", codes(401, 201, 409, 403, 403, 403, lead=409)
    ),
    # The other volunteer withdraws their request, the lead leaves; the volunteer is not in it.
    "DELETE /teams/{id}/join": Call(
        "DELETE", lambda w: f"{_team(w, 'a')}/join", codes(401, 404, 204, 403, 403, 403, lead=204)
    ),
    "GET /teams/{id}/members": Call(
        "GET", lambda w: f"{_team(w, 'a')}/members", OVERSEE_TEAM_A(200)
    ),
    "GET /teams/{id}/members (team B)": Call(
        "GET", lambda w: f"{_team(w, 'b')}/members", OVERSEE_TEAM_B(200)
    ),
    "POST /teams/{id}/members/{id}/approve": Call(
        "POST",
        lambda w: f"{_team(w, 'a')}/members/{w['other_volunteer'].volunteer_id}/approve",
        OVERSEE_TEAM_A(200),
    ),
    "POST /teams/{id}/members/{id}/approve (team B)": Call(
        "POST", lambda w: f"{_team(w, 'b')}/members/{w.lead_b_id}/approve", OVERSEE_TEAM_B(200)
    ),
    "DELETE /teams/{id}/members/{id}/approve": Call(
        "DELETE",
        lambda w: f"{_team(w, 'a')}/members/{w['other_volunteer'].volunteer_id}/approve",
        OVERSEE_TEAM_A(204),
    ),
    "DELETE /teams/{id}/members/{id}/approve (team B)": Call(
        "DELETE", lambda w: f"{_team(w, 'b')}/members/{w.lead_b_id}/approve", OVERSEE_TEAM_B(204)
    ),
    "GET /teams/{id}/duties": Call(
        "GET", lambda w: f"{_team(w, 'a')}/duties", OVERSEE_TEAM_A(200), query=PERIOD
    ),
    "GET /teams/{id}/duties (team B)": Call(
        "GET", lambda w: f"{_team(w, 'b')}/duties", OVERSEE_TEAM_B(200), query=PERIOD
    ),
    "GET /teams/{id}/hours": Call(
        "GET", lambda w: f"{_team(w, 'a')}/hours", OVERSEE_TEAM_A(200), query=PERIOD
    ),
    "GET /teams/{id}/hours (team B)": Call(
        "GET", lambda w: f"{_team(w, 'b')}/hours", OVERSEE_TEAM_B(200), query=PERIOD
    ),
    "POST /teams/{id}/messages": Call(
        "POST",
        lambda w: f"{_team(w, 'a')}/messages",
        OVERSEE_TEAM_A(202),
        json=lambda w, role: MESSAGE,
    ),
    "POST /teams/{id}/messages (team B)": Call(
        "POST",
        lambda w: f"{_team(w, 'b')}/messages",
        OVERSEE_TEAM_B(202),
        json=lambda w, role: MESSAGE,
    ),
    # A team's or an organisation's hours (tests/api/test_team_reports.py).
    "GET /reports/hours?team_id": Call(
        "GET",
        lambda w: "/api/v1/reports/hours",
        OVERSEE_TEAM_A(200),
        query=lambda w: PERIOD | {"team_id": w.team_a.id},
    ),
    "GET /reports/hours?team_id (team B)": Call(
        "GET",
        lambda w: "/api/v1/reports/hours",
        OVERSEE_TEAM_B(200),
        query=lambda w: PERIOD | {"team_id": w.team_b.id},
    ),
    "GET /reports/hours?organisation_id": Call(
        "GET",
        lambda w: "/api/v1/reports/hours",
        codes(401, 403, 403, 200, 404, 200, org_admin=200, lead=403),
        query=lambda w: PERIOD | {"organisation_id": w.org_a.id},
    ),
    # Organisation B serves district B too: its coordinator reads it (no team there).
    "GET /reports/hours?organisation_id (organisation B)": Call(
        "GET",
        lambda w: "/api/v1/reports/hours",
        codes(401, 403, 403, 200, 200, 200, org_admin=404, lead=403),
        query=lambda w: PERIOD | {"organisation_id": w.org_b.id},
    ),
    # adoptions (tests/api/test_adoptions.py add_adoptions: team A adopting a Saturday
    # seat of station A-ADOPT)
    "POST /stations/{id}/adoptions": Call(
        "POST",
        lambda w: f"/api/v1/stations/{w.adoption_station.id}/adoptions",
        COORDINATOR_A(201),
        json=lambda w, role: {
            "team_id": w.team.id,
            "weekdays": [7],
            "start": "08:00",
            "end": "12:00",
            "seats": 1,
        },  # fmt: skip
    ),
    "GET /stations/{id}/adoptions": Call(
        "GET", lambda w: f"/api/v1/stations/{w.adoption_station.id}/adoptions", COORDINATOR_A(200)
    ),
    "DELETE /stations/{id}/adoptions/{adoption_id}": Call(
        "DELETE",
        lambda w: f"/api/v1/stations/{w.adoption_station.id}/adoptions/{w.adoption.id}",
        COORDINATOR_A(204),
    ),
    # those who oversee team A (its lead puts himself on the seat); any other: 404
    "GET /teams/{id}/open-seats": Call(
        "GET", lambda w: f"/api/v1/teams/{w.team.id}/open-seats", OVERSEE_TEAM_A(200)
    ),
    "POST /teams/{id}/assignments": Call(
        "POST",
        lambda w: f"/api/v1/teams/{w.team.id}/assignments",
        OVERSEE_TEAM_A(201),
        json=lambda w, role: {
            "shift_id": w.adopted_shift.id,
            "volunteer_id": w["lead"].volunteer_id,
        },  # fmt: skip
    ),
}
CALLS |= TEAM_CALLS


@pytest.fixture(scope="module")
def matrix_connection(engine: Engine) -> Iterator[Connection]:
    """One connection per database for the whole matrix: the world below is built once
    in its outer transaction (rolled back at the end), and each call of the matrix runs
    in a savepoint of its own (the world costs more than a call: built per call, it
    was two thirds of the matrix's time)."""
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


def _session_on(connection: Connection) -> Session:
    return Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture(scope="module")
def matrix_world(matrix_connection: Connection) -> World:
    with _session_on(matrix_connection) as session:
        return build_world_with_template(make_world(session), session)


@pytest.fixture
def session(matrix_connection: Connection, matrix_world: World) -> Iterator[Session]:
    """This module's session: a savepoint over the shared world, rolled back after the
    call, so that no call sees what another did."""
    savepoint = matrix_connection.begin_nested()
    session = _session_on(matrix_connection)
    yield session
    session.close()
    savepoint.rollback()


def build_world_with_template(world: World, session: Session) -> World:
    """The world plus a template, a week-49 shift, a draft roster holding one assignment
    and a published roster of the same district-week."""
    from datetime import UTC, datetime

    from app.rosters.models import Assignment, Roster
    from app.shifts.models import Shift
    from app.stations.models import ShiftTemplate

    template = ShiftTemplate(station_id=world.station_a.id, **TEMPLATE)
    shift = Shift(
        station_id=world.station_a.id, starts_at=datetime(2026, 12, 1, 1, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 5, tzinfo=UTC), min_volunteers=1, max_volunteers=2,
        skill_requirements=[], priority=3,
    )  # fmt: skip
    draft = Roster(district_id=world.district_a.id, week="2026-W49", status="draft",
                   time_limit_seconds=1)  # fmt: skip
    published = Roster(district_id=world.district_a.id, week="2026-W49", status="published",
                       time_limit_seconds=1)  # fmt: skip
    from app.volunteers.models import Volunteer

    add_teams(session, world)
    imported = Volunteer(district_id=world.district_a.id, name="Imported", phone="+8613900000099")
    session.add_all([template, shift, draft, published, imported])
    session.flush()
    world.imported = imported
    assignment = Assignment(
        roster_id=draft.id, shift_id=shift.id, volunteer_id=world["volunteer"].volunteer_id
    )
    session.add(assignment)
    session.commit()
    world.template_a, world.shift, world.assignment = template, shift, assignment
    world.draft, world.published = draft, published
    add_kiosks(world, session)
    add_certificates(world, session)
    add_duties(world, session)
    add_swap_offer(world, session)
    add_webhook(world, session)
    add_adoptions(world, session, team=world.team_a)
    world.unsubscribe_path = unsubscribe_path(world, session)
    # Loaded while the building session is open: the calls read it after it has closed.
    assert world.kiosk_duty.shift is not None
    return world


def unsubscribe_path(world, session) -> str:
    from app.notifications import unsubscribe

    token = unsubscribe.token(session, world["volunteer"].volunteer_id, "reminder")
    return f"/unsubscribe/{token}"


def add_swap_offer(world, session):
    """The volunteer's open offer of a second duty (the first stays free to offer)."""
    from app.swaps.models import SwapOffer
    from tests.api.test_duties import add_shift, assign, day_after_next_monday

    shift = add_shift(session, world.station_a, day_after_next_monday(2, 9))
    duty = assign(session, shift, world["volunteer"].volunteer_id)
    swap_offer = SwapOffer(assignment_id=duty.id, offered_by=world["volunteer"].volunteer_id)
    session.add(swap_offer)
    session.commit()
    world.swap_offer_id = swap_offer.id


def add_kiosks(world, session):
    """Kiosks of stations A and B and a revoked one of A, as callers; a duty running now
    at station A (started an hour ago) and another already checked in."""
    from app.accounts.security import new_token, token_digest
    from app.db import utcnow
    from app.kiosks.models import Kiosk
    from app.rosters.models import AssignmentStatus
    from tests.api.test_duties import add_shift, assign

    now = utcnow()
    for name, station, revoked in (
        ("kiosk", world.station_a, None),
        ("other_kiosk", world.station_b, None),
        ("revoked_kiosk", world.station_a, now),
    ):
        key = new_token()
        kiosk = Kiosk(
            station_id=station.id, name=name, key_hash=token_digest(key), revoked_at=revoked
        )
        session.add(kiosk)
        session.flush()
        world.callers[name] = Caller(name=name, headers={"X-Kiosk-Key": key})
        if name == "kiosk":
            world.kiosk_id = kiosk.id
    world.future_shift = add_shift(session, world.station_a, now + timedelta(days=2))
    running = add_shift(session, world.station_a, now - timedelta(hours=1), hours=4)
    world.kiosk_duty = assign(session, running, world["volunteer"].volunteer_id)
    world.checked_in = assign(
        session, running, world["other_volunteer"].volunteer_id, status=AssignmentStatus.checked_in
    )
    world.checked_in.check_in_at = now - timedelta(minutes=30)
    session.commit()


@pytest.mark.parametrize(
    ("endpoint", "role"),
    [
        *itertools.product(CALLS, ALL_ROLES),
        # The valid kiosk key on every row; the other kiosks where a row names them.
        *((e, k) for e in CALLS for k in KIOSKS if k == "kiosk" or CALLS[e].kiosk),
    ],
    ids=lambda v: str(v),
)
def test_role_matrix(client, matrix_world, endpoint, role):
    call = CALLS[endpoint]
    world = matrix_world
    caller = world[role]
    query = call.query(world) if callable(call.query) else call.query
    if query and "district_id" in query:
        query = query | {"district_id": world.district_a.id}
    kwargs: dict[str, Any] = {"headers": caller.headers, "params": query}
    if call.json:
        kwargs["json"] = call.json(world, role)
    if call.files:
        kwargs["files"] = call.files(world)
    if call.data:
        kwargs["data"] = call.data(world)
    response = client.request(call.method, call.path(world), **kwargs)
    expected = call.expects(role)
    assert response.status_code == expected, f"{endpoint} as {role}: {response.text}"
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


def test_every_route_is_in_the_matrix(app):
    """A new endpoint without a row in the matrix fails here."""
    documented = {" ".join(k.split()[:2]).split("?")[0] for k in CALLS}
    assert "GET /kiosk" in documented  # the page: outside the OpenAPI document, in the matrix
    paths = app.openapi()["paths"]
    assert len(paths) >= 20
    for path, operations in paths.items():
        template = path.removeprefix("/api/v1")
        for name in (
            "station_id",
            "template_id",
            "volunteer_id",
            "roster_id",
            "assignment_id",
            "shift_id",
            "kiosk_id",
            "coordinator_id",
            "webhook_id",
            "organisation_id",
            "team_id",
        ):
            template = template.replace("{" + name + "}", "{id}")
        for method in operations:
            assert f"{method.upper()} {template}" in documented, f"{method} {path} has no row"
