"""Import at scale: `certledger import` beside the raw write limit, peak memory its own.

For each size, the demo's population is written as an import file (`certledger demo
--csv`), then imported by `certledger import` in a process of its own on a fresh store (its
wall time and its own peak memory, from `wait4`). The events it wrote are counted in the
store. The anchor is the raw write limit, measured in the same run: the same stored rows
(read back from the imported store) written by plain `executemany`, 1,000 per commit, each
with its sha256 chain row, on the same database with the same durability (SQLite: WAL, the
library's synchronous setting, FULL).

Run: python -m bench.bench_import [ROWS ...] [--postgres URL]
     (default 10000 100000; PostgreSQL too when --postgres or $CERTLEDGER_TEST_POSTGRES)
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import machine, report, run_measured
from ledger.store.chain import GENESIS, link

ROWS_PER_CANDIDATE = 19.7
"""About how many import rows the demo makes per candidate."""
PER_COMMIT = 1000


def demo_file(folder: Path, rows: int) -> tuple[Path, int]:
    """An import file of about `rows` rows from the demo, and its row count."""
    path = folder / f"demo-{rows}.csv"
    candidates = max(1, round(rows / ROWS_PER_CANDIDATE))
    measured = run_measured(
        ["certledger", "demo", "--candidates", str(candidates), "--csv", str(path), "--json"]
    )
    return path, int(json.loads(measured.stdout)["rows"])


def stored_rows(store: str, after: int) -> list[tuple[Any, ...]]:
    """The stored rows the import wrote (after log position `after`), in log order."""
    from ledger.application import Ledger

    ledger = Ledger(store)
    try:
        return [
            (n.originator_id, n.originator_version, n.topic, n.state)
            for n in ledger.recorder.select_notifications(after + 1, 10**9)
        ]
    finally:
        ledger.close()


def chained(
    rows: list[tuple[Any, ...]],
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """The rows in groups of PER_COMMIT, each with its hash-chain rows (position, stream,
    version, hash), computed as the groups are written (part of the timed work)."""
    previous = GENESIS
    position = 0
    for start in range(0, len(rows), PER_COMMIT):
        group = rows[start : start + PER_COMMIT]
        chain = []
        for stream, version, topic, state in group:
            position += 1
            previous = link(previous, position, stream, version, topic, state)
            chain.append((position, stream.hex, version, previous))
        yield group, chain


def raw_sqlite(folder: Path, rows: list[tuple[Any, ...]]) -> float:
    """Seconds to write `rows` with executemany, 1,000 per commit, with the chain."""
    path = folder / f"raw-{uuid.uuid4().hex[:6]}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    conn.execute(
        "CREATE TABLE ledger_chain (position INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, "
        "originator_version INTEGER NOT NULL, hash TEXT NOT NULL)"
    )
    started = time.perf_counter()
    for group, chain in chained(rows):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)",
            [(s.hex, v, t, state) for s, v, t, state in group],
        )
        conn.executemany("INSERT INTO ledger_chain VALUES (?, ?, ?, ?)", chain)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def raw_postgres(url: str, rows: list[tuple[Any, ...]]) -> float:
    """The same on PostgreSQL (a schema of its own, dropped afterwards)."""
    import psycopg

    schema = f"bench_raw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        try:
            conn.execute(
                f"CREATE TABLE {schema}.events (notification_id bigserial, originator_id uuid, "
                "originator_version bigint, topic text, state bytea, "
                "PRIMARY KEY (originator_id, originator_version))"
            )
            conn.execute(
                f"CREATE TABLE {schema}.chain (position bigint PRIMARY KEY, "
                "originator_id text, originator_version bigint, hash text)"
            )
            started = time.perf_counter()
            with conn.cursor() as cursor:
                for group, chain in chained(rows):
                    with conn.transaction():
                        cursor.executemany(
                            f"INSERT INTO {schema}.events (originator_id, originator_version, "
                            "topic, state) VALUES (%s, %s, %s, %s)",
                            group,
                        )
                        cursor.executemany(
                            f"INSERT INTO {schema}.chain VALUES (%s, %s, %s, %s)", chain
                        )
            return time.perf_counter() - started
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def measure(kind: str, store: str, csv: Path, folder: Path, postgres: str) -> dict[str, Any]:
    run_measured(["certledger", "--store", store, "init"])
    before = run_measured(["certledger", "--store", store, "verify", "--json"])
    after_init = int(json.loads(before.stdout)["events"])
    imported = run_measured(["certledger", "--store", store, "import", str(csv), "--json"])
    result = json.loads(imported.stdout)
    assert result["valid"], result["problems"][:3]
    rows = stored_rows(store, after_init)
    assert len(rows) == result["events"], (len(rows), result["events"])
    raw = raw_sqlite(folder, rows) if kind == "sqlite" else raw_postgres(postgres, rows)
    return {
        "rows": result["rows"],
        "events": result["events"],
        "seconds": imported.seconds,
        "peak_mib": imported.peak_mib,
        "raw_seconds": raw,
    }


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--postgres", default=os.environ.get("CERTLEDGER_TEST_POSTGRES", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    lines = [("machine", machine())]
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        for size in args.rows:
            csv, count = demo_file(folder, size)
            kinds = ([] if args.no_sqlite else ["sqlite"]) + (
                ["postgresql"] if args.postgres else []
            )
            for kind in kinds:
                if kind == "sqlite":
                    store = str(folder / f"import-{size}.db")
                    figures = measure(kind, store, csv, folder, "")
                else:
                    schema = f"bench_import_{uuid.uuid4().hex[:8]}"
                    sep = "&" if "?" in args.postgres else "?"
                    store = f"{args.postgres}{sep}schema={schema}"
                    try:
                        figures = measure(kind, store, csv, folder, args.postgres)
                    finally:
                        drop_schema(args.postgres, schema)
                rate = figures["events"] / figures["seconds"]
                raw_rate = figures["events"] / figures["raw_seconds"]
                lines.append(
                    (
                        f"{kind}, {count:,} rows, {figures['events']:,} events",
                        f"import {figures['seconds']:.1f} s, {rate:,.0f} events/s, peak "
                        f"{figures['peak_mib']:.0f} MiB | raw write {figures['raw_seconds']:.2f} "
                        f"s, {raw_rate:,.0f} rows/s | import at {rate / raw_rate:.1%} of raw",
                    )
                )
                print(lines[-1][0], "->", lines[-1][1], flush=True)
    report("import (a process of its own) vs the raw write limit, same run", lines)


if __name__ == "__main__":
    main()
