"""France Compétences' open-data export: reading one fiche and building its referential skeleton."""

from __future__ import annotations

import csv
import io
import tomllib
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.exceptions import ExportInvalid, NotFound
from ledger.referential import (
    Referential,
    default_referential_text,
    parse_referential,
    problems,
)
from ledger.rncp_export import fiche_code, read_fiche, skeleton, skeleton_toml, still_missing

NAME = "Adjoint(e) à la production d'oeuvres cinématographiques et audiovisuelles"
STANDARD_FILE = "export_fiches_CSV_Standard_2024_01_02.csv"
BLOCS_FILE = "export_fiches_CSV_Blocs_De_Compétences_2024_01_02.csv"

STANDARD_HEADER = (
    "Id_Fiche",
    "Numero_Fiche",
    "Intitule",
    "Abrege_Libelle",
    "Nomenclature_Europe_Niveau",
    "Date_Decision",
    "Date_Effet",
    "Date_Fin_Enregistrement",
    "Actif",
)
STANDARD_ROWS = (
    ("101", "RNCP13080", NAME, "TP", "NIV6", "26/09/2016", "07/09/2016", "04/10/2019", "INACTIVE"),
    ("202", "RNCP34567", "Monteur audiovisuel", "TP", "NIV5", "", "01/01/2020", "01/01/2025", ""),
    ("100", "RNCP13080", NAME, "TP", "NIV6", "31/08/2011", "05/03/2011", "07/09/2016", "INACTIVE"),
)
"""Lines 2 to 4 of the Standard file: two registrations of RNCP13080 (the later one
first), and another fiche between them."""

BLOCS_HEADER = ("Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle")
BLOCK_LABELS = {
    "BC01": "Gérer le déroulement d'un tournage d'un film",
    "BC02": "Organiser les activités de post-production d'un film",
    "BC03": "Gérer la distribution de l'œuvre cinématographique",
    "BC04": "Effectuer le dépouillement et établir une estimation des coûts de film",
}
BLOCS_ROWS = (
    ("RNCP13080", "RNCP13080BC03", BLOCK_LABELS["BC03"]),
    ("RNCP34567", "RNCP34567BC01", "Monter un film"),
    ("RNCP13080", "RNCP13080BC01", BLOCK_LABELS["BC01"]),
    ("RNCP13080", "RNCP13080BC04", BLOCK_LABELS["BC04"]),
    ("RNCP13080", "RNCP13080BC02", BLOCK_LABELS["BC02"]),
)

Table = tuple[Sequence[str], Sequence[Sequence[str]]]
"""A CSV file of the export: its header and its rows."""


def csv_bytes(table: Table, bom: bool = True) -> bytes:
    """A `;`-separated CSV file as the export writes it (UTF-8, with a BOM by default)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table[0])
    writer.writerows(table[1])
    return ("\ufeff" if bom else "").encode("utf-8") + out.getvalue().encode("utf-8")


def export_bytes(
    standard: Table | bytes | None = (STANDARD_HEADER, STANDARD_ROWS),
    blocs: Table | bytes | None = (BLOCS_HEADER, BLOCS_ROWS),
) -> bytes:
    """A zip shaped like France Compétences' export (None leaves a file out; bytes are taken
    as the file's content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("export_fiches_CSV_Nsf_2024_01_02.csv", "Numero_Fiche;Nsf_Code\r\n")
        for name, table in ((STANDARD_FILE, standard), (BLOCS_FILE, blocs)):
            if table is not None:
                zf.writestr(name, table if isinstance(table, bytes) else csv_bytes(table))
    return out.getvalue()


def export(folder: Path, name: str = "export.zip", **files: Any) -> Path:
    """The export written as a file in `folder` (see `export_bytes` for `files`)."""
    path = folder / name
    path.write_bytes(export_bytes(**files))
    return path


def standard_with(line: int, column: str, value: str) -> Table:
    """The Standard file with one value changed (line 2 is the first row)."""
    rows = [list(row) for row in STANDARD_ROWS]
    rows[line - 2][STANDARD_HEADER.index(column)] = value
    return STANDARD_HEADER, rows


def without(table: Table, *columns: str) -> Table:
    keep = [i for i, name in enumerate(table[0]) if name not in columns]
    return [table[0][i] for i in keep], [[row[i] for i in keep] for row in table[1]]


def error_of(data: bytes, code: str = "RNCP13080") -> str:
    with pytest.raises(ExportInvalid) as caught:
        read_fiche(data, code, "export.zip")
    return str(caught.value)


BUNDLED = parse_referential(default_referential_text())


def test_the_fiche_is_read_with_every_registration_row_and_block_of_the_export(
    tmp_path: Path,
) -> None:
    fiche = read_fiche(export(tmp_path), "RNCP13080")

    assert fiche.code == "RNCP13080"
    assert fiche.archive == "export.zip"
    assert fiche.files == (STANDARD_FILE, BLOCS_FILE)
    assert [(row.where, row.start, row.end) for row in fiche.rows] == [
        (f"{STANDARD_FILE} line 2", date(2016, 9, 7), date(2019, 10, 4)),
        (f"{STANDARD_FILE} line 4", date(2011, 3, 5), date(2016, 9, 7)),
    ]
    assert [(b.code, b.short, b.label) for b in fiche.blocks] == [
        (f"RNCP13080{short}", short, label) for short, label in BLOCK_LABELS.items()
    ]
    assert fiche.current.where == f"{STANDARD_FILE} line 2"


@pytest.mark.parametrize("code", ["RNCP13080", "13080", "rncp13080", " RNCP13080 "])
def test_a_fiche_code_is_accepted_with_or_without_its_rncp_prefix(code: str) -> None:
    assert fiche_code(code) == "RNCP13080"
    assert read_fiche(export_bytes(), code).code == "RNCP13080"


@pytest.mark.parametrize("code", ["", "RNCP", "RS5678", "RNCP13080BC01", "13O80", "RNCP-13080"])
def test_a_fiche_code_not_shaped_like_rncp_and_digits_is_refused(code: str) -> None:
    with pytest.raises(ValueError) as caught:
        fiche_code(code)

    assert str(caught.value) == f"{code!r} is not a fiche code (RNCP and digits, e.g. RNCP13080)"


def test_the_export_can_be_given_as_bytes_and_files_without_a_bom() -> None:
    data = export_bytes(
        standard=csv_bytes((STANDARD_HEADER, STANDARD_ROWS), bom=False),
        blocs=csv_bytes((BLOCS_HEADER, BLOCS_ROWS), bom=False),
    )

    fiche = read_fiche(data, "RNCP13080")

    assert fiche.archive == "export"
    assert len(fiche.rows) == 2 and len(fiche.blocks) == 4


def test_the_skeleton_holds_what_the_export_says_and_the_bundled_routes_roles_and_jury() -> None:
    data = skeleton(read_fiche(export_bytes(), "RNCP13080", "export.zip"))

    assert data == {
        "code": "RNCP13080",
        "name": NAME,
        "version": "import-2016-09-07",
        "level": "II (nomenclature 1969) = 6 (nomenclature européenne)",
        "registrations": [
            {
                "from": date(2011, 3, 5),
                "to": date(2016, 9, 7),
                "source": f"France Compétences export, {STANDARD_FILE} line 4",
            },
            {
                "from": date(2016, 9, 7),
                "to": date(2019, 10, 4),
                "source": f"France Compétences export, {STANDARD_FILE} line 2",
            },
        ],
        "routes": [r.model_dump(exclude_defaults=True) for r in BUNDLED.routes],
        "roles": [r.model_dump() for r in BUNDLED.roles],
        "jury": {route: list(roles) for route, roles in BUNDLED.jury.items()},
        "blocks": [
            {"code": f"RNCP13080{short}", "short": short, "label": label}
            for short, label in BLOCK_LABELS.items()
        ],
    }


def test_the_skeleton_file_is_toml_holding_exactly_the_skeleton() -> None:
    fiche = read_fiche(export_bytes(), "RNCP13080", "export.zip")

    text = skeleton_toml(fiche)

    assert tomllib.loads(text) == skeleton(fiche)
    assert text.count("\n# TO FILL: required = ...\n") == 4
    assert "\n# TO FILL: the competencies, one table each:\n" in text
    assert "# open-data export export.zip:" in text
    assert "# The export marks the fiche INACTIVE." in text


def test_the_skeleton_writes_its_tables_like_the_bundled_file() -> None:
    text = skeleton_toml(read_fiche(export_bytes(), "RNCP13080"))

    assert text.count("\n[[registrations]]\nfrom = ") == 2
    assert text.count("\n[[blocks]]\ncode = ") == 4
    assert text.count("\n[[routes]]\n") == len(BUNDLED.routes)
    assert text.count("\n[[roles]]\n") == len(BUNDLED.roles)
    assert "\n[jury]\n" in text


def test_validating_the_skeleton_lists_the_competencies_thresholds_and_epreuves_to_fill() -> None:
    text = skeleton_toml(read_fiche(export_bytes(), "RNCP13080"))

    assert still_missing(text) == [
        "validity_years: Field required",
        "vae_permanent: Field required",
        "title: Field required",
        "competencies: Field required",
        *(
            f"blocks.{i}.{field}: Field required"
            for i in range(4)
            for field in ("required", "competencies", "epreuves")
        ),
    ]


def test_filling_in_what_the_skeleton_marks_gives_a_valid_referential() -> None:
    data = tomllib.loads(skeleton_toml(read_fiche(export_bytes(), "RNCP13080")))
    data |= {"validity_years": 5, "vae_permanent": True, "title": {"required": 4}}
    data["competencies"] = [{"code": f"C{n}", "label": f"Competency {n}"} for n in range(1, 5)]
    for n, block in enumerate(data["blocks"], start=1):
        block |= {
            "required": 1,
            "competencies": [f"C{n}"],
            "epreuves": [
                {"code": f"{block['short']}-E1", "kind": "dossier", "competencies": [f"C{n}"]}
            ],
        }

    ref = Referential.model_validate(data)

    assert problems(ref) == []
    assert ref.registrations_text == "2011-03-05 → 2016-09-07, 2016-09-07 → 2019-10-04"


def test_each_european_level_is_written_with_its_1969_equivalent_when_it_has_one() -> None:
    def level(value: str) -> str:
        return read_fiche(
            export_bytes(standard=standard_with(2, "Nomenclature_Europe_Niveau", value)),
            "RNCP13080",
        ).current.level

    assert level("NIV7") == "I (nomenclature 1969) = 7 (nomenclature européenne)"
    assert level("NIV3") == "V (nomenclature 1969) = 3 (nomenclature européenne)"
    assert level("NIV2") == "2 (nomenclature européenne)"
    assert level("") == ""


def test_the_same_registration_listed_twice_is_one_period() -> None:
    rows = [*STANDARD_ROWS, STANDARD_ROWS[0]]

    data = skeleton(read_fiche(export_bytes(standard=(STANDARD_HEADER, rows)), "RNCP13080"))

    assert [(p["from"], p["to"]) for p in data["registrations"]] == [
        (date(2011, 3, 5), date(2016, 9, 7)),
        (date(2016, 9, 7), date(2019, 10, 4)),
    ]


def test_a_fiche_without_blocks_in_the_export_gives_a_skeleton_without_blocks() -> None:
    blocs = (BLOCS_HEADER, [row for row in BLOCS_ROWS if row[0] != "RNCP13080"])

    fiche = read_fiche(export_bytes(blocs=blocs), "RNCP13080")

    assert fiche.blocks == ()
    text = skeleton_toml(fiche)
    assert "# TO FILL: the export lists no block for this fiche." in text
    assert "blocks" not in tomllib.loads(text)
    assert still_missing(text) == [
        "validity_years: Field required",
        "vae_permanent: Field required",
        "title: Field required",
        "competencies: Field required",
        "blocks: Field required",
    ]


def test_another_fiche_s_bad_values_do_not_stop_the_import() -> None:
    standard = standard_with(3, "Date_Effet", "someday")

    fiche = read_fiche(export_bytes(standard=standard), "RNCP13080")

    assert len(fiche.rows) == 2


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    assert error_of(b"Numero_Fiche;Intitule\r\n") == "export.zip is not a zip archive"


def test_an_export_without_a_standard_file_is_refused() -> None:
    assert error_of(export_bytes(standard=None)) == (
        "export.zip holds no Standard file (a CSV file whose name contains 'Standard')"
    )


def test_an_export_without_a_blocks_file_is_refused() -> None:
    assert error_of(export_bytes(blocs=None)) == (
        "export.zip holds no Blocs_De_Compétences file "
        "(a CSV file whose name contains 'Blocs_De_Comp')"
    )


def test_missing_columns_are_named() -> None:
    standard = without((STANDARD_HEADER, STANDARD_ROWS), "Intitule", "Date_Effet")
    blocs = without((BLOCS_HEADER, BLOCS_ROWS), "Bloc_Competences_Libelle")

    assert error_of(export_bytes(standard=standard)) == (
        f"{STANDARD_FILE}: missing columns Intitule, Date_Effet"
    )
    assert error_of(export_bytes(blocs=blocs)) == (
        f"{BLOCS_FILE}: missing column Bloc_Competences_Libelle"
    )


def test_an_empty_standard_file_is_refused() -> None:
    assert error_of(export_bytes(standard=b"")) == f"{STANDARD_FILE} is empty"


def test_a_file_that_is_not_utf8_is_refused() -> None:
    latin1 = csv_bytes((STANDARD_HEADER, STANDARD_ROWS), bom=False).decode().encode("latin-1")

    assert error_of(export_bytes(standard=latin1)) == f"{STANDARD_FILE} is not UTF-8 text"


def test_a_fiche_not_in_the_export_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        read_fiche(export_bytes(), "RNCP99999", "export.zip")

    assert str(caught.value) == "fiche RNCP99999 is not in the export export.zip"


@pytest.mark.parametrize(
    ("line", "column", "value"),
    [
        (4, "Date_Effet", "31/02/2019"),
        (2, "Date_Fin_Enregistrement", "2019-10-04"),
        (2, "Date_Fin_Enregistrement", ""),
        (4, "Date_Effet", "05/13/2011"),
    ],
)
def test_a_malformed_date_is_refused_naming_its_line_and_column(
    line: int, column: str, value: str
) -> None:
    standard = standard_with(line, column, value)

    assert error_of(export_bytes(standard=standard)) == (
        f"{STANDARD_FILE} line {line}, {column}: {value!r} is not a date"
    )


def test_a_level_that_is_not_european_is_refused_naming_its_line() -> None:
    standard = standard_with(4, "Nomenclature_Europe_Niveau", "II")

    assert error_of(export_bytes(standard=standard)) == (
        f"{STANDARD_FILE} line 4, Nomenclature_Europe_Niveau: 'II' is not a European level "
        "(NIV1 to NIV8)"
    )


def test_a_block_code_of_another_fiche_is_refused_naming_its_line() -> None:
    blocs = (BLOCS_HEADER, [*BLOCS_ROWS, ("RNCP13080", "RNCP34567BC02", "Monter")])

    assert error_of(export_bytes(blocs=blocs)) == (
        f"{BLOCS_FILE} line 7, Bloc_Competences_Code: 'RNCP34567BC02' is not a block code "
        "of RNCP13080"
    )


def test_an_export_with_two_standard_files_is_refused_naming_them() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a/Standard_1.csv", csv_bytes((STANDARD_HEADER, STANDARD_ROWS)))
        zf.writestr("b/Standard_2.csv", csv_bytes((STANDARD_HEADER, STANDARD_ROWS)))
        zf.writestr(BLOCS_FILE, csv_bytes((BLOCS_HEADER, BLOCS_ROWS)))

    assert error_of(out.getvalue()) == (
        "export.zip holds 2 Standard files: a/Standard_1.csv, b/Standard_2.csv"
    )
