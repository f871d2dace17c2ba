"""The certifier's signing key: a private file of its own, its public key an event of the
ledger; never overwritten, never recorded twice, nothing left behind by a refusal."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.credentials import SIGNING_KEYS_STREAM
from ledger.exceptions import AlreadyExists, InvalidInput, NotFound, ReadOnly, RuleViolation
from ledger.signing import did_key, multikey, read_key_file, write_key_file
from ledger.usecases.credentials import PLACEHOLDER_STATUS_URL, recorded_keys, signing_key
from tests.builders import stored
from tests.stores import StoreRef

URL = "https://certif.example.fr/status/rncp13080.json"


def test_keys_init_writes_a_private_file_and_records_only_the_public_key(
    ledger: Ledger, tmp_path: Path
) -> None:
    path = tmp_path / "certifier.pem"

    result = ledger.init_keys(key_file=path, status_list_url=URL, by="tester")

    public = multikey(read_key_file(path).public_key())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert result == {
        "id": did_key(public),
        "public_key": public,
        "key_file": str(path),
        "status_list_url": URL,
    }
    [record] = recorded_keys(ledger)
    assert (record.public_key, record.status_list_url) == (public, URL)
    assert record.fact is not None and record.fact.recorded_by == "tester"
    facts = ledger.queries.stream_facts(SIGNING_KEYS_STREAM)
    assert [f.type for f in facts] == ["SigningKeysOpened", "SigningKeyRecorded"]
    assert b"PRIVATE" not in repr(stored(ledger)).encode()


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_on_sqlite_the_key_file_is_kept_beside_the_store_by_default(
    ledger: Ledger, store: StoreRef
) -> None:
    result = ledger.init_keys(by="tester")

    expected = store.parent / f"{store.name}.signing-key.pem"
    assert result["key_file"] == str(expected) and expected.exists()
    assert result["status_list_url"] == PLACEHOLDER_STATUS_URL.format(code="RNCP13080")


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_on_postgresql_the_key_file_must_be_named(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CERTLEDGER_SIGNING_KEY", raising=False)
    before = stored(ledger)

    with pytest.raises(InvalidInput, match="--key-file or \\$CERTLEDGER_SIGNING_KEY"):
        ledger.init_keys(by="tester")
    assert stored(ledger) == before


def test_the_environment_variable_names_the_key_file(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERTLEDGER_SIGNING_KEY", str(tmp_path / "env.pem"))

    result = ledger.init_keys(by="tester")

    assert result["key_file"] == str(tmp_path / "env.pem")


def test_a_second_init_is_refused_and_changes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "certifier.pem"
    ledger.init_keys(key_file=path, status_list_url=URL, by="tester")
    before, key = stored(ledger), path.read_bytes()

    with pytest.raises(AlreadyExists, match="recorded already"):
        ledger.init_keys(key_file=path, status_list_url=URL, by="tester")
    with pytest.raises(AlreadyExists, match=r"give its file with --key-file, or .* --new"):
        ledger.init_keys(key_file=tmp_path / "other.pem", by="tester")

    assert stored(ledger) == before and path.read_bytes() == key
    assert not (tmp_path / "other.pem").exists()


def test_a_new_key_is_recorded_only_when_asked_and_the_old_one_stays(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.init_keys(key_file=tmp_path / "2017.pem", status_list_url=URL, by="tester")

    ledger.init_keys(key_file=tmp_path / "2026.pem", status_list_url=URL, new=True, by="tester")

    assert [k.public_key for k in recorded_keys(ledger)] == [
        multikey(read_key_file(tmp_path / name).public_key()) for name in ("2017.pem", "2026.pem")
    ]
    assert signing_key(ledger, tmp_path / "2017.pem")[1].public_key == (
        recorded_keys(ledger)[0].public_key
    )


def test_a_key_file_left_by_an_interrupted_run_is_recorded_as_it_is(
    ledger: Ledger, tmp_path: Path
) -> None:
    # A crash between writing the file and recording its public key leaves the file alone.
    path = tmp_path / "certifier.pem"
    write_key_file(path, Ed25519PrivateKey.generate())
    content = path.read_bytes()

    ledger.init_keys(key_file=path, status_list_url=URL, by="tester")

    assert path.read_bytes() == content
    assert [k.public_key for k in recorded_keys(ledger)] == [
        multikey(read_key_file(path).public_key())
    ]


def test_the_same_request_id_returns_the_first_result_and_makes_no_new_key(
    ledger: Ledger, tmp_path: Path
) -> None:
    path = tmp_path / "certifier.pem"
    first = ledger.init_keys(key_file=path, status_list_url=URL, by="tester", request_id="k1")
    before = stored(ledger)

    again = ledger.init_keys(key_file=path, status_list_url=URL, by="tester", request_id="k1")

    assert again == {**first, "replayed": True}
    assert stored(ledger) == before


def test_a_status_list_url_that_is_not_http_is_refused_before_any_file(
    ledger: Ledger, tmp_path: Path
) -> None:
    before = stored(ledger)

    for url in ("ftp://x/y", "status.json", "https://", "https://a b/c", "https://x/\x07"):
        with pytest.raises((InvalidInput, RuleViolation)):
            ledger.init_keys(key_file=tmp_path / "k.pem", status_list_url=url, by="tester")

    assert not (tmp_path / "k.pem").exists() and stored(ledger) == before


def test_a_read_only_ledger_refuses_and_leaves_no_key_file(ledger: Ledger, tmp_path: Path) -> None:
    reader = Ledger(str(ledger.store), read_only=True, clock=ledger.clock)
    try:
        with pytest.raises(ReadOnly):
            reader.init_keys(key_file=tmp_path / "k.pem", status_list_url=URL, by="tester")
    finally:
        reader.close()

    assert not (tmp_path / "k.pem").exists() and recorded_keys(ledger) == []


def test_signing_needs_a_key_the_ledger_recorded(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "stray.pem"
    write_key_file(path, Ed25519PrivateKey.generate())

    with pytest.raises(NotFound, match="is not recorded in this ledger"):
        signing_key(ledger, path)
