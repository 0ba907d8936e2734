"""The ``junit`` format: JUnit XML for CI systems that show test reports.

One test suite, ``cioguard``, contains one failed test case per finding, or a
single passing test case when there are no findings.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..model import RunResult
from .base import ReportContext, Reporter
from .prepared import PreparedFinding, PreparedRun, prepare

# Characters that XML 1.0 forbids even when escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _INVALID_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def failure_text(finding: PreparedFinding) -> str:
    position = finding.position
    lines = [
        f"{finding.path}:{position.line}:{position.column}: {finding.rule} "
        f"[{finding.severity}/{finding.confidence}] {finding.message} ({finding.name})"
    ]
    if finding.hint:
        lines.append(f"hint: {finding.hint}")
    return xml_text("\n".join(lines))


def add_case(suite: ET.Element, finding: PreparedFinding) -> None:
    position = finding.position
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": xml_text(finding.path),
            "name": xml_text(
                f"{finding.rule} {finding.name} at line {position.line}, "
                f"column {position.column}"
            ),
            "file": xml_text(finding.path),
            "line": str(position.line),
            "time": "0",
        },
    )
    failure = ET.SubElement(
        case, "failure", {"message": xml_text(finding.message), "type": finding.rule}
    )
    failure.text = failure_text(finding)


def junit_tree(run: PreparedRun) -> ET.Element:
    failures = str(len(run.findings))
    tests = str(len(run.findings) or 1)  # the passing case when there are none
    duration = f"{run.duration_s:.3f}"
    counts = {"tests": tests, "failures": failures, "errors": "0", "time": duration}
    root = ET.Element("testsuites", {"name": "cioguard", **counts})
    suite = ET.SubElement(
        root, "testsuite", {"name": "cioguard", **counts, "skipped": "0"}
    )
    for finding in run.findings:
        add_case(suite, finding)
    if not run.findings:
        ET.SubElement(
            suite, "testcase", {"classname": "cioguard", "name": "no findings"}
        )
    return root


class JunitReporter(Reporter):
    format_name = "junit"

    def render(self, result: RunResult, context: ReportContext) -> str:
        tree = junit_tree(prepare(result, context))
        ET.indent(tree)
        body = ET.tostring(tree, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
