"""Insertion surveys of holders, 6 and 24 months after the title: what France Compétences asks
for on each renewal (taux d'insertion global and dans le métier visé)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from ledger.exceptions import InvalidInput
from ledger.i18n import _
from ledger.unit_of_work import Result
from ledger.usecases.common import check_not_future, on_candidate

if TYPE_CHECKING:
    from ledger.application import Ledger

SURVEYS = ("6m", "24m")
OUTCOMES = ("target_job", "other_job", "seeking", "study", "no_answer")
"""Employed in the job the title prepares for, employed in another, seeking a job, in study,
no answer."""
EMPLOYED = ("target_job", "other_job")
ROME = re.compile(r"[A-N][0-9]{4}")
"""A ROME code: a letter (the domain, A to N) and four ASCII digits, e.g. L1302."""


def record_survey(
    ledger: Ledger,
    candidate_id: str,
    *,
    survey: str,
    on: date,
    outcome: str,
    rome: str | None = None,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Record what a holder was doing at a survey (a later survey of the same kind corrects
    an earlier one); the ROME code of the job, for an employed holder, when known."""
    if survey not in SURVEYS:
        raise InvalidInput(
            _("survey {survey!r} is not one of {SURVEYS}").format(
                survey=survey, SURVEYS=", ".join(SURVEYS)
            )
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(
            _("outcome {outcome!r} is not one of {OUTCOMES}").format(
                outcome=outcome, OUTCOMES=", ".join(OUTCOMES)
            )
        )
    rome = rome.strip().upper() if rome else None
    if rome is not None and not ROME.fullmatch(rome):
        raise InvalidInput(
            _("ROME code {rome!r} is not a letter and four digits (e.g. L1302)").format(rome=rome)
        )
    if rome is not None and outcome not in EMPLOYED:
        raise InvalidInput(
            _("a ROME code names a job: not for outcome {outcome}").format(outcome=outcome)
        )
    check_not_future(ledger, on, _("the survey"))
    params = {"survey": survey, "on": on, "outcome": outcome, "rome": rome}
    return on_candidate(
        ledger,
        "survey record",
        candidate_id,
        params,
        lambda c, a: c.record_survey(survey, outcome, rome, on, a),
        by=by,
        request_id=request_id,
    )
