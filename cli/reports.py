"""`report ...`: what the certifier owes the regulator (CPF flow, statistics)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.main import CONTEXT, session_of
from cli.output import emit_json
from cli.params import DATE
from ledger.exceptions import LedgerError

if TYPE_CHECKING:
    from ledger.application import Ledger
    from projections.cpf import Passage


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
        raise click.BadParameter(f"{value!r} is not an 8-character client id (letters, digits)")
    return value


def _contract_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]{1,20}", value):
        raise click.BadParameter(f"{value!r} is not a contract id (1 to 20 letters or digits)")
    return value


def selected_passages(
    ledger: Ledger, position: int, start: date | None, end: date | None, everything: bool
) -> Iterator[Passage]:
    """The passages the next flow holds, as known at log position `position`: the awards
    never sent, or whose content changed since it was (all of them with `everything`)."""
    from projections.cpf import passages
    from projections.status import known_dossier

    sent = ledger.transmitted()
    versions = ledger.versions().known_at(None, position)
    for facts in ledger.scan_candidates(personal=True):
        dossier = known_dossier(facts, None, position)
        if dossier is None:
            continue
        for passage in passages(dossier, versions, start, end):
            if everything or sent.get(passage.id_technique) != passage.digest:
                yield passage


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
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The XML file to write (several files -001, -002… beyond the limit).",
)
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
    output: Path,
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
    from ledger.clock import PARIS
    from projections.cpf import Header, file_names, holder_problems, validate_written, write_flow

    session = session_of(ctx)
    ledger = session.ledger()
    position = ledger.recorder.max_notification_id() or 0
    code = ledger.versions().at(ledger.clock.today()).referential.code
    count = 0
    problems: list[str] = []
    decisions: list[str] = []
    for passage in selected_passages(ledger, position, start, end, everything):
        count += 1
        problems += holder_problems(passage)
        if dry_run and len(decisions) < 1000:
            decisions.append(passage.decision)
    if problems:
        raise CpfRefused(
            f"the CPF flow cannot be written, {len(problems)} problem(s) with holder data: "
            + "; ".join(problems)
        )
    if count == 0:
        message = f"Nothing to send: every award known at log position {position} was transmitted."
        _say(as_json, {"passages": 0, "files": [], "position": position}, message)
        return
    if dry_run:
        names = [str(p) for p in file_names(output, -(-count // max_passages))]
        _say(
            as_json,
            {
                "passages": count,
                "files": names,
                "position": position,
                "decisions": decisions,
                "dry_run": True,
            },
            f"Would write {count} passage(s) into {', '.join(names)} (dry run: nothing written).",
        )
        return
    header = Header(
        emitter_id, certifier_id, contract_id, code, ledger.clock.now().astimezone(PARIS)
    )
    flux_ids = (str(uuid.uuid4()) for _ in iter(int, 1))
    written = write_flow(
        selected_passages(ledger, position, start, end, everything),
        count,
        output,
        header,
        flux_ids,
        max_passages,
    )
    for entry in written:
        errors = validate_written(entry.path)
        if errors:
            for other in written:
                other.path.unlink(missing_ok=True)
            raise LedgerError(
                f"the flow written to {entry.path} breaks the XSD ({errors[0]}); nothing recorded"
            )
    flows = [
        {"flux_id": w.flux_id, "file": w.path.name, "sha256": w.sha256, "passages": w.passages}
        for w in written
    ]
    ledger.record_transmissions(flows, kind="cpf-accrochage", position=position, by=session.actor)
    document = {
        "passages": count,
        "position": position,
        "files": [
            {
                "file": str(w.path),
                "flux_id": w.flux_id,
                "sha256": w.sha256,
                "passages": len(w.passages),
            }
            for w in written
        ],
    }
    _say(
        as_json,
        document,
        "\n".join(
            f"Wrote {w.path}: {len(w.passages)} passage(s), flux {w.flux_id}, sha256 {w.sha256}."
            for w in written
        )
        + f"\nRecorded the transmission (log position {position}).",
    )


def _say(as_json: bool, document: dict[str, Any], sentence: str) -> None:
    if as_json:
        emit_json(document)
    else:
        click.echo(sentence)


class CpfRefused(LedgerError):
    """Holder data missing or too long for the CPF flow: no file written."""


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
    from projections.cpf import check_flow

    result = check_flow(file, xsd)
    if as_json:
        emit_json(result.as_json())
    else:
        verdict = "valid" if result.valid else f"INVALID ({len(result.errors)} error(s))"
        click.echo(
            f"{file}: {verdict}; {result.passages} passage(s) in {result.certifications} "
            "certification(s)"
        )
        for line, message in result.errors:
            click.echo(f"  line {line if line is not None else '?'}: {message}")
    if not result.valid:
        raise click.exceptions.Exit(1)


COMMANDS = [report]
