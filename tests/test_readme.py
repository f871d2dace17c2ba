"""The README runs as written: every ```sh block of README.md, in order, in one fresh folder
and on one fresh store (each store the suite runs on), in-process with the tests' fixed clock;
each command exits 0 and the lines the README promises are what it prints.

A block that is not meant to be run is marked just before it with
`<!-- readme-test: skip: WHY -->`; the test names the ones it skips. What a reader brings
that a fresh folder cannot hold (the day's open-data export, the successor's rules filled in
by hand, the renewal's correspondence table, the Caisse des Dépôts' processing report, the
code read off a parchment) is made here, just before the command that needs it."""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.clock import FixedClock

README = Path(__file__).resolve().parents[1] / "README.md"

BLOCK = re.compile(r"(?:<!-- readme-test: (?P<note>[^\n]*?) -->\n)?```sh\n(?P<body>.*?)```", re.S)

SKIPPED = {
    "pip install -e '.[dev]'": "installs the package and runs the whole suite, the test among it",
    "certledger --read-only --store": "needs a PostgreSQL server with the auditor role above",
    "ruff check .": "the checks CI runs, the test among them",
}
"""The blocks the README marks as not to be run (by their first words), and why."""

DEMO_SIZE = "20"
"""`demo --candidates 1000` is run with 20 here: the README's size is a minute of work that
the demo's own tests and bench/ measure; what this test checks is that the line runs."""


@dataclass
class Block:
    body: str
    skip: str | None


@dataclass
class Step:
    """One line of a block: a `certledger` command (its arguments, the file its output is
    redirected to) or a file written with `cat > FILE <<'EOF'`."""

    args: list[str]
    line: str
    output: str | None = None
    content: str | None = None


def blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        note = match.group("note")
        skip = note.removeprefix("skip:").strip() if note and note.startswith("skip:") else None
        found.append(Block(match.group("body"), skip))
    return found


def steps(body: str) -> list[Step]:
    """The steps of a block as a shell reads them: `\\` continues a line, `#` starts a
    comment, `> FILE` redirects the output, `cat > FILE <<'EOF'` writes the lines up to EOF."""
    lines = body.replace("\\\n", " ").splitlines()
    found: list[Step] = []
    while lines:
        line = lines.pop(0)
        words = shlex.split(line, comments=True)
        if not words:
            continue
        heredoc = re.fullmatch(r"cat > (\S+) <<'(\w+)'", line.strip())
        if heredoc:
            end = lines.index(heredoc.group(2))
            content = "".join(f"{text}\n" for text in lines[:end])
            del lines[: end + 1]
            found.append(Step([], line, heredoc.group(1), content))
            continue
        assert words[0] == "certledger", f"a README line that is not certledger's: {line}"
        output = None
        if ">" in words:
            output = words[words.index(">") + 1]
            words = words[: words.index(">")]
        found.append(Step(words[1:], line, output))
    return found


def walkthrough() -> list[list[str]]:
    """The `certledger` commands of the README's main job (the block that runs `init`)."""
    main_job = next(b for b in blocks() if "certledger init" in b.body)
    return [step.args for step in steps(main_job.body)]


def test_the_readme_marks_what_it_does_not_run_and_runs_the_rest() -> None:
    skipped = {b.body.split("\n")[0]: b.skip for b in blocks() if b.skip}
    assert {
        next(key for key in SKIPPED if first.startswith(key)): why for first, why in skipped.items()
    } == SKIPPED
    run = [b for b in blocks() if not b.skip]
    assert len(run) == 5
    assert all(step.args or step.content for b in run for step in steps(b.body))


def successor_export(path: Path) -> None:
    """The day's export, holding RNCP34567 as the renewal of RNCP13080 (with every trap of the
    format page that the suite's exports carry)."""
    from tests import rncp_exports as x

    codes = [("RNCP34567", f"RNCP34567{b}", label) for b, label in x.BLOCK_LABELS.items()]
    path.write_bytes(
        x.export_bytes(
            {
                x.STANDARD: x.plus(
                    x.STANDARD,
                    x.standard_row("RNCP34567", x.NAME, "NIV6", effet="05/10/2019"),
                ),
                x.BLOCS: x.plus(x.BLOCS, *codes),
                x.RENEWALS: x.plus(x.RENEWALS, ("RNCP34567", "RNCP13080", "")),
                x.CERTIFIERS: x.plus(
                    x.CERTIFIERS, ("RNCP34567", "\t12345678900017", x.doubled(x.ESEC))
                ),
            }
        )
    )


def processing_report(flow: Path, path: Path, message: str) -> None:
    """The Caisse des Dépôts' answer to `flow`, refusing its one passage with `message`."""
    from lxml import etree

    ns = {"cpf": "urn:cdc:cpf:pc5:schema:1.0.0"}
    root = etree.parse(str(flow)).getroot()
    flux = root.findtext(".//cpf:idFlux", namespaces=ns)
    (passage,) = root.findall(".//cpf:passageCertification/cpf:idTechnique", namespaces=ns)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">\n'
        f"    <nomFichier>{flow.name}</nomFichier>\n"
        f"    <idFlux>{flux}</idFlux>\n"
        "    <idTraitement>41873</idTraitement>\n"
        "    <PassagesKO>\n        <passage>\n"
        f"            <idTechnique>{passage.text}</idTechnique>\n"
        f"            <messageErreur>{message}</messageErreur>\n"
        "        </passage>\n    </PassagesKO>\n</rapport>\n",
        encoding="utf-8",
    )


REFUSED = "Aucun titulaire ne correspond aux critères obligatoires"


def bring(args: list[str], folder: Path) -> list[str]:
    """What a reader brings before running `args`; the arguments as they run."""
    from tests.cli.test_renewal import renewed, table

    if args[:2] == ["referential", "import-rncp"]:
        successor_export(folder / args[2])
    if args[:2] == ["referential", "validate"]:
        skeleton = (folder / args[2]).read_text(encoding="utf-8")
        assert 'code = "RNCP34567"' in skeleton and "TO FILL" in skeleton
        assert re.search(r'predecessors = \[\s*"RNCP13080",?\s*\]', skeleton)
        # The registrar fills in what the export cannot know.
        (folder / args[2]).write_text(renewed(folder).read_text(encoding="utf-8"), "utf-8")
    if args[:2] == ["referential", "succeed"]:
        table(folder, *(f"RNCP13080BC0{n};RNCP34567BC0{n}" for n in range(1, 5)))
    if args[:2] == ["report", "cpf-ack"]:
        (flow,) = (folder / "flux").iterdir()
        processing_report(flow, folder / args[2], REFUSED)
    if args[:2] == ["certificate", "verify"] and "…" in args[2]:
        # The code as the employer reads it off the parchment printed above.
        from tests.cli.test_credentials import code_of, pdf_text

        code = code_of(pdf_text(folder / "parchemin.pdf"))
        assert code.startswith(args[2].removesuffix("…").rsplit(":", 2)[0]), code
        return [*args[:2], code, *args[3:]]
    if "demo" in args:
        return [DEMO_SIZE if a == "1000" else a for a in args]
    return args


def run_readme(runner: CliRunner, clock: FixedClock, folder: Path) -> dict[str, list[Result]]:
    """Every block not marked skip, in order; each command's results by its line as written
    (without its comment)."""
    results: dict[str, list[Result]] = {}
    for block in blocks():
        if block.skip:
            continue
        for step in steps(block.body):
            if step.content is not None:
                assert step.output is not None
                (folder / step.output).write_text(step.content, encoding="utf-8")
                continue
            args = bring(step.args, folder)
            result = runner.invoke(cli, args, obj=clock)
            assert result.exit_code == 0 and result.exception is None, (
                step.line,
                result.stdout,
                result.stderr,
                result.exception,
            )
            if step.output:
                (folder / step.output).write_text(result.stdout, encoding="utf-8")
            results.setdefault(shlex.join(step.args), []).append(result)
    return results


def one(results: dict[str, list[Result]], line: str, index: int = 0) -> str:
    return results[line][index].stdout


def test_the_readme_runs_top_to_bottom_and_shows_what_it_says(
    runner: CliRunner, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.environ["CERTLEDGER_STORE"].startswith("postgresql:"):
        # As the README says: a PostgreSQL store keeps no file, the signing key is named.
        monkeypatch.setenv("CERTLEDGER_SIGNING_KEY", str(tmp_path / "signing.key"))
    results = run_readme(runner, clock, tmp_path)

    # The main job: BC01 counts through 2022-06-19, not on 2022-06-20; its certificate stays.
    status = json.loads(one(results, "status A17 --as-of 2022-06-20 --json"))
    bc01 = status["blocks"][0]
    assert (bc01["code"], bc01["awarded_on"], bc01["counts"], bc01["valid_until"]) == (
        "RNCP13080BC01",
        "2017-06-20",
        False,
        "2022-06-20",
    )
    assert status["certificates"][0]["state"] == "held"
    assert "RNCP13080BC01  2017-06-20  yes" in one(results, "status A17 --as-of 2022-06-19")

    # In French: the same status, dates and words of a French registrar.
    french = one(results, "--lang fr status A17 --as-of 20/06/2022")
    assert "en cours" in french
    assert "valable jusqu'au 19/06/2022 inclus (jusqu'au 20/06/2022 exclu)" in french

    # The renewal: the old block counts as the new one; the flow, its answer, the resend.
    assert "RNCP34567BC01" in one(results, "status A17 --as-of 2020-01-01")
    (cpf,) = json.loads(one(results, "status V22 --json"))["cpf"]
    assert (cpf["state"], cpf["message"]) == ("rejected", REFUSED)
    first, second = sorted((tmp_path / "flux").iterdir())
    assert [first.name, second.name] == [
        "certledger-cpf-AB123CDE-20261126-0001.xml",
        "certledger-cpf-AB123CDE-20261126-0002.xml",
    ]
    assert "Durant" in second.read_text(encoding="utf-8")
    assert "RNCP34567" in second.read_text(encoding="utf-8")
    assert "0 accepted, 1 refused" in one(results, "report cpf-ack accuse-traitement-41873.xml")

    # Parchments: printed, and the code read off one is genuine.
    assert (tmp_path / "parchemin.pdf").read_bytes().startswith(b"%PDF")
    verified = [line for line in results if line.startswith("certificate verify")]
    assert "genuine" in results[verified[0]][0].stdout.lower()

    # Auditing: as the ledger stood before the rectification (the position the digest
    # printed), and as it stands; the revoked title listed; the annulment.
    (digest, position) = re.fullmatch(
        r"(@(\d+):[0-9a-f]{64})\n", one(results, "verify --digest")
    ).groups()  # type: ignore[union-attr]
    assert f"--known-at @{position} " in README.read_text(encoding="utf-8"), digest
    before = one(results, f"status A17 --as-of 2018-12-31 --known-at @{position}")
    after = one(results, "status A17 --as-of 2018-12-31")
    assert "C08" in before and "C08" not in after
    assert "V22" in one(results, "candidate list --state revoked")
    assert "V22" in one(results, "candidate list --state certified --route vae")
    assert (tmp_path / "statuses.csv").read_text(encoding="utf-8").count("V22") == 1
    assert (tmp_path / "stats.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "audit.html").read_text(encoding="utf-8").startswith("<!")
    annulled = one(results, "status A17 --as-of 2018-12-31", 1)
    assert re.search(r"RNCP13080-2017-00001 +block +RNCP13080BC01 +2017-06-27 +void", annulled)
    assert (tmp_path / "demo.db").exists()
    listed = runner.invoke(cli, ["candidate", "list", "--json"], obj=clock).stdout
    assert "A17" in listed and "B18" not in listed  # the import was checked, not written


def test_the_readme_refusal_example_is_what_the_cli_prints(
    runner: CliRunner, clock: FixedClock
) -> None:
    for args in walkthrough():
        assert runner.invoke(cli, args, obj=clock).exit_code == 0
    text = README.read_text(encoding="utf-8")
    example = re.search(r"\$ certledger (jury decide .*)\n(Error: .*)\n", text)
    assert example is not None
    result = runner.invoke(cli, shlex.split(example.group(1)), obj=clock)
    assert result.exit_code == 1
    assert result.stderr == example.group(2) + "\n"
    # With --json, as the README says: one JSON object on stdout besides the same line.
    result = runner.invoke(cli, [*shlex.split(example.group(1)), "--json"], obj=clock)
    assert (result.exit_code, result.stderr) == (1, example.group(2) + "\n")
    assert json.loads(result.stdout) == {
        "error": example.group(2).removeprefix("Error: "),
        "rule": 1,
        "values": {"session_id": "J2017-06", "candidate_id": "A17", "validated": ["C99"]},
        "exit": 1,
    }
    assert '`{"error": …, "rule": 1, "values": {…}, "exit": 1}`' in text
