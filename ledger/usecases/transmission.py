"""The CPF transmission: choose the passages to send, write the flow, check it against the
XSD, and record it; a flow that fails its check is deleted and nothing is recorded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.clock import PARIS
from ledger.cpf import (
    MAX_PASSAGES,
    Header,
    Passage,
    file_names,
    holder_problems,
    passages,
    validate_written,
    write_flow,
)
from ledger.dossier import Dossier
from ledger.exceptions import TransmissionRefused
from ledger.transmission import TRANSMISSIONS_STREAM, Transmissions
from ledger.unit_of_work import Result, Transaction

if TYPE_CHECKING:
    from ledger.application import Ledger


@dataclass(frozen=True)
class FlowRequest:
    """What `report cpf` asks for: who sends, which awards, into which file."""

    emitter: str
    certifier: str
    contract: str
    output: Path
    start: date | None = None
    end: date | None = None
    everything: bool = False
    dry_run: bool = False
    max_passages: int = MAX_PASSAGES


@dataclass
class FlowSent:
    """What a transmission did: how many passages, which files, the log position read."""

    passages: int
    position: int
    files: list[Any] = field(default_factory=list)
    """The files written (dicts), or for a dry run the names they would have."""
    decisions: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "passages": self.passages,
            "files": self.files,
            "position": self.position,
        }
        if self.dry_run:
            document |= {"decisions": self.decisions, "dry_run": True}
        return document


def selected_passages(
    ledger: Ledger, position: int, start: date | None, end: date | None, everything: bool
) -> Iterator[Passage]:
    """The passages the next flow holds, as known at log position `position`: the awards
    never sent, or whose content changed since it was (all of them with `everything`)."""
    sent = ledger.queries.transmitted()
    versions = ledger.queries.versions().known_at(None, position)
    for facts in ledger.queries.scan_candidates(personal=True):
        dossier = Dossier.known(facts, None, position)
        if dossier is None:
            continue
        for passage in passages(dossier, versions, start, end):
            if everything or sent.get(passage.id_technique) != passage.digest:
                yield passage


def transmit_cpf(ledger: Ledger, request: FlowRequest, *, by: str) -> FlowSent:
    """Write the CPF flow of the awards to declare, check it, and record it."""
    position = ledger.queries.position()
    code = ledger.queries.versions().at(ledger.clock.today()).referential.code
    count = 0
    problems: list[str] = []
    decisions: list[str] = []
    chosen = (request.start, request.end, request.everything)
    for passage in selected_passages(ledger, position, *chosen):
        count += 1
        problems += holder_problems(passage)
        if request.dry_run and len(decisions) < 1000:
            decisions.append(passage.decision)
    if problems:
        raise TransmissionRefused(
            f"the CPF flow cannot be written, {len(problems)} problem(s) with holder data: "
            + "; ".join(problems)
        )
    if count == 0:
        return FlowSent(0, position)
    if request.dry_run:
        names = [str(p) for p in file_names(request.output, -(-count // request.max_passages))]
        return FlowSent(count, position, list(names), decisions, dry_run=True)
    header = Header(
        request.emitter,
        request.certifier,
        request.contract,
        code,
        ledger.clock.now().astimezone(PARIS),
    )
    flux_ids = (str(uuid.uuid4()) for _ in iter(int, 1))
    written = write_flow(
        selected_passages(ledger, position, *chosen),
        count,
        request.output,
        header,
        flux_ids,
        request.max_passages,
    )
    for entry in written:
        errors = validate_written(entry.path)
        if errors:
            for other in written:
                other.path.unlink(missing_ok=True)
            raise TransmissionRefused(
                f"the flow written to {entry.path} breaks the XSD ({errors[0]}); nothing recorded"
            )
    flows = [
        {"flux_id": w.flux_id, "file": w.path.name, "sha256": w.sha256, "passages": w.passages}
        for w in written
    ]
    record_transmissions(ledger, flows, kind="cpf-accrochage", position=position, by=by)
    files = [
        {"file": str(w.path), "flux_id": w.flux_id, "sha256": w.sha256, "passages": len(w.passages)}
        for w in written
    ]
    return FlowSent(count, position, files)


def record_transmissions(
    ledger: Ledger, flows: Sequence[dict[str, Any]], *, kind: str, position: int, by: str
) -> Result:
    """Record flows sent to the regulator: flux id, file, SHA-256, passages, log position."""
    today = ledger.clock.today()

    def work(tx: Transaction) -> Result:
        stream = tx.find(TRANSMISSIONS_STREAM, Transmissions) or Transmissions.open(today, tx.actor)
        for flow in flows:
            stream.record(
                flow["flux_id"],
                kind,
                flow["file"],
                flow["sha256"],
                position,
                tuple(flow["passages"]),
                today,
                tx.actor,
            )
        tx.record(stream)
        return {"id": [f["flux_id"] for f in flows], "position": position}

    params = {"flows": [f["sha256"] for f in flows], "kind": kind, "position": position}
    return ledger.uow.run("report cpf", params, work, by=by)
