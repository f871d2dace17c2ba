"""The staging's filter of staged streams (ledger/staging.py): what it says "no" to is never
staged; the import's tests show rows in later chunks seeing what earlier ones staged."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.ids import stream_id
from ledger.staging import stream_filter

streams = st.one_of(st.uuids(), st.builds(stream_id, st.text(), st.text()))


@given(added=st.lists(streams, max_size=200), asked=st.lists(streams, max_size=50))
def test_a_stream_added_is_always_found_and_an_empty_filter_finds_none(
    added: list[UUID], asked: list[UUID]
) -> None:
    seen = stream_filter()
    assert not any(stream in seen for stream in added + asked)
    for stream in added:
        seen.add(stream)
    assert all(stream in seen for stream in added)


def test_streams_never_added_are_rarely_taken_for_added_ones() -> None:
    seen = stream_filter()
    for n in range(20_000):
        seen.add(stream_id("claim-request", f"r-{n}"))
    strangers = sum(stream_id("claim-request", f"s-{n}") in seen for n in range(20_000))
    assert strangers < 20


@pytest.mark.parametrize("held_after", [1, 10**9])
def test_the_store_is_read_the_same_whether_or_not_its_streams_were_read_first(
    ledger: Ledger, held_after: int
) -> None:
    """A large import reads which streams the store holds, then looks up only those: what
    it reads of the store is what it would have read looking each one up."""
    from ledger.ids import candidate_stream, claim_stream
    from ledger.staging import Staging
    from tests.builders import enroll

    enroll(ledger, "V1")
    enroll(ledger, "V2")
    held = [candidate_stream("V1"), candidate_stream("V2")]
    never = [candidate_stream("V3"), claim_stream("request", "never-made")]

    with Staging(ledger.uow, held_after=held_after) as staging:
        found = {stream: staging.stored(stream) for stream in [*never, *held, *never]}
        assert (staging.held is not None) == (held_after == 1)

    assert [found[s] for s in never] == [[], []]
    for stream in held:
        assert [e.originator_version for e in found[stream]] == [1, 2]
        assert found[stream] == list(ledger.events.recorder.select_events(stream))
