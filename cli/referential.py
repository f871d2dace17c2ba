"""`init` and `referential show/validate/publish`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from cli.main import CONTEXT, recording, report, session_of
from cli.output import emit_json, show_date, show_instant, table
from cli.params import DATE
from ledger.i18n import _


@click.command(context_settings=CONTEXT)
@click.option(
    "--referential",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A referential file (TOML or JSON) instead of the bundled RNCP13080 one.",
)
@click.option(
    "--effective-from",
    type=DATE,
    default=None,
    help="The first date its rules apply to (default 2006-03-05, the first registration).",
)
@recording
@click.pass_context
def init(
    ctx: click.Context,
    path: Path | None,
    effective_from: date | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Create the store and publish the referential into it.

    Without --referential, publishes the bundled RNCP13080 referential effective from
    2006-03-05, so that facts from 2006 on can be recorded.

    \b
    Example:
      certledger init
      certledger --store ledger.db init --referential rules.toml --effective-from 2016-09-07
    """
    from ledger.referential import read_referential_file

    session = session_of(ctx)
    text, source = None, _("bundled RNCP13080 referential")
    if path is not None:
        text, __ = read_referential_file(path)
        source = str(path)
    result = session.create(
        text=text, effective_from=effective_from, source=source, request_id=request_id
    )
    ledger = session.ledger()
    result["store"] = str(ledger.store)
    report(
        result,
        as_json,
        _(
            "Initialised {store}: referential version {version} effective from "
            "{effective_from} (sha256 {digest})."
        ).format(
            store=ledger.store,
            version=result["version"],
            effective_from=show_date(result["effective_from"]),
            digest=result["sha256"],
        ),
    )


@click.group(context_settings=CONTEXT)
def referential() -> None:
    """Show, validate and publish the referential (the rules, as data).

    \b
    Example:
      certledger referential show --as-of 2018-01-01
      certledger referential validate rules.toml
    """


@referential.command(context_settings=CONTEXT)
@click.option("--as-of", type=DATE, default=None, help="The version in force on this date.")
@click.option("--json", "as_json", is_flag=True, help="Print the referential as JSON.")
@click.pass_context
def show(ctx: click.Context, as_of: date | None, as_json: bool) -> None:
    """Show the referential in force on a date (default today).

    \b
    Example:
      certledger referential show --as-of 2017-06-20 --json
    """
    ledger = session_of(ctx).ledger()
    published = ledger.queries.versions().at(as_of or ledger.clock.today())
    ref = published.referential
    document = {
        **ref.as_json(),
        "version": published.version,
        "effective_from": published.effective_from.isoformat(),
        "sha256": published.sha256,
        "published_at": published.fact.recorded_at,
        "published_by": published.fact.recorded_by,
    }
    if as_json:
        emit_json(document)
        return
    click.echo(f"{ref.code} — {ref.name}")
    click.echo(
        _(
            "version {version}, effective from {day}, published {published} by {by}, sha256 "
            "{sha256}"
        ).format(
            version=published.version,
            day=show_date(published.effective_from),
            published=show_instant(published.fact.recorded_at),
            by=published.fact.recorded_by,
            sha256=published.sha256,
        )
    )
    click.echo(
        _(
            "title: {required} of {count} competencies; competencies stay valid {years} years"
        ).format(required=ref.title.required, count=len(ref.competencies), years=ref.validity_years)
        + "; "
        + (
            _("competencies validated by VAE are acquired for good")
            if ref.vae_permanent
            else _("competencies validated by VAE expire likewise")
        )
    )
    periods = ", ".join(f"{show_date(r.start)} → {show_date(r.end)}" for r in ref.registrations)
    click.echo(_("RNCP registrations: {periods}").format(periods=periods))
    table(
        _("Blocks"),
        [_("block"), _("label"), _("required"), _("competencies"), _("épreuves")],
        [
            [
                b.code,
                b.label,
                f"{b.required}/{len(b.competencies)}",
                ", ".join(b.competencies),
                ", ".join(f"{e.code} ({e.kind})" for e in b.epreuves),
            ]
            for b in ref.blocks
        ],
        wrap=(_("label"), _("competencies"), _("épreuves")),
    )
    click.echo(
        "; ".join(
            [
                _("the title is awarded on every block held")
                if ref.title_by_all_blocks
                else _("holding every block does not award the title by itself"),
                _("minimum age at enrolment {years}").format(years=ref.minimum_age_years),
                _("CPF transmission duty from {day}").format(day=show_date(ref.cpf_flow_from))
                if ref.cpf_flow_from
                else _("no CPF transmission duty"),
                _("VAE jury balance required")
                if ref.vae_jury_balance_required
                else _("VAE jury balance: a finding of the audit"),
            ]
        )
    )
    table(
        _("Routes (rule 12: when a candidate may be put on them)"),
        [_("route"), _("open"), _("CPF modaliteAcces")],
        [[r.code, r.openings, r.cpf_modalite] for r in ref.routes],
        wrap=(_("open"),),
    )
    table(
        _("Jury per route"),
        [_("route"), _("roles")],
        [[route, ", ".join(roles)] for route, roles in ref.jury.items()],
        wrap=(_("roles"),),
    )


@referential.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def validate(file: Path, as_json: bool) -> None:
    """Check a referential file: every problem, each naming its item (exit 1 if any).

    Also reports the arithmetic of blocks against the competency list.

    \b
    Example:
      certledger referential validate rules.toml
    """
    from ledger.exceptions import ReferentialInvalid
    from ledger.referential import arithmetic, read_referential_file, sha256

    try:
        text, ref = read_referential_file(file)
    except ReferentialInvalid as e:
        if as_json:
            emit_json({"valid": False, "file": str(file), "problems": e.problems, "notes": []})
        else:
            click.echo(_("Error: {e}").format(e=e), err=True)
            for problem in e.problems:
                click.echo(f"  - {problem}", err=True)
        raise click.exceptions.Exit(1) from None
    notes = arithmetic(ref)
    document: dict[str, Any] = {
        "valid": True,
        "file": str(file),
        "version": ref.version,
        "sha256": sha256(text),
        "problems": [],
        "notes": notes,
    }
    if as_json:
        emit_json(document)
        return
    click.echo(
        _("{file}: valid referential {code} version {version}").format(
            file=file, code=ref.code, version=ref.version
        )
    )
    for note in notes:
        click.echo(f"  {note}")


@referential.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--effective-from", type=DATE, required=True, help="First date its rules apply to.")
@recording
@click.pass_context
def publish(
    ctx: click.Context, file: Path, effective_from: date, request_id: str | None, as_json: bool
) -> None:
    """Publish a new referential version into the ledger, with its content and SHA-256.

    Facts dated on or after --effective-from are judged under it; earlier facts keep the
    version in force on their own date.

    \b
    Example:
      certledger referential publish rules-2019.toml --effective-from 2019-10-04
    """
    from ledger.referential import read_referential_file

    session = session_of(ctx)
    text, __ = read_referential_file(file)
    result = session.ledger().publish_referential(
        text, effective_from, by=session.actor, source=str(file), request_id=request_id
    )
    report(
        result,
        as_json,
        _(
            "Published referential version {version} effective from {effective_from} "
            "(sha256 {digest})."
        ).format(
            version=result["version"],
            effective_from=show_date(result["effective_from"]),
            digest=result["sha256"],
        ),
    )


@referential.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--effective-from", type=DATE, required=True, help="The renewal's first day.")
@click.option(
    "--correspondence",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV of the old fiche's blocks and the new one's: old_block,new_block.",
)
@recording
@click.pass_context
def succeed(
    ctx: click.Context,
    file: Path,
    effective_from: date,
    correspondence: Path,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Publish the referential of a renewed fiche (a new number, new blocks) from a date.

    The correspondence table says which block of the new fiche each block of the old one
    counts as: from --effective-from, a block awarded under the old fiche counts as its
    correspondent (status, explain, statistics); before it, nothing changes. Awards keep the
    code of the fiche they were made under (the CPF flow sends each under its own).

    \b
    Example:
      certledger referential succeed rncp34567.toml --effective-from 2019-10-05 \\
          --correspondence rncp13080-to-34567.csv
    """
    from ledger.exceptions import InvalidInput
    from ledger.referential import read_referential_file
    from ledger.usecases.referentials import read_correspondence

    session = session_of(ctx)
    text, __ = read_referential_file(file)
    try:
        table_bytes = correspondence.read_bytes()
    except OSError as e:
        raise InvalidInput(f"correspondence {correspondence}: {e.strerror or e}") from None
    pairs = read_correspondence(table_bytes, str(correspondence))
    result = session.ledger().succeed_referential(
        text, effective_from, pairs, by=session.actor, source=str(file), request_id=request_id
    )
    sentence = (
        _(
            "Published referential version {version} of {code} effective from "
            "{effective_from}, succeeding {predecessor}: "
        ).format(
            version=result["version"],
            code=result["code"],
            effective_from=show_date(result["effective_from"]),
            predecessor=result["succeeds"],
        )
        + ", ".join(f"{p['old']} -> {p['new']}" for p in result["correspondence"])
        + "."
    )
    if result["unmapped"]:
        sentence += _(" Blocks with no correspondent: {listing}.").format(
            listing=", ".join(result["unmapped"])
        )
    report(result, as_json, sentence)


COMMANDS = [init, referential]
