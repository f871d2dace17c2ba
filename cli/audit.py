"""`audit`: the registrar's audit of a period, as JSON or one self-contained HTML page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.main import CONTEXT, session_of
from cli.params import DATE
from ledger.i18n import _, show_date


@click.command(context_settings=CONTEXT)
@click.option("--from", "start", type=DATE, default=None, help="First day of the period.")
@click.option("--to", "end", type=DATE, default=None, help="Last day of the period.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "html"]),
    default="json",
    show_default=True,
    help="JSON, or one self-contained HTML page.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.pass_context
def audit(
    ctx: click.Context, start: date | None, end: date | None, fmt: str, output: Path | None
) -> None:
    """Audit a period: every decision with its jury check, evidence, derogation,
    rectifications and annulment; awards made under a derogation; VAE juries whose balance
    is not met or cannot be shown; late recordings (over 30 days); awards under the CPF
    transmission duty not transmitted within 3 months; annulments and revocations made
    after a transmission; the statistics of the period's years, insertion rates included.

    \b
    Example:
      certledger audit --from 2018-01-01 --to 2018-12-31 --format html -o audit-2018.html
    """
    import orjson

    from projections.audit import generated_at
    from projections.audit_html import render
    from projections.reads import audit_report

    if start and end and end < start:
        raise click.BadParameter(
            _("--to {end} is before --from {start}").format(
                end=show_date(end), start=show_date(start)
            ),
            param_hint=_("--to"),
        )
    ledger = session_of(ctx).ledger()
    report = audit_report(ledger, start, end)
    document = report.as_json()
    if fmt == "json":
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    else:
        code = ledger.queries.versions().at(ledger.clock.today()).referential.code
        text = render(
            document,
            _("{code} — audit of the ledger").format(code=code),
            generated_at(ledger.clock.now()),
        )
    if output is None:
        click.echo(text, nl=False)
    else:
        from ledger.files import write_atomically

        write_atomically(output, text)
        click.echo(
            _("Wrote {output}: {item} decision(s) audited.").format(
                output=output, item=document["summary"]["decisions"]
            )
        )


COMMANDS = [audit]
