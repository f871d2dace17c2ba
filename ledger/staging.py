"""Staging: the events of a long run of commands (an import) kept aside, on disk, until they
are all accepted, then written in one transaction (`ledger/store/bulk.py`).

The commands run in chunks (one `UnitOfWork` batch each). At the end of a chunk, the events
of the aggregates it changed are mapped to stored rows (sealed with the candidates' keys,
as the store would hold them) and appended to a temporary SQLite file; the aggregates leave
memory. While staging is on, the unit of work reads an aggregate as the store holds it plus
the events staged for it, so a row sees every row before it. Memory stays that of one
chunk, whatever the length of the run; the store is not written until `promote`, and not
at all if the run is abandoned (a refusal, a dry run).

Two Bloom filters spare the look-ups that would find nothing: the streams staged so far,
and (once a run has looked up a thousand streams in the store) the streams the store holds
in the reader's snapshot. Most of an import's streams are new: its request ids, its
certificates, its candidates.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from rbloom import Bloom

from ledger.claims import Claim
from ledger.store import Store
from ledger.store.chain import Written, as_uuid
from ledger.unit_of_work import UnitOfWork

_SCHEMA = (
    "CREATE TABLE staged (seq INTEGER PRIMARY KEY, stream BLOB NOT NULL, "
    "version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB NOT NULL)",
    "CREATE INDEX staged_stream ON staged (stream, version)",
)


STAGED_STREAMS = 2_000_000
"""How many staged streams the filter of staged streams is sized for (3.6 MiB), a stream
never staged then taken for a staged one (and looked up for nothing) once in 1,000; more
streams only make that more frequent (a 1M-row import stages about 2 million)."""

HELD_AFTER = 1000
"""After how many look-ups in the store an import reads which streams the store holds
(`Staging.held`), and at least one for every `HELD_PER` events the store holds (reading its
streams is a pass over its index, which about that many look-ups cost): a small import
never reads them, a large one saves a query per stream the store never held (on
PostgreSQL, a round trip each)."""

HELD_PER = 100


def stream_filter(streams: int = STAGED_STREAMS) -> Bloom:
    """A Bloom filter of stream ids (`rbloom`), sized for `streams`: a stream it has not seen
    is surely not there, and needs no look-up (an import asks for one request id per row,
    almost never recorded or staged before)."""
    return Bloom(max(streams, 1), 0.001)


class Staging:
    """Staged events in a temporary file, read through by a unit of work while it is on."""

    def __init__(self, uow: UnitOfWork, keep: int = 1000, held_after: int | None = None) -> None:
        self.uow = uow
        self.store: Store = uow.store
        self.folder = tempfile.TemporaryDirectory(prefix="certledger-staging-")
        self.db = sqlite3.connect(Path(self.folder.name) / "staged.db", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        for statement in _SCHEMA:
            self.db.execute(statement)
        self.select = ""
        self.reader = self._reader()
        self.held_events = self._held_events()
        """How many events the store holds in the reader's snapshot (its last position)."""
        self.events = 0
        """How many events are staged."""
        self.recent: OrderedDict[UUID, Aggregate] = OrderedDict()
        """The aggregates last staged (claims aside), as staged: the next chunks that need
        them again need not read them back (at most `keep`, the least recently used leave)."""
        self.keep = keep
        self.snapshotted: set[UUID] = set()
        """The staged streams of aggregates the store snapshots (a few registers)."""
        self.streams = stream_filter()
        """The streams staged (a filter: those it has not seen need no look-up)."""
        self.held: Bloom | None = None
        """The streams the store holds in the reader's snapshot (a filter), once read."""
        self.lookups = (
            max(HELD_AFTER, self.held_events // HELD_PER) if held_after is None else held_after
        )
        """How many look-ups in the store are left before the streams it holds are read."""

    def _reader(self) -> Any:
        """A connection of its own that reads the store in one read-only transaction (one
        consistent snapshot, without a transaction per read: `Dialect.reader`); None for an
        in-memory store."""
        url = self.store.url
        if url.kind != "postgresql" and url.path is None:
            return None
        self.select = url.dialect.sql(
            self.store.recorder,
            "SELECT originator_version, topic, state FROM {events} "
            "WHERE originator_id = ? ORDER BY originator_version LIMIT ?",
        )
        return url.dialect.reader(url)

    def stored(self, stream: UUID, *, limit: int = -1) -> list[StoredEvent]:
        """The events the store holds for a stream (through the reader)."""
        if self.reader is None:
            return list(
                self.store.recorder.select_events(stream, limit=None if limit < 0 else limit)
            )
        if self.held is None:
            self.lookups -= 1
            if self.lookups <= 0:
                self.held = self._held()
        if self.held is not None and stream not in self.held:
            return []
        if self.store.url.kind == "postgresql":
            params: tuple[Any, ...] = (stream, None if limit < 0 else limit)
        else:
            params = (stream.hex, limit)
        rows = self.reader.execute(self.select, params).fetchall()
        return [StoredEvent(stream, version, topic, bytes(state)) for version, topic, state in rows]

    def _held_events(self) -> int:
        if self.reader is None:
            return 0
        dialect, recorder = self.store.dialect, self.store.recorder
        (events,) = self.reader.execute(
            dialect.sql(recorder, f"SELECT COALESCE(MAX({dialect.position}), 0) FROM {{events}}")
        ).fetchone()
        return int(events)

    def _held(self) -> Bloom:
        """The streams the store holds, read through the reader (the same snapshot as every
        look-up): a filter sized for the store's events, which are at least as many."""
        assert self.reader is not None
        dialect, recorder = self.store.dialect, self.store.recorder
        held = stream_filter(self.held_events)
        cursor = self.reader.execute(
            dialect.sql(recorder, "SELECT DISTINCT originator_id FROM {events}")
        )
        while rows := cursor.fetchmany(10_000):
            held.update(as_uuid(stream) for (stream,) in rows)
        return held

    # Reads through the staged events (the unit of work calls these while staging is on).

    def staged(self, stream: UUID) -> list[StoredEvent]:
        if stream not in self.streams:
            return []
        rows = self.db.execute(
            "SELECT version, topic, state FROM staged WHERE stream = ? ORDER BY version",
            (stream.bytes,),
        ).fetchall()
        return [StoredEvent(stream, version, topic, state) for version, topic, state in rows]

    def load(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate as the store holds it, with the events staged for it applied."""
        kept = self.recent.get(aggregate_id)
        if kept is not None:
            self.recent.move_to_end(aggregate_id)
            return kept
        aggregate: Aggregate | None = None
        mapper = self.store.mapper
        for stored in (*self.stored(aggregate_id), *self.staged(aggregate_id)):
            aggregate = mapper.to_domain_event(stored).mutate(aggregate)  # type: ignore[attr-defined]
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        if aggregate_id in self.recent:
            return True
        if aggregate_id in self.streams:
            found = self.db.execute(
                "SELECT 1 FROM staged WHERE stream = ? LIMIT 1", (aggregate_id.bytes,)
            ).fetchone()
            if found is not None:
                return True
        return bool(self.stored(aggregate_id, limit=1))

    # Staging.

    @contextmanager
    def chunk(self) -> Iterator[None]:
        """Run commands as one batch of the unit of work; what they changed is staged at the
        end (nothing is staged if the block raises)."""
        uow = self.uow
        if uow.pending is not None:
            raise RuntimeError("staging does not nest in a batch")
        uow.pending = {}
        try:
            yield
            changed = list(uow.pending.values())
        finally:
            uow.pending = None
            uow.cached_versions = None
        self.stage(changed)

    def stage(self, aggregates: Sequence[Aggregate]) -> None:
        mapper = self.store.ledger_mapper
        intervals = self.store.snapshotting_intervals
        rows = []
        for aggregate in aggregates:
            self.streams.add(aggregate.id)
            if type(aggregate) in intervals:
                self.snapshotted.add(aggregate.id)
            if not isinstance(aggregate, Claim):
                self.recent[aggregate.id] = aggregate
                self.recent.move_to_end(aggregate.id)
            for event in aggregate.collect_events():
                stream, version, topic, state = mapper.encode(event)
                rows.append((stream.bytes, version, topic, state))
        while len(self.recent) > self.keep:
            self.recent.popitem(last=False)
        if rows:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT INTO staged (stream, version, topic, state) VALUES (?, ?, ?, ?)", rows
            )
            self.db.execute("COMMIT")
            self.events += len(rows)

    def batches(self, size: int = 5000) -> Iterator[list[Written]]:
        """The staged events in the order they were staged, `size` at a time."""
        last = 0
        while rows := self.db.execute(
            "SELECT seq, stream, version, topic, state FROM staged WHERE seq > ? "
            "ORDER BY seq LIMIT ?",
            (last, size),
        ).fetchall():
            yield [(UUID(bytes=s), v, t, state) for _, s, v, t, state in rows]
            last = rows[-1][0]

    # Life cycle.

    def __enter__(self) -> Staging:
        self.uow.overlay = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def release(self) -> None:
        """End the read transaction on the store (before writing to it)."""
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def close(self) -> None:
        self.recent.clear()
        if self.uow.overlay is self:
            self.uow.overlay = None
        self.release()
        self.db.close()
        self.folder.cleanup()
