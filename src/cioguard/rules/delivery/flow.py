"""Helpers that follow the work of a Customer.io call, for the delivery rules.

A JavaScript call returns a promise that its function may await, return,
pass to another call (``Promise.all``, ``waitUntil``, a limiter), hand to a
background mechanism, or drop. A Python SDK call blocks where it is made
unless a thread, an executor or a task queue runs it. These helpers follow
a call up through promise combinators and callbacks to the function that
owns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...model import Call, FileFacts, Function

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

# Clients whose calls only queue an event in memory and return nothing to wait on.
QUEUEING_KINDS = frozenset({"node-pipelines", "python-pipelines", "browser-pipelines"})
BROWSER_KINDS = frozenset({"browser", "browser-pipelines"})

# Calls that keep a serverless invocation alive until the promise settles.
KEEP_ALIVE = frozenset({"waitUntil", "after", "unstable_after"})
# Calls that run a JavaScript callback later, outside the current request.
JS_BACKGROUND = frozenset({
    "setImmediate", "setTimeout", "setInterval", "queueMicrotask", "nextTick",
    *KEEP_ALIVE,
})
# Calls that ignore the promise a callback returns.
DROPS_RETURN = frozenset({
    "forEach", "setImmediate", "setTimeout", "setInterval", "queueMicrotask", "nextTick",
    "on", "once", "addListener",
})
# Python calls that run a callable on another thread, process or worker.
PY_BACKGROUND = frozenset({
    "Thread", "Timer", "Process", "submit", "run_in_executor", "to_thread", "add_task",
    "apply_async", "delay", "start_new_thread", "spawn", "spawn_later", "create_task",
    "ensure_future", "call_soon", "call_soon_threadsafe", "call_later", "enqueue",
    "enqueue_call", "send_task", "defer", "run_in_threadpool", "run_sync", "sync_to_async",
})
# API Gateway and Lambda function URL event fields.
HTTP_EVENT_FIELDS = frozenset({"httpMethod", "requestContext", "queryStringParameters",
                               "pathParameters", "rawPath", "routeKey"})
MAX_STEPS = 16


def callee_name(call: Call) -> str:
    """Return the called name: ``all`` for ``Promise.all()``, ``track`` for ``cio.track()``."""
    return call.value.method or ""


def callee_text(call: Call, limit: int = 40) -> str:
    callee = call.value.callee
    text = (callee.dotted or callee.text) if callee is not None else call.value.text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_server_call(call: CioCall) -> bool:
    """Return whether the call runs on a server (not the browser snippet or browser SDK)."""
    return call.kind not in BROWSER_KINDS


def is_test_code(file: FileFacts, function: Function) -> bool:
    return function.context == "test" or file.module.context == "test"


def passed_to(file: FileFacts, function: Function) -> Call | None:
    """Return the call that receives the callback ``function`` as an argument."""
    if function.index <= 0 or function.passed_to < 0 or function.passed_to >= len(file.calls):
        return None
    return file.calls[function.passed_to]


def container_call(file: FileFacts, call: Call) -> Call | None:
    """Return the call that receives ``call`` as an argument, also inside an array or object."""
    if 0 <= call.parent_call < len(file.calls):
        return file.calls[call.parent_call]
    if call.parent_call != -2:
        return None
    best = None
    for other in file.calls:
        if other is call or other.function != call.function:
            continue
        if not other.span.contains(call.span):
            continue
        callee = other.value.callee
        if callee is not None and callee.span is not None and callee.span.contains(call.span):
            continue
        if best is None or best.span.contains(other.span):
            best = other
    return best


# Request handlers -----------------------------------------------------------


def request_handler(project: Project, file: FileFacts, index: int) -> Function | None:
    """Return the request handler whose body (or a callback in it) contains function ``index``.

    Named local helpers are not climbed out of: the derived call at the
    helper's call site represents them.
    """
    decorators = set(getattr(project.settings, "handler_decorators", None) or ())
    function = file.functions[index]
    for _ in range(MAX_STEPS):
        if function.handler is not None or _has_decorator(function, decorators):
            return function
        if function.context in ("task", "worker", "script", "test"):
            return None
        if function.passed_to < 0 or function.kind not in ("arrow", "lambda", "function"):
            return None
        if function.parent < 0:
            return None
        function = file.functions[function.parent]
    return None


def serves_http(function: Function) -> bool:
    """Return whether a handler serves HTTP requests.

    An AWS Lambda ``handler`` also consumes queues, streams and schedules,
    so it counts only when it reads an API Gateway event or returns a
    ``statusCode``.
    """
    handler = function.handler
    if handler is None or handler.framework != "lambda":
        return True
    if function.member_reads & HTTP_EVENT_FIELDS:
        return True
    if any(set(param.fields) & HTTP_EVENT_FIELDS for param in function.params):
        return True
    return any(value.kind == "object" and "statusCode" in value.keys
               for value in function.returns)


def _has_decorator(function: Function, names: set[str]) -> bool:
    if not names:
        return False
    for decorator in function.decorators:
        target = decorator.callee if decorator.kind == "call" else decorator
        dotted = target.dotted if target is not None else None
        if dotted and (dotted in names or any(dotted.endswith("." + n) for n in names)):
            return True
    return False


def handler_label(function: Function) -> str:
    handler = function.handler
    if handler is not None and handler.route:
        method = handler.method if handler.method not in ("", "ALL", "ROUTE") else ""
        return f"`{(method + ' ' + handler.route).strip()}`"
    if function.name:
        return f"`{function.name}`"
    return "the request handler"


def is_serverless(function: Function) -> bool:
    return function.handler is not None and function.handler.serverless


# Waiting ----------------------------------------------------------------------


def waits_for(file: FileFacts, call: Call, owner: int) -> bool:
    """Return whether function ``owner`` waits until ``call`` has finished.

    JavaScript: the promise is awaited or returned by ``owner``, directly or
    through ``Promise.all``, ``.then`` callbacks and ``map`` callbacks whose
    result ``owner`` awaits. Python: the call runs in ``owner`` unless a
    thread, an executor or a task queue takes it.
    """
    if file.language == "python":
        return not handed_off(file, call, owner)
    node = call
    for _ in range(MAX_STEPS):
        if node.awaited or node.returned:
            if node.function == owner:
                return True
            receiver = passed_to(file, file.functions[node.function])
            if receiver is None or callee_name(receiver) in DROPS_RETURN | JS_BACKGROUND:
                return False
            node = receiver
            continue
        # TODO: a promise kept in a variable (`const p = cio.track(); ...; await p`)
        # is not followed, so the owner is taken not to wait for it.
        parent = container_call(file, node)
        if parent is None or callee_name(parent) in JS_BACKGROUND:
            return False
        node = parent
    return False


def handed_off(file: FileFacts, call: Call, owner: int) -> bool:
    """Return whether a thread, an executor or a task queue runs a Python call."""
    parent = container_call(file, call)
    if parent is not None and callee_name(parent) in PY_BACKGROUND:
        return True
    function = file.functions[call.function]
    for _ in range(MAX_STEPS):
        if function.index == owner or function.index <= 0:
            return False
        receiver = passed_to(file, function)
        if receiver is not None and callee_name(receiver) in PY_BACKGROUND:
            return True
        function = file.functions[function.parent]
    return False


def kept_alive(file: FileFacts, call: Call, owner: int) -> bool:
    """Return whether the promise reaches ``waitUntil`` or ``after`` before ``owner`` ends."""
    node = call
    for _ in range(MAX_STEPS):
        parent = container_call(file, node)
        if parent is not None and callee_name(parent) in KEEP_ALIVE:
            return True
        if node.function == owner and parent is None:
            return False
        if parent is not None:
            node = parent
            continue
        receiver = passed_to(file, file.functions[node.function])
        if receiver is None:
            return False
        if callee_name(receiver) in KEEP_ALIVE:
            return True
        node = receiver
    return False


def chain_waits(call: CioCall) -> bool:
    """Return whether every wrapper between a derived call and the SDK waits for its inner call."""
    node = call
    while node.inner is not None and node.wrapper is not None:
        inner = node.inner
        if not waits_for(inner.file, inner.call, node.wrapper.index):
            return False
        node = inner
    return True
