"""Stream ids: uuid5 of `kind:key` in the ledger's namespace, computed from a pre-hashed
namespace (ledger/ids.py)."""

from __future__ import annotations

from uuid import uuid5

from hypothesis import given
from hypothesis import strategies as st

from ledger.ids import NAMESPACE, candidate_stream, claim_stream, session_stream, stream_id


@given(kind=st.text(), key=st.text())
def test_a_stream_id_is_the_standard_uuid5_of_kind_and_key(kind: str, key: str) -> None:
    assert stream_id(kind, key) == uuid5(NAMESPACE, f"{kind}:{key}")
    assert stream_id(kind, key).bytes == uuid5(NAMESPACE, f"{kind}:{key}").bytes


def test_the_named_streams_keep_their_ids() -> None:
    assert candidate_stream("V1") == uuid5(NAMESPACE, "candidate:V1")
    assert session_stream("JV6") == uuid5(NAMESPACE, "jury:JV6")
    assert claim_stream("request", "r-1") == uuid5(NAMESPACE, "claim-request:r-1")
    assert stream_id("transmissions") == uuid5(NAMESPACE, "transmissions:")
