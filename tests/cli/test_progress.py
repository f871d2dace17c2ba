"""Long commands show count / total, rate and time left on a terminal, nothing on a pipe."""

from __future__ import annotations

import io

from rich.console import Console

from cli.output import ProgressBar


def _terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=100, color_system=None), screen


def test_a_terminal_sees_count_total_rate_and_time_left() -> None:
    console, screen = _terminal()
    with ProgressBar(1000, "rows", console=console) as advance:
        for _ in range(10):
            advance(100)
    shown = screen.getvalue()
    assert "1000/1000 rows" in shown
    assert "rows/s" in shown
    assert "left" in shown


def test_without_a_total_the_count_and_the_rate_are_shown() -> None:
    console, screen = _terminal()
    with ProgressBar(None, "events", console=console) as advance:
        for _ in range(3):
            advance(2_000)
    shown = screen.getvalue()
    assert "6,000 events" in shown
    assert "events/s" in shown


def test_a_pipe_sees_nothing(capsys) -> None:  # type: ignore[no-untyped-def]
    # Under pytest stderr is captured: not a terminal, exactly like a pipe.
    with ProgressBar(10, "rows") as advance:
        advance(10)
    assert capsys.readouterr().err == ""


def test_a_long_command_through_a_pipe_prints_no_progress(bare) -> None:  # type: ignore[no-untyped-def]
    result = bare("demo", "--candidates", "20", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "/s" not in result.stderr
