"""Where each passage of the CPF flow stands with the Caisse des Dépôts: the flows it was sent
in and the answers of the processing reports, folded from the transmissions stream's facts
(by its aggregate, `ledger/transmission.py`, and by the reads alike, which need not import the
aggregate)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from uuid import uuid5

from ledger.exceptions import AlreadyExists, InvalidInput, NotFound
from ledger.i18n import _
from ledger.ids import NAMESPACE

ALREADY_IN_BASE = re.compile(
    r"\s*Le passage certification\b.*\bexiste déjà en base\b", re.IGNORECASE | re.DOTALL
)
"""What a KO message says when the passage was accepted by an earlier flow (the Caisse des
Dépôts' processing report, ../shared/formats): « Le passage certification avec le bcr
émetteur X et l'id technique partenaire Y existe déjà en base »."""


def already_accepted(message: str) -> bool:
    """Whether a refused passage's message says it was accepted by an earlier flow: it then
    counts as accepted. « Le titulaire existe déjà en base » does not: it is a refusal."""
    return ALREADY_IN_BASE.match(message) is not None


def report_says(
    accepted: Iterable[str],
    rejected: Iterable[Mapping[str, str]],
    file_rejected: bool,
    message: str,
) -> tuple[Any, ...]:
    """What a processing report says, whatever its bytes (encoding, line ends, order): its
    accepted and refused passages (with their messages) and its errors."""
    return (
        frozenset(accepted),
        frozenset((r["id_technique"], r["message"]) for r in rejected),
        bool(file_rejected),
        message,
    )


State = Literal["not_sent", "awaiting", "accepted", "rejected", "to_resend"]


def id_technique(decision_id: str) -> str:
    """The CPF passage id of a title award: stable, so a re-send refers to the same passage."""
    return str(uuid5(NAMESPACE, f"passage:{decision_id}"))


@dataclass(frozen=True)
class Flow:
    """A flow file sent: its id, its file name, and each passage's digest as sent."""

    flux_id: str
    file: str
    sha256: str
    digests: dict[str, str]
    decisions: dict[str, str]
    sent_on: date


@dataclass(frozen=True)
class Answer:
    """What a processing report said of a passage of a flow."""

    state: Literal["accepted", "rejected", "to_resend"]
    flux_id: str
    message: str
    reported_on: date


@dataclass
class Standing:
    """Per passage: the flow it was last sent in, and the answer to that sending. Folded from
    the transmissions stream's facts, by the aggregate and by the projections alike."""

    flows: dict[str, Flow] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)
    """id_technique -> the flux id it was last sent in."""
    answers: dict[str, Answer] = field(default_factory=dict)
    reports: set[str] = field(default_factory=set)
    """SHA-256 of every processing report ingested."""
    processings: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    """(flux id, idTraitement) -> what that processing report said (`report_says`)."""
    accepted_ever: set[str] = field(default_factory=set)

    def apply(self, kind: str, data: dict[str, Any], on: date) -> None:
        if kind == "TransmissionRecorded":
            passages = data["passages"]
            flow = Flow(
                data["flux_id"],
                data["file"],
                data["sha256"],
                {p["id_technique"]: p["digest"] for p in passages},
                {p["id_technique"]: p.get("decision", "") for p in passages},
                on,
            )
            self.flows[flow.flux_id] = flow
            for passage in flow.digests:
                self.last[passage] = flow.flux_id
                self.answers.pop(passage, None)
        elif kind == "ProcessingReported":
            self.reports.add(data["sha256"])
            flux_id = data["flux_id"]
            if data["processing_id"]:
                self.processings[(flux_id, data["processing_id"])] = report_says(
                    data["accepted"], data["rejected"], data["file_rejected"], data["message"]
                )
            for passage in data["accepted"]:
                self._answer(passage, Answer("accepted", flux_id, "", on))
            for entry in data["rejected"]:
                message = entry["message"]
                self._answer(
                    entry["id_technique"],
                    Answer(
                        "accepted" if already_accepted(message) else "rejected",
                        flux_id,
                        message,
                        on,
                    ),
                )
            if data["file_rejected"]:
                for passage in self.flows[flux_id].digests:
                    self._answer(passage, Answer("to_resend", flux_id, data["message"], on))

    def _answer(self, passage: str, answer: Answer) -> None:
        if self.last.get(passage) == answer.flux_id:
            self.answers[passage] = answer
        if answer.state == "accepted":
            self.accepted_ever.add(passage)

    @property
    def sent(self) -> dict[str, str]:
        """The digest last sent for each passage."""
        return {p: self.flows[f].digests[p] for p, f in self.last.items()}

    def state(self, passage: str) -> State:
        if passage in self.accepted_ever:
            return "accepted"
        if passage not in self.last:
            return "not_sent"
        answer = self.answers.get(passage)
        return answer.state if answer is not None else "awaiting"

    def read_already(self, report: Any, flux_id: str) -> bool:
        """Whether a processing report of flow `flux_id` was read already: the same bytes, or
        the same processing (`idTraitement`) of that flow saying the same in other bytes
        (another encoding, other line ends). The same processing saying otherwise is refused."""
        if report.sha256 in self.reports:
            return True
        said = self.processings.get((flux_id, report.processing_id))
        if said is None:
            return False
        if said != report_says(
            report.accepted, report.rejected, report.file_rejected, report.message
        ):
            raise AlreadyExists(
                _(
                    "processing report {path}: processing {processing} of flow {flux_id} was "
                    "read already and said otherwise"
                ).format(path=report.source, processing=report.processing_id, flux_id=flux_id)
            )
        return True

    def flow_named(self, flux_id: str | None, file: str | None) -> Flow:
        """The flow a processing report is about: by its id, else by its file name."""
        named = [f for f in self.flows.values() if f.file == file]
        if flux_id:
            if flux_id in self.flows:
                flow = self.flows[flux_id]
                if named and named[0] is not flow:
                    raise InvalidInput(
                        _(
                            "processing report for flow {flux_id} (sent as {sent_as}) names the "
                            "file of flow {other} ({file}): which flow it answers is unclear"
                        ).format(
                            flux_id=flux_id, sent_as=flow.file, other=named[0].flux_id, file=file
                        )
                    )
                return flow
            raise NotFound(
                _("processing report for flow {flux_id}, which was never sent").format(
                    flux_id=flux_id
                )
            )
        if file and len(named) == 1:
            return named[0]
        raise NotFound(
            _("processing report for file {value}, which was never sent").format(
                value=file or "(unnamed)"
            )
        )


def standing_of(facts: Any) -> Standing:
    """The standing of every passage, from the transmissions stream's facts (a projection)."""
    standing = Standing()
    for fact in facts:
        if fact.type in ("TransmissionRecorded", "ProcessingReported"):
            standing.apply(fact.type, dict(fact.data), fact.effective_on)
    return standing
