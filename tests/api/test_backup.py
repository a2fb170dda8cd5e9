"""`uroster backup` and `uroster restore`: SQLite's online backup and its way back;
on PostgreSQL the commands say which pg_dump / pg_restore to run."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner

from app import db, settings
from app.cli import cli
from app.migrate import alembic_config, upgrade

runner = CliRunner()


def clear_caches() -> None:
    for cached in (settings.get_settings, db.get_engine, db.get_sessionmaker):
        cached.cache_clear()


@pytest.fixture
def database(monkeypatch, tmp_path) -> Iterator[Path]:
    """A migrated SQLite file as the service's database (UROSTER_DATABASE_URL)."""
    path = tmp_path / "var" / "uroster.db"
    monkeypatch.setenv("UROSTER_DATABASE_URL", f"sqlite:///{path}")
    clear_caches()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    yield path
    db.get_engine().dispose()
    clear_caches()


def districts(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT code FROM district ORDER BY code")]


def add_district(code: str) -> None:
    with db.get_engine().begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO district (code, name) VALUES (?, ?)", (code, f"District {code}")
        )


def test_a_backup_of_the_running_database_comes_back_by_restore(database, tmp_path):
    add_district("LH")  # in the WAL still: the service's engine holds it open
    copy = tmp_path / "backups" / "monday.db"

    made = runner.invoke(cli, ["backup", str(copy)])

    assert made.exit_code == 0, made.output
    assert districts(copy) == ["LH"]
    again = runner.invoke(cli, ["backup", str(copy)])
    assert again.exit_code == 1 and "nothing is overwritten" in again.output
    add_district("FT")
    db.get_engine().dispose()  # the service stopped, as restoring asks

    restored = runner.invoke(cli, ["restore", str(copy)])

    assert restored.exit_code == 0, restored.output
    assert districts(database) == ["LH"]
    assert districts(copy) == ["LH"]  # the backup itself is left as it was


def test_a_backup_of_an_older_version_is_migrated_on_restore(database, tmp_path):
    older = tmp_path / "older.db"
    command.upgrade(alembic_config(f"sqlite:///{older}"), "f9a0b1c2d3e4")  # before teams
    db.get_engine().dispose()

    restored = runner.invoke(cli, ["restore", str(older)])

    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"team", "adoption", "organisation"} <= tables
    upgrade(f"sqlite:///{database}")  # nothing left to do


def test_restore_refuses_what_is_no_backup_and_changes_nothing(database, tmp_path):
    add_district("LH")
    db.get_engine().dispose()
    text = tmp_path / "notes.txt"
    text.write_text("not a database " * 100)
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")

    for bad, says in (
        (tmp_path / "missing.db", "there is no backup"),
        (text, "is not a SQLite database"),
        (foreign, "is not a U-Roster database"),
    ):
        refused = runner.invoke(cli, ["restore", str(bad)])
        assert refused.exit_code == 1 and says in refused.output, refused.output
    assert districts(database) == ["LH"]


def test_on_postgresql_the_commands_name_pg_dump_and_pg_restore(monkeypatch, tmp_path):
    monkeypatch.setenv(
        "UROSTER_DATABASE_URL", "postgresql+psycopg://uroster:s3cret@db.internal:5432/uroster"
    )
    clear_caches()
    try:
        dump = runner.invoke(cli, ["backup", "/backups/monday.dump"])
        back = runner.invoke(cli, ["restore", "/backups/monday.dump"])
    finally:
        clear_caches()
    # Nothing was backed up or restored here: a script must not take it for done.
    assert dump.exit_code == back.exit_code == 1
    url = "postgresql://uroster:s3cret@db.internal:5432/uroster"
    assert f"pg_dump --format=custom --file=/backups/monday.dump '{url}'" in dump.output
    assert f"pg_restore --clean --if-exists --dbname='{url}' /backups/monday.dump" in back.output
