"""The certifier's signing keys stream: each public key recorded, so that a copy of the ledger
alone verifies every parchment code and credential signed with it."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.clock import Actor
from ledger.facts import Fact
from ledger.ids import stream_id

SIGNING_KEYS_STREAM: UUID = stream_id("signing-keys")


class SigningKey(NamedTuple):
    """A public key of the certifier as recorded: its Multikey, from when, where the status
    list of the credentials it signs is published."""

    public_key: str
    recorded_on: date
    status_list_url: str
    fact: Fact | None = None


def signing_keys(facts: list[Fact]) -> list[SigningKey]:
    """The keys recorded, oldest first (the newest signs from now on)."""
    return [
        SigningKey(f.data["public_key"], f.effective_on, f.data["status_list_url"], f)
        for f in facts
        if f.type == "SigningKeyRecorded"
    ]


class SigningKeys(Aggregate):
    """One stream of `SigningKeyRecorded`: the certifier's public keys, newest last."""

    TOPIC = "SigningKeys"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Opened(Event, Aggregate.Created):
        TOPIC = "SigningKeysOpened"

    Created = Opened

    class Recorded(Event):
        TOPIC = "SigningKeyRecorded"
        public_key: str
        status_list_url: str

        def apply(self, aggregate: Any) -> None:
            aggregate.keys.append(self.public_key)

    def __init__(self) -> None:
        self.keys: list[str] = []

    @classmethod
    def open(cls, on: date, by: Actor) -> SigningKeys:
        return cls._create(
            cls.Opened,
            id=SIGNING_KEYS_STREAM,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )

    def record(self, public_key: str, status_list_url: str, on: date, by: Actor) -> None:
        self.trigger_event(
            self.Recorded,
            public_key=public_key,
            status_list_url=status_list_url,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )
