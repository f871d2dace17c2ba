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
from ledger.i18n import _, show_date
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
                reasons.append(
                    _("validated under a derogation ({derogation_of})").format(
                        derogation_of=_derogation_of(item.validations)
                    )
                )
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
                    _("for good (VAE)")
                    if award.until is None
                    else _("through {last} (until {end} excluded)").format(
                        last=show_date(award.until - timedelta(days=1)),
                        end=show_date(award.until),
                    )
                )
                counting = _("counts") if item.counts else _("does not count")
                reasons.append(
                    _(
                        "awarded on {on} by decision {id} (referential "
                        "{referential}): valid {end}, "
                        "so it {counting} on {as_of}"
                    ).format(
                        on=show_date(award.on),
                        id=award.decision.id,
                        referential=award.referential,
                        end=show_date(end),
                        counting=counting,
                        as_of=show_date(self.status.as_of),
                    )
                )
                if award.awarded_as:
                    reasons.append(
                        _(
                            "awarded as block {awarded_as}, which the renewal of the fiche "
                            "counts as {code} (referential {referential})"
                        ).format(
                            awarded_as=award.awarded_as,
                            code=item.code,
                            referential=self.status.referential,
                        )
                    )
                if award.decision.derogation is not None:
                    reasons.append(
                        _("awarded under a derogation ({derogation})").format(
                            derogation=award.decision.derogation
                        )
                    )
            else:
                reasons.append(_("not awarded"))
            block = ref.block(item.code)
            if block is not None:
                mine = [c for c in block.competencies if c in codes]
                reasons.append(
                    _(
                        "{detail}: {count} of its {count2} competencies count{detail2}, {required} "
                        "required (referential {referential})"
                    ).format(
                        detail=_("eligible") if item.eligible else _("not eligible"),
                        count=len(mine),
                        count2=len(block.competencies),
                        detail2=" (" + ", ".join(mine) + ")" if mine else "",
                        required=block.required,
                        referential=self.status.referential,
                    )
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
            reasons.append(
                _("awarded on {on} by decision {id}").format(
                    on=show_date(decision.on), id=decision.id
                )
            )
            if decision.derogation is not None:
                reasons.append(
                    _("awarded under a derogation ({derogation})").format(
                        derogation=decision.derogation
                    )
                )
        else:
            reasons.append(_("not awarded"))
        ref = self.versions.at(self.status.as_of).referential
        by_blocks = _(" or every block held") if ref.title_by_all_blocks else ""
        reasons.append(
            _(
                "{detail}: {counting} distinct competencies count, {required} "
                "required{by_blocks} (referential {referential})"
            ).format(
                detail=_("eligible") if title.eligible else _("not eligible"),
                counting=title.counting,
                required=title.required,
                by_blocks=by_blocks,
                referential=self.status.referential,
            )
        )
        if title.note:
            reasons.append(title.note)
        if title.revoked_on is not None:
            reasons.append(
                _("revoked from {revoked_on}: every certificate of the title was revoked").format(
                    revoked_on=show_date(title.revoked_on)
                )
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
            why = _("issued on {issued_on} for the {kind} {subject}").format(
                issued_on=show_date(item.issued_on), kind=item.kind, subject=item.subject
            )
            if record.duplicate_of:
                original = self.status.dossier.certificates[record.duplicate_of]
                events.append(self.plain(original.fact))
                why += _(", a duplicate of {duplicate_of}").format(duplicate_of=record.duplicate_of)
            events += self.decision_events(decision)
            if item.state == "void":
                assert decision.annulment is not None
                why += _("; void: decision {id} was annulled on {effective_on}").format(
                    id=decision.id, effective_on=show_date(decision.annulment.effective_on)
                )
            elif record.revocation is not None:
                events.append(self.plain(record.revocation))
                when = record.revocation.effective_on
                why += (
                    _("; revoked from {when}").format(when=show_date(when))
                    if item.state == "revoked"
                    else _("; held until its revocation on {when}").format(when=show_date(when))
                )
            for revocation, reinstatement in record.cancelled:
                events += [self.plain(revocation), self.plain(reinstatement)]
                why += _(
                    "; its revocation of {effective_on} was cancelled as mistaken on "
                    "{effective_on2} ({reason}): it never had effect"
                ).format(
                    effective_on=show_date(revocation.effective_on),
                    effective_on2=show_date(reinstatement.effective_on),
                    reason=reinstatement.data["reason"],
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
            "revoked": _("the title was awarded, then revoked from {revoked_on}").format(
                revoked_on=show_date(title.revoked_on)
            ),
            "certified": _("the title was awarded"),
            "withdrawn": _("withdrew on {on}").format(on=show_date(presence.on)),
            "in_progress": _("something is validated, the title is not awarded"),
            "enrolled": _("enrolled, nothing validated yet"),
        }
        published = self.versions.at(placement.on)
        route = published.referential.route(placement.route)
        openings = route.openings if route is not None else _("unknown")
        return {
            "value": self.status.state,
            "why": reasons[self.status.state],
            "because": events,
            "route": {
                "value": self.status.route,
                "why": _(
                    "on route {route} since {on} ({type}); referential {version} has it "
                    "{openings} (rule 12)"
                ).format(
                    route=placement.route,
                    on=show_date(placement.on),
                    type=placement.fact.type,
                    version=published.version,
                    openings=openings,
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
    start = _("validated on {on} by decision {id}").format(on=show_date(v.on), id=v.decision.id)
    rules = _("route {route}, referential {referential}").format(
        route=v.decision.route, referential=v.referential
    )
    if v.until is None:
        return _("{start} ({rules}): acquired for good (VAE)").format(start=start, rules=rules)
    last = show_date(v.until - timedelta(days=1))
    end = show_date(v.until)
    if v.counts_on(as_of):
        return _(
            "{start} ({rules}): valid through {last} (until {end} excluded), so it counts"
        ).format(start=start, rules=rules, last=last, end=end)
    return _(
        "{start} ({rules}): valid through {last} (until {end} excluded), so not on {as_of}"
    ).format(start=start, rules=rules, last=last, end=end, as_of=show_date(as_of))


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
