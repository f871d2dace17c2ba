"""Tamper evidence: re-read the whole store and check it against the hash chain and its head.

Each stored event was chained, in the transaction that stored it, to the one before it in
the log (`store/chain.py`); the chain and its head live in tables apart from the events.
Walking both in log order names every event modified, removed, inserted or reordered since.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.facts import Row
from ledger.store import Store
from ledger.store.chain import GENESIS, Link, chain_head, link, scan_chain
from ledger.store.scans import scan_log


@dataclass
class Verification:
    events: int = 0
    digest: str = GENESIS
    position: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, event: str | int, kind: str, detail: str) -> None:
        self.problems.append({"event": event, "problem": kind, "detail": detail})

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "position": self.position,
            "digest": self.digest,
            "problems": self.problems,
        }


def _name(originator_id: UUID, version: int, labels: dict[UUID, str]) -> str:
    return f"{labels.get(originator_id, str(originator_id))}#{version}"


def verify(
    events: Iterable[Row],
    chain: Iterable[Link],
    head: tuple[int, str] | None,
    labels: dict[UUID, str] | None = None,
) -> Verification:
    """Check the events (in log order) against the chain (in position order) and its head."""
    names = labels if labels is not None else {}
    result = Verification()
    chained = _Peek(iter(chain))
    previous = GENESIS
    for position, originator_id, version, topic, state in events:
        result.events += 1
        name = _name(originator_id, version, names)
        while chained.peek is not None and chained.peek[0] < position:
            lost = chained.next()
            result.problem(
                _name(lost[1], lost[2], names),
                "removed",
                f"log position {lost[0]} was chained but is gone from the store",
            )
            previous = lost[3]
        row = chained.peek
        if row is None or row[0] != position:
            result.problem(name, "inserted", f"log position {position} was never chained")
            continue
        chained.next()
        if (row[1], row[2]) != (originator_id, version):
            result.problem(
                name,
                "reordered",
                f"log position {position} was chained to {_name(row[1], row[2], names)}",
            )
        elif link(previous, position, originator_id, version, topic, state) != row[3]:
            result.problem(name, "modified", f"the content at log position {position} changed")
        previous = row[3]
        result.position = position
    for lost in chained.rest():
        result.problem(
            _name(lost[1], lost[2], names),
            "removed",
            f"log position {lost[0]} was chained but is gone from the store",
        )
        previous = lost[3]
        result.position = lost[0]
    result.digest = previous
    if head is None:
        if result.events:
            result.problem("head", "removed", "the chain's head is missing")
    elif head != (result.position, previous):
        result.problem(
            "head",
            "removed" if head[0] > result.position else "modified",
            f"the stored head is log position {head[0]} ({head[1][:12]}…), the chain ends at "
            f"{result.position} ({previous[:12]}…): the newest events were removed or the "
            "head was altered",
        )
    return result


class _Peek:
    """An iterator that can look one item ahead."""

    def __init__(self, items: Iterator[Link]) -> None:
        self.items = items
        self.peek: Link | None = next(items, None)

    def next(self) -> Link:
        current = self.peek
        assert current is not None
        self.peek = next(self.items, None)
        return current

    def rest(self) -> Iterator[Link]:
        while self.peek is not None:
            yield self.next()


def verify_store(store: Store, published: str | None = None) -> Verification:
    """Re-read the whole store against its chain and head; and, given a digest published
    earlier (`@POSITION:SHA256`), check that the chain still holds it. Events are named by
    their stream (`candidate/V1#3`) where the stream says who it is about."""
    labels: dict[UUID, str] = {}
    decode = store.ledger_mapper.decode_state

    def labelled() -> Iterator[Row]:
        for row in scan_log(store.recorder):
            _, originator_id, version, topic, state = row
            if version == 1 and topic in ("CandidateEnrolled", "JuryConvened"):
                data = decode(topic, state)
                if topic == "CandidateEnrolled":
                    labels[originator_id] = f"candidate/{data['candidate_id']}"
                else:
                    labels[originator_id] = f"jury/{data['session_id']}"
            yield row

    result = verify(labelled(), scan_chain(store.recorder), chain_head(store.recorder), labels)
    if published is not None:
        position_text, _, expected = published.removeprefix("@").partition(":")
        position = int(position_text)
        found = next((row[3] for row in scan_chain(store.recorder) if row[0] == position), None)
        if found != expected:
            result.problem(
                published,
                "modified",
                "the chain no longer holds this published digest"
                + ("" if found else f" (no event at log position {position})"),
            )
    return result
