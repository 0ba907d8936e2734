"""CIO014 unhandled-rejection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Call, FileFacts, Finding, Function
from ..base import Rule
from .flow import (
    BROWSER_KINDS,
    DROPS_RETURN,
    MAX_STEPS,
    QUEUEING_KINDS,
    callee_name,
    callee_text,
    container_call,
    is_serverless,
    is_test_code,
    kept_alive,
    passed_to,
    request_handler,
    waits_for,
)

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project


# Calls whose result carries the promises their callback returns.
PASSES_RESULT = frozenset({"map", "flatMap", "then", "finally"})


class UnhandledRejection(Rule):
    """Finds Customer.io promises whose rejection nothing handles.

    ## What it does
    Flags, in JavaScript and TypeScript, a Customer.io call whose promise is
    neither awaited, returned, passed on (to `Promise.all`, `waitUntil`,
    `after`, a queue) nor given a rejection handler (`.catch()` or the
    second argument of `.then()`). `.then(onFulfilled)` alone, `.finally()`
    and `void` do not handle a rejection. A call to a project function
    counts when that function lets the rejection out (it returns the
    promise, or awaits it outside `try`). Inside a serverless handler
    (Next.js route handlers and API routes, Vercel and Netlify functions,
    AWS Lambda, Cloudflare Workers) a call that is not awaited and not
    passed to `waitUntil()` or `after()` is flagged even with `.catch()`.
    Python calls and Pipelines SDK calls, which return no promise, are
    never flagged.

    ## Why it matters
    Since Node.js 15 an unhandled rejection ends the process, so one
    Customer.io timeout or 5xx takes the server down with every request in
    flight. A serverless runtime may freeze or end the invocation once the
    response is sent, so a call left running is often never delivered.

    ## Example
    ```js
    cio.identify(req.user.id, { plan });
    cio.track(user.id, { name: 'checkout_started' }).then(() => log.debug('sent'));
    ```
    ```python
    # Python SDK calls block and raise, so this rule never flags them:
    cio.identify(id=user.id, plan=plan)
    ```

    ## Use instead
    ```js
    cio.identify(req.user.id, { plan }).catch((err) => log.warn({ err }, 'identify failed'));
    waitUntil(cio.track(user.id, { name: 'checkout_started' }));  // serverless
    ```
    ```python
    try:
        cio.identify(id=user.id, plan=plan)
    except CustomerIOException:
        log.exception("identify failed for %s", user.id)
    ```

    ## Known problems
    A promise stored in a variable is treated as handled, because the
    scanner does not follow what happens to the variable later.
    """

    code = "CIO014"
    name = "unhandled-rejection"
    severity = "error"
    summary = "Customer.io promise neither awaited nor given a rejection handler"

    def check(self, project: Project) -> Iterable[Finding]:
        reported: set[tuple[str, int, int]] = set()
        for call in project.calls():
            if call.span.key in reported or not self._applies(call):
                continue
            finding = self._unhandled_finding(call) or self._serverless_finding(project, call)
            if finding is not None:
                reported.add(call.span.key)
                yield finding

    @staticmethod
    def _applies(call: CioCall) -> bool:
        if call.language == "python" or call.kind in QUEUEING_KINDS | BROWSER_KINDS:
            return False
        return not is_test_code(call.file, call.function)

    def _unhandled_finding(self, call: CioCall) -> Finding | None:
        site = call.call
        if site.catches or not _drops_rejection(call.file, site):
            return None
        if not _chain_propagates(call):
            return None
        name = callee_text(site)
        if site.then_only:
            message = f"`.then()` on `{name}()` has no rejection handler"
        elif site.finally_only:
            message = f"`.finally()` on `{name}()` does not handle a rejection"
        elif site.voided:
            message = f"`void` discards the rejection of `{name}()`"
        else:
            message = f"promise of `{name}()` is neither awaited nor caught"
        hint = "Await the call inside `try`, or add a `.catch()` that logs the error"
        return self.report(call.span, message, hint)

    def _serverless_finding(self, project: Project, call: CioCall) -> Finding | None:
        site = call.call
        handler = request_handler(project, call.file, site.function)
        if handler is None or not is_serverless(handler) or not _in_flight(call, handler):
            return None
        name = callee_text(site)
        message = f"`{name}()` may still be running when {_runtime(handler)} returns"
        hint = ("Await the call, or pass its promise to `waitUntil()` or `after()` "
                "so the runtime keeps it alive")
        return self.report(call.span, message, hint, confidence="medium")


def _drops_rejection(file: FileFacts, call: Call, depth: int = 0) -> bool:
    """Return whether the call's promise reaches nothing that could handle a rejection.

    A promise returned from a callback goes to the call that received the
    callback: ``forEach`` and timers drop it, ``items.map(...)`` and
    ``x.then(...)`` pass it on to wherever their own result goes, and any
    other receiver (a job queue, a limiter) is taken to handle it.
    """
    if call.awaited or depth > MAX_STEPS:
        return False
    if call.returned:
        function = file.functions[call.function]
        receiver = passed_to(file, function)
        if receiver is None or function.handler is not None:
            return False  # returned to the caller, or to the web framework
        if callee_name(receiver) in DROPS_RETURN:
            return True
        if callee_name(receiver) not in PASSES_RESULT or receiver.catches:
            return False
        return _drops_rejection(file, receiver, depth + 1)
    if call.voided or call.then_only or call.finally_only:
        return container_call(file, call) is None and call.assigned_to is None
    return call.discarded


def _chain_propagates(call: CioCall) -> bool:
    """Return whether each wrapper passes the rejection of its inner call on to its caller."""
    node = call
    while node.inner is not None and node.wrapper is not None:
        inner, wrapper = node.inner, node.wrapper
        site = inner.call
        if site.function != wrapper.index:
            return False
        if site.catches:
            return False
        if not (site.returned or site.awaited and not site.in_try and wrapper.is_async):
            return False
        node = inner
    return True


def _in_flight(call: CioCall, handler: Function) -> bool:
    """Return whether the request can outlive the handler.

    It can when some level of the call chain neither waits for its call nor
    hands it to ``waitUntil`` or ``after``.
    """
    levels = [(call.file, call.call, handler.index)]
    node = call
    while node.inner is not None and node.wrapper is not None:
        levels.append((node.inner.file, node.inner.call, node.wrapper.index))
        node = node.inner
    in_flight = False
    for file, site, owner in levels:
        if site.assigned_to is not None or kept_alive(file, site, owner):
            return False  # what happens to a stored promise later is not followed
        if not waits_for(file, site, owner):
            in_flight = True
    return in_flight


def _runtime(handler: Function) -> str:
    framework = handler.handler.framework if handler.handler is not None else ""
    names = {
        "lambda": "the Lambda handler",
        "cloudflare-worker": "the Worker's `fetch`",
        "nextjs-pages": "the API route",
        "nextjs-app": "the route handler",
        "nextjs-server-action": "the server action",
        "nextjs-middleware": "the middleware",
    }
    return names.get(framework, "the serverless function")
