"""Global options: where the ledger lives (--store) and who records (--actor)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.clock import FixedClock
from tests.cli.conftest import IDENTITY, Certledger, crashed
from tests.stores import sqlite_store


def test_without_store_option_or_variable_the_ledger_is_certledger_db_in_the_current_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    monkeypatch.delenv("CERTLEDGER_STORE")
    here = Certledger(runner, sqlite_store(tmp_path / "certledger.db"), clock)

    assert here.ok("init").startswith("Initialised sqlite:///certledger.db: ")
    assert here.store.exists()
    assert len(here.rows()["stored_events"]) == 2


@pytest.mark.parametrize("form", ["bare path", "sqlite URL"])
def test_store_option_takes_a_bare_path_or_an_sqlite_url(
    certledger: Certledger, tmp_path: Path, form: str
) -> None:
    other = tmp_path / "other.db"
    store = str(other) if form == "bare path" else f"sqlite:///{other}"

    certledger.ok(f"--store {store} init")
    certledger.ok(f"--store {store} candidate enroll V9 --route vae --on 2017-01-09 {IDENTITY}")

    assert other.exists()
    assert sqlite_store(other).tables()["stored_events"] != []
    assert certledger.refused("status V9") == "Error: candidate V9 not found"


def test_a_store_url_of_an_unknown_kind_is_refused(bare: Certledger) -> None:
    error = bare.refused("--store mysql://db/ledger init")

    assert error == (
        "Error: store mysql://db/ledger: unknown kind (use sqlite:///FILE or postgresql://...)"
    )


def test_every_event_records_the_actor_option_before_the_environment_variable(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.ok(
        "--actor alice candidate link-person V1 --name 'Marc Petit' --relation tutor "
        "--on 2017-01-10",
    )

    assert [e["recorded_by"] for e in certledger.history("V1")] == ["tester", "tester", "alice"]


def test_without_actor_option_or_variable_the_os_user_records(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CERTLEDGER_ACTOR")
    monkeypatch.setenv("LOGNAME", "registrar")

    certledger.enroll("V1")

    assert {e["recorded_by"] for e in certledger.history("V1")} == {"registrar"}


@pytest.mark.parametrize("kind", ["missing folder", "a folder", "not sqlite"])
def test_a_store_that_cannot_be_opened_is_one_error_line(
    bare: Certledger, tmp_path: Path, kind: str
) -> None:
    if kind == "missing folder":
        store = tmp_path / "missing" / "ledger.db"
    elif kind == "a folder":
        store = tmp_path / "folder"
        store.mkdir()
    else:
        store = tmp_path / "notes.db"
        store.write_text("not a database\n")

    result = bare("--store", store, "init")

    assert result.exit_code == 1 and not crashed(result)
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "already initialised" not in result.stderr


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("kind", "content", "said"),
    [
        ("a truncated ledger", b"", "is empty"),
        ("another program's database", None, "holds no ledger"),
        ("a text file", b"not a database\n", "holds no ledger"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ("status", "V1"),
        ("--read-only", "verify"),
        ("candidate", "enroll", "V1", "--route", "vae", "--on", "2017-01-09", *IDENTITY.split()),
        ("init",),
    ],
)
def test_a_file_in_the_stores_place_that_holds_no_ledger_is_named_and_left_as_found(
    runner: CliRunner,
    clock: FixedClock,
    tmp_path: Path,
    kind: str,
    content: bytes | None,
    said: str,
    command: tuple[str, ...],
) -> None:
    store = tmp_path / "certledger.db"
    if content is None:
        with sqlite3.connect(store) as other:
            other.execute("CREATE TABLE notes (text TEXT)")
        other.close()
    else:
        store.write_bytes(content)
    before = store.read_bytes()

    result = Certledger(runner, sqlite_store(store), clock)("--store", store, *command)

    assert result.exit_code == 1 and not crashed(result)
    (line,) = result.stderr.splitlines()
    assert f"the file at sqlite:///{store} {said}" in line, line
    assert ("remove it first" if command == ("init",) else "restore the ledger") in line
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["certledger.db"]
