"""The FastAPI application: routers, error handlers, start-up."""

import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import models  # noqa: F401  (every table registered before the first query)
from app.accounts import passwords
from app.accounts import service as account_service
from app.accounts.router import router as accounts_router
from app.certificates.router import router as certificates_router
from app.certificates.verify import router as verify_page_router
from app.cover.router import router as cover_router
from app.db import get_sessionmaker
from app.districts.router import router as districts_router
from app.duties.router import router as duties_router
from app.errors import install_error_handlers
from app.hours.router import router as hours_router
from app.kiosk_page.router import router as kiosk_page_router
from app.kiosks.router import router as kiosks_router
from app.notifications.router import router as notifications_router
from app.notifications.router import unsubscribe_router
from app.ops.docs import install_docs
from app.ops.logs import redact_access_log
from app.ops.metrics import Metrics, RequestContextMiddleware
from app.ops.middleware import (
    BodySizeLimitMiddleware,
    BodyTooLarge,
    SecurityHeadersMiddleware,
    body_limit_for,
    body_too_large_handler,
)
from app.ops.router import router as ops_router
from app.organisations.router import router as organisations_router
from app.ratelimit import RateLimiter
from app.rosters import dispatch, jobs
from app.rosters.router import router as rosters_router
from app.settings import get_settings
from app.shifts.router import router as shifts_router
from app.stations.router import router as stations_router
from app.swaps.router import router as swaps_router
from app.teams.adoptions_router import router as adoptions_router
from app.teams.router import router as teams_router
from app.volunteers.router import router as volunteers_router
from app.web.admin import router as console_admin_router
from app.web.console import router as console_router
from app.web.hours import router as console_hours_router
from app.web.organisations import router as console_organisations_router
from app.web.rosters import router as console_rosters_router
from app.web.servicemap import router as console_map_router
from app.web.stations import LEAFLET_STATIC
from app.web.stations import router as console_stations_router
from app.web.teams import router as console_teams_router
from app.web.volunteer_app import routers as volunteer_app_routers
from app.web.volunteers import router as console_volunteers_router
from app.webhooks.router import router as webhooks_router

log = logging.getLogger("uroster")
WEB_STATIC = Path(__file__).resolve().parent / "web" / "static"


class StartupRefused(RuntimeError):
    """A setting the server must not run with; the message says which and what to do."""


def bootstrap_password_problem() -> str | None:
    """Why UROSTER_BOOTSTRAP_ADMIN_PASSWORD may not be used, or None. It is checked on
    every start while it is set, not only when it creates the admin: an admin who never
    changed it still signs in with it."""
    settings = get_settings()
    if not (settings.bootstrap_admin_email and settings.bootstrap_admin_password):
        return None
    problem = passwords.weakness(
        settings.bootstrap_admin_password,
        [settings.bootstrap_admin_email, account_service.ADMIN_NAME],
    )
    if problem is None:
        return None
    return (
        f"UROSTER_BOOTSTRAP_ADMIN_PASSWORD {problem} The server does not start with it: set "
        "a stronger one, or unset UROSTER_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD once the "
        "admin exists (and change the admin's password if it is this one)."
    )


def bootstrap_admin() -> None:
    """Creates the first admin from the settings when the database has none; safe when
    several processes or machines start at once (see account_service.ensure_admin)."""
    settings = get_settings()
    if not (settings.bootstrap_admin_email and settings.bootstrap_admin_password):
        return
    problem = bootstrap_password_problem()
    if problem is not None:
        log.error(problem)
        raise StartupRefused(problem)
    with get_sessionmaker().begin() as session:
        created = account_service.ensure_admin(
            session,
            email=settings.bootstrap_admin_email,
            password=settings.bootstrap_admin_password,
        )
    if created is not None:
        log.info("created the first admin %s", created.email)


def size_thread_pool() -> None:
    """More worker threads than requests in flight.

    A request may hold a database lock (SQLite's write lock, taken at its first
    query; a PostgreSQL row lock) while it waits for a worker thread for its next
    step. If every thread were held by requests queueing for that lock, the holder
    would never get one and all would stall until the busy timeout. With more
    threads than requests (uvicorn's limit_concurrency), one is always free.
    """
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, 2 * get_settings().max_concurrent_requests)


@asynccontextmanager
async def lifespan(app: FastAPI):
    size_thread_pool()
    bootstrap_admin()
    runner = jobs.start_embedded_runner() if app.state.run_jobs else None
    # Everything loaded so far (modules, OR-Tools, SQLAlchemy's mappings) lives as long
    # as the process: out of the collector's way, a full collection no longer walks it.
    # The console's benchmark: p95 of a roster's page 205 -> 82 ms, of the hours report
    # 255 -> 122 ms, medians unchanged (tests/benchmarks/console_pages.py).
    gc.freeze()
    yield
    if runner is not None:
        jobs.stop_embedded_runner()


def create_app(*, run_jobs: bool = True) -> FastAPI:
    """`run_jobs=False` leaves roster jobs to be run by hand (tests drive them)."""
    app = FastAPI(
        title="U-Roster",
        version="0.1.0",
        description="Volunteer rosters for community U-stations and port-of-entry stations.",
        lifespan=lifespan,
        # Served by install_docs from packaged assets, never from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    redact_access_log()
    app.state.metrics = Metrics()
    app.state.run_jobs = run_jobs
    dispatch.install()
    app.state.rate_limiter = RateLimiter()
    # Outermost last: metrics and request id see every answer, the 413s included.
    app.add_middleware(BodySizeLimitMiddleware, limit_for=body_limit_for)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    install_error_handlers(app)
    app.add_exception_handler(BodyTooLarge, body_too_large_handler)
    install_docs(app)
    for router in (
        ops_router,
        accounts_router,
        districts_router,
        stations_router,
        duties_router,
        cover_router,
        swaps_router,
        shifts_router,
        volunteers_router,
        notifications_router,
        unsubscribe_router,
        rosters_router,
        kiosks_router,
        hours_router,
        certificates_router,
        webhooks_router,
        organisations_router,
        teams_router,
        adoptions_router,
        kiosk_page_router,
        verify_page_router,
        console_router,
        console_rosters_router,
        console_map_router,
        console_stations_router,
        console_volunteers_router,
        console_hours_router,
        console_admin_router,
        console_teams_router,
        console_organisations_router,
        *volunteer_app_routers,
    ):
        app.include_router(router)
    app.mount("/static/web", StaticFiles(directory=WEB_STATIC), name="web-static")
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_STATIC), name="leaflet-static")
    return app
