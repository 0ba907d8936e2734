"""The rule reference page, generated from the rule docstrings.

``docs/rules.md`` is this module's output; a test fails when it is out of
date, so the page never drifts from the text ``cioguard explain`` prints.
"""

from __future__ import annotations

from .rules.registry import all_rules

HEADER = """# Rule reference

Generated from the rule documentation by `cioguard rules --format markdown`;
do not edit by hand. `cioguard explain CODE` prints the same text.

| Code | Name | Severity | Summary |
| --- | --- | --- | --- |
"""


def rules_markdown() -> str:
    rules = all_rules()
    lines = [HEADER.rstrip("\n")]
    for rule in rules:
        anchor = f"{rule.code.lower()}-{rule.name}"
        lines.append(f"| [{rule.code}](#{anchor}) | {rule.name} | {rule.severity} | "
                     f"{rule.summary} |")
    for rule in rules:
        lines.append("")
        lines.append(f"## {rule.code} {rule.name}")
        lines.append("")
        lines.append(f"Default severity: {rule.severity}. Added in {rule.added_in}.")
        lines.append("")
        body = rule.documentation()
        lines.append(body.replace("\n## ", "\n### "))
    return "\n".join(lines).rstrip("\n") + "\n"
