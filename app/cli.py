"""The `uroster` command: serve, migrate, create-admin, worker, backup, restore."""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

cli = typer.Typer(help="U-Roster: volunteer-station scheduling service.", no_args_is_help=True)


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest schema (alembic upgrade head)."""
    from app.migrate import upgrade

    upgrade()
    typer.echo("database is up to date")


@cli.command()
def serve(
    host: str = typer.Option(None, help="default: UROSTER_HOST or 127.0.0.1"),
    port: int = typer.Option(None, help="default: UROSTER_PORT or 8000"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from app.settings import get_settings

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    # Checked here as well as at start-up, so that a weak password stops the server
    # before it binds the port or forks its workers, with one clear line.
    from app.main import bootstrap_password_problem

    problem = bootstrap_password_problem()
    if problem is not None:
        logging.getLogger("uroster").error(problem)
        raise typer.Exit(1)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        limit_concurrency=settings.max_concurrent_requests,
        log_level=settings.log_level.lower(),
    )


WORK_QUEUES = ("rosters", "notifications")


@cli.command()
def worker(
    concurrency: int = typer.Option(1, help="roster jobs run at once by this process"),
    queue: list[str] = typer.Option(  # noqa: B008 - typer's way to declare a list option
        list(WORK_QUEUES),
        help="the work it takes, repeatable: rosters (solves, repairs), notifications "
        "(delivery, reminders, short-notice cover, digests); PostgreSQL only",
    ),
) -> None:
    """Run roster jobs and deliver notifications: a procrastinate worker on PostgreSQL
    (start as many as you like, on any machine that reaches the database); on SQLite,
    the same loop the server runs in-process.

    A worker of both queues runs one job at a time of either: after ten districts'
    rosters were published, the round that offers their open seats to volunteers held
    every roster job back for over 30 s (the city benchmark), so a city runs roster
    workers and a notification worker apart (`--queue rosters`, `--queue
    notifications`; compose.yaml does)."""
    unknown = sorted(set(queue) - set(WORK_QUEUES))
    if unknown:
        raise typer.BadParameter(f"unknown queue {', '.join(unknown)}", param_hint="--queue")
    from app import models  # noqa: F401  (every table mapped before the first job)
    from app.rosters import dispatch, jobs
    from app.settings import get_settings

    logging.basicConfig(level=get_settings().log_level)
    # Nothing a worker runs queues a roster job today; one that comes to will find its
    # way to a worker all the same.
    dispatch.install()
    if jobs.uses_procrastinate():
        from app.notifications.service import nudge
        from app.rosters import tasks

        # A round at once: what a crashed worker left in the outbox goes out now, not
        # at the next minute's periodic round.
        nudge()
        tasks.queue.run_worker(queues=queue, concurrency=concurrency)
    else:
        runner = jobs.ThreadRunner(poll_seconds=2.0)
        thread = runner.start()
        try:
            thread.join()
        except KeyboardInterrupt:
            runner.stop()


@cli.command("create-admin")
def create_admin(
    email: str = typer.Option(..., help="the admin's sign-in email"),
    password: str = typer.Option(
        ..., help="at least 12 characters, not easy to guess (checked with zxcvbn)"
    ),
) -> None:
    """Create an administrator account."""
    from app import models  # noqa: F401
    from app.accounts import passwords, service
    from app.db import get_sessionmaker
    from app.errors import AppError

    problem = passwords.weakness(password, [email, service.ADMIN_NAME])
    if problem is not None:
        raise typer.BadParameter(f"the password {problem}", param_hint="--password")
    try:
        with get_sessionmaker().begin() as session:
            account = service.create_admin(session, email=email, password=password)
            typer.echo(f"created admin {account.email} (id {account.id})")
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None


def _on_sqlite(run: Callable[[Path], None], postgres_tool: str, postgres_command: str) -> Path:
    """`run` on the SQLite database file, which it returns; on PostgreSQL, prints the
    command of its own tool to use instead and exits with 1 (nothing was done). A
    refused file is a one-line error."""
    from app.ops import backup as backups
    from app.settings import get_settings

    try:
        database = backups.sqlite_path(get_settings().database_url)
        if database is None:
            typer.echo(f"PostgreSQL is {postgres_tool}; run:")
            typer.echo(postgres_command)
            raise typer.Exit(1)
        run(database)
    except backups.BackupRefused as refused:
        typer.echo(f"error: {refused}", err=True)
        raise typer.Exit(1) from None
    return database


@cli.command()
def backup(destination: Annotated[Path, typer.Argument(help="the new backup file")]) -> None:
    """Back up the database while the service runs (SQLite); on PostgreSQL, print the
    pg_dump command to use instead."""
    from app.ops import backup as backups
    from app.settings import get_settings

    url = get_settings().database_url
    database = _on_sqlite(
        lambda database: backups.backup_sqlite(database, destination),
        "backed up with pg_dump",
        backups.pg_dump_command(url, destination),
    )
    typer.echo(f"backed up {database} to {destination}")


@cli.command()
def restore(
    source: Annotated[Path, typer.Argument(help="a backup made by `uroster backup`")],
) -> None:
    """Replace the database with a backup (SQLite; stop the service first), then
    migrate it to this version's schema; on PostgreSQL, print the pg_restore command."""
    from app.migrate import upgrade
    from app.ops import backup as backups
    from app.settings import get_settings

    url = get_settings().database_url
    database = _on_sqlite(
        lambda database: backups.restore_sqlite(source, database),
        "restored with pg_restore",
        backups.pg_restore_command(url, source),
    )
    upgrade(url)
    typer.echo(f"restored {database} from {source}; database is up to date")
