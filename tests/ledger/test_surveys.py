"""Insertion surveys of holders (DOMAIN.md §5): 6 and 24 months after the title, what they
were doing; recorded on the holder's stream, refused for anyone who holds no title."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import InvalidInput, NotFound, RuleViolation
from tests.builders import convene, enroll, pass_everything, stored

EVERYTHING = [f"C{n:02d}" for n in range(1, 43)]


@pytest.fixture
def holder(ledger: Ledger) -> Ledger:
    """V1 holds the title since 2017-06-20."""
    enroll(ledger)
    pass_everything(ledger)
    convene(ledger)
    ledger.record_decision("J1", "V1", validated=EVERYTHING, title=True, by="tester")
    return ledger


def test_a_survey_is_recorded_on_the_holders_stream(holder: Ledger) -> None:
    result = holder.record_survey(
        "V1", survey="6m", on=date(2017, 12, 20), outcome="target_job", rome="l1302", by="t"
    )

    assert result == {"id": "V1"}
    fact = holder.candidate_facts("V1")[-1]
    assert (fact.type, fact.effective_on, dict(fact.data)) == (
        "InsertionSurveyed",
        date(2017, 12, 20),
        {"survey": "6m", "outcome": "target_job", "rome": "L1302"},
    )


def test_a_later_survey_of_the_same_kind_is_the_one_that_counts(holder: Ledger) -> None:
    holder.record_survey("V1", survey="24m", on=date(2019, 6, 20), outcome="no_answer", by="t")
    holder.record_survey("V1", survey="24m", on=date(2019, 7, 1), outcome="seeking", by="t")

    survey = holder.candidate("V1").dossier.survey("24m")
    assert survey is not None and (survey.on, survey.outcome) == (date(2019, 7, 1), "seeking")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"survey": "12m"}, "survey '12m' is not one of 6m, 24m"),
        (
            {"outcome": "employed"},
            "outcome 'employed' is not one of target_job, other_job, seeking, study, no_answer",
        ),
        ({"rome": "L13O2"}, "ROME code 'L13O2' is not a letter and four digits (e.g. L1302)"),
        ({"rome": "L١٣٠٢"}, "ROME code 'L١٣٠٢' is not a letter and four digits (e.g. L1302)"),
        (
            {"outcome": "seeking", "rome": "L1302"},
            "a ROME code names a job: not for outcome seeking",
        ),
    ],
)
def test_a_survey_the_shape_of_which_is_wrong_is_refused(
    holder: Ledger, fields: dict[str, str], message: str
) -> None:
    before = stored(holder)
    given = {"survey": "6m", "outcome": "target_job", "rome": None, **fields}
    with pytest.raises(InvalidInput, match=re.escape(message)):
        holder.record_survey("V1", on=date(2017, 12, 20), by="t", **given)  # type: ignore[arg-type]
    assert stored(holder) == before


def test_a_candidate_without_the_title_is_not_surveyed(ledger: Ledger) -> None:
    enroll(ledger)
    before = stored(ledger)
    with pytest.raises(
        InvalidInput, match="candidate V1 holds no title: insertion surveys are of holders"
    ):
        ledger.record_survey("V1", survey="6m", on=date(2017, 12, 20), outcome="study", by="t")
    assert stored(ledger) == before


def test_a_survey_before_the_title_is_refused(holder: Ledger) -> None:
    with pytest.raises(
        InvalidInput,
        match=re.escape(
            "an insertion survey dated 2017-06-19 would precede candidate V1's title, awarded "
            "on 2017-06-20"
        ),
    ):
        holder.record_survey("V1", survey="6m", on=date(2017, 6, 19), outcome="study", by="t")


def test_a_survey_after_today_is_refused_naming_rule_8(holder: Ledger) -> None:
    with pytest.raises(RuleViolation, match=r"^rule 8 \(dates\): the survey dated 2026-11-27"):
        holder.record_survey("V1", survey="6m", on=date(2026, 11, 27), outcome="study", by="t")


def test_an_unknown_candidate_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="candidate X9 not found"):
        ledger.record_survey("X9", survey="6m", on=date(2017, 12, 20), outcome="study", by="t")


def test_the_same_request_id_replays_the_first_result(holder: Ledger) -> None:
    first = holder.record_survey(
        "V1", survey="6m", on=date(2017, 12, 20), outcome="study", by="t", request_id="S1"
    )
    before = stored(holder)
    again = holder.record_survey(
        "V1", survey="6m", on=date(2017, 12, 20), outcome="study", by="t", request_id="S1"
    )
    assert again["replayed"] is True and again["id"] == first["id"]
    assert stored(holder) == before
