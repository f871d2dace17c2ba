"""certledger in French: chosen by the locale or --lang, everywhere a person reads (help, click's
own words, refusals, tables), with French dates and numbers; JSON stays machine-shaped, and
English stays the default."""

from __future__ import annotations

import gettext
import json
import shlex
from collections.abc import Iterator
from datetime import date
from importlib.resources import files

import pytest
from babel.messages.pofile import read_po
from click.testing import Result

from cli.main import cli
from ledger import i18n
from tests.cli.conftest import ALL, IDENTITY, NINE, Certledger

FRENCH = {"LANG": "fr_FR.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "LANGUAGE": None}
"""A French registrar's locale."""

PLAIN = {"LANG": "C", "LC_ALL": None, "LC_MESSAGES": None, "LANGUAGE": None}
"""A locale that says nothing of French (a server, CI)."""


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Whatever a test does with the language, the next test starts in English."""
    yield
    i18n.use("en")


def run(certledger: Certledger, line: str, env: dict[str, str | None] = FRENCH) -> Result:
    """One command line run in-process with the given locale."""
    return certledger.runner.invoke(
        cli, shlex.split(line), prog_name="certledger", obj=certledger.clock, env=env
    )


def refused(certledger: Certledger, line: str, env: dict[str, str | None] = FRENCH) -> str:
    """Run a command a rule refuses: exit 1, nothing on stdout, one line on stderr, nothing
    written. Returns that line."""
    before = certledger.rows()
    result = run(certledger, line, env)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert certledger.rows() == before
    return result.stderr.rstrip("\n")


def test_the_installed_package_finds_the_french_catalog_up_to_date() -> None:
    compiled = files("ledger") / "locale" / "fr" / "LC_MESSAGES" / "certledger.mo"
    assert compiled.is_file(), "the build did not compile the French catalog"
    catalog = i18n.catalog("fr")
    assert isinstance(catalog, gettext.GNUTranslations)
    source = files("ledger") / "locale" / "fr" / "LC_MESSAGES" / "certledger.po"
    with source.open("rb") as po:
        messages = [m for m in read_po(po) if m.id and m.string and not m.fuzzy]
    assert len(messages) > 500
    for message in messages:
        if message.context:
            assert catalog.pgettext(message.context, message.id) == message.string
        elif isinstance(message.id, str):
            assert catalog.gettext(message.id) == message.string, message.id
        else:
            for n in (1, 2):
                assert catalog.ngettext(*message.id, n) == message.string[catalog.plural(n)]


def test_every_message_of_the_code_has_a_checked_french_translation() -> None:
    """The catalog covers every message the code holds (ledger/locale/certledger.pot, as
    `python -m cli.translation` extracts it), none left empty or fuzzy: Babel's merge guesses a
    new message's translation from a near one and marks it fuzzy, and a fuzzy guess is not a
    translation."""
    template = files("ledger") / "locale" / "certledger.pot"
    source = files("ledger") / "locale" / "fr" / "LC_MESSAGES" / "certledger.po"
    with template.open("rb") as pot, source.open("rb") as po:
        wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(pot)}
        french = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(po)}
    wanted.discard((None, ""))
    assert len(wanted) > 500
    assert sorted(str(key) for key in wanted - french.keys()) == []
    unchecked = [
        key
        for key in wanted
        if french[key].fuzzy
        or not any(
            [french[key].string] if isinstance(french[key].string, str) else french[key].string
        )
    ]
    assert unchecked == []


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "fr_CA.UTF-8"}, "fr"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "en_GB.UTF-8"}, "fr"),
        ({"LANGUAGE": "fr:en", "LANG": "C"}, "fr"),
        ({"LC_MESSAGES": "fr_BE", "LANG": "C"}, "fr"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "en", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "francais"}, "en"),
        ({}, "en"),
    ],
)
def test_the_locale_chooses_the_language(environ: dict[str, str], language: str) -> None:
    assert i18n.language_from(environ) == language


def test_help_is_in_french_click_s_own_words_included(bare: Certledger) -> None:
    result = run(bare, "candidate enroll --help")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Utilisation : certledger candidate enroll [OPTIONS] ID\n")
    assert "Inscrire un candidat sur une voie d'accès" in result.stdout
    assert "Date d'inscription." in result.stdout
    assert "Nom de naissance." in result.stdout
    assert "Afficher ce message et quitter." in result.stdout
    assert "Usage" not in result.stdout and "Show this message" not in result.stdout


def test_lang_fr_speaks_french_whatever_the_locale(bare: Certledger) -> None:
    result = run(bare, "--lang fr --help", PLAIN)

    assert result.exit_code == 0
    assert "Utilisation : certledger [OPTIONS] COMMAND [ARGS]..." in result.stdout
    assert "le registre des évaluations du titre RNCP13080" in result.stdout
    assert "Afficher la version et quitter." in result.stdout
    assert "Commandes" in result.stdout


def test_lang_en_speaks_english_in_a_french_locale(bare: Certledger) -> None:
    result = run(bare, "--lang en status --help")

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: certledger status [OPTIONS] CANDIDATE\n")
    assert "Show this message and exit." in result.stdout


def test_click_s_usage_errors_are_in_french(bare: Certledger) -> None:
    result = run(bare, "status V1 --bogus")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Utilisation : certledger status [OPTIONS] CANDIDATE",
        "Essayez 'certledger status --help' pour l'aide.",
        "",
        "Erreur : Option inconnue '--bogus'.",
    ]
    assert not bare.store.exists()


def test_a_date_that_cannot_be_read_is_refused_in_french(certledger: Certledger) -> None:
    result = run(certledger, f"candidate enroll V1 --route vae --on 30/02/2017 {IDENTITY}")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Erreur : Valeur invalide pour '--on' : '30/02/2017' n'est pas une date réelle du "
        "calendrier (ce jour n'existe pas dans ce mois)"
    )


def test_a_refusal_is_in_french_with_its_rule_its_values_and_french_dates(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1", "formation_continue", "2016-09-12")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.ok(
        "jury convene J1 --on 2017-06-20 --member 'Ana Roy:realisateur' --president 'Ana Roy'"
    )

    error = refused(certledger, f"jury decide J1 V1 --validate {NINE} --award-block BC01")

    assert error == (
        "Erreur : règle 3 (composition du jury) : il manque à la session de jury J1 le(s) "
        "rôle(s) producteur, monteur_truquiste, responsable_pedagogique, directeur_ecole requis "
        "pour la voie formation_continue le 20/06/2017 (une --derogation peut passer outre)"
    )


def test_a_date_refusal_names_both_dates_the_french_way(certledger: Certledger) -> None:
    error = refused(certledger, f"candidate enroll V2 --route vae --on 01/01/2099 {IDENTITY}")

    assert error == (
        "Erreur : règle 8 (dates) : l'inscription : la date du 01/01/2099 est postérieure à "
        "aujourd'hui (26/11/2026)"
    )


def test_the_same_refusal_is_in_english_by_default(certledger: Certledger) -> None:
    error = refused(
        certledger, f"candidate enroll V2 --route vae --on 2099-01-01 {IDENTITY}", PLAIN
    )

    assert error == (
        "Error: rule 8 (dates): the enrolment dated 2099-01-01 is later than today (2026-11-26)"
    )


def test_dates_typed_the_french_way_are_accepted_in_every_kind_of_option(
    certledger: Certledger,
) -> None:
    certledger.ok(
        "candidate enroll V1 --route formation_continue --on 12/09/2016 --birth-name Durand "
        "--first-name Alice --birth-date 02/01/1990 --sex F --birth-insee 75112"
    )
    certledger.ok(
        "assessment record V1 --epreuve BC01-E1 --on 01/06/2017 --passed C01,C02,C03,C05,C07"
    )

    french = certledger.json("status V1 --as-of 31/12/2018 --known-at 26/11/2026")
    iso = certledger.json("status V1 --as-of 2018-12-31 --known-at 2026-11-26")

    assert french == iso
    assert french["as_of"] == "2018-12-31"
    days = {event["effective_on"] for event in certledger.history("V1")}
    assert days == {"2016-09-12", "2017-06-01"}


def test_sex_is_accepted_in_lower_case_and_stored_as_the_registry_writes_it(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")  # --sex F

    certledger.ok("candidate rectify-identity V1 --sex m --reason 'sexe mal saisi'")

    error = certledger.refused("candidate rectify-identity V1 --sex M --reason again")
    assert "changes nothing in candidate V1's identity" in error


def test_the_status_table_speaks_french(bc01_holder: Certledger) -> None:
    result = run(bc01_holder, "status V1 --as-of 31/12/2018")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Candidat V1 au 31/12/2018 (connu au ")
    assert lines[0].endswith(": en cours, voie formation_continue, référentiel 2006.1")
    assert "Blocs" in lines
    header = next(line for line in lines if line.startswith("bloc "))
    assert header.split() == ["bloc", "attribué", "compte", "validité", "éligible", "certificat"]
    bc01 = next(line for line in lines if line.startswith("RNCP13080BC01"))
    assert bc01.split()[:3] == ["RNCP13080BC01", "20/06/2017", "oui"]
    assert "valable jusqu'au 19/06/2022 inclus" in result.stdout
    certificate = next(line for line in lines if line.startswith("RNCP13080-2017-00001"))
    assert certificate.split() == [
        "RNCP13080-2017-00001",
        "block",
        "RNCP13080BC01",
        "27/06/2017",
        "détenu",
    ]


def test_a_candidate_is_enrolled_with_sex_f_and_french_dates(certledger: Certledger) -> None:
    result = run(
        certledger,
        "candidate enroll V1 --route vae --on 09/01/2017 --birth-name Durand --first-name Alice "
        "--birth-date 02/05/1984 --sex f --birth-insee 75112",
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Candidat V1 inscrit sur la voie vae le 09/01/2017.\n"
    same = certledger.refused(
        "candidate rectify-identity V1 --sex F --birth-date 1984-05-02 --reason again"
    )
    assert "changes nothing in candidate V1's identity" in same


def test_statistics_read_with_a_decimal_comma(bc01_holder: Certledger) -> None:
    bc01_holder.enroll("V2", "formation_continue", "2016-09-12")
    bc01_holder.pass_everything("V2", on="2017-06-01")
    bc01_holder.ok(f"jury decide J1 V2 --validate {ALL} --award-title")

    result = run(bc01_holder, "report stats --year 2017")

    assert result.exit_code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("année"))
    assert header.split()[:4] == ["année", "voie", "présentés", "certifiés"]
    total = next(line for line in result.stdout.splitlines() if " all " in line)
    assert "50,00\xa0%" in total
    english = run(bc01_holder, "report stats --year 2017", PLAIN)
    assert "50.00%" in english.stdout


def test_json_keeps_machine_keys_and_iso_dates_in_french(bc01_holder: Certledger) -> None:
    result = run(bc01_holder, "status V1 --as-of 31/12/2018 --json")

    assert result.exit_code == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["as_of"] == "2018-12-31"
    assert status["blocks"][0]["awarded_on"] == "2017-06-20"
    assert status["blocks"][0]["code"] == "RNCP13080BC01"


def test_numbers_and_percentages_read_the_french_way() -> None:
    i18n.use("fr")
    assert i18n.show_percent(0.4444) == "44,44\xa0%"
    assert i18n.show_number(1234.5) == "1\u202f234,5"
    assert i18n.show_date(date(2017, 6, 27)) == "27/06/2017"
    i18n.use("en")
    assert i18n.show_percent(0.4444) == "44.44%"
    assert i18n.show_number(1234.5) == "1,234.5"
    assert i18n.show_date(date(2017, 6, 27)) == "2017-06-27"


def test_english_is_the_default_outside_a_french_locale(bare: Certledger) -> None:
    result = run(bare, "candidate enroll --help", PLAIN)

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: certledger candidate enroll [OPTIONS] ID\n")
    assert "Enrolment date." in result.stdout
    assert "Show this message and exit." in result.stdout


def test_a_french_command_leaves_the_next_one_in_english(bare: Certledger) -> None:
    run(bare, "--help")

    assert i18n.language() == "en"
    assert cli.help is not None and cli.help.startswith("certledger: the assessment ledger")


def test_the_audit_page_is_french_and_says_so(bc01_holder: Certledger) -> None:
    result = run(bc01_holder, "audit --format html")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    page = result.stdout
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert ">Résumé<" in page and ">Sommaire<" in page
    assert ">Summary<" not in page
    english = run(bc01_holder, "audit --format html", PLAIN).stdout
    assert english.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert ">Summary<" in english
