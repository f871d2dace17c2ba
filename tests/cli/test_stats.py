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
from tests.builders import FIVE, SIX
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
    "revoked",
    "by_derogation",
    "insertion_6m",
    "insertion_target_6m",
    "insertion_24m",
    "insertion_target_24m",
    "surveyed_6m",
    "answered_6m",
    "surveyed_24m",
    "answered_24m",
    "fiche",
    "cpf_not_sent",
    "cpf_awaiting",
    "cpf_accepted",
    "cpf_rejected",
    "cpf_to_resend",
]
REVISION_2 = {
    "revoked": 0,
    "by_derogation": 0,
    "insertion_6m": None,
    "insertion_target_6m": None,
    "insertion_24m": None,
    "insertion_target_24m": None,
    "surveyed_6m": 0,
    "answered_6m": 0,
    "surveyed_24m": 0,
    "answered_24m": 0,
}
"""The keys revision 2 adds to every row (CLI.md), as a row without them has them."""
NONE_OF_REVISION_2 = ";0;0;;;;;0;0;0;0"
"""Those keys in a CSV line: counts 0, no rate."""


def fiche_and_cpf(row: dict[str, Any]) -> dict[str, Any]:
    """A row with the fiche and where its titles stand with the Caisse des Dépôts: none of
    these ledgers sent anything, every title certified is still to send."""
    cpf = {"cpf_awaiting": 0, "cpf_accepted": 0, "cpf_rejected": 0, "cpf_to_resend": 0}
    return {**row, "fiche": "RNCP13080", "cpf_not_sent": row["certified"], **cpf}


def csv_tail(certified: int) -> str:
    """The fiche and CPF cells ending a CSV line."""
    return f";RNCP13080;{certified};0;0;0;0"


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
        **REVISION_2,
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
        **REVISION_2,
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
        **REVISION_2,
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
        **REVISION_2,
    },
]
ROWS_2017 = [fiche_and_cpf(r) for r in ROWS_2017]
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
        **REVISION_2,
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
        **REVISION_2,
    },
]


ROWS_2018 = [fiche_and_cpf(r) for r in ROWS_2018]


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

    assert rows[0] == {
        **ROWS_2017[0],
        "presented": 2,
        "certified": 1,
        "success_rate": 0.5,
        "cpf_not_sent": 1,
    }
    assert rows[3] == {
        **ROWS_2017[3],
        "presented": 4,
        "certified": 2,
        "success_rate": 0.5,
        "cpf_not_sent": 2,
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
        "2017;formation_continue;1;0;0;1;2;0,0" + NONE_OF_REVISION_2 + csv_tail(0),
        "2017;formation_initiale;1;0;0;0;0;0,0" + NONE_OF_REVISION_2 + csv_tail(0),
        "2017;vae;1;1;1;4;0;1,0" + NONE_OF_REVISION_2 + csv_tail(1),
        "2017;all;3;1;1;5;2;0,3333" + NONE_OF_REVISION_2 + csv_tail(1),
        "2018;candidature_individuelle;1;0;0;1;1;0,0" + NONE_OF_REVISION_2 + csv_tail(0),
        "2018;all;1;0;0;1;1;0,0" + NONE_OF_REVISION_2 + csv_tail(0),
    ]
    assert result.stdout_bytes.count(b"\r\n") == 7


def test_csv_has_the_json_columns_and_values(small: Certledger) -> None:
    text = small("report stats --format csv").stdout_bytes.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))

    assert list(rows[0]) == COLUMNS
    assert rows == [{k: csv_cell(k, v) for k, v in row.items()} for row in [*ROWS_2017, *ROWS_2018]]


def csv_cell(column: str, value: Any) -> str:
    """A value as the CSV writes it: rates with a decimal comma, no rate an empty cell."""
    if value is None:
        return ""
    rate = column.startswith(("success", "insertion"))
    return str(value).replace(".", ",") if rate else str(value)


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
        "VAE",
        "blocks",
        "partial",
        "success",
        "revoked",
        "derog.",
    ]
    assert [line.split() for line in lines[2:]] == [
        ["2017", "formation_continue", "1", "0", "0", "1", "2", "0.00%", "0", "0"],
        ["2017", "formation_initiale", "1", "0", "0", "0", "0", "0.00%", "0", "0"],
        ["2017", "vae", "1", "1", "1", "4", "0", "100.00%", "0", "0"],
        ["2017", "all", "3", "1", "1", "5", "2", "33.33%", "0", "0"],
        ["2018", "candidature_individuelle", "1", "0", "0", "1", "1", "0.00%", "0", "0"],
        ["2018", "all", "1", "0", "0", "1", "1", "0.00%", "0", "0"],
    ]


def test_stats_write_nothing(small: Certledger) -> None:
    rows = small.rows()

    small.ok("report stats --format json")

    assert small.rows() == rows


# Revision 2: revocations, derogations and insertion rates.


@pytest.fixture
def surveyed(small: Certledger) -> Certledger:
    """`small`, and: V2's surveys (6 months: in the target job; 24 months: in another job);
    V6 (formation continue) awarded the title on 2017-06-22 by a jury of four under a
    derogation, its certificate revoked on 2018-02-01; V7 awarded the title on 2017-06-20,
    surveyed at 6 months without an answer."""
    small.ok("survey record V2 --survey 6m --on 2017-12-21 --outcome target_job --rome L1302")
    small.ok("survey record V2 --survey 24m --on 2019-06-21 --outcome other_job")
    small.enroll("V6")
    small.pass_everything("V6", on="2017-06-01")
    small.convene("J5", on="2017-06-22", people=FIVE[:4], president="Ana Roy")
    small.ok(f"jury decide J5 V6 --validate {ALL} --award-title --derogation 'directeur ill'")
    number = small.json("certificate issue V6/J5 --kind title --on 2017-06-30")["number"]
    small.ok(f"certificate revoke {number} --on 2018-02-01 --reason 'forged diploma'")
    small.enroll("V7")
    small.pass_everything("V7", on="2017-06-01")
    small.ok(f"jury decide J1 V7 --validate {ALL} --award-title")
    small.ok("survey record V7 --survey 6m --on 2017-12-20 --outcome no_answer")
    return small


def test_rows_count_revocations_derogations_and_insertion_apart(surveyed: Certledger) -> None:
    rows = json.loads(surveyed.ok("report stats --year 2017 --format json"))

    total = rows[-1]
    assert total == {
        **ROWS_2017[-1],
        "presented": 5,
        "certified": 2,
        "success_rate": 0.4,
        "revoked": 1,
        "by_derogation": 1,
        "surveyed_6m": 2,
        "answered_6m": 1,
        "insertion_6m": 1.0,
        "insertion_target_6m": 1.0,
        "surveyed_24m": 1,
        "answered_24m": 1,
        "insertion_24m": 1.0,
        "insertion_target_24m": 0.0,
        "cpf_not_sent": 2,
    }
    vae = next(r for r in rows if r["route"] == "vae")
    assert (vae["surveyed_6m"], vae["insertion_target_24m"]) == (1, 0.0)


def test_the_csv_carries_the_rates_with_a_decimal_comma_and_no_rate_empty(
    surveyed: Certledger,
) -> None:
    text = surveyed("report stats --year 2017 --format csv").stdout_bytes.decode("utf-8-sig")
    rows = {r["route"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}

    assert {k: rows["all"][k] for k in COLUMNS[8:18]} == {
        "revoked": "1",
        "by_derogation": "1",
        "insertion_6m": "1,0",
        "insertion_target_6m": "1,0",
        "insertion_24m": "1,0",
        "insertion_target_24m": "0,0",
        "surveyed_6m": "2",
        "answered_6m": "1",
        "surveyed_24m": "1",
        "answered_24m": "1",
    }
    assert rows["formation_initiale"]["insertion_6m"] == ""


def test_the_table_shows_revocations_derogations_and_the_insertion_tables(
    surveyed: Certledger,
) -> None:
    text = surveyed.ok("report stats --year 2017").splitlines()
    lines = [line.split() for line in text]

    assert ["2017", "all", "5", "2", "1", "5", "2", "40.00%", "1", "1"] in lines
    six = text.index("Insertion 6 months after the title (of the holders who answered)")
    assert lines[six + 1 : six + 5] == [
        ["year", "route", "surveyed", "answered", "employed", "in", "the", "target", "job"],
        ["2017", "formation_continue", "1", "0", "-", "-"],
        ["2017", "vae", "1", "1", "100.00%", "100.00%"],
        ["2017", "all", "2", "1", "100.00%", "100.00%"],
    ]
    assert "Insertion 24 months after the title (of the holders who answered)" in text


def test_the_audit_page_shows_the_statistics_of_its_years(surveyed: Certledger) -> None:
    page = surveyed.ok("audit --from 2017-01-01 --to 2017-12-31 --format html")

    assert "Statistics of the period's years" in page
    assert "100% (100%); 1 answered of 2 surveyed" in page
    assert "100% (0%); 1 answered of 1 surveyed" in page


# A demo ledger, counted independently: straight from the stored decision events.


def rate(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return math.floor(Fraction(part, whole) * 10_000 + Fraction(1, 2)) / 10_000


def expected_rows(store: str, position: int | None) -> list[dict[str, Any]]:
    """The statistics computed from the events alone (rectifications applied, annulled
    decisions dropped, title certificates revoked and reinstated, the last survey of each
    kind), known up to log position `position`."""
    ledger = Ledger(store)
    decisions: dict[str, dict[str, Any]] = {}
    titles: dict[str, dict[str, bool]] = defaultdict(dict)
    """Per decision, each title certificate's number and whether it stands revoked."""
    owner: dict[str, str] = {}
    surveys: dict[tuple[str, str], str] = {}
    try:
        for n in ledger.recorder.select_notifications(None, 10**7):
            if position is not None and n.id > position:
                break
            if n.topic not in (
                "DecisionRecorded",
                "DecisionRectified",
                "DecisionAnnulled",
                "CertificateIssued",
                "CertificateReissued",
                "CertificateRevoked",
                "CertificateReinstated",
                "InsertionSurveyed",
            ):
                continue
            data = ledger.events.ledger_mapper.decode_state(n.topic, n.state)
            if n.topic == "DecisionRecorded":
                decisions[data["decision_id"]] = {**data, "stream": str(n.originator_id)}
            elif n.topic == "DecisionRectified":
                decisions[data["decision_id"]].update(data["changes"])
            elif n.topic == "DecisionAnnulled":
                decisions[data["decision_id"]]["annulled"] = True
            elif n.topic == "CertificateIssued" and data["kind"] == "title":
                titles[data["decision_id"]][data["number"]] = False
                owner[data["number"]] = data["decision_id"]
            elif n.topic == "CertificateReissued" and data["duplicate_of"] in owner:
                owner[data["number"]] = owner[data["duplicate_of"]]
                titles[owner[data["number"]]][data["number"]] = False
            elif n.topic in ("CertificateRevoked", "CertificateReinstated"):
                if data["number"] in owner:
                    revoked = n.topic == "CertificateRevoked"
                    titles[owner[data["number"]]][data["number"]] = revoked
            elif n.topic == "InsertionSurveyed":
                surveys[(str(n.originator_id), data["survey"])] = data["outcome"]
    finally:
        ledger.close()
    presented: dict[tuple[int, str], set[str]] = defaultdict(set)
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for decision_id, d in decisions.items():
        if d.get("annulled"):
            continue
        year = d["effective_on"].year
        certificates = titles.get(decision_id, {})
        revoked = d["title_awarded"] and bool(certificates) and all(certificates.values())
        certified = d["title_awarded"] and not revoked
        awarded = d["title_awarded"] or d["blocks_awarded"] or d["validated"]
        for key in ((year, d["route"]), (year, "all")):
            c = counts[key]
            presented[key].add(d["candidate"])
            c["certified"] += certified
            c["certified_vae"] += certified and d["route"] == "vae"
            c["revoked"] += revoked
            c["by_derogation"] += bool(d["derogation"] and awarded)
            c["blocks_awarded"] += len(d["blocks_awarded"])
            c["partial_validations"] += bool(d["validated"]) and not d["title_awarded"]
            for kind in ("6m", "24m"):
                outcome = surveys.get((d["stream"], kind)) if certified else None
                c[f"surveyed_{kind}"] += outcome is not None
                c[f"answered_{kind}"] += outcome not in (None, "no_answer")
                c[f"employed_{kind}"] += outcome in ("target_job", "other_job")
                c[f"target_{kind}"] += outcome == "target_job"
    rows = []
    for year, route in sorted(presented, key=lambda k: (k[0], k[1] == "all", k[1])):
        c = counts[year, route]
        rows.append(
            {
                "year": year,
                "route": route,
                "presented": len(presented[year, route]),
                "certified": c["certified"],
                "certified_vae": c["certified_vae"],
                "blocks_awarded": c["blocks_awarded"],
                "partial_validations": c["partial_validations"],
                "success_rate": rate(c["certified"], len(presented[year, route])) or 0.0,
                "revoked": c["revoked"],
                "by_derogation": c["by_derogation"],
                "insertion_6m": rate(c["employed_6m"], c["answered_6m"]),
                "insertion_target_6m": rate(c["target_6m"], c["answered_6m"]),
                "insertion_24m": rate(c["employed_24m"], c["answered_24m"]),
                "insertion_target_24m": rate(c["target_24m"], c["answered_24m"]),
                "surveyed_6m": c["surveyed_6m"],
                "answered_6m": c["answered_6m"],
                "surveyed_24m": c["surveyed_24m"],
                "answered_24m": c["answered_24m"],
            }
        )
    return [fiche_and_cpf(r) for r in rows]


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
