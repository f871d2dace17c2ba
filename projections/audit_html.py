"""The audit as one self-contained HTML page: summary, a chart (inline SVG), then the findings."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

ROUTE_COLOURS = {
    "formation_initiale": "#4e79a7",
    "apprentissage": "#f28e2b",
    "formation_continue": "#59a14f",
    "contrat_professionnalisation": "#b07aa1",
    "candidature_individuelle": "#edc948",
    "vae": "#e15759",
}
STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2433}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e3e7ef;
padding-bottom:.3rem}.muted{color:#5b6475}.cards{display:flex;flex-wrap:wrap;gap:.8rem;
margin:1.2rem 0}.card{border:1px solid #e3e7ef;border-radius:.5rem;padding:.7rem 1rem;
min-width:10.5rem}.card b{display:block;font-size:1.6rem}.card.warn{border-color:#e8a33d;
background:#fff8ec}.card.ok{border-color:#9ccf9a;background:#f3fbf2}table{border-collapse:
collapse;width:100%;margin:.6rem 0 1.2rem;font-size:.88rem}th,td{text-align:left;padding:
.3rem .5rem;border-bottom:1px solid #eef1f6;vertical-align:top}th{background:#f6f8fb}
.bad{color:#b3261e;font-weight:600}.tag{display:inline-block;border-radius:.3rem;padding:0
.35rem;background:#eef1f6;margin:0 .2rem .2rem 0}.legend span{margin-right:1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:
-1px}code{font-size:.85em}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _card(label: str, value: int, warn: bool) -> str:
    kind = "warn" if warn and value else "ok"
    return f'<div class="card {kind}"><b>{value}</b>{_e(label)}</div>'


def chart(awards: list[dict[str, Any]]) -> str:
    """Titles awarded per year, stacked by route, as inline SVG."""
    if not awards:
        return '<p class="muted">No title awarded in the period.</p>'
    by_year: dict[int, dict[str, int]] = defaultdict(dict)
    for row in awards:
        by_year[row["year"]][row["route"]] = row["titles"]
    years = sorted(by_year)
    top = max(sum(v.values()) for v in by_year.values())
    width, height, left, bottom = 900, 300, 48, 36
    step = (width - left - 10) / len(years)
    bar = min(56.0, max(4.0, step * 0.7))
    scale = (height - bottom - 20) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="Titles awarded per year by route">'
    ]
    for tick in range(0, top + 1, max(1, top // 5)):
        y = height - bottom - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef1f6"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#5b6475">{tick}</text>'
        )
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
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle" fill="#5b6475">{year}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{c}"></i>{_e(r)}</span>' for r, c in ROUTE_COLOURS.items()
    )
    return "".join(parts) + f'<div class="legend muted">{legend}</div>'


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _awarded(decision: dict[str, Any]) -> str:
    """What a decision awarded, in words: "title, RNCP13080BC01, 9 competencies"."""
    parts = [*(["title"] if decision["title"] else []), *decision["blocks"]]
    if decision["validated"]:
        parts.append(f"{len(decision['validated'])} competencies")
    return ", ".join(parts)


def _insertion(row: dict[str, Any], survey: str) -> str:
    overall, target = row[f"insertion_{survey}"], row[f"insertion_target_{survey}"]
    counts = f"{row[f'answered_{survey}']} answered of {row[f'surveyed_{survey}']} surveyed"
    if overall is None:
        return _e(f"— ({counts})")
    return _e(f"{overall:.0%} ({target:.0%}); {counts}")


def render(document: dict[str, Any], title: str, generated: str) -> str:
    """The page for an audit's JSON document."""
    summary = document["summary"]
    period = document["period"]
    span = f"{period['from'] or 'the beginning'} to {period['to'] or document['today']}"
    cards = "".join(
        [
            _card("decisions", summary["decisions"], False),
            _card("jury compositions to look at", summary["jury_problems"], True),
            _card("derogations", summary["derogations"], True),
            _card("competencies without evidence", summary["unbacked_competencies"], True),
            _card("rectified decisions", summary["rectified"], True),
            _card("annulled decisions", summary["annulled"], True),
            _card("late recordings (> 30 days)", summary["late_recordings"], True),
            _card(
                "awards not transmitted within 3 months",
                summary["awards_not_transmitted_within_3_months"],
                True,
            ),
            _card("annulled after transmission", summary["annulled_after_transmission"], True),
            _card("revoked after transmission", summary["revoked_after_transmission"], True),
            _card("awards by derogation", summary["awards_by_derogation"], True),
            _card("VAE juries unbalanced", summary["vae_juries_unbalanced"], True),
        ]
    )
    decisions = document["decisions"]
    jury_rows = [
        [
            _e(d["decision"]),
            _e(d["on"]),
            _e(d["route"]),
            ", ".join(f'<span class="tag">{_e(m)}</span>' for m in d["jury"]["missing"]) or "—",
            _e(", ".join(d["jury"]["linked_members"])) or "—",
            _e(d["derogation"]) or '<span class="bad">none</span>',
        ]
        for d in decisions
        if not d["jury"]["ok"]
    ]
    derogation_rows = [
        [
            _e(d["decision"]),
            _e(d["on"]),
            _e(d["derogation"]),
            _e(_awarded(d)) or "—",
            _e(", ".join(d["unbacked"])) or "—",
        ]
        for d in decisions
        if d["derogation"]
    ]
    balance_rows = [
        [
            _e(b["session"]),
            _e(b["sits_on"]),
            _e(", ".join(b["decisions"])),
            _e(f"{len(b['employers'])} / {len(b['employees'])}"),
            _e(f"{b['women']} / {b['men']}")
            + (f" ({_e(len(b['gender_unknown']))} unknown)" if b["gender_unknown"] else ""),
            _e("; ".join(b["problems"])),
        ]
        for b in document["vae_juries_unbalanced"]
    ]
    revoked_rows = [
        [
            _e(a["decision"]),
            _e(a["awarded_on"]),
            _e(a["transmitted_on"]),
            _e(a["revoked_on"]),
            f"<code>{_e(a['id_technique'])}</code>",
        ]
        for a in document["revoked_after_transmission"]
    ]
    statistics_rows = [
        [
            _e(r["year"]),
            _e(r["route"]),
            _e(r["presented"]),
            _e(r["certified"]),
            _e(r["revoked"]),
            _e(r["by_derogation"]),
            _insertion(r, "6m"),
            _insertion(r, "24m"),
        ]
        for r in document["statistics"]
    ]
    unbacked_rows = [
        [
            _e(d["decision"]),
            _e(d["on"]),
            _e(", ".join(d["unbacked"])),
            _e(d["derogation"]) or '<span class="bad">none</span>',
        ]
        for d in decisions
        if d["unbacked"]
    ]
    correction_rows = [
        [
            _e(d["decision"]),
            "rectified",
            _e(r["recorded_at"][:10]),
            _e(r["recorded_by"]),
            _e(r["reason"]) + f' <span class="muted">({_e(", ".join(r["changes"]))})</span>',
        ]
        for d in decisions
        for r in d["rectifications"]
    ] + [
        [
            _e(d["decision"]),
            "annulled",
            _e(d["annulment"]["effective_on"]),
            _e(d["annulment"]["recorded_by"]),
            _e(d["annulment"]["reason"]),
        ]
        for d in decisions
        if d["annulment"]
    ]
    late_rows = [
        [
            f"<code>{_e(f['event'])}</code>",
            _e(f["type"]),
            _e(f["effective_on"]),
            _e(f["recorded_at"][:19]),
            _e(f["recorded_by"]),
            _e(f["days_late"]),
        ]
        for f in document["late_recordings"]
    ]
    untransmitted_rows = [
        [
            _e(a["decision"]),
            _e(a["awarded_on"]),
            _e(a["due"]),
            _e(a["transmitted_on"]) if a["transmitted_on"] else '<span class="bad">not yet</span>',
        ]
        for a in document["awards_not_transmitted_within_3_months"]
    ]
    withdrawn_rows = [
        [
            _e(a["decision"]),
            _e(a["awarded_on"]),
            _e(a["transmitted_on"]),
            _e(a["annulled_on"]),
            f"<code>{_e(a['id_technique'])}</code>",
        ]
        for a in document["annulled_after_transmission"]
    ]
    all_rows = [
        [
            _e(d["decision"]),
            _e(d["on"]),
            _e(d["route"]),
            _e(d["referential"]),
            _e(len(d["validated"])),
            _e(", ".join(d["blocks"])) or "—",
            "yes" if d["title"] else "—",
            "ok" if d["jury"]["ok"] else '<span class="bad">check</span>',
            "annulled" if d["annulment"] else ("rectified" if d["rectifications"] else ""),
        ]
        for d in decisions
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="muted">Decisions and facts dated from {_e(span)}. Generated {_e(generated)} from the
ledger as it stood then.</p>
<section><h2>Summary</h2><div class="cards">{cards}</div></section>
<section><h2>Titles awarded per year, by access route</h2>{chart(document["awards_by_year"])}
</section>
<section><h2>Jury compositions to look at</h2>
<p class="muted">Roles the route requires that the session lacked, and members linked to
the candidate. A missing role needs a written derogation; a linked member is never allowed.
</p>{
        _table(
            ["decision", "date", "route", "missing roles", "linked members", "derogation"],
            jury_rows,
            "Every jury was complete.",
        )
    }</section>
<section><h2>Statistics of the period's years</h2>
<p class="muted">Certified: title awards not revoked. Insertion: of the holders certified that
year who answered the survey 6 months (24 months) after, those employed, and in brackets
those employed in the target job.</p>{
        _table(
            [
                "year",
                "route",
                "presented",
                "certified",
                "revoked",
                "by derogation",
                "insertion at 6 months",
                "insertion at 24 months",
            ],
            statistics_rows,
            "No decision in the period.",
        )
    }</section>
<section><h2>Derogations</h2>
<p class="muted">Only a missing jury role and the evidence of a route other than VAE admit a
derogation; what it awarded is flagged in the status and counted apart in the statistics.
</p>{
        _table(
            ["decision", "date", "derogation", "awarded", "competencies without evidence"],
            derogation_rows,
            "No derogation.",
        )
    }</section>
<section><h2>VAE juries whose balance is not met or cannot be shown</h2>
<p class="muted">The professional representatives half employers and half employees; women
and men balanced (décret n° 2002-815, now Code du travail, art. D6412-6).</p>{
        _table(
            ["session", "sits on", "decisions", "employers / employees", "women / men", "why"],
            balance_rows,
            "Every VAE jury shows its balance.",
        )
    }</section>
<section><h2>Competencies validated without evidence</h2>{
        _table(
            ["decision", "date", "competencies", "derogation"],
            unbacked_rows,
            "Every validated competency rests on evidence.",
        )
    }</section>
<section><h2>Rectifications and annulments</h2>{
        _table(
            ["decision", "correction", "date", "by", "reason"],
            correction_rows,
            "No decision was corrected.",
        )
    }</section>
<section><h2>Facts recorded more than 30 days after their date</h2>{
        _table(
            ["event", "type", "effective on", "recorded at", "by", "days late"],
            late_rows,
            "No late recording.",
        )
    }</section>
<section><h2>Awards not transmitted to the CPF within 3 months</h2>{
        _table(
            ["decision", "awarded on", "due by", "transmitted on"],
            untransmitted_rows,
            "Every award was transmitted in time.",
        )
    }</section>
<section><h2>Annulments after transmission</h2>
<p class="muted">The CPF flow 1.1.2 cannot withdraw a passage: handle these with the Caisse
des Dépôts.</p>{
        _table(
            ["decision", "awarded on", "transmitted on", "annulled on", "idTechnique"],
            withdrawn_rows,
            "None.",
        )
    }</section>
<section><h2>Revocations after transmission</h2>
<p class="muted">A revoked title is no longer sent; these were sent before: handle them with
the Caisse des Dépôts.</p>{
        _table(
            ["decision", "awarded on", "transmitted on", "revoked on", "idTechnique"],
            revoked_rows,
            "None.",
        )
    }</section>
<section><h2>Every decision of the period</h2>{
        _table(
            [
                "decision",
                "date",
                "route",
                "referential",
                "competencies",
                "blocks",
                "title",
                "jury",
                "correction",
            ],
            all_rows,
            "No decision in the period.",
        )
    }</section>
</body></html>
"""
