"""Creating a store never removes one: `init` and `demo` racing on one store end with one
ledger, intact, and a clear refusal for the losers (DOMAIN.md §7)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.integrity import verify_store
from ledger.store import StoreURL, parse_store_url
from tests.stores import POSTGRES, StoreRef

ROOT = Path(__file__).resolve().parents[2]


def certledger(store: StoreRef, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "--store", str(store), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CERTLEDGER_ACTOR": "racer"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    done = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        done.append((process.returncode, out, err))
    return done


def events_by_topic(store: StoreRef) -> dict[str, int]:
    ledger = Ledger(str(store), read_only=True)
    try:
        assert verify_store(ledger.events).ok
        counts: dict[str, int] = {}
        for n in ledger.recorder.select_notifications(None, 10**6):
            counts[n.topic] = counts.get(n.topic, 0) + 1
        return counts
    finally:
        ledger.close()


def test_four_init_racing_leave_one_ledger_and_three_clear_refusals(store: StoreRef) -> None:
    runs = finish([certledger(store, "init") for _ in range(4)])

    assert sorted(code for code, _, _ in runs) == [0, 1, 1, 1], runs
    for code, out, err in runs:
        assert "Traceback" not in out + err
        if code:
            assert err.startswith("Error: the ledger at ") and "already initialised" in err, err
    counts = events_by_topic(store)
    assert counts["ReferentialPublished"] == 1


def test_a_demo_and_an_init_racing_leave_the_demo_ledger_whole(store: StoreRef) -> None:
    demo = certledger(store, "demo", "--candidates", "30", "--seed", "3")
    init = certledger(store, "init")
    (demo_code, demo_out, demo_err), (init_code, _, init_err) = finish([demo, init])

    assert demo_code == 0, demo_err
    assert init_code == 0 or "already initialised" in init_err, init_err
    assert "Traceback" not in demo_err + init_err
    counts = events_by_topic(store)
    assert counts["ReferentialPublished"] == 1 and counts["CandidateEnrolled"] == 30
    assert demo_out.startswith("Created 30 candidates")


def test_init_on_a_store_that_exists_leaves_it_untouched(store: StoreRef) -> None:
    first = finish([certledger(store, "demo", "--candidates", "3")])
    assert first[0][0] == 0
    before = store.tables()

    ((code, _, err),) = finish([certledger(store, "init")])

    assert code == 1 and "already initialised" in err
    assert store.tables() == before


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_init_against_a_database_that_does_not_exist_is_one_clear_error(store: StoreRef) -> None:
    missing = str(store).replace("/test?", "/no_such_database?")
    process = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "--store", missing, "init"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    lines = process.stderr.splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("Error: cannot ") and "no_such_database" in lines[0]
    )


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_an_init_cut_off_by_the_server_removes_what_it_made(store: StoreRef) -> None:
    url = parse_store_url(str(store))

    def cut_off(made: StoreURL) -> None:
        # The server ends the creator's session midway (an administrator, a restart).
        (token,) = store.query("SELECT token FROM certledger_creation")[0]
        pid = int(token.split()[1])
        store.query("SELECT pg_terminate_backend(%s)", (pid,))
        raise RuntimeError("the connection was lost")

    with pytest.raises(RuntimeError):
        url.dialect.create(url, cut_off)

    assert url.dialect.state(url) == "absent"


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_creation_whose_creator_is_gone_is_named_and_the_next_init_starts_again(
    store: StoreRef,
) -> None:
    # What a creator killed midway leaves: its marker, naming a session that no longer runs.
    url = parse_store_url(str(store))
    store.query(f'CREATE SCHEMA IF NOT EXISTS "{store.schema}"')
    store.query("CREATE TABLE certledger_creation (token text PRIMARY KEY)")
    store.query("INSERT INTO certledger_creation VALUES ('creator 1 0.0')")
    store.query("CREATE TABLE ledger_chain (position bigint)")

    assert url.dialect.state(url) == "abandoned"
    ((code, _, err),) = finish([certledger(store, "candidate", "list")])
    assert (code, err) == (
        1,
        f"Error: the ledger at {url} was left half made by a `certledger init` that was cut "
        "off: run `certledger init` again\n",
    )
    ((code, _, err),) = finish([certledger(store, "init")])
    assert code == 0, err
    assert url.dialect.state(url) == "ready"
    assert events_by_topic(store)["ReferentialPublished"] == 1


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_creation_under_way_is_not_taken_for_abandoned(store: StoreRef) -> None:
    url = parse_store_url(str(store))
    seen = []

    def slow(made: StoreURL) -> None:
        seen.append(url.dialect.state(url))
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        url.dialect.create(url, slow)

    assert seen == ["creating"]


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_role_that_cannot_see_the_creators_session_takes_the_creation_as_under_way(
    store: StoreRef,
) -> None:
    """PostgreSQL hides the start of other roles' sessions from a role without the right to
    see them (an auditor's): their creation is under way, never abandoned."""
    import psycopg

    from ledger.store.dialects import _SESSION

    assert POSTGRES is not None
    viewer = f"certledger_viewer_{uuid.uuid4().hex[:8]}"
    store.query(f'CREATE SCHEMA IF NOT EXISTS "{store.schema}"')
    store.query("CREATE TABLE certledger_creation (token text PRIMARY KEY)")
    store.query(f"CREATE ROLE {viewer} LOGIN")
    try:
        store.query(f'GRANT USAGE ON SCHEMA "{store.schema}" TO {viewer}')
        store.query(f"GRANT SELECT ON certledger_creation TO {viewer}")
        with psycopg.connect(POSTGRES, autocommit=True) as creator:  # its session goes on
            (token,) = creator.execute(
                f"SELECT 'creator ' || {_SESSION} FROM pg_stat_activity "
                "WHERE pid = pg_backend_pid()"
            ).fetchone() or ("",)
            store.query("INSERT INTO certledger_creation VALUES (%s)", (token,))
            seen_by = parse_store_url(str(store).replace("postgres@", f"{viewer}@"))

            assert parse_store_url(str(store)).dialect.state(seen_by) == "creating"
    finally:
        store.query(f"DROP OWNED BY {viewer}")
        store.query(f"DROP ROLE {viewer}")
