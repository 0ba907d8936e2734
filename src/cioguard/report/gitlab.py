"""The ``gitlab`` format: a GitLab Code Quality report (a JSON array).

Severities map to GitLab's scale as follows: ``error`` (data lost or
sending broken) is ``critical``, ``warning`` is ``major`` and ``info`` is
``minor``. ``blocker`` and ``info`` are left unused.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from ..model import RunResult
from .base import ReportContext, Reporter
from .prepared import PreparedFinding, prepare

SEVERITIES = {"error": "critical", "warning": "major", "info": "minor"}


def unique_fingerprints(findings: list[PreparedFinding]) -> list[str]:
    """Return one fingerprint per finding, distinct within the report.

    GitLab treats equal fingerprints as one issue, so the second and later
    findings with the same rule, path and flagged text hash in their
    occurrence number. The result still does not depend on line numbers.
    """
    seen: Counter[str] = Counter()
    unique = []
    for finding in findings:
        base = finding.fingerprint
        occurrence = seen[base]
        seen[base] += 1
        if occurrence:
            base = hashlib.sha256(f"{base}:{occurrence}".encode()).hexdigest()
        unique.append(base)
    return unique


def issue(finding: PreparedFinding, fingerprint: str) -> dict[str, Any]:
    position = finding.position
    return {
        "description": finding.message_with_hint,
        "check_name": finding.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITIES.get(finding.severity, "major"),
        "location": {
            "path": finding.path,
            "lines": {"begin": position.line, "end": position.end_line},
        },
    }


class GitlabReporter(Reporter):
    format_name = "gitlab"

    def render(self, result: RunResult, context: ReportContext) -> str:
        run = prepare(result, context)
        fingerprints = unique_fingerprints(run.findings)
        issues = [
            issue(f, fp) for f, fp in zip(run.findings, fingerprints, strict=True)
        ]
        return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
