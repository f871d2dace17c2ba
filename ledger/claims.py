"""Claims: small streams with deterministic ids that make uniqueness across streams hold.

A claim is saved in the same transaction as what it guards (`app.save(candidate, claim)`):
a second claim of the same key fails on the store's own uniqueness, under any concurrency.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.clock import Actor
from ledger.ids import claim_stream, stream_id


class Claim(Aggregate):
    """A key taken once: a request id, a certificate number, an award's certificate."""

    TOPIC = "Claim"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Claimed(Event, Aggregate.Created):
        TOPIC = "Claimed"
        kind: str
        key: str
        value: dict[str, Any]

    Created = Claimed

    def __init__(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self.kind = kind
        self.key = key
        self.value = value

    @classmethod
    def take(cls, kind: str, key: str, value: dict[str, Any], on: date, by: Actor) -> Claim:
        return cls._create(
            cls.Claimed,
            id=claim_stream(kind, key),
            kind=kind,
            key=key,
            value=value,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )


def register_stream(code: str, year: int) -> UUID:
    return stream_id("register", f"{code}-{year}")


class Register(Aggregate):
    """The certificate register of one certification and year: numbers allocated in order."""

    TOPIC = "CertificateRegister"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Opened(Event, Aggregate.Created):
        TOPIC = "CertificateRegisterOpened"
        code: str
        year: int

    Created = Opened

    class Allocated(Event):
        TOPIC = "CertificateNumberAllocated"
        number: str

        def apply(self, aggregate: Any) -> None:
            aggregate.allocated += 1

    def __init__(self, code: str, year: int) -> None:
        self.code = code
        self.year = year
        self.allocated = 0

    @classmethod
    def open(cls, code: str, year: int, on: date, by: Actor) -> Register:
        return cls._create(
            cls.Opened,
            id=register_stream(code, year),
            code=code,
            year=year,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )

    def next_number(self) -> str:
        return f"{self.code}-{self.year}-{self.allocated + 1:05d}"

    def allocate(self, on: date, by: Actor) -> str:
        number = self.next_number()
        self.trigger_event(
            self.Allocated,
            number=number,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )
        return number
