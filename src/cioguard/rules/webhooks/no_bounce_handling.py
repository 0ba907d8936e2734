"""CIO008 no-bounce-handling."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Iterator

from ...model import Finding, Function
from ..base import Rule
from ..helpers import first_in_path_order, object_entries
from . import FAILURE_METRICS, complaint_words, metric_values, words

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

EMAIL_OPS = ("send_email", "trigger_broadcast")
SIGNATURE_HEADER = "x-cio-signature"
SIGNATURE_PARAM = "x_cio_signature"  # FastAPI reads the header into this parameter
# Names of code that records an address as bad: markEmailInvalid,
# mark_email_undeliverable, email_deliverable, invalidate_address.
INVALID_ADDRESS_NAME = re.compile(
    r"deliverab|(email|address)_(is_)?(invalid|bounced?)|(invalid|bounced?)_(email|address)"
    r"|invalidate_(email|address)")
ESP_SUPPRESSION_PATH = "esp/suppression"


class NoBounceHandling(Rule):
    """Finds projects that send email and never handle bounces or complaints.

    ## What it does
    Reports once per project, when the project sends email through
    Customer.io (an identify with an `email` attribute or Pipelines trait, a
    transactional `sendEmail`/`send_email`, a broadcast trigger) and nothing
    in it handles delivery failures. It searches for a reporting-webhook
    receiver (code that checks the `bounced`, `spammed`, `dropped` or
    `failed` metric, or reads `X-CIO-Signature`), an identify that sets
    `unsubscribed`, code that marks an address invalid or undeliverable, and
    calls to the ESP suppression endpoints. Projects that only track events,
    or use Pipelines without email, are left alone.

    ## Why it matters
    Customer.io's email provider stops sending to hard-bounced and
    complaining addresses, but your product never learns of it. Support
    cannot tell why a customer gets nothing, and people who marked you as
    spam stay subscribed in your own records and the tools you sync to.

    ## Example
    ```js
    await api.sendEmail(new SendEmailRequest({
      transactional_message_id: 'password_reset', to: user.email, identifiers: { id: user.id },
    }));
    // nothing in the project reads reporting webhooks
    ```
    ```python
    cio.identify(id=user.id, email=user.email)
    # nothing in the project reads reporting webhooks
    ```

    ## Use instead
    ```js
    if (event.metric === 'bounced' || event.metric === 'spammed') {
      await cio.identify(event.data.customer_id, { unsubscribed: true });
    }
    ```
    ```python
    if event["metric"] in ("bounced", "spammed"):
        cio.identify(id=event["data"]["customer_id"], unsubscribed=True)
    ```

    ## Known problems
    Only the scanned folder is searched. A receiver that lives in another
    service or repository is not seen, so the finding has medium confidence.

    ## References
    - Reporting webhooks: https://docs.customer.io/journeys/webhooks/
    - ESP suppression: https://docs.customer.io/journeys/deleting-users/
    """

    code = "CIO008"
    name = "no-bounce-handling"
    severity = "warning"
    confidence = "medium"
    summary = "Project sends email but never handles bounces or complaints"
    project_level = True

    def check(self, project: Project) -> Iterable[Finding]:
        calls = project.calls()
        senders = [call for call in calls if _sends_email(call, project)]
        first = first_in_path_order(senders)
        if first is None or _handles_failures(project, calls):
            return
        yield self.report(
            first.span,
            "project sends email but has no reporting webhook, `unsubscribed` update "
            "or bounce marking",
            "Add a verified reporting webhook that sets `unsubscribed: true` or flags the "
            "address on `bounced` and `spammed`",
            scope="project")


def _sends_email(call: CioCall, project: Project) -> bool:
    if call.op in EMAIL_OPS:
        return True
    if call.op != "identify":
        return False
    for slot in ("attributes", "identifiers"):
        if any(key == "email" for key, _ in object_entries(call.slots.get(slot), project)):
            return True
    return False


def _handles_failures(project: Project, calls: list[CioCall]) -> bool:
    if any(_sets_unsubscribed(call, project) for call in calls):
        return True
    if any(call.raw is not None and ESP_SUPPRESSION_PATH in call.raw.path for call in calls):
        return True
    if any(INVALID_ADDRESS_NAME.search(words(name)) for name in _names(project)):
        return True
    return any(_reads_failures(function)
               for file in project.files.values() for function in file.functions)


def _reads_failures(function: Function) -> bool:
    """Check for failure metrics, the signature header or an ESP suppression URL."""
    if complaint_words(function) or metric_values(function) & FAILURE_METRICS:
        return True
    if any(param.name == SIGNATURE_PARAM for param in function.params):
        return True
    for text in function.strings:
        lowered = text.lower()
        if lowered == SIGNATURE_HEADER or ESP_SUPPRESSION_PATH in lowered:
            return True
    return False


def _sets_unsubscribed(call: CioCall, project: Project) -> bool:
    attributes = call.slots.get("attributes")
    return any(key == "unsubscribed" for key, _ in object_entries(attributes, project))


def _names(project: Project) -> Iterator[str]:
    """Yield function names, property reads and attribute keys across the project."""
    for file in project.files.values():
        for function in file.functions:
            yield function.name
            yield from function.member_reads
    for call in project.calls(op="identify"):
        for key, _ in object_entries(call.slots.get("attributes"), project):
            if key:
                yield key
