"""What a status says of its awards (revision 2): each award made under a derogation is
flagged, and a holder of every block without the title is told why in words."""

from __future__ import annotations

from datetime import date

from projections.explain import explain
from projections.statistics import yearly_statistics
from tests.projections.streams import (
    ALL_COMPETENCIES,
    BC01,
    BC01_SEVEN,
    BC02,
    BC03,
    BC04,
    VERSIONS,
    Stream,
    at,
    block,
    competency,
    status,
)

THIRTY = tuple(f"C{n:02d}" for n in (*range(1, 20), *range(23, 34)))
"""Thirty competencies that reach every block's threshold (BC04 counts C01-C09 too)."""


def enrolled(name: str = "V1") -> Stream:
    stream = Stream(candidate=name)
    stream.enroll(date(2016, 9, 12))
    return stream


def test_each_award_made_with_a_derogation_is_flagged_in_the_status_json() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN, (BC01,), derogation="réalisateur ill")
    v1.decide("J2", date(2017, 12, 1), ("C10", "C11", "C12"), (BC02,))

    found = status(v1, date(2018, 1, 1)).as_json()

    flags = {c["code"]: c["derogation"] for c in found["competencies"]}
    assert flags == {**dict.fromkeys(BC01_SEVEN, True), "C10": False, "C11": False, "C12": False}
    blocks = {b["code"]: b["derogation"] for b in found["blocks"]}
    assert blocks == {BC01: True, BC02: False, BC03: False, BC04: False}
    assert found["title"]["derogation"] is False


def test_a_title_awarded_with_a_derogation_is_flagged() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, title=True, derogation="jury of four")

    found = status(v1, date(2018, 1, 1))

    assert found.title.derogation and found.title.as_json()["derogation"] is True


def test_a_competency_validated_again_without_a_derogation_shows_the_later_validation() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), ("C01",), derogation="file lost")
    v1.decide("J2", date(2017, 12, 1), ("C01",))

    assert competency(status(v1, date(2018, 1, 1)), "C01").derogation is False


def test_the_explanation_gives_the_derogation_of_what_it_awarded() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN, (BC01,), derogation="réalisateur ill")

    document = explain(status(v1, date(2018, 1, 1)), VERSIONS, {})

    c01 = next(c for c in document["competencies"] if c["code"] == "C01")
    assert "validated under a derogation (decision V1/J1: réalisateur ill)" in c01["why"]
    bc01 = next(b for b in document["blocks"] if b["code"] == BC01)
    assert "awarded under a derogation (réalisateur ill)" in bc01["why"]


def test_every_block_held_without_the_title_is_said_in_words() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), THIRTY, (BC01, BC02, BC03, BC04))

    found = status(v1, date(2018, 1, 1))

    assert all(block(found, code).counts for code in (BC01, BC02, BC03, BC04))
    assert not found.title.eligible
    assert found.title.note == "every block held; the title needs 35, has 30"
    assert found.as_json()["title"]["note"] == "every block held; the title needs 35, has 30"
    why = explain(found, VERSIONS, {})["title"]["why"]
    assert why.endswith("; every block held; the title needs 35, has 30")


def test_no_note_while_a_block_is_missing_or_once_the_count_is_reached() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), THIRTY, (BC01, BC02, BC03))
    assert status(v1, date(2018, 1, 1)).title.note is None

    v2 = enrolled("V2")
    v2.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, (BC01, BC02, BC03, BC04))
    found = status(v2, date(2018, 1, 1))
    assert found.title.eligible and found.title.note is None


def test_the_note_follows_the_blocks_that_still_count() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), THIRTY, (BC01, BC02, BC03, BC04))

    assert status(v1, date(2022, 6, 19)).title.note is not None
    assert status(v1, date(2022, 6, 20)).title.note is None


def test_statistics_count_the_decisions_awarding_under_a_derogation() -> None:
    v1 = enrolled()
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN, (BC01,), derogation="réalisateur ill")
    v2 = enrolled("V2")
    v2.decide("J1", date(2017, 6, 20), derogation="présenté, rien validé")
    v3 = enrolled("V3")
    v3.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, title=True)

    rows = yearly_statistics(
        [v1.facts, v2.facts, v3.facts], VERSIONS, known_at=at(date(2026, 1, 1))
    )

    total = next(r for r in rows if r.route == "all")
    assert (total.presented, total.certified, total.by_derogation) == (3, 1, 1)
    assert total.as_json()["by_derogation"] == 1
