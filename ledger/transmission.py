"""The transmissions stream: every CPF flow sent to the Caisse des Dépôts, with what it held."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.candidate import Actor
from ledger.ids import NAMESPACE, stream_id

TRANSMISSIONS_STREAM: UUID = stream_id("transmissions")


def id_technique(decision_id: str) -> str:
    """The CPF passage id of a title award: stable, so a re-send refers to the same passage."""
    return str(uuid5(NAMESPACE, f"passage:{decision_id}"))


class Transmissions(Aggregate):
    """One stream of `TransmissionRecorded`: flux id, passages, the file's SHA-256."""

    TOPIC = "Transmissions"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Opened(Event, Aggregate.Created):
        TOPIC = "TransmissionsOpened"

    Created = Opened

    class Recorded(Event):
        TOPIC = "TransmissionRecorded"
        flux_id: str
        kind: str
        file: str
        sha256: str
        position: int
        passages: tuple[dict[str, Any], ...]

        def apply(self, aggregate: Any) -> None:
            for passage in self.passages:
                aggregate.sent[passage["id_technique"]] = passage["digest"]

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    @classmethod
    def open(cls, on: date, by: Actor) -> Transmissions:
        return cls._create(
            cls.Opened,
            id=TRANSMISSIONS_STREAM,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )

    def record(
        self,
        flux_id: str,
        kind: str,
        file: str,
        sha256: str,
        position: int,
        passages: tuple[dict[str, Any], ...],
        on: date,
        by: Actor,
    ) -> None:
        self.trigger_event(
            self.Recorded,
            flux_id=flux_id,
            kind=kind,
            file=file,
            sha256=sha256,
            position=position,
            passages=passages,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )
