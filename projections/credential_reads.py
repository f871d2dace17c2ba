"""The credential reads the CLI asks of a ledger: a certificate's trail in the log, the
parchments to print, the check of a printed code, an Open Badges credential and the status
list as of a date. The pure parts are in `projections/credentials.py` and `badges.py`."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials import SigningKey
from ledger.dossier import Dossier
from ledger.exceptions import LedgerError, NotFound, RuleViolation
from ledger.i18n import _, show_date
from ledger.identity import unreadable
from ledger.ids import candidate_stream
from ledger.signing import add_proof, verification_method
from ledger.store.chain import link, link_at
from ledger.store.scans import scan_log, select_stream
from ledger.usecases.credentials import recorded_keys
from projections.badges import credential, status_list_credential
from projections.credentials import (
    Parchment,
    Trail,
    Verdict,
    certificates_of,
    holder_name,
    judge_code,
    make_code,
    parchment,
    parse_code,
)
from projections.reads import axes
from projections.status import candidate_status

if TYPE_CHECKING:
    from ledger.application import Ledger

ISSUING = ("CertificateIssued", "CertificateReissued")
"""The events that give a certificate its number."""


def certificate_trail(ledger: Ledger, number: str, day: date) -> tuple[Trail, Dossier]:
    """Where the ledger issued a certificate, whether that record is intact, and its state
    on `day` (NotFound for a number the ledger never issued)."""
    owner = ledger.queries.certificate_owner(number)
    facts = ledger.queries.candidate_facts(owner)
    status = candidate_status(facts, ledger.versions(), as_of=day, known_at=None)
    found = next((c for c in status.certificates if c.number == number), None) if status else None
    if status is None or found is None or found.record.fact.position is None:
        raise NotFound(
            _("certificate {number} was not issued on or before {day}").format(
                number=number, day=show_date(day)
            )
        )
    position = found.record.fact.position
    chained = link_at(ledger.recorder, position)
    rows = [r for r in select_stream(ledger.recorder, candidate_stream(owner)) if r[0] == position]
    intact = chained is not None and len(rows) == 1 and link(chained[0], *rows[0]) == chained[1]
    identity = status.dossier.identity
    holder = holder_name(identity) if unreadable(identity) is None else None
    trail = Trail(found, position, chained[1] if chained else None, intact, holder)
    return trail, status.dossier


def verify_code(ledger: Ledger, code: str) -> Verdict:
    """Whether a printed code is genuine, answered from this ledger alone, as of today."""
    try:
        parts = parse_code(code)
    except ValueError as e:
        return Verdict(False, _("not a certledger code: {e}").format(e=e))
    try:
        trail: Trail | None = certificate_trail(ledger, parts.number, ledger.clock.today())[0]
    except NotFound:
        trail = None
    return judge_code(parts, trail, recorded_keys(ledger))


def parchment_of(ledger: Ledger, number: str, key: Ed25519PrivateKey) -> Parchment:
    """The parchment of a held certificate, its code signed with the certifier's key."""
    trail, dossier = certificate_trail(ledger, number, ledger.clock.today())
    if trail.chain_hash is None or not trail.intact:
        raise RuleViolation(
            7,
            _(
                "the ledger's record of certificate {number} was altered after it was "
                "recorded: no parchment (run `certledger verify`)"
            ).format(number=number),
        )
    code = make_code(number, trail.position, trail.chain_hash, key)
    return parchment(trail.status, dossier, ledger.versions(), code)


def session_parchments(
    ledger: Ledger, session: str, key: Ed25519PrivateKey
) -> Iterator[tuple[str, Parchment | LedgerError]]:
    """Each certificate issued from a jury session's decisions, with its parchment or why it
    has none (revoked, void, holder erased)."""
    ledger.session(session)
    today = ledger.clock.today()
    versions = ledger.versions()
    numbers = []
    for facts in ledger.scan_candidates():
        status = candidate_status(facts, versions, as_of=today, known_at=None)
        if status is not None:
            numbers += certificates_of(status.certificates, session)
    if not numbers:
        raise NotFound(
            _("no certificate was issued from the decisions of jury session {session}").format(
                session=session
            )
        )
    for number in numbers:
        try:
            yield number, parchment_of(ledger, number, key)
        except RuleViolation as refused:
            yield number, refused


def issue_positions(ledger: Ledger) -> list[int]:
    """The log positions of every event that issued a certificate, in log order."""
    return [row[0] for row in scan_log(ledger.recorder, topics=ISSUING)]


def ob3_credential(
    ledger: Ledger,
    number: str,
    key: Ed25519PrivateKey,
    record: SigningKey,
    salt: str,
) -> dict[str, Any]:
    """The signed OpenBadgeCredential (eddsa-jcs-2022) of a held certificate."""
    trail, dossier = certificate_trail(ledger, number, ledger.clock.today())
    if trail.status.state != "held":
        raise RuleViolation(
            7,
            _("certificate {number} is {state}: no credential").format(
                number=number, state=trail.status.state
            ),
        )
    index = bisect.bisect_left(issue_positions(ledger), trail.position)
    document = credential(trail.status, dossier, ledger.versions(), record, index, salt)
    return add_proof(
        document, key, method=verification_method(record.public_key), created=_now(ledger)
    )


def status_list(
    ledger: Ledger,
    key: Ed25519PrivateKey,
    record: SigningKey,
    as_of: date | None,
    known_at: datetime | int | None,
) -> dict[str, Any]:
    """The signed status list credential as of a date (as the ledger stood at `known_at`):
    the bit of each certificate revoked or void on that date is set."""
    day, instant, position = axes(ledger, as_of, known_at)
    positions = issue_positions(ledger)
    rank = {p: i for i, p in enumerate(positions)}
    versions = ledger.versions()
    states: dict[int, str] = {}
    for facts in ledger.scan_candidates():
        status = candidate_status(facts, versions, as_of=day, known_at=instant, position=position)
        for c in status.certificates if status else ():
            assert c.record.fact.position is not None
            states[rank[c.record.fact.position]] = c.state
    document = status_list_credential(states, len(positions), record, day)
    return add_proof(
        document, key, method=verification_method(record.public_key), created=_now(ledger)
    )


def _now(ledger: Ledger) -> str:
    return ledger.clock.now().replace(microsecond=0).isoformat()
