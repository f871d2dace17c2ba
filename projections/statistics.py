"""Yearly statistics for France Compétences: jury decisions counted per year and access route,
with revocations, awards by derogation, and the insertion rates a renewal asks for.

One pass over the candidate streams: each candidate is folded as known at an instant, its
live decisions are added to counters per (year, route), and the candidate is dropped, so
memory grows with the number of years and routes, never with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledger.dossier import Decision, Dossier
from ledger.facts import Fact
from ledger.publication import Versions
from ledger.rules import title_revoked_on
from ledger.standing import Standing, id_technique

ALL_ROUTES = "all"
"""The route of each year's total row."""

RATE_PLACES = Decimal("0.0001")
"""Rates are rounded half up to four decimal places (a percentage to 0.01)."""

SURVEYS = ("6m", "24m")
EMPLOYED = frozenset({"target_job", "other_job"})


def rate(part: int, whole: int) -> float | None:
    """part / whole, rounded half up to four places; None when whole is 0."""
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP))


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
    revoked: int = 0
    by_derogation: int = 0
    surveyed_6m: int = 0
    answered_6m: int = 0
    employed_6m: int = 0
    target_6m: int = 0
    surveyed_24m: int = 0
    answered_24m: int = 0
    employed_24m: int = 0
    target_24m: int = 0
    cpf_not_sent: int = 0
    cpf_awaiting: int = 0
    cpf_accepted: int = 0
    cpf_rejected: int = 0
    cpf_to_resend: int = 0
    fiche: str = ""
    """The fiche the decisions were taken under (a renewed fiche has a code of its own)."""

    @property
    def success_rate(self) -> float:
        """certified / presented, rounded half up to four places; 0.0 when nobody was presented."""
        return rate(self.certified, self.presented) or 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "fiche": self.fiche,
            "route": self.route,
            "presented": self.presented,
            "certified": self.certified,
            "certified_vae": self.certified_vae,
            "blocks_awarded": self.blocks_awarded,
            "partial_validations": self.partial_validations,
            "success_rate": self.success_rate,
            "revoked": self.revoked,
            "by_derogation": self.by_derogation,
            # Insertion: of the holders certified that year (revoked titles left out) who
            # answered the survey, those employed (in the target job).
            "insertion_6m": rate(self.employed_6m, self.answered_6m),
            "insertion_target_6m": rate(self.target_6m, self.answered_6m),
            "insertion_24m": rate(self.employed_24m, self.answered_24m),
            "insertion_target_24m": rate(self.target_24m, self.answered_24m),
            "surveyed_6m": self.surveyed_6m,
            "answered_6m": self.answered_6m,
            "surveyed_24m": self.surveyed_24m,
            "answered_24m": self.answered_24m,
            # Where the titles certified stand with the Caisse des Dépôts (its CPF flow).
            "cpf_not_sent": self.cpf_not_sent,
            "cpf_awaiting": self.cpf_awaiting,
            "cpf_accepted": self.cpf_accepted,
            "cpf_rejected": self.cpf_rejected,
            "cpf_to_resend": self.cpf_to_resend,
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
    "revoked",
    "by_derogation",
    "insertion_6m",
    "insertion_target_6m",
    "insertion_24m",
    "insertion_target_24m",
    "surveyed_6m",
    "answered_6m",
    "surveyed_24m",
    "answered_24m",
    "fiche",
    "cpf_not_sent",
    "cpf_awaiting",
    "cpf_accepted",
    "cpf_rejected",
    "cpf_to_resend",
)
"""The keys of a row, in the order of the JSON and CSV outputs."""

RATES = (
    "success_rate",
    "insertion_6m",
    "insertion_target_6m",
    "insertion_24m",
    "insertion_target_24m",
)
"""The columns that hold a rate (a decimal comma in the CSV)."""

_COUNTS = tuple(
    f.name for f in fields(YearRouteStatistics) if f.name not in ("year", "route", "fiche")
)


class Tally:
    """The counters of one pass: `add` each candidate's dossier, then read `rows()`."""

    def __init__(
        self, versions: Versions, year: int | None = None, standing: Standing | None = None
    ) -> None:
        self.versions = versions
        self.year = year
        self.standing = standing or Standing()
        self.counters: dict[tuple[int, str, str], dict[str, int]] = {}

    def add(self, dossier: Dossier) -> None:
        presented: set[tuple[int, str, str]] = set()
        for decision in dossier.live_decisions():
            if self.year is not None and decision.on.year != self.year:
                continue
            fiche = self.versions.at(decision.on).referential.code
            year = decision.on.year
            for key in ((year, fiche, decision.route), (year, fiche, ALL_ROUTES)):
                presented.add(key)
                counter = self.counters.setdefault(key, dict.fromkeys(_COUNTS, 0))
                self._count(counter, dossier, decision)
        for key in presented:
            self.counters[key]["presented"] += 1

    def _count(self, counter: dict[str, int], dossier: Dossier, decision: Decision) -> None:
        counter["blocks_awarded"] += len(decision.blocks)
        if decision.derogation is not None and (
            decision.title or decision.blocks or decision.validated
        ):
            counter["by_derogation"] += 1
        if not decision.title:
            counter["partial_validations"] += bool(decision.validated)
            return
        if title_revoked_on(dossier, decision) is not None:
            counter["revoked"] += 1
            return
        counter["certified"] += 1
        counter["certified_vae"] += is_vae(decision, self.versions)
        counter[f"cpf_{self.standing.state(id_technique(decision.id))}"] += 1
        for kind in SURVEYS:
            survey = dossier.survey(kind)
            if survey is None:
                continue
            counter[f"surveyed_{kind}"] += 1
            counter[f"answered_{kind}"] += survey.outcome != "no_answer"
            counter[f"employed_{kind}"] += survey.outcome in EMPLOYED
            counter[f"target_{kind}"] += survey.outcome == "target_job"

    def rows(self) -> list[YearRouteStatistics]:
        """By year and fiche, routes in alphabetical order, "all" last."""
        return [
            YearRouteStatistics(year=key[0], fiche=key[1], route=key[2], **c)
            for key, c in sorted(self.counters.items(), key=lambda item: _order(item[0]))
        ]


def yearly_statistics(
    streams: Iterable[Iterable[Fact]],
    versions: Versions,
    *,
    known_at: datetime | None,
    position: int | None = None,
    year: int | None = None,
    standing: Standing | None = None,
) -> list[YearRouteStatistics]:
    """The decisions per deliberation year and route, as the ledger held them at `known_at`
    (and log position `position`); only year `year` when given.

    Each year has one row per route on which at least one decision was taken, then a row
    for route "all" (a candidate presented on two routes in one year counts once there).
    """
    tally = Tally(versions.known_at(known_at, position), year, standing)
    for facts in streams:
        dossier = Dossier.known(facts, known_at, position)
        if dossier is not None:
            tally.add(dossier)
    return tally.rows()


def is_vae(decision: Decision, versions: Versions) -> bool:
    """Whether the decision's route is a VAE route in the referential in force on its date
    (the same reading as the validity of what it validated)."""
    route = versions.at(decision.on).referential.route(decision.route)
    return route is not None and route.vae


def _order(key: tuple[int, str, str]) -> tuple[int, str, bool, str]:
    year, fiche, route = key
    return year, fiche, route == ALL_ROUTES, route
