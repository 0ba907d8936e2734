"""The ``json`` and ``jsonl`` formats: the machine-readable contract.

Other tools parse these objects, so their keys change only with the
documented contract. Keys are sorted and findings keep the run's order
(path, line, column, rule), so the output is stable.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Fix, RunResult
from .base import ReportContext, Reporter
from .prepared import PreparedFinding, PreparedRun, prepare


def fix_object(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    edits = [
        {
            "column": edit.span.col + 1,
            "content": edit.content,
            "end_column": edit.span.end_col + 1,
            "end_line": edit.span.end_line + 1,
            "line": edit.span.line + 1,
        }
        for edit in fix.edits
    ]
    return {"applicability": fix.applicability, "edits": edits, "message": fix.message}


def finding_object(finding: PreparedFinding) -> dict[str, Any]:
    position = finding.position
    return {
        "column": position.column,
        "confidence": finding.confidence,
        "end_column": position.end_column,
        "end_line": position.end_line,
        "fix": fix_object(finding.fix),
        "hint": finding.hint,
        "line": position.line,
        "message": finding.message,
        "name": finding.name,
        "path": finding.path,
        "rule": finding.rule,
        "severity": finding.severity,
    }


def summary_object(run: PreparedRun) -> dict[str, Any]:
    return {
        "by_severity": run.by_severity(),
        "duration_s": round(run.duration_s, 2),
        "errors": [{"message": e.message, "path": e.path} for e in run.errors],
        "files_parsed": run.files_parsed,
        "files_scanned": run.files_scanned,
        "findings": len(run.findings),
        "fixes_applied": run.fixes_applied,
        "suppressed": run.suppressed,
    }


class JsonReporter(Reporter):
    format_name = "json"

    def render(self, result: RunResult, context: ReportContext) -> str:
        run = prepare(result, context)
        document = {
            "findings": [finding_object(f) for f in run.findings],
            "summary": summary_object(run),
            "version": context.version,
        }
        return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class JsonLinesReporter(Reporter):
    """One finding object per line, the same object as in ``json``."""

    format_name = "jsonl"

    def render(self, result: RunResult, context: ReportContext) -> str:
        run = prepare(result, context)
        lines = [
            json.dumps(finding_object(f), sort_keys=True, ensure_ascii=False)
            for f in run.findings
        ]
        return "".join(line + "\n" for line in lines)
