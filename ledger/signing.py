"""The certifier's Ed25519 key: its file, its public forms (Multikey, did:key), JSON
canonicalisation (RFC 8785) and Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite.

Only standard-library code and `cryptography`: every step is reproduced by the W3C test
vectors in tests/ledger/test_signing.py.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.exceptions import InvalidInput, NotFound
from ledger.i18n import _

ED25519_PUB = b"\xed\x01"
"""Multicodec prefix of an Ed25519 public key (Multikey, did:key)."""

ED25519_PRIV = b"\x80\x26"
"""Multicodec prefix of an Ed25519 secret key (used by the W3C test vectors only)."""

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc(data: bytes) -> str:
    """Bitcoin's base58 alphabet; each leading zero byte is a leading '1'."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def from_base58btc(text: str) -> bytes:
    number = 0
    for char in text:
        digit = _B58.find(char)
        if digit < 0:
            raise ValueError(_("{char!r} is not a base58 character").format(char=char))
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multibase(data: bytes) -> str:
    """Multibase base58-btc: the `z` prefix."""
    return "z" + base58btc(data)


def from_multibase(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError(_("only base58-btc multibase values (z…) are read"))
    return from_base58btc(text[1:])


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def multikey(key: Ed25519PublicKey) -> str:
    """The public key as a Multikey `publicKeyMultibase` (z6Mk…)."""
    return multibase(ED25519_PUB + public_bytes(key))


def public_key(multikey_value: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a `publicKeyMultibase` value."""
    try:
        raw = from_multibase(multikey_value)
    except ValueError as e:
        raise InvalidInput(
            _("public key {multikey_value!r}: {e}").format(multikey_value=multikey_value, e=e)
        ) from None
    if not raw.startswith(ED25519_PUB) or len(raw) != 34:
        raise InvalidInput(
            _("public key {multikey_value!r} is not an Ed25519 Multikey").format(
                multikey_value=multikey_value
            )
        )
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key(multikey_value: str) -> str:
    """The did:key DID of a Multikey: the issuer id that resolves to its key offline."""
    return f"did:key:{multikey_value}"


def verification_method(multikey_value: str) -> str:
    """The did:key verification method URL (`did:key:z6Mk…#z6Mk…`)."""
    return f"did:key:{multikey_value}#{multikey_value}"


# The key file.


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_key_file(path: Path, key: Ed25519PrivateKey) -> None:
    """Write the private key (PKCS#8 PEM) to a new file readable by its owner only; an
    existing file is never overwritten."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(
            _("{path} exists already: a key file is never overwritten").format(path=path)
        ) from None
    except OSError as e:
        raise InvalidInput(
            _("cannot create the key file {path}: {strerror}").format(
                path=path, strerror=e.strerror
            )
        ) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
    except OSError as e:
        path.unlink(missing_ok=True)
        raise InvalidInput(
            _("cannot write the key file {path}: {strerror}").format(path=path, strerror=e.strerror)
        ) from None


def read_key_file(path: Path) -> Ed25519PrivateKey:
    """The private key of a key file written by `write_key_file`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(
            _(
                "no signing key file at {path}: run `certledger keys init`, or give the file "
                "with --key-file or $CERTLEDGER_SIGNING_KEY"
            ).format(path=path)
        ) from None
    except OSError as e:
        raise InvalidInput(
            _("cannot read the key file {path}: {strerror}").format(path=path, strerror=e.strerror)
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise InvalidInput(
            _("{path} is not an unencrypted PEM private key").format(path=path)
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(_("{path} holds a key that is not Ed25519").format(path=path))
    return key


# JSON canonicalisation (RFC 8785, JCS).


def canonical(value: Any) -> bytes:
    """The JCS form of a JSON value: members sorted by their UTF-16 code units, no
    whitespace, strings escaped as ECMAScript does. The documents signed here hold no
    fractional numbers, whose ECMAScript formatting is refused rather than guessed."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda item: item[0].encode("utf-16-be"))
        return "{" + ",".join(f"{_jcs(k)}:{_jcs(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    raise TypeError(
        _("{name__} has no canonical JSON form here").format(name__=type(value).__name__)
    )


# Data Integrity proofs, cryptosuite eddsa-jcs-2022 (W3C vc-di-eddsa §3.3).

CRYPTOSUITE = "eddsa-jcs-2022"


def _hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    return (
        hashlib.sha256(canonical(proof_config)).digest()
        + hashlib.sha256(canonical(document)).digest()
    )


def add_proof(
    document: Mapping[str, Any], key: Ed25519PrivateKey, *, method: str, created: str
) -> dict[str, Any]:
    """The document with a `DataIntegrityProof` (assertionMethod) signed with `key`."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = key.sign(_hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": multibase(signature)}}


def verify_proof(secured: Mapping[str, Any], key: Ed25519PublicKey) -> bool:
    """Whether the document's `eddsa-jcs-2022` proof was made by `key` over exactly this
    document (any change to the document or to the proof's options breaks it)."""
    proof = secured.get("proof")
    if not isinstance(proof, Mapping) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    if proof.get("type") != "DataIntegrityProof" or not isinstance(proof.get("proofValue"), str):
        return False
    document = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        context = list(options["@context"])
        if list(document.get("@context", []))[: len(context)] != context:
            return False
        document["@context"] = options["@context"]
    try:
        signature = from_multibase(proof["proofValue"])
        key.verify(signature, _hash_data(document, options))
    except (ValueError, InvalidSignature):
        return False
    return True
