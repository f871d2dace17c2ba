"""CPF passages and the audit, from a real ledger with a fixed clock."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.cpf import Passage, holder_problems, passages
from ledger.dossier import Dossier
from ledger.referential import default_referential_text
from ledger.standing import id_technique
from projections.audit import add_months, audit
from projections.audit_html import render
from tests.builders import FIVE, SIX, convene, enroll, pass_everything

EVERYTHING = [f"C{n:02d}" for n in range(1, 43)]


def passage(**identity: object) -> Passage:
    base = {
        "birth_name": "Durand",
        "first_names": ["Alice"],
        "birth_date": "1990-01-02",
        "sex": "F",
        "birth_insee": "75112",
        "birth_postcode": None,
    }
    return Passage(
        "V1/J1",
        "V1",
        date(2018, 6, 20),
        "VAE",
        "VAE_CLASSIQUE",
        date(2017, 1, 9),
        {**base, **identity},
    )


def test_a_complete_holder_has_no_problem() -> None:
    assert holder_problems(passage()) == []


@pytest.mark.parametrize(
    ("identity", "problem"),
    [
        ({"birth_name": None}, "candidate V1: nomNaissance missing"),
        ({"first_names": []}, "candidate V1: prenom1 missing"),
        ({"birth_insee": None}, "candidate V1: codeInsee and codePostal both missing"),
        (
            {"birth_name": "x" * 61},
            "candidate V1: nomNaissance has 61 characters, the XSD allows 60 ('" + "x" * 61 + "')",
        ),
        ({"erased": True}, "candidate V1: personal data erased"),
    ],
)
def test_missing_or_over_long_holder_data_is_named(
    identity: dict[str, object], problem: str
) -> None:
    assert problem in holder_problems(passage(**identity))


def test_the_id_technique_is_stable_per_award_and_the_digest_follows_the_content() -> None:
    assert passage().id_technique == id_technique("V1/J1")
    assert re.fullmatch(r"[0-9a-f-]{36}", passage().id_technique)
    assert passage().digest == passage().digest
    assert passage(birth_name="Durant").digest != passage().digest


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2018, 6, 20), 3, date(2018, 9, 20)),
        (date(2018, 11, 30), 3, date(2019, 2, 28)),
        (date(2019, 11, 30), 3, date(2020, 2, 29)),
        (date(2018, 10, 31), 3, date(2019, 1, 31)),
    ],
)
def test_three_months_later_keeps_the_day_or_ends_the_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


@pytest.fixture
def ledger_2018(ledger: Ledger, clock: FixedClock) -> Ledger:
    """Recorded as it happened in 2018 (the clock follows the business dates)."""
    clock.set(clock.current.replace(year=2017, month=9, day=12))
    enroll(ledger, "A1", on=date(2017, 9, 11))
    enroll(ledger, "B2", route="vae", on=date(2017, 9, 11))
    clock.set(clock.current.replace(year=2018, month=6, day=2))
    pass_everything(ledger, "A1", on=date(2018, 6, 1))
    ledger.admit_vae("B2", on=date(2017, 10, 2), by="tester")
    ledger.hold_vae_interview(
        "B2", on=date(2018, 5, 30), livret2_received_on=date(2018, 4, 27), by="tester"
    )
    convene(ledger, "J1", on=date(2018, 6, 20), members=FIVE)
    clock.set(clock.current.replace(month=6, day=21))
    ledger.record_decision("J1", "A1", validated=EVERYTHING, title=True, by="tester")
    ledger.record_decision("J1", "B2", validated=["C10"], derogation="technicien ill", by="tester")
    return ledger


def run_audit(ledger: Ledger, today: date) -> dict[str, object]:
    report = audit(
        ledger.scan_candidates(personal=True),
        ledger.conveners(),
        ledger.transmission_facts(),
        ledger.versions(),
        start=date(2018, 1, 1),
        end=date(2018, 12, 31),
        today=today,
    )
    return report.as_json()


def test_the_audit_lists_a_derogation_with_its_jury_check(ledger_2018: Ledger) -> None:
    document = run_audit(ledger_2018, date(2018, 7, 1))
    decisions = {d["decision"]: d for d in document["decisions"]}  # type: ignore[union-attr]
    b2 = decisions["B2/J1"]
    assert b2["jury"]["missing"] == ["technicien"] and not b2["jury"]["ok"]
    assert b2["derogation"] == "technicien ill"
    assert b2["evidence"] == {"C10": "candidate/B2#4"}
    a1 = decisions["A1/J1"]
    assert a1["jury"]["ok"] and a1["unbacked"] == []
    assert document["summary"]["derogations"] == 1  # type: ignore[index]
    assert document["late_recordings"] == []


def under_the_transmission_duty_from(ledger: Ledger, day: date) -> None:
    """Publish the bundled rules, with the CPF transmission duty from `day`, in force from
    2018-01-01."""
    text = default_referential_text().replace('version = "2006.1"', 'version = "2018.cpf"')
    text = text.replace("cpf_flow_from = 2021-07-01", f"cpf_flow_from = {day.isoformat()}")
    ledger.publish_referential(text, date(2018, 1, 1), by="tester")


def test_the_audit_lists_late_recordings_and_untransmitted_awards(
    ledger_2018: Ledger, clock: FixedClock
) -> None:
    clock.set(clock.current.replace(year=2018, month=11, day=2))
    under_the_transmission_duty_from(ledger_2018, date(2018, 1, 1))
    convene(ledger_2018, "J2", on=date(2018, 9, 20), members=SIX)
    document = run_audit(ledger_2018, date(2018, 11, 2))
    late = document["late_recordings"]
    assert [(f["event"], f["days_late"]) for f in late] == [("jury/J2#1", 43)]  # type: ignore[union-attr]
    assert document["awards_not_transmitted_within_3_months"] == [
        {
            "decision": "A1/J1",
            "awarded_on": "2018-06-20",
            "due": "2018-09-20",
            "transmitted_on": None,
        }
    ]


def test_an_award_made_before_the_transmission_duty_is_never_late(
    ledger_2018: Ledger, clock: FixedClock
) -> None:
    clock.set(clock.current.replace(year=2018, month=11, day=2))
    assert run_audit(ledger_2018, date(2018, 11, 2))["awards_not_transmitted_within_3_months"] == []

    under_the_transmission_duty_from(ledger_2018, date(2018, 7, 1))
    assert run_audit(ledger_2018, date(2018, 11, 2))["awards_not_transmitted_within_3_months"] == []


def send_a1(ledger: Ledger) -> None:
    """A1's passage recorded as sent in flow F1 (flux.xml), as `report cpf` records it."""
    dossier = Dossier.known(ledger.candidate_facts("A1"), None)
    assert dossier is not None
    sent = [p.record() for p in passages(dossier, ledger.versions())]
    ledger.record_transmissions(
        [{"flux_id": "F1", "file": "flux.xml", "sha256": "0" * 64, "passages": sent}],
        kind="cpf-accrochage",
        position=1,
        by="tester",
    )


def test_the_audit_lists_an_annulment_made_after_the_award_was_transmitted(
    ledger_2018: Ledger, clock: FixedClock
) -> None:
    clock.set(clock.current + timedelta(days=10))
    send_a1(ledger_2018)
    clock.set(clock.current + timedelta(days=32))
    ledger_2018.annul_decision("A1/J1", on=date(2018, 8, 1), reason="appeal", by="tester")
    document = run_audit(ledger_2018, date(2018, 8, 2))
    assert document["annulled_after_transmission"] == [
        {
            "decision": "A1/J1",
            "awarded_on": "2018-06-20",
            "transmitted_on": "2018-07-01",
            "flux": "F1",
            "annulled_on": "2018-08-01",
            "id_technique": id_technique("A1/J1"),
        }
    ]
    assert document["awards_not_transmitted_within_3_months"] == []


def test_the_html_page_is_self_contained_summary_first_with_a_chart(ledger_2018: Ledger) -> None:
    page = render(run_audit(ledger_2018, date(2018, 7, 1)), "RNCP13080 — audit", "now")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page
    assert page.index("Summary") < page.index("<svg") < page.index("Jury compositions")
    assert "technicien ill" in page and "B2/J1" in page
    assert "<title>2018 formation_continue: 1</title>" in page


def test_date_inscription_is_the_enrolment_in_force_at_the_deliberation(
    ledger: Ledger, clock: FixedClock
) -> None:
    enroll(ledger, "A1", on=date(2015, 9, 7))
    ledger.change_route("A1", route="formation_initiale", on=date(2016, 9, 5), by="tester")
    enroll(ledger, "B2", on=date(2015, 9, 7))
    ledger.withdraw("B2", on=date(2016, 1, 4), reason="moved", by="tester")
    ledger.reenroll("B2", route="candidature_individuelle", on=date(2017, 9, 4), by="tester")
    for candidate in ("A1", "B2"):
        pass_everything(ledger, candidate, on=date(2018, 6, 1))
    convene(ledger, "J1", on=date(2018, 6, 20))
    for candidate in ("A1", "B2"):
        ledger.record_decision("J1", candidate, validated=EVERYTHING, title=True, by="tester")

    found = {}
    for candidate in ("A1", "B2"):
        dossier = Dossier.known(ledger.candidate_facts(candidate), None)
        assert dossier is not None
        (found[candidate],) = passages(dossier, ledger.versions())

    assert (found["A1"].enrolled_on, found["A1"].modalite) == (
        date(2016, 9, 5),
        "FORMATION_INITIALE_HORS_APPRENTISSAGE",
    )
    assert (found["B2"].enrolled_on, found["B2"].modalite) == (date(2017, 9, 4), "CANDIDAT_LIBRE")


def test_the_audit_lists_a_vae_jury_whose_balance_cannot_be_shown(ledger_2018: Ledger) -> None:
    document = run_audit(ledger_2018, date(2018, 7, 1))

    assert document["vae_juries_unbalanced"] == [
        {
            "session": "J1",
            "sits_on": "2018-06-20",
            "decisions": ["B2/J1"],
            "ok": False,
            "employers": ["Ana Roy", "Paul Blanc"],
            "employees": ["Lea Noir"],
            "women": 0,
            "men": 0,
            "gender_unknown": ["Ana Roy", "Paul Blanc", "Lea Noir", "Ines Vert", "Hugo Bleu"],
            "problems": [
                "2 employer(s) and 1 employee(s) among the professional representatives (Ana "
                "Roy, Paul Blanc, Lea Noir): not half and half",
                "gender not recorded for Ana Roy, Paul Blanc, Lea Noir, Ines Vert, Hugo Bleu: "
                "the balance of women and men cannot be shown",
            ],
        }
    ]
    assert document["summary"]["vae_juries_unbalanced"] == 1  # type: ignore[index]


def test_a_balanced_vae_jury_is_not_listed(ledger: Ledger) -> None:
    enroll(ledger, "B2", route="vae", on=date(2017, 9, 11))
    ledger.admit_vae("B2", on=date(2017, 10, 2), by="tester")
    ledger.hold_vae_interview(
        "B2", on=date(2018, 5, 30), livret2_received_on=date(2018, 4, 27), by="tester"
    )
    genders = {"Ana Roy": "F", "Paul Blanc": "M", "Lea Noir": "F", "Ines Vert": "F"}
    members = [(n, r, genders.get(n, "M")) for n, r in SIX]
    ledger.convene_jury("J1", on=date(2018, 6, 20), members=members, president="Hugo Bleu", by="t")
    ledger.record_decision("J1", "B2", validated=["C10"], by="tester")

    document = run_audit(ledger, date(2018, 7, 1))

    (decision,) = document["decisions"]  # type: ignore[misc]
    assert decision["jury"]["balance"]["ok"] is True
    assert decision["jury"]["members"][0] == "Ana Roy (realisateur, F)"
    assert document["vae_juries_unbalanced"] == []


def test_the_audit_lists_awards_made_under_a_derogation(ledger_2018: Ledger) -> None:
    document = run_audit(ledger_2018, date(2018, 7, 1))

    assert document["awards_by_derogation"] == [
        {
            "decision": "B2/J1",
            "on": "2018-06-20",
            "derogation": "technicien ill",
            "title": False,
            "blocks": [],
            "validated": ["C10"],
        }
    ]


def test_the_audit_lists_a_revocation_made_after_the_award_was_transmitted(
    ledger_2018: Ledger, clock: FixedClock
) -> None:
    clock.set(clock.current + timedelta(days=10))
    issued = ledger_2018.issue_certificate("A1/J1", kind="title", on=date(2018, 6, 27), by="t")
    send_a1(ledger_2018)
    clock.set(clock.current + timedelta(days=32))
    ledger_2018.revoke_certificate(
        str(issued["number"]), on=date(2018, 8, 1), reason="fraud", by="tester"
    )

    document = run_audit(ledger_2018, date(2018, 8, 2))

    assert document["revoked_after_transmission"] == [
        {
            "decision": "A1/J1",
            "awarded_on": "2018-06-20",
            "transmitted_on": "2018-07-01",
            "flux": "F1",
            "revoked_on": "2018-08-01",
            "id_technique": id_technique("A1/J1"),
        }
    ]


@pytest.mark.parametrize("certificate", [False, True])
def test_the_audit_lists_a_title_rectified_away_after_it_was_transmitted(
    ledger_2018: Ledger, clock: FixedClock, certificate: bool
) -> None:
    clock.set(clock.current + timedelta(days=10))
    if certificate:
        issued = ledger_2018.issue_certificate("A1/J1", kind="title", on=date(2018, 6, 27), by="t")
    send_a1(ledger_2018)
    clock.set(clock.current + timedelta(days=32))
    if certificate:
        ledger_2018.revoke_certificate(
            str(issued["number"]), on=date(2018, 8, 1), reason="fraud", by="tester"
        )
    ledger_2018.rectify_decision("A1/J1", title=False, reason="typo", by="tester")

    document = run_audit(ledger_2018, date(2018, 8, 2))

    assert document["title_removed_after_transmission"] == [
        {
            "decision": "A1/J1",
            "awarded_on": "2018-06-20",
            "transmitted_on": "2018-07-01",
            "flux": "F1",
            "title_removed_on": "2018-08-02",
            "id_technique": id_technique("A1/J1"),
        }
    ]
    assert document["summary"]["title_removed_after_transmission"] == 1  # type: ignore[index]
    assert document["revoked_after_transmission"] == []


def test_the_audit_carries_the_statistics_of_its_years(ledger_2018: Ledger) -> None:
    document = run_audit(ledger_2018, date(2018, 7, 1))

    total = next(r for r in document["statistics"] if r["route"] == "all")  # type: ignore[union-attr]
    assert (total["year"], total["presented"], total["certified"], total["by_derogation"]) == (
        2018,
        2,
        1,
        1,
    )
    page = render(document, "RNCP13080 — audit", "now")
    assert "Statistics of the period's years" in page
    assert "VAE juries whose balance is not met or cannot be shown" in page
