"""Storage: the orjson + pydantic mapper, and store URLs turned into library settings."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, cast, get_type_hints
from urllib.parse import unquote, urlsplit
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter
from typing_extensions import TypedDict

from ledger.exceptions import StoreError
from ledger.facts import Row

_NOT_STATE = ("originator_id", "originator_version")


@cache
def _state_adapter(topic: str) -> TypeAdapter[dict[str, Any]]:
    """A pydantic adapter that decodes one event class's JSON state with its field types."""
    cls = resolve_topic(topic)
    hints = get_type_hints(cls)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.name not in _NOT_STATE}
    shape = TypedDict(f"{cls.__name__}State", fields)  # type: ignore[misc]
    return cast(TypeAdapter[dict[str, Any]], TypeAdapter(shape))


@cache
def _time_fields(topic: str) -> tuple[tuple[str, Any], ...]:
    """The fields of an event class that hold dates or instants, with their parsers."""
    from datetime import date, datetime

    cls = resolve_topic(topic)
    hints = get_type_hints(cls)
    parsers = {date: date.fromisoformat, datetime: datetime.fromisoformat}
    return tuple(
        (f.name, parsers[hints[f.name]])
        for f in dataclasses.fields(cls)
        if f.name not in _NOT_STATE and hints[f.name] in parsers
    )


class LedgerMapper(Mapper[UUID]):
    """Events to stored rows with orjson; rows back to typed events with pydantic.

    orjson writes dates, datetimes and UUIDs natively; pydantic reads them back using the
    event class's annotations, so no transcoding has to be registered by hand.
    """

    keys: KeyStore | None = None
    """Set by the application: the candidates' keys that seal their personal data."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        topic = get_topic(type(domain_event))
        sealed = SEALED_TOPICS.get(topic)
        if sealed is not None and self.keys is not None:
            key = self.keys.key_for(originator_id)
            state[sealed] = seal(key, originator_id, originator_version, state[sealed])
        data = orjson.dumps(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=data,
        )

    def decode_state(
        self, topic: str, data: bytes, originator_id: UUID | None = None, version: int = 0
    ) -> dict[str, Any]:
        """The typed attributes of a stored event, without building the event object.

        Personal data comes back unsealed with the candidate's key, or `{"erased": true}`
        once the key is destroyed.
        """
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state = _state_adapter(topic).validate_json(data)
        sealed = SEALED_TOPICS.get(topic)
        if sealed is not None and originator_id is not None:
            key = self.keys.get(originator_id) if self.keys is not None else None
            state[sealed] = unseal(key, originator_id, version, state[sealed])
        return state

    def decode_light(self, topic: str, data: bytes) -> dict[str, Any]:
        """A stored event's state for reading only: JSON as is (lists stay lists), its dates
        and instants parsed, personal data left sealed. About twice as fast as
        `decode_state`, for the scans that fold every candidate (replay, statistics)."""
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = orjson.loads(data)
        for name, parse in _time_fields(topic):
            value = state.get(name)
            if value is not None:
                state[name] = parse(value)
        return state

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        originator_id = _as_uuid(stored_event.originator_id)
        state = self.decode_state(
            stored_event.topic, stored_event.state, originator_id, stored_event.originator_version
        )
        state["originator_id"] = originator_id
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
        """Whether a ledger was created here: the SQLite file, or the events table in the
        PostgreSQL schema (`public` when none is named)."""
        if self.kind == "sqlite":
            return self.path is not None and self.path.exists()
        from psycopg import sql

        with self._connect() as conn:
            found = conn.execute(
                sql.SQL("SELECT to_regclass({})").format(
                    sql.Literal(f"{self.schema or 'public'}.certledger_events")
                )
            ).fetchone()
        return bool(found and found[0])

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            connect_timeout=5,
            autocommit=True,
        )

    def prepare(self) -> None:
        """Create a PostgreSQL store's schema: the library needs it before it starts."""
        if self.kind != "postgresql" or not self.schema:
            return
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )

    def remove(self) -> None:
        """Delete a store that `init` created and could not fill: the SQLite files, or the
        PostgreSQL schema (never `public`)."""
        if self.kind == "sqlite" and self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        elif self.kind == "postgresql" and self.schema and self.schema != "public":
            from psycopg import sql

            with self._connect() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
                )

    def env(self, read_only: bool = False, create: bool = False) -> dict[str, str]:
        """The eventsourcing library's settings for this store: tables are created only by
        the command that creates the ledger; read-only opens SQLite with `mode=ro`."""
        if self.kind == "sqlite":
            name = f"file:{self.path}?mode=ro" if read_only else str(self.path)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "CREATE_TABLE": "y" if create else "n",
                "SQLITE_DBNAME": name,
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "ledger.persistence:ChainedSQLiteRecorder",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": self.port,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "APPLICATION_RECORDER_TOPIC": "ledger.persistence:ChainedPostgresRecorder",
            "CREATE_TABLE": "y" if create else "n",
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


def _is_sqlite(recorder: Any) -> bool:
    return isinstance(recorder.datastore, SQLiteDatastore)


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


def shard_bounds(shard: int, shards: int) -> tuple[UUID, UUID | None]:
    """The stream ids of one of `shards` equal slices of the id space: [low, high)."""
    size = 2**128 // shards
    low = UUID(int=size * shard)
    high = UUID(int=size * (shard + 1)) if shard + 1 < shards else None
    return low, high


def scan_streams(
    recorder: Any, first_topic: str, batch: int = 5000, shard: tuple[int, int] = (0, 1)
) -> Iterator[Row]:
    """Every stored event of the streams that begin with `first_topic`, stream after stream
    (each in version order), read in batches; only the streams of shard `(i, n)` (a slice
    of the stream ids, so that n processes can share the work).

    One pass over the primary-key index: a consumer sees each stream whole before the next,
    so it can fold one stream at a time in bounded memory. Stream ids come as stored (hex
    text on SQLite, UUID on PostgreSQL): they are only compared.
    """
    low, high = shard_bounds(*shard)
    if _is_sqlite(recorder):
        table = _table(recorder)
        upper = "AND originator_id < ? " if high is not None else ""
        params: tuple[Any, ...] = (first_topic, low.hex) + ((high.hex,) if high else ())
        with recorder.datastore.get_connection(commit=False) as conn:
            cursor = conn.cursor().sqlite_cursor
            cursor.row_factory = None
            cursor.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
                f"WHERE originator_id IN (SELECT originator_id FROM {table} WHERE topic = ?) "
                f"AND originator_id >= ? {upper}ORDER BY originator_id, originator_version",
                params,
            )
            while rows := cursor.fetchmany(batch):
                yield from rows
        return
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL

    upper_pg = "AND originator_id < %s " if high is not None else ""
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
        "WHERE originator_id IN (SELECT originator_id FROM {0} WHERE topic = %s) "
        "AND originator_id >= %s " + upper_pg + "ORDER BY originator_id, originator_version"
    ).format(_table(recorder))
    with (
        recorder.datastore.get_connection() as conn,
        conn.transaction(),
        conn.cursor(name="certledger_scan", row_factory=tuple_row) as curs,
    ):
        curs.itersize = batch
        curs.execute(statement, (first_topic, low, *((high,) if high else ())))
        yield from curs


# Tamper evidence: a hash chain over the log, written in the same transaction as the events.

GENESIS = "0" * 64
"""The hash before the first event."""


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


def _chain_links(
    previous: str, positions: Sequence[int], stored: Sequence[StoredEvent]
) -> tuple[list[tuple[int, str, int, str]], str]:
    rows = []
    for position, event in zip(positions, stored, strict=True):
        uid = _as_uuid(event.originator_id)
        previous = link(previous, position, uid, event.originator_version, event.topic, event.state)
        rows.append((position, uid.hex, event.originator_version, previous))
    return rows, previous


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, chaining each event it inserts (same transaction)."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS ledger_chain (position INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
            "hash TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "position INTEGER NOT NULL, hash TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS candidate_keys (stream TEXT PRIMARY KEY, "
            "key BLOB NOT NULL)",
        ]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if not positions:
            return positions
        c.execute("SELECT hash FROM ledger_head WHERE id = 1")
        row = c.fetchone()
        rows, head = _chain_links(row[0] if row else GENESIS, positions, stored_events)
        c.executemany("INSERT INTO ledger_chain VALUES (?, ?, ?, ?)", rows)
        c.execute(
            "INSERT INTO ledger_head VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET position = excluded.position, hash = excluded.hash",
            (positions[-1], head),
        )
        return positions


@cache
def chained_postgres_recorder() -> type:
    """The library's PostgreSQL recorder, chaining each event it inserts (same transaction,
    under the lock the library takes on the events table). Built lazily: psycopg is only
    imported for PostgreSQL stores."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg.sql import SQL, Identifier

    class ChainedPostgresRecorder(PostgresApplicationRecorder):
        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
            super().__init__(datastore, events_table_name=events_table_name)
            schema = Identifier(self.datastore.schema)
            self.chain_table = SQL("{}.ledger_chain").format(schema)
            self.head_table = SQL("{}.ledger_head").format(schema)
            self.sql_create_statements += [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY, "
                    "originator_id text NOT NULL, originator_version bigint NOT NULL, "
                    "hash text NOT NULL)"
                ).format(self.chain_table),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (id int PRIMARY KEY CHECK (id = 1), "
                    "position bigint NOT NULL, hash text NOT NULL)"
                ).format(self.head_table),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {}.candidate_keys (stream text PRIMARY KEY, "
                    "key bytea NOT NULL)"
                ).format(schema),
            ]

        def _fetch_ids_after_insert_events(
            self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> Sequence[int] | None:
            positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            if not positions:
                return positions
            curs.execute(SQL("SELECT hash FROM {} WHERE id = 1").format(self.head_table))
            row = curs.fetchone()
            rows, head = _chain_links(row["hash"] if row else GENESIS, positions, stored_events)
            curs.executemany(
                SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(self.chain_table), rows
            )
            curs.execute(
                SQL(
                    "INSERT INTO {} VALUES (1, %s, %s) ON CONFLICT (id) DO UPDATE "
                    "SET position = excluded.position, hash = excluded.hash"
                ).format(self.head_table),
                (positions[-1], head),
            )
            return positions

    return ChainedPostgresRecorder


Link = tuple[int, UUID, int, str]
"""A chain row: (position, originator_id, version, hash)."""


def scan_log(recorder: Any, batch: int = 5000, topics: Sequence[str] = ()) -> Iterator[Row]:
    """Every stored event in log order (position), read in batches; only `topics` if given."""
    last = 0
    while page := recorder.select_notifications(
        last, batch, topics=topics, inclusive_of_start=False
    ):
        for n in page:
            yield n.id, _as_uuid(n.originator_id), n.originator_version, n.topic, bytes(n.state)
        last = page[-1].id


def scan_chain(recorder: Any, batch: int = 5000) -> Iterator[Link]:
    """Every chain row in position order."""
    last = 0
    while True:
        if _is_sqlite(recorder):
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(
                    "SELECT position, originator_id, originator_version, hash FROM ledger_chain "
                    "WHERE position > ? ORDER BY position LIMIT ?",
                    (last, batch),
                )
                rows = [(r[0], UUID(r[1]), r[2], r[3]) for r in c.fetchall()]
        else:
            from psycopg.sql import SQL, Identifier

            with recorder.datastore.transaction(commit=False) as curs:
                curs.execute(
                    SQL(
                        "SELECT position, originator_id, originator_version, hash FROM {}.{} "
                        "WHERE position > %s ORDER BY position LIMIT %s"
                    ).format(Identifier(recorder.datastore.schema), Identifier("ledger_chain")),
                    (last, batch),
                )
                rows = [
                    (r["position"], UUID(r["originator_id"]), r["originator_version"], r["hash"])
                    for r in curs.fetchall()
                ]
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def chain_head(recorder: Any) -> tuple[int, str] | None:
    """The chain's head as stored apart from the events: (position, hash)."""
    if _is_sqlite(recorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, hash FROM ledger_head WHERE id = 1")
            row = c.fetchone()
            return (row[0], row[1]) if row else None
    from psycopg.sql import SQL, Identifier

    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            SQL("SELECT position, hash FROM {}.{} WHERE id = 1").format(
                Identifier(recorder.datastore.schema), Identifier("ledger_head")
            )
        )
        row = curs.fetchone()
        return (row["position"], row["hash"]) if row else None


# Personal data: one AES-GCM key per candidate, in a table apart from the events.


class KeyStore:
    """Candidates' keys. New keys wait in memory until `flush`, which the application calls
    just before saving, in a transaction of its own (a key without events is harmless)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.cache: dict[UUID, bytes | None] = {}
        self.pending: dict[UUID, bytes] = {}
        self.complete = False

    def preload(self) -> None:
        """Read every key at once (before a scan that needs the identities)."""
        if _is_sqlite(self.recorder):
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute("SELECT stream, key FROM candidate_keys")
                rows = [(r[0], r[1]) for r in c.fetchall()]
        else:
            from psycopg.sql import SQL, Identifier

            with self.recorder.datastore.transaction(commit=False) as curs:
                curs.execute(
                    SQL("SELECT stream, key FROM {}.candidate_keys").format(
                        Identifier(self.recorder.datastore.schema)
                    )
                )
                rows = [(r["stream"], r["key"]) for r in curs.fetchall()]
        self.cache = {UUID(stream): bytes(key) for stream, key in rows}
        self.complete = True

    def get(self, stream: UUID) -> bytes | None:
        if stream in self.pending:
            return self.pending[stream]
        if stream not in self.cache:
            self.cache[stream] = None if self.complete else self._select(stream)
        return self.cache[stream]

    def key_for(self, stream: UUID) -> bytes:
        """The stream's key, made (pending) if it has none yet."""
        key = self.get(stream)
        if key is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            key = self.pending[stream] = AESGCM.generate_key(bit_length=256)
        return key

    def flush(self) -> None:
        """Store the new keys; where another writer stored a key for the same stream first,
        adopt theirs, so that everything sealed from now on uses the key in the table."""
        if not self.pending:
            return
        rows = [(s.hex, k) for s, k in self.pending.items()]
        if _is_sqlite(self.recorder):
            with self.recorder.datastore.transaction(commit=True) as c:
                c.executemany("INSERT OR IGNORE INTO candidate_keys VALUES (?, ?)", rows)
        else:
            from psycopg.sql import SQL, Identifier

            with self.recorder.datastore.transaction(commit=True) as curs:
                curs.executemany(
                    SQL(
                        "INSERT INTO {}.candidate_keys VALUES (%s, %s) ON CONFLICT DO NOTHING"
                    ).format(Identifier(self.recorder.datastore.schema)),
                    rows,
                )
        streams = list(self.pending)
        self.pending.clear()
        for stream in streams:
            self.cache[stream] = self._select(stream)

    def settle(self, stream: UUID) -> bytes:
        """The stream's key as stored now: made and stored if it has none (a concurrent
        writer's key wins if it was stored first)."""
        self.key_for(stream)
        self.flush()
        key = self.cache.get(stream)
        assert key is not None
        return key

    def _select(self, stream: UUID) -> bytes | None:
        if _is_sqlite(self.recorder):
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute("SELECT key FROM candidate_keys WHERE stream = ?", (stream.hex,))
                row = c.fetchone()
                return bytes(row[0]) if row else None
        from psycopg.sql import SQL, Identifier

        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT key FROM {}.candidate_keys WHERE stream = %s").format(
                    Identifier(self.recorder.datastore.schema)
                ),
                (stream.hex,),
            )
            row = curs.fetchone()
            return bytes(row["key"]) if row else None

    def destroy(self, stream: UUID) -> bool:
        """Delete a candidate's key for good; whether there was one."""
        self.pending.pop(stream, None)
        self.cache[stream] = None
        if _is_sqlite(self.recorder):
            with self.recorder.datastore.transaction(commit=True) as c:
                # Overwrite the deleted key's bytes on disk rather than leave them in a page.
                c.execute("PRAGMA secure_delete = ON")
                c.execute("DELETE FROM candidate_keys WHERE stream = ?", (stream.hex,))
                deleted: bool = c.sqlite_cursor.rowcount > 0
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return deleted
        from psycopg.sql import SQL, Identifier

        with self.recorder.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("DELETE FROM {}.candidate_keys WHERE stream = %s").format(
                    Identifier(self.recorder.datastore.schema)
                ),
                (stream.hex,),
            )
            return int(curs.rowcount) > 0


SEALED_TOPICS = {"IdentityRecorded": "identity", "IdentityRectified": "changes"}
"""Events whose personal-data field is sealed with the candidate's own key."""


def seal(key: bytes, stream: UUID, version: int, value: Any) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    aad = stream.bytes + version.to_bytes(8, "big")
    sealed = AESGCM(key).encrypt(nonce, orjson.dumps(value), aad)
    return {"sealed": base64.b64encode(nonce + sealed).decode("ascii")}


def unseal(key: bytes | None, stream: UUID, version: int, value: Any) -> Any:
    """The plain personal data, or `{"erased": True}` when the key was destroyed."""
    if not (isinstance(value, dict) and "sealed" in value):
        return value
    if key is None:
        return {"erased": True}
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    blob = base64.b64decode(value["sealed"])
    aad = stream.bytes + version.to_bytes(8, "big")
    return orjson.loads(AESGCM(key).decrypt(blob[:12], blob[12:], aad))


def __getattr__(name: str) -> Any:
    # The PostgreSQL recorder's topic resolves here, so psycopg is imported only when used.
    if name == "ChainedPostgresRecorder":
        return chained_postgres_recorder()
    raise AttributeError(name)
