"""Tamper evidence: each event hash-chained to the one before it, in the transaction that
stores it; the chain's head kept apart from the events.

The library's recorders are subclassed at one private hook each, called inside the insert
transaction once the events have their log positions (tests/ledger/test_library_hooks.py
pins that behaviour). The same transaction stores the new candidates' keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.store.dialects import READ_ONLY, SQLite, dialect_of

GENESIS = "0" * 64
"""The hash before the first event."""

Link = tuple[int, UUID, int, str]
"""A chain row: (position, originator_id, version, hash)."""

Written = tuple[UUID, int, str, bytes]
"""An event as the events table holds it: (stream, version, topic, state)."""


def as_uuid(value: Any) -> UUID:
    """A stream id as the events table gives it (UUID, or hex text on SQLite) as a UUID."""
    return value if isinstance(value, UUID) else UUID(str(value))


def as_bytes(value: Any) -> bytes | None:
    """A stored state as bytes, as the events table gives it (SQLite lets text into a BLOB
    column); None for anything else."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return None


def link(
    previous: str, position: int, originator_id: UUID, version: int, topic: str, state: bytes
) -> str:
    """The chain hash of one stored event: SHA-256 over the previous hash and the event."""
    digest = hashlib.sha256(bytes.fromhex(previous))
    digest.update(position.to_bytes(8, "big"))
    digest.update(originator_id.bytes)
    digest.update(version.to_bytes(8, "big"))
    digest.update(topic.encode("utf-8") + b"\0")
    digest.update(state)
    return digest.hexdigest()


def written(stored: Sequence[StoredEvent]) -> list[Written]:
    """The library's stored events as the chain reads them."""
    return [(as_uuid(e.originator_id), e.originator_version, e.topic, e.state) for e in stored]


def _append(
    recorder: Any, cursor: Any, events: Sequence[Written], positions: Sequence[int]
) -> None:
    """Chain the events just inserted (and store the keys of new candidates) with the insert's
    own cursor: it all commits, or rolls back, with the events."""
    dialect = recorder.dialect
    keys = getattr(recorder, "keys", None)
    if keys is not None:
        keys.insert(cursor, {stream for stream, *_ in events})
    cursor.execute(dialect.sql(recorder, "SELECT hash FROM {ledger_head} WHERE id = 1"))
    row = cursor.fetchone()
    previous = row["hash"] if row else GENESIS
    chain = []
    for position, (stream, version, topic, state) in zip(positions, events, strict=True):
        previous = link(previous, position, stream, version, topic, state)
        chain.append((position, stream.hex, version, previous))
    cursor.executemany(
        dialect.sql(recorder, "INSERT INTO {ledger_chain} VALUES (?, ?, ?, ?)"), chain
    )
    cursor.execute(
        dialect.sql(
            recorder,
            "INSERT INTO {ledger_head} VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET position = excluded.position, hash = excluded.hash",
        ),
        (positions[-1], previous),
    )


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, chaining each event it inserts (same transaction)."""

    dialect = SQLite()

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        if datastore.pool.db_name.endswith(READ_ONLY):  # `SQLite.env`, read-only
            # The library's pool switches every file it opens to WAL, which a read-only
            # connection cannot: a copy in another journal mode (`VACUUM INTO` makes one)
            # could not be read. Told it is WAL already, it reads the file as it is (a
            # private flag of the pool: tests/ledger/test_library_hooks.py pins it).
            datastore.pool.is_journal_mode_wal = True

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.dialect.ledger_ddl(self)]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            _append(self, c, written(stored_events), positions)
        return positions


@cache
def chained_postgres_recorder() -> type:
    """The library's PostgreSQL recorder, chaining each event it inserts (same transaction,
    under the lock the library takes on the events table). Built lazily: psycopg is only
    imported for PostgreSQL stores."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg.sql import SQL

    class ChainedPostgresRecorder(PostgresApplicationRecorder):
        dialect = dialect_of("postgresql")

        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
            super().__init__(datastore, events_table_name=events_table_name)
            self.sql_create_statements += [SQL(s).format() for s in self.dialect.ledger_ddl(self)]

        def _fetch_ids_after_insert_events(
            self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> Sequence[int] | None:
            positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            if positions:
                _append(self, curs, written(stored_events), positions)
            return positions

    return ChainedPostgresRecorder


def scan_chain(recorder: Any, batch: int = 5000) -> Iterator[Link]:
    """Every chain row in position order."""
    last = 0
    while rows := recorder.dialect.read(
        recorder,
        "SELECT position, originator_id, originator_version, hash FROM {ledger_chain} "
        "WHERE position > ? ORDER BY position LIMIT ?",
        (last, batch),
    ):
        for position, originator_id, version, digest in rows:
            yield position, UUID(originator_id), version, digest
        last = rows[-1][0]


def chain_head(recorder: Any) -> tuple[int, str] | None:
    """The chain's head as stored apart from the events: (position, hash)."""
    rows = recorder.dialect.read(recorder, "SELECT position, hash FROM {ledger_head} WHERE id = 1")
    return (rows[0][0], rows[0][1]) if rows else None


def link_at(recorder: Any, position: int) -> tuple[str, str] | None:
    """The chain hash of the event at a log position and the hash before it (positions can
    have gaps: the one before is the highest chained below it), or None if not chained."""
    rows = recorder.dialect.read(
        recorder, "SELECT hash FROM {ledger_chain} WHERE position = ?", (position,)
    )
    if not rows:
        return None
    before = recorder.dialect.read(
        recorder,
        "SELECT hash FROM {ledger_chain} WHERE position < ? ORDER BY position DESC LIMIT 1",
        (position,),
    )
    return (before[0][0] if before else GENESIS), rows[0][0]


def __getattr__(name: str) -> Any:
    # The PostgreSQL recorder's topic resolves here, so psycopg is imported only when used.
    if name == "ChainedPostgresRecorder":
        return chained_postgres_recorder()
    raise AttributeError(name)
