"""The referential: the bundled RNCP13080 file, the validator's checks, publication."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.exceptions import AlreadyExists, ReferentialInvalid, RuleViolation
from ledger.referential import (
    arithmetic,
    default_referential_text,
    parse_referential,
)
from tests.builders import stored

DEFAULT = default_referential_text()


def broken(old: str, new: str, count: int = 1) -> str:
    """The bundled referential with one passage replaced (the passage must be there)."""
    assert DEFAULT.count(old) >= count, old
    return DEFAULT.replace(old, new, count)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ReferentialInvalid) as caught:
        parse_referential(text, "test.toml")
    return caught.value.problems


def test_the_bundled_referential_encodes_every_fact_of_the_fiche() -> None:
    ref = parse_referential(DEFAULT)
    assert ref.code == "RNCP13080"
    assert ref.name == "Adjoint(e) à la production d'oeuvres cinématographiques et audiovisuelles"
    assert "II" in ref.level and "6" in ref.level
    assert ref.nsf.startswith("323") and ref.rome == ("L1302",)
    assert "ESEC" in ref.certifier
    assert [c.code for c in ref.competencies] == [f"C{n:02d}" for n in range(1, 43)]
    assert ref.title.required == 35
    assert ref.validity_years == 5 and ref.vae_permanent is True
    assert ref.award_after_registration_for_enrolled_before is False
    shape = [
        (b.code, b.short, len(b.competencies), b.required, len(b.epreuves)) for b in ref.blocks
    ]
    assert shape == [
        ("RNCP13080BC01", "BC01", 9, 7, 2),
        ("RNCP13080BC02", "BC02", 3, 3, 2),
        ("RNCP13080BC03", "BC03", 10, 7, 3),
        ("RNCP13080BC04", "BC04", 29, 20, 9),
    ]
    assert [b.label for b in ref.blocks] == [
        "Gérer le déroulement d'un tournage d'un film",
        "Organiser les activités de post-production d'un film",
        "Gérer la distribution de l'œuvre cinématographique",
        "Effectuer le dépouillement et établir une estimation des coûts de film",
    ]
    bc01, bc02, bc03, bc04 = ref.blocks
    assert bc01.competencies == tuple(f"C{n:02d}" for n in range(1, 10))
    assert bc02.competencies == ("C10", "C11", "C12")
    assert bc03.competencies == tuple(f"C{n:02d}" for n in range(13, 23))
    assert set(bc04.competencies) == {f"C{n:02d}" for n in [*range(23, 43), *range(1, 10)]}
    assert sorted({e.kind for e in bc01.epreuves}) == ["dossier", "pratique"]
    assert sorted({e.kind for e in bc02.epreuves}) == ["dossier", "évaluation de connaissances"]
    assert sorted({e.kind for e in bc03.epreuves}) == ["analyse", "cas pratique", "oral technique"]
    assert sorted({e.kind for e in bc04.epreuves}) == [
        "dossier",
        "pratique",
        "écrit",
        "étude de cas",
    ]
    five = [
        "realisateur",
        "producteur",
        "monteur_truquiste",
        "responsable_pedagogique",
        "directeur_ecole",
    ]
    for route in (
        "formation_initiale",
        "apprentissage",
        "formation_continue",
        "contrat_professionnalisation",
        "candidature_individuelle",
    ):
        assert list(ref.jury_roles(route)) == five
    assert list(ref.jury_roles("vae")) == [*five, "technicien"]
    sides = {r.code: r.side for r in ref.roles}
    assert sides == {
        "realisateur": "employer",
        "producteur": "employer",
        "monteur_truquiste": "employee",
        "responsable_pedagogique": "employee",
        "directeur_ecole": "employer",
        "technicien": "employee",
    }
    assert [(r.start, r.end) for r in ref.registrations] == [
        (date(2006, 3, 5), date(2011, 3, 5)),
        (date(2011, 3, 5), date(2016, 9, 7)),
        (date(2016, 9, 7), date(2019, 10, 4)),
    ]
    certificates = {r.code for r in ref.routes if r.competency_certificates}
    assert certificates == {"vae", "formation_continue", "contrat_professionnalisation"}
    modalites = {r.code: r.cpf_modalite for r in ref.routes}
    assert modalites == {
        "formation_initiale": "FORMATION_INITIALE_HORS_APPRENTISSAGE",
        "apprentissage": "FORMATION_INITIALE_APPRENTISSAGE",
        "formation_continue": "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "contrat_professionnalisation": "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "candidature_individuelle": "CANDIDAT_LIBRE",
        "vae": "VAE",
    }


def test_the_bundled_file_says_how_it_resolves_42_against_51() -> None:
    assert "9 + 3 + 10 + 29 = 51" in DEFAULT
    notes = arithmetic(parse_referential(DEFAULT))
    assert notes[0] == "42 competencies; blocks list 9 + 3 + 10 + 29 = 51 memberships"
    assert notes[1] == (
        "9 competencies belong to more than one block: C01, C02, C03, C04, C05, C06, C07, C08, C09"
    )


def test_every_competency_of_a_block_is_assessed_by_one_of_its_epreuves() -> None:
    ref = parse_referential(DEFAULT)
    for block in ref.blocks:
        assessed = {c for e in block.epreuves for c in e.competencies}
        assert assessed == set(block.competencies), block.code


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param(
            'competencies = ["C10", "C11", "C12"]',
            'competencies = ["C10", "C11", "C12", "C77"]',
            "block RNCP13080BC02 lists competency C77, which is not in the competency list",
            id="block-competency-not-in-list",
        ),
        pytest.param(
            "required = 3\n",
            "required = 4\n",
            "block RNCP13080BC02 requires 4 competencies but has only 3",
            id="threshold-above-block-size",
        ),
        pytest.param(
            'code = "C42"\n',
            'code = "C41"\n',
            "duplicate competency code C41 (2 times)",
            id="duplicate-competency",
        ),
        pytest.param(
            'short = "BC02"',
            'short = "BC01"',
            "duplicate block code BC01 (2 times)",
            id="duplicate-block",
        ),
        pytest.param(
            'code = "BC04-E9"',
            'code = "BC01-E1"',
            "duplicate épreuve code BC01-E1 (2 times)",
            id="duplicate-epreuve-across-blocks",
        ),
        pytest.param(
            'competencies = ["C10", "C12"]\n\n[[blocks.epreuves]]\ncode = "BC02-E2"\n'
            'kind = "évaluation de connaissances"\nlabel = "Évaluation des connaissances de la '
            'post-production"\ncompetencies = ["C10", "C11", "C12"]',
            'competencies = ["C10", "C12"]\n\n[[blocks.epreuves]]\ncode = "BC02-E2"\n'
            'kind = "évaluation de connaissances"\nlabel = "Évaluation des connaissances de la '
            'post-production"\ncompetencies = ["C10", "C12"]',
            "competency C11 of block RNCP13080BC02 is assessed by none of its épreuves",
            id="competency-assessed-by-no-epreuve",
        ),
        pytest.param(
            'competencies = ["C10", "C12"]',
            'competencies = ["C10", "C12", "C30"]',
            "épreuve BC02-E1 assesses competency C30, which is outside its block RNCP13080BC02",
            id="epreuve-outside-its-block",
        ),
        pytest.param(
            'apprentissage = ["realisateur"',
            'apprentisage = ["realisateur"',
            "jury rule for unknown route apprentisage",
            id="unknown-route",
        ),
        pytest.param(
            "from = 2006-03-05\nto = 2011-03-05",
            "from = 2006-03-05\nto = 2005-03-05",
            "registration period 2006-03-05 → 2005-03-05 ends before it starts",
            id="period-ends-before-it-starts",
        ),
        pytest.param(
            "from = 2011-03-05\nto = 2016-09-07",
            "from = 2010-03-05\nto = 2016-09-07",
            "registration periods 2006-03-05 → 2011-03-05 and 2010-03-05 → 2016-09-07 overlap",
            id="periods-overlap",
        ),
        pytest.param(
            'candidature_individuelle = ["realisateur", "producteur", "monteur_truquiste", '
            '"responsable_pedagogique", "directeur_ecole"]',
            "candidature_individuelle = []",
            "jury rule for route candidature_individuelle names no role",
            id="jury-rule-naming-no-role",
        ),
        pytest.param(
            'vae = ["realisateur", "producteur", "monteur_truquiste", "responsable_pedagogique", '
            '"directeur_ecole", "technicien"]',
            'vae = ["realisateur", "cascadeur"]',
            "jury rule for route vae names unknown role cascadeur",
            id="jury-rule-unknown-role",
        ),
    ],
)
def test_the_validator_rejects_a_broken_referential_naming_the_item(
    old: str, new: str, problem: str
) -> None:
    assert problem in problems_of(broken(old, new))


def test_an_empty_block_is_rejected() -> None:
    text = broken('competencies = ["C10", "C11", "C12"]', "competencies = []")
    found = problems_of(text)
    assert "block RNCP13080BC02 is empty: it lists no competency" in found


def test_two_periods_sharing_a_boundary_day_do_not_overlap() -> None:
    ref = parse_referential(DEFAULT)
    assert ref.registrations[0].end == ref.registrations[1].start
    assert ref.registered_on(date(2011, 3, 5))


def test_a_structural_error_names_the_field() -> None:
    found = problems_of(broken("validity_years = 5", 'validity_years = "five"'))
    assert found == ["validity_years: must be a whole number, not 'five'"]


def test_a_file_that_is_not_toml_is_rejected_in_one_line() -> None:
    found = problems_of("code = [unclosed")
    assert len(found) == 1 and found[0].startswith("not valid TOML:")


def test_the_validator_reports_every_problem_at_once() -> None:
    text = broken("required = 3\n", "required = 4\n")
    text = text.replace('code = "C42"\n', 'code = "C41"\n')
    assert len(problems_of(text)) >= 2


def test_init_publishes_the_bundled_referential_with_its_content_and_sha256(
    ledger: Ledger,
) -> None:
    published = ledger.versions().at(date(2006, 3, 5))
    fact = published.fact
    assert fact.type == "ReferentialPublished"
    assert fact.data["content"] == DEFAULT
    assert fact.data["sha256"] == hashlib.sha256(DEFAULT.encode()).hexdigest()
    assert published.effective_from == date(2006, 3, 5)
    assert fact.recorded_by == "tester"


def test_no_referential_is_in_force_before_the_first_publication(ledger: Ledger) -> None:
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 1 (codes): no referential is in force on 2006-03-04 (the first applies from "
            "2006-03-05)"
        ),
    ):
        ledger.versions().at(date(2006, 3, 4))


def test_a_published_version_applies_from_its_effective_date_only(ledger: Ledger) -> None:
    text = DEFAULT.replace('version = "2006.1"', 'version = "2019.1"').replace(
        "validity_years = 5", "validity_years = 7"
    )
    ledger.publish_referential(text, date(2019, 10, 4), by="tester")
    assert ledger.versions().at(date(2019, 10, 3)).version == "2006.1"
    assert ledger.versions().at(date(2019, 10, 4)).version == "2019.1"
    assert ledger.versions().at(date(2019, 10, 4)).referential.validity_years == 7


def test_publishing_a_version_twice_is_refused_and_writes_nothing(ledger: Ledger) -> None:
    before = stored(ledger)
    with pytest.raises(AlreadyExists, match=r"referential version 2006\.1 is already published"):
        ledger.publish_referential(DEFAULT, date(2010, 1, 1), by="tester")
    assert stored(ledger) == before


def test_publishing_an_invalid_referential_is_refused_and_writes_nothing(ledger: Ledger) -> None:
    before = stored(ledger)
    with pytest.raises(ReferentialInvalid, match="requires 4 competencies"):
        ledger.publish_referential(
            broken("required = 3\n", "required = 4\n"), date(2010, 1, 1), by="tester"
        )
    assert stored(ledger) == before


def test_a_referential_version_dated_after_today_is_refused(ledger: Ledger) -> None:
    text = DEFAULT.replace('version = "2006.1"', 'version = "2030.1"')
    with pytest.raises(
        RuleViolation,
        match=re.escape(
            "rule 8 (dates): the referential version dated 2030-01-01 is later than today "
            "(2026-11-26)"
        ),
    ):
        ledger.publish_referential(text, date(2030, 1, 1), by="tester")


def test_init_twice_is_refused(ledger: Ledger) -> None:
    before = stored(ledger)
    with pytest.raises(AlreadyExists, match="is already initialised"):
        ledger.initialise(by="tester")
    assert stored(ledger) == before


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('code = "RNCP13080"', 'code = ""', "code: must not be empty"),
        ('short = "BC02"', 'short = ""', "blocks.1.short: must not be empty"),
        (
            "validity_years = 5",
            "validity_years = 0",
            "validity_years: must be at least 1, not 0",
        ),
        ("required = 7\n", "required = 0\n", "blocks.0.required: must be at least 1, not 0"),
        (
            "minimum_age_years = 16",
            "minimum_age_years = 120",
            "minimum_age_years: must be from 0 to 99, not 120",
        ),
    ],
)
def test_an_empty_text_or_a_number_out_of_bounds_is_named_by_its_place(
    old: str, new: str, problem: str
) -> None:
    assert problem in problems_of(broken(old, new))


def test_a_parchment_level_outside_the_frameworks_is_refused() -> None:
    found = problems_of(broken("level_eqf = 6", "level_eqf = 9"))
    assert found == ["parchment.level_eqf: must be from 1 to 8, not 9"]


# The strict reader, and pydantic behind it.

CHANGES = [
    ("validity_years = 5", "validity_years = 6"),
    ("vae_permanent = true", "vae_permanent = false"),
    ("required = 35", "required = 34"),
    ('code = "C42"\nlabel = ', 'code = "C42"\nlabel = "Autre" # '),
    ('source = "Arrêté du 16 février 2006, JO du 5 mars 2006"', 'source = ""'),
    ("minimum_age_years = 16", "minimum_age_years = 18"),
    ("validity_years = 5", 'validity_years = "5"'),  # a string pydantic reads as a number
    ("vae_permanent = true", 'vae_permanent = "yes"'),
    # (the whole line: another change to the same line must no longer find it)
    ("from = 2006-03-05\n", 'from = "2006-03-05"\n'),  # a date written as a string
    ("from = 2006-03-05\n", "start = 2006-03-05\n"),  # the field's own name, not its alias
    ("from = 2006-03-05\n", "from = 2006-03-05T00:00:00\n"),  # a datetime at midnight
    ('cpf_modalite = "', 'unknown = 1\ncpf_modalite = "'),  # a key no class knows
    ("validity_years = 5\n", ""),  # a required field left out
]


def variant(picked: list[int]) -> str:
    text = DEFAULT
    for i in picked:
        old, new = CHANGES[i]
        if old in text:
            text = text.replace(old, new, 1)
    return text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(CHANGES) - 1), max_size=4, unique=True))
def test_the_strict_reader_gives_what_pydantic_gives_or_lets_pydantic_read(
    picked: list[int],
) -> None:
    """A published version is read without pydantic when every value already has its
    declared type; the result is then exactly pydantic's. Anything else (a date written as
    a string, a key no class knows, a field left out) is read, or refused, by pydantic."""
    import tomllib

    from pydantic import TypeAdapter, ValidationError

    from ledger.referential import Referential, _strict, _Untrusted, validate

    raw = tomllib.loads(variant(picked))
    try:
        expected: Referential | None = TypeAdapter(Referential).validate_python(raw)
    except ValidationError:
        expected = None
    try:
        strict: Referential | None = _strict(Referential, raw)
    except (_Untrusted, TypeError):
        strict = None
    if strict is not None:
        assert strict == expected
    if expected is None:
        with pytest.raises(ReferentialInvalid):
            validate(Referential, raw)
    else:
        assert validate(Referential, raw) == expected


def test_reading_a_published_version_needs_no_pydantic() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from ledger.referential import default_referential_text, parse_referential\n"
        "ref = parse_referential(default_referential_text())\n"
        "assert ref.blocks[0].required == 7 and ref.registrations[0].start.year == 2006\n"
        "print('pydantic' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
