"""CIO007 blocking-request-path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Function
from ..base import Rule
from .flow import (
    QUEUEING_KINDS,
    callee_text,
    chain_waits,
    handler_label,
    is_server_call,
    is_serverless,
    request_handler,
    serves_http,
    waits_for,
)

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project


class BlockingRequestPath(Rule):
    """Finds request handlers that wait for Customer.io before they respond.

    ## What it does
    Flags a Customer.io call that a request handler waits for: awaited in
    JavaScript or TypeScript (also through `Promise.all` and returned
    promise chains), or any SDK call in Python, whose SDK blocks. Handlers
    are Express, Fastify, Koa, Hono and NestJS routes, and Next.js API
    routes, route handlers and server actions. In Python they are Flask,
    FastAPI, Django and Django REST framework views. GraphQL query and
    mutation resolvers count too: resolver maps (`{ Query, Mutation }`),
    NestJS and TypeGraphQL `@Resolver` classes, Graphene `mutate` and
    `resolve_*` methods, Strawberry fields and Ariadne `@mutation.field`.
    Lambda handlers that serve API Gateway and functions with a decorator
    in `handler-decorators` count too. A call to a project function that waits
    for Customer.io is reported at the handler's call to it. Calls handed
    to a queue, a thread, `BackgroundTasks`, Celery, `setImmediate`,
    `waitUntil` or `after()`, un-awaited calls and Pipelines SDK calls
    (which only queue the event) are left alone.

    ## Why it matters
    Each call is an HTTPS round trip to Customer.io, and a slow or failing
    Customer.io response becomes a slow or failing page. Python SDK calls
    also hold a worker thread (or the event loop in an `async def` view)
    for the whole request, and retries of 5xx responses stretch that to
    seconds.

    ## Example
    ```js
    router.post('/signup', async (req, res) => {
      const user = await users.create(req.body);
      await cio.identify(user.id, { email: user.email });
      res.status(201).json({ id: user.id });
    });
    ```
    ```python
    @bp.post("/signup")
    def signup():
        user = create_user(request.form)
        cio.identify(id=user.id, email=user.email)
        return jsonify(id=user.id), 201
    ```

    ## Use instead
    ```js
    cio.identify(user.id, { email: user.email }).catch((err) => log.warn({ err }));  // or a job queue
    // Serverless: waitUntil(cio.identify(...)) or after(() => cio.identify(...))
    ```
    ```python
    sync_customer.delay(user.id)  # Celery, RQ, or FastAPI BackgroundTasks
    ```

    ## Known problems
    A promise stored in a variable and awaited later is not followed, a
    call awaited after the response has been sent is still reported, and a
    route whose path or handler is built at run time is not recognized.
    """

    code = "CIO007"
    name = "blocking-request-path"
    severity = "warning"
    summary = "Customer.io call awaited or blocking inside an HTTP request handler"

    def check(self, project: Project) -> Iterable[Finding]:
        reported: set[tuple[str, int, int]] = set()
        for call in project.calls():
            if call.span.key in reported:
                continue
            handler = self._waiting_handler(project, call)
            if handler is None:
                continue
            reported.add(call.span.key)
            yield self._finding(call, handler)

    @staticmethod
    def _waiting_handler(project: Project, call: CioCall) -> Function | None:
        if call.kind in QUEUEING_KINDS or not is_server_call(call):
            return None
        if _is_read(call):
            return None  # the handler needs the result, so it cannot move off the path
        handler = request_handler(project, call.file, call.call.function)
        if handler is None or not serves_http(handler):
            return None
        if not waits_for(call.file, call.call, handler.index) or not chain_waits(call):
            return None
        return handler

    def _finding(self, call: CioCall, handler: Function) -> Finding:
        where = handler_label(handler)
        site = callee_text(call.call)
        if call.is_direct:
            verb = "blocks" if call.language == "python" else "is awaited in"
            message = f"`{site}()` {verb} request handler {where}"
        else:
            message = f"`{site}()` waits for Customer.io in request handler {where}"
        framework = handler.handler.framework if handler.handler is not None else ""
        if framework == "lambda":
            hint = "Move the call off the request path, to a queue that another function consumes"
        elif is_serverless(handler) and call.call.assigned_to:
            hint = ("Stop waiting on the result: pass the call to `waitUntil()` or `after()` "
                    "and log failures in a `.catch()`")
        elif is_serverless(handler):
            hint = ("Pass the call to `waitUntil()` or `after()`, because an un-awaited "
                    "call can be dropped after the response")
        elif call.language == "python":
            hint = "Move the call to a background task (Celery, RQ or FastAPI BackgroundTasks)"
        else:
            hint = "Move the call off the request path, to a job queue or a caught fire-and-forget"
        confidence = "high" if call.is_direct else "medium"
        return self.report(call.span, message, hint, confidence=confidence)


def _is_read(call: CioCall) -> bool:
    """App API lookups (people by email, attributes) whose result the handler uses."""
    if call.op == "lookup":
        return True
    raw = call.raw
    return raw is not None and call.op == "app_request" and raw.method in ("GET", "HEAD")
