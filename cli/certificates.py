"""`certificate issue/revoke/reinstate/reissue`."""

from __future__ import annotations

from datetime import date

import click

from cli.main import CONTEXT, recording, report, session_of
from cli.params import DATE
from ledger.i18n import _, show_date


@click.group(context_settings=CONTEXT)
def certificate() -> None:
    """Issue, revoke, reinstate and reissue certificates (title, block, competency).

    \b
    Example:
      certledger certificate issue V1/JV6 --kind block:BC01 --on 2017-06-27
      certledger certificate revoke RNCP13080-2017-00001 --on 2018-01-10 --reason "fraud"
    """


@certificate.command(context_settings=CONTEXT)
@click.argument("decision_id", metavar="DECISION")
@click.option(
    "--kind",
    required=True,
    help="title, block:BC01 or competency:C05 (competency: VAE and FPC routes).",
)
@click.option("--on", "on", type=DATE, required=True, help="Date of issue.")
@click.option(
    "--number",
    default=None,
    help="The certificate's number (default: the register's next, CODE-YEAR-NNNNN).",
)
@recording
@click.pass_context
def issue(
    ctx: click.Context,
    decision_id: str,
    kind: str,
    on: date,
    number: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Issue the certificate of something a decision awarded; prints its number.

    \b
    Example:
      certledger certificate issue V1/JV6 --kind title --on 2017-06-27
    """
    session = session_of(ctx)
    result = session.ledger().issue_certificate(
        decision_id, kind=kind, on=on, number=number, by=session.actor, request_id=request_id
    )
    report(result, as_json, str(result["number"]))


@certificate.command(context_settings=CONTEXT)
@click.argument("number")
@click.option("--on", "on", type=DATE, required=True, help="Date the revocation takes effect.")
@click.option("--reason", required=True, help="Why it is revoked.")
@recording
@click.pass_context
def revoke(
    ctx: click.Context,
    number: str,
    on: date,
    reason: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Revoke a certificate from a date (it stays held until the day before).

    \b
    Example:
      certledger certificate revoke RNCP13080-2017-00001 --on 2018-01-10 --reason "forged"
    """
    session = session_of(ctx)
    result = session.ledger().revoke_certificate(
        number, on=on, reason=reason, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Certificate {number} revoked from {on}.").format(number=number, on=show_date(on)),
    )


@certificate.command(context_settings=CONTEXT)
@click.argument("number")
@click.option("--on", "on", type=DATE, required=True, help="Date of the reinstatement.")
@click.option("--reason", required=True, help="Why the revocation was a mistake.")
@recording
@click.pass_context
def reinstate(
    ctx: click.Context,
    number: str,
    on: date,
    reason: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Cancel a revocation made by mistake: once recorded, the certificate reads as never
    revoked, for every date (as an annulment voids a decision); the revocation and its
    cancellation both stay in the history. It can be revoked again later.

    \b
    Example:
      certledger certificate reinstate RNCP13080-2017-00001 --on 2018-02-01 \\
          --reason "revoked in error: wrong holder"
    """
    session = session_of(ctx)
    result = session.ledger().reinstate_certificate(
        number, on=on, reason=reason, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Certificate {number} reinstated: its revocation is cancelled.").format(number=number),
    )


@certificate.command(context_settings=CONTEXT)
@click.argument("number")
@click.option("--on", "on", type=DATE, required=True, help="Date of the duplicate.")
@click.option("--number", "new_number", default=None, help="The duplicate's own number.")
@recording
@click.pass_context
def reissue(
    ctx: click.Context,
    number: str,
    on: date,
    new_number: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Issue a duplicate of a held certificate; prints the duplicate's number.

    \b
    Example:
      certledger certificate reissue RNCP13080-2017-00001 --on 2019-03-02
    """
    session = session_of(ctx)
    result = session.ledger().reissue_certificate(
        number, on=on, new_number=new_number, by=session.actor, request_id=request_id
    )
    report(result, as_json, str(result["number"]))


COMMANDS = [certificate]
