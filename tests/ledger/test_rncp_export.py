"""France Compétences' open-data export: one fiche read from a real-shaped export, every trap
of the format in it (tests/rncp_exports.py builds them), and what cannot be read refused."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

import pytest

from ledger.exceptions import ExportInvalid, NotFound
from ledger.rncp_export import (
    ROUTE_LABELS,
    Block,
    Certifier,
    Coded,
    Fiche,
    fiche_code,
    read_fiche,
)
from tests.rncp_exports import (
    BLOCK_LABELS,
    BLOCS,
    CERTIFIERS,
    ESEC,
    NAME,
    NSF,
    RENEWALS,
    ROME,
    ROUTES,
    STANDARD,
    TABLES,
    csv_bytes,
    export_bytes,
    member,
    plus,
    replaced,
    shown,
    without,
)

FILES = tuple(shown(topic) for topic in (STANDARD, BLOCS, RENEWALS, CERTIFIERS, NSF, ROME, ROUTES))
"""The files a fiche is read from, as certledger names them."""


def read(code: str = "RNCP13080", **options: Any) -> Fiche:
    return read_fiche(export_bytes(**options), code, "export.zip")


def error_of(code: str = "RNCP13080", **options: Any) -> str:
    with pytest.raises(ExportInvalid) as caught:
        read(code, **options)
    return str(caught.value)


def test_a_fiche_is_read_from_an_export_with_every_trap_of_the_format() -> None:
    fiche = read()

    assert fiche == Fiche(
        code="RNCP13080",
        archive="export.zip",
        exported_on=date(2024, 1, 2),
        files=FILES,
        where=f"{shown(STANDARD)} line 3",
        name=NAME,
        level="NIV6",
        effective=None,
        published=date(2016, 10, 4),
        decided=date(2016, 9, 26),
        ends=date(2019, 10, 4),
        state="INACTIVE",
        blocks=tuple(
            Block(f"RNCP13080{short}", short, label) for short, label in BLOCK_LABELS.items()
        ),
        certifiers=(Certifier(ESEC, "12345678900017"),),
        nsf=(Coded("323", "Techniques de l'image et du son, métiers connexes du spectacle"),),
        rome=(Coded("L1302", "Production et administration spectacle, cinéma et audiovisuel"),),
        routes=("formation_initiale", "formation_continue", "candidature_individuelle", "vae"),
        unknown_routes=(),
        predecessors=(),
        successors=(),
    )
    assert fiche.start == (date(2016, 10, 4), "Date_dernier_jo")


@pytest.mark.parametrize("flagged", [False, True], ids=["no utf8 flag", "utf8 flag"])
@pytest.mark.parametrize("decomposed", [True, False], ids=["decomposed", "composed"])
def test_member_names_are_read_as_utf8_nfc_whatever_the_zip_flag_and_the_spelling(
    flagged: bool, decomposed: bool
) -> None:
    data = export_bytes(flagged=flagged, decomposed=decomposed)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()

    fiche = read_fiche(data, "RNCP13080")

    assert (member(BLOCS, decomposed) in names) is flagged, "a default reader sees mojibake"
    assert fiche.files == FILES
    assert len(fiche.blocks) == 4 and len(fiche.routes) == 4


@pytest.mark.parametrize("bom", [False, True], ids=["no BOM", "BOM"])
def test_every_file_is_read_with_or_without_a_byte_order_mark(bom: bool) -> None:
    tables = {topic: csv_bytes(table, bom) for topic, table in TABLES.items()}

    assert read(tables=tables) == read()


def test_files_with_lf_line_ends_and_every_field_quoted_are_read_alike() -> None:
    def quoted(table: Any) -> bytes:
        lines = [";".join(f'"{cell}"' for cell in row) for row in (table[0], *table[1])]
        return "".join(f"{line}\n" for line in lines).encode()

    assert read(tables={topic: quoted(table) for topic, table in TABLES.items()}) == read()


def test_an_rs_fiche_is_read_with_no_level_its_end_date_only_and_its_two_certifiers() -> None:
    fiche = read("RS5678")

    assert (fiche.code, fiche.name, fiche.level) == (
        "RS5678",
        "Habilitation à l'encadrement de tournage",
        "",
    )
    assert (fiche.start, fiche.ends) == (None, date(2026, 12, 31))
    assert fiche.certifiers == (
        Certifier("Union des producteurs", "98765432100015"),
        Certifier("Fédération des techniciens", ""),
    )
    assert (fiche.blocks, fiche.nsf, fiche.rome, fiche.routes) == ((), (), (), ())
    assert (fiche.predecessors, fiche.successors) == ((), ("RS6789",))


def test_a_reprise_level_is_kept_as_no_level() -> None:
    assert read("RNCP1197").level == "REPRISE"


def test_renewals_are_chained_both_ways_even_with_an_empty_side() -> None:
    chain = {code: read(code) for code in ("RNCP1197", "RNCP4049", "RNCP22094")}

    assert {code: (f.predecessors, f.successors) for code, f in chain.items()} == {
        "RNCP1197": ((), ("RNCP4049",)),
        "RNCP4049": (("RNCP1197",), ("RNCP22094",)),
        "RNCP22094": (("RNCP4049",), ()),
    }


def test_the_fiche_itself_is_neither_its_predecessor_nor_its_successor() -> None:
    renewals = plus(RENEWALS, ("RNCP13080", "RNCP13080", ""), ("RNCP13080", "", "RNCP40000"))

    fiche = read(tables={RENEWALS: renewals})

    assert (fiche.predecessors, fiche.successors) == ((), ("RNCP40000",))


@pytest.mark.parametrize(
    ("label", "route"),
    [
        *((label, route) for label, route in ROUTE_LABELS.items()),
        ("Après un parcours de formation sous statut d’élève ou d’étudiant", "formation_initiale"),
        ("En contrat d’apprentissage", "apprentissage"),
        ("En contrat d''apprentissage", "apprentissage"),
        ("  par EXPERIENCE  ", "vae"),
        ("Par expérience dispositif VAE prévu en 2008", "vae"),
    ],
)
def test_a_route_label_of_voixdacces_opens_its_route(label: str, route: str) -> None:
    fiche = read("RS5678", tables={ROUTES: plus(ROUTES, ("RS5678", label))})

    assert (fiche.routes, fiche.unknown_routes) == ((route,), ())


def test_routes_not_listed_are_closed_and_unknown_labels_are_set_aside() -> None:
    fiche = read("RNCP4049")

    assert fiche.routes == ("apprentissage", "contrat_professionnalisation")
    assert fiche.unknown_routes == (("Par la voie de l'alternance", f"{shown(ROUTES)} line 8"),)


@pytest.mark.parametrize(
    ("effet", "jo", "decision", "start"),
    [
        ("01/09/2016", "04/10/2016", "26/09/2016", (date(2016, 9, 1), "Date_Effet")),
        ("", "04/10/2016", "26/09/2016", (date(2016, 10, 4), "Date_dernier_jo")),
        ("", "", "26/09/2016", (date(2016, 9, 26), "Date_Decision")),
        ("", "", "", None),
    ],
)
def test_the_registration_starts_on_date_effet_else_the_jo_else_the_decision(
    effet: str, jo: str, decision: str, start: tuple[date, str] | None
) -> None:
    standard = replaced(
        STANDARD, "RNCP13080", Date_Effet=effet, Date_dernier_jo=jo, Date_Decision=decision
    )

    assert read(tables={STANDARD: standard}).start == start


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RNCP13080", "RNCP13080"),
        ("13080", "RNCP13080"),
        ("rncp13080", "RNCP13080"),
        (" RNCP13080 ", "RNCP13080"),
        ("RS5678", "RS5678"),
        ("rs5678", "RS5678"),
    ],
)
def test_a_fiche_code_is_rncp_or_rs_and_digits_or_digits_alone_for_rncp(
    text: str, code: str
) -> None:
    assert fiche_code(text) == code


@pytest.mark.parametrize("text", ["", "RNCP", "RS", "RNCP13080BC01", "13O80", "RNCP-13080"])
def test_a_fiche_code_of_another_shape_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        fiche_code(text)

    assert str(caught.value) == (
        f"{text!r} is not a fiche code (RNCP or RS and digits, e.g. RNCP13080)"
    )


def test_a_fiche_not_in_the_export_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        read("RNCP99999")

    assert str(caught.value) == "fiche RNCP99999 is not in the export export.zip"


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(ExportInvalid) as caught:
        read_fiche(b'"Numero_Fiche";"Intitule"\r\n', "RNCP13080", "export.zip")

    assert str(caught.value) == "export.zip is not a zip archive"


@pytest.mark.parametrize("topic", [STANDARD, BLOCS, RENEWALS, CERTIFIERS, NSF, ROME, ROUTES])
def test_an_export_without_one_of_the_files_read_is_refused_naming_it(topic: str) -> None:
    assert error_of(tables={topic: None}) == (
        f"export.zip holds no {topic} file (export_fiches_CSV_{topic}_YYYY_MM_DD.csv)"
    )


def test_the_files_not_read_may_be_missing() -> None:
    assert read(tables={"Formacode": None, "Partenaires": None}) == read()


@pytest.mark.parametrize(
    ("topic", "columns"),
    [
        (STANDARD, ("Date_Effet",)),
        (STANDARD, ("Intitule", "Actif")),
        (BLOCS, ("Bloc_Competences_Libelle",)),
        (RENEWALS, ("Nouvelle_Certification",)),
        (CERTIFIERS, ("Siret_Certificateur",)),
        (NSF, ("Nsf_Intitule",)),
        (ROME, ("Codes_Rome_Code",)),
        (ROUTES, ("Si_Jury",)),
    ],
)
def test_a_missing_column_is_refused_naming_the_file_and_the_column(
    topic: str, columns: tuple[str, ...]
) -> None:
    plural = "s" if len(columns) > 1 else ""
    expected = [c for c in TABLES[topic][0] if c in columns]

    assert error_of(tables={topic: without(topic, *columns)}) == (
        f"{shown(topic)}: missing column{plural} {', '.join(expected)}"
    )


def test_two_standard_rows_for_the_fiche_are_refused_naming_their_lines() -> None:
    header, rows = TABLES[STANDARD]

    assert error_of(tables={STANDARD: (header, [*rows, rows[1]])}) == (
        f"{shown(STANDARD)} lists fiche RNCP13080 on lines 3 and 7: "
        "the export has one row per fiche"
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Date_Effet", "31/02/2019"),
        ("Date_Fin_Enregistrement", "2019-10-04"),
        ("Date_Decision", "26/09/16"),
        ("Date_dernier_jo", "05/13/2011"),
    ],
)
def test_a_date_not_written_dd_mm_yyyy_is_refused_naming_its_line_and_column(
    column: str, value: str
) -> None:
    standard = replaced(STANDARD, "RNCP13080", **{column: value})

    assert error_of(tables={STANDARD: standard}) == (
        f"{shown(STANDARD)} line 3, {column}: {value!r} is not a date (DD/MM/YYYY)"
    )


def test_a_level_of_another_shape_is_refused_naming_its_line() -> None:
    standard = replaced(STANDARD, "RNCP13080", Nomenclature_Europe_Niveau="II")

    assert error_of(tables={STANDARD: standard}) == (
        f"{shown(STANDARD)} line 3, Nomenclature_Europe_Niveau: 'II' is not a level "
        "(NIV1 to NIV8, REPRISE or empty)"
    )


def test_another_fiche_s_bad_values_do_not_stop_the_import() -> None:
    standard = replaced(STANDARD, "RNCP4049", Date_Effet="someday")
    certifiers = replaced(CERTIFIERS, "RS5678", Siret_Certificateur="n/a")

    fiche = read(tables={STANDARD: standard, CERTIFIERS: certifiers})

    assert fiche == read()


def test_a_siret_that_is_not_14_digits_is_refused_naming_its_line() -> None:
    certifiers = replaced(CERTIFIERS, "RNCP13080", Siret_Certificateur="\t1234567890001")

    assert error_of(tables={CERTIFIERS: certifiers}) == (
        f"{shown(CERTIFIERS)} line 2, Siret_Certificateur: '\\t1234567890001' is not a SIRET "
        "(14 digits)"
    )


def test_a_block_code_of_another_fiche_is_refused_naming_its_line() -> None:
    """Lines as an editor numbers them: RNCP4049's block label spans lines 3 and 4."""
    blocs = plus(BLOCS, ("RNCP13080", "RNCP34567BC02", "Monter"))

    assert error_of(tables={BLOCS: blocs}) == (
        f"{shown(BLOCS)} line 8, Bloc_Competences_Code: 'RNCP34567BC02' is not a block code "
        "of RNCP13080"
    )


def test_a_block_listed_twice_alike_is_one_block_and_with_two_labels_is_refused() -> None:
    alike = plus(BLOCS, ("RNCP13080", "RNCP13080BC02", BLOCK_LABELS["BC02"]))
    unlike = plus(BLOCS, ("RNCP13080", "RNCP13080BC02", "Monter"))

    assert read(tables={BLOCS: alike}).blocks == read().blocks
    assert error_of(tables={BLOCS: unlike}) == (
        f"{shown(BLOCS)} line 8, Bloc_Competences_Libelle: block RNCP13080BC02 has another "
        f"label on {shown(BLOCS)} line 7"
    )


def test_a_renewal_that_is_not_a_fiche_number_is_refused_naming_its_line() -> None:
    renewals = plus(RENEWALS, ("RNCP13080", "le 1197", ""))

    assert error_of(tables={RENEWALS: renewals}) == (
        f"{shown(RENEWALS)} line 5, Ancienne_Certification: 'le 1197' is not a fiche number "
        "(RNCP… or RS…)"
    )


def test_an_empty_file_is_refused() -> None:
    assert error_of(tables={ROME: b""}) == f"{shown(ROME)} is empty"


def test_a_file_that_is_not_utf8_is_refused() -> None:
    latin1 = csv_bytes(TABLES[NSF]).decode().encode("latin-1")

    assert error_of(tables={NSF: latin1}) == f"{shown(NSF)} is not UTF-8 text"


def test_a_damaged_member_is_refused_naming_it() -> None:
    data = bytearray(export_bytes(tables={NSF: csv_bytes(TABLES[NSF]) * 50}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = next(i for i in zf.infolist() if "Nsf" in i.filename)
    data[info.header_offset + 30 + len(info.orig_filename.encode()) + 10] ^= 0xFF

    with pytest.raises(ExportInvalid) as caught:
        read_fiche(bytes(data), "RNCP13080", "export.zip")

    assert str(caught.value).startswith(f"{shown(NSF)} cannot be read from the archive (")


def test_an_export_with_two_files_of_one_topic_is_refused_naming_them() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for topic, table in TABLES.items():
            zf.writestr(member(topic, decomposed=False), csv_bytes(table))
        zf.writestr(f"old/{member(ROME, decomposed=False)}", csv_bytes(TABLES[ROME]))

    with pytest.raises(ExportInvalid) as caught:
        read_fiche(out.getvalue(), "RNCP13080", "export.zip")

    assert str(caught.value) == (f"export.zip holds 2 Rome files: {shown(ROME)}, old/{shown(ROME)}")
