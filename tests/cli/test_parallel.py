"""Commands that share their work with spawned processes (`verify --jobs 2`, `replay --jobs
2`): Ctrl-C, which a terminal sends to every process of the group, ends them all with
click's `Aborted!` and no traceback, whether the helpers are still working or done."""

from __future__ import annotations

import errno
import json
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.resource_tracker
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from ledger.exceptions import ReferentialInvalid, RuleViolation, StoreError
from projections import parallel
from projections.parallel import spawned
from tests.cli.conftest import Certledger
from tests.cli.test_view_check import view_sql
from tests.stores import POSTGRES, StoreRef

PAUSED = """
import pathlib, sys, time
marker, module, name = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
del sys.argv[1:4]
import importlib
target = importlib.import_module(module)
original = getattr(target, name)
def paused(*args, **kwargs):
    marker.touch()
    time.sleep(120)
    return original(*args, **kwargs)
setattr(target, name, paused)
from cli.main import main
main()
"""
"""`certledger` with one function of this process paused for two minutes once it is called
(a marker file says when): the spawned helpers meanwhile work, then sit idle."""


@pytest.mark.parametrize(
    ("command", "paused"),
    [
        (["verify", "--jobs", "2"], ("ledger.integrity", "verify_store")),
        (["verify", "--jobs", "1"], ("ledger.integrity", "verify_store")),
        (["replay", "--jobs", "2", "--format", "csv"], ("projections.parallel", "_outcome")),
    ],
    ids=["verify-2", "verify-1", "replay-2"],
)
@pytest.mark.parametrize("wait", [0.0, 3.0], ids=["helpers-working", "helpers-done"])
def test_ctrl_c_ends_a_command_and_its_helpers_with_aborted_and_no_traceback(
    certledger: Certledger,
    store: StoreRef,
    tmp_path: Path,
    command: list[str],
    paused: tuple[str, str],
    wait: float,
) -> None:
    certledger.ok("demo --candidates 30 --seed 3")
    certledger.ok("candidate list")  # the status view is up to date
    marker = tmp_path / "paused"
    with subprocess.Popen(
        [sys.executable, "-c", PAUSED, str(marker), *paused, "--store", str(store), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a process group of its own, as a terminal's job
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},  # this code, as tested
    ) as run:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(wait)
        os.killpg(run.pid, signal.SIGINT)
        stdout, stderr = run.communicate(timeout=60)
    assert (run.returncode, stderr.decode()) == (1, "\nAborted!\n")
    assert stdout == b""


def refuse_by_referential() -> None:
    raise ReferentialInvalid("published version f162a914d1ef", ["validity_years: bad"])


def refuse_by_rule() -> None:
    raise RuleViolation(2, "not enrolled")


@pytest.mark.parametrize("function", [refuse_by_referential, refuse_by_rule])
def test_a_refusal_in_a_helper_process_is_the_same_refusal_in_the_command(
    function: Callable[[], None],
) -> None:
    """`verify --jobs 2` / `replay --jobs 2`: a ledger error raised in a helper whose class
    takes other arguments than its message (ReferentialInvalid, RuleViolation) cannot be
    unpickled, and reaches the user as `Error: unexpected RuntimeError: ... this is a bug of
    certledger` instead of the one line `--jobs 1` prints (exit code and --json too)."""
    with pytest.raises(Exception) as raised:
        function()
    expected = raised.value

    with pytest.raises(Exception) as found, spawned([(function, ())]) as (result,):
        result()

    assert type(found.value) is type(expected)
    assert str(found.value) == str(expected)


def tamper_assessments(store: StoreRef) -> None:
    """Assessments whose stored state is no longer JSON the ledger wrote."""
    if store.kind == "sqlite":
        store.query(
            "UPDATE stored_events SET state = CAST('{\"timestamp\":1' AS BLOB) "
            "WHERE topic = 'AssessmentRecorded'"
        )
    else:
        store.query(
            "UPDATE certledger_events SET state = convert_to('{\"timestamp\":1', 'UTF8') "
            "WHERE topic = 'AssessmentRecorded'"
        )


def test_replay_jobs_2_speaks_the_language_asked_for(
    certledger: Certledger, store: StoreRef
) -> None:
    """`--lang fr replay --jobs 2`: the helpers never switch to the language in use
    (projections.parallel.replay_shard, unlike view_findings_of), so what they report is in
    English while `--jobs 1` speaks French."""
    certledger.enroll("V1")
    certledger.pass_bc01("V1")
    tamper_assessments(store)
    line = "--lang fr replay --as-of 2019-01-01 --jobs {jobs}"

    one = certledger(line.format(jobs=1))
    two = certledger(line.format(jobs=2))

    assert one.exit_code == two.exit_code == 1
    assert "n'est plus tel que le registre l'a écrit" in one.stderr
    assert two.stderr == one.stderr


def ends_without_a_word(sending: Any, function: Any, args: Any) -> None:
    """A helper that ends without sending its result, as one killed would (`_child`'s place;
    the spawned process imports it from this module)."""
    sending.close()


def cannot_connect(store: str, keys: Any, language: str) -> Any:
    """A helper that fails where the first process would not (`view_findings_of`'s place):
    as one that finds no connection left for it."""
    raise StoreError("couldn't get a connection after 5.00 sec")


def cannot_start(*args: Any) -> None:
    raise OSError(errno.EAGAIN, "Resource temporarily unavailable")


def losing(m: pytest.MonkeyPatch, lost: str) -> None:
    """Make the helpers of the next command lost, as `lost` says."""
    if lost == "no-process-at-all":  # the resource tracker is the first process started
        m.setattr(multiprocessing.resource_tracker, "ensure_running", cannot_start)
    elif lost == "no-pipe":  # no file descriptor left
        m.setattr(multiprocessing.connection, "Pipe", cannot_start)
    elif lost == "cannot-start":
        m.setattr(multiprocessing.context.SpawnProcess, "start", cannot_start)
    elif lost == "fails":
        m.setattr(parallel, "view_findings_of", cannot_connect)
    else:
        m.setattr(parallel, "_child", ends_without_a_word)


@pytest.mark.parametrize(
    "lost", ["no-process-at-all", "no-pipe", "cannot-start", "ends-without-a-word", "fails"]
)
@pytest.mark.parametrize("view", ["intact", "tampered"])
def test_verify_checks_the_view_itself_when_its_helper_is_lost(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch, lost: str, view: str
) -> None:
    """`verify` in two processes (asked, or unasked on a large ledger) whose helper cannot
    start, ends without its findings or fails checks the view in its own process: the same
    report and exit code as `--jobs 1` (a view found wrong included), not an error."""
    certledger.ok("demo --candidates 12 --seed 3")
    certledger.ok("candidate list")
    if view == "tampered":
        view_sql(certledger, "DELETE FROM view_intervals WHERE kind = 'route'")
    alone = certledger("verify --json --jobs 1")
    with monkeypatch.context() as m:
        losing(m, lost)
        two = certledger("verify --json --jobs 2")
    assert (two.exit_code, json.loads(two.stdout)) == (alone.exit_code, json.loads(alone.stdout))
    assert json.loads(alone.stdout)["ok"] == (view == "intact")
    assert two.stderr == ""


@pytest.mark.parametrize(
    "lost", ["no-process-at-all", "no-pipe", "cannot-start", "ends-without-a-word"]
)
def test_replay_with_a_helper_lost_says_so_in_one_line(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """`replay --jobs 2` has no share of its work to do again in its own process: a helper
    lost is one line and an exit code, never a traceback."""
    certledger.ok("demo --candidates 12 --seed 3")
    with monkeypatch.context() as m:
        losing(m, lost)
        line = certledger.refused("replay --jobs 2 --format csv")
    assert line.startswith(
        "Error: a helper process ended without its result (exit code "
        if lost == "ends-without-a-word"
        else "Error: a helper process could not start: "
    ), line


@pytest.mark.parametrize("folder", ["with#hash", "with%41percent", "mode=memory", "a:memory:b"])
def test_verify_in_two_processes_in_a_folder_whose_name_looks_like_a_uri(
    tmp_path: Path, folder: str
) -> None:
    """The helper opens the ledger read-only through an SQLite URI: its path is escaped, so a
    folder named `with#hash` is not opened as `with` (which made an empty database file
    there) nor `with%41percent` as `withApercent`; and a name the library reads as "in
    memory" (it then leaves the file out of WAL) is still read read-only."""
    place = tmp_path / folder
    place.mkdir()
    runner = CliRunner()

    def run(line: str) -> Any:
        argv = ["--store", str(place / "ledger.db"), *line.split()]
        return runner.invoke(cli, argv, prog_name="certledger")

    assert run("demo --candidates 4 --seed 1").exit_code == 0
    assert run("candidate list").exit_code == 0
    one, two = run("verify --json --jobs 1"), run("verify --json --jobs 2")
    assert (two.exit_code, json.loads(two.stdout)) == (one.exit_code, json.loads(one.stdout))
    assert json.loads(one.stdout)["ok"] and two.stderr == ""
    alone = run("--read-only verify --json --jobs 1")  # this process, through the URI
    assert (alone.exit_code, json.loads(alone.stdout)) == (one.exit_code, json.loads(one.stdout))
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]


@pytest.mark.skipif(POSTGRES is None, reason="needs CERTLEDGER_TEST_POSTGRES")
def test_verify_in_two_processes_for_a_role_of_few_connections(tmp_path: Path) -> None:
    """A PostgreSQL role allowed three connections: one process's `verify` fits in them, the
    helper finds none left (after waiting 5 s) and the first process checks the view
    itself, with the same report."""
    import psycopg

    assert POSTGRES is not None
    role = schema = f"certledger_few_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"CREATE SCHEMA {schema} AUTHORIZATION {role}")
        conn.execute(f"GRANT CREATE ON DATABASE {conn.info.dbname} TO {role}")  # init's check
        place = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
    store = f"postgresql://{role}@{place}?schema={schema}"
    runner = CliRunner(env={"XDG_DATA_HOME": str(tmp_path)})

    def run(line: str) -> Any:
        return runner.invoke(cli, ["--store", store, *line.split()], prog_name="certledger")

    try:
        made = run("demo --candidates 4 --seed 1")
        assert made.exit_code == 0, made.output
        assert run("candidate list").exit_code == 0
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"ALTER ROLE {role} CONNECTION LIMIT 3")
        one, two = run("verify --json --jobs 1"), run("verify --json --jobs 2")
        assert (two.exit_code, json.loads(two.stdout)) == (one.exit_code, json.loads(one.stdout))
        assert json.loads(one.stdout)["ok"] and two.stderr == ""
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"REVOKE CREATE ON DATABASE {conn.info.dbname} FROM {role}")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_an_auditors_copy_in_another_journal_mode_is_read_read_only(tmp_path: Path) -> None:
    """A copy made by `VACUUM INTO` (journal mode "delete", not the ledger's WAL): read-only
    commands read it as it is (they tried to switch it to WAL: "attempt to write a readonly
    database"), and leave it as found."""
    import sqlite3

    runner = CliRunner()

    def run(store: Path, line: str) -> Any:
        return runner.invoke(cli, ["--store", str(store), *line.split()], prog_name="certledger")

    assert run(tmp_path / "ledger.db", "demo --candidates 4 --seed 1").exit_code == 0
    copy = tmp_path / "copy.db"
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        conn.execute("VACUUM INTO ?", (str(copy),))
    (tmp_path / "ledger.keys").rename(tmp_path / "copy.keys")

    checked = run(copy, "--read-only verify --json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"], checked.output
    listed = run(copy, "--read-only replay --as-of 2019-12-31 --format csv")
    assert listed.exit_code == 0 and listed.stdout.count("\n") == 5, listed.output
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
