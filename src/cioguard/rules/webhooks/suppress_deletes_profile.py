"""CIO016 suppress-deletes-profile."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ...model import FileFacts, Finding, Function
from ..base import Rule
from . import complaint_words, metric_values, request_method, words

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

STOP_NAME = re.compile(
    r"unsub|opt_?out|bounce|complain|spam|undeliver|stop_(all|e?mails?|messag|sending)"
    r"|e?mails?_(stop|off)"
    r"|(no|do_not)_(e?mail|contact)|email_pref|mail_pref|delivery_(event|failure)")
# Names of account-deletion flows. A name that only deletes a person or user
# (``removePerson``) describes the suppress call itself, so it decides nothing.
ERASURE_NAME = re.compile(
    r"eras|gdpr|ccpa|forget|forgotten|privacy|purge|anonymi[sz]|dsar|right_to"
    r"|(delete|destroy|remove|close|cancel)_(my_)?(account|me|personal|data)"
    r"|(account|data)_(delet|remov|clos)")
STOP_METRICS = frozenset({"bounced", "spammed", "dropped", "failed", "undeliverable",
                          "unsubscribed"})


@dataclass(frozen=True, slots=True)
class Flow:
    kind: str  # stop, erasure, or "" when neither is found
    reason: str  # where the call is: "in `unsubscribe`", "in a handler for `bounced`"


class SuppressDeletesProfile(Rule):
    """Finds `suppress` used to stop email after a bounce, complaint or unsubscribe.

    ## What it does
    Flags a Track API `suppress` call (SDK, raw HTTP or a wrapper) in a
    bounce, spam-complaint, unsubscribe or "stop emailing" flow: a function
    or route named like one (`unsubscribe`, `handleBounce`,
    `/email-preferences`), or code that checks a metric such as `bounced`.
    When a handler calls a wrapper around `suppress`, the finding points at
    that call. Suppress in GDPR or CCPA erasure flows (`erase`, `gdpr`,
    `forget`, `deleteAccount`) is left alone.

    ## Why it matters
    `suppress` deletes the person, with their attributes and history, and
    blocks their identifiers from being added again until someone calls
    `unsuppress`, which still does not bring the history back. Someone who
    only wanted fewer emails loses their profile, and signs up again into
    nothing. Hard bounces and spam complaints need no call at all when
    Customer.io sends the email, because its email provider already
    suppresses those addresses.

    ## Example
    ```js
    router.post('/unsubscribe', requireUser, async (req, res) => {
      await cio.suppress(req.user.id);
      res.redirect('/settings');
    });
    ```
    ```python
    if event["metric"] == "spammed":
        cio.suppress(event["data"]["customer_id"])
    ```

    ## Use instead
    ```js
    await cio.identify(req.user.id, { unsubscribed: true });
    ```
    ```python
    if event["metric"] == "spammed":
        cio.identify(id=event["data"]["customer_id"], unsubscribed=True)
    ```

    ## Known problems
    The flow is read from names and metric checks. A suppress reached
    through a queue or task runner is not connected to the code that
    enqueued it. A `DELETE` route counts as account deletion unless a name
    in it mentions unsubscribing.

    ## References
    - https://docs.customer.io/integrations/api/track/tag/track-customers/suppress/
    - https://docs.customer.io/journeys/deleting-users/
    """

    code = "CIO016"
    name = "suppress-deletes-profile"
    severity = "warning"
    summary = "suppress in an unsubscribe or bounce flow deletes the person"

    def check(self, project: Project) -> Iterable[Finding]:
        reported = set()
        for call in project.calls(op="suppress", api="track"):
            flow = self._decide(call)
            if flow is None or call.span in reported:
                continue
            reported.add(call.span)
            callee = call.call.value.callee
            label = f"{callee.text}()" if callee is not None and call.raw is None else (
                "POST /suppress")
            yield self.report(
                call.span,
                f"`{label}` {flow.reason} deletes the person and blocks the id",
                "Set `unsubscribed: true` with identify to stop email and keep the person")

    def _decide(self, call: CioCall) -> Flow | None:
        """Return the stop flow to report this call site for, or None.

        The chain is read from the SDK call outwards. The first function that
        names an erasure flow leaves the call alone, and the first that names
        a stop flow decides where the finding goes.
        """
        # NOTE: the chain contains direct calls only. A task enqueued with
        # `.delay()` or a job queue is not linked to the code that enqueued it.
        for node in reversed(call.chain()):
            flow = classify(node.file, node.call.function)
            if flow.kind == "erasure":
                return None
            if flow.kind == "stop":
                return flow if node is call else None
        return None


def classify(file: FileFacts, index: int) -> Flow:
    """Classify the code around function ``index`` as an erasure or a stop-email flow."""
    functions = enclosing(file, index)
    names = []
    for function in functions:
        names.extend((function.name, function.class_name))
        handler = function.handler
        if handler is not None and handler.route:
            names.append(handler.route)
        elif handler is not None and handler.framework.startswith(("nextjs", "serverless")):
            names.append(file.path.rsplit(".", 1)[0])  # app/api/unsubscribe/route
    names.append(file.path.rsplit("/", 1)[-1].split(".")[0])
    names = [name for name in names if name]
    for name in names:
        if ERASURE_NAME.search(words(name)):
            return Flow("erasure", f"in `{name}`")
    for function in functions:
        mentioned = sorted(complaint_words(function) | (metric_values(function) & STOP_METRICS))
        if mentioned:
            listed = ", ".join(f"`{metric}`" for metric in mentioned[:2])
            return Flow("stop", f"in a handler for {listed}")
    for name in names:
        if STOP_NAME.search(words(name)):
            return Flow("stop", f"in `{name}`")
    # A DELETE request that is not an unsubscribe deletes an account.
    if any(request_method(f) == "DELETE" for f in functions):
        return Flow("erasure", "in a DELETE handler")
    return Flow("", "")


def enclosing(file: FileFacts, index: int) -> list[Function]:
    """Return the function at ``index`` and the functions it is a callback of.

    The climb stops at a request handler or at a named function that is not
    passed as an argument. Module scope is never included.
    """
    out: list[Function] = []
    seen = 0
    while index > 0 and seen < 64:
        seen += 1
        function = file.functions[index]
        out.append(function)
        if function.handler is not None or (function.passed_to < 0 and function.name):
            break
        index = function.parent
    return out
