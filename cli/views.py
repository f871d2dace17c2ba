"""`status`, `history` and `candidate list`: the read side, from the projections."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import click

from cli.candidates import candidate
from cli.main import CONTEXT, session_of
from cli.output import emit_json, table, yes
from cli.params import DATE, INSTANT

if TYPE_CHECKING:
    from ledger.application import Ledger
    from projections.status import CandidateStatus


def load_status(
    ledger: Ledger, candidate_id: str, as_of: date | None, known_at: datetime | None
) -> CandidateStatus:
    """A candidate's status through the pure projection; a clear error when there is none."""
    from ledger.exceptions import NotFound
    from projections.status import candidate_status

    day = as_of or ledger.clock.today()
    instant = known_at or ledger.clock.now()
    facts = ledger.candidate_facts(candidate_id)
    status = candidate_status(facts, ledger.versions(), as_of=day, known_at=instant)
    if status is None:
        if facts[0].recorded_at > instant:
            raise NotFound(
                f"candidate {candidate_id} was not yet recorded at {instant.isoformat()} "
                f"(first recorded at {facts[0].recorded_at.isoformat()})"
            )
        raise NotFound(
            f"candidate {candidate_id} was not enrolled on {day.isoformat()} (enrolled on "
            f"{facts[0].effective_on.isoformat()})"
        )
    return status


@click.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--as-of", type=DATE, default=None, help="The date to look at (default today).")
@click.option(
    "--known-at",
    type=INSTANT,
    default=None,
    help="Only what the ledger held at this instant (ISO 8601; a bare date means the "
    "end of that day, Europe/Paris). Default: now.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(
    ctx: click.Context,
    candidate_id: str,
    as_of: date | None,
    known_at: datetime | None,
    as_json: bool,
) -> None:
    """A candidate's status on a date: competencies, blocks, title and certificates.

    \b
    Example:
      certledger status V1 --as-of 2022-06-19
      certledger status V1 --as-of 2018-12-31 --known-at 2019-01-15 --json
    """
    result = load_status(session_of(ctx).ledger(), candidate_id, as_of, known_at)
    if as_json:
        emit_json(result.as_json())
        return
    click.echo(
        f"Candidate {result.candidate} as of {result.as_of} (known at {result.known_at}): "
        f"{result.state}, route {result.route}, referential {result.referential}"
    )
    click.echo(
        f"title {result.title.code}: awarded {yes(result.title.awarded)}"
        + (f" on {result.title.awarded_on}" if result.title.awarded_on else "")
        + f"; eligible {yes(result.title.eligible)} ({result.title.counting} of "
        f"{result.title.required} required)"
        + (f"; certificate {result.title.certificate}" if result.title.certificate else "")
    )
    table(
        "Blocks",
        ["block", "awarded", "counts", "valid until", "eligible", "certificate"],
        [
            [
                b.code,
                b.awarded_on or "no",
                yes(b.counts),
                "permanent" if b.permanent else b.valid_until,
                f"{yes(b.eligible)} ({b.counting}/{b.required})",
                b.certificate,
            ]
            for b in result.blocks
        ],
    )
    if result.competencies:
        table(
            f"Competencies ({result.counting_competencies} count)",
            ["code", "validated on", "valid until", "counts", "decision"],
            [
                [
                    c.code,
                    c.validated_on,
                    "permanent" if c.permanent else c.valid_until,
                    yes(c.counts),
                    c.decision,
                ]
                for c in result.competencies
            ],
        )
    if result.certificates:
        table(
            "Certificates",
            ["number", "kind", "subject", "issued on", "state"],
            [[c.number, c.kind, c.subject, c.issued_on, c.state] for c in result.certificates],
        )


@click.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@click.pass_context
def history(ctx: click.Context, candidate_id: str, as_json: bool) -> None:
    """Every event about a candidate, in recording order, with who recorded it and when.

    \b
    Example:
      certledger history V1 --json
    """
    from projections.history import history as history_of

    events = history_of(session_of(ctx).ledger().candidate_facts(candidate_id))
    if as_json:
        emit_json(events)
        return
    table(
        f"History of candidate {candidate_id}",
        ["event", "type", "effective on", "recorded at", "by", "data"],
        [
            [
                e["id"],
                e["type"],
                e["effective_on"],
                e["recorded_at"].isoformat(timespec="seconds"),
                e["recorded_by"],
                _summary(e["data"]),
            ]
            for e in events
        ],
    )


def _summary(data: dict[str, object]) -> str:
    parts = []
    for key, value in data.items():
        if isinstance(value, tuple | list):
            value = ",".join(str(v) for v in value) or "-"
        if isinstance(value, dict):
            value = "{…}"
        parts.append(f"{key}={value}")
    return " ".join(parts)


@candidate.command("list", context_settings=CONTEXT)
@click.option(
    "--state",
    type=click.Choice(["enrolled", "in_progress", "certified", "withdrawn"]),
    default=None,
    help="Only candidates in this state.",
)
@click.option("--route", default=None, help="Only candidates on this route.")
@click.option("--block", default=None, help="Only candidates for whom this block counts.")
@click.option("--as-of", type=DATE, default=None, help="The date to look at (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def list_candidates(
    ctx: click.Context,
    state: str | None,
    route: str | None,
    block: str | None,
    as_of: date | None,
    as_json: bool,
) -> None:
    """List candidates with their state on a date, filtered by state, route or block.

    \b
    Example:
      certledger candidate list --state certified --route vae
      certledger candidate list --block BC01 --json
    """
    from projections.status import candidate_status

    ledger = session_of(ctx).ledger()
    day = as_of or ledger.clock.today()
    now = ledger.clock.now()
    versions = ledger.versions()
    wanted_block = None
    if block is not None:
        found = versions.at(day).referential.block(block)
        if found is None:
            from ledger.exceptions import RuleViolation

            raise RuleViolation(
                1, f"block {block} does not exist in the referential in force on {day}"
            )
        wanted_block = found.code
    rows = []
    for candidate_id in ledger.candidate_ids():
        result = candidate_status(
            ledger.candidate_facts(candidate_id), versions, as_of=day, known_at=now
        )
        if result is None:
            continue
        if (state and result.state != state) or (route and result.route != route):
            continue
        counting_blocks = [b.code for b in result.blocks if b.counts]
        if wanted_block and wanted_block not in counting_blocks:
            continue
        rows.append(
            {
                "candidate": result.candidate,
                "state": result.state,
                "route": result.route,
                "counting_competencies": result.counting_competencies,
                "blocks": counting_blocks,
                "title": result.title.awarded,
            }
        )
    if as_json:
        emit_json(rows)
        return
    table(
        f"Candidates as of {day} ({len(rows)})",
        ["candidate", "state", "route", "competencies", "blocks counting", "title"],
        [
            [
                r["candidate"],
                r["state"],
                r["route"],
                r["counting_competencies"],
                ",".join(str(b) for b in r["blocks"]) or "-",
                yes(bool(r["title"])),
            ]
            for r in rows
        ],
    )


COMMANDS = [status, history]
