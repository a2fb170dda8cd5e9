"""Organisations (志愿服务组织): created by the admin, run by their own administrators
(accounts of role org_admin, each of one organisation), serving some districts.

Who sees what: any signed-in caller may list organisations (code, name, districts);
their contact person and phone only the admin, coordinators and the organisation's
own administrators (a contact is a person). One organisation's page and its changes
are the admin's and its own administrators'.
An org_admin changes its name and contact only; its code and districts (how far the
organisation and so its administrators reach) stay the admin's.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.districts import service as district_service
from app.errors import Conflict, NotFound, NotPermitted
from app.organisations.models import Organisation
from app.organisations.schemas import (
    OrganisationAdminCreate,
    OrganisationCreate,
    OrganisationUpdate,
)

# What only the admin may change: the organisation's identity and reach.
ADMIN_FIELDS = ("district_ids",)


def _flush_unique_code(session: Session, code: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"An organisation with code {code!r} already exists.") from None


def create_organisation(
    session: Session, account: Account, data: OrganisationCreate
) -> Organisation:
    if account.role != Role.admin:
        raise NotPermitted("Only an administrator may create organisations.")
    organisation = Organisation(
        code=data.code,
        name=data.name,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        districts=district_service.districts_by_ids(session, data.district_ids),
    )
    session.add(organisation)
    _flush_unique_code(session, data.code)
    return organisation


def list_organisations(
    session: Session, account: Account, *, limit: int = 50, offset: int = 0
) -> tuple[list[Organisation], int]:
    """Every organisation, by code, for any signed-in caller."""
    total = session.scalar(select(func.count(Organisation.id))) or 0
    items = session.scalars(
        select(Organisation).order_by(Organisation.code).limit(limit).offset(offset)
    )
    return list(items), total


def shows_contact(account: Account, organisation: Organisation) -> bool:
    """Whether the caller may read the organisation's contact person and phone."""
    return account.role == Role.coordinator or may_administer(account, organisation.id)


def may_administer(account: Account, organisation_id: int) -> bool:
    return account.role == Role.admin or (
        account.role == Role.org_admin and account.organisation_id == organisation_id
    )


def get_organisation(session: Session, account: Account, organisation_id: int) -> Organisation:
    """The admin's and the organisation's own administrators'; another organisation's
    administrator is told it does not exist, other roles that they may not."""
    if account.role not in (Role.admin, Role.org_admin):
        raise NotPermitted("Only an administrator or the organisation's own may do this.")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not may_administer(account, organisation.id):
        raise NotFound(f"Organisation {organisation_id} not found.")
    return organisation


def update_organisation(
    session: Session, account: Account, organisation_id: int, data: OrganisationUpdate
) -> Organisation:
    organisation = get_organisation(session, account, organisation_id)
    changes = data.model_dump(exclude_unset=True)
    if account.role != Role.admin:
        refused = sorted(set(changes) & set(ADMIN_FIELDS))
        if refused:
            raise NotPermitted(
                f"Only an administrator may change an organisation's {', '.join(refused)}."
            )
    if "district_ids" in changes:
        organisation.districts = district_service.districts_by_ids(
            session, changes.pop("district_ids")
        )
    for field, value in changes.items():
        setattr(organisation, field, value)
    session.flush()
    return organisation


def add_organisation_admin(
    session: Session, account: Account, organisation_id: int, data: OrganisationAdminCreate
) -> Account:
    """A new account of role org_admin for this organisation; it signs in by e-mail
    like a coordinator."""
    if account.role != Role.admin:
        raise NotPermitted("Only an administrator may add an organisation's administrators.")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"Organisation {organisation_id} not found.")
    admin = account_service.create_account(
        session, role=Role.org_admin, name=data.name, password=data.password, email=data.email
    )
    admin.organisation_id = organisation.id
    session.flush()
    return admin
