"""One dialect object per database: its settings, how to create and remove a store, its SQL.

Everything that differs between SQLite and PostgreSQL is here, so that the rest of `store/`
writes each query once (with `?` placeholders and `{table}` names the dialect fills in).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.exceptions import AlreadyExists, StoreError
from ledger.i18n import _
from ledger.store.urls import StoreURL

Fill = Callable[[StoreURL], None]
"""Creates the tables of a new store and publishes its first referential."""

LEDGER_TABLES = ("ledger_chain", "ledger_head", "candidate_keys", "ledger_kek")
"""The tables certledger keeps beside the library's: the hash chain, its head, the
candidates' wrapped keys, and which key-encryption key wraps them."""


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


EVENTS_TABLE = "stored_events"
"""The library's events table in an SQLite store (its default name, which the store keeps)."""


def not_a_ledger(url: StoreURL, state: str) -> str:
    """What the file in the store's place is, when it holds no ledger (`SQLite.state`)."""
    if state == "empty":
        return _("the file at {url} is empty").format(url=url)
    return _("the file at {url} holds no ledger").format(url=url)


READ_ONLY = "?mode=ro"
"""How an SQLite URI ends that opens its file read-only (`read_only_uri`)."""


def read_only_uri(path: Path) -> str:
    """The URI that opens an SQLite file read-only, its path escaped: "#" or "%41" in a
    folder's name would otherwise end the path or stand for another one (and drop the
    read-only mode, creating a file there)."""
    return f"{path.resolve().as_uri()}{READ_ONLY}"


def read_only(path: Path, **options: Any) -> Any:
    """A connection to an SQLite file that can only read it, and leaves it as found (sqlite3's
    `connect` options besides)."""
    import sqlite3

    return sqlite3.connect(read_only_uri(path), uri=True, **options)


_SESSION = "pid || ' ' || extract(epoch FROM backend_start)"
"""A PostgreSQL session, as `pg_stat_activity` tells it from any other (a process id is used
again; with its start it is not), in text no session setting changes (the epoch, not a
date shown in the session's time zone)."""

LOCK_TIMEOUT = 30
"""How long (seconds) a write waits for another writer's lock before it gives up, nothing
written (both stores; the status view's SQLite file too)."""


class Dialect(ABC):
    """What one database needs: library settings, store creation and removal, SQL access."""

    kind: str
    placeholder: str
    position: str
    """The column that holds an event's log position."""
    for_share: str
    """What a SELECT adds to lock the rows it reads against a concurrent update."""

    # The store as a whole.

    @abstractmethod
    def env(self, url: StoreURL, *, read_only: bool, create: bool) -> dict[str, str]:
        """The eventsourcing library's settings for this store."""

    def exists(self, url: StoreURL) -> bool:
        """Whether a ledger was created at `url` (and its creation finished)."""
        return self.state(url) == "ready"

    @abstractmethod
    def state(self, url: StoreURL) -> str:
        """ "absent", "creating" (another process is creating it), "ready", or what a store
        that cannot be used is: "abandoned" (its creation was cut off), "empty" or "foreign"
        (a file that holds no ledger)."""

    @abstractmethod
    def create(self, url: StoreURL, fill: Fill) -> None:
        """Create a ledger at `url` that no one else creates at the same time: `fill` makes
        its tables and first events. A store that exists, or that another process is
        creating, is refused (AlreadyExists) and left untouched; if `fill` fails, only what
        this call created is removed."""

    @abstractmethod
    def prepare(self, url: StoreURL) -> None:
        """What must exist before the library can create its tables (a PostgreSQL schema)."""

    @abstractmethod
    def is_driver_error(self, error: BaseException) -> bool:
        """Whether `error` comes from the database or its driver (to be translated)."""

    @abstractmethod
    def is_permission_error(self, error: BaseException) -> bool:
        """Whether the database refused a statement because the role may not run it."""

    # SQL on an open recorder. Statements use `?` placeholders and `{name}` table names.

    @abstractmethod
    def table(self, recorder: Any, name: str) -> str:
        """A table's name, qualified and quoted as the database needs."""

    def sql(self, recorder: Any, statement: str) -> str:
        names = {t: self.table(recorder, t) for t in (*LEDGER_TABLES, "certledger_creation")}
        names["events"] = self.table(recorder, recorder.events_table_name)
        return statement.format(**names).replace("?", self.placeholder)

    @contextlib.contextmanager
    def snapshot(self, url: StoreURL, recorder: Any) -> Iterator[Snapshot]:
        """Reads that all see one state of the store, whatever is committed meanwhile: a
        connection of its own in one read-only transaction (what `verify` needs, lest a
        command recorded while it reads look like tampering)."""
        conn = self.reader(url)
        try:
            yield Snapshot(self, recorder, conn)
        finally:
            conn.close()

    @abstractmethod
    def reader(self, url: StoreURL) -> Any:
        """A DB-API connection of its own, in a read-only transaction whose reads all see the
        same state of the store."""

    @contextlib.contextmanager
    def transaction(self, recorder: Any) -> Iterator[Any]:
        """A write transaction's cursor (rows read by column name); committed on success."""
        with recorder.datastore.transaction(commit=True) as cursor:
            yield cursor

    @contextlib.contextmanager
    def exclusive(self, recorder: Any) -> Iterator[Any]:
        """A write transaction's cursor that holds the store's write lock from its first
        statement to its end (other writers wait, readers do not): nothing it reads changes
        before it commits. Committed when the block ends; rolled back if it raises, silently
        if with `Abandon`."""
        try:
            with recorder.datastore.transaction(commit=True) as cursor:
                self.lock_writers(recorder, cursor)
                yield cursor
        except Abandon:
            pass

    @abstractmethod
    def lock_writers(self, recorder: Any, cursor: Any) -> None:
        """Take the store's write lock for the rest of the transaction `cursor` is in,
        waiting for another writer's at most LOCK_TIMEOUT."""

    @abstractmethod
    def wait_for_locks(self, cursor: Any) -> None:
        """Let the statements of the write transaction `cursor` is in wait for another
        writer's lock at most LOCK_TIMEOUT, then fail (nothing written)."""

    @abstractmethod
    def stream_key(self, stream: UUID) -> Any:
        """A stream id as this database's events table holds it."""

    @abstractmethod
    def read(
        self, recorder: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """The rows a SELECT returns, as tuples."""

    @abstractmethod
    def write(self, recorder: Any, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run a statement once per row in one transaction; how many rows it changed."""

    @abstractmethod
    def stream(
        self, recorder: Any, statement: str, params: Sequence[Any], batch: int
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a large SELECT, fetched `batch` at a time (bounded memory)."""

    @abstractmethod
    def ledger_ddl(self, recorder: Any) -> list[str]:
        """CREATE statements of the tables certledger keeps beside the library's."""


class SQLite(Dialect):
    kind = "sqlite"
    placeholder = "?"
    position = "rowid"
    for_share = ""  # a writer holds the whole database's write lock

    def env(self, url: StoreURL, *, read_only: bool, create: bool) -> dict[str, str]:
        assert url.path is not None  # an SQLite store is a file
        name = read_only_uri(url.path) if read_only else str(url.path)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "CREATE_TABLE": "y" if create else "n",
            "SQLITE_DBNAME": name,
            "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
            "APPLICATION_RECORDER_TOPIC": "ledger.store.chain:ChainedSQLiteRecorder",
        }

    def state(self, url: StoreURL) -> str:
        """Besides "absent" and "ready": "empty", a file of no bytes (a truncated ledger:
        opening it would make it a database), and "foreign", an SQLite database without the
        ledger's events, or no database at all. Probed read-only, the file left as found;
        whatever else is wrong with it (a lock, a permission), opening it says."""
        import sqlite3

        path = url.path
        if path is None or not path.exists():
            return "absent"
        if path.is_dir():
            return "foreign"
        try:
            if path.stat().st_size == 0:
                return "empty"
            probe = read_only(path)
            try:
                found = probe.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (EVENTS_TABLE,),
                ).fetchone()
            finally:
                probe.close()
        except sqlite3.DatabaseError as e:
            # "file is not a database" (a DatabaseError of its own; an OperationalError
            # is a lock or a permission, not the file's content)
            return "ready" if isinstance(e, sqlite3.OperationalError) else "foreign"
        except (OSError, sqlite3.Error):
            return "ready"
        return "ready" if found else "foreign"

    def create(self, url: StoreURL, fill: Fill) -> None:
        """The new ledger is built in a file of its own beside the target, then linked into
        place in one step, which fails if the target exists: a ledger never appears half
        made, and two creators never remove each other's."""
        assert url.path is not None
        target = url.path
        if target.exists():
            state = self.state(url)
            if state != "ready":
                raise AlreadyExists(
                    _("cannot create the ledger: {problem}: remove it first").format(
                        problem=not_a_ledger(url, state)
                    )
                )
            raise AlreadyExists(_("the ledger at {url} is already initialised").format(url=url))
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise StoreError(
                _("cannot create the ledger at {url}: folder {folder} does not exist").format(
                    url=url, folder=folder
                )
            )
        draft = folder / f".{target.name}.{uuid.uuid4().hex}.creating"
        try:
            fill(StoreURL(kind="sqlite", path=draft))
            os.link(draft, target)
        except FileExistsError:
            raise AlreadyExists(
                _("the ledger at {url} is already initialised").format(url=url)
            ) from None
        except OSError as e:
            raise StoreError(
                _("cannot create the ledger at {url}: {value}").format(
                    url=url, value=e.strerror or e
                )
            ) from None
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(OSError):
                    Path(f"{draft}{suffix}").unlink()

    def prepare(self, url: StoreURL) -> None:
        """SQLite creates the file itself."""

    def is_driver_error(self, error: BaseException) -> bool:
        import sqlite3

        return isinstance(error, sqlite3.Error | OSError)

    def is_permission_error(self, error: BaseException) -> bool:
        text = str(error).lower()
        return "readonly" in text or "permission" in text

    def table(self, recorder: Any, name: str) -> str:
        return name

    def reader(self, url: StoreURL) -> Any:
        assert url.path is not None
        conn = read_only(url.path, isolation_level=None)
        conn.execute("BEGIN")  # the first read takes the snapshot every later read sees
        return conn

    def lock_writers(self, recorder: Any, cursor: Any) -> None:
        # The library begins deferred (the lock taken at the first write, and refused then
        # if another writer committed since the first read): begun again, immediate.
        cursor.execute("ROLLBACK")
        cursor.execute("BEGIN IMMEDIATE")

    def wait_for_locks(self, cursor: Any) -> None:
        """Every statement waits so long already (the library's SQLITE_LOCK_TIMEOUT)."""

    def stream_key(self, stream: UUID) -> Any:
        return stream.hex

    def read(
        self, recorder: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(self.sql(recorder, statement), tuple(params))
            return [tuple(row) for row in c.fetchall()]

    def write(self, recorder: Any, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        with recorder.datastore.transaction(commit=True) as c:
            c.executemany(self.sql(recorder, statement), [tuple(r) for r in rows])
            return int(c.sqlite_cursor.rowcount)

    def stream(
        self, recorder: Any, statement: str, params: Sequence[Any], batch: int
    ) -> Iterator[tuple[Any, ...]]:
        try:
            with recorder.datastore.get_connection(commit=False) as conn:
                cursor = conn.cursor().sqlite_cursor
                cursor.row_factory = None
                cursor.execute(self.sql(recorder, statement), tuple(params))
                while rows := cursor.fetchmany(batch):
                    yield from rows
        except Exception as e:
            if not left_unfinished(e):
                raise

    def ledger_ddl(self, recorder: Any) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS ledger_chain (position INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
            "hash TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "position INTEGER NOT NULL, hash TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS candidate_keys (stream TEXT PRIMARY KEY, "
            "wrapped BLOB NOT NULL, kek TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_kek (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "ledger TEXT NOT NULL, kek TEXT NOT NULL)",
        ]


class PostgreSQL(Dialect):
    kind = "postgresql"
    placeholder = "%s"
    position = "notification_id"
    for_share = " FOR SHARE"

    def env(self, url: StoreURL, *, read_only: bool, create: bool) -> dict[str, str]:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.dbname,
            "POSTGRES_HOST": url.host,
            "POSTGRES_PORT": url.port,
            "POSTGRES_USER": url.user,
            "POSTGRES_PASSWORD": url.password,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            # One connection opened with the store, more only when a command needs them at
            # once (a scan and the reads beside it): the library's pool opened five at the
            # start of every command, and twenty commands at once used up a server's hundred.
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "9",
            # A write waits this long (seconds) for another's lock at each of the library's
            # ten attempts: about LOCK_TIMEOUT in all, as on SQLite, then gives up.
            "POSTGRES_LOCK_TIMEOUT": str(max(1, LOCK_TIMEOUT // 10)),
            "APPLICATION_RECORDER_TOPIC": "ledger.store.chain:ChainedPostgresRecorder",
            "CREATE_TABLE": "y" if create else "n",
        }
        if url.schema:
            env["POSTGRES_SCHEMA"] = url.schema
        return env

    def connect(self, url: StoreURL) -> Any:
        import psycopg

        try:
            return psycopg.connect(
                dbname=url.dbname,
                host=url.host,
                port=url.port,
                user=url.user,
                password=url.password or None,
                connect_timeout=5,
                autocommit=True,
            )
        except psycopg.Error as e:
            raise StoreError(
                _("cannot open the ledger at {url}: {first_line}").format(
                    url=url, first_line=first_line(e)
                )
            ) from None

    def state(self, url: StoreURL) -> str:
        """A creation marker without its "complete" row is a ledger being created, or
        "abandoned" when the session that created it has ended (an `init` killed or cut off
        midway); a ledger made before the marker existed has its events table alone."""
        from psycopg import sql

        schema = url.schema or "public"
        with self.connect(url) as conn:
            found = conn.execute(
                sql.SQL("SELECT to_regclass({}), to_regclass({})").format(
                    sql.Literal(f"{schema}.certledger_events"),
                    sql.Literal(f"{schema}.certledger_creation"),
                )
            ).fetchone()
            events, marker = found if found else (None, None)
            if marker is None:
                return "ready" if events else "absent"
            tokens = {
                token
                for (token,) in conn.execute(
                    sql.SQL("SELECT token FROM {}.certledger_creation").format(
                        sql.Identifier(schema)
                    )
                )
            }
            if "complete" in tokens:
                return "ready"
            creators = [t.removeprefix("creator ") for t in tokens if t.startswith("creator ")]
            if creators and self._gone(conn, creators[0]):
                return "abandoned"
        return "creating"

    @staticmethod
    def _gone(conn: Any, creator: str) -> bool:
        """Whether the session that wrote `creator` (`_SESSION`) has ended: no session has its
        process id, or one that started at another time has it now. A role that may not see
        other roles' sessions reads their start as NULL: such a session is taken as alive
        (never a creation in progress taken for abandoned)."""
        pid = creator.partition(" ")[0]
        found = conn.execute(
            f"SELECT backend_start IS NULL OR {_SESSION} = %s FROM pg_stat_activity WHERE pid = %s",
            (creator, int(pid) if pid.isdigit() else 0),
        ).fetchone()
        return found is None or not found[0]

    def prepare(self, url: StoreURL) -> None:
        if url.schema:
            from psycopg import sql

            with self.connect(url) as conn:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(url.schema))
                )

    def create(self, url: StoreURL, fill: Fill) -> None:
        """A creation marker table, created without IF NOT EXISTS, makes one creator the
        owner; the others are refused before they touch anything. The marker names the
        owner's session: a ledger whose creator's session ended before it was complete was
        abandoned (the creator killed, its connection cut), and the next `init` removes what
        it left and starts again. Both happen under one advisory lock, so that a creator never
        removes another's ledger in the making."""
        import psycopg
        from psycopg import sql

        schema = url.schema or "public"
        creating = (f"certledger init {schema}",)  # the advisory lock's key
        with self.connect(url) as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", creating)
            try:
                made_schema = self._mark(conn, url)
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", creating)
            try:
                fill(url)
                conn.execute(
                    sql.SQL("INSERT INTO {}.certledger_creation VALUES ('complete')").format(
                        sql.Identifier(schema)
                    )
                )
            except BaseException:
                # On a connection of its own: the server may have ended this one (which is
                # why `fill` failed). If even that fails, the next `init` finds the ledger
                # abandoned and removes it.
                with contextlib.suppress(psycopg.Error, StoreError):
                    self._remove(url, made_schema)
                raise

    def _mark(self, conn: Any, url: StoreURL) -> bool:
        """Take the creation of the ledger at `url` (the marker, naming this session): whether
        this call made its schema. An abandoned creation is removed first."""
        import psycopg
        from psycopg import sql

        schema = url.schema or "public"
        state = self.state(url)
        if state == "ready":
            raise AlreadyExists(_("the ledger at {url} is already initialised").format(url=url))
        if state == "abandoned":
            self._remove(url, made_schema=False)
        made_schema = False
        # Two creators at once may also meet on the catalog's own unique keys.
        taken = (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateObject)
        if url.schema:
            try:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
                made_schema = True
            except (psycopg.errors.DuplicateSchema, *taken):
                pass
        try:
            conn.execute(
                sql.SQL("CREATE TABLE {}.certledger_creation (token text PRIMARY KEY)").format(
                    sql.Identifier(schema)
                )
            )
        except (psycopg.errors.DuplicateTable, *taken):
            raise AlreadyExists(
                _(
                    "the ledger at {url} is already initialised (or being created by another "
                    "`certledger init`)"
                ).format(url=url)
            ) from None
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.certledger_creation SELECT 'creator ' || "
                + _SESSION
                + " FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            ).format(sql.Identifier(schema))
        )
        return made_schema

    def _remove(self, url: StoreURL, made_schema: bool) -> None:
        """Remove what a creation of the ledger at `url` made (on a connection of its own)."""
        from psycopg import sql

        schema = url.schema or "public"
        with self.connect(url) as conn:
            if made_schema:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )
                return
            for table in (
                "certledger_events",
                "certledger_snapshots",
                *LEDGER_TABLES,
                "certledger_creation",
            ):
                conn.execute(
                    sql.SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                )

    def is_driver_error(self, error: BaseException) -> bool:
        module = type(error).__module__
        return module.startswith(("psycopg", "psycopg_pool"))

    def is_permission_error(self, error: BaseException) -> bool:
        # The library wraps psycopg's InsufficientPrivilege (SQLSTATE 42501) in its own errors.
        cause: BaseException | None = error
        while cause is not None:
            if getattr(cause, "sqlstate", None) == "42501":
                return True
            cause = cause.__cause__
        return "permission denied" in str(error)

    def table(self, recorder: Any, name: str) -> str:
        return f'"{recorder.datastore.schema}"."{name}"'

    def reader(self, url: StoreURL) -> Any:
        conn = self.connect(url)
        conn.autocommit = False
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return conn

    def lock_writers(self, recorder: Any, cursor: Any) -> None:
        # The lock the library's writers take in turn. The transaction may then wait on its
        # own client as long as it needs (an import's commands run between its statements);
        # the lock goes with the connection if the client dies.
        self.wait_for_locks(cursor)
        cursor.execute(self.sql(recorder, "LOCK TABLE {events} IN EXCLUSIVE MODE"))
        cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")

    def wait_for_locks(self, cursor: Any) -> None:
        # Once for the whole transaction: the library's writes wait a tenth of it at each of
        # their ten attempts, a transaction of ours is not retried.
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}s'")

    def stream_key(self, stream: UUID) -> Any:
        return stream

    def read(
        self, recorder: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        from psycopg.rows import tuple_row

        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(self.sql(recorder, statement), tuple(params))
            return list(curs.fetchall())

    def write(self, recorder: Any, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        with recorder.datastore.transaction(commit=True) as curs:
            curs.executemany(self.sql(recorder, statement), [tuple(r) for r in rows])
            return int(curs.rowcount)

    def stream(
        self, recorder: Any, statement: str, params: Sequence[Any], batch: int
    ) -> Iterator[tuple[Any, ...]]:
        from psycopg.rows import tuple_row

        with (
            recorder.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name="certledger_scan", row_factory=tuple_row) as curs,
        ):
            paced_by_reader(conn)
            curs.itersize = batch
            curs.execute(self.sql(recorder, statement), tuple(params))
            yield from curs

    def ledger_ddl(self, recorder: Any) -> list[str]:
        return [
            self.sql(recorder, statement)
            for statement in (
                "CREATE TABLE IF NOT EXISTS {ledger_chain} (position bigint PRIMARY KEY, "
                "originator_id text NOT NULL, originator_version bigint NOT NULL, "
                "hash text NOT NULL)",
                "CREATE TABLE IF NOT EXISTS {ledger_head} (id int PRIMARY KEY CHECK (id = 1), "
                "position bigint NOT NULL, hash text NOT NULL)",
                "CREATE TABLE IF NOT EXISTS {candidate_keys} (stream text PRIMARY KEY, "
                "wrapped bytea NOT NULL, kek text NOT NULL)",
                "CREATE TABLE IF NOT EXISTS {ledger_kek} (id int PRIMARY KEY CHECK (id = 1), "
                "ledger text NOT NULL, kek text NOT NULL)",
            )
        ]


DIALECTS: dict[str, Dialect] = {d.kind: d for d in (SQLite(), PostgreSQL())}


def dialect_of(kind: str) -> Dialect:
    return DIALECTS[kind]


class Abandon(Exception):
    """Raised in a `Dialect.exclusive` transaction to end it with nothing written."""


class Snapshot:
    """Reads through one connection in one read-only transaction (`Dialect.snapshot`):
    statements as `Dialect.sql` takes them (`?` placeholders, `{events}` and the ledger's
    tables by name)."""

    def __init__(self, dialect: Dialect, recorder: Any, conn: Any) -> None:
        self.dialect = dialect
        self.recorder = recorder
        self.conn = conn
        self.cursors = 0

    def read(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        cursor.execute(self.dialect.sql(self.recorder, statement), tuple(params))
        return [tuple(row) for row in cursor.fetchall()]

    def stream(
        self, statement: str, params: Sequence[Any] = (), batch: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a SELECT, `batch` at a time (several may be read side by side)."""
        self.cursors += 1
        if self.dialect.kind == "postgresql":
            cursor = self.conn.cursor(name=f"certledger_snapshot_{self.cursors}")
            cursor.itersize = batch
        else:
            cursor = self.conn.cursor()
        cursor.execute(self.dialect.sql(self.recorder, statement), tuple(params))
        while rows := cursor.fetchmany(batch):
            yield from rows


def left_unfinished(error: BaseException) -> bool:
    """Whether `error` is a scan's connection failing to go back to its pool because the
    scan's reader left it unfinished and the ledger was closed before the scan was finalised
    (`certledger replay | head`: the pipe closed, the command ended, and the scan was
    collected last). Nothing is left to read or to tidy up then."""
    from eventsourcing.persistence import ConnectionPoolClosedError

    return isinstance(error, ConnectionPoolClosedError) and isinstance(
        error.__context__, GeneratorExit
    )


def paced_by_reader(conn: Any) -> None:
    """Let the PostgreSQL transaction in progress on `conn` wait on its reader as long as it
    needs: a scan's server-side cursor stays open between its batches while the reader works
    through the last one, and that reader may be a pager (`certledger replay | less`) that
    waits on a person. The library ends any transaction idle for 5 s
    (`idle_in_transaction_session_timeout`), which cut such a scan short; `SET LOCAL` lifts
    that for this transaction only. A scan only reads (it locks no row), so an idle one keeps
    nobody waiting but a schema change."""
    conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
