"""The dossier: assessments, read from the facts when first asked, stay those folded."""

from __future__ import annotations

from datetime import date

from ledger.dossier import Assessment, Dossier
from tests.projections.streams import Stream


def assess(stream: Stream, on: date, epreuve: str, passed: tuple[str, ...]) -> None:
    stream.record(
        "AssessmentRecorded", on, epreuve=epreuve, passed=list(passed), failed=[], assessor=None
    )


def test_assessments_are_those_folded_in_order_whether_asked_before_or_after() -> None:
    stream = Stream("V1")
    stream.enroll(date(2017, 1, 9))
    assess(stream, date(2017, 3, 1), "E1", ("C01", "C02"))
    stream.withdraw(date(2017, 4, 1))
    assess(stream, date(2017, 5, 1), "E2", ("C03",))

    folded = Dossier.fold(stream.facts)
    applied = Dossier()
    asked = []
    for fact in stream.facts:
        applied.apply(fact)
        asked.append([a.epreuve for a in applied.assessments])

    assert folded.assessments == applied.assessments
    assert [type(a) for a in folded.assessments] == [Assessment, Assessment]
    assert [(a.on, a.epreuve, a.passed) for a in folded.assessments] == [
        (date(2017, 3, 1), "E1", ("C01", "C02")),
        (date(2017, 5, 1), "E2", ("C03",)),
    ]
    assert asked == [[], [], ["E1"], ["E1"], ["E1", "E2"]]
