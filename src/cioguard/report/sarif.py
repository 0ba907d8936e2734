"""The ``sarif`` format: SARIF 2.1.0 for GitHub code scanning and other viewers.

The driver carries the whole rule catalogue, so a viewer can show a rule's
documentation without cioguard installed. Columns count Unicode code
points, which the run declares in ``columnKind``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from ..model import Edit, RunResult
from ..rules.base import Rule
from .base import ReportContext, Reporter
from .prepared import Position, PreparedFinding, PreparedRun, prepare
from .redaction import Redactor

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
    "sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/cioguard/cioguard"
URI_BASE_ID = "%SRCROOT%"
FINGERPRINT_KEY = "cioguard/v2"

# Severity to SARIF result level.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# Severity to the GitHub code scanning ``problem.severity`` property.
PROBLEM_SEVERITIES = {"error": "error", "warning": "warning", "info": "recommendation"}
# Confidence to SARIF ``precision`` (whose scale also has "very-high").
PRECISIONS = {"high": "high", "medium": "medium", "low": "low"}


def artifact_location(path: str) -> dict[str, str]:
    return {"uri": quote(path, safe="/"), "uriBaseId": URI_BASE_ID}


def region(position: Position) -> dict[str, Any]:
    return {
        "startLine": position.line,
        "startColumn": position.column,
        "endLine": position.end_line,
        "endColumn": position.end_column,
    }


def rule_descriptor(rule: type[Rule], redactor: Redactor) -> dict[str, Any]:
    sections = rule.sections()
    first_section = next((text for text in sections.values() if text), rule.summary)
    documentation = redactor(rule.documentation())
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": redactor(rule.summary)},
        "fullDescription": {"text": redactor(first_section)},
        "help": {"text": documentation, "markdown": documentation},
        "helpUri": rule.help_uri(),
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {
            "precision": PRECISIONS.get(rule.confidence, "medium"),
            "problem.severity": PROBLEM_SEVERITIES.get(rule.severity, "warning"),
            "tags": ["customer.io"],
        },
    }


def unknown_rule_descriptor(finding: PreparedFinding) -> dict[str, Any]:
    """Describe a rule that reported a finding but is missing from the catalogue."""
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
    }


def fix_object(finding: PreparedFinding) -> dict[str, Any]:
    fix = finding.fix
    assert fix is not None
    edits_by_path: dict[str, list[Edit]] = defaultdict(list)
    for edit in fix.edits:
        edits_by_path[edit.span.path].append(edit)
    changes = [
        {
            "artifactLocation": artifact_location(path),
            "replacements": [
                {
                    "deletedRegion": region(Position.from_span(edit.span)),
                    "insertedContent": {"text": edit.content},
                }
                for edit in edits
            ],
        }
        for path, edits in edits_by_path.items()
    ]
    return {"description": {"text": fix.message}, "artifactChanges": changes}


def physical_location(finding: PreparedFinding) -> dict[str, Any]:
    flagged = region(finding.position)
    location: dict[str, Any] = {
        "artifactLocation": artifact_location(finding.path),
        "region": flagged,
    }
    if finding.snippet is not None:
        flagged["snippet"] = {"text": finding.snippet}
    source = finding.source
    if source is not None and finding.position.end_line <= len(source.lines):
        first, last = finding.position.line, finding.position.end_line
        lines = source.lines[first - 1 : last]
        location["contextRegion"] = {
            "startLine": first,
            "endLine": last,
            "snippet": {"text": "\n".join(lines)},
        }
    return location


def result_object(finding: PreparedFinding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message_with_hint},
        "locations": [{"physicalLocation": physical_location(finding)}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"confidence": finding.confidence, "hint": finding.hint},
    }
    if finding.fix is not None and finding.fix.edits:
        result["fixes"] = [fix_object(finding)]
    if finding.suppressed:
        suppression = {"kind": "inSource"}
        if finding.justification:
            suppression["justification"] = finding.justification
        result["suppressions"] = [suppression]
    return result


def notification(path: str, message: str) -> dict[str, Any]:
    return {
        "level": "warning",
        "message": {"text": f"{path}: {message}"},
        "locations": [
            {"physicalLocation": {"artifactLocation": artifact_location(path)}}
        ],
    }


def execution_successful(run: PreparedRun) -> bool:
    # A run fails when files were found but none of them could be checked.
    return run.files_scanned == 0 or len(run.errors) < run.files_scanned


def sarif_log(run: PreparedRun) -> dict[str, Any]:
    rules = [rule_descriptor(rule, run.redactor) for rule in run.rules]
    index = {rule.code: position for position, rule in enumerate(run.rules)}
    everything = sorted(
        run.findings + run.suppressed_findings,
        key=lambda f: (
            f.path,
            f.position.line,
            f.position.column,
            f.rule,
            f.suppressed,
        ),
    )
    results = []
    for finding in everything:
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append(unknown_rule_descriptor(finding))
        results.append(result_object(finding, index[finding.rule]))

    invocation = {
        "executionSuccessful": execution_successful(run),
        "toolExecutionNotifications": [
            notification(e.path, e.message) for e in run.errors
        ],
    }
    driver = {
        "name": "cioguard",
        "version": run.context.version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


class SarifReporter(Reporter):
    format_name = "sarif"

    def render(self, result: RunResult, context: ReportContext) -> str:
        log = sarif_log(prepare(result, context))
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
