"""Storage: events round-trip through the orjson + pydantic mapper on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.exceptions import StoreError
from ledger.store import parse_store_url
from tests.builders import NOW, convene, enroll, pass_bc01
from tests.stores import StoreRef


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


def test_an_auditor_role_with_select_only_reads_everything_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """The documented PostgreSQL role for auditors (README): SELECT on the schema, no more."""
    base = os.environ.get("CERTLEDGER_TEST_POSTGRES")
    if not base:
        pytest.skip("CERTLEDGER_TEST_POSTGRES is not set: no PostgreSQL server to test against")
    import psycopg
    from click.testing import CliRunner

    from cli.main import cli

    schema = f"t_{uuid.uuid4().hex[:12]}"
    role = f"auditor_{uuid.uuid4().hex[:8]}"
    app = Ledger(f"{base}?schema={schema}", clock=FixedClock(NOW), create=True)
    app.initialise(by="tester")
    enroll(app)
    app.close()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    try:
        auditor = base.replace("postgres@", f"{role}@", 1) + f"?schema={schema}"
        runner = CliRunner()
        status = runner.invoke(
            cli,
            ["--store", auditor, "--read-only", "status", "V1", "--as-of", "2017-01-01", "--json"],
        )
        assert status.exit_code == 0, status.stderr
        verified = runner.invoke(cli, ["--store", auditor, "--read-only", "verify", "--json"])
        assert verified.exit_code == 0, verified.stderr
        refused = runner.invoke(
            cli,
            [
                "--store",
                auditor,
                "candidate",
                "withdraw",
                "V1",
                "--on",
                "2017-01-02",
                "--reason",
                "x",
            ],
        )
        assert refused.exit_code == 1
        assert refused.stderr.startswith("Error: candidate withdraw: the store refused the write")
        assert "permission denied" in refused.stderr
        app = Ledger(f"{base}?schema={schema}")
        assert [f.type for f in app.candidate_facts("V1")] == [
            "CandidateEnrolled",
            "IdentityRecorded",
        ]
        app.close()
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f"DROP ROLE {role}")
