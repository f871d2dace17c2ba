"""What a parchment says, and the verification code printed on it: pure functions of a
certificate's facts, the referential in force on its award and the ledger's chain.

The code is `CL1:NUMBER:POSITION:DIGEST:SIGNATURE`: the certificate number, the log position
of the event that issued it, the first 16 hex digits of that event's chain hash, and the
certifier's Ed25519 signature (base32) over the number, the position and the whole hash.
Only the holder of the private key makes a code; anyone with a copy of the ledger checks it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials import SigningKey
from ledger.dossier import Dossier
from ledger.exceptions import NotFound, RuleViolation
from ledger.i18n import _, show_date
from ledger.identity import require_readable
from ledger.publication import Versions
from ledger.referential import Block, Referential, Registration
from ledger.signing import public_key
from projections.status import CertificateStatus

CODE_PREFIX = "CL1"
DIGEST_DIGITS = 16

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(day: date) -> str:
    """`1er janvier 2017`, `27 juin 2017`: dates as a French parchment writes them."""
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def _day(value: date | str) -> date:
    """A date of an identity, as decoded (a date) or as kept in JSON (ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def holder_name(identity: dict[str, Any]) -> str:
    """The holder as printed and hashed: first names, then the birth name in capitals."""
    return " ".join([*identity["first_names"], identity["birth_name"].upper()])


def block_number(block: Block) -> str:
    """The block's number in the fiche (`RNCP13080BC01` -> `1`), from its official code."""
    digits = re.search(r"(\d+)$", block.code)
    return str(int(digits.group(1))) if digits else block.short


def registration_on(ref: Referential, day: date) -> Registration | None:
    """The RNCP registration in force on `day`: on a boundary day shared by two periods, the
    one that begins then."""
    covering = [r for r in ref.registrations if r.covers(day)]
    return max(covering, key=lambda r: r.start) if covering else None


# The verification code.


class CodeParts(NamedTuple):
    number: str
    position: int
    digest: str
    signature: bytes


def code_message(number: str, position: int, chain_hash: str) -> bytes:
    """What the certifier signs: the number, the issuing event's log position and chain hash."""
    return f"certledger parchment code v1\n{number}\n{position}\n{chain_hash}\n".encode()


def make_code(number: str, position: int, chain_hash: str, key: Ed25519PrivateKey) -> str:
    signature = key.sign(code_message(number, position, chain_hash))
    sealed = base64.b32encode(signature).decode("ascii").rstrip("=")
    return ":".join(
        [CODE_PREFIX, number, str(position), chain_hash[:DIGEST_DIGITS].upper(), sealed]
    )


def parse_code(text: str) -> CodeParts:
    """The parts of a code as typed or scanned (spaces and line breaks ignored); ValueError
    saying what is wrong with its shape."""
    parts = "".join(text.split()).split(":")
    if len(parts) != 5 or parts[0].upper() != CODE_PREFIX:
        raise ValueError(
            _("a code reads {CODE_PREFIX}:NUMBER:POSITION:DIGEST:SIGNATURE").format(
                CODE_PREFIX=CODE_PREFIX
            )
        )
    __, number, position, digest, sealed = parts
    if not position.isdigit() or not number:
        raise ValueError(_("its number or log position is missing or malformed"))
    if not re.fullmatch(rf"[0-9A-Fa-f]{{{DIGEST_DIGITS}}}", digest):
        raise ValueError(
            _("its digest is not {DIGEST_DIGITS} hexadecimal digits").format(
                DIGEST_DIGITS=DIGEST_DIGITS
            )
        )
    try:
        signature = base64.b32decode(sealed.upper() + "=" * (-len(sealed) % 8))
    except binascii.Error:
        raise ValueError(_("its signature is not base32")) from None
    return CodeParts(number, int(position), digest.upper(), signature)


class Trail(NamedTuple):
    """What the ledger holds about a certificate number, for checking a code against it."""

    status: CertificateStatus
    position: int
    chain_hash: str | None
    """The chain hash stored for the issuing event (None if the event was never chained)."""
    intact: bool
    """Whether the stored event still hashes to its chain hash."""
    holder: str | None
    """The holder's name, None once their personal data is erased."""


@dataclass(frozen=True)
class Verdict:
    """`certificate verify`: whether a code is genuine, and what it certifies as of today."""

    genuine: bool
    reason: str
    number: str | None = None
    state: str | None = None
    kind: str | None = None
    subject: str | None = None
    issued_on: date | None = None
    holder: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "genuine": self.genuine,
            "number": self.number,
            "state": self.state,
            "kind": self.kind,
            "subject": self.subject,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "holder": self.holder,
            "reason": self.reason,
        }


def judge_code(parts: CodeParts, trail: Trail | None, keys: Sequence[SigningKey]) -> Verdict:
    """Genuine when the ledger issued this number at this position, its record is intact,
    the digest is its chain hash's and a recorded certifier key signed all three."""
    number = parts.number

    def forged(reason: str) -> Verdict:
        return Verdict(False, reason, number)

    if trail is None:
        return forged(_("no certificate {number} in this ledger").format(number=number))
    if trail.position != parts.position:
        return forged(
            _(
                "the code names log position {position}; certificate {number} was issued at "
                "{position2}"
            ).format(position=parts.position, number=number, position2=trail.position)
        )
    if trail.chain_hash is None or not trail.intact:
        return forged(
            _(
                "the ledger's record of certificate {number} was altered after it was "
                "recorded (run `certledger verify`)"
            ).format(number=number)
        )
    if trail.chain_hash[:DIGEST_DIGITS].upper() != parts.digest:
        return forged(
            _("the digest does not match the ledger's record of certificate {number}").format(
                number=number
            )
        )
    message = code_message(number, parts.position, trail.chain_hash)
    if not any(_signed(key, parts.signature, message) for key in keys):
        return forged(_("the signature was not made by a certifier key recorded in this ledger"))
    status = trail.status
    return Verdict(
        True,
        _("issued by this ledger at log position {position}").format(position=trail.position),
        number,
        status.state,
        status.kind,
        status.subject,
        status.issued_on,
        trail.holder,
    )


def _signed(key: SigningKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key(key.public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


# What a parchment says.


@dataclass(frozen=True)
class Parchment:
    """The text of one parchment: France Compétences' mandatory mentions, in print order."""

    number: str
    kind: str
    certifier: str
    holder: str
    born: str
    usage_name: str | None
    award: str
    what: str
    reference: str
    registration: str
    level: str
    nsf: str
    decision: str
    issued: str
    duplicate: str | None
    signatory: str
    code: str
    fiche_url: str


def parchment(
    status: CertificateStatus, dossier: Dossier, versions: Versions, code: str
) -> Parchment:
    """A held certificate's parchment, with the mentions of the referential in force on its
    award; refused for a certificate revoked or void, or a holder whose data was erased."""
    number = status.number
    if status.state != "held":
        since = f" since {status.revoked_on.isoformat()}" if status.revoked_on else ""
        raise RuleViolation(
            7,
            _("certificate {number} is {state}{since}: no parchment").format(
                number=number, state=status.state, since=show_date(since)
            ),
        )
    identity = require_readable(
        dossier.identity,
        dossier.candidate,
        _("the parchment of certificate {number} cannot be printed again").format(number=number),
    )
    decision = dossier.decisions[status.decision]
    published = versions.at(decision.on)
    ref = published.referential
    where = _("referential {version} in force on {on}").format(
        version=published.version, on=show_date(decision.on)
    )
    missing = [
        name
        for name, value in (
            ("certifier", ref.certifier),
            ("nsf", ref.nsf),
            ("parchment.level_2019", ref.parchment.level_2019),
            ("parchment.level_eqf", ref.parchment.level_eqf),
            ("parchment.signatory", ref.parchment.signatory),
            ("parchment.place", ref.parchment.place),
        )
        if not value
    ]
    registration = registration_on(ref, decision.on)
    if registration is None or not registration.source:
        missing.append("registrations[].source")
    if missing:
        raise NotFound(
            _(
                "{where} lacks what the parchment of {number} must say ({missing}): publish "
                "a referential version that gives it"
            ).format(where=where, number=number, missing=", ".join(missing))
        )
    assert registration is not None
    award, what, reference = _award(ref, status)
    feminine = identity.get("sex") == "F"
    record = status.record
    return Parchment(
        number=number,
        kind=status.kind,
        certifier=ref.certifier,
        holder=holder_name(identity),
        born=f"né{'e' if feminine else ''} le {french_date(_day(identity['birth_date']))}",
        usage_name=(identity.get("usage_name") or "").upper() or None,
        award=award,
        what=what,
        reference=reference,
        registration=(
            f"Certification professionnelle enregistrée au Répertoire national des "
            f"certifications professionnelles sous le code {ref.code} — {registration.source}"
        ),
        level=(
            f"Niveau {ref.parchment.level_2019} du cadre national des certifications "
            f"professionnelles — niveau {ref.parchment.level_eqf} du cadre européen des "
            "certifications (CEC)"
        ),
        nsf=f"Code NSF : {ref.nsf}",
        decision=f"Décision du jury du {french_date(decision.on)} (session {decision.session})",
        issued=f"Fait à {ref.parchment.place}, le {french_date(status.issued_on)}",
        duplicate=(
            f"Duplicata du certificat n° {record.duplicate_of}" if record.duplicate_of else None
        ),
        signatory=ref.parchment.signatory,
        code=code,
        fiche_url=ref.parchment.fiche_url,
    )


def _award(ref: Referential, status: CertificateStatus) -> tuple[str, str, str]:
    """What the holder obtained: the verb, the exact registered name, and its reference."""
    if status.kind == "title":
        return "a obtenu la certification professionnelle", ref.name, ref.code
    fiche = f"de la certification professionnelle « {ref.name} » ({ref.code})"
    if status.kind == "block":
        block = ref.block(status.subject)
        assert block is not None
        return (
            f"a validé le bloc de compétences n° {block_number(block)}",
            block.label,
            f"{block.code}, bloc de compétences n° {block_number(block)} {fiche}",
        )
    label = next(c.label for c in ref.competencies if c.code == status.subject)
    return "a validé la compétence", label, f"{status.subject} {fiche}"


def certificates_of(statuses: Iterable[CertificateStatus], session: str) -> list[str]:
    """The numbers of the certificates issued from the decisions of one jury session."""
    return [s.number for s in statuses if s.decision.partition("/")[2] == session]
