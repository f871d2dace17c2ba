"""Corrections: rectify, annul, revoke, withdraw, change route, rectify identity, on both axes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.exceptions import AlreadyExists, InvalidInput, RuleViolation
from projections.status import CandidateStatus, candidate_status
from tests.builders import BC01_SEVEN, convene, enroll, pass_bc01, pass_everything, stored

EVERYTHING = [f"C{n:02d}" for n in range(1, 43)]


def status(ledger: Ledger, as_of: date, known_at: datetime | None = None) -> CandidateStatus:
    found = candidate_status(
        ledger.candidate_facts("V1"), ledger.versions(), as_of=as_of, known_at=known_at
    )
    assert found is not None
    return found


def later(clock: FixedClock, days: int) -> datetime:
    """Move the clock on, and return the instant just before the move."""
    before = clock.current
    clock.set(before + timedelta(days=days))
    return before


@pytest.fixture
def certified(ledger: Ledger) -> Ledger:
    """V1 passed everything in 2017, was awarded the title on 2017-06-20, certificate issued."""
    enroll(ledger)
    pass_everything(ledger)
    convene(ledger)
    ledger.record_decision(
        "J1", "V1", validated=EVERYTHING, blocks=["BC01"], title=True, by="tester"
    )
    ledger.issue_certificate("V1/J1", kind="title", on=date(2017, 6, 27), by="tester")
    ledger.issue_certificate("V1/J1", kind="block:BC01", on=date(2017, 6, 27), by="tester")
    return ledger


class TestAnnulment:
    def test_an_annulled_decision_counts_for_no_as_of_once_known(
        self, certified: Ledger, clock: FixedClock
    ) -> None:
        before_annulment = later(clock, 1)
        certified.annul_decision("V1/J1", on=date(2018, 3, 1), reason="appeal upheld", by="tester")
        for as_of in (date(2017, 6, 20), date(2017, 12, 31), date(2026, 11, 26)):
            issued = as_of >= date(2017, 6, 27)
            now = status(certified, as_of)
            assert now.state == "enrolled"
            assert not now.title.awarded and now.counting_competencies == 0
            assert {c.state for c in now.certificates} == ({"void"} if issued else set())
            then = status(certified, as_of, known_at=before_annulment)
            assert then.state == "certified" and then.title.awarded
            assert {c.state for c in then.certificates} == ({"held"} if issued else set())

    def test_annulling_twice_is_refused(self, certified: Ledger) -> None:
        certified.annul_decision("V1/J1", on=date(2018, 3, 1), reason="appeal", by="tester")
        before = stored(certified)
        with pytest.raises(AlreadyExists, match="decision V1/J1 was annulled on 2018-03-01"):
            certified.annul_decision("V1/J1", on=date(2018, 3, 2), reason="again", by="tester")
        assert stored(certified) == before

    def test_an_annulment_before_its_decision_is_refused(self, certified: Ledger) -> None:
        with pytest.raises(
            RuleViolation,
            match=re.escape(
                "rule 8 (dates): an annulment dated 2017-06-19 would precede decision V1/J1 of "
                "2017-06-20"
            ),
        ):
            certified.annul_decision("V1/J1", on=date(2017, 6, 19), reason="x", by="tester")

    def test_a_void_certificate_is_neither_revoked_nor_reissued(self, certified: Ledger) -> None:
        certified.annul_decision("V1/J1", on=date(2018, 3, 1), reason="appeal", by="tester")
        with pytest.raises(RuleViolation, match="is void \\(decision V1/J1 was annulled\\)"):
            certified.reissue_certificate("RNCP13080-2017-00001", on=date(2018, 4, 1), by="tester")

    def test_after_an_annulment_a_withdrawal_before_it_is_allowed(self, certified: Ledger) -> None:
        certified.annul_decision("V1/J1", on=date(2018, 3, 1), reason="appeal", by="tester")
        # After the assessments of 2017-06-01 (rule 2), before the annulled decision.
        assert certified.withdraw("V1", on=date(2017, 6, 5), reason="moved", by="tester") == {
            "id": "V1"
        }
        withdrawal = certified.candidate_facts("V1")[-1]
        assert (withdrawal.type, withdrawal.effective_on) == ("CandidateWithdrew", date(2017, 6, 5))


class TestRectification:
    def test_the_new_content_counts_for_every_as_of_once_known(
        self, ledger: Ledger, clock: FixedClock
    ) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=BC01_SEVEN[:6], by="tester")
        before_rectification = later(clock, 1)
        result = ledger.rectify_decision(
            "V1/J1",
            validated=BC01_SEVEN,
            blocks=["BC01"],
            reason="C07 and BC01 omitted from the minutes",
            by="tester",
        )
        assert result == {"id": "V1/J1", "changes": ["blocks_awarded", "validated"]}
        now = status(ledger, date(2017, 6, 20))
        assert now.counting_competencies == 7 and now.blocks[0].counts
        assert now.blocks[0].awarded_on == date(2017, 6, 20)
        then = status(ledger, date(2017, 6, 20), known_at=before_rectification)
        assert then.counting_competencies == 6 and not then.blocks[0].awarded

    def test_a_patch_keeps_what_it_does_not_mention(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=BC01_SEVEN, blocks=["BC01"], by="tester")
        ledger.rectify_decision(
            "V1/J1", validated=[*BC01_SEVEN, "C08"], reason="C08 omitted", by="tester"
        )
        decision = ledger.candidate("V1").dossier.decisions["V1/J1"]
        assert decision.blocks == ("RNCP13080BC01",) and "C08" in decision.validated

    def test_the_rules_are_checked_again_on_the_original_date(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=BC01_SEVEN, blocks=["BC01"], by="tester")
        before = stored(ledger)
        with pytest.raises(
            RuleViolation,
            match=re.escape(
                "rule 5 (thresholds): block RNCP13080BC01 on 2017-06-20: 6 of the 9 count "
                "(C01, C02, C03, C04, C05, C06), 7 required"
            ),
        ):
            ledger.rectify_decision(
                "V1/J1", validated=BC01_SEVEN[:6], reason="C07 not passed", by="tester"
            )
        with pytest.raises(RuleViolation, match=r"rule 4 \(evidence\).* backs competency C10"):
            ledger.rectify_decision(
                "V1/J1", validated=[*BC01_SEVEN, "C10"], reason="typo", by="tester"
            )
        with pytest.raises(RuleViolation, match="rule 1 \\(codes\\): competency C77"):
            ledger.rectify_decision("V1/J1", validated=["C77"], reason="typo", by="tester")
        assert stored(ledger) == before

    def test_a_rectification_that_changes_nothing_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
        with pytest.raises(InvalidInput, match="the rectification changes nothing"):
            ledger.rectify_decision("V1/J1", validated=["C01"], reason="same", by="tester")

    def test_a_certified_award_cannot_be_rectified_away(self, certified: Ledger) -> None:
        before = stored(certified)
        with pytest.raises(
            RuleViolation,
            match=re.escape(
                "rule 7 (certificates): certificate RNCP13080-2017-00002 was issued for the block "
                "RNCP13080BC01 of decision V1/J1: revoke it before rectifying that award away"
            ),
        ):
            certified.rectify_decision("V1/J1", blocks=[], reason="BC01 in error", by="tester")
        assert stored(certified) == before


class TestRevocationAndRoutes:
    def test_a_revoked_certificate_is_held_until_the_day_before(self, certified: Ledger) -> None:
        certified.revoke_certificate(
            "RNCP13080-2017-00001", on=date(2019, 1, 10), reason="forged transcript", by="tester"
        )
        states = {
            day: {c.number: c.state for c in status(certified, day).certificates}
            for day in (date(2019, 1, 9), date(2019, 1, 10))
        }
        assert states[date(2019, 1, 9)]["RNCP13080-2017-00001"] == "held"
        assert states[date(2019, 1, 10)]["RNCP13080-2017-00001"] == "revoked"
        assert states[date(2019, 1, 10)]["RNCP13080-2017-00002"] == "held"

    def test_a_route_change_never_alters_past_decisions(self, ledger: Ledger) -> None:
        enroll(ledger)
        pass_bc01(ledger)
        convene(ledger)
        ledger.record_decision("J1", "V1", validated=BC01_SEVEN, by="tester")
        ledger.change_route("V1", route="vae", on=date(2018, 1, 8), by="tester")
        now = status(ledger, date(2023, 1, 1))
        assert now.route == "vae"
        assert now.counting_competencies == 0  # taken on formation_continue: 5 years only
        assert status(ledger, date(2017, 12, 31)).route == "formation_continue"

    def test_a_withdrawal_takes_effect_from_its_date(self, ledger: Ledger) -> None:
        enroll(ledger)
        ledger.withdraw("V1", on=date(2018, 2, 1), reason="moved", by="tester")
        assert status(ledger, date(2018, 1, 31)).state == "enrolled"
        assert status(ledger, date(2018, 2, 1)).state == "withdrawn"


class TestIdentityRectification:
    def test_rectifies_the_fields_given_and_keeps_the_others(self, ledger: Ledger) -> None:
        enroll(ledger)
        ledger.rectify_identity(
            "V1",
            changes={"birth_name": "Durant", "birth_postcode": "69001", "birth_insee": None},
            reason="typo at enrolment",
            by="tester",
        )
        identity = ledger.candidate("V1").dossier.identity
        assert identity["birth_name"] == "Durant" and identity["first_names"] == ["Alice"]
        assert identity["birth_postcode"] == "69001" and identity["birth_insee"] is None
        fact = ledger.candidate_facts("V1")[-1]
        assert fact.type == "IdentityRectified" and fact.data["reason"] == "typo at enrolment"

    def test_an_identity_the_cpf_flow_could_not_carry_is_refused(self, ledger: Ledger) -> None:
        enroll(ledger)
        before = stored(ledger)
        with pytest.raises(InvalidInput, match="give exactly one of the INSEE code"):
            ledger.rectify_identity(
                "V1", changes={"birth_postcode": "69001"}, reason="x", by="tester"
            )
        assert stored(ledger) == before


def test_a_late_recorded_decision_is_absent_before_it_was_recorded(
    ledger: Ledger, clock: FixedClock
) -> None:
    enroll(ledger)
    pass_bc01(ledger)
    convene(ledger, on=date(2018, 6, 20))
    t0 = later(clock, 30)
    ledger.record_decision("J1", "V1", validated=BC01_SEVEN, blocks=["BC01"], by="tester")
    assert not status(ledger, date(2018, 12, 31), known_at=t0).blocks[0].awarded
    assert status(ledger, date(2018, 12, 31)).blocks[0].counts
    assert t0 < datetime(2026, 12, 31, tzinfo=UTC)
