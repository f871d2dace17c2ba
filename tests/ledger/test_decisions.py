"""Jury decisions: every rule checked before anything is written (DOMAIN.md §4, rules 1-6, 8, 9)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import AlreadyExists, NotFound, RuleViolation
from tests.builders import (
    BC01_SEVEN,
    FIVE,
    SIX,
    convene,
    enroll,
    pass_bc01,
    pass_everything,
    stored,
)


def vae_candidate(ledger: Ledger, candidate: str = "V2") -> None:
    enroll(ledger, candidate, route="vae", on=date(2017, 1, 9))
    ledger.admit_vae(candidate, on=date(2017, 1, 20), by="tester")
    ledger.hold_vae_interview(
        candidate, on=date(2017, 5, 30), livret2_received_on=date(2017, 4, 28), by="tester"
    )


def refused(ledger: Ledger, message: str, **decision: object) -> None:
    """The decision is refused with exactly this message, and the store is unchanged."""
    before = stored(ledger)
    session = decision.pop("session", "J1")
    candidate = decision.pop("candidate", "V1")
    with pytest.raises(RuleViolation) as caught:
        ledger.record_decision(session, candidate, by="tester", **decision)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert stored(ledger) == before


def allowed(ledger: Ledger, session: str = "J1", candidate: str = "V1", **decision: object) -> None:
    """The decision is recorded, on the session's day, with exactly what the jury decided."""
    result = ledger.record_decision(session, candidate, by="tester", **decision)  # type: ignore[arg-type]
    assert result["id"] == f"{candidate}/{session}"
    fact = ledger.candidate_facts(candidate)[-1]
    assert fact.type == "DecisionRecorded"
    assert fact.effective_on.isoformat() == result["on"]
    ref = ledger.versions().at(fact.effective_on).referential
    blocks = decision.get("blocks", ())
    assert isinstance(blocks, list | tuple)
    assert (
        fact.data["validated"],
        fact.data["blocks_awarded"],
        fact.data["title_awarded"],
        fact.data["derogation"],
    ) == (
        tuple(dict.fromkeys(decision.get("validated", ()))),  # type: ignore[call-overload]
        tuple(dict.fromkeys(ref.block(str(b)).code for b in blocks)),  # type: ignore[union-attr]
        decision.get("title", False),
        decision.get("derogation"),
    )


class TestAWellFormedDecision:
    def test_is_recorded_on_the_session_date_with_its_route_and_referential(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        result = ledger.record_decision(
            "J1", "V1", validated=BC01_SEVEN, blocks=["BC01"], by="tester"
        )
        assert result == {"id": "V1/J1", "on": "2017-06-20"}
        fact = ledger.candidate_facts("V1")[-1]
        assert fact.type == "DecisionRecorded" and fact.effective_on == date(2017, 6, 20)
        assert dict(fact.data) == {
            "decision_id": "V1/J1",
            "session": "J1",
            "candidate": "V1",
            "validated": BC01_SEVEN,
            "blocks_awarded": ("RNCP13080BC01",),
            "title_awarded": False,
            "derogation": None,
            "route": "formation_continue",
            "referential": "2006.1",
        }

    def test_with_nothing_validated_records_a_candidate_presented_who_failed(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger)
        convene(ledger)
        assert ledger.record_decision("J1", "V1", by="tester")["id"] == "V1/J1"

    def test_is_one_per_candidate_and_session(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
        before = stored(ledger)
        with pytest.raises(AlreadyExists, match="decision V1/J1 exists already"):
            ledger.record_decision("J1", "V1", validated=["C02"], by="tester")
        assert stored(ledger) == before


class TestRule1Codes:
    def test_a_competency_that_does_not_exist_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger)
        convene(ledger)
        refused(
            ledger,
            "rule 1 (codes): competency C99 does not exist in referential 2006.1 in force on "
            "2017-06-20",
            validated=["C01", "C99"],
        )

    def test_a_block_that_does_not_exist_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger)
        convene(ledger)
        refused(
            ledger,
            "rule 1 (codes): block BC05 does not exist in referential 2006.1 in force on "
            "2017-06-20 (blocks: BC01, BC02, BC03, BC04)",
            blocks=["BC05"],
        )


class TestRule2EnrolmentAndSession:
    def test_a_session_that_does_not_exist_is_not_found(self, ledger: Ledger) -> None:
        enroll(ledger)
        with pytest.raises(NotFound, match="jury session J7 not found"):
            ledger.record_decision("J7", "V1", by="tester")

    def test_a_withdrawn_candidate_gets_no_decision(self, ledger: Ledger) -> None:
        enroll(ledger)
        ledger.withdraw("V1", on=date(2017, 3, 1), reason="moved", by="tester")
        convene(ledger)
        refused(
            ledger,
            "rule 2 (enrolment and session): candidate V1 withdrew on 2017-03-01 and is not "
            "enrolled on 2017-06-20 (the deliberation of jury session J1)",
        )

    def test_a_session_before_the_enrolment_gets_no_decision(self, ledger: Ledger) -> None:
        enroll(ledger)
        convene(ledger, "J0", on=date(2016, 6, 1))
        refused(
            ledger,
            "rule 2 (enrolment and session): the deliberation of jury session J0 dated "
            "2016-06-01 is before candidate V1's enrolment on 2016-09-12",
            session="J0",
        )


class TestRule3JuryComposition:
    def test_a_vae_decision_without_a_technicien_is_refused(self, ledger: Ledger) -> None:
        vae_candidate(ledger)
        convene(ledger, members=FIVE)
        refused(
            ledger,
            "rule 3 (jury composition): jury session J1 lacks role(s) technicien required for "
            "route vae on 2017-06-20 (a --derogation can override it)",
            candidate="V2",
            validated=["C10"],
        )

    def test_a_written_derogation_overrides_a_missing_role_and_is_recorded(
        self, ledger: Ledger
    ) -> None:
        vae_candidate(ledger)
        convene(ledger, members=FIVE)
        ledger.record_decision(
            "J1", "V2", validated=["C10"], derogation="technicien ill on the day", by="tester"
        )
        assert ledger.candidate_facts("V2")[-1].data["derogation"] == "technicien ill on the day"

    def test_a_member_linked_to_the_candidate_is_refused_even_with_a_derogation(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, linked_persons=["Paul  Blanc"])
        pass_bc01(ledger)
        convene(ledger)
        refused(
            ledger,
            "rule 3 (jury composition): Paul Blanc sits on jury session J1 but is linked to "
            "candidate V1 (no derogation allowed)",
            validated=["C01"],
            derogation="nobody else available",
        )

    def test_an_accompanist_declared_later_still_counts_if_declared_before_the_jury(
        self, ledger: Ledger
    ) -> None:
        vae_candidate(ledger)
        ledger.link_person(
            "V2", name="tom gris", relation="accompanist", on=date(2017, 2, 1), by="tester"
        )
        convene(ledger, members=SIX)
        refused(
            ledger,
            "rule 3 (jury composition): Tom Gris sits on jury session J1 but is linked to "
            "candidate V2 (no derogation allowed)",
            candidate="V2",
            validated=["C10"],
        )


class TestRule4Evidence:
    def test_a_competency_without_a_passed_assessment_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger)
        ledger.record_assessment(
            "V1",
            epreuve="BC01-E1",
            on=date(2017, 6, 1),
            passed=["C01"],
            failed=["C02"],
            by="tester",
        )
        convene(ledger)
        refused(
            ledger,
            "rule 4 (evidence): no passed assessment on or before 2017-06-20 and less than the "
            "validity period old backs competency C02, C03 (a --derogation can override it)",
            validated=["C01", "C02", "C03"],
        )

    def test_an_assessment_older_than_the_validity_period_is_no_evidence(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, on=date(2011, 9, 1))
        ledger.record_assessment(
            "V1", epreuve="BC01-E1", on=date(2012, 6, 20), passed=["C01"], by="tester"
        )
        convene(ledger, on=date(2017, 6, 20))
        refused(
            ledger,
            "rule 4 (evidence): no passed assessment on or before 2017-06-20 and less than the "
            "validity period old backs competency C01 (a --derogation can override it)",
            validated=["C01"],
        )

    def test_an_assessment_after_the_deliberation_is_no_evidence(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger, on=date(2017, 6, 21))
        convene(ledger)
        refused(
            ledger,
            "rule 4 (evidence): no passed assessment on or before 2017-06-20 and less than the "
            "validity period old backs competency C01 (a --derogation can override it)",
            validated=["C01"],
        )

    def test_a_vae_interview_backs_a_vae_decision(self, ledger: Ledger) -> None:
        vae_candidate(ledger)
        convene(ledger, members=SIX)
        assert ledger.record_decision("J1", "V2", validated=["C10", "C11"], by="tester")

    def test_a_vae_candidate_never_admitted_is_refused_even_with_a_derogation(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, "V2", route="vae", on=date(2017, 1, 9))
        convene(ledger, members=SIX)
        refused(
            ledger,
            "rule 4 (evidence): candidate V2's VAE procedure is not complete: no admission "
            "(recevabilité, livret 1) on or before 2017-06-20 (the VAE procedure admits no "
            "derogation)",
            candidate="V2",
            validated=[f"C{n:02d}" for n in range(1, 43)],
            title=True,
            derogation="the jury knows the candidate's work",
        )

    def test_a_vae_candidate_admitted_but_not_interviewed_is_refused_even_with_a_derogation(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, "V2", route="vae", on=date(2017, 1, 9))
        ledger.admit_vae("V2", on=date(2017, 1, 20), by="tester")
        convene(ledger, members=SIX)
        refused(
            ledger,
            "rule 4 (evidence): candidate V2's VAE procedure is not complete: no interview, "
            "after livret 2 was received, on or before 2017-06-20 (the VAE procedure admits no "
            "derogation)",
            candidate="V2",
            validated=["C10"],
            derogation="livret 2 lost by the post",
        )

    def test_a_vae_interview_after_the_deliberation_does_not_complete_the_procedure(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, "V2", route="vae", on=date(2017, 1, 9))
        ledger.admit_vae("V2", on=date(2017, 1, 20), by="tester")
        ledger.hold_vae_interview(
            "V2", on=date(2017, 6, 21), livret2_received_on=date(2017, 4, 28), by="tester"
        )
        convene(ledger, members=SIX)
        with pytest.raises(RuleViolation, match="no interview, after livret 2 was received, on"):
            ledger.record_decision("J1", "V2", validated=["C10"], by="tester")

    def test_assessments_alone_do_not_back_a_vae_decision(self, ledger: Ledger) -> None:
        enroll(ledger, "V2", route="vae", on=date(2017, 1, 9))
        pass_bc01(ledger, "V2")
        convene(ledger, members=SIX)
        with pytest.raises(RuleViolation, match=r"^rule 4 \(evidence\): candidate V2's VAE"):
            ledger.record_decision("J1", "V2", validated=list(BC01_SEVEN), by="tester")

    def test_a_vae_decision_validating_nothing_needs_no_procedure(self, ledger: Ledger) -> None:
        enroll(ledger, "V2", route="vae", on=date(2017, 1, 9))
        convene(ledger, members=SIX)
        allowed(ledger, "J1", "V2")

    def test_a_derogation_overrides_missing_evidence_on_a_route_other_than_vae(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger)
        convene(ledger)
        allowed(ledger, "J1", "V1", validated=["C01"], derogation="file lost in the flood")


class TestRule5Thresholds:
    def test_a_block_below_its_threshold_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        refused(
            ledger,
            "rule 5 (thresholds): block RNCP13080BC01 on 2017-06-20: 6 of the 9 count (C01, C02, "
            "C03, C04, C05, C06), 7 required (thresholds admit no derogation)",
            validated=["C01", "C02", "C03", "C04", "C05", "C06"],
            blocks=["BC01"],
        )

    def test_competencies_validated_earlier_and_still_counting_reach_the_threshold(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=["C01", "C02", "C03", "C04"], by="tester")
        convene(ledger, "J2", on=date(2017, 12, 1))
        allowed(ledger, "J2", "V1", validated=["C05", "C06", "C07"], blocks=["BC01"])

    def test_competencies_that_stopped_counting_do_not_reach_the_threshold(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, on=date(2011, 9, 1))
        pass_bc01(ledger, on=date(2012, 6, 1))
        convene(ledger, "J0", on=date(2012, 6, 20))
        ledger.record_decision("J0", "V1", validated=["C01", "C02", "C03", "C04"], by="tester")
        pass_bc01(ledger, on=date(2017, 6, 1))
        convene(ledger, "J1", on=date(2017, 6, 20))
        refused(
            ledger,
            "rule 5 (thresholds): block RNCP13080BC01 on 2017-06-20: 3 of the 9 count (C05, C06, "
            "C07), 7 required (thresholds admit no derogation)",
            validated=["C05", "C06", "C07"],
            blocks=["BC01"],
        )

    def test_the_title_needs_35_distinct_competencies(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_everything(ledger)
        convene(ledger)
        codes = [f"C{n:02d}" for n in range(1, 35)]
        refused(
            ledger,
            "rule 5 (thresholds): the title on 2017-06-20: 34 distinct competencies count, 35 "
            "required (thresholds admit no derogation)",
            validated=codes,
            title=True,
        )
        ledger.record_decision("J1", "V1", validated=[*codes, "C35"], title=True, by="tester")

    def test_no_derogation_lets_a_block_below_its_threshold_through(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        refused(
            ledger,
            "rule 5 (thresholds): block RNCP13080BC01 on 2017-06-20: 1 of the 9 count (C01), 7 "
            "required (thresholds admit no derogation)",
            validated=["C01"],
            blocks=["BC01"],
            derogation="jury's sovereign appreciation",
        )

    def test_no_derogation_lets_the_title_through_on_two_competencies(self, ledger: Ledger) -> None:
        enroll(ledger)
        convene(ledger)
        refused(
            ledger,
            "rule 5 (thresholds): the title on 2017-06-20: 2 distinct competencies count, 35 "
            "required (thresholds admit no derogation)",
            validated=["C01", "C02"],
            title=True,
            derogation="the jury was convinced",
        )

    def test_every_block_held_is_not_the_title_unless_the_referential_says_so(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger)
        pass_everything(ledger)
        convene(ledger)
        thirty = [f"C{n:02d}" for n in (*range(1, 13), *range(13, 20), *range(23, 34))]
        ledger.record_decision(
            "J1", "V1", validated=thirty, blocks=["BC01", "BC02", "BC03", "BC04"], by="tester"
        )
        convene(ledger, "J2", on=date(2017, 12, 1))
        refused(
            ledger,
            "rule 5 (thresholds): the title on 2017-12-01: every block held; the title needs "
            "35, has 30 distinct competencies (thresholds admit no derogation)",
            session="J2",
            title=True,
        )

    def test_a_referential_awarding_the_title_on_its_blocks_lets_it_through(
        self, ledger: Ledger
    ) -> None:
        from ledger.referential import default_referential_text

        text = default_referential_text().replace('version = "2006.1"', 'version = "2017.b"')
        text = text.replace("title_by_all_blocks = false", "title_by_all_blocks = true")
        ledger.publish_referential(text, date(2017, 1, 1), by="tester")
        enroll(ledger)
        pass_everything(ledger)
        convene(ledger)
        thirty = [f"C{n:02d}" for n in (*range(1, 13), *range(13, 20), *range(23, 34))]
        allowed(
            ledger,
            validated=thirty,
            blocks=["BC01", "BC02", "BC03", "BC04"],
            title=True,
        )

    def test_the_title_is_awarded_once(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_everything(ledger)
        convene(ledger)
        everything = [f"C{n:02d}" for n in range(1, 43)]
        ledger.record_decision("J1", "V1", validated=everything, title=True, by="tester")
        convene(ledger, "J2", on=date(2017, 12, 1))
        with pytest.raises(AlreadyExists, match="was awarded the title by decision V1/J1"):
            ledger.record_decision("J2", "V1", title=True, by="tester")


class TestRule6Registration:
    def test_a_title_outside_the_registrations_is_refused_naming_the_periods(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, on=date(2019, 1, 7))
        pass_everything(ledger, on=date(2019, 12, 2))
        convene(ledger, on=date(2020, 1, 15))
        refused(
            ledger,
            "rule 6 (RNCP registration): the title cannot be awarded on 2020-01-15, outside the "
            "RNCP registration periods of referential 2006.1 (2006-03-05 → 2011-03-05, "
            "2011-03-05 → 2016-09-07, 2016-09-07 → 2019-10-04)",
            validated=[f"C{n:02d}" for n in range(1, 43)],
            title=True,
        )

    def test_no_derogation_overrides_the_registration(self, ledger: Ledger) -> None:
        enroll(ledger, on=date(2019, 1, 7))
        pass_bc01(ledger, on=date(2019, 12, 2))
        convene(ledger, on=date(2020, 1, 15))
        refused(
            ledger,
            "rule 6 (RNCP registration): RNCP13080BC01 cannot be awarded on 2020-01-15, outside "
            "the RNCP registration periods of referential 2006.1 (2006-03-05 → 2011-03-05, "
            "2011-03-05 → 2016-09-07, 2016-09-07 → 2019-10-04)",
            validated=BC01_SEVEN,
            blocks=["BC01"],
            derogation="please",
        )

    def test_competencies_may_still_be_validated_outside_the_registrations(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger, on=date(2019, 1, 7))
        pass_bc01(ledger, on=date(2019, 12, 2))
        convene(ledger, on=date(2020, 1, 15))
        allowed(ledger, "J1", "V1", validated=BC01_SEVEN)

    def test_the_last_day_of_a_registration_is_inside_it(self, ledger: Ledger) -> None:
        enroll(ledger, on=date(2019, 1, 7))
        pass_bc01(ledger, on=date(2019, 9, 2))
        convene(ledger, on=date(2019, 10, 4))
        allowed(ledger, "J1", "V1", validated=BC01_SEVEN, blocks=["BC01"])

    def test_a_referential_may_let_candidates_enrolled_before_expiry_be_awarded_after(
        self, ledger: Ledger
    ) -> None:
        from ledger.referential import default_referential_text

        text = default_referential_text().replace('version = "2006.1"', 'version = "2019.2"')
        text = text.replace(
            "award_after_registration_for_enrolled_before = false",
            "award_after_registration_for_enrolled_before = true",
        )
        ledger.publish_referential(text, date(2019, 10, 5), by="tester")
        enroll(ledger, on=date(2019, 1, 7))
        pass_bc01(ledger, on=date(2019, 12, 2))
        convene(ledger, on=date(2020, 1, 15))
        allowed(ledger, "J1", "V1", validated=BC01_SEVEN, blocks=["BC01"])


class TestRule8Dates:
    def test_no_decision_before_a_session_convened_in_advance_sits(self, ledger: Ledger) -> None:
        enroll(ledger)
        convene(ledger, "J9", on=date(2027, 1, 15))
        refused(
            ledger,
            "rule 8 (dates): jury session J9 sits on 2027-01-15: no decision can be recorded "
            "before that date (today is 2026-11-26)",
            session="J9",
        )


class TestRule9Idempotency:
    def test_the_same_request_id_with_the_same_content_returns_the_first_result(
        self, ledger: Ledger
    ) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        first = ledger.record_decision(
            "J1", "V1", validated=["C01"], request_id="req-1", by="tester"
        )
        before = stored(ledger)
        again = ledger.record_decision(
            "J1", "V1", validated=["C01"], request_id="req-1", by="someone else"
        )
        assert again == {**first, "replayed": True}
        assert stored(ledger) == before

    def test_the_same_request_id_with_other_content_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger, request_id="req-1")
        before = stored(ledger)
        with pytest.raises(
            RuleViolation,
            match=re.escape(
                "rule 9 (idempotency): request id req-1 was used on candidate enroll with other "
                "content; use a new request id"
            ),
        ):
            enroll(ledger, "V2", request_id="req-1")
        assert stored(ledger) == before


class TestJuryPropose:
    def test_shows_what_the_evidence_allows_by_the_same_rules(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        ledger.record_assessment(
            "V1",
            epreuve="BC02-E2",
            on=date(2017, 6, 1),
            passed=["C10", "C11"],
            failed=["C12"],
            by="tester",
        )
        convene(ledger)
        proposal = ledger.propose("J1", "V1")
        assert proposal.can_validate == (
            "C01",
            "C02",
            "C03",
            "C04",
            "C05",
            "C06",
            "C07",
            "C08",
            "C09",
            "C10",
            "C11",
        )
        assert proposal.blocks_eligible == ("RNCP13080BC01",)
        assert proposal.title_eligible is False
        assert proposal.review.jury.ok
        assert proposal.review.blocks["RNCP13080BC02"].shortfall() == (
            "2 of the 3 count (C10, C11), 3 required"
        )

    def test_a_proposal_the_rules_accept_is_recorded_as_is(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        proposal = ledger.propose("J1", "V1")
        allowed(
            ledger,
            "J1",
            "V1",
            validated=proposal.can_validate,
            blocks=proposal.blocks_eligible,
        )

    def test_shows_a_jury_missing_its_technicien(self, ledger: Ledger) -> None:
        vae_candidate(ledger)
        convene(ledger, members=FIVE)
        review = ledger.propose("J1", "V2").review
        assert review.jury.missing == ("technicien",) and not review.jury.ok

    def test_works_for_a_session_convened_in_advance(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger, on=date(2026, 11, 2))
        convene(ledger, "J9", on=date(2027, 1, 15))
        assert ledger.propose("J9", "V1").blocks_eligible == ("RNCP13080BC01",)
