"""A holder's identity: the personal data the CPF flow needs, checked as the Caisse des Dépôts
matches it (INSEE codes, ASCII digits, an age the referential allows) and as the XSD limits it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ledger.exceptions import BadInput, InvalidInput
from ledger.i18n import N_, _, show_date
from ledger.text import refused_character

COMMUNE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{3}")
"""An INSEE commune code of the COG: the département (two digits, or 2A/2B for Corsica), then
three digits, all ASCII (`[0-9]`, never `\\d`, which also matches Arabic-Indic digits)."""

COUNTRY = re.compile(r"[1-5][0-9]{2}")
"""An INSEE country code without its "99" prefix: France 100, Europe 1xx, Asia 2xx, Africa
3xx, the Americas 4xx, Oceania 5xx (the XSD's `codePaysNaissance` has 3 characters)."""

WORDS = {
    "birth_name": N_("birth name"),
    "usage_name": N_("usage name"),
    "first_names": N_("first names"),
    "birth_date": N_("birth date"),
    "sex": N_("sex"),
    "birth_insee": N_("birth place"),
    "birth_postcode": N_("birth place"),
    "birth_country": N_("birth country"),
}
"""Each field as a refusal names it."""


class Identity(BaseModel):
    """The personal data the CPF flow needs about a holder (limits are the XSD's)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    birth_name: str = Field(min_length=1, max_length=60)
    usage_name: str | None = Field(default=None, min_length=1, max_length=60)
    first_names: tuple[str, ...] = Field(min_length=1, max_length=3)
    birth_date: date
    sex: Literal["M", "F"]
    birth_insee: str | None = None
    birth_postcode: str | None = Field(default=None, pattern=r"^[0-9A-Za-z][0-9A-Za-z -]{0,8}$")
    birth_country: str | None = None

    @field_validator(
        "birth_name",
        "usage_name",
        "first_names",
        "birth_insee",
        "birth_postcode",
        "birth_country",
        mode="before",
    )
    @classmethod
    def _text(cls, value: Any) -> Any:
        """Each text refused when it holds a control character, else taken in NFC: an accent
        given decomposed (e then U+0301) is the one character it reads as, counted once
        against the limits and sent so in the CPF flow."""
        texts = value if isinstance(value, list | tuple) else [value]
        for text in texts:
            if isinstance(text, str) and (bad := refused_character(text)) is not None:
                name = unicodedata.name(bad, _("a control character")).lower()
                raise ValueError(
                    _("U+{code:04X} ({name}): control characters are refused").format(
                        code=ord(bad), name=name
                    )
                )
        composed = [unicodedata.normalize("NFC", t) if isinstance(t, str) else t for t in texts]
        return composed if isinstance(value, list | tuple) else composed[0]

    @field_validator("birth_insee")
    @classmethod
    def _commune(cls, value: str | None) -> str | None:
        if value is not None and not COMMUNE.fullmatch(value):
            raise ValueError(
                _(
                    "INSEE code {value} must be 5 ASCII characters, the département (2 digits, "
                    "or 2A/2B) then 3 digits, e.g. 75056"
                ).format(value=repr(value))
            )
        return value

    @field_validator("birth_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not COUNTRY.fullmatch(value):
            raise ValueError(
                _("INSEE country code {value} must be 3 ASCII digits, e.g. 100 for France").format(
                    value=repr(value)
                )
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> Identity:
        for name in self.first_names:
            if not 1 <= len(name) <= 60:
                raise _whole("first_names", _("first names: each must be 1 to 60 characters"))
        if (self.birth_insee is None) == (self.birth_postcode is None):
            raise _whole(
                "birth_place", _("birth place: give exactly one of the INSEE code and the postcode")
            )
        if not 1900 <= self.birth_date.year <= 2099:
            raise _whole(
                "birth_date",
                _("birth date: {value} is not a birth date (the year must be 1900 to 2099)").format(
                    value=self.birth_date.isoformat()
                ),
            )
        return self

    @classmethod
    def of(cls, **fields: Any) -> Identity:
        """Validate identity fields; a value that cannot be what it names is bad input
        (`BadInput`, exit code 2), told in one line that names the field in words (never
        pydantic's report)."""
        try:
            return cls.model_validate(fields)
        except ValidationError as e:
            first = e.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            about = (field,) if field else WHOLE.get(first["type"], ())
            raise BadInput(
                _described(first, field), **{name: _plain(fields.get(name)) for name in about}
            ) from None

    def check_age(self, enrolled_on: date, minimum_years: int, version: str) -> None:
        """The holder was at least `minimum_years` old on the day they enrolled (the
        referential `version` in force that day says how old)."""
        try:
            old_enough = self.birth_date.replace(year=self.birth_date.year + minimum_years)
        except ValueError:  # born on 29 February: of age on 1 March
            old_enough = date(self.birth_date.year + minimum_years, 3, 1)
        if self.birth_date >= enrolled_on or old_enough > enrolled_on:
            raise InvalidInput(
                _(
                    "birth date: {born} is less than {years} years before the enrolment on "
                    "{enrolled} (referential {version} sets the minimum age at {years})"
                ).format(
                    born=show_date(self.birth_date),
                    years=minimum_years,
                    enrolled=show_date(enrolled_on),
                    version=version,
                )
            )


WHOLE = {
    "first_names": ("first_names",),
    "birth_place": ("birth_insee", "birth_postcode"),
    "birth_date": ("birth_date",),
}
"""The fields a check of the whole identity is about, by the kind of its error."""


def _whole(kind: str, message: str) -> PydanticCustomError:
    """An error of the whole identity (about the fields `WHOLE[kind]`), already in words."""
    return PydanticCustomError(kind, "{message}", {"message": message})


def _plain(value: Any) -> Any:
    """A value as given, printable in JSON."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _described(error: Any, field: str) -> str:
    """One pydantic error told in words: "birth name: must not be empty"."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        text = str(error["msg"]).removeprefix("Value error, ")
    elif kind in WHOLE and not field:
        return str(error["msg"])
    elif kind in ("string_too_short", "too_short") and field == "first_names":
        text = _("give 1 to 3 first names")
    elif kind == "too_long" and field == "first_names":
        text = _("give 1 to 3 first names, not {count}").format(
            count=context.get("actual_length", "more")
        )
    elif kind == "string_too_short":
        text = _("must not be empty")
    elif kind == "string_too_long":
        text = _("must be at most {limit} characters").format(limit=context.get("max_length"))
    elif kind == "string_pattern_mismatch" and field == "birth_postcode":
        text = _(
            "postcode {value} must be 1 to 9 letters, digits, spaces or hyphens, e.g. 69001"
        ).format(value=repr(error.get("input")))
    elif kind == "literal_error" and field == "sex":
        text = _("must be M or F, not {value}").format(value=repr(error.get("input")))
    elif kind.startswith("date") and field == "birth_date":
        text = _("{value} is not a real date written YYYY-MM-DD").format(
            value=repr(str(error.get("input")))
        )
    elif kind == "missing":
        text = _("is missing")
    elif kind == "extra_forbidden":
        text = _("is not an identity field")
    elif kind in ("string_type", "tuple_type", "list_type"):
        text = _("must be text")
    else:
        text = _("is not valid")
    if not field:
        return text
    return _("{field}: {problem}").format(field=_(WORDS.get(field, field)), problem=text)


def unreadable(identity: Any) -> str | None:
    """Why an identity as read cannot be used: "erased" (the person's data was erased),
    "sealed" (its key cannot be read here: no key file, or a role that may not read keys),
    "missing"; None when it can."""
    if not isinstance(identity, dict) or not identity:
        return "missing"
    for marker in ("erased", "sealed"):
        if identity.get(marker):
            return marker
    return None


def require_readable(identity: Any, candidate: str, refused: str) -> dict[str, Any]:
    """A candidate's identity as read, when it can be used; `refused` says what cannot be done
    without it (rule 11 once erased; a store error when it cannot be read here)."""
    from ledger.exceptions import RuleViolation, StoreError

    why = unreadable(identity)
    if why == "sealed":
        raise StoreError(
            _(
                "candidate {candidate}'s personal data cannot be read here (no key file, or "
                "a role that may not read the keys): give the key file with --keys"
            ).format(candidate=candidate)
        )
    if why is not None:
        raise RuleViolation(
            11,
            _("candidate {candidate}'s personal data is erased: {refused}").format(
                candidate=candidate, refused=refused
            ),
        )
    assert isinstance(identity, dict)
    return identity
