"""`demo`: a synthetic ledger recorded as history (each fact at a past instant), or written
as an import file that records the same facts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from ledger.application import Ledger
from ledger.exceptions import NotFound
from tests.cli.conftest import Certledger


def replayed(run: Any, as_of: str, *known_at: str) -> dict[str, Any]:
    result = run("replay", "--as-of", as_of, "--format", "json", *known_at)
    assert result.exit_code == 0, result.stderr
    return {
        s["candidate"]: {k: v for k, v in s.items() if k != "known_at"}
        for s in json.loads(result.stdout)
    }


def test_importing_the_demo_file_gives_the_ledger_the_demo_records(
    certledger: Certledger, tmp_path: Path
) -> None:
    path = tmp_path / "demo.csv"
    written = certledger.json(f"demo --candidates 60 --seed 4 --csv {path}")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("kind;candidate;date;route;")
    assert len(lines) == written["rows"] + 1

    report = certledger.json(f"import {path}")

    assert (report["valid"], report["recorded"]) == (True, written["rows"])
    demo_store = tmp_path / "recorded.db"
    recorded = CliRunner().invoke(
        cli, ["--store", str(demo_store), "demo", "--candidates", "60", "--seed", "4", "--json"]
    )
    assert recorded.exit_code == 0, recorded.stderr
    assert json.loads(recorded.stdout)["commands"] == written["rows"]
    for as_of in ("2012-06-30", "2019-12-31"):
        imported = replayed(certledger, as_of)
        demo = replayed(lambda *a: CliRunner().invoke(cli, ["--store", str(demo_store), *a]), as_of)
        assert len(imported) > 20 and imported == demo


def test_the_demo_ledger_grew_over_the_years(bare: Certledger) -> None:
    bare.json("demo --candidates 80 --seed 2")
    ledger = Ledger(str(bare.store))
    try:
        facts = [f for c in ledger.candidate_ids() for f in ledger.candidate_facts(c)]
        referential = ledger.versions().all[0].fact
    finally:
        ledger.close()
    # Each fact recorded on or after its date, the referential before the first enrolment.
    assert all(f.recorded_at.date() >= f.effective_on for f in facts if f.effective_on)
    assert referential.recorded_at < min(f.recorded_at for f in facts)
    assert max(f.recorded_at for f in facts).year <= 2022

    then = replayed(bare, "2019-12-31", "--known-at", "2010-06-30")
    now = replayed(bare, "2019-12-31")
    assert 0 < len(then) < len(now) == 80
    enrolled_by_then = [c for c, s in now.items() if c in then]
    assert enrolled_by_then == list(then)
    stats = json.loads(bare.ok("report stats --known-at 2010-06-30 --format json"))
    assert stats and all(row["year"] <= 2010 for row in stats)
    assert any(row["year"] > 2010 for row in json.loads(bare.ok("report stats --format json")))
    first = min(then)
    assert bare.status(first, "2019-12-31", "--known-at", "2010-06-30")["candidate"] == first


def test_a_known_at_before_anything_was_recorded_answers_clearly(bare: Certledger) -> None:
    bare.json("demo --candidates 10 --seed 1")

    assert replayed(bare, "2019-12-31", "--known-at", "2005-01-01") == {}
    result = bare("status", "D000001", "--as-of", "2019-12-31", "--known-at", "2005-01-01")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: candidate D000001 was not yet recorded at 2005-01-01")
    ledger = Ledger(str(bare.store))
    try:
        versions = ledger.versions()
        early = versions.known_at(datetime(2005, 1, 1, tzinfo=UTC))
    finally:
        ledger.close()
    with pytest.raises(NotFound, match="nothing was recorded yet at that instant: the ledger's"):
        early.at(date(2010, 1, 1))


def test_a_demo_file_that_cannot_be_written_is_refused_and_leaves_nothing(
    bare: Certledger, tmp_path: Path
) -> None:
    result = bare("demo", "--candidates", "5", "--csv", tmp_path / "missing" / "demo.csv")

    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: cannot write ")
    assert list(tmp_path.iterdir()) == [] and not bare.store.exists()
