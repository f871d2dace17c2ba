"""`audit`: JSON and a self-contained HTML page that shows what needs the registrar."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import FIVE_MEMBERS, Certledger


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
    page = tmp_path / "audit.html"
    out = certledger.ok(f"audit --format html -o {page}")
    assert out == f"Wrote {page}: 1 decision audited.\n"
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "No title awarded in the period." in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "technicien ill on the day" in html and "late" in html


def test_a_period_that_ends_before_it_starts_is_a_usage_error(certledger: Certledger) -> None:
    assert "--to 2018-01-01 is before --from 2019-01-01" in certledger.misused(
        "audit --from 2019-01-01 --to 2018-01-01"
    )
