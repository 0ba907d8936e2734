"""CIO010 inconsistent-event-name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ...model import Edit, Finding, Fix, Span, Value
from ..base import Rule
from . import event_calls

if TYPE_CHECKING:
    from ...project import Project

STYLES = {
    "snake_case": re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"),
    "camelCase": re.compile(r"^[a-z][a-zA-Z0-9]*$"),
    "PascalCase": re.compile(r"^[A-Z][a-zA-Z0-9]*$"),
    "kebab-case": re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"),
    "Title Case": re.compile(
        r"^[A-Z][A-Za-z0-9]*(?: (?:[A-Z][A-Za-z0-9]*|a|an|and|as|at|by|for|in|of|on|or|the|to|via|with))*$"
    ),
    # Only the first word is capitalised; later words are lower case, or
    # acronyms such as SMS and URL.
    "Sentence case": re.compile(r"^(?:[A-Z][a-z0-9]*|[A-Z0-9]{2,})(?: (?:[a-z0-9]+|[A-Z0-9]{2,}))*$"),
}
DEFAULT_STYLE = {"track": "snake_case", "pipelines": "Title Case"}
# Articles and the conjunctions "and" and "or" stay lower case after the
# first word, as The Chicago Manual of Style (17th ed., 8.159) writes
# titles. The Title Case pattern above accepts them in lower case.
TITLE_CASE_MINOR_WORDS = frozenset({"a", "an", "the", "and", "or"})
SEPARATORS = re.compile(r"[\s_\-.]+")


@dataclass(slots=True)
class NameUse:
    text: str
    value: Value
    api: str

    @property
    def span(self) -> Span:
        return self.value.span


class InconsistentEventName(Rule):
    """Finds event names that break the naming style or that differ only in spelling.

    ## What it does
    Flags a literal event name that does not follow the configured style.
    By default that is `snake_case` for Track API calls, the browser
    snippet and raw Track requests. Data Pipelines calls default to
    `Title Case` ("Object Action", like `Order Completed`), as
    Customer.io's semantic events and the Segment spec use. At warning
    severity, it also flags names in the project that differ only in case,
    separators or spacing (`UserSignedUp`, `user-signed-up`,
    `user signed up`, `user_signed_up`). Every variant but the most used
    one is reported, and the message names the others. On a tie the
    spelling that follows the style is preferred, then the first in path
    order.

    ## Why it matters
    Event names are case-sensitive and compared exactly. Campaign triggers,
    segments and reports written for `user_signed_up` never see
    `UserSignedUp`, so people silently miss messages, and counts split
    across spellings. One workspace receives every API's events, so
    variants are compared across all of them.

    ## Example
    ```js
    await cio.track(user.id, { name: 'OrderCompleted' });    // elsewhere: 'order_completed'
    ```
    ```python
    analytics.track(user_id=user.id, event="history_imported")   # Pipelines call
    ```

    ## Use instead
    ```js
    await cio.track(user.id, { name: 'order_completed' });
    ```
    ```python
    analytics.track(user_id=user.id, event="History Imported")
    ```

    ## Options
    `event-name-style`: `snake_case`, `camelCase`, `PascalCase`,
    `kebab-case`, `Title Case` or `Sentence case` ("Order completed"), for
    all APIs or as a table with `track` and `pipelines` keys.

    ## Fix safety
    The fix renames the literal. It is unsafe: campaigns, segments and
    dashboards that use the old name must change at the same time.
    """

    code = "CIO010"
    name = "inconsistent-event-name"
    severity = "info"
    summary = "Event name breaks the naming style or differs from another only in spelling"

    def check(self, project: Project) -> Iterable[Finding]:
        uses = self._collect(project)
        styles = event_name_styles(self.settings)
        groups: dict[str, list[NameUse]] = {}
        for use in uses:
            groups.setdefault(_normalise(use.text), []).append(use)
        flagged: set[Span] = set()
        for group in groups.values():
            spellings = {use.text for use in group}
            if len(spellings) < 2:
                continue
            preferred = self._preferred(group, styles)
            others = sorted(spellings - {preferred})
            for use in group:
                if use.text == preferred:
                    continue
                flagged.add(use.span)
                names = ", ".join(f"`{name}`" for name in [preferred, *others] if name != use.text)
                yield self.report(
                    use.span,
                    f"event name `{use.text}` is a variant of {names}",
                    f"Rename it to `{preferred}`, the spelling used most",
                    severity="warning",
                    fix=Fix(f"Rename to `{preferred}`", [Edit(use.span, _quoted(use.value, preferred))],
                            "unsafe"),
                )
        for use in uses:
            if use.span in flagged:
                continue
            style = styles.get(use.api, "snake_case")
            if STYLES[style].match(use.text):
                continue
            suggestion = convert(use.text, style)
            fix = None
            if suggestion and suggestion != use.text:
                fix = Fix(f"Rename to `{suggestion}`", [Edit(use.span, _quoted(use.value, suggestion))],
                          "unsafe")
            hint = f"Rename it to `{suggestion}`" if suggestion else f"Rename it in {style}"
            yield self.report(
                use.span,
                f"event name `{use.text}` does not follow {style}",
                hint,
                fix=fix,
            )

    @staticmethod
    def _collect(project: Project) -> list[NameUse]:
        uses: dict[Span, NameUse] = {}
        for call in event_calls(project.calls()):
            value = call.slots["event_name"]
            api = "pipelines" if call.api == "pipelines" else "track"
            for literal in _literals(value, project):
                if literal.span is not None and literal.span not in uses and literal.value:
                    uses[literal.span] = NameUse(literal.value, literal, api)
        return sorted(uses.values(), key=lambda u: (u.span.path, u.span.line, u.span.col))

    @staticmethod
    def _preferred(group: list[NameUse], styles: dict[str, str]) -> str:
        counts: dict[str, int] = {}
        first: dict[str, tuple] = {}
        follows: dict[str, bool] = {}
        for use in group:
            counts[use.text] = counts.get(use.text, 0) + 1
            first.setdefault(use.text, (use.span.path, use.span.line, use.span.col))
            style = styles.get(use.api, "snake_case")
            follows[use.text] = follows.get(use.text, False) or bool(STYLES[style].match(use.text))
        return min(counts, key=lambda text: (-counts[text], not follows[text], first[text]))


def event_name_styles(settings) -> dict[str, str]:
    """Return the expected event name style of each API ("track", "pipelines")."""
    styles = dict(DEFAULT_STYLE)
    configured = getattr(settings, "event_name_style", None)
    if isinstance(configured, dict):
        styles.update(configured)
    return styles


def _literals(value: Value, project: Project, depth: int = 0) -> list[Value]:
    if depth > 4:
        return []
    if value.kind == "str":
        return [value]
    if value.kind == "cond":
        return _literals(value.children[1], project, depth + 1) + _literals(
            value.children[2], project, depth + 1)
    if value.kind in ("name", "member"):
        out = []
        for resolved in project.values_of(value):
            if resolved is not value and resolved.kind in ("str", "cond"):
                out.extend(_literals(resolved, project, depth + 1))
        return out
    return []


def _normalise(text: str) -> str:
    return SEPARATORS.sub("", text.strip()).lower()


def _quoted(value: Value, text: str) -> str:
    original = value.text
    quote = original[0] if original and original[0] in "'\"`" else '"'
    prefix = ""
    if original[:1].isalpha():  # Python string prefixes
        prefix = original[: len(original) - len(original.lstrip("rRuUbB"))]
        quote = original[len(prefix)] if len(original) > len(prefix) else '"'
    return f"{prefix}{quote}{text}{quote}"


def words(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text.strip())
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def convert(text: str, style: str) -> str | None:
    parts = words(text)
    if not parts or not parts[0][0].isalpha():
        return None
    lower = [p.lower() for p in parts]
    if style == "snake_case":
        return "_".join(lower)
    if style == "kebab-case":
        return "-".join(lower)
    if style == "camelCase":
        return lower[0] + "".join(p.capitalize() for p in lower[1:])
    if style == "PascalCase":
        return "".join(p.capitalize() for p in lower)
    if style == "Sentence case":
        return " ".join([lower[0].capitalize(), *lower[1:]])
    if style == "Title Case":
        titled = [lower[0].capitalize()]
        for word in lower[1:]:
            titled.append(word if word in TITLE_CASE_MINOR_WORDS else word.capitalize())
        return " ".join(titled)
    return None
