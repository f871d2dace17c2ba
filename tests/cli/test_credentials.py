"""Credentials holders keep and anyone can verify, through the CLI: the parchment (PDF read
back with pypdf), its code checked offline, the Open Badges 3.0 export (JSON Schema written
from the 1EdTech specification, signature checked with the recorded key), the status list
as of several dates, and erasure."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import stat
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from cli.main import cli
from ledger.signing import public_key, verify_proof
from projections.badges import decode_list, identity_hash, set_indexes
from tests.cli.conftest import ALL, BUNDLED, NINE, Certledger
from tests.stores import StoreRef, sqlite_store

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "ob3-achievementcredential.schema.json").read_text(
        encoding="utf-8"
    )
)
URL = "https://certif.example.fr/status/rncp13080.json"
TITLE = "Adjoint(e) à la production d'oeuvres cinématographiques et audiovisuelles"
CERTIFIER = (
    "Académie internationale des arts - Ecole supérieure d'études cinématographiques (ESEC), Paris"
)
BLOCK = "RNCP13080-2017-00001"


@pytest.fixture
def signed(bc01_holder: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Certledger:
    """bc01_holder, and the certifier's key recorded (its file named by the environment)."""
    monkeypatch.setenv("CERTLEDGER_SIGNING_KEY", str(tmp_path / "certifier.pem"))
    bc01_holder.ok(f"keys init --status-list-url {URL}")
    return bc01_holder


@pytest.fixture
def titled(signed: Certledger) -> Certledger:
    """signed, and T1 (formation continue, whose name has the letters French needs) awarded
    the title by jury J2 on 2019-09-20, certificate RNCP13080-2019-00001 issued 2019-09-27."""
    signed.enroll(
        "T1",
        "formation_continue",
        "2016-09-12",
        "--usage-name",
        "Lefèvre",
    )
    signed.ok(
        "candidate rectify-identity T1 --first-name Anaïs-Œnone --birth-name Çelik "
        "--reason 'état civil'"
    )
    signed.pass_everything("T1", on="2019-09-01")
    signed.convene("J2", on="2019-09-20")
    signed.ok(f"jury decide J2 T1 --validate {ALL} --award-title")
    signed.ok("certificate issue T1/J2 --kind title --on 2019-09-27")
    return signed


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def flat(text: str) -> str:
    return "".join(text.split())


def code_of(text: str) -> str:
    found = re.search(r"CL1:\S+(?:\s+[A-Z2-7]+(?=\s|$))*", text)
    assert found, text
    return flat(found.group(0))


def printed_code(certledger: Certledger, number: str, tmp_path: Path) -> str:
    certledger.ok(f"certificate print {number} -o {tmp_path / 'p.pdf'}")
    return code_of(pdf_text(tmp_path / "p.pdf"))


# keys init


def test_keys_init_prints_the_key_id_and_file_never_the_private_key(
    bc01_holder: Certledger, tmp_path: Path
) -> None:
    path = tmp_path / "k.pem"

    out = bc01_holder.ok(f"keys init --key-file {path} --status-list-url {URL}")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text()
    assert out.startswith("Signing key recorded: did:key:z6Mk")
    assert f"Private key file: {path}" in out and f"Status list URL: {URL}" in out
    assert "PRIVATE" not in out and secret.splitlines()[1] not in out
    assert bc01_holder.refused(f"keys init --key-file {path}").startswith("Error: the key in")


def test_the_credential_commands_of_the_contract_are_offered() -> None:
    from tests.cli.test_help import COMMANDS, RECORDING

    assert {
        ("keys", "init"),
        ("certificate", "print"),
        ("certificate", "verify"),
        ("certificate", "export"),
        ("credentials", "status-list"),
    } <= set(COMMANDS)
    assert ("keys", "init") in RECORDING


# The parchment.


def test_a_title_parchment_carries_every_mandatory_mention_and_its_code(
    titled: Certledger, tmp_path: Path
) -> None:
    pdf = tmp_path / "titre.pdf"

    out = titled.ok(f"certificate print RNCP13080-2019-00001 -o {pdf}")

    assert out == f"Printed 1 parchment(s): {pdf}\n"
    text = pdf_text(pdf)
    for mention in (
        f"« {TITLE} »",
        "enregistrée au Répertoire national des certifications professionnelles sous le "
        "code RNCP13080 — Arrêté du 26 septembre 2016, JO du 4 octobre 2016",
        CERTIFIER,
        "Niveau 6 du cadre national des certifications professionnelles — niveau 6 du cadre "
        "européen des certifications (CEC)",
        "Code NSF : 323 Techniques de l'image et du son, métiers connexes du spectacle",
        "Anaïs-Œnone ÇELIK (nom d'usage : LEFÈVRE)",
        "née le 2 janvier 1990",
        "Fait à Paris, le 27 septembre 2019",
        "Directeur de l'ESEC",
        "CERTIFICATION PROFESSIONNELLE",
        "N° RNCP13080-2019-00001",
    ):
        assert flat(mention) in flat(text), mention
    assert "sous réserve" not in text.lower()
    code = code_of(text)
    assert code.startswith("CL1:RNCP13080-2019-00001:")
    assert titled.json(f"certificate verify {code}")["genuine"] is True


def test_a_block_parchment_says_which_block_of_the_fiche_it_certifies(
    signed: Certledger, tmp_path: Path
) -> None:
    signed.ok(f"certificate print {BLOCK} -o {tmp_path / 'bloc.pdf'}")

    text = flat(pdf_text(tmp_path / "bloc.pdf"))
    assert flat("a validé le bloc de compétences n° 1") in text
    assert flat("« Gérer le déroulement d'un tournage d'un film »") in text
    assert (
        flat(
            f"RNCP13080BC01, bloc de compétences n° 1 de la certification professionnelle "
            f"« {TITLE} » (RNCP13080)"
        )
        in text
    )
    assert flat("Arrêté du 26 septembre 2016, JO du 4 octobre 2016") in text
    assert flat("Fait à Paris, le 27 juin 2017") in text


def test_the_pdf_embeds_its_fonts_and_draws_the_qr_code_without_any_image(
    signed: Certledger, tmp_path: Path
) -> None:
    signed.ok(f"certificate print {BLOCK} -o {tmp_path / 'bloc.pdf'}")

    page = PdfReader(tmp_path / "bloc.pdf").pages[0]
    resources = page["/Resources"]
    fonts = [f.get_object() for f in resources["/Font"].values()]
    assert fonts and all(
        "/FontFile2" in f["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts
    )
    assert "/XObject" not in resources


def test_printing_twice_gives_the_same_bytes(signed: Certledger, tmp_path: Path) -> None:
    signed.ok(f"certificate print {BLOCK} -o {tmp_path / 'a.pdf'}")
    signed.ok(f"certificate print {BLOCK} -o {tmp_path / 'b.pdf'}")

    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_a_session_prints_into_a_folder_one_file_per_certificate_and_names_the_skipped(
    signed: Certledger, tmp_path: Path
) -> None:
    signed.ok("certificate issue V1/J1 --kind competency:C01 --on 2017-06-27")
    signed.ok("certificate issue V1/J1 --kind competency:C02 --on 2017-06-27")
    signed.ok("certificate revoke RNCP13080-2017-00002 --on 2018-01-10 --reason fraude")

    out = signed.ok(f"certificate print --session J1 -o {tmp_path / 'out'}")

    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "RNCP13080-2017-00001.pdf",
        "RNCP13080-2017-00003.pdf",
    ]
    assert "Skipped RNCP13080-2017-00002: rule 7 (certificates): certificate " in out
    text = flat(pdf_text(tmp_path / "out" / "RNCP13080-2017-00003.pdf"))
    assert flat("CERTIFICAT DE COMPÉTENCE") in text and flat("a validé la compétence") in text


def test_several_numbers_print_into_one_pdf_page_by_page(
    titled: Certledger, tmp_path: Path
) -> None:
    titled.ok(f"certificate print {BLOCK} RNCP13080-2019-00001 -o {tmp_path / 'all.pdf'}")

    assert len(PdfReader(tmp_path / "all.pdf").pages) == 2


def test_printing_is_refused_for_a_revoked_or_unknown_certificate_and_writes_nothing(
    signed: Certledger, tmp_path: Path
) -> None:
    pdf = tmp_path / "p.pdf"
    signed.ok(f"certificate revoke {BLOCK} --on 2018-01-10 --reason fraude")

    assert signed.refused(f"certificate print {BLOCK} -o {pdf}") == (
        f"Error: rule 7 (certificates): certificate {BLOCK} is revoked since 2018-01-10: "
        "no parchment"
    )
    assert signed.refused(f"certificate print NOPE -o {pdf}") == (
        "Error: certificate NOPE not found"
    )
    assert not pdf.exists()
    assert signed.misused(f"certificate print {BLOCK} --session J1 -o {pdf}").endswith(
        "give certificate numbers or --session, not both nor neither"
    )


def test_printing_without_a_recorded_key_or_into_a_missing_folder_is_refused(
    bc01_holder: Certledger, tmp_path: Path
) -> None:
    assert bc01_holder.refused(
        f"certificate print {BLOCK} --key-file {tmp_path / 'none.pem'} -o {tmp_path / 'p.pdf'}"
    ).startswith(f"Error: no signing key file at {tmp_path / 'none.pem'}")
    bc01_holder.ok(f"keys init --key-file {tmp_path / 'k.pem'}")
    assert bc01_holder.refused(
        f"certificate print {BLOCK} --key-file {tmp_path / 'k.pem'} "
        f"-o {tmp_path / 'no' / 'such' / 'p.pdf'}"
    ).startswith(f"Error: cannot write {tmp_path / 'no' / 'such' / 'p.pdf'}")


def test_a_referential_without_the_parchment_mentions_refuses_to_print_naming_them(
    bare: Certledger, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.toml"
    bundled = BUNDLED.read_text(encoding="utf-8")
    plain.write_text(bundled.split("[parchment]")[0], encoding="utf-8")
    bare.ok(f"init --referential {plain} --effective-from 2006-03-05")
    bare.enroll("V1")
    bare.pass_bc01("V1")
    bare.convene("J1")
    bare.ok(f"jury decide J1 V1 --validate {NINE} --award-block BC01")
    bare.ok("certificate issue V1/J1 --kind block:BC01 --on 2017-06-27")
    bare.ok(f"keys init --key-file {tmp_path / 'k.pem'}")

    assert bare.refused(
        f"certificate print {BLOCK} --key-file {tmp_path / 'k.pem'} -o {tmp_path / 'p.pdf'}"
    ) == (
        "Error: referential 2006.1 in force on 2017-06-20 lacks what the parchment of "
        f"{BLOCK} must say (parchment.level_2019, parchment.level_eqf, parchment.signatory, "
        "parchment.place): publish a referential version that gives it"
    )


# Verification.


def test_a_printed_code_verifies_and_says_what_it_certifies(
    signed: Certledger, tmp_path: Path
) -> None:
    code = printed_code(signed, BLOCK, tmp_path)

    assert signed.json(f"certificate verify {code}") == {
        "genuine": True,
        "number": BLOCK,
        "state": "held",
        "kind": "block",
        "subject": "RNCP13080BC01",
        "issued_on": "2017-06-27",
        "holder": "Alice DURAND",
        "reason": signed.json(f"certificate verify {code}")["reason"],
    }
    assert signed.ok(f"certificate verify {code}") == (
        f"Genuine: certificate {BLOCK} (block RNCP13080BC01), issued 2017-06-27 to Alice "
        "DURAND; held today.\n"
    )
    spaced = " ".join(code[i : i + 30] for i in range(0, len(code), 30)).lower()
    assert signed.json("certificate", "verify", spaced.replace(BLOCK.lower(), BLOCK))["genuine"]


def tampered(code: str) -> dict[str, str]:
    prefix, number, position, digest, signature = code.split(":")
    flip = {"A": "B"}.get(signature[10], "A")
    return {
        "number": ":".join([prefix, "RNCP13080-2017-00002", position, digest, signature]),
        "position": ":".join([prefix, number, str(int(position) + 1), digest, signature]),
        "digest": ":".join([prefix, number, position, "0" * 16, signature]),
        "signature": ":".join(
            [prefix, number, position, digest, signature[:10] + flip + signature[11:]]
        ),
        "shape": code.replace("CL1", "CL2"),
    }


def test_a_tampered_or_forged_code_is_not_genuine_and_exits_1(
    signed: Certledger, tmp_path: Path
) -> None:
    signed.ok("certificate issue V1/J1 --kind competency:C01 --on 2017-06-27")
    code = printed_code(signed, BLOCK, tmp_path)

    reasons = {}
    for what, forged in tampered(code).items():
        result = signed("certificate", "verify", forged, "--json")
        assert result.exit_code == 1, what
        verdict = json.loads(result.stdout)
        assert verdict["genuine"] is False and verdict["state"] is None, what
        reasons[what] = verdict["reason"]
        line = signed.refused("certificate", "verify", forged)
        assert line == f"Error: not a genuine certificate code: {verdict['reason']}"

    assert "was issued at" in reasons["number"] and "signature" in reasons["signature"]
    assert "log position" in reasons["position"] and "digest" in reasons["digest"]
    assert reasons["shape"].startswith("not a certledger code")


def test_verify_tells_revoked_and_void_as_of_today(signed: Certledger, tmp_path: Path) -> None:
    code = printed_code(signed, BLOCK, tmp_path)

    signed.ok(f"certificate revoke {BLOCK} --on 2018-01-10 --reason fraude")
    assert signed.json(f"certificate verify {code}")["state"] == "revoked"
    signed.ok("decision annul V1/J1 --on 2019-01-10 --reason appel")
    assert signed.json(f"certificate verify {code}")["state"] == "void"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_copy_of_the_ledger_alone_verifies_a_code(
    signed: Certledger, tmp_path: Path, store: StoreRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = printed_code(signed, BLOCK, tmp_path)
    elsewhere = tmp_path / "auditor"
    elsewhere.mkdir()
    shutil.copy(store.path or "", elsewhere / "copy.db")
    monkeypatch.delenv("CERTLEDGER_SIGNING_KEY")
    copy = Certledger(CliRunner(), sqlite_store(elsewhere / "copy.db"), signed.clock)

    verdict = copy.json(
        "--read-only", "--store", str(elsewhere / "copy.db"), "certificate", "verify", code
    )

    assert verdict["genuine"] is True and verdict["number"] == BLOCK
    assert not list(elsewhere.glob("*.pem"))


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_code_whose_ledger_record_was_altered_is_not_genuine(
    signed: Certledger, tmp_path: Path, store: StoreRef
) -> None:
    code = printed_code(signed, BLOCK, tmp_path)
    position = int(code.split(":")[2])
    [(state,)] = store.query("SELECT state FROM stored_events WHERE rowid = %s", (position,))
    store.query(
        "UPDATE stored_events SET state = %s WHERE rowid = %s",
        (bytes(state).replace(b"2017-06-27", b"2016-06-27"), position),
    )

    result = signed("certificate", "verify", code, "--json")

    assert result.exit_code == 1
    assert "altered after it was recorded" in json.loads(result.stdout)["reason"]


# Open Badges 3.0.


def exported(certledger: Certledger, number: str, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / f"{number}.json"
    assert certledger.ok(f"certificate export {number} --format ob3 -o {path}") == (
        f"Credential of certificate {number} written to {path}\n"
    )
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def recorded_key(certledger: Certledger) -> str:
    history = certledger.events()
    [row] = [r for r in history if r[3] == "SigningKeyRecorded"]
    return str(json.loads(row[4])["public_key"])


def test_the_ob3_credential_holds_what_the_data_model_requires_and_its_signature_verifies(
    titled: Certledger, tmp_path: Path
) -> None:
    document = exported(titled, "RNCP13080-2019-00001", tmp_path)

    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    key = public_key(recorded_key(titled))
    assert verify_proof(document, key)
    assert document["proof"]["verificationMethod"].startswith(document["issuer"]["id"])
    assert document["issuer"]["name"] == CERTIFIER
    achievement = document["credentialSubject"]["achievement"]
    assert (achievement["name"], achievement["humanCode"]) == (TITLE, "RNCP13080")
    assert "Niveau 6" in achievement["description"] and "CEC/EQF" in achievement["description"]
    assert achievement["criteria"]["narrative"].startswith("Valider au moins 35 des 42")
    assert document["validFrom"] == "2019-09-27T00:00:00+02:00"
    assert document["evidence"][0]["name"] == "Décision du jury T1/J2"
    tampered = json.loads(json.dumps(document).replace("2019-09-27", "2018-09-27"))
    assert not verify_proof(tampered, key)


def test_the_holder_is_a_salted_hash_never_their_name(titled: Certledger, tmp_path: Path) -> None:
    document = exported(titled, "RNCP13080-2019-00001", tmp_path)
    again = exported(titled, "RNCP13080-2019-00001", tmp_path)

    text = json.dumps(document, ensure_ascii=False)
    assert "Anaïs" not in text and "ÇELIK" not in text and "Çelik" not in text
    [identity] = document["credentialSubject"]["identifier"]
    assert identity["identityHash"] == identity_hash("Anaïs-Œnone ÇELIK", identity["salt"])
    assert identity["hashed"] is True and identity["identityType"] == "name"
    assert again["credentialSubject"]["identifier"][0]["salt"] != identity["salt"]


def test_a_block_credential_carries_its_status_entry(signed: Certledger, tmp_path: Path) -> None:
    document = exported(signed, BLOCK, tmp_path)

    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["credentialStatus"] == {
        "id": f"{URL}#0",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "0",
        "statusListCredential": URL,
    }
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Certificate"


def test_export_is_refused_for_a_void_certificate_and_prints_to_stdout_otherwise(
    signed: Certledger,
) -> None:
    document = json.loads(signed.ok(f"certificate export {BLOCK} --format ob3"))
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    signed.ok("decision annul V1/J1 --on 2019-01-10 --reason appel")

    assert signed.refused(f"certificate export {BLOCK} --format ob3") == (
        f"Error: rule 7 (certificates): certificate {BLOCK} is void: no credential"
    )
    assert signed.misused(f"certificate export {BLOCK} --format pdf").startswith("Error:")


# The status list.


def revoked_indexes(certledger: Certledger, *options: str) -> list[int]:
    document = json.loads(certledger.ok("credentials", "status-list", *options))
    assert verify_proof(document, public_key(recorded_key(certledger)))
    subject = document["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["encodedList"][0] == "u"
    bits = decode_list(subject["encodedList"])
    assert len(bits) * 8 == 131_072
    return set_indexes(bits)


def test_the_status_list_decodes_to_the_revoked_and_void_set_of_each_date(
    signed: Certledger, tmp_path: Path
) -> None:
    signed.ok("certificate issue V1/J1 --kind competency:C01 --on 2017-06-27")
    signed.enroll("V2", "formation_continue", "2016-09-12")
    signed.pass_bc01("V2", on="2017-06-01")
    signed.ok(f"jury decide J1 V2 --validate {NINE} --award-block BC01")
    signed.ok("certificate issue V2/J1 --kind block:BC01 --on 2017-06-28")
    index = {
        n: int(exported(signed, n, tmp_path)["credentialStatus"]["statusListIndex"])
        for n in (BLOCK, "RNCP13080-2017-00002", "RNCP13080-2017-00003")
    }
    assert sorted(index.values()) == [0, 1, 2]
    signed.ok("certificate revoke RNCP13080-2017-00002 --on 2018-03-01 --reason fraude")
    signed.clock.set(signed.clock.current.replace(day=28))
    signed.ok("decision annul V2/J1 --on 2019-05-01 --reason appel")

    assert revoked_indexes(signed, "--as-of", "2018-02-28") == [index["RNCP13080-2017-00003"]]
    assert revoked_indexes(signed, "--as-of", "2018-03-01") == sorted(
        [index["RNCP13080-2017-00002"], index["RNCP13080-2017-00003"]]
    )
    assert revoked_indexes(signed, "--as-of", "2018-03-01", "--known-at", "2026-11-27") == [
        index["RNCP13080-2017-00002"]
    ]
    assert revoked_indexes(signed, "--as-of", "2017-06-30", "--known-at", "2026-11-27") == []
    assert index[BLOCK] not in revoked_indexes(signed)


def test_the_status_list_is_written_to_a_file_when_asked(
    signed: Certledger, tmp_path: Path
) -> None:
    path = tmp_path / "status.json"

    assert signed.ok(f"credentials status-list --as-of 2020-01-01 -o {path}") == (
        f"Status list as of 2020-01-01 written to {path}\n"
    )
    document = json.loads(path.read_text())
    assert document["id"] == URL
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


# Erasure.


def test_an_erased_holder_s_parchment_and_credential_are_refused(
    signed: Certledger, tmp_path: Path
) -> None:
    code = printed_code(signed, BLOCK, tmp_path)
    signed.ok("candidate erase V1 --reason 'RGPD'")

    assert signed.refused(f"certificate print {BLOCK} -o {tmp_path / 'again.pdf'}") == (
        "Error: rule 11 (personal data): candidate V1's personal data is erased: the "
        f"parchment of certificate {BLOCK} cannot be printed again"
    )
    assert signed.refused(f"certificate export {BLOCK} --format ob3").startswith(
        "Error: rule 11 (personal data): candidate V1's personal data is erased"
    )
    assert not (tmp_path / "again.pdf").exists()
    verdict = signed.json(f"certificate verify {code}")
    assert verdict["genuine"] is True and verdict["holder"] is None
    assert "Alice" not in signed.ok(f"certificate verify {code}")


# The README.


def test_the_readme_credential_commands_run_after_its_walkthrough(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_readme import README, walkthrough

    # A PostgreSQL store keeps no file: the key file is named for both stores alike.
    monkeypatch.setenv("CERTLEDGER_SIGNING_KEY", str(tmp_path / "certifier.pem"))
    for args in walkthrough():
        assert runner.invoke(cli, args).exit_code == 0, args
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if "certledger keys init" in b)
    lines = [line for line in block.splitlines() if line.startswith("certledger ")]
    for line in lines:
        if "…" in line:
            continue
        result = runner.invoke(cli, shlex.split(line)[1:])
        assert result.exit_code == 0, (line, result.stdout, result.stderr)
    code = code_of(pdf_text(Path("parchemin.pdf")))
    verdict = runner.invoke(cli, ["certificate", "verify", code, "--json"])
    assert json.loads(verdict.stdout)["genuine"] is True
    assert sorted(p.name for p in Path("parchemins").iterdir()) == ["RNCP13080-2017-00001.pdf"]
    assert json.loads(Path("badge.json").read_text())["credentialStatus"]["statusListIndex"] == "0"
    assert Path("status.json").exists()
