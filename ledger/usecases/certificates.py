"""Certificates (rule 7): issue one for what a decision awarded, revoke it, reinstate it after
a mistaken revocation, issue a duplicate.

Numbers come from the certificate register of the certification and year, unless one is
given; a claim per number and per award makes both unique under any concurrency.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from ledger.certificates import check_certifiable, check_certificate_live
from ledger.claims import Register, register_stream
from ledger.dossier import Decision
from ledger.exceptions import InvalidInput, RuleViolation
from ledger.i18n import _
from ledger.ids import check_identifier, claim_stream
from ledger.rules import CodesInForce
from ledger.unit_of_work import Result, Transaction
from ledger.usecases.common import candidate_of, check_not_future

if TYPE_CHECKING:
    from ledger.application import Ledger


def subject_of(tx: Transaction, decision: Decision, kind: str) -> tuple[str, str]:
    """The (kind, subject) a `--kind` names, checked against what the decision awarded."""
    codes = CodesInForce(tx.versions(), decision.on)
    if kind == "title":
        if not decision.title:
            raise RuleViolation(
                7, _("decision {id} did not award the title").format(id=decision.id)
            )
        return "title", codes.ref.code
    what, __, code = kind.partition(":")
    if what == "block" and code:
        block = codes.block(code)
        if block.code not in decision.blocks:
            raise RuleViolation(
                7,
                _("decision {id} did not award block {code}").format(
                    id=decision.id, code=block.code
                ),
            )
        return "block", block.code
    if what == "competency" and code:
        codes.competencies((code,))
        if code not in decision.validated:
            raise RuleViolation(
                7,
                _("decision {id} did not validate competency {code}").format(
                    id=decision.id, code=code
                ),
            )
        route = codes.ref.route(decision.route)
        if route is None or not route.competency_certificates:
            raise RuleViolation(
                7,
                _(
                    "competency certificates are for VAE and FPC routes; decision {id} was taken "
                    "on route {route}"
                ).format(id=decision.id, route=decision.route),
            )
        return "competency", code
    raise InvalidInput(
        _("kind {kind!r} is not title, block:CODE or competency:CODE").format(kind=kind)
    )


def number_for(
    tx: Transaction, given: str | None, on: date, code: str
) -> tuple[str, list[Aggregate]]:
    """The certificate's number: the one given (if free) or the register's next."""
    if given is not None:
        check_identifier(_("certificate number"), given)
        if tx.exists(claim_stream("certificate", given)):
            raise RuleViolation(
                7, _("certificate number {given} is already taken").format(given=given)
            )
        return given, []
    register = tx.find(register_stream(code, on.year), Register) or Register.open(
        code, on.year, on, tx.actor
    )
    number = register.allocate(on, tx.actor)
    while tx.exists(claim_stream("certificate", number)):
        number = register.allocate(on, tx.actor)
    return number, [register]


def issue_certificate(
    ledger: Ledger,
    decision_id: str,
    *,
    kind: str,
    on: date,
    number: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Issue the certificate of the title, a block or a competency a decision awarded."""
    check_not_future(ledger, on, _("the certificate"))
    candidate_id = candidate_of(decision_id)

    def work(tx: Transaction) -> Result:
        candidate = tx.candidate(candidate_id)
        decision = candidate.decision(decision_id)
        what, subject = subject_of(tx, decision, kind)
        check_certifiable(candidate.dossier, decision, what, subject, on)
        code = tx.versions().at(decision.on).referential.code
        allocated, register = number_for(tx, number, on, code)
        candidate.issue_certificate(allocated, decision, what, subject, on, tx.actor)
        tx.record(candidate, *register)
        owner = {
            "candidate": candidate_id,
            "decision": decision_id,
            "kind": what,
            "subject": subject,
        }
        tx.claim("certificate", allocated, owner, on)
        tx.claim("award", f"{decision_id}:{what}:{subject}", {"number": allocated}, on)
        return {
            "id": allocated,
            "number": allocated,
            "kind": what,
            "subject": subject,
            "decision": decision_id,
            "issued_on": on.isoformat(),
        }

    params = {"decision": decision_id, "kind": kind, "on": on, "number": number}
    return ledger.uow.run("certificate issue", params, work, by=by, request_id=request_id)


def revoke_certificate(
    ledger: Ledger, number: str, *, on: date, reason: str, by: str, request_id: str | None = None
) -> Result:
    """Revoke a certificate from a date: held until the day before, revoked from then."""
    check_not_future(ledger, on, _("the revocation"))

    def work(tx: Transaction) -> Result:
        candidate = tx.candidate(ledger.queries.certificate_owner(number))
        candidate.revoke_certificate(number, on, reason, tx.actor)
        tx.record(candidate)
        return {"id": number, "revoked_on": on.isoformat()}

    params = {"number": number, "on": on, "reason": reason}
    return ledger.uow.run("certificate revoke", params, work, by=by, request_id=request_id)


def reinstate_certificate(
    ledger: Ledger, number: str, *, on: date, reason: str, by: str, request_id: str | None = None
) -> Result:
    """Cancel a revocation made by mistake: once known, the certificate counts as never
    revoked (the correction path after a mistaken revocation; docs/rules.md)."""
    check_not_future(ledger, on, _("the reinstatement"))

    def work(tx: Transaction) -> Result:
        candidate = tx.candidate(ledger.queries.certificate_owner(number))
        candidate.reinstate_certificate(number, on, reason, tx.actor)
        tx.record(candidate)
        return {"id": number, "reinstated_on": on.isoformat()}

    params = {"number": number, "on": on, "reason": reason}
    return ledger.uow.run("certificate reinstate", params, work, by=by, request_id=request_id)


def reissue_certificate(
    ledger: Ledger,
    number: str,
    *,
    on: date,
    new_number: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Issue a duplicate of a held certificate, under a number of its own."""
    check_not_future(ledger, on, _("the duplicate"))

    def work(tx: Transaction) -> Result:
        owner = ledger.queries.certificate_owner(number)
        candidate = tx.candidate(owner)
        check_certificate_live(candidate.dossier, number, on, "reissue")
        original = candidate.dossier.certificates[number]
        code = tx.versions().at(candidate.dossier.decisions[original.decision].on).referential.code
        allocated, register = number_for(tx, new_number, on, code)
        candidate.reissue_certificate(allocated, number, on, tx.actor)
        tx.record(candidate, *register)
        tx.claim(
            "certificate",
            allocated,
            {
                "candidate": owner,
                "decision": original.decision,
                "kind": original.kind,
                "subject": original.subject,
                "duplicate_of": number,
            },
            on,
        )
        return {
            "id": allocated,
            "number": allocated,
            "duplicate_of": number,
            "issued_on": on.isoformat(),
        }

    params = {"number": number, "on": on, "new_number": new_number}
    return ledger.uow.run("certificate reissue", params, work, by=by, request_id=request_id)
