"""Customer.io calls: SDK method calls, raw HTTP requests and wrapper call sites.

A ``CioCall`` is one place where the code sends something to Customer.io,
with the person id, event name, attributes and options located as values.
Direct calls come from SDK clients and raw HTTP. Then every project function
that makes Customer.io calls (directly or through other functions) turns its
call sites into derived calls. In a derived call the callee's parameters are
replaced by the arguments at the call site, so a finding about a value
points where the value is written. The call's context (awaited, in a loop,
in a request handler) is the call site's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from .model import Call, FileFacts, Function, Param, Value
from .resolve import Client, Resolver, argument_for
from .sdk import (
    METHODS,
    NODE_EVENT_KEYS,
    PIPELINES_PAYLOAD_KEYS,
    REQUEST_CLASSES,
    TRANSACTIONAL_REQUEST_KEYS,
    MethodShape,
)

logger = logging.getLogger(__name__)

MAX_WRAPPER_DEPTH = 5
MAX_DERIVED = 50_000


@dataclass(eq=False)
class RawRequest:
    method: str
    url: str  # with {0}, {1} placeholders for run-time parts
    host: str
    path: str
    api: str
    region: str  # us or eu, or "" when the URL picks the region at run time
    url_value: Value
    parts: list[Value] = field(default_factory=list)
    auth_scheme: str | None = None  # basic, bearer, or None when unknown
    auth_value: Value | None = None
    body: Value | None = None


@dataclass(eq=False)
class CioCall:
    api: str  # track, app, pipelines
    kind: str  # client kind (node-track, python-app, ...) or raw-<api>
    op: str  # identify, track, send_email, ...
    method: str  # the SDK method name or HTTP method
    file: FileFacts  # where the call site is
    call: Call  # the call site
    slots: dict[str, Value]
    client: Client | None = None
    raw: RawRequest | None = None
    inner: CioCall | None = None  # the call inside the wrapper, for derived calls
    wrapper: Function | None = None  # the function called at this site
    depth: int = 0
    substituted: frozenset[str] = frozenset()
    item: int = -1  # index of a batch item, for batch requests

    @property
    def function(self) -> Function:
        return self.file.functions[self.call.function]

    @property
    def span(self):
        return self.call.span

    @property
    def origin(self) -> CioCall:
        node = self
        while node.inner is not None:
            node = node.inner
        return node

    @property
    def is_direct(self) -> bool:
        return self.inner is None

    @property
    def pipelines(self) -> bool:
        return self.api == "pipelines"

    @property
    def language(self) -> str:
        return self.file.language

    def chain(self) -> list[CioCall]:
        out, node = [], self
        while node is not None:
            out.append(node)
            node = node.inner
        return out


# Direct SDK calls ------------------------------------------------------------


# Every method name of every client kind: a call named otherwise cannot be an
# SDK call, so its receiver is never resolved.
SDK_METHOD_NAMES = frozenset(name for table in METHODS.values() for name in table)


def recognize_sdk_call(file: FileFacts, call: Call, resolver: Resolver) -> list[CioCall]:
    value = call.value
    callee = value.callee
    if value.kind != "call" or callee is None or callee.kind != "member":
        return []
    method = callee.value
    if method not in SDK_METHOD_NAMES:
        return []
    found = []
    for client in resolver.clients_of(callee.obj):
        if client.mocked:
            continue
        table = METHODS.get(client.kind)
        shape = table.get(method) if table else None
        if shape is None:
            continue
        slots = extract_slots(shape, client.kind, value, resolver)
        found.append(CioCall(client.api, client.kind, shape.op, method, file, call, slots,
                             client=client))
        break
    return found


def extract_slots(shape: MethodShape, kind: str, call: Value, resolver: Resolver) -> dict[str, Value]:
    slots: dict[str, Value] = {}
    args = call.args
    kwargs = call.kwargs
    for slot, position in shape.positions:
        if position < len(args):
            slots[slot] = args[position]
    consumed = set()
    for slot, keyword in shape.keywords:
        if keyword in kwargs:
            slots[slot] = kwargs[keyword]
            consumed.add(keyword)
    if shape.event_object >= 0 and shape.event_object < len(args):
        event = first_object(args[shape.event_object], resolver)
        if event is not None:
            slots["event"] = event
            slots.update(object_slots(event, NODE_EVENT_KEYS))
    if shape.payload_object >= 0 and shape.payload_object < len(args):
        payload = first_object(args[shape.payload_object], resolver)
        if payload is not None:
            slots["payload"] = payload
            slots.update(object_slots(payload, PIPELINES_PAYLOAD_KEYS))
    if shape.rest:
        extra = {k: v for k, v in kwargs.items() if k not in consumed}
        if extra or call.splats:
            rest = keyword_object(call, extra, resolver)
            if shape.rest not in slots:
                slots[shape.rest] = rest
            else:
                slots["extra_kwargs"] = rest
    if "request" in slots:
        request = transactional_request(slots["request"], resolver)
        if request is not None:
            slots["request_object"] = request
            slots.update(object_slots(request, TRANSACTIONAL_REQUEST_KEYS))
    return slots


def object_slots(obj: Value, keys: dict[str, str]) -> dict[str, Value]:
    """Return the slots filled by an object's properties, given a property-to-slot table."""
    slots = {}
    for key, slot in keys.items():
        found = obj.get(key)
        if found is not None:
            slots[slot] = found
    return slots


def first_object(value: Value, resolver: Resolver) -> Value | None:
    if value.kind == "object":
        return value
    for resolved in resolver.values_of(value):
        if resolved.kind == "object":
            return resolved
    return None


def keyword_object(call: Value, extra: dict[str, Value], resolver: Resolver) -> Value:
    """Build one object value from keyword arguments and ``**splats``."""
    keys: list[str | None] = []
    children: list[Value] = []
    for key, child in zip(call.keys, call.children[1:]):
        if key in ("**", "..."):
            expanded = expand_dict(child, resolver)
            if expanded is None:
                keys.append(None)
                children.append(child)
            else:
                for sub_key, sub_value in expanded:
                    keys.append(sub_key)
                    children.append(sub_value)
        elif key in extra:
            keys.append(key)
            children.append(child)
    return Value("object", call.span, call.text, children=tuple(children), keys=tuple(keys),
                 scope=call.scope)


def expand_dict(value: Value, resolver: Resolver) -> list[tuple[str | None, Value]] | None:
    """Entries of a dict literal held in a variable, plus ``d["k"] = v`` additions."""
    literal = first_object(value, resolver)
    if literal is None:
        return None
    entries = list(literal.entries())
    if value.kind == "name" and value.span is not None:
        file = resolver.file_of(value)
        if file is not None and value.scope >= 0:
            for assign in file.functions[value.scope].assigns.get(value.value, []):
                if assign.key is not None:
                    entries.append((assign.key, assign.value))
    return entries


def transactional_request(value: Value, resolver: Resolver) -> Value | None:
    """Return the options of ``new SendEmailRequest({...})`` or ``SendEmailRequest(...)``.

    The options are an object value, or None when they cannot be found.
    """
    candidates = [value, *resolver.values_of(value)]
    for candidate in candidates:
        if candidate.kind == "object":
            return candidate
        if candidate.kind in ("call", "new") and candidate.callee is not None:
            name = candidate.callee.last_name
            if name in REQUEST_CLASSES:
                if candidate.args and candidate.args[0].kind == "object":
                    return candidate.args[0]
                return Value("object", candidate.span, candidate.text,
                             children=tuple(candidate.kwargs.values()),
                             keys=tuple(candidate.kwargs.keys()))
            if candidate.kind == "call":
                for ref in resolver.resolve(candidate.callee):
                    if ref.kind == "func":
                        for returned in ref.target.returns:
                            found = transactional_request(returned, resolver)
                            if found is not None:
                                return found
    return None


# Call graph and wrappers ---------------------------------------------------------------


def owner_function(file: FileFacts, index: int) -> int:
    """Climb out of callbacks: the function a caller invokes by name."""
    seen = 0
    while index > 0 and seen < 64:
        seen += 1
        function = file.functions[index]
        if function.passed_to < 0 or function.kind not in ("arrow", "lambda", "function"):
            return index
        index = function.parent
    return index


def callable_names(files: dict[str, FileFacts]) -> set[str]:
    """Every name under which a call can reach a project function.

    Function and method names, exported and re-exported names, imported
    local names, module-level variables and class fields. A call whose
    callee ends in another name (``res.status``, ``JSON.stringify``) calls
    a library, so resolving it is skipped.
    """
    names: set[str] = set()
    for file in files.values():
        names.update(function.name for function in file.functions if function.name)
        names.update(file.exports)
        names.update(reexport.exported for reexport in file.reexports)
        names.update(imported.local for imported in file.imports)
        names.update(file.module.assigns)
        for fact in file.classes:
            names.add(fact.name)
            names.update(fact.fields)
    return names


class CallGraph:
    """The map between call sites and the project functions they invoke."""

    def __init__(self, files: dict[str, FileFacts], resolver: Resolver):
        self.sites: dict[tuple[str, int], list[tuple[FileFacts, Call]]] = {}
        self.callees: dict[tuple[str, int], list[tuple[FileFacts, Function]]] = {}
        names = callable_names(files)
        for file in files.values():
            for call in file.calls:
                callee = call.value.callee
                if callee is None or callee.kind not in ("name", "member"):
                    continue
                if callee.value not in names:
                    continue  # a library call: no project function has this name
                for ref in resolver.resolve(callee):
                    if ref.kind == "func" and ref.file is not None:
                        key = (ref.file.path, ref.target.index)
                        self.sites.setdefault(key, []).append((file, call))
                        self.callees.setdefault((file.path, call.id), []).append(
                            (ref.file, ref.target))

    def sites_of(self, file: FileFacts, function: Function) -> list[tuple[FileFacts, Call]]:
        return self.sites.get((file.path, function.index), [])

    def targets(self, file: FileFacts, call: Call) -> list[tuple[FileFacts, Function]]:
        return self.callees.get((file.path, call.id), [])


def derive_wrapper_calls(direct: list[CioCall], graph: CallGraph,
                         resolver: Resolver) -> list[CioCall]:
    """Turn call sites of functions that reach Customer.io into calls of their own."""
    by_owner: dict[tuple[str, int], list[CioCall]] = {}
    for cio_call in direct:
        owner = owner_function(cio_call.file, cio_call.call.function)
        if owner > 0:
            by_owner.setdefault((cio_call.file.path, owner), []).append(cio_call)
    derived: list[CioCall] = []
    frontier = dict(by_owner)
    for depth in range(1, MAX_WRAPPER_DEPTH + 1):
        next_frontier: dict[tuple[str, int], list[CioCall]] = {}
        for (path, index), inner_calls in frontier.items():
            file = resolver.files[path]
            function = file.functions[index]
            for site_file, site in graph.sites_of(file, function):
                if site_file is file and _inside(file, site.function, index):
                    continue  # recursion
                if _in_test_code(site_file, site):
                    continue  # a test exercising the wrapper is not a production call
                for inner in inner_calls:
                    if any(c.wrapper is function and c.call is site for c in inner.chain()):
                        continue
                    derived_call = derive(inner, file, function, site_file, site, resolver, depth)
                    derived.append(derived_call)
                    owner = owner_function(site_file, site.function)
                    if owner > 0:
                        next_frontier.setdefault((site_file.path, owner), []).append(derived_call)
                if len(derived) > MAX_DERIVED:
                    logger.warning("stopped following wrappers after %d call sites", MAX_DERIVED)
                    return derived
        if not next_frontier:
            break
        frontier = next_frontier
    return derived


def _in_test_code(file: FileFacts, call: Call) -> bool:
    return file.module.context == "test" or file.functions[call.function].context == "test"


def _inside(file: FileFacts, index: int, ancestor: int) -> bool:
    seen = 0
    while index >= 0 and seen < 64:
        seen += 1
        if index == ancestor:
            return True
        index = file.functions[index].parent if index != 0 else -1
    return False


def derive(inner: CioCall, file: FileFacts, function: Function, site_file: FileFacts,
           site: Call, resolver: Resolver, depth: int) -> CioCall:
    substituter = Substituter(resolver, file, function, site_file, site)
    slots = {}
    changed = set()
    for name, value in inner.slots.items():
        new = substituter.substitute(value)
        slots[name] = new
        if new is not value:
            changed.add(name)
    return replace(inner, file=site_file, call=site, slots=slots, inner=inner,
                   wrapper=function, depth=depth, substituted=frozenset(changed))


class Substituter:
    """Replace a wrapper's parameters (and locals built from them) with call-site values."""

    def __init__(self, resolver, file, function, site_file, site):
        self.resolver = resolver
        self.file = file
        self.function = function
        self.site_file = site_file
        self.site = site
        self.offset = 1 if (file.language == "python" and function.kind == "method"
                            and function.params and function.params[0].name in ("self", "cls")
                            and site.value.callee is not None
                            and site.value.callee.kind == "member") else 0
        self.budget = 200

    def substitute(self, value: Value, depth: int = 0) -> Value:
        if depth > 12 or self.budget <= 0:
            return value
        if value.kind == "name" and value.span is not None and value.span.path == self.file.path:
            if value.scope >= 0 and _inside(self.file, value.scope, self.function.index):
                replaced = self._name(value, depth)
                if replaced is not None:
                    return replaced
        if not value.children:
            return value
        children = tuple(self.substitute(child, depth + 1) for child in value.children)
        if all(new is old for new, old in zip(children, value.children)):
            return value
        self.budget -= 1
        if value.kind == "member" and children[0].kind == "object":
            found = children[0].get(value.value)
            if found is not None:
                return found
        return replace(value, children=children)

    def _name(self, value: Value, depth: int) -> Value | None:
        for ref in self.resolver.resolve(value):
            if ref.kind == "param" and ref.function is not None:
                if not _inside(self.file, ref.function.index, self.function.index):
                    continue
                if ref.function is not self.function:
                    return None
                return self._argument(ref.target, value)
        # A local built from parameters: inline its definition.
        scope = self.file.functions[value.scope]
        while True:
            assigns = [a for a in scope.assigns.get(value.value, []) if a.key is None]
            if assigns:
                chosen = self.resolver._visible_assigns(assigns, value)
                if len(chosen) == 1:
                    inlined = self.substitute(chosen[0].value, depth + 1)
                    if inlined is not chosen[0].value:
                        return inlined
                return None
            if scope.index == self.function.index or scope.parent < 0:
                return None
            scope = self.file.functions[scope.parent]

    def _argument(self, param: Param, use: Value) -> Value | None:
        call = self.site.value
        if param.kind == "pattern":
            arg = argument_for(call, replace(param, kind="positional"), self.offset)
            if arg is None:
                return None
            if use.value == param.name:
                return arg  # the whole argument, as read by a field of the pattern
            literal = arg if arg.kind == "object" else None
            if literal is not None and use.value in literal.keys:
                return literal.get(use.value)
            return Value("member", arg.span, f"{arg.text}.{use.value}", value=use.value,
                         children=(arg,), scope=arg.scope)
        if param.kind == "rest":
            return None
        if param.kind == "kwargs":
            # ``def wrapper(id, **fields)`` called as ``wrapper(x, paid_at=t)``:
            # the keyword arguments no other parameter takes form the dict.
            named = {p.name for p in self.function.params}
            extra = {k: v for k, v in call.kwargs.items() if k not in named}
            if not extra or call.splats:
                return None
            return Value("object", call.span, call.text, children=tuple(extra.values()),
                         keys=tuple(extra), scope=call.scope)
        arg = argument_for(call, param, self.offset)
        if arg is None:
            return param.default
        return arg


def direct_calls(files: dict[str, FileFacts], resolver: Resolver) -> list[CioCall]:
    from .raw import recognize_raw_call

    found: list[CioCall] = []
    for file in files.values():
        for call in file.calls:
            sdk = recognize_sdk_call(file, call, resolver)
            if sdk:
                found.extend(sdk)
                continue
            found.extend(recognize_raw_call(file, call, resolver))
    return found

