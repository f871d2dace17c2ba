"""The candidate stream: enrolment, identity, assessments, VAE steps, decisions and certificates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ledger.certificates import (
    check_certifiable,
    check_certificate_live,
    check_reinstatable,
    check_revocable,
)
from ledger.clock import Actor
from ledger.dossier import Decision, Dossier
from ledger.exceptions import AlreadyExists, InvalidInput, NotFound, RuleViolation
from ledger.facts import fact_of
from ledger.i18n import N_, _, show_date
from ledger.ids import candidate_stream, check_identifier
from ledger.text import clean_name, clean_reason, normalise_name

if TYPE_CHECKING:
    from ledger.identity import Identity

RELATIONS = ("accompanist", "tutor", "employer", "other")
VAE_PATHS = ("VAE_CLASSIQUE", "CONGES_VAE")
_PRESENCES = {
    "enrolled": N_("enrolment"),
    "withdrew": N_("withdrawal"),
    "reenrolled": N_("re-enrolment"),
}
"""The candidate's presences (`Presence.kind`), as a message names them."""
_WHILE_ENROLLED = {
    "RouteChanged": N_("the route change"),
    "AssessmentRecorded": N_("the assessment"),
    "VaeAdmitted": N_("the VAE admission"),
    "VaeInterviewHeld": N_("the VAE interview"),
}
"""The facts that need the candidate enrolled and not withdrawn on their date (rule 2), as
their commands name them: a withdrawal dated before one of them is recorded with a warning
(`Candidate.enrolled_after`)."""


class Candidate(Aggregate):
    """Everything about one person, in one stream (DOMAIN.md §3)."""

    TOPIC = "Candidate"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

        def apply(self, aggregate: Any) -> None:
            aggregate.dossier.apply(fact_of(self, aggregate.stream))

    class Enrolled(Event, Aggregate.Created):
        TOPIC = "CandidateEnrolled"
        candidate_id: str
        route: str
        vae_path: str | None
        linked_persons: tuple[str, ...]

    Created = Enrolled

    class IdentityRecorded(Event):
        TOPIC = "IdentityRecorded"
        identity: dict[str, Any]
        key_commitment: str

    class PersonLinked(Event):
        TOPIC = "PersonLinked"
        name: str
        relation: str

    class RouteChanged(Event):
        TOPIC = "RouteChanged"
        route: str
        vae_path: str | None

    class Withdrew(Event):
        TOPIC = "CandidateWithdrew"
        reason: str

    class Reenrolled(Event):
        TOPIC = "CandidateReenrolled"
        route: str
        vae_path: str | None

    class AssessmentRecorded(Event):
        TOPIC = "AssessmentRecorded"
        candidate: str
        epreuve: str
        passed: tuple[str, ...]
        failed: tuple[str, ...]
        assessor: str | None

    class VaeAdmitted(Event):
        TOPIC = "VaeAdmitted"
        livret1_accepted_on: date

    class VaeInterviewHeld(Event):
        TOPIC = "VaeInterviewHeld"
        candidate: str
        livret2_received_on: date

    class DecisionRecorded(Event):
        TOPIC = "DecisionRecorded"
        decision_id: str
        session: str
        candidate: str
        validated: tuple[str, ...]
        blocks_awarded: tuple[str, ...]
        title_awarded: bool
        derogation: str | None
        route: str
        referential: str

    class DecisionRectified(Event):
        TOPIC = "DecisionRectified"
        decision_id: str
        changes: dict[str, Any]
        reason: str

    class DecisionAnnulled(Event):
        TOPIC = "DecisionAnnulled"
        decision_id: str
        reason: str

    class IdentityRectified(Event):
        TOPIC = "IdentityRectified"
        changes: dict[str, Any]
        reason: str

    class PersonalDataErased(Event):
        TOPIC = "PersonalDataErased"
        reason: str

    class CertificateIssued(Event):
        TOPIC = "CertificateIssued"
        number: str
        decision_id: str
        kind: str
        subject: str

    class CertificateRevoked(Event):
        TOPIC = "CertificateRevoked"
        number: str
        reason: str

    class CertificateReissued(Event):
        TOPIC = "CertificateReissued"
        number: str
        duplicate_of: str

    class CertificateReinstated(Event):
        TOPIC = "CertificateReinstated"
        number: str
        reason: str

    class InsertionSurveyed(Event):
        TOPIC = "InsertionSurveyed"
        survey: str
        outcome: str
        rome: str | None

    def __init__(self, candidate_id: str) -> None:
        self.candidate_id = candidate_id
        self.dossier = Dossier()

    @property
    def stream(self) -> str:
        return f"candidate/{self.candidate_id}"

    # Commands. Each checks what concerns this candidate alone, then records.

    @classmethod
    def enroll(
        cls,
        candidate_id: str,
        route: str,
        vae_path: str | None,
        on: date,
        identity: Identity,
        linked_persons: tuple[str, ...],
        key_commitment: str,
        by: Actor,
    ) -> Candidate:
        check_identifier("candidate", candidate_id)
        now = by.now()
        candidate = cls._create(
            cls.Enrolled,
            id=candidate_stream(candidate_id),
            candidate_id=candidate_id,
            route=route,
            vae_path=vae_path,
            linked_persons=linked_persons,
            effective_on=on,
            recorded_by=by.name,
            timestamp=now,
        )
        candidate._record(
            cls.IdentityRecorded,
            on,
            by,
            identity=identity.model_dump(mode="json"),
            key_commitment=key_commitment,
        )
        return candidate

    def _record(
        self, event_class: type[Candidate.Event], on: date, by: Actor, **fields: Any
    ) -> None:
        # A stream's stamps never go backwards, even if this writer's clock is behind.
        stamp = max(by.now(), self.modified_on + timedelta(microseconds=1))
        self.trigger_event(
            event_class, effective_on=on, recorded_by=by.name, timestamp=stamp, **fields
        )

    def check_on_or_after_enrolment(self, on: date, what: str) -> None:
        enrolled = self.dossier.enrolled_on()
        if on < enrolled:
            raise RuleViolation(
                2,
                _(
                    "{what} dated {on} is before candidate {candidate_id}'s enrolment on {enrolled}"
                ).format(
                    what=what,
                    on=show_date(on),
                    candidate_id=self.candidate_id,
                    enrolled=show_date(enrolled),
                ),
            )

    def check_active(self, on: date, what: str) -> None:
        """Rule 2's first half, for every fact about the candidate: enrolled, not withdrawn."""
        self.check_on_or_after_enrolment(on, what)
        if not self.dossier.active_on(on):
            presence = self.dossier.presence_on(on)
            assert presence is not None
            raise RuleViolation(
                2,
                _(
                    "candidate {candidate_id} withdrew on {on} and is not enrolled on {on2} "
                    "({what})"
                ).format(
                    candidate_id=self.candidate_id,
                    on=show_date(presence.on),
                    on2=show_date(on),
                    what=what,
                ),
            )

    def link_person(self, name: str, relation: str, on: date, by: Actor) -> None:
        name = clean_name(_("the linked person's name"), name)
        if not name:
            raise InvalidInput(_("the linked person's name is empty"))
        if relation not in RELATIONS:
            raise InvalidInput(
                _("relation {relation!r} is not one of {RELATIONS}").format(
                    relation=relation, RELATIONS=", ".join(RELATIONS)
                )
            )
        self.check_on_or_after_enrolment(on, _("the link"))
        for person in self.dossier.linked_on(date.max):
            if normalise_name(person.name) == normalise_name(name):
                raise AlreadyExists(
                    _(
                        "{name} is already linked to candidate {candidate_id} ({relation}, since "
                        "{on})"
                    ).format(
                        name=person.name,
                        candidate_id=self.candidate_id,
                        relation=person.relation,
                        on=show_date(person.on),
                    )
                )
        self._record(self.PersonLinked, on, by, name=name, relation=relation)

    def _check_after_last_presence(self, on: date, what: str) -> None:
        last = max(self.dossier.presences, key=lambda p: (p.on, p.fact.version))
        if on < last.on:
            raise RuleViolation(
                10,
                _("{what} dated {on} precedes candidate {candidate_id}'s {kind} of {on2}").format(
                    what=what,
                    on=show_date(on),
                    candidate_id=self.candidate_id,
                    kind=_(_PRESENCES[last.kind]),
                    on2=show_date(last.on),
                ),
            )

    def enrolled_after(self, on: date) -> list[str]:
        """What a withdrawal on `on` leaves dated after it while the candidate would stand
        withdrawn (rule 2): the route changes, assessments and VAE steps dated after it, as a
        registrar reads them. A re-enrolment recorded later, dated before them, makes them
        whole again: a late recording of the withdrawal is not refused for them."""
        return [
            _("{what} of {on}").format(
                what=_(_WHILE_ENROLLED[f.type]), on=show_date(f.effective_on)
            )
            for f in self.dossier.facts
            if f.type in _WHILE_ENROLLED and f.effective_on > on
        ]

    def withdraw(self, on: date, reason: str, by: Actor) -> None:
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("a withdrawal needs a reason"))
        self.check_active(on, _("the withdrawal"))
        self._check_after_last_presence(on, _("a withdrawal"))
        later = [d for d in self.dossier.live_decisions() if d.on > on]
        if later:
            raise RuleViolation(
                10,
                _(
                    "candidate {candidate_id} cannot withdraw on {on}: decision {id} of {on2} is "
                    "dated after it"
                ).format(
                    candidate_id=self.candidate_id,
                    on=show_date(on),
                    id=later[0].id,
                    on2=show_date(later[0].on),
                ),
            )
        self._record(self.Withdrew, on, by, reason=reason.strip())

    def reenroll(self, route: str, vae_path: str | None, on: date, by: Actor) -> None:
        presence = self.dossier.presence_on(on)
        if presence is None or presence.kind != "withdrew":
            raise RuleViolation(
                10,
                _(
                    "candidate {candidate_id} is not withdrawn on {on}: only a withdrawn "
                    "candidate re-enrols"
                ).format(candidate_id=self.candidate_id, on=show_date(on)),
            )
        self._check_after_last_presence(on, _("a re-enrolment"))
        self._record(self.Reenrolled, on, by, route=route, vae_path=vae_path)

    def change_route(self, route: str, vae_path: str | None, on: date, by: Actor) -> None:
        self.check_active(on, _("the route change"))
        placement = self.dossier.placement_on(on)
        assert placement is not None
        if placement.route == route and placement.vae_path == vae_path:
            raise AlreadyExists(
                _("candidate {candidate_id} is already on route {route} on {on}").format(
                    candidate_id=self.candidate_id, route=route, on=show_date(on)
                )
            )
        later = [d for d in self.dossier.live_decisions() if d.on >= on]
        if later:
            raise RuleViolation(
                2,
                _(
                    "a route change dated {on} cannot precede decision {id} of {on2}, taken "
                    "under route {route}"
                ).format(
                    on=show_date(on),
                    id=later[0].id,
                    on2=show_date(later[0].on),
                    route=later[0].route,
                ),
            )
        self._record(self.RouteChanged, on, by, route=route, vae_path=vae_path)

    def record_assessment(
        self,
        epreuve: str,
        passed: tuple[str, ...],
        failed: tuple[str, ...],
        assessor: str | None,
        on: date,
        by: Actor,
    ) -> None:
        self.check_active(on, _("the assessment"))
        both = sorted(set(passed) & set(failed))
        if both:
            raise InvalidInput(
                _("competencies both passed and failed: {both}").format(both=", ".join(both))
            )
        if not passed and not failed:
            raise InvalidInput(_("an assessment needs at least one passed or failed competency"))
        self._record(
            self.AssessmentRecorded,
            on,
            by,
            candidate=self.candidate_id,
            epreuve=epreuve,
            passed=passed,
            failed=failed,
            assessor=assessor,
        )

    def admit_vae(self, on: date, by: Actor) -> None:
        self.check_active(on, _("the VAE admission"))
        for step in self.dossier.vae_steps:
            if step.kind == "admitted":
                raise AlreadyExists(
                    _("candidate {candidate_id} was already admitted to VAE on {on}").format(
                        candidate_id=self.candidate_id, on=show_date(step.on)
                    )
                )
        self._record(self.VaeAdmitted, on, by, livret1_accepted_on=on)

    def hold_vae_interview(self, on: date, livret2_received_on: date, by: Actor) -> None:
        self.check_active(on, _("the VAE interview"))
        admissions = [s for s in self.dossier.vae_steps if s.kind == "admitted"]
        if not admissions:
            raise RuleViolation(
                4,
                _("candidate {candidate_id} has not been admitted to VAE (livret 1)").format(
                    candidate_id=self.candidate_id
                ),
            )
        admitted = admissions[0].on
        if not admitted <= livret2_received_on <= on:
            raise RuleViolation(
                4,
                _(
                    "VAE steps out of order: admitted {admitted} <= livret 2 received "
                    "{livret2_received_on} <= interview {on} does not hold"
                ).format(
                    admitted=show_date(admitted),
                    livret2_received_on=show_date(livret2_received_on),
                    on=show_date(on),
                ),
            )
        self._record(
            self.VaeInterviewHeld,
            on,
            by,
            candidate=self.candidate_id,
            livret2_received_on=livret2_received_on,
        )

    def decision_id(self, session: str) -> str:
        return f"{self.candidate_id}/{session}"

    def check_decidable(self, session: str, title: bool, rectifying: str | None = None) -> None:
        decision_id = self.decision_id(session)
        if rectifying is None and decision_id in self.dossier.decisions:
            raise AlreadyExists(
                _(
                    "decision {decision_id} exists already: candidate {candidate_id} has one "
                    "decision per jury session (correct it with `decision rectify`)"
                ).format(decision_id=decision_id, candidate_id=self.candidate_id)
            )
        if title:
            for decision in self.dossier.live_decisions():
                if decision.title and decision.id != rectifying:
                    raise AlreadyExists(
                        _(
                            "candidate {candidate_id} was awarded the title by decision "
                            "{id} on {on}"
                        ).format(
                            candidate_id=self.candidate_id,
                            id=decision.id,
                            on=show_date(decision.on),
                        )
                    )

    def record_decision(
        self,
        session: str,
        on: date,
        validated: tuple[str, ...],
        blocks: tuple[str, ...],
        title: bool,
        derogation: str | None,
        route: str,
        referential: str,
        by: Actor,
    ) -> str:
        self.check_decidable(session, title)
        decision_id = self.decision_id(session)
        self._record(
            self.DecisionRecorded,
            on,
            by,
            decision_id=decision_id,
            session=session,
            candidate=self.candidate_id,
            validated=validated,
            blocks_awarded=blocks,
            title_awarded=title,
            derogation=derogation,
            route=route,
            referential=referential,
        )
        return decision_id

    def live_decision(self, decision_id: str) -> Decision:
        decision = self.decision(decision_id)
        if decision.annulled:
            assert decision.annulment is not None
            raise AlreadyExists(
                _("decision {decision_id} was annulled on {effective_on}").format(
                    decision_id=decision_id, effective_on=show_date(decision.annulment.effective_on)
                )
            )
        return decision

    def rectify_decision(
        self, decision_id: str, changes: dict[str, Any], reason: str, on: date, by: Actor
    ) -> None:
        """Correct a material error in a decision's record; certified awards must stay."""
        patch = self.check_rectifiable(decision_id, changes, reason)
        self._record(
            self.DecisionRectified,
            on,
            by,
            decision_id=decision_id,
            changes=patch,
            reason=reason.strip(),
        )

    def check_rectifiable(
        self, decision_id: str, changes: dict[str, Any], reason: str
    ) -> dict[str, Any]:
        """What a rectification would change (its patch), if this candidate's record allows it:
        a reason, a live decision, a real change, one title, no certificate left standing for
        an award taken away (rule 7)."""
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("a rectification needs a reason"))
        decision = self.live_decision(decision_id)
        current = {
            "validated": decision.validated,
            "blocks_awarded": decision.blocks,
            "title_awarded": decision.title,
            "derogation": decision.derogation,
        }
        patch = {k: v for k, v in changes.items() if current[k] != v}
        if not patch:
            raise InvalidInput(
                _("the rectification changes nothing in decision {decision_id}").format(
                    decision_id=decision_id
                )
            )
        if patch.get("title_awarded"):
            self.check_decidable(decision.session, title=True, rectifying=decision_id)
        for certificate in self.dossier.certificates.values():
            if certificate.decision != decision_id or certificate.revocation is not None:
                continue
            still = (
                (certificate.kind == "title" and patch.get("title_awarded", decision.title))
                or (
                    certificate.kind == "block"
                    and certificate.subject in patch.get("blocks_awarded", decision.blocks)
                )
                or (
                    certificate.kind == "competency"
                    and certificate.subject in patch.get("validated", decision.validated)
                )
            )
            if not still:
                raise RuleViolation(
                    7,
                    _(
                        "certificate {number} was issued for the {kind} {subject} of decision "
                        "{decision_id}: revoke it before rectifying that award away"
                    ).format(
                        number=certificate.number,
                        kind=certificate.kind,
                        subject=certificate.subject,
                        decision_id=decision_id,
                    ),
                )
        return patch

    def annul_decision(self, decision_id: str, on: date, reason: str, by: Actor) -> None:
        """Void a decision from the start (e.g. after an appeal); its certificates go void."""
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("an annulment needs a reason"))
        decision = self.live_decision(decision_id)
        if on < decision.on:
            raise RuleViolation(
                8,
                _("an annulment dated {on} would precede decision {decision_id} of {on2}").format(
                    on=show_date(on), decision_id=decision_id, on2=show_date(decision.on)
                ),
            )
        self._record(self.DecisionAnnulled, on, by, decision_id=decision_id, reason=reason.strip())

    @property
    def erased(self) -> bool:
        return any(f.type == "PersonalDataErased" for f in self.dossier.facts)

    def erase_personal_data(self, reason: str, on: date, by: Actor) -> None:
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("an erasure needs a reason"))
        if self.erased:
            raise AlreadyExists(
                _("candidate {candidate_id}'s personal data is already erased").format(
                    candidate_id=self.candidate_id
                )
            )
        self._record(self.PersonalDataErased, on, by, reason=reason.strip())

    def rectify_identity(
        self,
        changes: dict[str, Any],
        reason: str,
        on: date,
        by: Actor,
        minimum_age: tuple[int, str],
    ) -> None:
        """Correct the identity; `minimum_age` (years, and the referential version that sets
        them) is checked again against the enrolment date."""
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("an identity rectification needs a reason"))
        if self.erased:
            raise RuleViolation(
                11,
                _("candidate {candidate_id}'s personal data was erased: nothing to rectify").format(
                    candidate_id=self.candidate_id
                ),
            )
        from ledger.identity import Identity  # pydantic: only where an identity changes

        current = Identity.of(**self.dossier.identity)
        merged = Identity.of(**{**current.model_dump(), **changes})
        merged.check_age(self.dossier.enrolled_on(), *minimum_age)
        patch = {
            k: v
            for k, v in merged.model_dump(mode="json").items()
            if current.model_dump(mode="json")[k] != v
        }
        if not patch:
            raise InvalidInput(
                _(
                    "the rectification changes nothing in candidate {candidate_id}'s identity"
                ).format(candidate_id=self.candidate_id)
            )
        self._record(self.IdentityRectified, on, by, changes=patch, reason=reason.strip())

    def decision(self, decision_id: str) -> Decision:
        try:
            return self.dossier.decisions[decision_id]
        except KeyError:
            raise NotFound(
                _("decision {decision_id} not found").format(decision_id=decision_id)
            ) from None

    def issue_certificate(
        self, number: str, decision: Decision, kind: str, subject: str, on: date, by: Actor
    ) -> None:
        check_certifiable(self.dossier, decision, kind, subject, on)
        self._record(
            self.CertificateIssued,
            on,
            by,
            number=number,
            decision_id=decision.id,
            kind=kind,
            subject=subject,
        )

    def revoke_certificate(self, number: str, on: date, reason: str, by: Actor) -> None:
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("a revocation needs a reason"))
        check_revocable(self.dossier, number, on)
        self._record(self.CertificateRevoked, on, by, number=number, reason=reason.strip())

    def reinstate_certificate(self, number: str, on: date, reason: str, by: Actor) -> None:
        """Cancel a mistaken revocation: once known, it never had effect (like an annulment)."""
        if not clean_reason(_("the reason"), reason):
            raise InvalidInput(_("a reinstatement needs a reason"))
        check_reinstatable(self.dossier, number, on)
        self._record(self.CertificateReinstated, on, by, number=number, reason=reason.strip())

    def reissue_certificate(self, number: str, original: str, on: date, by: Actor) -> None:
        check_certificate_live(self.dossier, original, on, "reissue")
        self._record(self.CertificateReissued, on, by, number=number, duplicate_of=original)

    def record_survey(
        self, survey: str, outcome: str, rome: str | None, on: date, by: Actor
    ) -> None:
        """An insertion survey of a holder of the title (dated on or after the award)."""
        titles = [d for d in self.dossier.live_decisions() if d.title]
        if not titles:
            raise InvalidInput(
                _(
                    "candidate {candidate_id} holds no title: insertion surveys are of holders"
                ).format(candidate_id=self.candidate_id)
            )
        if on < titles[0].on:
            raise InvalidInput(
                _(
                    "an insertion survey dated {on} would precede candidate {candidate_id}'s "
                    "title, awarded on {on2}"
                ).format(
                    on=show_date(on), candidate_id=self.candidate_id, on2=show_date(titles[0].on)
                )
            )
        self._record(self.InsertionSurveyed, on, by, survey=survey, outcome=outcome, rome=rome)
