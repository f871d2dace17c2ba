"""Click parameter types: real calendar dates (ISO or French), instants, comma-separated code
lists, jury members and the sex of a person (`F` or `f`)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

import click

from ledger.i18n import N_, _, show_date

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_date(value: str) -> date:
    """A real calendar date written YYYY-MM-DD or DD/MM/YYYY (2019-02-30 and 30/02/2019 are
    refused)."""
    value = value.strip()
    french = _FRENCH_DATE.match(value)
    if not _ISO_DATE.match(value) and not french:
        raise ValueError(
            _("{value!r} is not a date written YYYY-MM-DD or DD/MM/YYYY").format(value=value)
        )
    try:
        if french:
            day, month, year = (int(part) for part in french.groups())
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError as e:
        raise ValueError(
            _("{value!r} is not a real calendar date ({reason})").format(
                value=value, reason=_(str(e))
            )
        ) from None


# What the standard library says of an impossible date, for the catalog.
N_("day is out of range for month")
N_("month must be in 1..12")


class DateType(click.ParamType[date, Any]):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


class InstantType(click.ParamType[datetime | int, Any]):
    """An ISO 8601 instant (a bare date means the end of that day, Europe/Paris), or `@N`,
    a position in the ledger's log (what a report that read up to N saw)."""

    name = "INSTANT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime | int:
        if isinstance(value, datetime | int):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            if not text[1:].isdigit():
                self.fail(
                    _("{text!r} is not a log position (write @ and a number, e.g. @42)").format(
                        text=text
                    ),
                    param,
                    ctx,
                )
            return int(text[1:])
        if _ISO_DATE.match(text) or _FRENCH_DATE.match(text):
            try:
                day = parse_date(text)
            except ValueError as e:
                self.fail(str(e), param, ctx)
            from ledger.clock import PARIS

            return datetime.combine(day, time.max, tzinfo=PARIS)
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                _("{text!r} is not an ISO 8601 instant (e.g. 2019-07-01T12:00:00+02:00)").format(
                    text=text
                ),
                param,
                ctx,
            )
        from ledger.clock import PARIS

        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=PARIS)
        try:
            instant.astimezone(PARIS)  # what every output shows it as
        except OverflowError:
            self.fail(
                _(
                    "{text!r} is beyond the instants the ledger can show (years 1 to 9999, "
                    "Paris time)"
                ).format(text=text),
                param,
                ctx,
            )
        return instant


class CodeList(click.ParamType[tuple[str, ...], Any]):
    """Comma-separated codes: `C01,C02`."""

    name = "CODES"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        codes = tuple(part.strip() for part in str(value).split(",") if part.strip())
        for code in codes:
            if not re.match(r"^[A-Za-z0-9_.\-:]+$", code):
                self.fail(_("{code!r} is not a code").format(code=code), param, ctx)
        return codes


class MemberType(click.ParamType[tuple[str, str, str | None], Any]):
    """A jury member written `NAME:ROLE`, or `NAME:ROLE:F|M` with their gender."""

    name = "NAME:ROLE[:F|M]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str, str | None]:
        if isinstance(value, tuple):
            return value
        from ledger.composition import parse_member

        try:
            return parse_member(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


class SexType(click.Choice):  # type: ignore[type-arg]
    """The sex of a person as the civil registry writes it: `M` or `F`, typed `m` or `f` too
    (and refused naming `M` and `F`)."""

    def __init__(self) -> None:
        super().__init__(["M", "F"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.strip().upper() in ("M", "F"):
            value = value.strip().upper()
        return super().convert(value, param, ctx)


SEX = SexType()
"""`--sex M|F` (or m|f)."""

DATE = DateType()
INSTANT = InstantType()
CODES = CodeList()
MEMBER = MemberType()


def check_period(start: date | None, end: date | None) -> None:
    """A period given by --from and --to: refused as bad usage when it ends before it starts."""
    if start and end and end < start:
        raise click.BadParameter(
            _("--to {end} is before --from {start}").format(
                end=show_date(end), start=show_date(start)
            ),
            param_hint="--to",
        )
