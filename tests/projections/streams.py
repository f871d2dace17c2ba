"""Hand-built candidate streams: the facts a candidate stream would hold, without a store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ledger.facts import Fact
from ledger.publication import Versions, published_version
from ledger.referential import default_referential_text, sha256
from projections.status import (
    BlockStatus,
    CandidateStatus,
    CertificateStatus,
    CompetencyStatus,
    candidate_status,
)

REFERENTIAL_TEXT = default_referential_text()

REFERENTIAL_FACT = Fact(
    type="ReferentialPublished",
    stream="referential",
    version=2,
    effective_on=date(2006, 3, 5),
    recorded_at=datetime(2006, 3, 5, 9, 0, tzinfo=UTC),
    recorded_by="registrar",
    data={"version": "2006.1", "content": REFERENTIAL_TEXT, "sha256": sha256(REFERENTIAL_TEXT)},
)
"""The bundled referential, published as `init` does, long before any candidate."""

VERSIONS = Versions([published_version(REFERENTIAL_FACT)])
REFERENTIAL = VERSIONS.all[0].referential

TITLE = "RNCP13080"
BC01, BC02, BC03, BC04 = (f"RNCP13080BC0{i}" for i in range(1, 5))
BC01_SEVEN = ("C01", "C02", "C03", "C04", "C05", "C06", "C07")
ALL_COMPETENCIES = tuple(f"C{i:02d}" for i in range(1, 43))

IDENTITY: dict[str, Any] = {
    "birth_name": "Durand",
    "usage_name": None,
    "first_names": ["Alice"],
    "birth_date": "1990-01-02",
    "sex": "F",
    "birth_insee": "75112",
    "birth_postcode": None,
    "birth_country": None,
}


def at(day: date, hour: int = 10) -> datetime:
    """An instant on `day` (UTC), to say when the ledger learned something."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class Stream:
    """One candidate's stream, built fact by fact in recording order.

    Each fact is recorded on its effective day (10:00 UTC) unless `at` says otherwise, and never
    before the fact recorded just before it, so that versions and instants agree.
    """

    candidate: str = "V1"
    by: str = "registrar"
    facts: list[Fact] = field(default_factory=list)
    route: str = "formation_continue"

    @property
    def stream(self) -> str:
        return f"candidate/{self.candidate}"

    def record(self, type_: str, on: date, at_: datetime | None = None, **data: Any) -> Fact:
        instant = at_ or at(on)
        if at_ is None and self.facts and instant <= self.facts[-1].recorded_at:
            instant = self.facts[-1].recorded_at + timedelta(minutes=1)
        fact = Fact(
            type=type_,
            stream=self.stream,
            version=len(self.facts) + 1,
            effective_on=on,
            recorded_at=instant,
            recorded_by=self.by,
            data=data,
        )
        self.facts.append(fact)
        return fact

    def enroll(
        self,
        on: date,
        route: str = "formation_continue",
        vae_path: str | None = None,
        linked: tuple[str, ...] = (),
        at_: datetime | None = None,
    ) -> Fact:
        self.route = route
        fact = self.record(
            "CandidateEnrolled",
            on,
            at_,
            candidate_id=self.candidate,
            route=route,
            vae_path=vae_path,
            linked_persons=linked,
        )
        self.record("IdentityRecorded", on, fact.recorded_at, identity=dict(IDENTITY))
        return fact

    def decide(
        self,
        session: str,
        on: date,
        validated: tuple[str, ...] = (),
        blocks: tuple[str, ...] = (),
        title: bool = False,
        route: str | None = None,
        derogation: str | None = None,
        at_: datetime | None = None,
    ) -> str:
        """Record a jury decision; returns its id (`V1/J1`)."""
        decision_id = f"{self.candidate}/{session}"
        self.record(
            "DecisionRecorded",
            on,
            at_,
            decision_id=decision_id,
            session=session,
            candidate=self.candidate,
            validated=tuple(validated),
            blocks_awarded=tuple(blocks),
            title_awarded=title,
            derogation=derogation,
            route=route or self.route,
            referential="2006.1",
        )
        return decision_id

    def rectify(
        self,
        decision: str,
        changes: dict[str, Any],
        on: date,
        at_: datetime | None = None,
        reason: str = "material error in the minutes",
    ) -> Fact:
        return self.record(
            "DecisionRectified", on, at_, decision_id=decision, changes=changes, reason=reason
        )

    def annul(
        self, decision: str, on: date, at_: datetime | None = None, reason: str = "appeal upheld"
    ) -> Fact:
        return self.record("DecisionAnnulled", on, at_, decision_id=decision, reason=reason)

    def issue(
        self,
        number: str,
        decision: str,
        kind: str,
        subject: str,
        on: date,
        at_: datetime | None = None,
    ) -> Fact:
        return self.record(
            "CertificateIssued",
            on,
            at_,
            number=number,
            decision_id=decision,
            kind=kind,
            subject=subject,
        )

    def reissue(
        self, number: str, duplicate_of: str, on: date, at_: datetime | None = None
    ) -> Fact:
        return self.record("CertificateReissued", on, at_, number=number, duplicate_of=duplicate_of)

    def revoke(
        self, number: str, on: date, at_: datetime | None = None, reason: str = "fraud"
    ) -> Fact:
        return self.record("CertificateRevoked", on, at_, number=number, reason=reason)

    def reinstate(
        self, number: str, on: date, at_: datetime | None = None, reason: str = "mistake"
    ) -> Fact:
        return self.record("CertificateReinstated", on, at_, number=number, reason=reason)

    def survey(
        self,
        kind: str,
        on: date,
        outcome: str,
        rome: str | None = None,
        at_: datetime | None = None,
    ) -> Fact:
        return self.record("InsertionSurveyed", on, at_, survey=kind, outcome=outcome, rome=rome)

    def change_route(
        self, route: str, on: date, vae_path: str | None = None, at_: datetime | None = None
    ) -> Fact:
        self.route = route
        return self.record("RouteChanged", on, at_, route=route, vae_path=vae_path)

    def withdraw(self, on: date, at_: datetime | None = None, reason: str = "moved") -> Fact:
        return self.record("CandidateWithdrew", on, at_, reason=reason)

    def reenroll(
        self, route: str, on: date, vae_path: str | None = None, at_: datetime | None = None
    ) -> Fact:
        self.route = route
        return self.record("CandidateReenrolled", on, at_, route=route, vae_path=vae_path)


def status(
    facts: list[Fact] | Stream, as_of: date, known_at: datetime | None = None
) -> CandidateStatus:
    """The candidate's status, which the test expects to exist."""
    found = maybe_status(facts, as_of, known_at)
    assert found is not None, f"no status on {as_of} known at {known_at}"
    return found


def maybe_status(
    facts: list[Fact] | Stream, as_of: date, known_at: datetime | None = None
) -> CandidateStatus | None:
    listed = facts.facts if isinstance(facts, Stream) else facts
    return candidate_status(list(listed), VERSIONS, as_of=as_of, known_at=known_at)


def competency(found: CandidateStatus, code: str) -> CompetencyStatus:
    return next(c for c in found.competencies if c.code == code)


def block(found: CandidateStatus, code: str) -> BlockStatus:
    return next(b for b in found.blocks if b.code == code)


def certificate(found: CandidateStatus, number: str) -> CertificateStatus:
    return next(c for c in found.certificates if c.number == number)


def counting_codes(found: CandidateStatus) -> set[str]:
    return {c.code for c in found.competencies if c.counts}
