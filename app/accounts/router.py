from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.security import OAuth2PasswordBearer

from app.accounts import passwords, service
from app.accounts.models import Role
from app.accounts.schemas import (
    AccountRead,
    CoordinatorCreate,
    CoordinatorRead,
    CoordinatorUpdate,
    Password,
    TokenRead,
)
from app.deps import API_PREFIX, AdminAccount, CurrentAccount, SessionDep
from app.pagination import PageDep, PageRead
from app.ratelimit import client_ip, limit_sign_in
from app.settings import get_settings
from app.types import Id

router = APIRouter(prefix=API_PREFIX, tags=["auth and accounts"])
_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@router.post("/auth/token", response_model=TokenRead, dependencies=[Depends(limit_sign_in)])
def sign_in(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(description="Phone number or email", max_length=254)],
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)],
) -> TokenRead:
    """429 with Retry-After after too many failed sign-ins for the username or from the
    client's address; successful ones never count."""
    token, account = service.sign_in(session, username, password, client_ip=client_ip(request))
    expires_in = int(get_settings().token_ttl_hours * 3600)
    return TokenRead(access_token=token, role=Role(account.role), expires_in=expires_in)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(
    session: SessionDep, account: CurrentAccount, token: Annotated[str, Depends(_token)]
) -> Response:
    service.revoke_token(session, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(limit_sign_in)],
)
def change_password(
    request: Request, session: SessionDep, account: CurrentAccount, body: Password
) -> Response:
    """Changes the caller's password and revokes every token of the account. A wrong
    current password counts as a failed sign-in (429 after too many)."""
    service.change_password(
        session,
        account,
        body.current_password,
        body.new_password,
        client_ip=client_ip(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=AccountRead)
def who_am_i(account: CurrentAccount):
    return account


@router.post("/coordinators", response_model=AccountRead, status_code=status.HTTP_201_CREATED)
def create_coordinator(session: SessionDep, admin: AdminAccount, body: CoordinatorCreate):
    return service.create_coordinator(
        session,
        email=body.email,
        password=body.password,
        name=body.name,
        district_ids=body.district_ids,
    )


@router.get("/coordinators", response_model=PageRead[CoordinatorRead])
def list_coordinators(session: SessionDep, admin: AdminAccount, page: PageDep):
    return service.list_coordinators(session, page)


@router.patch("/coordinators/{coordinator_id}", response_model=CoordinatorRead)
def update_coordinator(
    session: SessionDep, admin: AdminAccount, coordinator_id: Id, body: CoordinatorUpdate
):
    """`active: false` offboards: every token of the coordinator stops working at once
    and sign-in is refused until `active: true`."""
    return service.update_coordinator(
        session, coordinator_id, **body.model_dump(exclude_unset=True)
    )
