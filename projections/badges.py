"""Open Badges 3.0 credentials of certificates, and the Bitstring Status List that revokes
them: pure functions of a certificate's facts, the referential and the certifier's key.

Each certificate's place in the status list is its rank among the events that issued a
certificate, in log order: the log only grows at its end, so the rank never changes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any
from uuid import uuid5

from ledger.clock import PARIS
from ledger.credentials import SigningKey
from ledger.dossier import Dossier
from ledger.i18n import _
from ledger.identity import require_readable
from ledger.ids import NAMESPACE
from ledger.publication import Versions
from ledger.referential import Referential
from ledger.signing import did_key
from projections.credentials import block_number, holder_name, registration_on
from projections.status import CertificateStatus

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

LIST_BITS = 131_072
"""The smallest status list (16 KiB), so that a list says little about any one credential;
a longer list grows by as much again."""

ACHIEVEMENT_TYPES = {"title": "Certification", "block": "Certificate", "competency": "Competency"}
"""OB 3.0 achievementType of each kind of certificate."""


def start_of(day: date) -> str:
    """A date as the instant it begins in the certifier's calendar (ISO 8601 with offset)."""
    return datetime.combine(day, time(0), PARIS).isoformat()


def identity_hash(name: str, salt: str) -> str:
    """OB 3.0 IdentityHash: `sha256$` and the hex SHA-256 of the identity then the salt."""
    text = unicodedata.normalize("NFC", name) + salt
    return "sha256$" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def issuer_profile(ref: Referential, key: SigningKey) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": did_key(key.public_key),
        "type": ["Profile"],
        "name": ref.certifier or ref.code,
    }
    return profile


def status_entry(key: SigningKey, index: int) -> dict[str, Any]:
    return {
        "id": f"{key.status_list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": key.status_list_url,
    }


def credential(
    status: CertificateStatus,
    dossier: Dossier,
    versions: Versions,
    key: SigningKey,
    index: int,
    salt: str,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one certificate (sign with `ledger.signing`).

    The holder is named only by a salted hash of their name (an OB 3.0 IdentityObject); a
    holder whose personal data is erased has no name left, and gets no credential.
    """
    identity = require_readable(
        dossier.identity,
        dossier.candidate,
        _("no credential of certificate {number} can name its holder").format(number=status.number),
    )
    decision = dossier.decisions[status.decision]
    published = versions.at(decision.on)
    ref = published.referential
    achievement = _achievement(ref, status, published.version)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{uuid5(NAMESPACE, f'credential:{status.number}')}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{achievement['name']} — certificat n° {status.number}",
        "description": achievement["description"],
        "issuer": issuer_profile(ref, key),
        "validFrom": start_of(status.issued_on),
        "awardedDate": start_of(decision.on),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(holder_name(identity), salt),
                    "identityType": "name",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": achievement,
        },
        "evidence": [
            {
                "type": ["Evidence"],
                "name": f"Décision du jury {decision.id}",
                "genre": "Décision de jury",
                "narrative": _decision_narrative(
                    decision.id, decision.session, decision.on, decision.derogation
                ),
            }
        ],
        "credentialStatus": status_entry(key, index),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _decision_narrative(decision: str, session: str, on: date, derogation: str | None) -> str:
    text = f"Décision {decision} du jury de la session {session}, délibérée le {on.isoformat()}."
    if derogation:
        text += f" Décision prise avec une dérogation écrite : {derogation}"
    return text


def _achievement(ref: Referential, status: CertificateStatus, version: str) -> dict[str, Any]:
    """The title, block or competency certified, with its RNCP code, level and criteria."""
    level = ""
    if ref.parchment.level_2019 and ref.parchment.level_eqf:
        level = (
            f" Niveau {ref.parchment.level_2019} du cadre national des certifications "
            f"professionnelles, niveau {ref.parchment.level_eqf} du cadre européen (CEC/EQF)."
        )
    registration = registration_on(ref, status.issued_on)
    registered = f" {registration.source}." if registration and registration.source else ""
    fiche = f"« {ref.name} » ({ref.code})"
    if status.kind == "title":
        code, name = ref.code, ref.name
        description = f"Certification professionnelle {fiche}.{registered}"
        criteria = (
            f"Valider au moins {ref.title.required} des {len(ref.competencies)} compétences "
            f"de la certification, par décision d'un jury (référentiel {version})."
        )
    elif status.kind == "block":
        block = ref.block(status.subject)
        assert block is not None
        code, name = block.code, block.label
        description = (
            f"Bloc de compétences n° {block_number(block)} de la certification professionnelle "
            f"{fiche}.{registered}"
        )
        kinds = ", ".join(dict.fromkeys(e.kind for e in block.epreuves))
        criteria = (
            f"Valider au moins {block.required} des {len(block.competencies)} compétences du "
            f"bloc, évaluées par {len(block.epreuves)} épreuves ({kinds}), par décision d'un "
            f"jury (référentiel {version})."
        )
    else:
        code = f"{ref.code}-{status.subject}"
        name = next(c.label for c in ref.competencies if c.code == status.subject)
        description = f"Compétence {status.subject} de la certification professionnelle {fiche}."
        criteria = (
            f"Compétence validée par décision d'un jury, sur évaluation ou au terme d'une "
            f"procédure de VAE (référentiel {version})."
        )
    achievement: dict[str, Any] = {
        "id": f"urn:uuid:{uuid5(NAMESPACE, f'achievement:{code}')}",
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[status.kind],
        "name": name,
        "description": description + level,
        "criteria": {"narrative": criteria},
        "humanCode": code,
        "inLanguage": "fr",
        "version": version,
        "otherIdentifiers": [
            {"type": "IdentifierEntry", "identifier": ref.code, "identifierType": "identifier"}
        ],
    }
    if ref.nsf:
        achievement["fieldOfStudy"] = f"NSF {ref.nsf}"
    if ref.parchment.fiche_url:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"Fiche {ref.code} du Répertoire national des certifications "
                "professionnelles",
                "targetUrl": ref.parchment.fiche_url,
                "targetCode": code,
                "targetType": "ext:RNCP",
                "targetFramework": "RNCP",
            }
        ]
    return achievement


# The status list (W3C Bitstring Status List v1.0).


def list_length(entries: int) -> int:
    """Bits the list needs for this many certificates: 131,072, or a multiple of it."""
    return LIST_BITS * max(1, -(-entries // LIST_BITS))


def bitstring(set_bits: Iterable[int], length: int) -> bytes:
    """`length` bits, those at the given indexes set; index 0 is the most significant bit
    of the first byte."""
    data = bytearray(length // 8)
    for index in set_bits:
        data[index // 8] |= 0x80 >> (index % 8)
    return bytes(data)


def encode_list(bits: bytes) -> str:
    """GZIP, then multibase base64url without padding (the `u` prefix). mtime 0: the same
    bits always give the same text."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError(_("an encoded list starts with the multibase prefix u"))
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def set_indexes(bits: bytes) -> list[int]:
    """The indexes whose bit is set, in order."""
    return [i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))]


def status_list_credential(
    states: Mapping[int, str], entries: int, key: SigningKey, as_of: date
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential as of a date: for each certificate index,
    its bit is set when it is revoked or void on that date."""
    revoked = [index for index, state in states.items() if state in ("revoked", "void")]
    encoded = encode_list(bitstring(revoked, list_length(entries)))
    return {
        "@context": [VC_CONTEXT],
        "id": key.status_list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_key(key.public_key),
        "validFrom": start_of(as_of),
        "credentialSubject": {
            "id": f"{key.status_list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
