"""Translation of what people read: `_("text")` marks and translates a message.

The command line chooses the language once (`use()`), from `--lang` or the locale
(`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`: `fr_*` means French); until then, and for
English, messages are returned as written. Catalogs are gettext catalogs managed with Babel,
kept as `.po` files in `ledger/locale/` and compiled to `.mo` when the package is built or
installed (see docs/translating.md).

Dates, numbers and percentages people read go through `show_date`, `show_instant`,
`show_number` and `show_percent` (Babel's formats): `27/06/2017` and `44,44 %` in French,
ISO dates and `44.44%` in English. JSON output never goes through them.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

DOMAIN = "certledger"
"""The gettext domain of the catalogs (ledger/locale/LANG/LC_MESSAGES/certledger.mo)."""

LOCALEDIR = Path(__file__).parent / "locale"
"""Where the catalogs live, inside the package."""

LANGUAGES = ("en", "fr")
"""The languages the product speaks; English is the source language."""

_BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR"}

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """The message in the language in use."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for `n`, in the language in use."""
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The message in the language in use, where the same English word is said differently
    in another context (`pgettext("state", "certified")`: "certifié", not "certifiés")."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (translated where shown)."""
    return message


def show_state(state: str) -> str:
    """A state as people read it — a candidate's, a certificate's, a CPF passage's: the
    code itself in English (`in_progress`), its name in French (`en cours`); a state this
    list does not know is shown as it is."""
    names = {
        "enrolled": pgettext("state", "enrolled"),
        "in_progress": pgettext("state", "in_progress"),
        "certified": pgettext("state", "certified"),
        "withdrawn": pgettext("state", "withdrawn"),
        "revoked": pgettext("state", "revoked"),
        "held": pgettext("state", "held"),
        "void": pgettext("state", "void"),
        "not_sent": pgettext("state", "not_sent"),
        "awaiting": pgettext("state", "awaiting"),
        "accepted": pgettext("state", "accepted"),
        "rejected": pgettext("state", "rejected"),
        "to_withdraw": pgettext("state", "to_withdraw"),
        "to_resend": pgettext("state", "to_resend"),
    }
    return names.get(state, state)


def language_from(environ: Mapping[str, str]) -> str:
    """The language the locale asks for: `fr` when the first of `LANGUAGE`, `LC_ALL`,
    `LC_MESSAGES`, `LANG` that is set names French (`fr`, `fr_FR.UTF-8`, `fr_CA`...),
    else `en`. (`LANGUAGE` may list several, `fr:en`: its first counts.)"""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            first = value.split(":")[0].lower()
            return "fr" if first == "fr" or first.startswith(("fr_", "fr.", "fr-")) else "en"
    return "en"


def catalog(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of `language` (English: the messages as written). The build
    compiles each .po into its .mo; a checkout where it was not compiled (yet) reads the
    .po itself, compiled in memory, rather than failing."""
    if language == "en":
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, LOCALEDIR, languages=[language])
    except FileNotFoundError:
        return _compiled_in_memory(language)


def _compiled_in_memory(language: str) -> _gettext.NullTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = LOCALEDIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as po:
        messages = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def use(language: str | None = None) -> str:
    """Speak `language` (`fr` or `en`; None: the one the locale asks for) from now on, in our
    messages and in click's own ("Usage:", "Options:"...). Returns the language chosen."""
    global _translation, _language
    chosen = language or language_from(os.environ)
    if chosen not in LANGUAGES:
        raise ValueError(f"unknown language {chosen!r} (known: {', '.join(LANGUAGES)})")
    _translation = catalog(chosen)
    _language = chosen
    _route_gettext()
    return chosen


def language() -> str:
    """The language in use: `en` or `fr`."""
    return _language


_stdlib_dgettext = _gettext.dgettext
_stdlib_dngettext = _gettext.dngettext


def _dgettext(domain: str, message: str) -> str:
    if domain == DOMAIN:
        return _translation.gettext(message)
    return _stdlib_dgettext(domain, message)


def _dngettext(domain: str, msgid1: str, msgid2: str, n: int) -> str:
    if domain == DOMAIN:
        return _translation.ngettext(msgid1, msgid2, n)
    return _stdlib_dngettext(domain, msgid1, msgid2, n)


def _route_gettext() -> None:
    """Click translates its own words with the standard library's `gettext.gettext`, which
    looks them up in the current text domain ("messages" by default). Make our domain the
    current one, and have the domain's look-ups answer from the catalog `use()` chose (not
    from the environment's locale alone, so `--lang en` wins over `LANG=fr_FR`): click's
    messages are in our catalog (docs/translating.md)."""
    _gettext.textdomain(DOMAIN)
    _gettext.bindtextdomain(DOMAIN, str(LOCALEDIR))
    _gettext.dgettext = _dgettext
    _gettext.dngettext = _dngettext


def _babel_locale() -> str:
    return _BABEL_LOCALES[_language]


def show_date(day: object) -> str:
    """A date as people read it: `27/06/2017` in French, `2017-06-27` in English (an
    instant is shown by `show_instant`; None is an empty string; anything else, a date
    already written out, as it is)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        return show_instant(day)
    if not isinstance(day, date):
        return str(day)
    if _language == "fr":
        return day.strftime("%d/%m/%Y")
    return day.isoformat()


def show_instant(instant: datetime) -> str:
    """An instant in Paris time to the second: `27/06/2017 14:05:09` in French,
    `2017-06-27 14:05:09` in English."""
    from ledger.clock import PARIS

    local = instant.astimezone(PARIS) if instant.tzinfo is not None else instant
    return f"{show_date(local.date())} {local.strftime('%H:%M:%S')}"


def show_number(value: float | int | Decimal, digits: int = 2) -> str:
    """A number as people read it, at most `digits` decimals: `1 234,5` in French,
    `1,234.5` in English."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_babel_locale())


def show_percent(ratio: float | Decimal, digits: int = 2) -> str:
    """A ratio (0.4444) as a percentage with `digits` decimals, in the locale's own pattern:
    `44,44 %` in French (a no-break space before the sign), `44.44%` in English."""
    from babel import Locale
    from babel.numbers import format_percent

    locale = Locale.parse(_babel_locale())
    pattern = locale.percent_formats[None].pattern
    if digits:
        pattern = pattern.replace("0", "0." + "0" * digits, 1) if "." not in pattern else pattern
    return format_percent(ratio, format=pattern, locale=locale)
