"""`status` as of a date and as known at an instant, and `history`."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.builders import SIX
from tests.cli.conftest import ALL, Certledger


def flat(out: str) -> list[str]:
    return [" ".join(line.split()) for line in out.splitlines()]


def test_status_prints_the_state_title_blocks_competencies_and_certificates(
    bc01_holder: Certledger,
) -> None:
    lines = flat(bc01_holder.ok("status V1 --as-of 2018-01-01"))

    assert re.fullmatch(
        r"Candidate V1 as of 2018-01-01 \(known at \S+ \S+ \(Paris\)\): in_progress, "
        r"route formation_continue, referential 2006\.1",
        lines[0],
    )
    assert lines[1] == "title RNCP13080: awarded no; eligible no (9 of 35 required)"
    assert lines[2:8] == [
        "Blocks",
        "block awarded counts validity eligible certificate",
        "RNCP13080BC01 2017-06-20 yes valid through 2022-06-19 (until 2022-06-20 excluded) yes "
        "(9/7) RNCP13080-2017-00001",
        "RNCP13080BC02 no no no (0/3)",
        "RNCP13080BC03 no no no (0/7)",
        "RNCP13080BC04 no no no (9/20)",
    ]
    assert lines[8:11] == [
        "Competencies (9 count)",
        "code validated on validity counts decision",
        "C01 2017-06-20 valid through 2022-06-19 (until 2022-06-20 excluded) yes V1/J1",
    ]
    assert lines[-3:] == [
        "Certificates",
        "number kind subject issued on state",
        "RNCP13080-2017-00001 block RNCP13080BC01 2017-06-27 held",
    ]


def test_status_defaults_to_today_and_now(bc01_holder: Certledger) -> None:
    before = bc01_holder.clock.now()
    status = bc01_holder.json("status V1")
    after = bc01_holder.clock.now()

    assert status["as_of"] == bc01_holder.clock.today().isoformat() == "2026-11-26"
    assert before < datetime.fromisoformat(status["known_at"]) < after


def test_status_before_the_enrolment_is_refused(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused("status V1 --as-of 2016-09-11")

    assert error == "Error: candidate V1 was not enrolled on 2016-09-11 (enrolled on 2016-09-12)"


def test_status_of_an_unknown_candidate_is_refused(certledger: Certledger) -> None:
    assert certledger.refused("status V9") == "Error: candidate V9 not found"


def test_status_as_known_at_an_instant_leaves_out_what_was_recorded_later(
    bc01_holder: Certledger,
) -> None:
    decided_at = next(
        e["recorded_at"] for e in bc01_holder.history("V1") if e["type"] == "DecisionRecorded"
    )

    then = bc01_holder.status("V1", "2018-01-01", "--known-at", decided_at)
    now = bc01_holder.status("V1", "2018-01-01")

    assert then["known_at"] == decided_at
    assert then["blocks"][0]["awarded"] is True
    assert then["blocks"][0]["certificate"] is None
    assert then["certificates"] == []
    assert [c["number"] for c in now["certificates"]] == ["RNCP13080-2017-00001"]


@pytest.mark.parametrize(
    ("instant", "meaning"),
    [
        ("2099-01-01", "2099-01-01T23:59:59.999999+01:00"),
        ("2099-07-01T12:00:00", "2099-07-01T12:00:00+02:00"),
        ("2099-07-01T12:00:00+00:00", "2099-07-01T12:00:00+00:00"),
    ],
    ids=["bare date", "no offset", "with offset"],
)
def test_known_at_reads_an_instant_in_the_certifiers_calendar(
    bc01_holder: Certledger, instant: str, meaning: str
) -> None:
    assert bc01_holder.status("V1", "2018-01-01", "--known-at", instant)["known_at"] == meaning


def test_status_known_at_before_the_candidate_was_recorded_is_refused(
    bc01_holder: Certledger,
) -> None:
    error = bc01_holder.refused("status V1 --known-at 2019-01-01")

    assert error.startswith(
        "Error: candidate V1 was not yet recorded at 2019-01-01T23:59:59.999999+01:00 "
        "(first recorded at "
    )


def test_an_instant_that_cannot_be_read_is_a_usage_error(bc01_holder: Certledger) -> None:
    error = bc01_holder.misused("status V1 --known-at yesterday")

    assert error == (
        "Error: Invalid value for '--known-at': 'yesterday' is not an ISO 8601 instant "
        "(e.g. 2019-07-01T12:00:00+02:00)"
    )


def test_known_at_accepts_a_log_position(certledger: Certledger) -> None:
    certledger.enroll("V1")
    enrolled = len(certledger.events())
    certledger.pass_bc01("V1")
    certledger.convene("J1")
    certledger.ok("jury decide J1 V1 --validate C01,C02")

    then = certledger.status("V1", "2018-01-01", "--known-at", f"@{enrolled}")

    assert then["known_at"] == f"@{enrolled}"
    assert (then["state"], then["competencies"]) == ("enrolled", [])
    assert certledger.status("V1", "2018-01-01")["state"] == "in_progress"


def test_known_at_before_the_candidates_first_log_position_is_refused(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")

    error = certledger.refused("status V1 --known-at @1")

    assert error.startswith("Error: candidate V1 was not yet recorded at @1 (first recorded at ")


def test_a_log_position_that_is_not_a_number_is_a_usage_error(bc01_holder: Certledger) -> None:
    error = bc01_holder.misused("status V1 --known-at @x")

    assert error.startswith("Error: Invalid value for '--known-at': '@x' ")


def test_a_validation_of_29_february_counts_until_28_february_five_years_on(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1", "formation_initiale", "2015-09-01")
    certledger.assess("V1", "BC02-E2", "2016-02-01", "C10,C11,C12")
    certledger.convene("J1", on="2016-02-29")
    certledger.ok("jury decide J1 V1 --validate C10,C11,C12 --award-block BC02")

    last = certledger.status("V1", "2021-02-27")
    gone = certledger.status("V1", "2021-02-28")

    assert [(c["counts"], c["valid_until"]) for c in last["competencies"]] == [
        (True, "2021-02-28")
    ] * 3
    assert (last["blocks"][1]["counts"], last["blocks"][1]["valid_until"]) == (True, "2021-02-28")
    assert [c["counts"] for c in gone["competencies"]] == [False] * 3
    assert gone["blocks"][1]["counts"] is False


def test_a_block_awarded_in_vae_counts_for_good(vae_candidate: Certledger) -> None:
    vae_candidate.ok("jury decide JV V2 --validate C10,C11,C12 --award-block BC02")

    bc02 = vae_candidate.status("V2", "2099-12-31")["blocks"][1]

    assert (bc02["awarded_on"], bc02["counts"], bc02["valid_until"], bc02["permanent"]) == (
        "2017-06-21",
        True,
        None,
        True,
    )


def test_a_later_vae_validation_makes_a_competency_permanent(bc01_holder: Certledger) -> None:
    bc01_holder.ok("candidate change-route V1 --route vae --on 2018-01-01")
    bc01_holder.vae_steps("V1", admitted="2018-01-10", livret2="2018-02-01", interview="2018-03-01")
    bc01_holder.convene("JV", on="2018-03-10", people=SIX)
    bc01_holder.ok("jury decide JV V1 --validate C01,C02")

    status = bc01_holder.status("V1", "2023-01-01")

    shown = {c["code"]: c for c in status["competencies"]}
    assert (shown["C01"]["validated_on"], shown["C01"]["permanent"], shown["C01"]["counts"]) == (
        "2018-03-10",
        True,
        True,
    )
    assert [v["decision"] for v in shown["C01"]["validations"]] == ["V1/J1", "V1/JV"]
    assert (shown["C03"]["permanent"], shown["C03"]["counts"]) == (False, False)
    assert status["counting_competencies"] == 2
    assert status["blocks"][0]["counts"] is False


def test_a_certified_candidate_stays_certified_after_withdrawing(certledger: Certledger) -> None:
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2019-09-01")
    certledger.convene("J19", on="2019-10-04")
    certledger.ok(f"jury decide J19 V1 --validate {ALL} --award-title")
    certledger.ok("candidate withdraw V1 --on 2019-11-01 --reason done")

    assert certledger.status("V1", "2019-10-03")["state"] == "enrolled"
    assert certledger.status("V1", "2019-12-01")["state"] == "certified"


def test_history_prints_every_event_with_who_recorded_it(bc01_holder: Certledger) -> None:
    lines = flat(bc01_holder.ok("history V1"))

    assert lines[0] == "History of candidate V1"
    assert lines[1] == "event effective on recorded at by what"
    rows = [line for line in lines if line.startswith("candidate/V1#")]
    assert [row.split()[:3] for row in rows] == [
        ["candidate/V1#1", "2016-09-12", "2026-11-26"],
        ["candidate/V1#2", "2016-09-12", "2026-11-26"],
        ["candidate/V1#3", "2017-06-01", "2026-11-26"],
        ["candidate/V1#4", "2017-06-01", "2026-11-26"],
        ["candidate/V1#5", "2017-06-20", "2026-11-26"],
        ["candidate/V1#6", "2017-06-27", "2026-11-26"],
    ]
    assert all(row.split()[3:6] == ["11:00:00", "(Paris)", "tester"] for row in rows)


def test_history_shows_events_recorded_late_in_recording_order(bc01_holder: Certledger) -> None:
    bc01_holder.assess("V1", "BC02-E2", "2016-10-03", "C10")

    events = bc01_holder.history("V1")

    assert [e["effective_on"] for e in events][-2:] == ["2017-06-27", "2016-10-03"]


def test_history_of_an_unknown_candidate_is_refused(certledger: Certledger) -> None:
    assert certledger.refused("history V9") == "Error: candidate V9 not found"


def test_explain_says_when_the_route_is_open_and_why_the_title_is_not_eligible(
    vae_candidate: Certledger,
) -> None:
    vae_candidate.ok("jury decide JV V2 --validate C10,C11,C12 --award-block BC02")

    document = vae_candidate.json("explain V2 --as-of 2018-01-01")

    assert document["state"]["route"]["why"] == (
        "on route vae since 2017-01-09 (CandidateEnrolled); referential 2006.1 has it open "
        "from 2008-01-01 (rule 12)"
    )
    assert document["title"]["why"] == (
        "not awarded; not eligible: 3 distinct competencies count, 35 required (referential 2006.1)"
    )
    text = vae_candidate.ok("explain V2 --as-of 2018-01-01").splitlines()
    assert text[2].startswith(
        "route vae: on route vae since 2017-01-09 (CandidateEnrolled); referential 2006.1 has "
        "it open from 2008-01-01 (rule 12)  ["
    )


def test_status_json_carries_the_revision_2_keys(bc01_holder: Certledger) -> None:
    status = bc01_holder.status("V1", "2018-01-01")

    assert status["state"] == "in_progress"
    assert {c["derogation"] for c in status["competencies"]} == {False}
    assert status["blocks"][0]["derogation"] is False
    assert (status["title"]["derogation"], status["title"]["revoked_on"]) == (False, None)
    assert status["title"]["note"] is None
