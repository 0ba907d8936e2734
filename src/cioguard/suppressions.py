"""Per-file ignores and inline suppression comments, applied to one project.

Suppression comments, in any ``//``, ``/* */`` or ``#`` comment:

- ``cioguard: ignore[CIO006]`` at the end of a line silences CIO006 for the
  findings that start on that line.
- The same comment alone on its line silences the codes for the findings
  that start in the next statement (or argument, or property), over all of
  its lines.
- ``cioguard: ignore-file[CIO010]`` anywhere in a file silences the codes in
  the whole file.
- ``# noqa: CIO006`` in Python works like the end-of-line form. Codes are
  required. A bare ``# noqa``, or one naming only other tools' codes, is
  left to those tools.

Codes are separated by commas. Text after ``--`` is the reason, which
reports show as the justification. A comment without codes silences every
code it covers and is reported as CIO101. A code that silences nothing is
reported as CIO100, but only codes of rules that ran on the file are
judged. A suppression silences CIO100 or CIO101 only when it names them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from .model import Comment, FileFacts, Finding, Span, Suppression
from .rules.base import Rule
from .rules.registry import known_codes, rule_codes
from .rules.suppressions.blanket_suppression import BlanketSuppression
from .rules.suppressions.unused_suppression import UnusedSuppression

DIRECTIVE = re.compile(
    r"(?<![\w-])cioguard:[ \t]*(?P<kind>ignore(?:-file)?)(?![\w-])"
    r"(?:[ \t]*\[(?P<codes>[^\]\n]*)\])?"
)
NOQA = re.compile(
    r"(?<![\w-])noqa[ \t]*:[ \t]*"
    r"(?P<codes>[a-z]+[0-9]+(?:[ \t]*,?[ \t]*[a-z]+[0-9]+)*)",
    re.IGNORECASE,
)
REASON = re.compile(r"[ \t]*--[ \t]*(?P<reason>[^\n]*)")
CODE_SEPARATOR = re.compile(r"[\s,]+")
# Text that every suppression comment contains, in lower case, to skip
# other comments fast.
MARKERS = ("cioguard:", "noqa")

SUPPRESSION_RULES = frozenset({UnusedSuppression.code, BlanketSuppression.code})


@dataclass
class Directive:
    """One suppression written in a comment."""

    comment: Comment
    form: str  # "cioguard" or "noqa"
    scope: str  # "line", "next-statement" or "file"
    codes: tuple[str, ...]  # upper-case; empty for a blanket suppression
    reason: str
    start: int  # offsets of the directive in the comment text
    end: int
    used: set[str] = field(default_factory=set)  # codes that silenced a finding

    @property
    def blanket(self) -> bool:
        return not self.codes

    @property
    def text(self) -> str:
        return self.comment.text[self.start : self.end]

    def covers(self, line: int) -> bool:
        if self.scope == "file":
            return True
        if self.scope == "line":
            return line == self.comment.line
        lines = self.comment.next_lines
        return lines is not None and lines[0] <= line <= lines[1]

    def silences(self, code: str) -> bool:
        if code in SUPPRESSION_RULES:
            return code in self.codes
        return self.blanket or code in self.codes

    def span(self) -> Span:
        """Return the span of the directive text inside its comment."""
        return Span(
            self.comment.span.path,
            *_position(self.comment, self.start),
            *_position(self.comment, self.end),
        )


def _position(comment: Comment, offset: int) -> tuple[int, int]:
    """Convert an offset in a comment's text to a line and code-point column."""
    before = comment.text[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        return comment.span.line, comment.span.col + offset
    return comment.span.line + newlines, offset - before.rfind("\n") - 1


def parse_directives(facts: FileFacts) -> list[Directive]:
    """Return the suppressions written in one file's comments, in source order."""
    directives = []
    for comment in facts.comments:
        lowered = comment.text.lower()
        if not any(marker in lowered for marker in MARKERS):
            continue
        directives.extend(_cioguard_directives(comment))
        if facts.language == "python":
            directives.extend(_noqa_directives(comment))
    return directives


def _cioguard_directives(comment: Comment) -> Iterable[Directive]:
    for match in DIRECTIVE.finditer(comment.text):
        if match.group("kind") == "ignore-file":
            scope = "file"
        elif comment.own_line:
            scope = "next-statement"
        else:
            scope = "line"
        codes = _split_codes(match.group("codes") or "")
        reason = _reason(comment.text[match.end() :])
        yield Directive(comment, "cioguard", scope, codes, reason, match.start(), match.end())


def _noqa_directives(comment: Comment) -> Iterable[Directive]:
    for match in NOQA.finditer(comment.text):
        codes = tuple(c for c in _split_codes(match.group("codes")) if c.startswith("CIO"))
        if not codes:
            continue  # a noqa for other tools
        reason = _reason(comment.text[match.end() :])
        yield Directive(comment, "noqa", "line", codes, reason, match.start(), match.end())


def _split_codes(text: str) -> tuple[str, ...]:
    return tuple(code.upper() for code in CODE_SEPARATOR.split(text) if code)


def _reason(rest: str) -> str:
    match = REASON.match(rest)
    if match is None:
        return ""
    reason = match.group("reason").strip()
    # The end of a block comment or of a JSX comment is not part of the reason.
    for end in ("*/}", "*/"):
        if reason.endswith(end):
            reason = reason[: -len(end)].rstrip()
            break
    return reason


# Applying suppressions -----------------------------------------------------


def keep_secrets(removed: Iterable[Finding], remaining: Iterable[Finding]) -> None:
    """Add the secrets of removed findings to the remaining ones.

    A remaining finding's source excerpt can show the line of a removed finding's
    hard-coded key, and reporters mask only the secrets of the findings they
    print.
    """
    secrets = {secret for finding in removed for secret in finding.secrets}
    if not secrets:
        return
    for finding in remaining:
        finding.secrets = tuple(sorted(secrets.union(finding.secrets)))


class FileRules:
    """The rule codes that ran on each file: the enabled ones minus per-file ignores."""

    def __init__(self, settings, rules: Iterable[type[Rule]]):
        self.settings = settings
        self.enabled = set(rule_codes(rules))
        self.per_file_ignores = bool(getattr(settings, "per_file_ignores", None))

    def ran(self, code: str, path: str) -> bool:
        if code not in self.enabled:
            return False
        return not (self.per_file_ignores and self.settings.is_ignored_for(code, path))


def apply_suppressions(
    facts: Mapping[str, FileFacts],
    findings: list[Finding],
    settings,
    rules: Collection[type[Rule]],
) -> tuple[list[Finding], list[Finding]]:
    """Filter one project's findings and return the kept and the silenced ones.

    Paths in ``facts`` and in the findings are relative to the project root.
    Findings of codes that per-file-ignores turn off in their file are
    dropped and not counted. Findings that a suppression comment covers are
    returned as silenced, with ``suppression`` set. CIO100 and CIO101
    findings about the comments are added to the kept ones when those
    rules are enabled.
    """
    file_rules = FileRules(settings, rules)
    ignored = [f for f in findings if not file_rules.ran(f.rule, f.span.path)]
    findings = [f for f in findings if file_rules.ran(f.rule, f.span.path)]
    keep_secrets(ignored, findings)
    directives = {}
    for path, file_facts in facts.items():
        parsed = parse_directives(file_facts)
        if parsed:
            directives[path] = parsed
    if not directives:
        return findings, []

    active, silenced = _silence(findings, directives)
    reports = list(_report_directives(directives, file_rules, settings))
    more_active, more_silenced = _silence(reports, directives)
    return active + more_active, silenced + more_silenced


def _silence(
    findings: list[Finding], directives: Mapping[str, list[Directive]]
) -> tuple[list[Finding], list[Finding]]:
    active, silenced = [], []
    for finding in findings:
        matching = [
            directive
            for directive in directives.get(finding.span.path, ())
            if directive.covers(finding.span.line) and directive.silences(finding.rule)
        ]
        if not matching:
            active.append(finding)
            continue
        for directive in matching:
            directive.used.add(finding.rule)
        # The narrowest suppression is the one that reports cite.
        order = ("line", "next-statement", "file")
        chosen = min(matching, key=lambda d: order.index(d.scope))
        finding.suppression = Suppression(chosen.comment.line, chosen.scope, chosen.reason)
        silenced.append(finding)
    return active, silenced


def _report_directives(
    directives: Mapping[str, list[Directive]], file_rules: FileRules, settings
) -> Iterable[Finding]:
    known = set(known_codes())
    for path, in_file in directives.items():
        blanket_rule = file_rules.ran(BlanketSuppression.code, path)
        unused_rule = file_rules.ran(UnusedSuppression.code, path)
        for directive in in_file:
            if directive.blanket:
                if blanket_rule:
                    yield _blanket_finding(directive, settings)
                if unused_rule and not directive.used:
                    yield UnusedSuppression(settings).report(
                        directive.span(),
                        "blanket suppression silences no finding",
                        "Remove the comment",
                    )
                continue
            if not unused_rule:
                continue
            unknown = [code for code in directive.codes if code not in known]
            if unknown:
                yield UnusedSuppression(settings).report(
                    directive.span(),
                    f"suppression names unknown rule {_plural_codes(unknown)} "
                    f"{_code_list(unknown)}",
                    "Correct or remove the code; `cioguard rules` lists the codes",
                )
            unused = [
                code
                for code in directive.codes
                if code in known
                and code not in SUPPRESSION_RULES
                and code not in directive.used
                and file_rules.ran(code, path)
            ]
            if unused:
                yield _unused_finding(directive, unused, settings)


def _blanket_finding(directive: Directive, settings) -> Finding:
    kind = "ignore-file" if directive.scope == "file" else "ignore"
    return BlanketSuppression(settings).report(
        directive.span(),
        f"`cioguard: {kind}` names no rule code",
        f"Name the codes it silences, such as `cioguard: {kind}[CIO006]`",
    )


def _unused_finding(directive: Directive, unused: list[str], settings) -> Finding:
    every_code_unused = len(unused) == len(directive.codes)
    if every_code_unused and directive.form == "cioguard":
        hint = "Remove the comment"
    else:
        hint = f"Remove {_code_list(unused)} from the comment"
    return UnusedSuppression(settings).report(
        directive.span(),
        f"suppression of {_code_list(unused)} silences no finding",
        hint,
    )


def _plural_codes(codes: list[str]) -> str:
    return "code" if len(codes) == 1 else "codes"


def _code_list(codes: Iterable[str]) -> str:
    return ", ".join(f"`{code}`" for code in codes)
