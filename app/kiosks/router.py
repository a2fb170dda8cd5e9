from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import APIKeyHeader

from app.deps import API_PREFIX, CoordinatorAccount, SessionDep
from app.errors import AppError
from app.kiosks import service
from app.kiosks.models import Kiosk
from app.kiosks.schemas import (
    DutyBoard,
    KioskAction,
    KioskActionRead,
    KioskCreate,
    KioskCreated,
    KioskRead,
)
from app.pagination import PageDep, PageRead
from app.ratelimit import limit_per_ip
from app.settings import get_settings
from app.types import Id, Instant

router = APIRouter(prefix=API_PREFIX, tags=["kiosks"])

KIOSK_KEY_HEADER = "X-Kiosk-Key"
_kiosk_key = APIKeyHeader(name=KIOSK_KEY_HEADER, auto_error=False)


class KioskNotAuthenticated(AppError):
    status, slug = 401, "not-authenticated"

    def __init__(self) -> None:
        super().__init__(
            f"This endpoint needs a valid kiosk key in the {KIOSK_KEY_HEADER} header.",
            headers={"WWW-Authenticate": f'ApiKey header="{KIOSK_KEY_HEADER}"'},
        )


def limit_kiosk(request: Request) -> None:
    """Counted before the key is checked, so that guessing keys is limited too."""
    settings = get_settings()
    limit_per_ip(
        request,
        "kiosk",
        per_minute=settings.kiosk_rate_per_minute,
        burst=settings.kiosk_rate_burst,
    )


def get_current_kiosk(
    _: Annotated[None, Depends(limit_kiosk)],
    session: SessionDep,
    key: Annotated[str | None, Depends(_kiosk_key)],
) -> Kiosk:
    """The kiosk of the key; a bearer token is not a kiosk key and gets 401 here."""
    kiosk = service.kiosk_for_key(session, key or "")
    if kiosk is None:
        raise KioskNotAuthenticated()
    return kiosk


CurrentKiosk = Annotated[Kiosk, Depends(get_current_kiosk)]


@router.post(
    "/stations/{station_id}/kiosks",
    response_model=KioskCreated,
    status_code=status.HTTP_201_CREATED,
)
def create_kiosk(
    session: SessionDep, account: CoordinatorAccount, station_id: Id, body: KioskCreate
):
    """A new device key for the station, shown in this response only."""
    kiosk, key = service.create_kiosk(session, account, station_id, body.name)
    return KioskCreated(
        **KioskRead.model_validate(kiosk, from_attributes=True).model_dump(), key=key
    )


@router.get("/stations/{station_id}/kiosks", response_model=PageRead[KioskRead])
def list_kiosks(session: SessionDep, account: CoordinatorAccount, station_id: Id, page: PageDep):
    return service.list_kiosks(session, account, station_id, page)


@router.delete("/stations/{station_id}/kiosks/{kiosk_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_kiosk(session: SessionDep, account: CoordinatorAccount, station_id: Id, kiosk_id: Id):
    """Revokes the key at once: its next request is answered 401."""
    service.revoke_kiosk(session, account, station_id, kiosk_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/kiosk/duty", response_model=DutyBoard)
def duty_board(
    session: SessionDep, kiosk: CurrentKiosk, at: Annotated[Instant | None, Query()] = None
):
    """The station's board: on duty at `at` (default now) and next that day. Names masked."""
    return service.duty_board(session, kiosk, at)


@router.post("/kiosk/check-in", response_model=KioskActionRead)
def check_in(session: SessionDep, kiosk: CurrentKiosk, body: KioskAction):
    """From 30 minutes before the start to the end; a repeated call changes nothing."""
    return service.check_in(session, kiosk, body.assignment_id, body.at)


@router.post("/kiosk/check-out", response_model=KioskActionRead)
def check_out(session: SessionDep, kiosk: CurrentKiosk, body: KioskAction):
    """After the check-in; credits the service hours. A repeated call changes nothing."""
    return service.check_out(session, kiosk, body.assignment_id, body.at)
