"""Engine, session factory and the declarative base shared by every domain."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from fastapi import Request
from sqlalchemy import JSON, DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC (naive on SQLite, timestamptz on PostgreSQL), always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """An enum's value in a VARCHAR column, read back as the enum.

    Not SQLAlchemy's Enum: that stores names and would add a CHECK constraint (or a
    PostgreSQL type), changing the schema. What is written goes through unchecked, as
    it did when these columns were plain strings.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_result_value(self, value: str | None, dialect) -> E | None:
        return None if value is None else self.enum(value)


# JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


# The connection execution option that makes a SQLite transaction begin DEFERRED.
DEFERRED_BEGIN = "uroster_deferred_begin"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _make_sqlite_transactional(engine)
        return engine
    # No overflow: under load, connections opened past the pool were closed again
    # after each request, and every request then paid for a new PostgreSQL backend
    # (the city benchmark's reads at 100 requests/s: a stream of new backends, and
    # more CPU in connecting than in the queries).
    pool_size = get_settings().database_pool_size
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=0)


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, emit BEGIN.

    pysqlite's own transaction handling breaks SAVEPOINT (used by the tests and by
    per-row imports); this is the recipe from the SQLAlchemy SQLite dialect docs.
    BEGIN IMMEDIATE takes the write lock up front: transactions queue (busy timeout)
    instead of failing with SQLITE_BUSY when two of them read and then write, which
    is what keeps racing requests (shift generation, sign-ups) correct on SQLite.

    A reading request's transaction (see `request_transaction`) begins DEFERRED
    instead: in WAL mode it reads a snapshot beside the one writer and never waits
    for the lock, so reads do not queue behind writes or behind each other. It may
    not write (the guard below): upgrading a deferred transaction to a writer fails
    at once with SQLITE_BUSY, without waiting, when another writer committed since
    its snapshot.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(DEFERRED_BEGIN):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Runs `callback` once the session's transaction has committed (never on rollback):
    jobs are sent to workers only when the rows they read are there. The same callback
    registered again in one transaction runs once (one nudge for many messages)."""
    callbacks = session.info.setdefault("after_commit", [])
    if callback not in callbacks:
        callbacks.append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("after_commit", None)


def committing(session: Session) -> Iterator[Session]:
    """Yields the session, then commits; rolls back if the caller raised."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


# Requests that only read: they run in a read transaction (see request_transaction).
READ_METHODS = frozenset({"GET", "HEAD"})
_READING = "uroster_reading"  # Session.info: this transaction may not write
_WRITES_AFTER_READ = "uroster_writes_after_read"  # Session.info: write_after_read's writes
T = TypeVar("T")


class WriteWhileReading(RuntimeError):
    """A reading request's transaction tried to write: a bug, whatever the database.
    Writes a read request must do go through `write_after_read`."""


def write_after_read(session: Session, write: Callable[[Session], object]) -> None:
    """Does `write(session)`: now, in a writing transaction; in a reading request's,
    once its read transaction has committed, in a short writing transaction of its own
    (on SQLite BEGIN IMMEDIATE: it waits its turn for the lock). A read transaction is
    never upgraded to a writer. The write sees the database as it is then, so it must
    not depend on what the read saw (an UPDATE ... WHERE, not a read-modify-write)."""
    if session.info.get(_READING):
        session.info.setdefault(_WRITES_AFTER_READ, []).append(write)
    else:
        write(session)


def write_now(session: Session, write: Callable[[Session], T]) -> T:
    """Does `write(session)` at once and returns what it returns. In a reading request
    (rare: a read that finds a dead worker's job, the GET that issues a certificate)
    the read so far is committed, the write runs in a writing transaction of its own
    (on SQLite BEGIN IMMEDIATE: it waits its turn for the lock), and the request reads
    on in a new read transaction, which sees the write. A read transaction is never
    upgraded to a writer."""
    if not session.info.get(_READING):
        return write(session)
    session.commit()  # the read so far: nothing to flush (the guard saw to it)
    del session.info[_READING]
    try:
        with session.begin():
            return write(session)
    finally:
        session.info[_READING] = True
        _begin_reading(session)


def _begin_reading(session: Session) -> None:
    # The option must be on the connection before its transaction begins.
    session.connection(execution_options={DEFERRED_BEGIN: True})


def request_transaction(session: Session, *, reading: bool) -> Iterator[Session]:
    """One request's transaction: yields the session, then commits; rolls back if the
    caller raised. A `reading` one may not write (WriteWhileReading); the writes it
    asked for with `write_after_read` follow in their own transaction once it has
    committed (none when it rolled back)."""
    if not reading:
        yield from committing(session)
        return
    session.info[_READING] = True
    try:
        yield from committing(session)
    finally:
        del session.info[_READING]
        writes = session.info.pop(_WRITES_AFTER_READ, [])
    if writes:
        with session.begin():
            for write in writes:
                write(session)


@event.listens_for(Session, "before_flush")
def _refuse_flush_while_reading(session: Session, _flush_context, _instances) -> None:
    if session.info.get(_READING) and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        raise WriteWhileReading(
            "a reading request's transaction has rows to write: "
            f"new {list(session.new)}, changed {list(session.dirty)}, "
            f"deleted {list(session.deleted)}"
        )


@event.listens_for(Session, "do_orm_execute")
def _refuse_dml_while_reading(state: ORMExecuteState) -> None:
    if state.session.info.get(_READING) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteWhileReading(f"a reading request's transaction runs {state.statement}")


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit when the handler returns, roll back on error.
    GET and HEAD read: on SQLite their transaction begins DEFERRED, so it runs beside
    a writer instead of waiting for the write lock (see _make_sqlite_transactional)."""
    reading = request.method in READ_METHODS
    with get_sessionmaker()() as session:
        if reading:
            _begin_reading(session)
        yield from request_transaction(session, reading=reading)
