"""The console's organisations: the list (admins create one there), and one
organisation's page with its details, its administrators, its teams and its members'
verified hours (on the page and as CSV).

Every handler calls app.organisations.service and app.teams.service with the signed-in
account, as the API does, so who may see and change what is decided there once; this
module turns form fields into the API's schemas and their complaints into messages
next to the fields. An organisation's admin signs in to the console and sees only its
own organisation (and its teams, app/web/teams.py).
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.accounts.models import Account, Role
from app.deps import SessionDep
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput, NotPermitted
from app.hours import groups
from app.hours.schemas import GroupHoursReport
from app.organisations import service as organisation_service
from app.organisations.models import Organisation
from app.organisations.schemas import (
    OrganisationAdminCreate,
    OrganisationCreate,
    OrganisationUpdate,
)
from app.pagination import PageParams
from app.settings import get_settings
from app.teams import service as team_service
from app.types import Id
from app.web.admin import field_messages
from app.web.console import AnyConsoleAccount, check_csrf
from app.web.pages import PageRoute, gettext_for, redirect, render

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Translate = Callable[[str], str]
Errors = dict[str, str]
Text = Annotated[str, Form(max_length=1000)]
# An office has tens of organisations and teams, not thousands: one page shows them all.
ALL = 500


# -- messages next to the fields ------------------------------------------------------------


def form_errors(
    _: Translate,
    errors: Iterable[Mapping[str, Any]],
    password: str = "",
    inputs: Iterable[str | None] = (),
) -> Errors:
    """A schema's (or a service's InvalidInput) errors as one message per form field."""
    people: list[Mapping[str, Any]] = []
    messages: Errors = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        field = loc[0] if loc else ""
        if field in messages:
            continue
        if field == "contact_phone":
            messages[field] = _("Enter a mobile number, e.g. 13812345678 or +852 9123 4567.")
        elif field == "contact_name":
            messages[field] = _("Enter a name with at least one visible character.")
        elif field == "name" and error.get("type") in ("missing", "string_too_short"):
            messages[field] = _("Required.")
        elif field == "name" and error.get("type") == "string_too_long":
            limit = (error.get("ctx") or {}).get("max_length")
            messages[field] = _("At most {limit} characters.").format(limit=limit)
        else:
            people.append(error)
    return field_messages(_, people, password, inputs) | messages


def _filled(values: Mapping[str, str]) -> dict[str, str]:
    """The fields that were filled in: an empty optional field is a missing one."""
    return {name: value.strip() for name, value in values.items() if value.strip()}


def require_admin(request: Request, account: Account) -> None:
    """Creating organisations and their admins is an administrator's (the service says
    so too; saying it first keeps a refused form from reading as a typing mistake)."""
    if account.role != Role.admin:
        _ = gettext_for(request)
        raise NotPermitted(_("Only an administrator creates organisations and their admins."))


def today() -> date:
    return datetime.now(ZoneInfo(get_settings().default_timezone)).date()


def month_so_far() -> tuple[date, date]:
    """This month so far: what an office reports on most."""
    return today().replace(day=1), today()


def period_errors(_: Translate, invalid: InvalidInput) -> Errors:
    """The service's complaints about a period (from, to) next to those fields."""
    errors: Errors = {}
    for error in invalid.extra["errors"]:
        field = str(error.get("loc", ["", ""])[-1])
        message = str(error.get("msg", ""))
        if message == "must not lie before from":
            errors.setdefault(field, _("Must not lie before the start of the period."))
        elif message.startswith("at most"):
            errors.setdefault(field, _("A period is at most a year long."))
        else:
            errors.setdefault(field, _("Enter a date such as 2026-05-01."))
    return errors


def parse_period(
    _: Translate, start: str | None, end: str | None, default: tuple[date, date]
) -> tuple[date, date, Errors]:
    """`from` and `to` of a query, each its default when left out; a date that cannot be
    read is named next to its field (and the default used meanwhile)."""
    errors: Errors = {}
    chosen = list(default)
    for index, (field, text) in enumerate((("from", start), ("to", end))):
        if not text:
            continue
        try:
            chosen[index] = date.fromisoformat(text)
        except ValueError:
            errors[field] = _("Enter a date such as 2026-05-01.")
    return chosen[0], chosen[1], errors


def hours_csv(filename: str, report: GroupHoursReport) -> Response:
    """The report as the API's CSV (GET /reports/hours?format=csv): a row per member and
    team, a total per team, and for an organisation one in all."""
    return Response(
        groups.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def all_districts(session: Session) -> list[District]:
    return district_service.list_districts(session, PageParams(limit=ALL, offset=0)).items


def district_options(districts: Iterable[District]) -> list[tuple[int, str]]:
    return [(d.id, f"{d.name} ({d.code})") for d in districts]


def notice_text(_: Translate, notice: str | None) -> str | None:
    return {
        "organisation-created": _("The organisation was created."),
        "organisation-saved": _("The organisation's details were saved."),
        "admin-added": _("The organisation admin was added and can sign in now."),
    }.get(notice or "")


# -- the list -----------------------------------------------------------------------------


def _list_page(
    request: Request,
    session: Session,
    account: Account,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request)
    organisations, total = organisation_service.list_organisations(
        session, account, limit=ALL, offset=0
    )
    districts = all_districts(session) if account.role == Role.admin else []
    context = {
        "account": account,
        "organisations": organisations,
        "total": total,
        "district_options": district_options(districts),
        "values": values or {"district_ids": []},
        "errors": errors or {},
        "notice": notice_text(_, request.query_params.get("done")),
    }
    return render(request, "console/organisations/list.html", context, status)


@router.get("/organisations")
def organisation_list(request: Request, session: SessionDep, account: AnyConsoleAccount):
    if account.role == Role.org_admin:  # it sees its own organisation only
        return redirect(f"/console/organisations/{account.organisation_id}")
    return _list_page(request, session, account)


@router.post("/organisations")
def create_organisation(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    code: Text = "",
    name: Text = "",
    contact_name: Text = "",
    contact_phone: Text = "",
    district_ids: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006 (copied)
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    require_admin(request, account)
    _ = gettext_for(request)
    values: dict[str, Any] = {
        "code": code,
        "name": name,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "district_ids": [int(d) for d in district_ids if d.isdigit()],
    }
    errors: Errors = {}
    try:
        data = OrganisationCreate.model_validate(
            _filled({"code": code, "name": name, "contact_name": contact_name,
                     "contact_phone": contact_phone}) | {"district_ids": district_ids}
        )  # fmt: skip
        organisation = organisation_service.create_organisation(session, account, data)
    except ValidationError as invalid:
        errors = form_errors(_, invalid.errors())
    except InvalidInput as invalid:
        errors = form_errors(_, invalid.extra["errors"])
    except Conflict:
        errors = {"code": _("Another organisation already has this code.")}
    if errors:
        session.rollback()  # nothing of a refused form stays
        return _list_page(request, session, account, values, errors, status=400)
    return redirect(f"/console/organisations/{organisation.id}?done=organisation-created")


# -- one organisation -----------------------------------------------------------------------


def organisation_admins(session: Session, organisation: Organisation) -> list[Account]:
    """Its administrators (the page's caller may see the organisation, so them too)."""
    return list(
        session.scalars(
            select(Account)
            .where(Account.organisation_id == organisation.id, Account.role == Role.org_admin)
            .order_by(Account.name)
        )
    )


def _details(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "contact_name": organisation.contact_name or "",
        "contact_phone": organisation.contact_phone or "",
        "district_ids": organisation.district_ids,
    }


def _organisation_page(
    request: Request,
    session: Session,
    account: Account,
    organisation: Organisation,
    *,
    edit: dict[str, Any] | None = None,
    edit_errors: Errors | None = None,
    admin: dict[str, Any] | None = None,
    admin_errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request)
    teams, team_total = team_service.list_teams(
        session, account, organisation_id=organisation.id, limit=ALL, offset=0
    )
    districts = all_districts(session)
    start, end = request.query_params.get("from"), request.query_params.get("to")
    first, last, hours_errors = parse_period(_, start, end, month_so_far())
    hours: GroupHoursReport | None = None
    if not hours_errors:
        try:
            hours = groups.organisation_report(session, account, organisation.id, first, last)
        except InvalidInput as invalid:
            hours_errors = period_errors(_, invalid)
    period = {"from": start or first.isoformat(), "to": end or last.isoformat()}
    context = {
        "account": account,
        "organisation": organisation,
        "district_names": {d.id: d.name for d in districts},
        "district_options": district_options(districts),
        "teams": teams,
        "team_total": team_total,
        "admins": organisation_admins(session, organisation),
        "edit": edit if edit is not None else _details(organisation),
        "edit_errors": edit_errors or {},
        "admin": admin or {},
        "admin_errors": admin_errors or {},
        "period": period,
        "hours": None if hours_errors else hours,
        "hours_errors": hours_errors,
        "min_length": passwords.MIN_LENGTH,
        "period_action": f"/console/organisations/{organisation.id}",
        "csv_url": f"/console/organisations/{organisation.id}/hours.csv?{urlencode(period)}",
        "notice": notice_text(_, request.query_params.get("done")),
    }
    return render(request, "console/organisations/detail.html", context, status)


@router.get("/organisations/{organisation_id}")
def organisation_page(
    request: Request, session: SessionDep, account: AnyConsoleAccount, organisation_id: Id
):
    organisation = organisation_service.get_organisation(session, account, organisation_id)
    return _organisation_page(request, session, account, organisation)


@router.post("/organisations/{organisation_id}")
def update_organisation(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    organisation_id: Id,
    name: Text = "",
    contact_name: Text = "",
    contact_phone: Text = "",
    district_ids: Annotated[list[str] | None, Form(max_length=500)] = None,
    csrf_token: Annotated[str | None, Form()] = None,
):
    """Name and contact; an admin also the districts it serves (the form shows those
    fields to an admin only, and the service refuses them from anyone else)."""
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    organisation = organisation_service.get_organisation(session, account, organisation_id)
    chosen = [int(d) for d in district_ids or [] if d.isdigit()]
    values = {"name": name, "contact_name": contact_name, "contact_phone": contact_phone,
              "district_ids": chosen}  # fmt: skip
    # An emptied contact clears it; the name is required.
    fields: dict[str, Any] = {
        "name": name.strip(),
        "contact_name": contact_name.strip() or None,
        "contact_phone": contact_phone.strip() or None,
    }
    if account.role == Role.admin:
        fields["district_ids"] = district_ids or []
    errors: Errors = {}
    try:
        data = OrganisationUpdate.model_validate(fields)
        organisation_service.update_organisation(session, account, organisation.id, data)
    except ValidationError as invalid:
        errors = form_errors(_, invalid.errors())
    except InvalidInput as invalid:
        errors = form_errors(_, invalid.extra["errors"])
    if errors:
        session.rollback()
        return _organisation_page(
            request, session, account, organisation, edit=values, edit_errors=errors, status=400
        )
    return redirect(f"/console/organisations/{organisation.id}?done=organisation-saved")


@router.post("/organisations/{organisation_id}/admins")
def add_organisation_admin(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    organisation_id: Id,
    email: Text = "",
    name: Text = "",
    password: Text = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    organisation = organisation_service.get_organisation(session, account, organisation_id)
    require_admin(request, account)
    errors: Errors = {}
    try:
        data = OrganisationAdminCreate(email=email, name=name, password=password)
        organisation_service.add_organisation_admin(session, account, organisation.id, data)
    except ValidationError as invalid:
        errors = form_errors(_, invalid.errors(), password, [email, name])
    except InvalidInput as invalid:
        errors = form_errors(_, invalid.extra["errors"])
    except Conflict:
        errors = {"email": _("An account with this email exists already.")}
    if errors:
        session.rollback()
        values = {"email": email, "name": name}  # never the password
        return _organisation_page(
            request, session, account, organisation, admin=values, admin_errors=errors,
            status=400,
        )  # fmt: skip
    return redirect(f"/console/organisations/{organisation.id}?done=admin-added#admins")


@router.get("/organisations/{organisation_id}/hours.csv")
def organisation_hours_csv(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    organisation_id: Id,
    from_: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    to: Annotated[str | None, Query(max_length=20)] = None,
):
    """Its members' verified hours per team, for the organisation's own records; a
    period that cannot be read goes back to the page, which says why next to the field."""
    _ = gettext_for(request)
    organisation = organisation_service.get_organisation(session, account, organisation_id)
    first, last, errors = parse_period(_, from_, to, month_so_far())
    refused = _organisation_page(request, session, account, organisation, status=400)
    if errors:
        return refused
    try:
        report = groups.organisation_report(session, account, organisation.id, first, last)
    except InvalidInput:
        return refused
    return hours_csv(f"{organisation.code}-hours-{first}-{last}.csv", report)
