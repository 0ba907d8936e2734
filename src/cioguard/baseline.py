"""Baseline files: the findings a team has accepted, so that only new ones fail.

A fingerprint is a SHA-256 over the rule code, the path relative to the
baseline file's folder, and the flagged source text. That text has its
secrets masked, and ``normalise_source`` collapses its whitespace and
drops the spaces and trailing commas at brackets. Line numbers are left
out, so code that moves, or that a formatter rewraps, keeps its findings
matched, while changing the flagged text or renaming the file makes a
finding new. Identical findings in one
file share a fingerprint, and the file stores how many there were, so a
second copy of an accepted mistake is reported.

The file is JSON with a version number, its entries sorted by path, rule
and fingerprint, so that regenerating it gives a small diff. It stores no
source text, only hashes of masked text.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .files import replace_file
from .model import RunResult
from .report.base import ReportContext
from .report.prepared import finding_fingerprint, prepare

# Version 2 normalises brackets and commas in the fingerprinted text, so
# version 1 fingerprints no longer match and such a file must be rewritten.
BASELINE_VERSION = 2
FINGERPRINT_LENGTH = 64  # hex digits of a SHA-256


@dataclass(frozen=True, order=True, slots=True)
class Entry:
    path: str
    rule: str
    fingerprint: str
    count: int


def fingerprints(result: RunResult, base: Path) -> list[tuple[str, str, str]]:
    """Return (path, rule, fingerprint) for each finding of ``result``, in order.

    Paths are relative to ``base`` with "/" separators. The flagged text is
    read from the files and masked as reporters mask it. When a file cannot
    be read, the masked message replaces the text.
    """
    run = prepare(result, ReportContext())
    base = base.resolve()
    keys = []
    for prepared in run.findings:
        path = _relative_path(prepared.path, base)
        text = prepared.snippet if prepared.snippet is not None else prepared.message
        digest = finding_fingerprint(prepared.rule, path, prepared.scope, text)
        keys.append((path, prepared.rule, digest))
    return keys


def _relative_path(path: str, base: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return Path(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


def build_entries(result: RunResult, base: Path) -> list[Entry]:
    counts = Counter(fingerprints(result, base))
    return sorted(Entry(path, rule, digest, count)
                  for (path, rule, digest), count in counts.items())


def write_baseline(path: Path, result: RunResult) -> int:
    """Write the baseline of ``result`` to ``path`` and return the number of findings.

    The file is replaced in one step, so an interrupted write leaves the old
    baseline intact. Raises UsageError when the file cannot be written.
    """
    entries = build_entries(result, path.parent)
    document = {
        "findings": [
            {"count": e.count, "fingerprint": e.fingerprint, "path": e.path, "rule": e.rule}
            for e in entries
        ],
        "version": BASELINE_VERSION,
    }
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    try:
        # A new baseline gets the usual mode of a file in a repository.
        replace_file(path, text.encode("utf-8"), mode=0o644)
    except OSError as error:
        raise UsageError(
            f"cannot write baseline file `{path}`: {error.strerror}; "
            "check that its folder exists and is writable"
        ) from None
    return sum(entry.count for entry in entries)


def read_baseline(path: Path) -> Counter[str]:
    """Read a baseline file and return how many findings each fingerprint has.

    Raises UsageError for a missing, unreadable or malformed file.
    """
    regenerate = f"regenerate it with --baseline {path} --update-baseline"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"baseline file `{path}` not found; "
            f"create it with --baseline {path} --update-baseline"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not valid UTF-8"
        raise UsageError(f"cannot read baseline file `{path}`: {reason}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"invalid baseline file `{path}`: not JSON ({error}); {regenerate}"
        ) from None

    problem = _document_problem(document)
    if problem:
        raise UsageError(f"invalid baseline file `{path}`: {problem}; {regenerate}")
    counts: Counter[str] = Counter()
    for entry in document["findings"]:
        counts[entry["fingerprint"]] += entry["count"]
    return counts


def _document_problem(document: object) -> str:
    """Describe what is wrong with a parsed baseline document, or return ""."""
    if not isinstance(document, dict):
        return "expected a JSON object"
    version = document.get("version")
    if version != BASELINE_VERSION:
        return f"unsupported version {json.dumps(version)}, expected {BASELINE_VERSION}"
    findings = document.get("findings")
    if not isinstance(findings, list):
        return "missing `findings` array"
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict):
            return f"findings[{index}] is not an object"
        fingerprint = entry.get("fingerprint")
        if not (isinstance(fingerprint, str) and len(fingerprint) == FINGERPRINT_LENGTH):
            return f"findings[{index}] has no valid `fingerprint`"
        count = entry.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            return f"findings[{index}] has no valid `count` (a positive integer)"
    return ""


def apply_baseline(result: RunResult, path: Path, accepted: Counter[str]) -> None:
    """Remove the findings that a baseline accepts.

    ``accepted`` is what ``read_baseline`` returned for the file at
    ``path``. Each fingerprint matches as many findings as the baseline
    counted, in the run's order. Matched findings are counted in
    ``baseline_matched``.
    """
    available = Counter(accepted)
    new_findings = []
    for finding, (_, _, digest) in zip(result.findings, fingerprints(result, path.parent)):
        if available[digest] > 0:
            available[digest] -= 1
            result.baseline_matched += 1
        else:
            new_findings.append(finding)
    result.findings = new_findings
