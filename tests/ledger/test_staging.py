"""The staging's filter of staged streams (ledger/staging.py): what it says "no" to is never
staged; the import's tests show rows in later chunks seeing what earlier ones staged."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

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
