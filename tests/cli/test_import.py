"""`import FILE.csv`: every row checked before anything is written; re-importing is a no-op."""

from __future__ import annotations

import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.importer import Row, collecting_by_chunk
from tests.cli.conftest import ALL, Certledger
from tests.stores import StoreRef

JURY = (
    "Ana Roy:realisateur|Paul Blanc:producteur|Léa Noir:monteur_truquiste|"
    "Inès Vert:responsable_pedagogique|Hugo Bleu:directeur_ecole"
)
HEADER = (
    "kind;candidate;date;route;birth_name;first_names;birth_date;sex;birth_insee;epreuve;"
    "passed;failed;session;members;president;validated;blocks;title;certificate"
)
ROWS = [
    "enrolment;A1;12/09/2016;formation_continue;Martin;Chloé|Anne;08/03/1994;F;69123;;;;;;;;;;",
    "enrolment;A2;2016-09-12;vae;Petit;Louis;1980-01-05;M;75112;;;;;;;;;;",
    "assessment;A1;01/06/2017;;;;;;;BC01-E1;C01 C02 C03 C05 C07;;;;;;;;",
    "assessment;A1;02/06/2017;;;;;;;BC01-E2;C03 C04 C06 C08;C09;;;;;;;",
    f"jury;;20/06/2017;;;;;;;;;;J1;{JURY};Hugo Bleu;;;;",
    "decision;A1;;;;;;;;;;;J1;;;C01 C02 C03 C04 C05 C06 C07 C08;BC01;no;",
    "certificate;A1;27/06/2017;;;;;;;;;;J1;;;;;;block:BC01",
]


def write(
    tmp_path: Path,
    rows: list[str],
    *,
    name: str = "rows.csv",
    bom: bool = False,
    comma: bool = False,
) -> Path:
    text = "\n".join([HEADER, *rows]) + "\n"
    if comma:
        text = text.replace(";", ",")
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_a_rows_key_is_its_request_id_else_a_digest_of_its_cells_in_column_order() -> None:
    """The keys of files imported before stay the same: a file imported again writes nothing."""
    cells = {
        "passed": " C01 C02 ",
        "kind": "assessment",
        "candidate": "V1",
        "date": "2019-06-20",
        "epreuve": "BC01-E1",
        "failed": "  ",
        "assessor": "Jury ESEC",
    }

    assert Row(2, cells).key() == "import-15b7d5bc1c5b5c6aded6e8cbb048b3009b929fa8"
    assert Row(9, dict(reversed(cells.items()))).key() == Row(2, cells).key()
    assert Row(2, {**cells, "request_id": " r-7 "}).key() == "r-7"


def test_an_import_runs_the_garbage_collector_after_each_chunk_and_leaves_it_as_it_was(
    certledger: Certledger, tmp_path: Path
) -> None:
    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collecting_by_chunk(whole_every=2) as collect:
        assert not gc.isenabled()
        for _ in range(3):  # a chunk's cycle goes when the chunk ends, the heap's every 2
            a, b = Node(), Node()
            a.other, b.other = b, a
            gone = weakref.ref(a)
            del a, b
            assert gone() is not None
            collect()
            assert gone() is None
        raise RuntimeError
    assert gc.isenabled()

    gc.disable()
    try:
        with collecting_by_chunk():
            pass
        assert not gc.isenabled()  # left off, as it was found
    finally:
        gc.enable()

    certledger.json(f"import {write(tmp_path, ROWS)}")
    assert gc.isenabled()


@pytest.mark.parametrize("held_after", [1, 1000])
def test_a_file_of_facts_imports_and_a_second_import_writes_nothing(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held_after: int
) -> None:
    """Whether the import reads which streams the store holds at once (as a long file does,
    after a thousand look-ups) or looks each one up, it sees what the first one wrote."""
    monkeypatch.setattr("ledger.staging.HELD_AFTER", held_after)
    path = write(tmp_path, ROWS, bom=True)

    first = certledger.json(f"import {path}")
    rows = certledger.rows()
    events = certledger.events()
    second = certledger.json(f"import {path}")

    assert (first["rows"], first["recorded"], first["already_recorded"]) == (7, 7, 0)
    assert first["valid"] and first["events"] == len(events) - 2
    assert (second["recorded"], second["already_recorded"], second["events"]) == (0, 7, 0)
    assert certledger.rows() == rows
    status = certledger.status("A1", "2018-01-01")
    assert status["blocks"][0]["counts"] and status["certificates"][0]["state"] == "held"


def test_a_broken_row_in_the_middle_writes_nothing_at_all(
    certledger: Certledger, tmp_path: Path
) -> None:
    broken = [*ROWS]
    broken[3] = broken[3].replace("BC01-E2", "BC01-E7")
    path = write(tmp_path, broken)
    rows = certledger.rows()

    result = certledger(f"import {path} --json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["events"] == 0
    assert report["problems"][0] == {
        "line": 5,
        "column": "",
        "message": "rule 1 (codes): épreuve BC01-E7 does not exist in referential 2006.1 in force "
        "on 2017-06-02",
    }
    assert certledger.rows() == rows
    assert certledger.json("candidate list") == []


def test_the_dry_run_report_names_line_column_and_message(
    certledger: Certledger, tmp_path: Path
) -> None:
    broken = [*ROWS]
    broken[0] = broken[0].replace("08/03/1994", "30/02/1994")
    broken[5] = broken[5].replace(";no;", ";maybe;")
    path = write(tmp_path, broken, comma=True)

    result = certledger(f"import {path} --dry-run")

    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}: {len(lines) - 1} rows refused; nothing written."
    assert lines[1] == (
        "  line 2, column birth_date: '30/02/1994' is not a real calendar date (day is out of "
        "range for month)"
    )
    assert "  line 7, column title: 'maybe' is not yes or no" in lines


def test_a_dry_run_of_a_good_file_writes_nothing(certledger: Certledger, tmp_path: Path) -> None:
    rows = certledger.rows()
    out = certledger.ok(f"import {write(tmp_path, ROWS)} --dry-run")
    assert out.endswith(
        "7 rows, all accepted (7 to record, 0 already recorded); dry run: nothing written.\n"
    )
    assert certledger.rows() == rows


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("candidate;date", "line 1, column kind: no `kind` column in the header line"),
        (
            "kind;candidate;colour",
            "line 1, column colour: unknown column 'colour' (see docs/import.md)",
        ),
    ],
)
def test_a_header_it_cannot_read_is_refused(
    certledger: Certledger, tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(header + "\nenrolment;A1;x\n", encoding="utf-8")
    result = certledger(f"import {path}")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == "  " + message


def test_an_unknown_kind_or_a_missing_value_is_named(
    certledger: Certledger, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        [
            "graduation;A1;2017-01-01;;;;;;;;;;;;;;;;",
            "enrolment;A3;2017-01-01;vae;;Léa;1990-01-01;F;75112;;;;;;;;;;",
        ],
    )
    result = certledger(f"import {path} --json")
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["column"] == "kind" and problems[0]["message"].startswith(
        "'graduation' is not one of enrolment, link"
    )
    assert problems[1] == {
        "line": 3,
        "column": "birth_name",
        "message": "a enrolment row needs a value in column 'birth_name'",
    }


def test_a_file_that_is_not_utf8_is_refused(certledger: Certledger, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nenrolment;A1;2016-09-12;vae;Hélène\n").encode("latin-1"))
    result = certledger(f"import {path}")
    assert result.exit_code == 1
    assert "the file is not UTF-8 text" in result.stderr


# Revision 2: survey rows, members with their gender, the revised identity and route rules.

SURVEY_HEADER = "kind;candidate;date;survey;outcome;rome;session;members;president;validated;title"


def test_survey_rows_and_members_with_a_gender_import(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2017-06-01")
    members = (
        "Ana Roy:realisateur:F|Paul Blanc:producteur:M|Léa Noir:monteur_truquiste:f|"
        "Inès Vert:responsable_pedagogique:F|Hugo Bleu:directeur_ecole:M"
    )
    everything = ALL.replace(",", " ")
    path = tmp_path / "surveys.csv"
    path.write_text(
        "\n".join(
            [
                SURVEY_HEADER,
                f"jury;;20/06/2017;;;;J1;{members};Hugo Bleu;;",
                f"decision;V1;;;;;J1;;;{everything};yes",
                "survey;V1;20/12/2017;6m;target_job;l1302;;;;;",
                "survey;V1;2019-06-20;24m;no_answer;;;;;;",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    report = certledger.json(f"import {path}")

    assert (report["recorded"], report["valid"]) == (4, True)
    history = certledger.history("V1")
    surveys = [e["data"] for e in history if e["type"] == "InsertionSurveyed"]
    assert surveys == [
        {"survey": "6m", "outcome": "target_job", "rome": "L1302"},
        {"survey": "24m", "outcome": "no_answer", "rome": None},
    ]
    convened = next(e for e in history if e["type"] == "JuryConvened")
    assert [m["gender"] for m in convened["data"]["members"]] == ["F", "M", "F", "F", "M"]


def test_a_survey_row_missing_its_outcome_is_named(certledger: Certledger, tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_text(f"{SURVEY_HEADER}\nsurvey;V1;20/12/2017;6m;;;;;;;\n", encoding="utf-8")

    result = certledger(f"import {path} --json")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [
        {
            "line": 2,
            "column": "outcome",
            "message": "a survey row needs a value in column 'outcome'",
        }
    ]


def test_rows_the_revised_rules_refuse_are_reported_and_nothing_is_written(
    certledger: Certledger, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        [
            "enrolment;A1;12/09/2016;apprentissage;Martin;Chloé;08/03/1994;F;69123;;;;;;;;;;",
            "enrolment;A2;12/09/2016;vae;Petit;Louis;01/01/2010;M;75112;;;;;;;;;;",
            "enrolment;A3;12/09/2016;vae;Petit;Louis;01/01/1980;M;٧٥١١٢;;;;;;;;;;",
        ],
    )
    rows = certledger.rows()

    result = certledger(f"import {path} --json")

    assert result.exit_code == 1
    problems = [p["message"] for p in json.loads(result.stdout)["problems"]]
    assert problems == [
        "rule 12 (access routes): route apprentissage is closed in referential 2006.1: the "
        "enrolment onto it on 2016-09-12 is refused",
        "birth date: 2010-01-01 is less than 16 years before the enrolment on "
        "2016-09-12 (referential 2006.1 sets the minimum age at 16)",
        "birth place: INSEE code '٧٥١١٢' must be 5 ASCII characters, the département "
        "(2 digits, or 2A/2B) then 3 digits, e.g. 75056",
    ]
    assert certledger.rows() == rows


# Streaming: one pass, staged on disk, written in one transaction or not at all.


def long_file(tmp_path: Path, candidates: int, last: str | None = None) -> Path:
    """Enrolments, then an assessment of each candidate (far from its enrolment in the
    file), then `last` if given."""
    enrolments = [
        f"enrolment;L{i:04d};12/09/2016;formation_continue;Martin;Chloé;08/03/1994;F;69123"
        + ";" * 10
        for i in range(candidates)
    ]
    assessments = [
        f"assessment;L{i:04d};01/06/2017;;;;;;;BC01-E1;C01 C02 C03 C05 C07" + ";" * 8
        for i in range(candidates)
    ]
    return write(tmp_path, [*enrolments, *assessments, *([last] if last else [])])


def test_a_refusal_in_the_last_row_of_a_long_file_writes_nothing_in_any_table(
    certledger: Certledger, tmp_path: Path
) -> None:
    path = long_file(tmp_path, 1001, last=ROWS[3].replace("A1", "L0007").replace("E2", "E7"))
    rows = certledger.rows()

    result = certledger(f"import {path} --json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["rows"], report["recorded"], report["events"]) == (2003, 2002, 0)
    assert [p["line"] for p in report["problems"]] == [2004]
    assert certledger.rows() == rows


def test_rows_in_different_batches_see_each_other_and_are_written_once(
    certledger: Certledger, tmp_path: Path
) -> None:
    from ledger.application import Ledger
    from ledger.importer import import_file

    path = write(tmp_path, ROWS)
    ledger = Ledger(str(certledger.store), clock=certledger.clock)
    try:
        first = import_file(ledger, path, by="registrar", batch=2)
        again = import_file(ledger, path, by="registrar", batch=3)
    finally:
        ledger.close()

    assert (first.ok, first.recorded, first.events) == (True, 7, len(certledger.events()) - 2)
    assert (again.recorded, again.replayed, again.events) == (0, 7, 0)
    status = certledger.status("A1", "2018-01-01")
    assert status["blocks"][0]["counts"] and status["certificates"][0]["state"] == "held"
    assert certledger.json("verify")["ok"] is True


def test_a_long_file_imports_with_its_chain_and_keys_whole(
    certledger: Certledger, tmp_path: Path
) -> None:
    path = long_file(tmp_path, 1001)

    report = certledger.json(f"import {path}")

    assert (report["rows"], report["recorded"], report["valid"]) == (2002, 2002, True)
    assert certledger.json("verify")["ok"] is True
    assert len(certledger.json("candidate list")) == 1001
    assert "Chloé" in json.dumps(certledger.history("L1000"), ensure_ascii=False)


def test_another_writer_waits_for_the_import_which_nothing_comes_between(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import holds the store's write lock from its first row to its commit: a registrar
    who records meanwhile waits (here, in the import's own thread, until the lock timeout,
    cut to a second: nothing written), and the import's events are one run in the log."""
    from ledger.application import Ledger
    from ledger.importer import import_file
    from tests.cli.conftest import IDENTITY

    path = write(tmp_path, ROWS)
    before = len(certledger.events())
    enrol = f"candidate enroll B9 --route formation_continue --on 2016-09-12 {IDENTITY}"
    ledger = Ledger(str(certledger.store), clock=certledger.clock)
    refusals: list[str] = []

    def meanwhile(_: int) -> None:
        if not refusals:  # A1's enrolment is run: another registrar enrols B9
            monkeypatch.setattr("ledger.store.dialects.LOCK_TIMEOUT", 1)
            refusals.append(certledger.refused(enrol))

    try:
        report = import_file(ledger, path, by="registrar", progress=meanwhile, batch=2)
    finally:
        ledger.close()

    assert refusals[0].startswith("Error: candidate enroll: the store refused the write (")
    assert refusals[0].endswith("); nothing recorded")
    assert any(word in refusals[0] for word in ("database is locked", "lock timeout"))
    imported = certledger.events()
    assert report.ok and report.events == len(imported) - before
    certledger.ok(enrol)  # once the import committed, the other writer's turn
    assert certledger.events()[: len(imported)] == imported
    assert {c["candidate"] for c in certledger.json("candidate list")} == {"A1", "A2", "B9"}
    assert certledger.json("verify")["ok"] is True


def test_an_import_behind_another_writer_for_too_long_gives_up_in_one_line(
    certledger: Certledger, store: StoreRef, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import takes the store's write lock before its first row; held by another writer
    past `LOCK_TIMEOUT` (cut to a second here), it gives up: one line, nothing written."""
    path = write(tmp_path, ROWS)
    monkeypatch.setattr("ledger.store.dialects.LOCK_TIMEOUT", 1)
    if store.kind == "postgresql":
        import psycopg

        from tests.stores import POSTGRES

        assert POSTGRES is not None
        holder: Any = psycopg.connect(POSTGRES)
        holder.execute(f'LOCK TABLE "{store.schema}".certledger_events IN EXCLUSIVE MODE')
        said = "canceling statement due to lock timeout"
    else:
        holder = sqlite3.connect(store.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        said = "database is locked"
    try:
        line = certledger.refused(f"import {path}")
    finally:
        holder.rollback()
        holder.close()
    assert line == f"Error: the store refused the write ({said}); nothing recorded"
    assert certledger.json(f"import {path}")["recorded"] == len(ROWS)


def holds_write_lock(store: StoreRef) -> bool:
    """Whether another connection holds the store's write lock (as an import does, from its
    first row to its end)."""
    if store.kind == "postgresql":
        import psycopg

        from tests.stores import POSTGRES

        assert POSTGRES is not None
        with psycopg.connect(POSTGRES) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
                "AND c.relname = 'certledger_events' AND l.mode = 'ExclusiveLock' AND l.granted",
                (store.schema,),
            ).fetchone()
        return found is not None
    probe = sqlite3.connect(store.path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()
    return False


def test_an_import_interrupted_in_its_transaction_leaves_every_table_as_it_was(
    certledger: Certledger, store: StoreRef, tmp_path: Path
) -> None:
    """Ctrl-C while an import holds its transaction: `Aborted!` (click's), exit 1, no
    traceback, and nothing of the import in any table."""
    records = tmp_path / "records.csv"
    certledger.ok(f"demo --candidates 400 --seed 3 --csv {records}")
    before = certledger.rows()
    command = [sys.executable, "-c", "from cli.main import main; main()"]
    with subprocess.Popen(
        [*command, "--store", str(store), "import", str(records)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},  # this code, as tested
    ) as run:
        while not holds_write_lock(store):
            assert run.poll() is None, "the import ended before its transaction was seen"
            time.sleep(0.01)
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=300)
    assert (run.returncode, stdout, stderr.decode()) == (1, b"", "\nAborted!\n")
    assert certledger.rows() == before
    assert not holds_write_lock(store)


@pytest.fixture
def reader_role(certledger: Certledger, store: StoreRef) -> Iterator[str]:
    """A PostgreSQL store URL whose role may read every table (keys included), write none."""
    import psycopg

    from tests.stores import POSTGRES

    assert POSTGRES is not None
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f'GRANT USAGE ON SCHEMA "{store.schema}" TO {role}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{store.schema}" TO {role}')
    try:
        yield POSTGRES.replace("postgres@", f"{role}@", 1) + f"?schema={store.schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_dry_run_needs_no_right_to_write_and_takes_no_lock(
    certledger: Certledger, store: StoreRef, reader_role: str, tmp_path: Path
) -> None:
    """A dry run keeps what it would write aside and reads the store in one snapshot: a role
    that may only read checks a file, while the store's write lock is held by another."""
    import psycopg

    from tests.stores import POSTGRES

    path = write(tmp_path, ROWS)
    before = certledger.rows()
    assert POSTGRES is not None
    with psycopg.connect(POSTGRES) as holder:  # another writer's lock, held throughout
        holder.execute(f'LOCK TABLE "{store.schema}".certledger_events IN EXCLUSIVE MODE')
        result = certledger("--store", reader_role, "import", path, "--dry-run")
        holder.rollback()

    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    assert "7 rows, all accepted (7 to record, 0 already recorded); dry run" in result.stdout
    assert certledger.rows() == before


def test_a_dry_run_or_a_refused_import_leaves_no_gap_in_the_log(
    certledger: Certledger, tmp_path: Path
) -> None:
    """What a refused import wrote in its transaction took log positions (PostgreSQL: from
    the events' sequence, which a rollback does not give back): they are given back, and the
    events the file then records follow the ledger's last one."""
    refused = write(tmp_path, [*ROWS, ROWS[3].replace("E2", "E7")], name="refused.csv")
    path = write(tmp_path, ROWS)
    certledger.ok(f"import {path} --dry-run")
    assert certledger(f"import {refused}").exit_code == 1
    assert certledger(f"import {refused} --dry-run").exit_code == 1
    certledger.ok(f"import {path}")

    positions = [event[0] for event in certledger.events()]

    assert positions == list(range(1, len(positions) + 1))
    assert certledger.json("verify")["digest"].startswith(f"@{len(positions)}:")


def test_an_import_whose_snapshots_fail_after_its_commit_says_it_is_recorded(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are committed before the certificate registers are snapshotted: a store that
    fails then (a full disk, say) leaves the import recorded, and the command says so, with
    one warning, instead of an error that would have the registrar import again."""
    from eventsourcing.persistence import OperationalError

    from ledger.store import Store

    def failing(self: Store, *args: Any, **kwargs: Any) -> None:
        raise OperationalError("database or disk is full")

    path = write(tmp_path, ROWS)
    with monkeypatch.context() as patched:
        patched.setattr(Store, "take_snapshot", failing)
        result = certledger(f"import {path} --json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["recorded"], report["valid"]) == (7, True)
    assert report["warnings"] == [
        "the rows are recorded, but the certificate registers' snapshots could not be taken "
        "(database or disk is full): later commands read their events instead"
    ]
    assert result.stderr == f"Warning: {report['warnings'][0]}\n"
    status = certledger.status("A1", "2018-01-01")
    assert status["certificates"][0]["state"] == "held"
    assert certledger.json("verify")["ok"] is True
