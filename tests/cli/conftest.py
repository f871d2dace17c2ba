"""CLI fixtures: run `certledger` in-process on a fresh store, and look at what it stored.

`certledger("status V1")` runs one command line; `.ok(...)`, `.json(...)`, `.refused(...)`
and `.misused(...)` run it and check the exit code and both streams, and (for refusals)
that the store holds exactly the rows it held before.
"""

from __future__ import annotations

import json
import shlex
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ledger
from cli.main import cli
from ledger.application import Ledger
from ledger.clock import FixedClock
from tests.builders import FIVE, PRESIDENT, SIX
from tests.stores import StoreRef

BUNDLED = Path(ledger.__file__).parent / "data" / "rncp13080.toml"
"""The bundled RNCP13080 referential file."""

IDENTITY = (
    "--birth-name Durand --first-name Alice --birth-date 1990-01-02 --sex F --birth-insee 75112"
)
"""Identity options that make a valid enrolment (with an INSEE birth code)."""

ALL = ",".join(f"C{n:02d}" for n in range(1, 43))
"""Every competency of the bundled referential, C01 to C42."""

NINE = "C01,C02,C03,C04,C05,C06,C07,C08,C09"
"""The nine competencies of BC01."""

REGISTRATIONS = "2006-03-05 → 2011-03-05, 2011-03-05 → 2016-09-07, 2016-09-07 → 2019-10-04"
"""How errors name the RNCP registration periods of the bundled referential."""


def variant(folder: Path, name: str, *changes: tuple[str, str]) -> Path:
    """A copy of the bundled referential with each `old` text (found exactly once) replaced."""
    text = BUNDLED.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} is not found exactly once in the bundled file"
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def members(people: Sequence[tuple[str, str]]) -> str:
    """`--member NAME:ROLE` options for a list of (name, role)."""
    return " ".join(f"--member '{name}:{role}'" for name, role in people)


FIVE_MEMBERS = members(FIVE)
"""`--member` options for the five roles every route's jury needs (president: Hugo Bleu)."""


def crashed(result: Result) -> bool:
    """Whether the command died on an exception instead of exiting on purpose."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


class Certledger:
    """The `certledger` command on one store, run in-process with click's CliRunner.

    A command is given either as one command line (`"status V1 --as-of 2018-01-01"`,
    split like a shell would) or as separate arguments (`"status", "V1", path`).
    """

    def __init__(self, runner: CliRunner, store: StoreRef, clock: FixedClock) -> None:
        self.runner = runner
        self.store = store
        self.clock = clock
        """The command's clock: every instant it records comes from here (a test moves it)."""

    @staticmethod
    def argv(args: Sequence[object]) -> list[str]:
        if len(args) == 1 and isinstance(args[0], str):
            return shlex.split(args[0])
        return [str(a) for a in args]

    def __call__(self, *args: object) -> Result:
        return self.runner.invoke(cli, self.argv(args), prog_name="certledger", obj=self.clock)

    def _run(self, args: Sequence[object], code: int) -> Result:
        argv = self.argv(args)
        result = self.runner.invoke(cli, argv, prog_name="certledger", obj=self.clock)
        assert result.exit_code == code and not crashed(result), (
            f"certledger {shlex.join(argv)} -> exit {result.exit_code} (expected {code})\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}\n"
            f"exception: {result.exception!r}"
        )
        return result

    def ok(self, *args: object) -> str:
        """Run a command that must succeed, print nothing on stderr; its stdout."""
        result = self._run(args, 0)
        assert result.stderr == "", result.stderr
        return result.stdout

    def warned(self, *args: object) -> tuple[str, list[str]]:
        """Run a command that must succeed with warnings: its stdout and its `Warning: `
        lines (nothing else on stderr)."""
        result = self._run(args, 0)
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("Warning: ") for line in lines), result.stderr
        return result.stdout, [line.removeprefix("Warning: ") for line in lines]

    def json(self, *args: object) -> Any:
        """Run a command with --json that must succeed; its one JSON document."""
        return json.loads(self.ok(*self.argv(args), "--json"))

    def refused(self, *args: object, code: int = 1) -> str:
        """Run a command a rule must refuse: exit 1 (`code` 2: bad input the ledger tells
        apart), nothing on stdout, one `Error: ` line on stderr, and the store unchanged.
        Returns that line."""
        before = self.rows()
        result = self._run(args, code)
        assert result.stdout == "", result.stdout
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert self.rows() == before, "a refused command wrote to the store"
        return lines[0]

    def misused(self, *args: object) -> str:
        """Run a command click must reject as bad usage: exit 2, nothing on stdout, the
        store unchanged. Returns the last stderr line (`Error: ...`)."""
        before = self.rows()
        result = self._run(args, 2)
        assert result.stdout == "", result.stdout
        assert result.stderr.startswith("Usage: certledger "), result.stderr
        assert self.rows() == before, "a command refused as bad usage wrote to the store"
        return result.stderr.splitlines()[-1]

    def rows(self) -> dict[str, list[str]]:
        """Every row of every table of the store (empty when there is no store yet)."""
        return self.store.tables()

    def events(self) -> list[tuple[Any, ...]]:
        """Every stored event: (log position, stream id, version, topic, state)."""
        if not self.store.exists():
            return []
        app = Ledger(str(self.store))
        try:
            return [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in app.recorder.select_notifications(None, 10**6)
            ]
        finally:
            app.close()

    # Building state with a few commands.

    def enroll(
        self,
        candidate: str = "V1",
        route: str = "formation_continue",
        on: str = "2016-09-12",
        *extra: str,
    ) -> None:
        line = f"candidate enroll {candidate} --route {route} --on {on} {IDENTITY}"
        self.ok(" ".join([line, *map(shlex.quote, extra)]))

    def convene(
        self,
        session: str = "J1",
        on: str = "2017-06-20",
        people: Sequence[tuple[str, str]] = FIVE,
        president: str = PRESIDENT,
    ) -> None:
        self.ok(
            f"jury convene {session} --on {on} {members(people)} "
            f"--president {shlex.quote(president)}"
        )

    def pass_bc01(self, candidate: str = "V1", on: str = "2017-06-01") -> None:
        """Both BC01 épreuves passed in full: evidence for C01 to C09."""
        self.assess(candidate, "BC01-E1", on, "C01,C02,C03,C05,C07")
        self.assess(candidate, "BC01-E2", on, "C03,C04,C06,C08,C09")

    def pass_everything(self, candidate: str = "V1", on: str = "2019-09-01") -> None:
        """Every épreuve of the bundled referential passed in full: evidence for C01 to C42."""
        ref = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
        for block in ref["blocks"]:
            for epreuve in block["epreuves"]:
                self.assess(candidate, epreuve["code"], on, ",".join(epreuve["competencies"]))

    def before_the_jury(self) -> None:
        """V1 enrolled, every épreuve passed on 2018-06-01, and jury session J1 convened for
        2018-06-20: a title away from its decision."""
        self.enroll("V1")
        self.pass_everything("V1", "2018-06-01")
        self.convene("J1", on="2018-06-20")

    def assess(self, candidate: str, epreuve: str, on: str, passed: str) -> None:
        """Record a passed épreuve: nothing on stderr but, after the last registration
        period, the rule 6 warning."""
        command = f"assessment record {candidate} --epreuve {epreuve} --on {on} --passed {passed}"
        result = self._run([command], 0)
        for line in result.stderr.splitlines():
            assert line.startswith("Warning: ") and "(rule 6)" in line, result.stderr

    def vae_steps(
        self,
        candidate: str = "V2",
        admitted: str = "2017-01-20",
        livret2: str = "2017-04-28",
        interview: str = "2017-05-30",
    ) -> None:
        self.ok(f"vae admit {candidate} --on {admitted}")
        self.ok(f"vae interview {candidate} --on {interview} --livret2-received {livret2}")

    def status(self, candidate: str, as_of: str, *extra: str) -> Any:
        return self.json("status", candidate, "--as-of", as_of, *extra)

    def history(self, candidate: str) -> Any:
        return self.json("history", candidate)


@pytest.fixture
def bare(runner: CliRunner, store: StoreRef, clock: FixedClock) -> Certledger:
    """`certledger` on a store that does not exist yet (the `runner` fixture's store), its
    clock the fixed one of the tests (2026-11-26 10:00 UTC, moving a microsecond a reading)."""
    return Certledger(runner, store, clock)


@pytest.fixture
def certledger(bare: Certledger) -> Certledger:
    """`certledger` on a store initialised with the bundled RNCP13080 referential."""
    bare.ok("init")
    return bare


@pytest.fixture
def bc01_holder(certledger: Certledger) -> Certledger:
    """V1, formation continue since 2016-09-12, awarded BC01 (C01-C09) by jury J1 on
    2017-06-20, its block certificate RNCP13080-2017-00001 issued on 2017-06-27."""
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.convene("J1", on="2017-06-20")
    certledger.ok(f"jury decide J1 V1 --validate {NINE} --award-block BC01")
    certledger.ok("certificate issue V1/J1 --kind block:BC01 --on 2017-06-27")
    return certledger


@pytest.fixture
def vae_candidate(certledger: Certledger) -> Certledger:
    """V2, VAE since 2017-01-09, admitted 2017-01-20, interviewed 2017-05-30; jury JV of
    six (with a technicien) convened for 2017-06-21, no decision yet."""
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.vae_steps("V2")
    certledger.convene("JV", on="2017-06-21", people=SIX)
    return certledger
