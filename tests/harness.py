"""Run cioguard on fixture projects and compare findings with inline marks.

Marks use the corpus format, in the file's own comment syntax:

    expect: CIO006            a finding of CIO006 whose lines include this line
    expect: CIO006, CIO012    one finding for each code
    expect-anywhere: CIO008   a finding of CIO008 anywhere in this file
    todo-error: CIO006        a known miss: reported, never a failure
    todo-ok: CIO006           a known false alarm: reported, never a failure

A fixture whose tree-sitter parse has errors fails unless it contains the
line ``cioguard-fixture: broken-input``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cioguard.config import Settings
from cioguard.engine import run
from cioguard.extract.common import EXTENSIONS
from cioguard.model import Finding
from cioguard.rules.registry import all_rules

FIXTURES = Path(__file__).parent / "fixtures"
MARK = re.compile(r"(expect|expect-anywhere|todo-error|todo-ok):\s*(CIO\d{3}(?:\s*,\s*CIO\d{3})*)")
BROKEN = "cioguard-fixture: broken-input"


@dataclass
class Marks:
    expected: list[tuple[str, int | None, str]] = field(default_factory=list)
    todo_error: set[tuple[str, int, str]] = field(default_factory=set)
    todo_ok: set[tuple[str, int, str]] = field(default_factory=set)


@dataclass
class Outcome:
    missed: list[str]
    unexpected: list[str]
    known_misses: list[str]
    known_false_alarms: list[str]
    findings: list[Finding]
    errors: list[str]

    def explain(self) -> str:
        lines = []
        if self.missed:
            lines.append("missed:\n  " + "\n  ".join(self.missed))
        if self.unexpected:
            lines.append("unexpected:\n  " + "\n  ".join(self.unexpected))
        if self.errors:
            lines.append("errors:\n  " + "\n  ".join(self.errors))
        return "\n".join(lines)


def read_marks(root: Path, codes: set[str] | None) -> Marks:
    marks = Marks()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in EXTENSIONS:
            continue
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for kind, code_list in MARK.findall(line):
                for code in re.split(r"\s*,\s*", code_list):
                    if codes is not None and code not in codes:
                        continue
                    if kind == "expect":
                        marks.expected.append((relative, number, code))
                    elif kind == "expect-anywhere":
                        marks.expected.append((relative, None, code))
                    elif kind == "todo-error":
                        marks.todo_error.add((relative, number, code))
                    else:
                        marks.todo_ok.add((relative, number, code))
    return marks


def prepare(fixture: Path, workdir: Path) -> Path:
    """Copy a fixture (a file or a folder) into its own project folder."""
    project = workdir / fixture.stem
    if fixture.is_dir():
        shutil.copytree(fixture, project)
    else:
        project.mkdir(parents=True)
        shutil.copy(fixture, project / fixture.name)
    return project


def scan(project: Path, codes: set[str] | None, settings: Settings | None = None,
         monkeypatch=None) -> list[Finding]:
    rules = [r for r in all_rules() if codes is None or r.code in codes]
    settings = settings or Settings()
    if monkeypatch is not None:
        monkeypatch.chdir(project)
    result, _ = run([project], settings, rules, jobs=1)
    return result.findings, result.errors


def check_project(project: Path, codes: set[str] | None, monkeypatch,
                  settings: Settings | None = None) -> Outcome:
    marks = read_marks(project, codes)
    findings, errors = scan(project, codes, settings, monkeypatch)
    remaining = list(findings)
    missed, known_misses = [], []
    for path, line, code in sorted(marks.expected, key=lambda m: m[1] is None):
        match = next((f for f in remaining if f.rule == code and f.span.path == path and (
            line is None or f.span.line + 1 <= line <= f.span.end_line + 1)), None)
        if match is not None:
            remaining.remove(match)
        else:
            missed.append(f"{path}:{line or '*'} {code}")
    for path, line, code in sorted(marks.todo_error):
        match = next((f for f in remaining if f.rule == code and f.span.path == path
                      and f.span.line + 1 <= line <= f.span.end_line + 1), None)
        if match is None:
            known_misses.append(f"{path}:{line} {code}")
        else:
            remaining.remove(match)
    unexpected, known_false_alarms = [], []
    for finding in remaining:
        key = (finding.span.path, finding.span.line + 1, finding.rule)
        text = f"{finding.span.path}:{finding.span.line + 1} {finding.rule} {finding.message}"
        if key in marks.todo_ok:
            known_false_alarms.append(text)
        else:
            unexpected.append(text)
    return Outcome(missed, unexpected, known_misses, known_false_alarms, findings,
                   [f"{e.path}: {e.message}" for e in errors])


def fixture_cases() -> list[tuple[str, Path]]:
    """(code, path) for every fixture file or folder under tests/fixtures/CIOnnn/."""
    cases = []
    for code_dir in sorted(FIXTURES.glob("CIO[0-9][0-9][0-9]")):
        for entry in sorted(code_dir.iterdir()):
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_dir() or entry.suffix in EXTENSIONS:
                cases.append((code_dir.name, entry))
    return cases


def parse_errors(project: Path) -> list[str]:
    """Files that tree-sitter cannot parse cleanly, unless marked as broken on purpose."""
    from cioguard.engine import extract_source

    broken = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or path.suffix not in EXTENSIONS:
            continue
        source = path.read_bytes()
        if BROKEN.encode() in source:
            continue
        facts = extract_source(source, path.name, EXTENSIONS[path.suffix])
        if facts.has_errors:
            broken.append(path.relative_to(project).as_posix())
    return broken
