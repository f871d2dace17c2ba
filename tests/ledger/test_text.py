"""Rule 13 and the text people give: names compared as people read them, control characters
refused everywhere, identifiers matched whole (DOMAIN.md §4, rule 13)."""

from __future__ import annotations

from datetime import date

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.exceptions import AlreadyExists, BadIdentifier, InvalidInput, RuleViolation
from ledger.rules import check_jury
from ledger.text import check_text, clean_name, normalise_name, refused_character
from tests.builders import FIVE, IDENTITY, PRESIDENT, convene, enroll, pass_bc01, stored

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
"""Zero-width space, non-joiner and joiner, soft hyphen, word joiner, byte order mark."""


IGNORABLE = ["\u034f", "\ufe00", "\ufe0f", "\U000e0100", "\u3164", "\u115f", "\u1160", "\uffa0"]
"""Invisible but not format characters: the combining grapheme joiner, variation selectors
1, 16 and 17, the Hangul fillers (Unicode's Default_Ignorable_Code_Point)."""

EVERY_IGNORABLE = regex.findall(
    r"[\p{Cf}\p{Default_Ignorable_Code_Point}]", "".join(map(chr, range(0x110000)))
)
"""Every format or default-ignorable character (none is refused in a name)."""


@pytest.mark.parametrize("mark", INVISIBLE + IGNORABLE)
def test_an_invisible_character_does_not_make_another_name(mark: str) -> None:
    assert normalise_name(f"Hu{mark}go Bl{mark}eu{mark}") == normalise_name("Hugo Bleu")


def test_a_braille_blank_reads_as_a_space() -> None:
    assert normalise_name("Hugo\u2800Bleu") == normalise_name("Hugo Bleu") == "hugo bleu"


@given(
    name=st.text(st.characters(codec="utf-8").filter(lambda ch: refused_character(ch) is None)),
    marks=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(EVERY_IGNORABLE))),
)
def test_no_invisible_character_anywhere_makes_another_name(
    name: str, marks: list[tuple[int, str]]
) -> None:
    marked = name
    for at, mark in marks:
        at %= len(marked) + 1
        marked = marked[:at] + mark + marked[at:]
    assert normalise_name(marked) == normalise_name(name)


@pytest.mark.parametrize("name", ["\u3164", " \ufe0f\u200b ", "\u2800", "\u034f\u115f"])
def test_a_name_of_invisible_characters_only_is_empty(name: str) -> None:
    assert normalise_name(name) == "" and clean_name("the name", name) == ""


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


def test_one_person_cannot_hold_three_roles_behind_ignorable_characters(ledger: Ledger) -> None:
    marked = ["Hugo\u034f Bleu", "Hugo Bleu\ufe00", "Hugo Bleu\ufe01"]
    members = [*FIVE[:2], *zip(marked, [role for _, role in FIVE[2:]], strict=True)]
    before = stored(ledger)
    with pytest.raises(InvalidInput, match=r"^jury session J1: Hugo\u034f Bleu is listed twice$"):
        ledger.convene_jury(
            "J1", on=date(2017, 6, 20), members=members, president="Ana Roy", by="t"
        )
    assert stored(ledger) == before


def test_a_linked_person_behind_a_variation_selector_cannot_sit_on_the_jury(
    ledger: Ledger,
) -> None:
    enroll(ledger, linked_persons=["Ana Roy"])
    pass_bc01(ledger)
    convene(ledger, members=[("Ana Roy\ufe0f", FIVE[0][1]), *FIVE[1:]])
    before = stored(ledger)
    with pytest.raises(RuleViolation) as refused:
        ledger.record_decision("J1", "V1", validated=["C01"], by="tester")
    assert refused.value.rule == 3 and "Ana Roy\ufe0f" in str(refused.value)
    assert stored(ledger) == before


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (
            lambda led: led.link_person(
                "V1", name="\u3164", relation="tutor", on=date(2017, 1, 5), by="t"
            ),
            "^the linked person's name is empty$",
        ),
        (
            lambda led: led.convene_jury(
                "J1",
                on=date(2017, 6, 20),
                members=[("\ufe0f\u200b", FIVE[0][1]), *FIVE[1:]],
                president=PRESIDENT,
                by="t",
            ),
            "^jury session J1: a member has no name$",
        ),
    ],
    ids=["linked person", "jury member"],
)
def test_a_name_of_invisible_characters_only_is_refused_as_empty(
    ledger: Ledger, command: object, refusal: str
) -> None:
    enroll(ledger)
    before = stored(ledger)
    with pytest.raises(InvalidInput, match=refusal):
        command(ledger)  # type: ignore[operator]
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
