"""Translation of what people read: `_("text")` marks and translates a message.

The command line chooses the language once (`use()`); until then, and for English, messages
are returned as written. Catalogs are gettext catalogs managed with Babel (see
docs/translating.md once written).
"""

from __future__ import annotations

import gettext as _gettext

_translation: _gettext.NullTranslations = _gettext.NullTranslations()


def _(message: str) -> str:
    """The message in the language in use."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for `n`, in the language in use."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (translated where shown)."""
    return message
