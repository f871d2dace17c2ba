"""Storage: events round-trip through the orjson + pydantic mapper on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.exceptions import StoreError
from ledger.store import parse_store_url
from tests.builders import NOW, convene, enroll, pass_bc01
from tests.stores import POSTGRES, StoreRef


def test_events_come_back_with_their_types(store: StoreRef) -> None:
    app = Ledger(str(store), clock=FixedClock(NOW), create=True)
    try:
        app.initialise(by="tester")
        enroll(app)
        pass_bc01(app)
        convene(app)
        app.record_decision("J1", "V1", validated=["C01"], by="tester")
        facts = app.candidate_facts("V1")
        assert [f.type for f in facts] == [
            "CandidateEnrolled",
            "IdentityRecorded",
            "AssessmentRecorded",
            "AssessmentRecorded",
            "DecisionRecorded",
        ]
        decision = facts[-1]
        assert decision.effective_on == date(2017, 6, 20)
        assert isinstance(decision.recorded_at, datetime) and decision.recorded_at.tzinfo
        assert decision.data["validated"] == ("C01",)
        assert app.candidate("V1").dossier.decisions["V1/J1"].on == date(2017, 6, 20)
        assert app.candidate_ids() == ["V1"]
    finally:
        app.close()


def test_a_second_application_on_the_same_store_reads_what_the_first_wrote(
    store: StoreRef,
) -> None:
    first = Ledger(str(store), clock=FixedClock(NOW), create=True)
    first.initialise(by="tester")
    enroll(first)
    first.close()
    second = Ledger(str(store))
    try:
        assert second.candidate("V1").dossier.placement_on(date(2017, 1, 1)).route == (
            "formation_continue"
        )
    finally:
        second.close()


def test_opening_a_missing_sqlite_store_is_refused_without_creating_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(
        StoreError, match=r"no ledger at sqlite:///.*missing\.db: run `certledger init` first"
    ):
        Ledger(str(path))
    assert not path.exists()


@pytest.mark.parametrize(
    ("url", "kind", "where"),
    [
        ("certledger.db", "sqlite", "certledger.db"),
        ("sqlite:///certledger.db", "sqlite", "certledger.db"),
        ("sqlite:////var/lib/ledger.db", "sqlite", "/var/lib/ledger.db"),
        ("postgresql://postgres@127.0.0.1:5432/test?schema=s1", "postgresql", "test"),
    ],
)
def test_store_urls_name_sqlite_files_and_postgresql_databases(
    url: str, kind: str, where: str
) -> None:
    parsed = parse_store_url(url)
    assert parsed.kind == kind
    assert (str(parsed.path) if kind == "sqlite" else parsed.dbname) == where


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "postgresql://host-only", "postgresql://h/db?schema=Bad-Name"]
)
def test_a_store_url_certledger_cannot_use_is_refused(url: str) -> None:
    with pytest.raises(StoreError):
        parse_store_url(url)


AUDITOR_READS = [
    ["--read-only", "status", "V1", "--as-of", "2018-01-01", "--json"],
    ["status", "V1", "--as-of", "2018-01-01", "--json"],
    ["--read-only", "history", "V1", "--json"],
    ["--read-only", "explain", "V1", "--as-of", "2018-01-01", "--json"],
    ["--read-only", "jury", "propose", "J1", "V1", "--json"],
    ["--read-only", "candidate", "list", "--json"],
    ["candidate", "list", "--json"],
    ["--read-only", "replay", "--as-of", "2018-01-01", "--format", "json"],
    ["--read-only", "report", "stats", "--format", "json"],
    ["--read-only", "audit"],
    ["--read-only", "verify", "--json"],
    [
        "--read-only",
        "report",
        "cpf",
        "--emitter-id",
        "AB123CDE",
        "--certifier-id",
        "E564ACB0",
        "--contract-id",
        "2560080000127J",
        "--dry-run",
        "-o",
        "flux.xml",
    ],
]
"""Every read the README lets an auditor run."""


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_the_auditor_role_of_the_readme_runs_every_read_and_writes_nothing(
    store: StoreRef, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented PostgreSQL role for auditors (README): SELECT on the schema, not on the
    candidates' keys; every read works, identities read as sealed, no read runs DDL."""
    import psycopg
    from click.testing import CliRunner

    from cli.main import cli

    base = str(POSTGRES)
    schema = store.schema
    role = f"auditor_{uuid.uuid4().hex[:8]}"
    app, _ = Ledger.create(str(store), by="tester", clock=FixedClock(NOW))
    from projections.view_store import open_view

    open_view(app, create=True)
    enroll(app)
    pass_bc01(app)
    convene(app)
    app.record_decision("J1", "V1", validated=["C01", "C02"], by="tester")
    app.close()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        conn.execute(f"REVOKE SELECT ON {schema}.candidate_keys FROM {role}")
    monkeypatch.chdir(tmp_path)
    auditor = base.replace("postgres@", f"{role}@", 1) + f"?schema={schema}"
    before = store.tables()
    try:
        runner = CliRunner()
        for args in AUDITOR_READS:
            result = runner.invoke(cli, ["--store", auditor, *args])
            assert result.exit_code == 0 and result.exception is None, (args, result.stderr)
            assert "Traceback" not in result.stdout + result.stderr
        history = runner.invoke(cli, ["--store", auditor, "--read-only", "history", "V1", "--json"])
        identity = next(e for e in json.loads(history.stdout) if e["type"] == "IdentityRecorded")
        assert identity["data"]["identity"] == {"sealed": True}
        refused = runner.invoke(
            cli,
            [
                "--store",
                auditor,
                "candidate",
                "withdraw",
                "V1",
                "--on",
                "2018-01-02",
                "--reason",
                "x",
            ],
        )
        assert (refused.exit_code == 1 and refused.exception is None) or isinstance(
            refused.exception, SystemExit
        )
        assert refused.stderr == (
            "Error: the candidates' keys cannot be read by this database role: personal data "
            "cannot be sealed, nothing recorded\n"
        )
        assigned = runner.invoke(
            cli,
            [
                "--store",
                auditor,
                "jury",
                "convene",
                "J9",
                "--on",
                "2018-01-02",
                "--member",
                "Ana Roy:realisateur",
                "--president",
                "Ana Roy",
            ],
        )
        assert assigned.exit_code == 1
        assert assigned.stderr.startswith("Error: jury convene: the store refused the write")
        assert store.tables() == before
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def _event_classes() -> list[type]:
    """Every event class of the ledger's aggregates."""
    from eventsourcing.domain import Aggregate

    from ledger.store.mapper import _events_defined

    _events_defined()

    def below(cls: type) -> list[type]:
        return [found for sub in cls.__subclasses__() for found in (sub, *below(sub))]

    return [cls for cls in below(Aggregate.Event) if cls.__module__.startswith("ledger.")]


def test_the_light_decoder_parses_the_time_fields_each_event_class_declares() -> None:
    """The light decoder (status, replay) reads its table of time fields instead of the event
    classes, so that a read need not import the aggregates: the table must say what they do."""
    import dataclasses
    from typing import get_type_hints

    from eventsourcing.utils import get_topic

    from ledger.store.mapper import MORE_DAYS, TIMES

    classes = _event_classes()
    assert len(classes) > 30
    for cls in classes:
        hints = get_type_hints(cls)
        declared = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in ("originator_id", "originator_version")
            and hints[f.name] in (date, datetime)
        ]
        more = MORE_DAYS.get(get_topic(cls))
        table = [*TIMES, more] if more else list(TIMES)
        assert sorted(declared) == sorted(table), get_topic(cls)
