"""Fixtures: a fresh initialised ledger with a fixed clock, and a CLI runner, each on SQLite
and, when CERTLEDGER_TEST_POSTGRES is set, on a PostgreSQL schema of its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import settings

from ledger.application import Ledger
from ledger.clock import FixedClock
from tests.builders import NOW
from tests.stores import StoreRef, drop, postgres_store, sqlite_store

# No time limit per example: a deadline is a timing assertion, and fails on a busy machine
# (CI shares its two cores); the number of examples stays each test's own.
settings.register_profile("certledger", deadline=None)
settings.load_profile("certledger")


# The tests see every crash as it is (the CLI tells users an unexpected error in one line).
os.environ["CERTLEDGER_TRACEBACK"] = "1"


@pytest.fixture(scope="session", autouse=True)
def key_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """PostgreSQL ledgers keep their key files in the user's data folder: the tests' own."""
    folder = tmp_path_factory.mktemp("data-home")
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(folder)
    yield folder
    if before is None:
        del os.environ["XDG_DATA_HOME"]
    else:
        os.environ["XDG_DATA_HOME"] = before


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreRef]:
    """A fresh, empty store: an SQLite file, or a PostgreSQL schema (dropped afterwards)."""
    ref = sqlite_store(tmp_path / "ledger.db") if request.param == "sqlite" else postgres_store()
    try:
        yield ref
    finally:
        drop(ref)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def ledger(store: StoreRef, clock: FixedClock) -> Iterator[Ledger]:
    app = Ledger(str(store), clock=clock, create=True)
    app.initialise(by="tester")
    yield app
    app.close()


@pytest.fixture
def runner(store: StoreRef, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose store is the fresh `store`, recording as `tester`."""
    monkeypatch.setenv("CERTLEDGER_STORE", str(store))
    monkeypatch.setenv("CERTLEDGER_ACTOR", "tester")
    # Tables are as wide as the terminal: the same 120 columns whatever runs the tests.
    monkeypatch.setenv("COLUMNS", "120")
    # English whatever the locale of the machine running the tests (tests/cli/test_french.py
    # asks for French itself).
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """In CI (`CI=true`) a skipped test fails the run: the PostgreSQL half of the suite, or
    any other part, can never vanish unnoticed."""
    report = yield
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be skipped: {reason}"
    return report
