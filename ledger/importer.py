"""Import a spreadsheet of facts (CSV): every row checked by the rules before anything is written.

One row per fact, `kind` saying which (docs/import.md lists the columns). The file is read
once, row by row, each row run through its use case once; what the rows record is written
as it comes (`ledger/store/bulk.py`) in one transaction that holds the store's write lock
and commits only if no row was refused (`ledger/staging.py`). The report gives each
refusal's line, column and message. Memory does not grow with the file. Each row carries
an idempotency key (its `request_id` column, or a digest of its content), so importing the
same file again writes nothing.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from eventsourcing.persistence import PersistenceError

from ledger.application import Ledger
from ledger.composition import parse_member
from ledger.exceptions import LedgerError, ReadOnly, RowError
from ledger.i18n import _
from ledger.staging import Staging
from ledger.store import from_store, project
from ledger.store.bulk import conflict
from ledger.store.dialects import first_line
from ledger.unit_of_work import Result, refused_write

KINDS = (
    "enrolment",
    "link",
    "route_change",
    "withdrawal",
    "reenrolment",
    "assessment",
    "vae_admission",
    "vae_interview",
    "jury",
    "decision",
    "certificate",
    "annulment",
    "survey",
)
REQUIRED = {
    "enrolment": ("candidate", "date", "route", "birth_name", "first_names", "birth_date", "sex"),
    "link": ("candidate", "date", "name", "relation"),
    "route_change": ("candidate", "date", "route"),
    "withdrawal": ("candidate", "date", "reason"),
    "reenrolment": ("candidate", "date", "route"),
    "assessment": ("candidate", "date", "epreuve"),
    "vae_admission": ("candidate", "date"),
    "vae_interview": ("candidate", "date", "livret2_received"),
    "jury": ("session", "date", "members", "president"),
    "decision": ("session", "candidate"),
    "certificate": ("candidate", "session", "certificate", "date"),
    "annulment": ("candidate", "session", "date", "reason"),
    "survey": ("candidate", "date", "survey", "outcome"),
}
COLUMNS = (
    "kind",
    "candidate",
    "date",
    "route",
    "vae_path",
    "birth_name",
    "usage_name",
    "first_names",
    "birth_date",
    "sex",
    "birth_insee",
    "birth_postcode",
    "birth_country",
    "name",
    "relation",
    "reason",
    "epreuve",
    "passed",
    "failed",
    "assessor",
    "livret2_received",
    "session",
    "members",
    "president",
    "validated",
    "blocks",
    "title",
    "derogation",
    "certificate",
    "number",
    "survey",
    "outcome",
    "rome",
    "request_id",
)
T = TypeVar("T")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRENCH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LIST = re.compile(r"[\s,|;]+")


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f", column {self.column}" if self.column else ""
        return f"line {self.line}{where}: {self.message}"


@dataclass
class Row:
    line: int
    cells: dict[str, str]

    def __post_init__(self) -> None:
        # Stripped once: a row's cells are read several times each.
        self.cells = {k: text for k, v in self.cells.items() if v and (text := v.strip())}

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def date(self, column: str) -> dt.date:
        return parse_day(self.get(column), column)

    def codes(self, column: str) -> tuple[str, ...]:
        return tuple(c for c in _LIST.split(self.get(column)) if c)

    def flag(self, column: str) -> bool:
        value = self.get(column).lower()
        if value in ("", "0", "no", "non", "false", "n"):
            return False
        if value in ("1", "yes", "oui", "true", "y", "o"):
            return True
        raise RowError(column, _("{value!r} is not yes or no").format(value=self.get(column)))

    def key(self) -> str:
        """The row's idempotency key: its request_id, else a digest of what it says."""
        given = self.get("request_id")
        if given:
            return given
        cells = self.cells  # only the cells that hold something
        content = "\x1f".join(f"{k}={cells[k]}" for k in COLUMNS if k in cells)
        return "import-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:40]


def parse_day(text: str, column: str) -> dt.date:
    """ISO (2019-06-20) or French (20/06/2019) dates; anything else is refused."""
    try:
        if _ISO.match(text):
            return dt.date.fromisoformat(text)
        found = _FRENCH.match(text)
        if found:
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day)
    except ValueError as e:
        raise RowError(
            column, _("{text!r} is not a real calendar date ({e})").format(text=text, e=e)
        ) from None
    raise RowError(column, _("{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)").format(text=text))


class Source:
    """The rows of a CSV file read one at a time (UTF-8 with or without BOM, `,` or `;`),
    in bounded memory; a problem that stops the reading (header, encoding, a row longer
    than the header) is kept in `problem`."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.problem: Problem | None = None

    def _lines(self) -> Iterator[str]:
        """The file's lines as text, each decoded on its own (so a byte that is not UTF-8
        is found on its own line)."""
        for number, raw in enumerate(self.stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self.problem = Problem(
                    number,
                    "",
                    _("the file is not UTF-8 text (byte {byte} of the line)").format(
                        byte=e.start + 1
                    ),
                )
                return

    def __iter__(self) -> Iterator[Row]:
        lines = self._lines()
        first = next(lines, "")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
        header = [h.strip() for h in next(reader, [])]
        if self.problem is not None:
            return
        if "kind" not in header:
            self.problem = Problem(1, "kind", "no `kind` column in the header line")
            return
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            self.problem = Problem(
                1, unknown[0], f"unknown column {unknown[0]!r} (see docs/import.md)"
            )
            return
        width = len(header)
        for cells in reader:
            if len(cells) > width:
                self.problem = Problem(reader.line_num, "", "more cells than columns in the header")
                return
            if any(c.strip() for c in cells):
                yield Row(reader.line_num, dict(zip(header, cells, strict=False)))


def _identity(row: Row) -> dict[str, Any]:
    return {
        "birth_name": row.get("birth_name"),
        "usage_name": row.get("usage_name") or None,
        "first_names": tuple(n.strip() for n in row.get("first_names").split("|") if n.strip()),
        "birth_date": row.date("birth_date"),
        "sex": row.get("sex").upper(),
        "birth_insee": row.get("birth_insee") or None,
        "birth_postcode": row.get("birth_postcode") or None,
        "birth_country": row.get("birth_country") or None,
    }


def _members(row: Row) -> list[tuple[str, str, str | None]]:
    members = []
    for part in (p.strip() for p in row.get("members").split("|")):
        try:
            members.append(parse_member(part))
        except ValueError as e:
            raise RowError("members", _("{e} (members split by |)").format(e=e)) from None
    return members


def command(ledger: Ledger, row: Row, by: str, *, idempotent: bool = True) -> Callable[[], Result]:
    """The use case a row asks for, ready to run (cells read and checked for shape); with
    its idempotency key unless told otherwise (the demo records each row once)."""
    kind = row.get("kind")
    if kind not in REQUIRED:
        raise RowError(
            "kind", _("{kind!r} is not one of {KINDS}").format(kind=kind, KINDS=", ".join(KINDS))
        )
    for column in REQUIRED[kind]:
        if not row.get(column):
            raise RowError(
                column,
                _("a {kind} row needs a value in column {column!r}").format(
                    kind=kind, column=column
                ),
            )
    rid = row.key() if idempotent else None
    c = row.get("candidate")
    if kind == "enrolment":
        identity = _identity(row)
        on = row.date("date")
        return lambda: ledger.enroll(
            c,
            route=row.get("route"),
            on=on,
            identity=identity,
            vae_path=row.get("vae_path") or None,
            by=by,
            request_id=rid,
        )
    if kind == "link":
        on = row.date("date")
        return lambda: ledger.link_person(
            c, name=row.get("name"), relation=row.get("relation"), on=on, by=by, request_id=rid
        )
    if kind in ("route_change", "reenrolment"):
        on = row.date("date")
        act = ledger.change_route if kind == "route_change" else ledger.reenroll
        return lambda: act(
            c,
            route=row.get("route"),
            on=on,
            vae_path=row.get("vae_path") or None,
            by=by,
            request_id=rid,
        )
    if kind == "withdrawal":
        on = row.date("date")
        return lambda: ledger.withdraw(c, on=on, reason=row.get("reason"), by=by, request_id=rid)
    if kind == "assessment":
        on = row.date("date")
        return lambda: ledger.record_assessment(
            c,
            epreuve=row.get("epreuve"),
            on=on,
            passed=row.codes("passed"),
            failed=row.codes("failed"),
            assessor=row.get("assessor") or None,
            by=by,
            request_id=rid,
        )
    if kind == "vae_admission":
        on = row.date("date")
        return lambda: ledger.admit_vae(c, on=on, by=by, request_id=rid)
    if kind == "vae_interview":
        on, livret2 = row.date("date"), row.date("livret2_received")
        return lambda: ledger.hold_vae_interview(
            c, on=on, livret2_received_on=livret2, by=by, request_id=rid
        )
    if kind == "jury":
        on, members = row.date("date"), _members(row)
        return lambda: ledger.convene_jury(
            row.get("session"),
            on=on,
            members=members,
            president=row.get("president"),
            by=by,
            request_id=rid,
        )
    if kind == "decision":
        title = row.flag("title")
        return lambda: ledger.record_decision(
            row.get("session"),
            c,
            validated=row.codes("validated"),
            blocks=row.codes("blocks"),
            title=title,
            derogation=row.get("derogation") or None,
            by=by,
            request_id=rid,
        )
    on = row.date("date")
    if kind == "survey":
        return lambda: ledger.record_survey(
            c,
            survey=row.get("survey"),
            on=on,
            outcome=row.get("outcome"),
            rome=row.get("rome") or None,
            by=by,
            request_id=rid,
        )
    if kind == "annulment":
        return lambda: ledger.annul_decision(
            f"{c}/{row.get('session')}", on=on, reason=row.get("reason"), by=by, request_id=rid
        )
    return lambda: ledger.issue_certificate(
        f"{c}/{row.get('session')}",
        kind=row.get("certificate"),
        on=on,
        number=row.get("number") or None,
        by=by,
        request_id=rid,
    )


@dataclass
class Report:
    rows: int = 0
    recorded: int = 0
    replayed: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What went wrong once the rows were recorded (the import stands)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "recorded": self.recorded,
            "already_recorded": self.replayed,
            "events": self.events,
            "valid": self.ok,
            "problems": [p.as_json() for p in self.problems],
            "warnings": self.warnings,
        }


def _run(
    ledger: Ledger,
    rows: Iterable[Row],
    by: str,
    report: Report,
    progress: Callable[[int], None] | None,
) -> None:
    for row in rows:
        report.rows += 1
        try:
            result = command(ledger, row, by)()
        except RowError as e:
            report.problems.append(Problem(row.line, e.column, e.message))
        except LedgerError as e:
            report.problems.append(Problem(row.line, "", e.message))
        else:
            if result.get("replayed"):
                report.replayed += 1
            else:
                report.recorded += 1
        if progress is not None:
            progress(1)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive runs of at most `size` items (one batch each), read lazily."""
    iterator = iter(items)
    while group := list(itertools.islice(iterator, size)):
        yield group


@contextmanager
def collecting_by_chunk(whole_every: int = 50) -> Iterator[Callable[[], None]]:
    """Python's cyclic garbage collector run after each chunk of rows (the function the block
    is given), not after every 700 allocations, until the block ends.

    A row allocates hundreds of objects, almost none of them in a reference cycle (they are
    freed as soon as they are left), but a chunk's aggregates live until the chunk is
    written, and the collector, run after every 700 new objects by default, walked them over
    and over: a fifth of an import's time. In the block, the collector runs only when told:
    the young generations after each chunk (a cycle a chunk left goes with it), the whole
    heap every `whole_every` chunks; memory stays bounded. The collector is the process's:
    the block leaves it on if it found it on.
    """
    enabled = gc.isenabled()
    gc.disable()
    done = 0

    def collect() -> None:
        nonlocal done
        done += 1
        gc.collect(2 if done % whole_every == 0 else 1)

    try:
        yield collect
    finally:
        if enabled:
            gc.enable()


def import_file(
    ledger: Ledger,
    source: bytes | Path | BinaryIO,
    *,
    by: str,
    dry_run: bool = False,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Run every row, in order, in one streaming pass, writing their events as they come in
    one transaction; commit it if no row was refused (a dry run keeps them aside instead).

    Each row's command runs once, and its events are mapped and written once: in batches of
    `batch` rows, through one transaction that holds the store's write lock until it ends
    (`ledger/staging.py`), so memory does not grow with the file and nothing is written
    unless everything is.
    """
    if isinstance(source, bytes):
        return import_file(
            ledger, io.BytesIO(source), by=by, dry_run=dry_run, batch=batch, progress=progress
        )
    if isinstance(source, Path):
        with source.open("rb") as stream:
            return import_file(
                ledger, stream, by=by, dry_run=dry_run, batch=batch, progress=progress
            )
    if ledger.read_only:
        raise ReadOnly("the ledger is open read-only: `import` records nothing")
    rows = Source(source)
    report = Report()
    try:
        with Staging(ledger.uow, dry_run=dry_run) as staging, collecting_by_chunk() as collect:
            for group in chunks(rows, batch):
                with staging.chunk():
                    _run(ledger, group, by, report, progress)
                collect()
            if rows.problem is not None:
                report.problems.append(rows.problem)
            if not report.ok or dry_run or not staging.events:
                staging.abandon()
            else:
                report.events = staging.events
            snapshotted = set(staging.snapshotted)
    except BaseException as e:
        ledger.keys.forget()
        if isinstance(e, PersistenceError) or conflict(e):
            raise refused_write(e) from None
        raise
    if not report.events:
        ledger.keys.forget()
        return report
    ledger.keys.committed()
    try:
        for aggregate_id in snapshotted:
            ledger.events.take_snapshot(aggregate_id, projector_func=project)
    except Exception as e:
        # The rows are recorded for good; a snapshot only spares later reads some events.
        if not from_store(ledger.store, e):
            raise
        report.warnings.append(
            _(
                "the rows are recorded, but the certificate registers' snapshots could not be "
                "taken ({first_line}): later commands read their events instead"
            ).format(first_line=first_line(e))
        )
    return report
