"""`jury convene`, `jury decide` and `jury propose`: rules 1 to 6 at the deliberation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import FIVE, SIX
from tests.cli.conftest import ALL, FIVE_MEMBERS, NINE, REGISTRATIONS, Certledger

OVERRIDE = " (a --derogation can override it)"
NEVER = " (thresholds admit no derogation)"


@pytest.fixture
def ready(certledger: Certledger) -> Certledger:
    """V1 in formation continue with evidence for C01-C09 (2017-06-01), jury J1 on 2017-06-20."""
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2017-06-01")
    certledger.convene("J1", on="2017-06-20")
    return certledger


# convene


def test_convening_a_session_records_its_members_and_president(certledger: Certledger) -> None:
    out = certledger.ok(f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --president 'Hugo Bleu'")

    assert out == "Convened jury session J1 sitting on 2017-06-20.\n"


def test_convening_json_prints_the_session_id(certledger: Certledger) -> None:
    assert certledger.json(
        f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --president 'Hugo Bleu'"
    ) == {"id": "J1"}


def test_a_session_convened_in_advance_takes_no_decision_before_it_sits(
    ready: Certledger,
) -> None:
    ready.convene("JF", on="2099-01-01")

    error = ready.refused("jury decide JF V1")

    assert error.startswith(
        "Error: rule 8 (dates): jury session JF sits on 2099-01-01: no decision can be recorded "
        "before that date (today is "
    )


def test_a_session_convened_in_advance_can_be_looked_at(ready: Certledger) -> None:
    ready.convene("JF", on="2099-01-01")

    proposal = ready.json("jury propose JF V1")

    assert (proposal["sits_on"], proposal["registered"]) == ("2099-01-01", False)


def test_convening_the_same_session_twice_is_refused(certledger: Certledger) -> None:
    certledger.convene("J1")

    error = certledger.refused(
        f"jury convene J1 --on 2017-07-01 {FIVE_MEMBERS} --president 'Ana Roy'"
    )

    assert error == "Error: jury session J1 is already convened"


def test_an_unknown_jury_role_is_refused_by_rule_1(certledger: Certledger) -> None:
    error = certledger.refused(
        f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --member 'Bob Brun:scripte' "
        "--president 'Ana Roy'"
    )

    assert error == (
        "Error: rule 1 (codes): jury role scripte (for Bob Brun) does not exist in referential "
        "2006.1 in force on 2017-06-20 (roles: realisateur, producteur, monteur_truquiste, "
        "responsable_pedagogique, directeur_ecole, technicien)"
    )


def test_a_president_who_is_not_a_member_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(
        f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --president 'Zoe Rose'"
    )

    assert error.endswith(
        "the president Zoe Rose is not one of its members "
        "(Ana Roy, Paul Blanc, Lea Noir, Ines Vert, Hugo Bleu)"
    )


def test_a_president_who_is_not_a_member_is_refused_by_rule_3(certledger: Certledger) -> None:
    error = certledger.refused(
        f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --president 'Zoe Rose'"
    )

    assert error.startswith("Error: rule 3 (jury composition): ")


def test_a_member_listed_twice_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(
        f"jury convene J1 --on 2017-06-20 {FIVE_MEMBERS} --member 'ana  ROY:technicien' "
        "--president 'Ana Roy'"
    )

    assert error == "Error: jury session J1: Ana Roy is listed twice"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "--member 'Ana Roy' --president 'Ana Roy'",
            "Error: Invalid value for '--member': 'Ana Roy' is not written NAME:ROLE or "
            "NAME:ROLE:F|M",
        ),
        ("--president 'Ana Roy'", "Error: Missing option '--member'."),
        ("--member 'Ana Roy:realisateur'", "Error: Missing option '--president'."),
    ],
    ids=["member without role", "no member", "no president"],
)
def test_a_malformed_session_is_a_usage_error(
    certledger: Certledger, extra: str, message: str
) -> None:
    assert certledger.misused(f"jury convene J1 --on 2017-06-20 {extra}") == message


# decide


def test_a_decision_prints_its_id_and_records_what_the_jury_granted(ready: Certledger) -> None:
    out = ready.ok(f"jury decide J1 V1 --validate {NINE} --award-block BC01")

    assert out == "V1/J1\n"
    decision = ready.history("V1")[-1]
    assert (decision["type"], decision["effective_on"]) == ("DecisionRecorded", "2017-06-20")
    assert decision["data"] == {
        "decision_id": "V1/J1",
        "session": "J1",
        "candidate": "V1",
        "validated": NINE.split(","),
        "blocks_awarded": ["RNCP13080BC01"],
        "title_awarded": False,
        "derogation": None,
        "route": "formation_continue",
        "referential": "2006.1",
    }


def test_decision_json_prints_its_id_and_date(ready: Certledger) -> None:
    assert ready.json("jury decide J1 V1 --validate C01") == {
        "id": "V1/J1",
        "on": "2017-06-20",
    }


def test_a_block_may_be_named_by_its_official_code(ready: Certledger) -> None:
    ready.ok(f"jury decide J1 V1 --validate {NINE} --award-block RNCP13080BC01")

    bc01 = ready.status("V1", "2017-06-20")["blocks"][0]
    assert (bc01["code"], bc01["awarded"], bc01["awarded_on"]) == (
        "RNCP13080BC01",
        True,
        "2017-06-20",
    )


def test_a_decision_validating_nothing_records_a_failed_presentation(ready: Certledger) -> None:
    assert ready.ok("jury decide J1 V1") == "V1/J1\n"

    status = ready.status("V1", "2017-06-20")
    assert (status["state"], status["competencies"]) == ("enrolled", [])


def test_a_missing_role_is_refused_by_rule_3(ready: Certledger) -> None:
    ready.convene("J2", on="2017-06-21", people=FIVE[:4], president="Ana Roy")

    error = ready.refused(f"jury decide J2 V1 --validate {NINE}")

    assert error == (
        "Error: rule 3 (jury composition): jury session J2 lacks role(s) directeur_ecole "
        f"required for route formation_continue on 2017-06-21{OVERRIDE}"
    )


def test_a_missing_role_passes_with_a_written_derogation_recorded_with_the_decision(
    ready: Certledger,
) -> None:
    ready.convene("J2", on="2017-06-21", people=FIVE[:4], president="Ana Roy")

    out = ready.ok(
        f"jury decide J2 V1 --validate {NINE} --derogation 'the director was ill on the day'",
    )

    assert out == "V1/J2\n"
    assert ready.history("V1")[-1]["data"]["derogation"] == "the director was ill on the day"


def test_a_linked_accompanist_on_the_jury_is_refused_by_rule_3_even_with_a_derogation(
    certledger: Certledger,
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.ok(
        "candidate link-person V2 --name 'Tom Gris' --relation accompanist --on 2017-01-10"
    )
    certledger.vae_steps("V2")
    certledger.convene("JV", on="2017-06-21", people=SIX)

    error = certledger.refused(
        "jury decide JV V2 --validate C10 --derogation 'no other technicien was free'"
    )

    assert error == (
        "Error: rule 3 (jury composition): Tom Gris sits on jury session JV but is linked to "
        "candidate V2 (no derogation allowed)"
    )


def test_a_person_linked_at_enrolment_is_recognised_whatever_the_case_and_accents(
    certledger: Certledger,
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09", "--linked-person", "Hélène Roy")
    certledger.vae_steps("V2")
    certledger.convene("JV", on="2017-06-21", people=[*FIVE, ("HELENE  roy", "technicien")])

    error = certledger.refused("jury decide JV V2 --validate C10")

    assert error == (
        "Error: rule 3 (jury composition): HELENE roy sits on jury session JV but is linked to "
        "candidate V2 (no derogation allowed)"
    )


@pytest.mark.parametrize("linked", ["at enrolment", "later"])
def test_linked_names_that_cannot_be_read_without_the_key_file_refuse_the_decision(
    certledger: Certledger, tmp_path: Path, linked: str
) -> None:
    if linked == "at enrolment":
        certledger.enroll("V2", "vae", "2017-01-09", "--linked-person", "Tom Gris")
    else:
        certledger.enroll("V2", "vae", "2017-01-09")
        certledger.ok("candidate link-person V2 --name 'Tom Gris' --relation tutor --on 2017-01-10")
    certledger.vae_steps("V2")
    certledger.convene("JV", on="2017-06-21", people=SIX)
    before = certledger.rows()

    error = certledger.refused(f"--keys {tmp_path / 'none.keys'} jury decide JV V2 --validate C10")

    assert error == (
        "Error: rule 3 (jury composition): the names of the persons linked to candidate V2 "
        "cannot be read without the key file that holds the ledger's key, so no one can tell "
        "whether they sit on jury session JV (give the key file with --keys or "
        "$CERTLEDGER_KEYS)"
    )
    assert certledger.rows() == before
    assert certledger.refused("jury decide JV V2 --validate C10").startswith(
        "Error: rule 3 (jury composition): Tom Gris sits on jury session JV"
    )


def test_the_audit_without_the_key_file_flags_the_juries_it_could_not_check_for_rule_3(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09", "--linked-person", "Zoé Roy")
    certledger.vae_steps("V2")
    certledger.convene("JV", on="2017-06-21", people=SIX)
    certledger.ok("jury decide JV V2 --validate C10")

    with_key = json.loads(certledger.ok("audit --format json"))
    without = json.loads(certledger.ok(f"--keys {tmp_path / 'none.keys'} audit --format json"))

    assert with_key["decisions"][0]["jury"]["linked_checked"] is True
    assert with_key["summary"]["jury_problems"] == 0
    assert without["decisions"][0]["jury"]["linked_checked"] is False
    assert without["summary"]["jury_problems"] == 1


def test_a_decision_about_an_erased_candidate_warns_that_rule_3_could_not_be_checked(
    certledger: Certledger,
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09", "--linked-person", "Tom Gris")
    certledger.vae_steps("V2")
    certledger.convene("JV", on="2017-06-21", people=SIX)
    certledger.ok("candidate erase V2 --reason 'request'")

    result = certledger("jury decide JV V2 --validate C10")
    rectified = certledger("decision rectify V2/JV --validate C10,C11 --reason 'C11 omitted'")

    warning = (
        "Warning: the persons linked to candidate V2 were erased with their personal data: "
        "whether one of them sits on jury session JV (rule 3) could not be checked\n"
    )
    assert result.exit_code == 0 and result.stdout == "V2/JV\n"
    assert result.stderr == warning
    assert rectified.exit_code == 0 and rectified.stderr == warning


def test_a_person_linked_to_one_candidate_may_sit_for_another(vae_candidate: Certledger) -> None:
    vae_candidate.enroll("V3", "vae", "2017-01-09")
    vae_candidate.ok("candidate link-person V3 --name 'Tom Gris' --relation tutor --on 2017-01-10")

    assert vae_candidate.ok("jury decide JV V2 --validate C10") == "V2/JV\n"


def test_a_competency_without_a_passed_assessment_is_refused_by_rule_4(ready: Certledger) -> None:
    ready.assess("V1", "BC02-E1", "2017-06-01", "C10")

    error = ready.refused("jury decide J1 V1 --validate C01,C10,C11")

    assert error == (
        "Error: rule 4 (evidence): no passed assessment on or before 2017-06-20 and less than "
        f"the validity period old backs competency C11{OVERRIDE}"
    )


def test_an_assessment_dated_after_the_deliberation_is_no_evidence(certledger: Certledger) -> None:
    certledger.enroll("V1")
    certledger.convene("J1", on="2017-06-20")
    certledger.assess("V1", "BC02-E1", "2017-06-21", "C10")

    error = certledger.refused("jury decide J1 V1 --validate C10")

    assert error.startswith(
        "Error: rule 4 (evidence): no passed assessment on or before 2017-06-20"
    )


@pytest.mark.parametrize(("sits_on", "backed"), [("2017-05-31", True), ("2017-06-01", False)])
def test_an_assessment_is_evidence_for_less_than_five_years(
    certledger: Certledger, sits_on: str, backed: bool
) -> None:
    certledger.enroll("V1", "formation_continue", "2011-09-12")
    certledger.assess("V1", "BC02-E1", "2012-06-01", "C10")
    certledger.convene("J1", on=sits_on)
    line = "jury decide J1 V1 --validate C10"

    if backed:
        assert certledger.ok(line) == "V1/J1\n"
    else:
        assert certledger.refused(line).startswith("Error: rule 4 (evidence): ")


def test_a_vae_interview_is_evidence_for_a_vae_decision(vae_candidate: Certledger) -> None:
    out = vae_candidate.ok("jury decide JV V2 --validate C01,C20,C42")

    assert out == "V2/JV\n"


def test_a_block_below_its_threshold_is_refused_by_rule_5(ready: Certledger) -> None:
    error = ready.refused("jury decide J1 V1 --validate C01,C02,C03,C04,C05,C06 --award-block BC01")

    assert error == (
        "Error: rule 5 (thresholds): block RNCP13080BC01 on 2017-06-20: 6 of the 9 count "
        f"(C01, C02, C03, C04, C05, C06), 7 required{NEVER}"
    )


def test_a_block_threshold_counts_competencies_validated_by_earlier_decisions(
    ready: Certledger,
) -> None:
    ready.ok("jury decide J1 V1 --validate C01,C02,C03,C04")
    ready.convene("J2", on="2017-07-03")

    out = ready.ok("jury decide J2 V1 --validate C05,C06,C07 --award-block BC01")

    assert out == "V1/J2\n"
    assert ready.status("V1", "2017-07-03")["blocks"][0]["awarded_on"] == "2017-07-03"


def test_a_title_below_35_competencies_is_refused_by_rule_5(ready: Certledger) -> None:
    error = ready.refused(f"jury decide J1 V1 --validate {NINE} --award-title")

    assert error == (
        "Error: rule 5 (thresholds): the title on 2017-06-20: 9 distinct competencies count, "
        f"35 required{NEVER}"
    )


def test_a_derogation_overrides_missing_evidence_and_is_flagged_on_what_it_awarded(
    ready: Certledger,
) -> None:
    out = ready.ok(
        f"jury decide J1 V1 --validate {NINE},C10 --award-block BC01 --derogation "
        "'judged on the professional file'",
    )

    assert out == "V1/J1\n"
    status = ready.status("V1", "2017-06-20")
    bc01 = status["blocks"][0]
    assert (bc01["awarded"], bc01["eligible"], bc01["derogation"]) == (True, True, True)
    assert {c["code"]: c["derogation"] for c in status["competencies"]}["C10"] is True
    assert status["title"]["derogation"] is False
    table = ready.ok("status V1 --as-of 2017-06-20")
    assert "2017-06-20 (by derogation)" in table


def test_a_derogation_never_lets_a_block_below_its_threshold_through(ready: Certledger) -> None:
    error = ready.refused(
        "jury decide J1 V1 --validate C01,C02 --award-block BC01 --derogation 'sovereign jury'"
    )

    assert error == (
        "Error: rule 5 (thresholds): block RNCP13080BC01 on 2017-06-20: 2 of the 9 count "
        f"(C01, C02), 7 required{NEVER}"
    )


def test_a_derogation_never_lets_a_vae_title_through_without_the_procedure(
    certledger: Certledger,
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.convene("JV", on="2017-06-21", people=SIX)

    error = certledger.refused(
        f"jury decide JV V2 --validate {ALL} --award-title --derogation 'well known to us'"
    )

    assert error == (
        "Error: rule 4 (evidence): candidate V2's VAE procedure is not complete: no admission "
        "(recevabilité, livret 1) on or before 2017-06-21 (the VAE procedure admits no "
        "derogation)"
    )


def test_every_block_held_without_the_title_is_refused_and_said_in_words(
    certledger: Certledger,
) -> None:
    thirty = ",".join(f"C{n:02d}" for n in (*range(1, 20), *range(23, 34)))
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2017-06-01")
    certledger.convene("J1")
    certledger.ok(
        f"jury decide J1 V1 --validate {thirty} --award-block BC01 --award-block BC02 "
        "--award-block BC03 --award-block BC04"
    )
    certledger.convene("J2", on="2017-07-03")

    error = certledger.refused("jury decide J2 V1 --award-title")

    assert error == (
        "Error: rule 5 (thresholds): the title on 2017-07-03: every block held; the title "
        f"needs 35, has 30 distinct competencies{NEVER}"
    )
    assert certledger.status("V1", "2017-07-03")["title"]["note"] == (
        "every block held; the title needs 35, has 30"
    )
    assert (
        "every block held; the title needs 35, has 30"
        in certledger.ok("status V1 --as-of 2017-07-03").splitlines()
    )
    assert "every block held; the title needs 35, has 30" in " ".join(
        certledger.ok("explain V1 --as-of 2017-07-03").split()
    )


def test_a_block_outside_the_registrations_is_refused_by_rule_6_naming_the_periods(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2019-09-01")
    certledger.convene("J20", on="2020-01-15")

    error = certledger.refused(f"jury decide J20 V1 --validate {NINE} --award-block BC01")

    assert error == (
        "Error: rule 6 (RNCP registration): RNCP13080BC01 cannot be awarded on 2020-01-15, "
        f"outside the RNCP registration periods of referential 2006.1 ({REGISTRATIONS})"
    )


def test_validating_competencies_outside_the_registrations_is_accepted(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.pass_bc01("V1", on="2019-09-01")
    certledger.convene("J20", on="2020-01-15")

    assert certledger.ok(f"jury decide J20 V1 --validate {NINE}") == "V1/J20\n"


def test_an_unknown_block_is_refused_by_rule_1(ready: Certledger) -> None:
    error = ready.refused("jury decide J1 V1 --award-block BC09")

    assert error == (
        "Error: rule 1 (codes): block BC09 does not exist in referential 2006.1 in force on "
        "2017-06-20 (blocks: BC01, BC02, BC03, BC04)"
    )


def test_a_session_before_the_enrolment_is_refused_by_rule_2(ready: Certledger) -> None:
    ready.convene("J0", on="2016-06-20")

    error = ready.refused("jury decide J0 V1")

    assert error == (
        "Error: rule 2 (enrolment and session): the deliberation of jury session J0 dated "
        "2016-06-20 is before candidate V1's enrolment on 2016-09-12"
    )


@pytest.mark.parametrize(
    ("session", "candidate", "message"),
    [
        ("J9", "V1", "Error: jury session J9 not found"),
        ("J1", "V9", "Error: candidate V9 not found"),
    ],
)
def test_a_decision_for_an_unknown_session_or_candidate_is_refused(
    ready: Certledger, session: str, candidate: str, message: str
) -> None:
    assert ready.refused(f"jury decide {session} {candidate}") == message


def test_a_second_decision_in_the_same_session_is_refused(ready: Certledger) -> None:
    ready.ok("jury decide J1 V1 --validate C01")

    error = ready.refused("jury decide J1 V1 --validate C02")

    assert error == (
        "Error: decision V1/J1 exists already: candidate V1 has one decision per jury session "
        "(correct it with `decision rectify`)"
    )


def test_the_title_is_awarded_once(certledger: Certledger) -> None:
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2019-09-01")
    certledger.convene("J18", on="2019-10-01")
    certledger.convene("J19", on="2019-10-04")
    certledger.ok(f"jury decide J18 V1 --validate {ALL} --award-title")

    error = certledger.refused("jury decide J19 V1 --award-title")

    assert error == "Error: candidate V1 was awarded the title by decision V1/J18 on 2019-10-01"


def test_deciding_again_under_the_same_request_id_prints_the_same_id_and_writes_nothing(
    ready: Certledger,
) -> None:
    line = f"jury decide J1 V1 --validate {NINE} --request-id d-1"
    first = ready.json(line)
    rows = ready.rows()

    again = ready.json(line)
    human = ready(line)

    assert again == {**first, "replayed": True}
    assert first["id"] == "V1/J1"
    assert (human.exit_code, human.stdout) == (0, "V1/J1\n")
    assert human.stderr == "(already recorded under this request id: nothing written)\n"
    assert ready.rows() == rows


def test_the_same_request_id_on_another_decision_is_refused_by_rule_9(ready: Certledger) -> None:
    ready.ok(f"jury decide J1 V1 --validate {NINE} --request-id d-1")
    ready.convene("J2", on="2017-07-03")

    error = ready.refused("jury decide J2 V1 --request-id d-1")

    assert error == (
        "Error: rule 9 (idempotency): request id d-1 was used on jury decide with other "
        "content; use a new request id"
    )


# propose


def test_propose_shows_what_the_evidence_allows(ready: Certledger) -> None:
    lines = [" ".join(line.split()) for line in ready.ok("jury propose J1 V1").splitlines()]

    assert lines == [
        "Candidate V1 before jury session J1 on 2017-06-20 (route formation_continue, "
        "referential 2006.1)",
        "jury: complete",
        "already counting: none",
        "can validate (evidence on file): C01, C02, C03, C04, C05, C06, C07, C08, C09",
        "block eligible counting required",
        "RNCP13080BC01 yes 9/9 7",
        "RNCP13080BC02 no 0/3 3",
        "RNCP13080BC03 no 0/10 7",
        "RNCP13080BC04 no 9/29 20",
        "title: eligible no (9 of 35 required)",
    ]


def test_propose_shows_what_is_wrong_with_the_jury_and_the_date(
    certledger: Certledger,
) -> None:
    certledger.enroll("V2", "vae", "2017-01-09", "--linked-person", "Ana Roy")
    certledger.convene("J20", on="2020-01-15", people=FIVE)

    lines = certledger.ok("jury propose J20 V2").splitlines()

    assert lines[1] == "jury: missing technicien; linked members Ana Roy; president is member yes"
    assert lines[-1] == (
        f"no award possible on this date: outside the registrations ({REGISTRATIONS})"
    )


def test_propose_json_lists_the_jury_check_the_evidence_and_the_standings(
    ready: Certledger,
) -> None:
    proposal = ready.json("jury propose J1 V1")

    assert (proposal["session"], proposal["candidate"], proposal["sits_on"]) == (
        "J1",
        "V1",
        "2017-06-20",
    )
    assert proposal["jury"] == {
        "ok": True,
        "required": [role for _, role in FIVE],
        "missing": [],
        "president_is_member": True,
        "linked_members": [],
    }
    assert proposal["can_validate"] == NINE.split(",")
    assert [(b["code"], b["eligible"]) for b in proposal["blocks"]] == [
        ("RNCP13080BC01", True),
        ("RNCP13080BC02", False),
        ("RNCP13080BC03", False),
        ("RNCP13080BC04", False),
    ]
    assert proposal["title"] == {"eligible": False, "counting": 9, "required": 35}
    assert proposal["registered"] is True


def test_propose_writes_nothing(ready: Certledger) -> None:
    rows = ready.rows()

    ready.ok("jury propose J1 V1")

    assert ready.rows() == rows


# The VAE jury balance (gender optional on each member).

BALANCED = (
    "--member 'Ana Roy:realisateur:F' --member 'Paul Blanc:producteur:M' "
    "--member 'Lea Noir:monteur_truquiste:F' --member 'Ines Vert:responsable_pedagogique:F' "
    "--member 'Hugo Bleu:directeur_ecole:M' --member 'Tom Gris:technicien:m'"
)


def test_convening_records_the_gender_given_with_a_member(certledger: Certledger) -> None:
    certledger.ok(f"jury convene JV --on 2017-06-21 {BALANCED} --president 'Hugo Bleu'")
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.vae_steps("V2")
    certledger.ok("jury decide JV V2 --validate C10")

    convened = next(e for e in certledger.history("V2") if e["type"] == "JuryConvened")
    assert [m.get("gender") for m in convened["data"]["members"]] == ["F", "M", "F", "F", "M", "M"]


def test_propose_shows_whether_a_vae_jury_is_balanced(vae_candidate: Certledger) -> None:
    proposal = vae_candidate.json("jury propose JV V2")

    assert proposal["vae_procedure"] == "complete"
    assert proposal["balance"]["ok"] is False
    assert proposal["balance"]["problems"] == [
        "gender not recorded for Ana Roy, Paul Blanc, Lea Noir, Ines Vert, Hugo Bleu, Tom Gris: "
        "the balance of women and men cannot be shown"
    ]
    assert (
        "VAE jury balance: gender not recorded for Ana Roy, Paul Blanc, Lea Noir, Ines Vert, "
        "Hugo Bleu, Tom Gris: the balance of women and men cannot be shown"
    ) in vae_candidate.ok("jury propose JV V2").splitlines()


def test_propose_says_a_vae_procedure_is_not_complete(certledger: Certledger) -> None:
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.convene("JV", on="2017-06-21", people=SIX)

    proposal = certledger.json("jury propose JV V2")

    assert proposal["can_validate"] == []
    assert proposal["vae_procedure"] == (
        "no admission (recevabilité, livret 1) on or before 2017-06-21"
    )


def test_the_audit_lists_a_vae_jury_whose_balance_cannot_be_shown(
    vae_candidate: Certledger,
) -> None:
    vae_candidate.ok("jury decide JV V2 --validate C10")

    document = json.loads(vae_candidate.ok("audit --from 2017-01-01 --to 2017-12-31"))

    (unbalanced,) = document["vae_juries_unbalanced"]
    assert (unbalanced["session"], unbalanced["decisions"], unbalanced["ok"]) == (
        "JV",
        ["V2/JV"],
        False,
    )
    assert document["summary"]["vae_juries_unbalanced"] == 1


def test_the_audit_does_not_list_a_balanced_vae_jury(certledger: Certledger) -> None:
    certledger.ok(f"jury convene JV --on 2017-06-21 {BALANCED} --president 'Hugo Bleu'")
    certledger.enroll("V2", "vae", "2017-01-09")
    certledger.vae_steps("V2")
    certledger.ok("jury decide JV V2 --validate C10")

    document = json.loads(certledger.ok("audit --from 2017-01-01 --to 2017-12-31"))

    assert document["vae_juries_unbalanced"] == []
