"""`report stats`: the France Compétences statistics per year and route, as table, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from fractions import Fraction
from typing import Any

import pytest

from ledger.application import Ledger
from tests.builders import SIX
from tests.cli.conftest import ALL, NINE, Certledger

COLUMNS = [
    "year",
    "route",
    "presented",
    "certified",
    "certified_vae",
    "blocks_awarded",
    "partial_validations",
    "success_rate",
]

BLOCKS = "--award-block BC01 --award-block BC02 --award-block BC03 --award-block BC04"


def last_position(certledger: Certledger) -> int:
    """The log position of the newest stored event."""
    return max(row[0] for row in certledger.events())


@pytest.fixture
def small(certledger: Certledger) -> Certledger:
    """2017: V1 (formation continue) awarded BC01 in June then validated C10-C12 in November;
    V2 (VAE) awarded the title and its four blocks; V3 (formation initiale) presented and
    failed; V4 (formation continue) awarded the title, annulled. 2018: V5 (candidature
    individuelle) awarded BC01."""
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.assess("V1", "BC02-E1", "2017-11-02", "C10,C12")
    certledger.assess("V1", "BC02-E2", "2017-11-02", "C11")
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.vae_steps("V2")
    certledger.enroll("V3", "formation_initiale")
    certledger.enroll("V4")
    certledger.pass_everything("V4", on="2017-06-01")
    certledger.enroll("V5", "candidature_individuelle", "2017-09-04")
    certledger.pass_bc01("V5", on="2018-06-01")
    certledger.convene("J1", on="2017-06-20")
    certledger.convene("J2", on="2017-11-20")
    certledger.convene("J3", on="2018-06-20")
    certledger.convene("JV", on="2017-06-21", people=SIX)
    certledger.ok(f"jury decide J1 V1 --validate {NINE} --award-block BC01")
    certledger.ok("jury decide J2 V1 --validate C10,C11,C12")
    certledger.ok(f"jury decide JV V2 --validate {ALL} {BLOCKS} --award-title")
    certledger.ok("jury decide J1 V3")
    certledger.ok(f"jury decide J1 V4 --validate {ALL} --award-title")
    certledger.ok("decision annul V4/J1 --on 2017-09-01 --reason 'appeal upheld'")
    certledger.ok(f"jury decide J3 V5 --validate {NINE} --award-block BC01")
    return certledger


ROWS_2017 = [
    {
        "year": 2017,
        "route": "formation_continue",
        "presented": 1,
        "certified": 0,
        "certified_vae": 0,
        "blocks_awarded": 1,
        "partial_validations": 2,
        "success_rate": 0.0,
    },
    {
        "year": 2017,
        "route": "formation_initiale",
        "presented": 1,
        "certified": 0,
        "certified_vae": 0,
        "blocks_awarded": 0,
        "partial_validations": 0,
        "success_rate": 0.0,
    },
    {
        "year": 2017,
        "route": "vae",
        "presented": 1,
        "certified": 1,
        "certified_vae": 1,
        "blocks_awarded": 4,
        "partial_validations": 0,
        "success_rate": 1.0,
    },
    {
        "year": 2017,
        "route": "all",
        "presented": 3,
        "certified": 1,
        "certified_vae": 1,
        "blocks_awarded": 5,
        "partial_validations": 2,
        "success_rate": 0.3333,
    },
]
ROWS_2018 = [
    {
        "year": 2018,
        "route": "candidature_individuelle",
        "presented": 1,
        "certified": 0,
        "certified_vae": 0,
        "blocks_awarded": 1,
        "partial_validations": 1,
        "success_rate": 0.0,
    },
    {
        "year": 2018,
        "route": "all",
        "presented": 1,
        "certified": 0,
        "certified_vae": 0,
        "blocks_awarded": 1,
        "partial_validations": 1,
        "success_rate": 0.0,
    },
]


def test_json_has_one_row_per_year_and_route_then_the_year_total(small: Certledger) -> None:
    assert json.loads(small.ok("report stats --format json")) == [*ROWS_2017, *ROWS_2018]


def test_year_keeps_one_year(small: Certledger) -> None:
    assert json.loads(small.ok("report stats --year 2018 --format json")) == ROWS_2018


def test_a_year_without_decisions_gives_an_empty_list(small: Certledger) -> None:
    assert json.loads(small.ok("report stats --year 2016 --format json")) == []


@pytest.mark.parametrize("year", ["18", "20188", "2O18", "-2018", "2018.0"])
def test_a_year_not_written_with_four_digits_is_bad_usage(small: Certledger, year: str) -> None:
    assert small.misused("report", "stats", "--year", year) == (
        f"Error: Invalid value for '--year': '{year}' is not a year written with four digits "
        "(e.g. 2018)"
    )


def test_known_at_before_the_annulment_counts_the_annulled_title(small: Certledger) -> None:
    ledger = Ledger(str(small.store))
    try:
        annulment = next(f for f in ledger.candidate_facts("V4") if f.type == "DecisionAnnulled")
    finally:
        ledger.close()
    assert annulment.position is not None

    rows = json.loads(small.ok(f"report stats --known-at @{annulment.position - 1} --format json"))

    assert rows[0] == {**ROWS_2017[0], "presented": 2, "certified": 1, "success_rate": 0.5}
    assert rows[3] == {
        **ROWS_2017[3],
        "presented": 4,
        "certified": 2,
        "success_rate": 0.5,
    }


def test_known_at_before_a_decision_was_recorded_leaves_it_out(small: Certledger) -> None:
    before = last_position(small)
    small.convene("J4", on="2018-06-21")
    small.ok("jury decide J4 V3")

    rows = json.loads(small.ok(f"report stats --known-at @{before} --year 2018 --format json"))
    now = json.loads(small.ok("report stats --year 2018 --format json"))

    assert rows == ROWS_2018
    assert [(r["route"], r["presented"]) for r in now] == [
        ("candidature_individuelle", 1),
        ("formation_initiale", 1),
        ("all", 2),
    ]


def test_csv_is_utf8_with_a_bom_and_semicolons(small: Certledger) -> None:
    result = small("report stats --format csv")

    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    text = result.stdout_bytes.decode("utf-8-sig")
    assert text.splitlines() == [
        ";".join(COLUMNS),
        "2017;formation_continue;1;0;0;1;2;0,0",
        "2017;formation_initiale;1;0;0;0;0;0,0",
        "2017;vae;1;1;1;4;0;1,0",
        "2017;all;3;1;1;5;2;0,3333",
        "2018;candidature_individuelle;1;0;0;1;1;0,0",
        "2018;all;1;0;0;1;1;0,0",
    ]
    assert result.stdout_bytes.count(b"\r\n") == 7


def test_csv_has_the_json_columns_and_values(small: Certledger) -> None:
    text = small("report stats --format csv").stdout_bytes.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))

    assert list(rows[0]) == COLUMNS
    assert rows == [
        {k: str(v).replace(".", ",") if k == "success_rate" else str(v) for k, v in row.items()}
        for row in [*ROWS_2017, *ROWS_2018]
    ]


def test_csv_of_a_year_without_decisions_is_the_header_alone(small: Certledger) -> None:
    result = small("report stats --year 2016 --format csv")

    assert result.stdout_bytes == ("\ufeff" + ";".join(COLUMNS) + "\r\n").encode("utf-8")


def test_the_table_shows_each_row_with_the_rate_as_a_percentage(small: Certledger) -> None:
    lines = small.ok("report stats").splitlines()

    assert lines[0].startswith("Decisions by year and route (known at ")
    assert lines[1].split() == [
        "year",
        "route",
        "presented",
        "certified",
        "of",
        "which",
        "VAE",
        "blocks",
        "partial",
        "success",
    ]
    assert [line.split() for line in lines[2:]] == [
        ["2017", "formation_continue", "1", "0", "0", "1", "2", "0.00%"],
        ["2017", "formation_initiale", "1", "0", "0", "0", "0", "0.00%"],
        ["2017", "vae", "1", "1", "1", "4", "0", "100.00%"],
        ["2017", "all", "3", "1", "1", "5", "2", "33.33%"],
        ["2018", "candidature_individuelle", "1", "0", "0", "1", "1", "0.00%"],
        ["2018", "all", "1", "0", "0", "1", "1", "0.00%"],
    ]


def test_stats_write_nothing(small: Certledger) -> None:
    rows = small.rows()

    small.ok("report stats --format json")

    assert small.rows() == rows


# A demo ledger, counted independently: straight from the stored decision events.


def half_up(certified: int, presented: int) -> float:
    if presented == 0:
        return 0.0
    return math.floor(Fraction(certified, presented) * 10_000 + Fraction(1, 2)) / 10_000


def expected_rows(store: str, position: int | None) -> list[dict[str, Any]]:
    """The statistics computed from the decision events alone (rectifications applied,
    annulled decisions dropped), known up to log position `position`."""
    ledger = Ledger(store)
    try:
        decisions: dict[str, dict[str, Any]] = {}
        for n in ledger.recorder.select_notifications(None, 10**7):
            if position is not None and n.id > position:
                break
            if n.topic not in ("DecisionRecorded", "DecisionRectified", "DecisionAnnulled"):
                continue
            data = ledger.events.ledger_mapper.decode_state(n.topic, n.state)
            if n.topic == "DecisionRecorded":
                decisions[data["decision_id"]] = dict(data)
            elif n.topic == "DecisionRectified":
                decisions[data["decision_id"]].update(data["changes"])
            else:
                decisions[data["decision_id"]]["annulled"] = True
    finally:
        ledger.close()
    presented: dict[tuple[int, str], set[str]] = defaultdict(set)
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in decisions.values():
        if d.get("annulled"):
            continue
        year = d["effective_on"].year
        for key in ((year, d["route"]), (year, "all")):
            presented[key].add(d["candidate"])
            counts[key]["certified"] += d["title_awarded"]
            counts[key]["certified_vae"] += d["title_awarded"] and d["route"] == "vae"
            counts[key]["blocks_awarded"] += len(d["blocks_awarded"])
            counts[key]["partial_validations"] += bool(d["validated"]) and not d["title_awarded"]
    return [
        {
            "year": year,
            "route": route,
            "presented": len(presented[year, route]),
            "certified": counts[year, route]["certified"],
            "certified_vae": counts[year, route]["certified_vae"],
            "blocks_awarded": counts[year, route]["blocks_awarded"],
            "partial_validations": counts[year, route]["partial_validations"],
            "success_rate": half_up(counts[year, route]["certified"], len(presented[year, route])),
        }
        for year, route in sorted(presented, key=lambda k: (k[0], k[1] == "all", k[1]))
    ]


@pytest.fixture
def demo(bare: Certledger) -> tuple[Certledger, dict[str, Any]]:
    summary = bare.json("demo --candidates 300 --seed 4")
    assert summary["annulments"] >= 1 and summary["titles"] > 100
    return bare, summary


def test_over_a_demo_ledger_the_rows_equal_the_decision_events(
    demo: tuple[Certledger, dict[str, Any]],
) -> None:
    certledger, summary = demo

    rows = json.loads(certledger.ok("report stats --format json"))

    assert rows == expected_rows(str(certledger.store), None)
    totals = [r for r in rows if r["route"] == "all"]
    assert sum(r["certified"] for r in totals) == summary["titles"] - summary["annulments"]
    # The demo takes one decision per candidate.
    assert sum(r["presented"] for r in totals) == summary["decisions"] - summary["annulments"]


def test_over_a_demo_ledger_known_before_the_first_annulment_the_rows_equal_the_events(
    demo: tuple[Certledger, dict[str, Any]],
) -> None:
    certledger, _ = demo
    annulment = min(row[0] for row in certledger.events() if row[3] == "DecisionAnnulled")

    rows = json.loads(certledger.ok(f"report stats --known-at @{annulment - 1} --format json"))

    assert rows == expected_rows(str(certledger.store), annulment - 1)
    assert rows != expected_rows(str(certledger.store), None)


def test_over_a_demo_ledger_the_titles_per_year_agree_with_replay(
    demo: tuple[Certledger, dict[str, Any]],
) -> None:
    certledger, _ = demo
    statuses = json.loads(certledger.ok("replay --format json"))
    titles: dict[int, int] = defaultdict(int)
    vae_titles: dict[int, int] = defaultdict(int)
    for status in statuses:
        if status["title"]["awarded"]:
            year = int(status["title"]["awarded_on"][:4])
            titles[year] += 1
            vae_titles[year] += status["route"] == "vae"

    rows = json.loads(certledger.ok("report stats --format json"))

    totals = [r for r in rows if r["route"] == "all"]
    assert {r["year"]: r["certified"] for r in totals if r["certified"]} == dict(titles)
    assert {r["year"]: r["certified_vae"] for r in totals if r["certified"]} == {
        year: vae_titles[year] for year in titles
    }
