"""The ``github`` format: GitHub Actions workflow commands.

Each finding becomes an ``::error``, ``::warning`` or ``::notice`` line,
which the Actions runner turns into an annotation on the pull request.
"""

from __future__ import annotations

from ..model import RunResult
from .base import ReportContext, Reporter
from .prepared import PreparedFinding, prepare

# Severity to workflow command.
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value, which additionally ends at ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_line(finding: PreparedFinding) -> str:
    position = finding.position
    properties = [("file", finding.path), ("line", str(position.line))]
    # The runner accepts columns only for single-line annotations, and its
    # end column is inclusive, where ours is exclusive.
    if position.line == position.end_line:
        end_column = max(position.column, position.end_column - 1)
        properties += [("col", str(position.column)), ("endColumn", str(end_column))]
    else:
        properties.append(("endLine", str(position.end_line)))
    properties.append(("title", f"{finding.rule} {finding.name}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = finding.message
    if finding.hint:
        message += f"\nhint: {finding.hint}"
    command = COMMANDS.get(finding.severity, "warning")
    return f"::{command} {rendered}::{escape_data(message)}"


class GithubReporter(Reporter):
    format_name = "github"

    def render(self, result: RunResult, context: ReportContext) -> str:
        run = prepare(result, context)
        return "".join(command_line(finding) + "\n" for finding in run.findings)
