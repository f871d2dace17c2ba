"""The VAE jury balance: professional representatives half employers and half employees,
women and men balanced. A finding of the audit, or a refusal (rule 3) where a referential
version says so; each member's gender recorded, optionally, when the jury is convened."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.composition import jury_balance, parse_member
from ledger.exceptions import InvalidInput, RuleViolation
from ledger.referential import default_referential_text, parse_referential
from tests.builders import FIVE, PRESIDENT, SIX, enroll, stored

BUNDLED = parse_referential(default_referential_text())
GENDERS = {"Ana Roy": "F", "Paul Blanc": "M", "Lea Noir": "F", "Ines Vert": "F"}
BALANCED = [(name, role, GENDERS.get(name, "M")) for name, role in SIX]
"""The VAE jury of six: réalisateur and producteur (employers) against monteur-truquiste and
technicien (employees); three women, three men."""


def members(people: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    roles = {r.code: r.side for r in BUNDLED.roles}
    return [{"name": n, "role": r, "side": roles[r], "gender": g} for n, r, g in people]


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("Ana Roy:realisateur", ("Ana Roy", "realisateur", None)),
        ("Ana Roy:realisateur:F", ("Ana Roy", "realisateur", "F")),
        ("Ana  Roy : realisateur : m", ("Ana Roy", "realisateur", "M")),
        ("Studio 5: Ana:realisateur", ("Studio 5: Ana", "realisateur", None)),
        ("Studio 5: Ana:realisateur:F", ("Studio 5: Ana", "realisateur", "F")),
    ],
)
def test_a_member_is_written_name_role_and_optionally_gender(
    text: str, member: tuple[str, str, str | None]
) -> None:
    assert parse_member(text) == member


@pytest.mark.parametrize("text", ["Ana Roy", ":realisateur", "Ana Roy:", "Ana Roy::F"])
def test_a_member_not_written_name_role_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape("is not written NAME:ROLE or NAME:ROLE:F|M")):
        parse_member(text)


def test_the_balanced_vae_jury_of_the_fiche_is_met() -> None:
    balance = jury_balance(members(BALANCED), BUNDLED)
    assert balance.ok and balance.problems() == []
    assert (balance.employers, balance.employees) == (
        ("Ana Roy", "Paul Blanc"),
        ("Lea Noir", "Tom Gris"),
    )


def test_the_schools_own_staff_are_not_professional_representatives() -> None:
    balance = jury_balance(members(BALANCED), BUNDLED)
    assert "Ines Vert" not in balance.employees and "Hugo Bleu" not in balance.employers


def test_a_jury_without_the_technicien_is_not_half_and_half() -> None:
    balance = jury_balance(members(BALANCED[:5]), BUNDLED)
    assert balance.problems() == [
        "2 employer(s) and 1 employee(s) among the professional representatives (Ana Roy, "
        "Paul Blanc, Lea Noir): not half and half"
    ]


def test_women_and_men_may_differ_by_one_and_no_more() -> None:
    five = [(n, r, "F") for n, r, _ in BALANCED[:3]] + [(n, r, "M") for n, r, _ in BALANCED[3:5]]
    assert jury_balance(members(five), BUNDLED).genders_met
    men = [(n, r, "M") for n, r, _ in BALANCED]
    assert jury_balance(members(men), BUNDLED).problems() == ["0 women and 6 men: not balanced"]


def test_a_member_without_a_gender_leaves_the_balance_unshown() -> None:
    people = members(BALANCED)
    del people[2]["gender"]
    assert jury_balance(people, BUNDLED).problems() == [
        "gender not recorded for Lea Noir: the balance of women and men cannot be shown"
    ]


def test_convening_records_each_members_gender_when_given(ledger: Ledger) -> None:
    given = [*BALANCED[:5], ("Tom Gris", "technicien", None)]
    ledger.convene_jury("J1", on=date(2018, 6, 20), members=given, president=PRESIDENT, by="t")
    convened = ledger.session_facts("J1")[0].data["members"]
    assert convened[0] == {
        "name": "Ana Roy",
        "role": "realisateur",
        "side": "employer",
        "gender": "F",
    }
    assert convened[5] == {"name": "Tom Gris", "role": "technicien", "side": "employee"}


def test_a_gender_other_than_f_or_m_is_refused(ledger: Ledger) -> None:
    before = stored(ledger)
    with pytest.raises(InvalidInput, match="Ana Roy's gender 'X' is not F or M"):
        ledger.convene_jury(
            "J1",
            on=date(2018, 6, 20),
            members=[("Ana Roy", "realisateur", "X"), *FIVE[1:]],
            president=PRESIDENT,
            by="t",
        )
    assert stored(ledger) == before


def vae_candidate(ledger: Ledger) -> None:
    enroll(ledger, "V2", route="vae", on=date(2017, 1, 9))
    ledger.admit_vae("V2", on=date(2017, 1, 20), by="t")
    ledger.hold_vae_interview(
        "V2", on=date(2017, 5, 30), livret2_received_on=date(2017, 4, 28), by="t"
    )


def balance_required(ledger: Ledger) -> None:
    text = default_referential_text().replace('version = "2006.1"', 'version = "2017.vae"')
    text = text.replace("vae_jury_balance_required = false", "vae_jury_balance_required = true")
    ledger.publish_referential(text, date(2017, 1, 1), by="t")


def test_by_default_an_unbalanced_vae_jury_is_a_finding_not_a_refusal(ledger: Ledger) -> None:
    vae_candidate(ledger)
    ledger.convene_jury("J1", on=date(2017, 6, 20), members=SIX, president=PRESIDENT, by="t")
    assert ledger.record_decision("J1", "V2", validated=["C10"], by="t")["id"] == "V2/J1"


def test_a_referential_requiring_the_balance_refuses_a_vae_jury_that_cannot_show_it(
    ledger: Ledger,
) -> None:
    balance_required(ledger)
    vae_candidate(ledger)
    ledger.convene_jury("J1", on=date(2017, 6, 20), members=SIX, president=PRESIDENT, by="t")
    before = stored(ledger)
    with pytest.raises(RuleViolation) as caught:
        ledger.record_decision(
            "J1", "V2", validated=["C10"], derogation="nobody else was free", by="t"
        )
    assert str(caught.value) == (
        "rule 3 (jury composition): the VAE jury of session J1 is not shown to be balanced: "
        "gender not recorded for Ana Roy, Paul Blanc, Lea Noir, Ines Vert, Hugo Bleu, Tom Gris: "
        "the balance of women and men cannot be shown (referential 2017.vae requires it; no "
        "derogation allowed)"
    )
    assert stored(ledger) == before


def test_a_referential_requiring_the_balance_accepts_a_balanced_vae_jury(ledger: Ledger) -> None:
    balance_required(ledger)
    vae_candidate(ledger)
    ledger.convene_jury("J1", on=date(2017, 6, 20), members=BALANCED, president=PRESIDENT, by="t")
    assert ledger.record_decision("J1", "V2", validated=["C10"], by="t")["id"] == "V2/J1"


def test_the_balance_is_asked_of_vae_juries_only(ledger: Ledger) -> None:
    balance_required(ledger)
    enroll(ledger)
    ledger.convene_jury("J1", on=date(2017, 6, 20), members=FIVE, president=PRESIDENT, by="t")
    assert ledger.record_decision("J1", "V1", by="t")["id"] == "V1/J1"


def test_propose_shows_the_balance_of_a_vae_jury(ledger: Ledger) -> None:
    vae_candidate(ledger)
    ledger.convene_jury("J1", on=date(2017, 6, 20), members=BALANCED, president=PRESIDENT, by="t")
    review = ledger.propose("J1", "V2").review
    assert review.balance is not None and review.balance.ok
