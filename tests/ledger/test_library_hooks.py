"""The eventsourcing library's private hooks certledger overrides, pinned: what the chain and
the key table rely on (ledger/store/chain.py).

SQLite: `SQLiteApplicationRecorder._insert_events(cursor, stored_events)` runs inside the insert
transaction and returns the new events' log positions, in order. PostgreSQL:
`PostgresApplicationRecorder._fetch_ids_after_insert_events(cursor, stored_events)` runs inside
the insert transaction, under the table lock, after the events are inserted, and returns their
positions. In both, a failed insert rolls back whatever the hook wrote.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.store import Store, parse_store_url
from ledger.store.chain import GENESIS, chain_head, link, scan_chain
from ledger.store.scans import scan_log
from tests.stores import StoreRef


def event(stream: object, version: int, topic: str = "Test") -> StoredEvent:
    return StoredEvent(
        originator_id=stream, originator_version=version, topic=topic, state=b'{"n": 1}'
    )


@pytest.fixture
def events(store: StoreRef) -> Store:
    opened = Store(parse_store_url(str(store)), create=True)
    yield opened
    opened.close()


def test_the_sqlite_hook_is_still_the_one_the_library_calls_with_a_cursor() -> None:
    names = list(inspect.signature(SQLiteApplicationRecorder._insert_events).parameters)
    assert names[:3] == ["self", "c", "stored_events"]


def test_the_postgresql_hook_is_still_the_one_the_library_calls_with_a_cursor() -> None:
    from eventsourcing.postgres import PostgresApplicationRecorder

    hook = PostgresApplicationRecorder._fetch_ids_after_insert_events
    assert list(inspect.signature(hook).parameters)[:3] == ["self", "curs", "stored_events"]
    source = inspect.getsource(PostgresApplicationRecorder.insert_events)
    assert source.index("_insert_stored_events") < source.index("_fetch_ids_after_insert_events")


def test_the_hook_gets_each_new_events_position_and_chains_them_in_its_transaction(
    events: Store,
) -> None:
    streams = [uuid4(), uuid4()]
    batch = [event(streams[0], 1), event(streams[0], 2), event(streams[1], 1)]

    positions = events.recorder.insert_events(batch)

    logged = list(scan_log(events.recorder))
    assert positions == [row[0] for row in logged] and len(positions) == 3
    previous = GENESIS
    for (position, stream, version, topic, state), chained in zip(
        logged, scan_chain(events.recorder), strict=True
    ):
        previous = link(previous, position, stream, version, topic, state)
        assert chained == (position, stream, version, previous)
    assert chain_head(events.recorder) == (positions[-1], previous)


def test_a_failed_insert_rolls_back_what_the_hook_wrote(events: Store) -> None:
    stream = uuid4()
    events.recorder.insert_events([event(stream, 1)])
    chain, head = list(scan_chain(events.recorder)), chain_head(events.recorder)
    newcomer = uuid4()
    events.keys.key_for(newcomer)

    with pytest.raises(IntegrityError):
        events.recorder.insert_events([event(newcomer, 1), event(stream, 1)])

    assert list(scan_chain(events.recorder)) == chain
    assert chain_head(events.recorder) == head
    assert events.dialect.read(events.recorder, "SELECT stream FROM {candidate_keys}") == []
    assert [row[1] for row in scan_log(events.recorder)] == [stream]


def test_the_library_snapshots_a_certificate_register_every_50_events(tmp_path: Path) -> None:
    """The library asks `Store.snapshotting_intervals` (by aggregate class) when it saves; the
    store names the classes by topic and resolves them then (a read imports no aggregate)."""
    from ledger.application import Ledger
    from ledger.claims import Register
    from ledger.clock import Actor, FixedClock
    from tests.builders import NOW

    ledger = Ledger(str(tmp_path / "ledger.db"), clock=FixedClock(NOW), create=True)
    try:
        assert ledger.events.snapshotting_intervals == {Register: 50}
        by = Actor("tester", ledger.clock)
        register = Register.open("RNCP13080", 2017, NOW.date(), by)
        for _ in range(49):
            register.allocate(NOW.date(), by)
        ledger.events.save(register)
        assert ledger.events.snapshots is not None
        (snapshot,) = ledger.events.snapshots.get(register.id)
        assert snapshot.originator_version == 50
        assert ledger.events.repository.get(register.id).allocated == 49
    finally:
        ledger.close()


@contextmanager
def saved_register(tmp_path: Path, allocations: int) -> Iterator[tuple[Any, Any]]:
    """A new ledger, and a certificate register saved in it with `allocations` numbers."""
    from ledger.application import Ledger
    from ledger.claims import Register
    from ledger.clock import Actor, FixedClock
    from tests.builders import NOW

    ledger = Ledger(str(tmp_path / "ledger.db"), clock=FixedClock(NOW), create=True)
    try:
        by = Actor("tester", ledger.clock)
        register = Register.open("RNCP13080", 2017, NOW.date(), by)
        for _ in range(allocations):
            register.allocate(NOW.date(), by)
        ledger.events.save(register)
        yield ledger, register
    finally:
        ledger.close()


def test_the_ledgers_projector_rebuilds_what_the_librarys_default_one_does(tmp_path: Path) -> None:
    """An import snapshots the registers it wrote with `ledger.store.project` (the library's
    `project_aggregate` without its runtime Protocol check, slow on thousands of events): both
    rebuild the same aggregate, and so take the same snapshot."""
    from eventsourcing.application import project_aggregate

    from ledger.claims import Register
    from ledger.store import project

    with saved_register(tmp_path, 9) as (ledger, register):
        repository = ledger.events.repository
        ours = repository.get(register.id, projector_func=project)
        theirs = repository.get(register.id, projector_func=project_aggregate)
        assert ours == theirs and ours.allocated == 9 and ours.version == 10

        ledger.events.take_snapshot(register.id, projector_func=project)
        assert ledger.events.snapshots is not None
        (stored,) = ledger.events.snapshots.recorder.select_events(register.id)
        snapshot_class = getattr(Register, "Snapshot", ledger.events.snapshot_class)
        expected = ledger.events.mapper.to_stored_event(snapshot_class.take(theirs))
        taken, wanted = orjson.loads(stored.state), orjson.loads(expected.state)
        assert stored.originator_version == 10
        assert (taken["topic"], taken["state"]) == (wanted["topic"], wanted["state"])


def test_a_register_rebuilt_from_its_snapshot_is_the_register_rebuilt_from_its_events(
    tmp_path: Path,
) -> None:
    """The snapshot's state holds the aggregate's instants as JSON text: the mapper reads them
    back as the datetimes they were (a register from a snapshot equals one from events)."""
    from datetime import datetime

    from ledger.store import project

    with saved_register(tmp_path, 4) as (ledger, register):
        from_events = ledger.events.repository.get(register.id, projector_func=project)
        ledger.events.take_snapshot(register.id, projector_func=project)
        from_snapshot = ledger.events.repository.get(register.id)

        assert isinstance(from_snapshot.created_on, datetime)
        assert isinstance(from_snapshot.modified_on, datetime)
        assert vars(from_snapshot) == vars(from_events)


def test_a_read_only_pool_told_it_is_wal_already_reads_a_file_in_another_journal_mode(
    tmp_path: Path,
) -> None:
    """`ChainedSQLiteRecorder` sets the library pool's private `is_journal_mode_wal` on a
    read-only open (`db_name` ending in `?mode=ro`): the pool then never runs `PRAGMA
    journal_mode=WAL`, which a read-only connection cannot, and reads a copy in another
    journal mode as it is. Pinned: the names, and that the pool honours the flag."""
    import sqlite3

    from eventsourcing.sqlite import SQLiteDatastore

    from ledger.application import Ledger

    made = Ledger(str(tmp_path / "ledger.db"), create=True)
    made.initialise(by="tester")
    made.close()
    copy = tmp_path / "copy.db"
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.execute("VACUUM INTO ?", (str(copy),))
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)

    datastore = SQLiteDatastore(f"{copy.as_uri()}?mode=ro")
    assert datastore.pool.db_name.endswith("?mode=ro")
    assert datastore.pool.is_journal_mode_wal is False
    datastore.close()

    reader = Ledger(str(copy), read_only=True)
    try:
        assert reader.recorder.datastore.pool.is_journal_mode_wal is True
        assert reader.queries.position() > 0
    finally:
        reader.close()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # as found
