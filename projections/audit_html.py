"""The audit as one self-contained HTML page, usable at tens of thousands of candidates.

Summary first (cards that link to their sections), a chart of titles per year (inline SVG,
round ticks, each bar labelled), a table of contents with each section's count, then the
findings: each table sorted (oldest first), identifiers and dates never wrapped, long tables
folded in `<details>`, a print stylesheet. No script, no external asset: the file opens
offline. The page is written section by section, row by row (`write_page`), so building it
takes memory that does not grow with the ledger.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from html import escape
from io import StringIO
from typing import Any, Protocol

from ledger.i18n import _, language
from projections.audit import jury_to_look_at, late_by_type

ROUTE_COLOURS = {
    "formation_initiale": "#4e79a7",
    "apprentissage": "#f28e2b",
    "formation_continue": "#59a14f",
    "contrat_professionnalisation": "#b07aa1",
    "candidature_individuelle": "#c9a227",
    "vae": "#e15759",
}
OPEN_ROWS = 15
"""A table longer than this is folded (`<details>`), its size said on its fold."""
MAX_ROWS = 20_000
"""A table shows at most this many rows (the oldest), and says so: the JSON audit has all."""

STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:76rem;padding:0 1rem;color:#1d2433}
h1{font-size:1.6rem;margin-bottom:.2rem;overflow-wrap:anywhere}
h2{margin-top:2.2rem;border-bottom:2px solid #e3e7ef;padding-bottom:.3rem;font-size:1.25rem;
display:flex;align-items:baseline;gap:.6rem;flex-wrap:wrap}
h2 .n{font-size:.8rem;font-weight:600;border-radius:1rem;padding:.05rem .55rem;
background:#eef1f6;color:#1d2433}h2 .n.warn{background:#fde7c4}
h2 .top{margin-left:auto;font-size:.8rem;font-weight:400}
a{color:#1f5fbf}.muted{color:#5b6475}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.7rem;
margin:1.2rem 0}
.card{display:block;border:1px solid #e3e7ef;border-radius:.5rem;padding:.6rem .9rem;
color:inherit;text-decoration:none}.card:hover{border-color:#1f5fbf}
.card b{display:block;font-size:1.5rem;font-variant-numeric:tabular-nums}
.card.warn{border-color:#e8a33d;background:#fff8ec}.card.ok{border-color:#9ccf9a;
background:#f3fbf2}
nav.toc ol{columns:2 22rem;padding-left:1.4rem;margin:.6rem 0}
nav.toc li{break-inside:avoid;margin:.15rem 0}
nav.toc .n{font-variant-numeric:tabular-nums;color:#5b6475}
nav.toc .n.warn{color:#a15c00;font-weight:600}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1.2rem;font-size:.86rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eef1f6;vertical-align:top}
th{background:#f6f8fb;white-space:nowrap;position:sticky;top:0}
td.nw{white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
td.text{min-width:14rem}tr.total td{font-weight:600;background:#fafbfd}
.bad{color:#b3261e;font-weight:600}
.tag{display:inline-block;border-radius:.3rem;padding:0 .35rem;background:#eef1f6;
margin:0 .2rem .2rem 0;white-space:nowrap}
details{margin:.5rem 0 1rem}summary{cursor:pointer;color:#1f5fbf;padding:.2rem 0}
details[open] .scroll{max-height:80vh;overflow:auto}
.chart{overflow-x:auto}.chart svg{display:block}.chart svg.narrow{display:none}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
code{font-size:.85em}
@media (max-width:36rem){body{margin:1rem auto;font-size:14px}h1{font-size:1.3rem}
.cards{grid-template-columns:repeat(2,1fr);gap:.5rem}.card{padding:.45rem .6rem}
.card b{font-size:1.25rem}.chart svg.wide{display:none}.chart svg.narrow{display:block}
.card.ok{font-size:.85rem}.card.ok b{display:inline;
font-size:1rem;margin-right:.3rem}}
@media print{
@page{margin:1.4cm}
body{margin:0;max-width:none;font-size:10pt;color:#000}
a{color:inherit;text-decoration:none}
h2 .top,.noprint{display:none}
h2{break-after:avoid;margin-top:1.2rem}
.card{break-inside:avoid;padding:.3rem .5rem}.card b{font-size:1.1rem}
.scroll,details[open] .scroll{overflow:visible;max-height:none}
table{font-size:8pt}thead{display:table-header-group}tr{break-inside:avoid}
th{position:static}
.chart svg.wide{display:block;max-height:9cm}.chart svg.narrow{display:none}
summary{color:#000}
}
"""


class Source(Protocol):
    """What the page is made from: the audit's short parts, its long lists one row at a time
    (`projections.audit.Audit`, or a JSON document already made, `Document`)."""

    def head(self) -> dict[str, Any]: ...

    def rows(self, section: str) -> Iterator[dict[str, Any]]: ...

    def unbalanced_juries(self) -> list[dict[str, Any]]: ...

    def count(self, what: str) -> int:
        """How many rows a list has (`SECTIONS`), or: `jury_problems`, `derogations`,
        `unbacked_decisions` (decisions), `corrections` (rectifications and annulments)."""
        ...


class Document:
    """An audit's JSON document (`Audit.as_json()`) as a page's source."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def head(self) -> dict[str, Any]:
        types: dict[str, list[int]] = {}
        for fact in self.document["late_recordings"]:
            seen = types.setdefault(fact["type"], [0, 0])
            seen[0] += 1
            seen[1] = max(seen[1], fact["days_late"])
        return {
            "cpf_wait_days": 30,
            "late_recordings_by_type": late_by_type(types),
            **self.document,
        }

    def rows(self, section: str) -> Iterator[dict[str, Any]]:
        return iter(self.document[section])

    def unbalanced_juries(self) -> list[dict[str, Any]]:
        return list(self.document["vae_juries_unbalanced"])

    def count(self, what: str) -> int:
        decisions = self.document["decisions"]
        if what == "jury_problems":
            return sum(1 for d in decisions if jury_to_look_at(d))
        if what == "derogations":
            return sum(1 for d in decisions if d["derogation"])
        if what == "unbacked_decisions":
            return sum(1 for d in decisions if d["unbacked"])
        if what == "corrections":
            return sum(len(d["rectifications"]) + bool(d["annulment"]) for d in decisions)
        return len(self.document[what])


def _e(value: Any) -> str:
    """Text shown in an element (quotes left as they are)."""
    return escape("" if value is None else str(value), quote=False)


def _attribute(value: str) -> str:
    return escape(value, quote=True)


class Column:
    """A table column: its header, how a row shows in it, and its kind (`nw`: identifiers,
    codes and dates, never wrapped; `num`: right-aligned numbers; `text`: free text)."""

    def __init__(self, header: str, cell: Callable[[dict[str, Any]], str], kind: str = "") -> None:
        self.header = header
        self.cell = cell
        self.kind = kind


def _field(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: _e(row[name]) if row[name] not in (None, "") else "—"


def _code(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: f"<code>{_e(row[name])}</code>"


def nice_step(top: int, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) that cuts [0, top] in about `ticks`."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def chart(awards: list[dict[str, Any]]) -> str:
    """Titles awarded per year, stacked by route, as inline SVG: round ticks on the axis,
    each bar labelled with its total, each part with its count on hover."""
    if not awards:
        return '<p class="muted">' + _e(_("No title awarded in the period.")) + "</p>"
    by_year: dict[int, dict[str, int]] = defaultdict(dict)
    for row in awards:
        by_year[row["year"]][row["route"]] = row["titles"]
    years = list(range(min(by_year), max(by_year) + 1))
    totals = {year: sum(by_year[year].values()) for year in years}
    step_value = nice_step(max(totals.values()))
    top = math.ceil(max(totals.values()) / step_value) * step_value
    width, height, left, bottom, above = 900, 300, 56, 34, 22
    step = (width - left - 10) / len(years)
    bar = min(56.0, max(6.0, step * 0.7))
    scale = (height - bottom - above) / top
    label = _("Titles awarded per year, by access route")
    parts = [
        f'<svg class="wide" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{_attribute(label)}" '
        'font-family="system-ui,sans-serif">'
    ]
    for tick in range(0, top + 1, step_value):
        y = height - bottom - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#9aa3b2" if tick == 0 else "#e3e7ef"}"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#5b6475">{tick:,}</text>'
        )
    every = max(1, math.ceil(len(years) * 34 / (width - left)))
    for i, year in enumerate(years):
        x = left + i * step + (step - bar) / 2
        y = height - bottom
        for route, colour in ROUTE_COLOURS.items():
            n = by_year[year].get(route, 0)
            if not n:
                continue
            h = n * scale
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{year} {route}: {n}</title></rect>'
            )
        if totals[year]:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 5:.1f}" font-size="12" font-weight="600" '
                f'text-anchor="middle" fill="#1d2433">{totals[year]:,}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 18}" font-size="12" '
                f'text-anchor="middle" fill="#5b6475">{year}</text>'
            )
    parts.append("</svg>")
    parts.append(_narrow_chart(years, by_year, totals, step_value, top, label))
    shown = {row["route"] for row in awards}
    legend = "".join(
        f'<span><i style="background:{c}"></i>{_e(r)}</span>'
        for r, c in ROUTE_COLOURS.items()
        if r in shown
    )
    return (
        '<div class="chart">' + "".join(parts) + f'</div><div class="legend muted">{legend}</div>'
    )


def _narrow_chart(
    years: list[int],
    by_year: dict[int, dict[str, int]],
    totals: dict[int, int],
    step_value: int,
    top: int,
    label: str,
) -> str:
    """The same chart for a narrow screen: one horizontal bar per year, read top down."""
    width, left, right, row, above = 400, 44, 46, 20, 22
    height = above + row * len(years) + 6
    scale = (width - left - right) / top
    parts = [
        f'<svg class="narrow" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{_attribute(label)}" '
        'font-family="system-ui,sans-serif">'
    ]
    for tick in range(0, top + 1, step_value * (2 if top // step_value > 4 else 1)):
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{above - 4}" y2="{height - 4}" '
            f'stroke="{"#9aa3b2" if tick == 0 else "#e3e7ef"}"/>'
            f'<text x="{x:.1f}" y="{above - 8}" font-size="11" text-anchor="middle" '
            f'fill="#5b6475">{tick:,}</text>'
        )
    for i, year in enumerate(years):
        y = above + i * row + 2
        x = float(left)
        for route, colour in ROUTE_COLOURS.items():
            n = by_year[year].get(route, 0)
            if n:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{n * scale:.1f}" height="{row - 5}" '
                    f'fill="{colour}"><title>{year} {route}: {n}</title></rect>'
                )
                x += n * scale
        parts.append(
            f'<text x="{left - 6}" y="{y + row - 8}" font-size="12" text-anchor="end" '
            f'fill="#1d2433">{year}</text>'
        )
        if totals[year]:
            parts.append(
                f'<text x="{x + 4:.1f}" y="{y + row - 8}" font-size="12" font-weight="600" '
                f'text-anchor="start" fill="#1d2433">{totals[year]:,}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _awarded(decision: dict[str, Any]) -> str:
    """What a decision awarded, in words: "title, RNCP13080BC01, 9 competencies"."""
    parts = [*([_("title")] if decision["title"] else []), *decision["blocks"]]
    if decision["validated"]:
        parts.append(_("{count} competencies").format(count=len(decision["validated"])))
    return ", ".join(parts)


def _insertion(row: dict[str, Any], survey: str) -> str:
    overall, target = row[f"insertion_{survey}"], row[f"insertion_target_{survey}"]
    counts = _("{answered} answered of {surveyed} surveyed").format(
        answered=row[f"answered_{survey}"], surveyed=row[f"surveyed_{survey}"]
    )
    if overall is None:
        return _e(f"— ({counts})")
    return _e(f"{overall:.0%} ({target:.0%}); {counts}")


def _none() -> str:
    return '<span class="bad">' + _e(_("none")) + "</span>"


def _linked(decision: dict[str, Any]) -> str:
    """The linked members of an audited decision's jury, and whether any could not be read."""
    jury = decision["jury"]
    shown = _e(", ".join(jury["linked_members"])) or "—"
    if not jury.get("linked_checked", True):
        shown += " " + _e(_("(linked names unreadable: not checked)"))
    return shown


def _tags(values: Iterable[str]) -> str:
    return "".join(f'<span class="tag">{_e(v)}</span>' for v in values) or "—"


class Section:
    """One section of the page: its anchor, heading, note, columns and rows."""

    def __init__(
        self,
        anchor: str,
        heading: str,
        columns: list[Column],
        rows: Callable[[], Iterable[dict[str, Any]]],
        count: int,
        empty: str,
        note: str = "",
        warn: bool = True,
        strong: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.anchor = anchor
        self.heading = heading
        self.columns = columns
        self.rows = rows
        self.empty = empty
        self.note = note
        self.warn = warn
        self.count = count
        self.strong = strong
        """Rows shown in bold (a total)."""


def _sections(source: Source, wait_days: int) -> list[Section]:
    def listed(key: str) -> tuple[Callable[[], Iterable[dict[str, Any]]], int]:
        """A spooled list's rows (read as the page is written) and how many it holds."""
        return (lambda: source.rows(key)), source.count(key)

    def decisions(keep: Callable[[dict[str, Any]], bool]) -> Callable[[], Iterator[dict[str, Any]]]:
        return lambda: (d for d in source.rows("decisions") if keep(d))

    def corrections() -> Iterator[dict[str, Any]]:
        for d in source.rows("decisions"):
            for r in d["rectifications"]:
                yield {
                    "decision": d["decision"],
                    "kind": _("rectified"),
                    "on": r["recorded_at"][:10],
                    "by": r["recorded_by"],
                    "reason": _e(r["reason"])
                    + f' <span class="muted">({_e(", ".join(r["changes"]))})</span>',
                }
            if d["annulment"]:
                yield {
                    "decision": d["decision"],
                    "kind": _("annulled"),
                    "on": d["annulment"]["effective_on"],
                    "by": d["annulment"]["recorded_by"],
                    "reason": _e(d["annulment"]["reason"]),
                }

    def statistics() -> Iterator[dict[str, Any]]:
        return iter(source.head()["statistics"])

    decision = Column(_("decision"), _field("decision"), "nw")
    on = Column(_("date"), _field("on"), "nw")
    route = Column(_("route"), _field("route"), "nw")
    derogation = Column(
        _("derogation"), lambda d: _e(d["derogation"]) if d["derogation"] else _none(), "text"
    )
    return [
        Section(
            "statistics",
            _("Statistics of the period's years"),
            [
                Column(_("year"), _field("year"), "nw"),
                route,
                Column(_("presented"), _field("presented"), "num"),
                Column(_("certified"), _field("certified"), "num"),
                Column(_("revoked"), _field("revoked"), "num"),
                Column(_("by derogation"), _field("by_derogation"), "num"),
                Column(_("insertion at 6 months"), lambda r: _insertion(r, "6m")),
                Column(_("insertion at 24 months"), lambda r: _insertion(r, "24m")),
            ],
            statistics,
            len(source.head()["statistics"]),
            _("No decision in the period."),
            _(
                "Certified: title awards not revoked. Insertion: of the holders certified that "
                "year who answered the survey 6 months (24 months) after, those employed, and in "
                "brackets those employed in the target job."
            ),
            warn=False,
            strong=lambda r: r["route"] == "all",
        ),
        Section(
            "jury",
            _("Jury compositions to look at"),
            [
                decision,
                on,
                route,
                Column(_("missing roles"), lambda d: _tags(d["jury"]["missing"])),
                Column(_("linked members"), _linked),
                derogation,
            ],
            decisions(jury_to_look_at),
            source.count("jury_problems"),
            _("Every jury was complete."),
            _(
                "Roles the route requires that the session lacked, and members linked to the "
                "candidate. A missing role needs a written derogation; a linked member is never "
                "allowed."
            ),
        ),
        Section(
            "derogations",
            _("Derogations"),
            [
                decision,
                on,
                derogation,
                Column(_("awarded"), lambda d: _e(_awarded(d)) or "—"),
                Column(
                    _("competencies without evidence"),
                    lambda d: _e(", ".join(d["unbacked"])) or "—",
                ),
            ],
            decisions(lambda d: bool(d["derogation"])),
            source.count("derogations"),
            _("No derogation."),
            _(
                "Only a missing jury role and the evidence of a route other than VAE admit a "
                "derogation; what it awarded is flagged in the status and counted apart in the "
                "statistics."
            ),
        ),
        Section(
            "vae-balance",
            _("VAE juries whose balance is not met or cannot be shown"),
            [
                Column(_("session"), _field("session"), "nw"),
                Column(_("sits on"), _field("sits_on"), "nw"),
                Column(_("decisions"), lambda b: _tags(b["decisions"])),
                Column(
                    _("employers / employees"),
                    lambda b: _e(f"{len(b['employers'])} / {len(b['employees'])}"),
                    "nw",
                ),
                Column(
                    _("women / men"),
                    lambda b: (
                        _e(f"{b['women']} / {b['men']}")
                        + (
                            " ("
                            + _e(_("{count} unknown").format(count=len(b["gender_unknown"])))
                            + ")"
                            if b["gender_unknown"]
                            else ""
                        )
                    ),
                    "nw",
                ),
                Column(_("why"), lambda b: _e("; ".join(b["problems"])), "text"),
            ],
            source.unbalanced_juries,
            len(source.unbalanced_juries()),
            _("Every VAE jury shows its balance."),
            _(
                "The professional representatives half employers and half employees; women and "
                "men balanced (décret n° 2002-815, now Code du travail, art. D6412-6)."
            ),
        ),
        Section(
            "unbacked",
            _("Competencies validated without evidence"),
            [
                decision,
                on,
                Column(_("competencies"), lambda d: _tags(d["unbacked"])),
                derogation,
            ],
            decisions(lambda d: bool(d["unbacked"])),
            source.count("unbacked_decisions"),
            _("Every validated competency rests on evidence."),
        ),
        Section(
            "corrections",
            _("Rectifications and annulments"),
            [
                decision,
                Column(_("correction"), _field("kind"), "nw"),
                Column(_("date"), _field("on"), "nw"),
                Column(_("by"), _field("by"), "nw"),
                Column(_("reason"), lambda r: r["reason"], "text"),
            ],
            corrections,
            source.count("corrections"),
            _("No decision was corrected."),
        ),
        Section(
            "late-types",
            _("Late recordings by type of fact"),
            [
                Column(_("type"), _field("type"), "nw"),
                Column(_("facts recorded late"), _field("count"), "num"),
                Column(_("most days late"), _field("most_days_late"), "num"),
            ],
            lambda: iter(source.head()["late_recordings_by_type"]),
            len(source.head()["late_recordings_by_type"]),
            _("No late recording."),
            _(
                "Facts recorded more than 30 days after their effective date (Europe/Paris), "
                "by type, the most frequent first; each is listed in the next section."
            ),
        ),
        Section(
            "late",
            _("Facts recorded more than 30 days after their date"),
            [
                Column(_("event"), _code("event"), "nw"),
                Column(_("type"), _field("type"), "nw"),
                Column(_("effective on"), _field("effective_on"), "nw"),
                Column(_("recorded at"), lambda f: _e(f["recorded_at"][:19]), "nw"),
                Column(_("by"), _field("recorded_by"), "nw"),
                Column(_("days late"), _field("days_late"), "num"),
            ],
            *listed("late_recordings"),
            _("No late recording."),
        ),
        Section(
            "untransmitted",
            _("Awards not transmitted to the CPF within 3 months"),
            [
                decision,
                Column(_("awarded on"), _field("awarded_on"), "nw"),
                Column(_("due by"), _field("due"), "nw"),
                Column(
                    _("transmitted on"),
                    lambda a: (
                        _e(a["transmitted_on"])
                        if a["transmitted_on"]
                        else '<span class="bad">' + _e(_("not yet")) + "</span>"
                    ),
                    "nw",
                ),
            ],
            *listed("awards_not_transmitted_within_3_months"),
            _("Every award was transmitted in time."),
        ),
        Section(
            "cpf-waiting",
            _("CPF passages awaiting an answer for more than {days} days").format(days=wait_days),
            [
                decision,
                Column(_("idTechnique"), _code("id_technique"), "nw"),
                Column(_("flow"), _code("flow"), "nw"),
                Column(_("file"), _code("file"), "nw"),
                Column(_("sent on"), _field("sent_on"), "nw"),
                Column(_("days"), _field("days"), "num"),
            ],
            *listed("cpf_waiting_for_an_answer"),
            _("No passage waits for an answer longer than that."),
            _(
                "Sent to the Caisse des Dépôts and not answered yet: read its processing report "
                "with `report cpf-ack`, or ask it about the flow (`audit --cpf-wait DAYS` sets "
                "the delay)."
            ),
        ),
        Section(
            "cpf-refused",
            _("CPF passages refused by the Caisse des Dépôts"),
            [
                decision,
                Column(_("idTechnique"), _code("id_technique"), "nw"),
                Column(_("answered on"), _field("answered_on"), "nw"),
                Column(
                    _("message"),
                    lambda a: f'<q lang="fr">{_e(a["message"])}</q>' if a["message"] else "—",
                    "text",
                ),
                Column(_("what to do"), _field("to_do"), "text"),
            ],
            *listed("cpf_refused"),
            _("No passage refused."),
            _(
                "The Caisse des Dépôts' message as it wrote it. Once the identity is corrected "
                "(`candidate rectify-identity`), the next `report cpf` sends the passage again."
            ),
        ),
        Section(
            "annulled-after",
            _("Annulments after transmission"),
            [
                decision,
                Column(_("awarded on"), _field("awarded_on"), "nw"),
                Column(_("transmitted on"), _field("transmitted_on"), "nw"),
                Column(_("annulled on"), _field("annulled_on"), "nw"),
                Column(_("idTechnique"), _code("id_technique"), "nw"),
            ],
            *listed("annulled_after_transmission"),
            _("None."),
            _(
                "The CPF flow 1.1.2 cannot withdraw a passage: handle these with the Caisse des "
                "Dépôts."
            ),
        ),
        Section(
            "revoked-after",
            _("Revocations after transmission"),
            [
                decision,
                Column(_("awarded on"), _field("awarded_on"), "nw"),
                Column(_("transmitted on"), _field("transmitted_on"), "nw"),
                Column(_("revoked on"), _field("revoked_on"), "nw"),
                Column(_("idTechnique"), _code("id_technique"), "nw"),
            ],
            *listed("revoked_after_transmission"),
            _("None."),
            _(
                "A revoked title is no longer sent; these were sent before: handle them with the "
                "Caisse des Dépôts."
            ),
        ),
        Section(
            "decisions",
            _("Every decision of the period"),
            [
                decision,
                on,
                route,
                Column(_("referential"), _field("referential"), "nw"),
                Column(_("competencies"), lambda d: str(len(d["validated"])), "num"),
                Column(_("blocks"), lambda d: _e(", ".join(d["blocks"])) or "—"),
                Column(_("title"), lambda d: _e(_("yes")) if d["title"] else "—", "nw"),
                Column(
                    _("jury"),
                    lambda d: (
                        _e(_("ok"))
                        if d["jury"]["ok"]
                        else '<span class="bad">' + _e(_("check")) + "</span>"
                    ),
                    "nw",
                ),
                Column(
                    _("correction"),
                    lambda d: (
                        _e(_("annulled"))
                        if d["annulment"]
                        else (_e(_("rectified")) if d["rectifications"] else "")
                    ),
                    "nw",
                ),
            ],
            *listed("decisions"),
            _("No decision in the period."),
            warn=False,
        ),
    ]


def _cell(column: Column, row: dict[str, Any]) -> str:
    kind = f' class="{column.kind}"' if column.kind else ""
    return f"<td{kind}>{column.cell(row)}</td>"


def _write_section(out: Any, section: Section) -> None:
    warn = " warn" if section.warn and section.count else ""
    back = _e(_("contents"))
    out.write(
        f'<section id="{section.anchor}"><h2>{_e(section.heading)}'
        f'<span class="n{warn}">{section.count:,}</span>'
        f'<a class="top" href="#contents">↑ {back}</a></h2>\n'
    )
    if section.note:
        out.write(f'<p class="muted">{_e(section.note)}</p>\n')
    if not section.count:
        out.write(f'<p class="muted">{_e(section.empty)}</p></section>\n')
        return
    folded = section.count > OPEN_ROWS
    if folded:
        shown = (
            _("Show the {count} rows").format(count=f"{section.count:,}")
            if section.count <= MAX_ROWS
            else _("Show the first {shown} of {count} rows").format(
                shown=f"{MAX_ROWS:,}", count=f"{section.count:,}"
            )
        )
        out.write(f"<details><summary>{_e(shown)}</summary>\n")
    head = "".join(
        ('<th class="num">' if c.kind == "num" else "<th>") + _e(c.header) + "</th>"
        for c in section.columns
    )
    out.write(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>\n')
    batch: list[str] = []
    for n, row in enumerate(section.rows()):
        if n == MAX_ROWS:
            break
        opening = '<tr class="total">' if section.strong and section.strong(row) else "<tr>"
        batch.append(opening + "".join(_cell(c, row) for c in section.columns) + "</tr>\n")
        if len(batch) >= 500:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch) + "</tbody></table></div>")
    if section.count > MAX_ROWS:
        out.write(
            '<p class="muted">'
            + _e(
                _(
                    "The first {shown} of {count} rows, oldest first: `certledger audit` "
                    "(JSON) lists them all."
                ).format(shown=f"{MAX_ROWS:,}", count=f"{section.count:,}")
            )
            + "</p>"
        )
    out.write("</details></section>\n" if folded else "</section>\n")


def write_page(out: Any, source: Source, title: str, generated: str) -> None:
    """Write the page (to anything with `write(str)`), section by section, row by row."""
    head = source.head()
    summary, period = head["summary"], head["period"]
    wait_days = head["cpf_wait_days"]
    sections = _sections(source, wait_days)
    span = _("Decisions and facts dated from {start} to {end}.").format(
        start=period["from"] or _("the beginning"), end=period["to"] or head["today"]
    )
    cards = [
        (_("decisions"), summary["decisions"], False, "decisions"),
        (_("jury compositions to look at"), summary["jury_problems"], True, "jury"),
        (_("derogations"), summary["derogations"], True, "derogations"),
        (_("competencies without evidence"), summary["unbacked_competencies"], True, "unbacked"),
        (_("rectified decisions"), summary["rectified"], True, "corrections"),
        (_("annulled decisions"), summary["annulled"], True, "corrections"),
        (_("late recordings (> 30 days)"), summary["late_recordings"], True, "late"),
        (
            _("awards not transmitted within 3 months"),
            summary["awards_not_transmitted_within_3_months"],
            True,
            "untransmitted",
        ),
        (
            _("CPF passages waiting over {days} days").format(days=wait_days),
            summary.get("cpf_waiting_for_an_answer", 0),
            True,
            "cpf-waiting",
        ),
        (_("CPF passages refused"), summary.get("cpf_refused", 0), True, "cpf-refused"),
        (
            _("annulled after transmission"),
            summary["annulled_after_transmission"],
            True,
            "annulled-after",
        ),
        (
            _("revoked after transmission"),
            summary["revoked_after_transmission"],
            True,
            "revoked-after",
        ),
        (_("awards by derogation"), summary["awards_by_derogation"], True, "derogations"),
        (_("VAE juries unbalanced"), summary["vae_juries_unbalanced"], True, "vae-balance"),
    ]
    summary_label, contents_label = _e(_("Summary")), _e(_("Contents"))
    out.write(
        f'<!DOCTYPE html>\n<html lang="{language()}"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n"
        f'<p class="muted">{_e(span)} '
        + _e(_("Generated {when} from the ledger as it stood then.").format(when=generated))
        + "</p>\n"
        f'<section id="summary"><h2>{summary_label}</h2><div class="cards">'
    )
    for label, value, warn, anchor in cards:
        kind = "warn" if warn and value else "ok"
        out.write(f'<a class="card {kind}" href="#{anchor}"><b>{value:,}</b>{_e(label)}</a>')
    out.write(
        "</div></section>\n"
        f'<section id="chart"><h2>{_e(_("Titles awarded per year, by access route"))}</h2>'
        f"{chart(head['awards_by_year'])}</section>\n"
        f'<nav class="toc" id="contents"><h2>{contents_label}</h2><ol>'
        f'<li><a href="#summary">{summary_label}</a></li>'
        f'<li><a href="#chart">{_e(_("Titles awarded per year, by access route"))}</a></li>'
    )
    for section in sections:
        flag = " warn" if section.warn and section.count else ""
        out.write(
            f'<li><a href="#{section.anchor}">{_e(section.heading)}</a> '
            f'<span class="n{flag}">({section.count:,})</span></li>'
        )
    out.write(
        '</ol><p class="muted noprint">'
        + _e(
            _(
                "Tables are sorted oldest first. Long tables are folded: open them to read or "
                "print them."
            )
        )
        + "</p></nav>\n"
    )
    for section in sections:
        _write_section(out, section)
    out.write("</body></html>\n")


def render(document: dict[str, Any], title: str, generated: str) -> str:
    """The page for an audit's JSON document, as one string (small audits)."""
    out = StringIO()
    write_page(out, Document(document), title, generated)
    return out.getvalue()
