"""`referential import-rncp`: a referential skeleton from France Compétences' open-data export."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.rncp_export import read_fiche, skeleton_toml
from tests.cli.conftest import Certledger
from tests.ledger.test_rncp_export import (
    BLOCK_LABELS,
    BLOCS_FILE,
    BLOCS_HEADER,
    BLOCS_ROWS,
    NAME,
    STANDARD_FILE,
    STANDARD_HEADER,
    STANDARD_ROWS,
    export,
    standard_with,
    without,
)

MISSING = 16
"""What `referential validate` lists for the skeleton of the good export: validity_years,
vae_permanent, title, competencies, and required, competencies and épreuves of 4 blocks."""


def note(file: str) -> str:
    """What the command says about the skeleton it wrote to `file`."""
    return (
        "It is not a valid referential yet: fill in what its comments mark TO FILL; "
        f"`certledger referential validate {file}` lists the {MISSING} item(s) still missing.\n"
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """The export with two registration rows and four blocks for RNCP13080, and another fiche."""
    return export(tmp_path)


def expected_toml(path: Path) -> str:
    return skeleton_toml(read_fiche(path, "RNCP13080", path.name))


def test_import_prints_the_skeleton_on_stdout_and_what_is_missing_on_stderr(
    bare: Certledger, good: Path
) -> None:
    result = bare("referential import-rncp export.zip --fiche RNCP13080")

    assert result.exit_code == 0
    assert result.stdout == expected_toml(good)
    assert result.stderr == (
        "Skeleton of RNCP13080: 4 block(s), 2 registration period(s).\n" + note("FILE")
    )
    assert not bare.store.exists()


def test_the_printed_skeleton_holds_the_fiche_s_blocks_periods_and_level(
    bare: Certledger, good: Path
) -> None:
    document = tomllib.loads(bare("referential import-rncp export.zip --fiche RNCP13080").stdout)

    assert (document["code"], document["name"], document["version"]) == (
        "RNCP13080",
        NAME,
        "import-2016-09-07",
    )
    assert document["level"] == "II (nomenclature 1969) = 6 (nomenclature européenne)"
    assert [(r["from"], r["to"]) for r in document["registrations"]] == [
        (date(2011, 3, 5), date(2016, 9, 7)),
        (date(2016, 9, 7), date(2019, 10, 4)),
    ]
    assert document["blocks"] == [
        {"code": f"RNCP13080{short}", "short": short, "label": label}
        for short, label in BLOCK_LABELS.items()
    ]
    assert "competencies" not in document and "title" not in document
    assert set(document["jury"]) == {route["code"] for route in document["routes"]}


def test_a_fiche_given_by_its_digits_gives_the_same_skeleton(bare: Certledger, good: Path) -> None:
    by_code = bare("referential import-rncp export.zip --fiche RNCP13080")
    by_digits = bare("referential import-rncp export.zip --fiche 13080")

    assert by_digits.exit_code == 0
    assert by_digits.stdout == by_code.stdout


def test_import_with_output_writes_the_file_and_says_what_validate_will_list(
    bare: Certledger, good: Path, tmp_path: Path
) -> None:
    out = bare.ok("referential import-rncp export.zip --fiche RNCP13080 -o rules.toml")

    assert out == (
        "Wrote the skeleton of RNCP13080 to rules.toml: 4 block(s), 2 registration period(s).\n"
        + note("rules.toml")
    )
    assert (tmp_path / "rules.toml").read_text(encoding="utf-8") == expected_toml(good)
    assert not bare.store.exists()


def test_validating_the_written_skeleton_reports_the_missing_competencies(
    bare: Certledger, good: Path
) -> None:
    bare.ok("referential import-rncp export.zip --fiche RNCP13080 -o rules.toml")

    result = bare("referential validate rules.toml")

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "Error: referential rules.toml is invalid: validity_years: Field required "
        f"(and {MISSING - 1} more)"
    )
    assert len(lines) == 1 + MISSING
    assert "  - competencies: Field required" in lines
    assert "  - title: Field required" in lines
    for i in range(4):
        assert f"  - blocks.{i}.competencies: Field required" in lines
        assert f"  - blocks.{i}.required: Field required" in lines
        assert f"  - blocks.{i}.epreuves: Field required" in lines


def test_import_refuses_to_overwrite_a_file(bare: Certledger, good: Path, tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text("mine\n", encoding="utf-8")

    error = bare.refused("referential import-rncp export.zip --fiche RNCP13080 -o rules.toml")

    assert error == "Error: rules.toml exists already (add --force to overwrite it)"
    assert (tmp_path / "rules.toml").read_text(encoding="utf-8") == "mine\n"


def test_import_with_force_overwrites_the_file(
    bare: Certledger, good: Path, tmp_path: Path
) -> None:
    (tmp_path / "rules.toml").write_text("mine\n", encoding="utf-8")

    bare.ok("referential import-rncp export.zip --fiche RNCP13080 -o rules.toml --force")

    assert (tmp_path / "rules.toml").read_text(encoding="utf-8") == expected_toml(good)


BROKEN: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no standard file",
        {"standard": None},
        "RNCP13080",
        "export.zip holds no Standard file (a CSV file whose name contains 'Standard')",
    ),
    (
        "no blocks file",
        {"blocs": None},
        "RNCP13080",
        "export.zip holds no Blocs_De_Compétences file "
        "(a CSV file whose name contains 'Blocs_De_Comp')",
    ),
    (
        "missing standard columns",
        {"standard": without((STANDARD_HEADER, STANDARD_ROWS), "Date_Fin_Enregistrement")},
        "RNCP13080",
        f"{STANDARD_FILE}: missing column Date_Fin_Enregistrement",
    ),
    (
        "missing blocks columns",
        {"blocs": without((BLOCS_HEADER, BLOCS_ROWS), "Numero_Fiche", "Bloc_Competences_Code")},
        "RNCP13080",
        f"{BLOCS_FILE}: missing columns Numero_Fiche, Bloc_Competences_Code",
    ),
    (
        "fiche not in the export",
        {},
        "RNCP99999",
        "fiche RNCP99999 is not in the export export.zip",
    ),
    (
        "malformed date",
        {"standard": standard_with(4, "Date_Effet", "31/02/2019")},
        "13080",
        f"{STANDARD_FILE} line 4, Date_Effet: '31/02/2019' is not a date",
    ),
]


@pytest.mark.parametrize(
    ("files", "fiche", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_export_is_refused_in_one_line_and_nothing_is_written(
    bare: Certledger, tmp_path: Path, files: dict[str, Any], fiche: str, message: str
) -> None:
    export(tmp_path, **files)

    error = bare.refused(f"referential import-rncp export.zip --fiche {fiche} -o rules.toml")

    assert error == f"Error: {message}"
    assert not (tmp_path / "rules.toml").exists()
    assert not bare.store.exists()


def test_a_file_that_is_not_a_zip_is_refused(bare: Certledger, tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("Numero_Fiche;Intitule\n", encoding="utf-8")

    error = bare.refused("referential import-rncp export.csv --fiche RNCP13080")

    assert error == "Error: export.csv is not a zip archive"


@pytest.mark.parametrize("fiche", ["RS5678", "RNCP13080BC01", "RNCP"])
def test_a_fiche_code_not_shaped_like_rncp_and_digits_is_bad_usage(
    bare: Certledger, good: Path, fiche: str
) -> None:
    error = bare.misused(f"referential import-rncp export.zip --fiche {fiche}")

    assert error == (
        f"Error: Invalid value for '--fiche': {fiche!r} is not a fiche code "
        "(RNCP and digits, e.g. RNCP13080)"
    )


def test_an_export_that_does_not_exist_is_bad_usage(bare: Certledger) -> None:
    error = bare.misused("referential import-rncp nowhere.zip --fiche RNCP13080")

    assert error == "Error: Invalid value for 'EXPORT': File 'nowhere.zip' does not exist."


def test_the_fiche_is_required(bare: Certledger, good: Path) -> None:
    error = bare.misused("referential import-rncp export.zip")

    assert error == "Error: Missing option '--fiche'."
