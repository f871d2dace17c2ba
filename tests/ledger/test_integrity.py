"""Tamper evidence: each kind of tampering, done to the store directly, is named by verify."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.ids import candidate_stream
from ledger.integrity import Verification, verify_store
from ledger.store.chain import link, scan_chain
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
            return verify_store(app.events)
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
    assert kinds(result) == [("candidate/V1#5", "modified")]


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


def test_events_inserted_at_the_end_leave_the_chain_its_digest_and_its_head(
    store: Store,
) -> None:
    before = store.check()
    for version in (1, 2):
        forged = uuid.uuid4()
        store.execute(
            f"INSERT INTO {store.events} (originator_id, originator_version, topic, state) "
            f"VALUES ({store.p}, {version}, 'Claimed', {store.p})",
            (forged.hex if store.p == "?" else str(forged), b"{}"),
        )

    result = store.check()

    assert [k for _, k in kinds(result)] == ["inserted", "inserted"]
    assert (result.position, result.digest) == (before.position, before.digest)


def test_two_events_in_a_row_whose_chain_rows_alone_were_removed_are_both_unchained(
    store: Store,
) -> None:
    position = store.position_of("AssessmentRecorded")
    for gone in (position, position + 1):
        store.execute(f"DELETE FROM ledger_chain WHERE position = {store.p}", (gone,))

    assert [k for _, k in kinds(store.check())] == ["unchained", "unchained"]


def test_an_event_whose_chain_row_alone_was_removed_is_named_unchained_not_its_neighbour(
    store: Store,
) -> None:
    # The next link still holds the event as it stands: it is the one that was chained.
    position = store.position_of("AssessmentRecorded")
    store.execute(f"DELETE FROM ledger_chain WHERE position = {store.p}", (position,))

    result = store.check()

    assert kinds(result) == [("candidate/V1#3", "unchained")]
    assert result.problems[0]["detail"] == (
        f"the chain row of log position {position} is gone; the event is the one that was "
        "chained (the next link holds it)"
    )


def test_an_event_whose_chain_row_alone_was_changed_is_named_rechained_not_its_neighbour(
    store: Store,
) -> None:
    position = store.position_of("AssessmentRecorded")
    store.execute(
        f"UPDATE ledger_chain SET hash = {store.p} WHERE position = {store.p}",
        ("0" * 64, position),
    )

    result = store.check()

    assert kinds(result) == [("candidate/V1#3", "rechained")]
    assert result.problems[0]["detail"] == (
        f"the chain row of log position {position} was changed; the event is the one that was "
        "chained (the next link holds it)"
    )


def rehash(store: Store, position: int, digit: str) -> None:
    """The chain row of `position` given another hash (its event untouched)."""
    store.execute(
        f"UPDATE ledger_chain SET hash = {store.p} WHERE position = {store.p}",
        (digit * 64, position),
    )


def edit(store: Store, position: int) -> None:
    """The event at `position` given another content (its chain row untouched)."""
    blob = "CAST('{}' AS BLOB)" if store.p == "?" else "convert_to('{}', 'UTF8')"
    store.execute(
        f"UPDATE {store.events} SET state = {blob} WHERE {store.position} = {store.p}",
        (position,),
    )


@pytest.mark.parametrize("rows", [2, 3])
def test_chain_rows_changed_in_a_row_are_each_named_rechained_and_nothing_else(
    store: Store, rows: int
) -> None:
    """Several consecutive chain rows re-hashed, the events untouched: the link after them
    still holds the events as they stand, so each is named rechained, and neither they nor
    the event after them is said to have changed (each was called "modified", and so was the
    untouched event after them)."""
    position = store.position_of("AssessmentRecorded")
    for offset in range(rows):
        rehash(store, position + offset, f"{offset + 1:x}")

    result = store.check()

    assert [k for _, k in kinds(result)] == ["rechained"] * rows
    assert [p["detail"] for p in result.problems] == [
        f"the chain row of log position {position + offset} was changed; the event is the one "
        "that was chained (the next link holds it)"
        for offset in range(rows)
    ]


def test_two_events_changed_in_a_row_are_both_modified_and_nothing_else(store: Store) -> None:
    position = store.position_of("AssessmentRecorded")
    edit(store, position)
    edit(store, position + 1)

    result = store.check()

    assert [k for _, k in kinds(result)] == ["modified", "modified"]


@pytest.mark.parametrize(
    ("edited", "rehashed", "named"),
    [
        ([0], [1], ["modified", "rechained"]),
        ([0, 1], [2], ["modified", "modified", "rechained"]),
        ([], [0, 1], ["rechained", "rechained"]),
        ([1], [0], ["modified", "modified"]),
    ],
    ids=["edited-then-rehashed", "two-edited-then-rehashed", "two-rehashed", "rehashed-edited"],
)
def test_edited_events_and_rehashed_rows_side_by_side_are_told_apart(
    store: Store, edited: list[int], rehashed: list[int], named: list[str]
) -> None:
    """Events edited and chain rows re-hashed next to each other: an edited event is
    modified, a re-hashed row after edited events (or a run of them alone) is rechained, and
    the untouched event after them is named not at all. (A run whose events were edited and
    whose last row was re-hashed is told from the last event alone; a re-hashed row before
    an edited event cannot be told from an edited one.)"""
    position = store.position_of("AssessmentRecorded")
    for offset in edited:
        edit(store, position + offset)
    for offset in rehashed:
        rehash(store, position + offset, f"{offset + 1:x}")

    result = store.check()

    assert [k for _, k in kinds(result)] == named
    touched = sorted(position + offset for offset in {*edited, *rehashed})
    assert [int(re.findall(r"log position (\d+)", p["detail"])[0]) for p in result.problems] == (
        touched
    )


def test_the_last_event_edited_and_the_head_set_to_hold_it_is_still_modified(
    store: Store,
) -> None:
    """The head is one row an attacker can rewrite: set to the hash of the edited last event,
    it must not vouch for that event (calling it "rechained": the one that was chained).
    The event stays modified and the head is named, as is a published digest's check."""
    before = store.check()
    edit(store, before.position)
    (stream, version, topic, state) = store.execute(
        f"SELECT originator_id, originator_version, topic, state FROM {store.events} "
        f"WHERE {store.position} = {store.p}",
        (before.position,),
    )[0]
    (previous,) = store.execute(
        f"SELECT hash FROM ledger_chain WHERE position = {store.p}", (before.position - 1,)
    )[0]
    stream = stream if isinstance(stream, uuid.UUID) else uuid.UUID(stream)
    forged = link(previous, before.position, stream, version, topic, bytes(state))
    store.execute(f"UPDATE ledger_head SET hash = {store.p}", (forged,))

    result = store.check()

    assert kinds(result) == [(kinds(result)[0][0], "modified"), ("head", "modified")]


def test_an_event_changed_and_unchained_is_told_from_one_whose_chain_row_alone_went(
    store: Store,
) -> None:
    position = store.position_of("AssessmentRecorded")
    store.execute(f"DELETE FROM ledger_chain WHERE position = {store.p}", (position,))
    store.execute(
        f"UPDATE {store.events} SET state = {store.p} WHERE {store.position} = {store.p}",
        (b"{}", position),
    )

    assert [k for _, k in kinds(store.check())] == ["inserted", "modified"]


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


def test_verification_runs_in_one_pass_over_the_log(store: Store) -> None:
    app = Ledger(store.url)
    try:
        assert sum(1 for _ in scan_log(app.recorder, batch=3)) == store.check().events
        assert [c[0] for c in scan_chain(app.recorder, batch=3)] == [
            r[0] for r in scan_log(app.recorder)
        ]
    finally:
        app.close()


# Malformed tampering: values the ledger never writes. Each is a named finding, never a crash.

BOTH_EDITS = {
    "a state of {}": (
        "UPDATE {events} SET state = {blob} WHERE topic = 'DecisionRecorded'",
        [("candidate/V1#5", "modified")],
    ),
    "a NULL state": (
        "UPDATE {events} SET state = NULL WHERE topic = 'DecisionRecorded'",
        [("candidate/V1#5", "malformed")],
    ),
    "a NULL topic": (
        "UPDATE {events} SET topic = NULL WHERE topic = 'DecisionRecorded'",
        [("candidate/V1#5", "malformed")],
    ),
    "another topic": (
        "UPDATE {events} SET topic = 'DecisionAnnulled' WHERE topic = 'DecisionRecorded'",
        [("candidate/V1#5", "modified")],
    ),
    "a non-hex chain hash": (
        "UPDATE ledger_chain SET hash = 'not a hash' WHERE position = {last}",
        [("candidate/V1#5", "malformed"), ("head", "modified")],
    ),
    "a chain row naming no stream": (
        "UPDATE ledger_chain SET originator_id = 'nobody' WHERE position = {last}",
        [("candidate/V1#5", "malformed")],
    ),
    "a non-hex head hash": (
        "UPDATE ledger_head SET hash = 'zz'",
        [("head", "malformed")],
    ),
    "no head": ("DELETE FROM ledger_head", [("head", "removed")]),
}

SQLITE_EDITS = {
    "a stream id that is no UUID": (
        "UPDATE {events} SET originator_id = 'not-a-uuid' WHERE topic = 'DecisionRecorded'",
        [("?#5", "malformed")],
    ),
    "a version that is no number": (
        "UPDATE {events} SET originator_version = 'five' WHERE topic = 'DecisionRecorded'",
        [("candidate/V1#?", "malformed")],
    ),
    "a head position that is no number": (
        "UPDATE ledger_head SET position = 'last'",
        [("head", "malformed")],
    ),
    "a state stored as text": (
        "UPDATE {events} SET state = CAST(state AS TEXT) || ' ' WHERE topic = 'DecisionRecorded'",
        [("candidate/V1#5", "modified")],
    ),
}


def tamper(store: Store, statement: str) -> None:
    last = store.position_of("DecisionRecorded")
    blob = "X'7b7d'" if store.p == "?" else "'\\x7b7d'::bytea"
    store.execute(statement.format(events=store.events, last=last, blob=blob), ())


@pytest.mark.parametrize("edit", sorted(BOTH_EDITS))
def test_a_malformed_edit_is_a_named_finding(store: Store, edit: str) -> None:
    statement, expected = BOTH_EDITS[edit]
    tamper(store, statement)

    result = store.check()

    assert kinds(result) == expected


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize("edit", sorted(SQLITE_EDITS))
def test_a_value_of_the_wrong_type_sqlite_lets_in_is_a_named_finding(
    store: Store, edit: str
) -> None:
    statement, expected = SQLITE_EDITS[edit]
    tamper(store, statement)

    result = store.check()

    assert kinds(result) == expected


def test_a_store_whose_head_says_events_existed_but_holds_none_is_caught(store: Store) -> None:
    for table in (store.events, "ledger_chain", "candidate_keys"):
        store.execute(f"DELETE FROM {table}", ())

    result = store.check()

    assert result.events == 0 and kinds(result) == [("head", "removed")]


# The keys: each enrolment records a commitment to its candidate's key.


def key_rows(store: Store) -> list[Any]:
    return store.execute("SELECT stream, wrapped, kek FROM candidate_keys ORDER BY stream", ())


def second_candidate(store: Store) -> None:
    app = Ledger(store.url, clock=FixedClock(NOW))
    try:
        enroll(app, "V2")
    finally:
        app.close()


def test_a_key_deleted_without_an_erasure_is_a_finding(store: Store) -> None:
    store.execute("DELETE FROM candidate_keys", ())

    assert kinds(store.check()) == [("candidate/V1", "key removed")]


def test_two_candidates_keys_swapped_are_a_finding(store: Store) -> None:
    second_candidate(store)
    (a, wrapped_a, _), (b, wrapped_b, _) = key_rows(store)
    for stream, wrapped in ((a, wrapped_b), (b, wrapped_a)):
        store.execute(
            f"UPDATE candidate_keys SET wrapped = {store.p} WHERE stream = {store.p}",
            (wrapped, stream),
        )

    assert sorted(k for _, k in kinds(store.check())) == ["key replaced", "key replaced"]


def test_a_key_replaced_by_another_is_a_finding(store: Store) -> None:
    from ledger.store.keys import KeyFile, wrap

    app = Ledger(store.url)
    try:
        path = app.events.key_file.path
        kek_id = app.events.dialect.read(app.recorder, "SELECT kek FROM {ledger_kek}")[0][0]
    finally:
        app.close()
    kek = KeyFile(path).get(kek_id)
    assert kek is not None
    store.execute(f"UPDATE candidate_keys SET wrapped = {store.p}", (wrap(kek, os.urandom(32)),))

    assert kinds(store.check()) == [("candidate/V1", "key replaced")]


def test_a_key_for_no_candidate_is_a_finding(store: Store) -> None:
    (_, wrapped, kek), *_ = key_rows(store)
    store.execute(
        f"INSERT INTO candidate_keys VALUES ({store.p}, {store.p}, {store.p})",
        (uuid.uuid4().hex, wrapped, kek),
    )

    assert [k for _, k in kinds(store.check())] == ["inserted"]


def test_an_erased_candidate_has_no_key_and_verifies(store: Store) -> None:
    app = Ledger(store.url, clock=FixedClock(NOW))
    try:
        app.erase("V1", reason="request", by="tester")
    finally:
        app.close()

    assert store.check().ok and key_rows(store) == []


def test_what_is_written_about_an_erased_candidate_makes_no_key_and_is_not_kept(
    store: Store,
) -> None:
    """A reason written about a candidate after their erasure (a withdrawal, a revocation…)
    is recorded as erased: no key is made for them again (a key for an erased candidate, and
    what it sealed readable), the ledger still verifies, and the text is nowhere."""
    app = Ledger(store.url, clock=FixedClock(NOW))
    try:
        app.erase("V1", reason="request", by="tester")
        app.withdraw("V1", on=date(2019, 3, 1), reason="moved to Lyon", by="tester")
        withdrawal = [f for f in app.queries.stream_facts(candidate_stream("V1"))][-1]
    finally:
        app.close()

    assert store.check().ok and key_rows(store) == []
    assert withdrawal.type == "CandidateWithdrew"
    assert withdrawal.data["reason"] == {"erased": True}
    states = store.execute(f"SELECT state FROM {store.events}", ())
    assert not any(b"Lyon" in bytes(state) for (state,) in states)


def test_a_command_recorded_while_verify_reads_is_not_tampering(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An auditor verifies while a registrar records: verify reads the events, the chain, the
    head and the keys as one state of the store (the one it began with), so an enrolment
    committed between two of those reads (its event, chain row, head and key at once) is
    neither a key for no candidate nor an event never chained; the next verify sees it."""
    before = store.check()
    assert before.ok
    recorded = while_verify_reads(store, monkeypatch, lambda registrar: enroll(registrar, "W2"))
    during = store.check()
    assert recorded == [None]
    assert during.ok, during.problems
    assert (during.events, during.digest) == (before.events, before.digest)
    monkeypatch.undo()
    after = store.check()
    assert after.ok and after.events > before.events


def test_a_refused_enrolment_of_an_erased_candidate_leaves_no_key_to_seal_with(
    store: Store,
) -> None:
    """Enrolling an erased candidate again is refused; the key its digest made is dropped
    with it, so what is written about them later is still not kept."""
    from ledger.exceptions import AlreadyExists

    app = Ledger(store.url, clock=FixedClock(NOW))
    try:
        app.erase("V1", reason="request", by="tester")
        with pytest.raises(AlreadyExists):
            enroll(app, "V1")
        app.withdraw("V1", on=date(2019, 3, 1), reason="moved to Lyon", by="tester")
        withdrawal = list(app.queries.stream_facts(candidate_stream("V1")))[-1]
    finally:
        app.close()

    assert withdrawal.data["reason"] == {"erased": True}
    assert store.check().ok and key_rows(store) == []


def test_a_replaced_key_is_found_even_when_an_erasure_replaces_the_ledgers_key_meanwhile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify reads one state of the store; another registrar's erasure then rewraps every key
    under a new key-encryption key and removes the old one from the file, so the keys of that
    state cannot be unwrapped any more. verify reads the store again, and still finds the key
    someone replaced."""
    import secrets

    from ledger.store.keys import wrap

    second_candidate(store)
    (stream, _, kek_id), *_ = key_rows(store)
    app = Ledger(store.url)
    kek = app.events.keys.file.get(str(kek_id))
    app.close()
    assert kek is not None
    store.execute(
        f"UPDATE candidate_keys SET wrapped = {store.p} WHERE stream = {store.p}",
        (wrap(kek, secrets.token_bytes(32)), stream),
    )
    other = "V2" if stream == candidate_stream("V1").hex else "V1"
    erased = while_verify_reads(
        store, monkeypatch, lambda registrar: registrar.erase(other, reason="request", by="tester")
    )
    found = store.check()
    assert erased
    assert [p["problem"] for p in found.problems] == ["key replaced"], found.problems
    assert found.notes == []


def while_verify_reads(
    store: Store, monkeypatch: pytest.MonkeyPatch, act: Callable[[Ledger], Any]
) -> list[Any]:
    """Have a registrar `act` (once) on the store while verify has read its first event; what
    `act` returned, once it has."""
    import ledger.integrity as integrity

    checking = integrity.verify
    done: list[Any] = []

    def meanwhile(events: Any, *args: Any, **kwargs: Any) -> Verification:
        def interrupted() -> Iterator[Any]:
            rows = iter(events)
            yield next(rows)
            if not done:
                registrar = Ledger(store.url, clock=FixedClock(NOW))
                try:
                    done.append(act(registrar))
                finally:
                    registrar.close()
            yield from rows

        return checking(interrupted(), *args, **kwargs)

    monkeypatch.setattr(integrity, "verify", meanwhile)
    return done
