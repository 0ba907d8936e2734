"""CIO011 no-rate-limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ...model import Call, FileFacts, Finding, Function, Loop, Span, Value
from ..base import Rule, RuleOption
from .flow import QUEUEING_KINDS, callee_text, is_server_call, is_test_code, passed_to

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

# Calls that run a callback once per item. Series variants run one at a time.
CONCURRENT_ITERATION = frozenset({"map", "flatMap", "forEach"})
REFERENCE_ITERATION = frozenset({"map", "flatMap", "forEach", "each", "mapSeries", "eachSeries",
                                 "imap", "imap_unordered", "starmap", "map_async"})
SUBMIT_CALLS = frozenset({"submit", "apply_async", "create_task", "ensure_future"})
CHUNKING_CALLS = frozenset({"chunk", "chunks", "chunked", "batched", "batches", "in_batches",
                            "each_slice", "grouper", "split_every", "sliced"})
# Methods and functions that wait or take a limiter token.
PACING_METHODS = frozenset({"sleep", "delay", "setTimeout", "acquire", "try_acquire",
                            "removeTokens", "wait_for_token", "schedule", "consume"})
PACING_FUNCTIONS = frozenset({"sleep", "delay", "wait", "pause", "setTimeout", "sleep_ms",
                              "throttle", "throttled", "rateLimit", "rate_limit", "limit"})
PACING_DECORATORS = frozenset({"limits", "sleep_and_retry", "ratelimit", "rate_limited",
                               "rate_limit", "throttle", "throttled", "RateLimiter",
                               "as_decorator"})
LIMITER_WORDS = re.compile(r"limit|throttl|bucket|semaphore|^sem$|bottleneck|rate_?limit",
                           re.I)
LIMITER_MODULES = frozenset({"bottleneck", "p-limit", "p-queue", "p-throttle", "p-ratelimit",
                             "limiter", "rate-limiter-flexible", "async-sema", "pyrate_limiter",
                             "limits", "ratelimit", "ratelimiter", "aiolimiter",
                             "asyncio_throttle", "token_bucket", "throttler", "fastq"})
LIMITER_CLASSES = frozenset({"Bottleneck", "PQueue", "RateLimiter", "Limiter", "TokenBucket",
                             "Semaphore", "BoundedSemaphore", "AsyncLimiter", "Throttler",
                             "Sema", "RateLimit"})
WITH_LIMITER = re.compile(r"\bwith\s+[\w.]*?(limit|throttl|bucket|semaphore|sem\b|rate)", re.I)
C_STYLE_HEADER = re.compile(r"for\s*\(([^;]*);([^;]*);([^)]*)\)")
MAX_CONSTANT_ITEMS = 20


@dataclass
class LoopSite:
    """A place that sends once per item: the call, its loop, and how it iterates."""

    file: FileFacts
    span: Span
    label: str
    loop: Loop | None
    loops: tuple[Loop, ...]
    functions: list[tuple[FileFacts, Function]]  # wrappers the request passes through
    callbacks_from: int  # function index to climb from when looking for limiter callbacks
    unbounded: bool
    reference: bool  # a function passed by name, not a call
    derived: bool  # the request is made inside a project function


class NoRateLimit(Rule):
    """Finds Customer.io calls made once per item of a loop with nothing pacing them.

    ## What it does
    Flags a Customer.io call, or a call to a project function that makes
    one, inside a loop over data: `for`, `for...of`, `while`, `.forEach()`,
    `.map()`, comprehensions, `pool.map()` and `executor.submit()` in a
    loop. A loop is paced when it sleeps or waits between items, or sends
    one batch request per chunk. It is also paced when it goes through a
    limiter: Bottleneck, p-limit, p-queue, p-throttle, pyrate_limiter,
    limits, ratelimit, aiolimiter, `asyncio.Semaphore`, a token bucket, or
    a name in `limiter-names`. A loop that runs inside a task of a bounded
    queue (fastq, p-queue, also when a project helper hands the task to
    the queue) is paced as well. Loops over a
    short literal list and Pipelines SDK calls, which queue and batch
    events themselves, are left alone. Starting every
    request at once (`Promise.all(items.map(...))`, `.forEach()`, a loop
    that does not await, `asyncio.gather`) is reported at `error` severity.

    ## Why it matters
    The Track API has a soft limit of 1000 requests per second. The App API
    allows 10 requests per second, except transactional sends, which have a
    soft limit of 3000 per 3 seconds. Sustained excess may be throttled with
    429 responses or dropped, so an import or backfill that sends as fast
    as it can loses data. The `customerio` Python package (3.x) does not retry
    429 responses.

    ## Example
    ```js
    await Promise.all(users.map((user) => cio.identify(user.id, { plan: user.plan })));
    ```
    ```python
    for account in accounts:
        cio.identify(id=account.id, plan=account.plan)
    ```

    ## Use instead
    ```js
    const limit = pLimit(10);
    await Promise.all(users.map(({ id, plan }) => limit(() => cio.identify(id, { plan }))));
    ```
    ```python
    for account in accounts:
        cio.identify(id=account.id, plan=account.plan)
        time.sleep(0.01)  # or a limiter, or Track API v2 batch requests per chunk
    ```

    ## Options
    `limiter-names` (default empty): names of project limiters (such as
    `rateLimiter` or `this.queue`) whose calls or callbacks pace a loop.

    ## Known problems
    A limiter applied far from the loop (inside an HTTP client) is not
    seen, and a loop that stops after its first call (`break`, `return`)
    is still reported. A queued task whose loop runs over all the data
    instead of its own batch counts as paced.
    """

    code = "CIO011"
    name = "no-rate-limit"
    severity = "warning"
    summary = "Customer.io call made once per loop item with no rate limit"
    options = (RuleOption("limiter-names", [], "names of project limiters that pace a loop"),)

    def check(self, project: Project) -> Iterable[Finding]:
        limiters = set(getattr(self.settings, "limiter_names", None) or ())
        pacing = _Pacing(project, limiters)
        reported: set[tuple[str, int, int]] = set()
        for site in [*self._call_sites(project), *self._reference_sites(project)]:
            key = site.span.key
            if key in reported or pacing.paced(site):
                continue
            data_loop = _data_loop(project, site)
            if data_loop is None:
                continue
            if data_loop is not site.loop:
                # An inner loop over a short constant list starts a few requests
                # per item of the data loop, which the message names instead.
                site.unbounded = site.unbounded and _unbounded(site.file, data_loop, None)
                site.loop = data_loop
            if any(_chunked(project, loop) for loop in site.loops[:-1]):
                site.unbounded = False  # at most one chunk in flight at a time
            reported.add(key)
            yield self._finding(site)

    # Sites -----------------------------------------------------------------

    def _call_sites(self, project: Project) -> Iterable[LoopSite]:
        for call in project.calls():
            if not _sends_per_call(call) or not call.call.loops:
                continue
            file = call.file
            if is_test_code(file, call.function):
                continue
            loops = tuple(file.loops[i] for i in call.call.loops)
            yield LoopSite(
                file, call.span, callee_text(call.call), loops[-1], loops,
                [(node.inner.file, node.wrapper) for node in call.chain()
                 if node.inner is not None and node.wrapper is not None],
                call.call.function, _unbounded(file, loops[-1], call), False,
                not call.is_direct,
            )

    def _reference_sites(self, project: Project) -> Iterable[LoopSite]:
        """Project functions passed by name to ``pool.map``, ``items.forEach`` or ``submit``."""
        from ...calls import owner_function

        senders: dict[tuple[str, int], list[CioCall]] = {}
        for call in project.calls():
            if _sends_per_call(call):
                index = owner_function(call.file, call.call.function)
                senders.setdefault((call.file.path, index), []).append(call)
        for file in project.files.values():
            for call in file.calls:
                site = self._reference_site(project, file, call, senders)
                if site is not None:
                    yield site

    def _reference_site(self, project, file, call, senders) -> LoopSite | None:
        method = call.value.method or ""
        iterating = method in REFERENCE_ITERATION
        if not iterating and not (method in SUBMIT_CALLS and call.loops):
            return None
        if is_test_code(file, file.functions[call.function]):
            return None
        for arg in call.value.args[:1]:
            if arg.kind not in ("name", "member") or arg.span is None:
                continue
            for ref in project.resolver.resolve(arg):
                if ref.kind != "func" or ref.file is None:
                    continue
                if (ref.file.path, ref.target.index) not in senders:
                    continue
                loops = tuple(file.loops[i] for i in call.loops)
                if iterating:
                    loop = Loop(-1, "callback", call.span, call.function,
                                _reference_iterable(file, call), call=call.id)
                    loops = (*loops, loop)
                wrappers = [(ref.file, ref.target)]
                unbounded = iterating and _unbounded(file, loops[-1], None)
                return LoopSite(file, arg.span, arg.text, loops[-1], loops, wrappers,
                                call.function, unbounded, True, True)
        return None

    def _finding(self, site: LoopSite) -> Finding:
        subject = f"`{site.label}`" if site.reference else f"`{site.label}()`"
        per_item = _each_item(site.loop)
        confidence = "medium" if site.derived else "high"
        python = site.file.language == "python"
        if site.unbounded:
            message = f"{subject} starts one request {per_item} at once"
            limiters = "`asyncio.Semaphore` or aiolimiter" if python else "p-limit or Bottleneck"
            hint = (f"Bound the concurrency with {limiters}, "
                    "or send Track API v2 `batch` requests")
            return self.report(site.span, message, hint, severity="error",
                               confidence=confidence)
        message = f"{subject} sends one request {per_item} with no rate limit"
        if python:
            hint = ("Pace the loop with pyrate_limiter, aiolimiter or a sleep, "
                    "or send Track API v2 `batch` requests")
        else:
            hint = ("Pace the loop with Bottleneck or p-limit, "
                    "or send Track API v2 `batch` requests")
        return self.report(site.span, message, hint, confidence=confidence)


def _sends_per_call(call: CioCall) -> bool:
    """Return whether each call sends one request (not a batch, not a queueing client)."""
    if call.kind in QUEUEING_KINDS or not is_server_call(call):
        return False
    origin = call.origin
    return origin.op != "batch" and origin.item < 0


def _unbounded(file: FileFacts, loop: Loop, call: CioCall | None) -> bool:
    """Return whether every item's request starts at once.

    That is a JavaScript ``map``/``forEach`` callback, a JavaScript loop that
    neither awaits nor returns the call, or a comprehension in ``gather``.
    """
    if call is not None and call.is_direct and file.language != "python":
        site = call.call
        if loop.kind != "callback" and not site.awaited and not site.returned:
            return True
    if loop.kind == "callback" and file.language != "python" and 0 <= loop.call < len(file.calls):
        return file.calls[loop.call].value.method in CONCURRENT_ITERATION
    if loop.kind == "comprehension" and file.language == "python":
        for other in file.calls:
            if other.value.method == "gather" and other.span.contains(loop.span):
                return True
    return False


def _reference_iterable(file: FileFacts, call: Call) -> Value | None:
    if file.language == "python":
        args = call.value.args
        return args[1] if len(args) > 1 else None
    callee = call.value.callee
    return callee.obj if callee is not None else None


def _each_item(loop: Loop | None) -> str:
    """Describe the loop: ``per item of `rows` `` or ``per pass of a `while` loop``."""
    if loop is None or loop.iterable is None:
        kind = loop.kind if loop is not None and loop.kind in ("for", "while") else ""
        return f"per pass of a `{kind}` loop" if kind else "per pass of the loop"
    text = " ".join(loop.iterable.text.split())
    return f"per item of `{text if len(text) <= 30 else text[:27] + '...'}`"


# Loops over data -------------------------------------------------------------


def _data_loop(project: Project, site: LoopSite) -> Loop | None:
    """Return the innermost loop around the site that runs once per item of run-time data.

    A loop that sends one request per chunk is batching, so a chunk loop
    inside any data loop ends the search.
    """
    for loop in reversed(site.loops):
        if _chunked(project, loop):
            return None
        if _bounded_by_constant(project, site.file, loop):
            continue
        return loop
    return None


def _chunked(project: Project, loop: Loop) -> bool:
    iterable = loop.iterable
    if iterable is not None:
        for value in [iterable, *project.values_of(iterable)]:
            callee = value.callee
            if value.kind == "call" and callee is not None and callee.last_name in CHUNKING_CALLS:
                return True
    if loop.kind == "for" and iterable is None:
        header = C_STYLE_HEADER.search(project.source_text(loop.span) or "")
        if header is not None:
            step = header.group(3).replace(" ", "")
            if re.search(r"\+=(?!1$)", step) or re.search(r"=\w+\+(?!1$)", step):
                return True
    return False


def _bounded_by_constant(project: Project, file: FileFacts, loop: Loop) -> bool:
    """Return whether the loop runs over a short literal list or a small literal count."""
    if loop.kind == "while":
        return _endless(project, loop)
    iterable = loop.iterable
    if iterable is None:
        header = C_STYLE_HEADER.search(project.source_text(loop.span) or "")
        bound = re.search(r"<=?\s*(\w+)\s*$", header.group(2).strip()) if header else None
        count = _constant_int(project, file, bound.group(1)) if bound else None
        return count is not None and count <= MAX_CONSTANT_ITEMS
    if _short_literal(iterable):
        return True
    if iterable.kind == "name" and _grown(file, iterable.value):
        return False
    if any(_short_literal(value) for value in project.values_of(iterable)):
        return True
    return _small_range(project, iterable) or _literal_keys(project, iterable)


def _endless(project: Project, loop: Loop) -> bool:
    """Return whether the loop is ``while (true)`` or ``while True:``, which consume a stream."""
    text = project.source_text(loop.span) or ""
    return re.match(r"while\s*\(?\s*(true|True|1)\s*\)?\s*[:{]", text.strip()) is not None


def _short_literal(value: Value) -> bool:
    if value.kind not in ("array", "object"):
        return False
    if any(child.kind == "spread" for child in value.children):
        return False
    return 0 < len(value.children) <= MAX_CONSTANT_ITEMS


def _grown(file: FileFacts, name: str) -> bool:
    """Return whether the file appends to the list in ``name``."""
    for call in file.calls:
        callee = call.value.callee
        if callee is None or callee.kind != "member" or callee.obj is None:
            continue
        if callee.obj.kind == "name" and callee.obj.value == name and callee.value in (
            "push", "append", "extend", "add", "insert", "unshift"
        ):
            return True
    return False


def _small_range(project: Project, value: Value) -> bool:
    callee = value.callee
    if value.kind != "call" or callee is None or callee.dotted != "range":
        return False
    bounds = [_number(project, arg) for arg in value.args]
    if not bounds or any(bound is None for bound in bounds):
        return False
    start, stop = (0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
    return stop - start <= MAX_CONSTANT_ITEMS


def _number(project: Project, value: Value) -> int | None:
    """Return the integer value of a literal or a constant, or None."""
    for candidate in [value, *project.values_of(value)]:
        if candidate.kind == "num" and isinstance(candidate.value, int):
            return candidate.value
    return None


def _constant_int(project: Project, file: FileFacts, text: str) -> int | None:
    """Return the integer that a literal or a module-level constant named ``text`` contains."""
    if text.isdigit():
        return int(text)
    for assign in file.module.assigns.get(text, []):
        found = _number(project, assign.value)
        if found is not None:
            return found
    return None


def _literal_keys(project: Project, value: Value) -> bool:
    """Return whether the value is ``Object.keys(LITERAL)`` or ``LITERAL.items()``."""
    callee = value.callee
    if value.kind != "call" or callee is None:
        return False
    if callee.dotted in ("Object.keys", "Object.values", "Object.entries") and value.args:
        target = value.args[0]
    elif callee.kind == "member" and callee.value in ("items", "keys", "values"):
        target = callee.obj
    else:
        return False
    candidates = [target, *project.values_of(target)] if target is not None else []
    return any(_short_literal(candidate) for candidate in candidates)


# Pacing ----------------------------------------------------------------------


class _Pacing:
    """Decide whether something paces the requests of a loop site."""

    def __init__(self, project: Project, limiter_names: set[str]):
        self.project = project
        self.names = limiter_names
        self.functions: dict[tuple[str, int], bool] = {}

    def paced(self, site: LoopSite) -> bool:
        file = site.file
        for loop in site.loops:
            if any(self._pacing_name(name) for name in loop.body_calls):
                return True
            if loop.index >= 0 and file.language == "python" and self._with_limiter(loop.span):
                return True
        if self._limiter_callback(file, site.callbacks_from, site.loops):
            return True
        if site.loops and self._queued(file, file.functions[site.loops[0].function]):
            return True
        return any(self._paced_function(wrapper_file, wrapper)
                   for wrapper_file, wrapper in site.functions)

    def _pacing_name(self, text: str) -> bool:
        # NOTE: any called name that contains "limit", "throttle" or "bucket"
        # counts as a limiter, so a helper such as `fetchWithLimit()` in the
        # loop hides the finding.
        text = " ".join(text.split())
        if text in self.names or any(text.startswith(name + ".") for name in self.names):
            return True
        parts = text.split(".")
        last, root = parts[-1], parts[0]
        if len(parts) == 1:
            return last in PACING_FUNCTIONS or LIMITER_WORDS.search(last) is not None
        if text == "asyncio.wait":
            return False
        if last in PACING_METHODS:
            return True
        return root.isidentifier() and LIMITER_WORDS.search(root) is not None or any(
            LIMITER_WORDS.search(part) for part in parts[:-1] if part.isidentifier()
        )

    def _with_limiter(self, span: Span) -> bool:
        return WITH_LIMITER.search(self.project.source_text(span) or "") is not None

    def _limiter_callback(self, file: FileFacts, index: int, loops: tuple[Loop, ...]) -> bool:
        """Return whether the call is in a callback given to a limiter (``limit(() => ...)``)."""
        stop = {loop.function for loop in loops}
        function = file.functions[index]
        for _ in range(16):
            receiver = passed_to(file, function)
            if receiver is None:
                return False
            if self._limiter_call(file, receiver):
                return True
            if function.parent in stop or function.parent < 0:
                return False
            function = file.functions[function.parent]
        return False

    def _queued(self, file: FileFacts, function: Function) -> bool:
        """Return whether the function holding the loops runs as a task of a bounded queue.

        The callback goes to the queue directly (``queue.add(async () =>
        ...)``) or through a project helper that hands its parameter to one
        (``forEachBatch(stream, async (batch) => ..., 50)`` with
        ``fastq.promise(handle, concurrency)`` inside). The queue's
        concurrency then bounds the requests the loops start.
        """
        # NOTE: a queued task whose loop runs over all the data, not over
        # the batch it was given, is still unpaced, but counts as paced here.
        for _ in range(16):
            receiver = passed_to(file, function)
            if receiver is None:
                return False
            if self._limiter_call(file, receiver) or self._forwards_to_limiter(
                file, receiver, function
            ):
                return True
            if function.parent <= 0:
                return False
            function = file.functions[function.parent]
        return False

    def _forwards_to_limiter(self, file: FileFacts, call: Call, callback: Function) -> bool:
        """Return whether the project function called by ``call`` gives ``callback`` to a limiter."""
        position = next((i for i, arg in enumerate(call.value.args)
                         if arg.kind == "func" and arg.value == callback.index), None)
        if position is None:
            return False
        for target_file, target in self.project.graph.targets(file, call):
            params = [param for param in target.params if param.kind == "positional"]
            if position >= len(params):
                continue
            name = params[position].name
            for inner in target_file.calls:
                if not _inside(target_file, inner.function, target.index):
                    continue
                passes = any(arg.kind == "name" and arg.value == name for arg in inner.value.args)
                if passes and self._limiter_call(target_file, inner):
                    return True
        return False

    def _limiter_call(self, file: FileFacts, call: Call) -> bool:
        callee = call.value.callee
        if callee is None:
            return False
        if self._pacing_name(callee.dotted or callee.text):
            return True
        if _import_source(file, callee) in LIMITER_MODULES:
            return True  # ``fastq.promise(worker, 4)``, ``pLimit(4)``
        root = callee
        while root.kind == "member" and root.obj is not None:
            root = root.obj
        for value in self.project.values_of(root):
            if value.kind in ("call", "new") and value.callee is not None:
                if value.callee.last_name in LIMITER_CLASSES:
                    return True
                origin = self.project.resolver.file_of(value) or file
                if _import_source(origin, value.callee) in LIMITER_MODULES:
                    return True
        return False

    def _paced_function(self, file: FileFacts, function: Function) -> bool:
        key = (file.path, function.index)
        if key not in self.functions:
            self.functions[key] = self._paces_itself(file, function)
        return self.functions[key]

    def _paces_itself(self, file: FileFacts, function: Function) -> bool:
        """Return whether a wrapper paces itself with a limiter decorator, a sleep or a limiter."""
        for decorator in function.decorators:
            target = decorator.callee if decorator.kind == "call" else decorator
            dotted = (target.dotted or "") if target is not None else ""
            if dotted.rsplit(".", 1)[-1] in PACING_DECORATORS or self._pacing_name(dotted):
                return True
        for call in file.calls:
            if not _inside(file, call.function, function.index):
                continue
            callee = call.value.callee
            if callee is not None and self._pacing_name(callee.dotted or callee.text):
                return True
        return file.language == "python" and self._with_limiter(function.span)


def _inside(file: FileFacts, index: int, ancestor: int) -> bool:
    for _ in range(64):
        if index == ancestor:
            return True
        if index <= 0:
            return False
        index = file.functions[index].parent
    return False


def _import_source(file: FileFacts, callee: Value) -> str | None:
    root = callee
    while root.kind == "member" and root.obj is not None:
        root = root.obj
    if root.kind != "name" or root.span is None:
        return None
    for imported in file.imports:
        if imported.local == root.value:
            return imported.source
    return None
