"""`referential import-rncp`: a referential skeleton from France Compétences' open-data export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.main import CONTEXT
from cli.referential import referential
from ledger.i18n import _


class FicheType(click.ParamType[str, Any]):
    """A fiche code: RNCP13080, RS5678, or 13080 for RNCP13080."""

    name = "FICHE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ledger.rncp_export import fiche_code

        try:
            return fiche_code(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


@referential.command("import-rncp", context_settings=CONTEXT)
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--fiche",
    type=FicheType(),
    required=True,
    help="The fiche to import: RNCP13080, RS5678, or 13080 for RNCP13080.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The referential file to write (default: print it on stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
def import_rncp(export: Path, fiche: str, output: Path | None, force: bool) -> None:
    """Write a referential skeleton from France Compétences' open-data export (a zip of CSV).

    Takes what the export knows of the fiche: name, level, registration dates, blocks and
    their labels, certifier (name and SIRET), NSF and ROME codes, the access routes open
    (VoixdAccès) and the fiches it replaced or was replaced by; the routes, roles and jury
    of the bundled referential are the starting point. The export holds no competencies,
    thresholds nor épreuves: the file's comments say what the export left unknown and mark
    what to fill in (TO FILL); `referential validate` lists what is still missing. Writes
    nothing to the ledger. The export is the daily zip of France Compétences' open data
    (export-fiches-csv-YYYY-MM-DD.zip), as downloaded.

    \b
    Example:
      certledger referential import-rncp export-fiches-csv-2026-11-26.zip \\
          --fiche RNCP13080 -o rules.toml
      certledger referential validate rules.toml
      certledger referential import-rncp export-fiches-csv-2026-11-26.zip --fiche RS5678
    """
    from ledger.exceptions import AlreadyExists
    from ledger.rncp_export import read_fiche
    from ledger.rncp_skeleton import registration, skeleton_toml, still_missing

    found = read_fiche(export, fiche, str(export))
    text = skeleton_toml(found)
    missing = len(still_missing(text))
    summary = _("{count} block(s), {detail} registration period(s), {count2} open route(s)").format(
        count=len(found.blocks),
        detail=0 if registration(found) is None else 1,
        count2=len(found.routes),
    )
    if output is None:
        click.echo(text, nl=False)
        click.echo(
            _("Skeleton of {code}: {summary}.").format(code=found.code, summary=summary), err=True
        )
    else:
        from ledger.files import write_atomically

        try:
            write_atomically(output, text, replace=force)
        except FileExistsError:
            raise AlreadyExists(
                _("{output} exists already (add --force to overwrite it)").format(output=output)
            ) from None
        click.echo(
            _("Wrote the skeleton of {code} to {output}: {summary}.").format(
                code=found.code, output=output, summary=summary
            )
        )
    click.echo(
        _(
            "It is not a valid referential yet: fill in what its comments mark TO FILL; "
            "`certledger referential validate {value}` lists the {missing} item(s) still "
            "missing."
        ).format(value=output or "FILE", missing=missing),
        err=output is None,
    )


COMMANDS: list[click.Command] = []
"""Nothing at the top level: `import-rncp` registers on the `referential` group."""
