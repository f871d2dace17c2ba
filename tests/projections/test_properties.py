"""Properties of the validity arithmetic and of the status as of a date, as known at an instant."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.rules import add_years
from tests.projections.model import expected_status
from tests.projections.streams import (
    REFERENTIAL,
    Stream,
    competency,
    counting_codes,
    maybe_status,
    status,
)
from tests.strategies import (
    FIRST_DAY,
    ROUTES,
    calendar_dates,
    candidate_streams,
    competency_sets,
    days_around,
    instants,
    instants_around,
    ledger_dates,
)

FAST = settings(max_examples=150, deadline=None)
STREAMS = settings(max_examples=200, deadline=None)


@FAST
@given(calendar_dates(), st.integers(0, 60))
def test_add_years_keeps_month_and_day_except_29_february(day: date, years: int) -> None:
    later = add_years(day, years)

    assert later.year == day.year + years
    if (day.month, day.day) == (2, 29) and later.day != 29:
        assert (later.month, later.day) == (2, 28)
    else:
        assert (later.month, later.day) == (day.month, day.day)


@FAST
@given(calendar_dates(), calendar_dates(), st.integers(0, 60))
def test_add_years_is_monotonic(a: date, b: date, years: int) -> None:
    early, late = sorted((a, b))

    assert add_years(early, years) <= add_years(late, years)
    assert add_years(early, years) >= early


def _validated_once(day: date, route: str) -> Stream:
    candidate = Stream()
    candidate.enroll(FIRST_DAY, route=route)
    candidate.decide("J1", day, validated=("C01",))
    return candidate


@FAST
@given(
    ledger_dates(max_value=date(2030, 12, 31)),
    ledger_dates(),
    st.sampled_from([r for r in ROUTES if r != "vae"]),
)
def test_a_non_vae_validation_counts_exactly_in_its_five_year_window(
    day: date, as_of: date, route: str
) -> None:
    found = status(_validated_once(day, route), as_of)

    expected = day <= as_of < add_years(day, 5)
    assert ("C01" in counting_codes(found)) == expected
    assert found.counting_competencies == int(expected)
    if as_of >= day:
        assert competency(found, "C01").valid_until == add_years(day, 5)


@FAST
@given(ledger_dates(max_value=date(2030, 12, 31)), ledger_dates(), st.integers(0, 20 * 365))
def test_a_later_as_of_never_loses_a_vae_competency(day: date, as_of: date, later: int) -> None:
    candidate = _validated_once(day, "vae")
    after = min(as_of + timedelta(days=later), date(2199, 12, 31))

    if as_of >= day:
        assert competency(status(candidate, as_of), "C01").counts is True
        assert competency(status(candidate, after), "C01").counts is True
    else:
        assert status(candidate, as_of).competencies == ()


@STREAMS
@given(candidate_streams(), st.data())
def test_the_status_agrees_with_a_plain_model_of_the_domain(
    candidate: Stream, data: st.DataObject
) -> None:
    as_of = data.draw(days_around(candidate), label="as_of")
    known_at = data.draw(st.none() | instants_around(candidate), label="known_at")

    found = maybe_status(candidate, as_of, known_at)
    expected = expected_status(candidate.facts, as_of, known_at)

    if expected is None:
        assert found is None
        return
    assert found is not None
    assert (found.route, found.state) == (expected.route, expected.state)
    assert counting_codes(found) == expected.counting
    assert {c.code for c in found.competencies} == expected.validated
    assert {b.code for b in found.blocks if b.awarded} == expected.blocks_awarded
    assert {b.code for b in found.blocks if b.counts} == expected.blocks_counting
    assert found.title.awarded == expected.title_awarded
    assert {c.number: c.state for c in found.certificates} == expected.certificates


@STREAMS
@given(candidate_streams(), st.data())
def test_a_later_as_of_never_loses_a_permanent_competency(
    candidate: Stream, data: st.DataObject
) -> None:
    as_of = data.draw(days_around(candidate), label="as_of")
    later = data.draw(st.integers(0, 30 * 365), label="days later")
    first = maybe_status(candidate, as_of)
    second = maybe_status(candidate, as_of + timedelta(days=later))

    if first is not None:
        assert second is not None
        permanent = {c.code for c in first.competencies if c.counts and c.permanent}
        assert permanent <= counting_codes(second)
        assert permanent <= {c.code for c in second.competencies if c.permanent}


@STREAMS
@given(candidate_streams(), ledger_dates(), instants())
def test_known_at_before_the_first_fact_gives_no_status(
    candidate: Stream, as_of: date, known_at: datetime
) -> None:
    first = candidate.facts[0].recorded_at
    before = min(known_at, first - timedelta(microseconds=1))

    assert maybe_status(candidate, as_of, known_at=before) is None


@STREAMS
@given(candidate_streams(), st.data())
def test_facts_recorded_after_known_at_never_change_the_status_known_then(
    candidate: Stream, data: st.DataObject
) -> None:
    as_of = data.draw(days_around(candidate), label="as_of")
    known_at = data.draw(instants_around(candidate), label="known_at")
    known = [f for f in candidate.facts if f.recorded_at <= known_at]

    with_later = maybe_status(candidate, as_of, known_at=known_at)
    without_later = maybe_status(known, as_of, known_at=known_at)

    if without_later is None:
        assert with_later is None
    else:
        assert with_later is not None
        assert with_later.as_json() == without_later.as_json()
        assert with_later.dossier.facts == without_later.dossier.facts


@STREAMS
@given(candidate_streams(), st.data())
def test_counting_competencies_is_the_number_of_distinct_counting_codes(
    candidate: Stream, data: st.DataObject
) -> None:
    found = maybe_status(candidate, data.draw(days_around(candidate), label="as_of"))

    if found is not None:
        codes = [c.code for c in found.competencies]
        assert len(codes) == len(set(codes))
        assert found.counting_competencies == len(counting_codes(found))
        assert found.title.counting == found.counting_competencies
        assert found.title.eligible == (found.counting_competencies >= 35)


@STREAMS
@given(candidate_streams(), ledger_dates())
def test_there_is_a_status_exactly_from_the_enrolment_date(candidate: Stream, as_of: date) -> None:
    enrolled = candidate.facts[0].effective_on

    assert (maybe_status(candidate, as_of) is None) == (as_of < enrolled)


@STREAMS
@given(candidate_streams(), st.data())
def test_only_certificates_issued_on_or_before_as_of_are_listed(
    candidate: Stream, data: st.DataObject
) -> None:
    as_of = data.draw(days_around(candidate), label="as_of")
    found = maybe_status(candidate, as_of)

    if found is not None:
        assert all(c.issued_on <= as_of for c in found.certificates)
        issued = {c.number for c in found.dossier.certificates.values() if c.issued_on <= as_of}
        assert {c.number for c in found.certificates} == issued
        for shown in found.certificates:
            if shown.state == "revoked":
                assert shown.revoked_on is not None and shown.revoked_on <= as_of
            else:
                assert shown.revoked_on is None


@FAST
@given(competency_sets(max_size=42), ledger_dates(date(2016, 9, 12), date(2030, 1, 1)))
def test_a_vae_decision_validates_every_competency_for_good(
    codes: tuple[str, ...], day: date
) -> None:
    candidate = Stream()
    candidate.enroll(date(2016, 9, 12), route="vae")
    candidate.decide("J1", day, validated=codes)

    found = status(candidate, date(2199, 12, 31))

    assert counting_codes(found) == set(codes)
    assert all(c.permanent and c.valid_until is None for c in found.competencies)


@STREAMS
@given(candidate_streams(), st.data())
def test_the_values_a_status_builds_from_plain_tuples_hold_each_field_in_its_place(
    candidate: Stream, data: st.DataObject
) -> None:
    """Folded certificates, certificate statuses and block statuses are built from a tuple of
    all their fields, in order (a replay's inner loop): each equals the value built by name
    from what it was made of, so that two fields swapped in the tuple are caught."""
    from ledger.dossier import Certificate
    from projections.status import BlockStatus, CertificateStatus

    as_of = data.draw(days_around(candidate), label="as_of")
    found = maybe_status(candidate, as_of)
    if found is None:
        return

    issued = {f.data["number"]: f for f in candidate.facts if f.type == "CertificateIssued"}
    for c in found.dossier.certificates.values():
        if c.number in issued:  # (a reissued one is its original under another number)
            fact = issued[c.number]
            assert c._replace(revocation=None, cancelled=()) == Certificate(
                number=fact.data["number"],
                decision=fact.data["decision_id"],
                kind=fact.data["kind"],
                subject=fact.data["subject"],
                issued_on=fact.effective_on,
                fact=fact,
            )

    for s in found.certificates:
        c = s.record
        assert s.state in ("held", "revoked", "void")
        assert s.revoked_on == (c.revoked_on if s.state == "revoked" else None)
        assert s == CertificateStatus(
            number=c.number,
            kind=c.kind,
            subject=c.subject,
            issued_on=c.issued_on,
            state=s.state,
            decision=c.decision,
            duplicate_of=c.duplicate_of,
            revoked_on=s.revoked_on,
            record=c,
        )

    blocks = {b.code: b for b in found.versions.at(as_of).referential.blocks}
    for b in found.blocks:
        award, block = b.award, blocks.get(b.code)
        assert type(b.counting) is int and type(b.eligible) is bool and type(b.counts) is bool
        assert b.counts == (award is not None and award.counts_on(as_of))
        if block is not None:
            assert b.eligible == (b.counting >= block.required)
        assert b.certificate is None or b.certificate in found.dossier.certificates
        assert b == BlockStatus(
            code=b.code,
            short=block.short if block else b.code,
            label=block.label if block else "",
            awarded=award is not None,
            awarded_on=award.on if award else None,
            counts=b.counts,
            valid_until=award.until if award else None,
            permanent=award is not None and award.until is None,
            eligible=b.eligible,
            counting=b.counting,
            required=block.required if block else 0,
            certificate=b.certificate,
            decision=award.decision.id if award else None,
            award=award,
        )


@FAST
@given(competency_sets(max_size=42))
def test_a_blocks_count_is_what_its_standing_lists(codes: tuple[str, ...]) -> None:
    from ledger.rules import block_count, block_standing

    for block in REFERENTIAL.blocks:
        standing = block_standing(block, set(codes))
        assert block_count(block, set(codes)) == (len(standing.counting), standing.eligible)
