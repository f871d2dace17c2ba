"""`report stats`: the yearly France Compétences statistics, by access route."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import click

from cli.main import CONTEXT, session_of
from cli.output import (
    csv_dialect_option,
    progress,
    show_instant,
    stream_json,
    table,
    write_csv,
)
from cli.params import INSTANT
from cli.reports import report
from ledger.i18n import _, show_percent


class YearType(click.ParamType[int, Any]):
    """A year written with four digits."""

    name = "YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not re.fullmatch(r"\d{4}", text):
            self.fail(
                _("{text!r} is not a year written with four digits (e.g. 2018)").format(text=text),
                param,
                ctx,
            )
        return int(text)


@report.command("stats", context_settings=CONTEXT)
@click.option("--year", type=YearType(), default=None, help="Only this deliberation year.")
@click.option(
    "--known-at",
    type=INSTANT,
    default=None,
    help="Only what the ledger held at this instant (ISO 8601; a bare date means the end "
    "of that day, Europe/Paris; @N means up to log position N). Default: now.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format (csv: see --csv-dialect).",
)
@csv_dialect_option
@click.pass_context
def stats(
    ctx: click.Context,
    year: int | None,
    known_at: datetime | int | None,
    fmt: str,
    csv_dialect: str,
) -> None:
    """Jury decisions per year and access route, as France Compétences asks for them.

    \b
    One row per year and route on which a decision was taken, then the year's total
    (route "all"; a candidate presented on two routes that year counts once there):
      year                 the year of the deliberation date
      route                the route the decision was taken under (in force that day)
      presented            distinct candidates with at least one decision that year
      certified            decisions awarding the title, its certificates not revoked
      certified_vae        of those, on a route the referential marks VAE
      blocks_awarded       blocks awarded (a decision awarding two blocks counts two)
      partial_validations  decisions validating a competency or more, not the title
      success_rate         certified / presented, rounded half up to 4 places
                           (0.0 when nobody was presented)
      revoked              title awards whose every certificate was revoked since
      by_derogation        decisions awarding or validating something under a derogation
      surveyed_6m/24m      holders counted in certified with a survey 6/24 months after
      answered_6m/24m      of those, the ones who answered
      insertion_6m/24m     employed / answered (empty when nobody answered)
      insertion_target_6m/24m   employed in the target job / answered

    Only decisions not annulled as the ledger knew them at --known-at count, with their
    content as rectified by then.

    \b
    Example:
      certledger report stats
      certledger report stats --year 2018 --format json
      certledger report stats --known-at 2019-01-31 --format csv > stats.csv
    """
    from projections.reads import axes, statistics
    from projections.statistics import COLUMNS

    ledger = session_of(ctx).ledger()
    __, instant, position = axes(ledger, None, known_at)
    rows = statistics(ledger, known_at, year, progress)
    if fmt == "json":
        stream_json(r.as_json() for r in rows)
        return
    if fmt == "csv":
        # Rates are numbers (decimal mark of the dialect), an empty cell when there is none.
        write_csv(COLUMNS, ([r.as_json()[c] for c in COLUMNS] for r in rows), csv_dialect)
        return
    seen = (
        _("known at {instant}").format(instant=show_instant(instant))
        if instant
        else _("known at @{position}").format(position=position)
    )
    several = len({r.fiche for r in rows}) > 1  # a renewed fiche: say which row is which
    table(
        _("Decisions by year and route ({seen})").format(seen=seen) + (f", {year}" if year else ""),
        [
            _("year"),
            *([_("fiche")] if several else []),
            _("route"),
            _("presented"),
            _("certified"),
            _("VAE"),
            _("blocks"),
            _("partial"),
            _("success"),
            _("revoked"),
            _("derog."),
        ],
        [
            [
                r.year,
                *([r.fiche] if several else []),
                r.route,
                r.presented,
                r.certified,
                r.certified_vae,
                r.blocks_awarded,
                r.partial_validations,
                show_percent(r.success_rate),
                r.revoked,
                r.by_derogation,
            ]
            for r in rows
        ],
    )
    for survey, months in (("6m", 6), ("24m", 24)):
        documents = [r.as_json() for r in rows]
        surveyed = [d for d in documents if d[f"surveyed_{survey}"]]
        if surveyed:
            table(
                _("Insertion {months} months after the title (of the holders who answered)").format(
                    months=months
                ),
                [
                    _("year"),
                    _("route"),
                    _("surveyed"),
                    _("answered"),
                    _("employed"),
                    _("in the target job"),
                ],
                [
                    [
                        d["year"],
                        d["route"],
                        d[f"surveyed_{survey}"],
                        d[f"answered_{survey}"],
                        _percent(d[f"insertion_{survey}"]),
                        _percent(d[f"insertion_target_{survey}"]),
                    ]
                    for d in surveyed
                ],
            )


def _percent(rate: float | None) -> str:
    return "-" if rate is None else show_percent(rate)


COMMANDS: list[click.Command] = []
"""`report stats` is attached to the `report` group itself."""
