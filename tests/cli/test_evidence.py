"""`assessment record`, `vae admit` and `vae interview`: the evidence behind decisions."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Certledger

RECORD = "assessment record V1 --on 2017-06-01"
"""Record an assessment of V1 dated 2017-06-01."""


@pytest.fixture
def enrolled(certledger: Certledger) -> Certledger:
    certledger.enroll("V1")
    return certledger


def test_an_assessment_records_what_was_passed_and_failed(enrolled: Certledger) -> None:
    out = enrolled.ok(
        f"{RECORD} --epreuve BC01-E1 --passed C01,C02,C03 --failed C05 --assessor 'J. Martin'"
    )

    assert out == (
        "Recorded épreuve BC01-E1 of 2017-06-01 for candidate V1: passed C01,C02,C03; failed C05.\n"
    )
    last = enrolled.history("V1")[-1]
    assert (last["type"], last["effective_on"], last["data"]) == (
        "AssessmentRecorded",
        "2017-06-01",
        {
            "candidate": "V1",
            "epreuve": "BC01-E1",
            "passed": ["C01", "C02", "C03"],
            "failed": ["C05"],
            "assessor": "J. Martin",
        },
    )


def test_an_assessment_failed_in_full_is_recorded_too(enrolled: Certledger) -> None:
    out = enrolled.ok(f"{RECORD} --epreuve BC02-E1 --failed C10,C12")

    assert out == (
        "Recorded épreuve BC02-E1 of 2017-06-01 for candidate V1: passed none; failed C10,C12.\n"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "--epreuve BC09-E1 --passed C01",
            "Error: rule 1 (codes): épreuve BC09-E1 does not exist in referential 2006.1 in force "
            "on 2017-06-01",
        ),
        (
            "--epreuve BC01-E1 --passed C01,C99",
            "Error: rule 1 (codes): competency C99 does not exist in referential 2006.1 in force "
            "on 2017-06-01",
        ),
        (
            "--epreuve BC01-E1 --passed C04",
            "Error: rule 1 (codes): épreuve BC01-E1 (BC01) does not assess competency C04; it "
            "assesses C01, C02, C03, C05, C07",
        ),
        (
            "--epreuve BC01-E1 --passed C01 --failed C01",
            "Error: competencies both passed and failed: C01",
        ),
        (
            "--epreuve BC01-E1",
            "Error: an assessment needs at least one passed or failed competency",
        ),
    ],
    ids=[
        "unknown épreuve",
        "unknown competency",
        "competency outside the épreuve",
        "passed and failed",
        "nothing assessed",
    ],
)
def test_an_assessment_that_breaks_a_rule_is_refused(
    enrolled: Certledger, extra: str, message: str
) -> None:
    assert enrolled.refused(f"{RECORD} {extra}") == message


def test_an_assessment_before_the_enrolment_is_refused_by_rule_2(enrolled: Certledger) -> None:
    error = enrolled.refused("assessment record V1 --on 2016-01-04 --epreuve BC01-E1 --passed C01")

    assert error == (
        "Error: rule 2 (enrolment and session): the assessment dated 2016-01-04 is before "
        "candidate V1's enrolment on 2016-09-12"
    )


def test_an_assessment_dated_in_the_future_is_refused_by_rule_8(enrolled: Certledger) -> None:
    error = enrolled.refused("assessment record V1 --on 2099-01-01 --epreuve BC01-E1 --passed C01")

    assert error.startswith(
        "Error: rule 8 (dates): the assessment dated 2099-01-01 is later than today ("
    )


def test_an_assessment_of_an_unknown_candidate_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(f"{RECORD} --epreuve BC01-E1 --passed C01")

    assert error == "Error: candidate V1 not found"


def test_codes_must_be_separated_by_commas(enrolled: Certledger) -> None:
    error = enrolled.misused(f"{RECORD} --epreuve BC01-E1 --passed 'C01 C02'")

    assert error == "Error: Invalid value for '--passed': 'C01 C02' is not a code"


def test_recording_again_under_the_same_request_id_writes_nothing(enrolled: Certledger) -> None:
    line = f"{RECORD} --epreuve BC01-E1 --passed C01 --request-id a-1"
    enrolled.ok(line)
    rows = enrolled.rows()

    assert enrolled.json(line) == {"id": "V1", "replayed": True}
    assert enrolled.rows() == rows


# VAE steps


def test_a_vae_candidate_is_admitted_then_interviewed(certledger: Certledger) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")

    admitted = certledger.ok("vae admit V2 --on 2017-01-20")
    interviewed = certledger.ok("vae interview V2 --on 2017-05-30 --livret2-received 2017-04-28")

    assert admitted == "Candidate V2 admitted to VAE on 2017-01-20.\n"
    assert interviewed == "VAE interview of candidate V2 recorded on 2017-05-30.\n"
    steps = certledger.history("V2")[2:]
    assert [(e["type"], e["effective_on"], e["data"]) for e in steps] == [
        ("VaeAdmitted", "2017-01-20", {"livret1_accepted_on": "2017-01-20"}),
        (
            "VaeInterviewHeld",
            "2017-05-30",
            {"candidate": "V2", "livret2_received_on": "2017-04-28"},
        ),
    ]


@pytest.mark.parametrize("step", ["admit", "interview"])
def test_vae_steps_for_a_candidate_not_in_vae_are_refused_by_rule_4(
    enrolled: Certledger, step: str
) -> None:
    args = ("vae", step, "V1", "--on", "2017-01-20")
    if step == "interview":
        args = (*args, "--livret2-received", "2017-01-10")

    error = enrolled.refused(*args)

    assert error == (
        f"Error: rule 4 (evidence): a VAE {'admission' if step == 'admit' else 'interview'} is "
        "for VAE candidates; candidate V1 is on route formation_continue on 2017-01-20"
    )


def test_an_interview_before_the_admission_is_refused_by_rule_4(certledger: Certledger) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")

    error = certledger.refused("vae interview V2 --on 2017-05-30 --livret2-received 2017-04-28")

    assert error == "Error: rule 4 (evidence): candidate V2 has not been admitted to VAE (livret 1)"


@pytest.mark.parametrize(
    ("livret2", "interview"),
    [("2017-01-10", "2017-05-30"), ("2017-04-28", "2017-04-27")],
    ids=["livret 2 before admission", "interview before livret 2"],
)
def test_vae_steps_out_of_order_are_refused_by_rule_4(
    certledger: Certledger, livret2: str, interview: str
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.ok("vae admit V2 --on 2017-01-20")

    error = certledger.refused(f"vae interview V2 --on {interview} --livret2-received {livret2}")

    assert error == (
        f"Error: rule 4 (evidence): VAE steps out of order: admitted 2017-01-20 <= livret 2 "
        f"received {livret2} <= interview {interview} does not hold"
    )


def test_admitting_a_candidate_twice_is_refused(certledger: Certledger) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.ok("vae admit V2 --on 2017-01-20")

    error = certledger.refused("vae admit V2 --on 2017-02-01")

    assert error == "Error: candidate V2 was already admitted to VAE on 2017-01-20"


def test_a_livret_2_received_in_the_future_is_refused_by_rule_8(certledger: Certledger) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.ok("vae admit V2 --on 2017-01-20")

    error = certledger.refused("vae interview V2 --on 2017-05-30 --livret2-received 2099-01-01")

    assert error.startswith(
        "Error: rule 8 (dates): the receipt of livret 2 dated 2099-01-01 is later than today ("
    )
