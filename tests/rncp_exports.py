"""Small France Compétences open-data exports, built with every trap of the format page
(shared/formats/france-competences-open-data.md): member names in UTF-8 without the zip's
UTF-8 flag, some spelled with a decomposed é; CRLF; every non-empty field quoted, empty ones
bare; BOM in some files only; empty dates; REPRISE and empty levels; an RS fiche; TAB before
SIRETs; doubled apostrophes; a value spelled decomposed; a label spanning two lines;
typographic apostrophes in VoixdAccès; a renewal chain with empty sides."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

Row = Sequence[str]
Table = tuple[Sequence[str], Sequence[Row]]
"""A CSV file of the export: its header and its rows."""

DAY = "2024_01_02"
NAME = "Adjoint(e) à la production d'oeuvres cinématographiques et audiovisuelles"
ESEC = "Académie internationale des arts - Ecole supérieure d'études cinématographiques (ESEC)"
AUDIOVISUEL = "Production et administration spectacle, cinéma et audiovisuel"
"""The label of ROME L1302."""
BLOCK_LABELS = {
    "BC01": "Gérer le déroulement d'un tournage d'un film",
    "BC02": "Organiser les activités de post-production d'un film",
    "BC03": "Gérer la distribution de l'œuvre cinématographique",
    "BC04": "Effectuer le dépouillement et établir une estimation des coûts de film",
}


def doubled(text: str) -> str:
    """`text` with its apostrophes doubled, as some values of the export are."""
    return text.replace("'", "''")


STANDARD = "Standard"
BLOCS = "Blocs_De_Compétences"
RENEWALS = "Ancienne_Nouvelle_Certification"
CERTIFIERS = "Certificateurs"
NSF = "Nsf"
ROME = "Rome"
ROUTES = "VoixdAccès"

STANDARD_HEADER = (
    "Id_Fiche",
    "Numero_Fiche",
    "Intitule",
    "Abrege_Libelle",
    "Abrege_Intitule",
    "Nomenclature_Europe_Niveau",
    "Nomenclature_Europe_Intitule",
    "Accessible_Nouvelle_Caledonie",
    "Accessible_Polynesie_Francaise",
    "Date_dernier_jo",
    "Date_Decision",
    "Date_Fin_Enregistrement",
    "Date_Effet",
    "Type_Enregistrement",
    "Validation_Partielle",
    "Actif",
)


def standard_row(
    number: str,
    name: str,
    level: str = "",
    jo: str = "",
    decision: str = "",
    end: str = "",
    effet: str = "",
    actif: str = "ACTIVE",
) -> tuple[str, ...]:
    """A Standard row: the columns certledger reads, the others as real exports fill them."""
    label = f"Niveau {level[3:]}" if level.startswith("NIV") else ""
    return (
        "".join(ch for ch in number if ch.isdigit()),
        number,
        name,
        "TP" if number.startswith("RNCP") else "",
        "Titre professionnel" if number.startswith("RNCP") else "",
        level,
        label,
        "Non",
        "Non",
        jo,
        decision,
        end,
        effet,
        "Enregistrement sur demande",
        "",
        actif,
    )


TABLES: dict[str, Table] = {
    STANDARD: (
        STANDARD_HEADER,
        [
            standard_row(
                "RNCP4049",
                "Chargé(e) d''affaires audiovisuelles",
                "NIV5",
                effet="01/09/2007",
                end="01/09/2012",
                actif="INACTIVE",
            ),
            # RNCP13080: Date_Effet empty, registered by arrêté (JO date and decision only).
            standard_row(
                "RNCP13080",
                NAME,
                "NIV6",
                jo="04/10/2016",
                decision="26/09/2016",
                end="04/10/2019",
                actif="INACTIVE",
            ),
            standard_row("RS5678", "Habilitation à l''encadrement de tournage", end="31/12/2026"),
            standard_row(
                "RNCP1197",
                "Assistant(e) de production",
                "REPRISE",
                effet="01/09/2002",
                end="31/08/2007",
                actif="INACTIVE",
            ),
            standard_row(
                "RNCP22094", "Chargé(e) de production audiovisuelle", decision="15/03/2012"
            ),
        ],
    ),
    BLOCS: (
        ("Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle"),
        [
            ("RNCP13080", "RNCP13080BC03", BLOCK_LABELS["BC03"]),
            ("RNCP4049", "RNCP4049BC01", "UP1 : Prospecter\r\ndes clients"),
            ("RNCP13080", "RNCP13080BC01", doubled(BLOCK_LABELS["BC01"])),
            ("RNCP13080", "RNCP13080BC04", BLOCK_LABELS["BC04"]),
            ("RNCP13080", "RNCP13080BC02", doubled(BLOCK_LABELS["BC02"])),
        ],
    ),
    RENEWALS: (
        ("Numero_Fiche", "Ancienne_Certification", "Nouvelle_Certification"),
        [
            ("RNCP4049", "RNCP1197", "RNCP22094"),
            ("RNCP22094", "RNCP4049", ""),
            ("RS5678", "", "RS6789"),
        ],
    ),
    CERTIFIERS: (
        ("Numero_Fiche", "Siret_Certificateur", "Nom_Certificateur"),
        [
            ("RNCP13080", "\t12345678900017", doubled(ESEC)),
            ("RS5678", "\t98765432100015", "Union des producteurs"),
            ("RS5678", "", "Fédération des techniciens"),
            ("RNCP4049", "\t12345678900017", doubled(ESEC)),
        ],
    ),
    NSF: (
        ("Numero_Fiche", "Nsf_Code", "Nsf_Intitule"),
        [
            ("RNCP13080", "323", "Techniques de l''image et du son, métiers connexes du spectacle"),
            ("RNCP4049", "312", "312 : Commerce, vente"),
            ("RNCP4049", "320", "Spécialités plurivalentes de la communication"),
        ],
    ),
    ROME: (
        ("Numero_Fiche", "Codes_Rome_Code", "Codes_Rome_Libelle"),
        [
            # A value spelled with a decomposed é, read in NFC.
            ("RNCP13080", "L1302", unicodedata.normalize("NFD", AUDIOVISUEL)),
            ("RNCP4049", "L1302", AUDIOVISUEL),
            ("RNCP4049", "E1103", "Communication"),
        ],
    ),
    ROUTES: (
        ("Numero_Fiche", "Si_Jury"),
        [
            ("RNCP13080", "Après un parcours de formation sous statut d’élève ou d’étudiant"),
            ("RNCP13080", "Après un parcours de formation continue"),
            ("RNCP4049", "En contrat d'apprentissage"),
            ("RNCP13080", "Par candidature individuelle"),
            ("RNCP13080", "Par expérience"),
            ("RNCP4049", "En contrat de professionnalisation"),
            ("RNCP4049", "Par la voie de l''alternance"),
        ],
    ),
    "Formacode": (
        ("Numero_Fiche", "Formacode_Code", "Formacode_Libelle"),
        [
            ("RNCP13080", "46320", "Production audiovisuelle"),
        ],
    ),
    "Partenaires": (
        ("Numero_Fiche", "Nom_Partenaire", "Siret_Partenaire", "Habilitation_Partenaire"),
        [],
    ),
}
"""The default export's files: RNCP13080 (Date_Effet empty, four blocks in disorder, two
closed routes), an RS fiche with only an end date and two certifiers, and the chain
RNCP1197 (REPRISE) → RNCP4049 → RNCP22094 (no level, no end date)."""

WITH_BOM = frozenset({BLOCS, ROME})
"""The files written with a byte-order mark (the others have none, like real exports)."""


def member(topic: str, decomposed: bool = True) -> str:
    """The file name of a topic, é and è decomposed (e + U+0301) as some exports spell them."""
    name = f"export_fiches_CSV_{topic}_{DAY}.csv"
    return unicodedata.normalize("NFD" if decomposed else "NFC", name)


def shown(topic: str) -> str:
    """The file name as certledger names it in messages (NFC)."""
    return member(topic, decomposed=False)


def csv_bytes(table: Table, bom: bool = False) -> bytes:
    """A CSV file as the export writes it: `;`, CRLF, non-empty fields quoted, empty bare."""
    lines = [
        ";".join('"' + cell.replace('"', '""') + '"' if cell else "" for cell in row)
        for row in (table[0], *table[1])
    ]
    return ("\ufeff" if bom else "").encode() + "".join(f"{line}\r\n" for line in lines).encode()


def export_bytes(
    tables: Mapping[str, Table | bytes | None] | None = None,
    *,
    flagged: bool = False,
    decomposed: bool = True,
) -> bytes:
    """The zip: TABLES, each entry of `tables` replacing one (None leaves the file out, bytes
    are its content); names without the UTF-8 flag unless `flagged`."""
    files: dict[str, Table | bytes | None] = {**TABLES, **(tables or {})}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for topic, table in files.items():
            if table is None:
                continue
            data = table if isinstance(table, bytes) else csv_bytes(table, topic in WITH_BOM)
            zf.writestr(member(topic, decomposed), data)
    return out.getvalue() if flagged else without_utf8_flag(out.getvalue())


def export(folder: Path, name: str = "export.zip", **options: object) -> Path:
    """The export written as a file in `folder` (options: those of `export_bytes`)."""
    path = folder / name
    path.write_bytes(export_bytes(**options))  # type: ignore[arg-type]
    return path


def without_utf8_flag(data: bytes) -> bytes:
    """The zip with the UTF-8 flag (bit 11) cleared on every name, local and central, as the
    export's names come: UTF-8 bytes a default reader decodes as cp437."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        offsets = [info.header_offset for info in zf.infolist()]
    for at in offsets:
        (flags,) = struct.unpack_from("<H", out, at + 6)
        struct.pack_into("<H", out, at + 6, flags & ~0x800)
    end = out.rfind(b"PK\x05\x06")
    count, _, at = struct.unpack_from("<HII", out, end + 10)
    for _ in range(count):
        (flags,) = struct.unpack_from("<H", out, at + 8)
        struct.pack_into("<H", out, at + 8, flags & ~0x800)
        name, extra, comment = struct.unpack_from("<HHH", out, at + 28)
        at += 46 + name + extra + comment
    return bytes(out)


def replaced(topic: str, number: str, **values: str) -> Table:
    """The topic's table with these column values on the rows of fiche `number`."""
    header, rows = TABLES[topic]
    fiche = list(header).index("Numero_Fiche")
    return header, [
        [values.get(column, cell) for column, cell in zip(header, row, strict=True)]
        if row[fiche] == number
        else row
        for row in rows
    ]


def without(topic: str, *columns: str) -> Table:
    """The topic's table without some of its columns."""
    header, rows = TABLES[topic]
    keep = [i for i, name in enumerate(header) if name not in columns]
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]


def plus(topic: str, *rows: Row) -> Table:
    """The topic's table with more rows at its end."""
    header, current = TABLES[topic]
    return header, [*current, *rows]
