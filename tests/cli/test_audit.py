"""`audit`: JSON and a self-contained HTML page that shows what needs the registrar."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import orjson
import pytest

from ledger.application import Ledger
from projections.audit import FileSpool
from projections.audit_html import chart, nice_step
from projections.reads import audit_report
from tests.cli.conftest import FIVE_MEMBERS, IDENTITY, Certledger
from tests.cli.test_cpf_ack import REFUSED, report, sent

__all__ = ["sent"]  # the fixture: three title awards sent in one flow


def vae_with_derogation(certledger: Certledger) -> None:
    certledger.ok(
        "candidate enroll V9 --route vae --on 2019-01-07 --birth-name Moreau --first-name Ines "
        "--birth-date 1983-04-02 --sex F --birth-insee 13055"
    )
    certledger.ok("vae admit V9 --on 2019-01-20")
    certledger.ok("vae interview V9 --on 2019-05-28 --livret2-received 2019-04-30")
    certledger.ok(f"jury convene JV --on 2019-06-18 {FIVE_MEMBERS} --president 'Hugo Bleu'")
    certledger.ok(
        "jury decide JV V9 --validate C10,C11,C12 --award-block BC02 "
        "--derogation 'technicien ill on the day'"
    )


def test_the_json_audit_shows_the_derogation_and_the_late_recordings(
    certledger: Certledger,
) -> None:
    vae_with_derogation(certledger)
    document = json.loads(certledger.ok("audit --from 2019-01-01 --to 2019-12-31"))
    assert document["period"] == {"from": "2019-01-01", "to": "2019-12-31"}
    summary = document["summary"]
    assert (summary["decisions"], summary["jury_problems"], summary["derogations"]) == (1, 1, 1)
    decision = document["decisions"][0]
    assert decision["jury"]["missing"] == ["technicien"]
    assert decision["derogation"] == "technicien ill on the day"
    assert {f["type"] for f in document["late_recordings"]} >= {"DecisionRecorded", "JuryConvened"}
    assert set(document) >= {
        "awards_by_year",
        "awards_not_transmitted_within_3_months",
        "annulled_after_transmission",
    }


def test_the_html_audit_is_one_self_contained_file(certledger: Certledger, tmp_path: Path) -> None:
    vae_with_derogation(certledger)
    (tmp_path / "pages").mkdir()
    page = tmp_path / "pages" / "audit.html"
    out = certledger.ok(f"audit --format html -o {page}")
    assert out == f"Wrote {page}: 1 decision audited.\n"
    assert [p.name for p in page.parent.iterdir()] == ["audit.html"]  # no spool left behind
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "No title awarded in the period." in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "technicien ill on the day" in html and "late" in html


def test_a_period_that_ends_before_it_starts_is_a_usage_error(certledger: Certledger) -> None:
    assert "--to 2018-01-01 is before --from 2019-01-01" in certledger.misused(
        "audit --from 2019-01-01 --to 2018-01-01"
    )


def test_the_audit_lists_refused_passages_verbatim_and_those_waiting_past_the_delay(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    path = report(tmp_path, "ack.xml", flux=flux, file=file, ko=[(ids["B2"], REFUSED)])
    certledger.ok(f"report cpf-ack {path}")
    certledger.clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))  # 45 days after sending

    document = json.loads(certledger.ok("audit --cpf-wait 40"))

    assert document["cpf_wait_days"] == 40
    waiting = document["cpf_waiting_for_an_answer"]
    assert sorted((w["id_technique"], w["days"], w["file"]) for w in waiting) == sorted(
        [(ids["A1"], 45, file), (ids["C3"], 45, file)]
    )
    (refused,) = document["cpf_refused"]
    assert (refused["id_technique"], refused["state"], refused["flow"]) == (
        ids["B2"],
        "rejected",
        flux,
    )
    assert refused["message"] == REFUSED
    assert "`candidate rectify-identity`" in refused["to_do"]
    assert "`report cpf` sends it again" in refused["to_do"]
    summary = document["summary"]
    assert (summary["cpf_waiting_for_an_answer"], summary["cpf_refused"]) == (2, 1)
    assert json.loads(certledger.ok("audit --cpf-wait 45"))["cpf_waiting_for_an_answer"] == []

    page = tmp_path / "audit.html"
    certledger.ok(f"audit --format html --cpf-wait 40 -o {page}")
    html = page.read_text(encoding="utf-8")
    assert (
        '<section id="cpf-waiting"><h2>CPF passages awaiting an answer for more than 40 days'
        in (html)
    )
    assert f'<q lang="fr">{REFUSED}</q>' in html
    assert html.count(ids["A1"]) == 1 and html.count(ids["B2"]) == 1


def test_a_file_refused_whole_lists_each_of_its_passages_to_send_again(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    certledger.ok(
        f"report cpf-ack {report(tmp_path, 'ack.xml', flux=flux, file=file, errors=True)}"
    )

    document = json.loads(certledger.ok("audit"))

    refused = document["cpf_refused"]
    assert sorted(r["id_technique"] for r in refused) == sorted(ids.values())
    assert {r["state"] for r in refused} == {"to_resend"}
    assert {r["to_do"] for r in refused} == {
        "the whole file was refused: `report cpf` sends its passages again"
    }
    assert document["cpf_waiting_for_an_answer"] == []


def test_a_negative_or_missing_delay_is_a_usage_error(certledger: Certledger) -> None:
    assert "--cpf-wait" in certledger.misused("audit --cpf-wait -1")
    assert "--cpf-wait" in certledger.misused("audit --cpf-wait soon")


def test_the_spooled_audit_streams_the_document_the_in_memory_one_makes(
    certledger: Certledger,
) -> None:
    vae_with_derogation(certledger)
    certledger.ok("candidate enroll A7 --route vae --on 2019-01-07 " + IDENTITY)
    certledger.ok("vae admit A7 --on 2019-01-21")
    ledger = Ledger(str(certledger.store), clock=certledger.clock)
    try:
        in_memory = audit_report(ledger, None, None).as_json()
        spool = FileSpool()
        try:
            out = StringIO()
            audit_report(ledger, None, None, spool=spool).write_json(out)
        finally:
            spool.close()
    finally:
        ledger.close()

    assert out.getvalue() == orjson.dumps(in_memory, option=orjson.OPT_INDENT_2).decode() + "\n"
    late = [(f["effective_on"], f["recorded_at"]) for f in in_memory["late_recordings"]]
    assert len(late) > 3 and late == sorted(late)
    assert {t["type"]: t["count"] for t in in_memory["late_recordings_by_type"]} == dict(
        Counter(f["type"] for f in in_memory["late_recordings"])
    )


def test_the_page_has_contents_with_counts_folds_long_tables_and_says_what_it_leaves_out(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vae_with_derogation(certledger)
    monkeypatch.setattr("projections.audit_html.OPEN_ROWS", 2)
    monkeypatch.setattr("projections.audit_html.MAX_ROWS", 3)
    page = tmp_path / "audit.html"

    certledger.ok(f"audit --format html -o {page}")

    html = page.read_text(encoding="utf-8")
    document = json.loads(certledger.ok("audit"))
    late = len(document["late_recordings"])
    assert late > 3
    contents = html[html.index('<nav class="toc" id="contents">') : html.index("</nav>")]
    anchors = re.findall(r'<a href="#([\w-]+)">', contents)
    assert anchors[:2] == ["summary", "chart"] and "late" in anchors and "cpf-refused" in anchors
    for anchor in anchors:
        assert f'<section id="{anchor}">' in html
    assert (
        '<a href="#late">Facts recorded more than 30 days after their date</a> '
        f'<span class="n warn">({late})</span>'
    ) in contents
    late_section = html[html.index('<section id="late">') :]
    late_section = late_section[: late_section.index("</section>")]
    assert f"<details><summary>Show the first 3 of {late} rows</summary>" in late_section
    assert late_section.count("<tr><td") == 3
    assert f"The first 3 of {late} rows, oldest first" in late_section
    assert re.search(r'<td class="nw"><code>[^<]+</code></td>', late_section)
    assert "@media print" in html and "thead{display:table-header-group}" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html) and "<script" not in html


@pytest.mark.parametrize(
    ("top", "step"), [(1, 1), (5, 1), (7, 2), (10, 2), (23, 5), (137, 50), (2_400, 500)]
)
def test_the_chart_axis_ticks_are_round(top: int, step: int) -> None:
    assert nice_step(top) == step


def test_the_chart_labels_each_bar_and_ticks_round_numbers() -> None:
    awards = [
        {"year": 2017, "route": "vae", "titles": 3},
        {"year": 2017, "route": "apprentissage", "titles": 20},
        {"year": 2019, "route": "vae", "titles": 9},
    ]
    svg = chart(awards)
    ticks = re.findall(r'text-anchor="end" fill="#5b6475">([\d,]+)</text>', svg)
    assert ticks == ["0", "5", "10", "15", "20", "25"]
    assert re.findall(r'font-weight="600" text-anchor="middle" fill="#1d2433">(\d+)<', svg) == [
        "23",
        "9",
    ]
    assert ">2018</text>" in svg  # a year without titles keeps its place


def test_the_audit_reports_its_progress_once_per_candidate(certledger: Certledger) -> None:
    vae_with_derogation(certledger)
    certledger.ok("candidate enroll A7 --route vae --on 2019-01-07 " + IDENTITY)
    seen: list[int] = []
    ledger = Ledger(str(certledger.store), clock=certledger.clock)
    try:
        audit_report(ledger, None, None, progress=seen.append)
    finally:
        ledger.close()

    assert seen == [1, 1]
