"""CIO009 client-per-request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import FileFacts, Finding, Function, Value
from ..base import Rule

if TYPE_CHECKING:
    from ...project import Project
    from ...resolve import Client

ENTRY_NAMES = {"main", "cli", "run_cli", "bootstrap", "setup", "init", "initialize", "configure",
               "create_app", "createApp", "register", "start", "handle"}
DI_DECORATORS = {"Injectable", "Service", "Module", "Provider", "singleton", "Singleton"}
CACHE_METHODS = {"set", "setdefault", "put", "getOrCreate", "get_or_set"}


class ClientPerRequest(Rule):
    """Finds Customer.io clients built inside functions that run again and again.

    ## What it does
    Flags a client constructor (`new TrackClient()`, `new APIClient()`,
    `new Analytics()`, `CustomerIO()`, `APIClient()`) inside a function body,
    and `require('customerio-node')` run inside a function. Confidence is
    high in request handlers, job or task bodies and loops, and medium in
    other functions. Module scope, functions only called at start-up or
    from `main`, memoized factories (`client ??= new ...`, a variable
    assigned once under `if (!client)`, `functools.cache`/`lru_cache`),
    long-lived service constructors and per-tenant caches are left alone.

    ## Why it matters
    A `customerio` Python client keeps its own pool of HTTPS connections.
    Building one per call opens a new TLS connection for every request,
    which adds latency and exhausts sockets under load. A Data Pipelines
    client batches events in its own queue, so a client per request sends
    each event in a batch of its own. customerio-node shares connections
    through Node's global agent (4.x) or the global `fetch` dispatcher
    (5.x), unless the client is given its own `dispatcher`, so there the
    cost is the set-up repeated on every call.

    ## Example
    ```js
    export default async function handler(req, res) {
      const api = new APIClient(process.env.CIO_APP_API_KEY);
      await api.sendEmail(request);
    }
    ```
    ```python
    def notify_shipped(self):
        client = CustomerIO(settings.CIO_SITE_ID, settings.CIO_TRACK_KEY)
        client.track(self.user_id, "order_shipped")
    ```

    ## Use instead
    ```js
    const api = new APIClient(process.env.CIO_APP_API_KEY);  // module scope, built once
    export default async function handler(req, res) { await api.sendEmail(request); }
    ```
    ```python
    @functools.cache
    def get_cio() -> CustomerIO:
        return CustomerIO(settings.CIO_SITE_ID, settings.CIO_TRACK_KEY)
    ```
    """

    code = "CIO009"
    name = "client-per-request"
    severity = "warning"
    summary = "Customer.io client constructed inside a function on every call"

    def check(self, project: Project) -> Iterable[Finding]:
        for client in project.clients:
            verdict = self._verdict(client, project)
            if verdict is None:
                continue
            confidence, where = verdict
            yield self.report(
                client.span,
                f"a new `{_class_name(client.value)}` is built {where}",
                "Create the client once at module scope (or in a cached factory) and reuse it",
                confidence=confidence,
            )
        yield from self._requires(project)

    def _verdict(self, client: Client, project: Project) -> tuple[str, str] | None:
        """Return the confidence and the reason a client is built too often, or None."""
        function = client.function
        file = client.file
        if function is None or function.index == 0 or file is None:
            return None
        if function.context == "test" or file.module.context == "test":
            return None
        if function.kind == "class_body" or function.memoized or self._memoized(client, file):
            return None
        owner = _owner(file, function)
        if owner.memoized:
            return None

        if owner.name in ("constructor", "__init__") and owner.class_name:
            return self._constructor_verdict(file, owner, project)
        if owner.handler is not None:
            return "high", f"on every call of request handler `{owner.name or 'handler'}`"
        if owner.context in ("task", "worker"):
            return "high", f"on every call of task `{owner.name}`"
        if any(call.span == client.span and call.loops for call in file.calls):
            return "high", f"on every pass of a loop in {_function_label(owner)}"

        sites = project.graph.sites_of(file, owner)
        if not sites:
            if owner.returns and owner.name:
                return None  # a factory whose callers are outside this project
            if owner.context == "script" or owner.name in ENTRY_NAMES:
                return None
            return "medium", f"on every call of {_function_label(owner)}"
        if all(self._startup_site(site_file, site) for site_file, site in sites):
            return None
        hot = any(project.handler_of(site_file, site.function) is not None for site_file, site in sites)
        return ("high" if hot else "medium"), f"on every call of {_function_label(owner)}"

    @staticmethod
    def _startup_site(file: FileFacts, call) -> bool:
        caller = file.functions[call.function]
        if call.loops:
            return False
        if caller.index == 0:
            return True
        return caller.name in ENTRY_NAMES or caller.context == "script" and caller.name == "main"

    @staticmethod
    def _memoized(client: Client, file: FileFacts) -> bool:
        span = client.span
        scopes = [file.functions[client.function.index]] if client.function else []
        scopes.append(file.module)
        for scope in scopes:
            for assigns in scope.assigns.values():
                for assign in assigns:
                    if assign.value.span == span and (assign.augmented or assign.guarded):
                        return True
                    if assign.value.span == span and assign.key is not None and assign.guarded:
                        return True
        for fact in file.classes:
            for assigns in fact.fields.values():
                for assign in assigns:
                    if assign.value.span == span and (assign.augmented or assign.guarded):
                        return True
        for call in file.calls:
            if call.value.method in CACHE_METHODS and any(arg.span == span for arg in call.value.args):
                return True
        return False

    def _constructor_verdict(self, file: FileFacts, owner: Function, project: Project):
        fact = next((c for c in file.classes if c.name == owner.class_name), None)
        if fact is None:
            return None
        for decorator in fact.decorators:
            target = decorator.callee if decorator.kind == "call" else decorator
            if target is not None and (target.dotted or "").split(".")[-1] in DI_DECORATORS:
                return None
        instantiated_in = []
        for other in project.files.values():
            for call in other.calls:
                callee = call.value.callee
                if callee is None or callee.last_name != fact.name:
                    continue
                instantiated_in.append((other, call))
        if not instantiated_in:
            return None
        if all(self._startup_site(f, c) for f, c in instantiated_in):
            return None
        hot = any(project.handler_of(f, c.function) is not None for f, c in instantiated_in)
        return ("high" if hot else "medium"), f"on every call of the `{fact.name}` constructor"

    def _requires(self, project: Project) -> Iterable[Finding]:
        for file in project.files.values():
            if file.module.context == "test":
                continue
            for call in file.calls:
                callee = call.value.callee
                if call.function == 0 or callee is None or callee.dotted != "require":
                    continue
                args = call.value.args
                if not args or args[0].kind != "str" or not args[0].value.startswith("customerio-node"):
                    continue
                owner = _owner(file, file.functions[call.function])
                if owner.memoized or owner.index == 0:
                    continue
                yield self.report(
                    call.span,
                    f"`require('{args[0].value}')` runs inside {_function_label(owner)}",
                    "Require the SDK and build the client once at module scope",
                    confidence="medium",
                )


def _owner(file: FileFacts, function: Function) -> Function:
    seen = 0
    while function.index > 0 and seen < 64:
        seen += 1
        if function.passed_to < 0 or function.kind not in ("arrow", "lambda", "function"):
            return function
        if function.handler is not None:
            return function  # an inline handler: ``app.post(path, async (req, res) => ...)``
        function = file.functions[function.parent]
    return function


def _class_name(value: Value) -> str:
    callee = value.callee
    return (callee.dotted or callee.text) if callee is not None else "client"


def _function_label(function: Function) -> str:
    return f"`{function.name}`" if function.name else "an anonymous function"
