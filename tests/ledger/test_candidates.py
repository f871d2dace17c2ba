"""Candidates: enrolment, identity, links, withdrawal, re-enrolment, route changes, VAE steps."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import AlreadyExists, BadIdentifier, InvalidInput, NotFound, RuleViolation
from tests.builders import FIVE, IDENTITY, PRESIDENT, convene, enroll, pass_bc01, stored


def types(ledger: Ledger, candidate: str = "V1") -> list[str]:
    return [f.type for f in ledger.candidate_facts(candidate)]


def test_enrolling_records_the_enrolment_and_the_identity_in_its_own_event(ledger: Ledger) -> None:
    enroll(ledger, "V1", route="vae", on=date(2017, 1, 9))
    facts = ledger.candidate_facts("V1")
    assert [f.type for f in facts] == ["CandidateEnrolled", "IdentityRecorded"]
    enrolled, identity = facts
    assert dict(enrolled.data) == {
        "candidate_id": "V1",
        "route": "vae",
        "vae_path": "VAE_CLASSIQUE",
        "linked_persons": (),
    }
    assert "birth_name" not in enrolled.data
    assert identity.data["identity"]["birth_name"] == "Durand"
    assert identity.data["identity"]["birth_date"] == "1990-01-02"
    assert enrolled.effective_on == date(2017, 1, 9) and enrolled.recorded_by == "tester"


def test_enrolling_the_same_candidate_twice_is_refused_and_writes_nothing(ledger: Ledger) -> None:
    enroll(ledger)
    before = stored(ledger)
    with pytest.raises(AlreadyExists, match="candidate V1 is already enrolled"):
        enroll(ledger)
    assert stored(ledger) == before


def test_an_unknown_route_is_refused_naming_rule_1(ledger: Ledger) -> None:
    before = stored(ledger)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 1 (codes): route alternance does not exist in referential 2006.1 in force on "
            "2016-09-12 (routes: formation_initiale, apprentissage"
        ),
    ):
        enroll(ledger, route="alternance")
    assert stored(ledger) == before


def test_an_enrolment_dated_after_today_is_refused_naming_rule_8(ledger: Ledger) -> None:
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 8 (dates): the enrolment dated 2026-11-27 is later than today (2026-11-26)"
        ),
    ):
        enroll(ledger, on=date(2026, 11, 27))


def test_an_enrolment_before_any_referential_is_refused(ledger: Ledger) -> None:
    with pytest.raises(RuleViolation, match="no referential is in force on 2005-01-01"):
        enroll(ledger, on=date(2005, 1, 1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"birth_postcode": "75012"},
            "birth place: give exactly one of the INSEE code and the postcode",
        ),
        (
            {"birth_insee": None},
            "birth place: give exactly one of the INSEE code and the postcode",
        ),
        (
            {"birth_insee": "7511"},
            "birth place: INSEE code '7511' must be 5 ASCII characters, the département "
            "(2 digits, or 2A/2B) then 3 digits, e.g. 75056",
        ),
        ({"birth_name": "x" * 61}, "birth name: must be at most 60 characters"),
        (
            {"first_names": ("A", "B", "C", "D")},
            "first names: give 1 to 3 first names, not 4",
        ),
        ({"sex": "X"}, "sex: must be M or F, not 'X'"),
        (
            {"birth_country": "France"},
            "birth country: INSEE country code 'France' must be 3 ASCII digits, "
            "e.g. 100 for France",
        ),
    ],
)
def test_an_identity_the_cpf_flow_could_not_carry_is_refused(
    ledger: Ledger, change: dict[str, object], message: str
) -> None:
    before = stored(ledger)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        ledger.enroll(
            "V1", route="vae", on=date(2017, 1, 9), identity={**IDENTITY, **change}, by="tester"
        )
    assert stored(ledger) == before


def test_a_birth_date_on_or_after_the_enrolment_is_refused(ledger: Ledger) -> None:
    with pytest.raises(
        InvalidInput,
        match=re.escape(
            "birth date: 2017-01-09 is less than 16 years before the enrolment on "
            "2017-01-09 (referential 2006.1 sets the minimum age at 16)"
        ),
    ):
        ledger.enroll(
            "V1",
            route="vae",
            on=date(2017, 1, 9),
            identity={**IDENTITY, "birth_date": date(2017, 1, 9)},
            by="tester",
        )


def test_a_vae_path_on_a_route_that_is_not_vae_is_refused(ledger: Ledger) -> None:
    with pytest.raises(InvalidInput, match="only for a VAE route, not formation_continue"):
        enroll(ledger, route="formation_continue", vae_path="CONGES_VAE")


def test_a_candidate_id_with_a_slash_is_refused(ledger: Ledger) -> None:
    with pytest.raises(BadIdentifier, match="candidate 'V1/X' is not a valid identifier"):
        enroll(ledger, "V1/X")


def test_a_linked_person_is_recorded_once(ledger: Ledger) -> None:
    enroll(ledger)
    ledger.link_person(
        "V1", name="Marc Petit", relation="accompanist", on=date(2016, 10, 1), by="tester"
    )
    before = stored(ledger)
    with pytest.raises(AlreadyExists, match="Marc Petit is already linked to candidate V1"):
        ledger.link_person(
            "V1", name="marc  PETIT", relation="tutor", on=date(2016, 10, 2), by="tester"
        )
    assert stored(ledger) == before


def test_a_link_before_the_enrolment_is_refused(ledger: Ledger) -> None:
    enroll(ledger)
    with pytest.raises(RuleViolation, match="the link dated 2016-01-01 is before candidate V1's"):
        ledger.link_person(
            "V1", name="Marc Petit", relation="tutor", on=date(2016, 1, 1), by="tester"
        )


def test_anything_about_an_unknown_candidate_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="candidate V9 not found"):
        ledger.withdraw("V9", on=date(2017, 1, 1), reason="gone", by="tester")


def test_a_withdrawal_dated_before_a_decision_is_refused_naming_rule_10(ledger: Ledger) -> None:
    enroll(ledger)
    pass_bc01(ledger)
    convene(ledger)
    ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
    before = stored(ledger)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 10 (withdrawal): candidate V1 cannot withdraw on 2017-06-19: decision V1/J1 of "
            "2017-06-20 is dated after it"
        ),
    ):
        ledger.withdraw("V1", on=date(2017, 6, 19), reason="moved", by="tester")
    assert stored(ledger) == before


def test_a_withdrawn_candidate_cannot_be_assessed_and_can_re_enrol(ledger: Ledger) -> None:
    enroll(ledger)
    ledger.withdraw("V1", on=date(2017, 1, 10), reason="moved", by="tester")
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 2 (enrolment and session): candidate V1 withdrew on 2017-01-10 and is not "
            "enrolled on 2017-06-01 (the assessment)"
        ),
    ):
        pass_bc01(ledger)
    ledger.reenroll("V1", route="vae", on=date(2018, 1, 8), by="tester")
    dossier = ledger.candidate("V1").dossier
    assert dossier.active_on(date(2018, 1, 8)) and not dossier.active_on(date(2017, 6, 1))
    assert dossier.placement_on(date(2018, 2, 1)).route == "vae"


def test_only_a_withdrawn_candidate_re_enrols(ledger: Ledger) -> None:
    enroll(ledger)
    with pytest.raises(RuleViolation, match="candidate V1 is not withdrawn on 2017-01-01"):
        ledger.reenroll("V1", route="vae", on=date(2017, 1, 1), by="tester")


def test_a_route_change_applies_from_its_date(ledger: Ledger) -> None:
    enroll(ledger)
    ledger.change_route("V1", route="vae", on=date(2017, 3, 1), by="tester")
    dossier = ledger.candidate("V1").dossier
    assert dossier.placement_on(date(2017, 2, 28)).route == "formation_continue"
    assert dossier.placement_on(date(2017, 3, 1)).route == "vae"
    assert dossier.placement_on(date(2017, 3, 1)).vae_path == "VAE_CLASSIQUE"


def test_a_route_change_cannot_slip_before_a_decision(ledger: Ledger) -> None:
    enroll(ledger)
    pass_bc01(ledger)
    convene(ledger)
    ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
    with pytest.raises(
        RuleViolation, match="a route change dated 2017-06-01 cannot precede decision"
    ):
        ledger.change_route("V1", route="vae", on=date(2017, 6, 1), by="tester")


def test_the_vae_steps_must_come_in_order(ledger: Ledger) -> None:
    enroll(ledger, route="vae", on=date(2017, 1, 9))
    with pytest.raises(RuleViolation, match="has not been admitted to VAE"):
        ledger.hold_vae_interview(
            "V1", on=date(2017, 5, 30), livret2_received_on=date(2017, 4, 28), by="tester"
        )
    ledger.admit_vae("V1", on=date(2017, 1, 20), by="tester")
    before = stored(ledger)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "VAE steps out of order: admitted 2017-01-20 <= livret 2 received 2017-06-01 <= "
            "interview 2017-05-30 does not hold"
        ),
    ):
        ledger.hold_vae_interview(
            "V1", on=date(2017, 5, 30), livret2_received_on=date(2017, 6, 1), by="tester"
        )
    assert stored(ledger) == before
    ledger.hold_vae_interview(
        "V1", on=date(2017, 5, 30), livret2_received_on=date(2017, 4, 28), by="tester"
    )
    assert types(ledger)[-2:] == ["VaeAdmitted", "VaeInterviewHeld"]


def test_a_vae_admission_is_for_vae_candidates_only(ledger: Ledger) -> None:
    enroll(ledger)
    with pytest.raises(
        RuleViolation,
        match="a VAE admission is for VAE candidates; candidate V1 is on route formation_continue",
    ):
        ledger.admit_vae("V1", on=date(2017, 1, 20), by="tester")


def test_an_assessment_of_a_competency_the_epreuve_does_not_assess_is_refused(
    ledger: Ledger,
) -> None:
    enroll(ledger)
    before = stored(ledger)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 1 (codes): épreuve BC01-E1 (BC01) does not assess competency C04; it assesses "
            "C01, C02, C03, C05, C07"
        ),
    ):
        ledger.record_assessment(
            "V1", epreuve="BC01-E1", on=date(2017, 6, 1), passed=["C04"], by="tester"
        )
    with pytest.raises(RuleViolation, match="rule 1 \\(codes\\): épreuve BC09-E1 does not exist"):
        ledger.record_assessment(
            "V1", epreuve="BC09-E1", on=date(2017, 6, 1), passed=["C01"], by="tester"
        )
    with pytest.raises(RuleViolation, match="rule 1 \\(codes\\): competency C99 does not exist"):
        ledger.record_assessment(
            "V1", epreuve="BC01-E1", on=date(2017, 6, 1), passed=["C99"], by="tester"
        )
    with pytest.raises(InvalidInput, match="competencies both passed and failed: C01"):
        ledger.record_assessment(
            "V1",
            epreuve="BC01-E1",
            on=date(2017, 6, 1),
            passed=["C01"],
            failed=["C01"],
            by="tester",
        )
    assert stored(ledger) == before


def test_a_session_lists_each_member_once_and_its_president_among_them(ledger: Ledger) -> None:
    before = stored(ledger)
    with pytest.raises(
        RuleViolation, match=r"rule 3 .*: jury session J1: the president Zoe Or is not one of"
    ):
        ledger.convene_jury(
            "J1", on=date(2017, 6, 20), members=FIVE, president="Zoe Or", by="tester"
        )
    with pytest.raises(InvalidInput, match="Ana Roy is listed twice"):
        ledger.convene_jury(
            "J1",
            on=date(2017, 6, 20),
            members=[*FIVE, ("ana roy", "technicien")],
            president=PRESIDENT,
            by="tester",
        )
    with pytest.raises(
        RuleViolation, match="rule 1 \\(codes\\): jury role cascadeur \\(for Max\\)"
    ):
        ledger.convene_jury(
            "J1",
            on=date(2017, 6, 20),
            members=[*FIVE, ("Max", "cascadeur")],
            president=PRESIDENT,
            by="tester",
        )
    assert stored(ledger) == before


def test_a_session_may_be_convened_in_advance_but_not_twice(ledger: Ledger) -> None:
    convene(ledger, "J9", on=date(2027, 1, 15))
    assert ledger.session("J9").sits_on == date(2027, 1, 15)
    with pytest.raises(AlreadyExists, match="jury session J9 is already convened"):
        convene(ledger, "J9", on=date(2027, 1, 15))
