"""The generated rule reference matches the rule docstrings."""

from pathlib import Path

from cioguard.docs import rules_markdown
from cioguard.rules.registry import all_rules

RULES_PAGE = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_page_is_up_to_date():
    assert RULES_PAGE.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `cioguard rules --format markdown > docs/rules.md`"
    )


def test_rules_page_has_an_anchor_per_help_uri():
    page = RULES_PAGE.read_text(encoding="utf-8")
    for rule in all_rules():
        anchor = rule.help_uri().rsplit("#", 1)[1]
        assert f"## {rule.code} {rule.name}" in page
        assert anchor == f"{rule.code.lower()}-{rule.name}"
