"""CIO004 email-as-id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding
from ...values import email_reason
from ..base import Rule
from ..helpers import PERSON_OPS, code, in_wrapper_body, slot_values

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

ID_OPS = (*PERSON_OPS, "track_anonymous", "merge", "entity")


class EmailAsId(Rule):
    """Finds an email address used as a person's id.

    ## What it does
    Flags the person-id argument of `identify`, `track`, `suppress`,
    `destroy`/`delete`, `addDevice` and Pipelines `userId`, and the id
    segment of a raw Track API URL, when it is an email. An email is a
    string with `@`, a variable or property named `email`, `emailAddress`,
    `email_address`, `mail` or `userEmail`, or a template built from one.
    When the id is a
    wrapper's parameter, the call sites that pass an email are reported,
    and the wrapper only when no call site shows what it gets.

    ## Why it matters
    The `id` is the stable key of a person. Emails change, and an id cannot
    be changed later without `cio_<cio_id>` addressing, so the person ends
    up with two profiles. Ids are case-sensitive while emails are not, and
    in a v1 URL an email-shaped id is read as an email address, not as an
    id. In workspaces that use both identifiers, identify with a new id and
    an existing email re-assigns that person.

    ## Example
    ```js
    await cio.track(req.body.email, { name: 'cart_abandoned' });
    ```
    ```python
    cio.identify(id=user.email, email=user.email)
    ```

    ## Use instead
    ```js
    await cio.track(user.id, { name: 'cart_abandoned' });
    ```
    ```python
    cio.identify(id=str(user.pk), email=user.email)
    ```
    Send the email as the `email` attribute. Transactional messages and
    Track v2 `identifiers: {email}` accept an email by design and are not
    reported.

    ## References
    - https://docs.customer.io/journeys/identifying-people/
    """

    code = "CIO004"
    name = "email-as-id"
    severity = "warning"
    summary = "Email address used as the person id"

    def check(self, project: Project) -> Iterable[Finding]:
        calls = [call for call in project.calls() if call.op in ID_OPS]
        fed_emails = _fed_by_call_sites(calls, project)
        for call, value in slot_values(calls, "person_id"):
            if id(call) in fed_emails:
                continue
            reason = email_reason(value, project.resolver)
            if reason is None:
                continue
            subject = "Pipelines user id" if call.api == "pipelines" else "person id"
            yield self.report(
                value.span,
                f"{subject} {code(value.text)} {reason}",
                "Use the stable user id as the id and send the email as the `email` attribute",
                confidence="high" if value.kind in ("str", "member", "name") else "medium",
            )


def _fed_by_call_sites(calls: list[CioCall], project: Project) -> set[int]:
    """Return the calls whose person id is a wrapper parameter that a call site fills with an email.

    Those are reported at the call site, which supplies the email, and not
    again inside each wrapper it passes through.
    """
    fed: set[int] = set()
    for call in sorted(calls, key=lambda c: -c.depth):
        if call.inner is None or "person_id" not in call.substituted:
            continue
        value = call.slots.get("person_id")
        if value is None or in_wrapper_body(call, value):
            continue  # the value was written inside a wrapper, so this site adds nothing
        if id(call) in fed or email_reason(value, project.resolver) is not None:
            fed.add(id(call.inner))
    return fed
