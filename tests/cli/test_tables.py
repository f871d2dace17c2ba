"""Tables never cut data, at any width; one CSV dialect for every CSV the product writes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli.conftest import NINE, Certledger

WIDTHS = (60, 80, 200)


@pytest.fixture
def ledger(bc01_holder: Certledger) -> Certledger:
    """bc01_holder (V1) plus a candidate on the longest route name, with a revoked
    certificate, and a VAE candidate admitted and heard: every table has rows to show."""
    c = bc01_holder
    c.enroll("CANDIDATE-WITH-A-LONG-ID-000039", "candidature_individuelle", "2016-10-03")
    c.pass_bc01("CANDIDATE-WITH-A-LONG-ID-000039", on="2017-06-01")
    c.ok(f"jury decide J1 CANDIDATE-WITH-A-LONG-ID-000039 --validate {NINE} --award-block BC01")
    c.ok("certificate issue CANDIDATE-WITH-A-LONG-ID-000039/J1 --kind block:BC01 --on 2017-06-27")
    c.ok(
        "certificate revoke RNCP13080-2017-00002 --on 2018-02-01 --reason 'a forged livret, "
        "found by the regional inspection'"
    )
    return c


def rendered(c: Certledger, monkeypatch: pytest.MonkeyPatch, width: int, line: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    return c.ok(line)


def whole(value: object, text: str) -> bool:
    """Whether `value` appears in `text` whole: not preceded or followed by more of a word."""
    pattern = r"(?<![\w/#.-])" + re.escape(str(value)) + r"(?![\w/#-])"
    return re.search(pattern, text) is not None


def missing(values: Iterable[object], text: str) -> list[object]:
    return [v for v in values if v not in (None, "") and not whole(v, text)]


def status_values(document: dict[str, Any], states: bool = True) -> list[object]:
    values: list[object] = [document["candidate"], document["state"], document["route"]]
    values += [document["referential"], document["title"]["code"]]
    for b in document["blocks"]:
        values += [b["code"], b["awarded_on"], b["valid_until"], b["certificate"]]
    for c in document["competencies"]:
        values += [c["code"], c["validated_on"], c["valid_until"], c["decision"]]
    for c in document["certificates"]:
        values += [c["number"], c["kind"], c["subject"], c["issued_on"]]
        values += [c["state"]] if states else []
    return values


@pytest.mark.parametrize("width", WIDTHS)
def test_status_and_explain_show_every_value_whole(
    ledger: Certledger, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    for candidate in ("V1", "CANDIDATE-WITH-A-LONG-ID-000039"):
        document = ledger.json(f"status {candidate} --as-of 2018-03-01")
        for command in ("status", "explain"):
            text = rendered(ledger, monkeypatch, width, f"{command} {candidate} --as-of 2018-03-01")
            # explain says a certificate's state in a sentence ("void: …"), status in a column.
            values = status_values(document, states=command == "status")
            assert missing(values, text) == [], (command, width, text)
            assert "…" not in text


@pytest.mark.parametrize("width", WIDTHS)
def test_replay_and_candidate_list_show_every_value_whole(
    ledger: Certledger, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    rows = ledger.json("candidate list --as-of 2018-03-01")
    text = rendered(ledger, monkeypatch, width, "candidate list --as-of 2018-03-01")
    values = [v for r in rows for v in (r["candidate"], r["state"], r["route"], *r["blocks"])]
    assert len(rows) == 2 and missing(values, text) == [], text

    replayed = json.loads(ledger.ok("replay --as-of 2018-03-01 --format json"))
    text = rendered(ledger, monkeypatch, width, "replay --as-of 2018-03-01")
    values = [v for r in replayed for v in (r["candidate"], r["state"], r["route"])]
    values += [b["code"] for r in replayed for b in r["blocks"] if b["counts"]]
    assert len(replayed) == 2 and missing(values, text) == [], text


@pytest.mark.parametrize("width", WIDTHS)
def test_history_shows_every_identifier_and_code_whole(
    ledger: Certledger, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    events = ledger.history("CANDIDATE-WITH-A-LONG-ID-000039")
    text = rendered(ledger, monkeypatch, width, "history CANDIDATE-WITH-A-LONG-ID-000039")
    values: list[object] = []
    for e in events:
        values += [e["id"], e["effective_on"], e["recorded_by"]]
        for key in ("epreuve", "decision_id", "number", "subject", "session_id", "route"):
            values.append(e["data"].get(key))
        values += [*e["data"].get("passed", ()), *e["data"].get("blocks_awarded", ())]
    assert len(events) >= 6 and missing(values, text) == [], text


@pytest.mark.parametrize("width", WIDTHS)
def test_referential_show_shows_every_code_whole(
    ledger: Certledger, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    document = ledger.json("referential show --as-of 2018-03-01")
    text = rendered(ledger, monkeypatch, width, "referential show --as-of 2018-03-01")
    values: list[object] = [document["version"], document["sha256"]]
    for block in document["blocks"]:
        values += [block["code"], *block["competencies"]]
        values += [e["code"] for e in block["epreuves"]]
    values += [r["code"] for r in document["routes"]]
    values += [r["cpf_modalite"] for r in document["routes"]]
    assert missing(values, text) == [], text
    assert not re.search(r"\b(True|False|None)\b", text)


@pytest.mark.parametrize("width", WIDTHS)
def test_report_stats_and_jury_propose_show_every_value_whole(
    ledger: Certledger, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    rows = json.loads(ledger.ok("report stats --format json"))
    text = rendered(ledger, monkeypatch, width, "report stats")
    values = [v for r in rows for v in (r["year"], r["route"], r["presented"], r["blocks_awarded"])]
    assert rows and missing(values, text) == [], text

    ledger.enroll("V3", "candidature_individuelle", "2016-10-03")
    ledger.convene("J2", on="2018-06-20")
    text = rendered(ledger, monkeypatch, width, "jury propose J2 V3")
    codes = ["RNCP13080BC01", "RNCP13080BC02", "RNCP13080BC03", "RNCP13080BC04"]
    shown = [code for code in codes if whole(code, text) or whole(code[-4:], text)]
    assert shown == codes, text


def test_a_table_that_fits_is_a_table_and_one_that_does_not_is_records(
    ledger: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = rendered(ledger, monkeypatch, 200, "candidate list --as-of 2018-03-01")
    narrow = rendered(ledger, monkeypatch, 60, "candidate list --as-of 2018-03-01")

    assert wide.splitlines()[1].split() == [
        "candidate",
        "state",
        "route",
        "competencies",
        "blocks",
        "counting",
        "title",
    ]
    assert all(len(line) <= 200 for line in wide.splitlines())
    assert narrow.splitlines()[1:8] == [
        "candidate:       CANDIDATE-WITH-A-LONG-ID-000039",
        "state:           in_progress",
        "route:           candidature_individuelle",
        "competencies:    9",
        "blocks counting: RNCP13080BC01",
        "title:           no",
        "",
    ]


# One CSV dialect.


def csv_of(c: Certledger, line: str) -> bytes:
    result = c(line)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return result.stdout_bytes


@pytest.mark.parametrize(
    "line",
    ["replay --as-of 2018-03-01 --format csv", "report stats --format csv"],
)
def test_every_csv_is_excel_fr_by_default_and_rfc4180_on_request(
    ledger: Certledger, line: str
) -> None:
    default = csv_of(ledger, line)
    excel = csv_of(ledger, line + " --csv-dialect excel-fr")
    rfc = csv_of(ledger, line + " --csv-dialect rfc4180")

    assert default == excel
    assert excel.startswith(b"\xef\xbb\xbf") and not rfc.startswith(b"\xef\xbb\xbf")
    assert excel.endswith(b"\r\n") and rfc.endswith(b"\r\n")
    french = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"), newline=""), delimiter=";"))
    plain = list(csv.reader(io.StringIO(rfc.decode("utf-8"), newline=""), delimiter=","))
    assert len(french) == len(plain) >= 2
    assert french[0] == plain[0] and len(french[0]) > 3
    assert [[re.sub(r"(\d),(\d)", r"\1.\2", cell) for cell in row] for row in french] == plain


def test_report_stats_writes_rates_with_the_dialects_decimal_mark(ledger: Certledger) -> None:
    excel = csv_of(ledger, "report stats --format csv").decode("utf-8-sig")
    rfc = csv_of(ledger, "report stats --format csv --csv-dialect rfc4180").decode("utf-8")
    rate = next(csv.DictReader(io.StringIO(rfc, newline="")))["success_rate"]
    french = next(csv.DictReader(io.StringIO(excel, newline=""), delimiter=";"))

    assert re.fullmatch(r"\d\.\d+", rate)
    assert french["success_rate"] == rate.replace(".", ",")


def test_an_unknown_csv_dialect_is_bad_usage(ledger: Certledger) -> None:
    error = ledger.misused("replay --format csv --csv-dialect tsv")
    assert "--csv-dialect" in error and "excel-fr" in error and "rfc4180" in error


# One wording for dates, instants and validity.


def test_instants_are_shown_in_paris_time_to_the_second_summer_and_winter() -> None:
    from cli.output import show_instant

    summer = datetime(2019, 6, 20, 12, 3, 7, 654321, tzinfo=UTC)
    winter = datetime(2019, 12, 20, 12, 3, 7, 654321, tzinfo=UTC)

    assert show_instant(summer) == "2019-06-20 14:03:07 (Paris)"
    assert show_instant(winter.isoformat()) == "2019-12-20 13:03:07 (Paris)"


def test_a_validity_names_its_last_day_and_its_excluded_end() -> None:
    from cli.output import show_validity

    assert show_validity(date(2022, 6, 20)) == (
        "valid through 2022-06-19 (until 2022-06-20 excluded)"
    )
    assert show_validity(None) == "permanent"


# The grid printed without rich.

TEXTS = st.text(
    alphabet=st.one_of(
        st.characters(categories=("L", "M", "N", "P", "S")),  # wide, combining, emoji...
        st.sampled_from(" abcdefghij0123456789-_/()é"),
    ),
    max_size=12,
)
"""Printable texts as cells hold them: some wide (CJK, emoji), some with combining marks."""


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(TEXTS.filter(bool), min_size=1, max_size=4),
    data=st.data(),
    width=st.integers(min_value=20, max_value=200),
)
def test_a_table_printed_without_rich_is_the_grid_rich_prints(
    columns: list[str], data: st.DataObject, width: int
) -> None:
    """Where nothing folds, `table` prints the grid itself (rich is a slow import): byte for
    byte what rich prints, wide characters and combining marks included."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cli.output import _line, _plain, _widths

    rows = data.draw(st.lists(st.lists(TEXTS, min_size=len(columns), max_size=len(columns))))
    widths = _widths(columns, rows, (), width)
    if widths is None or not _plain(columns, rows, widths):
        return
    out = io.StringIO()
    grid = Table(show_lines=False, box=None, pad_edge=False, header_style="")
    for column, size in zip(columns, widths, strict=True):
        grid.add_column(Text(column), width=size, no_wrap=True, overflow="fold")
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))
    Console(file=out, soft_wrap=False, width=width, highlight=False).print(grid)

    assert out.getvalue() == "".join(_line(row, widths) + "\n" for row in [columns, *rows])


@pytest.mark.parametrize("text", ["a\tb", "two\nlines", "bell\a", "nbsp\xa0", "sep\u2028"])
def test_a_text_not_printable_on_one_line_goes_to_rich(text: str) -> None:
    from cli.output import _plain

    assert _plain(["column"], [[text]], [40]) is False
    assert _plain(["column"], [["plain text"]], [40]) is True
    assert _plain(["column"], [["plain text"]], [5]) is False  # it would fold
