"""Erasure of a candidate's personal data (rule 11): record why, then destroy their key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.candidate import Candidate
from ledger.clock import Actor
from ledger.exceptions import AlreadyExists, LedgerError, ReadOnly, RuleViolation, StoreError
from ledger.i18n import _
from ledger.ids import candidate_stream
from ledger.rules import title_revoked_on
from ledger.standing import id_technique
from ledger.store import from_store
from ledger.store.dialects import first_line
from ledger.store.keys import KeyFileBusy
from ledger.unit_of_work import Result
from ledger.usecases.common import on_candidate

if TYPE_CHECKING:
    from ledger.application import Ledger


def erase(
    ledger: Ledger, candidate_id: str, *, reason: str, by: str, request_id: str | None = None
) -> Result:
    """Erase a candidate's personal data: record why, then destroy their key. Decisions,
    counts and the hash chain stay; the identity reads as erased from then on.

    Rule 11: refused while an award of theirs has not been sent in the CPF flow.
    """
    if ledger.read_only:
        raise ReadOnly(_("the ledger is open read-only: `candidate erase` records nothing"))
    stream = candidate_stream(candidate_id)
    keys = ledger.events.keys
    candidate = ledger.queries.candidate(candidate_id)
    if candidate.erased:
        # The erasure was recorded but its key survived (an interrupted run): finish it.
        if keys.destroy(stream):
            return {"id": candidate_id, "erased": True}
        raise AlreadyExists(
            _("candidate {candidate_id}'s personal data is already erased").format(
                candidate_id=candidate_id
            )
        )
    sent = ledger.queries.transmitted()
    # A revoked title is no longer sent in the CPF flow: it cannot hold the erasure back.
    waiting = [
        d.id
        for d in candidate.dossier.live_decisions()
        if d.title
        and id_technique(d.id) not in sent
        and title_revoked_on(candidate.dossier, d) is None
    ]
    if waiting:
        raise RuleViolation(
            11,
            _(
                "candidate {candidate_id}'s award {waiting} has not been transmitted in the "
                "CPF flow yet: send it (`report cpf`) before erasing their personal data"
            ).format(candidate_id=candidate_id, waiting=", ".join(waiting)),
        )
    keys.check_destroyable()
    today = ledger.clock.today()

    def act(found: Candidate, actor: Actor) -> Result:
        found.erase_personal_data(reason, today, actor)
        return {"id": candidate_id, "erased": True}

    result = on_candidate(
        ledger,
        "candidate erase",
        candidate_id,
        {"reason": reason},
        act,
        by=by,
        request_id=request_id,
    )
    try:
        keys.destroy(stream)
    except KeyFileBusy as e:  # another erasure held the key file: running again finishes it
        raise StoreError(unfinished(candidate_id, str(e))) from None
    except LedgerError as e:  # the key file does not fit: running again will not do
        raise StoreError(
            _(
                "the erasure of candidate {candidate_id} is recorded, but their key could not "
                "be destroyed yet: {why}"
            ).format(candidate_id=candidate_id, why=e)
        ) from None
    except Exception as e:  # the store's or its driver's error; anything else is a bug
        if not from_store(ledger.store, e):
            raise
        raise StoreError(unfinished(candidate_id, first_line(e))) from None
    return result


def unfinished(candidate_id: str, why: str) -> str:
    """What an erasure recorded but whose key survived says (run again, it finishes)."""
    return _(
        "the erasure of candidate {candidate_id} is recorded, but their key could not be "
        "destroyed yet ({why}): their personal data can still be read until you run "
        "`certledger candidate erase {candidate_id} --reason …` again, which finishes it"
    ).format(candidate_id=candidate_id, why=why)
