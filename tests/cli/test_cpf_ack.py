"""The Caisse des Dépôts' processing reports read back (`report cpf-ack`): each passage
accepted or refused, a whole file refused, and the next flow sending again exactly what must
be (DOMAIN.md §6; ../shared/formats/cdc-accuse-traitement.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Certledger
from tests.cli.test_cpf import IDS, award, passages, text

REFUSED = "Aucun titulaire ne correspond aux critères obligatoires"
ALREADY = (
    "Le passage certification avec le bcr émetteur AB123CDE et l'id technique partenaire "
    "{id} existe déjà en base"
)


def report(
    folder: Path,
    name: str,
    *,
    flux: str | None,
    file: str | None,
    ok: list[str] = (),  # type: ignore[assignment]
    ko: list[tuple[str, str]] = (),  # type: ignore[assignment]
    errors: bool = False,
    standalone: str = "no",
    processing: str = "41873",
) -> Path:
    """A processing report as real ones are: a declared prefix never used, comments, odd
    indentation, an element no reader knows."""
    parts = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="{standalone}"?>',
        "<!-- accusé de traitement -->",
        '<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">',
        f"  <nomFichier>{file}</nomFichier>" if file else "",
        f"<idFlux>{flux}</idFlux>" if flux else "",
        f"      <idTraitement>{processing}</idTraitement>",
        "  <dateTraitement>2026-11-27T09:12:00</dateTraitement>",
    ]
    if ko:
        parts.append("<PassagesKO>")
        for passage, message in ko:
            parts.append(
                f"<passage><!-- refusé --><idTechnique>{passage}</idTechnique>"
                f"<messageErreur>{message}</messageErreur></passage>"
            )
        parts.append("</PassagesKO>")
    if ok:
        parts.append("<PassagesOK>" + "".join(f"\n <idTechnique>{p}</idTechnique>" for p in ok))
        parts.append("</PassagesOK>")
    if errors:
        parts.append(
            "<erreurs><erreur><type>XSD</type><message>L'élément 'dateObtentionCertification' "
            "est invalide.</message><ligne>48</ligne><colonne>12</colonne></erreur></erreurs>"
        )
    parts.append("</rapport>")
    path = folder / name
    path.write_text("\n".join(p for p in parts if p), encoding="utf-8")
    return path


@pytest.fixture
def sent(certledger: Certledger, tmp_path: Path) -> tuple[Certledger, dict[str, str], str, str]:
    """Three title awards sent in one flow: their idTechnique by candidate, the flux id and
    the file name."""
    certledger.ok("jury convene J1 --on 2018-06-20 " + SIX + " --president 'Hugo Bleu'")
    award(certledger, "A1", "formation_continue", "J1", "--birth-insee 75112")
    award(certledger, "B2", "formation_continue", "J1", "--birth-insee 69123")
    award(certledger, "C3", "vae", "J1", "--birth-postcode 69001")
    out = tmp_path / "out"
    out.mkdir()
    document = certledger.json(f"report cpf {IDS} -o {out}")
    flow = document["files"][0]
    ids = {
        text(p, "cpf:identificationTitulaire/cpf:titulaire/cpf:codeCommuneNaissance//cpf:codeInsee")
        or "C3": text(p, "cpf:idTechnique")
        for p in passages(Path(flow["file"]))
    }
    by_candidate = {{"75112": "A1", "69123": "B2", "C3": "C3"}[k]: v for k, v in ids.items()}
    return certledger, by_candidate, flow["flux_id"], Path(flow["file"]).name


SIX = (
    "--member 'Ana Roy:realisateur' --member 'Paul Blanc:producteur' "
    "--member 'Lea Noir:monteur_truquiste' --member 'Ines Vert:responsable_pedagogique' "
    "--member 'Hugo Bleu:directeur_ecole' --member 'Tom Gris:technicien'"
)


def test_a_folder_output_names_each_file_uniquely_for_the_emitter(
    sent: tuple[Certledger, dict[str, str], str, str],
) -> None:
    _, _, _, file = sent
    assert file == "certledger-cpf-AB123CDE-20261126-0001.xml"


def test_a_folder_named_with_a_final_slash_is_made_and_the_file_named_in_it(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.ok("jury convene J1 --on 2018-06-20 " + SIX + " --president 'Hugo Bleu'")
    award(certledger, "A1", "formation_continue", "J1", "--birth-insee 75112")

    certledger.ok(f"report cpf {IDS} -o {tmp_path / 'flux'}/")

    assert [p.name for p in (tmp_path / "flux").iterdir()] == [
        "certledger-cpf-AB123CDE-20261126-0001.xml"
    ]


def test_a_flow_refused_after_its_folder_was_made_leaves_no_folder_behind(
    certledger: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certledger.ok("jury convene J1 --on 2018-06-20 " + SIX + " --president 'Hugo Bleu'")
    award(certledger, "A1", "formation_continue", "J1", "--birth-insee 75112")
    monkeypatch.setattr(
        "ledger.usecases.transmission.validate_written", lambda path: ["line 3: broken"]
    )

    error = certledger.refused(f"report cpf {IDS} -o {tmp_path / 'flux'}/")

    assert "breaks the XSD (line 3: broken); nothing recorded" in error
    assert not (tmp_path / "flux").exists()


def test_a_folder_that_cannot_be_made_is_one_clear_error(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.ok("jury convene J1 --on 2018-06-20 " + SIX + " --president 'Hugo Bleu'")
    award(certledger, "A1", "formation_continue", "J1", "--birth-insee 75112")
    (tmp_path / "plain").write_text("a file, not a folder", encoding="utf-8")

    error = certledger.refused(f"report cpf {IDS} -o {tmp_path / 'plain' / 'flux'}/")

    assert error.startswith(f"Error: cannot write {tmp_path / 'plain' / 'flux'}: ")


def test_a_report_marks_passages_accepted_and_refused_with_their_message(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    path = report(
        tmp_path,
        "ack.xml",
        flux=flux,
        file=file,
        ok=[ids["A1"]],
        ko=[(ids["B2"], REFUSED), (ids["C3"], ALREADY.format(id=ids["C3"]))],
    )

    assert certledger.json(f"report cpf-ack {path}") == {
        "flow": flux,
        "file": file,
        "accepted": 2,
        "rejected": 1,
        "file_rejected": False,
    }
    states = {
        c: certledger.json(f"status {c} --as-of 2019-01-01")["cpf"][0] for c in ("A1", "B2", "C3")
    }
    assert {c: s["state"] for c, s in states.items()} == {
        "A1": "accepted",
        "B2": "rejected",
        "C3": "accepted",
    }
    assert states["B2"]["message"] == REFUSED and states["B2"]["flow"] == flux


def test_the_same_report_twice_records_nothing_the_second_time(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    path = report(tmp_path, "ack.xml", flux=flux, file=file, ok=list(ids.values()))
    certledger.ok(f"report cpf-ack {path}")
    rows = certledger.rows()

    again = certledger.ok(f"report cpf-ack {path}")

    assert again.endswith("(already read: nothing recorded).\n")
    assert certledger.rows() == rows


def test_the_next_flow_sends_a_refused_passage_again_only_once_corrected(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    path = report(
        tmp_path,
        "ack.xml",
        flux=flux,
        file=file,
        ok=[ids["A1"], ids["C3"]],
        ko=[(ids["B2"], REFUSED)],
    )
    certledger.ok(f"report cpf-ack {path}")
    out = tmp_path / "out"

    waiting = certledger.ok(f"report cpf {IDS} -o {out}")
    assert "Nothing to send" in waiting
    assert f"B2/J1 « {REFUSED} »" in waiting

    certledger.ok("candidate rectify-identity B2 --birth-name Durant --reason 'acte de naissance'")
    document = certledger.json(f"report cpf {IDS} -o {out}")

    assert document["passages"] == 1 and document["uncorrected"] == []
    (resent,) = passages(Path(document["files"][0]["file"]))
    assert text(resent, "cpf:idTechnique") == ids["B2"]
    assert Path(document["files"][0]["file"]).name == "certledger-cpf-AB123CDE-20261126-0002.xml"


def test_a_file_refused_whole_is_sent_again_whole(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, _, file = sent
    path = report(tmp_path, "ack.xml", flux=None, file=file, errors=True, standalone="yes")

    assert certledger.json(f"report cpf-ack {path}")["file_rejected"] is True
    assert certledger.json("status A1 --as-of 2019-01-01")["cpf"][0]["state"] == "to_resend"
    document = certledger.json(f"report cpf {IDS} -o {tmp_path / 'out'}")

    assert document["passages"] == 3
    resent = {text(p, "cpf:idTechnique") for p in passages(Path(document["files"][0]["file"]))}
    assert resent == set(ids.values())


def test_an_accepted_passage_is_never_sent_again_even_with_all(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    certledger.ok(
        f"report cpf-ack {report(tmp_path, 'a.xml', flux=flux, file=file, ok=[ids['A1']])}"
    )

    document = certledger.json(f"report cpf {IDS} --all -o {tmp_path / 'out'}")

    resent = {text(p, "cpf:idTechnique") for p in passages(Path(document["files"][0]["file"]))}
    assert resent == {ids["B2"], ids["C3"]}


@pytest.mark.parametrize(
    ("flux", "file", "named"),
    [
        ("0b6c2f1e-7d1a-4e7b-9a51-3c2d5e8f9a10", None, "flow 0b6c2f1e-7d1a-4e7b-9a51-3c2d5e8f9a10"),
        (None, "certledger-cpf-ZZ-20250114-0001.xml", "file certledger-cpf-ZZ-20250114-0001.xml"),
    ],
)
def test_a_report_for_a_flow_never_sent_is_refused_naming_it(
    sent: tuple[Certledger, dict[str, str], str, str],
    tmp_path: Path,
    flux: str | None,
    file: str | None,
    named: str,
) -> None:
    certledger, ids, _, _ = sent
    path = report(tmp_path, "ack.xml", flux=flux, file=file, ok=[ids["A1"]])

    error = certledger.refused(f"report cpf-ack {path}")

    assert error == f"Error: processing report for {named}, which was never sent"


def test_a_report_naming_a_passage_the_flow_did_not_hold_is_refused(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, _, flux, file = sent
    path = report(tmp_path, "ack.xml", flux=flux, file=file, ok=["A17-J2017-06-TITLE"])

    error = certledger.refused(f"report cpf-ack {path}")

    assert error == (
        f"Error: processing report of flow {flux} names passage A17-J2017-06-TITLE, which "
        "that flow did not hold"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not xml at all", "not well-formed XML"),
        ("<flux/>", "its root element is <flux>, not <rapport>"),
        ("<rapport><idTraitement>1</idTraitement></rapport>", "names no flow"),
    ],
)
def test_a_file_that_is_no_processing_report_is_one_clear_error(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path, content: str, message: str
) -> None:
    certledger, _, _, _ = sent
    path = tmp_path / "odd.xml"
    path.write_text(content, encoding="utf-8")

    assert message in certledger.refused(f"report cpf-ack {path}")


def test_a_file_sent_under_a_name_already_used_is_refused(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, _, _, file = sent
    certledger.ok("candidate rectify-identity A1 --birth-name Durant --reason 'typo'")

    error = certledger.refused(f"report cpf {IDS} -o {tmp_path / 'out' / file}")

    assert error.startswith(f"Error: a flow named {file} was sent already")


def test_the_sample_reports_of_the_format_page_are_read(tmp_path: Path) -> None:
    from ledger.cpf_ack import read_report

    path = tmp_path / "r.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">\n'
        "    <nomFichier>certledger-cpf-20250114-0001.xml</nomFichier>\n"
        "    <idFlux>0b6c2f1e-7d1a-4e7b-9a51-3c2d5e8f9a10</idFlux>\n"
        "    <idTraitement>41873</idTraitement>\n"
        "    <PassagesKO>\n        <passage>\n"
        "            <idTechnique>A17-J2017-06-TITLE</idTechnique>\n"
        f"            <messageErreur>{REFUSED}</messageErreur>\n"
        "        </passage>\n    </PassagesKO>\n    <PassagesOK>\n"
        "        <idTechnique>B22-J2017-06-TITLE</idTechnique>\n"
        "        <idTechnique>C31-J2018-06-TITLE</idTechnique>\n"
        "    </PassagesOK>\n</rapport>\n",
        encoding="utf-8",
    )

    found = read_report(path)

    assert (found.flux_id, found.file, found.processing_id) == (
        "0b6c2f1e-7d1a-4e7b-9a51-3c2d5e8f9a10",
        "certledger-cpf-20250114-0001.xml",
        "41873",
    )
    assert found.accepted == ("B22-J2017-06-TITLE", "C31-J2018-06-TITLE")
    assert found.rejected == ({"id_technique": "A17-J2017-06-TITLE", "message": REFUSED},)
    assert not found.file_rejected


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("unknown passage", "names passage A17-J2017-06-TITLE, which that flow did not hold"),
        ("malformed", "is not a processing report: its root element is <flux>"),
        ("truncated", "is not a processing report: not well-formed XML"),
    ],
)
def test_several_reports_are_recorded_all_or_none(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path, second: str, message: str
) -> None:
    certledger, ids, flux, file = sent
    first = report(tmp_path, "a.xml", flux=flux, file=file, ok=[ids["A1"]])
    refused = report(tmp_path, "b.xml", flux=flux, file=file, ok=["A17-J2017-06-TITLE"])
    if second == "malformed":
        refused.write_text("<flux/>", encoding="utf-8")
    elif second == "truncated":
        refused.write_bytes(first.read_bytes()[:-40])

    error = certledger.refused(f"report cpf-ack {first} {refused}")

    assert message in error
    assert certledger.json("status A1 --as-of 2019-01-01")["cpf"][0]["state"] == "awaiting"


def test_several_reports_are_recorded_together_each_seeing_those_before(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    first = report(tmp_path, "a.xml", flux=flux, file=file, ok=[ids["A1"]])
    second = report(
        tmp_path, "b.xml", flux=flux, file=file, ko=[(ids["B2"], REFUSED)], processing="41874"
    )

    said = certledger.ok(f"report cpf-ack {first} {second} {first}")

    assert said.splitlines() == [
        f"{first}: flow {flux} ({file}): 1 accepted, 0 refused.",
        f"{second}: flow {flux} ({file}): 0 accepted, 1 refused.",
        f"{first}: flow {flux} ({file}): 1 accepted, 0 refused (already read: nothing recorded).",
    ]
    states = {c: certledger.json(f"status {c} --as-of 2019-01-01")["cpf"][0]["state"] for c in ids}
    assert states == {"A1": "accepted", "B2": "rejected", "C3": "awaiting"}


@pytest.mark.parametrize(
    ("message", "state", "counts"),
    [
        (ALREADY.format(id="C3"), "accepted", (2, 0)),
        ("Le titulaire existe déjà en base", "rejected", (1, 1)),
    ],
)
def test_only_a_passage_already_in_base_counts_as_accepted(
    sent: tuple[Certledger, dict[str, str], str, str],
    tmp_path: Path,
    message: str,
    state: str,
    counts: tuple[int, int],
) -> None:
    certledger, ids, flux, file = sent
    path = report(
        tmp_path, "ack.xml", flux=flux, file=file, ok=[ids["A1"]], ko=[(ids["C3"], message)]
    )

    document = certledger.json(f"report cpf-ack {path}")

    assert (document["accepted"], document["rejected"]) == counts
    assert certledger.json("status C3 --as-of 2019-01-01")["cpf"][0]["state"] == state


@pytest.mark.parametrize(
    "bytes_of",
    [
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1"),
    ],
    ids=["crlf", "bom", "latin-1"],
)
def test_the_same_processing_in_other_bytes_records_nothing_the_second_time(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path, bytes_of: Any
) -> None:
    certledger, ids, flux, file = sent
    path = report(
        tmp_path, "ack.xml", flux=flux, file=file, ok=[ids["A1"]], ko=[(ids["B2"], REFUSED)]
    )
    certledger.ok(f"report cpf-ack {path}")
    rows = certledger.rows()
    again = tmp_path / "again.xml"
    again.write_bytes(bytes_of(path.read_text(encoding="utf-8")))

    said = certledger.ok(f"report cpf-ack {again}")

    assert said == (
        f"{again}: flow {flux} ({file}): 1 accepted, 1 refused (already read: nothing recorded).\n"
    )
    assert certledger.rows() == rows


def test_the_same_processing_saying_otherwise_is_refused(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    certledger.ok(
        f"report cpf-ack {report(tmp_path, 'a.xml', flux=flux, file=file, ok=[ids['A1']])}"
    )
    other = report(tmp_path, "b.xml", flux=flux, file=file, ko=[(ids["A1"], REFUSED)])

    error = certledger.refused(f"report cpf-ack {other}")

    assert error == (
        f"Error: processing report {other}: processing 41873 of flow {flux} was read already "
        "and said otherwise"
    )


@pytest.mark.parametrize(
    ("ok", "ko", "times"),
    [(["A1", "A1", "A1"], ["A1"], 4), (["A1", "B2"], ["B2"], 2), ([], ["C3", "C3"], 2)],
)
def test_a_report_that_answers_a_passage_twice_is_refused_naming_it(
    sent: tuple[Certledger, dict[str, str], str, str],
    tmp_path: Path,
    ok: list[str],
    ko: list[str],
    times: int,
) -> None:
    certledger, ids, flux, file = sent
    path = report(
        tmp_path,
        "ack.xml",
        flux=flux,
        file=file,
        ok=[ids[c] for c in ok],
        ko=[(ids[c], REFUSED) for c in ko],
    )

    error = certledger.refused(f"report cpf-ack {path}")

    twice = ko[0]
    assert error == (
        f"Error: {path}: the report lists passage {ids[twice]} {times} times (PassagesOK and "
        "PassagesKO together): it answers each passage once"
    )


def test_a_report_whose_file_name_is_another_flow_than_its_id_is_refused_naming_both(
    sent: tuple[Certledger, dict[str, str], str, str], tmp_path: Path
) -> None:
    certledger, ids, flux, file = sent
    certledger.ok("candidate rectify-identity A1 --birth-name Durant --reason 'typo'")
    other = certledger.json(f"report cpf {IDS} -o {tmp_path / 'out'}")["files"][0]
    path = report(tmp_path, "ack.xml", flux=flux, file=Path(other["file"]).name, ok=[ids["B2"]])

    error = certledger.refused(f"report cpf-ack {path}")

    assert error == (
        f"Error: processing report for flow {flux} (sent as {file}) names the file of flow "
        f"{other['flux_id']} ({Path(other['file']).name}): which flow it answers is unclear"
    )
