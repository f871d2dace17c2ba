"""`demo`: fill a new ledger with a realistic synthetic population."""

from __future__ import annotations

import click

from cli.main import CONTEXT, session_of
from cli.output import ProgressBar, emit_json
from ledger.i18n import _


@click.command(context_settings=CONTEXT)
@click.option(
    "--candidates",
    "count",
    type=click.IntRange(1, 5_000_000),
    required=True,
    help="How many candidates to create.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same population.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def demo(ctx: click.Context, count: int, seed: int, as_json: bool) -> None:
    """Create a realistic, deterministic synthetic ledger (initialising the store if needed).

    All routes, VAE partial validations, blocks that expire, late recordings and a few
    annulments, every fact checked by the rules. Needs a ledger with no candidate yet.

    \b
    Example:
      certledger --store demo.db demo --candidates 1000 --seed 7
      certledger --store demo.db replay --as-of 2019-12-31 --format csv
    """
    from ledger.demo import generate

    session = session_of(ctx)
    ledger = session.ledger(create=True)
    with ProgressBar(None, "commands") as advance:
        summary = generate(ledger, count, seed, progress=advance)
    document = {
        "candidates": summary.candidates,
        "commands": summary.commands,
        "events": ledger.queries.position(),
        "decisions": summary.decisions,
        "titles": summary.titles,
        "annulments": summary.annulments,
        "late_recordings": summary.late,
        "jury_sessions": len(summary.sessions),
    }
    if as_json:
        emit_json(document)
        return
    click.echo(
        _(
            "Created {candidates} candidates: {commands} commands, {item} events, "
            "{decisions} decisions ({titles} titles, {annulments} annulled, {late} "
            "recorded late), {count} jury sessions."
        ).format(
            candidates=summary.candidates,
            commands=summary.commands,
            item=document["events"],
            decisions=summary.decisions,
            titles=summary.titles,
            annulments=summary.annulments,
            late=summary.late,
            count=len(summary.sessions),
        )
    )


COMMANDS = [demo]
