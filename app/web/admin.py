"""The console's administration (admins only): districts, and the coordinators who run
them (create, change districts, deactivate and reactivate).

The same services and request schemas as the API's `/districts` and `/coordinators`:
the same validation, the same password rule, the same offboarding (deactivating a
coordinator revokes every session and token at once).
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.accounts.schemas import CoordinatorCreate, CoordinatorUpdate
from app.deps import SessionDep
from app.districts import service as district_service
from app.districts.models import District
from app.districts.schemas import DistrictCreate
from app.errors import Conflict, InvalidInput, NotPermitted
from app.pagination import PageParams
from app.web.console import ConsoleAccount, check_csrf
from app.web.pages import PageRoute, gettext_for, redirect, render
from app.web.password_advice import password_problem

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

MAX_ID = 2**31 - 1  # ids are 32-bit keys on PostgreSQL
EVERYTHING = PageParams(limit=500, offset=0)


def require_admin(request: Request, account: Account) -> Account:
    if account.role != Role.admin:
        _ = gettext_for(request)
        raise NotPermitted(_("Only an administrator manages districts and coordinators."))
    return account


def all_districts(session: Session) -> list[District]:
    return district_service.list_districts(session, EVERYTHING).items


def notice_text(_: Callable[[str], str], notice: str | None) -> str | None:
    return {
        "district-created": _("The district was created."),
        "coordinator-created": _("The coordinator was created and can sign in now."),
        "districts-changed": _("The coordinator's districts were changed."),
        "deactivated": _("The coordinator was deactivated and signed out everywhere."),
        "reactivated": _("The coordinator can sign in again."),
    }.get(notice or "")


def field_messages(
    _: Callable[[str], str],
    errors: Iterable[Mapping[str, Any]],
    password: str = "",
    inputs: Iterable[str | None] = (),
) -> dict[str, str]:
    """Validation errors (pydantic's or the services') as a message per form field;
    `inputs` are what the password is checked against (email, name)."""
    messages: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        field = loc[-1] if loc else ""
        if field.isdigit() and len(loc) > 1:  # district_ids.0
            field = loc[-2]
        if field in messages:
            continue
        if field == "email":
            messages[field] = _("Enter a valid email address.")
        elif field == "name":
            messages[field] = _("Enter a name with at least one visible character.")
        elif field == "code":
            messages[field] = _("Use 1 to 40 letters, digits, dots, dashes or underscores.")
        elif field == "password":
            problem = password_problem(_, password, inputs)
            if problem is None:  # a rule of the schema's own, e.g. the length limit
                problem = (_("This password is too easy to guess."), "")
            messages[field], messages["password_detail"] = problem
        elif field == "district_ids":
            messages[field] = _("Choose districts from the list.")
        else:
            messages[field or "form"] = str(error.get("msg", ""))
    return messages


# -- the overview -------------------------------------------------------------------------


def admin_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    district_form: dict[str, Any] | None = None,
    status: int = 200,
):
    _ = gettext_for(request)
    districts = all_districts(session)
    coordinators = account_service.list_coordinators(session, EVERYTHING)
    context = {
        "account": account,
        "districts": districts,
        "district_names": {d.id: d.name for d in districts},
        "coordinators": coordinators.items,
        "coordinator_total": coordinators.total,
        "district_form": district_form or {"values": {"code": "", "name": ""}, "errors": {}},
        "notice": notice_text(_, request.query_params.get("done")),
    }
    return render(request, "console/admin/index.html", context, status=status)


@router.get("/admin")
def admin_index(request: Request, session: SessionDep, account: ConsoleAccount):
    require_admin(request, account)
    return admin_page(request, session, account)


@router.post("/admin/districts")
def create_district(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    code: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    require_admin(request, account)
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    status = 422
    try:
        district_service.create_district(session, DistrictCreate(code=code, name=name))
    except ValidationError as invalid:
        errors = field_messages(_, invalid.errors())
    except Conflict:
        errors, status = {"code": _("A district with this code exists already.")}, 409
    if not errors:
        return redirect("/console/admin?done=district-created")
    session.rollback()  # nothing of a refused form stays in the session
    form = {"values": {"code": code, "name": name}, "errors": errors}
    return admin_page(request, session, account, district_form=form, status=status)


# -- coordinators -------------------------------------------------------------------------


def coordinator_form(
    request: Request,
    session: Session,
    account: Account,
    *,
    coordinator: Account | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    context = {
        "account": account,
        "coordinator": coordinator,
        "districts": all_districts(session),
        "values": values,
        "errors": errors or {},
        "min_length": passwords.MIN_LENGTH,
    }
    return render(request, "console/admin/coordinator.html", context, status=status)


@router.get("/admin/coordinators/new")
def new_coordinator_form(request: Request, session: SessionDep, account: ConsoleAccount):
    require_admin(request, account)
    values = {"email": "", "name": "", "district_ids": []}
    return coordinator_form(request, session, account, coordinator=None, values=values)


@router.post("/admin/coordinators/new")
def create_coordinator(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    email: Annotated[str, Form(max_length=500)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    district_ids: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    require_admin(request, account)
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    status = 422
    try:
        data = CoordinatorCreate(
            email=email, name=name, password=password, district_ids=district_ids
        )
        account_service.create_coordinator(
            session,
            email=data.email,
            password=data.password,
            name=data.name,
            district_ids=data.district_ids,
        )
    except ValidationError as invalid:
        errors = field_messages(_, invalid.errors(), password, [email, name])
    except InvalidInput as invalid:
        errors = field_messages(_, invalid.extra["errors"])
    except Conflict:
        errors, status = {"email": _("An account with this email exists already.")}, 409
    if not errors:
        return redirect("/console/admin?done=coordinator-created")
    session.rollback()
    values = {"email": email, "name": name, "district_ids": district_ids}  # never the password
    return coordinator_form(
        request, session, account, coordinator=None, values=values, errors=errors, status=status
    )


@router.get("/admin/coordinators/{coordinator_id}")
def edit_coordinator_form(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    coordinator_id: Annotated[int, Path(ge=1, le=MAX_ID)],
):
    require_admin(request, account)
    coordinator = account_service.get_coordinator(session, coordinator_id)
    values = {"email": coordinator.email, "name": coordinator.name,
              "district_ids": coordinator.district_ids}  # fmt: skip
    return coordinator_form(request, session, account, coordinator=coordinator, values=values)


@router.post("/admin/coordinators/{coordinator_id}")
def change_districts(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    coordinator_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    district_ids: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    require_admin(request, account)
    _ = gettext_for(request)
    coordinator = account_service.get_coordinator(session, coordinator_id)
    try:
        data = CoordinatorUpdate(district_ids=district_ids)
        account_service.update_coordinator(session, coordinator_id, district_ids=data.district_ids)
    except ValidationError as invalid:
        errors = field_messages(_, invalid.errors())
    except InvalidInput as invalid:
        errors = field_messages(_, invalid.extra["errors"])
    else:
        return redirect("/console/admin?done=districts-changed")
    session.rollback()
    values = {"email": coordinator.email, "name": coordinator.name, "district_ids": district_ids}
    return coordinator_form(
        request, session, account, coordinator=coordinator, values=values, errors=errors,
        status=422,
    )  # fmt: skip


def set_active(
    request: Request, session: Session, account: Account, coordinator_id: int, active: bool
):
    account_service.update_coordinator(session, coordinator_id, active=active)
    return redirect(f"/console/admin?done={'reactivated' if active else 'deactivated'}")


@router.post("/admin/coordinators/{coordinator_id}/deactivate")
def deactivate(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    coordinator_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    require_admin(request, account)
    return set_active(request, session, account, coordinator_id, active=False)


@router.post("/admin/coordinators/{coordinator_id}/reactivate")
def reactivate(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    coordinator_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    require_admin(request, account)
    return set_active(request, session, account, coordinator_id, active=True)
