"""Every command explains itself: -h and --help, with an example, without touching a store."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from cli.main import cli
from tests.cli.conftest import Certledger


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, (*path, name))


COMMANDS = list(walk(cli))

CONTRACT_RECORDING = [
    ("init",),
    ("referential", "publish"),
    ("candidate", "enroll"),
    ("candidate", "link-person"),
    ("candidate", "withdraw"),
    ("candidate", "reenroll"),
    ("candidate", "change-route"),
    ("candidate", "rectify-identity"),
    ("candidate", "erase"),
    ("assessment", "record"),
    ("vae", "admit"),
    ("vae", "interview"),
    ("jury", "convene"),
    ("jury", "decide"),
    ("decision", "rectify"),
    ("decision", "annul"),
    ("certificate", "issue"),
    ("certificate", "revoke"),
    ("certificate", "reissue"),
]
"""The commands ../shared/spec/CLI.md says record something."""


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "certledger")
def test_every_command_answers_help_with_an_example(
    bare: Certledger, path: tuple[str, ...], flag: str
) -> None:
    out = bare.ok(*path, flag)

    assert out.startswith(f"Usage: certledger {' '.join(path)}".rstrip() + " [OPTIONS]")
    assert "Example:" in out
    assert "-h, --help" in out


def test_asking_for_help_creates_no_store(bare: Certledger) -> None:
    for path in COMMANDS:
        bare.ok(*path, "--help")

    assert not bare.store.exists()


RECORDING = [p for p in COMMANDS if getattr(command_at(p).callback, "records", False)]
"""The commands marked as recording (`cli.main.recording`), found by walking the tree."""


def test_every_command_the_contract_says_records_is_marked_as_recording() -> None:
    assert set(CONTRACT_RECORDING) <= set(RECORDING)


def test_the_group_offers_every_command_of_the_contract_that_exists_now() -> None:
    offered = set(COMMANDS)

    assert {
        ("init",),
        ("referential", "show"),
        ("referential", "validate"),
        ("candidate", "list"),
        ("jury", "propose"),
        ("status",),
        ("history",),
        *CONTRACT_RECORDING,
    } <= offered


@pytest.mark.parametrize("path", RECORDING, ids=" ".join)
def test_every_recording_command_takes_a_request_id_and_json(path: tuple[str, ...]) -> None:
    options = {opt for param in command_at(path).params for opt in param.opts}

    assert {"--request-id", "--json"} <= options
