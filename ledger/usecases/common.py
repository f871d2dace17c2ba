"""What several use cases share: rule 8 on dates, and commands about one candidate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.candidate import Candidate
from ledger.clock import Actor
from ledger.exceptions import NotFound, RuleViolation
from ledger.i18n import _, show_date
from ledger.unit_of_work import Personal, Result, Transaction

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.rules import Review


def check_not_future(ledger: Ledger, on: date, what: str) -> None:
    """Rule 8: an effective date later than today is refused."""
    today = ledger.clock.today()
    if on > today:
        raise RuleViolation(
            8,
            _("{what} dated {on} is later than today ({today})").format(
                what=what, on=show_date(on), today=show_date(today)
            ),
        )


def registration_warning(ledger: Ledger, day: date, enrolled_on: date) -> list[str]:
    """A warning, not a refusal: recording is allowed, but the registrar should learn now,
    not at the jury, that no award will be possible (rule 6)."""
    return ledger.uow.versions().registration_warnings(day, enrolled_on)


def erased_title_warning(candidate: Candidate, title: bool) -> list[str]:
    """Rule 11 seen from the other side: a title awarded to a candidate whose personal data
    was erased (a deliberation recorded late, say) is recorded, since the jury did award it,
    but its passage can never be sent in the CPF flow (`report cpf` leaves it out): the
    registrar learns it now."""
    if not (title and candidate.erased):
        return []
    return [
        _(
            "candidate {candidate_id}'s personal data was erased: this title can never be sent "
            "in the CPF flow (rule 11)"
        ).format(candidate_id=candidate.candidate_id)
    ]


def unchecked_linked_warning(review: Review) -> list[str]:
    """Rule 3 where it cannot be checked: the names of the persons linked to the candidate
    were erased with the rest of their personal data (sealed names, which a key file would
    open, are refused instead: `check_decision`)."""
    if "erased" not in review.linked_unread:
        return []
    return [
        _(
            "the persons linked to candidate {candidate} were erased with their personal data: "
            "whether one of them sits on jury session {session} (rule 3) could not be checked"
        ).format(candidate=review.candidate, session=review.session)
    ]


def with_warnings(result: Result, warnings: list[str]) -> Result:
    """The result of a command, with what the registrar should be warned of."""
    return {**result, "warnings": warnings} if warnings else result


def candidate_of(decision_id: str) -> str:
    """The candidate a decision id names (`V1/JV6` -> `V1`)."""
    candidate_id, slash, session = decision_id.partition("/")
    if not slash or not candidate_id or not session:
        raise NotFound(
            _("decision {decision_id} not found (decision ids look like V1/JV6)").format(
                decision_id=decision_id
            )
        )
    return candidate_id


def on_candidate(
    ledger: Ledger,
    command: str,
    candidate_id: str,
    params: dict[str, Any],
    act: Callable[[Candidate, Actor], Result | None],
    *,
    by: str,
    request_id: str | None,
    personal: Personal | None = None,
) -> Result:
    """Run a command that loads one candidate, acts on it and records it."""

    def work(tx: Transaction) -> Result:
        candidate = tx.candidate(candidate_id)
        result = act(candidate, tx.actor) or {"id": candidate_id}
        tx.record(candidate)
        return result

    return ledger.uow.run(
        command,
        {"candidate": candidate_id, **params},
        work,
        by=by,
        request_id=request_id,
        personal=personal,
    )
