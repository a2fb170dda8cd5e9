from fastapi import APIRouter, status

from app.deps import API_PREFIX, CurrentAccount, SessionDep
from app.organisations import service
from app.organisations.schemas import (
    OrganisationAdminCreate,
    OrganisationAdminRead,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
)
from app.pagination import Page, PageDep, PageRead
from app.types import Id

router = APIRouter(prefix=API_PREFIX, tags=["organisations and teams"])


@router.post("/organisations", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
def create_organisation(session: SessionDep, account: CurrentAccount, body: OrganisationCreate):
    """Admin only: a volunteer service organisation and the districts it serves."""
    return service.create_organisation(session, account, body)


@router.get("/organisations", response_model=PageRead[OrganisationRead])
def list_organisations(session: SessionDep, account: CurrentAccount, page: PageDep):
    """Any signed-in caller; the contact person and phone are left out (null) for all
    but the admin, coordinators and the organisation's own administrators."""
    items, total = service.list_organisations(
        session, account, limit=page.limit, offset=page.offset
    )
    shown = [
        OrganisationRead.model_validate(organisation)
        if service.shows_contact(account, organisation)
        else OrganisationRead.model_validate(organisation).model_copy(
            update={"contact_name": None, "contact_phone": None}
        )
        for organisation in items
    ]
    return Page(items=shown, total=total)


@router.get("/organisations/{organisation_id}", response_model=OrganisationRead)
def get_organisation(session: SessionDep, account: CurrentAccount, organisation_id: Id):
    """The admin and the organisation's own administrators."""
    return service.get_organisation(session, account, organisation_id)


@router.patch("/organisations/{organisation_id}", response_model=OrganisationRead)
def update_organisation(
    session: SessionDep, account: CurrentAccount, organisation_id: Id, body: OrganisationUpdate
):
    """The admin; the organisation's own administrators change its name and contact
    only (403 for `district_ids`)."""
    return service.update_organisation(session, account, organisation_id, body)


@router.post(
    "/organisations/{organisation_id}/admins",
    response_model=OrganisationAdminRead,
    status_code=status.HTTP_201_CREATED,
)
def add_organisation_admin(
    session: SessionDep, account: CurrentAccount, organisation_id: Id, body: OrganisationAdminCreate
):
    """Admin only: an account of role `org_admin` for this organisation; it signs in by
    e-mail at POST /auth/token like a coordinator."""
    return service.add_organisation_admin(session, account, organisation_id, body)
