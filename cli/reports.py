"""`report ...`: what the certifier owes the regulator (CPF flow, statistics)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import click

from cli.main import CONTEXT, session_of
from cli.output import ProgressBar, emit_json
from cli.params import DATE, check_period
from ledger.i18n import _, show_date


@click.group(context_settings=CONTEXT)
def report() -> None:
    """Compliance outputs: the CPF holders flow and France Compétences statistics.

    \b
    Example:
      certledger report cpf --emitter-id AB123CDE --certifier-id E564ACB0 \\
          --contract-id 2560080000127J -o flux.xml
      certledger report check-cpf flux.xml
      certledger report stats --format csv > stats.csv
    """


def _client_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]{8}", value):
        raise click.BadParameter(
            _("{value!r} is not an 8-character client id (letters, digits)").format(value=value)
        )
    return value


def _contract_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]{1,20}", value):
        raise click.BadParameter(
            _("{value!r} is not a contract id (1 to 20 letters or digits)").format(value=value)
        )
    return value


@report.command("cpf", context_settings=CONTEXT)
@click.option(
    "--emitter-id",
    required=True,
    callback=_client_id,
    help="The emitter's client id at the Caisse des Dépôts (8 characters).",
)
@click.option(
    "--certifier-id",
    required=True,
    callback=_client_id,
    help="The certifier's client id (8 characters).",
)
@click.option(
    "--contract-id",
    required=True,
    callback=_contract_id,
    help="The certifier's contract id (1 to 20 characters).",
)
@click.option("--from", "start", type=DATE, default=None, help="Awards deliberated on or after.")
@click.option("--to", "end", type=DATE, default=None, help="Awards deliberated on or before.")
@click.option(
    "--all", "everything", is_flag=True, help="Every award, sent before or not (a full flow)."
)
@click.option("--dry-run", is_flag=True, help="Say what the flow would hold; write nothing.")
@click.option(
    "--max-passages",
    type=click.IntRange(1, 200_000),
    default=200_000,
    show_default=True,
    help="Passages per file (the Caisse des Dépôts' limit).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    required=True,
    help="The XML file to write (several files -001, -002… beyond the limit), or a folder "
    "(an existing one, or a name ending in /, made if missing): the files are then named "
    "certledger-cpf-EMITTER-YYYYMMDD-NNNN.xml, unique per emitter.",
)
@click.option("--force", is_flag=True, help="Overwrite the flow's files if they exist.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def cpf(
    ctx: click.Context,
    emitter_id: str,
    certifier_id: str,
    contract_id: str,
    start: date | None,
    end: date | None,
    everything: bool,
    dry_run: bool,
    max_passages: int,
    output: str,
    force: bool,
    as_json: bool,
) -> None:
    """Write the CPF "accrochage" flow (XSD 1.1.2) of the title awards to declare.

    Holds the awards not transmitted yet, or corrected since (identity rectified); --all
    holds every award. Each file written is checked against the XSD and recorded in the
    ledger (TransmissionRecorded, with its SHA-256 and the log position read), so that the
    next flow is a delta. With nothing to send: no file, exit 0.

    \b
    Example:
      certledger report cpf --emitter-id AB123CDE --certifier-id E564ACB0 \\
          --contract-id 2560080000127J -o flux-2019-12.xml
    """
    from ledger.usecases.transmission import FlowRequest

    check_period(start, end)
    session = session_of(ctx)
    request = FlowRequest(
        emitter_id,
        certifier_id,
        contract_id,
        Path(output),
        start,
        end,
        everything,
        dry_run,
        max_passages,
        into_folder=output.endswith(("/", os.sep)),
        replace=force,
    )
    ledger = session.ledger()
    # One pass over the candidates chooses the passages, one more writes them.
    passes = 1 if dry_run else 2
    with ProgressBar(ledger.queries.candidate_count() * passes, "candidates") as advance:
        sent = ledger.transmit_cpf(request, by=session.actor, progress=advance)
    if sent.passages == 0 and sent.left_out:
        message = _(
            "Nothing to send: the awards to send belong to holders whose personal data was erased."
        )
    elif sent.passages == 0 and (start or end):
        asked = (("--from", start), ("--to", end))
        window = " ".join(f"{option} {show_date(day)}" for option, day in asked if day)
        message = _(
            "Nothing to send: no award deliberated in the window asked ({window}) is to send "
            "(log position {position})."
        ).format(window=window, position=sent.position)
    elif sent.passages == 0:
        message = _(
            "Nothing to send: every award known at log position {position} was transmitted."
        ).format(position=sent.position)
    elif sent.dry_run:
        message = _(
            "Would write {passages} passage(s) into {files} (dry run: nothing written)."
        ).format(passages=sent.passages, files=", ".join(sent.files))
    else:
        message = "\n".join(
            _("Wrote {file}: {passages} passage(s), flux {flux_id}, sha256 {sha256}.").format(**f)
            for f in sent.files
        ) + _("\nRecorded the transmission (log position {position}).").format(
            position=sent.position
        )
    if sent.left_out:
        message += _("\nLeft out, personal data erased ({count}): ").format(
            count=len(sent.left_out)
        ) + ", ".join(entry["decision"] for entry in sent.left_out)
    for entry in sent.uncorrected:
        message += _(
            "\nNot sent again, refused by the Caisse des Dépôts and not corrected since: "
            "{decision} « {message} » (correct it with `candidate rectify-identity`)"
        ).format(decision=entry["decision"], message=entry["message"])
    _say(as_json, sent.as_json(), message)


def _say(as_json: bool, document: dict[str, Any], sentence: str) -> None:
    if as_json:
        emit_json(document)
    else:
        click.echo(sentence)


@report.command("check-cpf", context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--xsd",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Another copy of the XSD (default: the 1.1.2 shipped).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check_cpf(file: Path, xsd: Path | None, as_json: bool) -> None:
    """Check any CPF flow file against the XSD 1.1.2 and summarise it (exit 1 if invalid).

    \b
    Example:
      certledger report check-cpf flux-2019-12.xml
    """
    from ledger.cpf import check_flow

    result = check_flow(file, xsd)
    if as_json:
        emit_json(result.as_json())
    else:
        verdict = (
            _("valid")
            if result.valid
            else _("INVALID ({count} error(s))").format(count=len(result.errors))
        )
        click.echo(
            _(
                "{file}: {verdict}; {passages} passage(s) in {certifications} certification(s)"
            ).format(
                file=file,
                verdict=verdict,
                passages=result.passages,
                certifications=result.certifications,
            )
        )
        for line, message in result.errors:
            click.echo(
                _("  line {detail}: {message}").format(
                    detail=line if line is not None else "?", message=message
                )
            )
    if not result.valid:
        raise click.exceptions.Exit(1)


@report.command("cpf-ack", context_settings=CONTEXT)
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def cpf_ack(ctx: click.Context, reports: tuple[Path, ...], as_json: bool) -> None:
    """Read the Caisse des Dépôts' processing reports of flows sent ("accusés de traitement").

    Each passage becomes accepted or refused (its message kept verbatim), or, when a whole
    file was refused, every passage of it is to send again. The next `report cpf` sends
    again the refused passages once corrected, never an accepted one. Reading the same
    report twice records nothing the second time. Every report is checked before any is
    recorded: one refused, none is.

    \b
    Example:
      certledger report cpf-ack accuse-traitement-41873.xml
      certledger report cpf-ack rapports/*.xml --json
    """
    session = session_of(ctx)
    ledger = session.ledger()
    results = ledger.acknowledge_cpf(reports, by=session.actor)
    if as_json:
        emit_json(results[0] if len(results) == 1 else results)
        return
    for path, result in zip(reports, results, strict=True):
        if result["file_rejected"]:
            what = _("the whole file refused: its passages will be sent again")
        else:
            what = _("{accepted} accepted, {rejected} refused").format(
                accepted=result["accepted"], rejected=result["rejected"]
            )
        again = _(" (already read: nothing recorded)") if result.get("already_ingested") else ""
        click.echo(
            _("{path}: flow {flow} ({file}): {what}{again}.").format(
                path=path, flow=result["flow"], file=result["file"], what=what, again=again
            )
        )


COMMANDS = [report]
