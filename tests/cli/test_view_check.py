"""verify's check of the status view: each candidate's intervals compared as a multiset, in
whatever order the database returns them."""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any

import pytest

from cli import integrity
from cli.integrity import verify_jobs
from tests.cli.conftest import FIVE_MEMBERS, Certledger

BC01 = "C01,C02,C03,C04,C05,C06,C07,C08"


@pytest.fixture
def listed(certledger: Certledger) -> Certledger:
    """A1 holds BC01 since 2017-06-20; the status view has been brought up to date."""
    certledger.ok(
        "candidate enroll A1 --route formation_continue --on 2016-09-12 --birth-name Martin "
        "--first-name Chloé --birth-date 1994-03-08 --sex F --birth-insee 69123"
    )
    certledger.ok(
        "assessment record A1 --epreuve BC01-E1 --on 2017-06-01 --passed C01,C02,C03,C05,C07"
    )
    certledger.ok("assessment record A1 --epreuve BC01-E2 --on 2017-06-02 --passed C03,C04,C06,C08")
    certledger.ok(f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --president 'Hugo Bleu'")
    certledger.ok(f"jury decide J1 A1 --validate {BC01} --award-block BC01")
    assert [r["candidate"] for r in certledger.json("candidate list")] == ["A1"]
    return certledger


def view_sql(certledger: Certledger, statement: str, rows: list[Any] | None = None) -> list[Any]:
    """Run a statement on the status view's tables (the view's own file on SQLite)."""
    if certledger.store.path is None:
        if rows is None:
            return certledger.store.query(statement)
        for row in rows:
            certledger.store.query(statement, tuple(row))
        return []
    path = certledger.store.path
    with sqlite3.connect(path.with_name(f"{path.stem}.views.db")) as conn:
        if rows is None:
            return conn.execute(statement.replace("%s", "?")).fetchall()
        conn.executemany(statement.replace("%s", "?"), rows)
        return []


def view_problems(certledger: Certledger) -> list[tuple[str, str]]:
    result = certledger("verify --json")
    return [(p["event"], p["problem"]) for p in json.loads(result.stdout)["problems"]]


def test_intervals_stored_in_another_order_agree_with_the_events(listed: Certledger) -> None:
    stored = view_sql(listed, "SELECT candidate, kind, value, start, until FROM view_intervals")
    assert len(stored) > 2
    view_sql(listed, "DELETE FROM view_intervals")
    view_sql(listed, "INSERT INTO view_intervals VALUES (%s, %s, %s, %s, %s)", stored[::-1])

    assert view_problems(listed) == []


def test_an_interval_stored_twice_disagrees_with_the_events(listed: Certledger) -> None:
    stored = view_sql(
        listed,
        "SELECT candidate, kind, value, start, until FROM view_intervals WHERE kind = 'block'",
    )
    view_sql(listed, "INSERT INTO view_intervals VALUES (%s, %s, %s, %s, %s)", stored)

    assert view_problems(listed) == [("candidate/A1", "view")]


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE view_intervals SET start = '2017-06-21' WHERE kind = 'block'",
        "UPDATE view_intervals SET until = '2022-06-21' WHERE kind = 'block'",
        "UPDATE view_intervals SET value = 'RNCP13080BC02' WHERE kind = 'block'",
        "UPDATE view_candidates SET enrolled_on = '2016-09-13'",
    ],
    ids=["start", "until", "block", "enrolment"],
)
def test_a_value_changed_in_the_view_disagrees_with_the_events(
    listed: Certledger, change: str
) -> None:
    """The rows are compared by their JSON text first (SQLite): a text that differs is
    decoded and compared row by row, and a changed day or code is still a disagreement."""
    view_sql(listed, change)

    assert view_problems(listed) == [("candidate/A1", "view")]


def test_a_candidate_gone_from_the_view_is_named(listed: Certledger) -> None:
    view_sql(listed, "DELETE FROM view_candidates")

    assert view_problems(listed) == [("candidate/A1", "view")]


def test_a_candidate_enrolled_after_the_view_was_brought_up_to_date_is_not_expected(
    listed: Certledger,
) -> None:
    listed.ok(
        "candidate enroll B2 --route formation_continue --on 2018-09-10 --birth-name Petit "
        "--first-name Lou --birth-date 1996-02-14 --sex M --birth-insee 13055"
    )
    assert view_sql(listed, "SELECT candidate FROM view_candidates") == [("A1",)]

    assert view_problems(listed) == []
    assert [r["candidate"] for r in listed.json("candidate list")] == ["A1", "B2"]
    assert view_problems(listed) == []


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize("content", [b"", b"SQLite format 3\0" + bytes(range(256)) * 20])
def test_a_view_file_that_is_no_view_is_told_and_left_aside(
    listed: Certledger, content: bytes
) -> None:
    """The view's own file emptied or overwritten: `candidate list` lists from the events and
    says which file to delete; `verify` checks the ledger and names the view unreadable. The
    file is left as it was found."""
    assert listed.store.path is not None
    path = listed.store.path.with_name(f"{listed.store.path.stem}.views.db")
    expected = listed.json("candidate list")
    path.write_bytes(content)

    result = listed("candidate list --json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"Warning: the status view {path} cannot be read"
    )
    assert lines[0].endswith(
        "delete it and `candidate list` reads the events instead; listed from the events meanwhile"
    )

    result = listed("verify --json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["events"] > 0 and not report["ok"]
    assert [(p["event"], p["problem"]) for p in report["problems"]] == [
        ("status view", "unreadable")
    ]
    assert path.read_bytes() == content

    path.unlink()
    assert listed.json("candidate list") == expected
    assert listed.json("verify")["ok"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_verify_with_the_view_checked_in_a_second_process_finds_the_same(
    listed: Certledger, lang: str
) -> None:
    """`verify --jobs 2` checks the view in a process of its own: the same report, word for
    word (notes in the language in use), and the same exit code, intact or not."""

    def both() -> Any:
        one = listed(f"--lang {lang} verify --json --jobs 1")
        two = listed(f"--lang {lang} verify --json --jobs 2")
        assert (two.exit_code, json.loads(two.stdout)) == (one.exit_code, json.loads(one.stdout))
        return json.loads(one.stdout)

    assert both()["ok"]
    stored = view_sql(
        listed,
        "SELECT candidate, kind, value, start, until FROM view_intervals WHERE kind = 'block'",
    )
    view_sql(listed, "INSERT INTO view_intervals VALUES (%s, %s, %s, %s, %s)", stored)
    report = both()
    assert [(p["event"], p["problem"]) for p in report["problems"]] == [("candidate/A1", "view")]
    view_sql(listed, "DELETE FROM view_candidates")
    assert [(p["event"], p["problem"]) for p in both()["problems"]] == [("candidate/A1", "view")]


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_verify_with_two_jobs_notes_a_ledger_without_a_view(
    certledger: Certledger, lang: str
) -> None:
    assert certledger.store.path is not None
    certledger.store.path.with_name(f"{certledger.store.path.stem}.views.db").unlink()
    one = certledger.json(f"--lang {lang} verify --jobs 1")
    two = certledger.json(f"--lang {lang} verify --jobs 2")
    assert one == two and one["ok"]
    assert one["notes"] == [
        "no status view to check" if lang == "en" else "pas de vue de situation à vérifier"
    ]


@pytest.mark.parametrize(
    ("events", "cores", "jobs"),
    [(49_999, 2, 1), (50_000, 2, 2), (10**6, 1, 1), (10**6, 8, 2)],
)
def test_verify_takes_two_processes_by_default_once_the_ledger_is_large(
    monkeypatch: pytest.MonkeyPatch, events: int, cores: int, jobs: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert verify_jobs(events) == jobs


def test_verify_checks_a_large_ledgers_view_aside_unasked(
    listed: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the threshold `verify` alone takes the second process (the same findings);
    `--jobs 1` keeps one."""
    from projections import parallel

    aside = parallel.checking_view_aside
    went: list[Any] = []

    def watched(*args: Any) -> Any:
        went.append(args)
        return aside(*args)

    with monkeypatch.context() as m:
        m.setattr(integrity, "VERIFY_IN_TWO", 1)
        m.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
        m.setattr(parallel, "checking_view_aside", watched)
        unasked = listed.json("verify")
        assert len(went) == 1
        assert listed.json("verify --jobs 1") == unasked and unasked["ok"]
        assert len(went) == 1


def test_verify_speaks_french_and_its_json_keeps_the_codes(listed: Certledger) -> None:
    """`--lang fr verify`: what it found, in French; `--json` keeps each problem's code."""
    view_sql(listed, "DELETE FROM view_candidates")

    result = listed("--lang fr verify")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("ALTÉRÉ : 1 problème(s)")
    assert "  candidate/A1 : vue (absent de la vue de situation)" in lines
    report = json.loads(listed("--lang fr verify --json").stdout)
    assert [(p["event"], p["problem"]) for p in report["problems"]] == [("candidate/A1", "view")]
    english = json.loads(listed("verify --json").stdout)["problems"]
    assert english[0]["detail"] == "missing from the status view"


def test_a_view_whose_table_was_dropped_is_named_unreadable(listed: Certledger) -> None:
    """The view's file (or schema) still there, one of its tables gone: `verify` checks the
    ledger and names the view unreadable, as it does a view file that is no view."""
    view_sql(listed, "DROP TABLE view_intervals")

    for jobs in ("1", "2"):
        result = listed(f"verify --json --jobs {jobs}")
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        assert report["events"] > 0 and not report["ok"]
        assert [(p["event"], p["problem"]) for p in report["problems"]] == [
            ("status view", "unreadable")
        ]
        assert report["problems"][0]["detail"].startswith("the status view cannot be read (")
    lines = listed("--lang fr verify").stdout.splitlines()
    assert any(
        line.startswith("  vue de situation : illisible (la vue de situation est") for line in lines
    ), lines
