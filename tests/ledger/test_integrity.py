"""Tamper evidence: each kind of tampering, done to the store directly, is named by verify."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.integrity import Verification, verify
from ledger.store.chain import chain_head, scan_chain
from ledger.store.scans import scan_log
from tests.builders import NOW, convene, enroll, pass_bc01


class Store:
    """A ledger with a few events, and raw SQL on its tables (SQLite file or PG schema)."""

    def __init__(
        self,
        url: str,
        execute: Callable[[str, tuple[Any, ...]], list[Any]],
        placeholder: str,
        events_table: str,
    ) -> None:
        self.url = url
        self.execute = execute
        self.p = placeholder
        self.events = events_table

    def fill(self) -> None:
        app = Ledger(self.url, clock=FixedClock(NOW), create=True)
        try:
            app.initialise(by="tester")
            enroll(app)
            pass_bc01(app)
            convene(app)
            app.record_decision("J1", "V1", validated=["C01", "C02"], by="tester")
        finally:
            app.close()

    def check(self) -> Verification:
        app = Ledger(self.url)
        try:
            return verify(
                scan_log(app.recorder), scan_chain(app.recorder), chain_head(app.recorder)
            )
        finally:
            app.close()

    def position_of(self, topic: str) -> int:
        rows = self.execute(
            f"SELECT {self.position} FROM {self.events} WHERE topic = {self.p}", (topic,)
        )
        return int(rows[0][0])

    @property
    def position(self) -> str:
        return "rowid" if self.p == "?" else "notification_id"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"

        def run(sql: str, params: tuple[Any, ...]) -> list[Any]:
            with sqlite3.connect(path) as conn:
                return conn.execute(sql, params).fetchall()

        store = Store(str(path), run, "?", "stored_events")
        store.fill()
        yield store
        return
    base = os.environ.get("CERTLEDGER_TEST_POSTGRES")
    if not base:
        pytest.skip("CERTLEDGER_TEST_POSTGRES is not set: no PostgreSQL server to test against")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"

    def run_pg(sql: str, params: tuple[Any, ...]) -> list[Any]:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {schema}")
            cursor = conn.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    store = Store(f"{base}?schema={schema}", run_pg, "%s", "certledger_events")
    store.fill()
    try:
        yield store
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def kinds(result: Verification) -> list[tuple[str, str]]:
    return [(str(p["event"]), p["problem"]) for p in result.problems]


def test_an_untouched_store_verifies_and_has_a_stable_digest(store: Store) -> None:
    first, second = store.check(), store.check()
    assert first.ok and first.events >= 8
    assert first.digest == second.digest and len(first.digest) == 64


def test_changing_one_byte_of_one_event_is_named(store: Store) -> None:
    position = store.position_of("DecisionRecorded")
    if store.p == "?":
        store.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'C02', 'C03') "
            "AS BLOB) WHERE rowid = ?",
            (position,),
        )
    else:
        store.execute(
            f"UPDATE {store.events} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'C02', 'C03'), 'UTF8') WHERE notification_id = %s",
            (position,),
        )
    result = store.check()
    assert not result.ok
    assert kinds(result) == [(f"{_label(store, position)}#5", "modified")]


def test_removing_an_event_is_named(store: Store) -> None:
    position = store.position_of("AssessmentRecorded")
    store.execute(f"DELETE FROM {store.events} WHERE {store.position} = {store.p}", (position,))
    result = store.check()
    assert ("removed" in {k for _, k in kinds(result)}) and not result.ok
    assert any(
        p["detail"].startswith(f"log position {position} was chained") for p in result.problems
    )


def test_inserting_an_event_is_named(store: Store) -> None:
    forged = uuid.uuid4()
    value = forged.hex if store.p == "?" else str(forged)
    store.execute(
        f"INSERT INTO {store.events} (originator_id, originator_version, topic, state) "
        f"VALUES ({store.p}, 1, 'Claimed', {store.p})",
        (value, b"{}"),
    )
    result = store.check()
    assert [k for _, k in kinds(result)] == ["inserted"]


def test_reordering_two_events_is_named(store: Store) -> None:
    a = store.position_of("CandidateEnrolled")
    b = store.position_of("JuryConvened")
    spare = 10_000_000
    for source, target in ((a, spare), (b, a), (spare, b)):
        store.execute(
            f"UPDATE {store.events} SET {store.position} = {store.p} "
            f"WHERE {store.position} = {store.p}",
            (target, source),
        )
    result = store.check()
    assert [k for _, k in kinds(result)] == ["reordered", "reordered"]


def test_removing_the_newest_events_with_their_chain_is_caught_by_the_head(store: Store) -> None:
    last = int(store.execute(f"SELECT MAX({store.position}) FROM {store.events}", ())[0][0])
    store.execute(f"DELETE FROM {store.events} WHERE {store.position} = {store.p}", (last,))
    store.execute(f"DELETE FROM ledger_chain WHERE position = {store.p}", (last,))
    result = store.check()
    assert kinds(result) == [("head", "removed")]


def _label(store: Store, position: int) -> str:
    rows = store.execute(
        f"SELECT originator_id FROM {store.events} WHERE {store.position} = {store.p}", (position,)
    )
    value = rows[0][0]
    return str(uuid.UUID(str(value)))


def test_verification_runs_in_one_pass_over_the_log(store: Store) -> None:
    app = Ledger(store.url)
    try:
        assert sum(1 for _ in scan_log(app.recorder, batch=3)) == store.check().events
        assert [c[0] for c in scan_chain(app.recorder, batch=3)] == [
            r[0] for r in scan_log(app.recorder)
        ]
    finally:
        app.close()
