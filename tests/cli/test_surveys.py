"""`survey record`: insertion surveys of holders, 6 and 24 months after the title."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import ALL, Certledger


@pytest.fixture
def holder(certledger: Certledger) -> Certledger:
    """V1 awarded the title on 2017-06-20."""
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2017-06-01")
    certledger.convene("J1")
    certledger.ok(f"jury decide J1 V1 --validate {ALL} --award-title")
    return certledger


def test_a_survey_is_recorded_and_shows_in_the_history(holder: Certledger) -> None:
    out = holder.ok(
        "survey record V1 --survey 6m --on 2017-12-20 --outcome target_job --rome L1302"
    )

    assert out == "Recorded the 6m survey of V1: target_job.\n"
    event = holder.history("V1")[-1]
    assert (event["type"], event["effective_on"], event["data"]) == (
        "InsertionSurveyed",
        "2017-12-20",
        {"survey": "6m", "outcome": "target_job", "rome": "L1302"},
    )


def test_survey_json_prints_the_candidate(holder: Certledger) -> None:
    assert holder.json("survey record V1 --survey 24m --on 2019-06-20 --outcome study") == {
        "id": "V1"
    }


def test_the_same_request_id_records_the_survey_once(holder: Certledger) -> None:
    line = "survey record V1 --survey 6m --on 2017-12-20 --outcome seeking --request-id S-1"
    holder.ok(line)
    rows = holder.rows()

    result = holder(line)

    assert result.exit_code == 0
    assert "already recorded under this request id" in result.stderr
    assert holder.rows() == rows


def test_a_candidate_without_the_title_is_refused(certledger: Certledger) -> None:
    certledger.enroll("V1")

    error = certledger.refused("survey record V1 --survey 6m --on 2017-12-20 --outcome study")

    assert error == "Error: candidate V1 holds no title: insertion surveys are of holders"


def test_a_rome_code_that_is_not_one_is_refused(holder: Certledger) -> None:
    error = holder.refused(
        "survey record V1 --survey 6m --on 2017-12-20 --outcome other_job --rome 13O2"
    )

    assert error == "Error: ROME code '13O2' is not a letter and four digits (e.g. L1302)"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "--survey 12m --on 2017-12-20 --outcome study",
            "Error: Invalid value for '--survey': '12m' is not one of '6m', '24m'.",
        ),
        (
            "--survey 6m --on 2017-12-20 --outcome hired",
            "Error: Invalid value for '--outcome': 'hired' is not one of 'target_job', "
            "'other_job', 'seeking', 'study', 'no_answer'.",
        ),
        (
            "--survey 6m --on 2017-02-30 --outcome study",
            "Error: Invalid value for '--on': '2017-02-30' is not a real calendar date (day is "
            "out of range for month)",
        ),
        ("--survey 6m --outcome study", "Error: Missing option '--on'."),
    ],
)
def test_bad_usage_is_refused_with_exit_code_2(
    holder: Certledger, options: str, message: str
) -> None:
    assert holder.misused(f"survey record V1 {options}") == message


def test_the_rates_reach_report_stats(holder: Certledger) -> None:
    holder.ok("survey record V1 --survey 6m --on 2017-12-20 --outcome target_job")

    total = json.loads(holder.ok("report stats --year 2017 --format json"))[-1]

    assert (total["surveyed_6m"], total["answered_6m"], total["insertion_target_6m"]) == (
        1,
        1,
        1.0,
    )
