"""Validity windows: 5 years (exclusive end) for most routes, for good through VAE."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.rules import add_years
from tests.projections.streams import (
    BC01,
    BC01_SEVEN,
    Stream,
    block,
    certificate,
    competency,
    counting_codes,
    status,
)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2017, 6, 20), 5, date(2022, 6, 20)),
        (date(2016, 2, 29), 5, date(2021, 2, 28)),
        (date(2016, 2, 29), 4, date(2020, 2, 29)),
        (date(2016, 2, 28), 5, date(2021, 2, 28)),
        (date(2019, 12, 31), 5, date(2024, 12, 31)),
        (date(2020, 3, 1), 5, date(2025, 3, 1)),
    ],
)
def test_add_years_keeps_the_month_and_day_and_maps_29_february_to_28_february(
    day: date, years: int, expected: date
) -> None:
    assert add_years(day, years) == expected


def test_a_non_vae_validation_of_2017_06_20_is_valid_until_2022_06_20(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))

    c01 = competency(status(stream, date(2017, 6, 20)), "C01")

    assert c01.validated_on == date(2017, 6, 20)
    assert c01.valid_until == date(2022, 6, 20)
    assert c01.permanent is False
    assert c01.counts is True
    assert c01.decision == "V1/J1"


def test_a_non_vae_validation_counts_on_the_last_day_and_not_on_its_exclusive_end(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))

    last_day = status(stream, date(2022, 6, 19))
    end = status(stream, date(2022, 6, 20))

    assert competency(last_day, "C01").counts is True
    assert last_day.counting_competencies == 1
    assert competency(end, "C01").counts is False
    assert competency(end, "C01").valid_until == date(2022, 6, 20)
    assert end.counting_competencies == 0
    assert end.title.counting == 0


def test_a_validation_is_not_shown_before_its_decision_date(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))

    found = status(stream, date(2017, 6, 19))

    assert found.competencies == ()
    assert found.counting_competencies == 0


def test_a_validation_of_29_february_2016_is_valid_until_28_february_2021() -> None:
    early = Stream(candidate="V9")
    early.enroll(date(2015, 9, 1))
    early.decide("J1", date(2016, 2, 29), validated=("C01",))

    assert competency(status(early, date(2016, 2, 29)), "C01").valid_until == date(2021, 2, 28)
    assert competency(status(early, date(2021, 2, 27)), "C01").counts is True
    assert competency(status(early, date(2021, 2, 28)), "C01").counts is False


def test_a_vae_validation_is_permanent(vae_stream: Stream) -> None:
    vae_stream.decide("J1", date(2017, 6, 20), validated=("C01", "C02"))

    found = status(vae_stream, date(2040, 1, 1))

    c01 = competency(found, "C01")
    assert c01.valid_until is None
    assert c01.permanent is True
    assert c01.counts is True
    assert found.counting_competencies == 2


def test_a_later_route_change_to_vae_does_not_make_an_earlier_validation_permanent(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.change_route("vae", date(2019, 1, 7), vae_path="VAE_CLASSIQUE")

    c01 = competency(status(stream, date(2023, 1, 1)), "C01")

    assert c01.permanent is False
    assert c01.valid_until == date(2022, 6, 20)
    assert c01.counts is False


def test_a_competency_validated_in_2017_then_through_vae_in_2021_is_permanent_from_2021(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.change_route("vae", date(2020, 1, 6), vae_path="VAE_CLASSIQUE")
    stream.decide("J2", date(2021, 3, 15), validated=("C01",))

    before = competency(status(stream, date(2021, 3, 14)), "C01")
    after = competency(status(stream, date(2021, 3, 15)), "C01")
    much_later = competency(status(stream, date(2040, 1, 1)), "C01")

    assert (before.valid_until, before.permanent, before.counts) == (date(2022, 6, 20), False, True)
    assert len(before.validations) == 1
    assert (after.valid_until, after.permanent, after.counts) == (None, True, True)
    assert after.validated_on == date(2021, 3, 15)
    assert after.decision == "V1/J2"
    assert [v.on for v in after.validations] == [date(2017, 6, 20), date(2021, 3, 15)]
    assert much_later.counts is True
    assert much_later.permanent is True


def test_a_competency_validated_in_2015_and_2019_counts_until_the_2019_validation_ends() -> None:
    candidate = Stream()
    candidate.enroll(date(2014, 9, 1))
    candidate.decide("J1", date(2015, 3, 10), validated=("C01",))
    candidate.decide("J2", date(2019, 6, 20), validated=("C01",))

    in_2018 = competency(status(candidate, date(2018, 1, 1)), "C01")
    first_gone = competency(status(candidate, date(2020, 3, 10)), "C01")
    last_day = competency(status(candidate, date(2024, 6, 19)), "C01")
    end = competency(status(candidate, date(2024, 6, 20)), "C01")

    assert (in_2018.validated_on, in_2018.valid_until, in_2018.counts) == (
        date(2015, 3, 10),
        date(2020, 3, 10),
        True,
    )
    assert (first_gone.validated_on, first_gone.valid_until, first_gone.counts) == (
        date(2019, 6, 20),
        date(2024, 6, 20),
        True,
    )
    assert last_day.counts is True
    assert (end.counts, end.valid_until) == (False, date(2024, 6, 20))


def test_a_competency_whose_validations_leave_a_gap_does_not_count_in_the_gap() -> None:
    candidate = Stream()
    candidate.enroll(date(2011, 9, 1))
    candidate.decide("J1", date(2012, 1, 10), validated=("C01",))
    candidate.decide("J2", date(2019, 6, 20), validated=("C01",))

    gap = competency(status(candidate, date(2018, 1, 1)), "C01")
    again = competency(status(candidate, date(2019, 6, 20)), "C01")

    assert (gap.counts, gap.valid_until) == (False, date(2017, 1, 10))
    assert (again.counts, again.valid_until) == (True, date(2024, 6, 20))


def test_a_block_awarded_outside_vae_counts_for_five_years_from_its_award(
    stream: Stream,
) -> None:
    day = date(2017, 6, 20)
    stream.decide("J1", day, validated=BC01_SEVEN, blocks=(BC01,))

    before = block(status(stream, date(2017, 6, 19)), BC01)
    first_day = block(status(stream, day), BC01)
    last_day = block(status(stream, date(2022, 6, 19)), BC01)
    end = block(status(stream, date(2022, 6, 20)), BC01)

    assert (before.awarded, before.counts, before.awarded_on) == (False, False, None)
    assert (first_day.awarded, first_day.counts, first_day.awarded_on) == (True, True, day)
    assert first_day.valid_until == date(2022, 6, 20)
    assert first_day.permanent is False
    assert first_day.decision == "V1/J1"
    assert (first_day.eligible, first_day.counting, first_day.required) == (True, 7, 7)
    assert last_day.counts is True
    assert (end.awarded, end.counts, end.valid_until) == (True, False, date(2022, 6, 20))
    assert (end.eligible, end.counting) == (False, 0)


def test_a_block_awarded_through_vae_counts_for_good(vae_stream: Stream) -> None:
    vae_stream.decide("J1", date(2017, 6, 20), validated=BC01_SEVEN, blocks=(BC01,))

    bc01 = block(status(vae_stream, date(2040, 1, 1)), BC01)

    assert (bc01.awarded, bc01.counts, bc01.permanent, bc01.valid_until) == (
        True,
        True,
        True,
        None,
    )
    assert bc01.eligible is True


def test_a_block_certificate_stays_held_after_the_block_stops_counting(stream: Stream) -> None:
    decision = stream.decide("J1", date(2017, 6, 20), validated=BC01_SEVEN, blocks=(BC01,))
    stream.issue("ESEC-B-0001", decision, "block", BC01, date(2017, 7, 3))

    found = status(stream, date(2030, 1, 1))

    assert block(found, BC01).counts is False
    assert block(found, BC01).certificate == "ESEC-B-0001"
    assert certificate(found, "ESEC-B-0001").state == "held"


def test_the_title_counts_distinct_competencies_across_decisions(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01", "C02", "C03"))
    stream.decide("J2", date(2018, 6, 20), validated=("C03", "C04"))

    found = status(stream, date(2019, 1, 1))

    assert counting_codes(found) == {"C01", "C02", "C03", "C04"}
    assert found.counting_competencies == 4
    assert (found.title.counting, found.title.required, found.title.eligible) == (4, 35, False)


def test_a_later_non_vae_validation_does_not_shorten_a_permanent_one(vae_stream: Stream) -> None:
    vae_stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    vae_stream.change_route("formation_continue", date(2018, 1, 8))
    vae_stream.decide("J2", date(2019, 6, 20), validated=("C01",), route="formation_continue")

    c01 = competency(status(vae_stream, date(2030, 1, 1)), "C01")

    assert (c01.counts, c01.permanent, c01.valid_until) == (True, True, None)
    assert (c01.validated_on, c01.decision) == (date(2017, 6, 20), "V2/J1")
    assert len(c01.validations) == 2
