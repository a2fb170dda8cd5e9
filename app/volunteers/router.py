from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile, status

from app.deps import API_PREFIX, CoordinatorAccount, SessionDep, VolunteerAccount
from app.duties import service as duty_service
from app.errors import InvalidInput
from app.pagination import PageDep, PageRead
from app.ratelimit import client_ip, limit_sign_in
from app.types import Id, SkillTag
from app.volunteers import importer, service
from app.volunteers.schemas import (
    Availability,
    ImportResult,
    Invitation,
    VolunteerAdminUpdate,
    VolunteerRead,
    VolunteerRegister,
    VolunteerUpdate,
)

router = APIRouter(prefix=API_PREFIX, tags=["volunteers"])


@router.post(
    "/volunteers",
    response_model=VolunteerRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(limit_sign_in)],
)
def register(request: Request, session: SessionDep, body: VolunteerRegister):
    """Self-registration; open to anyone who accepts the privacy notice. 429 with
    Retry-After after too many registrations or wrong invitation codes from one address."""
    return service.register(session, body, client_ip=client_ip(request))


# /volunteers/me must come before /volunteers/{volunteer_id}.
@router.get("/volunteers/me", response_model=VolunteerRead)
def read_me(session: SessionDep, account: VolunteerAccount):
    return service.volunteer_of(session, account)


@router.patch("/volunteers/me", response_model=VolunteerRead)
def update_me(session: SessionDep, account: VolunteerAccount, body: VolunteerUpdate):
    return service.update(session, account, service.volunteer_of(session, account), body)


@router.delete("/volunteers/me", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_me(session: SessionDep, account: VolunteerAccount):
    """Withdraws: future duties cancelled, personal data erased, tokens revoked, service
    hours kept."""
    duty_service.withdraw_volunteer(session, service.volunteer_of(session, account))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/volunteers/me/availability", response_model=Availability)
def read_my_availability(session: SessionDep, account: VolunteerAccount):
    return service.availability_of(service.volunteer_of(session, account))


@router.put("/volunteers/me/availability", response_model=Availability)
def replace_my_availability(session: SessionDep, account: VolunteerAccount, body: Availability):
    volunteer = service.set_availability(session, service.volunteer_of(session, account), body)
    return service.availability_of(volunteer)


@router.post("/volunteers/import", response_model=ImportResult)
def import_volunteers(
    session: SessionDep, account: CoordinatorAccount, file: UploadFile, partial: bool = False
):
    """CSV import; see the README for the columns. Any row error imports nothing unless
    `partial=true`, which imports the good rows and reports the others."""
    result = importer.import_csv(session, account, file.file, partial=partial)
    if result.errors and not partial:
        raise InvalidInput(
            [
                {"loc": ["file", e.row, e.field], "msg": e.message, **e.model_dump()}
                for e in result.errors
            ],
            detail=f"{len(result.errors)} row errors; nothing was imported.",
        )
    return result


@router.get("/volunteers", response_model=PageRead[VolunteerRead])
def list_volunteers(
    session: SessionDep,
    account: CoordinatorAccount,
    page: PageDep,
    district_id: Id | None = None,
    skill: Annotated[SkillTag | None, Query()] = None,
    status: Literal["active", "inactive", "withdrawn"] | None = None,
):
    return service.list_volunteers(
        session, account, page, district_id=district_id, skill=skill, status=status
    )


@router.get("/volunteers/{volunteer_id}", response_model=VolunteerRead)
def read_volunteer(session: SessionDep, account: CoordinatorAccount, volunteer_id: Id):
    return service.get_volunteer_in_scope(session, account, volunteer_id)


@router.patch("/volunteers/{volunteer_id}", response_model=VolunteerRead)
def update_volunteer(
    session: SessionDep, account: CoordinatorAccount, volunteer_id: Id, body: VolunteerAdminUpdate
):
    return service.update(
        session, account, service.get_volunteer_in_scope(session, account, volunteer_id), body
    )


@router.post(
    "/volunteers/{volunteer_id}/invitation",
    response_model=Invitation,
    status_code=status.HTTP_201_CREATED,
)
def invite_volunteer(session: SessionDep, account: CoordinatorAccount, volunteer_id: Id):
    """A one-time code (valid `UROSTER_INVITATION_TTL_DAYS`, 14 by default) with which
    an imported volunteer registers through POST /volunteers and so claims this record;
    409 once the record has an account."""
    return service.invite(session, service.get_volunteer_in_scope(session, account, volunteer_id))


@router.get("/volunteers/{volunteer_id}/availability", response_model=Availability)
def read_availability(session: SessionDep, account: CoordinatorAccount, volunteer_id: Id):
    return service.availability_of(service.get_volunteer_in_scope(session, account, volunteer_id))


@router.put("/volunteers/{volunteer_id}/availability", response_model=Availability)
def replace_availability(
    session: SessionDep, account: CoordinatorAccount, volunteer_id: Id, body: Availability
):
    volunteer = service.set_availability(
        session, service.get_volunteer_in_scope(session, account, volunteer_id), body
    )
    return service.availability_of(volunteer)
