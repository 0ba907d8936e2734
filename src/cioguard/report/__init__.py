"""Output formats: one reporter class per format, looked up by name.

``render(format, result, context)`` is the entry point for the command line.
Every reporter masks the secrets that findings carry. ``render`` masks its
whole output once more, so that a secret which reached an unexpected field
still does not get out.
"""

from __future__ import annotations

from ..errors import UsageError
from ..model import RunResult
import importlib
from collections.abc import Iterator, Mapping

from .base import ReportContext, Reporter, read_source_lines
from .redaction import Redactor, mask_secret

DEFAULT_FORMAT = "concise"

# Format name -> (module in this package, reporter class). A scan renders
# one format, so only that reporter's module is imported.
REPORTER_CLASSES = {
    "concise": ("text", "ConciseReporter"),
    "full": ("text", "FullReporter"),
    "json": ("json_report", "JsonReporter"),
    "jsonl": ("json_report", "JsonLinesReporter"),
    "sarif": ("sarif", "SarifReporter"),
    "github": ("github", "GithubReporter"),
    "gitlab": ("gitlab", "GitlabReporter"),
    "junit": ("junit", "JunitReporter"),
    "html": ("html_report", "HtmlReporter"),
}


class _Reporters(Mapping[str, type[Reporter]]):
    """The reporter classes by format name, imported when first looked up."""

    def __getitem__(self, name: str) -> type[Reporter]:
        module, class_name = REPORTER_CLASSES[name]
        return getattr(importlib.import_module(f".{module}", __name__), class_name)

    def __iter__(self) -> Iterator[str]:
        return iter(REPORTER_CLASSES)

    def __len__(self) -> int:
        return len(REPORTER_CLASSES)


REPORTERS: Mapping[str, type[Reporter]] = _Reporters()


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
