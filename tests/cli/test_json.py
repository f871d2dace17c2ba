"""`--json`: exactly one JSON document on stdout, with the keys CLI.md promises."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.builders import SIX
from tests.cli.conftest import BUNDLED, IDENTITY, NINE, Certledger, crashed, members, variant

STATUS_KEYS = {
    *("candidate", "as_of", "known_at", "route", "state", "competencies"),
    *("counting_competencies", "blocks", "title", "certificates"),
}
COMPETENCY_KEYS = {"code", "validated_on", "permanent", "valid_until", "counts", "decision"}
BLOCK_KEYS = {
    *("code", "awarded", "awarded_on", "counts", "valid_until", "eligible", "certificate"),
}
TITLE_KEYS = {"awarded", "awarded_on", "eligible", "counting", "required", "certificate"}
CERTIFICATE_KEYS = {"number", "kind", "subject", "issued_on", "state"}
HISTORY_KEYS = {"id", "type", "effective_on", "recorded_at", "recorded_by", "data"}


def is_date(value: object) -> bool:
    return isinstance(value, str) and date.fromisoformat(value).isoformat() == value


def is_instant(value: object) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None


@pytest.fixture
def rich(bc01_holder: Certledger) -> Certledger:
    """V1 with BC01, its certificate and a duplicate of it, then the title and its certificate."""
    bc01_holder.pass_everything("V1", on="2019-09-01")
    bc01_holder.convene("J19", on="2019-10-04")
    rest = ",".join(f"C{n:02d}" for n in range(10, 43))
    bc01_holder.ok(f"jury decide J19 V1 --validate {rest} --award-title")
    bc01_holder.ok("certificate issue V1/J19 --kind title --on 2019-10-10")
    bc01_holder.ok("certificate reissue RNCP13080-2017-00001 --on 2018-03-01")
    return bc01_holder


def test_status_json_carries_every_key_of_the_contract(rich: Certledger) -> None:
    status = rich.status("V1", "2019-12-31")

    assert status.keys() >= STATUS_KEYS
    assert status["candidate"] == "V1"
    assert status["as_of"] == "2019-12-31"
    assert is_instant(status["known_at"])
    assert status["route"] == "formation_continue"
    assert status["state"] == "certified"
    assert status["counting_competencies"] == 42
    assert len(status["competencies"]) == 42
    for competency in status["competencies"]:
        assert competency.keys() >= COMPETENCY_KEYS
        assert is_date(competency["validated_on"]) and is_date(competency["valid_until"])
        assert competency["decision"] in {"V1/J1", "V1/J19"}
    assert [b["code"] for b in status["blocks"]] == [f"RNCP13080BC0{n}" for n in range(1, 5)]
    for block in status["blocks"]:
        assert block.keys() >= BLOCK_KEYS
    assert status["title"].keys() >= TITLE_KEYS
    assert status["title"] == {
        **status["title"],
        "awarded": True,
        "awarded_on": "2019-10-04",
        "eligible": True,
        "counting": 42,
        "required": 35,
        "certificate": "RNCP13080-2019-00001",
    }
    assert [
        tuple(c[k] for k in ("number", "kind", "subject", "issued_on", "state"))
        for c in status["certificates"]
    ] == [
        ("RNCP13080-2017-00001", "block", "RNCP13080BC01", "2017-06-27", "held"),
        ("RNCP13080-2018-00001", "block", "RNCP13080BC01", "2018-03-01", "held"),
        ("RNCP13080-2019-00001", "title", "RNCP13080", "2019-10-10", "held"),
    ]
    for certificate in status["certificates"]:
        assert certificate.keys() >= CERTIFICATE_KEYS


def test_status_json_writes_nulls_for_what_has_no_date(certledger: Certledger) -> None:
    certledger.enroll("V1")

    status = certledger.status("V1", "2017-01-01")

    assert status["state"] == "enrolled"
    assert status["competencies"] == [] and status["certificates"] == []
    assert status["counting_competencies"] == 0
    assert {
        (b["awarded"], b["awarded_on"], b["counts"], b["valid_until"], b["certificate"])
        for b in status["blocks"]
    } == {(False, None, False, None, None)}
    assert (status["title"]["awarded"], status["title"]["awarded_on"]) == (False, None)
    assert status["title"]["certificate"] is None


def test_referential_show_json_carries_every_key_of_the_contract(certledger: Certledger) -> None:
    shown = certledger.json("referential show --as-of 2017-06-20")

    assert shown.keys() >= {
        *("version", "effective_from", "sha256", "code", "competencies", "blocks", "title"),
        *("validity_years", "vae_permanent", "jury", "registrations"),
    }
    assert (shown["version"], shown["effective_from"], shown["code"]) == (
        "2006.1",
        "2006-03-05",
        "RNCP13080",
    )
    assert len(shown["sha256"]) == 64
    assert [c["code"] for c in shown["competencies"]] == [f"C{n:02d}" for n in range(1, 43)]
    assert all(c["label"] for c in shown["competencies"])
    assert [
        (b["code"], b["short"], len(b["competencies"]), b["required"], len(b["epreuves"]))
        for b in shown["blocks"]
    ] == [
        ("RNCP13080BC01", "BC01", 9, 7, 2),
        ("RNCP13080BC02", "BC02", 3, 3, 2),
        ("RNCP13080BC03", "BC03", 10, 7, 3),
        ("RNCP13080BC04", "BC04", 29, 20, 9),
    ]
    for block in shown["blocks"]:
        assert block["label"]
        for epreuve in block["epreuves"]:
            assert {"code", "kind", "competencies"} <= epreuve.keys()
    assert shown["blocks"][0]["epreuves"][0] == {
        **shown["blocks"][0]["epreuves"][0],
        "code": "BC01-E1",
        "kind": "pratique",
        "competencies": ["C01", "C02", "C03", "C05", "C07"],
    }
    assert shown["title"] == {"required": 35, "of": 42}
    assert (shown["validity_years"], shown["vae_permanent"]) == (5, True)
    assert shown["jury"]["vae"] == [role for _, role in SIX]
    assert shown["jury"]["formation_continue"] == [role for _, role in SIX[:5]]
    assert shown["registrations"] == [
        {"from": "2006-03-05", "to": "2011-03-05"},
        {"from": "2011-03-05", "to": "2016-09-07"},
        {"from": "2016-09-07", "to": "2019-10-04"},
    ]


def test_history_json_lists_every_event_with_its_envelope(bc01_holder: Certledger) -> None:
    events = bc01_holder.history("V1")

    assert [e["type"] for e in events] == [
        "CandidateEnrolled",
        "IdentityRecorded",
        "AssessmentRecorded",
        "AssessmentRecorded",
        "JuryConvened",
        "DecisionRecorded",
        "CertificateIssued",
    ]
    for event in events:
        assert event.keys() >= HISTORY_KEYS
        assert is_date(event["effective_on"]) and is_instant(event["recorded_at"])
        assert event["recorded_by"] == "tester"
    assert len({e["id"] for e in events}) == len(events)
    assert [e["effective_on"] for e in events] == [
        "2016-09-12",
        "2016-09-12",
        "2017-06-01",
        "2017-06-01",
        "2017-06-20",
        "2017-06-20",
        "2017-06-27",
    ]
    recorded = [datetime.fromisoformat(e["recorded_at"]) for e in events]
    assert recorded == sorted(recorded)
    decision = events[5]["data"]
    assert decision == {
        **decision,
        "decision_id": "V1/J1",
        "session": "J1",
        "validated": NINE.split(","),
        "blocks_awarded": ["RNCP13080BC01"],
        "title_awarded": False,
        "derogation": None,
    }
    assert events[6]["data"] == {
        **events[6]["data"],
        "number": "RNCP13080-2017-00001",
        "decision_id": "V1/J1",
        "kind": "block",
        "subject": "RNCP13080BC01",
    }


def test_every_recording_command_prints_one_json_document_with_the_id_it_created(
    bare: Certledger, tmp_path: Path
) -> None:
    later = variant(tmp_path, "later.toml", ('version = "2006.1"', 'version = "2019.1"'))
    six = members(SIX)
    steps = [
        ("init", "2006.1"),
        (f"referential publish {later} --effective-from 2019-10-05", "2019.1"),
        (f"candidate enroll V1 --route vae --on 2017-01-09 {IDENTITY}", "V1"),
        ("candidate link-person V1 --name 'Marc Petit' --relation tutor --on 2017-01-10", "V1"),
        ("vae admit V1 --on 2017-01-20", "V1"),
        ("vae interview V1 --on 2017-05-30 --livret2-received 2017-04-28", "V1"),
        ("assessment record V1 --epreuve BC02-E2 --on 2017-06-01 --passed C10,C11,C12", "V1"),
        (f"jury convene JV --on 2017-06-21 {six} --president 'Hugo Bleu'", "JV"),
        ("jury decide JV V1 --validate C10,C11,C12 --award-block BC02", "V1/JV"),
        ("certificate issue V1/JV --kind block:BC02 --on 2017-06-30", "RNCP13080-2017-00001"),
        ("certificate reissue RNCP13080-2017-00001 --on 2017-07-03", "RNCP13080-2017-00002"),
        (
            "certificate revoke RNCP13080-2017-00001 --on 2017-07-04 --reason 'replaced'",
            "RNCP13080-2017-00001",
        ),
        ("candidate change-route V1 --route formation_continue --on 2017-09-01", "V1"),
        ("candidate withdraw V1 --on 2017-10-01 --reason moved", "V1"),
        ("candidate reenroll V1 --route vae --on 2018-01-08", "V1"),
    ]
    for line, created in steps:
        result = bare(f"{line} --json")

        assert result.exit_code == 0, (line, result.stderr)
        assert result.stderr == ""
        document = json.loads(result.stdout)
        assert isinstance(document, dict)
        assert document["id"] == created, line


@pytest.mark.parametrize(
    "line",
    [
        "candidate list",
        "candidate list --block BC01 --as-of 2018-01-01",
        "jury propose J1 V1",
        f"referential validate {BUNDLED}",
        "referential show",
        "status V1",
        "history V1",
    ],
    ids=lambda line: line.replace(str(BUNDLED), BUNDLED.name),
)
def test_read_commands_print_exactly_one_json_document(bc01_holder: Certledger, line: str) -> None:
    out = bc01_holder.ok(f"{line} --json")

    assert isinstance(json.loads(out), list | dict)
    assert out.strip().startswith(("{", "["))


def test_candidate_list_json_names_each_candidate_with_their_state(
    bc01_holder: Certledger,
) -> None:
    bc01_holder.enroll("V2", "vae", "2017-01-09")

    listed = bc01_holder.json("candidate list --as-of 2018-01-01")

    assert listed == [
        {
            "candidate": "V1",
            "state": "in_progress",
            "route": "formation_continue",
            "counting_competencies": 9,
            "blocks": ["RNCP13080BC01"],
            "title": False,
        },
        {
            "candidate": "V2",
            "state": "enrolled",
            "route": "vae",
            "counting_competencies": 0,
            "blocks": [],
            "title": False,
        },
    ]


ERROR_KEYS = ["error", "rule", "values", "exit"]
"""The keys of a refusal with --json (CLI.md, revision 2), in that order."""


def refused_json(certledger: Certledger, line: str, code: int) -> Any:
    """Run a command given --json that must be refused with exit `code`: one JSON object on
    stdout, its message as the one `Error: ` line on stderr, the store unchanged."""
    before = certledger.rows()
    result = certledger(line)
    assert result.exit_code == code and not crashed(result), (result.stdout, result.stderr)
    document = json.loads(result.stdout)
    assert list(document) == ERROR_KEYS
    assert document["exit"] == code
    assert result.stderr == f"Error: {document['error']}\n"
    assert certledger.rows() == before
    return document


def test_a_rule_refusal_with_json_prints_the_rule_and_the_values(bc01_holder: Certledger) -> None:
    document = refused_json(
        bc01_holder, "certificate issue V1/J1 --kind block:BC02 --on 2017-07-01 --json", 1
    )

    assert document == {
        "error": "rule 7 (certificates): decision V1/J1 did not award block RNCP13080BC02",
        "rule": 7,
        "values": {"decision_id": "V1/J1", "kind": "block:BC02", "on": "2017-07-01"},
        "exit": 1,
    }


def test_a_refusal_without_a_rule_has_a_null_rule(bc01_holder: Certledger) -> None:
    document = refused_json(bc01_holder, "status V9 --json", 1)

    assert document["rule"] is None
    assert document["values"] == {"candidate_id": "V9"}
    assert "V9" in document["error"]


def test_a_refusal_without_json_prints_nothing_on_stdout(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused("certificate issue V1/J1 --kind block:BC02 --on 2017-07-01")

    assert error == "Error: rule 7 (certificates): decision V1/J1 did not award block RNCP13080BC02"


ENROL = "candidate enroll V2 --route formation_continue --on 2016-09-12 --json"


@pytest.mark.parametrize(
    ("identity", "error", "values"),
    [
        (
            IDENTITY.replace("75112", "7511"),
            "birth place: INSEE code '7511' must be 5 ASCII characters, the département "
            "(2 digits, or 2A/2B) then 3 digits, e.g. 75056",
            {"birth_insee": "7511"},
        ),
        (
            IDENTITY.replace("--birth-insee 75112", "--birth-postcode '!!'"),
            "birth place: postcode '!!' must be 1 to 9 letters, digits, spaces or hyphens, "
            "e.g. 69001",
            {"birth_postcode": "!!"},
        ),
        (
            IDENTITY + " --birth-country 99100",
            "birth country: INSEE country code '99100' must be 3 ASCII digits, e.g. 100 for France",
            {"birth_country": "99100"},
        ),
        (
            IDENTITY.replace("Durand", "''"),
            "birth name: must not be empty",
            {"birth_name": ""},
        ),
        (
            IDENTITY.replace("Durand", "D" * 61),
            "birth name: must be at most 60 characters",
            {"birth_name": "D" * 61},
        ),
        (
            IDENTITY + " --first-name B --first-name C --first-name D",
            "first names: give 1 to 3 first names, not 4",
            {"first_names": ["Alice", "B", "C", "D"]},
        ),
        (
            IDENTITY.replace("1990-01-02", "1850-01-02"),
            "birth date: 1850-01-02 is not a birth date (the year must be 1900 to 2099)",
            {"birth_date": "1850-01-02"},
        ),
        (
            IDENTITY + " --birth-postcode 75012",
            "birth place: give exactly one of the INSEE code and the postcode",
            {"birth_insee": "75112", "birth_postcode": "75012"},
        ),
    ],
    ids=["INSEE", "postcode", "country", "empty", "too long", "first names", "year", "both"],
)
def test_a_malformed_identity_is_bad_input_named_in_words(
    certledger: Certledger, identity: str, error: str, values: dict[str, Any]
) -> None:
    document = refused_json(certledger, f"{ENROL} {identity}", 2)

    assert document == {"error": error, "rule": None, "values": values, "exit": 2}


@pytest.mark.parametrize(
    ("line", "error", "values"),
    [
        (
            "status V1 --as-of 2019-02-30 --json",
            "Invalid value for '--as-of': '2019-02-30' is not a real calendar date (day is out "
            "of range for month)",
            {"as_of": "2019-02-30"},
        ),
        (
            f"{ENROL} {IDENTITY.replace('--sex F', '--sex X')}",
            "Invalid value for '--sex': 'X' is not one of 'M', 'F'.",
            {"sex": "X"},
        ),
        (
            "candidate enroll V2 --on 2016-09-12 --json",
            "Missing option '--route'.",
            {"route": None},
        ),
        ("status V1 --json --colour", "No such option '--colour'.", {"option": "--colour"}),
        ("--bogus status V1 --json", "No such option '--bogus'.", {"option": "--bogus"}),
    ],
    ids=["date", "choice", "missing", "unknown option", "unknown global option"],
)
def test_a_usage_error_with_json_is_one_object_and_one_line(
    bc01_holder: Certledger, line: str, error: str, values: dict[str, Any]
) -> None:
    document = refused_json(bc01_holder, line, 2)

    assert document["error"].startswith(error)
    assert (document["rule"], document["values"]) == (None, values)


def test_a_usage_error_without_json_keeps_the_usage_lines(bc01_holder: Certledger) -> None:
    error = bc01_holder.misused("status V1 --as-of 2019-02-30")

    assert error.startswith("Error: Invalid value for '--as-of'")
