"""`verify` (tamper evidence) and `candidate erase` (personal data)."""

from __future__ import annotations

import os
import re

import click

from cli.candidates import candidate
from cli.main import CONTEXT, recording, report, session_of
from cli.output import ProgressBar, emit_json
from ledger.i18n import _, pgettext


def _digest(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"@\d+:[0-9a-f]{64}", value):
        raise click.BadParameter(
            _("{value!r} is not a digest written @POSITION:SHA256").format(value=value)
        )
    return value


def show_finding(word: str) -> str:
    """A word of `verify`'s findings as people read it — what was found (`modified`), or a
    place that is no event (the chain's `head`, the `status view`): the word itself in
    English (the JSON keeps it in any language), its name in French."""
    names = {
        "malformed": pgettext("verify", "malformed"),
        "inserted": pgettext("verify", "inserted"),
        "reordered": pgettext("verify", "reordered"),
        "modified": pgettext("verify", "modified"),
        "rechained": pgettext("verify", "rechained"),
        "unchained": pgettext("verify", "unchained"),
        "removed": pgettext("verify", "removed"),
        "key kept": pgettext("verify", "key kept"),
        "key removed": pgettext("verify", "key removed"),
        "key replaced": pgettext("verify", "key replaced"),
        "view": pgettext("verify", "view"),
        "unreadable": pgettext("verify", "unreadable"),
        "head": pgettext("verify", "head"),
        "status view": pgettext("verify", "status view"),
    }
    return names.get(word, word)


VERIFY_IN_TWO = 50_000
"""From this many events on, `verify` checks the status view in a second process by default:
below, the second process's start-up (about 0.2 s) costs what the view's check would
(40,009 events: 0.46 s in one process, 0.44 s in two; 100,294: 0.91 s and 0.66 s; AMD EPYC,
2 cores, bench/README)."""


def verify_jobs(events: int) -> int:
    """`verify`'s processes when none are asked for: two once the ledger is large enough for
    the second to pay, on a machine (or a CPU set) of two cores or more."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no CPU sets here (macOS, Windows)
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 and events >= VERIFY_IN_TWO else 1


@click.command(context_settings=CONTEXT)
@click.option(
    "--digest",
    "show_digest",
    is_flag=True,
    help="Print the ledger's digest (@POSITION:SHA256) to publish.",
)
@click.option(
    "--check",
    "published",
    callback=_digest,
    default=None,
    metavar="@N:SHA256",
    help="Also check that a digest published earlier still holds.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 2),
    default=None,
    help="2: the status view checked in a second process meanwhile (same findings); "
    "1: one process. Default: 2 on two cores or more once the ledger holds 50,000 events "
    "(it ends sooner there), else 1.",
)
@click.pass_context
def verify(
    ctx: click.Context,
    show_digest: bool,
    published: str | None,
    as_json: bool,
    jobs: int | None,
) -> None:
    """Re-read the whole store and check every event against the hash chain (exit 1 if not).

    Names each event modified, removed, inserted or reordered after the fact; the chain's head
    is kept apart from the events, so removing the newest events is caught too.

    \b
    Example:
      certledger verify
      certledger verify --digest            # publish what it prints
      certledger verify --check @81234:9f86d081884c7d65...
      certledger verify --jobs 1            # one process (a large ledger takes two)
    """
    from projections.reads import verify_ledger

    session = session_of(ctx)
    ledger = session.ledger()
    position = ledger.queries.position()
    if jobs is None:
        jobs = verify_jobs(position)
    aside = (session.store, session.keys) if jobs > 1 else None
    with ProgressBar(position, "events") as advance:
        result = verify_ledger(ledger, published, advance, aside=aside)
    document = {**result.as_json(), "digest": f"@{result.position}:{result.digest}"}
    if as_json:
        emit_json(document)
    elif show_digest and result.ok:
        click.echo(document["digest"])
    else:
        verdict = (
            _("intact")
            if result.ok
            else _("TAMPERED: {count} problem(s)").format(count=len(result.problems))
        )
        click.echo(
            _("{store}: {events} events, {verdict}").format(
                store=ledger.store, events=result.events, verdict=verdict
            )
        )
        click.echo(_("digest {digest}").format(digest=document["digest"]))
        for problem in result.problems:
            click.echo(
                _("  {where}: {problem} ({detail})").format(
                    where=show_finding(str(problem["event"])),
                    problem=show_finding(problem["problem"]),
                    detail=problem["detail"],
                )
            )
        for note in result.notes:
            click.echo(_("  note: {note}").format(note=note))
    if not result.ok:
        raise click.exceptions.Exit(1)


@candidate.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--reason", required=True, help="Why (e.g. the person's request, GDPR art. 17).")
@recording
@click.pass_context
def erase(
    ctx: click.Context, candidate_id: str, reason: str, request_id: str | None, as_json: bool
) -> None:
    """Erase a candidate's personal data by destroying their key.

    Their decisions, counts and certificates stay; their identity reads as erased, the CPF
    flow refuses them, and `verify` still passes. Refused while an award of theirs has not
    been sent in the CPF flow (rule 11).

    \b
    Example:
      certledger candidate erase V1 --reason "request of 2026-11-20 (RGPD art. 17)"
    """
    session = session_of(ctx)
    result = session.ledger().erase(
        candidate_id, reason=reason, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Erased the personal data of candidate {candidate_id}.").format(
            candidate_id=candidate_id
        ),
    )


COMMANDS = [verify]
