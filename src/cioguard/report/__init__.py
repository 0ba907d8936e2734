"""Output formats: one reporter class per format, looked up by name.

``render(format, result, context)`` is the entry point for the command line.
Every reporter masks the secrets that findings carry. ``render`` masks its
whole output once more, so that a secret which reached an unexpected field
still does not get out.
"""

from __future__ import annotations

from ..errors import UsageError
from ..model import RunResult
from .base import ReportContext, Reporter, read_source_lines
from .github import GithubReporter
from .gitlab import GitlabReporter
from .html_report import HtmlReporter
from .json_report import JsonLinesReporter, JsonReporter
from .junit import JunitReporter
from .redaction import Redactor, mask_secret
from .sarif import SarifReporter
from .text import ConciseReporter, FullReporter

DEFAULT_FORMAT = "concise"

REPORTERS: dict[str, type[Reporter]] = {
    reporter.format_name: reporter
    for reporter in (
        ConciseReporter,
        FullReporter,
        JsonReporter,
        JsonLinesReporter,
        SarifReporter,
        GithubReporter,
        GitlabReporter,
        JunitReporter,
        HtmlReporter,
    )
}


def render(format: str, result: RunResult, context: ReportContext | None = None) -> str:
    """Render a run result in the named format.

    Raises UsageError for an unknown format name.
    """
    reporter = REPORTERS.get(format)
    if reporter is None:
        choices = ", ".join(REPORTERS)
        raise UsageError(f"unknown output format {format!r} (choose one of: {choices})")
    output = reporter().render(result, context or ReportContext())
    findings = result.findings + result.suppressed_findings
    return Redactor(s for f in findings for s in f.secrets)(output)


__all__ = [
    "DEFAULT_FORMAT",
    "REPORTERS",
    "ReportContext",
    "Reporter",
    "mask_secret",
    "read_source_lines",
    "render",
]
