"""The auditor's question through the CLI: status on D, as the ledger held it at T, and why."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from ledger.application import Ledger
from projections.status import candidate_status
from tests.cli.conftest import FIVE_MEMBERS, Certledger

ENROL = (
    "candidate enroll V1 --route formation_continue --on 2016-09-12 --birth-name Durand "
    "--first-name Alice --birth-date 1990-01-02 --sex F --birth-insee 75112"
)
EVERYTHING = ",".join(f"C{n:02d}" for n in range(1, 43))


def pass_everything(certledger: Certledger, on: str) -> None:
    ledger = Ledger(str(certledger.store))
    try:
        ref = ledger.versions().at(datetime.fromisoformat(on).date()).referential
        epreuves = [(e.code, ",".join(e.competencies)) for b in ref.blocks for e in b.epreuves]
    finally:
        ledger.close()
    for code, competencies in epreuves:
        certledger.ok(f"assessment record V1 --epreuve {code} --on {on} --passed {competencies}")


def instant_now(certledger: Certledger) -> str:
    """The command clock's current instant; the next command records a later one."""
    return certledger.clock.now().isoformat()


@pytest.fixture
def titled(certledger: Certledger) -> Certledger:
    """V1 passed everything in June 2018; the 2018-06-20 title decision is recorded today."""
    certledger.ok(ENROL)
    pass_everything(certledger, "2018-06-01")
    certledger.ok(f"jury convene J1 --on 2018-06-20 {FIVE_MEMBERS} --president 'Hugo Bleu'")
    return certledger


def test_a_2018_decision_recorded_today_is_absent_as_known_before_it_was_recorded(
    titled: Certledger,
) -> None:
    before = instant_now(titled)
    titled.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-block BC01 --award-title")

    then = titled.json(f"status V1 --as-of 2018-12-31 --known-at {before}")
    now = titled.json("status V1 --as-of 2018-12-31")

    assert (then["state"], then["title"]["awarded"], then["counting_competencies"]) == (
        "enrolled",
        False,
        0,
    )
    assert (now["state"], now["title"]["awarded"], now["counting_competencies"]) == (
        "certified",
        True,
        42,
    )
    assert then["known_at"] == before


def test_an_annulled_title_is_gone_at_every_as_of_yet_shown_as_known_before(
    titled: Certledger,
) -> None:
    titled.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-title")
    number = titled.ok("certificate issue V1/J1 --kind title --on 2018-06-27").strip()
    before = instant_now(titled)
    titled.ok("decision annul V1/J1 --on 2019-02-01 --reason 'appeal upheld'")

    for as_of in ("2018-06-27", "2018-12-31", "2026-01-01"):
        now = titled.json(f"status V1 --as-of {as_of}")
        assert not now["title"]["awarded"] and now["state"] != "certified"
        assert [(c["number"], c["state"]) for c in now["certificates"]] == [(number, "void")]
        then = titled.json(f"status V1 --as-of {as_of} --known-at {before}")
        assert then["title"]["awarded"] and then["state"] == "certified"
        assert [(c["number"], c["state"]) for c in then["certificates"]] == [(number, "held")]


def test_a_log_position_reproduces_what_a_reader_saw(titled: Certledger) -> None:
    seen = titled.json("history V1")[-1]
    titled.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-title")
    ledger = Ledger(str(titled.store))
    try:
        position = max(f.position or 0 for f in ledger.candidate_facts("V1")) - 1
    finally:
        ledger.close()
    assert titled.json(f"status V1 --as-of 2019-01-01 --known-at @{position}")["state"] == (
        "enrolled"
    )
    assert seen["type"] == "AssessmentRecorded"


def test_explain_names_the_decision_session_and_referential_behind_a_block(
    titled: Certledger,
) -> None:
    titled.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-block BC01")

    document = titled.json("explain V1 --as-of 2019-01-01")

    bc01 = document["blocks"][0]
    assert bc01["code"] == "RNCP13080BC01" and bc01["counts"]
    cited = {(e["type"], e["decision"], e["session"], e["referential"]) for e in bc01["because"]}
    assert {
        ("DecisionRecorded", "V1/J1", "J1", "2006.1"),
        ("JuryConvened", "V1/J1", "J1", "2006.1"),
    } <= cited
    text = titled.ok("explain V1 --as-of 2019-01-01")
    assert "RNCP13080BC01: awarded on 2018-06-20 by decision V1/J1 (referential 2006.1)" in text


def test_replay_under_another_referential_writes_nothing(
    titled: Certledger, tmp_path: Path
) -> None:
    titled.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-block BC01")
    source = Path(__file__).resolve().parents[2] / "ledger" / "data" / "rncp13080.toml"
    lifelong = tmp_path / "lifelong.toml"
    lifelong.write_text(
        source.read_text(encoding="utf-8")
        .replace('version = "2006.1"', 'version = "life"')
        .replace("validity_years = 5", "validity_years = 99"),
        encoding="utf-8",
    )
    rows = titled.rows()

    changes = json.loads(titled.ok(f"replay --as-of 2024-01-01 --under {lifelong} --format json"))

    gains = ["block RNCP13080BC01 counts"]
    gains += [f"block RNCP13080BC0{n} eligible" for n in range(1, 5)]
    assert changes == [{"candidate": "V1", "gains": [*gains, "title eligible"], "loses": []}]
    assert titled.rows() == rows


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(
        cli,
        [
            "--store",
            str(store),
            "--actor",
            "tester",
            "demo",
            "--candidates",
            "2000",
            "--seed",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["candidates"] == 2000 and summary["titles"] > 500
    assert summary["annulments"] > 0 and summary["late_recordings"] > 0
    return store


@pytest.mark.parametrize("as_of", ["2012-06-30", "2019-12-31", "2026-11-26"])
def test_replay_over_a_demo_ledger_agrees_with_status_for_every_candidate(
    demo_store: Path, as_of: str
) -> None:
    result = CliRunner().invoke(
        cli, ["--store", str(demo_store), "replay", "--as-of", as_of, "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    replayed = {s["candidate"]: s for s in json.loads(result.stdout)}
    ledger = Ledger(str(demo_store))
    try:
        day = datetime.fromisoformat(as_of).date()
        versions = ledger.versions()
        expected = {}
        for candidate in ledger.candidate_ids():
            status = candidate_status(
                ledger.candidate_facts(candidate), versions, as_of=day, known_at=None
            )
            if status is not None:
                expected[candidate] = status.as_json()
    finally:
        ledger.close()
    assert len(replayed) > 100
    strip = {"known_at"}
    assert {c: {k: v for k, v in s.items() if k not in strip} for c, s in replayed.items()} == {
        c: {k: v for k, v in s.items() if k not in strip} for c, s in expected.items()
    }


def test_the_candidate_list_agrees_with_replay(demo_store: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(
        cli, ["--store", str(demo_store), "candidate", "list", "--as-of", "2019-12-31", "--json"]
    )
    replayed = runner.invoke(
        cli, ["--store", str(demo_store), "replay", "--as-of", "2019-12-31", "--format", "json"]
    )
    rows = {r["candidate"]: r for r in json.loads(listed.stdout)}
    for status in json.loads(replayed.stdout):
        row = rows.pop(status["candidate"])
        assert (row["state"], row["route"], row["counting_competencies"]) == (
            status["state"],
            status["route"],
            status["counting_competencies"],
        )
        assert row["blocks"] == sorted(b["code"] for b in status["blocks"] if b["counts"])
    assert rows == {}


def test_the_demo_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.db", "b.db"):
        store = str(tmp_path / name)
        runner = CliRunner()
        assert (
            runner.invoke(
                cli, ["--store", store, "demo", "--candidates", "150", "--seed", "9"]
            ).exit_code
            == 0
        )
        replayed = runner.invoke(
            cli, ["--store", store, "replay", "--as-of", "2020-01-01", "--format", "csv"]
        )
        outputs.append(replayed.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 100


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_replay_shared_by_two_processes_prints_exactly_what_one_prints(
    demo_store: Path, fmt: str
) -> None:
    runner = CliRunner()
    outputs = [
        runner.invoke(
            cli,
            [
                "--store",
                str(demo_store),
                "replay",
                "--as-of",
                "2019-12-31",
                "--format",
                fmt,
                "--jobs",
                jobs,
            ],
        )
        for jobs in ("1", "2")
    ]
    assert [o.exit_code for o in outputs] == [0, 0]
    one, two = (o.stdout for o in outputs)
    if fmt == "json":
        strip = [{k: v for k, v in s.items() if k != "known_at"} for s in json.loads(one)]
        assert strip == [{k: v for k, v in s.items() if k != "known_at"} for s in json.loads(two)]
    else:
        assert one == two and one.count("\n") > 1000


@pytest.mark.parametrize(
    "command", ["status V1", "explain V1", "report stats", "replay --format json"]
)
@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"])
def test_an_instant_no_date_can_show_in_paris_time_is_bad_input(
    certledger: Certledger, command: str, instant: str
) -> None:
    certledger.ok(ENROL)

    result = certledger(f"{command} --known-at {instant}")

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--known-at': '{instant}' is beyond the instants the ledger "
        "can show (years 1 to 9999, Paris time)"
    )
