"""Evidence: épreuve results, and the VAE steps (admission, then the interview)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from ledger.candidate import Candidate
from ledger.clock import Actor
from ledger.exceptions import RuleViolation
from ledger.i18n import _, show_date
from ledger.rules import CodesInForce
from ledger.text import clean_name
from ledger.unit_of_work import Result
from ledger.usecases.common import (
    check_not_future,
    on_candidate,
    registration_warning,
    with_warnings,
)

if TYPE_CHECKING:
    from ledger.application import Ledger


def record_assessment(
    ledger: Ledger,
    candidate_id: str,
    *,
    epreuve: str,
    on: date,
    passed: Sequence[str],
    failed: Sequence[str] = (),
    assessor: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Record an épreuve's result: the competencies passed and failed (rule 1 on each)."""
    check_not_future(ledger, on, _("the assessment"))
    CodesInForce(ledger.uow.versions(), on).epreuve(epreuve, (*passed, *failed))
    passed_t = tuple(dict.fromkeys(passed))
    failed_t = tuple(dict.fromkeys(failed))
    assessor = clean_name(_("the assessor"), assessor) or None if assessor else None
    params = {
        "epreuve": epreuve,
        "on": on,
        "passed": passed_t,
        "failed": failed_t,
        "assessor": assessor,
    }
    warnings: list[str] = []

    def act(candidate: Candidate, actor: Actor) -> None:
        candidate.record_assessment(epreuve, passed_t, failed_t, assessor, on, actor)
        warnings[:] = registration_warning(ledger, on, candidate.dossier.enrolled_on())

    result = on_candidate(
        ledger, "assessment record", candidate_id, params, act, by=by, request_id=request_id
    )
    return with_warnings(result, warnings)


def check_vae_route(ledger: Ledger, candidate: Candidate, on: date, what: str) -> None:
    """Rule 4: the VAE steps are for candidates on a VAE route that day."""
    placement = candidate.dossier.placement_on(on)
    ref = ledger.uow.versions().at(on).referential
    rules = ref.route(placement.route) if placement else None
    if rules is None or not rules.vae:
        route = placement.route if placement else "none"
        raise RuleViolation(
            4,
            _(
                "{what} is for VAE candidates; candidate {candidate_id} is on route {route} on {on}"
            ).format(what=what, candidate_id=candidate.candidate_id, route=route, on=show_date(on)),
        )


def admit_vae(
    ledger: Ledger, candidate_id: str, *, on: date, by: str, request_id: str | None = None
) -> Result:
    """Record a VAE admission (recevabilité: livret 1 accepted)."""
    check_not_future(ledger, on, _("the VAE admission"))

    def act(candidate: Candidate, actor: Actor) -> None:
        candidate.check_active(on, _("the VAE admission"))
        check_vae_route(ledger, candidate, on, _("a VAE admission"))
        candidate.admit_vae(on, actor)

    return on_candidate(
        ledger, "vae admit", candidate_id, {"on": on}, act, by=by, request_id=request_id
    )


def hold_vae_interview(
    ledger: Ledger,
    candidate_id: str,
    *,
    on: date,
    livret2_received_on: date,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Record a VAE interview, held after livret 2 was received (admitted <= livret 2 <=
    interview)."""
    check_not_future(ledger, on, _("the VAE interview"))
    check_not_future(ledger, livret2_received_on, _("the receipt of livret 2"))

    def act(candidate: Candidate, actor: Actor) -> None:
        candidate.check_active(on, _("the VAE interview"))
        check_vae_route(ledger, candidate, on, _("a VAE interview"))
        candidate.hold_vae_interview(on, livret2_received_on, actor)

    params = {"on": on, "livret2": livret2_received_on}
    return on_candidate(
        ledger, "vae interview", candidate_id, params, act, by=by, request_id=request_id
    )
