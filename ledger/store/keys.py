"""Personal data keys: one AES-GCM key per candidate, in a table apart from the events.

A new key waits in memory until the events it seals are inserted: the recorder stores it in
that same transaction (`ledger/store/chain.py`), so a key never exists without its events
and a refused command leaves none behind. Two writers enrolling the same candidate at once
conflict on the key's row as on the stream: the loser re-reads and adopts the winner's key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from ledger.store.dialects import Dialect


class KeyStore:
    """The candidates' keys, read on demand (or all at once before a scan) and cached."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.dialect: Dialect = recorder.dialect
        self.cache: dict[UUID, bytes | None] = {}
        self.pending: dict[UUID, bytes] = {}
        self.inserting: set[UUID] = set()
        self.complete = False

    def preload(self) -> None:
        """Read every key at once (before a scan that needs the identities)."""
        rows = self.dialect.read(self.recorder, "SELECT stream, key FROM {candidate_keys}")
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

    def rows_to_insert(self, streams: Iterable[UUID]) -> list[tuple[str, bytes]]:
        """The new keys of these streams, as rows (called inside the insert transaction)."""
        mine = [s for s in streams if s in self.pending]
        self.inserting.update(mine)
        return [(s.hex, self.pending[s]) for s in mine]

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

    def _select(self, stream: UUID) -> bytes | None:
        rows = self.dialect.read(
            self.recorder, "SELECT key FROM {candidate_keys} WHERE stream = ?", (stream.hex,)
        )
        return bytes(rows[0][0]) if rows else None

    def destroy(self, stream: UUID) -> bool:
        """Delete a candidate's key for good; whether there was one."""
        self.pending.pop(stream, None)
        self.cache[stream] = None
        return self.dialect.destroy_key(self.recorder, stream.hex)
