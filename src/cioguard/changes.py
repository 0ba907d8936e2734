"""Lines changed since a git revision, for ``scan --since REF``.

A line is changed when ``git diff --unified=0 REF`` adds or modifies it in
the working tree, staged or not, or when it belongs to an untracked file
that git does not ignore. A deletion leaves a point between two lines, and
a finding whose lines span that point counts as changed too.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .model import RunResult

logger = logging.getLogger(__name__)

HUNK_HEADER = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
GIT_TIMEOUT_S = 120


@dataclass
class FileChanges:
    """The changed lines of one file, one-based."""

    whole_file: bool = False
    lines: set[int] = field(default_factory=set)
    # Lines after which something was deleted; 0 is the top of the file.
    deletions: set[int] = field(default_factory=set)

    def touches(self, first: int, last: int) -> bool:
        """Return whether lines ``first`` to ``last`` (inclusive) changed."""
        if self.whole_file:
            return True
        if any(line in self.lines for line in range(first, last + 1)):
            return True
        return any(first <= point < last for point in self.deletions)


class ChangedLines:
    """Changed lines of every file, keyed by real absolute path."""

    def __init__(self) -> None:
        self.files: dict[str, FileChanges] = {}

    def file(self, path: str) -> FileChanges:
        return self.files.setdefault(os.path.realpath(path), FileChanges())

    def touches(self, path: str, first: int, last: int) -> bool:
        changes = self.files.get(os.path.realpath(path))
        return changes is not None and changes.touches(first, last)


def _git(folder: str, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", folder, *args],
            capture_output=True, text=True, encoding="utf-8", errors="surrogateescape",
            timeout=GIT_TIMEOUT_S, check=False,
        )
    except FileNotFoundError:
        raise UsageError("--since needs git, which was not found on PATH") from None
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"--since: `git {' '.join(args)}` timed out after {GIT_TIMEOUT_S} s in {folder}"
        ) from None


def repository_root(path: Path) -> str:
    """Return the top folder of the git work tree that contains ``path``."""
    folder = str(path if path.is_dir() else path.parent)
    completed = _git(folder, "rev-parse", "--show-toplevel")
    if completed.returncode != 0:
        raise UsageError(
            f"--since needs a git repository, but `{path}` is not inside one; "
            "scan a folder of a git work tree or leave out --since"
        )
    return completed.stdout.strip()


def resolve_revision(root: str, ref: str) -> str:
    """Return the commit id that ``ref`` names in the repository at ``root``."""
    if ref.startswith("-") or not ref.strip():
        raise UsageError(f"--since: invalid git revision `{ref}`")
    completed = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                     f"{ref}^{{commit}}")
    if completed.returncode != 0:
        raise UsageError(
            f"--since: unknown git revision `{ref}` in {root}; "
            "pass a commit, branch or tag, such as origin/main or HEAD~1"
        )
    return completed.stdout.strip()


def changed_lines(ref: str, paths: list[Path]) -> ChangedLines:
    """Collect the lines changed since ``ref`` in the repositories of ``paths``.

    Raises UsageError when a path is outside a git work tree, when ``ref``
    is unknown, or when git fails.
    """
    changes = ChangedLines()
    roots = sorted({repository_root(path) for path in paths})
    for root in roots:
        commit = resolve_revision(root, ref)
        diff = _git(
            root, "-c", "core.quotePath=false", "diff", "--unified=0", "--no-color",
            "--no-ext-diff", "--no-textconv", "--find-renames",
            "--src-prefix=a/", "--dst-prefix=b/", commit, "--",
        )
        if diff.returncode != 0:
            raise UsageError(f"--since: git diff failed in {root}: {diff.stderr.strip()}")
        parse_diff(diff.stdout, root, changes)

        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
        if untracked.returncode != 0:
            raise UsageError(
                f"--since: git ls-files failed in {root}: {untracked.stderr.strip()}"
            )
        for name in filter(None, untracked.stdout.split("\0")):
            changes.file(os.path.join(root, name)).whole_file = True
    return changes


def parse_diff(text: str, root: str, changes: ChangedLines) -> None:
    """Record the new-side lines of a ``--unified=0`` diff in ``changes``.

    Hunk bodies are skipped by their line counts, so an added line that
    itself starts with "++" is not taken for a file header.
    """
    current: FileChanges | None = None
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("+++ "):
            target = _unquote(line[4:])
            if target == "/dev/null":
                current = None
            else:
                current = changes.file(os.path.join(root, target.removeprefix("b/")))
            continue
        match = HUNK_HEADER.match(line)
        if match is None or current is None:
            continue
        old_count = int(match.group(1) or "1")
        start = int(match.group(2))
        new_count = int(match.group(3) or "1")
        if new_count == 0:
            current.deletions.add(start)  # the lines after line `start` were deleted
        else:
            current.lines.update(range(start, start + new_count))
        index = _skip_body(lines, index, old_count + new_count)


def _skip_body(lines: list[str], index: int, count: int) -> int:
    while count > 0 and index < len(lines):
        if not lines[index].startswith("\\"):  # "\ No newline at end of file"
            count -= 1
        index += 1
    return index


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of a path with unusual characters."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    raw = path[1:-1].encode("utf-8", "surrogateescape")
    return codecs.escape_decode(raw)[0].decode("utf-8", "surrogateescape")


def apply_since(result: RunResult, ref: str, paths: list[Path]) -> None:
    """Keep only the findings whose lines changed since ``ref``."""
    changes = changed_lines(ref, paths)
    on_changed_lines = [
        finding
        for finding in result.findings
        if changes.touches(finding.span.path, finding.span.line + 1, finding.span.end_line + 1)
    ]
    logger.info("--since %s: %d of %d findings are on changed lines",
                ref, len(on_changed_lines), len(result.findings))
    result.findings = on_changed_lines
