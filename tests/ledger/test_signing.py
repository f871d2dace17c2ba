"""The signing primitives against the W3C test vectors (vc-di-eddsa, eddsa-jcs-2022) and
RFC 8785; the key file's mode and its refusals."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.exceptions import InvalidInput, NotFound
from ledger.signing import (
    ED25519_PRIV,
    add_proof,
    base58btc,
    canonical,
    from_base58btc,
    from_multibase,
    multikey,
    public_key,
    read_key_file,
    verification_method,
    verify_proof,
    write_key_file,
)

# The key pair and the credential of the W3C Recommendation "Data Integrity EdDSA
# Cryptosuites v1.0", appendix A.2 (eddsa-jcs-2022).
W3C_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_DOCUMENT_HASH = "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
W3C_PROOF_VALUE = (
    "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX"
)


def w3c_key() -> Ed25519PrivateKey:
    raw = from_multibase(W3C_SECRET)
    assert raw.startswith(ED25519_PRIV)
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def test_the_w3c_secret_key_gives_the_w3c_public_multikey() -> None:
    assert multikey(w3c_key().public_key()) == W3C_PUBLIC


def test_the_canonical_form_of_the_w3c_credential_hashes_as_the_recommendation_says() -> None:
    assert hashlib.sha256(canonical(W3C_CREDENTIAL)).hexdigest() == W3C_DOCUMENT_HASH


def test_a_proof_over_the_w3c_credential_is_the_recommendation_s_proof_value() -> None:
    secured = add_proof(
        W3C_CREDENTIAL,
        w3c_key(),
        method=verification_method(W3C_PUBLIC),
        created="2023-02-24T23:36:38Z",
    )

    assert secured["proof"]["proofValue"] == W3C_PROOF_VALUE
    assert secured["proof"]["@context"] == W3C_CREDENTIAL["@context"]
    assert verify_proof(secured, public_key(W3C_PUBLIC))


def test_a_proof_no_longer_verifies_once_the_document_or_its_options_change() -> None:
    secured = add_proof(
        W3C_CREDENTIAL, w3c_key(), method=verification_method(W3C_PUBLIC), created="2023-02-24Z"
    )
    other = Ed25519PrivateKey.generate().public_key()

    assert not verify_proof({**secured, "name": "Alumni Credentials"}, public_key(W3C_PUBLIC))
    assert not verify_proof(
        {**secured, "proof": {**secured["proof"], "created": "2024-01-01Z"}},
        public_key(W3C_PUBLIC),
    )
    assert not verify_proof(
        {**secured, "@context": list(reversed(secured["@context"]))}, public_key(W3C_PUBLIC)
    )
    assert not verify_proof(secured, other)
    assert not verify_proof(
        {k: v for k, v in secured.items() if k != "proof"}, public_key(W3C_PUBLIC)
    )


def test_members_are_sorted_by_their_utf16_code_units_as_rfc_8785_shows() -> None:
    # RFC 8785 §3.2.3: the sorting example.
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    text = canonical({k: "" for k in keys}).decode("utf-8")

    order = [text.index(f'"{k}"' if k != "\r" else '"\\r"') for k in keys]
    assert [k for _, k in sorted(zip(order, keys, strict=True))] == [
        "\r",
        "1",
        "\u0080",
        "\u00f6",
        "\u20ac",
        "\U0001f600",
        "\ufb33",
    ]


def test_canonical_json_has_no_whitespace_and_escapes_as_ecmascript_does() -> None:
    value = {"b": [1, True, None], "a": 'é"\\\n\u001f/'}

    assert canonical(value) == '{"a":"é\\"\\\\\\n\\u001f/","b":[1,true,null]}'.encode()


def test_fractional_numbers_are_refused_rather_than_formatted_by_guess() -> None:
    with pytest.raises(TypeError):
        canonical({"x": 0.1})


def test_base58_keeps_leading_zero_bytes() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert from_base58btc(base58btc(data)) == data
    assert base58btc(b"\0\0\x01") == "112"


def test_the_key_file_is_readable_by_its_owner_only_and_reads_back(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "key.pem"

    write_key_file(path, key)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert multikey(read_key_file(path).public_key()) == multikey(key.public_key())


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    write_key_file(path, Ed25519PrivateKey.generate())
    before = path.read_bytes()

    with pytest.raises(InvalidInput, match="never overwritten"):
        write_key_file(path, Ed25519PrivateKey.generate())
    assert path.read_bytes() == before


def test_a_missing_garbled_or_foreign_key_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no signing key file"):
        read_key_file(tmp_path / "none.pem")
    garbled = tmp_path / "garbled.pem"
    garbled.write_text("not a key")
    with pytest.raises(InvalidInput, match="not an unencrypted PEM private key"):
        read_key_file(garbled)
    foreign = tmp_path / "p256.pem"
    foreign.write_bytes(
        generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(InvalidInput, match="not Ed25519"):
        read_key_file(foreign)


def test_a_public_key_that_is_not_an_ed25519_multikey_is_refused() -> None:
    with pytest.raises(InvalidInput):
        public_key("z" + base58btc(b"\x12\x00" + bytes(32)))
    with pytest.raises(InvalidInput):
        public_key("not multibase")
