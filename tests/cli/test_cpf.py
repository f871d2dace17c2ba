"""The CPF "accrochage" flow: valid against the official XSD, a delta each time, recorded."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ledger.application import Ledger
from ledger.cpf import check_flow, xsd_path
from ledger.exceptions import TransmissionRefused
from ledger.standing import id_technique
from tests.cli.conftest import ALL, FIVE_MEMBERS, Certledger, variant

XSD = xsd_path()
"""The XSD 1.1.2 shipped with certledger (tests/ledger/test_formats.py: the official file)."""
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "cdc-cpf-flux-example.xml"
"""The Caisse des Dépôts' own sample flow (a copy of ../shared/formats/)."""

IDS = "--emitter-id AB123CDE --certifier-id E564ACB0 --contract-id 2560080000127J"
NS = {"cpf": "urn:cdc:cpf:pc5:schema:1.0.0"}
EVERYTHING = ",".join(f"C{n:02d}" for n in range(1, 43))
SIX = FIVE_MEMBERS + " --member 'Tom Gris:technicien'"


def award(
    certledger: Certledger, candidate: str, route: str, session: str, extra: str = ""
) -> None:
    """Enrol, pass everything in June 2018, and award the title at `session` (2018-06-20)."""
    certledger.ok(
        f"candidate enroll {candidate} --route {route} --on 2017-09-11 --birth-name Durand "
        f"--first-name Alice --first-name Marie --birth-date 1990-01-02 --sex F {extra}"
    )
    if route == "vae":
        certledger.ok(f"vae admit {candidate} --on 2017-10-02")
        certledger.ok(f"vae interview {candidate} --on 2018-05-30 --livret2-received 2018-04-27")
    else:
        ledger = Ledger(str(certledger.store))
        try:
            ref = ledger.versions().at(ledger.clock.today()).referential
            epreuves = [(e.code, ",".join(e.competencies)) for b in ref.blocks for e in b.epreuves]
        finally:
            ledger.close()
        for code, competencies in epreuves:
            certledger.ok(
                f"assessment record {candidate} --epreuve {code} --on 2018-06-01 "
                f"--passed {competencies}"
            )
    certledger.ok(f"jury decide {session} {candidate} --validate {EVERYTHING} --award-title")


APPRENTISSAGE_CLOSED = (
    'cpf_modalite = "FORMATION_INITIALE_APPRENTISSAGE"\n'
    "# The fiche's OUI/NON column: \"En contrat d'apprentissage\" is ticked NON.\n"
    "open = []\n"
)


@pytest.fixture
def awarded(certledger: Certledger, tmp_path: Path) -> Certledger:
    """A1 (formation continue), B2 (VAE, congé VAE) and C3 (apprentissage, which a version of
    2017 opens) awarded the title by J1 on 2018-06-20."""
    opened = variant(
        tmp_path,
        "apprentissage.toml",
        ('version = "2006.1"', 'version = "2017.app"'),
        (APPRENTISSAGE_CLOSED, 'cpf_modalite = "FORMATION_INITIALE_APPRENTISSAGE"\n'),
    )
    certledger.ok(f"referential publish {opened} --effective-from 2017-01-01")
    certledger.ok(f"jury convene J1 --on 2018-06-20 {SIX} --president 'Hugo Bleu'")
    award(certledger, "A1", "formation_continue", "J1", "--birth-insee 75112")
    award(
        certledger,
        "B2",
        "vae",
        "J1",
        "--birth-postcode 69001 --usage-name Martin --birth-country 100 --vae-path CONGES_VAE",
    )
    award(certledger, "C3", "apprentissage", "J1", "--birth-insee 2A004")
    return certledger


def passages(path: Path) -> list[etree._Element]:
    return etree.parse(str(path)).getroot().findall(".//cpf:passageCertification", NS)


def text(passage: etree._Element, path: str) -> str | None:
    found = passage.find(path, NS)
    return None if found is None else found.text


OFFICIAL_XSD_SHA256 = "3c44635ca5238deb6a555752ed81fe0a42a78cc2665c4707a1758778fc30b502"
"""SHA-256 of the Caisse des Dépôts' cdc-cpf-flux-1.1.2.xsd (../shared/formats/)."""
OFFICIAL_SAMPLE_SHA256 = "c59681b34b567f8aa7d044fde14897704c261698f5f42080656f9f5abbc31b53"
"""SHA-256 of its sample flow, cdc-cpf-flux-example.xml."""


def test_the_shipped_xsd_and_the_sample_are_the_official_files() -> None:
    assert hashlib.sha256(XSD.read_bytes()).hexdigest() == OFFICIAL_XSD_SHA256
    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() == OFFICIAL_SAMPLE_SHA256


def test_the_real_sample_passes_check_cpf(certledger: Certledger) -> None:
    out = certledger.ok(f"report check-cpf {SAMPLE} --xsd {XSD}")
    assert out == f"{SAMPLE}: valid; 3 passage(s) in 1 certification(s)\n"
    assert certledger.json(f"report check-cpf {SAMPLE}") == {
        "valid": True,
        "passages": 3,
        "certifications": 1,
        "errors": [],
    }


def test_the_flow_holds_exactly_the_awards_and_the_xsd_accepts_it(
    awarded: Certledger, tmp_path: Path
) -> None:
    flow = tmp_path / "flux.xml"
    result = awarded.json(f"report cpf {IDS} -o {flow}")

    assert result["passages"] == 3 and result["files"][0]["file"] == str(flow)
    check = check_flow(flow, XSD)
    assert check.valid, check.errors
    found = {text(p, "cpf:idTechnique"): p for p in passages(flow)}
    assert set(found) == {id_technique(d) for d in ("A1/J1", "B2/J1", "C3/J1")}
    a1, b2, c3 = (found[id_technique(d)] for d in ("A1/J1", "B2/J1", "C3/J1"))
    modalite = "cpf:modalitesInscription/cpf:modaliteAcces"
    assert text(a1, modalite) == "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION"
    assert text(c3, modalite) == "FORMATION_INITIALE_APPRENTISSAGE"
    assert text(b2, modalite) == "VAE"
    assert text(b2, "cpf:modalitesInscription/cpf:voieAccessVAE") == "CONGES_VAE"
    assert a1.find("cpf:modalitesInscription/cpf:voieAccessVAE", NS) is None
    assert text(a1, "cpf:dateDebutValidite") == "2018-06-20"
    inscription = "cpf:modalitesInscription/cpf:dateInscription"
    assert [text(p, inscription) for p in (a1, b2, c3)] == ["2017-09-11"] * 3
    assert text(a1, "cpf:obtentionCertification") == "PAR_ADMISSION"
    assert text(a1, "cpf:donneeCertifiee") == "true"
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    for name in ("cpf:dateFinValidite", "cpf:scoring", "cpf:mentionValidee"):
        assert a1.find(name, NS).get(nil) == "true"
    holder = "cpf:identificationTitulaire/cpf:titulaire/"
    assert a1.find(holder + "cpf:nomUsage", NS).get(nil) == "true"
    assert text(b2, holder + "cpf:nomUsage") == "Martin"
    assert (text(a1, holder + "cpf:prenom1"), text(a1, holder + "cpf:prenom2")) == (
        "Alice",
        "Marie",
    )
    assert text(a1, holder + "cpf:codeCommuneNaissance/cpf:codeInseeNaissance/cpf:codeInsee") == (
        "75112"
    )
    assert (
        text(b2, holder + "cpf:codeCommuneNaissance/cpf:codePostalNaissance/cpf:codePostal")
        == "69001"
    )
    assert text(b2, holder + "cpf:codePaysNaissance") == "100"
    stamp = etree.parse(str(flow)).getroot().find("cpf:horodatage", NS).text
    assert stamp is not None and "." not in stamp


def test_a_second_run_holds_nothing_new_and_says_so(awarded: Certledger, tmp_path: Path) -> None:
    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'first.xml'}")
    rows = awarded.rows()

    out = awarded.ok(f"report cpf {IDS} -o {tmp_path / 'second.xml'}")

    assert out.startswith("Nothing to send: every award known at log position ")
    assert not (tmp_path / "second.xml").exists()
    assert awarded.rows() == rows


def test_after_an_identity_rectification_the_next_flow_holds_that_passage_again(
    awarded: Certledger, tmp_path: Path
) -> None:
    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'first.xml'}")
    awarded.ok("candidate rectify-identity A1 --birth-name Durant --reason 'typo at enrolment'")

    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'second.xml'}")

    again = passages(tmp_path / "second.xml")
    assert [text(p, "cpf:idTechnique") for p in again] == [id_technique("A1/J1")]
    assert text(again[0], "cpf:identificationTitulaire/cpf:titulaire/cpf:nomNaissance") == (
        "Durant"
    )
    assert check_flow(tmp_path / "second.xml", XSD).valid


def test_all_sends_every_award_again_and_a_new_award_goes_alone(
    awarded: Certledger, tmp_path: Path
) -> None:
    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'first.xml'}")
    awarded.ok(f"jury convene J2 --on 2018-07-20 {SIX} --president 'Hugo Bleu'")
    award(awarded, "D4", "candidature_individuelle", "J2", "--birth-insee 31555")

    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'delta.xml'}")
    awarded.ok(f"report cpf {IDS} --all -o {tmp_path / 'full.xml'}")

    assert [text(p, "cpf:idTechnique") for p in passages(tmp_path / "delta.xml")] == [
        id_technique("D4/J2")
    ]
    assert len(passages(tmp_path / "full.xml")) == 4


def test_more_passages_than_the_limit_go_in_several_valid_files(
    awarded: Certledger, tmp_path: Path
) -> None:
    result = awarded.json(f"report cpf {IDS} --max-passages 2 -o {tmp_path / 'flux.xml'}")

    names = [Path(f["file"]).name for f in result["files"]]
    assert names == ["flux-001.xml", "flux-002.xml"]
    assert [f["passages"] for f in result["files"]] == [2, 1]
    for f in result["files"]:
        assert check_flow(Path(f["file"]), XSD).valid


def test_each_flow_is_recorded_with_its_sha256_and_the_log_position(
    awarded: Certledger, tmp_path: Path
) -> None:
    import hashlib

    result = awarded.json(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")

    ledger = Ledger(str(awarded.store))
    try:
        recorded = [f for f in ledger.transmission_facts() if f.type == "TransmissionRecorded"]
    finally:
        ledger.close()
    assert len(recorded) == 1
    data = recorded[0].data
    assert data["sha256"] == hashlib.sha256((tmp_path / "flux.xml").read_bytes()).hexdigest()
    assert data["flux_id"] == result["files"][0]["flux_id"]
    assert data["position"] == result["position"]
    assert sorted(p["decision"] for p in data["passages"]) == ["A1/J1", "B2/J1", "C3/J1"]


def test_a_dry_run_says_what_it_would_write_and_writes_nothing(
    awarded: Certledger, tmp_path: Path
) -> None:
    rows = awarded.rows()
    result = awarded.json(f"report cpf {IDS} --dry-run -o {tmp_path / 'flux.xml'}")
    assert result["passages"] == 3 and result["dry_run"] is True
    assert sorted(result["decisions"]) == ["A1/J1", "B2/J1", "C3/J1"]
    assert not (tmp_path / "flux.xml").exists() and awarded.rows() == rows


def test_a_flow_file_that_exists_is_never_overwritten_without_force(
    awarded: Certledger, tmp_path: Path
) -> None:
    """A flow written earlier is the record of what was sent: `report cpf -o` onto it (or a
    dry run) is refused, nothing written or recorded; --force overwrites it."""
    earlier = tmp_path / "flux.xml"
    earlier.write_bytes(b"<flux sent in May/>")
    for dry_run in ("--dry-run ", ""):
        line = awarded.refused(f"report cpf {IDS} {dry_run}-o {earlier}")
        assert line == (
            f"Error: {earlier} exists already (a flow written earlier?): nothing written or "
            "recorded; give another file, or add --force to overwrite it"
        )
        assert earlier.read_bytes() == b"<flux sent in May/>"
    assert not [p for p in tmp_path.iterdir() if "flux" in p.name and p != earlier]  # no draft
    result = awarded.json(f"report cpf {IDS} --force -o {earlier}")
    assert result["passages"] == 3 and earlier.read_bytes().startswith(b"<?xml")
    assert awarded.json(f"report check-cpf {earlier}")["valid"] is True


def test_an_annulled_award_is_not_sent(awarded: Certledger, tmp_path: Path) -> None:
    awarded.ok("decision annul C3/J1 --on 2018-09-01 --reason 'appeal upheld'")
    result = awarded.json(f"report cpf {IDS} --dry-run -o {tmp_path / 'flux.xml'}")
    assert sorted(result["decisions"]) == ["A1/J1", "B2/J1"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--emitter-id AB12", "Invalid value for '--emitter-id': 'AB12' is not an 8-character"),
        ("--certifier-id E564ACB0X", "Invalid value for '--certifier-id': 'E564ACB0X' is not"),
        ("--contract-id 123456789012345678901", "Invalid value for '--contract-id'"),
    ],
)
def test_ids_of_the_wrong_shape_are_usage_errors(
    awarded: Certledger, tmp_path: Path, option: str, message: str
) -> None:
    line = f"report cpf {IDS} {option} -o {tmp_path / 'flux.xml'}"
    assert message in awarded.misused(line)
    assert not (tmp_path / "flux.xml").exists()


def test_an_invalid_file_is_reported_with_line_numbers(
    certledger: Certledger, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        SAMPLE.read_text(encoding="utf-8").replace(
            "<cpf:sexe>M</cpf:sexe>", "<cpf:sexe>X</cpf:sexe>", 1
        ),
        encoding="utf-8",
    )
    result = certledger(f"report check-cpf {bad} --json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False and document["errors"]
    assert all(isinstance(e["line"], int) for e in document["errors"])


def test_a_file_that_is_not_xml_is_reported(certledger: Certledger, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<flux>\n<unclosed>\n", encoding="utf-8")
    result = certledger(f"report check-cpf {bad}")
    assert result.exit_code == 1
    assert "INVALID (1 error(s))" in result.stdout
    assert "line 3: not well-formed XML" in result.stdout


def test_bytes_the_declared_encoding_does_not_allow_are_malformed_xml_with_their_line(
    certledger: Certledger, tmp_path: Path
) -> None:
    bad = tmp_path / "latin-1.xml"
    bad.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("latin-1"))
    line = next(n for n, text in enumerate(bad.read_bytes().splitlines(), 1) if not text.isascii())

    result = certledger(f"report check-cpf {bad} --json")

    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert json.loads(result.stdout)["valid"] is False
    assert error["line"] == line
    assert error["message"].startswith("not well-formed XML: Invalid bytes in character encoding")
    said = certledger(f"report check-cpf {bad}").stdout.splitlines()
    assert said[0] == f"{bad}: INVALID (1 error(s)); 0 passage(s) in 0 certification(s)"
    assert said[1].startswith(f"  line {line}: not well-formed XML: Invalid bytes in character")


def recorded_flows(certledger: Certledger) -> list[dict[str, object]]:
    ledger = Ledger(str(certledger.store))
    try:
        return [
            dict(f.data) for f in ledger.transmission_facts() if f.type == "TransmissionRecorded"
        ]
    finally:
        ledger.close()


def run_together(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run `certledger` command lines as separate processes, all started at once."""
    root = Path(__file__).resolve().parents[2]
    started = [
        subprocess.Popen(
            [sys.executable, "-c", "from cli.main import main; main()", *command],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    done = []
    for process in started:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


@pytest.mark.parametrize("shared", [True, False], ids=["one -o", "own -o"])
def test_concurrent_flows_record_each_passage_once_and_each_file_is_what_was_recorded(
    awarded: Certledger, tmp_path: Path, shared: bool
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    outputs = [folder / ("flux.xml" if shared else f"flux-{n}.xml") for n in range(4)]
    runs = run_together([["report", "cpf", *IDS.split(), "-o", str(o)] for o in outputs])

    assert all(r.returncode in (0, 1) for r in runs), [r.stderr for r in runs]
    assert not any("Traceback" in r.stderr for r in runs)
    refused = [r for r in runs if r.returncode == 1]
    overtaken = ("Error: another `report cpf` recorded", f"Error: {outputs[0]} exists already")
    assert all(r.stderr.startswith(overtaken if shared else overtaken[0]) for r in refused), [
        r.stderr for r in refused
    ]
    flows = recorded_flows(awarded)
    sent = [p["id_technique"] for f in flows for p in f["passages"]]  # type: ignore[attr-defined]
    assert len(sent) == len(set(sent)) == 3
    for flow in flows:
        path = folder / str(flow["file"])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == flow["sha256"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(str(f["file"]) for f in flows)


def test_a_flow_overtaken_between_its_two_passes_is_refused_as_overtaken(
    awarded: Certledger, tmp_path: Path
) -> None:
    """Another `report cpf` records its flow after this one chose its passages and before it
    writes them: the writing pass still writes what the choosing pass chose (the standing
    read once), so the flow is refused as overtaken, not as an empty file breaking the XSD."""
    from ledger.usecases.transmission import FlowRequest

    emitter, certifier, contract = IDS.split()[1::2]
    ledger = Ledger(str(awarded.store), clock=awarded.clock)
    total = ledger.queries.candidate_count()
    read = 0

    def progress(streams: int) -> None:
        nonlocal read
        read += streams
        if read == total:  # the choosing pass is over: another flow is recorded now
            awarded.ok(f"report cpf {IDS} -o {tmp_path / 'other.xml'}")

    request = FlowRequest(emitter, certifier, contract, tmp_path / "mine.xml")
    try:
        with pytest.raises(TransmissionRefused, match="another `report cpf` recorded a flow"):
            ledger.transmit_cpf(request, by="tester", progress=progress)
    finally:
        ledger.close()
    assert read == 2 * total
    assert [f["file"] for f in recorded_flows(awarded)] == ["other.xml"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xml") == ["other.xml"]


def test_an_erased_holder_is_left_out_and_listed_while_the_others_are_sent(
    awarded: Certledger, tmp_path: Path
) -> None:
    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'first.xml'}")
    awarded.ok("candidate erase A1 --reason 'request of the person'")

    document = awarded.json(f"report cpf {IDS} --all -o {tmp_path / 'all.xml'}")

    assert document["passages"] == 2
    assert document["left_out"] == [
        {"candidate": "A1", "decision": "A1/J1", "why": "personal data erased"}
    ]
    assert [
        text(p, "cpf:identificationTitulaire/cpf:titulaire/cpf:nomNaissance")
        for p in passages(tmp_path / "all.xml")
    ] == ["Durand", "Durand"]


def test_a_read_only_session_refuses_the_flow_before_writing_its_file(
    awarded: Certledger, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    error = awarded.refused(f"--read-only report cpf {IDS} -o {folder / 'flux.xml'}")

    assert error == "Error: the ledger is open read-only: `report cpf` records nothing"
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("where", ["missing/flux.xml", "locked/flux.xml"])
def test_a_flow_that_cannot_be_written_is_one_error_and_records_nothing(
    awarded: Certledger, tmp_path: Path, where: str
) -> None:
    (tmp_path / "locked").mkdir(mode=0o500)
    if os.geteuid() == 0 and where.startswith("locked"):
        # root writes anywhere: a file in the way of the folder does the same harm
        (tmp_path / "locked").rmdir()
        (tmp_path / "locked").write_text("a file, not a folder")
    error = awarded.refused(f"report cpf {IDS} -o {tmp_path / where}")

    assert error.startswith(f"Error: cannot write {tmp_path / where}: ")
    assert not list(tmp_path.glob("**/*.part")) and not list(tmp_path.glob("**/.*xml*"))


def test_date_inscription_is_the_start_of_the_enrolment_in_force_at_the_deliberation(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.ok(f"jury convene J1 --on 2018-06-20 {SIX} --president 'Hugo Bleu'")
    certledger.enroll("D4", "formation_continue", "2016-09-12")
    certledger.ok("candidate change-route D4 --route candidature_individuelle --on 2017-09-04")
    certledger.pass_everything("D4", on="2018-06-01")
    certledger.ok(f"jury decide J1 D4 --validate {EVERYTHING} --award-title")
    flow = tmp_path / "flux.xml"

    awarded_json = certledger.json(f"report cpf {IDS} -o {flow}")

    assert awarded_json["passages"] == 1
    (d4,) = passages(flow)
    assert text(d4, "cpf:modalitesInscription/cpf:dateInscription") == "2017-09-04"
    assert text(d4, "cpf:modalitesInscription/cpf:modaliteAcces") == "CANDIDAT_LIBRE"


def test_a_revoked_title_is_no_longer_sent(certledger: Certledger, tmp_path: Path) -> None:
    certledger.ok(f"jury convene J1 --on 2018-06-20 {SIX} --president 'Hugo Bleu'")
    award(certledger, "A1", "formation_continue", "J1", "--birth-insee 75112")
    number = certledger.json("certificate issue A1/J1 --kind title --on 2018-06-27")["number"]
    certledger.ok(f"certificate revoke {number} --on 2018-07-02 --reason 'forged'")

    out = certledger.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")

    assert out.startswith("Nothing to send: every award known at log position ")
    assert not (tmp_path / "flux.xml").exists()
    certledger.ok(f"certificate reinstate {number} --on 2018-07-05 --reason 'wrong holder'")
    assert certledger.json(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")["passages"] == 1


def test_a_reversed_period_is_refused_as_the_audit_refuses_it(
    awarded: Certledger, tmp_path: Path
) -> None:
    out = tmp_path / "flux"
    error = awarded.misused(f"report cpf {IDS} --from 2019-01-01 --to 2018-01-01 -o {out}/")

    assert error == "Error: Invalid value for --to: --to 2018-01-01 is before --from 2019-01-01"
    assert not out.exists()


def test_a_window_with_nothing_to_send_says_so_and_not_that_everything_was_sent(
    awarded: Certledger, tmp_path: Path
) -> None:
    out = awarded.ok(f"report cpf {IDS} --from 2019-01-01 -o {tmp_path / 'flux.xml'}")

    assert out.startswith(
        "Nothing to send: no award deliberated in the window asked (--from 2019-01-01) is to "
        "send (log position "
    )
    assert not (tmp_path / "flux.xml").exists()


def test_an_erased_holder_already_sent_is_not_listed_as_left_out_again(
    awarded: Certledger, tmp_path: Path
) -> None:
    awarded.ok(f"report cpf {IDS} -o {tmp_path / 'first.xml'}")
    awarded.ok("candidate erase A1 --reason 'request of the person'")

    document = awarded.json(f"report cpf {IDS} -o {tmp_path / 'second.xml'}")

    assert document["passages"] == 0 and document["left_out"] == []


def test_the_flow_written_and_its_check_speak_french(awarded: Certledger, tmp_path: Path) -> None:
    flow = tmp_path / "flux.xml"
    bad = tmp_path / "bad.xml"
    bad.write_text(
        SAMPLE.read_text(encoding="utf-8").replace(
            "<cpf:sexe>M</cpf:sexe>", "<cpf:sexe>X</cpf:sexe>", 1
        ),
        encoding="utf-8",
    )

    written = awarded.ok(f"--lang fr report cpf {IDS} -o {flow}")
    checked = awarded(f"--lang fr report check-cpf {bad}")

    sha256 = hashlib.sha256(flow.read_bytes()).hexdigest()
    assert written.startswith(f"Écrit {flow} : 3 passage(s), flux ")
    assert f", sha256 {sha256}.\n" in written
    assert checked.exit_code == 1
    assert checked.stdout.splitlines()[1] == (
        "  ligne 65 : value must be one of ['M', 'F'] (à /cpf:flux/cpf:emetteur/"
        "cpf:certificateurs/cpf:certificateur/cpf:certifications/cpf:certification/"
        "cpf:passageCertifications/cpf:passageCertification[1]/cpf:identificationTitulaire/"
        "cpf:titulaire/cpf:sexe)"
    )


def test_a_title_rectified_away_after_it_was_sent_is_to_withdraw_in_the_status(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.before_the_jury()
    certledger.ok(f"jury decide J1 V1 --validate {ALL} --award-title")
    certledger.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")

    certledger.ok("decision rectify V1/J1 --no-award-title --reason 'the minutes say otherwise'")

    (entry,) = certledger.json("status V1 --as-of 2019-01-01")["cpf"]
    assert (entry["decision"], entry["state"]) == ("V1/J1", "to_withdraw")
    assert "to_withdraw" in certledger.ok("status V1 --as-of 2019-01-01")


def test_a_title_rectified_away_before_it_was_sent_has_nothing_to_withdraw(
    certledger: Certledger,
) -> None:
    certledger.before_the_jury()
    certledger.ok(f"jury decide J1 V1 --validate {ALL} --award-title")

    certledger.ok("decision rectify V1/J1 --no-award-title --reason 'the minutes say otherwise'")

    assert certledger.json("status V1 --as-of 2019-01-01")["cpf"] == []


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_file_that_appears_while_the_flow_is_written_is_not_overwritten(
    awarded: Certledger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`report cpf -o FILE` checks FILE before writing the flow, then puts the flow in place
    with os.replace (Draft.keep's default): a file written there meanwhile (another ledger's
    flow sent to the same name, minutes into a large flow's second pass) is replaced
    without a word, though --force was not given."""
    import ledger.usecases.transmission as transmission

    target = tmp_path / "flux.xml"
    recording = transmission.record_transmissions

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        target.write_bytes(b"<another flow, sent/>")
        return recording(*args, **kwargs)

    monkeypatch.setattr(transmission, "record_transmissions", meanwhile)

    awarded(f"report cpf {IDS} -o {target}")

    assert target.read_bytes() == b"<another flow, sent/>"
