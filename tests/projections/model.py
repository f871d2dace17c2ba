"""A plain model of DOMAIN.md §5 for the bundled referential, written apart from the product.

It reads the facts directly (no Dossier, no rules module) and says what the status on a day
should show, so that property tests can compare the projection with it on any stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ledger.facts import Fact

VALIDITY_YEARS = 5
TITLE_REQUIRED = 35


def plus_five_years(day: date) -> date:
    if (day.month, day.day) == (2, 29):
        return date(day.year + VALIDITY_YEARS, 2, 28)
    return date(day.year + VALIDITY_YEARS, day.month, day.day)


@dataclass
class Expected:
    route: str
    state: str
    counting: set[str]
    validated: set[str]
    blocks_awarded: set[str]
    blocks_counting: set[str]
    title_awarded: bool
    certificates: dict[str, str] = field(default_factory=dict)  # number -> state


def expected_status(facts: list[Fact], as_of: date, known_at: datetime | None) -> Expected | None:
    known = [f for f in facts if known_at is None or f.recorded_at <= known_at]
    if not known:
        return None
    enrolled_on = min(f.effective_on for f in known if f.type == "CandidateEnrolled")
    if as_of < enrolled_on:
        return None
    ordered = sorted(known, key=lambda f: (f.effective_on, f.version))

    decisions: dict[str, dict[str, Any]] = {}
    annulled: set[str] = set()
    certificates: dict[str, dict[str, Any]] = {}
    route, presence = "", ""
    for fact in ordered:
        data = fact.data
        happened = fact.effective_on <= as_of
        if happened and fact.type in ("CandidateEnrolled", "RouteChanged", "CandidateReenrolled"):
            route = data["route"]
        if happened and fact.type in (
            "CandidateEnrolled",
            "CandidateWithdrew",
            "CandidateReenrolled",
        ):
            presence = fact.type
        if fact.type == "DecisionRecorded":
            decisions[data["decision_id"]] = {
                "id": data["decision_id"],
                "version": fact.version,
                "on": fact.effective_on,
                "vae": data["route"] == "vae",
                "validated": set(data["validated"]),
                "blocks": set(data["blocks_awarded"]),
                "title": data["title_awarded"],
            }
        elif fact.type == "DecisionRectified":
            target = decisions[data["decision_id"]]
            changes = data["changes"]
            for key, name in (("validated", "validated"), ("blocks", "blocks_awarded")):
                if name in changes:
                    target[key] = set(changes[name])
            if "title_awarded" in changes:
                target["title"] = changes["title_awarded"]
        elif fact.type == "DecisionAnnulled":
            annulled.add(data["decision_id"])
        elif fact.type == "CertificateIssued":
            certificates[data["number"]] = {
                "decision": data["decision_id"],
                "kind": data["kind"],
                "on": fact.effective_on,
                "revoked": None,
            }
        elif fact.type == "CertificateReissued":
            original = certificates[data["duplicate_of"]]
            certificates[data["number"]] = {
                "decision": original["decision"],
                "kind": original["kind"],
                "on": fact.effective_on,
                "revoked": None,
            }
        elif fact.type == "CertificateRevoked":
            certificates[data["number"]]["revoked"] = fact.effective_on
        elif fact.type == "CertificateReinstated":
            # A mistaken revocation never had effect, once its cancellation is known.
            certificates[data["number"]]["revoked"] = None

    live = sorted(
        (d for i, d in decisions.items() if i not in annulled and d["on"] <= as_of),
        key=lambda d: (d["on"], d["version"]),
    )

    def counts(d: dict[str, Any]) -> bool:
        return bool(d["vae"]) or as_of < plus_five_years(d["on"])

    validated = set().union(*(d["validated"] for d in live))
    title = any(d["title"] for d in live)
    if title:
        # Revoked from the day every certificate of the title (the first decision awarding
        # it) stands revoked, on or before as-of.
        first = next(d for d in live if d["title"])
        issued = [c for c in certificates.values() if c["decision"] == first["id"]]
        issued = [c for c in issued if c["kind"] == "title"]
        days = [c["revoked"] for c in issued]
        revoked = bool(days) and None not in days and max(days) <= as_of
        state = "revoked" if revoked else "certified"
    elif presence == "CandidateWithdrew":
        state = "withdrawn"
    elif validated:
        state = "in_progress"
    else:
        state = "enrolled"

    shown = {}
    for number, c in certificates.items():
        if c["on"] > as_of:
            continue
        if c["decision"] in annulled:
            shown[number] = "void"
        elif c["revoked"] is not None and c["revoked"] <= as_of:
            shown[number] = "revoked"
        else:
            shown[number] = "held"

    return Expected(
        route=route,
        state=state,
        counting=set().union(*(d["validated"] for d in live if counts(d))),
        validated=validated,
        blocks_awarded=set().union(*(d["blocks"] for d in live)),
        blocks_counting=set().union(*(d["blocks"] for d in live if counts(d))),
        title_awarded=title,
        certificates=shown,
    )
