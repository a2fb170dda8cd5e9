"""The console's stations: the list and its map, a new station, and a station's page
with its weekly templates, ad hoc shifts and kiosk keys.

Every handler calls the same service functions as the API (app/stations, app/shifts,
app/kiosks) with the signed-in account, so the role and district checks and the
validation are the API's own; this module only turns form fields into the schemas
and the schemas' complaints into messages next to the fields.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import segno
import xstatic.pkg.leaflet  # type: ignore[import-untyped]
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.deps import SessionDep
from app.districts.models import District
from app.errors import Conflict, NotFound
from app.kiosks import service as kiosk_service
from app.kiosks.schemas import KioskCreate
from app.pagination import PageParams
from app.rosters import service as roster_service
from app.settings import get_settings, public_url
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.shifts.schemas import ShiftCreate
from app.stations import service as station_service
from app.stations.models import Station
from app.stations.schemas import ShiftTemplateCreate, StationCreate, StationUpdate
from app.types import FIRST_YEAR, LAST_YEAR, Id
from app.web.console import ConsoleAccount, check_csrf, visible_districts
from app.web.pages import PageRoute, gettext_for, redirect, render

# Leaflet from its PyPI package (pinned in pyproject.toml), served at /static/leaflet.
LEAFLET_STATIC = xstatic.pkg.leaflet.BASE_DIR
router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

ALL = PageParams(limit=500, offset=0)
Text = Annotated[str, Form(max_length=500)]


class StationForm(BaseModel):
    """The station form as typed, for the new-station and the edit page alike; the
    API's schemas (StationCreate, StationUpdate) judge it after."""

    csrf_token: str | None = None
    code: str = Field(default="", max_length=500)
    name: str = Field(default="", max_length=500)
    kind: str = Field(default="", max_length=500)
    district_id: str = Field(default="", max_length=500)
    address: str = Field(default="", max_length=500)
    lat: str = Field(default="", max_length=500)
    lon: str = Field(default="", max_length=500)
    timezone: str = Field(default="", max_length=500)

    def values(self, exclude: str | None = None) -> dict[str, str]:
        skip = {"csrf_token"} | ({exclude} if exclude else set())
        return {name: str(value) for name, value in self.model_dump(exclude=skip).items()}


Translate = Callable[[str], str]
Errors = dict[str, str]
Model = TypeVar("Model", bound=BaseModel)


# -- messages next to the fields ------------------------------------------------------------


def _known_messages(_: Translate) -> dict[str, str]:
    """The schemas' own rules, said in the page's language."""
    return {
        "end must be after start unless the shift is overnight": _(
            "The end must be after the start, unless the shift ends the next day."
        ),
        "an overnight shift must end the next day at or before its start time": _(
            "A shift that ends the next day must end at or before its start time."
        ),
        "ends_at must be after starts_at": _(
            "The end must be after the start, unless the shift ends the next day."
        ),
        "a shift lasts at most 24 hours": _("A shift lasts at most 24 hours."),
        "min_volunteers must not exceed max_volunteers": _(
            "The minimum must not exceed the maximum."
        ),
        "skill_requirements lists a skill twice": _("A skill is listed twice."),
        "skill_requirements need more volunteers than max_volunteers": _(
            "The skill needs add up to more volunteers than the maximum."
        ),
        "weekdays must not repeat": _("Choose each weekday once."),
    }


# A rule about several fields is shown next to the first field it names.
_FIELD_WORDS = re.compile(
    r"\b(weekdays|start|starts_at|end|ends_at|min_volunteers|max_volunteers|"
    r"skill_requirements)\b"
)
_FIELD_OF_WORD = {"starts_at": "start", "ends_at": "end"}


def _message(_: Translate, error: dict[str, Any], field: str) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("missing", "string_too_short", "too_short"):
        return _("Choose at least one weekday.") if field == "weekdays" else _("Required.")
    if kind in ("float_parsing", "float_type"):
        return _("Enter a number.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind == "greater_than_equal":
        return _("Must be at least {limit}.").format(limit=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("Must be at most {limit}.").format(limit=ctx.get("le"))
    if kind == "string_too_long":
        return _("At most {limit} characters.").format(limit=ctx.get("max_length"))
    if kind == "string_pattern_mismatch":
        if field == "code":
            return _("Use letters, digits and _ . - only, without spaces.")
        if field == "skill_requirements":
            return _("A skill is a lowercase tag such as lang:en or first_aid.")
        return _("Enter a time such as 09:00.")
    if kind == "literal_error":
        return _("Choose one of the options.")
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if message.startswith("unknown timezone"):
        return _("Unknown timezone; use a name such as Asia/Shanghai.")
    return _known_messages(_).get(message, message)


def field_errors(_: Translate, errors: list[dict[str, Any]], fields: dict[str, str]) -> Errors:
    """The schema's errors keyed by form field; "" holds those of no one field."""
    found: Errors = {}
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part != "body"]
        field = fields.get(str(loc[0]), "") if loc else ""
        if not field:
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            named = _FIELD_WORDS.search(message)
            if named:
                word = named.group(1)
                field = fields.get(_FIELD_OF_WORD.get(word, word), "")
        found.setdefault(field, _message(_, error, field))
    return found


def _filled(form: dict[str, str]) -> dict[str, str]:
    """The fields that were filled in: an empty field is a missing one."""
    return {name: value.strip() for name, value in form.items() if value.strip()}


def parse_skill_needs(text: str) -> list[dict[str, Any]] | None:
    """ "lang:en=1, first_aid" → [{skill, count}]; None when it cannot be read."""
    needs = []
    for part in re.split(r"[,;，；\n]+", text):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\S+?)\s*(?:[=×x*]\s*([0-9]+))?", part)
        if match is None:
            return None
        needs.append({"skill": match[1], "count": int(match[2] or 1)})
    return needs


def skill_needs_text(requirements: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['skill']}={r['count']}" for r in requirements)


# -- the map ------------------------------------------------------------------------------


def tile_origin(tile_url: str) -> str | None:
    """The origin the map's tiles come from, for the page's img-src; `{s}` subdomains
    become a wildcard."""
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"\{[a-z]\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def with_map(response: HTMLResponse) -> HTMLResponse:
    """A page with a map may load tiles from the configured tile server."""
    url = get_settings().map_tile_url
    origin = tile_origin(url) if url else None
    if origin:
        policy = response.headers["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = policy.replace(
            "img-src 'self' data:", f"img-src 'self' data: {origin}"
        )
    return response


def map_points(stations: list[Station]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "code": s.code,
            "name": s.name,
            "lat": s.lat,
            "lon": s.lon,
            "active": s.is_active,
            "url": f"/console/stations/{s.id}",
        }
        for s in stations
    ]


def map_context() -> dict[str, Any]:
    return {"tile_url": get_settings().map_tile_url or ""}


def kind_labels(_: Translate) -> dict[str, str]:
    return {"community": _("Community station"), "port": _("Port station")}


def weekday_labels(_: Translate) -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


# -- the list --------------------------------------------------------------------------------


def _stations(session: Session, account: Account, district_id: int | None) -> list[Station]:
    page = station_service.list_stations(
        session, account, ALL, district_id=district_id, kind=None, active=None
    )
    return page.items


@router.get("/stations")
def station_list(
    request: Request, session: SessionDep, account: ConsoleAccount, district: Id | None = None
):
    _ = gettext_for(request)
    stations = _stations(session, account, district)
    districts = visible_districts(session, account)
    context = {
        "account": account,
        "stations": stations,
        "districts": districts,
        "district_names": {d.id: d.name for d in districts},
        "chosen": district,
        "kinds": kind_labels(_),
        "points": map_points(stations),
    } | map_context()
    return with_map(render(request, "console/stations/list.html", context))


# -- a new station ----------------------------------------------------------------------------

STATION_FIELDS = {
    name: name
    for name in ("code", "name", "kind", "district_id", "address", "lat", "lon", "timezone")
}


def _new_form(
    request: Request,
    session: Session,
    account: Account,
    values: dict[str, str],
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request)
    districts = visible_districts(session, account)
    stations = _stations(session, account, None)
    context = {
        "account": account,
        "districts": districts,
        "kinds": kind_labels(_),
        "values": values,
        "errors": errors,
        "points": map_points(stations),
        "default_timezone": get_settings().default_timezone,
    } | map_context()
    return with_map(render(request, "console/stations/new.html", context, status))


@router.get("/stations/new")
def new_station_form(request: Request, session: SessionDep, account: ConsoleAccount):
    districts = visible_districts(session, account)
    values = {"kind": "community", "district_id": str(districts[0].id) if districts else ""}
    return _new_form(request, session, account, values, {})


@router.post("/stations/new")
def create_station(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    form: Annotated[StationForm, Form()],
):
    check_csrf(request, form.csrf_token)
    _ = gettext_for(request)
    values = form.values()
    data, invalid = _validated(StationCreate, _filled(values))
    if data is None:
        errors = field_errors(_, invalid, STATION_FIELDS)
        return _new_form(request, session, account, values, errors, status=400)
    try:
        station = station_service.create_station(session, account, data)
    except Conflict:
        errors = {"code": _("Another station already has this code.")}
        return _new_form(request, session, account, values, errors, status=400)
    return redirect(f"/console/stations/{station.id}")


# -- one station --------------------------------------------------------------------------


def _local(station: Station, instant: datetime) -> datetime:
    return instant.astimezone(ZoneInfo(station.timezone))


def _station_page(
    request: Request,
    session: Session,
    account: Account,
    station: Station,
    *,
    edit: dict[str, str] | None = None,
    edit_errors: Errors | None = None,
    shift: dict[str, str] | None = None,
    shift_errors: Errors | None = None,
    kiosk: dict[str, str] | None = None,
    kiosk_errors: Errors | None = None,
    adoptions: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    from app.web.teams import adoption_section  # a late import: teams.py imports this module

    _ = gettext_for(request)
    templates = station_service.list_templates(session, account, station.id, ALL).items
    now = utcnow()
    shifts = shift_service.list_shifts(
        session, account, ALL, station_id=station.id, starts_from=now
    ).items
    seats = roster_service.published_seat_counts(session, [s.id for s in shifts])
    kiosks = kiosk_service.list_kiosks(session, account, station.id, ALL).items
    district = session.get(District, station.district_id)
    today = _local(station, now).date()
    days = weekday_labels(_)
    context = {
        "account": account,
        "station": station,
        "district": district,
        "districts": visible_districts(session, account),
        "kinds": kind_labels(_),
        "weekdays": days,
        "templates": [
            {
                "row": t,
                "days": ", ".join(days[d - 1] for d in t.weekdays),
                "skills": skill_needs_text(t.skill_requirements),
            }
            for t in templates
        ],
        "shifts": [
            {
                "row": s,
                "starts": _local(station, s.starts_at),
                "ends": _local(station, s.ends_at),
                "day": days[_local(station, s.starts_at).isoweekday() - 1],
                "skills": skill_needs_text(s.skill_requirements),
                "assigned": seats.get(s.id, 0),
            }
            for s in shifts
        ],
        "kiosks": [
            {"row": k, "created": _local(station, k.created_at), "active": k.revoked_at is None}
            for k in kiosks
        ],
        "edit": edit if edit is not None else _station_values(station),
        "edit_errors": edit_errors or {},
        "shift": shift
        if shift is not None
        else {
            "date": (today + timedelta(days=1)).isoformat(),
            "start": "09:00",
            "end": "13:00",
            "min_volunteers": "1",
            "max_volunteers": "2",
            "priority": "3",
        },
        "shift_errors": shift_errors or {},
        "kiosk": kiosk
        if kiosk is not None
        else {"kiosk_name": _("Tablet {number}").format(number=len(kiosks) + 1)},
        "kiosk_errors": kiosk_errors or {},
        "points": map_points([station]),
    } | map_context()
    # The teams' adopted seats here, and the form for another (app/web/teams.py).
    context |= adoptions or adoption_section(request, session, account, station)
    return with_map(render(request, "console/stations/detail.html", context, status))


def _station_values(station: Station) -> dict[str, str]:
    return {
        "name": station.name,
        "kind": station.kind,
        "district_id": str(station.district_id),
        "address": station.address,
        "lat": f"{station.lat:.6f}".rstrip("0").rstrip("."),
        "lon": f"{station.lon:.6f}".rstrip("0").rstrip("."),
        "timezone": station.timezone,
    }


@router.get("/stations/{station_id}")
def station_page(request: Request, session: SessionDep, account: ConsoleAccount, station_id: Id):
    station = station_service.get_station_in_scope(session, account, station_id)
    return _station_page(request, session, account, station)


@router.post("/stations/{station_id}")
def update_station(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    form: Annotated[StationForm, Form()],
):
    check_csrf(request, form.csrf_token)
    _ = gettext_for(request)
    station = station_service.get_station_in_scope(session, account, station_id)
    values = form.values(exclude="code")  # a station's code never changes
    # Every field of the form is required here: an emptied field is a mistake, not
    # "leave as it is" (the API's null).
    errors = {field: _("Required.") for field, value in values.items() if not value.strip()}
    data, invalid = _validated(StationUpdate, _filled(values))
    errors = field_errors(_, invalid, STATION_FIELDS) | errors
    if data is None or errors:
        return _station_page(
            request, session, account, station, edit=values, edit_errors=errors, status=400
        )
    station_service.update_station(session, account, station.id, data)
    return redirect(f"/console/stations/{station.id}")


def _validated(schema: type[Model], data: dict[str, Any]) -> tuple[Model | None, list[Any]]:
    """The schema's instance, or None and the schema's errors."""
    try:
        return schema.model_validate(data), []
    except ValidationError as invalid:
        return None, list(invalid.errors())


@router.post("/stations/{station_id}/active")
def set_station_active(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    active: Text = "",
):
    check_csrf(request, csrf_token)
    if active == "true":
        station_service.update_station(session, account, station_id, StationUpdate(is_active=True))
    else:
        station_service.deactivate_station(session, account, station_id)
    return redirect(f"/console/stations/{station_id}")


# -- weekly templates ---------------------------------------------------------------------

TEMPLATE_FIELDS = {
    name: name
    for name in (
        "weekdays",
        "start",
        "end",
        "overnight",
        "min_volunteers",
        "max_volunteers",
        "skill_requirements",
        "priority",
    )
}


def _template_form(
    request: Request,
    account: Account,
    station: Station,
    values: dict[str, Any],
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request)
    context = {
        "account": account,
        "station": station,
        "weekdays": weekday_labels(_),
        "values": values,
        "errors": errors,
    }
    return render(request, "console/stations/template.html", context, status)


@router.get("/stations/{station_id}/templates/new")
def new_template_form(
    request: Request, session: SessionDep, account: ConsoleAccount, station_id: Id
):
    station = station_service.get_station_in_scope(session, account, station_id)
    values = {
        "weekdays": ["1", "2", "3", "4", "5"],
        "start": "09:00",
        "end": "13:00",
        "min_volunteers": "1",
        "max_volunteers": "2",
        "skill_requirements": "",
        "priority": "3",
    }
    return _template_form(request, account, station, values, {})


def _staffing(_: Translate, values: dict[str, str]) -> tuple[dict[str, Any], Errors]:
    """The headcounts, skill needs and priority as schema input, or an error for the
    skill needs when they cannot be read."""
    data: dict[str, Any] = _filled(
        {
            "min_volunteers": values["min_volunteers"],
            "max_volunteers": values["max_volunteers"],
            "priority": values["priority"],
        }
    )
    needs = parse_skill_needs(values["skill_requirements"])
    if needs is None:
        return data, {"skill_requirements": _("Write each need as skill=count, e.g. lang:en=1.")}
    data["skill_requirements"] = needs
    return data, {}


@router.post("/stations/{station_id}/templates/new")
def create_template(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    weekdays: Annotated[list[str] | None, Form(max_length=7)] = None,
    start: Text = "",
    end: Text = "",
    overnight: Text = "",
    min_volunteers: Text = "",
    max_volunteers: Text = "",
    skill_requirements: Text = "",
    priority: Text = "",
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    station = station_service.get_station_in_scope(session, account, station_id)
    values: dict[str, Any] = {
        "weekdays": weekdays or [],
        "start": start,
        "end": end,
        "overnight": overnight,
        "min_volunteers": min_volunteers,
        "max_volunteers": max_volunteers,
        "skill_requirements": skill_requirements,
        "priority": priority,
    }
    data, errors = _staffing(_, values)
    data |= _filled({"start": start, "end": end})
    data["weekdays"] = weekdays or []
    data["overnight"] = overnight == "on"
    template, invalid = _validated(ShiftTemplateCreate, data)
    errors = field_errors(_, invalid, TEMPLATE_FIELDS) | errors
    if template is None or errors:
        return _template_form(request, account, station, values, errors, status=400)
    station_service.create_template(session, account, station.id, template)
    return redirect(f"/console/stations/{station.id}#templates")


@router.post("/stations/{station_id}/templates/{template_id}/deactivate")
def deactivate_template(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    template_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    station_service.deactivate_template(session, account, station_id, template_id)
    return redirect(f"/console/stations/{station_id}#templates")


# -- ad hoc shifts ------------------------------------------------------------------------


@router.post("/stations/{station_id}/shifts")
def create_shift(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    date_: Annotated[str, Form(alias="date", max_length=20)] = "",
    start: Text = "",
    end: Text = "",
    overnight: Text = "",
    min_volunteers: Text = "",
    max_volunteers: Text = "",
    skill_requirements: Text = "",
    priority: Text = "",
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    station = station_service.get_station_in_scope(session, account, station_id)
    values = {
        "date": date_,
        "start": start,
        "end": end,
        "overnight": overnight,
        "min_volunteers": min_volunteers,
        "max_volunteers": max_volunteers,
        "skill_requirements": skill_requirements,
        "priority": priority,
    }
    data, errors = _staffing(_, values)
    data["station_id"] = station.id
    day = _parse_date(date_)
    if day is None:
        errors["date"] = _("Enter a date such as 2026-05-01.") if date_ else _("Required.")
    for field, value in (("start", start), ("end", end)):
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
            errors[field] = _("Enter a time such as 09:00.") if value else _("Required.")
    if day is not None and "start" not in errors and "end" not in errors:
        end_day = day + timedelta(days=1) if overnight == "on" else day
        data["starts_at"] = shift_service.local_to_utc(day, start, station.timezone)
        data["ends_at"] = shift_service.local_to_utc(end_day, end, station.timezone)
    shift, invalid = _validated(ShiftCreate, data)
    schema_errors = field_errors(_, invalid, TEMPLATE_FIELDS)
    if "starts_at" not in data:
        # Without a date and times there are no instants to check: those fields say why.
        schema_errors.pop("", None)
    errors = schema_errors | errors
    if shift is None or errors:
        return _station_page(
            request, session, account, station, shift=values, shift_errors=errors, status=400
        )
    shift_service.create_shift(session, account, shift)
    return redirect(f"/console/stations/{station.id}#shifts")


def _parse_date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_YEAR < day.year < LAST_YEAR else None


@router.post("/stations/{station_id}/shifts/{shift_id}/remove")
def remove_shift(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    shift_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    station = station_service.get_station_in_scope(session, account, station_id)
    shift = session.get(Shift, shift_id)
    if shift is None or shift.station_id != station.id:
        raise NotFound(f"Shift {shift_id} not found.")
    shift_service.cancel_shift(session, account, shift_id)
    return redirect(f"/console/stations/{station.id}#shifts")


# -- kiosk keys -----------------------------------------------------------------------------


def kiosk_link(key: str) -> str:
    return f"{public_url(get_settings())}/kiosk#key={key}"


@router.post("/stations/{station_id}/kiosks")
def create_kiosk(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    kiosk_name: Annotated[str, Form(max_length=200)] = "",
):
    """The key is shown on this answer only: it is stored hashed and never again readable,
    so this page is not a redirect (and, like every page, not cached)."""
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    station = station_service.get_station_in_scope(session, account, station_id)
    data, invalid = _validated(KioskCreate, _filled({"name": kiosk_name}))
    if data is None:
        errors = field_errors(_, invalid, {"name": "kiosk_name"})
        return _station_page(
            request,
            session,
            account,
            station,
            kiosk={"kiosk_name": kiosk_name},
            kiosk_errors=errors,
            status=400,
        )
    kiosk, key = kiosk_service.create_kiosk(session, account, station.id, data.name)
    link = kiosk_link(key)
    context = {
        "account": account,
        "station": station,
        "kiosk": kiosk,
        "key": key,
        "link": link,
        "qr": segno.make(link, error="m").svg_data_uri(scale=6, border=2),
    }
    return render(request, "console/stations/kiosk_key.html", context, status=201)


@router.post("/stations/{station_id}/kiosks/{kiosk_id}/revoke")
def revoke_kiosk(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    kiosk_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    kiosk_service.revoke_kiosk(session, account, station_id, kiosk_id)
    return redirect(f"/console/stations/{station_id}#kiosks")
