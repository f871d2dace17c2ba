"""The CPF transmission: choose the passages to send, write the flow, check it against the
XSD, and record it; a flow that fails its check is deleted and nothing is recorded."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.clock import PARIS
from ledger.cpf import (
    MAX_PASSAGES,
    Header,
    Passage,
    Written,
    file_names,
    holder_problems,
    passages,
    validate_written,
    write_flow,
)
from ledger.dossier import Dossier
from ledger.exceptions import NotFound, OutputError, ReadOnly, TransmissionRefused
from ledger.files import folder
from ledger.i18n import _
from ledger.identity import unreadable
from ledger.ids import TRANSMISSIONS_STREAM
from ledger.standing import Standing, already_accepted
from ledger.transmission import Transmissions, check_unsent
from ledger.unit_of_work import Result, Transaction

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.cpf_ack import Report


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
    into_folder: bool = False
    """The output names a folder (made if missing) even if it does not exist yet."""
    replace: bool = False
    """Overwrite files of the flow's names that exist (otherwise the flow is refused)."""

    @property
    def folder(self) -> bool:
        return self.into_folder or self.output.is_dir()


@dataclass
class FlowSent:
    """What a transmission did: how many passages, which files, the log position read."""

    passages: int
    position: int
    files: list[Any] = field(default_factory=list)
    """The files written (dicts), or for a dry run the names they would have."""
    decisions: list[str] = field(default_factory=list)
    dry_run: bool = False
    left_out: list[dict[str, str]] = field(default_factory=list)
    """Awards not sent: their holders' personal data was erased."""
    uncorrected: list[dict[str, str]] = field(default_factory=list)
    """Awards the Caisse des Dépôts refused, not sent again: nothing was corrected since."""

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "passages": self.passages,
            "files": self.files,
            "position": self.position,
            "left_out": self.left_out,
            "uncorrected": self.uncorrected,
        }
        if self.dry_run:
            document |= {"decisions": self.decisions, "dry_run": True}
        return document


def selected_passages(
    ledger: Ledger,
    standing: Standing,
    position: int,
    start: date | None,
    end: date | None,
    everything: bool,
    left_out: list[dict[str, str]] | None = None,
    uncorrected: list[dict[str, str]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Passage]:
    """The passages the next flow holds, as known at log position `position`: the awards
    never sent, or whose content changed since (all of them with `everything`); a passage the
    Caisse des Dépôts refused goes again once corrected (else it is listed in
    `uncorrected`), one in a file it refused whole goes again, one it accepted never does.
    Holders whose personal data was erased are left out (and listed in `left_out`) when
    their award is to send: never sent, refused or in a file refused whole. The
    `standing` is the one read when the flow began: its two passes (choosing, then writing)
    see the same flows sent, whatever another `report cpf` records meanwhile."""
    sent = standing.sent
    versions = ledger.queries.versions().known_at(None, position)
    for facts in ledger.queries.scan_candidates(personal=True, progress=progress):
        dossier = Dossier.known(facts, None, position)
        if dossier is None:
            continue
        for passage in passages(dossier, versions, start, end):
            state = standing.state(passage.id_technique)
            if state == "accepted":
                continue
            if state == "rejected" and sent[passage.id_technique] == passage.digest:
                if uncorrected is not None:
                    answer = standing.answers[passage.id_technique]
                    uncorrected.append({"decision": passage.decision, "message": answer.message})
                continue
            erased = unreadable(passage.identity) == "erased"
            # An erasure changes the digest, not what the Caisse des Dépôts holds: an erased
            # holder's award already sent is not to send again.
            if erased:
                changed = passage.id_technique not in sent
            else:
                changed = sent.get(passage.id_technique) != passage.digest
            if not (everything or changed or state in ("rejected", "to_resend")):
                continue
            if erased:
                if left_out is not None:
                    left_out.append(
                        {
                            "candidate": passage.candidate,
                            "decision": passage.decision,
                            "why": "personal data erased",
                        }
                    )
                continue
            yield passage


def transmit_cpf(
    ledger: Ledger,
    request: FlowRequest,
    *,
    by: str,
    progress: Callable[[int], None] | None = None,
) -> FlowSent:
    """Write the CPF flow of the awards to declare, check it, record it, then put its files in
    place: a flow that fails its check, or that another `report cpf` overtook (its passages
    recorded meanwhile), leaves no file and records nothing. `progress` counts the candidate
    streams read: one pass to choose the passages, one more per fiche to write them."""
    if ledger.read_only and not request.dry_run:
        raise ReadOnly(_("the ledger is open read-only: `report cpf` records nothing"))
    position = ledger.queries.position()
    standing, seen = ledger.queries.cpf_standing()
    counts: dict[str, int] = {}
    count = 0
    problems: list[str] = []
    decisions: list[str] = []
    left_out: list[dict[str, str]] = []
    uncorrected: list[dict[str, str]] = []
    chosen = (request.start, request.end, request.everything)
    for passage in selected_passages(
        ledger, standing, position, *chosen, left_out, uncorrected, progress=progress
    ):
        count += 1
        counts[passage.certification] = counts.get(passage.certification, 0) + 1
        problems += holder_problems(passage)
        if request.dry_run and len(decisions) < 1000:
            decisions.append(passage.decision)
    if problems:
        raise TransmissionRefused(
            _("the CPF flow cannot be written, {count} problem(s) with holder data: ").format(
                count=len(problems)
            )
            + "; ".join(problems)
        )
    # Each file holds the awards of one fiche (a renewed fiche's older awards keep its code).
    per_fiche = {code: -(-n // request.max_passages) for code, n in sorted(counts.items())}
    files = sum(per_fiche.values())
    if count == 0:
        return FlowSent(0, position, left_out=left_out, uncorrected=uncorrected)
    names = flow_file_names(ledger, request, standing, files)
    for path in names:
        check_unsent(standing, path.name)
    check_free(names, request)
    if request.dry_run:
        return FlowSent(
            count, position, [str(p) for p in names], decisions, True, left_out, uncorrected
        )
    output = folder(request.output) if request.folder else contextlib.nullcontext(request.output)
    with output:
        written = _write_and_record(
            ledger, request, standing, per_fiche, names, position, seen, by, progress
        )
    sent_files = [
        {"file": str(w.path), "flux_id": w.flux_id, "sha256": w.sha256, "passages": len(w.passages)}
        for w in written
    ]
    return FlowSent(count, position, sent_files, left_out=left_out, uncorrected=uncorrected)


def check_free(
    files: Sequence[Path | Written], request: FlowRequest, *, recorded: bool = False
) -> None:
    """Refuse a flow's file that exists, unless asked to overwrite it: a flow written earlier
    is the record of what was sent, never lost without a word. (`recorded`: the flow already
    is, its file left where it was written.)"""
    if request.replace:
        return
    for file in files:
        path = file if isinstance(file, Path) else file.path
        if not path.exists():
            continue
        if recorded:
            raise OutputError(_("{path} exists (made meanwhile), left as it is").format(path=path))
        raise OutputError(
            _(
                "{path} exists already (a flow written earlier?): nothing written or recorded; "
                "give another file, or add --force to overwrite it"
            ).format(path=path)
        )


def _write_and_record(
    ledger: Ledger,
    request: FlowRequest,
    standing: Standing,
    per_fiche: dict[str, int],
    names: list[Path],
    position: int,
    seen: int,
    by: str,
    progress: Callable[[int], None] | None = None,
) -> list[Written]:
    """Write each fiche's files as drafts, check them against the XSD, record the flows, then
    put the files in place; a failure before the record leaves no file."""
    chosen = (request.start, request.end, request.everything)
    flux_ids = (str(uuid.uuid4()) for __ in iter(int, 1))
    written: list[Written] = []
    now = ledger.clock.now().astimezone(PARIS)
    try:
        for code, fiche_files in per_fiche.items():
            header = Header(request.emitter, request.certifier, request.contract, code, now)
            written += write_flow(
                (
                    p
                    for p in selected_passages(
                        ledger, standing, position, *chosen, progress=progress
                    )
                    if p.certification == code
                ),
                names[len(written) : len(written) + fiche_files],
                header,
                flux_ids,
                request.max_passages,
            )
    except BaseException:
        for entry in written:
            entry.draft.discard()
        raise
    try:
        for entry in written:
            errors = validate_written(entry.draft.path)
            if errors:
                raise TransmissionRefused(
                    _(
                        "the flow written for {path} breaks the XSD ({problem}); nothing recorded"
                    ).format(path=entry.path, problem=errors[0])
                )
        flows = [
            {"flux_id": w.flux_id, "file": w.path.name, "sha256": w.sha256, "passages": w.passages}
            for w in written
        ]
        check_free(written, request)  # again: a file made there since the first check
        record_transmissions(
            ledger, flows, kind="cpf-accrochage", position=position, by=by, seen=seen
        )
    except BaseException:
        for entry in written:
            entry.draft.discard()
        raise
    for entry in written:
        try:
            check_free([entry], request, recorded=True)
            entry.draft.keep()
        except OutputError as e:
            raise OutputError(
                _("{e}; the flow was recorded: its file is at {path}").format(
                    e=e, path=entry.draft.path
                )
            ) from None
    return written


def record_transmissions(
    ledger: Ledger,
    flows: Sequence[dict[str, Any]],
    *,
    kind: str,
    position: int,
    by: str,
    seen: int | None = None,
) -> Result:
    """Record flows sent to the regulator: flux id, file, SHA-256, passages, log position.

    `seen` is the version of the transmissions when the flows' passages were chosen: if
    another flow was recorded since, these may repeat its passages, and are refused."""
    today = ledger.clock.today()

    def work(tx: Transaction) -> Result:
        found = tx.find(TRANSMISSIONS_STREAM, Transmissions)
        if seen is not None and (found.version if found is not None else 0) != seen:
            raise TransmissionRefused(
                _(
                    "another `report cpf` recorded a flow while this one was written: nothing "
                    "recorded and no file left; run it again for what remains to send"
                )
            )
        stream = found or Transmissions.open(today, tx.actor)
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


def flow_file_names(
    ledger: Ledger, request: FlowRequest, standing: Standing, files: int
) -> list[Path]:
    """The files a flow is written to. Into a folder: `certledger-cpf-EMITTER-YYYYMMDD-NNNN.xml`,
    NNNN counting every file the ledger ever sent, so that each name is the emitter's own
    and a processing report (`nomFichier`) is always tied back to its flow. Given a file
    name: that name (`-001`, `-002`… beyond the limit), refused if it was sent already."""
    if not request.folder:
        return file_names(request.output, files)
    first = len(standing.flows) + 1
    day = ledger.clock.today().strftime("%Y%m%d")
    return [
        request.output / f"certledger-cpf-{request.emitter}-{day}-{n:04d}.xml"
        for n in range(first, first + files)
    ]


def acknowledge(ledger: Ledger, paths: Sequence[Path], *, by: str) -> list[Result]:
    """Ingest processing reports of the Caisse des Dépôts: each passage they name accepted or
    refused (its message kept verbatim), or the whole file refused (every passage of it to
    send again). A report for a flow or a passage never sent is refused naming it; the same
    report twice records nothing the second time. Every report is read and checked before
    any is recorded, and they are recorded together: one refused, none is."""
    from ledger.cpf_ack import read_report

    if ledger.read_only:
        raise ReadOnly(_("the ledger is open read-only: `report cpf-ack` records nothing"))
    reports = [read_report(path) for path in paths]
    today = ledger.clock.today()

    def acknowledged(report: Report) -> Result:
        def work(tx: Transaction) -> Result:
            stream = tx.find(TRANSMISSIONS_STREAM, Transmissions)
            if stream is None:
                raise NotFound(
                    _("processing report {path}: no CPF flow was ever sent").format(
                        path=report.source
                    )
                )
            flow = stream.check_report(report)
            already = [r for r in report.rejected if already_accepted(r["message"])]
            result: Result = {
                "flow": flow.flux_id,
                "file": flow.file,
                "accepted": len(report.accepted) + len(already),
                "rejected": len(report.rejected) - len(already),
                "file_rejected": report.file_rejected,
            }
            if stream.standing.read_already(report, flow.flux_id):
                return {**result, "already_ingested": True}
            stream.report(report, flow, today, tx.actor)
            tx.record(stream)
            return result

        return ledger.uow.run("report cpf-ack", {"sha256": report.sha256}, work, by=by)

    if len(reports) == 1:
        return [acknowledged(reports[0])]
    # One transaction: each report sees those before it; one refused, nothing is written.
    with ledger.batch():
        return [acknowledged(report) for report in reports]
