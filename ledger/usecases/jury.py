"""Jury sessions and their decisions: convene a session, record a decision about a candidate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from ledger.composition import GENDERS
from ledger.exceptions import AlreadyExists, InvalidInput, RuleViolation
from ledger.i18n import _, show_date
from ledger.ids import check_identifier, session_stream
from ledger.jury import JurySession
from ledger.queries import review_in_session
from ledger.rules import CodesInForce, check_decision
from ledger.text import clean_name, clean_reason
from ledger.unit_of_work import Result, Transaction
from ledger.usecases.common import (
    erased_title_warning,
    unchecked_linked_warning,
    with_warnings,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

Member = tuple[str, str] | tuple[str, str, str | None]
"""A member as given: (name, role), or (name, role, gender F|M|None)."""


def convene_jury(
    ledger: Ledger,
    session_id: str,
    *,
    on: date,
    members: Sequence[Member],
    president: str,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Convene a session; it may sit in the future (rule 8's one exception). Each member is
    (name, role) or (name, role, gender), the gender (F or M) kept for the VAE balance."""
    check_identifier("session", session_id)
    codes = CodesInForce(ledger.uow.versions(), on)
    listed = []
    for given, role, *rest in members:
        name = clean_name(_("a member's name"), given)
        member = {"name": name, "role": role, "side": codes.role(role, name).side}
        gender = rest[0] if rest else None
        if gender is not None:
            if gender not in GENDERS:
                raise InvalidInput(
                    _("{name}'s gender {gender!r} is not F or M").format(name=name, gender=gender)
                )
            member["gender"] = gender
        listed.append(member)
    president = clean_name(_("the president's name"), president)

    def work(tx: Transaction) -> Result:
        if tx.exists(session_stream(session_id)):
            raise AlreadyExists(
                _("jury session {session_id} is already convened").format(session_id=session_id)
            )
        tx.record(JurySession.convene(session_id, on, tuple(listed), president, tx.actor))
        return {"id": session_id}

    params = {"id": session_id, "on": on, "members": listed, "president": president}
    return ledger.uow.run("jury convene", params, work, by=by, request_id=request_id)


def record_decision(
    ledger: Ledger,
    session_id: str,
    candidate_id: str,
    *,
    validated: Sequence[str] = (),
    blocks: Sequence[str] = (),
    title: bool = False,
    derogation: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Record a jury's decision about one candidate, on the session's date (rules 1-6, 8)."""
    derogation = clean_reason(_("the derogation"), derogation) or None if derogation else None
    validated_t = tuple(dict.fromkeys(validated))
    warnings: list[str] = []

    def work(tx: Transaction) -> Result:
        session = tx.session(session_id)
        candidate = tx.candidate(candidate_id)
        day = session.sits_on
        codes = CodesInForce(tx.versions(), day)
        codes.competencies(validated_t)
        blocks_t = codes.blocks(blocks)
        candidate.check_decidable(session_id, title)
        today = ledger.clock.today()
        if day > today:
            raise RuleViolation(
                8,
                _(
                    "jury session {session_id} sits on {day}: no decision can be recorded before "
                    "that date (today is {today})"
                ).format(session_id=session_id, day=show_date(day), today=show_date(today)),
            )
        review = review_in_session(session, candidate, tx.versions(), validated_t)
        check_decision(review, blocks_t, title, derogation)
        decision_id = candidate.record_decision(
            session_id,
            day,
            validated_t,
            blocks_t,
            title,
            derogation,
            review.route,
            review.referential,
            tx.actor,
        )
        tx.record(candidate)
        warnings[:] = [*erased_title_warning(candidate, title), *unchecked_linked_warning(review)]
        return {"id": decision_id, "on": day.isoformat()}

    params = {
        "session": session_id,
        "candidate": candidate_id,
        "validated": validated_t,
        "blocks": tuple(blocks),
        "title": title,
        "derogation": derogation,
    }
    result = ledger.uow.run("jury decide", params, work, by=by, request_id=request_id)
    return with_warnings(result, warnings)
