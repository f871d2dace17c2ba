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

from ledger.exceptions import InvalidInput
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
    "birth_insee": N_("birth INSEE code"),
    "birth_postcode": N_("birth postcode"),
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
    def _no_control_characters(cls, value: Any) -> Any:
        for text in value if isinstance(value, list | tuple) else [value]:
            if isinstance(text, str) and (bad := refused_character(text)) is not None:
                name = unicodedata.name(bad, "a control character").lower()
                raise ValueError(
                    _("U+{ord:04X} ({name}): control characters are refused").format(
                        ord=ord(bad), name=name
                    )
                )
        return value

    @field_validator("birth_insee")
    @classmethod
    def _commune(cls, value: str | None) -> str | None:
        if value is not None and not COMMUNE.fullmatch(value):
            raise ValueError(
                _(
                    "{value!r} is not an INSEE commune code (5 ASCII characters: the "
                    "département, 2 digits or 2A/2B, then 3 digits, e.g. 75112)"
                ).format(value=value)
            )
        return value

    @field_validator("birth_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not COUNTRY.fullmatch(value):
            raise ValueError(
                _("{value!r} is not an INSEE country code (3 ASCII digits, France 100)").format(
                    value=value
                )
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> Identity:
        for name in self.first_names:
            if not 1 <= len(name) <= 60:
                raise ValueError(_("each first name must be 1 to 60 characters"))
        if (self.birth_insee is None) == (self.birth_postcode is None):
            raise ValueError(_("give exactly one of the birth INSEE code and the birth postcode"))
        if not 1900 <= self.birth_date.year <= 2099:
            raise ValueError(_("the birth year must be between 1900 and 2099"))
        return self

    @classmethod
    def of(cls, **fields: Any) -> Identity:
        """Validate identity fields, turning pydantic's report into one clear line that names
        the field in words."""
        try:
            return cls.model_validate(fields)
        except ValidationError as e:
            first = e.errors()[0]
            message = first["msg"].removeprefix("Value error, ")
            where = _(WORDS.get(str(first["loc"][0]), str(first["loc"][0]))) if first["loc"] else ""
            raise InvalidInput(
                _("identity: {where}: {message}").format(where=where, message=message)
                if where
                else _("identity: {message}").format(message=message)
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
                    "identity: birth date: {birth_date} is less than {minimum_years} years "
                    "before the enrolment on {enrolled_on} (referential {version} sets the "
                    "minimum age at {minimum_years})"
                ).format(
                    birth_date=show_date(self.birth_date),
                    minimum_years=minimum_years,
                    enrolled_on=show_date(enrolled_on),
                    version=version,
                )
            )


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
