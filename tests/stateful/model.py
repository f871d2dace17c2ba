"""A plain model of the ledger for the state machine: what was recorded, and what §4 allows.

It knows the bundled RNCP13080 referential only as far as the machine uses it (the blocks,
the épreuves of BC01 and BC02, the title's 35, the 2019-10-04 end of registration, the
routes the fiche opens and closes) and the versions the machine publishes, which differ only
in their years of validity. It encodes DOMAIN.md revision 2 (rule 12; no derogation over the
VAE procedure nor a threshold; the revoked state; reinstatement) apart from the product: no
Dossier, no rules module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

TODAY = date(2026, 11, 26)
ALL = tuple(f"C{n:02d}" for n in range(1, 43))
TITLE_CODE = "RNCP13080"
TITLE_REQUIRED = 35
FIRST_VERSION = ("2006.1", date(2006, 3, 5), 5)
"""The bundled referential: its version, the day it applies from, its years of validity."""
REGISTERED = (date(2006, 3, 5), date(2019, 10, 4))
BLOCKS = {
    "RNCP13080BC01": (tuple(f"C{n:02d}" for n in range(1, 10)), 7),
    "RNCP13080BC02": (("C10", "C11", "C12"), 3),
    "RNCP13080BC03": (tuple(f"C{n:02d}" for n in range(13, 23)), 7),
    "RNCP13080BC04": (tuple(f"C{n:02d}" for n in (*range(23, 43), *range(1, 10))), 20),
}
"""Each block's competencies and threshold; BC04 shares BC01's nine (DOMAIN.md §2)."""
EPREUVES = {
    "BC01-E1": ("C01", "C02", "C03", "C05", "C07"),
    "BC01-E2": ("C03", "C04", "C06", "C08", "C09"),
    "BC02-E1": ("C10", "C12"),
    "BC02-E2": ("C10", "C11", "C12"),
}
COMPETENCY_CERTIFICATES = ("formation_continue", "vae")
OPENS = {
    "formation_continue": date.min,
    "formation_initiale": date.min,
    "vae": date(2008, 1, 1),
    "apprentissage": None,
}
"""The first day a route is open (rule 12, the fiche's OUI/NON column; "dispositif VAE prévu
en 2008"); None: closed."""


def route_open(route: str, day: date) -> bool:
    opens = OPENS[route]
    return opens is not None and opens <= day


JURY_ROLES = (
    "realisateur",
    "producteur",
    "monteur_truquiste",
    "responsable_pedagogique",
    "directeur_ecole",
)
"""The roles every route's jury needs; a VAE jury needs a technicien too."""


def official(block: str) -> str:
    return block if block.startswith(TITLE_CODE) else f"{TITLE_CODE}{block}"


def normalised(name: str) -> str:
    """A name as rule 3 compares them: case and spacing ignored (the machine uses no accents)."""
    return " ".join(name.casefold().split())


def plus_years(day: date, years: int) -> date:
    if (day.month, day.day) == (2, 29):
        return date(day.year + years, 2, 28)
    return date(day.year + years, day.month, day.day)


def within(start: date, years: int, day: date) -> bool:
    return start <= day < plus_years(start, years)


@dataclass
class Person:
    """One candidate: placements and presences are (effective day, command number, value)."""

    enrolled_on: date
    linked: list[tuple[date, str]]
    placements: list[tuple[date, int, str]]
    presences: list[tuple[date, int, str]]
    assessments: list[tuple[date, frozenset[str]]] = field(default_factory=list)
    admitted: date | None = None
    interviews: list[date] = field(default_factory=list)

    @staticmethod
    def _latest(changes: list[tuple[date, int, str]], day: date) -> str | None:
        before = [c for c in changes if c[0] <= day]
        return max(before)[2] if before else None

    def route_on(self, day: date) -> str | None:
        return self._latest(self.placements, day)

    def presence_on(self, day: date) -> str | None:
        return self._latest(self.presences, day)

    def active_on(self, day: date) -> bool:
        return self.presence_on(day) in ("enrolled", "reenrolled")

    def last_presence(self) -> date:
        return max(self.presences)[0]

    def linked_on(self, day: date) -> set[str]:
        return {normalised(name) for on, name in self.linked if on <= day}

    def backed(self, code: str, day: date, vae: bool, years: int) -> bool:
        """Rule 4: a passed assessment (or, for VAE, an interview) less than `years` old."""
        if any(code in passed and within(on, years, day) for on, passed in self.assessments):
            return True
        return vae and any(within(on, years, day) for on in self.interviews)

    def vae_procedure_complete(self, day: date) -> bool:
        """Admitted, livret 2 received, then interviewed, on or before `day` (recording an
        interview already needs admitted <= livret 2 <= interview)."""
        return any(on <= day for on in self.interviews)


@dataclass
class Session:
    sits_on: date
    names: tuple[str, ...]
    roles: frozenset[str]
    president: str


@dataclass
class Decision:
    id: str
    candidate: str
    session: str
    on: date
    route: str
    validated: tuple[str, ...]
    blocks: tuple[str, ...]
    title: bool
    derogation: str | None
    judged_at: datetime
    annulled: bool = False


@dataclass
class Certificate:
    number: str
    decision: str
    kind: str
    subject: str
    issued_on: date
    revoked_on: date | None = None
    duplicate_of: str | None = None
    reinstated_on: date | None = None
    """The day its last (mistaken) revocation was cancelled."""


@dataclass
class Model:
    candidates: dict[str, Person] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    registers: dict[int, int] = field(default_factory=dict)
    versions: list[tuple[date, int, int, str]] = field(
        default_factory=lambda: [(FIRST_VERSION[1], 0, FIRST_VERSION[2], FIRST_VERSION[0])]
    )
    """(effective from, command number, years of validity, version) of each version."""
    requests: dict[str, tuple[object, ...]] = field(default_factory=dict)
    """What each idempotency key was first recorded with."""
    log: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def commands(self) -> int:
        """A number that grows with every command recorded (recording order breaks ties)."""
        return len(self.log)

    def validity_on(self, day: date) -> int:
        """The years of validity of the version in force on `day`."""
        return max(v for v in self.versions if v[0] <= day)[2]

    def version_on(self, day: date) -> str:
        return max(v for v in self.versions if v[0] <= day)[3]

    def until(self, decision: Decision) -> date | None:
        """The exclusive end of what a decision awards, under the version in force on its day."""
        if decision.route == "vae":
            return None
        return plus_years(decision.on, self.validity_on(decision.on))

    def counts_on(self, decision: Decision, day: date) -> bool:
        until = self.until(decision)
        return decision.on <= day and (until is None or day < until)

    def backed(self, candidate: str, code: str, day: date, vae: bool) -> bool:
        person = self.candidates[candidate]
        return person.backed(code, day, vae, self.validity_on(day))

    def annulled(self) -> set[str]:
        return {d.id for d in self.decisions.values() if d.annulled}

    def live(self, candidate: str, exclude: str | None = None) -> list[Decision]:
        return [
            d
            for d in self.decisions.values()
            if d.candidate == candidate and not d.annulled and d.id != exclude
        ]

    def counting(self, candidate: str, day: date, exclude: str | None = None) -> set[str]:
        return {
            code
            for d in self.live(candidate, exclude)
            if self.counts_on(d, day)
            for code in d.validated
        }

    def blocks_counting(self, candidate: str, day: date) -> set[str]:
        return {b for d in self.live(candidate) if self.counts_on(d, day) for b in d.blocks}

    def title_revoked_on(self, decision: Decision) -> date | None:
        """When every title certificate of the decision is revoked: the last revocation."""
        issued = [
            c for c in self.certificates.values() if c.decision == decision.id and c.kind == "title"
        ]
        if not issued or any(c.revoked_on is None for c in issued):
            return None
        return max(c.revoked_on for c in issued if c.revoked_on is not None)

    def state_on(self, candidate: str, day: date) -> str:
        live = [d for d in self.live(candidate) if d.on <= day]
        for decision in live:
            if decision.title:
                revoked = self.title_revoked_on(decision)
                return "revoked" if revoked is not None and revoked <= day else "certified"
        if self.candidates[candidate].presence_on(day) == "withdrew":
            return "withdrawn"
        return "in_progress" if any(d.validated for d in live) else "enrolled"

    def certificate_state(self, number: str, day: date) -> str:
        certificate = self.certificates[number]
        if self.decisions[certificate.decision].annulled:
            return "void"
        if certificate.revoked_on is not None and certificate.revoked_on <= day:
            return "revoked"
        return "held"

    def next_number(self, year: int) -> tuple[str, int]:
        """The number the year's register hands out next, skipping numbers given by hand."""
        allocated = self.registers.get(year, 0)
        while True:
            allocated += 1
            number = f"{TITLE_CODE}-{year}-{allocated:05d}"
            if number not in self.certificates:
                return number, allocated

    def backed_codes(self, candidate: str, day: date) -> list[str]:
        """The competencies the evidence backs on `day` (rule 4), under the route of that day:
        none for a VAE candidate whose procedure is not complete."""
        person = self.candidates[candidate]
        vae = person.route_on(day) == "vae"
        if vae and not person.vae_procedure_complete(day):
            return []
        return [c for c in ALL if self.backed(candidate, c, day, vae)]

    @staticmethod
    def eligible(counting: set[str]) -> list[str]:
        """The blocks whose threshold `counting` reaches."""
        return [b for b, (members, need) in BLOCKS.items() if len(counting & set(members)) >= need]

    def proposal(self, candidate: str, day: date) -> tuple[list[str], list[str], bool]:
        """What a jury sitting on `day` could grant: the backed competencies that do not count
        yet, the blocks and whether the title would reach their thresholds with all of them."""
        backed = self.backed_codes(candidate, day)
        before = self.counting(candidate, day)
        after = before | set(backed)
        return (
            [c for c in backed if c not in before],
            self.eligible(after),
            len(after) >= TITLE_REQUIRED,
        )

    # What the rules say of a command: None when it may be recorded, else why not.

    def judgement(
        self,
        candidate: str,
        session: Session,
        route: str,
        validated: tuple[str, ...],
        blocks: tuple[str, ...],
        title: bool,
        derogation: str | None,
        exclude: str | None = None,
    ) -> str | None:
        """Rules 3 to 6 for a decision (or a decision judged again) on the session's day, in
        the order the ledger checks them: a linked member, the president, a missing role
        (waived by a derogation), the VAE procedure (never waived), evidence (waived by a
        derogation on a route other than VAE), thresholds (never waived), registration."""
        person = self.candidates[candidate]
        day = session.sits_on
        vae = route == "vae"
        if person.linked_on(day) & {normalised(n) for n in session.names}:
            return "rule 3: a linked person sits on the jury"
        if normalised(session.president) not in {normalised(n) for n in session.names}:
            return "rule 3: the president is not a member"
        required = (*JURY_ROLES, "technicien") if vae else JURY_ROLES
        missing = [r for r in required if r not in session.roles]
        if missing and derogation is None:
            return f"rule 3: the jury lacks {missing}"
        if vae and validated and not person.vae_procedure_complete(day):
            return "rule 4: the VAE procedure is not complete"
        unbacked = [c for c in validated if not self.backed(candidate, c, day, vae)]
        if unbacked and (derogation is None or vae):
            return "rule 4: an unbacked competency"
        after = self.counting(candidate, day, exclude) | set(validated)
        for block in blocks:
            members, required_count = BLOCKS[block]
            if len(after & set(members)) < required_count:
                return f"rule 5: block {block} below its threshold"
        if title and len(after) < TITLE_REQUIRED:
            return "rule 5: the title below its threshold"
        if (blocks or title) and not REGISTERED[0] <= day <= REGISTERED[1]:
            return "rule 6: outside the registration periods"
        return None

    def decision_refusal(
        self,
        session_id: str,
        candidate: str,
        validated: tuple[str, ...],
        blocks: tuple[str, ...],
        title: bool,
        derogation: str | None,
    ) -> str | None:
        session = self.sessions.get(session_id)
        person = self.candidates.get(candidate)
        if session is None or person is None:
            return "no such session or candidate"
        if f"{candidate}/{session_id}" in self.decisions:
            return "one decision per session"
        if title and any(d.title for d in self.live(candidate)):
            return "the title was awarded already"
        if session.sits_on > TODAY:
            return "rule 8: the session has not sat yet"
        if not person.active_on(session.sits_on):
            return "rule 2: not enrolled on the session's day"
        route = person.route_on(session.sits_on)
        assert route is not None
        return self.judgement(candidate, session, route, validated, blocks, title, derogation)

    def rectification(
        self,
        decision_id: str,
        validated: tuple[str, ...] | None,
        blocks: tuple[str, ...] | None,
        title: bool | None,
        derogation: str | None,
    ) -> tuple[str | None, Decision | None, list[str]]:
        """Why a rectification is refused (or None), the decision it leaves, and the names of
        the fields its patch changes (what it does not mention keeps its value)."""
        decision = self.decisions.get(decision_id)
        if decision is None:
            return "no such decision", None, []
        if decision.annulled:
            return "the decision was annulled", None, []
        new = replace(
            decision,
            validated=decision.validated if validated is None else validated,
            blocks=decision.blocks if blocks is None else blocks,
            title=decision.title if title is None else title,
            derogation=decision.derogation if derogation is None else derogation,
        )
        fields = {
            "validated": "validated",
            "blocks": "blocks_awarded",
            "title": "title_awarded",
            "derogation": "derogation",
        }
        patch = sorted(
            name for f, name in fields.items() if getattr(new, f) != getattr(decision, f)
        )
        if not patch:
            return "the rectification changes nothing", new, patch
        others = self.live(decision.candidate, exclude=decision_id)
        if new.title and not decision.title and any(d.title for d in others):
            return "the title was awarded by another decision", new, patch
        for c in self.certificates.values():
            if c.decision != decision_id or c.revoked_on is not None:
                continue
            kept = (
                (c.kind == "title" and new.title)
                or (c.kind == "block" and c.subject in new.blocks)
                or (c.kind == "competency" and c.subject in new.validated)
            )
            if not kept:
                return f"rule 7: certificate {c.number} still stands for that award", new, patch
        refusal = self.judgement(
            decision.candidate,
            self.sessions[decision.session],
            decision.route,
            new.validated,
            new.blocks,
            new.title,
            new.derogation,
            exclude=decision_id,
        )
        return refusal, new, patch

    def subject_of(self, decision: Decision, kind: str) -> tuple[str, str] | None:
        """The (kind, subject) a certificate of `decision` would certify, if it awarded it."""
        if kind == "title":
            return ("title", TITLE_CODE) if decision.title else None
        what, _, code = kind.partition(":")
        if what == "block":
            return ("block", official(code)) if official(code) in decision.blocks else None
        if code in decision.validated and decision.route in COMPETENCY_CERTIFICATES:
            return "competency", code
        return None

    def issue_refusal(
        self, decision_id: str, kind: str, on: date, number: str | None
    ) -> str | None:
        if on > TODAY:
            return "rule 8: in the future"
        decision = self.decisions.get(decision_id)
        if decision is None:
            return "no such decision"
        subject = self.subject_of(decision, kind)
        if subject is None:
            return "rule 7: the decision did not award it"
        if decision.annulled:
            return "rule 7: the decision was annulled"
        if on < decision.on:
            return "rule 7: before the decision"
        if any(
            (c.decision, c.kind, c.subject) == (decision_id, *subject)
            for c in self.certificates.values()
        ):
            return "rule 7: issued already"
        if number is not None and number in self.certificates:
            return "rule 7: the number is taken"
        return None

    def live_certificate_refusal(self, number: str, on: date) -> str | None:
        """Why a certificate may not be revoked or reissued on `on` (or None)."""
        if on > TODAY:
            return "rule 8: in the future"
        certificate = self.certificates.get(number)
        if certificate is None:
            return "no such certificate"
        if self.decisions[certificate.decision].annulled:
            return "rule 7: the certificate is void"
        if certificate.revoked_on is not None:
            return "rule 7: the certificate was revoked"
        if on < certificate.issued_on:
            return "rule 7: before its issue"
        return None

    def revocation_refusal(self, number: str, on: date) -> str | None:
        """Why a certificate may not be revoked on `on`: as above, and never before the day
        its last revocation was cancelled."""
        refusal = self.live_certificate_refusal(number, on)
        reinstated = self.certificates[number].reinstated_on if refusal is None else None
        if reinstated is not None and on < reinstated:
            return "rule 7: before its reinstatement"
        return refusal

    def reinstatement_refusal(self, number: str, on: date) -> str | None:
        """Why a revocation may not be cancelled on `on` (or None)."""
        if on > TODAY:
            return "rule 8: in the future"
        certificate = self.certificates.get(number)
        if certificate is None:
            return "no such certificate"
        if self.decisions[certificate.decision].annulled:
            return "rule 7: the certificate is void"
        if certificate.revoked_on is None:
            return "rule 7: not revoked"
        if on < certificate.revoked_on:
            return "rule 7: before the revocation"
        return None
