"""A candidate's status as of a date, as known at an instant: a pure function of their facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter
from typing import Any, NamedTuple

from ledger.dossier import Certificate, Decision, Dossier
from ledger.facts import Fact, from_fields
from ledger.publication import Versions
from ledger.referential import Referential
from ledger.rules import (
    BlockAward,
    Validation,
    block_awards,
    block_count,
    counting,
    overall_state,
    title_note,
    title_revoked_on,
    title_standing,
    validations,
)


class CompetencyStatus(NamedTuple):
    code: str
    validated_on: date
    permanent: bool
    valid_until: date | None
    counts: bool
    decision: str
    validations: tuple[Validation, ...]
    derogation: bool
    """The validation shown was made by a decision that carries a derogation."""

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "validated_on": self.validated_on.isoformat(),
            "permanent": self.permanent,
            "valid_until": _iso(self.valid_until),
            "counts": self.counts,
            "decision": self.decision,
            "derogation": self.derogation,
            "validations": [
                {
                    "validated_on": v.on.isoformat(),
                    "valid_until": _iso(v.until),
                    "permanent": v.permanent,
                    "decision": v.decision.id,
                }
                for v in self.validations
            ],
        }


class BlockStatus(NamedTuple):
    code: str
    short: str
    label: str
    awarded: bool
    awarded_on: date | None
    counts: bool
    valid_until: date | None
    permanent: bool
    eligible: bool
    counting: int
    required: int
    certificate: str | None
    decision: str | None
    award: BlockAward | None

    @property
    def derogation(self) -> bool:
        """The award shown was made by a decision that carries a derogation."""
        return self.award is not None and self.award.decision.derogation is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "short": self.short,
            "label": self.label,
            "awarded": self.awarded,
            "awarded_on": _iso(self.awarded_on),
            "counts": self.counts,
            "valid_until": _iso(self.valid_until),
            "permanent": self.permanent,
            "eligible": self.eligible,
            "counting": self.counting,
            "required": self.required,
            "certificate": self.certificate,
            "decision": self.decision,
            "derogation": self.derogation,
            "awarded_as": self.award.awarded_as or None if self.award is not None else None,
        }


class TitleStatus(NamedTuple):
    code: str
    awarded: bool
    awarded_on: date | None
    eligible: bool
    counting: int
    required: int
    certificate: str | None
    decision: str | None
    derogation: bool
    """The title was awarded by a decision that carries a derogation."""
    revoked_on: date | None
    """Every certificate of the title revoked, from this day (on or before as-of)."""
    note: str | None
    """Rule 5 in words when every block is held ("every block held; the title needs 35,
    has 30")."""

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "awarded": self.awarded,
            "awarded_on": _iso(self.awarded_on),
            "eligible": self.eligible,
            "counting": self.counting,
            "required": self.required,
            "certificate": self.certificate,
            "decision": self.decision,
            "derogation": self.derogation,
            "revoked_on": _iso(self.revoked_on),
            "note": self.note,
        }


class CertificateStatus(NamedTuple):
    number: str
    kind: str
    subject: str
    issued_on: date
    state: str  # held | revoked | void
    decision: str
    duplicate_of: str | None
    revoked_on: date | None
    record: Certificate

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "subject": self.subject,
            "issued_on": self.issued_on.isoformat(),
            "state": self.state,
            "decision": self.decision,
            "duplicate_of": self.duplicate_of,
            "revoked_on": _iso(self.revoked_on),
        }


@dataclass(frozen=True)
class CandidateStatus:
    candidate: str
    as_of: date
    known_at: str
    route: str
    vae_path: str | None
    state: str  # enrolled | in_progress | certified | withdrawn | revoked
    referential: str
    decisions: tuple[Decision, ...]
    """The live decisions taken on or before `as_of`, in deliberation order."""
    versions: Versions = field(compare=False)
    """The versions the status was computed under (what `validations` needs)."""
    counting_competencies: int
    blocks: tuple[BlockStatus, ...]
    title: TitleStatus
    certificates: tuple[CertificateStatus, ...]
    dossier: Dossier

    @cached_property
    def validations(self) -> tuple[Validation, ...]:
        """Every validation by the decisions (built on demand: a CSV replay only counts
        them, which `rules.counting` does without building them)."""
        return tuple(validations(self.decisions, self.versions))

    @cached_property
    def competencies(self) -> tuple[CompetencyStatus, ...]:
        """One entry per validated competency: the validation that reaches furthest shown,
        counting while any of its validations counts (built on demand: a CSV replay does
        not need them)."""
        by_code: dict[str, list[Validation]] = {}
        for v in self.validations:
            by_code.setdefault(v.competency, []).append(v)
        entries = []
        for code in sorted(by_code):
            group = by_code[code]
            current = [v for v in group if v.until is None or self.as_of < v.until]
            shown = max(current or group, key=_furthest)
            entries.append(
                CompetencyStatus(
                    code=code,
                    validated_on=shown.on,
                    permanent=shown.until is None,
                    valid_until=shown.until,
                    counts=bool(current),
                    decision=shown.decision.id,
                    validations=tuple(group),
                    derogation=shown.decision.derogation is not None,
                )
            )
        return tuple(entries)

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at,
            "route": self.route,
            "vae_path": self.vae_path,
            "state": self.state,
            "referential": self.referential,
            "competencies": [c.as_json() for c in self.competencies],
            "counting_competencies": self.counting_competencies,
            "blocks": [b.as_json() for b in self.blocks],
            "title": self.title.as_json(),
            "certificates": [c.as_json() for c in self.certificates],
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def describe_known_at(known_at: datetime | None, position: int | None) -> str:
    parts = []
    if known_at is not None:
        parts.append(known_at.isoformat())
    if position is not None:
        parts.append(f"@{position}")
    return " ".join(parts)


def candidate_status(
    facts: Iterable[Fact],
    versions: Versions,
    *,
    as_of: date,
    known_at: datetime | None,
    position: int | None = None,
) -> CandidateStatus | None:
    """What the candidate's status was on `as_of`, according to what the ledger held at
    `known_at` (and log position `position`). None when the candidate was not enrolled yet,
    or not yet known."""
    dossier = Dossier.known(facts, known_at, position)
    if dossier is None or dossier.enrolled_on() > as_of:
        return None
    versions = versions.known_at(known_at, position)
    return status_of(dossier, versions, as_of, describe_known_at(known_at, position))


def status_of(dossier: Dossier, versions: Versions, as_of: date, known_at: str) -> CandidateStatus:
    """The status of a folded dossier on `as_of`."""
    published = versions.at(as_of)
    ref = published.referential
    live = tuple(d for d in dossier.live_decisions() if d.on <= as_of)
    # Decisions are all dated on or before as_of here, so only the end of validity matters;
    # the validations themselves are built on demand.
    codes = counting(live, versions, as_of)

    issued = [c for c in dossier.certificates.values() if c.issued_on <= as_of]
    issued.sort(key=_ISSUE_ORDER)
    certificates, numbers = _certificate_statuses(issued, dossier.decisions, as_of)
    blocks = _block_statuses(ref, block_awards(live, versions, as_of), codes, numbers, as_of)

    title_decisions = [d for d in live if d.title]
    standing = title_standing(ref, codes)
    held = {b.code for b in blocks if b.counts}
    every_block = bool(ref.blocks) and {b.code for b in ref.blocks} <= held
    revoked_on = title_revoked_on(dossier, title_decisions[0]) if title_decisions else None
    # A title awarded under a fiche since renewed keeps that fiche's code.
    title_ref = versions.at(title_decisions[0].on).referential if title_decisions else ref
    title = TitleStatus(
        code=title_ref.code,
        awarded=bool(title_decisions),
        awarded_on=title_decisions[0].on if title_decisions else None,
        eligible=standing.eligible or (ref.title_by_all_blocks and every_block),
        counting=len(standing.counting),
        required=standing.required,
        certificate=numbers.get(("title", title_ref.code)),
        decision=title_decisions[0].id if title_decisions else None,
        derogation=bool(title_decisions) and title_decisions[0].derogation is not None,
        revoked_on=revoked_on if revoked_on is not None and revoked_on <= as_of else None,
        note=title_note(ref, standing, held),
    )

    presence = dossier.presence_on(as_of)
    placement = dossier.placement_on(as_of)
    assert presence is not None and placement is not None
    holds = {
        "revoked": title.revoked_on is not None,
        "certified": title.awarded,
        "withdrawn": presence.kind == "withdrew",
        "in_progress": any(d.validated for d in live),
    }
    state = overall_state([s for s, true in holds.items() if true])

    return CandidateStatus(
        candidate=dossier.candidate,
        as_of=as_of,
        known_at=known_at,
        route=placement.route,
        vae_path=placement.vae_path,
        state=state,
        referential=published.version,
        decisions=live,
        versions=versions,
        counting_competencies=len(codes),
        blocks=blocks,
        title=title,
        certificates=certificates,
        dossier=dossier,
    )


def _block_statuses(
    ref: Referential,
    awards: list[BlockAward],
    codes: set[str],
    numbers: dict[tuple[str, str], str],
    as_of: date,
) -> tuple[BlockStatus, ...]:
    """The referential's blocks, awarded or not, then the blocks of an earlier version, gone
    from this one, that were awarded. (Built positionally, in a replay's inner loop.)"""
    by_block: dict[str, list[BlockAward]] = {}
    for award in awards:
        by_block.setdefault(award.block, []).append(award)
    blocks = []
    for block in ref.blocks:
        code = block.code
        counting, eligible = block_count(block, codes)
        mine = by_block.pop(code, None)
        current = [a for a in mine if a.until is None or as_of < a.until] if mine else []
        shown = max(current or mine, key=_furthest) if mine else None
        blocks.append(
            from_fields(
                BlockStatus,
                (
                    code,
                    block.short,
                    block.label,
                    shown is not None,
                    shown.on if shown else None,
                    bool(current),
                    shown.until if shown else None,
                    shown is not None and shown.until is None,
                    eligible,
                    counting,
                    block.required,
                    numbers.get(("block", (shown.awarded_as if shown else "") or code)),
                    shown.decision.id if shown else None,
                    shown,
                ),
            )
        )
    for code, gone in by_block.items():
        award = max(gone, key=_furthest)
        blocks.append(
            BlockStatus(
                code,
                code,
                "",
                True,
                award.on,
                award.counts_on(as_of),
                award.until,
                award.until is None,
                False,
                0,
                0,
                numbers.get(("block", code)),
                award.decision.id,
                award,
            )
        )
    return tuple(blocks)


def _certificate_statuses(
    issued: list[Certificate], decisions: dict[str, Decision], as_of: date
) -> tuple[tuple[CertificateStatus, ...], dict[tuple[str, str], str]]:
    """The certificates' states on `as_of`, in issue order: void when their decision is
    annulled, revoked from their revocation's day, else held. With, for each (kind,
    subject), the number of the certificate held (else the latest one, whatever its state).
    (One pass, in a replay's inner loop: about seven certificates per candidate.)"""
    statuses = []
    latest: dict[tuple[str, str], str] = {}
    held: dict[tuple[str, str], str] = {}
    for c in issued:
        number, decision, kind, subject, issued_on, _, duplicate_of, revocation, _ = c
        revoked_on = revocation.effective_on if revocation is not None else None
        if decisions[decision].annulment is not None:
            state, revoked_on = "void", None
        elif revoked_on is not None and revoked_on <= as_of:
            state = "revoked"
        else:
            state, revoked_on = "held", None
        statuses.append(
            from_fields(
                CertificateStatus,
                (number, kind, subject, issued_on, state, decision, duplicate_of, revoked_on, c),
            )
        )
        key = (kind, subject)
        latest[key] = number
        if state == "held":
            held[key] = number
    latest.update(held)
    return tuple(statuses), latest


def _furthest(item: Validation | BlockAward) -> tuple[date, date]:
    """Sort key: the validity that reaches furthest (permanent first), then the latest."""
    return (item.until or date.max, item.on)


_ISSUE_ORDER = attrgetter("issued_on", "number")
"""Sort key of certificates: issue date, then number."""
