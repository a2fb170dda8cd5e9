"""CSV import of volunteer lists (the format coordinators keep in spreadsheets).

Columns: name,phone,email,skills,home_lat,home_lon,district_code,max_hours_per_week,
availability. `skills` are separated by `;`; `availability` reads like
`Mon 09:00-13:00; Sat 08:00-18:00` (also `Mon-Fri 09:00-12:00`; a range that runs
backwards wraps around the weekend: `Fri-Mon` is Friday, Saturday, Sunday and Monday).
Rows are matched to existing volunteers by phone: a known phone updates, a new one
creates. A new volunteer without an availability cell is available at any time; one
with a cell only inside its windows. The phone of a volunteer who withdrew is refused:
a list kept from before must not bring them back.
"""

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from pydantic import BaseModel, EmailStr, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.districts import service as district_service
from app.errors import BadRequest, PayloadTooLarge, validation_message
from app.settings import get_settings
from app.volunteers import service as volunteer_service
from app.volunteers.models import (
    AvailabilityMode,
    AvailabilityWindow,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
    WithdrawnPhone,
    with_availability,
)
from app.volunteers.schemas import (
    Availability,
    Home,
    ImportError_,
    ImportResult,
    Name,
    Phone,
    Skills,
)

COLUMNS = (
    "name", "phone", "email", "skills", "home_lat", "home_lon",
    "district_code", "max_hours_per_week", "availability",
)  # fmt: skip
REQUIRED_COLUMNS = {"name", "phone"}
DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
WINDOW = re.compile(
    r"^(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


class ImportRow(BaseModel):
    """One CSV row after parsing; the same rules as the JSON API."""

    name: Name
    phone: Phone
    email: EmailStr | None = None
    skills: Skills = []
    home: Home | None = None
    district_code: str | None = None
    max_hours_per_week: float | None = None
    availability: Availability | None = None

    @field_validator("max_hours_per_week")
    @classmethod
    def _hours(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value <= 168:
            raise ValueError("must be more than 0 and at most 168")
        return value


def parse_availability(text: str) -> list[dict]:
    windows = []
    for part in filter(None, (p.strip() for p in text.lower().split(";"))):
        match = WINDOW.match(part)
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise AvailabilityTextError(f"cannot read {part!r}; write it like 'Mon 09:00-13:00'")
        first = DAYS[match["first"]]
        last = DAYS[match["last"]] if match["last"] else first
        days = range(first, last + 1) if first <= last else [*range(first, 8), *range(1, last + 1)]
        for weekday in days:
            windows.append(
                {"weekday": weekday, "start": match["start"].zfill(5), "end": match["end"].zfill(5)}
            )
    return windows


class AvailabilityTextError(ValueError):
    pass


def _cells_to_row(cells: dict[str, str]) -> dict:
    value = {k: (v or "").strip() for k, v in cells.items()}
    row: dict = {"name": value.get("name", ""), "phone": value.get("phone", "")}
    if value.get("email"):
        row["email"] = value["email"]
    if value.get("skills"):
        row["skills"] = [s for s in value["skills"].split(";") if s.strip()]
    if value.get("home_lat") or value.get("home_lon"):
        row["home"] = {"lat": value.get("home_lat") or None, "lon": value.get("home_lon") or None}
    if value.get("district_code"):
        row["district_code"] = value["district_code"]
    if value.get("max_hours_per_week"):
        row["max_hours_per_week"] = value["max_hours_per_week"]
    if value.get("availability"):
        row["availability"] = {"weekly": parse_availability(value["availability"])}
    return row


def _read_text(stream: BinaryIO) -> str:
    limit = get_settings().import_max_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than the limit of {limit:,} bytes.")
    if b"\x00" in data:
        raise BadRequest("The file is not text: upload a CSV file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("The file is not UTF-8 text: save the CSV as UTF-8.") from None


def _check_header(fieldnames: Sequence[str] | None) -> list[str]:
    """The header's names, stripped; a 400 unless they are the known columns."""
    header = [name.strip() for name in fieldnames or []]
    unknown = [name for name in header if name not in COLUMNS]
    missing = REQUIRED_COLUMNS - set(header)
    if not header or unknown or missing:
        raise BadRequest(
            "The first line must be the header "
            f"{','.join(COLUMNS)} (name and phone are required)"
            + (f"; unknown columns: {', '.join(unknown)}" if unknown else "")
            + (f"; missing columns: {', '.join(sorted(missing))}" if missing else "")
            + "."
        )
    return header


@dataclass
class PlannedRow:
    """A good row and what importing it does: `volunteer` None creates one."""

    line: int
    row: ImportRow
    district_id: int | None
    volunteer: Volunteer | None


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    errors: list[ImportError_]


def check_csv(session: Session, account: Account, stream: BinaryIO) -> ImportPlan:
    """Every rule of the import, without writing anything: the good rows with what they
    would do, and the errors of the others. The console's preview shows it; import_csv
    applies it."""
    reader = csv.DictReader(io.StringIO(_read_text(stream), newline=""))
    try:
        reader.fieldnames = _check_header(reader.fieldnames)
        raw_rows = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise BadRequest(f"The CSV cannot be read: {exc}.") from None

    errors: list[ImportError_] = []
    parsed: list[tuple[int, ImportRow]] = []
    seen_phones: dict[str, int] = {}
    for line, cells in raw_rows:
        if None in cells:
            errors.append(ImportError_(row=line, field=None, message="more cells than columns"))
            continue
        try:
            row = ImportRow.model_validate(_cells_to_row(cells))
        except AvailabilityTextError as exc:
            errors.append(ImportError_(row=line, field="availability", message=str(exc)))
            continue
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else None
                errors.append(
                    ImportError_(row=line, field=field, message=validation_message(err["msg"]))
                )
            continue
        if row.phone in seen_phones:
            errors.append(
                ImportError_(
                    row=line,
                    field="phone",
                    message=f"the same phone is on line {seen_phones[row.phone]}",
                )
            )
            continue
        seen_phones[row.phone] = line
        parsed.append((line, row))

    district_ids = district_service.district_ids_by_code(session)
    scope = district_service.visible_district_ids(account)
    default_district = next(iter(scope)) if scope is not None and len(scope) == 1 else None
    existing = {
        v.phone: v
        for v in session.scalars(
            select(Volunteer)
            .where(Volunteer.phone.in_([row.phone for _, row in parsed]))
            .options(*with_availability())
        )
    }
    withdrawn = set(
        session.scalars(
            select(WithdrawnPhone.phone_digest).where(
                WithdrawnPhone.phone_digest.in_(
                    [volunteer_service.phone_digest(row.phone) for _, row in parsed]
                )
            )
        )
    )

    planned: list[PlannedRow] = []
    for line, row in parsed:
        if row.district_code is not None:
            district_id = district_ids.get(row.district_code)
            if district_id is None or (scope is not None and district_id not in scope):
                errors.append(
                    ImportError_(
                        row=line,
                        field="district_code",
                        message=f"no district {row.district_code!r} among yours",
                    )
                )
                continue
        else:
            district_id = default_district
        volunteer = existing.get(row.phone)
        if volunteer is None and volunteer_service.phone_digest(row.phone) in withdrawn:
            errors.append(
                ImportError_(
                    row=line,
                    field="phone",
                    message="this volunteer withdrew and their data was erased; only they "
                    "can register again",
                )
            )
            continue
        if volunteer is not None and not district_service.in_scope(account, volunteer.district_id):
            errors.append(
                ImportError_(
                    row=line, field="phone", message="this phone belongs to another district"
                )
            )
            continue
        planned.append(PlannedRow(line, row, district_id, volunteer))

    errors.sort(key=lambda e: e.row)
    return ImportPlan(rows=planned, errors=errors)


def import_csv(
    session: Session, account: Account, stream: BinaryIO, *, partial: bool, dry_run: bool = False
) -> ImportResult:
    """Applies check_csv's plan: nothing when a row has an error unless `partial`. With
    `dry_run`, the counts it would give and nothing written."""
    plan = check_csv(session, account, stream)
    if plan.errors and not partial:
        return ImportResult(created=0, updated=0, errors=plan.errors)
    created = sum(1 for planned in plan.rows if planned.volunteer is None)
    result = ImportResult(created=created, updated=len(plan.rows) - created, errors=plan.errors)
    if dry_run:
        return result
    for planned in plan.rows:
        volunteer = planned.volunteer
        if volunteer is None:
            volunteer = Volunteer(status=VolunteerStatus.active, phone=planned.row.phone)
            if planned.row.availability is None:
                volunteer.availability_mode = AvailabilityMode.any_time
            session.add(volunteer)
        _apply_row(volunteer, planned.row, planned.district_id)
    session.flush()
    return result


def _apply_row(volunteer: Volunteer, row: ImportRow, district_id: int | None) -> None:
    """Cells left empty keep what is stored; filled cells replace it."""
    volunteer.name = row.name
    if district_id is not None:
        volunteer.district_id = district_id
    if row.email is not None:
        volunteer.email = row.email
    # Collections are replaced only when they differ: rewriting equal rows would
    # double the time of re-importing an unchanged list.
    if row.skills and row.skills != volunteer.skills:
        volunteer.skill_rows = [VolunteerSkill(skill=s) for s in row.skills]
    if row.home is not None:
        volunteer.home_lat, volunteer.home_lon = row.home.lat, row.home.lon
    if row.max_hours_per_week is not None:
        volunteer.max_hours_per_week = row.max_hours_per_week
    if row.availability is not None:
        windows = sorted(
            (w.model_dump() for w in row.availability.weekly),
            key=lambda w: (w["weekday"], w["start"]),
        )
        stored = [
            {"weekday": w.weekday, "start": w.start, "end": w.end, "preference": w.preference}
            for w in volunteer.weekly
        ]
        if windows != stored:
            volunteer.weekly = [AvailabilityWindow(**w) for w in windows]
        volunteer.availability_mode = AvailabilityMode.windows
