"""The registrar's audit of a period: every decision checked again, and what needs attention.

A pure function of the facts: each decision with its jury check and evidence (by the same
rule functions that decided), its derogation, rectifications and annulment; awards made
under a derogation; VAE juries whose balance is not met or cannot be shown; facts recorded
more than 30 days after their date; awards under the CPF transmission duty not transmitted
within 3 months; annulments and revocations made after an award was transmitted (which the
1.1.2 flow cannot withdraw); the statistics of the period's years.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ledger.clock import PARIS
from ledger.composition import check_jury, jury_balance
from ledger.dossier import Decision, Dossier
from ledger.facts import Fact
from ledger.publication import Versions
from ledger.rules import evidence_for, title_revoked_on
from ledger.transmission import Standing, id_technique, standing_of
from projections.statistics import Tally

LATE_DAYS = 30
TRANSMIT_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _when(fact: Fact) -> dict[str, Any]:
    return {
        "event": fact.id,
        "type": fact.type,
        "effective_on": fact.effective_on.isoformat(),
        "recorded_at": fact.recorded_at.isoformat(),
        "recorded_by": fact.recorded_by,
    }


WAIT_DAYS = 30
"""How long a passage may wait for the Caisse des Dépôts' answer before the audit lists it."""

TO_DO = (
    (
        "Plusieurs titulaires",
        "give the birth place (`candidate rectify-identity "
        "--birth-insee` or `--birth-postcode`), then `report cpf` sends it again",
    ),
    (
        "Aucun titulaire",
        "check the identity against the holder's civil status (birth name, "
        "first name, sex, birth date) and correct it with `candidate rectify-identity`, then "
        "`report cpf` sends it again",
    ),
)
"""What the registrar does about a passage refused, by the words of the refusal."""


@dataclass
class Audit:
    start: date | None
    end: date | None
    today: date
    decisions: list[dict[str, Any]] = field(default_factory=list)
    late: list[dict[str, Any]] = field(default_factory=list)
    untransmitted: list[dict[str, Any]] = field(default_factory=list)
    annulled_after_transmission: list[dict[str, Any]] = field(default_factory=list)
    revoked_after_transmission: list[dict[str, Any]] = field(default_factory=list)
    unbalanced: dict[str, dict[str, Any]] = field(default_factory=dict)
    """VAE jury sessions whose balance is not met or cannot be shown, by session."""
    awards: Counter[tuple[int, str]] = field(default_factory=Counter)
    statistics: list[dict[str, Any]] = field(default_factory=list)
    cpf_waiting: list[dict[str, Any]] = field(default_factory=list)
    """Passages sent to the Caisse des Dépôts with no answer for more than `WAIT_DAYS`."""
    cpf_refused: list[dict[str, Any]] = field(default_factory=list)
    """Passages the Caisse des Dépôts refused (or whose file it refused), and what to do."""

    def summary(self) -> dict[str, Any]:
        return {
            "decisions": len(self.decisions),
            "jury_problems": sum(1 for d in self.decisions if not d["jury"]["ok"]),
            "derogations": sum(1 for d in self.decisions if d["derogation"]),
            "awards_by_derogation": len(self.by_derogation()),
            "vae_juries_unbalanced": len(self.unbalanced),
            "unbacked_competencies": sum(len(d["unbacked"]) for d in self.decisions),
            "rectified": sum(1 for d in self.decisions if d["rectifications"]),
            "annulled": sum(1 for d in self.decisions if d["annulment"]),
            "late_recordings": len(self.late),
            "awards_not_transmitted_within_3_months": len(self.untransmitted),
            "annulled_after_transmission": len(self.annulled_after_transmission),
            "revoked_after_transmission": len(self.revoked_after_transmission),
            "cpf_waiting_for_an_answer": len(self.cpf_waiting),
            "cpf_refused": len(self.cpf_refused),
        }

    def by_derogation(self) -> list[dict[str, Any]]:
        """The live decisions that awarded or validated something under a derogation."""
        return [
            {
                "decision": d["decision"],
                "on": d["on"],
                "derogation": d["derogation"],
                "title": d["title"],
                "blocks": d["blocks"],
                "validated": d["validated"],
            }
            for d in self.decisions
            if d["derogation"]
            and not d["annulment"]
            and (d["title"] or d["blocks"] or d["validated"])
        ]

    def awards_by_year(self) -> list[dict[str, Any]]:
        return [
            {"year": year, "route": route, "titles": n}
            for (year, route), n in sorted(self.awards.items())
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
            },
            "today": self.today.isoformat(),
            "summary": self.summary(),
            "awards_by_year": self.awards_by_year(),
            "statistics": self.statistics,
            "decisions": self.decisions,
            "awards_by_derogation": self.by_derogation(),
            "vae_juries_unbalanced": list(self.unbalanced.values()),
            "late_recordings": self.late,
            "awards_not_transmitted_within_3_months": self.untransmitted,
            "annulled_after_transmission": self.annulled_after_transmission,
            "revoked_after_transmission": self.revoked_after_transmission,
            "cpf_waiting_for_an_answer": self.cpf_waiting,
            "cpf_refused": self.cpf_refused,
        }


def audit(
    candidates: Iterable[list[Fact]],
    sessions: Mapping[str, Fact],
    transmissions: Iterable[Fact],
    versions: Versions,
    *,
    start: date | None,
    end: date | None,
    today: date,
    wait_days: int = WAIT_DAYS,
) -> Audit:
    """The audit of decisions and facts dated in [start, end] (open ends: everything)."""
    report = Audit(start, end, today)
    transmissions = list(transmissions)
    standing = standing_of(transmissions)

    def inside(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    sent: dict[str, Fact] = {}
    for fact in transmissions:
        if fact.type == "TransmissionRecorded":
            for passage in fact.data["passages"]:
                sent.setdefault(passage["id_technique"], fact)
    for fact in sessions.values():
        if inside(fact.effective_on):
            _late(report, fact)

    tally = Tally(versions, standing=standing)
    for facts in candidates:
        dossier = Dossier.known(facts, None)
        if dossier is None:
            continue
        tally.add(dossier)
        for fact in facts:
            if inside(fact.effective_on):
                _late(report, fact)
        for decision in sorted(dossier.decisions.values(), key=lambda d: d.on):
            if not inside(decision.on):
                continue
            entry = _decision(dossier, decision, sessions, versions)
            report.decisions.append(entry)
            if entry["jury"]["balance"] is not None and not entry["jury"]["balance"]["ok"]:
                _unbalanced(report, entry, sessions)
            if decision.title and not decision.annulled:
                report.awards[(decision.on.year, decision.route)] += 1
            transmitted = sent.get(id_technique(decision.id))
            _transmission(report, dossier, decision, transmitted, versions, today)
            if decision.title and not decision.annulled:
                _answered(report, decision.id, standing, today, wait_days)
    report.statistics = [
        row.as_json()
        for row in tally.rows()
        if (start is None or row.year >= start.year) and (end is None or row.year <= end.year)
    ]
    return report


def _answered(
    report: Audit, decision: str, standing: Standing, today: date, wait_days: int
) -> None:
    """Where a title award stands with the Caisse des Dépôts, when it needs attention."""
    passage = id_technique(decision)
    state = standing.state(passage)
    flux_id = standing.last.get(passage)
    flow = standing.flows.get(flux_id) if flux_id else None
    if flow is None:
        return
    base = {
        "decision": decision,
        "id_technique": passage,
        "flow": flow.flux_id,
        "file": flow.file,
        "sent_on": flow.sent_on.isoformat(),
    }
    if state == "awaiting" and (today - flow.sent_on).days > wait_days:
        report.cpf_waiting.append({**base, "days": (today - flow.sent_on).days})
    elif state in ("rejected", "to_resend"):
        answer = standing.answers[passage]
        if state == "to_resend":
            to_do = "the whole file was refused: `report cpf` sends its passages again"
        else:
            to_do = next(
                (what for words, what in TO_DO if words in answer.message),
                "read the message, correct what it names, then `report cpf` sends it again",
            )
        report.cpf_refused.append(
            {
                **base,
                "state": state,
                "message": answer.message,
                "answered_on": answer.reported_on.isoformat(),
                "to_do": to_do,
            }
        )


def _unbalanced(report: Audit, entry: dict[str, Any], sessions: Mapping[str, Fact]) -> None:
    """List a VAE session (once) whose balance is not met or cannot be shown."""
    session = entry["session"]
    convened = sessions[session]
    listed = report.unbalanced.setdefault(
        session,
        {
            "session": session,
            "sits_on": convened.effective_on.isoformat(),
            "decisions": [],
            **entry["jury"]["balance"],
        },
    )
    listed["decisions"].append(entry["decision"])


def _late(report: Audit, fact: Fact) -> None:
    recorded_on = fact.recorded_at.astimezone(PARIS).date()
    delay = (recorded_on - fact.effective_on).days
    if delay > LATE_DAYS:
        report.late.append({**_when(fact), "days_late": delay})


def _decision(
    dossier: Dossier, decision: Decision, sessions: Mapping[str, Fact], versions: Versions
) -> dict[str, Any]:
    published = versions.at(decision.on)
    ref = published.referential
    route = ref.route(decision.route)
    vae = bool(route and route.vae)
    convened = sessions.get(decision.session)
    linked = [p.name for p in dossier.linked_on(decision.on)]
    if convened is not None:
        members = list(convened.data["members"])
        jury = check_jury(
            members, convened.data["president"], ref.jury_roles(decision.route), linked
        )
        jury_json = {
            "ok": jury.ok,
            "members": [_member(m) for m in members],
            "president": convened.data["president"],
            "required": list(jury.required),
            "missing": list(jury.missing),
            "linked_members": list(jury.linked_members),
            "president_is_member": jury.president_is_member,
            "balance": jury_balance(members, ref).as_json() if vae else None,
        }
    else:
        jury_json = {
            "ok": False,
            "members": [],
            "president": None,
            "required": [],
            "missing": [],
            "linked_members": [],
            "president_is_member": False,
            "balance": None,
        }
    evidence = {}
    for code in decision.validated:
        backing = evidence_for(dossier, code, decision.on, ref, vae)
        evidence[code] = backing.fact.id if backing is not None else None
    return {
        "decision": decision.id,
        "candidate": dossier.candidate,
        "session": decision.session,
        "on": decision.on.isoformat(),
        "route": decision.route,
        "referential": decision.referential,
        "validated": list(decision.validated),
        "blocks": list(decision.blocks),
        "title": decision.title,
        "jury": jury_json,
        "evidence": evidence,
        "unbacked": [code for code, backing in evidence.items() if backing is None],
        "derogation": decision.derogation,
        "recorded": _when(decision.fact),
        "rectifications": [
            {**_when(f), "reason": f.data["reason"], "changes": sorted(f.data["changes"])}
            for f in decision.rectifications
        ],
        "annulment": (
            {**_when(decision.annulment), "reason": decision.annulment.data["reason"]}
            if decision.annulment is not None
            else None
        ),
    }


def _member(member: Mapping[str, str]) -> str:
    gender = f", {member['gender']}" if member.get("gender") else ""
    return f"{member['name']} ({member['role']}{gender})"


def _transmission(
    report: Audit,
    dossier: Dossier,
    decision: Decision,
    sent: Fact | None,
    versions: Versions,
    today: date,
) -> None:
    if not decision.title:
        return
    due = add_months(decision.on, TRANSMIT_MONTHS)
    revoked_on = title_revoked_on(dossier, decision)
    if revoked_on is not None and not decision.annulled:
        # The flow no longer sends a revoked award; one already sent stays with the Caisse
        # des Dépôts until the registrar has it withdrawn.
        if sent is not None:
            report.revoked_after_transmission.append(
                {
                    "decision": decision.id,
                    "awarded_on": decision.on.isoformat(),
                    "transmitted_on": sent.effective_on.isoformat(),
                    "flux": sent.data["flux_id"],
                    "revoked_on": revoked_on.isoformat(),
                    "id_technique": id_technique(decision.id),
                }
            )
        return
    duty = versions.at(decision.on).referential.cpf_flow_from
    if not decision.annulled and (duty is None or decision.on < duty):
        return  # awarded before the transmission duty existed: never late
    if decision.annulled:
        assert decision.annulment is not None
        if sent is not None and sent.recorded_at <= decision.annulment.recorded_at:
            report.annulled_after_transmission.append(
                {
                    "decision": decision.id,
                    "awarded_on": decision.on.isoformat(),
                    "transmitted_on": sent.effective_on.isoformat(),
                    "flux": sent.data["flux_id"],
                    "annulled_on": decision.annulment.effective_on.isoformat(),
                    "id_technique": id_technique(decision.id),
                }
            )
        return
    if sent is None and today > due:
        report.untransmitted.append(
            {
                "decision": decision.id,
                "awarded_on": decision.on.isoformat(),
                "due": due.isoformat(),
                "transmitted_on": None,
            }
        )
    elif sent is not None and sent.effective_on > due:
        report.untransmitted.append(
            {
                "decision": decision.id,
                "awarded_on": decision.on.isoformat(),
                "due": due.isoformat(),
                "transmitted_on": sent.effective_on.isoformat(),
            }
        )


def generated_at(instant: datetime) -> str:
    return instant.astimezone(PARIS).isoformat(timespec="seconds")
