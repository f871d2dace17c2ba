"""`certificate issue/revoke/reissue`: rule 7, numbers, and states as of a date."""

from __future__ import annotations

import pytest

from tests.cli.conftest import ALL, Certledger

FIRST = "RNCP13080-2017-00001"
"""The block certificate of the `bc01_holder` fixture."""


def states(certledger: Certledger, candidate: str, as_of: str) -> list[tuple[str, str]]:
    return [(c["number"], c["state"]) for c in certledger.status(candidate, as_of)["certificates"]]


# issue


def test_issuing_prints_the_next_number_of_the_year(bc01_holder: Certledger) -> None:
    bc01_holder.enroll("V2")
    bc01_holder.pass_bc01("V2")
    bc01_holder.ok("jury decide J1 V2 --validate C01,C02,C03,C04,C05,C06,C07 --award-block BC01")

    out = bc01_holder.ok("certificate issue V2/J1 --kind block:BC01 --on 2017-06-28")

    assert out == "RNCP13080-2017-00002\n"


def test_issue_json_describes_the_certificate(certledger: Certledger) -> None:
    certledger.enroll("V1")
    certledger.pass_bc01("V1")
    certledger.convene("J1")
    certledger.ok(
        "jury decide J1 V1 --validate C01,C02,C03,C04,C05,C06,C07 --award-block RNCP13080BC01"
    )

    issued = certledger.json("certificate issue V1/J1 --kind block:RNCP13080BC01 --on 2017-06-27")

    assert issued == {
        "id": FIRST,
        "number": FIRST,
        "kind": "block",
        "subject": "RNCP13080BC01",
        "decision": "V1/J1",
        "issued_on": "2017-06-27",
    }


def test_a_competency_certificate_is_issued_to_a_formation_continue_candidate(
    bc01_holder: Certledger,
) -> None:
    out = bc01_holder.ok("certificate issue V1/J1 --kind competency:C05 --on 2017-06-27")

    assert out == "RNCP13080-2017-00002\n"
    issued = bc01_holder.status("V1", "2017-06-27")["certificates"][-1]
    assert (issued["kind"], issued["subject"], issued["state"]) == ("competency", "C05", "held")


def test_a_competency_certificate_is_issued_for_a_vae_partial_validation(
    vae_candidate: Certledger,
) -> None:
    vae_candidate.ok("jury decide JV V2 --validate C10,C11")

    assert (
        vae_candidate.json("certificate issue V2/JV --kind competency:C11 --on 2017-07-01")[
            "subject"
        ]
        == "C11"
    )


def test_a_competency_certificate_on_a_route_without_them_is_refused_by_rule_7(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1", "formation_initiale")
    certledger.pass_bc01("V1")
    certledger.convene("J1")
    certledger.ok("jury decide J1 V1 --validate C01")

    error = certledger.refused("certificate issue V1/J1 --kind competency:C01 --on 2017-06-27")

    assert error == (
        "Error: rule 7 (certificates): competency certificates are for VAE and FPC routes; "
        "decision V1/J1 was taken on route formation_initiale"
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("title", "Error: rule 7 (certificates): decision V1/J1 did not award the title"),
        (
            "block:BC02",
            "Error: rule 7 (certificates): decision V1/J1 did not award block RNCP13080BC02",
        ),
        (
            "competency:C10",
            "Error: rule 7 (certificates): decision V1/J1 did not validate competency C10",
        ),
        (
            "block:BC09",
            "Error: rule 1 (codes): block BC09 does not exist in referential 2006.1 "
            "in force on 2017-06-20 (blocks: BC01, BC02, BC03, BC04)",
        ),
        (
            "competency:C99",
            "Error: rule 1 (codes): competency C99 does not exist in referential "
            "2006.1 in force on 2017-06-20",
        ),
        ("diploma", "Error: kind 'diploma' is not title, block:CODE or competency:CODE"),
    ],
)
def test_a_certificate_for_what_the_decision_did_not_award_is_refused(
    bc01_holder: Certledger, kind: str, message: str
) -> None:
    error = bc01_holder.refused(f"certificate issue V1/J1 --kind {kind} --on 2017-06-27")

    assert error == message


def test_a_certificate_dated_before_its_decision_is_refused_by_rule_7(
    bc01_holder: Certledger,
) -> None:
    error = bc01_holder.refused("certificate issue V1/J1 --kind competency:C01 --on 2017-06-19")

    assert error == (
        "Error: rule 7 (certificates): a certificate dated 2017-06-19 would precede decision "
        "V1/J1 of 2017-06-20"
    )


def test_a_certificate_dated_in_the_future_is_refused_by_rule_8(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused("certificate issue V1/J1 --kind competency:C01 --on 2099-01-01")

    assert error.startswith(
        "Error: rule 8 (dates): the certificate dated 2099-01-01 is later than today ("
    )


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("V1/J9", "Error: decision V1/J9 not found"),
        ("V9/J1", "Error: candidate V9 not found"),
        ("V1J1", "Error: decision V1J1 not found (decision ids look like V1/JV6)"),
    ],
)
def test_a_certificate_of_an_unknown_decision_is_refused(
    bc01_holder: Certledger, decision: str, message: str
) -> None:
    error = bc01_holder.refused(f"certificate issue {decision} --kind title --on 2017-06-27")

    assert error == message


def test_a_number_given_by_hand_is_used_once(bc01_holder: Certledger) -> None:
    out = bc01_holder.ok(
        "certificate issue V1/J1 --kind competency:C01 --on 2017-06-27 --number ESEC-0042"
    )

    error = bc01_holder.refused(
        "certificate issue V1/J1 --kind competency:C02 --on 2017-06-27 --number ESEC-0042"
    )

    assert out == "ESEC-0042\n"
    assert error == "Error: rule 7 (certificates): certificate number ESEC-0042 is already taken"


def test_the_register_skips_a_number_taken_by_hand(bc01_holder: Certledger) -> None:
    bc01_holder.ok(
        "certificate issue V1/J1 --kind competency:C01 --on 2017-06-27 --number "
        "RNCP13080-2017-00002",
    )

    out = bc01_holder.ok("certificate issue V1/J1 --kind competency:C02 --on 2017-06-27")

    assert out == "RNCP13080-2017-00003\n"


def test_a_refused_issue_uses_up_no_number(bc01_holder: Certledger) -> None:
    bc01_holder.refused("certificate issue V1/J1 --kind block:BC01 --on 2017-06-28")

    out = bc01_holder.ok("certificate issue V1/J1 --kind competency:C01 --on 2017-06-28")

    assert out == "RNCP13080-2017-00002\n"


def test_issuing_again_under_the_same_request_id_prints_the_same_number_and_writes_nothing(
    bc01_holder: Certledger,
) -> None:
    line = "certificate issue V1/J1 --kind competency:C01 --on 2017-06-28 --request-id c-1"
    first = bc01_holder.json(line)
    rows = bc01_holder.rows()

    again = bc01_holder.json(line)

    assert first["number"] == again["number"] == "RNCP13080-2017-00002"
    assert bc01_holder.rows() == rows


# revoke


def test_a_revoked_certificate_is_held_the_day_before_and_revoked_from_the_date(
    bc01_holder: Certledger,
) -> None:
    out = bc01_holder.ok(f"certificate revoke {FIRST} --on 2018-05-01 --reason 'forged transcript'")

    assert out == f"Certificate {FIRST} revoked from 2018-05-01.\n"
    assert states(bc01_holder, "V1", "2018-04-30") == [(FIRST, "held")]
    assert states(bc01_holder, "V1", "2018-05-01") == [(FIRST, "revoked")]
    revoked = bc01_holder.status("V1", "2018-05-01")["certificates"][0]
    assert revoked["revoked_on"] == "2018-05-01"
    assert bc01_holder.history("V1")[-1]["data"] == {
        "number": FIRST,
        "reason": "forged transcript",
    }


def test_revoke_json_prints_the_number_and_date(bc01_holder: Certledger) -> None:
    assert bc01_holder.json(f"certificate revoke {FIRST} --on 2018-05-01 --reason forged") == {
        "id": FIRST,
        "revoked_on": "2018-05-01",
    }


def test_revoking_twice_is_refused_by_rule_7(bc01_holder: Certledger) -> None:
    bc01_holder.ok(f"certificate revoke {FIRST} --on 2018-05-01 --reason forged")

    error = bc01_holder.refused(f"certificate revoke {FIRST} --on 2018-06-01 --reason forged")

    assert error == f"Error: rule 7 (certificates): certificate {FIRST} was revoked on 2018-05-01"


def test_a_revocation_before_the_issue_is_refused_by_rule_7(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused(f"certificate revoke {FIRST} --on 2017-06-26 --reason forged")

    assert error == (
        f"Error: rule 7 (certificates): cannot revoke certificate {FIRST} on 2017-06-26, before "
        "its issue on 2017-06-27"
    )


def test_a_revocation_in_the_future_is_refused_by_rule_8(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused(f"certificate revoke {FIRST} --on 2099-01-01 --reason forged")

    assert error.startswith(
        "Error: rule 8 (dates): the revocation dated 2099-01-01 is later than today ("
    )


def test_a_revocation_needs_a_reason(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused(f"certificate revoke {FIRST} --on 2018-05-01 --reason '  '")

    assert error == "Error: a revocation needs a reason"


def test_revoking_an_unknown_certificate_is_refused(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused("certificate revoke NOPE-1 --on 2018-05-01 --reason forged")

    assert error == "Error: certificate NOPE-1 not found"


# reissue


def test_a_duplicate_gets_a_new_number_and_shows_beside_the_original(
    bc01_holder: Certledger,
) -> None:
    out = bc01_holder.ok(f"certificate reissue {FIRST} --on 2018-03-01")

    assert out == "RNCP13080-2018-00001\n"
    certificates = bc01_holder.status("V1", "2018-03-01")["certificates"]
    assert [
        (c["number"], c["kind"], c["subject"], c["issued_on"], c["state"], c["duplicate_of"])
        for c in certificates
    ] == [
        (FIRST, "block", "RNCP13080BC01", "2017-06-27", "held", None),
        ("RNCP13080-2018-00001", "block", "RNCP13080BC01", "2018-03-01", "held", FIRST),
    ]
    assert states(bc01_holder, "V1", "2018-02-28") == [(FIRST, "held")]


def test_reissue_json_names_the_duplicate_and_its_original(bc01_holder: Certledger) -> None:
    assert bc01_holder.json(f"certificate reissue {FIRST} --on 2018-03-01 --number DUP-1") == {
        "id": "DUP-1",
        "number": "DUP-1",
        "duplicate_of": FIRST,
        "issued_on": "2018-03-01",
    }


def test_a_duplicate_of_a_revoked_certificate_is_refused_by_rule_7(
    bc01_holder: Certledger,
) -> None:
    bc01_holder.ok(f"certificate revoke {FIRST} --on 2018-05-01 --reason forged")

    error = bc01_holder.refused(f"certificate reissue {FIRST} --on 2018-06-01")

    assert error == f"Error: rule 7 (certificates): certificate {FIRST} was revoked on 2018-05-01"


def test_a_duplicate_dated_before_the_original_is_refused_by_rule_7(
    bc01_holder: Certledger,
) -> None:
    error = bc01_holder.refused(f"certificate reissue {FIRST} --on 2017-06-01")

    assert error == (
        f"Error: rule 7 (certificates): cannot reissue certificate {FIRST} on 2017-06-01, "
        "before its issue on 2017-06-27"
    )


def test_a_duplicate_of_an_unknown_certificate_is_refused(bc01_holder: Certledger) -> None:
    assert bc01_holder.refused("certificate reissue NOPE-1 --on 2018-06-01") == (
        "Error: certificate NOPE-1 not found"
    )


# The revoked state, and reinstatement after a mistaken revocation.


@pytest.fixture
def titled(certledger: Certledger) -> tuple[Certledger, str]:
    """V1 awarded the title on 2017-06-20, its certificate issued on 2017-06-27."""
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2017-06-01")
    certledger.convene("J1")
    certledger.ok(f"jury decide J1 V1 --validate {ALL} --award-title")
    number = certledger.json("certificate issue V1/J1 --kind title --on 2017-06-27")["number"]
    return certledger, number


def test_a_holder_whose_title_is_revoked_is_in_state_revoked_and_listed_so(
    titled: tuple[Certledger, str],
) -> None:
    certledger, number = titled
    certledger.ok(f"certificate revoke {number} --on 2018-03-01 --reason 'forged'")

    assert certledger.status("V1", "2018-02-28")["state"] == "certified"
    status = certledger.status("V1", "2018-03-01")
    assert (status["state"], status["title"]["revoked_on"]) == ("revoked", "2018-03-01")
    listed = certledger.json("candidate list --state revoked --as-of 2018-03-01")
    assert [r["candidate"] for r in listed] == ["V1"]
    assert certledger.json("candidate list --state certified --as-of 2018-03-01") == []
    assert "V1 revoked formation_continue" in " ".join(
        certledger.ok("candidate list --as-of 2018-03-01").split()
    )
    first = certledger.ok("status V1 --as-of 2018-03-01").splitlines()[0]
    assert first.split(": ", 1)[1].startswith("revoked, route formation_continue")


def test_reinstating_a_mistaken_revocation_makes_the_holder_certified_again(
    titled: tuple[Certledger, str],
) -> None:
    certledger, number = titled
    certledger.ok(f"certificate revoke {number} --on 2018-03-01 --reason 'forged'")

    out = certledger.ok(
        f"certificate reinstate {number} --on 2018-03-05 --reason 'revoked the wrong holder'"
    )

    assert out == f"Certificate {number} reinstated: its revocation is cancelled.\n"
    status = certledger.status("V1", "2018-03-02")
    assert status["state"] == "certified" and status["certificates"][0]["state"] == "held"
    assert certledger.json("candidate list --state revoked --as-of 2018-04-01") == []
    explained = " ".join(certledger.ok("explain V1 --as-of 2018-04-01").split())
    assert "was cancelled as mistaken on 2018-03-05 (revoked the wrong holder)" in explained


def test_reinstate_json_prints_the_number_and_date(titled: tuple[Certledger, str]) -> None:
    certledger, number = titled
    certledger.ok(f"certificate revoke {number} --on 2018-03-01 --reason 'forged'")

    result = certledger.json(f"certificate reinstate {number} --on 2018-03-05 --reason mistake")

    assert result == {"id": number, "reinstated_on": "2018-03-05"}


def test_reinstating_a_certificate_that_is_not_revoked_is_refused_by_rule_7(
    titled: tuple[Certledger, str],
) -> None:
    certledger, number = titled

    error = certledger.refused(f"certificate reinstate {number} --on 2018-03-05 --reason x")

    assert error == (
        f"Error: rule 7 (certificates): certificate {number} is not revoked: nothing to reinstate"
    )


def test_reinstating_needs_a_reason_and_a_date(titled: tuple[Certledger, str]) -> None:
    certledger, number = titled

    assert certledger.misused(f"certificate reinstate {number} --on 2018-03-05") == (
        "Error: Missing option '--reason'."
    )
