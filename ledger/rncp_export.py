"""France Compétences' open-data export (a zip of `;`-separated CSV files): one fiche read."""

from __future__ import annotations

import csv
import io
import lzma
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ledger.exceptions import ExportInvalid, NotFound
from ledger.i18n import _
from ledger.text import refused_character


@dataclass(frozen=True)
class Topic:
    """One file of the export: the topic its name carries, and the columns read from it."""

    name: str
    columns: tuple[str, ...]


STANDARD = Topic(
    "Standard",
    (
        "Numero_Fiche",
        "Intitule",
        "Nomenclature_Europe_Niveau",
        "Date_dernier_jo",
        "Date_Decision",
        "Date_Fin_Enregistrement",
        "Date_Effet",
        "Actif",
    ),
)
BLOCS = Topic(
    "Blocs_De_Compétences", ("Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle")
)
RENEWALS = Topic(
    "Ancienne_Nouvelle_Certification",
    ("Numero_Fiche", "Ancienne_Certification", "Nouvelle_Certification"),
)
CERTIFIERS = Topic("Certificateurs", ("Numero_Fiche", "Siret_Certificateur", "Nom_Certificateur"))
NSF = Topic("Nsf", ("Numero_Fiche", "Nsf_Code", "Nsf_Intitule"))
ROME = Topic("Rome", ("Numero_Fiche", "Codes_Rome_Code", "Codes_Rome_Libelle"))
ROUTES = Topic("VoixdAccès", ("Numero_Fiche", "Si_Jury"))
TOPICS = (STANDARD, BLOCS, RENEWALS, CERTIFIERS, NSF, ROME, ROUTES)
"""The files a skeleton needs; the export's others (Formacode, CCN, Partenaires) are not read."""

ROUTE_LABELS = {
    "Après un parcours de formation sous statut d'élève ou d'étudiant": "formation_initiale",
    "En contrat d'apprentissage": "apprentissage",
    "Après un parcours de formation continue": "formation_continue",
    "En contrat de professionnalisation": "contrat_professionnalisation",
    "Par candidature individuelle": "candidature_individuelle",
    "Par expérience": "vae",
}
"""The access routes the VoixdAccès file lists (as a fiche labels them), and their codes."""

_FICHE = re.compile(r"^(RNCP|RS)?(\d+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^(RNCP|RS)\d+$")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LEVEL = re.compile(r"^NIV[1-8]$")
_SIRET = re.compile(r"^\d{14}$")
_NAME_DATE = re.compile(r"[_-](\d{4})[_-](\d{2})[_-](\d{2})$")
_APOSTROPHES = str.maketrans({ch: "'" for ch in "’‘ʼ′`´"})

_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
"""What reading a damaged, encrypted or exotic zip member raises (CRC, truncation, offsets,
compression method)."""


@dataclass(frozen=True)
class Block:
    """One block of the fiche: its official code, the short code after the fiche's, its label."""

    code: str
    short: str
    label: str


@dataclass(frozen=True)
class Certifier:
    name: str
    siret: str


@dataclass(frozen=True)
class Coded:
    """An NSF or ROME code and its label."""

    code: str
    label: str


@dataclass(frozen=True)
class Fiche:
    """What the export says about one fiche, each value cleaned of the export's quirks."""

    code: str
    archive: str
    exported_on: date | None
    files: tuple[str, ...]
    where: str
    name: str
    level: str
    """`NIV3`…`NIV8`, `REPRISE` (no level) or empty (none given, as for every RS fiche)."""
    effective: date | None
    published: date | None
    decided: date | None
    ends: date | None
    state: str
    blocks: tuple[Block, ...]
    certifiers: tuple[Certifier, ...]
    nsf: tuple[Coded, ...]
    rome: tuple[Coded, ...]
    routes: tuple[str, ...]
    """The codes of the routes the export lists as open, in the order of ROUTE_LABELS."""
    unknown_routes: tuple[tuple[str, str], ...]
    """(label, where) of each route listed that is none of ROUTE_LABELS."""
    predecessors: tuple[str, ...]
    successors: tuple[str, ...]

    @property
    def start(self) -> tuple[date, str] | None:
        """The registration's first day and the column it comes from: Date_Effet, else the
        Journal officiel publication, else the decision (either may be all the export has)."""
        for day, column in (
            (self.effective, "Date_Effet"),
            (self.published, "Date_dernier_jo"),
            (self.decided, "Date_Decision"),
        ):
            if day is not None:
                return day, column
        return None


def fiche_code(text: str) -> str:
    """A fiche code written RNCP13080, RS5678 or 13080 (any case), as RNCP13080 or RS5678."""
    found = _FICHE.match(text.strip())
    if not found:
        raise ValueError(
            _("{text!r} is not a fiche code (RNCP or RS and digits, e.g. RNCP13080)").format(
                text=text
            )
        )
    return f"{(found.group(1) or 'RNCP').upper()}{found.group(2)}"


def read_fiche(archive: Path | bytes, code: str, source: str | None = None) -> Fiche:
    """What the export `archive` (its path or its bytes) says about fiche `code`."""
    code = fiche_code(code)
    name = shown(source or (archive.name if isinstance(archive, Path) else "export"))
    with _open(archive, name) as zf:
        members = _members(zf, name)
        reader = _Reader(zf, members)
        rows = list(reader.rows(STANDARD, code))
        if not rows:
            raise NotFound(
                _("fiche {code} is not in the export {name}").format(code=code, name=name)
            )
        if len(rows) > 1:
            lines = " and ".join(where.rsplit(" ", 1)[-1] for where, __ in rows[:2])
            raise ExportInvalid(
                _(
                    "{file} lists fiche {code} on lines {lines}: the export has one row per fiche"
                ).format(file=members[STANDARD.name][0], code=code, lines=lines)
            )
        where, row = rows[0]
        routes, unknown = _routes(reader, code)
        predecessors, successors = _renewals(reader, code)
        return Fiche(
            code=code,
            archive=name,
            exported_on=_name_date(members[STANDARD.name][0]),
            files=tuple(members[topic.name][0] for topic in TOPICS),
            where=where,
            name=clean(row["Intitule"]),
            level=_level(row["Nomenclature_Europe_Niveau"], where),
            effective=_date(row, "Date_Effet", where),
            published=_date(row, "Date_dernier_jo", where),
            decided=_date(row, "Date_Decision", where),
            ends=_date(row, "Date_Fin_Enregistrement", where),
            state=clean(row["Actif"]),
            blocks=_blocks(reader, code),
            certifiers=_certifiers(reader, code),
            nsf=_coded(reader, NSF, code),
            rome=_coded(reader, ROME, code, upper=True),
            routes=routes,
            unknown_routes=unknown,
            predecessors=predecessors,
            successors=successors,
        )


def clean(value: str) -> str:
    """A value as the export means it: NFC, doubled apostrophes made single, whitespace
    (the TAB before a SIRET, line breaks) collapsed, control characters dropped."""
    text = " ".join(unicodedata.normalize("NFC", value).replace("''", "'").split())
    return "".join(ch for ch in text if refused_character(ch) is None)


def shown(name: str) -> str:
    """A file name as a one-line message can show it."""
    return "".join(ch if refused_character(ch) is None else "\ufffd" for ch in name)


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).replace("''", "'"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _open(archive: Path | bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive if isinstance(archive, Path) else io.BytesIO(archive))
    except zipfile.BadZipFile:
        raise ExportInvalid(_("{name} is not a zip archive").format(name=name)) from None
    except OSError as e:
        raise ExportInvalid(
            _("cannot read {name}: {shown}").format(name=name, shown=shown(e.strerror or str(e)))
        ) from None
    except _DAMAGED as e:
        raise ExportInvalid(
            _("{name} is not a zip archive certledger can read ({shown})").format(
                name=name, shown=shown(str(e))
            )
        ) from None


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name read as UTF-8 whatever the zip's flag says (the export sets none,
    so zipfile decoded it as cp437), in NFC (some exports spell é as e + U+0301)."""
    name = info.orig_filename
    if not info.flag_bits & 0x800:
        name = name.encode("cp437").decode("utf-8", errors="replace")
    return shown(unicodedata.normalize("NFC", name))


def _topic(name: str) -> Topic | None:
    """The topic of `export_fiches_CSV_<Topic>_YYYY_MM_DD.csv` (in any folder, any case)."""
    base = _fold(name.replace("\\", "/").rsplit("/", 1)[-1])
    if not base.endswith(".csv"):
        return None
    stem = _NAME_DATE.sub("", base.removesuffix(".csv"))
    for topic in TOPICS:
        folded = _fold(topic.name)
        if stem == folded or stem.endswith("_" + folded):
            return topic
    return None


def _name_date(name: str) -> date | None:
    found = _NAME_DATE.search(name.rsplit(".", 1)[0])
    try:
        return date(*(int(part) for part in found.groups())) if found else None
    except ValueError:
        return None


def _members(zf: zipfile.ZipFile, archive: str) -> dict[str, tuple[str, zipfile.ZipInfo]]:
    found: dict[str, list[tuple[str, zipfile.ZipInfo]]] = {topic.name: [] for topic in TOPICS}
    for info in zf.infolist():
        name = _member_name(info)
        topic = None if info.is_dir() else _topic(name)
        if topic is not None:
            found[topic.name].append((name, info))
    for topic in TOPICS:
        members = found[topic.name]
        if not members:
            raise ExportInvalid(
                _(
                    "{archive} holds no {name} file (export_fiches_CSV_{name}_YYYY_MM_DD.csv)"
                ).format(archive=archive, name=topic.name)
            )
        if len(members) > 1:
            names = ", ".join(name for name, __ in members)
            raise ExportInvalid(
                _("{archive} holds {count} {name} files: {names}").format(
                    archive=archive, count=len(members), name=topic.name, names=names
                )
            )
    return {topic: members[0] for topic, members in found.items()}


class _Reader:
    """The export's CSV files, read one record at a time."""

    def __init__(self, zf: zipfile.ZipFile, members: dict[str, tuple[str, zipfile.ZipInfo]]):
        self.zf = zf
        self.members = members

    def records(self, topic: Topic) -> Iterator[tuple[str, dict[str, str]]]:
        """Each non-blank record of the topic's file, with where it starts ("FILE line N")."""
        member, info = self.members[topic.name]
        reader = None
        try:
            with self.zf.open(info) as raw:
                stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                reader = csv.reader(stream, delimiter=";")
                header = [column.strip() for column in next(reader, [])]
                if not any(header):
                    raise ExportInvalid(_("{member} is empty").format(member=member))
                missing = [column for column in topic.columns if column not in header]
                if missing:
                    plural = "s" if len(missing) > 1 else ""
                    raise ExportInvalid(
                        _("{member}: missing column{plural} {missing}").format(
                            member=member, plural=plural, missing=", ".join(missing)
                        )
                    )
                line = reader.line_num + 1
                for record in reader:
                    start, line = line, reader.line_num + 1
                    if any(cell.strip() for cell in record):
                        cells = record + [""] * len(header)
                        where = _("{member} line {line}").format(member=member, line=start)
                        yield where, dict(zip(header, cells, strict=False))
        except UnicodeDecodeError:
            raise ExportInvalid(_("{member} is not UTF-8 text").format(member=member)) from None
        except csv.Error as e:
            if reader is not None:
                member = _("{member} line {line}").format(member=member, line=reader.line_num)
            raise ExportInvalid(
                _("{member}: not CSV ({shown})").format(member=member, shown=shown(str(e)))
            ) from None
        except _DAMAGED as e:
            raise ExportInvalid(
                _("{member} cannot be read from the archive ({shown})").format(
                    member=member, shown=shown(str(e))
                )
            ) from None

    def rows(self, topic: Topic, code: str) -> Iterator[tuple[str, dict[str, str]]]:
        """The records of fiche `code` in the topic's file."""
        for where, row in self.records(topic):
            if _number(row["Numero_Fiche"]) == code:
                yield where, row


def _number(value: str) -> str | None:
    """The fiche number a cell holds (RNCP… or RS…), or None."""
    text = "".join(value.split()).upper()
    return text if _NUMBER.match(text) else None


def _date(row: dict[str, str], column: str, where: str) -> date | None:
    value = row[column].strip()
    if not value:
        return None
    found = _DATE.match(value)
    if found:
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ExportInvalid(
        _("{where}, {column}: {value!r} is not a date (DD/MM/YYYY)").format(
            where=where, column=column, value=value
        )
    )


def _level(value: str, where: str) -> str:
    level = value.strip().upper()
    if level in ("", "REPRISE") or _LEVEL.match(level):
        return level
    raise ExportInvalid(
        _(
            "{where}, Nomenclature_Europe_Niveau: {value!r} is not a level (NIV1 to "
            "NIV8, REPRISE or empty)"
        ).format(where=where, value=value)
    )


def _natural(code: str) -> list[tuple[int, str]]:
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", code)]


def _blocks(reader: _Reader, code: str) -> tuple[Block, ...]:
    found: dict[str, tuple[Block, str]] = {}
    for where, row in reader.rows(BLOCS, code):
        official = "".join(row["Bloc_Competences_Code"].split()).upper()
        short = official.removeprefix(code)
        if short == official or not short:
            raise ExportInvalid(
                _("{where}, Bloc_Competences_Code: {value!r} is not a block code of {code}").format(
                    where=where, value=row["Bloc_Competences_Code"], code=code
                )
            )
        block = Block(official, short, clean(row["Bloc_Competences_Libelle"]))
        first, first_where = found.setdefault(official, (block, where))
        if first != block:
            raise ExportInvalid(
                _(
                    "{where}, Bloc_Competences_Libelle: block {official} has another label on "
                    "{first_where}"
                ).format(where=where, official=official, first_where=first_where)
            )
    return tuple(sorted((block for block, __ in found.values()), key=lambda b: _natural(b.code)))


def _certifiers(reader: _Reader, code: str) -> tuple[Certifier, ...]:
    found: dict[Certifier, None] = {}
    for where, row in reader.rows(CERTIFIERS, code):
        siret = "".join(row["Siret_Certificateur"].split())
        if siret and not _SIRET.match(siret):
            raise ExportInvalid(
                _("{where}, Siret_Certificateur: {value!r} is not a SIRET (14 digits)").format(
                    where=where, value=row["Siret_Certificateur"]
                )
            )
        certifier = Certifier(clean(row["Nom_Certificateur"]), siret)
        if certifier.name or certifier.siret:
            found.setdefault(certifier)
    return tuple(found)


def _coded(reader: _Reader, topic: Topic, code: str, upper: bool = False) -> tuple[Coded, ...]:
    code_column, label_column = topic.columns[1:]
    found: dict[str, Coded] = {}
    for __, row in reader.rows(topic, code):
        value = clean(row[code_column])
        value = value.upper() if upper else value
        if value:
            found.setdefault(value, Coded(value, clean(row[label_column])))
    return tuple(found.values())


def _route(label: str) -> str | None:
    """The route a VoixdAccès label names, its apostrophes straight or typographic, its
    accents and case as they come; a label may go on ("Par expérience dispositif VAE…")."""
    folded = _fold(label)
    for known, route in ROUTE_LABELS.items():
        expected = _fold(known)
        if folded == expected or folded.startswith(expected + " "):
            return route
    return None


def _routes(reader: _Reader, code: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    open_routes: set[str] = set()
    unknown: dict[str, str] = {}
    for where, row in reader.rows(ROUTES, code):
        label = clean(row["Si_Jury"])
        route = _route(label)
        if route is not None:
            open_routes.add(route)
        elif label:
            unknown.setdefault(label, where)
    ordered = tuple(route for route in ROUTE_LABELS.values() if route in open_routes)
    return ordered, tuple(unknown.items())


def _renewals(reader: _Reader, code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fiches this one replaced and those that replaced it: from its own rows, and from
    the rows of fiches that name it as their old or new certification."""
    before: set[str] = set()
    after: set[str] = set()
    for where, row in reader.records(RENEWALS):
        fiche = _number(row["Numero_Fiche"])
        old, new = row["Ancienne_Certification"], row["Nouvelle_Certification"]
        if fiche == code:
            for column, value, found in (
                ("Ancienne_Certification", old, before),
                ("Nouvelle_Certification", new, after),
            ):
                number = _number(value)
                if value.strip() and number is None:
                    raise ExportInvalid(
                        _(
                            "{where}, {column}: {value!r} is not a fiche number (RNCP… or RS…)"
                        ).format(where=where, column=column, value=value)
                    )
                if number is not None:
                    found.add(number)
        elif fiche is not None:
            if _number(old) == code:
                after.add(fiche)
            if _number(new) == code:
                before.add(fiche)
    return (
        tuple(sorted(before - {code}, key=_natural)),
        tuple(sorted(after - {code}, key=_natural)),
    )
