"""Alembic environment: the URL comes from the caller or from UROSTER_DATABASE_URL."""

from alembic import context

from app import models  # noqa: F401  (registers every table on Base.metadata)
from app.db import Base, make_engine
from app.settings import get_settings

config = context.config
url = config.attributes.get("database_url") or get_settings().database_url


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _ours(name, type_, parent_names) -> bool:
    """procrastinate's job-queue tables live beside ours but are not ours to compare."""
    return not (type_ == "table" and name and name.startswith("procrastinate"))


def _run(connection) -> None:
    # Batch mode rebuilds a SQLite table (copy, drop, rename); with foreign keys on,
    # SQLite refuses to drop a table that other rows point at. Alembic's batch docs:
    # switch them off around the migration (outside a transaction, or it is ignored)
    # and check the keys before switching them on again.
    sqlite_driver = (
        connection.connection.driver_connection
        if connection.dialect.name == "sqlite" and not connection.in_transaction()
        else None
    )
    if sqlite_driver is not None:
        sqlite_driver.execute("PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
        if sqlite_driver is not None:
            broken = sqlite_driver.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows without their parent: {broken}")
    finally:
        if sqlite_driver is not None:
            sqlite_driver.execute("PRAGMA foreign_keys=ON")


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=_ours,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
