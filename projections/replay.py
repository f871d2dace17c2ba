"""Replay: every candidate's status as of a date, known at an instant, in one streaming pass.

The candidates' facts come one stream at a time (`Ledger.scan_candidates`), so one candidate
is folded at a time and memory stays bounded whatever the size of the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ledger.dossier import Dossier
from ledger.facts import Fact
from ledger.publication import PublishedVersion, Versions
from ledger.referential import Referential
from projections.status import CandidateStatus, candidate_status, describe_known_at, status_of


def replay(
    streams: Iterable[list[Fact]],
    versions: Versions,
    *,
    as_of: date,
    known_at: datetime | None,
    position: int | None = None,
) -> Iterator[CandidateStatus]:
    """The status of every candidate enrolled on `as_of`, as known at `known_at`/`position`:
    `candidate_status` of each stream, the versions known at that instant taken once."""
    known = versions.known_at(known_at, position)
    label = describe_known_at(known_at, position)
    for facts in streams:
        dossier = Dossier.known(facts, known_at, position)
        if dossier is None or dossier.enrolled_on() > as_of:
            continue
        yield status_of(dossier, known, as_of, label)


def status_row(status: CandidateStatus) -> dict[str, Any]:
    """One flat row of a status, for tables and CSV."""
    return {
        "candidate": status.candidate,
        "as_of": status.as_of.isoformat(),
        "route": status.route,
        "state": status.state,
        "counting_competencies": status.counting_competencies,
        "blocks_counting": " ".join(b.code for b in status.blocks if b.counts),
        "blocks_awarded": " ".join(b.code for b in status.blocks if b.awarded),
        "title_awarded": status.title.awarded,
        "title_awarded_on": status.title.awarded_on.isoformat() if status.title.awarded_on else "",
        "title_eligible": status.title.eligible,
        "certificates_held": " ".join(c.number for c in status.certificates if c.state == "held"),
    }


def under(versions: Versions, ref: Referential, content_sha256: str, start: date) -> Versions:
    """The versions as they would be had `ref` been published effective from `start`."""
    fact = Fact(
        type="ReferentialPublished",
        stream="referential (dry run)",
        version=10**9,
        effective_on=start,
        recorded_at=datetime.min.replace(tzinfo=UTC),
        recorded_by="dry run",
        data={"version": ref.version, "sha256": content_sha256},
    )
    kept = [p for p in versions.all if p.effective_from < start]
    return Versions(
        [*kept, PublishedVersion(f"{ref.version} (dry run)", start, content_sha256, ref, fact)]
    )


@dataclass(frozen=True)
class Change:
    """What a candidate would gain or lose under another referential."""

    candidate: str
    gains: tuple[str, ...]
    loses: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "gains": list(self.gains), "loses": list(self.loses)}


def _holdings(status: CandidateStatus) -> set[str]:
    held = {f"block {b.code} counts" for b in status.blocks if b.counts}
    held |= {f"block {b.code} eligible" for b in status.blocks if b.eligible}
    if status.title.eligible:
        held.add("title eligible")
    if status.state == "certified":
        held.add("title awarded")
    return held


def compare(
    streams: Iterable[list[Fact]],
    actual: Versions,
    alternative: Versions,
    *,
    as_of: date,
    known_at: datetime | None,
    position: int | None = None,
) -> Iterator[Change]:
    """Who would gain or lose a block or the title on `as_of` under the alternative versions."""
    for facts in streams:
        now = candidate_status(facts, actual, as_of=as_of, known_at=known_at, position=position)
        then = candidate_status(
            facts, alternative, as_of=as_of, known_at=known_at, position=position
        )
        if now is None or then is None:
            continue
        before, after = _holdings(now), _holdings(then)
        if before != after:
            yield Change(
                now.candidate, tuple(sorted(after - before)), tuple(sorted(before - after))
            )
