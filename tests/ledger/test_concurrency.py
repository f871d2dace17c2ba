"""Several writer processes on one store: nothing lost, nothing duplicated, rules still hold.

Every test runs on an SQLite file and on a PostgreSQL schema of its own (skipped when
CERTLEDGER_TEST_POSTGRES is not set). Writers are spawned processes, each with its own
`Ledger`; they start together at a barrier.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

import pytest

from ledger.application import Ledger
from ledger.dossier import Dossier
from ledger.ids import candidate_stream
from ledger.integrity import Verification, verify_store
from ledger.rules import counting_on
from projections.status import candidate_status
from tests.builders import FIVE, IDENTITY, PRESIDENT
from tests.ledger.workers import (
    CRASH_ASSESSED_ON,
    CRASH_BLOCK_SESSION,
    CRASH_CANDIDATES,
    CRASH_TITLE_SESSION,
    Command,
    Outcome,
    crash_candidate,
    crash_commands,
    epreuves_of,
    run_script,
    set_barrier,
)

ROOT = Path(__file__).resolve().parents[2]
ASSESSED_ON = date(2017, 6, 1)
"""Every candidate passed every épreuve that day: evidence for all 42 until 2022-06-01."""

WRITERS = 8
ALL = tuple(f"C{n:02d}" for n in range(1, 43))

MakeStore = Callable[[str], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """Makes fresh store URLs: SQLite files, or PostgreSQL schemas of their own (dropped after)."""
    if request.param == "sqlite":
        yield lambda name: f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    base = os.environ.get("CERTLEDGER_TEST_POSTGRES")
    if not base:
        pytest.skip("CERTLEDGER_TEST_POSTGRES is not set: no PostgreSQL server to test against")
    import psycopg

    schemas: list[str] = []

    def make(name: str) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        return f"{base}?schema={schema}"

    try:
        yield make
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


# Helpers.


def initialised(url: str) -> Ledger:
    ledger = Ledger(url, create=True)
    ledger.initialise(by="setup")
    return ledger


def enrol_and_assess(ledger: Ledger, candidates: list[str]) -> None:
    """Enrol (formation continue) and pass every épreuve on ASSESSED_ON, in one transaction."""
    with ledger.batch():
        for candidate in candidates:
            ledger.enroll(
                candidate,
                route="formation_continue",
                on=date(2016, 9, 12),
                identity=IDENTITY,
                by="setup",
            )
            for code, passed in epreuves_of(ledger, ASSESSED_ON):
                ledger.record_assessment(
                    candidate, epreuve=code, on=ASSESSED_ON, passed=list(passed), by="setup"
                )


def convene(ledger: Ledger, sessions: dict[str, date]) -> None:
    with ledger.batch():
        for session, day in sessions.items():
            ledger.convene_jury(session, on=day, members=FIVE, president=PRESIDENT, by="setup")


def race(
    url: str, scripts: list[list[Command]], *, lockstep: bool = False
) -> tuple[list[list[Outcome]], int]:
    """Run one script per spawned writer process, all starting at once; their outcomes
    (in script order) and the number of conflicts their commands retried."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(scripts))
    with context.Pool(len(scripts), initializer=set_barrier, initargs=(barrier,)) as pool:
        done = pool.starmap(run_script, [(url, script, lockstep) for script in scripts])
    return [d["outcomes"] for d in done], sum(d["conflicts"] for d in done)


def topics(ledger: Ledger) -> Counter[str]:
    return Counter(n.topic for n in ledger.recorder.select_notifications(None, 10**7))


def states(ledger: Ledger, topic: str) -> list[dict[str, Any]]:
    decode = ledger.events.ledger_mapper.decode_state
    return [
        decode(n.topic, n.state)
        for n in ledger.recorder.select_notifications(None, 10**7, topics=[topic])
    ]


def verification(ledger: Ledger) -> Verification:
    return verify_store(ledger.events)


def assert_intact(ledger: Ledger) -> None:
    result = verification(ledger)
    stored = sum(topics(ledger).values())
    assert result.ok, f"verify found problems: {result.problems[:5]}"
    assert result.events == stored, f"verify read {result.events} events, the store has {stored}"


def refusals(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(
        f"{o['error']}" + (f" (rule {o['rule']})" if o["rule"] else "")
        for o in outcomes
        if not o["ok"]
    )


# 1. Eight writers on shared candidates.

POOL = 12


class Sitting(NamedTuple):
    """One jury session of the race: what every writer asks it to decide and certify."""

    sits_on: date
    validated: tuple[str, ...]
    blocks: tuple[str, ...]
    title: bool
    certificates: tuple[str, str]
    issued_on: date


SESSIONS = {
    "J1": Sitting(
        date(2017, 6, 20),
        ALL[0:9],
        ("BC01",),
        False,
        ("block:BC01", "competency:C01"),
        date(2017, 6, 26),
    ),
    "J2": Sitting(
        date(2017, 9, 20),
        ALL[9:12],
        ("BC02",),
        False,
        ("block:BC02", "competency:C10"),
        date(2017, 9, 25),
    ),
    "J3": Sitting(
        date(2018, 1, 15),
        ALL[12:22],
        ("BC03",),
        False,
        ("block:BC03", "competency:C13"),
        date(2018, 1, 20),
    ),
    "J4": Sitting(
        date(2018, 6, 20),
        ALL[22:42],
        ("BC04",),
        False,
        ("block:BC04", "competency:C23"),
        date(2018, 6, 25),
    ),
    "J5": Sitting(date(2019, 1, 15), ALL, (), True, ("title", "competency:C42"), date(2019, 1, 20)),
    "J6": Sitting(
        date(2019, 6, 20),
        ALL[9:12],
        (),
        False,
        ("competency:C11", "competency:C12"),
        date(2019, 6, 25),
    ),
}
"""Each decision is valid on its own (evidence for all 42 since ASSESSED_ON), so the final
state is the same whichever writer wins each race; certificates go to three registers
(2017, 2018, 2019)."""


def pool_candidate(n: int) -> str:
    return f"P{n:02d}"


def writer_script(writer: int) -> list[Command]:
    """Writer i goes round the pool from candidate 3i, once per session: for each candidate an
    assessment, the session's decision and its two certificates (4 commands), every writer
    sending the same decision and certificates as the others. Writers i and i+4 keep step
    on the same candidate; the others are 3 candidates apart."""
    plain: list[Command] = []
    for unit in range(POOL * len(SESSIONS)):
        candidate = pool_candidate((3 * writer + unit) % POOL)
        session = list(SESSIONS)[unit // POOL]
        sitting = SESSIONS[session]
        plain.append(
            (
                "record_assessment",
                (candidate,),
                {"epreuve": "BC02-E2", "on": sitting.sits_on, "passed": ["C10", "C11", "C12"]},
            )
        )
        plain.append(
            (
                "record_decision",
                (session, candidate),
                {
                    "validated": list(sitting.validated),
                    "blocks": list(sitting.blocks),
                    "title": sitting.title,
                },
            )
        )
        plain += [
            ("issue_certificate", (f"{candidate}/{session}",), {"kind": k, "on": sitting.issued_on})
            for k in sitting.certificates
        ]
    return [
        (method, args, {**kwargs, "by": f"writer{writer}", "request_id": f"w{writer}-{i}"})
        for i, (method, args, kwargs) in enumerate(plain)
    ]


GAVE_UP = ("ConcurrentWrite", None, "other writers changed the same records 10 times")
LEGITIMATE = {
    "record_assessment": (GAVE_UP,),
    "record_decision": (("AlreadyExists", None, "exists already"), GAVE_UP),
    "issue_certificate": (("RuleViolation", 7, "was already issued"), GAVE_UP),
}
"""Why a command may be refused when other writers sent the same decision or certificate, or
kept changing its records through all of `_commit`'s retries (it then writes nothing)."""


def test_eight_writers_on_shared_candidates_lose_and_duplicate_nothing(
    make_store: MakeStore,
) -> None:
    url = make_store("writers")
    ledger = initialised(url)
    try:
        candidates = [pool_candidate(n) for n in range(POOL)]
        enrol_and_assess(ledger, candidates)
        convene(ledger, {s: sitting.sits_on for s, sitting in SESSIONS.items()})
        before = topics(ledger)
        scripts = [writer_script(w) for w in range(WRITERS)]

        outcomes, conflicts = race(url, scripts)

        sent = [
            (c, o)
            for s, os_ in zip(scripts, outcomes, strict=True)
            for c, o in zip(s, os_, strict=True)
        ]
        assert len(sent) == WRITERS * POOL * len(SESSIONS) * 4
        wrong = [
            (c[0], c[1], o["error"], o["message"])
            for c, o in sent
            if not o["ok"]
            and not any(
                o["error"] == error and o["rule"] == rule and why in o["message"]
                for error, rule, why in LEGITIMATE[c[0]]
            )
        ]
        assert not wrong, f"{len(wrong)} command(s) refused for no legitimate rule: {wrong[:5]}"
        ok = Counter(c[0] for c, o in sent if o["ok"])
        gave_up = Counter(c[0] for c, o in sent if not o["ok"] and o["error"] == GAVE_UP[0])
        print(
            f"\n{len(sent)} commands by {WRITERS} writers: ok {dict(ok)}, "
            f"refused {dict(refusals([o for _, o in sent]))} (gave up: {dict(gave_up)}), "
            f"{conflicts} conflicts retried"
        )
        assert conflicts > 0, "the writers never conflicted: the test did not race them"

        pairs = POOL * len(SESSIONS)
        assert ok["record_assessment"] == WRITERS * pairs - gave_up["record_assessment"]
        assert ok["record_decision"] == pairs, "each (candidate, session) decided exactly once"
        assert ok["issue_certificate"] == 2 * pairs, "each certificate issued exactly once"

        numbers = [
            o["result"]["number"] for c, o in sent if o["ok"] and c[0] == "issue_certificate"
        ]
        years = {number.split("-")[1] for number in numbers}
        expected = Counter(
            {
                "AssessmentRecorded": ok["record_assessment"],
                "DecisionRecorded": ok["record_decision"],
                "CertificateIssued": ok["issue_certificate"],
                "CertificateNumberAllocated": ok["issue_certificate"],
                "CertificateRegisterOpened": len(years),
                "Claimed": ok.total() + 2 * ok["issue_certificate"],
            }
        )
        assert topics(ledger) - before == expected, "stored events differ from the results"
        assert before - topics(ledger) == Counter(), "events stored before the race vanished"

        decided = sorted(s["decision_id"] for s in states(ledger, "DecisionRecorded"))
        returned = sorted(
            o["result"]["id"] for c, o in sent if o["ok"] and c[0] == "record_decision"
        )
        assert decided == returned == sorted(f"{c}/{s}" for c in candidates for s in SESSIONS)

        issued = states(ledger, "CertificateIssued")
        stored_numbers = sorted(s["number"] for s in issued)
        assert len(set(stored_numbers)) == len(stored_numbers), "a certificate number repeats"
        assert stored_numbers == sorted(numbers), "issued certificates differ from the results"
        awards = Counter((s["decision_id"], s["kind"], s["subject"]) for s in issued)
        assert awards.most_common(1)[0][1] == 1, f"an award was certified twice: {awards}"
        allocated = sorted(s["number"] for s in states(ledger, "CertificateNumberAllocated"))
        assert allocated == stored_numbers, "the registers allocated other numbers"
        for year in sorted(years):
            of_year = [n for n in stored_numbers if n.split("-")[1] == year]
            dense = [f"RNCP13080-{year}-{k:05d}" for k in range(1, len(of_year) + 1)]
            assert of_year == dense, f"the {year} register has gaps or strays: {of_year}"

        requests = {s["key"] for s in states(ledger, "Claimed") if s["kind"] == "request"}
        answered = {c[2]["request_id"] for c, o in sent if o["ok"]}
        assert requests == answered, (
            f"request ids claimed but refused: {sorted(requests - answered)[:5]}; "
            f"answered but not claimed: {sorted(answered - requests)[:5]}"
        )

        assert_intact(ledger)
        versions = ledger.versions()
        for candidate in candidates:
            status = candidate_status(
                ledger.candidate_facts(candidate), versions, as_of=date(2019, 12, 31), known_at=None
            )
            assert status is not None
            assert status.state == "certified"
            assert len(status.certificates) == 2 * len(SESSIONS)
            assert [b.awarded for b in status.blocks] == [True] * 4
    finally:
        ledger.close()


# 1b. Two juries racing on the threshold.

EARLY, LATE = ("JA", date(2018, 1, 15)), ("JB", date(2018, 6, 20))
FIRST_HALF, SECOND_HALF = ALL[0:20], ALL[20:40]
"""20 competencies each: alone below the title's 35, together 40."""

VARIANTS = {
    # variant: (writer 1's decision, writer 2's decision) as (session, validated, title)
    "both_claim_the_title": ((EARLY[0], FIRST_HALF, True), (LATE[0], SECOND_HALF, True)),
    "each_enough_alone": ((EARLY[0], ALL[0:35], True), (LATE[0], ALL[5:40], True)),
    "earlier_half_then_title": ((EARLY[0], FIRST_HALF, False), (LATE[0], SECOND_HALF, True)),
    "later_half_cannot_help": ((LATE[0], FIRST_HALF, False), (EARLY[0], SECOND_HALF, True)),
}
RACES_PER_VARIANT = 4


def test_two_juries_racing_never_award_a_title_that_only_their_sum_would_reach(
    make_store: MakeStore,
) -> None:
    url = make_store("threshold")
    ledger = initialised(url)
    try:
        cases = [(f"{v.split('_')[0]}{n}", v) for v in VARIANTS for n in range(RACES_PER_VARIANT)]
        enrol_and_assess(ledger, [c for c, _ in cases])
        convene(ledger, dict([EARLY, LATE]))
        before = topics(ledger)

        def decide(side: int, candidate: str, variant: str) -> Command:
            session, validated, title = VARIANTS[variant][side]
            kwargs = {"validated": list(validated), "title": title, "by": f"jury{side}"}
            return ("record_decision", (session, candidate), kwargs)

        scripts = [[decide(side, c, v) for c, v in cases] for side in (0, 1)]
        (first, second), _ = race(url, scripts, lockstep=True)

        seen: Counter[str] = Counter()
        for (candidate, variant), one, two in zip(cases, first, second, strict=True):
            if variant == "both_claim_the_title":
                assert [one.get("rule"), two.get("rule")] == [5, 5], (candidate, one, two)
            elif variant == "each_enough_alone":
                assert sorted([one["ok"], two["ok"]]) == [False, True], (candidate, one, two)
                refused = two if one["ok"] else one
                assert refused["error"] == "AlreadyExists", refused
                assert "was awarded the title" in refused["message"], refused
            elif variant == "later_half_cannot_help":
                assert one["ok"] and two.get("rule") == 5, (candidate, one, two)
            else:
                assert one["ok"], (candidate, one)
                assert two["ok"] or two.get("rule") == 5, (candidate, two)
            seen[f"{variant}: " + "/".join("ok" if o["ok"] else "refused" for o in (one, two))] += 1
        print(f"\nthreshold races: {dict(seen)}")

        passed = sum(o["ok"] for o in (*first, *second))
        assert topics(ledger) - before == Counter({"DecisionRecorded": passed})

        versions = ledger.versions()
        for candidate, _ in cases:
            facts = ledger.candidate_facts(candidate)
            dossier = Dossier.known(facts, None)
            assert dossier is not None
            titles = [d for d in dossier.live_decisions() if d.title]
            assert len(titles) <= 1, f"{candidate} was awarded the title {len(titles)} times"
            for decision in titles:
                status = candidate_status(facts, versions, as_of=decision.on, known_at=None)
                assert status is not None and status.title.awarded
                counted = counting_on(status.dossier, versions, decision.on)
                assert len(counted) >= 35 and status.title.counting >= 35, (
                    f"{decision.id} awarded the title on {decision.on} with "
                    f"{len(counted)} competencies counting"
                )
        assert_intact(ledger)
    finally:
        ledger.close()


# 2. The same request, eight times at once.

SAME: list[Command] = [
    (
        "record_assessment",
        ("I1",),
        {
            "epreuve": "BC01-E1",
            "on": date(2017, 6, 10),
            "passed": ["C01", "C02"],
            "request_id": "same-assessment",
        },
    ),
    (
        "record_decision",
        ("J1", "I1"),
        {"validated": list(ALL[0:9]), "blocks": ["BC01"], "request_id": "same-decision"},
    ),
    (
        "issue_certificate",
        ("I1/J1",),
        {"kind": "block:BC01", "on": date(2017, 6, 26), "request_id": "same-issue"},
    ),
]


def test_eight_writers_sending_one_request_id_write_it_once_and_all_get_its_result(
    make_store: MakeStore,
) -> None:
    url = make_store("idempotent")
    ledger = initialised(url)
    try:
        enrol_and_assess(ledger, ["I1"])
        convene(ledger, {"J1": date(2017, 6, 20)})
        before = topics(ledger)
        scripts = [[(m, a, {**k, "by": f"writer{w}"}) for m, a, k in SAME] for w in range(WRITERS)]
        outcomes, _ = race(url, scripts, lockstep=True)

        seen = {}
        for step, (method, _, _) in enumerate(SAME):
            answers = [o[step] for o in outcomes]
            results = [a["result"] for a in answers if a["ok"]]
            first = [r for r in results if not r.get("replayed")]
            assert len(first) == 1, f"{method}: {len(first)} writers recorded it"
            replayed = [r for r in results if r.get("replayed")]
            assert replayed == [{**first[0], "replayed": True}] * len(replayed), method
            refused = [a["message"] for a in answers if not a["ok"]]
            assert refused == [], f"{method}: {refused}"
            seen[method] = f"1 recorded, {len(replayed)} replayed"
        print(f"\nsame request id from {WRITERS} writers: {seen}")

        assert topics(ledger) - before == Counter(
            {
                "AssessmentRecorded": 1,
                "DecisionRecorded": 1,
                "CertificateIssued": 1,
                "CertificateNumberAllocated": 1,
                "CertificateRegisterOpened": 1,
                "Claimed": 3 + 2,
            }
        ), "the writers recorded something else than one assessment, decision and certificate"
        certificates = [s["number"] for s in states(ledger, "CertificateIssued")]
        assert certificates == ["RNCP13080-2017-00001"]
        assert_intact(ledger)
    finally:
        ledger.close()


@pytest.mark.parametrize("step", [1, 2], ids=["decision", "certificate"])
def test_a_retry_arriving_while_the_original_commits_gets_its_result(
    make_store: MakeStore, step: int
) -> None:
    url = make_store("retry")
    ledger = initialised(url)
    enrol_and_assess(ledger, ["I1"])
    convene(ledger, {"J1": date(2017, 6, 20)})
    method, args, kwargs = SAME[step]
    for m, a, k in SAME[:step]:
        getattr(ledger, m)(*a, **k, by="setup")
    retry = Ledger(url)
    try:
        load = retry.uow.load
        first: list[dict[str, Any]] = []

        def original_commits_first(aggregate_id: UUID) -> Any:
            # The retry has looked its request id up (not there yet) and now reads the
            # candidate: the original commits at this moment.
            if aggregate_id == candidate_stream("I1"):
                retry.uow.load = load  # type: ignore[method-assign]
                first.append(getattr(ledger, method)(*args, **kwargs, by="original"))
            return load(aggregate_id)

        retry.uow.load = original_commits_first  # type: ignore[method-assign]
        again = getattr(retry, method)(*args, **kwargs, by="retry")
        assert again == {**first[0], "replayed": True}
    finally:
        retry.close()
        ledger.close()


def test_eight_writers_retrying_one_enrolment_all_get_its_result(make_store: MakeStore) -> None:
    url = make_store("enrol")
    initialised(url).close()
    enrolments: list[Command] = [
        (
            "enroll",
            (candidate,),
            {
                "route": "formation_continue",
                "on": date(2016, 9, 12),
                "identity": IDENTITY,
                "request_id": f"enrol-{candidate}",
            },
        )
        for candidate in ("E1", "E2", "E3")
    ]
    scripts = [
        [(m, a, {**k, "by": f"writer{w}"}) for m, a, k in enrolments] for w in range(WRITERS)
    ]
    outcomes, _ = race(url, scripts, lockstep=True)
    answers = [o for per_writer in outcomes for o in per_writer]
    assert refusals(answers) == Counter(), [o["message"] for o in answers if not o["ok"]][:1]


def test_a_candidate_enrolled_by_two_writers_at_once_stays_readable(
    make_store: MakeStore,
) -> None:
    url = make_store("keys")
    initialised(url).close()
    late, early = Ledger(url), Ledger(url)
    try:
        # Interleaved by hand, as two processes can: `late` has sealed K1's identity with a
        # key of its own when `early` commits the same enrolment (and its key); `late`'s save
        # then conflicts, and its retry adopts `early`'s key and gets its result.
        save = late.events.save

        def early_commits_first(*objs: Any, **kwargs: Any) -> Any:
            late.events.save = save  # type: ignore[method-assign]
            early.enroll(
                "K1",
                route="formation_continue",
                on=date(2016, 9, 12),
                identity=IDENTITY,
                by="early",
                request_id="enrol-K1",
            )
            return save(*objs, **kwargs)

        late.events.save = early_commits_first  # type: ignore[method-assign]
        result = late.enroll(
            "K1",
            route="formation_continue",
            on=date(2016, 9, 12),
            identity=IDENTITY,
            by="late",
            request_id="enrol-K1",
        )
        assert result == {"id": "K1", "replayed": True}
        reader = Ledger(url)
        try:
            facts = reader.candidate_facts("K1")
            keys = reader.events.dialect.read(
                reader.recorder, "SELECT stream FROM {candidate_keys}"
            )
        finally:
            reader.close()
        assert facts[1].data["identity"]["birth_name"] == IDENTITY["birth_name"]
        assert [k[0] for k in keys] == [candidate_stream("K1").hex]
    finally:
        late.close()
        early.close()


@pytest.mark.parametrize("make_store", ["postgresql"], indirect=True)
def test_a_registrar_opens_the_store_while_another_process_runs_its_ddl(
    make_store: MakeStore,
) -> None:
    """Only `init` runs the library's DDL: an open that ran it too would wait for the other
    process's transaction, then fail with 'tuple concurrently updated' (seen with 8 writers)."""
    url = make_store("open")
    first = initialised(url)
    try:
        # PostgreSQL only: SQLite serialises DDL behind its file lock, no open can break on it.
        import psycopg

        replace = next(
            s
            for s in first.recorder.sql_create_statements
            if "CREATE OR REPLACE FUNCTION" in s.as_string()
        )
        opened: list[BaseException | None] = []

        def second_registrar_opens() -> None:
            try:
                Ledger(url).close()
            except BaseException as e:
                opened.append(e)
            else:
                opened.append(None)

        with psycopg.connect(os.environ["CERTLEDGER_TEST_POSTGRES"]) as under_way:
            under_way.execute(replace)  # left uncommitted while the second registrar opens
            second = threading.Thread(target=second_registrar_opens)
            second.start()
            second.join(timeout=10)
            waited = second.is_alive()
            under_way.commit()
            second.join(timeout=30)
        assert not waited, f"the open waited for the other process's DDL, then got {opened}"
        assert opened == [None], f"the second registrar could not open the store: {opened}"
    finally:
        first.close()


# 3. A writer killed in the middle.


def _run_list(url: str) -> list[dict[str, Any]]:
    ledger = Ledger(url)
    try:
        commands = crash_commands(epreuves_of(ledger, CRASH_ASSESSED_ON))
        return [getattr(ledger, m)(*a, **k) for m, a, k in commands]
    finally:
        ledger.close()


def _crash_setup(url: str) -> None:
    ledger = initialised(url)
    try:
        with ledger.batch():
            for n in range(CRASH_CANDIDATES):
                ledger.enroll(
                    crash_candidate(n),
                    route="formation_continue",
                    on=date(2016, 9, 12),
                    identity=IDENTITY,
                    by="setup",
                )
        convene(ledger, dict([CRASH_BLOCK_SESSION, CRASH_TITLE_SESSION]))
    finally:
        ledger.close()


def _certificates(ledger: Ledger) -> list[tuple[str, str, str, str]]:
    return sorted(
        (s["number"], s["decision_id"], s["kind"], s["subject"])
        for s in states(ledger, "CertificateIssued")
    )


KILL_AFTER_COMMANDS = 175
"""Of the 600 commands: the writer is killed once it has said it committed this many (it may
have committed a few more by the time the signal lands)."""


def test_a_writer_killed_mid_run_leaves_a_store_that_verifies_and_a_rerun_completes_once(
    make_store: MakeStore,
) -> None:
    reference_url, url = make_store("reference"), make_store("crashed")
    _crash_setup(reference_url)
    reference_results = _run_list(reference_url)
    _crash_setup(url)

    watcher = Ledger(url)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from tests.ledger.workers import run_crash_list; "
                "run_crash_list(sys.argv[1])",
                url,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stderr is not None
        try:
            # The writer prints a line after each command it committed: read until enough.
            for done in range(KILL_AFTER_COMMANDS):
                line = child.stdout.readline()
                assert line, f"the writer ended after {done} commands: {child.stderr.read()!r}"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            child.stdout.close()
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL, "the writer was not killed mid-run"

        committed = sum(1 for s in states(watcher, "Claimed") if s["kind"] == "request")
        total = len(reference_results)
        assert 0 < committed < total, f"{committed} of {total} commands done before the kill"
        assert_intact(watcher)
    finally:
        watcher.close()

    rerun = _run_list(url)
    replayed = sum(bool(r.get("replayed")) for r in rerun)
    print(f"\nkilled after {committed} of {total} commands; the rerun replayed {replayed}")
    assert replayed == committed, "every command done before the kill is replayed, no other"
    assert [{k: v for k, v in r.items() if k != "replayed"} for r in rerun] == reference_results

    crashed, reference = Ledger(url), Ledger(reference_url)
    try:
        assert topics(crashed) == topics(reference)
        assert _certificates(crashed) == _certificates(reference)
        assert len(_certificates(reference)) == 2 * CRASH_CANDIDATES
        assert_intact(crashed)
    finally:
        crashed.close()
        reference.close()
