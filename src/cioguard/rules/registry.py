"""The code table: every rule class, in code order.

A rule module that exists but is missing here fails the registry test.
"""

from __future__ import annotations

from .base import Rule

RULES: list[type[Rule]] = []


def all_rules() -> list[type[Rule]]:
    return sorted(RULES, key=lambda rule: rule.code)


def get_rule(code: str) -> type[Rule] | None:
    for rule in RULES:
        if rule.code == code:
            return rule
    return None


def known_codes() -> list[str]:
    return [rule.code for rule in all_rules()]
