"""procrastinate job queue (PostgreSQL only)

Revision ID: 3b1f0c2a9d7e
Revises: afc8dc031a1f
Create Date: 2026-11-25 01:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3b1f0c2a9d7e"
down_revision: str | None = "afc8dc031a1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The roster jobs of a PostgreSQL deployment go through procrastinate; its schema
    # ships with the library. SQLite runs jobs in-process and needs no queue.
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    op.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Dropping the tables and types takes their functions and triggers with them.
    for table in ("events", "periodic_defers", "jobs", "workers"):
        op.execute(f"DROP TABLE IF EXISTS procrastinate_{table} CASCADE")
    for type_ in ("job_event_type", "job_status", "job_to_defer_v1"):
        op.execute(f"DROP TYPE IF EXISTS procrastinate_{type_} CASCADE")
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT oid::regprocedure AS sig FROM pg_proc "
        "WHERE proname LIKE 'procrastinate%' LOOP EXECUTE 'DROP FUNCTION ' || f.sig || "
        "' CASCADE'; END LOOP; END $$"
    )
