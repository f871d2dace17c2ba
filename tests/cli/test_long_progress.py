"""replay, verify and the CPF flow count their work against a total known at the start: the
bar reaches its total when the work is done (issue 12 item 7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.output import ProgressBar
from tests.cli.conftest import IDENTITY, Certledger
from tests.cli.test_cpf import IDS, awarded

__all__ = ["awarded"]  # the CPF tests' fixture, used here


class Bars:
    """Every progress bar a command opened: (total, unit, the counts it was advanced by)."""

    def __init__(self) -> None:
        self.opened: list[tuple[int | None, str, list[int]]] = []

    def bar(self) -> type[ProgressBar]:
        opened = self.opened

        class Recorded(ProgressBar):
            def __enter__(self) -> Callable[[int], None]:
                counts: list[int] = []
                opened.append((self.total, self.unit, counts))
                return counts.append

            def __exit__(self, *exc: object) -> None:
                pass

        return Recorded

    def only(self) -> tuple[int | None, str, int]:
        assert len(self.opened) == 1, self.opened
        total, unit, counts = self.opened[0]
        return total, unit, sum(counts)


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> Bars:
    found = Bars()
    for module in ("cli.views", "cli.integrity", "cli.reports"):
        monkeypatch.setattr(f"{module}.ProgressBar", found.bar(), raising=True)
    return found


def _three_candidates(certledger: Certledger) -> None:
    for candidate, on in (("V1", "2016-09-12"), ("V2", "2017-01-09"), ("V3", "2019-03-01")):
        certledger.ok(
            f"candidate enroll {candidate} --route formation_continue --on {on} {IDENTITY}"
        )


def test_replay_counts_every_candidate_stream_it_reads(certledger: Certledger, bars: Bars) -> None:
    _three_candidates(certledger)
    # V3 is not enrolled yet on that day: read, counted, not listed.
    out = certledger.ok("replay --as-of 2018-12-31 --format csv --csv-dialect rfc4180")
    assert sorted(line.split(",")[0] for line in out.splitlines()[1:]) == ["V1", "V2"]
    assert bars.only() == (3, "candidates", 3)


def test_replay_shared_between_processes_counts_what_it_lists(
    certledger: Certledger, bars: Bars
) -> None:
    _three_candidates(certledger)
    certledger.ok("replay --format csv --jobs 2")
    assert bars.only() == (3, "candidates", 3)


def test_verify_counts_every_event_up_to_the_last_position(
    certledger: Certledger, bars: Bars
) -> None:
    _three_candidates(certledger)
    document = certledger.json("verify")
    position = int(document["digest"].split(":")[0].removeprefix("@"))
    assert bars.only() == (position, "events", document["events"])
    assert document["events"] == position


def test_the_cpf_flow_counts_a_pass_to_choose_and_a_pass_to_write(
    awarded: Certledger, bars: Bars, tmp_path: Path
) -> None:
    result: Any = awarded.json(f"report cpf {IDS} -o {tmp_path / 'flow.xml'}")
    assert result["passages"] == 3
    assert bars.only() == (6, "candidates", 6)


def test_a_dry_run_of_the_cpf_flow_reads_the_candidates_once(
    awarded: Certledger, bars: Bars, tmp_path: Path
) -> None:
    awarded.json(f"report cpf {IDS} --dry-run -o {tmp_path / 'flow.xml'}")
    assert bars.only() == (3, "candidates", 3)
