"""The progress bar: drawn only on a terminal, after a delay, and cleared
when a project finishes."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from cioguard.cli import main
from cioguard.config import Settings
from cioguard.engine import run
from cioguard.progress import ProgressBar, progress_for
from cioguard.rules.registry import all_rules

FIXTURES = Path(__file__).parent / "fixtures"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    """A clock that moves forward by ``step`` seconds each time it is read."""

    def __init__(self, step: float):
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_no_bar_when_not_a_terminal():
    assert progress_for(io.StringIO(), environ={}) is None


def test_bar_on_a_terminal():
    assert isinstance(progress_for(FakeTerminal(), environ={}), ProgressBar)


@pytest.mark.parametrize("environ", [{"CI": "true"}, {"CI": "1"}, {"TERM": "dumb"}])
def test_no_bar_in_ci_or_dumb_terminal(environ):
    assert progress_for(FakeTerminal(), environ=environ) is None


def test_bar_when_ci_is_false():
    assert progress_for(FakeTerminal(), environ={"CI": "false"}) is not None


def test_no_bar_with_quiet_or_verbose():
    assert progress_for(FakeTerminal(), quiet=True, environ={}) is None
    assert progress_for(FakeTerminal(), verbose=1, environ={}) is None


def test_bar_waits_for_delay():
    stream = FakeTerminal()
    clock = FakeClock(step=0.01)
    bar = ProgressBar(stream, clock=clock, delay=0.5)
    bar.start(10)

    for _ in range(10):
        bar.read()

    assert stream.getvalue() == ""


def test_bar_shows_counts_after_delay():
    stream = FakeTerminal()
    bar = ProgressBar(stream, clock=FakeClock(step=1.0), delay=0.5, columns=120)
    bar.start(4)

    bar.read()
    bar.read()
    bar.advance()

    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("cioguard: [============>")
    assert "2/4 files read, 1 parsed" in last


def test_bar_redraws_at_most_every_tenth_second():
    stream = FakeTerminal()
    bar = ProgressBar(stream, clock=FakeClock(step=0.001), delay=0.0, columns=120)
    bar.start(1000)

    for _ in range(1000):
        bar.read()

    draws = stream.getvalue().count("\r")
    assert 5 <= draws <= 12


def test_bar_follows_parsing_after_reading():
    stream = FakeTerminal()
    bar = ProgressBar(stream, clock=FakeClock(step=1.0), delay=0.0, columns=120)
    bar.start(2)
    bar.read()
    bar.read()
    bar.add_parse_jobs(4)

    bar.advance()

    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("cioguard: [======>")
    assert "2/2 files read, 1/4 parsed" in last


def test_terminal_without_size_uses_default_width(monkeypatch):
    monkeypatch.setattr("os.get_terminal_size", lambda fd: os.terminal_size((0, 0)))
    bar = ProgressBar(FakeTerminal(), clock=FakeClock(step=1.0))
    bar.stream.fileno = lambda: 2
    bar.start(1)

    assert bar.render().startswith("cioguard: [")


def test_finish_clears_the_line():
    stream = FakeTerminal()
    bar = ProgressBar(stream, clock=FakeClock(step=1.0), delay=0.0, columns=120)
    bar.start(2)
    bar.read()
    drawn = stream.getvalue()

    bar.finish()

    cleared = stream.getvalue()[len(drawn):]
    assert cleared == "\r" + " " * (len(drawn) - 1) + "\r"


def test_bar_fits_narrow_terminal():
    bar = ProgressBar(FakeTerminal(), clock=FakeClock(step=1.0), columns=30)
    bar.start(100)

    assert len(bar.render()) == 29


def test_scan_draws_bar_on_fake_terminal():
    stream = FakeTerminal()
    bar = ProgressBar(stream, clock=FakeClock(step=1.0), delay=0.0, columns=200)

    run([FIXTURES / "CIO002"], Settings(), all_rules(), progress=bar)

    output = stream.getvalue()
    assert "files read" in output
    assert f"/{bar.total} files read, {bar.parsed_count}/{bar.parse_total} parsed" in output
    assert bar.parsed_count > 0
    assert output.endswith("\r")


def test_cli_writes_no_bar_to_pipe(tmp_path, monkeypatch, capsys):
    (tmp_path / "app.js").write_text("cio.track(1, { name: 'a' });\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)

    main(["scan", "--no-cache", "."])

    assert "\r" not in capsys.readouterr().err
