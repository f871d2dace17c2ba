"""The README's walkthrough runs as written, and shows what the README says it shows."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from ledger.clock import FixedClock

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


def renewal_block() -> list[list[str]]:
    """The `certledger` commands of the README's block on a renewed fiche and the CPF flow."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if "certledger referential succeed" in b)
    joined = block.replace("\\\n", " ")
    return [
        shlex.split(line.split("  #")[0])[1:]
        for line in joined.splitlines()
        if line.strip().startswith("certledger ")
    ]


def successor_export(path: Path) -> None:
    """The day's export, holding RNCP34567 as the renewal of RNCP13080 (with every trap of the
    format page that the suite's exports carry)."""
    from tests import rncp_exports as x

    blocks = [("RNCP34567", f"RNCP34567{b}", label) for b, label in x.BLOCK_LABELS.items()]
    path.write_bytes(
        x.export_bytes(
            {
                x.STANDARD: x.plus(
                    x.STANDARD,
                    x.standard_row("RNCP34567", x.NAME, "NIV6", effet="05/10/2019"),
                ),
                x.BLOCS: x.plus(x.BLOCS, *blocks),
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


def test_the_readme_renewal_and_cpf_round_trip_runs_as_written(
    runner: CliRunner, clock: FixedClock, tmp_path: Path
) -> None:
    """Import the successor from the export, renew, send, read the answer, correct, resend:
    each command of the README's block, on each store."""
    from tests.cli.test_renewal import renewed, table

    for args in walkthrough():
        assert runner.invoke(cli, args, obj=clock).exit_code == 0
    outputs: dict[str, list[str]] = {}
    for args in renewal_block():
        if args[:2] == ["referential", "import-rncp"]:
            successor_export(tmp_path / args[2])
        if args[:2] == ["referential", "validate"]:
            skeleton = (tmp_path / args[2]).read_text(encoding="utf-8")
            assert 'code = "RNCP34567"' in skeleton and "TO FILL" in skeleton
            assert re.search(r'predecessors = \[\s*"RNCP13080",?\s*\]', skeleton)
            # The registrar fills in what the export cannot know.
            (tmp_path / args[2]).write_text(
                renewed(tmp_path).read_text(encoding="utf-8"), encoding="utf-8"
            )
        if args[:2] == ["referential", "succeed"]:
            table(tmp_path, *(f"RNCP13080BC0{n};RNCP34567BC0{n}" for n in range(1, 5)))
        if args[:2] == ["report", "cpf-ack"]:
            (flow,) = (tmp_path / "flux").iterdir()
            processing_report(flow, tmp_path / args[2], REFUSED)
        result = runner.invoke(cli, args, obj=clock)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        outputs.setdefault(" ".join(args[:2]), []).append(result.stdout)

    status = runner.invoke(cli, ["status", "A17", "--as-of", "2020-01-01", "--json"], obj=clock)
    bc01 = json.loads(status.stdout)["blocks"][0]
    assert (bc01["code"], bc01["awarded_as"], bc01["counts"]) == (
        "RNCP34567BC01",
        "RNCP13080BC01",
        True,
    )
    (cpf,) = json.loads(outputs["status V22"][0])["cpf"]
    assert (cpf["state"], cpf["message"]) == ("rejected", REFUSED)
    first, second = sorted((tmp_path / "flux").iterdir())
    assert [first.name, second.name] == [
        "certledger-cpf-AB123CDE-20261126-0001.xml",
        "certledger-cpf-AB123CDE-20261126-0002.xml",
    ]
    assert "Durant" in second.read_text(encoding="utf-8")
    assert "RNCP34567" in second.read_text(encoding="utf-8")
    assert "0 accepted, 1 refused" in outputs["report cpf-ack"][0]
