"""explain, replay and the materialised view, read from a real ledger and held to `status`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.referential import default_referential_text, parse_referential, sha256
from projections import view_store
from projections.explain import explain, sessions_named
from projections.replay import compare, replay, under
from projections.status import CandidateStatus, candidate_status
from projections.view_store import StatusViewRunner, check_view, open_view
from projections.views import CandidateRow, Interval
from tests.builders import BC01_SEVEN, SIX, convene, enroll, pass_bc01, pass_everything

DAYS = [
    date(2016, 1, 1),
    date(2016, 9, 12),
    date(2017, 6, 20),
    date(2019, 12, 31),
    date(2022, 6, 19),
    date(2022, 6, 20),
    date(2026, 11, 26),
]


def status_of(ledger: Ledger, candidate: str, as_of: date) -> CandidateStatus | None:
    return candidate_status(
        ledger.candidate_facts(candidate), ledger.versions(), as_of=as_of, known_at=None
    )


@pytest.fixture
def populated(ledger: Ledger, clock: FixedClock) -> Ledger:
    """Four candidates: BC01 by formation continue, VAE partial, withdrawn, annulled title."""
    enroll(ledger, "A1")
    pass_bc01(ledger, "A1")
    convene(ledger, "J1")
    ledger.record_decision("J1", "A1", validated=BC01_SEVEN, blocks=["BC01"], by="tester")
    ledger.issue_certificate("A1/J1", kind="block:BC01", on=date(2017, 6, 27), by="tester")

    enroll(ledger, "B2", route="vae", on=date(2017, 1, 9))
    ledger.admit_vae("B2", on=date(2017, 1, 20), by="tester")
    ledger.hold_vae_interview(
        "B2", on=date(2017, 5, 30), livret2_received_on=date(2017, 4, 28), by="tester"
    )
    convene(ledger, "J2", members=SIX)
    ledger.record_decision("J2", "B2", validated=["C10", "C11"], by="tester")

    enroll(ledger, "C3", route="formation_initiale")
    ledger.withdraw("C3", on=date(2018, 2, 1), reason="moved", by="tester")

    enroll(ledger, "D4")
    pass_everything(ledger, "D4")
    ledger.record_decision(
        "J1",
        "D4",
        validated=[f"C{n:02d}" for n in range(1, 43)],
        title=True,
        derogation="producteur absent, replaced on the day",
        by="tester",
    )
    clock.set(clock.current + timedelta(days=1))
    ledger.annul_decision("D4/J1", on=date(2018, 3, 1), reason="appeal upheld", by="tester")
    return ledger


class TestExplain:
    def test_names_the_decision_session_and_referential_behind_a_block(
        self, populated: Ledger
    ) -> None:
        found = status_of(populated, "A1", date(2019, 1, 1))
        assert found is not None
        sessions = {s: populated.session_facts(s)[0] for s in sessions_named(found)}
        document = explain(found, populated.versions(), sessions)
        bc01 = document["blocks"][0]
        assert bc01["code"] == "RNCP13080BC01"
        kinds = {
            (e["type"], e["decision"], e["session"], e["referential"]) for e in bc01["because"]
        }
        assert ("DecisionRecorded", "A1/J1", "J1", "2006.1") in kinds
        assert ("JuryConvened", "A1/J1", "J1", "2006.1") in kinds
        assert ("CertificateIssued", None, None, "2006.1") in kinds
        assert bc01["why"].startswith(
            "awarded on 2017-06-20 by decision A1/J1 (referential 2006.1): valid through "
            "2022-06-19 (until 2022-06-20 excluded), so it counts on 2019-01-01"
        )
        for event in bc01["because"]:
            assert set(event) >= {
                "event",
                "type",
                "effective_on",
                "recorded_at",
                "recorded_by",
                "decision",
                "session",
                "referential",
            }

    def test_cites_the_evidence_a_competency_rests_on(self, populated: Ledger) -> None:
        found = status_of(populated, "A1", date(2019, 1, 1))
        assert found is not None
        document = explain(found, populated.versions(), {})
        c04 = next(c for c in document["competencies"] if c["code"] == "C04")
        evidence = [e for e in c04["because"] if e["type"] == "AssessmentRecorded"]
        assert [e["event"] for e in evidence] == ["candidate/A1#4"]

    def test_a_vae_competency_explains_it_is_acquired_for_good(self, populated: Ledger) -> None:
        found = status_of(populated, "B2", date(2026, 1, 1))
        assert found is not None
        c10 = explain(found, populated.versions(), {})["competencies"][0]
        assert c10["why"] == (
            "validated on 2017-06-20 by decision B2/J2 (route vae, referential 2006.1): "
            "acquired for good (VAE)"
        )
        assert "VaeInterviewHeld" in {e["type"] for e in c10["because"]}

    def test_an_annulled_title_explains_itself(self, populated: Ledger) -> None:
        found = status_of(populated, "D4", date(2019, 1, 1))
        assert found is not None
        title = explain(found, populated.versions(), {})["title"]
        assert title["why"] == (
            "not awarded; not eligible: 0 distinct competencies count, 35 required "
            "(referential 2006.1)"
        )


class TestReplay:
    def test_agrees_with_status_for_every_candidate(self, populated: Ledger) -> None:
        for day in DAYS:
            streamed = {
                s.candidate: s.as_json()
                for s in replay(
                    populated.scan_candidates(),
                    populated.versions(),
                    as_of=day,
                    known_at=None,
                )
            }
            one_by_one = {
                c: s.as_json()
                for c in ("A1", "B2", "C3", "D4")
                if (s := status_of(populated, c, day)) is not None
            }
            assert streamed == one_by_one

    def test_a_referential_with_seven_years_of_validity_would_keep_bc01(
        self, populated: Ledger
    ) -> None:
        text = default_referential_text().replace('version = "2006.1"', 'version = "7y"')
        text = text.replace("validity_years = 5", "validity_years = 7")
        alternative = under(
            populated.versions(), parse_referential(text), sha256(text), date(2006, 3, 5)
        )
        changes = {
            c.candidate: c
            for c in compare(
                populated.scan_candidates(),
                populated.versions(),
                alternative,
                as_of=date(2023, 1, 1),
                known_at=None,
            )
        }
        assert set(changes) == {"A1"}
        assert changes["A1"].gains == ("block RNCP13080BC01 counts", "block RNCP13080BC01 eligible")
        assert changes["A1"].loses == ()
        assert populated.versions().at(date(2023, 1, 1)).version == "2006.1"


class TestStatusView:
    def assert_view_equals_status(self, ledger: Ledger) -> None:
        view = open_view(ledger, create=True)
        assert view is not None
        StatusViewRunner(ledger, view).catch_up()
        for day in DAYS:
            listed = {r.candidate: r for r in view.listing(day)}
            expected = {
                c: s for c in ledger.candidate_ids() if (s := status_of(ledger, c, day)) is not None
            }
            assert set(listed) == set(expected), day
            for candidate, s in expected.items():
                row = listed[candidate]
                assert (row.state, row.route, row.counting_competencies) == (
                    s.state,
                    s.route,
                    s.counting_competencies,
                ), (day, candidate)
                assert row.blocks == tuple(sorted(b.code for b in s.blocks if b.counts))

    def test_equals_the_pure_projection_on_every_day(self, populated: Ledger) -> None:
        self.assert_view_equals_status(populated)

    def test_catches_up_after_new_events_and_equals_a_rebuild(self, populated: Ledger) -> None:
        view = open_view(populated, create=True)
        assert view is not None
        runner = StatusViewRunner(populated, view, batch=3)
        runner.catch_up()
        populated.withdraw("A1", on=date(2019, 3, 1), reason="abroad", by="tester")
        assert runner.catch_up() == 1
        incremental = [view.listing(d) for d in DAYS]
        runner.rebuild()
        assert [view.listing(d) for d in DAYS] == incremental
        self.assert_view_equals_status(populated)

    @pytest.mark.parametrize("built", [False, True], ids=["building", "catching-up"])
    def test_a_catch_up_that_meets_another_goes_on_from_where_the_other_got(
        self, populated: Ledger, built: bool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two registrars list candidates at the same moment: while one folds, the other
        saves first. The first one's save writes nothing (the view's tracking refuses a
        position already reached) and it goes on from there, without an error."""
        view = open_view(populated, create=True)
        other = open_view(populated)
        assert view is not None and other is not None
        if built:
            StatusViewRunner(populated, view).catch_up()
            populated.withdraw("A1", on=date(2019, 3, 1), reason="abroad", by="tester")
        saving, met = view.save, []

        def after_the_other(rows: Any, position: int) -> None:
            if not met:
                met.append(StatusViewRunner(populated, other).catch_up())
            saving(rows, position)

        monkeypatch.setattr(view, "save", after_the_other)
        StatusViewRunner(populated, view).catch_up()
        assert met and met[0] > 0  # the other did the work, and the first one met it
        assert view.position() == populated.queries.position()
        self.assert_view_equals_status(populated)

    def test_a_view_brought_up_to_date_while_it_is_checked_is_checked_as_it_was(
        self, populated: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`verify` checks the view while a registrar's `candidate list` brings it up to date:
        the position the view had read and its rows come from one snapshot of the view, so
        the candidate enrolled since is neither in the view nor expected there."""
        view = open_view(populated, create=True)
        other = open_view(populated)
        assert view is not None and other is not None
        StatusViewRunner(populated, view).catch_up()
        enroll(populated, "E5")
        reading = view.stored_rows

        def brought_up_to_date_meanwhile() -> Iterator[Any]:
            rows = reading()
            yield next(rows)  # the position
            assert StatusViewRunner(populated, other).catch_up() > 0
            yield from rows

        monkeypatch.setattr(view, "stored_rows", brought_up_to_date_meanwhile)
        assert list(check_view(populated, view)) == []
        monkeypatch.undo()
        assert "E5" in {r.candidate for r in view.listing(date(2019, 1, 1))}
        assert list(check_view(populated, view)) == []

    @pytest.mark.parametrize("store", ["postgresql"], indirect=True)
    def test_two_catch_ups_at_once_write_each_interval_once(
        self, populated: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One catch-up has written a candidate's rows and not committed yet; another, going
        further, saves the same candidate meanwhile. Saves take turns, so the second deletes
        what the first committed instead of writing the intervals a second time."""
        import threading
        import time

        view = open_view(populated, create=True)
        other = open_view(populated)
        assert view is not None and other is not None
        StatusViewRunner(populated, view).catch_up()
        populated.withdraw("A1", on=date(2019, 3, 1), reason="abroad", by="tester")
        populated.withdraw("B2", on=date(2019, 3, 2), reason="abroad", by="tester")
        saving, written = view.save, threading.Event()

        def slow(rows: Any, position: int) -> None:
            def then_wait() -> Iterator[Any]:
                yield from rows
                written.set()
                time.sleep(1.5)  # written, not committed yet

            saving(then_wait(), position)

        monkeypatch.setattr(view, "save", slow)
        first = threading.Thread(target=StatusViewRunner(populated, view, batch=1).catch_up)
        first.start()
        assert written.wait(30)
        StatusViewRunner(populated, other).catch_up()
        first.join()
        monkeypatch.undo()
        assert list(check_view(populated, view)) == []
        self.assert_view_equals_status(populated)

    def test_a_catch_up_that_meets_something_else_says_so(
        self, populated: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A save refused for another reason than another process's progress (the view does
        not move on) is not retried for ever: the error comes out."""
        view = open_view(populated, create=True)
        assert view is not None

        def refused(rows: Any, position: int) -> None:
            raise IntegrityError("refused")

        monkeypatch.setattr(view, "save", refused)
        with pytest.raises(IntegrityError):
            StatusViewRunner(populated, view).catch_up()

    def test_an_intact_view_is_settled_by_its_text(
        self, populated: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Both views give each candidate's rows as the JSON text orjson writes for them
        (SQLite's `json_group_array`, PostgreSQL's `array_to_json` in code point order): an
        intact view is checked without decoding one candidate's rows."""
        view = open_view(populated, create=True)
        assert view is not None
        StatusViewRunner(populated, view).catch_up()
        decoded: list[str] = []
        rows_agree = view_store._rows_agree

        def decoding(want: Any, have: Any) -> bool:
            decoded.append(want[1])
            return rows_agree(want, have)

        monkeypatch.setattr(view_store, "_rows_agree", decoding)
        assert list(check_view(populated, view)) == []
        assert decoded == []

    def test_a_new_referential_version_recomputes_every_candidate(self, populated: Ledger) -> None:
        view = open_view(populated, create=True)
        assert view is not None
        StatusViewRunner(populated, view).catch_up()
        text = default_referential_text().replace('version = "2006.1"', 'version = "2017.2"')
        text = text.replace("validity_years = 5", "validity_years = 7")
        populated.publish_referential(text, date(2017, 1, 1), by="tester")
        self.assert_view_equals_status(populated)
        assert [r.blocks for r in view.listing(date(2023, 1, 1), block="RNCP13080BC01")] == [
            ("RNCP13080BC01",)
        ]

    def test_filters_by_state_route_and_block(self, populated: Ledger) -> None:
        view = open_view(populated, create=True)
        assert view is not None
        StatusViewRunner(populated, view).catch_up()
        day = date(2019, 1, 1)
        assert [r.candidate for r in view.listing(day, state="withdrawn")] == ["C3"]
        assert [r.candidate for r in view.listing(day, route="vae")] == ["B2"]
        assert [r.candidate for r in view.listing(day, block="RNCP13080BC01")] == ["A1"]
        assert [r.candidate for r in view.listing(date(2023, 1, 1), block="RNCP13080BC01")] == []


class TestViewRowsCompared:
    """`_agree`: the JSON text first, the rows decoded when the text differs."""

    ROW = CandidateRow(
        "A1",
        date(2016, 9, 12),
        (
            Interval("block", "RNCP13080BC01", date(2017, 6, 20), date(2022, 6, 20)),
            Interval("route", "vae", date(2016, 9, 12), None),
        ),
    )
    WANT = ("ab", "A1", "2016-09-12", ROW)

    @pytest.mark.parametrize(
        "text",
        [
            '[["block","RNCP13080BC01","2017-06-20","2022-06-20"],["route","vae","2016-09-12",null]]',
            '[["block", "RNCP13080BC01", "2017-06-20", "2022-06-20"], ["route", "vae", '
            '"2016-09-12", null]]',
            '[["route","vae","2016-09-12",null],["block","RNCP13080BC01","2017-06-20","2022-06-20"]]',
            '[["block","RNCP13080BC01","2017-06-20","2022-06-20"],["route","va\\u0065","2016-09-12",null]]',
        ],
        ids=["as-written", "spaced", "another-order", "escaped"],
    )
    def test_the_same_rows_in_another_text_agree(self, text: str) -> None:
        assert view_store._agree(self.WANT, ("ab", "A1", "2016-09-12", text))

    @pytest.mark.parametrize(
        "have",
        [
            ("ab", "A1", "2016-09-12", '[["route","vae","2016-09-12",null]]'),
            (
                "ab",
                "A1",
                "2016-09-12",
                '[["block","RNCP13080BC01","2017-06-20",null],["route","vae","2016-09-12",null]]',
            ),
            (
                "ab",
                "A1",
                "2016-09-13",
                '[["block","RNCP13080BC01","2017-06-20","2022-06-20"],["route","vae","2016-09-12",null]]',
            ),
            (
                "ab",
                "A1",
                "2016-09-12",
                '[["block","RNCP13080BC01","2017-06-20","2022-06-20"],'
                '["block","RNCP13080BC01","2017-06-20","2022-06-20"],["route","vae","2016-09-12",null]]',
            ),
        ],
        ids=["a-row-missing", "an-end-gone", "another-enrolment", "a-row-twice"],
    )
    def test_other_rows_disagree(self, have: Any) -> None:
        assert not view_store._agree(self.WANT, have)
