"""`status`, `history` and `candidate list`: the read side, from the projections."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from cli.candidates import candidate
from cli.events import sentence
from cli.main import CONTEXT, session_of, warn
from cli.output import (
    ProgressBar,
    csv_dialect_option,
    emit_json,
    print_rows,
    say,
    show_date,
    show_instant,
    show_validity,
    stream_json,
    table,
    yes,
)
from cli.params import DATE, INSTANT
from ledger.i18n import _, show_state

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def time_axes(f: F) -> F:
    """--as-of and --known-at, the two time axes of every read."""
    f = click.option(
        "--known-at",
        type=INSTANT,
        default=None,
        help="Only what the ledger held at this instant (ISO 8601; a bare date means the end "
        "of that day, Europe/Paris; @N means up to log position N). Default: now.",
    )(f)
    f = click.option(
        "--as-of", type=DATE, default=None, help="The date to look at (default today)."
    )(f)
    return f


@click.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@time_axes
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(
    ctx: click.Context,
    candidate_id: str,
    as_of: date | None,
    known_at: datetime | int | None,
    as_json: bool,
) -> None:
    """A candidate's status on a date: competencies, blocks, title and certificates.

    \b
    Example:
      certledger status V1 --as-of 2022-06-19
      certledger status V1 --as-of 2018-12-31 --known-at 2019-01-15 --json
    """
    from projections.reads import cpf_standing, load_status, status_warnings

    ledger = session_of(ctx).ledger()
    result = load_status(ledger, candidate_id, as_of, known_at, personal=False)
    cpf = cpf_standing(ledger, result, known_at)
    warnings = status_warnings(ledger, result, known_at)
    if as_json:
        emit_json({**result.as_json(), "cpf": cpf, "warnings": warnings})
        return
    click.echo(
        _(
            "Candidate {candidate} as of {as_of} (known at {known_at}): {state}, route "
            "{route}, referential {referential}"
        ).format(
            candidate=result.candidate,
            as_of=show_date(result.as_of),
            known_at=show_known_at(result.known_at),
            state=show_state(result.state),
            route=result.route,
            referential=result.referential,
        )
    )
    for warning in warnings:
        click.echo(_("Warning: {warning}").format(warning=warning))
    title = result.title
    parts = [
        _("title {code}: awarded {awarded}").format(code=title.code, awarded=yes(title.awarded))
    ]
    if title.awarded_on:
        parts[-1] += " " + _("on {day}").format(day=show_date(title.awarded_on))
    if title.derogation:
        parts[-1] += " " + _("(by derogation)")
    if title.revoked_on:
        parts[-1] += ", " + _("revoked from {day}").format(day=show_date(title.revoked_on))
    parts.append(
        _("eligible {eligible} ({counting} of {required} required)").format(
            eligible=yes(title.eligible), counting=title.counting, required=title.required
        )
    )
    if title.certificate:
        parts.append(_("certificate {number}").format(number=title.certificate))
    click.echo("; ".join(parts))
    if title.note:
        click.echo(title.note)
    table(
        _("Blocks"),
        [_("block"), _("awarded"), _("counts"), _("validity"), _("eligible"), _("certificate")],
        [
            [
                b.code,
                (show_date(b.awarded_on) if b.awarded_on else _("no"))
                + (" " + _("(by derogation)") if b.derogation else ""),
                yes(b.counts),
                _validity(b.permanent, b.valid_until),
                f"{yes(b.eligible)} ({b.counting}/{b.required})",
                b.certificate,
            ]
            for b in result.blocks
        ],
        wrap=(_("awarded"), _("validity")),
    )
    if result.competencies:
        table(
            _("Competencies ({count} count)").format(count=result.counting_competencies),
            [_("code"), _("validated on"), _("validity"), _("counts"), _("decision")],
            [
                [
                    c.code,
                    show_date(c.validated_on),
                    _validity(c.permanent, c.valid_until),
                    yes(c.counts),
                    c.decision + (" " + _("(by derogation)") if c.derogation else ""),
                ]
                for c in result.competencies
            ],
            wrap=(_("validity"), _("decision")),
        )
    if result.certificates:
        table(
            _("Certificates"),
            [_("number"), _("kind"), _("subject"), _("issued on"), _("state")],
            [
                [c.number, c.kind, c.subject, show_date(c.issued_on), show_state(c.state)]
                for c in result.certificates
            ],
        )
    if cpf:
        table(
            _("CPF flow (Caisse des Dépôts)"),
            [_("decision"), _("state"), _("flow"), _("message")],
            [[c["decision"], show_state(c["state"]), c["flow"], c["message"]] for c in cpf],
            wrap=(_("message"),),
        )


def _validity(permanent: bool, until: date | None) -> str:
    if permanent:
        return _("permanent")
    return show_validity(until) if until else ""


def show_known_at(known_at: str) -> str:
    """What the ledger held, as status objects name it (`ISO-instant`, `@N`, or both), with
    the instant in Paris time."""
    return " ".join(
        part if part.startswith("@") else show_instant(part) for part in known_at.split()
    )


@click.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@time_axes
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.pass_context
def explain(
    ctx: click.Context,
    candidate_id: str,
    as_of: date | None,
    known_at: datetime | int | None,
    as_json: bool,
) -> None:
    """Why a candidate's status is what it is: each item with the events behind it.

    For every competency, block, the title and each certificate: the decisions, jury
    sessions, evidence, corrections and the referential version applied.

    \b
    Example:
      certledger explain V1 --as-of 2022-06-20
      certledger explain V1 --as-of 2018-12-31 --known-at 2019-01-15 --json
    """
    from projections.reads import explain_candidate

    result, document = explain_candidate(session_of(ctx).ledger(), candidate_id, as_of, known_at)
    if as_json:
        emit_json(document)
        return
    click.echo(
        _(
            "Candidate {candidate} as of {as_of} (known at {known_at}), referential {referential}"
        ).format(
            candidate=result.candidate,
            as_of=show_date(result.as_of),
            known_at=show_known_at(result.known_at),
            referential=result.referential,
        )
    )
    state = document["state"]
    click.echo(
        _("state {state}: {why}  [{events}]").format(
            state=show_state(state["value"]), why=state["why"], events=_cite(state["because"])
        )
    )
    route = state["route"]
    click.echo(
        _("route {route}: {why}  [{events}]").format(
            route=route["value"], why=route["why"], events=_cite(route["because"])
        )
    )
    for heading, items in (
        (_("Competencies"), document["competencies"]),
        (_("Blocks"), document["blocks"]),
        (_("Title"), [document["title"]]),
        (_("Certificates"), document["certificates"]),
    ):
        if not items:
            continue
        click.echo(f"\n{heading}")
        for item in items:
            name = item.get("number") or item.get("code")
            say(f"{name}: {item['why']}", indent=2)
            for event in item["because"]:
                say(
                    _("{event} {type} effective {effective}, recorded {recorded} by {by}").format(
                        event=event["event"],
                        type=event["type"],
                        effective=show_date(event["effective_on"]),
                        recorded=show_instant(event["recorded_at"]),
                        by=event["recorded_by"],
                    )
                    + (
                        ", " + _("referential {version}").format(version=event["referential"])
                        if event["referential"]
                        else ""
                    ),
                    indent=6,
                )


def _cite(events: list[dict[str, Any]]) -> str:
    return ", ".join(f"{e['event']} {e['type']}" for e in events)


@click.command(context_settings=CONTEXT)
@time_axes
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--under",
    "under_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Dry run: who would gain or lose a block or the title under this referential file.",
)
@click.option(
    "--under-from",
    type=DATE,
    default=None,
    help="With --under: the date it would apply from (default: the first version's).",
)
@click.pass_context
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes sharing the replay, each a slice of the candidates (same output).",
)
@csv_dialect_option
def replay(
    ctx: click.Context,
    as_of: date | None,
    known_at: datetime | int | None,
    fmt: str,
    under_file: Path | None,
    under_from: date | None,
    jobs: int,
    csv_dialect: str,
) -> None:
    """Every candidate's status as of a date, in one streaming pass over the ledger.

    With --under FILE, writes nothing and lists who would gain or lose a block or the title
    had that referential applied.

    \b
    Example:
      certledger replay --as-of 2019-12-31 --format csv > statuses-2019.csv
      certledger replay --as-of 2019-12-31 --format csv --jobs 2 > statuses-2019.csv
      certledger replay --as-of 2019-12-31 --under rules-lifelong.toml
    """
    from projections.reads import axes, replay_statuses, under_referential

    ledger = session_of(ctx).ledger()
    day, instant, position = axes(ledger, as_of, known_at)
    if under_file is not None:
        start, changes = under_referential(ledger, under_file, under_from, day, instant, position)
        print_rows(
            fmt,
            (c.as_json() for c in changes),
            ["candidate", "gains", "loses"],
            _("Under {file} from {start}, as of {day}").format(
                file=under_file, start=show_date(start), day=show_date(day)
            ),
            csv_dialect,
        )
        return
    with ProgressBar(ledger.queries.candidate_count(), _("candidates")) as advance:
        documents = replay_statuses(
            ledger,
            session_of(ctx).store,
            day,
            instant,
            position,
            "json" if fmt == "json" else "row",
            jobs,
            advance,
        )
        if fmt == "json":
            stream_json(documents)
            return
        columns = list(STATUS_COLUMNS if fmt == "csv" else STATUS_TABLE_COLUMNS)
        if fmt == "table":
            documents = ({**d, "state": show_state(d["state"])} for d in documents)
        print_rows(
            fmt,
            documents,
            columns,
            _("Statuses as of {day}").format(day=show_date(day)),
            csv_dialect,
            wrap=("blocks_counting", "blocks_awarded", "certificates_held"),
            headers={
                "candidate": _("candidate"),
                "route": _("route"),
                "state": _("state"),
                "counting_competencies": _("competencies"),
                "blocks_counting": _("blocks counting"),
                "title_awarded": _("title"),
            },
        )


STATUS_TABLE_COLUMNS = (
    "candidate",
    "route",
    "state",
    "counting_competencies",
    "blocks_counting",
    "title_awarded",
)
STATUS_COLUMNS = (
    "candidate",
    "as_of",
    "route",
    "state",
    "counting_competencies",
    "blocks_counting",
    "blocks_awarded",
    "title_awarded",
    "title_awarded_on",
    "title_eligible",
    "certificates_held",
)


@click.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@click.pass_context
def history(ctx: click.Context, candidate_id: str, as_json: bool) -> None:
    """Every event about a candidate, in recording order, with who recorded it and when:
    their own stream, and the convening of each jury session that decided about them.

    \b
    Example:
      certledger history V1 --json
    """
    from projections.reads import candidate_history

    events = candidate_history(session_of(ctx).ledger(), candidate_id)
    if as_json:
        emit_json(events)
        return
    table(
        _("History of candidate {candidate}").format(candidate=candidate_id),
        [_("event"), _("effective on"), _("recorded at"), _("by"), _("what")],
        [
            [
                e["id"],
                show_date(e["effective_on"]),
                show_instant(e["recorded_at"]),
                e["recorded_by"],
                sentence(e["type"], e["data"]),
            ]
            for e in events
        ],
        wrap=(_("recorded at"), _("by"), _("what")),
    )


@candidate.command("list", context_settings=CONTEXT)
@click.option(
    "--state",
    type=click.Choice(["enrolled", "in_progress", "certified", "withdrawn", "revoked"]),
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
    from projections.reads import list_candidates

    ledger = session_of(ctx).ledger()
    day = as_of or ledger.clock.today()
    rows = [r.as_json() for r in list_candidates(ledger, day, state, route, block, warn=warn)]
    if as_json:
        emit_json(rows)
        return
    table(
        _("Candidates as of {day} ({count})").format(day=show_date(day), count=len(rows)),
        [
            _("candidate"),
            _("state"),
            _("route"),
            _("competencies"),
            _("blocks counting"),
            _("title"),
        ],
        [
            [
                r["candidate"],
                show_state(r["state"]),
                r["route"],
                r["counting_competencies"],
                ", ".join(str(b) for b in r["blocks"]) or "-",
                yes(bool(r["title"])),
            ]
            for r in rows
        ],
        wrap=(_("blocks counting"),),
    )


COMMANDS = [status, explain, history, replay]
