"""A run result made ready to print: masked, one-based and fingerprinted.

Every reporter starts from ``prepare``, so redaction, the conversion to
one-based positions and the fingerprint are written once. Source files are
read lazily, only by formats that show source.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property

from ..model import SEVERITIES, Edit, FileError, Finding, Fix, RunResult, Span
from ..rules.base import Rule
from .base import LineReader, ReportContext
from .redaction import RedactedFile, Redactor

CONTEXT_LINES = 1  # lines shown above and below the flagged lines
MAX_SPAN_LINES = 8  # a longer span shows its first and last lines only
HEAD_LINES = 4
TAIL_LINES = 3
MAX_LINE_WIDTH = 200  # code points shown of one line, which is cut if longer
LEAD_WIDTH = 60  # code points kept before the flagged column in a cut line
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

# C0 controls except tab, DEL and C1 controls would act on a terminal, so
# they are shown as U+FFFD. One code point becomes one, keeping columns.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


# Formatters such as Prettier and Black rewrap a long call: they put its
# arguments on lines of their own and add or drop a trailing comma. Spaces
# next to brackets and commas, and a comma before a closing bracket, are
# dropped from fingerprinted text so that such a rewrap keeps the fingerprint.
_SPACE_AT_PUNCTUATION = re.compile(r" ?([()\[\]{},]) ?")
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")


def normalise_source(text: str) -> str:
    """Return source text as fingerprints hash it, without layout that formatters change."""
    collapsed = " ".join(text.split())
    tight = _SPACE_AT_PUNCTUATION.sub(r"\1", collapsed)
    return _TRAILING_COMMA.sub("", tight)


def printable(text: str) -> str:
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def severity_rank(severity: str) -> int:
    if severity in SEVERITIES:
        return SEVERITIES.index(severity)
    return len(SEVERITIES)


@dataclass(frozen=True, slots=True)
class Position:
    """A one-based range whose ``end_column`` is exclusive, as in SARIF."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def from_span(cls, span: Span) -> Position:
        return cls(span.line + 1, span.col + 1, span.end_line + 1, span.end_col + 1)


@dataclass(frozen=True, slots=True)
class ExcerptLine:
    """One line of a source excerpt.

    ``number`` is one-based, or None for the marker line that replaces
    elided lines. ``mark`` is the flagged code-point range of ``text`` with
    an exclusive end, or None. A range with equal ends marks a position.
    """

    number: int | None
    text: str
    mark: tuple[int, int] | None


class SourceCache:
    """Masked source files, read once per path."""

    def __init__(self, read_lines: LineReader, redactor: Redactor):
        self._read_lines = read_lines
        self._redactor = redactor
        self._files: dict[str, RedactedFile | None] = {}

    def get(self, path: str) -> RedactedFile | None:
        if path not in self._files:
            lines = self._read_lines(path)
            redacted = None if lines is None else RedactedFile(lines, self._redactor)
            self._files[path] = redacted
        return self._files[path]


def finding_fingerprint(rule: str, path: str, scope: str, text: str) -> str:
    """SHA-256 over rule, path and normalised flagged text; rule alone for project scope.

    A project-level finding sits at a representative call (the first
    email-sending call, say), so the call and its file change as code moves
    while the finding stays the same.
    """
    if scope == "project":
        payload = "\0".join((rule, "project"))
    else:
        payload = "\0".join((rule, path, normalise_source(text)))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class PreparedFinding:
    """One finding with every printed string masked and positions one-based."""

    def __init__(
        self,
        finding: Finding,
        redactor: Redactor,
        sources: SourceCache,
        suppressed: bool,
    ):
        self.rule = finding.rule
        self.name = finding.name
        self.severity = finding.severity
        self.confidence = finding.confidence
        self.message = redactor(finding.message)
        self.hint = redactor(finding.hint)
        self.path = redactor(finding.span.path)
        self.position = Position.from_span(finding.span)
        self.fix = _redact_fix(finding.fix, redactor)
        self.suppressed = suppressed
        # The reason written in the suppression comment, or "" without one.
        reason = finding.suppression.reason if finding.suppression else ""
        self.justification = redactor(reason)
        self.scope = finding.scope
        self._span = finding.span
        self._sources = sources

    @property
    def message_with_hint(self) -> str:
        """The message and the hint as two sentences, for one-field formats."""
        if not self.hint:
            return self.message
        return f"{self.message}. {self.hint}"

    @property
    def source(self) -> RedactedFile | None:
        return self._sources.get(self._span.path)

    @cached_property
    def snippet(self) -> str | None:
        """The masked source text of the flagged range, if the file is readable."""
        source = self.source
        if source is None:
            return None
        span = self._span
        return source.text(span.line, span.col, span.end_line, span.end_col)

    @cached_property
    def fingerprint(self) -> str:
        """A SHA-256 over rule, path and the flagged text, without line numbers.

        The text is normalised by ``normalise_source``, so reindenting and
        rewrapping keep the fingerprint. Without a readable source the
        message replaces the text.
        """
        return finding_fingerprint(self.rule, self.path, self.scope,
                                   self.snippet if self.snippet else self.message)

    def excerpt(self, context_lines: int = CONTEXT_LINES) -> list[ExcerptLine]:
        """Return the flagged lines with context, masked and clipped for display."""
        source = self.source
        if source is None:
            return []
        lines = source.lines
        # A file that ends with a newline splits into a last empty string,
        # which is not a line worth showing as context.
        last = len(lines) - 1
        if last > 0 and lines[last] == "":
            last -= 1
        span = self._span
        end_line = min(span.end_line, len(lines) - 1)
        if span.line > end_line:
            return []

        first_shown = max(0, span.line - context_lines)
        last_shown = max(end_line, min(last, end_line + context_lines))
        displayed = range(first_shown, last_shown + 1)
        flagged = range(span.line, end_line + 1)
        elided: set[int] = set()
        if len(flagged) > MAX_SPAN_LINES:
            elided = set(flagged[HEAD_LINES:-TAIL_LINES])

        excerpt: list[ExcerptLine] = []
        for index in displayed:
            if index in elided:
                if excerpt and excerpt[-1].number is not None:
                    excerpt.append(ExcerptLine(None, ELLIPSIS, None))
                continue
            mark = self._mark(source, index) if index in flagged else None
            text, mark = _clip(printable(lines[index]), mark)
            excerpt.append(ExcerptLine(index + 1, text, mark))
        return excerpt

    def _mark(self, source: RedactedFile, index: int) -> tuple[int, int] | None:
        span = self._span
        text = source.lines[index]
        if index == span.line:
            start = source.column(index, span.col)
        else:
            start = len(text) - len(text.lstrip())
        if index == span.end_line:
            stop = source.column(index, span.end_col, end=True)
        else:
            stop = len(text)
        start, stop = min(start, len(text)), min(stop, len(text))
        if stop < start or (stop == start and index != span.line):
            return None
        return start, stop


def _clip(
    text: str, mark: tuple[int, int] | None
) -> tuple[str, tuple[int, int] | None]:
    """Cut a long line to a window around the mark, with ellipses at the cuts."""
    if len(text) <= MAX_LINE_WIDTH:
        return text, mark
    begin = max(0, (mark[0] if mark else 0) - LEAD_WIDTH)
    finish = begin + MAX_LINE_WIDTH
    prefix = ELLIPSIS if begin > 0 else ""
    suffix = ELLIPSIS if finish < len(text) else ""
    clipped = prefix + text[begin:finish] + suffix
    if mark is None:
        return clipped, None
    start = max(mark[0] - begin, 0) + len(prefix)
    stop = min(mark[1] - begin, MAX_LINE_WIDTH) + len(prefix)
    return clipped, (start, max(start, stop))


def _redact_fix(fix: Fix | None, redactor: Redactor) -> Fix | None:
    if fix is None:
        return None
    edits = [
        Edit(replace(edit.span, path=redactor(edit.span.path)), redactor(edit.content))
        for edit in fix.edits
    ]
    return replace(fix, message=redactor(fix.message), edits=edits)


@dataclass(frozen=True, slots=True)
class RuleCount:
    code: str
    name: str
    severity: str  # the highest severity among the rule's findings
    count: int


class PreparedRun:
    """A run result with findings prepared and the counts that reports show."""

    @cached_property
    def rules(self) -> list[type[Rule]]:
        """The rule catalogue; imported only by reports that show it."""
        return list(self.context.rules)

    def __init__(self, result: RunResult, context: ReportContext):
        secrets = [s for f in result.findings for s in f.secrets]
        secrets += [s for f in result.suppressed_findings for s in f.secrets]
        self.redactor = Redactor(secrets)
        self.sources = SourceCache(context.read_lines, self.redactor)
        self.context = context
        self.findings = [self._prepare(f, suppressed=False) for f in result.findings]
        self.suppressed_findings = [
            self._prepare(f, suppressed=True) for f in result.suppressed_findings
        ]
        self.errors = [
            FileError(self.redactor(e.path), self.redactor(e.message), e.partial)
            for e in result.errors
        ]
        self.files_scanned = result.files_scanned
        self.files_parsed = result.files_parsed
        self.duration_s = result.duration_s
        self.suppressed = result.suppressed
        self.baseline_matched = result.baseline_matched
        self.fixes_applied = result.fixes_applied

    def _prepare(self, finding: Finding, suppressed: bool) -> PreparedFinding:
        return PreparedFinding(finding, self.redactor, self.sources, suppressed)

    def by_severity(self) -> dict[str, int]:
        """Count findings per severity, most severe first, omitting zeros."""
        counts = Counter(f.severity for f in self.findings)
        return {s: counts[s] for s in sorted(counts, key=severity_rank)}

    def by_rule(self) -> list[RuleCount]:
        """Count findings per rule, most frequent first, then by code."""
        counts = Counter((f.rule, f.name) for f in self.findings)
        worst: dict[str, str] = {}
        for finding in self.findings:
            known = worst.get(finding.rule, finding.severity)
            worst[finding.rule] = min(known, finding.severity, key=severity_rank)
        rows = [
            RuleCount(code, name, worst[code], count)
            for (code, name), count in counts.items()
        ]
        return sorted(rows, key=lambda row: (-row.count, row.code, row.name))

    def rule(self, code: str) -> type[Rule] | None:
        for rule in self.rules:
            if rule.code == code:
                return rule
        return None


def prepare(result: RunResult, context: ReportContext) -> PreparedRun:
    return PreparedRun(result, context)
