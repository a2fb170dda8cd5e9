"""The console's hours report: a district's verified hours for a period, per volunteer,
per station and per entry, the coordinator's corrections, and the CSV download.

Everything comes from app.hours.service (the API's report and correction): the same
scope (404 for another district's duties) and the same validation, whose messages are
shown next to the fields they concern.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.deps import SessionDep
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput
from app.hours import service as hours_service
from app.hours.router import csv_response
from app.hours.schemas import HoursCorrectionCreate, HoursReport
from app.settings import get_settings
from app.web.console import ConsoleAccount, check_csrf, visible_districts
from app.web.pages import PageRoute, gettext_for, redirect, render

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

PAGE = "console/hours/report.html"
# Each entry carries its correction form: a month of a district is thousands of them.
ENTRIES_PER_PAGE = 100
MAX_ID = 2**31 - 1  # ids are 32-bit keys on PostgreSQL


def translate(_: Callable[[str], str], message: str) -> str:
    """A service's validation message in the page's language; unknown ones as they are."""
    known: list[tuple[str, Callable[[re.Match], str]]] = [
        (r"lies in the future", lambda m: _("This lies in the future.")),
        (
            r"must lie on the duty's day, (?P<days>.+) \(station time\)",
            lambda m: _("Must lie on the duty's day, {days} (station time).").format(
                days=m["days"]
            ),
        ),
        (
            r"lasts longer than the shift plus (?P<slack>\S+) h \((?P<total>\S+) h in all\)",
            lambda m: _("Longer than the shift plus {slack} h ({total} h in all).").format(
                slack=m["slack"], total=m["total"]
            ),
        ),
        (
            r"(Value error, )?check_out_at must lie after check_in_at",
            lambda m: _("Check-out must lie after check-in."),
        ),
        (
            r"(Value error, )?an entry spans at most (?P<n>\d+) hours",
            lambda m: _("An entry spans at most {hours} hours.").format(hours=m["n"]),
        ),
        (r"must not lie before from", lambda m: _("Must not lie before the start of the period.")),
        (
            r"must lie between (the years )?(?P<a>\d+) and (?P<b>\d+)",
            lambda m: _("Must lie between the years {first} and {last}.").format(
                first=m["a"], last=m["b"]
            ),
        ),
    ]
    for pattern, say in known:
        found = re.fullmatch(pattern, message)
        if found:
            return say(found)
    return message


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def default_period(today: date) -> tuple[date, date]:
    """This month so far: what an office reports on most."""
    return today.replace(day=1), today


def local_input(instant: datetime | None, zone: str) -> str:
    """An instant as a datetime-local field's value in the station's timezone."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if instant else ""


def local_text(instant: datetime | None, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") if instant else "–"


def local_time(instant: datetime | None, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M") if instant else "–"


def _report_page_of(
    session: Session, account: Account, district_id: int, first: date, last: date, page: int
) -> HoursReport:
    """The report with the entries of one page."""
    window = slice((page - 1) * ENTRIES_PER_PAGE, page * ENTRIES_PER_PAGE)
    return hours_service.hours_report(
        session, account, district_id, first, last, detail=True, entries=window
    )


def _entry_count(report: HoursReport) -> int:
    return sum(row.duties for row in report.stations)


def _page_count(report: HoursReport) -> int:
    return max(1, -(-_entry_count(report) // ENTRIES_PER_PAGE))


def report_page(
    request: Request,
    session: Session,
    account: Account,
    district: int | None,
    from_value: str | None,
    to_value: str | None,
    correction: dict[str, Any] | None = None,
    page: int = 1,
    entry: int | None = None,
):
    """The report page for the asked district and period, or the form with its errors.
    Entries come a page at a time; `entry` (or the entry being corrected) picks the page
    that holds it."""
    _ = gettext_for(request)
    districts = visible_districts(session, account)
    context: dict[str, Any] = {"account": account, "districts": districts, "errors": {}}
    if not districts:
        return render(request, PAGE, context)
    chosen: District = (
        district_service.get_district_in_scope(session, account, district)
        if district is not None
        else districts[0]
    )
    today = datetime.now(ZoneInfo(get_settings().default_timezone)).date()
    first, last = default_period(today)
    from_text = from_value if from_value is not None else first.isoformat()
    to_text = to_value if to_value is not None else last.isoformat()
    context |= {"district": chosen, "from_text": from_text, "to_text": to_text}
    errors: dict[str, str] = {}
    from_date, to_date = parse_date(from_text), parse_date(to_text)
    if from_date is None:
        errors["from"] = _("Enter a date, e.g. {example}.").format(example=first.isoformat())
    if to_date is None:
        errors["to"] = _("Enter a date, e.g. {example}.").format(example=last.isoformat())
    report: HoursReport | None = None
    if correction is not None:
        entry = correction["assignment_id"]
    if from_date is not None and to_date is not None:
        try:
            if entry is not None:
                order = hours_service.entry_order(session, account, chosen.id, from_date, to_date)
                if entry in order:
                    page = order.index(entry) // ENTRIES_PER_PAGE + 1
            report = _report_page_of(session, account, chosen.id, from_date, to_date, page)
            if page > _page_count(report):  # a page beyond the last one: the last one
                page = _page_count(report)
                report = _report_page_of(session, account, chosen.id, from_date, to_date, page)
        except InvalidInput as invalid:
            for error in invalid.extra["errors"]:
                errors[str(error["loc"][-1])] = translate(_, error["msg"])
    context["errors"] = errors
    if report is None:
        return render(request, PAGE, context, status=422)
    query = {"district": chosen.id, "from": from_text, "to": to_text}
    pages = _page_count(report)

    def page_url(number: int) -> str:
        return "/console/hours?" + urlencode(query | {"page": number}) + "#entries"

    context |= {
        "report": report,
        "entries": report.entries or [],
        "entry_count": _entry_count(report),
        "page": page,
        "pages": pages,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
        "query": urlencode(query),
        "csv_url": "/console/hours/report.csv?" + urlencode(query),
        "entries_csv_url": "/console/hours/report.csv?" + urlencode(query | {"detail": "entries"}),
        "correction": correction,
        "local_input": local_input,
        "local_text": local_text,
        "local_time": local_time,
    }
    return render(request, PAGE, context, status=422 if correction else 200)


@router.get("/hours")
def hours_page(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    district: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    entry: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
):
    return report_page(request, session, account, district, from_, to, page=page, entry=entry)


@router.get("/hours/report.csv")
def hours_csv(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    district: Annotated[int, Query(ge=1, le=MAX_ID)],
    from_date: Annotated[date, Query(alias="from")],
    to: date,
    detail: Literal["volunteers", "entries"] = "volunteers",
):
    """The same CSV as `GET /api/v1/reports/hours` with `Accept: text/csv`."""
    report = hours_service.hours_report(
        session, account, district, from_date, to, detail=detail == "entries"
    )
    return csv_response(report, detail)


def local_instant(value: str, zone: str) -> datetime | None:
    """A datetime-local field's value read in the station's timezone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


@router.post("/hours/{assignment_id}/correction")
def correct_entry(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    assignment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    district: Annotated[int, Form(ge=1, le=MAX_ID)],
    from_: Annotated[str, Form(alias="from")] = "",
    to: Annotated[str, Form()] = "",
    check_in: Annotated[str, Form(max_length=40)] = "",
    check_out: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    zone = hours_service.duty_timezone(session, account, assignment_id)
    errors: dict[str, str] = {}
    general: str | None = None
    fields = {"check_in_at": "check_in", "check_out_at": "check_out", "reason": "reason"}
    check_in_at, check_out_at = local_instant(check_in, zone), local_instant(check_out, zone)
    if check_in_at is None:
        errors["check_in"] = _("Enter a date and time.")
    if check_out_at is None:
        errors["check_out"] = _("Enter a date and time.")
    if check_in_at is not None and check_out_at is not None:
        try:
            data = HoursCorrectionCreate(
                check_in_at=check_in_at, check_out_at=check_out_at, reason=reason
            )
            hours_service.correct_hours(session, account, assignment_id, data)
        except ValidationError as invalid:
            for error in invalid.errors():
                # A rule across both times (loc ()) concerns the check-out.
                field = fields.get(str(error["loc"][0]) if error["loc"] else "", "check_out")
                if field == "reason":
                    errors[field] = _("Give a reason (at most 500 characters).")
                else:
                    errors.setdefault(field, translate(_, error["msg"]))
        except InvalidInput as invalid:
            for error in invalid.extra["errors"]:
                field = fields.get(str(error["loc"][-1]), "check_out")
                errors.setdefault(field, translate(_, error["msg"]))
        except Conflict as conflict:
            general = {
                "not_published": _("Hours are kept for duties of published rosters only."),
                "cancelled": _("This duty was cancelled."),
            }.get(conflict.extra.get("reason", ""), conflict.detail)
    if not errors and general is None:
        query = urlencode({"district": district, "from": from_, "to": to, "entry": assignment_id})
        return redirect(f"/console/hours?{query}#entry-{assignment_id}")
    session.rollback()
    correction = {
        "assignment_id": assignment_id,
        "values": {"check_in": check_in, "check_out": check_out, "reason": reason},
        "errors": errors,
        "general": general,
    }
    return report_page(request, session, account, district, from_, to, correction)
