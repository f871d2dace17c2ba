"""The registrar's audit of a period: every decision checked again, and what needs attention.

A pure function of the facts: each decision with its jury check and evidence (by the same
rule functions that decided), its derogation, rectifications and annulment; awards made
under a derogation; VAE juries whose balance is not met or cannot be shown; facts recorded
more than 30 days after their date; awards under the CPF transmission duty not transmitted
within 3 months; annulments, revocations and titles rectified away made after an award was
transmitted (which the 1.1.2 flow cannot withdraw); passages the Caisse des Dépôts left
unanswered too long or refused; the statistics of the period's years.

The long lists are spooled (`FileSpool`: a temporary SQLite file) and given back sorted, so
that the JSON and the HTML page are written row by row in memory that does not grow with the
ledger.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from ledger.clock import PARIS
from ledger.composition import check_jury, jury_balance
from ledger.dossier import Decision, Dossier
from ledger.facts import Fact
from ledger.i18n import N_, _
from ledger.publication import Versions
from ledger.rules import evidence_for, title_revoked_on
from ledger.standing import Standing, id_technique, standing_of
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
"""How long a passage may wait for the Caisse des Dépôts' answer before the audit lists it
(`audit --cpf-wait DAYS`)."""

TO_DO = (
    (
        "Plusieurs titulaires",
        N_(
            "give the birth place (`candidate rectify-identity --birth-insee` or "
            "`--birth-postcode`), then `report cpf` sends it again"
        ),
    ),
    (
        "Aucun titulaire",
        N_(
            "check the identity against the holder's civil status (birth name, first name, "
            "sex, birth date) and correct it with `candidate rectify-identity`, then "
            "`report cpf` sends it again"
        ),
    ),
)
"""What the registrar does about a passage refused, by the (French) words of the refusal."""
OTHER_REFUSAL = N_("read the message, correct what it names, then `report cpf` sends it again")
FILE_REFUSED = N_("the whole file was refused: `report cpf` sends its passages again")

SECTIONS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "decisions": lambda d: (d["on"], d["decision"]),
    "awards_by_derogation": lambda d: (d["on"], d["decision"]),
    "late_recordings": lambda f: (f["effective_on"], f["recorded_at"], f["event"]),
    "awards_not_transmitted_within_3_months": lambda a: (a["due"], a["decision"]),
    "annulled_after_transmission": lambda a: (a["awarded_on"], a["decision"]),
    "revoked_after_transmission": lambda a: (a["awarded_on"], a["decision"]),
    "title_removed_after_transmission": lambda a: (a["awarded_on"], a["decision"]),
    "cpf_waiting_for_an_answer": lambda a: (a["sent_on"], a["decision"]),
    "cpf_refused": lambda a: (a["answered_on"], a["decision"]),
}
"""The audit's long lists, each with the order it is shown in (oldest first)."""


class Spool:
    """The rows of each long section, kept in memory, given back in each section's order."""

    def __init__(self) -> None:
        self._rows: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
            s: [] for s in SECTIONS
        }

    def add(self, section: str, row: dict[str, Any]) -> None:
        self._rows[section].append((SECTIONS[section](row), row))

    def rows(self, section: str) -> Iterator[dict[str, Any]]:
        for entry in sorted(self._rows[section], key=lambda kr: kr[0]):
            yield entry[1]

    def close(self) -> None:
        self._rows.clear()


class FileSpool(Spool):
    """The rows of each long section in a temporary SQLite file, so that an audit's memory
    does not grow with the ledger: rows are written as they are found (orjson) and read
    back sorted by SQLite, one at a time."""

    BATCH = 1000

    def __init__(self, folder: str | None = None) -> None:
        import sqlite3
        import tempfile

        self._folder = tempfile.TemporaryDirectory(prefix=".certledger-audit-", dir=folder)
        self._db = sqlite3.connect(Path(self._folder.name) / "spool.db")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "PRAGMA cache_size=-2048;"
            "CREATE TABLE rows (section TEXT, key TEXT, body BLOB);"
        )
        self._pending: list[tuple[str, str, bytes]] = []

    def add(self, section: str, row: dict[str, Any]) -> None:
        key = "\x1f".join(str(part) for part in SECTIONS[section](row))
        self._pending.append((section, key, orjson.dumps(row)))
        if len(self._pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO rows VALUES (?, ?, ?)", self._pending)
        self._pending.clear()

    def rows(self, section: str) -> Iterator[dict[str, Any]]:
        if self._pending:
            self._flush()
        for (body,) in self._db.execute(
            "SELECT body FROM rows WHERE section = ? ORDER BY key, rowid", (section,)
        ):
            yield orjson.loads(body)

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()


@dataclass
class Audit:
    start: date | None
    end: date | None
    today: date
    wait_days: int = WAIT_DAYS
    spool: Spool = field(default_factory=Spool)
    """The long lists (`SECTIONS`), in memory or in a temporary file."""
    counts: Counter[str] = field(default_factory=Counter)
    """How many rows each long list holds, and the summary's counts over decisions."""
    unbalanced: dict[str, dict[str, Any]] = field(default_factory=dict)
    """VAE jury sessions whose balance is not met or cannot be shown, by session."""
    awards: Counter[tuple[int, str]] = field(default_factory=Counter)
    statistics: list[dict[str, Any]] = field(default_factory=list)
    late_types: dict[str, list[int]] = field(default_factory=dict)
    """Late recordings by event type: [how many, the most days late]."""

    def add(self, section: str, row: dict[str, Any]) -> None:
        self.counts[section] += 1
        self.spool.add(section, row)

    def rows(self, section: str) -> Iterator[dict[str, Any]]:
        """The rows of a long list, in its order (`SECTIONS`)."""
        return self.spool.rows(section)

    def count(self, what: str) -> int:
        """The rows of a long list, or a count over decisions (`jury_problems`,
        `derogations`, `unbacked_decisions`, `corrections`)."""
        return self.counts[what]

    def add_decision(self, entry: dict[str, Any]) -> None:
        self.add("decisions", entry)
        self.counts["jury_problems"] += jury_to_look_at(entry)
        self.counts["derogations"] += bool(entry["derogation"])
        self.counts["unbacked_competencies"] += len(entry["unbacked"])
        self.counts["unbacked_decisions"] += bool(entry["unbacked"])
        self.counts["rectified"] += bool(entry["rectifications"])
        self.counts["annulled"] += bool(entry["annulment"])
        self.counts["corrections"] += len(entry["rectifications"]) + bool(entry["annulment"])
        if (
            entry["derogation"]
            and not entry["annulment"]
            and (entry["title"] or entry["blocks"] or entry["validated"])
        ):
            self.add(
                "awards_by_derogation",
                {
                    "decision": entry["decision"],
                    "on": entry["on"],
                    "derogation": entry["derogation"],
                    "title": entry["title"],
                    "blocks": entry["blocks"],
                    "validated": entry["validated"],
                },
            )

    def summary(self) -> dict[str, Any]:
        c = self.counts
        return {
            "decisions": c["decisions"],
            "jury_problems": c["jury_problems"],
            "derogations": c["derogations"],
            "awards_by_derogation": c["awards_by_derogation"],
            "vae_juries_unbalanced": len(self.unbalanced),
            "unbacked_competencies": c["unbacked_competencies"],
            "rectified": c["rectified"],
            "annulled": c["annulled"],
            "late_recordings": c["late_recordings"],
            "awards_not_transmitted_within_3_months": c["awards_not_transmitted_within_3_months"],
            "annulled_after_transmission": c["annulled_after_transmission"],
            "revoked_after_transmission": c["revoked_after_transmission"],
            "title_removed_after_transmission": c["title_removed_after_transmission"],
            "cpf_waiting_for_an_answer": c["cpf_waiting_for_an_answer"],
            "cpf_refused": c["cpf_refused"],
        }

    def unbalanced_juries(self) -> list[dict[str, Any]]:
        return sorted(self.unbalanced.values(), key=lambda b: (b["sits_on"], b["session"]))

    def awards_by_year(self) -> list[dict[str, Any]]:
        return [
            {"year": year, "route": route, "titles": n}
            for (year, route), n in sorted(self.awards.items())
        ]

    def head(self) -> dict[str, Any]:
        """The document's short parts, before its long lists."""
        return {
            "period": {
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
            },
            "today": self.today.isoformat(),
            "cpf_wait_days": self.wait_days,
            "summary": self.summary(),
            "awards_by_year": self.awards_by_year(),
            "statistics": self.statistics,
            "late_recordings_by_type": self.late_by_type(),
        }

    def late_by_type(self) -> list[dict[str, Any]]:
        """How many facts of each type were recorded late, and the latest of them, the
        most first."""
        return late_by_type(self.late_types)

    def parts(self) -> Iterator[tuple[str, Any, bool]]:
        """The document's keys in order: (key, value, whether the value is a stream of rows)."""
        for key, value in self.head().items():
            yield key, value, False
        yield "decisions", self.rows("decisions"), True
        yield "awards_by_derogation", self.rows("awards_by_derogation"), True
        yield "vae_juries_unbalanced", self.unbalanced_juries(), False
        for section in (
            "late_recordings",
            "awards_not_transmitted_within_3_months",
            "annulled_after_transmission",
            "revoked_after_transmission",
            "title_removed_after_transmission",
            "cpf_waiting_for_an_answer",
            "cpf_refused",
        ):
            yield section, self.rows(section), True

    def as_json(self) -> dict[str, Any]:
        """The whole document in memory (small audits; `write_json` streams it)."""
        return {key: list(value) if rows else value for key, value, rows in self.parts()}

    def write_json(self, out: IO[str]) -> None:
        """The document as `orjson.dumps(self.as_json(), option=OPT_INDENT_2)` writes it,
        one row at a time."""
        out.write("{")
        for n, (key, value, rows) in enumerate(self.parts()):
            out.write(("," if n else "") + "\n  " + orjson.dumps(key).decode() + ": ")
            if not rows:
                out.write(_indented(value))
                continue
            first = True
            for row in value:
                out.write(("[\n    " if first else ",\n    ") + _indented(row, 4))
                first = False
            out.write("[]" if first else "\n  ]")
        out.write("\n}\n")

    def close(self) -> None:
        self.spool.close()


def late_by_type(types: Mapping[str, list[int]]) -> list[dict[str, Any]]:
    return [
        {"type": kind, "count": count, "most_days_late": most}
        for kind, (count, most) in sorted(types.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]


def _indented(value: Any, depth: int = 2) -> str:
    return (
        orjson.dumps(value, option=orjson.OPT_INDENT_2).decode().replace("\n", "\n" + " " * depth)
    )


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
    spool: Spool | None = None,
    progress: Callable[[int], None] | None = None,
) -> Audit:
    """The audit of decisions and facts dated in [start, end] (open ends: everything); its
    long lists go to `spool` (in memory unless given)."""
    report = Audit(start, end, today, wait_days, spool if spool is not None else Spool())
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
        if progress is not None:
            progress(1)
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
            report.add_decision(entry)
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
    """Where a title award stands with the Caisse des Dépôts, when it needs attention: sent
    more than `wait_days` ago and still unanswered, or refused (the refusal's words kept as
    the Caisse des Dépôts wrote them)."""
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
        report.add("cpf_waiting_for_an_answer", {**base, "days": (today - flow.sent_on).days})
    elif state in ("rejected", "to_resend"):
        answer = standing.answers[passage]
        if state == "to_resend":
            to_do = _(FILE_REFUSED)
        else:
            to_do = _(
                next((what for words, what in TO_DO if words in answer.message), OTHER_REFUSAL)
            )
        report.add(
            "cpf_refused",
            {
                **base,
                "state": state,
                "message": answer.message,
                "answered_on": answer.reported_on.isoformat(),
                "to_do": to_do,
            },
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


def jury_to_look_at(decision: dict[str, Any]) -> bool:
    """Whether an audited decision's jury needs a look: a rule-3 problem, or persons linked to
    the candidate whose names could not be read, so that rule 3 was not checked."""
    jury = decision["jury"]
    return not jury["ok"] or not jury.get("linked_checked", True)


def _late(report: Audit, fact: Fact) -> None:
    recorded_on = fact.recorded_at.astimezone(PARIS).date()
    delay = (recorded_on - fact.effective_on).days
    if delay > LATE_DAYS:
        report.add("late_recordings", {**_when(fact), "days_late": delay})
        seen = report.late_types.setdefault(fact.type, [0, 0])
        seen[0] += 1
        seen[1] = max(seen[1], delay)


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
            # False when names of persons linked to the candidate could not be read (sealed
            # without the key file, or erased): rule 3 was not checked against them.
            "linked_checked": not dossier.unread_linked_on(decision.on),
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
            "linked_checked": False,
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
    if not decision.title and not decision.annulled:
        # A title rectified away after it was sent stays with the Caisse des Dépôts until the
        # registrar has it withdrawn (an annulled decision is listed as annulled below).
        removed_on = decision.title_removed_on
        if sent is not None and removed_on is not None:
            report.add(
                "title_removed_after_transmission",
                {
                    "decision": decision.id,
                    "awarded_on": decision.on.isoformat(),
                    "transmitted_on": sent.effective_on.isoformat(),
                    "flux": sent.data["flux_id"],
                    "title_removed_on": removed_on.isoformat(),
                    "id_technique": id_technique(decision.id),
                },
            )
        return
    due = add_months(decision.on, TRANSMIT_MONTHS)
    revoked_on = title_revoked_on(dossier, decision)
    if revoked_on is not None and not decision.annulled:
        # The flow no longer sends a revoked award; one already sent stays with the Caisse
        # des Dépôts until the registrar has it withdrawn.
        if sent is not None:
            report.add(
                "revoked_after_transmission",
                {
                    "decision": decision.id,
                    "awarded_on": decision.on.isoformat(),
                    "transmitted_on": sent.effective_on.isoformat(),
                    "flux": sent.data["flux_id"],
                    "revoked_on": revoked_on.isoformat(),
                    "id_technique": id_technique(decision.id),
                },
            )
        return
    duty = versions.at(decision.on).referential.cpf_flow_from
    if not decision.annulled and (duty is None or decision.on < duty):
        return  # awarded before the transmission duty existed: never late
    if decision.annulled:
        assert decision.annulment is not None
        if sent is not None and sent.recorded_at <= decision.annulment.recorded_at:
            report.add(
                "annulled_after_transmission",
                {
                    "decision": decision.id,
                    "awarded_on": decision.on.isoformat(),
                    "transmitted_on": sent.effective_on.isoformat(),
                    "flux": sent.data["flux_id"],
                    "annulled_on": decision.annulment.effective_on.isoformat(),
                    "id_technique": id_technique(decision.id),
                },
            )
        return
    if sent is None and today > due:
        report.add(
            "awards_not_transmitted_within_3_months",
            {
                "decision": decision.id,
                "awarded_on": decision.on.isoformat(),
                "due": due.isoformat(),
                "transmitted_on": None,
            },
        )
    elif sent is not None and sent.effective_on > due:
        report.add(
            "awards_not_transmitted_within_3_months",
            {
                "decision": decision.id,
                "awarded_on": decision.on.isoformat(),
                "due": due.isoformat(),
                "transmitted_on": sent.effective_on.isoformat(),
            },
        )


def generated_at(instant: datetime) -> str:
    return instant.astimezone(PARIS).isoformat(timespec="seconds")
