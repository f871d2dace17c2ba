"""Erasure, tried as an attacker would: after `candidate erase`, nothing the database holds —
live rows, dead tuples and free pages, the WAL written since, a dump — lets anyone decrypt that
person's data with the keys that still exist (docs/threat-model.md).

The attacker reads raw bytes (the SQLite files; PostgreSQL's heap pages through pageinspect,
its WAL segments, `pg_dump`), tries every 40-byte window as a wrapped key under every key the
key file holds now, and tries every key so found on the erased identity.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from uuid import UUID

import orjson
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.application import Ledger
from ledger.ids import candidate_stream
from ledger.store.keys import KeyFile, unwrap
from tests.builders import enroll
from tests.stores import POSTGRES, StoreRef

WRAPPED = 40
"""A 256-bit key wrapped by AES key wrap is 40 bytes long."""


def windows(raw: bytes) -> Iterator[bytes]:
    for start in range(len(raw) - WRAPPED + 1):
        yield raw[start : start + WRAPPED]


def keys_found(raw: bytes, keks: list[bytes]) -> set[bytes]:
    """Every key that some 40 bytes of `raw` unwrap to under one of `keks`."""
    found = set()
    for window in windows(raw):
        for kek in keks:
            key = unwrap(kek, window)
            if key is not None:
                found.add(key)
    return found


def sealed_identity(ledger: Ledger, candidate: str) -> tuple[UUID, int, bytes]:
    """The stored ciphertext of a candidate's identity: stream, version, nonce + ciphertext."""
    stream = candidate_stream(candidate)
    for n in ledger.recorder.select_events(stream):
        if n.topic == "IdentityRecorded":
            state = orjson.loads(n.state)
            blob = base64.b64decode(state["identity"]["sealed"])
            return stream, n.originator_version, blob
    raise AssertionError("no identity recorded")


def decrypts(key: bytes, stream: UUID, version: int, blob: bytes) -> bool:
    try:
        aad = stream.bytes + version.to_bytes(8, "big") + b"identity"
        AESGCM(key).decrypt(blob[:12], blob[12:], aad)
    except (InvalidTag, ValueError):
        return False
    return True


def raw_sqlite(store: StoreRef) -> bytes:
    """Every byte of every file of the store: the database, its WAL and shared memory."""
    assert store.path is not None
    return b"".join(
        p.read_bytes() for p in sorted(store.parent.glob(f"{store.path.stem}*")) if p.is_file()
    )


def lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@contextmanager
def wal_kept(store: StoreRef) -> Iterator[str]:
    """On PostgreSQL, the current WAL position, and every WAL segment from it kept until the
    block ends (a physical replication slot of the test's own): the CHECKPOINT `raw_postgres`
    runs would otherwise let the server recycle them, the sooner the more it has just
    written. On SQLite, nothing to keep."""
    if store.kind == "sqlite":
        yield ""
        return
    slot = f"certledger_{store.schema}"
    store.query("SELECT pg_create_physical_replication_slot(%s, true)", (slot,))
    try:
        yield store.query("SELECT pg_current_wal_lsn()::text")[0][0]
    finally:
        store.query("SELECT pg_drop_replication_slot(%s)", (slot,))


def raw_postgres(store: StoreRef, since: str) -> bytes:
    """The heap pages of the key table (dead tuples and free space included), the WAL written
    since `since`, and a dump of the schema."""
    store.query("CHECKPOINT")
    store.query("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
    pages = store.query(
        "SELECT pg_relation_size(%s) / current_setting('block_size')::int",
        (f"{store.schema}.candidate_keys",),
    )[0][0]
    raw = b"".join(
        bytes(
            store.query(
                "SELECT public.get_raw_page(%s, %s)", (f"{store.schema}.candidate_keys", block)
            )[0][0]
        )
        for block in range(pages)
    )
    segment_size = int(store.query("SHOW wal_segment_size")[0][0].removesuffix("MB")) << 20
    start, end = lsn(since), lsn(store.query("SELECT pg_current_wal_lsn()::text")[0][0])
    position = start
    while position < end:
        name = store.query(
            "SELECT pg_walfile_name(%s::pg_lsn)", (f"{position >> 32:X}/{position & 0xFFFFFFFF:X}",)
        )[0][0]
        offset = position % segment_size
        length = min(end - position, segment_size - offset)
        raw += bytes(
            store.query(
                "SELECT pg_read_binary_file(%s, %s, %s)", (f"pg_wal/{name}", offset, length)
            )[0][0]
        )
        position += length
    assert POSTGRES is not None
    dump = subprocess.run(
        ["pg_dump", "--dbname", POSTGRES, "--schema", store.schema, "--format", "plain"],
        capture_output=True,
        check=True,
    )
    return raw + dump.stdout


def test_no_byte_left_in_the_store_decrypts_an_erased_identity(
    ledger: Ledger, store: StoreRef
) -> None:
    enroll(ledger, "V1")
    enroll(ledger, "V2", on=date(2016, 9, 13))
    stream, version, blob = sealed_identity(ledger, "V1")
    key = ledger.keys.get(stream)
    assert key is not None and decrypts(key, stream, version, blob)
    key_file = KeyFile(ledger.events.key_file.path)
    stolen_before = list(key_file.keys(reload=True).values())
    with wal_kept(store) as since:
        if store.kind == "sqlite":
            # The attacker's method finds the wrapped key while its key-encryption key exists.
            assert key in keys_found(raw_sqlite(store), stolen_before)

        ledger.erase("V1", reason="request of the person (RGPD art. 17)", by="tester")

        raw = raw_sqlite(store) if store.kind == "sqlite" else raw_postgres(store, since)
    keks_now = list(key_file.keys(reload=True).values())
    assert keks_now and not set(keks_now) & set(stolen_before)
    found = keys_found(raw, keks_now)
    assert key not in found and key not in raw
    assert not any(decrypts(k, stream, version, blob) for k in found)
    # The other candidate's identity is still readable through the new key.
    assert ledger.candidate_facts("V2")[1].data["identity"]["birth_name"] == "Durand"
    assert ledger.candidate_facts("V1")[1].data["identity"] == {"erased": True}


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_the_dead_tuple_of_an_erased_key_is_still_in_the_page_but_wrapped_by_a_destroyed_key(
    ledger: Ledger, store: StoreRef
) -> None:
    """What the first release failed: PostgreSQL keeps the deleted row in its heap page after
    a CHECKPOINT. It still does; only a key that no longer exists could unwrap it."""
    enroll(ledger, "V1")
    stream = candidate_stream("V1")
    key = ledger.keys.get(stream)
    assert key is not None
    stolen_before = list(KeyFile(ledger.events.key_file.path).keys(reload=True).values())
    since = store.query("SELECT pg_current_wal_lsn()::text")[0][0]

    ledger.erase("V1", reason="request", by="tester")

    raw = raw_postgres(store, since)
    assert key in keys_found(raw, stolen_before)
    assert key not in keys_found(
        raw, list(KeyFile(ledger.events.key_file.path).keys(reload=True).values())
    )


def test_the_key_file_is_readable_by_its_owner_only(ledger: Ledger) -> None:
    enroll(ledger, "V1")
    mode = os.stat(ledger.events.key_file.path).st_mode & 0o777
    assert mode == 0o600


def test_keys_read_before_another_erasure_replaced_the_key_encryption_key_are_read_again(
    ledger: Ledger, store: StoreRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader reads the key rows, then another registrar's erasure rewraps them under a new
    key-encryption key and removes the old one from the file: the rows the reader holds name
    a key the file no longer has. It reads them again, and still reads everyone's identity
    (the CPF flow was refused as "personal data sealed" for every holder)."""
    from ledger.store.keys import KeyStore

    enroll(ledger, "A1")
    enroll(ledger, "B2")
    reader = Ledger(str(store))
    try:
        stale = reader.events.keys.rows()
        ledger.erase("B2", reason="request", by="tester")
        reads = iter([stale])
        fresh = KeyStore.rows

        def first_stale(self: KeyStore, *args: object, **kwargs: object) -> list[object]:
            return next(reads, None) or fresh(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(KeyStore, "rows", first_stale)
        reader.events.keys.preload()
        keys = reader.events.keys
        assert isinstance(keys.lookup(candidate_stream("A1")), bytes)
        assert keys.lookup(candidate_stream("B2")) == "erased"
    finally:
        reader.close()
