"""Staging: the events of a long run of commands (an import) written where the commands that
follow read them, and committed only once every command was accepted.

A real import writes them into the store, in one transaction that holds the store's write
lock from its start to its end (`Dialect.exclusive`, `InStore`): other writers wait (up to
`LOCK_TIMEOUT`, then give up with nothing written), readers do not, and see nothing of the
run before it commits. A dry run keeps them aside in a temporary file and reads the store
in one read-only snapshot (`Aside`): it takes no lock and needs no right to write.

The commands run in chunks (one `UnitOfWork` batch each); at the end of a chunk, the events
of the aggregates it changed are mapped to stored rows (sealed with the candidates' keys)
and written, chained, through the transaction (`ledger/store/bulk.py`) or aside, and the
aggregates leave memory. While staging is on, the unit of work reads aggregates as the store
holds them plus what the chunks before wrote: a row sees every row before it. Each event is
mapped and written once; memory stays that of one chunk, whatever the length of the run. A
refusal, a dry run or an error rolls it all back (or drops the file).

Two Bloom filters spare the look-ups that would find nothing: the streams written so far,
and (once a run has looked up a thousand streams) the streams the store held when the run
began. Most of an import's streams are new: its request ids, its certificates, its
candidates.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
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
from ledger.store.dialects import Abandon, Dialect
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


def _cursor(kind: str, conn: Any, name: str | None = None) -> Any:
    """A cursor on `conn` whose rows are tuples (PostgreSQL: a cursor of the server's when
    named, fetched in parts)."""
    if kind == "postgresql":
        from psycopg.rows import tuple_row

        if name is not None:
            return conn.cursor(name=name, row_factory=tuple_row)
        return conn.cursor(row_factory=tuple_row)
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


class _Place:
    """Where a run writes, beside the store it reads (`reader`: a cursor of tuples)."""

    kind: str
    reader: Any
    last: int
    """The store's last log position when the run began."""

    def read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of the store, as this place sees it."""
        self.reader.execute(statement, params)
        return list(self.reader.fetchall())

    def _last(self, store: Store) -> int:
        statement = f"SELECT COALESCE(MAX({store.dialect.position}), 0) FROM {{events}}"
        ((last,),) = self.read(store.dialect.sql(store.recorder, statement))
        return int(last)


class InStore(_Place):
    """Where a real import writes: the store itself, in one transaction that holds its write
    lock (`Dialect.exclusive`), read back through that transaction (its writes included)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.kind = store.dialect.kind
        self.exit = ExitStack()
        cursor = self.exit.enter_context(store.dialect.exclusive(store.recorder))
        postgres = self.kind == "postgresql"
        self.conn = cursor.connection if postgres else cursor.sqlite_cursor.connection
        self.reader = _cursor(self.kind, self.conn)
        try:
            self.last = self._last(store)
        except BaseException:
            self.exit.__exit__(Abandon, Abandon(), None)
            raise
        self.bulk = Bulk(store.recorder, cursor, after=self.last)

    @property
    def written(self) -> int:
        return self.bulk.written

    def write(self, rows: Sequence[Written]) -> None:
        self.bulk.write(rows)

    def events(
        self, select: str, stream: UUID, limit: int, *, held: bool, written: bool
    ) -> list[tuple[int, str, bytes]]:
        """A stream's events (version, topic, state): one look-up, unless it is surely in
        neither the store as it was (`held`) nor this run's writes (`written`)."""
        if not (held or written):
            return []
        return self.read(select, _params(self.store.dialect, stream, limit))

    def end(self, *, commit: bool) -> None:
        if commit:
            self.exit.close()
            return
        if self.kind == "postgresql" and self.bulk.written:
            # The positions this run took from the events' sequence are not given back by the
            # rollback: given back here (no one else has written meanwhile: the transaction
            # holds the lock), lest every refused import leave a gap in the log.
            with contextlib.suppress(Exception):  # then the rollback alone, gap and all
                self.read(
                    self.store.dialect.sql(
                        self.store.recorder,
                        "SELECT setval(pg_get_serial_sequence('{events}', 'notification_id'), "
                        "GREATEST(?, 1), ? > 0)",
                    ),
                    (self.last, self.last),
                )
        self.exit.__exit__(Abandon, Abandon(), None)


class Aside(_Place):
    """Where a dry run writes: a temporary SQLite file beside the store, which is read in one
    read-only snapshot (`Dialect.reader`) and never written or locked."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.kind = store.dialect.kind
        self.folder = tempfile.TemporaryDirectory(prefix="certledger-staging-")
        self.db = sqlite3.connect(Path(self.folder.name) / "staged.db", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(
            "CREATE TABLE staged (stream BLOB NOT NULL, version INTEGER NOT NULL, "
            "topic TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY (stream, version))"
        )
        self.written = 0
        self.conn = store.dialect.reader(store.url)
        self.reader = _cursor(self.kind, self.conn)
        try:
            self.last = self._last(store)
        except BaseException:
            self.end(commit=False)
            raise

    def write(self, rows: Sequence[Written]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT INTO staged VALUES (?, ?, ?, ?)",
            [(stream.bytes, version, topic, state) for stream, version, topic, state in rows],
        )
        self.db.execute("COMMIT")
        self.written += len(rows)

    def events(
        self, select: str, stream: UUID, limit: int, *, held: bool, written: bool
    ) -> list[tuple[int, str, bytes]]:
        found = self.read(select, _params(self.store.dialect, stream, limit)) if held else []
        if written and (limit < 0 or len(found) < limit):
            found += self.db.execute(
                "SELECT version, topic, state FROM staged WHERE stream = ? ORDER BY version",
                (stream.bytes,),
            ).fetchall()
        return found

    def end(self, *, commit: bool) -> None:
        assert not commit, "a dry run writes nothing"
        self.conn.close()
        self.db.close()
        self.folder.cleanup()


def _params(dialect: Dialect, stream: UUID, limit: int) -> tuple[Any, ...]:
    """A stream's look-up: its id as the events table holds it, and the row limit (none:
    -1 on SQLite, NULL on PostgreSQL)."""
    unlimited = None if dialect.kind == "postgresql" else -1
    return (dialect.stream_key(stream), unlimited if limit < 0 else limit)


class Staging:
    """A run's writes (`InStore`, or `Aside` for a dry run), read through by a unit of work
    while it is on."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        dry_run: bool = False,
        keep: int = 1000,
        held_after: int | None = None,
    ) -> None:
        self.uow = uow
        self.store: Store = uow.store
        self.dialect = self.store.dialect
        self.dry_run = dry_run
        self.place: InStore | Aside = Aside(self.store) if dry_run else InStore(self.store)
        try:
            self._begin(keep, held_after)
        except BaseException:
            self.place.end(commit=False)
            raise

    def _begin(self, keep: int, held_after: int | None) -> None:
        recorder, dialect = self.store.recorder, self.dialect
        self.abandoned = False
        self.select = dialect.sql(
            recorder,
            "SELECT originator_version, topic, state FROM {events} "
            "WHERE originator_id = ? ORDER BY originator_version LIMIT ?",
        )
        self.held_events = self.place.last
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
        return self.place.written

    def stored(self, stream: UUID, *, limit: int = -1) -> list[StoredEvent]:
        """The events the store holds for a stream, those of this run included."""
        if self.held is None:
            self.lookups -= 1
            if self.lookups <= 0:
                self.held = self._held()
        rows = self.place.events(
            self.select,
            stream,
            limit,
            held=self.held is None or stream in self.held,
            written=stream in self.streams,
        )
        return [StoredEvent(stream, version, topic, bytes(state)) for version, topic, state in rows]

    def _held(self) -> Bloom:
        """The streams the store holds (those a real import wrote so far among them): a
        filter sized for the events the store held and this run wrote, which are at least
        as many (sized for the first alone, a large import's own streams overfilled it)."""
        held = stream_filter(self.held_events + self.events)
        cursor = _cursor(self.dialect.kind, self.place.conn, "certledger_held")
        cursor.execute(
            self.dialect.sql(self.store.recorder, "SELECT DISTINCT originator_id FROM {events}")
        )
        while rows := cursor.fetchmany(10_000):
            held.update(as_uuid(row[0]) for row in rows)
        cursor.close()
        return held

    # Reads (the unit of work calls these while staging is on).

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
        if rows:
            self.place.write(rows)

    # Life cycle.

    def abandon(self) -> None:
        """Write nothing of the run: it is rolled back (or dropped) when staging ends."""
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
        """Commit, unless it is a dry run, the run was abandoned or the block raised."""
        self.recent.clear()
        if self.uow.overlay is self:
            self.uow.overlay = None
        self.place.end(commit=exc is None and not self.abandoned and not self.dry_run)
