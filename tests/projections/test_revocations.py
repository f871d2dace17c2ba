"""The `revoked` state (DOMAIN.md §5): a holder whose title certificate is revoked on R is
`revoked` from R; the CPF flow no longer sends the award; statistics count it apart; a
mistaken revocation is cancelled by a reinstatement, which counts from the start once known."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.cpf import passages
from ledger.dossier import Dossier
from ledger.rules import STATES, overall_state
from projections.explain import explain
from projections.statistics import yearly_statistics
from projections.views import Interval, candidate_row
from tests.projections.streams import (
    ALL_COMPETENCIES,
    TITLE,
    VERSIONS,
    Stream,
    at,
    certificate,
    status,
)

AWARDED = date(2017, 6, 20)
ISSUED = date(2017, 6, 27)
REVOKED = date(2018, 3, 1)


def holder(name: str = "V1") -> Stream:
    """A candidate in formation continue, awarded the title on 2017-06-20, its certificate T1
    issued."""
    stream = Stream(candidate=name)
    stream.enroll(date(2016, 9, 12))
    decision = stream.decide("J1", AWARDED, ALL_COMPETENCIES, title=True)
    stream.issue("T1", decision, "title", TITLE, ISSUED)
    return stream


def dossier(stream: Stream) -> Dossier:
    found = Dossier.known(stream.facts, None)
    assert found is not None
    return found


def test_revoked_comes_first_in_the_state_order() -> None:
    assert STATES[0] == "revoked"
    assert overall_state(["certified", "revoked", "in_progress"]) == "revoked"


def test_a_holder_whose_title_certificate_is_revoked_is_revoked_from_that_day() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)

    before = status(v1, REVOKED - timedelta(days=1))
    after = status(v1, REVOKED)

    assert before.state == "certified" and before.title.revoked_on is None
    assert after.state == "revoked" and after.title.revoked_on == REVOKED
    assert after.as_json()["state"] == "revoked"
    assert after.title.as_json()["revoked_on"] == "2018-03-01"
    assert certificate(after, "T1").state == "revoked"


def test_a_revoked_block_certificate_leaves_the_holder_certified() -> None:
    v1 = Stream()
    v1.enroll(date(2016, 9, 12))
    decision = v1.decide("J1", AWARDED, ALL_COMPETENCIES, ("RNCP13080BC01",), title=True)
    v1.issue("T1", decision, "title", TITLE, ISSUED)
    v1.issue("B1", decision, "block", "RNCP13080BC01", ISSUED)
    v1.revoke("B1", REVOKED)

    assert status(v1, REVOKED).state == "certified"


def test_a_title_with_a_duplicate_still_held_is_not_revoked() -> None:
    v1 = holder()
    v1.reissue("T2", "T1", date(2017, 9, 1))
    v1.revoke("T1", REVOKED)

    assert status(v1, REVOKED).state == "certified"
    v1.revoke("T2", date(2018, 4, 1))
    assert status(v1, date(2018, 3, 31)).state == "certified"
    assert status(v1, date(2018, 4, 1)).state == "revoked"


def test_a_reinstatement_cancels_the_revocation_for_every_date_once_known() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)
    reinstated = v1.reinstate("T1", date(2018, 5, 2), reason="revoked the wrong holder")

    now = status(v1, date(2018, 4, 1))
    then = status(v1, date(2018, 4, 1), reinstated.recorded_at - timedelta(seconds=1))

    assert now.state == "certified" and certificate(now, "T1").state == "held"
    assert then.state == "revoked" and certificate(then, "T1").state == "revoked"


def test_a_certificate_revoked_again_after_its_reinstatement_is_revoked_from_the_new_day() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)
    v1.reinstate("T1", date(2018, 5, 2))
    v1.revoke("T1", date(2019, 1, 15))

    assert status(v1, date(2018, 12, 31)).state == "certified"
    assert status(v1, date(2019, 1, 15)).state == "revoked"


def test_the_view_has_a_revoked_interval_from_the_revocation() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)

    row = candidate_row(dossier(v1), VERSIONS)

    assert Interval("revoked", "", REVOKED, None) in row.intervals
    assert Interval("certified", "", AWARDED, None) in row.intervals


def test_the_explanation_says_why_the_state_is_revoked() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)
    found = status(v1, REVOKED)

    document = explain(found, VERSIONS, {})

    assert document["state"]["why"] == "the title was awarded, then revoked from 2018-03-01"
    assert (
        "revoked from 2018-03-01: every certificate of the title was revoked"
        in (document["title"]["why"])
    )
    assert "candidate/V1#5" in [e["event"] for e in document["title"]["because"]]


def test_the_explanation_of_a_reinstated_certificate_cites_both_events() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)
    v1.reinstate("T1", date(2018, 5, 2), reason="revoked the wrong holder")

    document = explain(status(v1, date(2018, 6, 1)), VERSIONS, {})

    (t1,) = document["certificates"]
    assert t1["why"].endswith(
        "; its revocation of 2018-03-01 was cancelled as mistaken on 2018-05-02 (revoked the "
        "wrong holder): it never had effect"
    )
    assert {"CertificateRevoked", "CertificateReinstated"} <= {e["type"] for e in t1["because"]}


def test_the_cpf_flow_no_longer_sends_a_revoked_award() -> None:
    v1 = holder()
    assert [p.decision for p in passages(dossier(v1), VERSIONS)] == ["V1/J1"]

    v1.revoke("T1", REVOKED)
    assert list(passages(dossier(v1), VERSIONS)) == []

    v1.reinstate("T1", date(2018, 5, 2))
    assert [p.decision for p in passages(dossier(v1), VERSIONS)] == ["V1/J1"]


def test_statistics_count_a_revoked_title_apart() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)
    v2 = holder("V2")

    rows = yearly_statistics([v1.facts, v2.facts], VERSIONS, known_at=at(date(2026, 1, 1)))

    total = next(r for r in rows if r.route == "all")
    assert (total.presented, total.certified, total.revoked, total.success_rate) == (2, 1, 1, 0.5)


def test_statistics_known_before_the_revocation_count_the_title_certified() -> None:
    v1 = holder()
    revocation = v1.revoke("T1", REVOKED)

    rows = yearly_statistics(
        [v1.facts], VERSIONS, known_at=revocation.recorded_at - timedelta(seconds=1)
    )

    total = next(r for r in rows if r.route == "all")
    assert (total.certified, total.revoked) == (1, 0)


def test_a_duplicate_of_a_reinstated_certificate_has_no_revocation_of_its_own() -> None:
    v1 = holder()
    v1.revoke("T1", REVOKED)
    v1.reinstate("T1", date(2018, 5, 2))
    v1.reissue("T2", "T1", date(2018, 6, 1))

    found = dossier(v1)

    assert len(found.certificates["T1"].cancelled) == 1
    assert found.certificates["T2"].cancelled == ()
    (why,) = [
        c["why"]
        for c in explain(status(v1, date(2018, 7, 1)), VERSIONS, {})["certificates"]
        if c["number"] == "T2"
    ]
    assert "cancelled" not in why
