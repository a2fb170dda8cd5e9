from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine
from app.deps import API_PREFIX, SessionDep, get_current_account, require_admin
from app.errors import problem
from app.settings import get_settings

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz():
    """The database answers."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return problem(503, "The database is not reachable.")
    return {"status": "ok", "database": get_engine().dialect.name}


_bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


def metrics_reader(session: SessionDep, token: Annotated[str | None, Depends(_bearer)]) -> None:
    """Admins only, unless UROSTER_METRICS_PUBLIC=1: route names and counts tell an
    outsider what the office does and when."""
    if get_settings().metrics_public:
        return
    require_admin(get_current_account(session, token))


@router.get("/metrics", dependencies=[Depends(metrics_reader)])
def metrics(request: Request) -> Response:
    """Prometheus text exposition format; an admin's bearer token, or none when
    UROSTER_METRICS_PUBLIC=1."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
