"""The current-status view as validity intervals: a pure function of a candidate's dossier.

Expiry happens with no event, so the view stores intervals [start, until) rather than
`counts`: asked about any day, it answers what `status_of` would answer that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ledger.dossier import Dossier
from ledger.publication import Versions
from ledger.rules import block_awards, decision_until, title_revoked_on


class Interval(NamedTuple):
    """A named tuple: a view row makes one per validation, and sorts them (tuples compare in
    C, where a dataclass's generated ordering compares in Python)."""

    kind: str  # route | block | competency | one of the states of `ledger.rules.STATES`
    value: str  # the route or block code; "" for states
    start: date
    until: date | None  # exclusive; None: still holds

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class CandidateRow:
    candidate: str
    enrolled_on: date
    intervals: tuple[Interval, ...]


def _chain(points: list[tuple[date, int, str]]) -> list[tuple[str, date, date | None]]:
    """Consecutive (value, start, until) from dated changes (recording order breaks ties)."""
    ordered = sorted(points)
    out = []
    for i, (start, _, value) in enumerate(ordered):
        until = ordered[i + 1][0] if i + 1 < len(ordered) else None
        if until is not None and until == start:
            continue  # superseded the same day
        out.append((value, start, until))
    return out


def _spans(start: date, until: date | None, cuts: list[date]) -> list[tuple[date, date | None]]:
    """[start, until) cut at each day a renewal renamed the block."""
    bounds = [start, *cuts]
    return [(b, bounds[i + 1] if i + 1 < len(bounds) else until) for i, b in enumerate(bounds)]


def candidate_row(dossier: Dossier, versions: Versions) -> CandidateRow:
    """The intervals of a dossier: routes, states, counting blocks and competencies."""
    intervals: list[Interval] = []
    routes = [(p.on, p.fact.version, p.route) for p in dossier.placements]
    intervals += [Interval("route", v, s, u) for v, s, u in _chain(routes)]
    presences = [(p.on, p.fact.version, p.kind) for p in dossier.presences]
    intervals += [
        Interval("withdrawn", "", s, u) for v, s, u in _chain(presences) if v == "withdrew"
    ]
    live = dossier.live_decisions()
    titled = [d for d in live if d.title]
    if titled:
        intervals.append(Interval("certified", "", titled[0].on, None))
        revoked_on = title_revoked_on(dossier, titled[0])
        if revoked_on is not None:
            intervals.append(Interval("revoked", "", revoked_on, None))
    validated = [d.on for d in live if d.validated]
    if validated:
        intervals.append(Interval("in_progress", "", min(validated), None))
    intervals += [
        Interval("block", versions.block_on(a.block, a.on, start), start, until)
        for a in block_awards(live, versions)
        for start, until in _spans(a.on, a.until, versions.successions_between(a.on, a.until))
    ]
    for decision in live:  # `rules.validations`, one interval each, none built in between
        until = decision_until(decision, versions)[0]
        intervals += [Interval("competency", c, decision.on, until) for c in decision.validated]
    return CandidateRow(dossier.candidate, dossier.enrolled_on(), tuple(sorted(intervals)))
