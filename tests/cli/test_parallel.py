"""Commands that share their work with spawned processes (`verify --jobs 2`, `replay --jobs
2`): Ctrl-C, which a terminal sends to every process of the group, ends them all with
click's `Aborted!` and no traceback, whether the helpers are still working or done."""

from __future__ import annotations

import errno
import json
import multiprocessing.context
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.exceptions import ReferentialInvalid, RuleViolation
from projections import parallel
from projections.parallel import spawned
from tests.cli.conftest import Certledger
from tests.stores import StoreRef

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


def cannot_start(process: Any) -> None:
    raise OSError(errno.EAGAIN, "Resource temporarily unavailable")


@pytest.mark.parametrize("lost", ["ends-without-a-word", "cannot-start"])
def test_verify_checks_the_view_itself_when_its_helper_is_lost(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """`verify` in two processes (asked, or unasked on a large ledger) whose helper cannot
    start, or ends without its findings, checks the view in its own process: the same
    report and exit code as `--jobs 1`, not an error."""
    certledger.ok("demo --candidates 12 --seed 3")
    certledger.ok("candidate list")
    alone = certledger("verify --json --jobs 1")
    with monkeypatch.context() as m:
        if lost == "cannot-start":
            m.setattr(multiprocessing.context.SpawnProcess, "start", cannot_start)
        else:
            m.setattr(parallel, "_child", ends_without_a_word)
        two = certledger("verify --json --jobs 2")
    assert (two.exit_code, json.loads(two.stdout)) == (alone.exit_code, json.loads(alone.stdout))
    assert json.loads(alone.stdout)["ok"] and two.stderr == ""


@pytest.mark.parametrize("lost", ["ends-without-a-word", "cannot-start"])
def test_replay_with_a_helper_lost_says_so_in_one_line(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """`replay --jobs 2` has no share of its work to do again in its own process: a helper
    lost is one line and an exit code, never a traceback."""
    certledger.ok("demo --candidates 12 --seed 3")
    with monkeypatch.context() as m:
        if lost == "cannot-start":
            m.setattr(multiprocessing.context.SpawnProcess, "start", cannot_start)
        else:
            m.setattr(parallel, "_child", ends_without_a_word)
        line = certledger.refused("replay --jobs 2 --format csv")
    assert line.startswith(
        "Error: a helper process could not start: "
        if lost == "cannot-start"
        else "Error: a helper process ended without its result (exit code "
    ), line
