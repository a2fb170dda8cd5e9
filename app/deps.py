"""Request dependencies: the database session, the caller and the role guards."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.db import get_session
from app.errors import NotAuthenticated, NotPermitted

API_PREFIX = "/api/v1"

# scope="function": commit before the response is sent, so a 2xx means "stored".
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_current_account(
    session: SessionDep, token: Annotated[str | None, Depends(_bearer)]
) -> Account:
    if not token:
        raise NotAuthenticated()
    account = account_service.account_for_token(session, token)
    if account is None:
        raise NotAuthenticated()
    return account


CurrentAccount = Annotated[Account, Depends(get_current_account)]


def require_admin(account: CurrentAccount) -> Account:
    if account.role != Role.admin:
        raise NotPermitted("Only an administrator may do this.")
    return account


def require_coordinator(account: CurrentAccount) -> Account:
    """Coordinators and admins; which districts they reach is checked by the services."""
    if account.role not in (Role.admin, Role.coordinator):
        raise NotPermitted("Only a coordinator may do this.")
    return account


def require_volunteer(account: CurrentAccount) -> Account:
    if account.role != Role.volunteer:
        raise NotPermitted("Only a volunteer may do this.")
    return account


AdminAccount = Annotated[Account, Depends(require_admin)]
CoordinatorAccount = Annotated[Account, Depends(require_coordinator)]
VolunteerAccount = Annotated[Account, Depends(require_volunteer)]
