"""Apply the fixes that findings carry: ``--fix``, ``--unsafe-fixes``, ``--diff``.

A pass takes the selected fixes of every file, drops each fix whose edits
overlap an edit already taken, and applies the rest from the end of the file
backwards, so earlier offsets stay valid. The scan then runs again: it
reports what remains, and it offers the dropped fixes again at their new
positions. Passes stop when nothing more can be applied, or after
``MAX_PASSES``. ``--diff`` runs one pass in memory and returns the changes
as a unified diff.

A file is written only while its bytes still have the SHA-256 digest that
the scan recorded, so an edit made after the scan is never overwritten.
Writes go to a temporary file in the same folder, which then replaces the
file, keeping its permission bits.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .files import replace_file
from .model import Finding, Fix, RunResult

logger = logging.getLogger(__name__)

# Each pass re-runs the whole scan, so the bound keeps a fix that keeps
# coming back from looping for long.
MAX_PASSES = 8

Scan = Callable[[], tuple[RunResult, list]]


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False  # also apply fixes marked "unsafe"
    write: bool = True  # False for --diff: compute the changes, write nothing


@dataclass
class FixReport:
    applied: int = 0  # fixes written, or for --diff fixes in the diff
    passes: int = 0
    diff: str = ""  # unified diff of every changed file, for --diff
    changed_files: list[str] = field(default_factory=list)  # display paths
    # Display paths of files that changed after the scan and were left alone.
    modified_since_scan: list[str] = field(default_factory=list)
    deferred: int = 0  # fixes left for a later pass because they overlap
    unsafe_hidden: int = 0  # unsafe fixes left out because --unsafe-fixes is off
    unfinished: bool = False  # fixes were still available after MAX_PASSES


class SourceText:
    """The text of one file, with offsets for zero-based (line, column) positions.

    Lines end at "\\n" and columns count code points, as extractors count
    them. A CRLF file keeps its "\\r" at the end of each line's text.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.text = data.decode("utf-8")
        self.line_starts = [0]
        position = self.text.find("\n")
        while position >= 0:
            self.line_starts.append(position + 1)
            position = self.text.find("\n", position + 1)
        crlf = self.text.find("\r\n")
        self.newline = "\r\n" if crlf >= 0 and crlf == self.text.find("\n") - 1 else "\n"

    def offset(self, line: int, column: int) -> int | None:
        """Return the string offset of a position, or None when it is outside the text."""
        if line < 0 or column < 0 or line >= len(self.line_starts):
            return None
        start = self.line_starts[line]
        if line + 1 < len(self.line_starts):
            end = self.line_starts[line + 1] - 1  # the "\n"
        else:
            end = len(self.text)
        if start + column > end:
            return None
        return start + column

    def with_newlines(self, content: str) -> str:
        """Return fix content with the file's line endings."""
        if self.newline == "\n" or "\n" not in content:
            return content
        return content.replace("\r\n", "\n").replace("\n", "\r\n")


@dataclass
class FileFixes:
    """The fixes planned for one file, and the digest its scan recorded."""

    path: Path  # absolute
    display_path: str  # relative to the working directory
    digest: str
    fixes: list[tuple[Finding, Fix]] = field(default_factory=list)


@dataclass
class Replacement:
    start: int
    end: int
    content: str


def select_fixes(findings: Iterable[Finding], unsafe: bool) -> tuple[list[Finding], int]:
    """Return the findings whose fix the options allow, and the count of unsafe ones left out."""
    selected = []
    hidden = 0
    for finding in findings:
        fix = finding.fix
        if fix is None or not fix.edits:
            continue
        if fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe"):
            selected.append(finding)
        elif fix.applicability == "unsafe":
            hidden += 1
    return selected, hidden


def _scan_of(absolute: Path, scans: list) -> tuple[object, str] | None:
    """Return the project scan that contains a file and the file's path in it."""
    for scan in scans:
        try:
            relative = absolute.relative_to(scan.root).as_posix()
        except ValueError:
            continue
        return scan, relative
    return None


def plan_fixes(findings: list[Finding], scans: list, cwd: Path) -> dict[Path, FileFixes]:
    """Group fixes by the file they edit.

    A fix that edits several files is left out, because it could not be
    written as one atomic change. Edit spans are relative to their
    project's root, finding spans to the working directory.
    """
    plans: dict[Path, FileFixes] = {}
    for finding in findings:
        absolute = Path(os.path.normpath(cwd / finding.span.path))
        located = _scan_of(absolute, scans)
        if located is None:
            continue
        scan, relative = located
        fix = finding.fix
        if any(edit.span.path != relative for edit in fix.edits):
            logger.info("%s: skipped a %s fix that edits other files", finding.span.path,
                        finding.rule)
            continue
        facts = scan.facts.get(relative)
        if facts is None or not facts.digest:
            continue
        plan = plans.get(absolute)
        if plan is None:
            plan = plans[absolute] = FileFixes(absolute, finding.span.path, facts.digest)
        plan.fixes.append((finding, fix))
    return plans


def _replacements(source: SourceText, fix: Fix) -> list[Replacement] | None:
    replacements = []
    for edit in fix.edits:
        span = edit.span
        start = source.offset(span.line, span.col)
        end = source.offset(span.end_line, span.end_col)
        if start is None or end is None or end < start:
            return None
        replacements.append(Replacement(start, end, source.with_newlines(edit.content)))
    replacements.sort(key=lambda r: (r.start, r.end))
    for before, after in zip(replacements, replacements[1:]):
        if _overlap(before, after):
            return None
    return replacements


def _overlap(first: Replacement, second: Replacement) -> bool:
    """Return whether two replacements touch the same text.

    Two insertions at one offset, or an insertion at the edge of a
    replacement, also count, because their order would decide the result.
    """
    if first.start < second.end and second.start < first.end:
        return True
    if first.start == first.end or second.start == second.end:
        return first.start <= second.end and second.start <= first.end
    return False


def fix_text(source: SourceText, fixes: list[tuple[Finding, Fix]]) -> tuple[str, int, int]:
    """Apply the fixes that do not overlap one another.

    Fixes are taken in source order, the first of two overlapping fixes
    wins, and a fix with the same edits as one already taken fixes its
    finding too. Returns the new text, the number of findings fixed and the
    number of fixes deferred to a later pass.
    """
    ordered = sorted(fixes, key=lambda pair: pair[0].sort_key)
    accepted: list[Replacement] = []
    accepted_edits: set[tuple] = set()
    fixed = deferred = 0
    for finding, fix in ordered:
        replacements = _replacements(source, fix)
        if replacements is None:
            logger.info("%s: skipped a %s fix with an invalid range", finding.span.path,
                        finding.rule)
            continue
        key = tuple((r.start, r.end, r.content) for r in replacements)
        if key in accepted_edits:
            fixed += 1
            continue
        if any(_overlap(new, old) for new in replacements for old in accepted):
            deferred += 1
            continue
        accepted.extend(replacements)
        accepted_edits.add(key)
        fixed += 1

    text = source.text
    for replacement in sorted(accepted, key=lambda r: r.start, reverse=True):
        text = text[:replacement.start] + replacement.content + text[replacement.end:]
    return text, fixed, deferred


def unified_diff(display_path: str, before: str, after: str) -> str:
    """Return a unified diff with git's a/ and b/ prefixes."""
    import difflib

    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 fromfile=f"a/{display_path}", tofile=f"b/{display_path}")
    output = []
    for line in lines:
        if line.endswith("\n"):
            output.append(line)
        else:
            output.append(line + "\n\\ No newline at end of file\n")
    return "".join(output)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a source file's bytes in one rename, keeping its mode and links."""
    replace_file(path, data, sync=True)


def _read_unchanged(plan: FileFixes) -> SourceText | None:
    """Read a planned file, or return None when it changed since the scan."""
    try:
        data = plan.path.read_bytes()
    except OSError as error:
        logger.warning("could not read %s to fix it: %s", plan.display_path, error.strerror)
        return None
    if hashlib.sha256(data).hexdigest() != plan.digest:
        return None
    try:
        return SourceText(data)
    except UnicodeDecodeError:
        return None


def _run_pass(plans: dict[Path, FileFixes], options: FixOptions, report: FixReport,
              skipped: set[Path]) -> int:
    """Apply or preview one pass of fixes and return the number of findings fixed."""
    fixed_total = 0
    diffs = []
    for path in sorted(plans):
        plan = plans[path]
        if path in skipped:
            continue
        source = _read_unchanged(plan)
        if source is None:
            skipped.add(path)
            report.modified_since_scan.append(plan.display_path)
            continue
        text, fixed, deferred = fix_text(source, plan.fixes)
        report.deferred += deferred
        if text == source.text:
            continue
        if options.write:
            try:
                write_atomically(path, text.encode("utf-8"))
            except OSError as error:
                logger.warning("could not write the fixes to %s: %s", plan.display_path,
                               error.strerror or error)
                skipped.add(path)
                continue
        else:
            diff = unified_diff(plan.display_path, source.text, text)
            diffs.append(_mask(diff, plan))
        fixed_total += fixed
        if plan.display_path not in report.changed_files:
            report.changed_files.append(plan.display_path)
    report.diff += "".join(diffs)
    return fixed_total


def _mask(text: str, plan: FileFixes) -> str:
    """Mask the hard-coded keys the findings carry in a diff's context lines."""
    from .report.redaction import Redactor

    return Redactor(secret for finding, _ in plan.fixes for secret in finding.secrets)(text)


def apply_fixes(scan: Scan, options: FixOptions, cwd: Path | None = None
                ) -> tuple[RunResult, list, FixReport]:
    """Scan, fix, and scan again until no fix applies; return the last scan.

    ``scan`` runs the whole scan with every filter the report uses, so only
    reported findings are fixed. With ``options.write`` off, one pass runs
    and ``FixReport.diff`` contains the changes it would make.
    """
    cwd = cwd or Path.cwd()
    report = FixReport()
    skipped: set[Path] = set()
    result, scans = scan()
    while True:
        selected, report.unsafe_hidden = select_fixes(result.findings, options.unsafe)
        plans = plan_fixes(selected, scans, cwd)
        if not plans:
            break
        if report.passes == MAX_PASSES:
            report.unfinished = True
            break
        report.passes += 1
        report.deferred = 0
        fixed = _run_pass(plans, options, report, skipped)
        report.applied += fixed
        if not options.write or fixed == 0:
            break
        result, scans = scan()
    if options.write:
        result.fixes_applied = report.applied
    return result, scans, report
