"""A holder's identity: the personal data the CPF flow needs, checked as the XSD limits it."""

from __future__ import annotations

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
from ledger.text import refused_character


class Identity(BaseModel):
    """The personal data the CPF flow needs about a holder (limits are the XSD's)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    birth_name: str = Field(min_length=1, max_length=60)
    usage_name: str | None = Field(default=None, min_length=1, max_length=60)
    first_names: tuple[str, ...] = Field(min_length=1, max_length=3)
    birth_date: date
    sex: Literal["M", "F"]
    birth_insee: str | None = Field(default=None, pattern=r"^(\d{5}|2[AB]\d{3})$")
    birth_postcode: str | None = Field(default=None, pattern=r"^[0-9A-Za-z][0-9A-Za-z -]{0,8}$")
    birth_country: str | None = Field(default=None, pattern=r"^[A-Z0-9]{3}$")

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
                raise ValueError(f"U+{ord(bad):04X} ({name}): control characters are refused")
        return value

    @model_validator(mode="after")
    def _check(self) -> Identity:
        for name in self.first_names:
            if not 1 <= len(name) <= 60:
                raise ValueError("each first name must be 1 to 60 characters")
        if (self.birth_insee is None) == (self.birth_postcode is None):
            raise ValueError("give exactly one of the birth INSEE code and the birth postcode")
        if not 1900 <= self.birth_date.year <= 2099:
            raise ValueError("the birth year must be between 1900 and 2099")
        return self

    @classmethod
    def of(cls, **fields: Any) -> Identity:
        """Validate identity fields, turning pydantic's report into one clear line."""
        try:
            return cls.model_validate(fields)
        except ValidationError as e:
            first = e.errors()[0]
            message = first["msg"].removeprefix("Value error, ")
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(
                f"identity: {where}: {message}" if where else f"identity: {message}"
            ) from None


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
            f"candidate {candidate}'s personal data cannot be read here (no key file, or a "
            "role that may not read the keys): give the key file with --keys"
        )
    if why is not None:
        raise RuleViolation(11, f"candidate {candidate}'s personal data is erased: {refused}")
    assert isinstance(identity, dict)
    return identity
