"""Certificates and corrected decisions: issued, revoked, void; rectified and annulled."""

from __future__ import annotations

from datetime import date

from tests.projections.streams import (
    BC01,
    BC01_SEVEN,
    BC02,
    TITLE,
    Stream,
    at,
    block,
    certificate,
    competency,
    counting_codes,
    status,
)

ALL_35 = tuple(f"C{i:02d}" for i in range(1, 36))
JURY_DAY = date(2017, 6, 20)
ISSUED_ON = date(2017, 7, 3)


def test_a_certificate_is_listed_from_its_issue_date_only(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    stream.issue("ESEC-B-0001", decision, "block", BC01, ISSUED_ON)

    before = status(stream, date(2017, 7, 2))
    issued = status(stream, ISSUED_ON)

    assert before.certificates == ()
    assert block(before, BC01).certificate is None
    held = certificate(issued, "ESEC-B-0001")
    assert (held.kind, held.subject, held.issued_on, held.state) == (
        "block",
        BC01,
        ISSUED_ON,
        "held",
    )
    assert (held.decision, held.duplicate_of, held.revoked_on) == ("V1/J1", None, None)
    assert block(issued, BC01).certificate == "ESEC-B-0001"


def test_a_certificate_is_not_listed_before_the_ledger_knew_it(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    issue = stream.issue("ESEC-B-0001", decision, "block", BC01, ISSUED_ON)

    assert status(stream, ISSUED_ON, known_at=issue.recorded_at).certificates != ()
    before = status(stream, ISSUED_ON, known_at=at(ISSUED_ON, hour=9))
    assert before.certificates == ()


def test_a_revoked_certificate_is_held_until_the_day_before_its_revocation(
    stream: Stream,
) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    stream.issue("ESEC-B-0001", decision, "block", BC01, ISSUED_ON)
    stream.revoke("ESEC-B-0001", date(2018, 2, 1))

    day_before = certificate(status(stream, date(2018, 1, 31)), "ESEC-B-0001")
    revoked = certificate(status(stream, date(2018, 2, 1)), "ESEC-B-0001")

    assert (day_before.state, day_before.revoked_on) == ("held", None)
    assert (revoked.state, revoked.revoked_on) == ("revoked", date(2018, 2, 1))


def test_a_revocation_recorded_late_shows_held_as_known_before_it(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    stream.issue("ESEC-B-0001", decision, "block", BC01, ISSUED_ON)
    stream.revoke("ESEC-B-0001", date(2018, 2, 1), at_=at(date(2018, 5, 1)))

    then = status(stream, date(2018, 3, 1), known_at=at(date(2018, 4, 30)))
    now = status(stream, date(2018, 3, 1))

    assert certificate(then, "ESEC-B-0001").state == "held"
    assert certificate(now, "ESEC-B-0001").state == "revoked"


def test_a_duplicate_is_listed_from_its_reissue_with_the_number_it_duplicates(
    stream: Stream,
) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=ALL_35, title=True)
    stream.issue("ESEC-T-0001", decision, "title", TITLE, ISSUED_ON)
    stream.reissue("ESEC-T-0002", "ESEC-T-0001", date(2019, 4, 2))

    before = status(stream, date(2019, 4, 1))
    after = status(stream, date(2019, 4, 2))

    assert [c.number for c in before.certificates] == ["ESEC-T-0001"]
    assert [c.number for c in after.certificates] == ["ESEC-T-0001", "ESEC-T-0002"]
    duplicate = certificate(after, "ESEC-T-0002")
    assert (duplicate.kind, duplicate.subject, duplicate.decision) == ("title", TITLE, "V1/J1")
    assert (duplicate.duplicate_of, duplicate.issued_on, duplicate.state) == (
        "ESEC-T-0001",
        date(2019, 4, 2),
        "held",
    )


def test_the_certificate_shown_for_a_block_is_the_held_one_after_a_revocation(
    stream: Stream,
) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    stream.issue("ESEC-B-0002", decision, "block", BC01, ISSUED_ON)
    stream.revoke("ESEC-B-0002", date(2018, 2, 1))
    stream.reissue("ESEC-B-0001", "ESEC-B-0002", date(2018, 3, 1))

    found = status(stream, date(2018, 4, 1))

    assert block(found, BC01).certificate == "ESEC-B-0001"
    assert certificate(found, "ESEC-B-0002").state == "revoked"
    assert certificate(found, "ESEC-B-0001").state == "held"


def test_an_annulled_decision_counts_for_no_date_and_its_certificates_are_void(
    stream: Stream,
) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=ALL_35, blocks=(BC01,), title=True)
    stream.issue("ESEC-T-0001", decision, "title", TITLE, ISSUED_ON)
    stream.issue("ESEC-B-0001", decision, "block", BC01, ISSUED_ON)
    stream.annul(decision, date(2019, 3, 4))

    # As of a date before the annulment's own date: annulled from the start, once known.
    found = status(stream, date(2018, 1, 1))

    assert found.state == "enrolled"
    assert found.competencies == ()
    assert found.counting_competencies == 0
    assert (block(found, BC01).awarded, block(found, BC01).counts) == (False, False)
    assert (found.title.awarded, found.title.counting, found.title.decision) == (False, 0, None)
    assert [(c.number, c.state, c.revoked_on) for c in found.certificates] == [
        ("ESEC-B-0001", "void", None),
        ("ESEC-T-0001", "void", None),
    ]


def test_an_annulled_decision_still_counts_as_known_before_the_annulment(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=ALL_35, title=True)
    stream.issue("ESEC-T-0001", decision, "title", TITLE, ISSUED_ON)
    annulment = stream.annul(decision, date(2019, 3, 4))

    then = status(stream, date(2020, 1, 1), known_at=at(date(2019, 3, 3)))
    now = status(stream, date(2020, 1, 1), known_at=annulment.recorded_at)

    assert (then.state, then.title.awarded, then.counting_competencies) == ("certified", True, 35)
    assert certificate(then, "ESEC-T-0001").state == "held"
    assert (now.state, now.title.awarded, now.counting_competencies) == ("enrolled", False, 0)
    assert certificate(now, "ESEC-T-0001").state == "void"


def test_void_wins_over_revoked(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    stream.issue("ESEC-B-0001", decision, "block", BC01, ISSUED_ON)
    stream.revoke("ESEC-B-0001", date(2018, 2, 1))
    stream.annul(decision, date(2019, 3, 4))

    revoked_then_void = certificate(status(stream, date(2020, 1, 1)), "ESEC-B-0001")

    assert (revoked_then_void.state, revoked_then_void.revoked_on) == ("void", None)


def test_annulling_one_decision_leaves_the_others_counting(stream: Stream) -> None:
    first = stream.decide("J1", JURY_DAY, validated=("C01", "C02"))
    stream.decide("J2", date(2018, 6, 20), validated=("C02", "C03"))
    stream.annul(first, date(2019, 3, 4))

    found = status(stream, date(2018, 7, 1))

    assert counting_codes(found) == {"C02", "C03"}
    assert competency(found, "C02").decision == "V1/J2"
    assert competency(found, "C02").validated_on == date(2018, 6, 20)
    assert found.state == "in_progress"


def test_a_rectification_replaces_the_content_for_every_date_once_known(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    stream.rectify(decision, {"validated": [*BC01_SEVEN, "C08"]}, date(2019, 3, 4))

    # As of the deliberation, long before the rectification's own date.
    found = status(stream, JURY_DAY)

    assert counting_codes(found) == {*BC01_SEVEN, "C08"}
    c08 = competency(found, "C08")
    assert (c08.validated_on, c08.valid_until, c08.decision) == (
        JURY_DAY,
        date(2022, 6, 20),
        "V1/J1",
    )
    # A patch: the blocks it does not mention keep their value.
    assert (block(found, BC01).awarded, block(found, BC01).counting) == (True, 8)


def test_a_rectification_is_not_applied_as_known_before_it(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=BC01_SEVEN, blocks=(BC01,))
    rectification = stream.rectify(decision, {"validated": [*BC01_SEVEN, "C08"]}, date(2019, 3, 4))

    just_before = status(stream, JURY_DAY, known_at=at(date(2019, 3, 4), hour=9))
    at_it = status(stream, JURY_DAY, known_at=rectification.recorded_at)

    assert counting_codes(just_before) == set(BC01_SEVEN)
    assert counting_codes(at_it) == {*BC01_SEVEN, "C08"}


def test_a_rectification_can_withdraw_a_title_and_a_block_while_keeping_the_validations(
    stream: Stream,
) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=ALL_35, blocks=(BC01, BC02), title=True)
    stream.rectify(decision, {"title_awarded": False, "blocks_awarded": [BC02]}, date(2019, 3, 4))

    found = status(stream, date(2018, 1, 1))

    assert found.state == "in_progress"
    assert (found.title.awarded, found.title.eligible, found.title.counting) == (False, True, 35)
    assert block(found, BC01).awarded is False
    assert block(found, BC02).awarded is True
    assert found.counting_competencies == 35


def test_successive_rectifications_patch_one_another(stream: Stream) -> None:
    decision = stream.decide("J1", JURY_DAY, validated=("C01",), blocks=())
    stream.rectify(decision, {"validated": ["C01", "C02"]}, date(2018, 1, 8))
    stream.rectify(decision, {"derogation": "jury minutes signed late"}, date(2018, 2, 5))

    found = status(stream, JURY_DAY)

    assert counting_codes(found) == {"C01", "C02"}
    record = found.dossier.decisions[decision]
    assert record.derogation == "jury minutes signed late"
    assert record.validated == ("C01", "C02")
    assert len(record.rectifications) == 2
