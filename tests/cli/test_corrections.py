"""`decision rectify/annul`, `candidate rectify-identity`, `explain` and `replay`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.conftest import NINE, Certledger, variant

SIX = "C01,C02,C03,C04,C05,C06"

BECAUSE_KEYS = {
    *("event", "type", "effective_on", "recorded_at", "recorded_by"),
    *("decision", "session", "referential"),
}


@pytest.fixture
def six_of_bc01(certledger: Certledger) -> Certledger:
    """V1 (formation continue) with evidence for C01-C09; jury J1 validated only C01-C06."""
    certledger.enroll("V1")
    certledger.pass_bc01("V1")
    certledger.convene("J1", on="2017-06-20")
    certledger.ok(f"jury decide J1 V1 --validate {SIX}")
    return certledger


def recorded_at(certledger: Certledger, candidate: str, event_type: str) -> str:
    return next(e["recorded_at"] for e in certledger.history(candidate) if e["type"] == event_type)


@pytest.fixture
def block_on_an_earlier_decision(certledger: Certledger) -> Certledger:
    """V1: jury J1 validated C01-C09 on 2017-06-20; jury J2 awarded BC01 on 2017-07-20 on the
    strength of them (validating nothing itself)."""
    certledger.enroll("V1")
    certledger.pass_bc01("V1")
    certledger.convene("J1", on="2017-06-20")
    certledger.convene("J2", on="2017-07-20")
    certledger.ok(f"jury decide J1 V1 --validate {NINE}")
    certledger.ok("jury decide J2 V1 --award-block BC01")
    return certledger


LEFT_SHORT = (
    "Error: rule 5 (thresholds): block RNCP13080BC01 awarded by decision V1/J2 on 2017-07-20 "
    "rests on decision V1/J1: it would fall short of its threshold ({shortfall}); rectify or "
    "annul decision V1/J2 first"
)


@pytest.mark.parametrize(
    ("correction", "shortfall"),
    [
        (
            "decision rectify V1/J1 --validate C01 --reason 'minutes misread'",
            "1 of the 9 count (C01), 7 required",
        ),
        (
            "decision annul V1/J1 --on 2026-11-01 --reason appeal",
            "0 of the 9 count (none), 7 required",
        ),
    ],
)
def test_a_correction_that_leaves_a_later_award_short_of_its_threshold_is_refused(
    block_on_an_earlier_decision: Certledger, correction: str, shortfall: str
) -> None:
    certledger = block_on_an_earlier_decision
    before = certledger.rows()

    assert certledger.refused(correction) == LEFT_SHORT.format(shortfall=shortfall)
    assert certledger.rows() == before
    certledger.ok("decision annul V1/J2 --on 2026-11-01 --reason appeal")
    certledger.ok(correction)
    assert certledger.status("V1", "2017-08-01")["blocks"][0]["awarded"] is False


def test_an_award_already_short_before_a_correction_does_not_hold_it_back(
    certledger: Certledger, tmp_path: Path
) -> None:
    # BC01 awarded on 7 of its competencies; a version published since, in force from before
    # that day, asks 8: the award is short whatever becomes of the later decision.
    certledger.enroll("V1")
    certledger.pass_bc01("V1")
    certledger.convene("J1", on="2017-06-20")
    certledger.convene("J2", on="2017-07-20")
    certledger.ok("jury decide J1 V1 --validate C01,C02,C03,C04,C05,C06,C07 --award-block BC01")
    certledger.ok("jury decide J2 V1 --validate C08")
    stricter = variant(
        tmp_path,
        "v2.toml",
        ('version = "2006.1"', 'version = "2017.1"'),
        ("un tournage d'un film\"\nrequired = 7", "un tournage d'un film\"\nrequired = 8"),
    )
    certledger.ok(f"referential publish {stricter} --effective-from 2017-01-01")

    certledger.ok("decision annul V1/J2 --on 2026-11-01 --reason appeal")


def test_a_correction_that_leaves_a_later_award_its_threshold_is_recorded(
    block_on_an_earlier_decision: Certledger,
) -> None:
    certledger = block_on_an_earlier_decision

    certledger.ok("decision rectify V1/J1 --validate C01,C02,C03,C04,C05,C06,C07 --reason typo")

    bc01 = certledger.status("V1", "2017-08-01")["blocks"][0]
    assert (bc01["awarded"], bc01["counts"], bc01["eligible"]) == (True, True, True)


# decision rectify


def test_a_rectified_decision_counts_with_its_new_content_from_its_own_date(
    six_of_bc01: Certledger,
) -> None:
    rectified = six_of_bc01.json(
        f"decision rectify V1/J1 --validate {NINE} --award-block BC01 "
        "--reason 'C07-C09 and BC01 omitted from the minutes'"
    )

    assert rectified["id"] == "V1/J1"
    status = six_of_bc01.status("V1", "2017-06-20")
    assert [c["code"] for c in status["competencies"]] == NINE.split(",")
    assert (status["blocks"][0]["awarded"], status["blocks"][0]["awarded_on"]) == (
        True,
        "2017-06-20",
    )
    assert six_of_bc01.history("V1")[-1]["type"] == "DecisionRectified"


def test_known_at_before_a_rectification_shows_the_uncorrected_record(
    six_of_bc01: Certledger,
) -> None:
    decided_at = recorded_at(six_of_bc01, "V1", "DecisionRecorded")
    six_of_bc01.ok(f"decision rectify V1/J1 --validate {NINE} --reason 'C07-C09 omitted'")

    before = six_of_bc01.status("V1", "2018-01-01", "--known-at", decided_at)
    after = six_of_bc01.status("V1", "2018-01-01")

    assert [c["code"] for c in before["competencies"]] == SIX.split(",")
    assert [c["code"] for c in after["competencies"]] == NINE.split(",")


def test_a_rectification_is_judged_again_on_the_deliberation_date(
    six_of_bc01: Certledger,
) -> None:
    error = six_of_bc01.refused("decision rectify V1/J1 --validate C01,C10 --reason 'typo'")

    assert error == (
        "Error: rule 4 (evidence): no passed assessment on or before 2017-06-20 and less than "
        "the validity period old backs competency C10 (a --derogation can override it)"
    )


def test_rectifying_an_unknown_decision_is_refused(six_of_bc01: Certledger) -> None:
    error = six_of_bc01.refused("decision rectify V1/J9 --validate C01 --reason typo")

    assert error == "Error: decision V1/J9 not found"


# decision annul


def test_an_annulled_decision_never_had_effect_and_voids_its_certificates(
    six_of_bc01: Certledger,
) -> None:
    six_of_bc01.ok(f"decision rectify V1/J1 --validate {NINE} --award-block BC01 --reason x")
    six_of_bc01.ok("certificate issue V1/J1 --kind block:BC01 --on 2017-06-27")

    annulled = six_of_bc01.json("decision annul V1/J1 --on 2018-03-01 --reason 'appeal upheld'")

    assert annulled["id"] == "V1/J1"
    for day in ("2017-06-27", "2018-03-01"):
        status = six_of_bc01.status("V1", day)
        assert (status["state"], status["competencies"]) == ("enrolled", [])
        assert status["blocks"][0]["awarded"] is False
        assert [(c["number"], c["state"]) for c in status["certificates"]] == [
            ("RNCP13080-2017-00001", "void")
        ]


def test_known_at_before_an_annulment_shows_the_certificate_held(
    six_of_bc01: Certledger,
) -> None:
    six_of_bc01.ok("certificate issue V1/J1 --kind competency:C01 --on 2017-06-27")
    issued_at = recorded_at(six_of_bc01, "V1", "CertificateIssued")
    six_of_bc01.ok("decision annul V1/J1 --on 2018-03-01 --reason 'appeal upheld'")

    then = six_of_bc01.status("V1", "2018-06-01", "--known-at", issued_at)

    assert [c["state"] for c in then["certificates"]] == ["held"]
    assert then["counting_competencies"] == 6


def test_annulling_twice_is_refused(six_of_bc01: Certledger) -> None:
    six_of_bc01.ok("decision annul V1/J1 --on 2018-03-01 --reason 'appeal upheld'")

    error = six_of_bc01.refused("decision annul V1/J1 --on 2018-04-01 --reason again")

    assert error == "Error: decision V1/J1 was annulled on 2018-03-01"


def test_no_certificate_is_issued_from_an_annulled_decision(six_of_bc01: Certledger) -> None:
    six_of_bc01.ok("decision annul V1/J1 --on 2018-03-01 --reason 'appeal upheld'")

    error = six_of_bc01.refused("certificate issue V1/J1 --kind competency:C01 --on 2018-03-02")

    assert error == "Error: rule 7 (certificates): decision V1/J1 was annulled: nothing to certify"


# candidate rectify-identity


def test_rectifying_an_identity_records_what_changed_and_why(certledger: Certledger) -> None:
    certledger.enroll("V1")

    out = certledger.json("candidate rectify-identity V1 --birth-name Durant --reason typo")

    assert out == {"id": "V1"}
    last = certledger.history("V1")[-1]
    assert (last["type"], last["data"]) == (
        "IdentityRectified",
        {"changes": {"birth_name": "Durant"}, "reason": "typo"},
    )


def test_rectifying_an_identity_checks_its_fields(certledger: Certledger) -> None:
    certledger.enroll("V1")

    error = certledger.refused(
        "candidate rectify-identity V1 --birth-insee 7 --reason typo", code=2
    )

    assert error == (
        "Error: birth place: INSEE code '7' must be 5 ASCII characters, the département "
        "(2 digits, or 2A/2B) then 3 digits, e.g. 75056"
    )


def test_rectifying_a_birth_date_checks_the_minimum_age_at_enrolment(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")

    error = certledger.refused(
        "candidate rectify-identity V1 --birth-date 2003-01-01 --reason 'civil register'"
    )

    assert error == (
        "Error: birth date: 2003-01-01 is less than 16 years before the enrolment "
        "on 2016-09-12 (referential 2006.1 sets the minimum age at 16)"
    )


def test_rectifying_an_identity_needs_something_to_change(certledger: Certledger) -> None:
    certledger.enroll("V1")

    error = certledger.refused("candidate rectify-identity V1 --reason typo")

    assert error == "Error: give at least one identity field to rectify"


# explain and replay


def test_explain_json_gives_each_item_the_events_behind_it(six_of_bc01: Certledger) -> None:
    explained = six_of_bc01.json("explain V1 --as-of 2018-01-01")

    assert (explained["candidate"], explained["as_of"]) == ("V1", "2018-01-01")
    c01 = explained["competencies"][0]
    assert (c01["code"], c01["counts"], c01["valid_until"]) == ("C01", True, "2022-06-20")
    assert c01["because"], "a validated competency is explained by events"
    for event in c01["because"]:
        assert event.keys() >= BECAUSE_KEYS
    assert {e["type"] for e in c01["because"]} >= {"DecisionRecorded", "AssessmentRecorded"}
    assert {e["decision"] for e in c01["because"]} == {"V1/J1"}
    for block in explained["blocks"]:
        assert "because" in block
    assert "because" in explained["title"]


def test_replay_json_prints_every_status_as_of_a_date(six_of_bc01: Certledger) -> None:
    six_of_bc01.enroll("V2", "vae", "2017-01-09")

    replayed = sorted(
        json.loads(six_of_bc01.ok("replay --as-of 2018-01-01 --format json")),
        key=lambda s: s["candidate"],
    )

    assert [(s["candidate"], s["state"], s["counting_competencies"]) for s in replayed] == [
        ("V1", "in_progress", 6),
        ("V2", "enrolled", 0),
    ]
    status = six_of_bc01.status("V1", "2018-01-01")
    # The standing with the Caisse des Dépôts and the warnings: status only.
    assert (status.pop("cpf"), status.pop("warnings")) == ([], [])
    assert {**replayed[0], "known_at": None} == {**status, "known_at": None}


def test_replay_csv_has_one_row_per_candidate(six_of_bc01: Certledger) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(
                six_of_bc01.ok("replay --as-of 2018-01-01 --format csv --csv-dialect rfc4180")
            )
        )
    )

    assert [(r["candidate"], r["state"], r["counting_competencies"]) for r in rows] == [
        ("V1", "in_progress", "6")
    ]
