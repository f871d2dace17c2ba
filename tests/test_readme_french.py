"""The README's main walkthrough, followed by a French registrar (LANG=fr_FR.UTF-8): every
command runs as written, and what it prints is French, with French dates, while JSON keeps
its machine keys and ISO dates."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from ledger import i18n

README = Path(__file__).resolve().parents[1] / "README.md"

FRENCH = {"LANG": "fr_FR.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "LANGUAGE": None}

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
FRENCH_DAY = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def walkthrough() -> list[list[str]]:
    """The `certledger` commands of the README's first `sh` block that runs `certledger init`
    (continuation lines joined, comments dropped), as argument lists."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if re.search(r"^certledger init\b", b, re.M))
    joined = block.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["certledger"]:
            commands.append(words[1:])
    return commands


@pytest.fixture(autouse=True)
def english_afterwards() -> object:
    yield None
    i18n.use("en")


def follow(runner: CliRunner) -> dict[str, Result]:
    """Run the walkthrough in French; each command's result by its command line."""
    results = {}
    for args in walkthrough():
        result = runner.invoke(cli, args, env=FRENCH)
        line = shlex.join(args)
        assert result.exit_code == 0, (line, result.stdout, result.stderr, result.exception)
        results[line] = result
    return results


def test_the_walkthrough_has_the_main_steps() -> None:
    names = [" ".join(args[:2]) for args in walkthrough()]

    assert names[0] == "init"
    for step in ("candidate enroll", "jury decide"):
        assert step in names
    assert any(args[0] == "status" and "--as-of" in args for args in walkthrough())


def test_the_readme_walkthrough_runs_in_french(runner: CliRunner) -> None:
    results = follow(runner)

    for line, result in results.items():
        assert "Error" not in result.stderr and "Warning" not in result.stderr, line
        assert "Traceback" not in result.stdout + result.stderr, line
        if "--json" in line:
            json.loads(result.stdout)
        elif not line.startswith(("history", "jury decide")):
            # What a person reads: French dates only (a decision id, or a history's
            # stored data, may hold an ISO date as written).
            assert not ISO_DAY.search(result.stdout), (line, result.stdout)

    enrolled = next(r for line, r in results.items() if line.startswith("candidate enroll"))
    assert "Candidat" in enrolled.stdout and "inscrit" in enrolled.stdout
    convened = next(r for line, r in results.items() if line.startswith("jury convene"))
    assert re.match(
        r"Session de jury \S+ convoquée, siégeant le \d\d/\d\d/\d{4}\.", convened.stdout
    )


def test_the_status_as_of_a_date_reads_in_french(runner: CliRunner) -> None:
    results = follow(runner)

    shown = [
        r.stdout
        for line, r in results.items()
        if line.startswith("status") and "--as-of" in line and "--json" not in line
    ]
    assert shown
    for text in shown:
        assert "Candidat" in text
        assert FRENCH_DAY.search(text)
        assert "RNCP13080BC01" in text
    statuses = [
        json.loads(r.stdout)
        for line, r in results.items()
        if line.startswith("status") and "--json" in line
    ]
    for status in statuses:
        assert ISO_DAY.fullmatch(status["as_of"])
        assert {"candidate", "blocks", "title", "certificates"} <= set(status)
