"""CSV import: one bad row refuses the file (unless ?partial=true); bad files are 4xx."""

import pytest
from sqlalchemy import select

from app.volunteers.models import Volunteer
from tests.api.conftest import assert_problem, register_volunteer
from tests.api.test_validation import API, count

HEADER = "name,phone,email,skills,home_lat,home_lon,district_code,max_hours_per_week,availability"
GOOD_1 = "Zhao Lei,13900000011,zl@example.org,first_aid;lang:en,22.5,114.1,A,10,Mon 09:00-13:00; Sat 08:00-18:00"  # noqa: E501
GOOD_2 = "Qian Yu,+86 139 0000 0012,,,,,,,Mon-Fri 18:00-21:00"
GOOD_PHONES = ["+8613900000011", "+8613900000012"]


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, world, content: bytes, *, partial: bool | None = None, role="coordinator"):
    params = {} if partial is None else {"partial": str(partial).lower()}
    return client.post(
        f"{API}/volunteers/import",
        params=params,
        files={"file": ("volunteers.csv", content, "text/csv")},
        headers=world[role].headers,
    )


def stored_phones(session) -> set[str]:
    return set(session.scalars(select(Volunteer.phone)))


def test_good_file_imports_every_row(client, session, world):
    before = count(session, Volunteer)
    response = upload(client, world, csv_bytes(HEADER, GOOD_1, GOOD_2))
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 2, "updated": 0, "errors": []}
    assert count(session, Volunteer) == before + 2
    zhao = session.scalar(select(Volunteer).where(Volunteer.phone == GOOD_PHONES[0]))
    assert zhao.district_id == world.district_a.id
    assert zhao.skills == ["first_aid", "lang:en"]
    assert [(w.weekday, w.start, w.end) for w in zhao.weekly] == [
        (1, "09:00", "13:00"),
        (6, "08:00", "18:00"),
    ]


# (the bad row, placed on line 3 between two good rows; the field its error names)
BAD_ROWS = {
    "phone 123": ("Sun Bo,123,,,,,,,", "phone"),
    "phone missing": ("Sun Bo,,,,,,,,", "phone"),
    "name empty": (",13900000013,,,,,,,", "name"),
    "name whitespace": ("   ,13900000013,,,,,,,", "name"),
    "name 101 chars": ("x" * 101 + ",13900000013,,,,,,,", "name"),
    "email invalid": ("Sun Bo,13900000013,sun-at-example,,,,,,", "email"),
    "skill with space": ("Sun Bo,13900000013,,first aid,,,,,", "skills"),
    "home lat 91": ("Sun Bo,13900000013,,,91,114.1,,,", "home"),
    "home lon missing": ("Sun Bo,13900000013,,,22.5,,,,", "home"),
    "home lat not a number": ("Sun Bo,13900000013,,,north,114.1,,,", "home"),
    "district of another coordinator": ("Sun Bo,13900000013,,,,,B,,", "district_code"),
    "unknown district": ("Sun Bo,13900000013,,,,,Z,,", "district_code"),
    "max hours 0": ("Sun Bo,13900000013,,,,,,0,", "max_hours_per_week"),
    "max hours 200": ("Sun Bo,13900000013,,,,,,200,", "max_hours_per_week"),
    "max hours not a number": ("Sun Bo,13900000013,,,,,,ten,", "max_hours_per_week"),
    "availability unknown day": ("Sun Bo,13900000013,,,,,,,Funday 09:00-13:00", "availability"),
    "availability no times": ("Sun Bo,13900000013,,,,,,,Mon", "availability"),
    "availability free text": ("Sun Bo,13900000013,,,,,,,weekends", "availability"),
    "availability hour 25": ("Sun Bo,13900000013,,,,,,,Mon 25:00-26:00", "availability"),
    "availability end before start": ("Sun Bo,13900000013,,,,,,,Mon 13:00-09:00", "availability"),
    "availability overlap": (
        "Sun Bo,13900000013,,,,,,,Mon 09:00-13:00; Mon 12:00-14:00",
        "availability",
    ),
    "duplicate phone in file": ("Sun Bo,+86 139-0000-0011,,,,,,,", "phone"),
    "more cells than columns": ("Sun Bo,13900000013,,,,,,,,extra", None),
}


@pytest.mark.parametrize("bad_row, field", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_one_bad_row_imports_nothing_unless_partial(client, session, world, bad_row, field):
    before = stored_phones(session)
    content = csv_bytes(HEADER, GOOD_1, bad_row, GOOD_2)
    body = assert_problem(upload(client, world, content), 422)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(3, field)}
    assert all(e["loc"] == ["file", 3, field] and e["message"] for e in body["errors"])
    assert "nothing was imported" in body["detail"]
    assert stored_phones(session) == before

    # The same file with ?partial=true: the good rows go in, the bad one is reported.
    response = upload(client, world, content, partial=True)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"]) == (2, 0)
    assert {(e["row"], e["field"]) for e in result["errors"]} == {(3, field)}
    assert stored_phones(session) == before | set(GOOD_PHONES)


def test_errors_name_every_bad_line(client, session, world):
    before = count(session, Volunteer)
    content = csv_bytes(
        HEADER, "A,123,,,,,,,", GOOD_1, ",13900000014,,,,,,,", "B,13900000015,,,,,B,,"
    )
    body = assert_problem(upload(client, world, content), 422)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (2, "phone"),
        (4, "name"),
        (5, "district_code"),
    ]
    assert count(session, Volunteer) == before


def test_admin_may_import_into_any_district(client, session, world):
    content = csv_bytes(HEADER, "Sun Bo,13900000013,,,,,B,,")
    response = upload(client, world, content, role="admin")
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    sun = session.scalar(select(Volunteer).where(Volunteer.phone == "+8613900000013"))
    assert sun.district_id == world.district_b.id


def test_existing_phone_updates_instead_of_duplicating(client, session, world):
    before = count(session, Volunteer)
    content = csv_bytes(HEADER, "Wang Li Updated,+86 138 0000 0001,,driver,,,,,")
    response = upload(client, world, content)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 0, "updated": 1, "errors": []}
    assert count(session, Volunteer) == before
    assert count(session, Volunteer, Volunteer.phone == "+8613800000001") == 1
    me = client.get(f"{API}/volunteers/me", headers=world["volunteer"].headers).json()
    assert me["name"] == "Wang Li Updated"
    assert me["skills"] == ["driver"]


def test_utf8_with_bom_is_accepted(client, session, world):
    content = b"\xef\xbb\xbf" + csv_bytes(HEADER, "张伟,13900000016,,,,,,,", GOOD_2)
    response = upload(client, world, content)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    zhang = session.scalar(select(Volunteer).where(Volunteer.phone == "+8613900000016"))
    assert zhang.name == "张伟"


def test_file_over_5_mb_is_413(client, session, world):
    before = count(session, Volunteer)
    row = GOOD_2.encode() + b"\r\n"
    content = csv_bytes(HEADER) + row * (5 * 1024 * 1024 // len(row) + 1)
    assert len(content) > 5 * 1024 * 1024
    assert_problem(upload(client, world, content), 413)
    assert count(session, Volunteer) == before


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
)

BAD_FILES = {
    "every byte": bytes(range(256)) * 10,
    "every byte but NUL": bytes(range(1, 256)) * 10,
    "png": PNG,
    "gbk chinese": csv_bytes(HEADER, "张伟,13900000016,,,,,,,", encoding="gbk"),
    "utf-16": csv_bytes(HEADER, GOOD_1, encoding="utf-16"),
    "empty": b"",
    "blank lines only": b"\r\n\r\n",
    "no header": csv_bytes(GOOD_1, GOOD_2),
    "unknown column": csv_bytes("name,phone,nickname", "Sun Bo,13900000013,Bo"),
    "header without phone": csv_bytes("name,email", "Sun Bo,sb@example.org"),
    "semicolon separated": csv_bytes(HEADER.replace(",", ";"), GOOD_2.replace(",", ";")),
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_unreadable_file_is_400_problem(client, session, world, content):
    before = stored_phones(session)
    assert_problem(upload(client, world, content), 400)
    assert_problem(upload(client, world, content, partial=True), 400)
    assert stored_phones(session) == before


def test_unterminated_quote_is_refused(client, session, world):
    # The quote swallows the rest of the file into one name (line breaks and all): no
    # phone on line 2.
    before = stored_phones(session)
    content = csv_bytes(HEADER, '"Sun Bo,13900000013,,,,,,,', GOOD_2)
    body = assert_problem(upload(client, world, content), 422)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "name"), (3, "phone")]
    assert stored_phones(session) == before


def test_missing_file_field_is_422(client, world):
    response = client.post(
        f"{API}/volunteers/import",
        data={"other": "x"},
        files={"upload": ("v.csv", csv_bytes(HEADER, GOOD_2), "text/csv")},
        headers=world["coordinator"].headers,
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "file"]


def test_phone_of_another_districts_volunteer_is_a_row_error(client, session, world):
    other = register_volunteer(session, "Zhou Min", "13800000003", world.district_b.id)
    session.commit()
    content = csv_bytes(HEADER, GOOD_2, "Zhou Min Renamed,+86 138 0000 0003,,,,,,,")
    body = assert_problem(upload(client, world, content), 422)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "phone")]
    session.refresh(other)
    assert (other.name, other.district_id) == ("Zhou Min", world.district_b.id)
    assert GOOD_PHONES[1] not in stored_phones(session)
