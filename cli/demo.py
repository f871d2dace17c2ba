"""`demo`: fill a new ledger with a realistic synthetic population, or write it as an import
file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the population as an import file (docs/import.md) instead of recording it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def demo(ctx: click.Context, count: int, seed: int, csv_file: Path | None, as_json: bool) -> None:
    """Create a realistic, deterministic synthetic ledger (initialising the store if needed).

    All routes, VAE partial validations, blocks that expire, late recordings and a few
    annulments, every fact checked by the rules. Needs a ledger with no candidate yet.
    Each fact is recorded at a plausible past instant (a new store records its referential
    in 2006, before the first enrolment), so `--known-at` shows the ledger as it grew.

    With --csv FILE, nothing is recorded: the same facts are written as an import file
    (`certledger import FILE` records them), with the store's referential if there is a
    store, else the bundled one.

    \b
    Example:
      certledger --store demo.db demo --candidates 1000 --seed 7
      certledger --store demo.db replay --as-of 2019-12-31 --format csv
      certledger demo --candidates 20000 --csv records.csv
    """
    if csv_file is not None:
        _write_csv(ctx, count, seed, csv_file, as_json)
        return
    from ledger.clock import Clock, FixedClock
    from ledger.demo import REFERENTIAL_RECORDED, generate
    from ledger.store import parse_store_url

    session = session_of(ctx)
    if not session.read_only and not parse_store_url(session.store).exists():
        # A new store records its referential in the past, before the first enrolment.
        real = session.clock
        session.clock = FixedClock(REFERENTIAL_RECORDED)
        try:
            ledger = session.ledger(create=True)
        finally:
            session.clock = real
        ledger.clock = ledger.uow.clock = real or Clock()
    else:
        ledger = session.ledger(create=True)
    with ProgressBar(None, _("commands")) as advance:
        summary = generate(ledger, count, seed, progress=advance)
    document = {
        "candidates": summary.candidates,
        "commands": summary.commands,
        "events": ledger.queries.position(),
        **_counts(summary),
    }
    if as_json:
        emit_json(document)
        return
    click.echo(
        _(
            "Created {candidates} candidates: {commands} commands, {events} events, "
            "{decisions} decisions ({titles} titles, {annulments} annulled, {late} recorded "
            "late), {sessions} jury sessions."
        ).format(
            candidates=summary.candidates,
            commands=summary.commands,
            events=document["events"],
            decisions=summary.decisions,
            titles=summary.titles,
            annulments=summary.annulments,
            late=summary.late,
            sessions=len(summary.sessions),
        )
    )


def _write_csv(ctx: click.Context, count: int, seed: int, path: Path, as_json: bool) -> None:
    from datetime import date

    from ledger.clock import Clock
    from ledger.demo import write_csv
    from ledger.files import Draft
    from ledger.referential import default_referential_text, parse_referential
    from ledger.store import parse_store_url

    session = session_of(ctx)
    if parse_store_url(session.store).exists():
        ledger = session.ledger()
        ref = ledger.versions().at(date(2016, 9, 7)).referential
    else:
        ref = parse_referential(default_referential_text(), "bundled RNCP13080 referential")
    now = (session.clock or Clock()).now()
    draft = Draft(path)
    try:
        draft.write("\ufeff")  # the byte-order mark a French spreadsheet reads UTF-8 by
        with ProgressBar(None, _("rows")) as advance:
            summary = write_csv(draft, ref, count, seed, now=now, progress=advance)
        draft.keep()
    except BaseException:
        draft.discard()
        raise
    document = {
        "candidates": summary.candidates,
        "rows": summary.commands,
        "file": str(path),
        **_counts(summary),
    }
    if as_json:
        emit_json(document)
        return
    click.echo(
        _(
            "Wrote {candidates} candidates to {path}: {rows} rows ({decisions} decisions, "
            "{sessions} jury sessions); record them with `certledger import {path}`."
        ).format(
            candidates=summary.candidates,
            path=path,
            rows=summary.commands,
            decisions=summary.decisions,
            sessions=len(summary.sessions),
        )
    )


def _counts(summary: Any) -> dict[str, int]:
    """What a demo made, in the keys both its summaries use."""
    return {
        "decisions": summary.decisions,
        "titles": summary.titles,
        "annulments": summary.annulments,
        "late_recordings": summary.late,
        "jury_sessions": len(summary.sessions),
    }


COMMANDS = [demo]
