"""The console's volunteer pages: the table, one volunteer (with their service
certificates, which a coordinator may revoke), and the CSV import with its preview.

Every figure and rule comes from the services the API uses: the list and scope from
app.volunteers.service, hours from app.hours.service, the import's every check from
app.volunteers.importer (its `check_csv` is the preview, `import_csv` the import).
"""

import base64
import binascii
import calendar
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from app.accounts.models import Account
from app.certificates import service as certificate_service
from app.certificates.pdf import hours_text
from app.certificates.schemas import RevokeReason
from app.db import utcnow
from app.deps import SessionDep
from app.districts import service as district_service
from app.districts.models import District
from app.duties import service as duty_service
from app.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from app.hours import service as hours_service
from app.pagination import PageParams
from app.settings import get_settings
from app.stations.models import Station
from app.volunteers import importer
from app.volunteers import service as volunteer_service
from app.volunteers.models import AvailabilityMode, Volunteer, VolunteerStatus
from app.volunteers.schemas import ImportError_
from app.web import i18n
from app.web.console import ConsoleAccount, check_csrf, visible_districts
from app.web.pages import PageRoute, gettext_for, redirect, render

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50
STATUSES = tuple(status.value for status in VolunteerStatus)
# The preview lists this many rows of each kind; the counts cover all of them.
PREVIEW_ROWS = 500
UPCOMING_DUTIES = 20
RECENT_HOURS = 10
# A volunteer's newest certificates on their page; the API lists them all.
CERTIFICATES_SHOWN = 20
# A revocation's reason, checked as the API checks it.
REVOKE_REASON: TypeAdapter[str] = TypeAdapter(RevokeReason)
# What a refused revocation shows again of the reason typed (the rule is 500).
REVOKE_REASON_SHOWN = 600
MAX_ID = 2**31 - 1


def _number(value: str | None, default: int | None = None) -> int | None:
    """A query parameter as a positive number, or `default` for anything else (a page's
    filters answer a mistyped URL with the unfiltered page, not with an error)."""
    if value is not None and value.strip().isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return default


def _this_month() -> tuple[date, date]:
    today = datetime.now(ZoneInfo(get_settings().default_timezone)).date()
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _district_names(districts: list[District]) -> dict[int, str]:
    return {d.id: d.name for d in districts}


# -- the table ------------------------------------------------------------------------------


@router.get("/volunteers")
def volunteer_list(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    q: str = "",
    district: str | None = None,
    skill: str = "",
    status: str = "",
    page: str | None = None,
    created: str | None = None,
    updated: str | None = None,
    skipped: str | None = None,
):
    districts = visible_districts(session, account)
    district_id = _number(district)
    if district_id is not None:
        district_service.get_district_in_scope(session, account, district_id)  # 404 outside
    q = q.strip()[:100]
    skill = skill.strip()[:40]
    status = status if status in STATUSES else ""
    number = _number(page, 1) or 1
    found = volunteer_service.list_volunteers(
        session,
        account,
        PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
        district_id=district_id,
        skill=skill or None,
        status=status or None,
        search=q or None,
    )
    first, last = _this_month()
    hours = hours_service.volunteer_hours(session, (v.id for v in found.items), first, last)
    pages = max(1, -(-found.total // PAGE_SIZE))
    filters = {"q": q, "district": district_id or "", "skill": skill, "status": status}

    def page_url(n: int) -> str:
        query = {k: v for k, v in filters.items() if v} | {"page": n}
        return f"/console/volunteers?{urlencode(query)}"

    imported = None
    if created is not None or updated is not None:
        imported = {
            "created": _number(created, 0),
            "updated": _number(updated, 0),
            "skipped": _number(skipped, 0),
        }
    context = {
        "account": account,
        "districts": districts,
        "district_names": _district_names(districts),
        "skills": volunteer_service.skills_in_scope(session, account),
        "statuses": STATUSES,
        "filters": filters,
        "volunteers": found.items,
        "total": found.total,
        "hours": hours,
        "month": first,
        "page": number,
        "pages": pages,
        "previous_url": page_url(number - 1) if number > 1 else None,
        "next_url": page_url(number + 1) if number < pages else None,
        "imported": imported,
    }
    return render(request, "console/volunteers/list.html", context)


# -- the CSV import -------------------------------------------------------------------------
# Declared before /volunteers/{volunteer_id}, which would otherwise take "import".


@dataclass
class ImportForm:
    csrf_token: str | None
    action: str
    data: bytes | None  # the file chosen now, else the one checked before
    filename: str


async def import_form(request: Request) -> ImportForm:
    """The import form, read here with a part limit fitting the checked file carried in
    a hidden field (Starlette's default is 1 MiB). The body as a whole is limited by
    app.ops.middleware."""
    limit = get_settings().import_max_bytes
    form = await request.form(max_files=1, max_fields=10, max_part_size=limit * 4 // 3 + 1024)
    chosen = form.get("file")
    data = None
    filename = ""
    if isinstance(chosen, UploadFile) and chosen.filename:
        # One byte over the limit is enough for the importer to refuse the file.
        data = await chosen.read(limit + 1)
        filename = chosen.filename
    else:
        checked = form.get("checked")
        if isinstance(checked, str) and checked:
            try:
                data = base64.b64decode(checked, validate=True)
            except (binascii.Error, ValueError):
                data = None
            name = form.get("filename")
            filename = name[:200] if isinstance(name, str) else ""
    csrf = form.get("csrf_token")
    action = form.get("action")
    return ImportForm(
        csrf_token=csrf if isinstance(csrf, str) else None,
        action=action if action in ("check", "import", "partial") else "check",
        data=data,
        filename=filename,
    )


def _import_context(session, account: Account) -> dict:
    districts = visible_districts(session, account)
    return {
        "account": account,
        "district_names": _district_names(districts),
        "columns": importer.COLUMNS,
        "max_bytes": get_settings().import_max_bytes,
        "preview_rows": PREVIEW_ROWS,
    }


@router.get("/volunteers/import")
def import_page(request: Request, session: SessionDep, account: ConsoleAccount):
    return render(request, "console/volunteers/import.html", _import_context(session, account))


@router.post("/volunteers/import")
def import_volunteers(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    form: Annotated[ImportForm, Depends(import_form)],
):
    check_csrf(request, form.csrf_token)
    _ = gettext_for(request)
    context = _import_context(session, account)
    if form.data is None:
        context["file_error"] = _("Choose a CSV file.")
        return render(request, "console/volunteers/import.html", context, status=400)
    context |= {
        "filename": form.filename,
        "checked": base64.b64encode(form.data).decode("ascii"),
    }
    try:
        if form.action == "check":
            plan = importer.check_csv(session, account, io.BytesIO(form.data))
            return _preview(request, context, plan)
        partial = form.action == "partial"
        result = importer.import_csv(session, account, io.BytesIO(form.data), partial=partial)
        if result.errors and not partial:
            # Nothing was written; the rows are shown again with what is wrong.
            plan = importer.check_csv(session, account, io.BytesIO(form.data))
            context["refused"] = True
            return _preview(request, context, plan, status=422)
    except PayloadTooLarge:
        context["file_error"] = _("The file is larger than the limit of {limit} bytes.").format(
            limit=f"{get_settings().import_max_bytes:,}"
        )
        context.pop("checked")
        return render(request, "console/volunteers/import.html", context, status=400)
    except BadRequest as error:
        context["file_error"] = error.detail
        context.pop("checked")
        return render(request, "console/volunteers/import.html", context, status=400)
    skipped = len({e.row for e in result.errors})
    query = {"created": result.created, "updated": result.updated, "skipped": skipped}
    return redirect(f"/console/volunteers?{urlencode(query)}")


def import_message(_: Callable[[str], str], language: str, error: ImportError_) -> str:
    """A row error of the importer in the page's language. The importer's own sentences
    are read by their shape; a field's validation error says what the field takes."""
    if language == "en":
        return error.message
    known = [
        (r"more cells than columns", lambda m: _("The row has more cells than the header.")),
        (r"the same phone is on line (?P<line>\d+)",
         lambda m: _("The same phone is on line {line}.").format(line=m["line"])),
        (r"no district (?P<code>.+) among yours",
         lambda m: _("No district {code} among yours.").format(code=m["code"])),
        (r"this volunteer withdrew .*",
         lambda m: _("This volunteer withdrew and their data was erased; only they can "
                     "register again.")),
        (r"this phone belongs to another district",
         lambda m: _("This phone belongs to a volunteer of another district.")),
        (r"cannot read (?P<part>.+); write it like .*",
         lambda m: _("Cannot read {part}; write it like \"Mon 09:00-13:00\".").format(
             part=m["part"])),
    ]  # fmt: skip
    for shape, say in known:
        found = re.fullmatch(shape, error.message)
        if found:
            return say(found)
    by_field = {
        "name": _("Enter a name of at most 100 characters."),
        "phone": _("Enter a mobile number, e.g. 13812345678 or +852 9123 4567."),
        "email": _("Enter a valid email address, or leave the cell empty."),
        "skills": _("Skills are short words of letters, digits and _ : . -, separated by ;."),
        "home": _("Enter both latitude and longitude (-90 to 90, -180 to 180), or neither."),
        "max_hours_per_week": _("Enter a number of hours above 0 and at most 168."),
        "availability": _('Write availability like "Mon-Fri 09:00-13:00; Sat 10:00-12:00".'),
    }
    return by_field.get(error.field or "", error.message)


def _preview(request: Request, context: dict, plan: importer.ImportPlan, status: int = 200):
    _ = gettext_for(request)
    language = i18n.language(request)
    context |= {
        "plan": plan,
        "error_text": lambda error: import_message(_, language, error),
        "creating": sum(1 for row in plan.rows if row.volunteer is None),
        "error_lines": len({e.row for e in plan.errors}),
    }
    return render(request, "console/volunteers/import.html", context, status=status)


# -- one volunteer --------------------------------------------------------------------------


def _in_scope(session: SessionDep, account: Account, volunteer_id: str) -> Volunteer:
    number = _number(volunteer_id)
    if number is None:
        raise NotFound(f"Volunteer {volunteer_id} not found.")
    return volunteer_service.get_volunteer_in_scope(session, account, number)


def _week_grid(volunteer: Volunteer) -> list[list[str]]:
    """Seven rows (Monday first) of 24 hours: "preferred", "available" or "" for each
    hour a window touches."""
    grid = [[""] * 24 for _ in range(7)]
    for window in volunteer.weekly:
        start_h, start_m = map(int, window.start.split(":"))
        end_h, end_m = map(int, window.end.split(":"))
        last = end_h - 1 if end_m == 0 else end_h  # 13:00 ends with the 12 o'clock hour
        for hour in range(start_h, min(last, 23) + 1):
            cell = grid[window.weekday - 1][hour]
            if cell != "preferred":
                grid[window.weekday - 1][hour] = window.preference
    return grid


def _profile_context(session: SessionDep, account: Account, volunteer: Volunteer) -> dict:
    district = (
        session.get(District, volunteer.district_id) if volunteer.district_id is not None else None
    )
    now = utcnow()
    duties = duty_service.list_duties(
        session, volunteer, PageParams(limit=UPCOMING_DUTIES, offset=0), starts_from=now
    )
    hours = hours_service.my_hours(session, volunteer)
    station_ids = {d.station_id for d in duties.items} | {e.station_id for e in hours.entries}
    zones = {
        station_id: ZoneInfo(session.get_one(Station, station_id).timezone)
        for station_id in station_ids
    }
    preferred = [
        station
        for station_id in volunteer.preferred_station_ids
        if (station := session.get(Station, station_id)) is not None
    ]
    invitation_open = (
        volunteer.invitation_expires_at is not None and volunteer.invitation_expires_at > now
    )
    return {
        "account": account,
        "volunteer": volunteer,
        "district": district,
        "any_time": volunteer.availability_mode == AvailabilityMode.any_time,
        "grid": _week_grid(volunteer),
        "duties": duties,
        "hours": hours,
        "recent_hours": list(reversed(hours.entries))[:RECENT_HOURS],
        "zones": zones,
        "local_zone": ZoneInfo(get_settings().default_timezone),
        "preferred_stations": preferred,
        "default_travel_minutes": get_settings().default_max_travel_minutes,
        "may_invite": volunteer.account_id is None
        and volunteer.status != VolunteerStatus.withdrawn,
        "invitation_open": invitation_open,
        # Those of the caller's districts only: another district's are not theirs to see.
        "certificates": certificate_service.list_in_scope(
            session,
            account,
            PageParams(limit=CERTIFICATES_SHOWN, offset=0),
            district_id=None,
            volunteer_id=volunteer.id,
        ),
        "grouped": certificate_service.grouped,
        "hours_text": hours_text,
        "local_date": certificate_service.local_date,
    }


@router.get("/volunteers/{volunteer_id}")
def volunteer_page(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    volunteer_id: str,
    revoked: str | None = None,
):
    volunteer = _in_scope(session, account, volunteer_id)
    context = _profile_context(session, account, volunteer)
    # After a revocation (revoke_certificate's redirect): which one, said once.
    context["revoked"] = certificate_service.normalize_code(revoked) if revoked else None
    return render(request, "console/volunteers/profile.html", context)


# The invitation form posts to the volunteer's own URL: the answer shows the code, and
# its language links lead back to the page.
@router.post("/volunteers/{volunteer_id}")
def invite(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    volunteer_id: str,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    volunteer = _in_scope(session, account, volunteer_id)
    try:
        invitation = volunteer_service.invite(session, volunteer)
    except Conflict as error:
        context = _profile_context(session, account, volunteer) | {"invite_error": error.detail}
        return render(request, "console/volunteers/profile.html", context, status=409)
    # Shown in this answer only (no-store): the code is not kept in readable form.
    context = _profile_context(session, account, volunteer) | {"invitation": invitation}
    return render(request, "console/volunteers/profile.html", context)


@router.post("/volunteers/{volunteer_id}/certificates/{code}/revoke")
def revoke_certificate(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    volunteer_id: str,
    code: str,
    reason: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    """Withdraws one of this volunteer's certificates (the API's POST
    /certificates/{code}/revoke); its verify page then says it is not valid."""
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    volunteer = _in_scope(session, account, volunteer_id)
    found = certificate_service.find(session, code)
    if found is None or found.volunteer_id != volunteer.id:
        raise NotFound(f"Certificate {code} not found.")

    def refused(message: str, status: int):
        context = _profile_context(session, account, volunteer) | {
            "revoke_error": (found.code, message),
            "revoke_reason": reason[:REVOKE_REASON_SHOWN],
        }
        return render(request, "console/volunteers/profile.html", context, status=status)

    try:
        checked = REVOKE_REASON.validate_python(reason)
    except ValidationError:
        return refused(_("Say why in at most 500 characters, or leave it empty."), 422)
    try:
        certificate_service.revoke(session, account, found.code, checked or None)
    except Conflict:
        session.rollback()
        return refused(_("This certificate was revoked already."), 409)
    return redirect(f"/console/volunteers/{volunteer.id}?revoked={found.code}#certificates")
