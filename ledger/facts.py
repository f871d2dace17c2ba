"""Facts: events as the rules and projections read them (type, dates, recorder, payload)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple, cast

ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "effective_on",
        "recorded_by",
        "originator_topic",
    }
)
"""Event attributes that are not part of a fact's payload."""


class Fact(NamedTuple):
    """One recorded event, lightly decoded: what happened, when it took effect, who knew it when.

    `stream` names the stream it belongs to (`candidate/V1`, `jury/JV6`, `referential`),
    `version` its place in that stream and `position` its place in the whole log (when read
    from the log). `recorded_at` is the library's event timestamp (UTC). A named tuple: a
    replay makes one per event.
    """

    type: str
    stream: str
    version: int
    effective_on: date
    recorded_at: datetime
    recorded_by: str
    data: Mapping[str, Any]
    position: int | None = None

    @property
    def id(self) -> str:
        return f"{self.stream}#{self.version}"

    def known_at(self, instant: datetime | None, position: int | None = None) -> bool:
        """Whether the ledger held this fact at `instant` (and at log position `position`)."""
        if instant is not None and self.recorded_at > instant:
            return False
        return position is None or self.position is None or self.position <= position


def fact_of(event: Any, stream: str) -> Fact:
    """The fact of a library event object (write side: pending or replayed events)."""
    state = vars(event)
    return Fact(
        type=type(event).TOPIC,
        stream=stream,
        version=state["originator_version"],
        effective_on=state["effective_on"],
        recorded_at=state["timestamp"],
        recorded_by=state["recorded_by"],
        data={k: v for k, v in state.items() if k not in ENVELOPE},
    )


def fact_of_state(
    topic: str, state: dict[str, Any], stream: str, version: int, position: int | None = None
) -> Fact:
    """The fact of a decoded stored event (read side: rows read straight from the store).
    Takes the decoded dict over: its envelope keys are removed and the rest is the payload."""
    effective_on = state.pop("effective_on")
    recorded_at = state.pop("timestamp")
    recorded_by = state.pop("recorded_by")
    state.pop("originator_topic", None)
    return Fact(topic, stream, version, effective_on, recorded_at, recorded_by, state, position)


from_fields = tuple.__new__
"""Builds a named tuple from the tuple of all its fields, in order, without the call through
the named tuple's own `__new__`: for the values a replay builds for every event, certificate
and block of every candidate (`Fact`s, certificates, block and certificate statuses)."""

Row = tuple[int, Any, int, str, bytes]
"""A stored event with its log position: (position, stream id, version, topic, state); the
stream id as the store holds it (UUID, or hex text on SQLite)."""

Read = Callable[[str, bytes, str, int, int | None], Fact]
"""Makes the fact of a stored event: (topic, state, stream label, version, log position)
(`LedgerMapper.light_fact`)."""


Unseal = Callable[[str, dict[str, Any], Any, int], None]
"""Unseals in place the personal data of a fact's data: (topic, data, stream id as stored,
version)."""


def candidate_streams(
    rows: Iterable[Row], read: Read, unseal: Unseal | None = None
) -> Iterator[list[Fact]]:
    """The facts of each candidate stream, one stream at a time, labelled after the
    candidate (personal data unsealed by `unseal` if given); other streams are skipped
    without being decoded."""
    facts: list[Fact] = []
    current: Any = None
    label = ""
    keep = False
    for position, originator_id, version, topic, state in rows:
        if originator_id != current:
            if facts:
                yield facts
            facts = []
            current = originator_id
            keep = topic == "CandidateEnrolled"
            if not keep:
                continue
            fact = read(topic, state, "", version, position)
            label = f"candidate/{fact.data['candidate_id']}"
            fact = fact._replace(stream=label)
        elif keep:
            fact = read(topic, state, label, version, position)
        else:
            continue
        if unseal is not None:  # a fact read from the store holds its own dict: unsealed in place
            unseal(topic, cast(dict[str, Any], fact.data), originator_id, version)
        facts.append(fact)
    if facts:
        yield facts
