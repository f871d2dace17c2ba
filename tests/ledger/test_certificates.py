"""Certificates: issued only for what a live decision awarded, once, numbers unique (rule 7)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import InvalidInput, NotFound, RuleViolation
from tests.builders import BC01_SEVEN, SIX, convene, enroll, pass_bc01, stored


@pytest.fixture
def awarded(ledger: Ledger) -> Ledger:
    """V1 (formation continue) was awarded BC01 by decision V1/J1 on 2017-06-20."""
    enroll(ledger)
    pass_bc01(ledger)
    convene(ledger)
    ledger.record_decision("J1", "V1", validated=BC01_SEVEN, blocks=["BC01"], by="tester")
    return ledger


def issue(ledger: Ledger, kind: str, on: date = date(2017, 6, 27), **extra: object) -> str:
    result = ledger.issue_certificate("V1/J1", kind=kind, on=on, by="tester", **extra)  # type: ignore[arg-type]
    return str(result["number"])


def test_numbers_come_from_the_register_of_the_year_in_order(awarded: Ledger) -> None:
    assert issue(awarded, "block:BC01") == "RNCP13080-2017-00001"
    assert issue(awarded, "competency:C01") == "RNCP13080-2017-00002"
    assert issue(awarded, "competency:C02", on=date(2018, 1, 5)) == "RNCP13080-2018-00001"


def test_the_certificate_names_the_decision_kind_and_subject(awarded: Ledger) -> None:
    issue(awarded, "block:RNCP13080BC01")
    fact = awarded.candidate_facts("V1")[-1]
    assert fact.type == "CertificateIssued" and fact.effective_on == date(2017, 6, 27)
    assert dict(fact.data) == {
        "number": "RNCP13080-2017-00001",
        "decision_id": "V1/J1",
        "kind": "block",
        "subject": "RNCP13080BC01",
    }


def test_a_second_certificate_for_the_same_award_is_refused(awarded: Ledger) -> None:
    issue(awarded, "block:BC01")
    before = stored(awarded)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 7 (certificates): certificate RNCP13080-2017-00001 was already issued on "
            "2017-06-27 for the block RNCP13080BC01 of decision V1/J1; ask for a duplicate with "
            "`certificate reissue`"
        ),
    ):
        issue(awarded, "block:RNCP13080BC01", on=date(2017, 7, 1))
    assert stored(awarded) == before


def test_a_certificate_for_what_the_decision_did_not_award_is_refused(awarded: Ledger) -> None:
    before = stored(awarded)
    with pytest.raises(RuleViolation, match="decision V1/J1 did not award the title"):
        issue(awarded, "title")
    with pytest.raises(RuleViolation, match="decision V1/J1 did not award block RNCP13080BC02"):
        issue(awarded, "block:BC02")
    with pytest.raises(RuleViolation, match="decision V1/J1 did not validate competency C09"):
        issue(awarded, "competency:C09")
    with pytest.raises(RuleViolation, match="rule 1 \\(codes\\): block BC07 does not exist"):
        issue(awarded, "block:BC07")
    with pytest.raises(InvalidInput, match="kind 'diploma' is not title, block:CODE or competency"):
        issue(awarded, "diploma")
    assert stored(awarded) == before


def test_a_certificate_before_its_decision_is_refused(awarded: Ledger) -> None:
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 7 (certificates): a certificate dated 2017-06-19 would precede decision V1/J1 of "
            "2017-06-20"
        ),
    ):
        issue(awarded, "block:BC01", on=date(2017, 6, 19))


def test_competency_certificates_are_for_vae_and_fpc_routes_only(ledger: Ledger) -> None:
    enroll(ledger, route="formation_initiale")
    pass_bc01(ledger)
    convene(ledger)
    ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 7 (certificates): competency certificates are for VAE and FPC routes; decision "
            "V1/J1 was taken on route formation_initiale"
        ),
    ):
        issue(ledger, "competency:C01")


def test_a_vae_candidate_gets_a_certificate_per_competency(ledger: Ledger) -> None:
    enroll(ledger, route="vae", on=date(2017, 1, 9))
    ledger.admit_vae("V1", on=date(2017, 1, 20), by="tester")
    ledger.hold_vae_interview(
        "V1", on=date(2017, 5, 30), livret2_received_on=date(2017, 4, 28), by="tester"
    )
    convene(ledger, members=SIX)
    ledger.record_decision("J1", "V1", validated=["C10", "C11"], by="tester")
    assert [issue(ledger, "competency:C10"), issue(ledger, "competency:C11")] == [
        "RNCP13080-2017-00001",
        "RNCP13080-2017-00002",
    ]


def test_a_number_given_by_hand_must_be_free(awarded: Ledger) -> None:
    assert issue(awarded, "block:BC01", number="ESEC-0042") == "ESEC-0042"
    before = stored(awarded)
    with pytest.raises(RuleViolation, match="certificate number ESEC-0042 is already taken"):
        issue(awarded, "competency:C01", number="ESEC-0042")
    assert stored(awarded) == before


def test_the_register_skips_a_number_taken_by_hand(awarded: Ledger) -> None:
    issue(awarded, "block:BC01", number="RNCP13080-2017-00001")
    assert issue(awarded, "competency:C01") == "RNCP13080-2017-00002"


def test_an_unknown_decision_is_not_found(awarded: Ledger) -> None:
    with pytest.raises(NotFound, match="decision V1/J9 not found"):
        awarded.issue_certificate("V1/J9", kind="title", on=date(2017, 6, 27), by="tester")
    with pytest.raises(NotFound, match="decision ids look like V1/JV6"):
        awarded.issue_certificate("J9", kind="title", on=date(2017, 6, 27), by="tester")


def test_a_revocation_is_recorded_once_and_not_before_the_issue(awarded: Ledger) -> None:
    number = issue(awarded, "block:BC01")
    with pytest.raises(RuleViolation, match=r"cannot revoke certificate .* on 2017-06-26, before"):
        awarded.revoke_certificate(number, on=date(2017, 6, 26), reason="forged", by="tester")
    awarded.revoke_certificate(number, on=date(2018, 1, 10), reason="forged", by="tester")
    revoked = awarded.candidate("V1").dossier.certificates[number]
    assert revoked.revoked_on == date(2018, 1, 10)
    before = stored(awarded)
    with pytest.raises(RuleViolation, match=f"certificate {number} was revoked on 2018-01-10"):
        awarded.revoke_certificate(number, on=date(2018, 2, 1), reason="again", by="tester")
    assert stored(awarded) == before


def test_a_duplicate_gets_its_own_number_and_points_to_the_original(awarded: Ledger) -> None:
    number = issue(awarded, "block:BC01")
    result = awarded.reissue_certificate(number, on=date(2019, 3, 2), by="tester")
    assert result["number"] == "RNCP13080-2019-00001" and result["duplicate_of"] == number
    duplicate = awarded.candidate("V1").dossier.certificates[str(result["number"])]
    assert (duplicate.kind, duplicate.subject, duplicate.duplicate_of) == (
        "block",
        "RNCP13080BC01",
        number,
    )
    assert awarded.queries.certificate_owner(str(result["number"])) == "V1"


def test_a_revoked_certificate_is_not_reissued(awarded: Ledger) -> None:
    number = issue(awarded, "block:BC01")
    awarded.revoke_certificate(number, on=date(2018, 1, 10), reason="forged", by="tester")
    with pytest.raises(RuleViolation, match=f"certificate {number} was revoked"):
        awarded.reissue_certificate(number, on=date(2019, 3, 2), by="tester")


def test_an_unknown_certificate_is_not_found(awarded: Ledger) -> None:
    with pytest.raises(NotFound, match="certificate NOPE-1 not found"):
        awarded.revoke_certificate("NOPE-1", on=date(2018, 1, 10), reason="x", by="tester")


# Reinstatement: the correction path after a mistaken revocation.


@pytest.fixture
def revoked(awarded: Ledger) -> tuple[Ledger, str]:
    """V1's BC01 certificate, issued on 2017-06-27, revoked from 2018-03-01."""
    number = issue(awarded, "block:BC01")
    awarded.revoke_certificate(number, on=date(2018, 3, 1), reason="forged", by="tester")
    return awarded, number


def test_a_mistaken_revocation_is_cancelled_by_a_reinstatement(
    revoked: tuple[Ledger, str],
) -> None:
    ledger, number = revoked

    result = ledger.reinstate_certificate(
        number, on=date(2018, 4, 2), reason="revoked the wrong holder", by="tester"
    )

    assert result == {"id": number, "reinstated_on": "2018-04-02"}
    fact = ledger.candidate_facts("V1")[-1]
    assert (fact.type, fact.effective_on, dict(fact.data)) == (
        "CertificateReinstated",
        date(2018, 4, 2),
        {"number": number, "reason": "revoked the wrong holder"},
    )
    certificate = ledger.candidate("V1").dossier.certificates[number]
    assert certificate.revocation is None and len(certificate.cancelled) == 1


def test_a_certificate_that_is_not_revoked_cannot_be_reinstated(awarded: Ledger) -> None:
    number = issue(awarded, "block:BC01")
    before = stored(awarded)
    with pytest.raises(
        RuleViolation,
        match=re.escape(f"rule 7 (certificates): certificate {number} is not revoked: nothing"),
    ):
        awarded.reinstate_certificate(number, on=date(2018, 4, 2), reason="x", by="tester")
    assert stored(awarded) == before


def test_a_reinstatement_cannot_precede_the_revocation(revoked: tuple[Ledger, str]) -> None:
    ledger, number = revoked
    before = stored(ledger)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            f"rule 7 (certificates): a reinstatement dated 2018-02-28 would precede the "
            f"revocation of certificate {number} on 2018-03-01"
        ),
    ):
        ledger.reinstate_certificate(number, on=date(2018, 2, 28), reason="x", by="tester")
    assert stored(ledger) == before


def test_a_reinstatement_needs_a_reason(revoked: tuple[Ledger, str]) -> None:
    ledger, number = revoked
    with pytest.raises(InvalidInput, match="a reinstatement needs a reason"):
        ledger.reinstate_certificate(number, on=date(2018, 4, 2), reason="  ", by="tester")


def test_a_void_certificate_cannot_be_reinstated(revoked: tuple[Ledger, str]) -> None:
    ledger, number = revoked
    ledger.annul_decision("V1/J1", on=date(2018, 3, 5), reason="appeal upheld", by="tester")
    with pytest.raises(RuleViolation, match=re.escape(f"certificate {number} is void")):
        ledger.reinstate_certificate(number, on=date(2018, 4, 2), reason="x", by="tester")


def test_a_reinstated_certificate_may_be_revoked_again_on_or_after_its_reinstatement(
    revoked: tuple[Ledger, str],
) -> None:
    ledger, number = revoked
    ledger.reinstate_certificate(number, on=date(2018, 4, 2), reason="mistake", by="tester")
    before = stored(ledger)
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            f"rule 7 (certificates): certificate {number} was reinstated on 2018-04-02: a new "
            "revocation cannot be dated 2018-04-01, before it"
        ),
    ):
        ledger.revoke_certificate(number, on=date(2018, 4, 1), reason="forged", by="tester")
    assert stored(ledger) == before
    ledger.revoke_certificate(number, on=date(2018, 4, 2), reason="forged after all", by="t")
    assert ledger.candidate("V1").dossier.certificates[number].revoked_on == date(2018, 4, 2)


def test_a_reinstated_certificate_may_be_reissued(revoked: tuple[Ledger, str]) -> None:
    ledger, number = revoked
    ledger.reinstate_certificate(number, on=date(2018, 4, 2), reason="mistake", by="tester")
    result = ledger.reissue_certificate(number, on=date(2018, 4, 3), by="tester")
    assert result["duplicate_of"] == number
