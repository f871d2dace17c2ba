"""Fixtures: a fresh initialised ledger on SQLite with a fixed clock, and a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.clock import FixedClock
from tests.builders import NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def ledger(tmp_path: Path, clock: FixedClock) -> Iterator[Ledger]:
    app = Ledger(str(tmp_path / "ledger.db"), clock=clock, create=True)
    app.initialise(by="tester")
    yield app
    app.close()


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose store is a fresh file in tmp_path, recording as `tester`."""
    monkeypatch.setenv("CERTLEDGER_STORE", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CERTLEDGER_ACTOR", "tester")
    monkeypatch.chdir(tmp_path)
    return CliRunner()
