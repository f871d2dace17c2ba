"""Tamper evidence: re-read the whole store and check it against the hash chain and its head,
the candidates' keys against what each enrolment committed to.

Each stored event was chained, in the transaction that stored it, to the one before it in
the log (`store/chain.py`); the chain and its head live in tables apart from the events.
Walking both in log order names every event modified, removed, inserted or reordered since,
and every row that no longer has the shape the ledger wrote (a finding, never a crash): the
rows are read as the database holds them and checked value by value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

import orjson

from ledger.i18n import _, ngettext
from ledger.store import Store
from ledger.store.chain import GENESIS, as_bytes, link
from ledger.store.keys import commitment, unwrap
from ledger.store.scans import counted

_HASH = re.compile(r"[0-9a-f]{64}")


class Unchained(NamedTuple):
    """Events found in a row without their chain rows: inserted, or their chain rows removed
    (the next event tells): each problem's index and log position, and the chain's hash and
    position before the first of them."""

    found: list[tuple[int, int]]
    before: str
    last: int


class Altered(NamedTuple):
    """Events found changed in a row, until the next event tells whether it was rather their
    chain rows: each problem's index and log position; the hash the chain would hold after
    the last of them had only their chain rows been changed (`chained`: the events as they
    stand, linked from the hash before the first), and had only the last one's (`last`: the
    last event as it stands, linked from the chain row before it)."""

    found: list[tuple[int, int]]
    chained: str
    last: str


@dataclass
class Verification:
    events: int = 0
    digest: str = GENESIS
    position: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unchained: Unchained | None = field(default=None, repr=False, compare=False)
    """The last events found without their chain rows, until the next event tells why
    (`_check`)."""
    altered: Altered | None = field(default=None, repr=False, compare=False)
    """The last events found changed, until the next event tells whether it was rather their
    chain rows (`_check`)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, event: str | int, kind: str, detail: str) -> None:
        self.problems.append({"event": event, "problem": kind, "detail": detail})

    def chained_after_all(self) -> None:
        """The event after one found without its chain row links to that event as it
        stands: the event is the one that was chained, and only its chain row is gone."""
        if self.unchained is not None:
            self.rename(
                self.unchained.found,
                "unchained",
                _(
                    "the chain row of log position {position} is gone; the event is the one "
                    "that was chained (the next link holds it)"
                ),
            )
            self.unchained = None

    def rename(self, found: list[tuple[int, int]], problem: str, detail: str) -> None:
        """Name again the problems found (each its index and log position) once a later link
        told what they were: `detail` says it of `{position}`."""
        for index, position in found:
            self.problems[index].update(problem=problem, detail=detail.format(position=position))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "position": self.position,
            "digest": self.digest,
            "problems": self.problems,
            "notes": self.notes,
        }


class Event(NamedTuple):
    """A stored event as checked: its values, or None where a value is malformed."""

    position: int | None
    stream: UUID | None
    version: int | None
    topic: str | None
    state: bytes | None


class Link(NamedTuple):
    position: int | None
    stream: UUID | None
    version: int | None
    hash: str | None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def as_stream(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def as_hash(value: Any) -> str | None:
    return value if isinstance(value, str) and _HASH.fullmatch(value) else None


def event_of(row: tuple[Any, ...]) -> Event:
    position, stream, version, topic, state = row
    return Event(
        as_int(position),
        as_stream(stream),
        as_int(version),
        topic if isinstance(topic, str) else None,
        as_bytes(state),
    )


def link_of(row: tuple[Any, ...]) -> Link:
    position, stream, version, digest = row
    return Link(as_int(position), as_stream(stream), as_int(version), as_hash(digest))


def _label(stream: UUID | None, version: int | None, labels: dict[UUID, str]) -> str:
    where = labels.get(stream, str(stream)) if stream is not None else "?"
    return f"{where}#{version if version is not None else '?'}"


def _name(event: Event, labels: dict[UUID, str]) -> str:
    return _label(event.stream, event.version, labels)


def _malformed(event: Event) -> str | None:
    missing = [name for name, value in zip(Event._fields, event, strict=True) if value is None]
    return _("unreadable {fields}").format(fields=", ".join(missing)) if missing else None


def verify(
    events: Iterable[tuple[Any, ...]],
    chain: Iterable[tuple[Any, ...]],
    head: tuple[Any, Any] | None,
    labels: dict[UUID, str] | None = None,
    candidates: Candidates | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Check the events (rows as the database holds them: position, stream, version, topic,
    state; in log order) against the chain (rows: position, stream, version, hash; in
    position order) and its head; `candidates`, if given, sees the events it watches.

    Each well-formed event chained at its own position to itself is checked in one step (one
    SHA-256, no conversion); anything else is read value by value (`_check`) and named."""
    names = labels if labels is not None else (candidates.labels if candidates else {})
    result = Verification()
    links = iter(chain)
    chained = _Peek(links)
    previous: str | None = GENESIS
    known: bytes | None = bytes(32)  # `previous` as bytes (None: not converted yet)
    last = 0
    count = 0
    sha256 = hashlib.sha256
    topics: dict[str, bytes] = {}
    watched = WATCHED if candidates is not None else frozenset()
    for row in counted(iter(events), progress, 5000):
        count += 1
        position, stream, version, topic, state = row
        if topic in watched:
            assert candidates is not None
            candidates.see(event_of(row))
        peek = chained.peek
        if (
            peek is not None
            and type(position) is int
            and type(version) is int
            and type(state) is bytes
            and peek[0] == position
            and (peek[1] == stream or (type(stream) is UUID and peek[1] == stream.hex))
            and peek[2] == version
            and type(peek[0]) is int
            and type(peek[2]) is int
        ):
            stream_bytes = _stream_bytes(stream)
            label = topics.get(topic) if type(topic) is str else None
            if label is None and type(topic) is str:
                label = topics[topic] = topic.encode("utf-8") + b"\0"
            if known is None and previous is not None:
                known = bytes.fromhex(previous)
            if stream_bytes is not None and label is not None and known is not None:
                digest = sha256(
                    known
                    + position.to_bytes(8, "big")
                    + stream_bytes
                    + version.to_bytes(8, "big")
                    + label
                    + state
                ).digest()  # finalised once, then shown in hex to compare
                if digest.hex() == peek[3]:
                    chained.peek = next(links, None)
                    previous, known, last = peek[3], digest, position
                    result.chained_after_all()
                    result.altered = None
                    continue
        # Not the plain case: read every value and say what is wrong.
        result.events = count
        previous, last = _check(result, event_of(row), chained, previous, last, names)
        known = None
    result.events = count
    if result.unchained is not None:  # the last events: inserted, the chain ends before them
        previous, last = result.unchained.before, result.unchained.last
        result.unchained = None
    for lost in chained.rest():
        previous = _lost(result, link_of(lost), names)
        last = as_int(lost[0]) or last
    result.position = last
    result.digest = previous or GENESIS
    _check_head(result, head, last, previous)
    return result


def _stream_bytes(stream: Any) -> bytes | None:
    """The 16 bytes of a stream id as stored (32 hex digits on SQLite, a UUID on PostgreSQL),
    or None if it is not plainly one."""
    if type(stream) is str:
        if len(stream) != 32:
            return None
        try:
            return bytes.fromhex(stream)
        except ValueError:
            return None
    return stream.bytes if isinstance(stream, UUID) else None


def _check(
    result: Verification,
    event: Event,
    chained: _Peek,
    previous: str | None,
    last: int,
    names: dict[UUID, str],
) -> tuple[str | None, int]:
    """One event read value by value against the chain: what is wrong with it, if anything;
    the chain's hash and the position after it."""
    unchained, result.unchained = result.unchained, None
    altered, result.altered = result.altered, None
    if event.position is None:
        result.problem(_name(event, names), "malformed", _("its log position is not a number"))
        return previous, last
    while chained.peek is not None and (as_int(chained.peek[0]) or 0) < event.position:
        previous, unchained = _lost(result, link_of(chained.next()), names), None
    peeked = chained.peek
    row = link_of(peeked) if peeked is not None else None
    trouble = _malformed(event)
    if row is None or row.position != event.position:
        result.problem(
            _name(event, names),
            "inserted",
            _("log position {position} was never chained").format(position=event.position),
        )
        if trouble is not None or previous is None:
            return previous, last
        # Inserted, or its chain row removed: the next event tells (`chained_after_all`).
        # Several in a row: the chain before the first is what the next link may hold.
        # (The run's list grows in place: a copy per event made a long run quadratic.)
        result.unchained = since = unchained or Unchained([], previous, last)
        since.found.append((len(result.problems) - 1, event.position))
        return _linker(event)(previous), event.position
    chained.next()
    if trouble is not None:
        result.problem(
            _name(event, names),
            "malformed",
            _("log position {position}: {trouble}").format(
                position=event.position, trouble=trouble
            ),
        )
    elif row.hash is None or row.stream is None or row.version is None:
        result.problem(
            _name(event, names),
            "malformed",
            _("the chain row of log position {position} is unreadable").format(
                position=event.position
            ),
        )
    elif (row.stream, row.version) != (event.stream, event.version):
        result.problem(
            _name(event, names),
            "reordered",
            _("log position {position} was chained to {event}").format(
                position=event.position, event=_label(row.stream, row.version, names)
            ),
        )
    elif previous is not None:
        linked_from = _linker(event)
        expected = linked_from(previous)

        if expected == row.hash:
            result.unchained = unchained
            result.chained_after_all()
        elif altered is not None and row.hash in (
            whole := linked_from(altered.chained),
            linked_from(altered.last),
        ):
            # This link holds the events before as they stand (all of them, or the last one
            # after events changed indeed): they are the ones chained, and only their chain
            # rows' hashes were changed.
            result.rename(
                altered.found if row.hash == whole else altered.found[-1:],
                "rechained",
                _(
                    "the chain row of log position {position} was changed; the event is the "
                    "one that was chained (the next link holds it)"
                ),
            )
        elif unchained is None or row.hash != linked_from(unchained.before):
            result.problem(
                _name(event, names),
                "modified",
                _("the content at log position {position} changed").format(position=event.position),
            )
            # Several in a row: the next link may still hold them all (their rows changed).
            # (The run's list grows in place: a copy per event made a long run quadratic.)
            run = altered or Altered([], previous, previous)
            run.found.append((len(result.problems) - 1, event.position))
            result.altered = run._replace(chained=linked_from(run.chained), last=expected)
        # else: this event follows the one before the unchained one, which was inserted.
    return row.hash, event.position


def _linker(event: Event) -> Callable[[str], str]:
    """The chain hash of a well-formed event (`_malformed` found nothing) after a given hash."""
    position, stream, version, topic, state = event
    assert position is not None and stream is not None and version is not None
    assert topic is not None and state is not None
    return lambda before: link(before, position, stream, version, topic, state)


def _lost(result: Verification, lost: Link, names: dict[UUID, str]) -> str | None:
    result.problem(
        _label(lost.stream, lost.version, names),
        "removed",
        _("log position {position} was chained but is gone from the store").format(
            position=lost.position
        ),
    )
    return lost.hash


def _check_head(
    result: Verification, head: tuple[Any, Any] | None, last: int, previous: str | None
) -> None:
    if head is None:
        if result.events or last:
            result.problem("head", "removed", _("the chain's head is missing"))
        return
    position, digest = as_int(head[0]), as_hash(head[1])
    if position is None or digest is None:
        result.problem("head", "malformed", _("the chain's head is unreadable"))
        return
    if (position, digest) != (last, previous):
        result.problem(
            "head",
            "removed" if position > last else "modified",
            _(
                "the stored head is log position {position} ({digest}…), the chain ends at "
                "{last} ({previous}…): the newest events were removed or the head was altered"
            ).format(
                position=position, digest=digest[:12], last=last, previous=(previous or "?")[:12]
            ),
        )


class _Peek:
    """An iterator of chain rows that can look one row ahead."""

    def __init__(self, items: Iterator[tuple[Any, ...]]) -> None:
        self.items = items
        self.peek: tuple[Any, ...] | None = next(items, None)

    def next(self) -> tuple[Any, ...]:
        current = self.peek
        assert current is not None
        self.peek = next(self.items, None)
        return current

    def rest(self) -> Iterator[tuple[Any, ...]]:
        while self.peek is not None:
            yield self.next()


WATCHED = frozenset({"CandidateEnrolled", "JuryConvened", "IdentityRecorded", "PersonalDataErased"})
"""The events whose content `verify` reads: who a stream is about, and the keys."""


@dataclass
class Candidates:
    """What the events say of each candidate stream: who, whether erased, the key's commitment."""

    labels: dict[UUID, str] = field(default_factory=dict)
    erased: set[UUID] = field(default_factory=set)
    commitments: dict[UUID, str] = field(default_factory=dict)

    def see(self, event: Event) -> None:
        if event.stream is None or event.state is None or event.topic is None:
            return
        if event.topic not in WATCHED:
            return
        try:
            state = orjson.loads(event.state)
        except orjson.JSONDecodeError:
            return
        if not isinstance(state, dict):
            return
        if event.topic == "CandidateEnrolled" and isinstance(state.get("candidate_id"), str):
            self.labels[event.stream] = f"candidate/{state['candidate_id']}"
        elif event.topic == "JuryConvened" and isinstance(state.get("session_id"), str):
            self.labels[event.stream] = f"jury/{state['session_id']}"
        elif event.topic == "IdentityRecorded" and isinstance(state.get("key_commitment"), str):
            self.commitments[event.stream] = state["key_commitment"]
        elif event.topic == "PersonalDataErased":
            self.erased.add(event.stream)


def check_keys(
    result: Verification, store: Store, candidates: Candidates, rows: list[tuple[Any, ...]]
) -> None:
    """Each candidate not erased has their key, the key the enrolment committed to; an erased
    candidate has none left (`rows`: the keys as stored, read with the events)."""
    keys = store.keys
    if keys.unreadable:
        result.notes.append(_("the keys were not checked: this role may not read them"))
        return
    held: dict[UUID, tuple[Any, Any]] = {}
    for stream_text, wrapped, kek_id in rows:
        stream = as_stream(stream_text)
        if stream is None or stream not in candidates.labels:
            result.problem(f"key {stream_text!r}", "inserted", _("a key for no candidate"))
            continue
        held[stream] = (wrapped, kek_id)
    unchecked = 0
    for stream, label in candidates.labels.items():
        if not label.startswith("candidate/"):
            continue
        found = held.get(stream)
        if stream in candidates.erased:
            if found is not None:
                result.problem(
                    label,
                    "key kept",
                    _(
                        "personal data erased, yet a key remains (an erasure interrupted: "
                        "`candidate erase` again finishes it)"
                    ),
                )
            continue
        if found is None:
            result.problem(label, "key removed", _("no key, and no erasure was recorded"))
            continue
        wrapped, kek_id = found
        kek = keys.file.get(str(kek_id)) if isinstance(kek_id, str) else None
        key = unwrap(kek, bytes(wrapped)) if kek is not None and as_bytes(wrapped) else None
        if key is None:
            unchecked += 1
            continue
        if commitment(stream, key) != candidates.commitments.get(stream):
            result.problem(
                label, "key replaced", _("the key is not the one the enrolment committed to")
            )
    if unchecked:
        result.notes.append(
            ngettext(
                "{count} key not checked against its commitment: the key file {path} cannot "
                "unwrap it",
                "{count} keys not checked against their commitment: the key file {path} cannot "
                "unwrap them",
                unchecked,
            ).format(count=unchecked, path=keys.file.path)
        )


EVENTS = (
    "SELECT {position}, originator_id, originator_version, topic, state FROM {{events}} "
    "ORDER BY {position}"
)
"""Every stored event in log order, as the database holds it (position, stream, version,
topic, state)."""

LINKS = (
    "SELECT position, originator_id, originator_version, hash FROM {ledger_chain} ORDER BY position"
)
"""Every chain row in position order, as the database holds it."""

HEAD = "SELECT position, hash FROM {ledger_head}"


def verify_store(
    store: Store,
    published: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Re-read the whole store against its chain and head, and the keys against the events'
    commitments; and, given a digest published earlier (`@POSITION:SHA256`), check that the
    chain still holds it. Events are named by their stream (`candidate/V1#3`) where the
    stream says who it is about.

    Everything is read as one state of the store. If another process's erasure replaced the
    key-encryption key meanwhile, the key rows of that state name a key the file no longer
    holds and cannot be checked: the whole check is made again, on the new state (a few
    times at most)."""
    for attempt in range(ATTEMPTS):
        result, replaced = _verify_once(store, published, progress if attempt == 0 else None)
        if not replaced:
            break
    return result


ATTEMPTS = 3
"""How many times `verify_store` reads the store when erasures keep replacing the key."""


def _verify_once(
    store: Store, published: str | None, progress: Callable[[int], None] | None
) -> tuple[Verification, bool]:
    """One check of one state of the store; and whether its key-encryption key was replaced
    in the file since that state (its keys could then not be checked)."""
    candidates = Candidates()
    with store.snapshot() as snapshot:
        heads = snapshot.read(HEAD)
        current = snapshot.read("SELECT kek FROM {ledger_kek} WHERE id = 1")
        result = verify(
            snapshot.stream(EVENTS.format(position=store.dialect.position)),
            snapshot.stream(LINKS),
            (heads[0][0], heads[0][1]) if heads else None,
            candidates=candidates,
            progress=progress,
        )
        if published is not None:
            position_text, __, expected = published.removeprefix("@").partition(":")
            position = int(position_text)
            rows = snapshot.read("SELECT hash FROM {ledger_chain} WHERE position = ?", (position,))
            found = rows[0][0] if rows else None
            if found != expected:
                result.problem(
                    published,
                    "modified",
                    _("the chain no longer holds this published digest")
                    if found
                    else _(
                        "the chain no longer holds this published digest (no event at log "
                        "position {position})"
                    ).format(position=position),
                )
        # Last: a role that may not read the keys ends the snapshot's transaction.
        check_keys(result, store, candidates, store.keys.rows(via=snapshot))
    return result, bool(current) and store.keys.file.replaced(str(current[0][0]))
