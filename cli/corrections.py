"""Corrections: `decision rectify/annul` and `candidate rectify-identity`."""

from __future__ import annotations

from datetime import date

import click

from cli.candidates import candidate
from cli.main import CONTEXT, recording, report, session_of
from cli.params import CODES, DATE, SEX
from ledger.i18n import _, show_date


@click.group(context_settings=CONTEXT)
def decision() -> None:
    """Correct a recorded decision: rectify a material error, or annul it.

    \b
    Example:
      certledger decision rectify V1/JV6 --validate C01,C02,C03,C04,C05,C06,C07 \\
          --reason "C07 omitted from the minutes"
      certledger decision annul V1/JV6 --on 2018-03-01 --reason "appeal upheld"
    """


@decision.command(context_settings=CONTEXT)
@click.argument("decision_id", metavar="DECISION")
@click.option(
    "--validate",
    "validated",
    type=CODES,
    default=None,
    help="The competencies the decision validated, in full (replaces the list).",
)
@click.option(
    "--award-block",
    "blocks",
    multiple=True,
    help="A block the decision awarded; repeat for each (replaces the list).",
)
@click.option("--no-award-block", "no_blocks", is_flag=True, help="The decision awarded no block.")
@click.option(
    "--award-title/--no-award-title",
    "title",
    default=None,
    help="Whether the decision awarded the title.",
)
@click.option("--derogation", default=None, help="A written derogation for the corrected content.")
@click.option("--reason", required=True, help="The material error corrected.")
@recording
@click.pass_context
def rectify(
    ctx: click.Context,
    decision_id: str,
    validated: tuple[str, ...] | None,
    blocks: tuple[str, ...],
    no_blocks: bool,
    title: bool | None,
    derogation: str | None,
    reason: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Rectify a decision's record: what it does not mention keeps its value.

    The corrected content is judged again by the rules on the original deliberation date,
    and counts for every date once the rectification is known.

    \b
    Example:
      certledger decision rectify V1/JV6 --validate C01,C02,C03,C04,C05,C06,C07 \\
          --award-block BC01 --reason "BC01 omitted from the minutes"
    """
    if blocks and no_blocks:
        raise click.UsageError(_("--award-block and --no-award-block exclude each other"))
    session = session_of(ctx)
    result = session.ledger().rectify_decision(
        decision_id,
        validated=validated,
        blocks=() if no_blocks else (blocks or None),
        title=title,
        derogation=derogation,
        reason=reason,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Rectified decision {decision_id}: {value}.").format(
            decision_id=decision_id, value=", ".join(result.get("changes", [])) or "-"
        ),
    )


@decision.command(context_settings=CONTEXT)
@click.argument("decision_id", metavar="DECISION")
@click.option("--on", "on", type=DATE, required=True, help="Date of the annulment.")
@click.option("--reason", required=True, help="Why (e.g. the appeal's outcome).")
@recording
@click.pass_context
def annul(
    ctx: click.Context,
    decision_id: str,
    on: date,
    reason: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Annul a decision: it never had effect, and its certificates are void, once known.

    \b
    Example:
      certledger decision annul V1/JV6 --on 2018-03-01 --reason "appeal upheld"
    """
    session = session_of(ctx)
    result = session.ledger().annul_decision(
        decision_id, on=on, reason=reason, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Annulled decision {decision_id} on {on}.").format(
            decision_id=decision_id, on=show_date(on)
        ),
    )


@candidate.command("rectify-identity", context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--birth-name", default=None, help="Birth name.")
@click.option("--usage-name", default=None, help="Usage name.")
@click.option("--first-name", "first_names", multiple=True, help="First name; repeat for each.")
@click.option("--birth-date", type=DATE, default=None, help="Date of birth.")
@click.option("--sex", type=SEX, default=None, help="M or F.")
@click.option("--birth-insee", default=None, help="INSEE code of the birth commune.")
@click.option("--birth-postcode", default=None, help="Postcode of the birth commune.")
@click.option("--birth-country", default=None, help="Birth country code (3 characters).")
@click.option("--reason", required=True, help="The error corrected.")
@recording
@click.pass_context
def rectify_identity(
    ctx: click.Context,
    candidate_id: str,
    birth_name: str | None,
    usage_name: str | None,
    first_names: tuple[str, ...],
    birth_date: date | None,
    sex: str | None,
    birth_insee: str | None,
    birth_postcode: str | None,
    birth_country: str | None,
    reason: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Correct a candidate's personal data (the next CPF flow carries the holder again).

    \b
    Example:
      certledger candidate rectify-identity V1 --birth-name Durant --reason "typo at enrolment"
    """
    changes: dict[str, object] = {
        key: value
        for key, value in {
            "birth_name": birth_name,
            "usage_name": usage_name,
            "first_names": first_names or None,
            "birth_date": birth_date,
            "sex": sex,
            "birth_insee": birth_insee,
            "birth_postcode": birth_postcode,
            "birth_country": birth_country,
        }.items()
        if value is not None
    }
    if birth_insee is not None and birth_postcode is None:
        changes["birth_postcode"] = None
    if birth_postcode is not None and birth_insee is None:
        changes["birth_insee"] = None
    session = session_of(ctx)
    result = session.ledger().rectify_identity(
        candidate_id, changes=changes, reason=reason, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Rectified the identity of candidate {candidate_id}.").format(candidate_id=candidate_id),
    )


COMMANDS = [decision]
