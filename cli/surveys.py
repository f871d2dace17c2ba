"""`survey record`: insertion surveys of holders, for the rates France Compétences asks for."""

from __future__ import annotations

from datetime import date

import click

from cli.main import CONTEXT, recording, report, session_of
from cli.params import DATE
from ledger.i18n import _

OUTCOMES = ("target_job", "other_job", "seeking", "study", "no_answer")


@click.group(context_settings=CONTEXT)
def survey() -> None:
    """Insertion surveys of the title's holders, 6 and 24 months after it.

    \b
    Example:
      certledger survey record A17 --survey 6m --on 2018-01-15 --outcome target_job --rome L1302
    """


@survey.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option(
    "--survey",
    "kind",
    type=click.Choice(["6m", "24m"]),
    required=True,
    help="The survey: 6 months or 24 months after the title.",
)
@click.option("--on", "on", type=DATE, required=True, help="The day of the survey.")
@click.option(
    "--outcome",
    type=click.Choice(OUTCOMES),
    required=True,
    help="Employed in the job the title prepares for (target_job), in another job "
    "(other_job), seeking a job, in study, or no answer.",
)
@click.option("--rome", default=None, help="The job's ROME code, for an employed holder.")
@recording
@click.pass_context
def record(
    ctx: click.Context,
    candidate_id: str,
    kind: str,
    on: date,
    outcome: str,
    rome: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Record what a holder of the title was doing at a survey; a later survey of the same
    kind corrects the earlier one. `report stats` turns them into insertion rates.

    \b
    Example:
      certledger survey record A17 --survey 6m --on 2018-01-15 --outcome target_job --rome L1302
      certledger survey record A17 --survey 24m --on 2019-07-02 --outcome no_answer
    """
    session = session_of(ctx)
    result = session.ledger().record_survey(
        candidate_id,
        survey=kind,
        on=on,
        outcome=outcome,
        rome=rome,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Recorded the {kind} survey of {candidate_id}: {outcome}.").format(
            kind=kind, candidate_id=candidate_id, outcome=outcome
        ),
    )


COMMANDS = [survey]
