"""Storage: the orjson + pydantic mapper, and store URLs turned into library settings."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast, get_type_hints
from urllib.parse import unquote, urlsplit
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter
from typing_extensions import TypedDict

from ledger.exceptions import StoreError

_NOT_STATE = ("originator_id", "originator_version")


@cache
def _state_adapter(topic: str) -> TypeAdapter[dict[str, Any]]:
    """A pydantic adapter that decodes one event class's JSON state with its field types."""
    cls = resolve_topic(topic)
    hints = get_type_hints(cls)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.name not in _NOT_STATE}
    shape = TypedDict(f"{cls.__name__}State", fields)  # type: ignore[misc]
    return cast(TypeAdapter[dict[str, Any]], TypeAdapter(shape))


class LedgerMapper(Mapper[UUID]):
    """Events to stored rows with orjson; rows back to typed events with pydantic.

    orjson writes dates, datetimes and UUIDs natively; pydantic reads them back using the
    event class's annotations, so no transcoding has to be registered by hand.
    """

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        data = orjson.dumps(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
        )

    def decode_state(self, topic: str, data: bytes) -> dict[str, Any]:
        """The typed attributes of a stored event, without building the event object."""
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return _state_adapter(topic).validate_json(data)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        state = self.decode_state(stored_event.topic, stored_event.state)
        originator_id = stored_event.originator_id
        state["originator_id"] = (
            originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        )
        state["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class StoreURL:
    """Where the ledger lives: an SQLite file or a PostgreSQL database (and schema)."""

    kind: str
    path: Path | None = None
    dbname: str = ""
    host: str = ""
    port: str = "5432"
    user: str = ""
    password: str = ""
    schema: str = ""

    def __str__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        auth = f"{self.user}@" if self.user else ""
        schema = f"?schema={self.schema}" if self.schema else ""
        return f"postgresql://{auth}{self.host}:{self.port}/{self.dbname}{schema}"

    def exists(self) -> bool:
        """Whether there is something to open (PostgreSQL databases always exist)."""
        return self.kind != "sqlite" or (self.path is not None and self.path.exists())

    def remove(self) -> None:
        """Delete an SQLite store's files (a store that `init` created and could not fill)."""
        if self.kind == "sqlite" and self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this store."""
        if self.kind == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": self.port,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env


_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def parse_store_url(url: str) -> StoreURL:
    """`sqlite:///file.db`, a bare path, or `postgresql://user[:pw]@host[:port]/db[?schema=s]`."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        dbname = parts.path.lstrip("/")
        if not dbname or not parts.hostname:
            raise StoreError(f"store {url}: a PostgreSQL URL needs a host and a database name")
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        schema = query.get("schema", "")
        if schema and not _SCHEMA.match(schema):
            raise StoreError(f"store {url}: schema {schema!r} is not a plain lower-case name")
        return StoreURL(
            kind="postgresql",
            dbname=dbname,
            host=parts.hostname,
            port=str(parts.port or 5432),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            schema=schema,
        )
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise StoreError(f"store {url}: no file name")
        return StoreURL(kind="sqlite", path=Path(path))
    if "://" in url:
        raise StoreError(f"store {url}: unknown kind (use sqlite:///FILE or postgresql://...)")
    return StoreURL(kind="sqlite", path=Path(url))


Row = tuple[int, UUID, int, str, bytes]
"""A stored event with its log position: (position, originator_id, version, topic, state)."""


def _is_sqlite(recorder: Any) -> bool:
    return type(recorder).__module__ == "eventsourcing.sqlite"


def _table(recorder: Any) -> Any:
    """The events table of a recorder, quoted for its database."""
    if _is_sqlite(recorder):
        return recorder.events_table_name
    from psycopg.sql import Identifier

    return Identifier(recorder.datastore.schema, recorder.events_table_name)


def _row(position: int, originator_id: Any, version: int, topic: str, state: Any) -> Row:
    uid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
    return position, uid, version, topic, bytes(state)


def select_stream(recorder: Any, originator_id: UUID) -> list[Row]:
    """One stream's stored events with their log positions, in version order.

    The library's `select_events` does not return positions, which `--known-at @N` needs.
    """
    if _is_sqlite(recorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {_table(recorder)} WHERE originator_id=? ORDER BY originator_version",
                (originator_id.hex,),
            )
            return [_row(*r) for r in c.fetchall()]
    from psycopg.sql import SQL

    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {} WHERE originator_id=%s ORDER BY originator_version"
    ).format(_table(recorder))
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(statement, (originator_id,))
        return [
            _row(
                r["notification_id"],
                r["originator_id"],
                r["originator_version"],
                r["topic"],
                r["state"],
            )
            for r in curs.fetchall()
        ]


def scan_streams(recorder: Any, batch: int = 5000) -> Iterator[Row]:
    """Every stored event, stream after stream (each in version order), read in batches.

    One pass over the primary-key index: a consumer sees each stream whole before the next,
    so it can fold one stream at a time in bounded memory.
    """
    if _is_sqlite(recorder):
        with recorder.datastore.get_connection(commit=False) as conn:
            cursor = conn.cursor().sqlite_cursor
            cursor.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {_table(recorder)} ORDER BY originator_id, originator_version"
            )
            while rows := cursor.fetchmany(batch):
                for r in rows:
                    yield _row(r[0], r[1], r[2], r[3], r[4])
        return
    from psycopg.sql import SQL

    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {} ORDER BY originator_id, originator_version"
    ).format(_table(recorder))
    with (
        recorder.datastore.get_connection() as conn,
        conn.transaction(),
        conn.cursor(name="certledger_scan") as curs,
    ):
        curs.itersize = batch
        curs.execute(statement)
        for r in curs:
            yield _row(
                r["notification_id"],
                r["originator_id"],
                r["originator_version"],
                r["topic"],
                r["state"],
            )
