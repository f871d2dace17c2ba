"""The materialised current-status view: its SQLite file, its tracking, and the catch-up loop.

The view is a cache of `projections.views.candidate_row`: each batch of new events
recomputes the candidates they touch and records the last log position read, in one
transaction, so that the view can always catch up (or be rebuilt) from where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from ledger.application import Ledger
from ledger.candidate import Candidate
from ledger.dossier import Dossier
from ledger.exceptions import StoreError
from ledger.facts import Fact, candidate_streams
from ledger.i18n import _
from ledger.ids import candidate_stream
from ledger.rules import DEFAULT_STATE, STATES
from ledger.store import from_store
from ledger.store.chain import as_uuid
from ledger.store.dialects import LOCK_TIMEOUT, first_line, left_unfinished, read_only
from ledger.store.scans import scan_streams
from projections.views import CandidateRow, Interval, candidate_row

APPLICATION = "certledger"

CANDIDATE_TOPICS = frozenset(
    cls.__dict__["TOPIC"]
    for cls in vars(Candidate).values()
    if isinstance(cls, type) and issubclass(cls, Candidate.Event) and cls is not Candidate.Event
)


@dataclass(frozen=True, slots=True)
class Listed:
    candidate: str
    state: str
    route: str
    counting_competencies: int
    blocks: tuple[str, ...]
    title: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "state": self.state,
            "route": self.route,
            "counting_competencies": self.counting_competencies,
            "blocks": list(self.blocks),
            "title": self.title,
        }


class StatusView(SQLiteTrackingRecorder):
    """The view's tables, beside the library's `tracking` table, in their own SQLite file."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS view_candidates ("
            "candidate TEXT PRIMARY KEY, stream TEXT NOT NULL, enrolled_on TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS view_intervals ("
            "candidate TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, "
            "start TEXT NOT NULL, until TEXT)",
            "CREATE INDEX IF NOT EXISTS view_intervals_candidate ON view_intervals (candidate)",
            "CREATE INDEX IF NOT EXISTS view_intervals_kind ON view_intervals (kind, value)",
            "CREATE INDEX IF NOT EXISTS view_candidates_stream ON view_candidates (stream)",
        ]

    def position(self) -> int:
        return self.max_tracking_id(APPLICATION) or 0

    def streams(self) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT stream FROM view_candidates")
            return [UUID(row[0]) for row in c.fetchall()]

    def save(self, rows: Iterable[tuple[UUID, CandidateRow]], position: int) -> None:
        """Replace the rows of these candidates and move the tracking, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            for stream, row in rows:
                c.execute("DELETE FROM view_intervals WHERE candidate=?", (row.candidate,))
                c.execute(
                    "INSERT OR REPLACE INTO view_candidates VALUES (?, ?, ?)",
                    (row.candidate, stream.hex, row.enrolled_on.isoformat()),
                )
                c.executemany(
                    "INSERT INTO view_intervals VALUES (?, ?, ?, ?, ?)", _interval_rows(row)
                )
            self._insert_tracking(c, Tracking(APPLICATION, position))

    def clear(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM view_intervals")
            c.execute("DELETE FROM view_candidates")
            c.execute("DELETE FROM tracking WHERE application_name=?", (APPLICATION,))

    def stored_rows(self) -> Iterator[Any]:
        """The position the view has read, then the view, one row per candidate, in stream
        order (`_STORED`): both from one snapshot of the view, so that another process
        bringing it up to date meanwhile is seen wholly or not at all."""
        try:
            with self.datastore.transaction(commit=False) as c:
                cursor = c.sqlite_cursor
                cursor.row_factory = None
                cursor.execute(self.select_max_tracking_id_statement, (APPLICATION,))
                (position,) = cursor.fetchone()
                yield position or 0
                cursor.execute(
                    _STORED.format(candidates="view_candidates", intervals="view_intervals")
                )
                while rows := cursor.fetchmany(5000):
                    yield from rows
        except Exception as e:
            if not left_unfinished(e):
                raise

    def listing(
        self,
        day: date,
        state: str | None = None,
        route: str | None = None,
        block: str | None = None,
    ) -> list[Listed]:
        """Candidates enrolled on `day`, with their state, route and counting blocks."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                _listing_sql("view_candidates", "view_intervals", "sqlite"),
                _listing_params(day, state, route, block),
            )
            return [_listed(tuple(r)) for r in c.fetchall()]


def _interval_rows(row: CandidateRow) -> list[tuple[Any, ...]]:
    return [(row.candidate, *_interval_values(i)) for i in row.intervals]


def _interval_values(interval: Interval) -> list[Any]:
    """An interval as the view stores it: kind, value, start and end (ISO days, the end
    None when open), as its JSON gives it back to the check."""
    until = interval.until
    return [
        interval.kind,
        interval.value,
        interval.start.isoformat(),
        until.isoformat() if until else None,
    ]


def _listing_params(
    day: date, state: str | None, route: str | None, block: str | None
) -> dict[str, Any]:
    return {
        "day": day.isoformat(),
        "state": state,
        "route": route,
        "block": f"%,{block},%" if block else None,
    }


def _listing_sql(candidates: str, intervals: str, dialect: str) -> str:
    """One join of candidates and the intervals covering :day, grouped per candidate; the
    filters are parameters (NULL: no filter)."""
    if dialect == "sqlite":
        flag, blocks = "MAX({})", "group_concat(DISTINCT {})"
    else:
        flag, blocks = "bool_or({})", "string_agg(DISTINCT {}, ',')"
    state = (
        "CASE " + " ".join(f"WHEN {s} THEN '{s}'" for s in STATES) + f" ELSE '{DEFAULT_STATE}' END"
    )
    flags = "".join(flag.format(f"i.kind = '{s}'") + f" AS {s}, " for s in STATES)
    return f"""
        SELECT candidate, {state} AS state, route, counting, blocks
        FROM (
          SELECT c.candidate AS candidate,
            {flags}
            MAX(CASE WHEN i.kind = 'route' THEN i.value END) AS route,
            COUNT(DISTINCT CASE WHEN i.kind = 'competency' THEN i.value END) AS counting,
            {blocks.format("CASE WHEN i.kind = 'block' THEN i.value END")} AS blocks
          FROM {candidates} c
          LEFT JOIN {intervals} i ON i.candidate = c.candidate
            AND i.start <= :day AND (i.until IS NULL OR :day < i.until)
          WHERE c.enrolled_on <= :day
          GROUP BY c.candidate
        ) AS grouped
        WHERE (CAST(:state AS TEXT) IS NULL OR ({state}) = :state)
          AND (CAST(:route AS TEXT) IS NULL OR route = :route)
          AND (CAST(:block AS TEXT) IS NULL OR (',' || blocks || ',') LIKE :block)
        ORDER BY candidate
    """


_STORED = (
    "SELECT c.stream, c.candidate, c.enrolled_on, json_group_array(json_array(i.kind, i.value, "
    "i.start, i.until)) FILTER (WHERE i.candidate IS NOT NULL) "
    "FROM {candidates} c LEFT JOIN {intervals} i ON i.candidate = c.candidate "
    "GROUP BY c.candidate ORDER BY c.stream"
)
"""The view, one row per candidate in stream order (the order a scan of candidate streams
gives): stream, candidate, enrolment, and its interval rows as one JSON array of
`[kind, value, start, until]` (as `_interval_rows` writes them), aggregated by the database
rather than read row by row."""

_STORED_POSTGRES = (
    "SELECT c.stream, c.candidate, c.enrolled_on, '[' || coalesce(string_agg("
    "array_to_json(ARRAY[i.kind, i.value, i.start, i.until])::text, ',' ORDER BY "
    'i.kind COLLATE "C", i.value COLLATE "C", i.start COLLATE "C", i.until COLLATE "C") '
    "FILTER (WHERE i.candidate IS NOT NULL), '') || ']' "
    "FROM {candidates} c LEFT JOIN {intervals} i ON i.candidate = c.candidate "
    "GROUP BY c.candidate ORDER BY c.stream"
)
"""`_STORED` in PostgreSQL's words (the candidate is the key: its stream and enrolment
need no grouping). Each row's JSON is `array_to_json`'s, which writes as orjson does (no
spaces; `json_agg` would space its values), the rows in code point order ("C"), as
`candidate_row` sorts them: an intact candidate's text is the expected one."""


def _listed(r: tuple[Any, ...]) -> Listed:
    return Listed(
        candidate=r[0],
        state=r[1],
        route=r[2] or "",
        counting_competencies=r[3],
        blocks=tuple(sorted(r[4].split(","))) if r[4] else (),
        title=r[1] == "certified",
    )


def view_path(ledger: Ledger) -> Path:
    """The view's own SQLite file, beside the ledger's: `certledger.db` -> `certledger.views.db`."""
    if ledger.store.kind != "sqlite" or ledger.store.path is None:
        raise StoreError(_("{store} is not an SQLite store").format(store=ledger.store))
    path = ledger.store.path
    return path.with_name(f"{path.stem}.views{path.suffix or '.db'}")


def open_view(ledger: Ledger, *, create: bool = False) -> StatusView | None:
    """The status view of a ledger — its own SQLite file, or tables in the PostgreSQL schema —
    or None when it was never made. Only `create` (a command that writes: `init`, `demo`)
    makes it: no read runs DDL."""
    if ledger.store.kind == "postgresql":
        schema = ledger.recorder.datastore.schema
        found = ledger.events.dialect.read(
            ledger.recorder, "SELECT to_regclass(?)", (f'"{schema}".view_candidates',)
        )
        if not (found and found[0][0]) and not create:
            return None
        view: StatusView = postgres_status_view()(ledger.recorder.datastore)
    else:
        path = view_path(ledger)
        if not path.exists() and not create:
            return None
        try:
            if not create:  # a file that is no view (garbage, emptied) is told, left as it is
                with closing(read_only(path)) as c:
                    c.execute("SELECT MAX(notification_id) FROM tracking").fetchone()
            # Waits on another process's writes to the view as the store waits on its writers.
            view = StatusView(SQLiteDatastore(str(path), lock_timeout=LOCK_TIMEOUT))
        except Exception as e:
            if ledger.events.dialect.is_permission_error(e):
                raise
            raise BrokenView(
                _(
                    "the status view {path} cannot be read ({first_line}): it is not the "
                    "ledger, only a summary of it; delete it and `candidate list` reads the "
                    "events instead"
                ).format(path=path, first_line=first_line(e))
            ) from None
    if create:
        view.create_table()
    return view


class BrokenView(StoreError):
    """The status view's own file cannot be read (the ledger itself may be whole): reads list
    from the events instead, and `verify` says so."""


def check_view(ledger: Ledger, view: StatusView) -> Iterator[tuple[str, str]]:
    """Where the view disagrees with the events as known at the position it has read: each
    candidate, and what is wrong. The view's rows and the candidate streams are walked side by
    side, in stream order (bounded memory)."""
    stored_rows = _readable(ledger, view.stored_rows())
    position: int = next(stored_rows)  # and the rows, from the same snapshot of the view
    versions = ledger.queries.versions().known_at(None, position)
    expected: Iterator[_Entry] = (
        (candidate_stream(row.candidate).hex, row.candidate, row.enrolled_on.isoformat(), row)
        for facts in _known_streams(ledger, position)
        if (dossier := Dossier.known(facts, None, position)) is not None
        for row in (candidate_row(dossier, versions),)
    )
    stored: Iterator[_Entry] = stored_rows
    want, have = next(expected, None), next(stored, None)
    while want is not None or have is not None:
        if have is None or (want is not None and want[0] < have[0]):
            assert want is not None
            yield f"candidate/{want[1]}", _("missing from the status view")
            want = next(expected, None)
        elif want is None or have[0] < want[0]:
            yield f"candidate/{have[1]}", _("in the status view, not in the ledger")
            have = next(stored, None)
        else:
            if not _agree(want, have):
                yield f"candidate/{want[1]}", _("the status view's row disagrees with the events")
            want, have = next(expected, None), next(stored, None)


def _readable(ledger: Ledger, rows: Iterator[Any]) -> Iterator[Any]:
    """The view's rows; a view the database cannot read (a table dropped, say) is
    `BrokenView`, the role's refusal left as it is."""
    try:
        yield from rows
    except Exception as e:
        if not from_store(ledger.store, e) or ledger.events.dialect.is_permission_error(e):
            raise
        raise BrokenView(
            _(
                "the status view cannot be read ({first_line}): it is not the ledger, only a "
                "summary of it"
            ).format(first_line=first_line(e))
        ) from None


def _known_streams(ledger: Ledger, position: int) -> Iterator[list[Fact]]:
    """The facts of the candidate streams enrolled at log position `position` or before, as
    `Queries.scan_candidates` reads them: a stream enrolled later was unknown there, so
    reading it would only have it dropped (a view not yet brought up to date reads little)."""
    rows = scan_streams(ledger.recorder, "CandidateEnrolled", begun_by=position)
    return candidate_streams(rows, ledger.events.ledger_mapper.light_fact)


_Entry = tuple[str, str, str, Any]
"""One candidate, expected or stored: stream, id, enrolment, then its row (`CandidateRow`,
expected) or the view's JSON array of its interval rows `[kind, value, start, until]`
(stored)."""


def _agree(want: _Entry, have: _Entry) -> bool:
    """Whether the stored entry of a candidate is the expected one: the same candidate and
    enrolment, and the same interval rows. First by the JSON's text, which both views write
    as orjson does (no spaces, dates as ISO days, null; `_STORED`, `_STORED_POSTGRES`): the
    same text is the same rows, so an intact candidate is settled without decoding it; any
    other text is decoded (`_rows_agree`)."""
    if want[:3] != have[:3]:
        return False
    if orjson.dumps([tuple(i) for i in want[3].intervals]) == have[3].encode():
        return True
    return _rows_agree(want, have)


def _rows_agree(want: _Entry, have: _Entry) -> bool:
    """The interval rows decoded and compared: the same rows as many times each. In the order
    they were written (SQLite) or sorted (PostgreSQL), a list comparison settles it at once;
    in any other order (a view written by an earlier version, say) they are counted."""
    expected = [_interval_values(i) for i in want[3].intervals]
    stored = orjson.loads(have[3])
    return expected == stored or Counter(map(tuple, expected)) == Counter(map(tuple, stored))


@cache
def postgres_status_view() -> type:
    """The same view on PostgreSQL, in the ledger's own schema (psycopg imported lazily)."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    class PostgresStatusView(PostgresTrackingRecorder):
        def __init__(self, datastore: Any) -> None:
            super().__init__(datastore, tracking_table_name="certledger_view_tracking")
            schema = Identifier(self.datastore.schema)
            self.candidates = SQL("{}.view_candidates").format(schema)
            self.intervals = SQL("{}.view_intervals").format(schema)
            self.tracking = SQL("{}.certledger_view_tracking").format(schema)
            self.sql_create_statements += [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (candidate text PRIMARY KEY, "
                    "stream text NOT NULL, enrolled_on text NOT NULL)"
                ).format(self.candidates),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (candidate text NOT NULL, kind text NOT NULL, "
                    "value text NOT NULL, start text NOT NULL, until text)"
                ).format(self.intervals),
                SQL("CREATE INDEX IF NOT EXISTS view_intervals_candidate ON {} (candidate)").format(
                    self.intervals
                ),
                SQL("CREATE INDEX IF NOT EXISTS view_candidates_stream ON {} (stream)").format(
                    self.candidates
                ),
            ]

        position = StatusView.position

        def stored_rows(self) -> Iterator[Any]:
            from psycopg.rows import tuple_row

            from ledger.store.dialects import paced_by_reader

            statement = _STORED_POSTGRES.format(
                candidates=self.candidates.as_string(None), intervals=self.intervals.as_string(None)
            )
            with (
                self.datastore.get_connection() as conn,
                conn.transaction(),
                conn.cursor(name="certledger_view", row_factory=tuple_row) as curs,
            ):
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                paced_by_reader(conn)  # the check folds each batch's candidates meanwhile
                found = (
                    conn.cursor(row_factory=tuple_row)
                    .execute(self.max_tracking_id_statement, (APPLICATION,))
                    .fetchone()
                )
                yield (found[0] if found else None) or 0
                curs.itersize = 5000
                curs.execute(statement)
                yield from curs

        def streams(self) -> list[UUID]:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(SQL("SELECT stream FROM {}").format(self.candidates))
                return [UUID(row["stream"]) for row in curs.fetchall()]

        def save(self, rows: Iterable[tuple[UUID, CandidateRow]], position: int) -> None:
            with self.datastore.transaction(commit=True) as curs:
                # One save at a time, as SQLite's one writer: two catching up at once, the
                # second's delete would not see the first's rows once it waited for them,
                # and a candidate's intervals would be written twice. (The later one then
                # meets the tracking row if the earlier went as far: `catch_up` goes on.)
                curs.execute(
                    SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(self.candidates)
                )
                for stream, row in rows:
                    curs.execute(
                        SQL("DELETE FROM {} WHERE candidate = %s").format(self.intervals),
                        (row.candidate,),
                    )
                    curs.execute(
                        SQL(
                            "INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT (candidate) DO UPDATE "
                            "SET stream = excluded.stream, enrolled_on = excluded.enrolled_on"
                        ).format(self.candidates),
                        (row.candidate, stream.hex, row.enrolled_on.isoformat()),
                    )
                    values = _interval_rows(row)
                    if values:
                        curs.executemany(
                            SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s)").format(
                                self.intervals
                            ),
                            values,
                        )
                self._insert_tracking(curs, Tracking(APPLICATION, position))

        def clear(self) -> None:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(SQL("DELETE FROM {}").format(self.intervals))
                curs.execute(SQL("DELETE FROM {}").format(self.candidates))
                curs.execute(
                    SQL("DELETE FROM {} WHERE application_name = %s").format(self.tracking),
                    (APPLICATION,),
                )

        def listing(
            self,
            day: date,
            state: str | None = None,
            route: str | None = None,
            block: str | None = None,
        ) -> list[Listed]:
            statement = _listing_sql(
                self.candidates.as_string(None), self.intervals.as_string(None), "postgresql"
            )
            for name in ("day", "state", "route", "block"):
                statement = statement.replace(f":{name}", f"%({name})s")
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(statement, _listing_params(day, state, route, block))
                return [_listed(tuple(r.values())) for r in curs.fetchall()]

    return PostgresStatusView


MEETINGS = 20
"""How many saves in a row may meet another process's catching up before the catch-up gives
up (each meeting means that process went further; this many without one save of our own is
not two processes sharing the work)."""


class StatusViewRunner:
    """Keeps a StatusView up to date by pulling the ledger's log after the last position read."""

    def __init__(self, ledger: Ledger, view: StatusView, batch: int = 1000) -> None:
        self.ledger = ledger
        self.view = view
        self.batch = batch

    def catch_up(self) -> int:
        """Process every event recorded since the last catch-up; how many were read.

        An empty view is first built in one pass over all streams, then caught up. Another
        process may be catching the same view up at the same moment (two registrars listing
        candidates): a save that meets its work (the tracking row, saved with the rows,
        refuses a position already reached; or the same candidate's row written meanwhile)
        writes nothing, and the catch-up goes on from wherever the view then stands.
        """
        read = 0
        last = self.view.position()
        met = 0
        while True:
            try:
                if last == 0:
                    read += self._build()
                    last = self.view.position()
                page = self.ledger.recorder.select_notifications(
                    last, self.batch, inclusive_of_start=False
                )
                if not page:
                    return read
                touched = {n.originator_id for n in page if n.topic in CANDIDATE_TOPICS}
                if any(n.topic == "ReferentialPublished" for n in page):
                    self.ledger.versions(refresh=True)
                    touched |= set(self.view.streams())
                rows = ((s, row) for s in map(as_uuid, touched) if (row := self._row(s)))
                self.view.save(rows, page[-1].id)
                last = page[-1].id
                read += len(page)
                met = 0
            except IntegrityError:
                met += 1
                if met > MEETINGS:
                    raise
                last = self.view.position()

    def _build(self) -> int:
        """Every candidate's row from one scan of the store, up to the log's current end (and
        perhaps beyond: what comes after is caught up again)."""
        end = self.ledger.recorder.max_notification_id() or 0
        if end == 0:
            return 0
        versions = self.ledger.versions(refresh=True)
        # Written as they are folded, in the view's one transaction: memory holds one
        # candidate, not the ledger.
        rows = (
            (candidate_stream(dossier.candidate), candidate_row(dossier, versions))
            for facts in self.ledger.scan_candidates()
            if (dossier := Dossier.known(facts, None)) is not None
        )
        self.view.save(rows, end)
        return end

    def _row(self, stream: UUID) -> CandidateRow | None:
        dossier = Dossier.known(self.ledger.queries.stream_facts(stream), None)
        if dossier is None:
            return None
        return candidate_row(dossier, self.ledger.versions())

    def rebuild(self) -> int:
        """Forget everything and replay the whole log."""
        self.view.clear()
        return self.catch_up()
