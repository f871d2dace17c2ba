"""Identity fields as the Caisse des Dépôts matches them: INSEE commune codes of the COG in
ASCII digits, INSEE country codes (France 100), a birth date at least the referential's
minimum age before the enrolment; each refused at entry, naming the field in words."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import InvalidInput
from ledger.identity import Identity
from tests.builders import IDENTITY, enroll, stored


def enrolment_refused(ledger: Ledger, message: str, **identity: object) -> None:
    before = stored(ledger)
    with pytest.raises(InvalidInput) as caught:
        ledger.enroll(
            "V1",
            route="formation_continue",
            on=date(2016, 9, 12),
            identity={**IDENTITY, **identity},
            by="tester",
        )
    assert str(caught.value) == message
    assert stored(ledger) == before


@pytest.mark.parametrize("code", ["75112", "2A004", "2B033", "97411", "99100"])
def test_an_insee_commune_code_of_the_cog_is_accepted(code: str) -> None:
    assert Identity.of(**{**IDENTITY, "birth_insee": code}).birth_insee == code


@pytest.mark.parametrize(
    "code",
    [
        "٧٥١١٢",  # Arabic-Indic digits, which `\d` matches
        "۷۵۱۱۲",  # Extended Arabic-Indic digits
        "７５１１２",  # fullwidth digits
        "7511",
        "751120",
        "2C004",
        "2a004",
        "A5112",
    ],
)
def test_an_insee_commune_code_outside_the_cog_pattern_is_refused(
    ledger: Ledger, code: str
) -> None:
    enrolment_refused(
        ledger,
        f"birth place: INSEE code {code!r} must be 5 ASCII characters, the département "
        "(2 digits, or 2A/2B) then 3 digits, e.g. 75056",
        birth_insee=code,
    )


@pytest.mark.parametrize("code", ["100", "109", "352", "404", "501"])
def test_an_insee_country_code_is_accepted(code: str) -> None:
    assert Identity.of(**{**IDENTITY, "birth_country": code}).birth_country == code


@pytest.mark.parametrize("code", ["FRA", "999", "099", "600", "１００", "١٠٠", "10"])
def test_a_country_code_that_is_not_insee_is_refused(ledger: Ledger, code: str) -> None:
    enrolment_refused(
        ledger,
        f"birth country: INSEE country code {code!r} must be 3 ASCII digits, e.g. 100 for France",
        birth_country=code,
    )


def test_a_birth_in_2010_for_a_2016_enrolment_is_refused(ledger: Ledger) -> None:
    enrolment_refused(
        ledger,
        "birth date: 2010-03-01 is less than 16 years before the enrolment on "
        "2016-09-12 (referential 2006.1 sets the minimum age at 16)",
        birth_date=date(2010, 3, 1),
    )


def test_a_candidate_sixteen_on_the_day_of_enrolment_is_recorded(ledger: Ledger) -> None:
    ledger.enroll(
        "V1",
        route="formation_continue",
        on=date(2016, 9, 12),
        identity={**IDENTITY, "birth_date": date(2000, 9, 12)},
        by="tester",
    )
    assert ledger.candidate("V1").dossier.identity["birth_date"] == "2000-09-12"


def test_someone_born_on_29_february_comes_of_age_on_1_march_in_a_common_year() -> None:
    person = Identity.of(**{**IDENTITY, "birth_date": date(2000, 2, 29)})
    with pytest.raises(InvalidInput, match="2000-02-29 is less than 17 years before"):
        person.check_age(date(2017, 2, 28), 17, "2006.1")
    person.check_age(date(2017, 3, 1), 17, "2006.1")
    person.check_age(date(2016, 2, 29), 16, "2006.1")


def test_the_minimum_age_is_the_referentials(ledger: Ledger) -> None:
    from ledger.referential import default_referential_text

    text = default_referential_text().replace('version = "2006.1"', 'version = "2016.18"')
    text = text.replace("minimum_age_years = 16", "minimum_age_years = 18")
    ledger.publish_referential(text, date(2016, 1, 1), by="tester")
    enrolment_refused(
        ledger,
        "birth date: 1999-01-01 is less than 18 years before the enrolment on "
        "2016-09-12 (referential 2016.18 sets the minimum age at 18)",
        birth_date=date(1999, 1, 1),
    )


def test_a_rectified_birth_date_is_checked_against_the_enrolment(ledger: Ledger) -> None:
    enroll(ledger)
    before = stored(ledger)
    with pytest.raises(
        InvalidInput,
        match=re.escape(
            "birth date: 2005-01-01 is less than 16 years before the enrolment on 2016-09-12"
        ),
    ):
        ledger.rectify_identity(
            "V1", changes={"birth_date": date(2005, 1, 1)}, reason="typo", by="tester"
        )
    assert stored(ledger) == before


def test_a_rectified_insee_code_in_arabic_indic_digits_is_refused(ledger: Ledger) -> None:
    enroll(ledger)
    with pytest.raises(InvalidInput, match=r"^birth place: INSEE code '٦٩١٢٣' must be"):
        ledger.rectify_identity("V1", changes={"birth_insee": "٦٩١٢٣"}, reason="typo", by="tester")


def test_an_identity_given_decomposed_is_recorded_composed(ledger: Ledger) -> None:
    sixty = "Élodie" * 10  # 60 letters, 70 code points decomposed
    decomposed = unicodedata.normalize("NFD", sixty)
    ledger.enroll(
        "V1",
        route="formation_continue",
        on=date(2016, 9, 12),
        identity={**IDENTITY, "birth_name": decomposed, "first_names": ("Le\u0301a",)},
        by="tester",
    )
    identity = ledger.candidate("V1").dossier.identity
    assert identity["birth_name"] == sixty and identity["first_names"] == ["L\u00e9a"]


def test_a_rectification_given_decomposed_is_recorded_composed(ledger: Ledger) -> None:
    enroll(ledger)
    ledger.rectify_identity("V1", changes={"usage_name": "Me\u0301lo"}, reason="x", by="tester")
    assert ledger.candidate("V1").dossier.identity["usage_name"] == "M\u00e9lo"
    with pytest.raises(InvalidInput, match="changes nothing"):
        ledger.rectify_identity("V1", changes={"usage_name": "M\u00e9lo"}, reason="x", by="t")
