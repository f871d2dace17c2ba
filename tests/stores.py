"""Test stores: an SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.store import StoreURL, parse_store_url

POSTGRES = os.environ.get("CERTLEDGER_TEST_POSTGRES")
SKIP_POSTGRES = "CERTLEDGER_TEST_POSTGRES is not set: no PostgreSQL server to test against"


@dataclass
class StoreRef:
    """Where a test's ledger lives; `str()` is what `--store` takes."""

    kind: str
    url: str
    path: Path | None = None
    schema: str = ""

    def __str__(self) -> str:
        return self.url

    def __fspath__(self) -> str:
        assert self.path is not None, "a PostgreSQL store has no file"
        return str(self.path)

    @property
    def display(self) -> str:
        """How certledger names the store in its messages."""
        return str(parse_store_url(self.url))

    @property
    def name(self) -> str:
        return self.path.name if self.path else self.schema

    @property
    def parent(self) -> Path:
        assert self.path is not None
        return self.path.parent

    def exists(self) -> bool:
        if self.path is not None:
            return self.path.exists()
        return bool(
            self.query(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s", (self.schema,)
            )
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self.path is not None:
            with sqlite3.connect(self.path) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        assert POSTGRES is not None
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            if self.schema:
                conn.execute(f'SET search_path TO "{self.schema}"')
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def holds(self, needle: bytes) -> bool:
        """Whether these bytes appear anywhere in the store (files, or any table)."""
        if self.path is not None:
            return any(needle in p.read_bytes() for p in self.parent.glob(self.path.name + "*"))
        tables = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (self.schema,),
        )
        return any(
            self.query(
                f'SELECT 1 FROM "{self.schema}"."{t[0]}" AS r '
                "WHERE position(%s IN convert_to(r::text, 'UTF8')) > 0 LIMIT 1",
                (needle,),
            )
            for t in tables
        )

    def tables(self) -> dict[str, list[str]]:
        """Every row of every table the store holds (the events, chain, head, keys, claims,
        snapshots, and the status view's tables), to show that a refusal wrote nothing."""
        return all_tables(self.url)


Tables = dict[str, list[str]]


def all_tables(url: str | StoreURL) -> Tables:
    """Every row of every table of a store, each table's rows sorted (as text); on SQLite,
    the status view's own file too. Empty when there is no store."""
    store = parse_store_url(url) if isinstance(url, str) else url
    found: Tables = {}
    if store.kind == "sqlite":
        assert store.path is not None
        views = store.path.with_name(f"{store.path.stem}.views{store.path.suffix or '.db'}")
        for path, prefix in ((store.path, ""), (views, "views.")):
            if not path.exists():
                continue
            with sqlite3.connect(path) as conn:
                names = [
                    r[0]
                    for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                for name in names:
                    rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
                    found[prefix + name] = sorted(repr(r) for r in rows)
            conn.close()
        return found
    import psycopg

    assert POSTGRES is not None
    schema = store.schema or "public"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).fetchall()
        ]
        for name in names:
            rows = conn.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()
            found[name] = sorted(repr(r) for r in rows)
    return found


def sqlite_store(path: Path) -> StoreRef:
    return StoreRef("sqlite", str(path), path=path)


def postgres_store() -> StoreRef:
    if not POSTGRES:
        pytest.skip(SKIP_POSTGRES)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    return StoreRef("postgresql", f"{POSTGRES}?schema={schema}", schema=schema)


def drop(store: StoreRef) -> None:
    if store.kind == "postgresql":
        store.query(f'DROP SCHEMA IF EXISTS "{store.schema}" CASCADE')
