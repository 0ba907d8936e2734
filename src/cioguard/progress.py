"""A progress bar on standard error for scans that take more than a moment.

The bar is drawn only on an interactive terminal, and only once a scan has
run for ``DELAY_SECONDS``, so quick scans, pipes and CI logs get no extra
output. It counts the files read for the needle test and the files parsed,
and it is redrawn in place with a carriage return, without ANSI escapes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TextIO

DELAY_SECONDS = 0.5
REDRAW_SECONDS = 0.1
BAR_CELLS = 24
DEFAULT_COLUMNS = 80


def progress_for(stream: TextIO, *, quiet: bool = False, verbose: int = 0,
                 environ: Mapping[str, str] | None = None) -> ProgressBar | None:
    """Return a progress bar for ``stream``, or None where one does not belong.

    No bar is made with --quiet or --verbose (log lines would break it),
    when the stream is not a terminal, when TERM is "dumb", or when the CI
    variable is set, as GitHub Actions always sets it (CI=true, according
    to docs.github.com/en/actions/reference/variables-reference).
    """
    environ = os.environ if environ is None else environ
    if quiet or verbose:
        return None
    if environ.get("TERM") == "dumb":
        return None
    if environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return None
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return None
    return ProgressBar(stream) if interactive else None


class ProgressBar:
    """Counts of files read and parsed, drawn on one terminal line.

    ``start`` adds a project's file count to the total, so several projects
    share one bar. ``finish`` clears the line, so that warnings printed
    after a project start on an empty line.
    """

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic,
                 delay: float = DELAY_SECONDS, columns: int | None = None):
        self.stream = stream
        self.clock = clock
        self.shown_after = clock() + delay
        self.columns = columns
        self.total = 0
        self.read_count = 0
        self.parse_total = 0
        self.parsed_count = 0
        self.next_draw = 0.0
        self.drawn_width = 0  # characters on the line now, 0 when it is clear

    def start(self, total: int) -> None:
        self.total += total

    def add_parse_jobs(self, count: int) -> None:
        """Add files that are about to be parsed, so the bar can follow them."""
        self.parse_total += count

    def read(self) -> None:
        """Count one file read for the needle test."""
        self.read_count += 1
        self._update()

    def advance(self) -> None:
        """Count one file parsed."""
        self.parsed_count += 1
        self._update()

    def finish(self) -> None:
        self.clear()

    def clear(self) -> None:
        if self.drawn_width:
            self.stream.write("\r" + " " * self.drawn_width + "\r")
            self.stream.flush()
            self.drawn_width = 0
        self.next_draw = 0.0

    def _update(self) -> None:
        now = self.clock()
        if now < self.shown_after or now < self.next_draw:
            return
        self.next_draw = now + REDRAW_SECONDS
        self.draw()

    def draw(self) -> None:
        line = self.render()
        padding = " " * max(0, self.drawn_width - len(line))
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self.drawn_width = len(line)

    def render(self) -> str:
        """Return the text of the bar, cut to the terminal's width.

        The bar follows reading until every file is read, then parsing.
        """
        total = max(self.total, self.read_count)
        parse_total = max(self.parse_total, self.parsed_count)
        if self.read_count < total or not self.parse_total:
            done, goal = self.read_count, total
        else:
            done, goal = self.parsed_count, parse_total
        filled = BAR_CELLS * done // goal if goal else BAR_CELLS
        bar = "=" * filled + (">" if filled < BAR_CELLS else "")
        parsed = f"{self.parsed_count:,}"
        if self.parse_total:
            parsed += f"/{parse_total:,}"
        line = (f"cioguard: [{bar:<{BAR_CELLS}}] {self.read_count:,}/{total:,} files read, "
                f"{parsed} parsed")
        columns = self.columns or self._terminal_columns()
        # Writing into the last column makes some terminals wrap the line.
        return line[:max(0, columns - 1)]

    def _terminal_columns(self) -> int:
        # The width of the terminal behind this stream: standard output may
        # be a pipe while standard error is the terminal.
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return DEFAULT_COLUMNS
        return columns or DEFAULT_COLUMNS  # a terminal without a size reports 0
