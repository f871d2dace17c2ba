"""A short command starts fast: it imports only what its own path uses (found with
`python -X importtime`; never timed here: bench/bench_status.py times it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from cli.main import COMMANDS, cli
from tests.cli.conftest import Certledger

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "xmlschema",
    "lxml",
    "xml.sax",
    "urllib.request",
    "cryptography",
    "regex",
    "fpdf",
    "segno",
    "ledger.cpf",
    "ledger.signing",
    "ledger.usecases.transmission",
    "ledger.usecases.credentials",
    "projections.audit_html",
    "cli.referential",
    "cli.credentials",
    "cli.reports",
    "cli.importer",
    "cli.demo",
    "pydantic",
    "ledger.identity",
    "ledger.candidate",
    "ledger.claims",
    "ledger.jury",
    "ledger.transmission",
    "ledger.usecases.enrolment",
    "ledger.usecases.jury",
)
"""What `status` never needs: the CPF flow's XML, the signing key's and the personal data's
cryptography, the parchment's PDF and QR code, the audit page, the other commands; pydantic
(a published referential is read strictly, the events lightly), the aggregates and the use
cases (a status folds the events as they are stored)."""

POSTGRES = ("psycopg", "eventsourcing.postgres")
"""The PostgreSQL driver: only for a PostgreSQL store."""


PROBE = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: sys.stderr.write('MODULES ' + json.dumps(sorted(sys.modules))))\n"
    "from cli.main import main\n"
    "main()\n"
)
"""`certledger`, writing on stderr as it exits every module it imported."""


def imported(store: object, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run `certledger --store STORE ARGS...` in a fresh interpreter: the modules it
    imported, and the run."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE, "--store", str(store), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages, _, listed = run.stderr.rpartition("MODULES ")
    assert run.returncode == 0, (run.stdout, messages)
    modules = set(json.loads(listed))
    assert "cli.views" in modules and "click" in modules
    return modules, run


def test_status_json_imports_none_of_the_heavy_modules(bc01_holder: Certledger) -> None:
    modules, run = imported(bc01_holder.store, "status", "V1", "--as-of", "2017-12-31", "--json")
    assert json.loads(run.stdout)["blocks"][0]["awarded_on"] == "2017-06-20"
    assert sorted(modules.intersection(HEAVY)) == []
    assert "rich" not in modules  # nothing printed as a table
    if bc01_holder.store.kind == "sqlite":
        assert sorted(modules.intersection(POSTGRES)) == []
    else:
        assert "psycopg" in modules


def test_status_as_a_table_that_folds_nothing_imports_none_of_the_heavy_modules(
    bc01_holder: Certledger,
) -> None:
    modules, run = imported(bc01_holder.store, "status", "V1", "--as-of", "2017-12-31")
    assert "RNCP13080BC01" in run.stdout
    assert "rich.console" not in modules  # the grid is printed without rich's console
    assert sorted(modules.intersection(HEAVY)) == []
    if bc01_holder.store.kind == "sqlite":
        assert sorted(modules.intersection(POSTGRES)) == []


def test_the_group_knows_every_command_the_modules_define() -> None:
    """The lazy group's table (`cli.main.COMMANDS`) names each top-level command of every
    command module, and only those: `--help` lists exactly them."""
    import importlib

    defined = {
        command.name
        for module in {m for modules in COMMANDS.values() for m in modules}
        for command in importlib.import_module(f"cli.{module}").COMMANDS
    }
    assert defined == set(COMMANDS)
    assert sorted(cli.commands) == sorted(COMMANDS)
    assert cli.list_commands(click.Context(cli)) == sorted(COMMANDS)


def test_help_lists_every_command(bare: Certledger) -> None:
    out = bare.ok("--help")
    listed = out.split("Commands:", 1)[1].split()
    assert [name for name in sorted(COMMANDS) if name not in listed] == []


def test_a_french_status_translates_only_what_it_loads(bc01_holder: Certledger) -> None:
    """In French the help texts are translated command by command as they load: the
    other commands' modules stay unloaded, as in English."""
    modules, run = imported(
        bc01_holder.store, "--lang", "fr", "status", "V1", "--as-of", "31/12/2017"
    )
    assert "Blocs" in run.stdout and "20/06/2017" in run.stdout
    assert sorted(modules.intersection(HEAVY)) == []


def test_the_ledger_names_the_same_use_cases_for_the_type_checker_and_at_run_time() -> None:
    """`Ledger` lists its commands twice: typed for mypy, loaded on first use at run time.
    Both lists bind the same names to the same functions, and each one is there."""
    import ast
    import importlib

    from ledger.application import Ledger

    tree = ast.parse((ROOT / "ledger" / "application.py").read_text(encoding="utf-8"))
    (ledger,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Ledger"]
    (branches,) = [
        n for n in ledger.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]

    def named(body: list[ast.stmt]) -> dict[str, tuple[str, str]]:
        found = {}
        for line in body:
            assert isinstance(line, ast.Assign)
            (target,) = line.targets
            value = line.value
            if isinstance(value, ast.Attribute):  # module.function
                assert isinstance(value.value, ast.Name)
                found[ast.unparse(target)] = (value.value.id, value.attr)
            else:  # _later("module", "function")
                assert isinstance(value, ast.Call)
                module, function = (ast.literal_eval(a) for a in value.args)
                found[ast.unparse(target)] = (module, function)
        return found

    typed, lazy = named(branches.body), named(branches.orelse)
    assert typed == lazy and len(typed) > 20
    for name, (module, function) in lazy.items():
        loaded = getattr(importlib.import_module(f"ledger.usecases.{module}"), function)
        assert getattr(Ledger, name) is loaded
