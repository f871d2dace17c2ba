"""Hostile input, thrown at every command: whatever the strings, paths and store URLs, the exit
code is 0, 1 or 2, nothing prints a traceback, and a refusal writes nothing (DOMAIN.md §4)."""

from __future__ import annotations

import errno
import io
import json
import os
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import cli
from cli.params import CodeList, DateType, InstantType, MemberType
from tests.cli.conftest import FIVE_MEMBERS, IDENTITY, NINE, Certledger, crashed
from tests.cli.test_help import COMMANDS, command_at

EVERYTHING = ",".join(f"C{n:02d}" for n in range(1, 43))

SLOW = {("demo",), ("import",)}
"""Commands whose work grows with their input: driven apart with small inputs."""

NASTY = [
    "",
    " ",
    "-",
    "--",
    "V1\n",
    "V1\x00",
    "\x0b",
    "[/b]",
    "[bold]x[/bold]",
    "'; DROP TABLE stored_events; --",
    "../../etc/passwd",
    "%s%s%n",
    "{0}",
    "\u202eevil",
    "Hu\u200bgo Bleu",
    "é" * 300,
    "9" * 40,
    "2019-02-30",
    "30/02/2019",
    "@-1",
    "@99999999999999999999",
    "0000-00-00",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",
    "C01,,C02",
    "NAME:",
    ":ROLE",
    "x" * 5000,
]

hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
)
plausible = st.sampled_from(
    [
        "V1",
        "J1",
        "V1/J1",
        "RNCP13080-2017-00001",
        "2017-06-20",
        "20/06/2017",
        "C01,C02",
        NINE,
        "BC01",
        "Ana Roy:realisateur",
        "Hugo Bleu",
        "formation_continue",
        "vae",
        "title",
        "block:BC01",
    ]
)


def value_for(param: click.Parameter, data: st.DataObject, paths: list[str]) -> str:
    kind = param.type
    if isinstance(kind, click.Choice) and data.draw(st.booleans(), label="a choice"):
        return str(data.draw(st.sampled_from(list(kind.choices))))
    if isinstance(kind, click.Path | click.File):
        return data.draw(st.sampled_from(paths), label="path")
    if isinstance(
        kind, DateType | InstantType | CodeList | MemberType | click.types.StringParamType
    ):
        return data.draw(st.one_of(plausible, hostile))
    return data.draw(st.one_of(plausible, hostile, st.integers(-5, 10**6).map(str)))


def arguments(path: tuple[str, ...], data: st.DataObject, paths: list[str]) -> list[str]:
    args = list(path)
    for param in command_at(path).params:
        if isinstance(param, click.Argument):
            for _ in range(param.nargs if param.nargs > 0 else data.draw(st.integers(0, 2))):
                args.append(value_for(param, data, paths))
            continue
        assert isinstance(param, click.Option)
        if param.name in ("help",):
            continue
        if not param.required and not data.draw(st.booleans(), label=param.opts[0]):
            continue
        if param.is_flag:
            args.append(param.opts[0])
            continue
        for _ in range(data.draw(st.integers(1, 2)) if param.multiple else 1):
            args += [param.opts[0], value_for(param, data, paths)]
    return args


def files(folder: Path) -> list[str]:
    """Paths a hostile user may give: missing, a folder, empty, binary, a real-looking file."""
    (folder / "empty.csv").write_bytes(b"")
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "rules.toml").write_text("code = 'X'\n[title\n", encoding="utf-8")
    (folder / "a-folder").mkdir(exist_ok=True)
    return [
        str(folder / "empty.csv"),
        str(folder / "binary.bin"),
        str(folder / "rules.toml"),
        str(folder / "a-folder"),
        str(folder / "missing" / "deep" / "out.xml"),
        str(folder / "out.xml"),
        "/proc/self/status",
        "",
        "-",
    ]


def assert_sane(certledger: Certledger, args: list[str]) -> None:
    before = certledger.rows()
    result = certledger(*args)
    shown = shlex.join(args)
    assert result.exit_code in (0, 1, 2), f"{shown} -> exit {result.exit_code}"
    assert not crashed(result), f"{shown} -> {result.exception!r}"
    assert "Traceback" not in result.stdout + result.stderr, shown
    if result.exit_code:
        assert certledger.rows() == before, f"{shown} was refused but wrote"
        assert (result.stderr + result.stdout).strip(), f"{shown} was refused without a word"
        if "--json" in args and "--" not in args:
            assert result.stdout.strip(), f"{shown} was refused with --json but printed nothing"
            document = json.loads(result.stdout)  # exactly one JSON document
            if isinstance(document, dict) and "error" in document:
                assert_json_refusal(result, shown)


ERROR_KEYS = ["error", "rule", "values", "exit"]


def assert_json_refusal(result: Any, shown: str) -> None:
    """A refusal given --json: one JSON object {error, rule, values, exit} on stdout, and its
    message as the one `Error: ` line on stderr."""
    document = json.loads(result.stdout)
    assert list(document) == ERROR_KEYS, shown
    assert document["exit"] == result.exit_code, shown
    assert document["rule"] is None or isinstance(document["rule"], int), shown
    assert isinstance(document["values"], dict), shown
    assert result.stderr == f"Error: {document['error']}\n", shown


@pytest.fixture
def populated(bc01_holder: Certledger) -> Certledger:
    return bc01_holder


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_command_crashes_on_hostile_input(
    populated: Certledger, tmp_path: Path, data: st.DataObject
) -> None:
    paths = files(tmp_path)
    path = data.draw(st.sampled_from([p for p in COMMANDS if p and p not in SLOW]), label="command")
    if isinstance(command_at(path), click.Group):
        return
    assert_sane(populated, arguments(path, data, paths))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    url=st.one_of(
        st.sampled_from(
            [
                "postgresql://user@host:notaport/db",
                "postgresql://[::1/db",
                "postgresql://127.0.0.1:1/db?schema=x",
                "postgresql://host",
                "postgres://h/db?schema=BAD-NAME",
                "mysql://x/y",
                "file:x.db?mode=memory",
                "sqlite://",
                "sqlite:///",
                ":memory:",
                "x.db\x00",
                "/proc/nope/ledger.db",
            ]
        ),
        hostile,
    ),
    command=st.sampled_from([["status", "V1"], ["verify"], ["init"], ["candidate", "list"]]),
)
def test_a_hostile_store_url_is_a_store_or_one_clear_error(
    bare: Certledger, url: str, command: list[str]
) -> None:
    result = bare("--store", url, *command)

    assert result.exit_code in (0, 1, 2), (url, result.stdout, result.stderr)
    assert not crashed(result), (url, result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code:
        assert result.stderr.strip().splitlines()[-1].startswith("Error")


IDENTITY_OPTIONS = {
    "--birth-name": "Durand",
    "--first-name": "Alice",
    "--usage-name": None,
    "--birth-date": "1990-01-02",
    "--sex": "F",
    "--birth-insee": "75112",
    "--birth-postcode": None,
    "--birth-country": None,
}
"""A valid identity (None: left out), which the test spoils option by option."""


def not_a_commune(text: str) -> bool:
    from ledger.identity import COMMUNE

    return COMMUNE.fullmatch(text.strip()) is None


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_identity_options_with_json_are_bad_input_told_in_json(
    populated: Certledger, data: st.DataObject
) -> None:
    """Whatever is typed into the identity options (with a birth place that is never an INSEE
    code), the enrolment or rectification is bad input: exit 2, one JSON object on stdout,
    one line on stderr, nothing written, no traceback."""
    command = data.draw(
        st.sampled_from(
            [
                shlex.split("candidate enroll V9 --route formation_continue --on 2016-09-12"),
                shlex.split("candidate rectify-identity V1 --reason typo"),
            ]
        ),
        label="command",
    )
    args = [*command, "--json"]
    spoiled = data.draw(st.sets(st.sampled_from(sorted(IDENTITY_OPTIONS)), min_size=1))
    for option, valid in IDENTITY_OPTIONS.items():
        if option == "--birth-insee":
            value: str | None = data.draw(
                st.one_of(st.sampled_from(NASTY), hostile).filter(not_a_commune), label=option
            )
        elif option in spoiled:
            value = data.draw(st.one_of(st.sampled_from(NASTY), hostile), label=option)
        else:
            value = valid
        if value is not None:
            args += [option, value]
    before = populated.rows()

    result = populated(*args)

    shown = shlex.join(args)
    assert result.exit_code == 2, f"{shown} -> exit {result.exit_code}: {result.stderr}"
    assert not crashed(result), f"{shown} -> {result.exception!r}"
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert_json_refusal(result, shown)
    assert populated.rows() == before, f"{shown} was refused but wrote"


NOT_AN_IDENTIFIER = (
    "n'est pas un identifiant valide (1 à 64 lettres, chiffres, '_', '.' ou '-', commençant "
    "par une lettre ou un chiffre)"
)
"""How a French refusal ends for an identifier of the wrong shape."""


@pytest.mark.parametrize(
    ("given", "code", "told"),
    [
        (["a b"], 1, f"candidat 'a b' {NOT_AN_IDENTIFIER}"),
        (["V1", "--request-id", "a b"], 1, f"identifiant de requête 'a b' {NOT_AN_IDENTIFIER}"),
        (
            ["V1", "--usage-name", "D\x1b"],
            2,
            "nom d'usage : U+001B (un caractère de contrôle) : les caractères de contrôle sont "
            "refusés",
        ),
    ],
    ids=["candidate", "request id", "control character"],
)
def test_a_hostile_identifier_or_name_is_told_in_french(
    certledger: Certledger, given: list[str], code: int, told: str
) -> None:
    enrolment = "--route formation_continue --on 2016-09-12 " + IDENTITY
    before = certledger.rows()

    result = certledger("--lang", "fr", "candidate", "enroll", *given, *shlex.split(enrolment))

    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"Erreur : {told}\n")
    assert certledger.rows() == before


def test_stored_text_that_looks_like_markup_is_printed_literally(
    populated: Certledger,
) -> None:
    populated.ok("candidate withdraw V1 --on 2018-01-10 --reason '[/b] [see annex 2]'")

    out = populated.ok("history V1")

    assert "Withdrew: [/b] [see annex 2]." in out


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://user@host:notaport/db",
        "postgresql://[::1/db",
        "file:x.db?mode=memory",
        ":memory:",
        "sqlite:///ledger.db?mode=memory",
    ],
)
def test_a_store_url_that_keeps_nothing_or_makes_no_sense_is_refused(
    bare: Certledger, url: str
) -> None:
    error = bare.refused("--store", url, "init")

    assert error.startswith("Error: store ") and "Initialised" not in error


def test_init_against_a_port_nobody_listens_on_is_one_clear_error(bare: Certledger) -> None:
    error = bare.refused("--store", "postgresql://postgres@127.0.0.1:1/test?schema=x", "init")

    assert error.startswith("Error: cannot ") and "127.0.0.1" in error


def test_a_referential_nested_too_deep_is_refused(certledger: Certledger, tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")

    error = certledger.refused(f"referential publish {path} --effective-from 2016-09-07")

    assert error.endswith("is invalid: not a referential: TOML nested too deep")


def test_an_output_in_a_missing_folder_is_one_error_and_leaves_nothing(
    populated: Certledger, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "audit.html"

    error = populated.refused(f"audit --format html -o {target}")

    assert error == f"Error: cannot write {target}: No such file or directory"


class FullDisk(io.RawIOBase):
    """A file descriptor whose disk fills up after `room` bytes."""

    def __init__(self, handle: int, room: int) -> None:
        self.handle, self.room = handle, room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.room -= len(data)
        if self.room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(self.handle, data)

    def fileno(self) -> int:
        return self.handle

    def close(self) -> None:
        if not self.closed:
            os.close(self.handle)
        super().close()


def full_disk_fdopen(handle: int, mode: str, **options: Any) -> Any:
    """`os.fdopen` on a disk with 600 bytes left."""
    buffered = io.BufferedWriter(FullDisk(handle, 600))
    return buffered if "b" in mode else io.TextIOWrapper(buffered, **options)


@pytest.mark.parametrize(
    "command",
    [
        "audit --format html -o {out}/audit.html",
        "report cpf --emitter-id AB123CDE --certifier-id E564ACB0 --contract-id 1 -o {out}/f.xml",
    ],
)
def test_a_full_disk_while_writing_leaves_no_partial_file(
    populated: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    import ledger.files

    folder = tmp_path / "out"
    folder.mkdir()
    populated.ok("jury convene J2 --on 2018-06-20 " + FIVE_MEMBERS + " --president 'Hugo Bleu'")
    populated.pass_everything("V1", "2018-06-01")
    populated.ok(f"jury decide J2 V1 --validate {EVERYTHING} --award-title")
    monkeypatch.setattr(ledger.files.os, "fdopen", full_disk_fdopen)

    error = populated.refused(command.format(out=folder))

    assert error.startswith("Error: cannot write ") and error.endswith("No space left on device")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_an_error_no_one_expected_is_one_line_that_says_what_to_do(
    bc01_holder: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An event edited into a shape no check foresaw: a decision's route made a list.
    bc01_holder.store.query(
        "UPDATE stored_events SET state = CAST(json_set(state, '$.route', json('[]')) AS BLOB) "
        "WHERE topic = 'DecisionRecorded'"
    )
    with pytest.raises(TypeError):  # what the tests (and CERTLEDGER_TRACEBACK=1) see
        bc01_holder.runner.invoke(
            cli, ["report", "stats"], obj=bc01_holder.clock, catch_exceptions=False
        )
    monkeypatch.delenv("CERTLEDGER_TRACEBACK")

    result = bc01_holder("report stats")

    assert result.exit_code == 1 and not crashed(result)
    assert result.stderr == (
        "Error: unexpected TypeError: unhashable type: 'list' (run `certledger verify`; if the "
        "ledger is intact, this is a bug of certledger: CERTLEDGER_TRACEBACK=1 shows where)\n"
    )
    verdict = json.loads(bc01_holder("verify --json").stdout)
    assert [p["problem"] for p in verdict["problems"]] == ["modified"]
