"""The one place the ledger reads the time: the certifier's calendar day and UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ledger.i18n import _

PARIS = ZoneInfo("Europe/Paris")


class Clock:
    """The real clock. Tests pass a `FixedClock` instead."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in the certifier's calendar (Europe/Paris)."""
        return self.now().astimezone(PARIS).date()


class FixedClock(Clock):
    """A clock that reads what it is set to, moving one microsecond at each reading."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError(_("FixedClock needs an aware datetime"))
        self.current = start.astimezone(UTC)

    def now(self) -> datetime:
        self.current += timedelta(microseconds=1)
        return self.current

    def today(self) -> date:
        return self.current.astimezone(PARIS).date()

    def set(self, instant: datetime) -> None:
        self.current = instant.astimezone(UTC)


@dataclass(frozen=True)
class Actor:
    """Who records, and the clock that stamps what they record."""

    name: str
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()
