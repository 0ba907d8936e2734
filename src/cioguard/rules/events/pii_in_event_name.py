"""CIO012 pii-in-event-name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Value
from ...values import constant_strings, dynamic_name, pii_in_literal, pii_name
from ..base import Rule
from ..helpers import code, slot_values
from . import event_calls

if TYPE_CHECKING:
    from ...project import Project


class PiiInEventName(Rule):
    """Finds personal data inside event names.

    ## What it does
    Flags an event name that contains personal data. That is a literal
    with an email address, a phone number or an IP address, or a name built
    at run time from values named like personal data. Such names are
    `email`, `phone`, `first_name`, `last_name`, `full_name`, `address`,
    `ssn`, `ip`, `dob`, `birthday`, `username`, `displayName`, and `.name`
    of a user, customer, person, profile, account or member.

    ## Why it matters
    Event names are workspace metadata. They appear in the event picker,
    segment builders, activity logs and exports that many people and tools
    can read, so personal data there escapes the controls that protect
    profile attributes.

    ## Example
    ```js
    cio.track(user.id, { name: `newsletter_confirmed_${user.email}` });
    ```
    ```python
    cio.track(user.id, f"report_scheduled_by_{user.username}")
    ```

    ## Use instead
    ```js
    cio.track(user.id, { name: 'newsletter_confirmed' });
    ```
    ```python
    cio.track(user.id, "report_scheduled")
    ```
    Names that only mention a field, such as `email_changed`, are fine.
    """

    code = "CIO012"
    name = "pii-in-event-name"
    severity = "error"
    summary = "Event name contains personal data"

    def check(self, project: Project) -> Iterable[Finding]:
        for call, value in slot_values(event_calls(project.calls()), "event_name"):
            reason = self._literal_reason(value, project) or self._dynamic_reason(value, project)
            if reason is None:
                continue
            yield self.report(
                value.span,
                f"event name {code(value.text)} contains {reason}",
                "Remove the personal data from the name and keep it in profile attributes",
            )

    @staticmethod
    def _literal_reason(value: Value, project: Project) -> str | None:
        strings = constant_strings(value, project.resolver) or []
        for text in strings:
            found = pii_in_literal(text)
            if found:
                return found
        return None

    @staticmethod
    def _dynamic_reason(value: Value, project: Project) -> str | None:
        dynamic = dynamic_name(value, project.resolver)
        if dynamic is None:
            return None
        for part in dynamic.parts:
            name = pii_name(part)
            if name:
                return f"personal data from {code(part.text)}"
        return None
