"""Backups of the database: SQLite's online backup, and what to run on PostgreSQL.

SQLite: `backup` copies the live database page by page through SQLite's backup API,
while the service runs (a consistent copy even in WAL mode, unlike copying the file).
`restore` copies a backup over the database the same way, then migrates it, so a backup
made by an older version comes back on today's schema; stop the service first (a
running server would keep answering from what it had cached, and its writes during the
copy would be lost).

PostgreSQL: pg_dump and pg_restore do this better than anything here (consistent
snapshots, parallel dumps, point-in-time recovery with WAL archiving); these functions
only say the commands, with the URL turned into libpq's form.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """Nothing was copied; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupRefused("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def libpq_url(database_url: str) -> str:
    """The URL as pg_dump reads it: no SQLAlchemy driver suffix."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_dump_command(database_url: str, destination: Path) -> str:
    return f"pg_dump --format=custom --file={destination} '{libpq_url(database_url)}'"


def pg_restore_command(database_url: str, source: Path) -> str:
    return f"pg_restore --clean --if-exists --dbname='{libpq_url(database_url)}' {source}"


def _copy(source: Path, target: Path) -> None:
    """Every page of `source` into `target`, through SQLite's backup API (which holds
    the locks a consistent copy needs, and replaces the target in one step)."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reading,
        closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)


def backup_sqlite(database: Path, destination: Path) -> None:
    if not database.exists():
        raise BackupRefused(f"there is no database at {database}")
    if destination.exists():
        raise BackupRefused(f"{destination} exists; choose a new file, nothing is overwritten")
    destination.parent.mkdir(parents=True, exist_ok=True)
    _copy(database, destination)


def restore_sqlite(source: Path, database: Path) -> None:
    """Copies the backup over the database, all of it in one step."""
    if not source.exists():
        raise BackupRefused(f"there is no backup at {source}")
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError:
        raise BackupRefused(f"{source} is not a SQLite database") from None
    if "alembic_version" not in tables:
        raise BackupRefused(f"{source} is not a U-Roster database (no schema version)")
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, database)
