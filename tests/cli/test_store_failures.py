"""Readers slower than the store's patience or leaving early, and a store that fails while a
command runs.

The eventsourcing library ends a PostgreSQL transaction left idle for 5 s (its setting
`POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT`, which the store's URL does not set). A scan's
server-side cursor waits on its reader between batches, and that reader may be a pager
waiting on a person (`certledger replay | less`): the scans lift the limit for their own
transaction (`ledger.store.dialects.paced_by_reader`). A store that fails anyway in the
middle of a command is told in one line, exit 1, never a traceback; so is nothing at all
when the reader leaves before the end (`certledger replay | head`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.store import StoreURL, parse_store_url
from ledger.store.dialects import LOCK_TIMEOUT, PostgreSQL
from projections.view_store import open_view
from tests.cli.conftest import Certledger
from tests.stores import StoreRef

PATIENCE = 1
"""The library's idle-in-transaction limit in these tests, in seconds (5 by default)."""


@pytest.fixture
def impatient(
    certledger: Certledger, store: StoreRef, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Ledger]:
    """Four demo candidates, their status view built, and the ledger opened with the
    library's idle limit at `PATIENCE` (which the library really applies: pinned here)."""
    certledger.ok("demo --candidates 4 --seed 3")
    assert len(certledger.json("candidate list")) == 4
    library_settings(monkeypatch, POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT=str(PATIENCE))
    ledger = Ledger(str(store), clock=clock, read_only=True)
    shown = ledger.events.dialect.read(ledger.recorder, "SHOW idle_in_transaction_session_timeout")
    assert shown == [(f"{PATIENCE}s",)]
    yield ledger
    ledger.close()


def library_settings(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """PostgreSQL ledgers opened from now on give the library these settings besides their
    own (the store's URL does not set them)."""
    ours = PostgreSQL.env

    def env(self: PostgreSQL, url: StoreURL, **kwargs: Any) -> dict[str, str]:
        return {**ours(self, url, **kwargs), **settings}

    monkeypatch.setattr(PostgreSQL, "env", env)


def read_slowly(rows: Iterator[Any]) -> int:
    """How many items an iterator gives when its reader pauses, after the first, for longer
    than the store's patience."""
    next(rows)
    time.sleep(PATIENCE + 0.5)
    return 1 + sum(1 for _ in rows)


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_scan_waits_on_a_reader_slower_than_the_stores_patience(impatient: Ledger) -> None:
    assert read_slowly(impatient.queries.scan_candidates()) == 4


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_the_view_check_waits_on_its_refold(impatient: Ledger) -> None:
    view = open_view(impatient)
    assert view is not None
    assert read_slowly(iter(view.stored_rows())) == 1 + 4  # its position, then its rows


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_connection_the_server_ends_during_a_replay_is_one_line(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends the scan's own session (as a restart or an administrator would)."""
    certledger.ok("demo --candidates 2 --seed 3")

    def ended(conn: Any) -> None:
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr("ledger.store.dialects.paced_by_reader", ended)
    result = certledger("replay --format csv")
    assert result.exit_code == 1, (result.exit_code, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: cannot use the ledger at {certledger.store.display}: ")
    assert "terminat" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_database_error_during_a_replay_is_one_line(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    certledger.ok("demo --candidates 2 --seed 3")

    def failing(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise sqlite3.OperationalError("disk I/O error")
        yield  # a generator, as the scan is

    monkeypatch.setattr("ledger.queries.scan_streams", failing)
    for argv, told in (
        ("replay --format csv", "Error: cannot use the ledger at"),
        ("--lang fr replay --format csv", "Erreur : impossible d'utiliser le registre"),
    ):
        result = certledger(argv)
        assert result.exit_code == 1, (argv, result.exit_code, result.exception)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(told), result.stderr
        assert lines[0].endswith(": disk I/O error"), lines[0]
        assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_an_error_that_is_not_the_stores_is_not_told_as_one(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the store's errors are named after the store: any other escapes as it is (and
    fails the test that meets it)."""
    certledger.ok("demo --candidates 2 --seed 3")

    def broken(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise ZeroDivisionError("a bug")
        yield

    monkeypatch.setattr("ledger.queries.scan_streams", broken)
    result = certledger("replay --format csv")
    assert isinstance(result.exception, ZeroDivisionError)
    assert "cannot use the ledger" not in result.stderr


def test_a_reader_that_leaves_early_ends_the_command_quietly(
    certledger: Certledger, store: StoreRef
) -> None:
    """`certledger replay | head -c 10`: the pipe closes while the replay still writes and its
    scan still holds a connection. The command ends as click ends on a closed pipe (exit 1),
    and prints nothing: the scan, finalised after the ledger was closed, has nothing to say."""
    certledger.ok("demo --candidates 100 --seed 3")
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 4096)  # a pipe smaller than the output, surely
    command = [sys.executable, "-c", "from cli.main import main; main()"]
    with subprocess.Popen(
        [*command, "--store", str(store), "replay", "--format", "json"],
        stdout=write,
        stderr=subprocess.PIPE,
    ) as replay:
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            assert len(pipe.read(10)) == 10
        __, stderr = replay.communicate(timeout=300)
    assert stderr.decode() == ""
    assert replay.returncode == 1  # the pipe did close before the end


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_write_that_waits_too_long_on_another_writers_lock_gives_up_in_one_line(
    certledger: Certledger, store: StoreRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers take the events table's lock in turn; one that never gets it (another holds it
    for good) gives up after about `LOCK_TIMEOUT` (here the library's ten attempts of a
    second each), says so in one line, and writes nothing: no endless silent wait."""
    import psycopg

    from tests.cli.conftest import IDENTITY
    from tests.stores import POSTGRES

    certledger.ok("demo --candidates 2 --seed 3")
    url = parse_store_url(str(store))
    ours = url.dialect.env(url, read_only=False, create=False)
    assert int(ours["POSTGRES_LOCK_TIMEOUT"]) * 10 == LOCK_TIMEOUT  # ten attempts: ~30 s
    library_settings(monkeypatch, POSTGRES_LOCK_TIMEOUT="1")
    assert POSTGRES is not None
    with psycopg.connect(POSTGRES) as holder:  # in a transaction until the block ends
        holder.execute(f'LOCK TABLE "{store.schema}".certledger_events IN EXCLUSIVE MODE')
        line = certledger.refused(
            f"candidate enroll LK1 --route formation_continue --on 2016-09-12 {IDENTITY}"
        )
        holder.rollback()
    assert line == (
        "Error: candidate enroll: the store refused the write (canceling statement due to lock "
        "timeout); nothing recorded"
    )
    certledger.ok(f"candidate enroll LK1 --route formation_continue --on 2016-09-12 {IDENTITY}")


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_an_import_waits_its_turn_behind_another_writer(
    certledger: Certledger, store: StoreRef, tmp_path: Path
) -> None:
    """An import's one bulk write waits for another writer's lock as long as a command does
    in all its attempts (`LOCK_TIMEOUT`), not a tenth of it: it is not retried."""
    import threading

    import psycopg

    from tests.stores import POSTGRES

    records = tmp_path / "records.csv"
    certledger.ok(f"demo --candidates 3 --seed 3 --csv {records}")
    assert POSTGRES is not None
    with psycopg.connect(POSTGRES) as holder:
        holder.execute(f'LOCK TABLE "{store.schema}".certledger_events IN EXCLUSIVE MODE')
        # Released once a tenth of the limit and more has gone by (the import waits).
        release = threading.Timer(LOCK_TIMEOUT / 10 + 2, holder.rollback)
        release.start()
        try:
            certledger.ok(f"import {records}")
        finally:
            release.join()
    assert len(certledger.json("candidate list")) == 3
