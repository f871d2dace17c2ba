"""verify (tamper evidence), candidate erase (crypto-shredding) and --read-only, via the CLI."""

from __future__ import annotations

import fcntl
import json
import sqlite3
from pathlib import Path

import pytest

from ledger.store import parse_store_url
from tests.cli.conftest import FIVE_MEMBERS, Certledger, crashed
from tests.stores import POSTGRES

NAME = "Zorglubovna"
EVERYTHING = ",".join(f"C{n:02d}" for n in range(1, 43))
IDS = "--emitter-id AB123CDE --certifier-id E564ACB0 --contract-id 2560080000127J"


@pytest.fixture
def holder(certledger: Certledger) -> Certledger:
    """V1 (VAE) was awarded the title on 2018-06-20; their birth name is unusual."""
    certledger.ok(
        f"candidate enroll V1 --route vae --on 2017-09-11 --birth-name {NAME} "
        "--first-name Alice --birth-date 1990-01-02 --sex F --birth-insee 75112"
    )
    certledger.ok("vae admit V1 --on 2017-10-02")
    certledger.ok("vae interview V1 --on 2018-05-30 --livret2-received 2018-04-27")
    certledger.ok(
        f"jury convene J1 --on 2018-06-20 {FIVE_MEMBERS} --member 'Tom Gris:technicien' "
        "--president 'Hugo Bleu'"
    )
    certledger.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-title")
    certledger.ok("certificate issue V1/J1 --kind title --on 2018-06-27")
    return certledger


def test_verify_passes_on_an_untouched_ledger_and_prints_a_digest(holder: Certledger) -> None:
    out = holder.ok("verify")
    assert out.splitlines()[0].endswith("events, intact")
    digest = holder.ok("verify --digest").strip()
    assert digest.startswith("@") and len(digest.split(":")[1]) == 64
    document = holder.json("verify")
    assert document["ok"] is True and document["problems"] == []
    assert document["digest"] == digest
    assert holder.ok(f"verify --check {digest}").splitlines()[0].endswith("intact")


def test_changing_one_byte_of_one_stored_event_makes_verify_fail_naming_it(
    holder: Certledger,
) -> None:
    if holder.store.kind == "sqlite":
        holder.store.query(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), '2018-06-20', "
            "'2018-06-21') AS BLOB) WHERE topic = 'DecisionRecorded'"
        )
    else:
        holder.store.query(
            "UPDATE certledger_events SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'2018-06-20', '2018-06-21'), 'UTF8') WHERE topic = 'DecisionRecorded'"
        )
    result = holder("verify --json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert [(p["event"], p["problem"]) for p in document["problems"]] == [
        ("candidate/V1#5", "modified")
    ]
    text = holder("verify").stdout
    assert "TAMPERED: 1 problem(s)" in text and "candidate/V1#5: modified" in text


def test_a_published_digest_no_longer_holds_after_rewriting_history(holder: Certledger) -> None:
    digest = holder.ok("verify --digest").strip()
    position = int(digest[1:].split(":")[0])
    holder.store.query(
        "UPDATE ledger_chain SET hash = %s WHERE position = %s", ("0" * 64, position)
    )
    assert holder(f"verify --check {digest}").exit_code == 1


def test_erasing_is_refused_while_the_award_has_not_been_transmitted(holder: Certledger) -> None:
    error = holder.refused("candidate erase V1 --reason 'RGPD request'")
    assert error == (
        "Error: rule 11 (personal data): candidate V1's award V1/J1 has not been transmitted "
        "in the CPF flow yet: send it (`report cpf`) before erasing their personal data"
    )


def test_after_erasure_nothing_reveals_the_name_yet_everything_else_works(
    holder: Certledger, tmp_path: Path
) -> None:
    holder.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")
    assert NAME in (tmp_path / "flux.xml").read_text(encoding="utf-8")
    assert not holder.store.holds(NAME.encode())

    holder.ok("candidate erase V1 --reason 'RGPD request of 2026-11-20'")

    assert not holder.store.holds(NAME.encode())
    outputs = [
        holder.ok("status V1 --as-of 2019-01-01 --json"),
        holder.ok("explain V1 --as-of 2019-01-01 --json"),
        holder.ok("history V1 --json"),
        holder.ok("replay --as-of 2019-01-01 --format json"),
        holder.ok("report stats --format json"),
        holder.ok("audit"),
        holder.ok("candidate list --json"),
    ]
    assert all(NAME not in out for out in outputs)
    status = json.loads(outputs[0])
    assert status["state"] == "certified" and status["title"]["awarded"]
    identity = next(e for e in json.loads(outputs[2]) if e["type"] == "IdentityRecorded")
    assert identity["data"]["identity"] == {"erased": True}
    assert holder.json("verify")["ok"] is True
    rows = holder.rows()
    out = holder.ok(f"report cpf {IDS} --all -o {tmp_path / 'again.xml'}")
    assert out == (
        "Nothing to send: the awards to send belong to holders whose personal data was "
        "erased.\nLeft out, personal data erased (1): V1/J1\n"
    )
    assert not (tmp_path / "again.xml").exists() and holder.rows() == rows


def test_erasing_twice_is_refused(holder: Certledger, tmp_path: Path) -> None:
    holder.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")
    holder.ok("candidate erase V1 --reason 'RGPD'")
    assert holder.refused("candidate erase V1 --reason 'again'") == (
        "Error: candidate V1's personal data is already erased"
    )
    assert holder.refused(
        "candidate rectify-identity V1 --birth-name Durand --reason typo"
    ).startswith("Error: rule 11 (personal data): candidate V1's personal data was erased")


def test_an_erasure_whose_key_outlives_it_says_how_to_finish_it(
    holder: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection lost between recording the erasure and destroying the key: the command
    says the erasure is recorded but not finished, and how to finish it; verify names the key
    kept; running the erasure again finishes it."""
    from eventsourcing.persistence import OperationalError

    from ledger.store.keys import KeyStore

    holder.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")
    destroy = KeyStore.destroy

    def lost(self: KeyStore, stream: object) -> bool:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(KeyStore, "destroy", lost)
    result = holder("candidate erase V1 --reason 'RGPD request'")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: the erasure of candidate V1 is recorded, but their key could not be destroyed "
        "yet (terminating connection due to administrator command): their personal data can "
        "still be read until you run `certledger candidate erase V1 --reason …` again, which "
        "finishes it"
    ]
    problems = json.loads(holder("verify --json").stdout)["problems"]
    assert [(p["event"], p["problem"]) for p in problems] == [("candidate/V1", "key kept")]

    monkeypatch.setattr(KeyStore, "destroy", destroy)
    holder.ok("candidate erase V1 --reason 'RGPD request'")
    assert holder.json("verify")["ok"]
    assert not holder.store.holds(NAME.encode())


def erase_kept_waiting(holder: Certledger, monkeypatch: pytest.MonkeyPatch, why: str) -> None:
    """`candidate erase` while another holds what it waits for, for longer than a write
    waits (1 s here): it says the erasure is unfinished, and how to finish it, instead of
    waiting silently for as long as the other holds it."""
    monkeypatch.setattr("ledger.store.keys.LOCK_TIMEOUT", 1)
    monkeypatch.setattr("ledger.store.dialects.LOCK_TIMEOUT", 1)

    result = holder("candidate erase V1 --reason 'RGPD request'")

    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: the erasure of candidate V1 is recorded, but their key could not be destroyed "
        f"yet ({why}): their personal data can still be read until you run `certledger "
        "candidate erase V1 --reason …` again, which finishes it"
    ]


def test_an_erasure_kept_waiting_by_another_on_the_key_file_gives_up_unfinished(
    holder: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")
    key_file = parse_store_url(str(holder.store)).default_key_file()
    with open(f"{key_file}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another erasure's
        why = f"the key file {key_file} was held by another erasure for more than 1 s"
        erase_kept_waiting(holder, monkeypatch, why)

    holder.ok("candidate erase V1 --reason 'RGPD request'")
    assert holder.json("verify")["ok"]


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_an_erasure_kept_waiting_by_a_session_on_the_ledgers_key_gives_up_unfinished(
    holder: Certledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    holder.ok(f"report cpf {IDS} -o {tmp_path / 'flux.xml'}")
    assert POSTGRES is not None
    with psycopg.connect(POSTGRES) as other:  # a transaction that keeps the row locked
        other.execute(f'SET search_path TO "{holder.store.schema}"')
        other.execute("SELECT * FROM ledger_kek FOR SHARE")
        erase_kept_waiting(holder, monkeypatch, "canceling statement due to lock timeout")

    holder.ok("candidate erase V1 --reason 'RGPD request'")
    assert holder.json("verify")["ok"]


def test_read_only_refuses_every_write_and_writes_nothing(holder: Certledger) -> None:
    rows = holder.rows()
    for command in (
        "--read-only candidate withdraw V1 --on 2019-01-01 --reason x",
        "--read-only certificate issue V1/J1 --kind title --on 2019-01-01",
        "--read-only init",
    ):
        error = holder.refused(command)
        assert error.startswith("Error: the ledger is open read-only"), error
    assert holder.rows() == rows
    assert holder.json("--read-only status V1 --as-of 2019-01-01")["state"] == "certified"
    assert holder.json("--read-only verify")["ok"] is True
    assert [r["candidate"] for r in holder.json("--read-only candidate list")] == ["V1"]


def test_verify_finds_a_status_view_that_disagrees_with_the_events(holder: Certledger) -> None:
    assert holder.json("candidate list")[0]["state"] == "certified"
    if holder.store.kind == "sqlite":
        assert holder.store.path is not None
        views = holder.store.path.with_name(f"{holder.store.path.stem}.views.db")
        with sqlite3.connect(views) as conn:
            conn.execute("DELETE FROM view_intervals WHERE kind = 'certified'")
    else:
        holder.store.query("DELETE FROM view_intervals WHERE kind = 'certified'")

    result = holder("verify --json")

    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["event"], p["problem"]) for p in problems] == [("candidate/V1", "view")]


def test_verify_of_a_ledger_with_no_key_file_checks_what_it_can(holder: Certledger) -> None:
    document = holder.json("--keys /nonexistent/certledger.keys verify")

    assert document["ok"] is True
    assert document["notes"] == [
        "1 key not checked against its commitment: the key file /nonexistent/certledger.keys "
        "cannot unwrap it"
    ]


def test_a_holder_whose_title_was_revoked_before_it_was_sent_can_be_erased(
    certledger: Certledger,
) -> None:
    certledger.before_the_jury()
    certledger.ok(f"jury decide J1 V1 --validate {EVERYTHING} --award-title")
    number = certledger.json("certificate issue V1/J1 --kind title --on 2018-06-27")["number"]
    certledger.ok(f"certificate revoke {number} --on 2018-07-02 --reason 'forged file'")

    assert certledger.json("candidate erase V1 --reason 'request'")["erased"] is True


@pytest.mark.parametrize("how", ["jury decide", "decision rectify"])
def test_a_title_awarded_after_the_erasure_is_recorded_with_a_warning_that_it_cannot_be_sent(
    certledger: Certledger, tmp_path: Path, how: str
) -> None:
    # The deliberation of 2018 is recorded late, after the candidate's erasure of 2026.
    certledger.before_the_jury()
    certledger.ok("candidate erase V1 --reason 'request'")
    if how == "decision rectify":
        certledger.ok(f"jury decide J1 V1 --validate {EVERYTHING}")
        command = "decision rectify V1/J1 --award-title --reason 'title omitted'"
    else:
        command = f"jury decide J1 V1 --validate {EVERYTHING} --award-title"

    result = certledger(f"{command} --json")

    assert result.exit_code == 0, result.output
    warning = (
        "candidate V1's personal data was erased: this title can never be sent in the CPF "
        "flow (rule 11)"
    )
    assert json.loads(result.stdout)["warnings"] == [warning]
    assert certledger.json("status V1 --as-of 2019-01-01")["title"]["awarded"] is True
    out = certledger.ok(f"report cpf {IDS} --all -o {tmp_path / 'flux.xml'}")
    assert "Left out, personal data erased (1): V1/J1" in out


def test_an_award_without_the_title_after_the_erasure_warns_of_nothing(
    certledger: Certledger,
) -> None:
    certledger.before_the_jury()
    certledger.ok("candidate erase V1 --reason 'request'")

    result = certledger(f"jury decide J1 V1 --validate {EVERYTHING} --award-block BC01")

    assert result.exit_code == 0 and result.stderr == ""


def test_an_erasure_the_key_file_cannot_finish_is_refused_before_anything_is_recorded(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.enroll("V1")
    before = certledger.rows()
    missing = tmp_path / "elsewhere" / "none.keys"

    error = certledger.refused(f"--keys {missing} candidate erase V1 --reason 'request'")

    assert error.startswith(f"Error: the key file {missing} does not hold the ledger's key ")
    assert error.endswith(
        ": no key can be destroyed with it, nothing recorded (give the right file with --keys "
        "or $CERTLEDGER_KEYS)"
    )
    assert certledger.rows() == before
    assert not (tmp_path / "elsewhere").exists()
    assert certledger.json("verify")["ok"] is True
    assert certledger.json("candidate erase V1 --reason 'request'")["erased"] is True


@pytest.mark.parametrize("state", ["{}", "{not json"])
def test_an_event_edited_into_another_shape_is_named_by_every_read_never_a_traceback(
    holder: Certledger, state: str
) -> None:
    holder.ok("candidate list")  # the status view covers the event
    if holder.store.kind == "sqlite":
        holder.store.query(
            "UPDATE stored_events SET state = CAST(%s AS BLOB) WHERE topic = 'DecisionRecorded'",
            (state,),
        )
    else:
        holder.store.query(
            "UPDATE certledger_events SET state = convert_to(%s, 'UTF8') "
            "WHERE topic = 'DecisionRecorded'",
            (state,),
        )
    named = (
        "candidate/V1#5 (log position 8) is not as the ledger wrote it: nothing can be read "
        "from it (run `certledger verify`)"
    )

    for read in ("status V1", "replay", "report stats", "audit"):
        assert holder.refused(read) == f"Error: {named}", read
    for read in ("explain V1", "history V1"):  # these read the event with its personal data
        assert holder.refused(read).endswith(
            "#5 is not as the ledger wrote it: nothing can be read from it (run `certledger "
            "verify`)"
        ), read
    result = holder("verify --json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(p["event"], p["problem"]) for p in document["problems"]] == [
        ("candidate/V1#5", "modified")
    ]
    assert document["notes"] == [f"the status view was not checked: {named}"]


ENROLMENT = "topic = 'CandidateEnrolled'"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("edit", "named_by"),
    [
        # the same bytes, stored as text (what an edit with sqlite's replace() leaves)
        (f"UPDATE stored_events SET state = CAST(state AS TEXT) WHERE {ENROLMENT}", ()),
        # a sealed field of another shape: what reads it unsealed names it
        (
            "UPDATE stored_events SET state = CAST(json_set(state, '$.linked_persons', 5) "
            f"AS BLOB) WHERE {ENROLMENT}",
            ("history V1",),
        ),
        # a sealed value no key opens: read as sealed, as any other
        (
            "UPDATE stored_events SET state = CAST(json_set(state, '$.linked_persons', "
            f'json(\'{{"sealed": "AAA"}}\')) AS BLOB) WHERE {ENROLMENT}',
            (),
        ),
        # an event of no known type
        (
            "UPDATE stored_events SET topic = 'Unknown' WHERE topic = 'VaeAdmitted'",
            ("history V1", "status V1"),
        ),
    ],
    ids=["state as text", "a sealed field of another shape", "a seal no key opens", "topic"],
)
def test_an_edited_event_is_read_or_named_by_history_and_status_never_a_traceback(
    holder: Certledger, edit: str, named_by: tuple[str, ...]
) -> None:
    holder.store.query(edit)

    for read in ("history V1", "status V1"):
        result = holder(read)
        if read not in named_by:
            assert result.exit_code == 0, (read, result.output)
        else:
            assert result.exit_code == 1 and not crashed(result), (read, result.output)
            (line,) = result.stderr.splitlines()
            assert line.endswith(
                "is not as the ledger wrote it: nothing can be read from it (run `certledger "
                "verify`)"
            ), line
