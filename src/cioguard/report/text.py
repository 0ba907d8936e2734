"""The ``concise`` and ``full`` terminal formats.

``concise`` prints one line per finding and its hint. ``full`` adds the
flagged source lines with a caret row under the flagged columns, and so does
``concise`` when ``show_source`` is set. The caller reports files that could
not be checked on standard error, so the summary only counts them.
"""

from __future__ import annotations

import unicodedata

from ..model import RunResult
from .base import ReportContext, Reporter
from .prepared import ExcerptLine, PreparedFinding, PreparedRun, prepare, printable

TAB_WIDTH = 4

# ANSI SGR parameters, used only when ``ReportContext.color`` is set.
BOLD = "1"
DIM = "2"
CYAN = "36"
SEVERITY_COLORS = {"error": "1;31", "warning": "1;33", "info": "1;34"}


class Style:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, sgr: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{sgr}m{text}\x1b[0m"


def cell_width(char: str) -> int:
    """Return the number of terminal cells that one code point takes."""
    if char == "\t":
        return TAB_WIDTH
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def text_width(text: str) -> int:
    return sum(cell_width(char) for char in text)


def plural(count: int, noun: str, suffix: str = "s") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{suffix}"


def severity_count(count: int, severity: str) -> str:
    # "info" has no plural: "2 info", but "2 errors" and "2 warnings".
    return plural(count, severity, "" if severity == "info" else "s")


def finding_line(finding: PreparedFinding, style: Style) -> str:
    position = finding.position
    location = f"{finding.path}:{position.line}:{position.column}:"
    level = style(finding.severity, SEVERITY_COLORS.get(finding.severity, BOLD))
    return (
        f"{style(printable(location), BOLD)} {style(finding.rule, CYAN)} "
        f"[{level}/{finding.confidence}] {printable(finding.message)} ({finding.name})"
    )


def excerpt_lines(excerpt: list[ExcerptLine], style: Style) -> list[str]:
    """Draw the source lines with a numbered gutter and a caret row under
    each flagged range."""
    numbers = [line.number for line in excerpt if line.number is not None]
    gutter_width = len(str(max(numbers))) if numbers else 1
    blank_gutter = style(" " * gutter_width + " |", DIM)
    output = [blank_gutter]
    for line in excerpt:
        label = "\N{VERTICAL ELLIPSIS}" if line.number is None else str(line.number)
        gutter = style(f"{label:>{gutter_width}} |", DIM)
        code = line.text.replace("\t", " " * TAB_WIDTH)
        output.append(f"{gutter} {code}".rstrip())
        if line.mark is not None:
            start, stop = line.mark
            indent = text_width(line.text[:start])
            carets = "^" * max(1, text_width(line.text[start:stop]))
            output.append(f"{blank_gutter} {' ' * indent}{style(carets, BOLD)}")
    output.append(blank_gutter)
    return output


def advice_lines(finding: PreparedFinding, with_fix: bool) -> list[str]:
    lines = []
    if finding.hint:
        lines.append(f"  hint: {printable(finding.hint)}")
    if with_fix and finding.fix is not None:
        fix = finding.fix
        lines.append(f"  fix: {printable(fix.message)} ({fix.applicability})")
    return lines


def statistics_lines(run: PreparedRun) -> list[str]:
    """Draw a table of finding counts per rule, most frequent first."""
    rows = run.by_rule()
    count_width = max([len("Count")] + [len(str(row.count)) for row in rows])
    code_width = max([len("Code")] + [len(row.code) for row in rows])
    lines = [f"{'Count':>{count_width}}  {'Code':<{code_width}}  Name"]
    for row in rows:
        lines.append(
            f"{row.count:>{count_width}}  {row.code:<{code_width}}  {row.name}"
        )
    return lines


def summary_line(run: PreparedRun) -> str:
    total = len(run.findings)
    if total:
        counts = ", ".join(severity_count(n, s) for s, n in run.by_severity().items())
        sentences = [f"Found {plural(total, 'finding')} ({counts})."]
    else:
        sentences = ["No findings."]
    if run.fixes_applied:
        sentences.append(f"Applied {plural(run.fixes_applied, 'fix', 'es')}.")
    sentences.append(
        f"Scanned {plural(run.files_scanned, 'file')}, parsed {run.files_parsed}, "
        f"in {run.duration_s:.2f}s."
    )
    if run.suppressed:
        sentences.append(f"{run.suppressed} suppressed.")
    if run.baseline_matched:
        sentences.append(f"{run.baseline_matched} matched the baseline.")
    failed = sum(1 for error in run.errors if not error.partial)
    partial = len(run.errors) - failed
    if failed:
        sentences.append(f"{plural(failed, 'file')} could not be checked.")
    if partial:
        sentences.append(f"{plural(partial, 'file')} with syntax errors checked in part.")
    return " ".join(sentences)


class ConciseReporter(Reporter):
    format_name = "concise"
    always_show_source = False

    def render(self, result: RunResult, context: ReportContext) -> str:
        run = prepare(result, context)
        style = Style(context.color)
        show_source = self.always_show_source or context.show_source
        lines: list[str] = []
        for finding in run.findings:
            lines.append(finding_line(finding, style))
            excerpt = finding.excerpt() if show_source else []
            if excerpt:
                lines.extend(excerpt_lines(excerpt, style))
            lines.extend(advice_lines(finding, with_fix=show_source))
            if show_source:
                lines.append("")
        if run.findings and not show_source:
            lines.append("")
        if context.statistics and run.findings:
            lines.extend(statistics_lines(run))
            lines.append("")
        lines.append(summary_line(run))
        return "\n".join(lines) + "\n"


class FullReporter(ConciseReporter):
    format_name = "full"
    always_show_source = True
