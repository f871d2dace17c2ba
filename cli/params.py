"""Click parameter types: real calendar dates, instants, and comma-separated code lists."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

import click

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str) -> date:
    """A real calendar date written YYYY-MM-DD (2019-02-30 is refused)."""
    if not _ISO_DATE.match(value):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise ValueError(f"{value!r} is not a real calendar date ({e})") from None


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
                    f"{text!r} is not a log position (write @ and a number, e.g. @42)", param, ctx
                )
            return int(text[1:])
        if _ISO_DATE.match(text):
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
                f"{text!r} is not an ISO 8601 instant (e.g. 2019-07-01T12:00:00+02:00)", param, ctx
            )
        if instant.tzinfo is None:
            from ledger.clock import PARIS

            instant = instant.replace(tzinfo=PARIS)
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
                self.fail(f"{code!r} is not a code", param, ctx)
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


DATE = DateType()
INSTANT = InstantType()
CODES = CodeList()
MEMBER = MemberType()
