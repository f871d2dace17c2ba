"""A candidate's history: every fact, in recording order, as plain values."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from projections.history import history
from tests.projections.streams import BC01, BC01_SEVEN, IDENTITY, Stream, at

KEYS = {"id", "type", "effective_on", "recorded_at", "recorded_by", "data"}


def test_history_lists_every_fact_in_recording_order_not_effective_order(
    stream: Stream,
) -> None:
    decision = stream.decide("J2", date(2018, 6, 20), validated=("C02",))
    stream.decide("J1", date(2017, 6, 20), validated=BC01_SEVEN, blocks=(BC01,))
    stream.withdraw(date(2018, 1, 10), at_=at(date(2019, 5, 2)))
    stream.rectify(decision, {"validated": ["C02", "C03"]}, date(2019, 6, 3))

    listed = history(stream.facts)

    assert [e["id"] for e in listed] == [f"candidate/V1#{n}" for n in range(1, 7)]
    assert [e["type"] for e in listed] == [
        "CandidateEnrolled",
        "IdentityRecorded",
        "DecisionRecorded",
        "DecisionRecorded",
        "CandidateWithdrew",
        "DecisionRectified",
    ]
    assert [e["effective_on"] for e in listed] == [
        date(2016, 9, 12),
        date(2016, 9, 12),
        date(2018, 6, 20),
        date(2017, 6, 20),
        date(2018, 1, 10),
        date(2019, 6, 3),
    ]


def test_every_history_entry_has_exactly_the_documented_keys(stream: Stream) -> None:
    stream.withdraw(date(2018, 1, 10))

    listed = history(stream.facts)

    assert all(set(entry) == KEYS for entry in listed)
    assert listed[-1] == {
        "id": "candidate/V1#3",
        "type": "CandidateWithdrew",
        "effective_on": date(2018, 1, 10),
        "recorded_at": datetime(2018, 1, 10, 10, 0, tzinfo=UTC),
        "recorded_by": "registrar",
        "data": {"reason": "moved"},
    }
    assert listed[1]["data"] == {"identity": IDENTITY}


def test_history_puts_facts_handed_in_any_order_back_in_recording_order(stream: Stream) -> None:
    for n, day in enumerate((date(2018, 1, 8), date(2017, 3, 1), date(2019, 9, 9))):
        stream.change_route(("vae", "apprentissage", "formation_initiale")[n], day)
    shuffled = list(stream.facts)
    random.Random(4).shuffle(shuffled)

    assert [e["id"] for e in history(shuffled)] == [f.id for f in stream.facts]


def test_facts_recorded_at_the_same_instant_keep_their_stream_order(stream: Stream) -> None:
    instant = at(date(2017, 6, 20))
    stream.decide("J1", date(2017, 6, 20), validated=("C01",), at_=instant)
    stream.decide("J2", date(2017, 6, 20), validated=("C02",), at_=instant)

    listed = history(reversed(stream.facts))

    assert [e["id"] for e in listed][-2:] == ["candidate/V1#3", "candidate/V1#4"]


def test_history_data_is_a_copy_of_the_payload(stream: Stream) -> None:
    listed = history(stream.facts)
    listed[0]["data"]["route"] = "vae"

    assert stream.facts[0].data["route"] == "formation_continue"
