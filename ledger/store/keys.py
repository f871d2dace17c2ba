"""Personal data keys: one key per candidate, stored wrapped by a key kept outside the database.

Each candidate's personal data is sealed (AES-GCM) with a key of their own. That key is
stored in the `candidate_keys` table only wrapped (AES key wrap, RFC 3394) by the ledger's
key-encryption key, which lives in a file outside the database (`KeyFile`). Erasing a
candidate deletes their row *and replaces the key-encryption key*: every other key is wrapped
again under a new one in the same transaction, and the old one is then removed from the file.
Whatever the database still holds of the erased key (a dead tuple, a free page, the WAL, a
dump) is wrapped by a key that no longer exists anywhere (docs/threat-model.md).

A new candidate's key waits in memory until the events it seals are inserted: the recorder
stores it, wrapped, in that same transaction (`ledger/store/chain.py`), so a key never exists
without its events and a refused command leaves none behind.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import orjson

from ledger.exceptions import StoreError
from ledger.i18n import _
from ledger.store.dialects import LOCK_TIMEOUT, Dialect, Snapshot

Lookup = bytes | Literal["erased", "sealed"]
"""A candidate's key; "erased" when it was destroyed (or never made); "sealed" when it exists
but cannot be read here (no key file, or a database role that may not read the keys)."""


class KeyFileBusy(StoreError):
    """Another process held the key file's lock longer than a write waits for another's."""


class KeyFile:
    """The key-encryption keys, in a file outside the database (JSON: id -> base64 key).

    Several ledgers may share a file; each knows the id of its own current key. The file is
    rewritten whole, atomically (a new file renamed over the old), under a lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: dict[str, bytes] | None = None

    def keys(self, *, reload: bool = False) -> dict[str, bytes]:
        if self._keys is None or reload:
            try:
                raw = orjson.loads(self.path.read_bytes())
                self._keys = {k: base64.b64decode(v) for k, v in raw["keys"].items()}
            except FileNotFoundError:
                self._keys = {}
            except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError) as e:
                raise StoreError(
                    _("the key file {path} cannot be read: {e}").format(path=self.path, e=e)
                ) from None
        return self._keys

    def get(self, kek_id: str) -> bytes | None:
        found = self.keys().get(kek_id)
        return found if found is not None else self.keys(reload=True).get(kek_id)

    def replaced(self, kek_id: str) -> bool:
        """Whether the file no longer holds this key-encryption key but holds another of the
        same ledger: another process's erasure replaced it (and rewrapped every key row under
        the new one) since rows naming it were read. A file that holds no key of the ledger
        (no key file here) replaced nothing."""
        held = self.keys(reload=True)
        ledger = kek_id.rpartition("-")[0]
        return kek_id not in held and any(k.startswith(f"{ledger}-") for k in held)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the file's lock (a lock file beside it) while its keys change."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise StoreError(
                _("cannot lock the key file {path}: {strerror}").format(
                    path=self.path, strerror=e.strerror
                )
            ) from None
        try:
            # Another erasure holds it: wait as long as any write waits for another's, then
            # give up (the erasure then says it is unfinished, and how to finish it).
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise KeyFileBusy(
                            _(
                                "the key file {path} was held by another erasure for more than "
                                "{seconds} s"
                            ).format(path=self.path, seconds=LOCK_TIMEOUT)
                        ) from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            os.close(handle)

    def add(self, ledger: str) -> str:
        """Make a new key for a ledger, store it in the file; its id (the ledger's id, a dash,
        a random part). Call under `locked()`."""
        kek_id = f"{ledger}-{secrets.token_hex(8)}"
        self._write({**self.keys(reload=True), kek_id: secrets.token_bytes(32)})
        return kek_id

    def retire(self, ledger: str, current: str) -> None:
        """Remove every key of this ledger but its current one. Call under `locked()`."""
        old = [k for k in self.keys(reload=True) if k.startswith(f"{ledger}-") and k != current]
        if old:
            self.remove(old)

    def remove(self, kek_ids: Iterable[str]) -> None:
        """Remove keys from the file for good. Call under `locked()`."""
        gone = set(kek_ids)
        self._write({k: v for k, v in self.keys(reload=True).items() if k not in gone})

    def _write(self, keys: dict[str, bytes]) -> None:
        draft = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        document = {"keys": {k: base64.b64encode(v).decode("ascii") for k, v in keys.items()}}
        try:
            handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "wb") as out:
                out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2))
                out.flush()
                os.fsync(out.fileno())
            os.replace(draft, self.path)
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as e:
            with contextlib.suppress(OSError):
                draft.unlink()
            raise StoreError(
                _("cannot write the key file {path}: {strerror}").format(
                    path=self.path, strerror=e.strerror
                )
            ) from None
        self._keys = keys


def wrap(kek: bytes, key: bytes) -> bytes:
    from cryptography.hazmat.primitives.keywrap import aes_key_wrap

    return aes_key_wrap(kek, key)


def unwrap(kek: bytes, wrapped: bytes) -> bytes | None:
    from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

    try:
        return aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        return None


def commitment(stream: UUID, key: bytes) -> str:
    """What the enrolment records of a candidate's key, so that `verify` finds a key replaced,
    swapped or deleted: SHA-256 over the stream id and the key."""
    return hashlib.sha256(stream.bytes + key).hexdigest()


class KeyStore:
    """The candidates' keys, read on demand (or all at once before a scan) and cached."""

    def __init__(self, recorder: Any, file: KeyFile) -> None:
        self.recorder = recorder
        self.dialect: Dialect = recorder.dialect
        self.file = file
        self.cache: dict[UUID, Lookup] = {}
        self.pending: dict[UUID, bytes] = {}
        self.inserting: set[UUID] = set()
        self.made: list[UUID] = []
        """The streams whose keys were made since the last `drop_made` (a command's: a
        refused command drops them)."""
        self.complete = False
        self.unreadable = False
        """Set when the database refuses to let this role read the keys (an auditor)."""

    # Reading.

    def rows(
        self, where: str = "", params: tuple[Any, ...] = (), *, via: Snapshot | None = None
    ) -> list[tuple[Any, ...]]:
        """Key rows as stored: (stream, wrapped key, key-encryption key id), read `via` a
        snapshot if given; none when this role may not read them (`unreadable` is then
        set)."""
        if self.unreadable:
            return []
        statement = f"SELECT stream, wrapped, kek FROM {{candidate_keys}}{where}"
        try:
            if via is not None:
                return via.read(statement, params)
            return self.dialect.read(self.recorder, statement, params)
        except Exception as e:
            if self.dialect.is_permission_error(e):
                self.unreadable = True
                return []
            raise

    def _open(self, row: tuple[Any, ...]) -> Lookup:
        _, wrapped, kek_id = row
        kek = self.file.get(kek_id)
        if kek is None:
            return "sealed"
        key = unwrap(kek, bytes(wrapped))
        return key if key is not None else "sealed"

    def preload(self) -> None:
        """Read every key at once (before a scan that needs the identities)."""
        self.cache = {UUID(row[0]): self._open(row) for row in self._fresh(self.rows())}
        self.complete = True

    def _fresh(self, rows: list[tuple[Any, ...]], *query: Any) -> list[tuple[Any, ...]]:
        """The key rows, read again (`rows(*query)`) if one names a key-encryption key that
        another process's erasure replaced between this read and the file's
        (`KeyFile.replaced`): the rows it left are wrapped by the new one."""
        if any(self.file.replaced(kek_id) for kek_id in {str(row[2]) for row in rows}):
            return self.rows(*query)
        return rows

    def lookup(self, stream: UUID) -> Lookup:
        if stream in self.pending:
            return self.pending[stream]
        if stream not in self.cache:
            if self.unreadable:
                return "sealed"
            query = (" WHERE stream = ?", (stream.hex,))
            rows = [] if self.complete else self._fresh(self.rows(*query), *query)
            if self.unreadable:
                return "sealed"
            self.cache[stream] = self._open(rows[0]) if rows else "erased"
        return self.cache[stream]

    def get(self, stream: UUID) -> bytes | None:
        found = self.lookup(stream)
        return found if isinstance(found, bytes) else None

    def key_for(self, stream: UUID) -> bytes:
        """The stream's key, made (pending) if it has none yet."""
        found = self.lookup(stream)
        if isinstance(found, bytes):
            return found
        if found == "sealed" and self.unreadable:
            raise StoreError(
                _(
                    "the candidates' keys cannot be read by this database role: personal data "
                    "cannot be sealed, nothing recorded"
                )
            )
        if found == "sealed":
            raise StoreError(
                _(
                    "the candidate's key cannot be read: the key file {path} does not hold the "
                    "ledger's key (give the right one with --keys or $CERTLEDGER_KEYS)"
                ).format(path=self.file.path)
            )
        key = self.pending[stream] = secrets.token_bytes(32)
        self.made.append(stream)
        return key

    def drop_made(self, *, keep: bool = False) -> None:
        """Forget which keys were made since the last call; unless `keep`, drop them too
        (a refused command's: never stored, never to seal anything)."""
        if not keep:
            for stream in self.made:
                self.pending.pop(stream, None)
        self.made.clear()

    def sealing_key(self, stream: UUID, version: int) -> bytes | None:
        """The key that seals the personal data of a stream's event `version`: made with the
        stream (its first event) if it has none; None once the candidate is erased, for
        nothing personal is kept about them any more (no new key is made: it would be a key
        for an erased candidate, and what it sealed readable)."""
        if version > 1 and self.lookup(stream) == "erased":
            return None
        return self.key_for(stream)

    def commitment(self, stream: UUID) -> str:
        return commitment(stream, self.key_for(stream))

    # Writing, inside the insert transaction of the events the keys seal.

    def insert(self, cursor: Any, streams: Iterable[UUID]) -> None:
        """Store the new keys of these streams, wrapped by the ledger's current key, with
        the recorder's cursor. Reading the current key's id shares a lock with `destroy`,
        which replaces it: a key is never wrapped by one that is being destroyed."""
        mine = [s for s in streams if s in self.pending and s not in self.inserting]
        if not mine:
            return
        _, kek_id, kek = self._current(cursor, self.dialect.for_share)
        rows = [(s.hex, wrap(kek, self.pending[s]), kek_id) for s in mine]
        cursor.executemany(
            self.dialect.sql(self.recorder, "INSERT INTO {candidate_keys} VALUES (?, ?, ?)"), rows
        )
        self.inserting.update(mine)

    def _current(self, cursor: Any, lock: str = "") -> tuple[str, str, bytes]:
        """The ledger's id, its current key's id and the key (from the file)."""
        statement = "SELECT ledger, kek FROM {ledger_kek} WHERE id = 1"
        cursor.execute(self.dialect.sql(self.recorder, statement) + lock)
        row = cursor.fetchone()
        if row is None:
            raise StoreError(
                _("the ledger has no key-encryption key: it was not created by `init`")
            )
        ledger, kek_id = str(row["ledger"]), str(row["kek"])
        kek = self.file.get(kek_id)
        if kek is None:
            raise StoreError(
                _(
                    "the key file {path} does not hold the ledger's key {kek_id}: personal data "
                    "cannot be sealed (give the right file with --keys or $CERTLEDGER_KEYS)"
                ).format(path=self.file.path, kek_id=kek_id)
            )
        return ledger, kek_id, kek

    def committed(self) -> None:
        """The insert committed: its keys are stored."""
        for stream in self.inserting:
            self.cache[stream] = self.pending.pop(stream)
        self.inserting.clear()

    def forget(self) -> None:
        """The insert failed or was abandoned: new keys are dropped and the others re-read
        (another writer's key may have won)."""
        self.pending.clear()
        self.inserting.clear()
        self.cache.clear()
        self.complete = False

    def create(self) -> None:
        """Give a new ledger its id and key-encryption key (the key in the file, its id in
        the database)."""
        ledger = secrets.token_hex(6)
        with self.file.locked():
            kek_id = self.file.add(ledger)
            self.dialect.write(
                self.recorder,
                "INSERT INTO {ledger_kek} VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
                [(ledger, kek_id)],
            )
            current = self.dialect.read(self.recorder, "SELECT kek FROM {ledger_kek}")
            if current and current[0][0] != kek_id:
                self.file.remove([kek_id])

    def check_destroyable(self) -> None:
        """Refuse, before anything is recorded, an erasure whose key `destroy` could not
        destroy: it rewraps every other key under a new key-encryption key, so the key file
        must hold each one the key rows name, and the ledger's current one."""
        named = self.dialect.read(
            self.recorder,
            "SELECT kek FROM {ledger_kek} UNION SELECT DISTINCT kek FROM {candidate_keys}",
        )
        missing = sorted(str(kek) for (kek,) in named if self.file.get(str(kek)) is None)
        if missing:
            raise StoreError(
                _(
                    "the key file {path} does not hold the ledger's key {kek_id}: no key can be "
                    "destroyed with it, nothing recorded (give the right file with --keys or "
                    "$CERTLEDGER_KEYS)"
                ).format(path=self.file.path, kek_id=missing[0])
            )

    def destroy(self, stream: UUID) -> bool:
        """Delete a candidate's key for good, and replace the ledger's key-encryption key so
        that no copy of the deleted row can be unwrapped; whether there was a key.

        The new key is in the file before the database uses it, and the old ones leave the
        file once the database no longer does: an interruption leaves old keys in the file
        (never a row without its key), and the next erasure removes them first."""
        self.pending.pop(stream, None)
        with self.file.locked():
            with self.dialect.transaction(self.recorder) as cursor:
                ledger, current, _ = self._current(cursor)
            self.file.retire(ledger, current)
            if not self.rows(" WHERE stream = ?", (stream.hex,)):
                self.cache[stream] = "erased"
                return False
            new_id = self.file.add(ledger)
            new = self.file.get(new_id)
            assert new is not None
            try:
                with self.dialect.transaction(self.recorder) as cursor:
                    deleted = self._rewrap(cursor, stream, new_id, new)
            except BaseException:
                self.file.remove([new_id])
                raise
            self.file.retire(ledger, new_id)
        self.cache.clear()
        self.complete = False
        return deleted

    def _rewrap(self, cursor: Any, stream: UUID, new_id: str, new: bytes) -> bool:
        sql = self.dialect.sql
        self.dialect.wait_for_locks(cursor)
        # Take the write lock first (the row of the current key), then read under it.
        cursor.execute(sql(self.recorder, "UPDATE {ledger_kek} SET kek = kek WHERE id = 1"))
        cursor.execute(sql(self.recorder, "SELECT stream, wrapped, kek FROM {candidate_keys}"))
        rows = [(r["stream"], bytes(r["wrapped"]), str(r["kek"])) for r in cursor.fetchall()]
        rewrapped = []
        deleted = False
        for key_stream, wrapped, kek_id in rows:
            if key_stream == stream.hex:
                deleted = True
                continue
            kek = self.file.get(kek_id)
            key = unwrap(kek, wrapped) if kek is not None else None
            if key is None:
                raise StoreError(
                    _(
                        "the key of stream {key_stream} cannot be unwrapped with the key file "
                        "{path}: nothing was erased"
                    ).format(key_stream=key_stream, path=self.file.path)
                )
            rewrapped.append((wrap(new, key), new_id, key_stream))
        cursor.execute(
            sql(self.recorder, "DELETE FROM {candidate_keys} WHERE stream = ?"), (stream.hex,)
        )
        if rewrapped:
            cursor.executemany(
                sql(
                    self.recorder,
                    "UPDATE {candidate_keys} SET wrapped = ?, kek = ? WHERE stream = ?",
                ),
                rewrapped,
            )
        cursor.execute(
            sql(self.recorder, "UPDATE {ledger_kek} SET kek = ? WHERE id = 1"), (new_id,)
        )
        return deleted
