"""The referential skeleton written from what the export says of a fiche: what it knows as
data, what it left unknown in comments, what the certifier fills in marked TO FILL."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, replace
from datetime import date
from typing import Any

import pytest

from ledger.referential import (
    OpenPeriod,
    Referential,
    Route,
    default_referential_text,
    explicit,
    parse_referential,
    problems,
    validate,
)
from ledger.rncp_export import Fiche, read_fiche
from ledger.rncp_skeleton import level_text, skeleton, skeleton_toml, still_missing
from tests.rncp_exports import (
    BLOCK_LABELS,
    ESEC,
    NAME,
    STANDARD,
    export_bytes,
    replaced,
    shown,
)

BUNDLED = parse_referential(default_referential_text())
CLOSED = {"apprentissage", "contrat_professionnalisation"}
"""The routes RNCP13080's VoixdAccès rows leave out."""

TO_FILL = [
    "validity_years: Field required",
    "vae_permanent: Field required",
    "title: Field required",
    "competencies: Field required",
]
"""What `referential validate` lists for every skeleton: the export never knows these."""


def read(code: str = "RNCP13080", **options: Any) -> Fiche:
    return read_fiche(export_bytes(**options), code, "export.zip")


def routes(closed: set[str]) -> list[dict[str, Any]]:
    """The bundled routes as the skeleton writes them, those of `closed` closed."""
    return [
        {
            **explicit(route, but=("open",)),
            **({"open": []} if route.code in closed else {}),
        }
        for route in BUNDLED.routes
    ]


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


def test_the_skeleton_holds_what_the_export_knows_and_the_bundled_roles_and_jury() -> None:
    data = skeleton(read())

    assert data == {
        "code": "RNCP13080",
        "name": NAME,
        "version": "import-2016-10-04",
        "level": "II (nomenclature 1969) = 6 (nomenclature européenne)",
        "nsf": "323 Techniques de l'image et du son, métiers connexes du spectacle",
        "rome": ["L1302"],
        "certifier": ESEC,
        "certifier_siret": "12345678900017",
        "registrations": [
            {
                "from": date(2016, 10, 4),
                "to": date(2019, 10, 4),
                "source": (
                    f"France Compétences export export.zip, {shown(STANDARD)} line 3: "
                    "Date_dernier_jo to Date_Fin_Enregistrement"
                ),
            }
        ],
        "routes": routes(CLOSED),
        "roles": [asdict(role) for role in BUNDLED.roles],
        "jury": {route: list(roles) for route, roles in BUNDLED.jury.items()},
        "blocks": [
            {"code": f"RNCP13080{short}", "short": short, "label": label}
            for short, label in BLOCK_LABELS.items()
        ],
    }


def test_the_skeleton_names_the_fiches_before_and_after_it() -> None:
    data = skeleton(read("RNCP4049"))

    assert (data["predecessors"], data["successors"]) == (["RNCP1197"], ["RNCP22094"])
    assert data["nsf"] == "312 : Commerce, vente; 320 Spécialités plurivalentes de la communication"
    assert data["rome"] == ["L1302", "E1103"]
    assert data["routes"] == routes(
        {"formation_initiale", "formation_continue", "candidature_individuelle", "vae"}
    )


def test_what_the_export_leaves_unknown_is_no_key_of_the_skeleton() -> None:
    data = skeleton(read("RS5678"))

    assert set(data) == {
        "code",
        "name",
        "version",
        "certifier",
        "certifier_siret",
        "successors",
        "routes",
        "roles",
        "jury",
    }
    assert data["version"] == "import-2024-01-02"
    assert data["routes"] == routes({route.code for route in BUNDLED.routes})


@pytest.mark.parametrize("code", ["RNCP13080", "RS5678", "RNCP1197", "RNCP4049", "RNCP22094"])
def test_the_skeleton_file_is_toml_holding_exactly_the_skeleton(code: str) -> None:
    fiche = read(code)

    assert tomllib.loads(skeleton_toml(fiche)) == skeleton(fiche)


def test_the_skeleton_s_comments_name_the_export_and_how_the_period_starts() -> None:
    notes = comments(skeleton_toml(read()))

    assert notes[:13] == [
        "# Skeleton of the referential of fiche RNCP13080, imported from France Compétences'",
        "# open-data export export.zip of 2024-01-02, files:",
        *(
            f"#   {shown(topic)}"
            for topic in (
                "Standard",
                "Blocs_De_Compétences",
                "Ancienne_Nouvelle_Certification",
                "Certificateurs",
                "Nsf",
                "Rome",
                "VoixdAccès",
            )
        ),
        "# The export marks the fiche INACTIVE.",
        "# NOT YET A VALID REFERENTIAL: the export holds neither the competencies nor the rules.",
        "# Fill in every place marked TO FILL, then `certledger referential validate` this file",
        "# (it lists whatever is still missing) before `certledger referential publish`.",
    ]
    assert "# ROME L1302: Production et administration spectacle, cinéma et audiovisuel" in notes
    assert "# The export links this fiche to no earlier fiche." in notes
    assert "# The export links this fiche to no later fiche." in notes
    assert (
        "# Date_Effet is empty: it starts on Date_dernier_jo, its last publication in the "
        "Journal officiel; check it against the fiche."
    ) in notes
    assert sum(line == "# TO FILL: required = ..." for line in notes) == 4


def test_the_skeleton_s_comments_say_what_the_export_left_unknown() -> None:
    notes = comments(skeleton_toml(read("RS5678")))

    for line in [
        "# No level: a fiche of the Répertoire spécifique has none.",
        "# The export lists no NSF code for this fiche.",
        "# The export lists no ROME code for this fiche.",
        "# The export names 2 certifiers; certifier and certifier_siret hold the first: "
        "keep yours.",
        "#   Union des producteurs (SIRET 98765432100015)",
        "#   Fédération des techniciens (SIRET not given)",
        "# TO FILL: the export gives no start (Date_Effet, Date_dernier_jo and Date_Decision "
        "are empty):",
        "# from = ...",
        "# to = 2026-12-31",
        "# The export lists no open route for this fiche: every route is closed.",
        "# TO FILL: the export lists no block for this fiche. Add its blocks, each a [[blocks]] "
        "table",
    ]:
        assert line in notes


@pytest.mark.parametrize(
    ("code", "lines"),
    [
        ("RNCP1197", ["# No level: the export gives REPRISE (sans niveau)."]),
        (
            "RNCP22094",
            [
                "# No level: the export's Nomenclature_Europe_Niveau is empty.",
                "# The export names no certifier: add certifier and certifier_siret.",
                "# TO FILL: the export gives no end (Date_Fin_Enregistrement is empty):",
                "# from = 2012-03-15",
                "# to = ...",
            ],
        ),
        (
            "RNCP4049",
            [
                "# The export also lists routes certledger does not know (not imported):",
                f'#   "Par la voie de l\'alternance" ({shown("VoixdAccès")} line 8)',
            ],
        ),
    ],
)
def test_the_skeleton_s_comments_say_why_a_value_is_missing(code: str, lines: list[str]) -> None:
    notes = comments(skeleton_toml(read(code)))

    for line in lines:
        assert line in notes


def test_an_empty_name_is_left_to_fill_and_no_start_names_the_version_after_the_export() -> None:
    standard = replaced(
        STANDARD, "RNCP13080", Intitule="", Date_dernier_jo="", Date_Decision="", Date_Effet=""
    )
    fiche = read_fiche(export_bytes(tables={STANDARD: standard}), "RNCP13080", "export.zip")
    text = skeleton_toml(fiche)

    assert '# TO FILL: name = "..." (the export\'s Intitule is empty)' in comments(text)
    assert "name" not in tomllib.loads(text)
    assert tomllib.loads(text)["version"] == "import-2024-01-02"


def test_a_skeleton_without_any_date_leaves_its_version_to_fill() -> None:
    standard = replaced(STANDARD, "RNCP13080", Date_dernier_jo="", Date_Decision="")
    fiche = read_fiche(export_bytes(tables={STANDARD: standard}), "RNCP13080", "export.zip")
    undated = replace(fiche, exported_on=None)

    text = skeleton_toml(undated)

    assert "version" not in tomllib.loads(text)
    assert '# TO FILL: version = "..." (the export gives no date to name it after)' in comments(
        text
    )
    assert "version: Field required" in still_missing(text)


def test_validating_the_skeleton_lists_the_competencies_thresholds_and_epreuves_to_fill() -> None:
    assert still_missing(skeleton_toml(read())) == [
        *TO_FILL,
        *(
            f"blocks.{i}.{field}: Field required"
            for i in range(4)
            for field in ("required", "competencies", "epreuves")
        ),
    ]
    assert still_missing(skeleton_toml(read("RS5678"))) == [
        *TO_FILL,
        "blocks: Field required",
        "registrations: Field required",
    ]


def test_filling_in_what_the_skeleton_marks_gives_a_valid_referential() -> None:
    data = tomllib.loads(skeleton_toml(read("RNCP4049")))
    data |= {"validity_years": 5, "vae_permanent": True, "title": {"required": 1}}
    data["competencies"] = [{"code": "C1", "label": "Prospecter"}]
    data["blocks"][0] |= {
        "required": 1,
        "competencies": ["C1"],
        "epreuves": [{"code": "BC01-E1", "kind": "dossier", "competencies": ["C1"]}],
    }

    ref = validate(Referential, data)

    assert problems(ref) == []
    assert (ref.certifier_siret, ref.predecessors, ref.successors) == (
        "12345678900017",
        ("RNCP1197",),
        ("RNCP22094",),
    )
    assert {route.code: route.open for route in ref.routes} == {
        "formation_initiale": (),
        "apprentissage": None,
        "formation_continue": (),
        "contrat_professionnalisation": None,
        "candidature_individuelle": (),
        "vae": (),
    }
    assert ref.blocks[0].label == "UP1 : Prospecter des clients"


def test_a_route_reads_its_open_periods_from_toml_inline_tables() -> None:
    route = validate(
        Route,
        tomllib.loads(
            'code = "vae"\nlabel = "VAE"\ncpf_modalite = "VAE"\n'
            "open = [{from = 2008-01-01}, {from = 2001-01-01, to = 2002-12-31}]\n"
        ),
    )

    assert route.open == (
        OpenPeriod(start=date(2008, 1, 1)),
        OpenPeriod(start=date(2001, 1, 1), end=date(2002, 12, 31)),
    )


@pytest.mark.parametrize(
    ("level", "text"),
    [
        ("NIV3", "V (nomenclature 1969) = 3 (nomenclature européenne)"),
        ("NIV4", "IV (nomenclature 1969) = 4 (nomenclature européenne)"),
        ("NIV5", "III (nomenclature 1969) = 5 (nomenclature européenne)"),
        ("NIV6", "II (nomenclature 1969) = 6 (nomenclature européenne)"),
        ("NIV7", "I (nomenclature 1969) = 7 (nomenclature européenne)"),
        ("NIV8", "I (nomenclature 1969) = 8 (nomenclature européenne)"),
        ("NIV2", "2 (nomenclature européenne)"),
        ("REPRISE", ""),
        ("", ""),
    ],
)
def test_a_european_level_is_written_with_its_1969_equivalent_when_it_has_one(
    level: str, text: str
) -> None:
    assert level_text(level) == text
