"""Test stores: an SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.store import parse_store_url

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


def needs_sqlite(store: StoreRef, why: str) -> None:
    """Skip a test that edits or reads SQLite files directly."""
    if store.kind != "sqlite":
        pytest.skip(f"SQLite only: {why}")
