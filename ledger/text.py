"""Text people give the ledger: refused when it holds control characters, and names compared
as people read them (rule 13)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from ledger.exceptions import InvalidInput
from ledger.i18n import _

if TYPE_CHECKING:
    import regex

_REFUSED = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
"""Control characters (Unicode category Cc), lone surrogates (Cs), the line and paragraph
separators (Zl, Zp) and the noncharacters: no output (one-line messages, tables, CSV, the CPF
XML) can carry them as given. Those categories hold exactly these code points for good (the
Unicode stability policy); tests/ledger/test_text.py checks every code point against them."""

_BLANK = "\u2800"
"""The braille pattern blank: neither whitespace nor ignorable, yet read as a space."""


@cache
def _invisible() -> regex.Pattern[str]:
    """What no reader sees: control and format characters (zero-width spaces and joiners,
    soft hyphens, marks…) and whatever else Unicode draws as nothing (its property
    Default_Ignorable_Code_Point: the combining grapheme joiner, variation selectors, Hangul
    fillers…). Python's `unicodedata` does not know that property; `regex` does (imported
    here, the first time a name is compared: most commands never compare one)."""
    import regex

    return regex.compile(r"[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]")


def refused_character(value: str) -> str | None:
    """The first character of `value` that no text given to the ledger may hold, or None."""
    if value.isascii() and value.isprintable():
        # Most text (every identifier): the refused ASCII characters are exactly those
        # that are not printable, found without the regex (several times slower).
        return None
    found = _REFUSED.search(value)
    return found.group() if found else None


def check_text(what: str, value: str) -> str:
    """`value` as given, unless it holds a control character (refused, naming it)."""
    bad = refused_character(value)
    if bad is not None:
        name = unicodedata.name(bad, _("a control character"))
        raise InvalidInput(
            _("{what} holds U+{ord:04X} ({value}): control characters are refused").format(
                what=what, ord=ord(bad), value=name.lower()
            )
        )
    return value


def clean_name(what: str, value: str) -> str:
    """A name as given, checked, its spaces collapsed; empty when nothing of it can be read
    (only spaces and invisible characters)."""
    name = " ".join(check_text(what, value).split())
    return name if normalise_name(name) else ""


def clean_reason(what: str, value: str) -> str:
    """A free-text reason as given, checked, stripped."""
    return check_text(what, value).strip()


def normalise_name(name: str) -> str:
    """A person's name as people read it (rule 13): NFKC-normalised, invisible characters
    (`_invisible`) removed, whitespace collapsed, case and accents folded. Two names that read
    the same compare equal; a name with nothing visible is empty."""
    text = " ".join(unicodedata.normalize("NFKC", name).replace(_BLANK, " ").split())
    plain = unicodedata.normalize("NFKD", _invisible().sub("", text))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())
