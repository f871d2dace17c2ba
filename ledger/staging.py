"""Staging: the events of a long run of commands (an import) written into the store in one
transaction, committed only once every command was accepted.

The transaction holds the store's write lock from its start to its end
(`Dialect.exclusive`): other writers wait (up to `LOCK_TIMEOUT`, then give up with nothing
written), readers do not, and see nothing of the run before it commits. The commands run in
chunks (one `UnitOfWork` batch each); at the end of a chunk, the events of the aggregates it
changed are mapped to stored rows (sealed with the candidates' keys) and written, chained,
through the transaction (`ledger/store/bulk.py`), and the aggregates leave memory. While
staging is on, the unit of work reads aggregates through the transaction, which sees what
the chunks before wrote: a row sees every row before it. Each event is mapped and written
once; memory stays that of one chunk, whatever the length of the run (the transaction's
pages are the database's, on disk). A refusal, a dry run or an error rolls it all back.

Two Bloom filters spare the look-ups that would find nothing: the streams written so far,
and (once a run has looked up a thousand streams) the streams the store held when the run
began. Most of an import's streams are new: its request ids, its certificates, its
candidates.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import TracebackType
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from rbloom import Bloom

from ledger.claims import Claim
from ledger.store import Store
from ledger.store.bulk import Bulk
from ledger.store.chain import Written, as_uuid
from ledger.store.dialects import Abandon
from ledger.unit_of_work import UnitOfWork

STAGED_STREAMS = 2_000_000
"""How many written streams the filter of written streams is sized for (3.6 MiB), a stream
never written then taken for a written one (and looked up for nothing) once in 1,000; more
streams only make that more frequent (a 1M-row import writes about 2 million)."""

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
    """An import's one write transaction, read through by a unit of work while it is on."""

    def __init__(self, uow: UnitOfWork, keep: int = 1000, held_after: int | None = None) -> None:
        self.uow = uow
        self.store: Store = uow.store
        recorder = self.store.recorder
        self.dialect = dialect = self.store.dialect
        self.exit = ExitStack()
        cursor = self.exit.enter_context(dialect.exclusive(recorder))
        try:
            self._begin(cursor, keep, held_after)
        except BaseException:
            self.exit.__exit__(Abandon, Abandon(), None)
            raise

    def _begin(self, cursor: Any, keep: int, held_after: int | None) -> None:
        recorder, dialect = self.store.recorder, self.dialect
        self.bulk = Bulk(recorder, cursor)
        self.abandoned = False
        if dialect.kind == "postgresql":
            from psycopg.rows import tuple_row

            self.reader = cursor.connection.cursor(row_factory=tuple_row)
        else:
            self.reader = cursor.sqlite_cursor.connection.cursor()
            self.reader.row_factory = None
        self.select = dialect.sql(
            recorder,
            "SELECT originator_version, topic, state FROM {events} "
            "WHERE originator_id = ? ORDER BY originator_version LIMIT ?",
        )
        self.held_events = self._held_events()
        """How many events the store held when the run began (its last position)."""
        self.recent: OrderedDict[UUID, Aggregate] = OrderedDict()
        """The aggregates last written (claims aside), as written: the next chunks that need
        them again need not read them back (at most `keep`, the least recently used leave)."""
        self.keep = keep
        self.snapshotted: set[UUID] = set()
        """The written streams of aggregates the store snapshots (a few registers)."""
        self.streams = stream_filter()
        """The streams written (a filter: those it has not seen need no look-up)."""
        self.held: Bloom | None = None
        """The streams the store held when the run began (a filter), once read."""
        self.lookups = (
            max(HELD_AFTER, self.held_events // HELD_PER) if held_after is None else held_after
        )
        """How many look-ups in the store are left before the streams it holds are read."""

    @property
    def events(self) -> int:
        """How many events are written (not committed yet)."""
        return self.bulk.written

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        self.reader.execute(statement, params)
        return list(self.reader.fetchall())

    def stored(self, stream: UUID, *, limit: int = -1) -> list[StoredEvent]:
        """The events the store holds for a stream, those of this run included."""
        if self.held is None:
            self.lookups -= 1
            if self.lookups <= 0:
                self.held = self._held()
        if self.held is not None and stream not in self.held and stream not in self.streams:
            return []
        postgres = self.dialect.kind == "postgresql"
        key = self.dialect.stream_key(stream)
        params = (key, (None if limit < 0 else limit) if postgres else limit)
        return [
            StoredEvent(stream, version, topic, bytes(state))
            for version, topic, state in self._read(self.select, params)
        ]

    def _held_events(self) -> int:
        dialect = self.dialect
        statement = f"SELECT COALESCE(MAX({dialect.position}), 0) FROM {{events}}"
        ((events,),) = self._read(dialect.sql(self.store.recorder, statement))
        return int(events)

    def _held(self) -> Bloom:
        """The streams the store holds (those this run wrote so far among them): a filter
        sized for the store's events, which are at least as many."""
        held = stream_filter(self.held_events)
        if self.dialect.kind == "postgresql":  # a cursor of the server's: fetched in parts
            from psycopg.rows import tuple_row

            cursor = self.reader.connection.cursor(name="certledger_held", row_factory=tuple_row)
        else:
            cursor = self.reader.connection.cursor()
        statement = "SELECT DISTINCT originator_id FROM {events}"
        cursor.execute(self.dialect.sql(self.store.recorder, statement))
        while rows := cursor.fetchmany(10_000):
            held.update(as_uuid(row[0]) for row in rows)
        cursor.close()
        return held

    # Reads through the transaction (the unit of work calls these while staging is on).

    def load(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate as the store holds it, this run's events included."""
        kept = self.recent.get(aggregate_id)
        if kept is not None:
            self.recent.move_to_end(aggregate_id)
            return kept
        aggregate: Aggregate | None = None
        mapper = self.store.mapper
        for stored in self.stored(aggregate_id):
            aggregate = mapper.to_domain_event(stored).mutate(aggregate)  # type: ignore[attr-defined]
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.recent or bool(self.stored(aggregate_id, limit=1))

    # Writing.

    @contextmanager
    def chunk(self) -> Iterator[None]:
        """Run commands as one batch of the unit of work; what they changed is written at
        the end (nothing is written if the block raises)."""
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
        encode = self.store.ledger_mapper.encode
        intervals = self.store.snapshotting_intervals
        rows: list[Written] = []
        for aggregate in aggregates:
            self.streams.add(aggregate.id)
            if type(aggregate) in intervals:
                self.snapshotted.add(aggregate.id)
            if not isinstance(aggregate, Claim):
                self.recent[aggregate.id] = aggregate
                self.recent.move_to_end(aggregate.id)
            rows.extend(encode(event) for event in aggregate.collect_events())
        while len(self.recent) > self.keep:
            self.recent.popitem(last=False)
        self.bulk.write(rows)

    # Life cycle.

    def abandon(self) -> None:
        """Write nothing of the run: the transaction is rolled back when staging ends."""
        self.abandoned = True

    def __enter__(self) -> Staging:
        self.uow.overlay = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Commit, unless the run was abandoned or the block raised (then roll back)."""
        self.recent.clear()
        if self.uow.overlay is self:
            self.uow.overlay = None
        if exc is None and not self.abandoned:
            self.exit.close()
        else:
            self.exit.__exit__(Abandon, Abandon(), None)
