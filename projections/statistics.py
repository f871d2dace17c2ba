"""Yearly statistics for France Compétences: jury decisions counted per year and access route.

One pass over the candidate streams: each candidate is folded as known at an instant, its
live decisions are added to counters per (year, route), and the candidate is dropped, so
memory grows with the number of years and routes, never with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledger.dossier import Decision, Dossier
from ledger.facts import Fact
from ledger.publication import Versions

ALL_ROUTES = "all"
"""The route of each year's total row."""

RATE_PLACES = Decimal("0.0001")
"""Success rates are rounded half up to four decimal places (a percentage to 0.01)."""


@dataclass(frozen=True, slots=True)
class YearRouteStatistics:
    """The decisions of one year on one route (or on every route: `route` is "all")."""

    year: int
    route: str
    presented: int
    certified: int
    certified_vae: int
    blocks_awarded: int
    partial_validations: int

    @property
    def success_rate(self) -> float:
        """certified / presented, rounded half up to four places; 0.0 when nobody was presented."""
        if self.presented == 0:
            return 0.0
        rate = Decimal(self.certified) / Decimal(self.presented)
        return float(rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP))

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "route": self.route,
            "presented": self.presented,
            "certified": self.certified,
            "certified_vae": self.certified_vae,
            "blocks_awarded": self.blocks_awarded,
            "partial_validations": self.partial_validations,
            "success_rate": self.success_rate,
        }


COLUMNS = (
    "year",
    "route",
    "presented",
    "certified",
    "certified_vae",
    "blocks_awarded",
    "partial_validations",
    "success_rate",
)
"""The keys of a row, in the order of the JSON and CSV outputs."""


class _Counter:
    __slots__ = ("blocks_awarded", "certified", "certified_vae", "partial", "presented")

    def __init__(self) -> None:
        self.presented = 0
        self.certified = 0
        self.certified_vae = 0
        self.blocks_awarded = 0
        self.partial = 0


def yearly_statistics(
    streams: Iterable[Iterable[Fact]],
    versions: Versions,
    *,
    known_at: datetime | None,
    position: int | None = None,
    year: int | None = None,
) -> list[YearRouteStatistics]:
    """The decisions per deliberation year and route, as the ledger held them at `known_at`
    (and log position `position`); only year `year` when given.

    Each year has one row per route on which at least one decision was taken, then a row
    for route "all" (a candidate presented on two routes in one year counts once there).
    Rows come by year, routes in alphabetical order, "all" last.
    """
    versions = versions.known_at(known_at, position)
    counters: dict[tuple[int, str], _Counter] = {}
    for facts in streams:
        dossier = Dossier.known(facts, known_at, position)
        if dossier is None:
            continue
        presented: set[tuple[int, str]] = set()
        for decision in dossier.live_decisions():
            if year is not None and decision.on.year != year:
                continue
            for key in ((decision.on.year, decision.route), (decision.on.year, ALL_ROUTES)):
                presented.add(key)
                _count(counters.setdefault(key, _Counter()), decision, versions)
        for key in presented:
            counters[key].presented += 1
    return [
        YearRouteStatistics(
            year=key[0],
            route=key[1],
            presented=c.presented,
            certified=c.certified,
            certified_vae=c.certified_vae,
            blocks_awarded=c.blocks_awarded,
            partial_validations=c.partial,
        )
        for key, c in sorted(counters.items(), key=lambda item: _order(item[0]))
    ]


def _count(counter: _Counter, decision: Decision, versions: Versions) -> None:
    counter.blocks_awarded += len(decision.blocks)
    if decision.title:
        counter.certified += 1
        if is_vae(decision, versions):
            counter.certified_vae += 1
    elif decision.validated:
        counter.partial += 1


def is_vae(decision: Decision, versions: Versions) -> bool:
    """Whether the decision's route is a VAE route in the referential in force on its date
    (the same reading as the validity of what it validated)."""
    route = versions.at(decision.on).referential.route(decision.route)
    return route is not None and route.vae


def _order(key: tuple[int, str]) -> tuple[int, bool, str]:
    year, route = key
    return year, route == ALL_ROUTES, route
