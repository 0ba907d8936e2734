"""The reporter interface and the context that every output format receives."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from .. import __version__
from ..model import RunResult
from ..rules.base import Rule
from ..rules.registry import all_rules

logger = logging.getLogger(__name__)

LineReader = Callable[[str], "list[str] | None"]


def read_source_lines(path: str) -> list[str] | None:
    """Read a file relative to the working directory and split it into lines.

    Lines are split on "\\n" only, as the extractors count them, and a trailing
    "\\r" is dropped. Undecodable bytes become U+FFFD so that code-point columns
    still line up. Returns None when the file cannot be read.
    """
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            text = handle.read()
    except OSError as error:
        logger.debug("no source excerpt for %s: %s", path, error)
        return None
    return [line.removesuffix("\r") for line in text.split("\n")]


@dataclass
class ReportContext:
    """Everything a reporter needs besides the run result.

    ``read_lines`` returns a file's lines for source excerpts, snippets and
    fingerprints, or None when the file is unavailable. Tests pass an
    in-memory reader.
    """

    rules: list[type[Rule]] = field(default_factory=all_rules)
    read_lines: LineReader = read_source_lines
    version: str = __version__
    show_source: bool = False
    statistics: bool = False
    color: bool = False


class Reporter(ABC):
    """One output format. ``render`` returns the whole output as one string."""

    format_name: ClassVar[str]

    @abstractmethod
    def render(self, result: RunResult, context: ReportContext) -> str:
        raise NotImplementedError
