"""Masking of secrets (hard-coded API keys) in everything a reporter prints.

A secret of 8 or more characters becomes its first four characters followed
by "****", and a shorter one becomes "****". Source lines are masked before any
excerpt, snippet or fingerprint is cut from them, so a span that starts or
ends inside a secret cannot expose part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "****"
MIN_PREFIX_LENGTH = 8  # secrets shorter than this are masked whole
PREFIX_LENGTH = 4


def mask_secret(secret: str) -> str:
    if len(secret) < MIN_PREFIX_LENGTH:
        return MASK
    return secret[:PREFIX_LENGTH] + MASK


# A masked occurrence on one line: original start and end columns and the
# length of the mask that replaced it.
Replacement = tuple[int, int, int]


class Redactor:
    """Replaces every occurrence of a set of secrets with its mask."""

    def __init__(self, secrets: Iterable[str]):
        # Longest first, so that a secret which contains another one is
        # masked whole rather than around the shorter match.
        unique = sorted({s for s in secrets if s}, key=lambda s: (-len(s), s))
        self.secrets = tuple(unique)
        alternatives = "|".join(re.escape(s) for s in unique)
        self._pattern = re.compile(alternatives) if unique else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda match: mask_secret(match.group()), text)

    def redact_line(self, line: str) -> tuple[str, list[Replacement]]:
        """Mask one line and return it with the replacements made, in order."""
        if self._pattern is None:
            return line, []
        pieces: list[str] = []
        replacements: list[Replacement] = []
        position = 0
        for match in self._pattern.finditer(line):
            masked = mask_secret(match.group())
            pieces.append(line[position : match.start()])
            pieces.append(masked)
            replacements.append((match.start(), match.end(), len(masked)))
            position = match.end()
        pieces.append(line[position:])
        return "".join(pieces), replacements


def map_column(column: int, replacements: list[Replacement], end: bool) -> int:
    """Translate a column of the original line to the masked line.

    A start column inside a secret moves to the start of its mask, and an end
    column inside a secret moves to the end of the mask, so a span that
    touches a secret underlines the whole mask.
    """
    shift = 0
    for start, stop, length in replacements:
        if column <= start:
            break
        if column >= stop:
            shift += length - (stop - start)
            continue
        return start + shift + (length if end else 0)
    return column + shift


class RedactedFile:
    """The masked lines of one source file, with column translation."""

    def __init__(self, lines: list[str], redactor: Redactor):
        self.lines: list[str] = []
        self._replacements: list[list[Replacement]] = []
        for line in lines:
            masked, replacements = redactor.redact_line(line)
            self.lines.append(masked)
            self._replacements.append(replacements)

    def column(self, line: int, column: int, end: bool = False) -> int:
        if 0 <= line < len(self._replacements):
            return map_column(column, self._replacements[line], end)
        return column

    def text(
        self, line: int, column: int, end_line: int, end_column: int
    ) -> str | None:
        """Return the masked text between two original positions, or None when
        the range lies outside the file."""
        if not 0 <= line <= end_line < len(self.lines):
            return None
        start = self.column(line, column)
        stop = self.column(end_line, end_column, end=True)
        if line == end_line:
            return self.lines[line][start:stop]
        parts = [self.lines[line][start:]]
        parts.extend(self.lines[line + 1 : end_line])
        parts.append(self.lines[end_line][:stop])
        return "\n".join(parts)
