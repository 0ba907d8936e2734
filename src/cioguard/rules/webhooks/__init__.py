"""Rules about delivery failures and reporting webhooks.

The helpers here are shared by CIO008, CIO015 and CIO016. They list the
metric names that Customer.io reporting webhooks carry and split names into
words for matching. They also find the functions a request handler runs: its
callbacks, middleware, decorators and the helpers it calls.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Iterator

from ...model import Call, FileFacts, Function, Span, Value

if TYPE_CHECKING:
    from ...project import Project

# Metric values of Customer.io reporting webhooks for email delivery failures.
FAILURE_METRICS = frozenset({"bounced", "spammed", "dropped", "failed", "undeliverable"})
# Every metric value a reporting webhook can carry. Most are common words, so
# they only count in a function that also reads a ``metric`` field.
CIO_METRICS = FAILURE_METRICS | frozenset({
    "attempted", "sent", "delivered", "opened", "clicked", "converted", "unsubscribed",
    "subscribed", "deferred", "drafted", "human_opened", "machine_opened",
})
# Strings that name a bounce or spam complaint on their own, in any provider's terms.
COMPLAINT_WORDS = frozenset({
    "bounced", "spammed", "hard_bounce", "hard_bounced", "complained", "complaint",
    "spam_complaint", "spamreport",
})


def words(name: str) -> str:
    """Lowercase ``name`` with words joined by ``_``: ``handleBounce`` -> ``handle_bounce``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower())


def reads_metric(function: Function) -> bool:
    """Check whether the function reads a ``metric`` field (member, key, local or parameter)."""
    if "metric" in function.member_reads or "metric" in function.assigns:
        return True
    if "metric" in function.strings:  # event.get("metric")
        return True
    return any(param.name == "metric" or "metric" in param.fields for param in function.params)


def metric_name(text: str) -> str:
    """Drop the ``email_`` prefix that some receivers put on metric names."""
    return text[len("email_"):] if text.startswith("email_") else text


def metric_values(function: Function) -> set[str]:
    """Return the Customer.io metric values the function mentions, when it reads ``metric``."""
    if not reads_metric(function):
        return set()
    return {metric_name(s) for s in function.strings if metric_name(s) in CIO_METRICS}


def complaint_words(function: Function) -> set[str]:
    """Return the strings in the function that name a bounce or a spam complaint."""
    return {metric_name(s) for s in function.strings} & COMPLAINT_WORDS


def request_method(function: Function) -> str:
    """Return the HTTP method a handler serves, or "" when the route does not fix one."""
    handler = function.handler
    if handler is None:
        return ""
    if handler.method:
        return handler.method.upper()
    if handler.framework == "nextjs-app":
        return function.name.upper()  # export async function GET(...)
    return ""


def first_line(project: Project, span: Span) -> Span:
    """Return the part of ``span`` on its first line, so a finding marks one line."""
    if span.line == span.end_line:
        return span
    text = project.source_text(span)
    if text is None:
        return Span(span.path, span.line, span.col, span.line, span.col + 1)
    return Span(span.path, span.line, span.col, span.line, span.col + len(text.split("\n")[0]))


def descendants(file: FileFacts, roots: set[int]) -> set[int]:
    """Return ``roots`` and every function defined inside them, at any depth."""
    found = set(roots)
    for function in file.functions:
        index, seen = function.index, 0
        while index > 0 and seen < 64:
            seen += 1
            if index in found:
                found.add(function.index)
                break
            index = file.functions[index].parent
    return found


class CallIndex:
    """Calls grouped by the function they sit in, per file."""

    def __init__(self, project: Project):
        self.project = project
        self._by_file: dict[str, dict[int, list[Call]]] = {}

    def calls_in(self, file: FileFacts, index: int) -> list[Call]:
        by_function = self._by_file.get(file.path)
        if by_function is None:
            by_function = {}
            for call in file.calls:
                by_function.setdefault(call.function, []).append(call)
            self._by_file[file.path] = by_function
        return by_function.get(index, [])


def project_functions(project: Project, value: Value | None
                      ) -> Iterator[tuple[FileFacts, Function]]:
    """Yield the project functions that ``value``, or a name or function in it, refers to."""
    if value is None or value.span is None:
        return
    file = project.resolver.file_of(value)
    for node in value.walk():
        if node.kind == "func" and file is not None:
            yield file, file.functions[node.value]
        elif node.kind in ("name", "member"):
            for ref in project.resolver.resolve(node):
                if ref.kind == "func" and ref.file is not None:
                    yield ref.file, ref.target


class HandlerFlow:
    """The functions one request handler runs.

    These are the handler and the functions defined inside it, the other
    functions registered on the same route, and middleware mounted in the
    same file with ``use`` on every route or on a prefix of this one. Its
    decorators, dependencies given as parameter defaults and its class's
    ``dispatch`` count too, and so do the project functions all of these
    call, up to ``depth`` calls away.
    """

    def __init__(self, project: Project, calls: CallIndex, file: FileFacts,
                 handlers: list[Function], depth: int = 3):
        self.project = project
        self.calls = calls
        self.file = file
        self.handlers = handlers
        self.depth = depth
        self.own: set[int] = descendants(file, {h.index for h in handlers})

    @cached_property
    def members(self) -> list[tuple[FileFacts, Function]]:
        """Every function the handler runs, with its file; built on first use."""
        members: dict[tuple[str, int], tuple[FileFacts, Function]] = {}
        for index in self.own:
            members[(self.file.path, index)] = (self.file, self.file.functions[index])
        for extra_file, extra in self._attached():
            for index in descendants(extra_file, {extra.index}):
                members.setdefault((extra_file.path, index),
                                   (extra_file, extra_file.functions[index]))
        frontier = list(members.values())
        for _ in range(self.depth):
            found = []
            for member_file, member in frontier:
                for call in self.calls.calls_in(member_file, member.index):
                    for target_file, target in self.project.graph.targets(member_file, call):
                        for index in descendants(target_file, {target.index}):
                            key = (target_file.path, index)
                            if key not in members:
                                members[key] = (target_file, target_file.functions[index])
                                found.append(members[key])
            frontier = found
        return list(members.values())

    def _attached(self) -> Iterator[tuple[FileFacts, Function]]:
        handler = self.handlers[0].handler
        registration = next((c for c in self.file.calls if handler is not None
                             and c.span == handler.span), None)
        if registration is not None:
            for arg in registration.value.args:
                yield from project_functions(self.project, arg)
        route = handler.route if handler is not None else ""
        for call in self.file.calls:
            if call.value.method != "use" or not route:
                continue
            args = call.value.args
            if args and args[0].kind == "str":
                if route.startswith(args[0].value):
                    args = args[1:]
                else:
                    continue
            for arg in args:
                yield from project_functions(self.project, arg)
        for function in self.handlers:
            for decorator in function.decorators:
                target = decorator.callee if decorator.kind == "call" else decorator
                yield from project_functions(self.project, target)
            for param in function.params:  # FastAPI: _=Depends(verify_signature)
                yield from project_functions(self.project, param.default)
            yield from self._dispatch_method(function)

    def _dispatch_method(self, function: Function) -> Iterator[tuple[FileFacts, Function]]:
        """Yield ``dispatch`` of the handler's class, which Django runs before it."""
        if function.kind != "method" or not function.class_name:
            return
        for fact in self.file.classes:
            if fact.name == function.class_name and "dispatch" in fact.methods:
                yield self.file, self.file.functions[fact.methods["dispatch"]]

    def own_functions(self) -> list[Function]:
        return [self.file.functions[i] for i in sorted(self.own)]


def expand(value: Value, project: Project, depth: int = 0) -> Iterator[Value]:
    """Yield every node of ``value``, and of what its local names were assigned."""
    for node in value.walk():
        yield node
        if node.kind == "name" and depth < 4:
            for resolved in project.values_of(node):
                if resolved is not node and resolved.span != node.span:
                    yield from expand(resolved, project, depth + 1)
