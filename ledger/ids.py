"""Deterministic stream ids and the validation of the identifiers people type."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.exceptions import BadIdentifier, InvalidInput
from ledger.i18n import N_, _
from ledger.text import check_text

NAMESPACE = uuid5(NAMESPACE_URL, "https://certledger.example/ns")
"""Namespace of every deterministic stream id of the ledger."""

_NAMESPACE_SHA1 = hashlib.sha1(NAMESPACE.bytes)
"""The SHA-1 state after the namespace: every stream id hashes on from a copy of it."""

_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


def stream_id(kind: str, key: str = "") -> UUID:
    """The deterministic id of a stream: uuid5 of `kind:key`.

    The same bytes as `uuid.uuid5(NAMESPACE, f"{kind}:{key}")` (a property test holds them
    equal), without hashing the namespace again for each id: an import computes a few ids
    per row.
    """
    digest = _NAMESPACE_SHA1.copy()
    digest.update(f"{kind}:{key}".encode())
    return UUID(bytes=digest.digest()[:16], version=5)


@lru_cache(maxsize=4096)
def candidate_stream(candidate_id: str) -> UUID:
    # Cached: a candidate's stream is asked for by every fact about them.
    return stream_id("candidate", candidate_id)


@lru_cache(maxsize=1024)
def session_stream(session_id: str) -> UUID:
    return stream_id("jury", session_id)


@lru_cache(maxsize=256)
def claim_stream(kind: str, key: str) -> UUID:
    # Cached (a few): a command looks a claim up (is this request id, this number taken?),
    # then takes it.
    return stream_id(f"claim-{kind}", key)


KINDS = (N_("candidate"), N_("session"), N_("request id"))
"""The kinds of identifier callers name in English: a refusal names them in the language in
use (the others come translated)."""


def check_identifier(kind: str, value: str) -> str:
    """Candidate, session and certificate identifiers: letters, digits, `_ . -`, 1-64 chars."""
    if kind in KINDS:
        kind = _(kind)
    try:
        check_text(kind, value)
    except InvalidInput as e:
        raise BadIdentifier(e.message) from None
    if not _IDENT.fullmatch(value):
        raise BadIdentifier(
            _(
                "{kind} {value!r} is not a valid identifier (1-64 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit)"
            ).format(kind=kind, value=value)
        )
    return value


TRANSMISSIONS_STREAM = stream_id("transmissions")
"""The stream of the CPF flows sent to the Caisse des Dépôts and their processing reports."""
