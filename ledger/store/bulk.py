"""Bulk writing: many stored events in one transaction, chained and with their keys, written
the fastest way each database offers (SQLite: `executemany`; PostgreSQL: `COPY`).

The same rows, hash chain, head and candidate keys as the library's recorder writes one save
at a time (`chain.py`), all or nothing: a version or a claim another writer took in the
meantime fails the whole transaction (IntegrityError) and nothing is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger.store import Store
from ledger.store.chain import Written, _append, as_uuid


def write_all(
    store: Store,
    batches: Iterable[Sequence[Written]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every batch of events in one transaction; how many events were written."""
    recorder: Any = store.recorder
    insert = _insert_postgres if recorder.dialect.kind == "postgresql" else _insert_sqlite
    written = 0
    try:
        with recorder.datastore.transaction(commit=True) as cursor:
            state: dict[str, Any] = {}
            for batch in batches:
                if not batch:
                    continue
                ordered, positions = insert(recorder, cursor, batch, state)
                _append(recorder, cursor, ordered, positions)
                written += len(batch)
                if progress is not None:
                    progress(len(batch))
    except BaseException as e:
        store.keys.forget()
        if _conflict(e):
            raise IntegrityError(str(e)) from e
        raise
    store.keys.committed()
    return written


def _conflict(error: BaseException) -> bool:
    """Whether the database refused a row as taken (a unique key: another writer's)."""
    if isinstance(error, IntegrityError | sqlite3.IntegrityError):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("23")


def _insert_sqlite(
    recorder: Any, cursor: Any, batch: Sequence[Written], state: dict[str, Any]
) -> tuple[Sequence[Written], list[int]]:
    """`executemany`; the rowids are consecutive: the transaction holds the write lock from
    its first insert, and SQLite gives each new row the highest rowid plus one."""
    raw = cursor.sqlite_cursor
    raw.executemany(
        recorder.insert_events_statement,
        [(stream.hex, version, topic, data) for stream, version, topic, data in batch],
    )
    last = raw.execute("SELECT last_insert_rowid()").fetchone()[0]
    return batch, list(range(last - len(batch) + 1, last + 1))


def _insert_postgres(
    recorder: Any, cursor: Any, batch: Sequence[Written], state: dict[str, Any]
) -> tuple[Sequence[Written], list[int]]:
    """`COPY` under the library's lock on the events table (taken once), then the positions
    the rows were given, read back in order."""
    dialect = recorder.dialect
    if "after" not in state:
        # The lock the library's writers take in turn, waited for up to LOCK_TIMEOUT.
        dialect.wait_for_locks(cursor)
        cursor.execute(dialect.sql(recorder, "LOCK TABLE {events} IN EXCLUSIVE MODE"))
        recorder._notify_channel(cursor)
        cursor.execute(dialect.sql(recorder, "SELECT MAX(notification_id) AS last FROM {events}"))
        row = cursor.fetchone()
        state["after"] = (row["last"] if row else None) or 0
    columns = "(originator_id, originator_version, topic, state)"
    with cursor.copy(dialect.sql(recorder, f"COPY {{events}} {columns} FROM STDIN")) as copy:
        for row in batch:
            copy.write_row(row)
    cursor.execute(
        dialect.sql(
            recorder,
            "SELECT notification_id, originator_id, originator_version FROM {events} "
            "WHERE notification_id > ? ORDER BY notification_id",
        ),
        (state["after"],),
    )
    rows = cursor.fetchall()
    if len(rows) != len(batch):
        raise RuntimeError(f"COPY wrote {len(rows)} rows of {len(batch)}")
    by_key = {event[:2]: event for event in batch}  # (stream, version)
    ordered = [by_key[(as_uuid(r["originator_id"]), r["originator_version"])] for r in rows]
    positions = [int(r["notification_id"]) for r in rows]
    state["after"] = positions[-1]
    return ordered, positions
