from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.db import utcnow
from app.deps import API_PREFIX, SessionDep, get_current_account, require_admin
from app.ops import figures
from app.ops.metrics import DatabaseCollector
from app.settings import get_settings

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep) -> dict:
    """The database answers: 200. `degraded` (still 200: this process can serve, a load
    balancer must keep it) when roster jobs or notifications wait and no worker is alive
    to take them; 503 when the database does not answer (app.errors: a refused or
    dropped connection is a 503 on every route)."""
    state = figures.queue_state(session, utcnow())
    reasons = []
    if state.workers_alive == 0:
        if state.waiting:
            reasons.append(
                f"{state.waiting} roster job(s) wait and no worker is alive "
                "(start `uroster worker`)"
            )
        if state.notifications_due:
            reasons.append(
                f"{state.notifications_due} notification(s) are due and no worker is alive "
                "to deliver them"
            )
    body: dict = {
        "status": "degraded" if reasons else "ok",
        "database": session.get_bind().dialect.name,
        "queue": {
            "waiting": state.waiting,
            "oldest_wait_seconds": state.oldest_wait_seconds,
            "notifications_due": state.notifications_due,
            "workers_alive": state.workers_alive,
        },
    }
    if reasons:
        body["reasons"] = reasons
    return body


_bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


def metrics_reader(session: SessionDep, token: Annotated[str | None, Depends(_bearer)]) -> None:
    """Admins only, unless UROSTER_METRICS_PUBLIC=1: route names and counts tell an
    outsider what the office does and when."""
    if get_settings().metrics_public:
        return
    require_admin(get_current_account(session, token))


@router.get("/metrics", dependencies=[Depends(metrics_reader)])
def metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus text exposition format; an admin's bearer token, or none when
    UROSTER_METRICS_PUBLIC=1. This process's request metrics, then the queue's figures
    read from the database (the same from every process)."""
    registry = request.app.state.metrics.registry
    body = generate_latest(registry) + generate_latest(DatabaseCollector(session, utcnow()))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
