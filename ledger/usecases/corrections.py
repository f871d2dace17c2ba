"""Corrections: rectify a decision's record, annul a decision, rectify a candidate's identity.

Nothing is changed in place: each correction is a new event that says what it corrects, and
a rectified decision is judged again by the rules on its original deliberation date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.candidate import Candidate
from ledger.clock import Actor
from ledger.exceptions import InvalidInput
from ledger.i18n import _
from ledger.ids import candidate_stream
from ledger.rules import CodesInForce, check_decision, check_later_awards, review_decision
from ledger.text import clean_reason
from ledger.unit_of_work import Personal, Result, Transaction
from ledger.usecases.common import (
    candidate_of,
    check_not_future,
    erased_title_warning,
    on_candidate,
    unchecked_linked_warning,
    with_warnings,
)

if TYPE_CHECKING:
    from ledger.application import Ledger


def rectify_decision(
    ledger: Ledger,
    decision_id: str,
    *,
    validated: Sequence[str] | None = None,
    blocks: Sequence[str] | None = None,
    title: bool | None = None,
    derogation: str | None = None,
    reason: str,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Correct a decision's record: a patch, judged again by rules 1 and 3-6 on the date
    of the original deliberation; the new content counts retroactively once known."""
    candidate_id = candidate_of(decision_id)
    today = ledger.clock.today()
    warnings: list[str] = []

    def work(tx: Transaction) -> Result:
        candidate = tx.candidate(candidate_id)
        decision = candidate.live_decision(decision_id)
        session = tx.session(decision.session)
        codes = CodesInForce(tx.versions(), decision.on)
        changes: dict[str, Any] = {}
        if validated is not None:
            changes["validated"] = tuple(dict.fromkeys(validated))
        if blocks is not None:
            changes["blocks_awarded"] = codes.blocks(blocks)
        if title is not None:
            changes["title_awarded"] = title
        if derogation is not None and clean_reason(_("the derogation"), derogation):
            changes["derogation"] = derogation.strip()
        new_validated = codes.competencies(changes.get("validated", decision.validated))
        candidate.check_rectifiable(decision_id, changes, reason)
        review = review_decision(
            candidate.dossier,
            tx.versions(),
            decision.session,
            session.members,
            session.president,
            decision.on,
            decision.route,
            new_validated,
            exclude=decision_id,
        )
        check_decision(
            review,
            changes.get("blocks_awarded", decision.blocks),
            changes.get("title_awarded", decision.title),
            changes.get("derogation", decision.derogation),
        )
        check_later_awards(
            candidate.dossier,
            tx.versions(),
            decision_id,
            decision._replace(
                validated=new_validated,
                blocks=changes.get("blocks_awarded", decision.blocks),
                title=changes.get("title_awarded", decision.title),
            ),
        )
        candidate.rectify_decision(decision_id, changes, reason, today, tx.actor)
        tx.record(candidate)
        warnings[:] = [
            *erased_title_warning(
                candidate, changes.get("title_awarded", False) and not decision.title
            ),
            *unchecked_linked_warning(review),
        ]
        patch = candidate.dossier.facts[-1].data["changes"]
        return {"id": decision_id, "changes": sorted(patch)}

    params = {
        "decision": decision_id,
        "validated": validated,
        "blocks": blocks,
        "title": title,
        "derogation": derogation,
        "reason": reason,
    }
    result = ledger.uow.run("decision rectify", params, work, by=by, request_id=request_id)
    return with_warnings(result, warnings)


def annul_decision(
    ledger: Ledger,
    decision_id: str,
    *,
    on: date,
    reason: str,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Annul a decision (e.g. after an appeal): void from the start once known."""
    check_not_future(ledger, on, _("the annulment"))
    candidate_id = candidate_of(decision_id)

    def act(candidate: Candidate, actor: Actor) -> Result:
        check_later_awards(candidate.dossier, ledger.uow.versions(), decision_id, None)
        candidate.annul_decision(decision_id, on, reason, actor)
        return {"id": decision_id, "annulled_on": on.isoformat()}

    params = {"decision": decision_id, "on": on, "reason": reason}
    return on_candidate(
        ledger, "decision annul", candidate_id, params, act, by=by, request_id=request_id
    )


def rectify_identity(
    ledger: Ledger,
    candidate_id: str,
    *,
    changes: dict[str, Any],
    reason: str,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Correct a candidate's personal data; the next CPF flow carries it again."""
    if not changes:
        raise InvalidInput(_("give at least one identity field to rectify"))
    today = ledger.clock.today()

    def act(candidate: Candidate, actor: Actor) -> None:
        published = ledger.uow.versions().at(candidate.dossier.enrolled_on())
        minimum = (published.referential.minimum_age_years, published.version)
        candidate.rectify_identity(changes, reason, today, actor, minimum)

    return on_candidate(
        ledger,
        "candidate rectify-identity",
        candidate_id,
        {"reason": reason},
        act,
        by=by,
        request_id=request_id,
        personal=Personal("changes", candidate_stream(candidate_id), changes),
    )
