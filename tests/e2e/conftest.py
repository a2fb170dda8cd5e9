"""End-to-end tests: a real `uroster serve` process on a fresh database of each kind.

The PostgreSQL database is created for the test and dropped after it; when the server
does not answer, the PostgreSQL case is skipped, or fails with UROSTER_REQUIRE_POSTGRES=1.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """An empty database, not yet migrated: the test runs `uroster migrate` itself."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.db'}"
    else:
        with fresh_postgres_database("uroster_e2e") as url:
            yield url
