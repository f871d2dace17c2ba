"""The transmissions stream: every CPF flow sent to the Caisse des Dépôts, what it held, and
what the Caisse des Dépôts answered about each passage (its processing reports)."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.clock import Actor
from ledger.exceptions import AlreadyExists, NotFound
from ledger.i18n import _
from ledger.ids import TRANSMISSIONS_STREAM
from ledger.standing import Flow, Standing


class Transmissions(Aggregate):
    """One stream of the CPF flows sent (`TransmissionRecorded`) and of the Caisse des Dépôts'
    processing reports (`ProcessingReported`)."""

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
            aggregate.standing.apply(
                "TransmissionRecorded",
                {
                    "flux_id": self.flux_id,
                    "file": self.file,
                    "sha256": self.sha256,
                    "passages": self.passages,
                },
                self.effective_on,
            )

    class Reported(Event):
        TOPIC = "ProcessingReported"
        flux_id: str
        file: str
        processing_id: str
        sha256: str
        accepted: tuple[str, ...]
        rejected: tuple[dict[str, str], ...]
        file_rejected: bool
        message: str

        def apply(self, aggregate: Any) -> None:
            aggregate.standing.apply(
                "ProcessingReported",
                {
                    "flux_id": self.flux_id,
                    "processing_id": self.processing_id,
                    "sha256": self.sha256,
                    "accepted": self.accepted,
                    "rejected": self.rejected,
                    "file_rejected": self.file_rejected,
                    "message": self.message,
                },
                self.effective_on,
            )

    def __init__(self) -> None:
        self.standing = Standing()

    @property
    def sent(self) -> dict[str, str]:
        return self.standing.sent

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
        check_unsent(self.standing, file)
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

    def check_report(self, report: Any) -> Flow:
        """The flow a processing report answers, if every passage it names was sent in it."""
        flow = self.standing.flow_named(report.flux_id, report.file)
        for passage in (*report.accepted, *(r["id_technique"] for r in report.rejected)):
            if passage not in flow.digests:
                raise NotFound(
                    _(
                        "processing report of flow {flux_id} names passage {passage}, which that "
                        "flow did not hold"
                    ).format(flux_id=flow.flux_id, passage=passage)
                )
        return flow

    def report(self, report: Any, flow: Flow, on: date, by: Actor) -> None:
        self.check_report(report)
        self.trigger_event(
            self.Reported,
            flux_id=flow.flux_id,
            file=flow.file,
            processing_id=report.processing_id,
            sha256=report.sha256,
            accepted=tuple(report.accepted),
            rejected=tuple(report.rejected),
            file_rejected=report.file_rejected,
            message=report.message,
            effective_on=on,
            recorded_by=by.name,
            timestamp=by.now(),
        )


def check_unsent(standing: Standing, file: str) -> None:
    """Refuse a flow file named as one sent before."""
    if any(flow.file == file for flow in standing.flows.values()):
        raise AlreadyExists(
            _(
                "a flow named {file} was sent already: each file sent to the Caisse des Dépôts "
                "has a name of its own, so that its processing report can be tied back to it "
                "(give another -o, or a folder)"
            ).format(file=file)
        )
