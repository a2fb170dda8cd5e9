"""The first admin when several processes start at once on a new database: whoever
comes second finds the admin, waits for it, or treats "already created" as done."""

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.models import Account, Role
from app.db import make_engine
from app.migrate import upgrade
from tests.databases import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'first-admin.db'}"
        upgrade(url)
        yield url
    else:
        with fresh_postgres_database() as url:
            upgrade(url)
            yield url


def test_a_second_start_during_the_first_waits_and_creates_nothing(new_database):
    engine = make_engine(new_database)
    try:
        first = Session(engine)
        created = service.ensure_admin(first, email="root@example.org", password="x")
        assert created is not None

        # The second start comes while the first has created the admin but not yet
        # committed: it must wait for the first rather than create one or fail.
        outcome: dict = {}

        def second_start() -> None:
            try:
                with Session(engine) as second, second.begin():
                    outcome["created"] = service.ensure_admin(
                        second, email="root@example.org", password="x"
                    )
            except Exception as exc:  # reported by the assertion below
                outcome["error"] = exc

        thread = threading.Thread(target=second_start)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), f"the second start did not wait: {outcome}"
        first.commit()
        first.close()
        thread.join(timeout=30)

        assert outcome == {"created": None}
        with Session(engine) as session:
            query = select(func.count()).select_from(Account).where(Account.role == Role.admin)
            assert session.scalar(query) == 1
    finally:
        engine.dispose()
