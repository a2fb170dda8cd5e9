from sqlalchemy import func, select

from app.volunteers.models import Volunteer

HEADER = "name,phone,email,skills,home_lat,home_lon,district_code,max_hours_per_week,availability"


def upload(client, headers, text: str, *, partial: bool = False, encoding="utf-8"):
    return client.post(
        "/api/v1/volunteers/import",
        headers=headers,
        params={"partial": "true"} if partial else None,
        files={"file": ("list.csv", text.encode(encoding), "text/csv")},
    )


def test_import_creates_with_every_column(client, world):
    coordinator = world["coordinator"].headers
    text = (
        f"{HEADER}\n"
        "陈杰,13900000011,chen@example.org,lang:yue; First_Aid,22.53,114.05,A,6,"
        "Mon 09:00-13:00; Sat-Sun 08:00-12:00\n"
    )
    response = upload(client, coordinator, text)
    assert response.json() == {"created": 1, "updated": 0, "errors": []}
    listed = client.get("/api/v1/volunteers", headers=coordinator, params={"skill": "lang:yue"})
    (chen,) = listed.json()["items"]
    assert chen["name"] == "陈杰" and chen["phone"] == "+8613900000011"
    assert chen["skills"] == ["first_aid", "lang:yue"]
    assert chen["home"] == {"lat": 22.53, "lon": 114.05}
    assert chen["district_id"] == world.district_a.id and chen["max_hours_per_week"] == 6
    availability = client.get(
        f"/api/v1/volunteers/{chen['id']}/availability", headers=coordinator
    ).json()
    assert [(w["weekday"], w["start"], w["end"]) for w in availability["weekly"]] == [
        (1, "09:00", "13:00"),
        (6, "08:00", "12:00"),
        (7, "08:00", "12:00"),
    ]


def test_reimport_updates_by_phone_and_keeps_empty_cells(client, session, world):
    coordinator = world["coordinator"].headers
    # The volunteer registered as 13800000001 (Wang Li, lang:en) is matched by phone.
    text = "name,phone,max_hours_per_week\nWang Li-Na,+86 13800000001,10\n"
    assert upload(client, coordinator, text).json() == {"created": 0, "updated": 1, "errors": []}
    wang = client.get(
        f"/api/v1/volunteers/{world['volunteer'].volunteer_id}", headers=coordinator
    ).json()
    assert wang["name"] == "Wang Li-Na" and wang["max_hours_per_week"] == 10
    assert wang["skills"] == ["lang:en"]
    assert session.scalar(select(func.count()).select_from(Volunteer)) == 2


def test_bom_and_crlf_files_import(client, world):
    text = "\ufeffname,phone\r\nZhou,13900000012\r\n"
    assert upload(client, world["coordinator"].headers, text).json()["created"] == 1


def test_partial_import_takes_the_good_rows(client, world):
    text = "name,phone\nGood,13900000013\n,13900000014\nBad phone,12\n"
    response = upload(client, world["coordinator"].headers, text, partial=True)
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 1
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "name"), (4, "phone")]


def test_admin_import_uses_district_codes(client, world):
    text = "name,phone,district_code\nIn B,13900000015,B\nNowhere,13900000016,\n"
    assert upload(client, world["admin"].headers, text).json()["created"] == 2
    in_b = client.get(
        "/api/v1/volunteers",
        headers=world["other_coordinator"].headers,
        params={"district_id": world.district_b.id},
    ).json()
    assert [v["name"] for v in in_b["items"]] == ["In B"]


def test_availability_mode_follows_the_availability_cell(client, world):
    coordinator = world["coordinator"].headers
    text = (
        "name,phone,availability\nAny Time,13900000021,\nWeekends,13900000022,Fri-Mon 09:00-12:00\n"
    )
    assert upload(client, coordinator, text).json()["created"] == 2
    by_name = {
        v["name"]: v for v in client.get("/api/v1/volunteers", headers=coordinator).json()["items"]
    }
    assert by_name["Any Time"]["availability_mode"] == "any_time"
    weekends = by_name["Weekends"]
    assert weekends["availability_mode"] == "windows"
    availability = client.get(
        f"/api/v1/volunteers/{weekends['id']}/availability", headers=coordinator
    ).json()
    # A range that runs backwards wraps around the weekend.
    assert [w["weekday"] for w in availability["weekly"]] == [1, 5, 6, 7]

    # An update with an empty cell keeps what is stored; a filled one sets windows.
    again = "name,phone,availability\nAny Time,13900000021,\nWeekends,13900000022,\n"
    assert upload(client, coordinator, again).json()["updated"] == 2
    after = {
        v["name"]: v["availability_mode"]
        for v in client.get("/api/v1/volunteers", headers=coordinator).json()["items"]
    }
    assert (after["Any Time"], after["Weekends"]) == ("any_time", "windows")
    windows = "name,phone,availability\nAny Time,13900000021,Sat 08:00-10:00\n"
    upload(client, coordinator, windows).raise_for_status()
    any_time = client.get(
        f"/api/v1/volunteers/{by_name['Any Time']['id']}", headers=coordinator
    ).json()
    assert any_time["availability_mode"] == "windows"


def test_a_withdrawn_phone_is_a_row_error_until_its_owner_registers_again(client, world):
    coordinator, caller = world["coordinator"].headers, world["volunteer"]
    assert client.delete("/api/v1/volunteers/me", headers=caller.headers).status_code == 204
    text = "name,phone\nWang Li,13800000001\nNew Person,13900000031\n"

    refused = upload(client, coordinator, text)

    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["row"], error["field"]) == (2, "phone")
    assert "withdrew" in error["msg"]
    partial = upload(client, coordinator, text, partial=True).json()
    assert (partial["created"], len(partial["errors"])) == (1, 1)

    again = client.post(
        "/api/v1/volunteers",
        json={"name": "Wang Li", "phone": "13800000001", "password": "a-fresh-start-2027",
              "district_id": world.district_a.id, "accept_privacy_notice": True},
    )  # fmt: skip
    assert again.status_code == 201, again.text
    assert upload(client, coordinator, "name,phone\nWang Li,13800000001\n").json()["errors"] == []
