"""The status as known at an instant (or a log position): what the ledger held then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from projections.status import candidate_status
from tests.projections.streams import VERSIONS, Stream, at, counting_codes, maybe_status, status


def test_a_fact_recorded_exactly_at_known_at_is_known(stream: Stream) -> None:
    decision = stream.record(
        "DecisionRecorded",
        date(2017, 6, 20),
        at(date(2017, 6, 20)),
        decision_id="V1/J1",
        session="J1",
        candidate="V1",
        validated=("C01",),
        blocks_awarded=(),
        title_awarded=False,
        derogation=None,
        route="formation_continue",
        referential="2006.1",
    )

    exactly = status(stream, date(2018, 1, 1), known_at=decision.recorded_at)
    a_moment_before = status(
        stream, date(2018, 1, 1), known_at=decision.recorded_at - timedelta(microseconds=1)
    )

    assert counting_codes(exactly) == {"C01"}
    assert counting_codes(a_moment_before) == set()
    assert a_moment_before.state == "enrolled"


def test_known_at_before_the_enrolment_was_recorded_gives_no_status(stream: Stream) -> None:
    enrolment = stream.facts[0]

    assert maybe_status(stream, date(2018, 1, 1), known_at=enrolment.recorded_at) is not None
    assert (
        maybe_status(stream, date(2018, 1, 1), known_at=enrolment.recorded_at - timedelta(0, 1))
        is None
    )


def test_known_at_in_another_time_zone_is_the_same_instant(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))  # recorded 10:00 UTC
    paris = datetime.fromisoformat("2017-06-20T11:59:00+02:00")  # 09:59 UTC

    assert counting_codes(status(stream, date(2018, 1, 1), known_at=paris)) == set()


def test_known_at_is_shown_as_the_instant_it_was_asked_for(stream: Stream) -> None:
    instant = datetime(2018, 1, 1, 12, 30, tzinfo=UTC)

    assert status(stream, date(2018, 1, 1), known_at=instant).known_at == (
        "2018-01-01T12:30:00+00:00"
    )


def test_a_log_position_hides_the_facts_after_it(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.decide("J2", date(2018, 6, 20), validated=("C02",))
    logged = [f._replace(position=10 * f.version) for f in stream.facts]

    found = candidate_status(logged, VERSIONS, as_of=date(2019, 1, 1), known_at=None, position=30)

    assert found is not None
    assert counting_codes(found) == {"C01"}
    assert found.known_at == "@30"


def test_a_log_position_with_an_instant_hides_what_either_hides(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.decide("J2", date(2018, 6, 20), validated=("C02",))
    logged = [f._replace(position=10 * f.version) for f in stream.facts]
    instant = at(date(2018, 1, 1))

    found = candidate_status(
        logged, VERSIONS, as_of=date(2019, 1, 1), known_at=instant, position=40
    )

    assert found is not None
    assert counting_codes(found) == {"C01"}
    assert found.known_at == "2018-01-01T10:00:00+00:00 @40"
