"""`referential import-rncp`: a referential skeleton from France Compétences' open-data
export, read with every trap of the real format; broken exports refused in one line."""

from __future__ import annotations

import io
import re
import shlex
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cli.main import cli
from ledger.rncp_export import fiche_code, read_fiche
from ledger.rncp_skeleton import skeleton_toml
from tests.cli.conftest import Certledger, crashed
from tests.rncp_exports import (
    BLOCS,
    CERTIFIERS,
    ROUTES,
    STANDARD,
    TABLES,
    csv_bytes,
    export,
    export_bytes,
    member,
    replaced,
    shown,
    without,
    without_utf8_flag,
)
from tests.stores import StoreRef, drop, sqlite_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StoreRef]:
    """An SQLite store only: import-rncp never opens the ledger, one store is enough to see
    that it writes none."""
    ref = sqlite_store(tmp_path / "ledger.db")
    try:
        yield ref
    finally:
        drop(ref)


MISSING = 16
"""What `referential validate` lists for RNCP13080's skeleton: validity_years, vae_permanent,
title, competencies, and required, competencies and épreuves of its 4 blocks."""


def note(file: str, missing: int = MISSING) -> str:
    """What the command says about the skeleton it wrote to `file`."""
    return (
        "It is not a valid referential yet: fill in what its comments mark TO FILL; "
        f"`certledger referential validate {file}` lists the {missing} item(s) still missing.\n"
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """The export with every trap: RNCP13080, an RS fiche, and a chain of renewals."""
    return export(tmp_path)


def expected_toml(path: Path, code: str = "RNCP13080") -> str:
    return skeleton_toml(read_fiche(path, code, path.name))


def test_import_prints_the_skeleton_on_stdout_and_what_is_missing_on_stderr(
    bare: Certledger, good: Path
) -> None:
    result = bare("referential import-rncp export.zip --fiche RNCP13080")

    assert result.exit_code == 0
    assert result.stdout == expected_toml(good)
    assert result.stderr == (
        "Skeleton of RNCP13080: 4 block(s), 1 registration period(s), 4 open route(s).\n"
        + note("FILE")
    )
    assert not bare.store.exists()


def test_the_printed_skeleton_holds_what_the_export_knows_of_the_fiche(
    bare: Certledger, good: Path
) -> None:
    document = tomllib.loads(bare("referential import-rncp export.zip --fiche RNCP13080").stdout)

    assert {key: document[key] for key in ("code", "version", "level", "certifier_siret")} == {
        "code": "RNCP13080",
        "version": "import-2016-10-04",
        "level": "II (nomenclature 1969) = 6 (nomenclature européenne)",
        "certifier_siret": "12345678900017",
    }
    assert [(r["from"].isoformat(), r["to"].isoformat()) for r in document["registrations"]] == [
        ("2016-10-04", "2019-10-04")
    ]
    assert [route["code"] for route in document["routes"] if route.get("open") == []] == [
        "apprentissage",
        "contrat_professionnalisation",
    ]
    assert [block["code"] for block in document["blocks"]] == [
        f"RNCP13080BC0{n}" for n in range(1, 5)
    ]
    assert "competencies" not in document and "title" not in document


def test_an_rs_fiche_is_imported_by_its_rs_number(bare: Certledger, good: Path) -> None:
    result = bare("referential import-rncp export.zip --fiche rs5678")

    assert result.exit_code == 0
    assert result.stdout == expected_toml(good, "RS5678")
    assert result.stderr == (
        "Skeleton of RS5678: 0 block(s), 0 registration period(s), 0 open route(s).\n"
        + note("FILE", 6)
    )


def test_a_fiche_given_by_its_digits_is_the_rncp_fiche(bare: Certledger, good: Path) -> None:
    by_code = bare("referential import-rncp export.zip --fiche RNCP13080")
    by_digits = bare("referential import-rncp export.zip --fiche 13080")

    assert by_digits.exit_code == 0
    assert by_digits.stdout == by_code.stdout


def test_import_with_output_writes_the_file_and_says_what_validate_will_list(
    bare: Certledger, good: Path, tmp_path: Path
) -> None:
    out = bare.ok("referential import-rncp export.zip --fiche RNCP13080 -o rules.toml")

    assert out == (
        "Wrote the skeleton of RNCP13080 to rules.toml: 4 block(s), 1 registration period(s), "
        "4 open route(s).\n" + note("rules.toml")
    )
    assert (tmp_path / "rules.toml").read_text(encoding="utf-8") == expected_toml(good)
    assert not bare.store.exists()


def test_validating_the_written_skeleton_lists_what_is_still_missing(
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
    assert lines[1:] == [
        "  - validity_years: Field required",
        "  - vae_permanent: Field required",
        "  - title: Field required",
        "  - competencies: Field required",
        *(
            f"  - blocks.{i}.{field}: Field required"
            for i in range(4)
            for field in ("required", "competencies", "epreuves")
        ),
    ]


def test_a_filled_in_skeleton_is_a_referential_a_store_starts_from(
    bare: Certledger, good: Path, tmp_path: Path
) -> None:
    bare.ok("referential import-rncp export.zip --fiche RNCP13080 -o rules.toml")
    rules = tmp_path / "rules.toml"
    data = tomllib.loads(rules.read_text(encoding="utf-8"))
    data |= {"validity_years": 5, "vae_permanent": True, "title": {"required": 4}}
    data["competencies"] = [{"code": f"C{n}", "label": f"Competency {n}"} for n in range(1, 5)]
    for n, block in enumerate(data["blocks"], start=1):
        block |= {
            "required": 1,
            "competencies": [f"C{n}"],
            "epreuves": [{"code": f"E{n}", "kind": "dossier", "competencies": [f"C{n}"]}],
        }
    rules.write_text(tomli_w.dumps(data), encoding="utf-8")

    bare.ok("init --referential rules.toml --effective-from 2016-10-04")
    published = bare.json("referential show --as-of 2017-01-01")

    assert (published["code"], published["version"]) == ("RNCP13080", "import-2016-10-04")
    assert published["registrations"] == [{"from": "2016-10-04", "to": "2019-10-04"}]
    assert [r["code"] for r in published["routes"] if r.get("open") == []] == [
        "apprentissage",
        "contrat_professionnalisation",
    ]


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


def test_an_output_in_a_folder_that_does_not_exist_is_refused(bare: Certledger, good: Path) -> None:
    error = bare.refused("referential import-rncp export.zip --fiche RNCP13080 -o no/rules.toml")

    assert error == "Error: cannot write no/rules.toml: No such file or directory"


BROKEN: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no VoixdAccès file",
        {"tables": {ROUTES: None}},
        "RNCP13080",
        "export.zip holds no VoixdAccès file (export_fiches_CSV_VoixdAccès_YYYY_MM_DD.csv)",
    ),
    (
        "no blocks file",
        {"tables": {BLOCS: None}},
        "RNCP13080",
        "export.zip holds no Blocs_De_Compétences file "
        "(export_fiches_CSV_Blocs_De_Compétences_YYYY_MM_DD.csv)",
    ),
    (
        "missing standard column",
        {"tables": {STANDARD: without(STANDARD, "Date_Fin_Enregistrement")}},
        "RNCP13080",
        f"{shown(STANDARD)}: missing column Date_Fin_Enregistrement",
    ),
    (
        "missing certifier columns",
        {"tables": {CERTIFIERS: without(CERTIFIERS, "Siret_Certificateur", "Nom_Certificateur")}},
        "RNCP13080",
        f"{shown(CERTIFIERS)}: missing columns Siret_Certificateur, Nom_Certificateur",
    ),
    (
        "fiche not in the export",
        {},
        "RS9999",
        "fiche RS9999 is not in the export export.zip",
    ),
    (
        "malformed date",
        {"tables": {STANDARD: replaced(STANDARD, "RNCP13080", Date_Effet="31/02/2019")}},
        "13080",
        f"{shown(STANDARD)} line 3, Date_Effet: '31/02/2019' is not a date (DD/MM/YYYY)",
    ),
    (
        "a field too long for CSV",
        {"tables": {STANDARD: replaced(STANDARD, "RNCP13080", Intitule="x" * 200_000)}},
        "RNCP13080",
        f"{shown(STANDARD)} line 3: not CSV (field larger than field limit (131072))",
    ),
    (
        "not utf-8",
        {"tables": {BLOCS: csv_bytes(TABLES[BLOCS]).decode().encode("cp1252")}},
        "RNCP13080",
        f"{shown(BLOCS)} is not UTF-8 text",
    ),
]


@pytest.mark.parametrize(
    ("options", "fiche", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_export_is_refused_in_one_line_and_nothing_is_written(
    bare: Certledger, tmp_path: Path, options: dict[str, Any], fiche: str, message: str
) -> None:
    export(tmp_path, **options)

    error = bare.refused(f"referential import-rncp export.zip --fiche {fiche} -o rules.toml")

    assert error == f"Error: {message}"
    assert not (tmp_path / "rules.toml").exists()
    assert not bare.store.exists()


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("Date_Effet", "31/02/2019", ", Date_Effet : '31/02/2019' n'est pas une date (JJ/MM/AAAA)"),
        ("Intitule", "x" * 200_000, " : pas du CSV (field larger than field limit (131072))"),
    ],
    ids=["malformed date", "not CSV"],
)
def test_a_broken_export_line_is_named_in_french(
    bare: Certledger, tmp_path: Path, column: str, value: str, problem: str
) -> None:
    export(tmp_path, tables={STANDARD: replaced(STANDARD, "RNCP13080", **{column: value})})

    result = bare("--lang fr referential import-rncp export.zip --fiche RNCP13080 -o rules.toml")

    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"Erreur : {shown(STANDARD)} ligne 3{problem}\n"
    assert not (tmp_path / "rules.toml").exists()


def test_a_file_that_is_not_a_zip_is_refused(bare: Certledger, tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_bytes(csv_bytes(TABLES[STANDARD]))

    error = bare.refused("referential import-rncp export.csv --fiche RNCP13080")

    assert error == "Error: export.csv is not a zip archive"


@pytest.mark.parametrize("fiche", ["RNCP13080BC01", "RNCP", "RS-5678"])
def test_a_fiche_code_not_shaped_like_rncp_or_rs_and_digits_is_bad_usage(
    bare: Certledger, good: Path, fiche: str
) -> None:
    error = bare.misused(f"referential import-rncp export.zip --fiche {fiche}")

    assert error == (
        f"Error: Invalid value for '--fiche': {fiche!r} is not a fiche code "
        "(RNCP or RS and digits, e.g. RNCP13080)"
    )


def test_an_export_that_does_not_exist_is_bad_usage(bare: Certledger) -> None:
    error = bare.misused("referential import-rncp nowhere.zip --fiche RNCP13080")

    assert error == "Error: Invalid value for 'EXPORT': File 'nowhere.zip' does not exist."


def test_the_fiche_is_required(bare: Certledger, good: Path) -> None:
    error = bare.misused("referential import-rncp export.zip")

    assert error == "Error: Missing option '--fiche'."


NAMES = st.sampled_from([member(topic, decomposed) for topic in TABLES for decomposed in (0, 1)])
CELLS = st.one_of(
    st.sampled_from(["RNCP13080", "RS5678", "", "\tRNCP13080", "NIV6", "REPRISE", "01/02/2020"]),
    st.sampled_from(["Par expérience", "RNCP13080BC01", "\t12345678900017", "d''affaires"]),
    st.text(max_size=12),
)


@st.composite
def contents(draw: st.DrawFn, topic: str) -> bytes:
    """The topic's file with random cells in its rows, or its columns and random rows (some
    columns dropped), or any bytes."""
    header, rows = TABLES[topic]
    kind = draw(st.sampled_from(["cells", "cells", "rows", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60))
    if kind == "cells":
        rows = [
            [draw(CELLS) if draw(st.integers(0, 4)) == 0 else cell for cell in row] for row in rows
        ]
    else:
        header = draw(st.lists(st.sampled_from(header), max_size=len(header))) or header
        rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 1), max_size=4))
    return csv_bytes((header, rows), draw(st.booleans()))


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """A zip of export files, a damaged one, or anything at all."""
    kind = draw(st.sampled_from(["export", "export", "damaged", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    topics = draw(st.sets(st.sampled_from(list(TABLES)), max_size=3))
    tables = {topic: draw(st.none() | contents(topic)) for topic in topics}
    data = export_bytes(tables, flagged=draw(st.booleans()))
    if kind == "damaged":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=archives(), fiche=st.sampled_from(["RNCP13080", "RS5678", "13080"]))
def test_no_export_content_makes_import_rncp_print_a_traceback(data: bytes, fiche: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.zip"
        path.write_bytes(data)
        out = Path(folder) / "rules.toml"

        result = CliRunner().invoke(
            cli, ["referential", "import-rncp", str(path), "--fiche", fiche, "-o", str(out)]
        )

        event(f"exit {result.exit_code}")
        assert not crashed(result), result.exception
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 0:
            assert tomllib.loads(out.read_text(encoding="utf-8"))["code"] == fiche_code(fiche)
        else:
            assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
            assert not out.exists()


def test_the_builder_clears_the_utf8_flag_so_that_a_default_reader_sees_mojibake() -> None:
    data = without_utf8_flag(export_bytes(flagged=True))

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
    assert member(BLOCS) not in names
    assert member(BLOCS).encode().decode("cp437") in names


def test_the_readme_example_is_what_the_command_prints(bare: Certledger, tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"\$ certledger (referential import-rncp .*)\n((?:[^`$].*\n)+)", readme)
    assert example is not None
    export(tmp_path, shlex.split(example.group(1))[2])

    assert bare.ok(example.group(1)) == example.group(2)
