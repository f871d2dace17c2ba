"""France Compétences' open-data export (a zip of CSV files) read into a referential skeleton."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import tomli_w

from ledger.exceptions import ExportInvalid, NotFound, ReferentialInvalid
from ledger.referential import Referential, default_referential_text, parse_referential

STANDARD = "Standard"
"""What the name of the export's main file (one row per registration of a fiche) contains."""

BLOCS = "Blocs_De_Comp"
"""What the name of the export's file of competency blocks contains (`Blocs_De_Compétences`)."""

STANDARD_COLUMNS = (
    "Numero_Fiche",
    "Intitule",
    "Nomenclature_Europe_Niveau",
    "Date_Effet",
    "Date_Fin_Enregistrement",
)
BLOCS_COLUMNS = ("Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle")

LEVELS_1969 = {"3": "V", "4": "IV", "5": "III", "6": "II", "7": "I", "8": "I"}
"""The 1969 nomenclature's level for each European level that has one (décret 2019-14)."""

_FICHE = re.compile(r"^(?:RNCP)?(\d+)$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LEVEL = re.compile(r"^NIV([1-8])$", re.IGNORECASE)


@dataclass(frozen=True)
class FicheRow:
    """One Standard row of the fiche: one registration period, with the fiche's name then."""

    where: str
    name: str
    level: str
    start: date
    end: date
    state: str


@dataclass(frozen=True)
class BlockRow:
    """One block of the fiche, as the export lists it."""

    code: str
    short: str
    label: str


@dataclass(frozen=True)
class Fiche:
    """What the export says about one fiche: its registrations and its blocks."""

    code: str
    archive: str
    files: tuple[str, str]
    rows: tuple[FicheRow, ...]
    blocks: tuple[BlockRow, ...]

    @property
    def current(self) -> FicheRow:
        """The row of the latest registration: it gives the name, level and version."""
        return max(self.rows, key=lambda row: row.start)


def fiche_code(text: str) -> str:
    """A fiche code written RNCP13080 or 13080 (any case), as RNCP13080."""
    found = _FICHE.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a fiche code (RNCP and digits, e.g. RNCP13080)")
    return f"RNCP{found.group(1)}"


def read_fiche(archive: Path | bytes, code: str, source: str | None = None) -> Fiche:
    """The rows about fiche `code` in the export `archive` (its path or its bytes)."""
    code = fiche_code(code)
    name = source or (archive.name if isinstance(archive, Path) else "export")
    with _open(archive, name) as zf:
        standard = _member(zf, name, STANDARD, "Standard")
        blocs = _member(zf, name, BLOCS, "Blocs_De_Compétences")
        rows = _fiche_rows(zf, standard, code)
        if not rows:
            raise NotFound(f"fiche {code} is not in the export {name}")
        blocks = _blocks(zf, blocs, code)
    return Fiche(code, name, (standard, blocs), rows, blocks)


def _open(archive: Path | bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive if isinstance(archive, Path) else io.BytesIO(archive))
    except zipfile.BadZipFile:
        raise ExportInvalid(f"{name} is not a zip archive") from None
    except OSError as e:
        raise ExportInvalid(f"cannot read {name}: {e.strerror or e}") from None


def _member(zf: zipfile.ZipFile, archive: str, marker: str, kind: str) -> str:
    found = [
        info.filename
        for info in zf.infolist()
        if not info.is_dir() and marker.lower() in info.filename.lower()
    ]
    if not found:
        raise ExportInvalid(
            f"{archive} holds no {kind} file (a CSV file whose name contains {marker!r})"
        )
    if len(found) > 1:
        raise ExportInvalid(f"{archive} holds {len(found)} {kind} files: {', '.join(found)}")
    return found[0]


def _records(
    zf: zipfile.ZipFile, member: str, columns: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-blank record of a `;`-separated CSV member, with the line it starts on."""
    with zf.open(member) as raw:
        stream: IO[str] = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            reader = csv.reader(stream, delimiter=";")
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise ExportInvalid(f"{member} is empty")
            missing = [c for c in columns if c not in header]
            if missing:
                plural = "s" if len(missing) > 1 else ""
                raise ExportInvalid(f"{member}: missing column{plural} {', '.join(missing)}")
            line = reader.line_num + 1
            for record in reader:
                start, line = line, reader.line_num + 1
                if any(cell.strip() for cell in record):
                    cells = [cell.strip() for cell in record] + [""] * len(header)
                    yield start, {column: cells[i] for i, column in enumerate(header)}
        except UnicodeDecodeError:
            raise ExportInvalid(f"{member} is not UTF-8 text") from None
        except csv.Error as e:
            raise ExportInvalid(f"{member} line {reader.line_num}: not CSV ({e})") from None
        except zipfile.BadZipFile as e:
            raise ExportInvalid(f"{member} cannot be read from the archive ({e})") from None


def _same_fiche(value: str, code: str) -> bool:
    found = _FICHE.match(value)
    return found is not None and f"RNCP{found.group(1)}" == code


def _fiche_rows(zf: zipfile.ZipFile, member: str, code: str) -> tuple[FicheRow, ...]:
    rows: list[FicheRow] = []
    for line, row in _records(zf, member, STANDARD_COLUMNS):
        if not _same_fiche(row["Numero_Fiche"], code):
            continue
        where = f"{member} line {line}"
        rows.append(
            FicheRow(
                where=where,
                name=row["Intitule"],
                level=_level(row["Nomenclature_Europe_Niveau"], where),
                start=_date(row["Date_Effet"], where, "Date_Effet"),
                end=_date(row["Date_Fin_Enregistrement"], where, "Date_Fin_Enregistrement"),
                state=row.get("Actif", ""),
            )
        )
    return tuple(rows)


def _blocks(zf: zipfile.ZipFile, member: str, code: str) -> tuple[BlockRow, ...]:
    blocks: dict[tuple[str, str], BlockRow] = {}
    for line, row in _records(zf, member, BLOCS_COLUMNS):
        if not _same_fiche(row["Numero_Fiche"], code):
            continue
        official = row["Bloc_Competences_Code"].upper()
        short = official.removeprefix(code)
        if short == official or not short:
            raise ExportInvalid(
                f"{member} line {line}, Bloc_Competences_Code: "
                f"{row['Bloc_Competences_Code']!r} is not a block code of {code}"
            )
        label = row["Bloc_Competences_Libelle"]
        blocks.setdefault((official, label), BlockRow(official, short, label))
    return tuple(sorted(blocks.values(), key=lambda block: block.code))


def _date(value: str, where: str, column: str) -> date:
    found = _DATE.match(value)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ExportInvalid(f"{where}, {column}: {value!r} is not a date")


def _level(value: str, where: str) -> str:
    if not value:
        return ""
    found = _LEVEL.match(value)
    if not found:
        raise ExportInvalid(
            f"{where}, Nomenclature_Europe_Niveau: {value!r} is not a European level (NIV1 to NIV8)"
        )
    european = f"{found.group(1)} (nomenclature européenne)"
    old = LEVELS_1969.get(found.group(1))
    return f"{old} (nomenclature 1969) = {european}" if old else european


def skeleton(fiche: Fiche, base: Referential | None = None) -> dict[str, Any]:
    """The referential data the export gives for the fiche, with the routes, roles and jury
    of `base` (default: the bundled referential); no competency, threshold or épreuve, and
    no `blocks` when the export lists none."""
    base = base or parse_referential(default_referential_text(), "bundled referential")
    current = fiche.current
    periods: dict[tuple[date, date], dict[str, Any]] = {}
    for row in sorted(fiche.rows, key=lambda row: (row.start, row.end)):
        periods.setdefault(
            (row.start, row.end),
            {"from": row.start, "to": row.end, "source": f"France Compétences export, {row.where}"},
        )
    data: dict[str, Any] = {
        "code": fiche.code,
        "name": current.name,
        "version": f"import-{current.start.isoformat()}",
        "level": current.level,
        "registrations": list(periods.values()),
        "routes": [route.model_dump(exclude_defaults=True) for route in base.routes],
        "roles": [role.model_dump() for role in base.roles],
        "jury": {route: list(roles) for route, roles in base.jury.items()},
    }
    if fiche.blocks:
        data["blocks"] = [
            {"code": block.code, "short": block.short, "label": block.label}
            for block in fiche.blocks
        ]
    return data


_RULES_TO_FILL = """\
# TO FILL: how many years acquired components stay valid (the fiche's "Validité des
# composantes acquises"), and whether competencies validated through VAE stay acquired
# without time limit (true or false):
# validity_years = ...
# vae_permanent = ...
# Optional: nsf, rome, certifier, note, and award_after_registration_for_enrolled_before
# (default false: no award outside a registration period).

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
# The blocks of the fiche in the export. TO FILL in each: `required` (how many of its
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
    """The skeleton as a referential file, its comments saying what the certifier fills in."""
    data = skeleton(fiche, base)
    state = f"\n# The export marks the fiche {fiche.current.state}." if fiche.current.state else ""
    header = (
        f"# Skeleton of the referential of fiche {fiche.code}, imported from France Compétences'\n"
        f"# open-data export {fiche.archive}:\n"
        f"#   {fiche.files[0]}\n"
        f"#   {fiche.files[1]}{state}\n"
        "# NOT YET A VALID REFERENTIAL: the export holds neither the competencies nor the rules.\n"
        "# Fill in every place marked TO FILL, then `certledger referential validate` this file\n"
        "# (it lists whatever is still missing) before `certledger referential publish`.\n"
    )
    top = tomli_w.dumps({key: data[key] for key in ("code", "name", "version", "level")})
    registrations = [_table("registrations", period) for period in data["registrations"]]
    blocks = [
        _table("blocks", block) + _BLOCK_TO_FILL.format(short=block["short"])
        for block in data.get("blocks", [])
    ]
    sections = [
        header + "\n" + top,
        _RULES_TO_FILL,
        "# The fiche's RNCP registration periods in the export (both ends inclusive).\n"
        + "\n".join(registrations),
        "# Access routes, jury roles and jury composition: copied from the bundled RNCP13080\n"
        "# referential as a starting point; check them against the fiche.\n"
        + "\n".join(_table("routes", route) for route in data["routes"]),
        "\n".join(_table("roles", role) for role in data["roles"]),
        tomli_w.dumps({"jury": data["jury"]}),
        _COMPETENCIES_TO_FILL,
        _BLOCKS + "\n".join(blocks) if blocks else _NO_BLOCKS,
    ]
    return "\n".join(sections)


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
