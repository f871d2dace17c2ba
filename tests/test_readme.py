"""The README's walkthrough runs as written, and shows what the README says it shows."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def walkthrough() -> list[list[str]]:
    """The `certledger` commands of the README's first `sh` block that mentions `init`."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if "certledger init" in b)
    joined = block.replace("\\\n", " ")
    return [
        shlex.split(line)[1:]
        for line in joined.splitlines()
        if line.strip().startswith("certledger ")
    ]


def test_the_readme_gives_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "pip install -e '.[dev]'\npytest\n" in text


def test_the_readme_walkthrough_runs_and_shows_bc01_expiring(runner: CliRunner) -> None:
    commands = walkthrough()
    assert [c[0] for c in commands][:3] == ["init", "candidate", "assessment"]
    outputs = {}
    for args in commands:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        outputs[" ".join(args)] = result.stdout
    status = json.loads(outputs["status A17 --as-of 2022-06-20 --json"])
    bc01 = status["blocks"][0]
    assert (bc01["code"], bc01["awarded_on"], bc01["counts"], bc01["valid_until"]) == (
        "RNCP13080BC01",
        "2017-06-20",
        False,
        "2022-06-20",
    )
    assert status["certificates"][0]["state"] == "held"
    assert "RNCP13080BC01  2017-06-20  yes" in outputs["status A17 --as-of 2022-06-19"]


def test_the_readme_refusal_example_is_what_the_cli_prints(runner: CliRunner) -> None:
    for args in walkthrough():
        runner.invoke(cli, args)
    text = README.read_text(encoding="utf-8")
    example = re.search(r"\$ certledger (jury decide .*)\n(Error: .*)\n", text)
    assert example is not None
    result = runner.invoke(cli, shlex.split(example.group(1)))
    assert result.exit_code == 1
    assert result.stderr == example.group(2) + "\n"
