"""A reading request's transaction (GET, HEAD) may not write; the writes it needs
follow it in a transaction of their own (app.db.request_transaction, write_after_read)
or come between two read transactions (write_now).

On both databases, in the test's outer transaction as the API tests run. That a read
on SQLite does not wait for the write lock is shown against a real server in
tests/e2e/test_sqlite_reads.py.
"""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import WriteWhileReading, request_transaction, write_after_read, write_now
from app.districts.models import District


def _districts(session: Session) -> set[str]:
    return set(session.scalars(select(District.code)))


def _run(session: Session, work, *, reading: bool) -> None:
    """`work(session)` as a request's handler, in the request's transaction."""
    transaction = request_transaction(session, reading=reading)
    next(transaction)
    try:
        work(session)
    except BaseException as exc:
        transaction.throw(exc)  # rolls back, and raises it again
    else:
        next(transaction, None)  # commits, then does the writes asked for


def test_a_reading_transaction_that_adds_a_row_fails_and_stores_nothing(session):
    with pytest.raises(WriteWhileReading, match="new"):
        _run(session, lambda s: s.add(District(code="R1", name="Read")), reading=True)
    assert "R1" not in _districts(session)


def test_a_reading_transaction_that_changes_a_row_fails(session):
    session.add(District(code="R2", name="Before"))
    session.commit()

    def rename(s: Session) -> None:
        s.scalars(select(District).where(District.code == "R2")).one().name = "After"

    with pytest.raises(WriteWhileReading, match="changed"):
        _run(session, rename, reading=True)
    session.expire_all()
    assert session.scalar(select(District.name).where(District.code == "R2")) == "Before"


def test_a_reading_transaction_that_runs_an_update_fails(session):
    def bulk_rename(s: Session) -> None:
        s.execute(update(District).values(name="Renamed"))

    with pytest.raises(WriteWhileReading, match="UPDATE"):
        _run(session, bulk_rename, reading=True)


def test_a_reading_transaction_may_load_and_look_without_writing(session):
    session.add(District(code="R3", name="Looked at"))
    session.commit()
    seen = []
    _run(session, lambda s: seen.append(s.scalar(select(func.count(District.id)))), reading=True)
    assert seen and seen[0] >= 1


def test_a_write_asked_for_while_reading_follows_the_read(session):
    during: list[set[str]] = []

    def handler(s: Session) -> None:
        write_after_read(s, lambda w: w.add(District(code="W1", name="After the read")))
        s.flush()  # nothing to write yet: the write waits for the read to end
        during.append(_districts(s))

    _run(session, handler, reading=True)
    assert "W1" not in during[0]
    assert "W1" in _districts(session)


def test_a_write_asked_for_by_a_read_that_fails_is_not_done(session):
    def handler(s: Session) -> None:
        write_after_read(s, lambda w: w.add(District(code="W2", name="Never")))
        raise LookupError("the read found nothing: a 404")

    with pytest.raises(LookupError):
        _run(session, handler, reading=True)
    assert "W2" not in _districts(session)
    # Nor does it linger for the session's next request.
    _run(session, lambda s: None, reading=True)
    assert "W2" not in _districts(session)


def test_a_write_asked_for_while_writing_is_done_at_once(session):
    during: list[set[str]] = []

    def handler(s: Session) -> None:
        write_after_read(s, lambda w: w.add(District(code="W3", name="Now")))
        during.append(_districts(s))

    _run(session, handler, reading=False)
    assert "W3" in during[0]
    assert "W3" in _districts(session)


def test_a_write_now_in_a_read_is_stored_at_once_and_the_read_goes_on_reading(session):
    during: list[set[str]] = []

    def handler(s: Session) -> None:
        created = write_now(s, lambda w: w.add(District(code="N1", name="Now")) or "done")
        assert created == "done"
        during.append(_districts(s))  # the read after it sees it
        s.add(District(code="N2", name="Not in a read"))  # and may still not write

    with pytest.raises(WriteWhileReading, match="new"):
        _run(session, handler, reading=True)
    assert "N1" in during[0]
    assert "N1" in _districts(session) and "N2" not in _districts(session)
