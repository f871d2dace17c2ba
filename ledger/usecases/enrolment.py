"""Enrolment: enrol a candidate, link a person to them, withdraw, re-enrol, change route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.candidate import VAE_PATHS, Candidate
from ledger.clock import Actor
from ledger.exceptions import AlreadyExists, InvalidInput
from ledger.i18n import _, show_date
from ledger.ids import candidate_stream, check_identifier
from ledger.rules import CodesInForce
from ledger.text import clean_name
from ledger.unit_of_work import Personal, Result, Transaction
from ledger.usecases.common import (
    check_not_future,
    on_candidate,
    registration_warning,
    with_warnings,
)

if TYPE_CHECKING:
    from ledger.application import Ledger


def route_on(
    ledger: Ledger, route: str, vae_path: str | None, on: date, what: str
) -> tuple[str, str | None]:
    """Rules 1 and 12 for a route (it exists, and is open on `on` for `what`), and the VAE
    path that goes with a VAE route."""
    rules = CodesInForce(ledger.uow.versions(), on).open_route(route, what)
    if rules.vae:
        path = vae_path or "VAE_CLASSIQUE"
        if path not in VAE_PATHS:
            raise InvalidInput(
                _("VAE path {path} is not one of {VAE_PATHS}").format(
                    path=path, VAE_PATHS=", ".join(VAE_PATHS)
                )
            )
        return route, path
    if vae_path is not None:
        raise InvalidInput(
            _("a VAE path ({vae_path}) is only for a VAE route, not {route}").format(
                vae_path=vae_path, route=route
            )
        )
    return route, None


def enroll(
    ledger: Ledger,
    candidate_id: str,
    *,
    route: str,
    on: date,
    identity: dict[str, Any],
    vae_path: str | None = None,
    linked_persons: Sequence[str] = (),
    by: str,
    request_id: str | None = None,
) -> Result:
    """Enrol a candidate on a route, with the identity the CPF flow needs (sealed)."""
    check_identifier("candidate", candidate_id)
    from ledger.identity import Identity  # pydantic: only where an identity is recorded

    person = Identity.of(**identity)
    check_not_future(ledger, on, _("the enrolment"))
    route, vae_path = route_on(ledger, route, vae_path, on, _("the enrolment"))
    published = ledger.uow.versions().at(on)
    person.check_age(on, published.referential.minimum_age_years, published.version)
    names = (clean_name(_("a linked person's name"), n) for n in linked_persons)
    linked = tuple(n for n in names if n)

    def work(tx: Transaction) -> Result:
        if tx.exists(candidate_stream(candidate_id)):
            raise AlreadyExists(
                _("candidate {candidate_id} is already enrolled").format(candidate_id=candidate_id)
            )
        commitment = ledger.events.keys.commitment(candidate_stream(candidate_id))
        tx.record(
            Candidate.enroll(
                candidate_id, route, vae_path, on, person, linked, commitment, tx.actor
            )
        )
        return {"id": candidate_id}

    params = {"id": candidate_id, "route": route, "on": on, "vae_path": vae_path, "linked": linked}
    personal = Personal(
        "identity", candidate_stream(candidate_id), person.model_dump(mode="json"), new=True
    )
    result = ledger.uow.run(
        "candidate enroll", params, work, by=by, request_id=request_id, personal=personal
    )
    return with_warnings(result, registration_warning(ledger, on, on))


def link_person(
    ledger: Ledger,
    candidate_id: str,
    *,
    name: str,
    relation: str,
    on: date,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Declare a person linked to the candidate: they may not sit on the candidate's jury."""
    check_not_future(ledger, on, _("the link"))
    return on_candidate(
        ledger,
        "candidate link-person",
        candidate_id,
        {"name": name, "relation": relation, "on": on},
        lambda c, a: c.link_person(name, relation, on, a),
        by=by,
        request_id=request_id,
    )


def withdraw(
    ledger: Ledger,
    candidate_id: str,
    *,
    on: date,
    reason: str,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Record a withdrawal (rule 10: refused if a decision is dated after it). Facts dated
    after it that need the candidate enrolled (rule 2) are told in a warning: recorded late,
    the withdrawal may precede a re-enrolment not recorded yet, which makes them whole."""
    check_not_future(ledger, on, _("the withdrawal"))
    warnings: list[str] = []

    def act(candidate: Candidate, actor: Actor) -> None:
        candidate.withdraw(on, reason, actor)
        after = candidate.enrolled_after(on)
        if after:
            warnings.append(
                _(
                    "candidate {candidate_id} stands withdrawn from {on}, yet {facts} dated "
                    "after it need them enrolled (rule 2): record the re-enrolment that came "
                    "before them"
                ).format(candidate_id=candidate_id, on=show_date(on), facts=", ".join(after))
            )

    result = on_candidate(
        ledger,
        "candidate withdraw",
        candidate_id,
        {"on": on, "reason": reason},
        act,
        by=by,
        request_id=request_id,
    )
    return with_warnings(result, warnings)


def reenroll(
    ledger: Ledger,
    candidate_id: str,
    *,
    route: str,
    on: date,
    vae_path: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Re-enrol a withdrawn candidate; what they acquired stays theirs."""
    return _place(
        ledger,
        "candidate reenroll",
        _("the re-enrolment"),
        candidate_id,
        route,
        on,
        vae_path,
        Candidate.reenroll,
        by=by,
        request_id=request_id,
    )


def change_route(
    ledger: Ledger,
    candidate_id: str,
    *,
    route: str,
    on: date,
    vae_path: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Move a candidate to another route from a date (past decisions keep theirs)."""
    return _place(
        ledger,
        "candidate change-route",
        _("the route change"),
        candidate_id,
        route,
        on,
        vae_path,
        Candidate.change_route,
        by=by,
        request_id=request_id,
    )


def _place(
    ledger: Ledger,
    command: str,
    what: str,
    candidate_id: str,
    route: str,
    on: date,
    vae_path: str | None,
    act: Callable[[Candidate, str, str | None, date, Actor], None],
    *,
    by: str,
    request_id: str | None,
) -> Result:
    """Put a candidate on a route from a date (re-enrolment or route change)."""
    check_not_future(ledger, on, what)
    route, vae_path = route_on(ledger, route, vae_path, on, what)
    result = on_candidate(
        ledger,
        command,
        candidate_id,
        {"route": route, "vae_path": vae_path, "on": on},
        lambda c, a: act(c, route, vae_path, on, a),
        by=by,
        request_id=request_id,
    )
    return with_warnings(result, registration_warning(ledger, on, on))
