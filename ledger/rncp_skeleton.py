"""A referential skeleton (TOML) from what France Compétences' export says about one fiche."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import tomli_w

from ledger.exceptions import ReferentialInvalid
from ledger.referential import Referential, default_referential_text, explicit, parse_referential
from ledger.rncp_export import Fiche

LEVELS_1969 = {"3": "V", "4": "IV", "5": "III", "6": "II", "7": "I", "8": "I"}
"""The 1969 nomenclature's level for each European level that has one (décret 2019-14)."""

_START = {
    "Date_Effet": "It starts on its Date_Effet.",
    "Date_dernier_jo": (
        "Date_Effet is empty: it starts on Date_dernier_jo, its last publication in the "
        "Journal officiel; check it against the fiche."
    ),
    "Date_Decision": (
        "Date_Effet and Date_dernier_jo are empty: it starts on Date_Decision, the "
        "registration decision; check it against the fiche."
    ),
}
"""Where the registration's first day comes from, as the skeleton's comment says it."""


def level_text(level: str) -> str:
    """The referential's level for the export's `NIV6`: "II (nomenclature 1969) = 6
    (nomenclature européenne)"; empty for `REPRISE` (no level) and for none."""
    if not level.startswith("NIV"):
        return ""
    european = f"{level[3:]} (nomenclature européenne)"
    old = LEVELS_1969.get(level[3:])
    return f"{old} (nomenclature 1969) = {european}" if old else european


def version(fiche: Fiche) -> str | None:
    """The version name: the registration's first day, else the export's date, else none."""
    start = fiche.start
    day = start[0] if start else fiche.exported_on
    return f"import-{day.isoformat()}" if day else None


def registration(fiche: Fiche) -> dict[str, Any] | None:
    """The fiche's registration period, when the export gives both of its ends."""
    start = fiche.start
    if start is None or fiche.ends is None:
        return None
    return {
        "from": start[0],
        "to": fiche.ends,
        "source": (
            f"France Compétences export {fiche.archive}, {fiche.where}: "
            f"{start[1]} to Date_Fin_Enregistrement"
        ),
    }


def skeleton(fiche: Fiche, base: Referential | None = None) -> dict[str, Any]:
    """The referential data the export gives for the fiche, with the routes, roles and jury
    of `base` (default: the bundled referential), each route open or closed as the export
    says; no competency, threshold or épreuve, and no key the export leaves unknown."""
    base = base or parse_referential(default_referential_text(), "bundled referential")
    first = fiche.certifiers[0] if fiche.certifiers else None
    known: dict[str, Any] = {
        "code": fiche.code,
        "name": fiche.name,
        "version": version(fiche),
        "level": level_text(fiche.level),
        "nsf": "; ".join(_nsf(c.code, c.label) for c in fiche.nsf),
        "rome": [c.code for c in fiche.rome],
        "certifier": first.name if first else "",
        "certifier_siret": first.siret if first else "",
        "predecessors": list(fiche.predecessors),
        "successors": list(fiche.successors),
    }
    data = {key: value for key, value in known.items() if value}
    period = registration(fiche)
    if period:
        data["registrations"] = [period]
    data["routes"] = [_route(explicit(route), fiche) for route in base.routes]
    data["roles"] = [asdict(role) for role in base.roles]
    data["jury"] = {route: list(roles) for route, roles in base.jury.items()}
    if fiche.blocks:
        data["blocks"] = [
            {"code": block.code, "short": block.short, "label": block.label}
            for block in fiche.blocks
        ]
    return data


def _nsf(code: str, label: str) -> str:
    """ "323 Techniques de l'image…", whether or not the export's label repeats the code."""
    return label if label.startswith(code) else " ".join(part for part in (code, label) if part)


def _route(route: dict[str, Any], fiche: Fiche) -> dict[str, Any]:
    route.pop("open", None)
    if route["code"] not in fiche.routes:
        route["open"] = []
    return route


_RULES_TO_FILL = """\
# TO FILL: how many years acquired components stay valid (the fiche's "Validité des
# composantes acquises"), and whether competencies validated through VAE stay acquired
# without time limit (true or false):
# validity_years = ...
# vae_permanent = ...
# Optional: note, and award_after_registration_for_enrolled_before (default false: no
# award outside a registration period).

# TO FILL: how many of the competencies the title requires:
# [title]
# required = ...
"""

_COMPETENCIES_TO_FILL = """\
# TO FILL: the competencies, one table each:
# [[competencies]]
# code = "C01"
# label = "..."
"""

_BLOCKS = """\
# The blocks of the fiche in the export, their labels as it gives them (a label may carry
# a prefix of its own, "UP1 : …"). TO FILL in each: `required` (how many of its
# competencies the block requires), `competencies` (their codes) and its épreuves, each a
# [[blocks.epreuves]] table with code, kind, label and competencies.
"""

_NO_BLOCKS = """\
# TO FILL: the export lists no block for this fiche. Add its blocks, each a [[blocks]] table
# with code, short, label, required and competencies, followed by its [[blocks.epreuves]]
# tables (code, kind, label, competencies).
"""

_BLOCK_TO_FILL = """\
# TO FILL: required = ...
# TO FILL: competencies = ["...", ...]
# TO FILL: its épreuves:
# [[blocks.epreuves]]
# code = "{short}-E1"
# kind = "..."
# label = "..."
# competencies = ["...", ...]
"""


def skeleton_toml(fiche: Fiche, base: Referential | None = None) -> str:
    """The skeleton as a referential file, its comments saying what the export did not know
    and what the certifier fills in (TO FILL)."""
    data = skeleton(fiche, base)
    blocks = [
        _table("blocks", block) + _BLOCK_TO_FILL.format(short=block["short"])
        for block in data.get("blocks", [])
    ]
    sections = [
        _header(fiche),
        _identity(fiche, data),
        _RULES_TO_FILL,
        _registrations(fiche, data),
        _routes(fiche) + "\n".join(_table("routes", route) for route in data["routes"]),
        "\n".join(_table("roles", role) for role in data["roles"]),
        tomli_w.dumps({"jury": data["jury"]}),
        _COMPETENCIES_TO_FILL,
        _BLOCKS + "\n".join(blocks) if blocks else _NO_BLOCKS,
    ]
    return "\n".join(sections)


def _comment(*lines: str) -> str:
    return "".join(f"# {line}\n" for line in lines)


def _header(fiche: Fiche) -> str:
    of = f" of {fiche.exported_on.isoformat()}" if fiche.exported_on else ""
    state = [f"The export marks the fiche {fiche.state}."] if fiche.state else []
    return _comment(
        f"Skeleton of the referential of fiche {fiche.code}, imported from France Compétences'",
        f"open-data export {fiche.archive}{of}, files:",
        *(f"  {name}" for name in fiche.files),
        *state,
        "NOT YET A VALID REFERENTIAL: the export holds neither the competencies nor the rules.",
        "Fill in every place marked TO FILL, then `certledger referential validate` this file",
        "(it lists whatever is still missing) before `certledger referential publish`.",
    )


def _identity(fiche: Fiche, data: dict[str, Any]) -> str:
    """The top-level keys, each after a comment saying more, or in its place when unknown."""
    certifiers = [f"  {c.name} (SIRET {c.siret or 'not given'})" for c in fiche.certifiers]
    said: dict[str, list[str]] = {
        "rome": [f"ROME {c.code}: {c.label}" for c in fiche.rome if c.label],
        "certifier": [
            f"The export names {len(certifiers)} certifiers; certifier and certifier_siret hold "
            "the first: keep yours.",
            *certifiers,
        ]
        if len(certifiers) > 1
        else [],
    }
    unknown: dict[str, list[str]] = {
        "name": ['TO FILL: name = "..." (the export\'s Intitule is empty)'],
        "version": ['TO FILL: version = "..." (the export gives no date to name it after)'],
        "level": [_no_level(fiche)],
        "nsf": ["The export lists no NSF code for this fiche."],
        "rome": ["The export lists no ROME code for this fiche."],
        "certifier": ["The export names no certifier: add certifier and certifier_siret."],
        "certifier_siret": (
            ["The export gives no SIRET for the certifier."] if fiche.certifiers else []
        ),
        "predecessors": ["The export links this fiche to no earlier fiche."],
        "successors": ["The export links this fiche to no later fiche."],
    }
    out = tomli_w.dumps({"code": data["code"]})
    for key, lines in unknown.items():
        if key in data:
            out += _comment(*said.get(key, [])) + tomli_w.dumps({key: data[key]})
        else:
            out += _comment(*lines)
    return out


def _no_level(fiche: Fiche) -> str:
    if fiche.level == "REPRISE":
        return "No level: the export gives REPRISE (sans niveau)."
    if fiche.code.startswith("RS"):
        return "No level: a fiche of the Répertoire spécifique has none."
    return "No level: the export's Nomenclature_Europe_Niveau is empty."


def _registrations(fiche: Fiche, data: dict[str, Any]) -> str:
    intro = _comment(
        "The fiche's registration in the export's Standard file (both ends inclusive).",
        "The export has one row per fiche: an earlier registration under the same number (old",
        "fiches were renewed under their number) is not in it; add it, a [[registrations]]",
        "table, if candidates were assessed under it.",
    )
    start = fiche.start
    if "registrations" in data and start is not None:
        return (
            intro + _comment(_START[start[1]]) + _table("registrations", data["registrations"][0])
        )
    missing = []
    if start is None:
        missing.append("no start (Date_Effet, Date_dernier_jo and Date_Decision are empty)")
    if fiche.ends is None:
        missing.append("no end (Date_Fin_Enregistrement is empty)")
    return intro + _comment(
        f"TO FILL: the export gives {' and '.join(missing)}:",
        "[[registrations]]",
        f"from = {start[0].isoformat() if start else '...'}",
        f"to = {fiche.ends.isoformat() if fiche.ends else '...'}",
    )


def _routes(fiche: Fiche) -> str:
    lines = [
        "Access routes: the bundled RNCP13080 referential's as a starting point (labels,",
        "cpf_modalite, certificates), open or closed as the export's VoixdAccès file lists",
        "them: no `open` key = open, `open = []` = closed. A route open only from a date is",
        "written open = [{from = YYYY-MM-DD}]: the export gives no dates, check the fiche.",
    ]
    if not fiche.routes:
        lines.append("The export lists no open route for this fiche: every route is closed.")
    if fiche.unknown_routes:
        lines.append("The export also lists routes certledger does not know (not imported):")
        lines.extend(f"  {label!r} ({where})" for label, where in fiche.unknown_routes)
    return _comment(*lines)


def _table(name: str, body: dict[str, Any]) -> str:
    """One `[[name]]` table (tomli-w would write a short one inline, unlike the bundled file)."""
    return f"[[{name}]]\n{tomli_w.dumps(body)}"


def still_missing(text: str) -> list[str]:
    """What `referential validate` would report about a referential file's text."""
    try:
        parse_referential(text)
    except ReferentialInvalid as e:
        return e.problems
    return []
