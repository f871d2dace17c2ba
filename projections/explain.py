"""Explain a status: each item with the events behind it and the referential version applied.

Built from the same status and the same rule functions that decide, so that what is shown
as the reason is what the ledger actually computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from ledger.dossier import Decision
from ledger.exceptions import RuleViolation
from ledger.facts import Fact
from ledger.publication import Versions
from ledger.rules import Validation, evidence_for
from projections.status import CandidateStatus


def because(
    fact: Fact,
    *,
    referential: str | None,
    decision: str | None = None,
    session: str | None = None,
) -> dict[str, Any]:
    return {
        "event": fact.id,
        "type": fact.type,
        "effective_on": fact.effective_on.isoformat(),
        "recorded_at": fact.recorded_at.isoformat(),
        "recorded_by": fact.recorded_by,
        "position": fact.position,
        "decision": decision,
        "session": session,
        "referential": referential,
    }


class Explainer:
    """Turns a status into its explanation; `sessions` holds the jury sessions' convening facts."""

    def __init__(
        self, status: CandidateStatus, versions: Versions, sessions: Mapping[str, Fact]
    ) -> None:
        self.status = status
        self.versions = versions
        self.sessions = sessions

    def version_at(self, day: date) -> str | None:
        try:
            return self.versions.at(day).version
        except RuleViolation:
            return None

    def plain(self, fact: Fact) -> dict[str, Any]:
        return because(fact, referential=self.version_at(fact.effective_on))

    def decision_events(self, decision: Decision) -> list[dict[str, Any]]:
        """The decision, its rectifications and its annulment, and the session that took it."""
        tagged = {"decision": decision.id, "session": decision.session}
        events = [because(decision.fact, referential=decision.referential, **tagged)]
        events += [
            because(f, referential=decision.referential, **tagged) for f in decision.rectifications
        ]
        if decision.annulment is not None:
            events.append(because(decision.annulment, referential=decision.referential, **tagged))
        convened = self.sessions.get(decision.session)
        if convened is not None:
            events.append(because(convened, referential=decision.referential, **tagged))
        return events

    def evidence_events(self, validation: Validation) -> list[dict[str, Any]]:
        """What backed a validation when the jury took it, found by the rule-4 function itself."""
        decision = validation.decision
        published = self.versions.at(decision.on)
        route = published.referential.route(decision.route)
        backing = evidence_for(
            self.status.dossier,
            validation.competency,
            decision.on,
            published.referential,
            bool(route and route.vae),
        )
        if backing is None:
            return []
        return [
            because(
                backing.fact,
                referential=self.version_at(backing.fact.effective_on),
                decision=decision.id,
                session=decision.session,
            )
        ]

    def competencies(self) -> list[dict[str, Any]]:
        out = []
        as_of = self.status.as_of
        for item in self.status.competencies:
            events: list[dict[str, Any]] = []
            reasons = []
            for v in item.validations:
                events += self.decision_events(v.decision) + self.evidence_events(v)
                reasons.append(_validity(v, as_of))
            if item.derogation:
                reasons.append(f"validated under a derogation ({_derogation_of(item.validations)})")
            out.append({**item.as_json(), "because": _unique(events), "why": "; ".join(reasons)})
        return out

    def blocks(self) -> list[dict[str, Any]]:
        out = []
        codes = {c.code for c in self.status.competencies if c.counts}
        ref = self.versions.at(self.status.as_of).referential
        for item in self.status.blocks:
            events: list[dict[str, Any]] = []
            reasons = []
            if item.award is not None:
                award = item.award
                events += self.decision_events(award.decision)
                end = (
                    "for good (VAE)"
                    if award.until is None
                    else f"through {(award.until - timedelta(days=1)).isoformat()} "
                    f"(until {award.until.isoformat()} excluded)"
                )
                counting = "counts" if item.counts else "does not count"
                reasons.append(
                    f"awarded on {award.on.isoformat()} by decision {award.decision.id} "
                    f"(referential {award.referential}): valid {end}, so it {counting} on "
                    f"{self.status.as_of.isoformat()}"
                )
                if award.awarded_as:
                    reasons.append(
                        f"awarded as block {award.awarded_as}, which the renewal of the fiche "
                        f"counts as {item.code} (referential {self.status.referential})"
                    )
                if award.decision.derogation is not None:
                    reasons.append(f"awarded under a derogation ({award.decision.derogation})")
            else:
                reasons.append("not awarded")
            block = ref.block(item.code)
            if block is not None:
                mine = [c for c in block.competencies if c in codes]
                reasons.append(
                    f"{'eligible' if item.eligible else 'not eligible'}: {len(mine)} of its "
                    f"{len(block.competencies)} competencies count"
                    f"{' (' + ', '.join(mine) + ')' if mine else ''}, {block.required} required "
                    f"(referential {self.status.referential})"
                )
            for c in self.status.certificates:
                if c.kind == "block" and c.subject == item.code:
                    events.append(self.plain(c.record.fact))
            out.append({**item.as_json(), "because": _unique(events), "why": "; ".join(reasons)})
        return out

    def title(self) -> dict[str, Any]:
        title = self.status.title
        events: list[dict[str, Any]] = []
        reasons = []
        if title.decision is not None:
            decision = self.status.dossier.decisions[title.decision]
            events += self.decision_events(decision)
            reasons.append(f"awarded on {decision.on.isoformat()} by decision {decision.id}")
            if decision.derogation is not None:
                reasons.append(f"awarded under a derogation ({decision.derogation})")
        else:
            reasons.append("not awarded")
        ref = self.versions.at(self.status.as_of).referential
        by_blocks = " or every block held" if ref.title_by_all_blocks else ""
        reasons.append(
            f"{'eligible' if title.eligible else 'not eligible'}: {title.counting} distinct "
            f"competencies count, {title.required} required{by_blocks} (referential "
            f"{self.status.referential})"
        )
        if title.note:
            reasons.append(title.note)
        if title.revoked_on is not None:
            reasons.append(
                f"revoked from {title.revoked_on.isoformat()}: every certificate of the title "
                "was revoked"
            )
        for c in self.status.certificates:
            if c.kind == "title":
                events.append(self.plain(c.record.fact))
                if c.record.revocation is not None:
                    events.append(self.plain(c.record.revocation))
        return {**title.as_json(), "because": _unique(events), "why": "; ".join(reasons)}

    def certificates(self) -> list[dict[str, Any]]:
        out = []
        for item in self.status.certificates:
            record = item.record
            decision = self.status.dossier.decisions[record.decision]
            events = [self.plain(record.fact)]
            why = f"issued on {item.issued_on.isoformat()} for the {item.kind} {item.subject}"
            if record.duplicate_of:
                original = self.status.dossier.certificates[record.duplicate_of]
                events.append(self.plain(original.fact))
                why += f", a duplicate of {record.duplicate_of}"
            events += self.decision_events(decision)
            if item.state == "void":
                assert decision.annulment is not None
                why += (
                    f"; void: decision {decision.id} was annulled on "
                    f"{decision.annulment.effective_on.isoformat()}"
                )
            elif record.revocation is not None:
                events.append(self.plain(record.revocation))
                when = record.revocation.effective_on.isoformat()
                why += (
                    f"; revoked from {when}"
                    if item.state == "revoked"
                    else f"; held until its revocation on {when}"
                )
            for revocation, reinstatement in record.cancelled:
                events += [self.plain(revocation), self.plain(reinstatement)]
                why += (
                    f"; its revocation of {revocation.effective_on.isoformat()} was cancelled "
                    f"as mistaken on {reinstatement.effective_on.isoformat()} "
                    f"({reinstatement.data['reason']}): it never had effect"
                )
            out.append({**item.as_json(), "because": _unique(events), "why": why})
        return out

    def state(self) -> dict[str, Any]:
        dossier = self.status.dossier
        as_of = self.status.as_of
        presence = dossier.presence_on(as_of)
        placement = dossier.placement_on(as_of)
        assert presence is not None and placement is not None
        events = [self.plain(presence.fact)]
        title = self.status.title
        reasons = {
            "revoked": f"the title was awarded, then revoked from {title.revoked_on}",
            "certified": "the title was awarded",
            "withdrawn": f"withdrew on {presence.on.isoformat()}",
            "in_progress": "something is validated, the title is not awarded",
            "enrolled": "enrolled, nothing validated yet",
        }
        published = self.versions.at(placement.on)
        route = published.referential.route(placement.route)
        openings = route.openings if route is not None else "unknown"
        return {
            "value": self.status.state,
            "why": reasons[self.status.state],
            "because": events,
            "route": {
                "value": self.status.route,
                "why": (
                    f"on route {placement.route} since {placement.on.isoformat()} "
                    f"({placement.fact.type}); referential {published.version} has it "
                    f"{openings} (rule 12)"
                ),
                "because": [self.plain(placement.fact)],
            },
        }

    def document(self) -> dict[str, Any]:
        return {
            "candidate": self.status.candidate,
            "as_of": self.status.as_of.isoformat(),
            "known_at": self.status.known_at,
            "referential": self.status.referential,
            "route": self.status.route,
            "state": self.state(),
            "competencies": self.competencies(),
            "counting_competencies": self.status.counting_competencies,
            "blocks": self.blocks(),
            "title": self.title(),
            "certificates": self.certificates(),
        }


def explain(
    status: CandidateStatus, versions: Versions, sessions: Mapping[str, Fact]
) -> dict[str, Any]:
    """Every item of the status with `because` (the events) and `why` (the rule applied)."""
    return Explainer(status, versions, sessions).document()


def sessions_named(status: CandidateStatus) -> set[str]:
    """The jury sessions whose convening an explanation of this status cites."""
    return {d.session for d in status.dossier.decisions.values()}


def _validity(v: Validation, as_of: date) -> str:
    start = f"validated on {v.on.isoformat()} by decision {v.decision.id}"
    rules = f"route {v.decision.route}, referential {v.referential}"
    if v.until is None:
        return f"{start} ({rules}): acquired for good (VAE)"
    last = (v.until - timedelta(days=1)).isoformat()
    end = f"(until {v.until.isoformat()} excluded)"
    if v.counts_on(as_of):
        return f"{start} ({rules}): valid through {last} {end}, so it counts"
    return f"{start} ({rules}): valid through {last} {end}, so not on {as_of.isoformat()}"


def _derogation_of(validations: Iterable[Validation]) -> str:
    return "; ".join(
        dict.fromkeys(
            f"decision {v.decision.id}: {v.decision.derogation}"
            for v in validations
            if v.decision.derogation is not None
        )
    )


def _unique(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = set()
    out = []
    for event in events:
        if event["event"] not in seen:
            seen.add(event["event"])
            out.append(event)
    return out
