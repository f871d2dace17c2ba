"""Rule 13 and the text people give: names compared as people read them, control characters
refused everywhere, identifiers matched whole (DOMAIN.md §4, rule 13)."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import AlreadyExists, BadIdentifier, InvalidInput, RuleViolation
from ledger.rules import check_jury
from ledger.text import check_text, normalise_name, refused_character
from tests.builders import FIVE, IDENTITY, PRESIDENT, convene, enroll, pass_bc01, stored

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
"""Zero-width space, non-joiner and joiner, soft hyphen, word joiner, byte order mark."""


@pytest.mark.parametrize("mark", INVISIBLE)
def test_an_invisible_character_does_not_make_another_name(mark: str) -> None:
    assert normalise_name(f"Hu{mark}go Bl{mark}eu") == normalise_name("Hugo Bleu")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("  Léa   NOIR ", "lea noir"),
        ("Ｈｕｇｏ Ｂｌｅｕ", "hugo bleu"),  # full-width letters
        ("Ine\u0301s Vert", "ines vert"),  # a decomposed accent
        ("Anaïs\tRoy", "anais roy"),
    ],
)
def test_names_are_compared_as_people_read_them(written: str, read: str) -> None:
    assert normalise_name(written) == read


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x1b", "\n", "\r", "\u2028", "\ud800"])
def test_control_characters_are_refused_naming_them(character: str) -> None:
    with pytest.raises(InvalidInput, match=r"U\+[0-9A-F]{4} .*: control characters are refused"):
        check_text("the reason", f"moved{character}abroad")


def test_a_one_person_jury_cannot_be_made_of_one_name_written_five_ways(ledger: Ledger) -> None:
    one = [
        (f"Hugo{mark}Bleu" if mark else "HugoBleu", role)
        for mark, (_, role) in zip(["", *INVISIBLE], FIVE, strict=False)
    ]
    before = stored(ledger)
    with pytest.raises(InvalidInput, match="is listed twice"):
        ledger.convene_jury("J1", on=date(2017, 6, 20), members=one, president="HugoBleu", by="t")
    assert stored(ledger) == before


def test_a_linked_person_spelt_with_invisible_characters_cannot_sit_on_the_jury(
    ledger: Ledger,
) -> None:
    enroll(ledger, linked_persons=["Hugo\u200b Bl\u00adeu"])
    pass_bc01(ledger)
    convene(ledger)
    before = stored(ledger)
    with pytest.raises(RuleViolation) as refused:
        ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
    assert refused.value.rule == 3 and "linked to candidate V1" in str(refused.value)
    assert stored(ledger) == before


def test_the_jury_check_the_audit_uses_sees_through_invisible_characters() -> None:
    members = [{"name": name, "role": role} for name, role in FIVE]
    check = check_jury(members, PRESIDENT, [r for _, r in FIVE], ["H\u200dugo B\u200bleu"])
    assert check.linked_members == ("Hugo Bleu",) and not check.ok


def test_a_person_linked_twice_under_two_spellings_is_linked_once(ledger: Ledger) -> None:
    enroll(ledger)
    ledger.link_person("V1", name="Marc Petit", relation="tutor", on=date(2017, 1, 2), by="t")
    with pytest.raises(AlreadyExists):
        ledger.link_person(
            "V1", name="MARC\u00a0P\u00e9tit", relation="other", on=date(2017, 1, 3), by="t"
        )


@pytest.mark.parametrize("identifier", ["NL1\n", "NL1 ", " NL1", "NL\u200b1", "NL1\x00"])
def test_an_identifier_must_match_its_pattern_whole(ledger: Ledger, identifier: str) -> None:
    before = stored(ledger)
    with pytest.raises(BadIdentifier):
        ledger.enroll(
            identifier, route="formation_continue", on=date(2016, 9, 12), identity=IDENTITY, by="t"
        )
    assert stored(ledger) == before


@pytest.mark.parametrize(
    "where",
    [
        {"birth_name": "Dur\x0band"},
        {"first_names": ("Ali\x00ce",)},
        {"usage_name": "Mar\u2028tin"},
    ],
)
def test_control_characters_in_an_identity_are_refused_naming_the_field(
    ledger: Ledger, where: dict[str, object]
) -> None:
    before = stored(ledger)
    field = next(iter(where)).replace("_", " ")
    with pytest.raises(InvalidInput, match=rf"^{field}: .*control characters"):
        ledger.enroll(
            "V1",
            route="formation_continue",
            on=date(2016, 9, 12),
            identity={**IDENTITY, **where},
            by="t",
        )
    assert stored(ledger) == before


@pytest.mark.parametrize(
    "command",
    [
        lambda led: led.withdraw("V1", on=date(2017, 1, 5), reason="left\x1b[2J", by="t"),
        lambda led: led.link_person(
            "V1", name="Marc\x00", relation="tutor", on=date(2017, 1, 5), by="t"
        ),
        lambda led: led.record_assessment(
            "V1", epreuve="BC01-E1", on=date(2017, 6, 1), passed=["C01"], assessor="J\x0b", by="t"
        ),
        lambda led: led.record_assessment(
            "V1", epreuve="BC01-E1\n", on=date(2017, 6, 1), passed=["C01"], by="t"
        ),
        lambda led: led.rectify_identity(
            "V1", changes={"birth_name": "X\x07"}, reason="typo", by="t"
        ),
    ],
    ids=["reason", "linked name", "assessor", "épreuve code", "rectified name"],
)
def test_control_characters_are_refused_in_every_text_a_command_takes(
    ledger: Ledger, command: object
) -> None:
    enroll(ledger)
    before = stored(ledger)
    with pytest.raises(InvalidInput, match="control characters are refused"):
        command(ledger)  # type: ignore[operator]
    assert stored(ledger) == before


def test_the_refused_characters_are_the_control_surrogate_and_separator_categories() -> None:
    """Every code point, checked against what the refusal means: Unicode categories Cc, Cs,
    Zl and Zp, and the noncharacters (U+FDD0–U+FDEF, the last two of each plane)."""
    import unicodedata

    for code in range(0x110000):
        ch = chr(code)
        meant = (
            unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")
            or (code & 0xFFFE) == 0xFFFE
            or 0xFDD0 <= code <= 0xFDEF
        )
        assert (refused_character(f"ok{ch}ok") == ch) is meant, hex(code)
