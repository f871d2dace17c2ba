"""The materialised current-status view: its SQLite file, its tracking, and the catch-up loop.

The view is a cache of `projections.views.candidate_row`: each batch of new events
recomputes the candidates they touch and records the last log position read, in one
transaction, so that the view can always catch up (or be rebuilt) from where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from ledger.application import Ledger
from ledger.candidate import Candidate, candidate_stream
from ledger.exceptions import StoreError
from ledger.persistence import scan_streams
from projections.replay import candidate_streams
from projections.status import known_dossier
from projections.views import CandidateRow, candidate_row

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
                    "INSERT INTO view_intervals VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            row.candidate,
                            i.kind,
                            i.value,
                            i.start.isoformat(),
                            i.until.isoformat() if i.until else None,
                        )
                        for i in row.intervals
                    ],
                )
            self._insert_tracking(c, Tracking(APPLICATION, position))

    def clear(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM view_intervals")
            c.execute("DELETE FROM view_candidates")
            c.execute("DELETE FROM tracking WHERE application_name=?", (APPLICATION,))

    def listing(
        self,
        day: date,
        state: str | None = None,
        route: str | None = None,
        block: str | None = None,
    ) -> list[Listed]:
        """Candidates enrolled on `day`, with their state, route and counting blocks."""
        statement = """
            SELECT candidate,
              CASE WHEN certified THEN 'certified' WHEN withdrawn THEN 'withdrawn'
                   WHEN in_progress THEN 'in_progress' ELSE 'enrolled' END AS state,
              route, counting, blocks
            FROM (
              SELECT c.candidate AS candidate,
                MAX(i.kind = 'certified') AS certified,
                MAX(i.kind = 'withdrawn') AS withdrawn,
                MAX(i.kind = 'in_progress') AS in_progress,
                MAX(CASE WHEN i.kind = 'route' THEN i.value END) AS route,
                COUNT(DISTINCT CASE WHEN i.kind = 'competency' THEN i.value END) AS counting,
                group_concat(DISTINCT CASE WHEN i.kind = 'block' THEN i.value END) AS blocks
              FROM view_candidates c
              LEFT JOIN view_intervals i ON i.candidate = c.candidate
                AND i.start <= :day AND (i.until IS NULL OR :day < i.until)
              WHERE c.enrolled_on <= :day
              GROUP BY c.candidate
            )
        """
        wrapped = f"SELECT * FROM ({statement}) WHERE 1=1"
        params: dict[str, Any] = {"day": day.isoformat()}
        if state:
            wrapped += " AND state = :state"
            params["state"] = state
        if route:
            wrapped += " AND route = :route"
            params["route"] = route
        if block:
            wrapped += " AND (',' || blocks || ',') LIKE :block"
            params["block"] = f"%,{block},%"
        wrapped += " ORDER BY candidate"
        with self.datastore.transaction(commit=False) as c:
            c.execute(wrapped, params)
            return [
                Listed(
                    candidate=r[0],
                    state=r[1],
                    route=r[2] or "",
                    counting_competencies=r[3],
                    blocks=tuple(sorted((r[4] or "").split(",") if r[4] else ())),
                    title=r[1] == "certified",
                )
                for r in c.fetchall()
            ]


def view_path(ledger: Ledger) -> Path:
    """The view's own SQLite file, beside the ledger's: `certledger.db` -> `certledger.views.db`."""
    if ledger.store.kind != "sqlite" or ledger.store.path is None:
        raise StoreError(f"the status view of {ledger.store} is kept on SQLite stores only")
    path = ledger.store.path
    return path.with_name(f"{path.stem}.views{path.suffix or '.db'}")


def open_view(ledger: Ledger) -> StatusView:
    view = StatusView(SQLiteDatastore(str(view_path(ledger))))
    view.create_table()
    return view


class StatusViewRunner:
    """Keeps a StatusView up to date by pulling the ledger's log after the last position read."""

    def __init__(self, ledger: Ledger, view: StatusView, batch: int = 1000) -> None:
        self.ledger = ledger
        self.view = view
        self.batch = batch

    def catch_up(self) -> int:
        """Process every event recorded since the last catch-up; how many were read.

        An empty view is first built in one pass over all streams, then caught up.
        """
        last = self.view.position()
        read = 0
        if last == 0:
            last = read = self._build()
        while page := self.ledger.recorder.select_notifications(
            last, self.batch, inclusive_of_start=False
        ):
            touched = {n.originator_id for n in page if n.topic in CANDIDATE_TOPICS}
            if any(n.topic == "ReferentialPublished" for n in page):
                self.ledger.versions(refresh=True)
                touched |= set(self.view.streams())
            rows = [(s, row) for s in map(_uuid, touched) if (row := self._row(s))]
            last = page[-1].id
            self.view.save(rows, last)
            read += len(page)
        return read

    def _build(self) -> int:
        """Every candidate's row from one scan of the store, up to the log's current end."""
        end = self.ledger.recorder.max_notification_id() or 0
        if end == 0:
            return 0
        versions = self.ledger.versions(refresh=True)
        rows = []
        for facts in candidate_streams(
            scan_streams(self.ledger.recorder), self.ledger.ledger_mapper.decode_state
        ):
            dossier = known_dossier(facts, None)
            if dossier is not None:
                rows.append((candidate_stream(dossier.candidate), candidate_row(dossier, versions)))
        self.view.save(rows, end)
        return end

    def _row(self, stream: UUID) -> CandidateRow | None:
        dossier = known_dossier(self.ledger.stream_facts(stream), None)
        if dossier is None:
            return None
        return candidate_row(dossier, self.ledger.versions())

    def rebuild(self) -> int:
        """Forget everything and replay the whole log."""
        self.view.clear()
        return self.catch_up()


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
