"""Bulk writing: many stored events in one transaction, chained and with their keys, written
the fastest way each database offers (SQLite: `executemany`; PostgreSQL: `COPY`).

The same rows, hash chain, head and candidate keys as the library's recorder writes one save
at a time (`chain.py`), in a transaction that holds the store's write lock from its start
(`Dialect.exclusive`): nobody else writes in between, and nothing is written unless it
commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from ledger.store.chain import Written, _append, as_uuid


class Bulk:
    """Batches of events written, chained, through one exclusive write transaction's cursor."""

    def __init__(self, recorder: Any, cursor: Any, *, after: int) -> None:
        """`after`: the events' last position when the transaction took its lock."""
        self.recorder = recorder
        self.cursor = cursor
        self.insert = _insert_postgres if recorder.dialect.kind == "postgresql" else _insert_sqlite
        self.state: dict[str, Any] = {"after": after}
        self.written = 0
        """How many events were written."""

    def write(self, batch: Sequence[Written]) -> None:
        if not batch:
            return
        ordered, positions = self.insert(self.recorder, self.cursor, batch, self.state)
        _append(self.recorder, self.cursor, ordered, positions)
        self.written += len(batch)


def conflict(error: BaseException) -> bool:
    """Whether the database refused a row as taken (a unique key)."""
    if isinstance(error, sqlite3.IntegrityError):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("23")


def _insert_sqlite(
    recorder: Any, cursor: Any, batch: Sequence[Written], state: dict[str, Any]
) -> tuple[Sequence[Written], list[int]]:
    """`executemany`; the rowids are consecutive: the transaction holds the write lock, and
    SQLite gives each new row the highest rowid plus one."""
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
    """`COPY` (the transaction holds the library's lock on the events table), then the
    positions the rows were given, read back in order."""
    dialect = recorder.dialect
    if not state.get("notified"):
        recorder._notify_channel(cursor)
        state["notified"] = True
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
