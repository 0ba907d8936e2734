"""The rule base class: identity, documentation and the check entry point."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterable

from ..model import Finding, Fix, Span

if TYPE_CHECKING:
    from ..project import Project

REQUIRED_SECTIONS = ("What it does", "Why it matters", "Example", "Use instead")
DOCS_URL = "https://github.com/cioguard/cioguard/blob/main/docs/rules.md#{anchor}"


@dataclass(frozen=True, slots=True)
class RuleOption:
    name: str
    default: object
    help: str


class Rule:
    """One check, keyed by code. The class docstring is the rule's documentation.

    Subclasses set the class attributes and implement ``check``, which reads
    the project model and yields findings. ``report`` builds a finding with
    this rule's identity so checks only supply what differs.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str]
    summary: ClassVar[str]  # short description, also SARIF shortDescription
    confidence: ClassVar[str] = "high"
    status: ClassVar[str] = "stable"
    added_in: ClassVar[str] = "0.1.0"
    options: ClassVar[tuple[RuleOption, ...]] = ()
    project_level: ClassVar[bool] = False

    def __init__(self, settings=None):
        self.settings = settings

    def check(self, project: Project) -> Iterable[Finding]:
        raise NotImplementedError

    def report(
        self,
        span: Span,
        message: str,
        hint: str,
        *,
        severity: str | None = None,
        confidence: str | None = None,
        fix: Fix | None = None,
        secrets: tuple[str, ...] = (),
        scope: str = "",
    ) -> Finding:
        overrides = getattr(self.settings, "severity_overrides", {}) or {}
        return Finding(
            rule=self.code,
            name=self.name,
            severity=overrides.get(self.code) or severity or self.severity,
            confidence=confidence or self.confidence,
            message=message,
            hint=hint,
            span=span,
            fix=fix,
            secrets=secrets,
            scope=scope,
        )

    # Documentation -----------------------------------------------------

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        """Split the docstring into its ``## Heading`` sections."""
        sections: dict[str, str] = {}
        current = "Summary"
        lines: list[str] = []
        for line in cls.documentation().splitlines():
            heading = re.match(r"^##\s+(.+?)\s*$", line)
            if heading:
                sections[current] = "\n".join(lines).strip()
                current, lines = heading.group(1), []
            else:
                lines.append(line)
        sections[current] = "\n".join(lines).strip()
        return sections

    @classmethod
    def help_uri(cls) -> str:
        return DOCS_URL.format(anchor=f"{cls.code.lower()}-{cls.name}")
