"""`init` and `referential show/validate/publish`: the rules, as data, into the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.publication import _parse
from tests.cli.conftest import BUNDLED, NINE, REGISTRATIONS, Certledger, variant

SHA = hashlib.sha256(BUNDLED.read_text(encoding="utf-8").encode("utf-8")).hexdigest()
"""The SHA-256 of the bundled referential, as the ledger records it."""


def test_init_publishes_the_bundled_referential_from_its_first_registration(
    bare: Certledger,
) -> None:
    out = bare.ok("init")

    assert out == (
        f"Initialised {bare.store.display}: referential version 2006.1 effective from "
        f"2006-03-05 (sha256 {SHA}).\n"
    )
    assert [row[3] for row in bare.events()] == [
        "ReferentialStreamStarted",
        "ReferentialPublished",
    ]


def test_init_json_names_the_version_it_published(bare: Certledger) -> None:
    assert bare.json("init") == {
        "id": "2006.1",
        "version": "2006.1",
        "effective_from": "2006-03-05",
        "sha256": SHA,
        "store": f"{bare.store.display}",
    }


def test_init_twice_is_refused_and_writes_nothing(certledger: Certledger) -> None:
    error = certledger.refused("init")

    assert error == f"Error: the ledger at {certledger.store.display} is already initialised"


def test_init_publishes_the_referential_file_given_from_the_date_given(
    bare: Certledger, tmp_path: Path
) -> None:
    rules = variant(tmp_path, "rules.toml", ('version = "2006.1"', 'version = "2016.1"'))

    bare.ok(f"init --referential {rules} --effective-from 2016-09-07")

    shown = bare.json("referential show --as-of 2017-01-01")
    assert (shown["version"], shown["effective_from"]) == ("2016.1", "2016-09-07")
    error = bare.refused(
        "candidate enroll V1 --route vae --on 2015-01-05 --birth-name Durand "
        "--first-name Alice --birth-date 1990-01-02 --sex F --birth-insee 75112",
    )
    assert error == (
        "Error: rule 1 (codes): no referential is in force on 2015-01-05 "
        "(the first applies from 2016-09-07)"
    )


def test_init_with_an_invalid_referential_creates_no_store(
    bare: Certledger, tmp_path: Path
) -> None:
    rules = variant(tmp_path, "rules.toml", ("required = 3\n", "required = 4\n"))

    error = bare.refused(f"init --referential {rules}")

    assert error == (
        f"Error: referential {rules} is invalid: block RNCP13080BC02 requires 4 competencies "
        "but has only 3"
    )
    assert not bare.store.exists()


def test_init_effective_from_a_future_date_is_refused_and_leaves_no_store(
    bare: Certledger,
) -> None:
    error = bare.refused("init --effective-from 2099-01-01")

    assert error.startswith(
        "Error: rule 8 (dates): the referential version dated 2099-01-01 is later than today ("
    )
    assert not bare.store.exists()


def test_a_command_on_a_store_never_initialised_says_to_run_init(bare: Certledger) -> None:
    error = bare.refused("status V1")

    assert error == f"Error: no ledger at {bare.store.display}: run `certledger init` first"
    assert not bare.store.exists()


def test_referential_show_prints_the_version_in_force_and_its_rules(
    certledger: Certledger,
) -> None:
    lines = certledger.ok("referential show --as-of 2017-06-20").splitlines()

    assert lines[:4] == [
        "RNCP13080 — Adjoint(e) à la production d'oeuvres cinématographiques et audiovisuelles",
        "version 2006.1, effective from 2006-03-05, published 2026-11-26 11:00:00 (Paris) by "
        f"tester, sha256 {SHA}",
        "title: 35 of 42 competencies; competencies stay valid 5 years; competencies validated "
        "by VAE are acquired for good",
        f"RNCP registrations: {REGISTRATIONS}",
    ]
    assert "Blocks" in lines and "Jury per route" in lines
    assert (
        "holding every block does not award the title by itself; minimum age at enrolment 16; "
        "CPF transmission duty from 2021-07-01; VAE jury balance: a finding of the audit"
    ) in lines
    assert "Routes (rule 12: when a candidate may be put on them)" in lines


def test_referential_show_lists_the_routes_per_period(certledger: Certledger) -> None:
    rows = [" ".join(line.split()) for line in certledger.ok("referential show").splitlines()]

    def route(code: str) -> str:
        return next(r for r in rows if r.startswith(f"{code} "))

    assert route("apprentissage") == "apprentissage closed FORMATION_INITIALE_APPRENTISSAGE"
    assert route("contrat_professionnalisation").startswith("contrat_professionnalisation closed")
    assert route("vae") == "vae open from 2008-01-01 VAE"
    assert route("formation_initiale").startswith("formation_initiale open always")


def test_referential_show_json_gives_each_routes_periods(certledger: Certledger) -> None:
    document = certledger.json("referential show")

    routes = {r["code"]: r for r in document["routes"]}
    assert routes["vae"]["open"] == [{"from": "2008-01-01", "to": None}]
    assert routes["vae"]["openings"] == "open from 2008-01-01"
    assert routes["apprentissage"]["open"] == []
    assert routes["formation_continue"]["open"] is None
    assert (
        document["title_by_all_blocks"],
        document["cpf_flow_from"],
        document["minimum_age_years"],
        document["vae_jury_balance_required"],
    ) == (False, "2021-07-01", 16, False)


def test_referential_show_lists_each_block_with_its_threshold_and_epreuves(
    certledger: Certledger,
) -> None:
    text = " ".join(certledger.ok("referential show --as-of 2017-06-20").split())

    for code, threshold in [("BC01", "7/9"), ("BC02", "3/3"), ("BC03", "7/10"), ("BC04", "20/29")]:
        assert f"RNCP13080{code} " in text
        assert f" {threshold} " in text
    for epreuve in ("BC01-E2", "BC02-E2", "BC03-E3", "BC04-E9"):
        assert epreuve in text


def test_referential_show_before_the_first_version_is_refused(certledger: Certledger) -> None:
    error = certledger.refused("referential show --as-of 2001-01-01")

    assert error == (
        "Error: rule 1 (codes): no referential is in force on 2001-01-01 "
        "(the first applies from 2006-03-05)"
    )


def test_validate_reports_the_fiche_arithmetic_of_the_bundled_file(bare: Certledger) -> None:
    out = bare.ok(f"referential validate {BUNDLED}")

    assert out.splitlines() == [
        f"{BUNDLED}: valid referential RNCP13080 version 2006.1",
        "  42 competencies; blocks list 9 + 3 + 10 + 29 = 51 memberships",
        "  9 competencies belong to more than one block: "
        "C01, C02, C03, C04, C05, C06, C07, C08, C09",
        "  title: 35 of 42 competencies",
    ]
    assert not bare.store.exists()


def test_validate_json_reports_the_arithmetic_too(bare: Certledger) -> None:
    assert bare.json(f"referential validate {BUNDLED}") == {
        "valid": True,
        "file": str(BUNDLED),
        "version": "2006.1",
        "sha256": SHA,
        "problems": [],
        "notes": [
            "42 competencies; blocks list 9 + 3 + 10 + 29 = 51 memberships",
            "9 competencies belong to more than one block: "
            "C01, C02, C03, C04, C05, C06, C07, C08, C09",
            "title: 35 of 42 competencies",
        ],
    }


def test_validate_reads_a_json_referential_as_well(bare: Certledger, tmp_path: Path) -> None:
    as_json = tmp_path / "rules.json"
    as_json.write_text(
        json.dumps(tomllib.loads(BUNDLED.read_text(encoding="utf-8")), default=str),
        encoding="utf-8",
    )

    out = bare.ok(f"referential validate {as_json}")

    assert out.splitlines()[:2] == [
        f"{as_json}: valid referential RNCP13080 version 2006.1",
        "  42 competencies; blocks list 9 + 3 + 10 + 29 = 51 memberships",
    ]


BROKEN = {
    "a block competency not in the list": (
        (
            'required = 3\ncompetencies = ["C10", "C11", "C12"]',
            'required = 3\ncompetencies = ["C10", "C11", "C99"]',
        ),
        "block RNCP13080BC02 lists competency C99, which is not in the competency list",
    ),
    "a threshold above the block size": (
        ("required = 3\n", "required = 4\n"),
        "block RNCP13080BC02 requires 4 competencies but has only 3",
    ),
    "an empty block": (
        ('required = 3\ncompetencies = ["C10", "C11", "C12"]', "required = 3\ncompetencies = []"),
        "block RNCP13080BC02 is empty: it lists no competency",
    ),
    "a duplicate competency code": (
        ('code = "C02"\n', 'code = "C01"\n'),
        "duplicate competency code C01 (2 times)",
    ),
    "a duplicate block code": (
        ('short = "BC03"', 'short = "BC02"'),
        "duplicate block code BC02 (2 times)",
    ),
    "an épreuve code used in two blocks": (
        ('code = "BC02-E1"', 'code = "BC01-E1"'),
        "duplicate épreuve code BC01-E1 (2 times)",
    ),
    "a block competency no épreuve assesses": (
        (
            'post-production"\ncompetencies = ["C10", "C11", "C12"]',
            'post-production"\ncompetencies = ["C10", "C12"]',
        ),
        "competency C11 of block RNCP13080BC02 is assessed by none of its épreuves",
    ),
    "an épreuve assessing a competency outside its block": (
        (
            '"Dossier de post-production"\ncompetencies = ["C10", "C12"]',
            '"Dossier de post-production"\ncompetencies = ["C10", "C12", "C13"]',
        ),
        "épreuve BC02-E1 assesses competency C13, which is outside its block RNCP13080BC02",
    ),
    "an unknown route": (
        ('vae = ["realisateur"', 'erasmus = ["realisateur"]\nvae = ["realisateur"'),
        "jury rule for unknown route erasmus",
    ),
    "a registration that ends before it starts": (
        ("from = 2016-09-07\nto = 2019-10-04", "from = 2019-10-04\nto = 2016-09-07"),
        "registration period 2019-10-04 → 2016-09-07 ends before it starts",
    ),
    "overlapping registrations": (
        ("from = 2016-09-07\nto = 2019-10-04", "from = 2016-01-01\nto = 2019-10-04"),
        "registration periods 2011-03-05 → 2016-09-07 and 2016-01-01 → 2019-10-04 overlap",
    ),
    "a jury rule naming no role": (
        (
            'vae = ["realisateur", "producteur", "monteur_truquiste", "responsable_pedagogique", '
            '"directeur_ecole", "technicien"]',
            "vae = []",
        ),
        "jury rule for route vae names no role",
    ),
    "a validity past any calendar": (
        ("validity_years = 5", "validity_years = 9999"),
        "validity_years: must be from 1 to 100, not 9999",
    ),
    "a validity that is no whole number": (
        ("validity_years = 5", "validity_years = 5.0"),
        "validity_years: must be a whole number, not 5.0",
    ),
    "a validity written true": (
        ("validity_years = 5", "validity_years = true"),
        "validity_years: must be a whole number, not True",
    ),
    "a validity written as text": (
        ("validity_years = 5", 'validity_years = "5"'),
        "validity_years: must be a whole number, not '5'",
    ),
    "a blank version": (
        ('version = "2006.1"', 'version = "   "'),
        "version '   ' is not a valid identifier (1-64 letters, digits, '_', '.' or '-', "
        "starting with a letter or digit)",
    ),
    "a version with an invisible character": (
        ('version = "2006.1"', 'version = "2006.1\\u200b"'),
        "version '2006.1\\u200b' is not a valid identifier (1-64 letters, digits, '_', '.' or "
        "'-', starting with a letter or digit)",
    ),
    "a file that is not TOML": (
        ('code = "RNCP13080"\n', 'code = = "RNCP13080"\n'),
        "not valid TOML: ",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=lambda case: case.replace(" ", "_"))
def test_validate_refuses_a_broken_file_naming_the_item(
    bare: Certledger, tmp_path: Path, case: str
) -> None:
    change, problem = BROKEN[case]
    broken = variant(tmp_path, "broken.toml", change)

    result = bare("referential", "validate", broken)

    assert result.exit_code == 1
    assert result.stdout == ""
    first, *listed = result.stderr.splitlines()
    assert first.startswith(f"Error: referential {broken} is invalid: {problem}")
    assert any(line.startswith(f"  - {problem}") for line in listed)


def test_validate_json_of_a_broken_file_lists_every_problem(
    bare: Certledger, tmp_path: Path
) -> None:
    broken = variant(
        tmp_path,
        "broken.toml",
        ('required = 3\ncompetencies = ["C10", "C11", "C12"]', "required = 3\ncompetencies = []"),
    )

    result = bare("referential", "validate", broken, "--json")

    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["file"] == str(broken)
    assert document["problems"][:2] == [
        "block RNCP13080BC02 is empty: it lists no competency",
        "block RNCP13080BC02 requires 3 competencies but has only 0",
    ]


def test_validate_of_a_missing_file_names_it(bare: Certledger, tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"

    result = bare("referential", "validate", missing)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: referential {missing} is invalid: cannot read it: No such file or directory"
    )


def test_publish_puts_a_new_version_in_force_from_its_date(
    certledger: Certledger, tmp_path: Path
) -> None:
    rules = variant(tmp_path, "rules.toml", ('version = "2006.1"', 'version = "2019.1"'))
    sha = hashlib.sha256(rules.read_text(encoding="utf-8").encode("utf-8")).hexdigest()

    out = certledger.ok(f"referential publish {rules} --effective-from 2019-10-05")

    assert out == (
        f"Published referential version 2019.1 effective from 2019-10-05 (sha256 {sha}).\n"
    )
    assert certledger.json("referential show --as-of 2019-10-04")["version"] == "2006.1"
    shown = certledger.json("referential show --as-of 2019-10-05")
    assert (shown["version"], shown["effective_from"], shown["sha256"]) == (
        "2019.1",
        "2019-10-05",
        sha,
    )


def test_each_decision_is_judged_by_the_version_in_force_on_its_date(
    certledger: Certledger, tmp_path: Path
) -> None:
    shorter = variant(
        tmp_path,
        "rules.toml",
        ('version = "2006.1"', 'version = "2018.1"'),
        ("validity_years = 5", "validity_years = 3"),
    )
    certledger.ok(f"referential publish {shorter} --effective-from 2018-01-01")
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.assess("V1", "BC02-E2", "2018-06-01", "C10,C11,C12")
    certledger.convene("J1", on="2017-06-20")
    certledger.convene("J2", on="2018-06-20")
    certledger.ok(f"jury decide J1 V1 --validate {NINE}")
    certledger.ok("jury decide J2 V1 --validate C10,C11,C12")

    status = certledger.status("V1", "2020-01-01")

    until = {c["code"]: c["valid_until"] for c in status["competencies"]}
    assert until["C01"] == "2022-06-20"
    assert until["C10"] == "2021-06-20"


def test_publishing_a_version_already_published_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(f"referential publish {BUNDLED} --effective-from 2016-01-01")

    assert error == (
        f"Error: referential version 2006.1 is already published (effective from 2006-03-05, "
        f"sha256 {SHA[:12]}…); give the new content a new version"
    )


def test_publishing_a_broken_file_is_refused_and_writes_nothing(
    certledger: Certledger, tmp_path: Path
) -> None:
    broken = variant(
        tmp_path, "broken.toml", ('version = "2006.1"', 'version = "2019.1"'), ("vae = [", "vae=[[")
    )

    error = certledger.refused(f"referential publish {broken} --effective-from 2019-10-05")

    assert error.startswith(f"Error: referential {broken} is invalid: not valid TOML: ")


def test_publishing_a_validity_past_any_calendar_is_refused_and_writes_nothing(
    certledger: Certledger, tmp_path: Path
) -> None:
    endless = variant(
        tmp_path,
        "endless.toml",
        ('version = "2006.1"', 'version = "2019.1"'),
        ("validity_years = 5", "validity_years = 101"),
    )

    error = certledger.refused(f"referential publish {endless} --effective-from 2019-10-05")

    assert error == (
        f"Error: referential {endless} is invalid: validity_years: must be from 1 to 100, not 101"
    )


@pytest.mark.parametrize("version", ["   ", "2006.1\\u200b"], ids=["blank", "zero-width space"])
def test_publishing_a_version_that_looks_blank_or_like_another_is_refused_and_writes_nothing(
    certledger: Certledger, tmp_path: Path, version: str
) -> None:
    rules = variant(tmp_path, "rules.toml", ('version = "2006.1"', f'version = "{version}"'))

    error = certledger.refused(f"referential publish {rules} --effective-from 2019-10-05")

    assert error == (  # the version as TOML escapes it is how Python's repr shows it
        f"Error: referential {rules} is invalid: version '{version}' is not a valid identifier "
        "(1-64 letters, digits, '_', '.' or '-', starting with a letter or digit)"
    )


def test_a_version_published_before_versions_were_identifiers_stays_readable(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = variant(tmp_path, "rules.toml", ('version = "2006.1"', 'version = "2019 v2"'))
    with monkeypatch.context() as earlier:  # the validator of an earlier version of certledger
        earlier.setattr("ledger.referential.check_identifier", lambda kind, value: value)
        certledger.ok(f"referential publish {rules} --effective-from 2019-10-05")
    _parse.cache_clear()  # read back as a new process would

    certledger.enroll("V1")

    assert certledger.json("status V1 --as-of 2019-10-06")["referential"] == "2019 v2"
    refused = certledger(f"referential validate {rules}")
    assert refused.exit_code != 0
    assert "version '2019 v2' is not a valid identifier" in refused.stderr


def test_a_version_published_with_a_longer_validity_than_files_may_give_stays_readable(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endless = variant(
        tmp_path,
        "endless.toml",
        ('version = "2006.1"', 'version = "2017.1"'),
        ("validity_years = 5", "validity_years = 9999"),
    )
    with monkeypatch.context() as earlier:  # the validator of an earlier version of certledger
        earlier.setattr("ledger.referential.MAXIMUM_VALIDITY_YEARS", 10**6)
        certledger.ok(f"referential publish {endless} --effective-from 2017-01-01")
    _parse.cache_clear()  # read back as a new process would
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.convene("J1", on="2017-06-20")

    certledger.ok(f"jury decide J1 V1 --validate {NINE} --award-block BC01")

    (bc01, *_) = certledger.status("V1", "2026-11-30")["blocks"]
    assert (bc01["counts"], bc01["valid_until"]) == (True, "9999-12-31")
    assert certledger.json("verify")["ok"] is True


def test_a_validity_of_a_lifetime_is_read_to_its_end(
    certledger: Certledger, tmp_path: Path
) -> None:
    lifetime = variant(
        tmp_path,
        "lifetime.toml",
        ('version = "2006.1"', 'version = "2017.1"'),
        ("validity_years = 5", "validity_years = 100"),
    )
    certledger.ok(f"referential publish {lifetime} --effective-from 2017-01-01")
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.convene("J1", on="2017-06-20")
    certledger.ok(f"jury decide J1 V1 --validate {NINE}")

    status = certledger.status("V1", "2020-01-01")

    assert {c["valid_until"] for c in status["competencies"]} == {"2117-06-20"}


def test_publishing_a_version_effective_in_the_future_is_refused(
    certledger: Certledger, tmp_path: Path
) -> None:
    rules = variant(tmp_path, "rules.toml", ('version = "2006.1"', 'version = "2099.1"'))

    error = certledger.refused(f"referential publish {rules} --effective-from 2099-01-01")

    assert error.startswith(
        "Error: rule 8 (dates): the referential version dated 2099-01-01 is later than today ("
    )


def test_publishing_again_under_the_same_request_id_writes_nothing(
    certledger: Certledger, tmp_path: Path
) -> None:
    rules = variant(tmp_path, "rules.toml", ('version = "2006.1"', 'version = "2019.1"'))
    args = ("referential", "publish", rules, "--effective-from", "2019-10-05", "--request-id", "p1")
    first = certledger.json(*args)
    rows = certledger.rows()

    again = certledger.json(*args)

    assert again["id"] == first["id"] == "2019.1"
    assert again["replayed"] is True
    assert certledger.rows() == rows


def refused_in_french(certledger: Certledger, line: str) -> str:
    """Run a command a rule refuses, in French: exit 1, one line on stderr, nothing written."""
    before = certledger.rows()
    result = certledger(f"--lang fr {line}")
    assert result.exit_code == 1 and result.stdout == "", (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert certledger.rows() == before
    return result.stderr.rstrip("\n")


def test_the_routes_periods_are_told_in_french(certledger: Certledger) -> None:
    shown = [
        " ".join(line.split()) for line in certledger.ok("--lang fr referential show").split("\n")
    ]
    error = refused_in_french(
        certledger,
        "candidate enroll V1 --route vae --on 2007-11-05 --birth-name Durand --first-name Alice "
        "--birth-date 1990-01-02 --sex F --birth-insee 75112",
    )

    assert "vae ouverte à partir du 2008-01-01 VAE" in shown
    assert "formation_initiale toujours ouverte FORMATION_INITIALE_HORS_APPRENTISSAGE" in shown
    assert error.startswith(
        "Erreur : règle 12 (voies d'accès) : la voie vae est ouverte à partir du 2008-01-01 dans "
        "le référentiel 2006.1 : "
    )


def test_the_routes_periods_stay_in_english_in_the_json_whatever_the_language(
    certledger: Certledger,
) -> None:
    # The JSON is for programs: never translated (docs/translating.md).
    routes = json.loads(certledger.ok("--lang fr referential show --json"))["routes"]

    assert {r["code"]: r["openings"] for r in routes}["vae"] == "open from 2008-01-01"
    assert {r["openings"] for r in routes} == {"open always", "closed", "open from 2008-01-01"}


def test_the_validator_tells_duplicates_in_french(bare: Certledger, tmp_path: Path) -> None:
    broken = variant(
        tmp_path,
        "broken.toml",
        ('short = "BC03"', 'short = "BC02"'),
        ('code = "BC02-E1"', 'code = "BC01-E1"'),
        (
            'required = 3\ncompetencies = ["C10", "C11", "C12"]',
            'required = 3\ncompetencies = ["C10", "C11", "C11", "C12"]',
        ),
    )

    result = bare(f"--lang fr referential validate {broken}")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:4] == [
        "  - bloc : code BC02 en double (2 fois)",
        "  - épreuve : code BC01-E1 en double (2 fois)",
        "  - compétence (dans le bloc RNCP13080BC02) : code C11 en double (2 fois)",
    ]


def test_a_referential_published_before_counts_were_strict_still_reads(
    certledger: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version published before whole counts were asked of new files (`validity_years =
    5.0`, which pydantic's lax mode took for 5) is part of the ledger for good: it is parsed
    again on every read, as it was accepted then."""
    import ledger.usecases.referentials as referentials

    text = (
        BUNDLED.read_text(encoding="utf-8")
        .replace('version = "2006.1"', 'version = "2020.1"')
        .replace("validity_years = 5\n", "validity_years = 5.0\n")
    )
    lax = referentials.parse_referential  # what the release before checked: 5.0 as 5
    with monkeypatch.context() as patched:
        patched.setattr(
            referentials,
            "parse_referential",
            lambda content, source: lax(content.replace("= 5.0\n", "= 5\n"), source),
        )
        app = Ledger(str(certledger.store))
        try:
            referentials.publish(app, text, dt.date(2020, 1, 1), by="tester")
        finally:
            app.close()
    shown = json.loads(certledger.ok("referential show --as-of 2020-06-01 --json"))
    assert (shown["version"], shown["validity_years"]) == ("2020.1", 5)

    assert "intact" in certledger.ok("verify")
