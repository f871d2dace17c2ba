"""A candidate's dossier: the facts of one candidate stream, folded into dated records.

Every record keeps its own date, so the rules and projections ask "on day D" questions
of one dossier (`route_on`, `enrolled_on_day`, ...), whatever order the facts were folded in.
The write side folds the stream as known now; projections fold the facts known at an instant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any, NamedTuple

from ledger.exceptions import FACT_ERRORS, MalformedEvent
from ledger.facts import Fact, from_fields


class Placement(NamedTuple):
    """The route a candidate is on from `on` (enrolment, route change or re-enrolment)."""

    on: date
    route: str
    vae_path: str | None
    fact: Fact


class Presence(NamedTuple):
    """An enrolment, a withdrawal or a re-enrolment."""

    on: date
    kind: str  # "enrolled" | "withdrew" | "reenrolled"
    fact: Fact


class LinkedPerson(NamedTuple):
    on: date
    name: str
    relation: str
    fact: Fact


class Assessment(NamedTuple):
    on: date
    epreuve: str
    passed: tuple[str, ...]
    failed: tuple[str, ...]
    assessor: str | None
    fact: Fact


class VaeStep(NamedTuple):
    """A VAE admission (livret 1 accepted) or interview (after livret 2 was received)."""

    on: date
    kind: str  # "admitted" | "interview"
    livret2_received_on: date | None
    fact: Fact


class Decision(NamedTuple):
    """A jury decision with its current content (rectifications applied, annulment noted)."""

    id: str
    session: str
    on: date
    validated: tuple[str, ...]
    blocks: tuple[str, ...]
    title: bool
    derogation: str | None
    route: str
    referential: str
    fact: Fact
    rectifications: tuple[Fact, ...] = ()
    annulment: Fact | None = None

    @property
    def annulled(self) -> bool:
        return self.annulment is not None

    @property
    def title_removed_on(self) -> date | None:
        """The day the last rectification that took the title away was recorded as
        effective (None when none did)."""
        removed = [
            r.effective_on
            for r in self.rectifications
            if r.data["changes"].get("title_awarded") is False
        ]
        return removed[-1] if removed else None


class Certificate(NamedTuple):
    number: str
    decision: str
    kind: str  # "title" | "block" | "competency"
    subject: str
    issued_on: date
    fact: Fact
    duplicate_of: str | None = None
    revocation: Fact | None = None
    cancelled: tuple[tuple[Fact, Fact], ...] = ()
    """Revocations cancelled as mistaken: (the revocation, its reinstatement)."""

    @property
    def revoked_on(self) -> date | None:
        return self.revocation.effective_on if self.revocation else None


class Survey(NamedTuple):
    """An insertion survey of a holder: 6 or 24 months after, what they were doing."""

    on: date
    survey: str  # "6m" | "24m"
    outcome: str  # target_job | other_job | seeking | study | no_answer
    rome: str | None
    fact: Fact


@dataclass
class Dossier:
    """Everything about one candidate, as dated records (see the module docstring)."""

    candidate: str = ""
    identity: dict[str, Any] = field(default_factory=dict)
    placements: list[Placement] = field(default_factory=list)
    presences: list[Presence] = field(default_factory=list)
    linked: list[LinkedPerson] = field(default_factory=list)
    vae_steps: list[VaeStep] = field(default_factory=list)
    decisions: dict[str, Decision] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    surveys: list[Survey] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    _assessments: list[Assessment] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def fold(cls, facts: Iterable[Fact]) -> Dossier:
        dossier = cls()
        dossier.facts.extend(facts)
        for fact in dossier.facts:
            try:
                fold = _FOLD[fact.type]
                if fold is not None:
                    fold(dossier, fact)
            except FACT_ERRORS:
                raise malformed(fact) from None
        return dossier

    @classmethod
    def known(
        cls, facts: Iterable[Fact], known_at: datetime | None, position: int | None = None
    ) -> Dossier | None:
        """The dossier of the facts known at `known_at` (and log position), in effective order.

        The known facts are the stream's prefix up to the first fact recorded after
        `known_at`, so that a fact is never known without the facts recorded before it in
        its stream (even were two writers' clocks to disagree). Facts recorded late are
        applied in `effective_on` order; recording order breaks ties (the sort is stable).
        """
        known = sorted(facts, key=_VERSION)
        if position is not None:
            for i, fact in enumerate(known):
                if not fact.known_at(known_at, position):
                    del known[i:]
                    break
        elif known_at is not None:  # the common case, `Fact.known_at` inlined (every fact)
            for i, fact in enumerate(known):
                if fact.recorded_at > known_at:
                    del known[i:]
                    break
        if not known or known[0].type != "CandidateEnrolled":
            return None
        known.sort(key=_EFFECTIVE_ON)
        return cls.fold(known)

    def apply(self, fact: Fact) -> None:
        self.facts.append(fact)
        try:
            fold = _FOLD[fact.type]
            if fold is not None:
                fold(self, fact)
            else:
                self._assessments = None  # read again from the facts when next asked
        except FACT_ERRORS:
            raise malformed(fact) from None

    @property
    def assessments(self) -> list[Assessment]:
        """The assessments, in the order folded: read from the facts when first asked (the
        rules ask when a decision is recorded; a replay never does, and most facts are
        these)."""
        if self._assessments is None:
            found = []
            for fact in self.facts:
                if fact.type in _ASSESSMENT:
                    try:
                        found.append(_assessment(fact))
                    except FACT_ERRORS:
                        raise malformed(fact) from None
            self._assessments = found
        return self._assessments

    # The folding of each event type. Only assignments here: the rules read these records.

    def _on_CandidateEnrolled(self, fact: Fact) -> None:
        data = fact.data
        self.candidate = data["candidate_id"]
        self.placements.append(Placement(fact.effective_on, data["route"], data["vae_path"], fact))
        self.presences.append(Presence(fact.effective_on, "enrolled", fact))
        names = data["linked_persons"]
        # Sealed or erased, the list reads as one marker that stands for all its names.
        for name in names if isinstance(names, list | tuple) else (names,):
            self.linked.append(LinkedPerson(fact.effective_on, name, "other", fact))

    def _on_IdentityRecorded(self, fact: Fact) -> None:
        self.identity = dict(fact.data["identity"])

    def _on_IdentityRectified(self, fact: Fact) -> None:
        self.identity = {**self.identity, **fact.data["changes"]}

    def _on_PersonalDataErased(self, fact: Fact) -> None:
        self.identity = {"erased": True}

    def _on_PersonLinked(self, fact: Fact) -> None:
        self.linked.append(
            LinkedPerson(fact.effective_on, fact.data["name"], fact.data["relation"], fact)
        )

    def _on_RouteChanged(self, fact: Fact) -> None:
        data = fact.data
        self.placements.append(Placement(fact.effective_on, data["route"], data["vae_path"], fact))

    def _on_CandidateWithdrew(self, fact: Fact) -> None:
        self.presences.append(Presence(fact.effective_on, "withdrew", fact))

    def _on_CandidateReenrolled(self, fact: Fact) -> None:
        data = fact.data
        self.presences.append(Presence(fact.effective_on, "reenrolled", fact))
        self.placements.append(Placement(fact.effective_on, data["route"], data["vae_path"], fact))

    def _on_VaeAdmitted(self, fact: Fact) -> None:
        self.vae_steps.append(VaeStep(fact.effective_on, "admitted", None, fact))

    def _on_VaeInterviewHeld(self, fact: Fact) -> None:
        self.vae_steps.append(
            VaeStep(fact.effective_on, "interview", fact.data["livret2_received_on"], fact)
        )

    def _on_DecisionRecorded(self, fact: Fact) -> None:
        data = fact.data
        self.decisions[data["decision_id"]] = Decision(
            id=data["decision_id"],
            session=data["session"],
            on=fact.effective_on,
            validated=tuple(data["validated"]),
            blocks=tuple(data["blocks_awarded"]),
            title=data["title_awarded"],
            derogation=data["derogation"],
            route=data["route"],
            referential=data["referential"],
            fact=fact,
        )

    def _on_DecisionRectified(self, fact: Fact) -> None:
        decision = self.decisions[fact.data["decision_id"]]
        changes = fact.data["changes"]
        self.decisions[decision.id] = decision._replace(
            validated=tuple(changes.get("validated", decision.validated)),
            blocks=tuple(changes.get("blocks_awarded", decision.blocks)),
            title=changes.get("title_awarded", decision.title),
            derogation=changes.get("derogation", decision.derogation),
            rectifications=(*decision.rectifications, fact),
        )

    def _on_DecisionAnnulled(self, fact: Fact) -> None:
        decision = self.decisions[fact.data["decision_id"]]
        self.decisions[decision.id] = decision._replace(annulment=fact)

    def _on_CertificateIssued(self, fact: Fact) -> None:
        data = fact.data
        number = data["number"]
        self.certificates[number] = from_fields(
            Certificate,
            (
                number,
                data["decision_id"],
                data["kind"],
                data["subject"],
                fact.effective_on,
                fact,
                *_NOT_REISSUED,
            ),
        )

    def _on_CertificateReissued(self, fact: Fact) -> None:
        original = self.certificates[fact.data["duplicate_of"]]
        self.certificates[fact.data["number"]] = original._replace(
            number=fact.data["number"],
            issued_on=fact.effective_on,
            fact=fact,
            duplicate_of=original.number,
            revocation=None,
            cancelled=(),
        )

    def _on_CertificateRevoked(self, fact: Fact) -> None:
        certificate = self.certificates[fact.data["number"]]
        self.certificates[certificate.number] = certificate._replace(revocation=fact)

    def _on_CertificateReinstated(self, fact: Fact) -> None:
        certificate = self.certificates[fact.data["number"]]
        assert certificate.revocation is not None
        self.certificates[certificate.number] = certificate._replace(
            revocation=None, cancelled=(*certificate.cancelled, (certificate.revocation, fact))
        )

    def _on_InsertionSurveyed(self, fact: Fact) -> None:
        data = fact.data
        self.surveys.append(
            Survey(fact.effective_on, data["survey"], data["outcome"], data["rome"], fact)
        )

    # Questions about one day.

    def enrolled_on(self) -> date:
        return self.presences[0].on

    def placement_on(self, day: date) -> Placement | None:
        """The route in force on `day`: the latest placement dated on or before it."""
        best: Placement | None = None
        for placement in self.placements:
            if placement.on <= day and (best is None or _later(placement.fact, best.fact)):
                best = placement
        return best

    def presence_on(self, day: date) -> Presence | None:
        best: Presence | None = None
        for presence in self.presences:
            if presence.on <= day and (best is None or _later(presence.fact, best.fact)):
                best = presence
        return best

    def active_on(self, day: date) -> bool:
        """Enrolled on `day` and not withdrawn (or re-enrolled since)."""
        presence = self.presence_on(day)
        return presence is not None and presence.kind != "withdrew"

    def linked_on(self, day: date) -> list[LinkedPerson]:
        """The persons linked to the candidate on `day` whose names can be read (sealed
        names, or names erased with the rest of the candidate's personal data, cannot)."""
        return [p for p in self.linked if p.on <= day and isinstance(p.name, str)]

    def unread_linked_on(self, day: date) -> list[str]:
        """Why the names of the persons linked on `day` that cannot be read cannot be:
        "sealed" (no key here to open them) or "erased" (with the rest of the candidate's
        personal data), one per person."""
        return [
            next(iter(p.name), "sealed") if isinstance(p.name, dict) else "sealed"
            for p in self.linked
            if p.on <= day and not isinstance(p.name, str)
        ]

    def survey(self, kind: str) -> Survey | None:
        """The holder's survey of this kind: the last one recorded (a later one corrects it)."""
        found = [s for s in self.surveys if s.survey == kind]
        return max(found, key=lambda s: s.fact.version) if found else None

    def live_decisions(self) -> list[Decision]:
        """Decisions not annulled, in deliberation order."""
        return sorted(
            [d for d in self.decisions.values() if d.annulment is None], key=_DELIBERATION
        )


_NOT_REISSUED = (None, None, ())
"""A new certificate's last fields: no duplicate of, no revocation, none cancelled."""

_VERSION = attrgetter("version")
_EFFECTIVE_ON = attrgetter("effective_on")
"""Sort keys of facts (a replay sorts every candidate's facts twice)."""

_DELIBERATION = attrgetter("on", "fact.version")
"""Sort key of decisions: deliberation day, then recording order."""


def malformed(fact: Fact) -> MalformedEvent:
    """The error a fact the fold cannot read stands for (a stored event edited in the
    database into another shape)."""
    from ledger.store.mapper import stored_event_name

    return MalformedEvent(stored_event_name(fact.stream, fact.version, fact.position))


def _assessment(fact: Fact) -> Assessment:
    data = fact.data
    return Assessment(
        fact.effective_on,
        data["epreuve"],
        tuple(data["passed"]),
        tuple(data["failed"]),
        data["assessor"],
        fact,
    )


_ASSESSMENT = ("AssessmentRecorded",)

_FOLD: dict[str, Callable[[Dossier, Fact], None] | None] = {
    **{
        name.removeprefix("_on_"): method
        for name, method in vars(Dossier).items()
        if name.startswith("_on_")
    },
    **dict.fromkeys(_ASSESSMENT),
}
"""How each event type folds into a dossier (looked up once, not per fact); None for the
facts read when asked (`Dossier.assessments`)."""


def _later(a: Fact, b: Fact) -> bool:
    """Whether fact `a` supersedes `b`: later effective date, recording order breaking ties."""
    return (a.effective_on, a.version) >= (b.effective_on, b.version)
