"""The project model: every file's facts, linked, with the Customer.io calls found.

Rules read only this object. It offers the resolver (what a value refers
to), the call graph, every Customer.io call (direct and through wrappers),
every client construction, and helpers shared by several rules.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path

from .calls import CallGraph, CioCall, derive_wrapper_calls, direct_calls, owner_function
from .manifests import Manifests
from .model import FileFacts, Function, Span, Value
from .resolve import Client, Resolver

logger = logging.getLogger(__name__)


class Project:
    def __init__(self, root: Path, files: dict[str, FileFacts], settings=None,
                 all_paths: set[str] | None = None, display_prefix: str = ""):
        self.root = root
        self.files = dict(sorted(files.items()))
        self.settings = settings
        self.display_prefix = display_prefix
        client_names = dict(getattr(settings, "client_names", {}) or {})
        self.resolver = Resolver(root, self.files, all_paths or set(self.files), client_names)
        self._link_route_handlers()
        self.manifests = Manifests(root)
        self._linked = False
        self._line_cache: dict[str, list[str]] = {}

    def _link_route_handlers(self) -> None:
        """Mark the functions that routes in other files name as request handlers."""
        for file in self.files.values():
            for reference, handler in file.handler_refs:
                for ref in self.resolver.resolve(reference):
                    if ref.kind == "func" and ref.target.handler is None:
                        ref.target.handler = handler

    def link(self) -> None:
        if self._linked:
            return
        self._linked = True
        self.direct = direct_calls(self.files, self.resolver)
        self.graph = CallGraph(self.files, self.resolver)
        self.derived = derive_wrapper_calls(self.direct, self.graph, self.resolver)
        self.cio_calls = sorted(self.direct + self.derived, key=_call_order)
        logger.debug("linked %d files: %d direct and %d derived Customer.io calls",
                     len(self.files), len(self.direct), len(self.derived))

    # Views used by rules ----------------------------------------------------------

    @cached_property
    def clients(self) -> list[Client]:
        """Every client built by a constructor call, in path order."""
        self.link()
        # Resolving every construction also registers clients that no call
        # uses (a client built and dropped).
        for file in self.files.values():
            for call in file.calls:
                if _looks_like_construction(call.value):
                    self.resolver.resolve(call.value)
        constructed = [c for c in self.resolver.clients.values()
                       if c.value is not None and not c.mocked]
        return sorted(constructed, key=lambda c: (c.file.path, c.span.line, c.span.col))

    def calls(self, *, api: str | None = None, op: str | tuple[str, ...] | None = None,
              direct: bool | None = None) -> list[CioCall]:
        self.link()
        ops = (op,) if isinstance(op, str) else op
        out = []
        for call in self.cio_calls:
            if api is not None and call.api != api:
                continue
            if ops is not None and call.op not in ops:
                continue
            if direct is not None and call.is_direct != direct:
                continue
            out.append(call)
        return out

    def owner(self, call: CioCall) -> Function:
        return call.file.functions[owner_function(call.file, call.call.function)]

    def owner_of(self, file: FileFacts, function: Function) -> Function:
        """The function a caller invokes by name, climbing out of callbacks."""
        return file.functions[owner_function(file, function.index)]

    def handler_of(self, file: FileFacts, index: int) -> Function | None:
        """The request handler a function belongs to, climbing out of callbacks."""
        seen = 0
        while index >= 0 and seen < 64:
            seen += 1
            function = file.functions[index]
            if function.handler is not None:
                return function
            if function.context in ("task", "worker", "script"):
                return None
            if function.passed_to < 0 and function.kind not in ("arrow", "lambda"):
                return None
            index = function.parent if index != 0 else -1
        return None

    def values_of(self, value: Value | None) -> list[Value]:
        return self.resolver.values_of(value)

    def source_text(self, span: Span | None) -> str | None:
        """Return the exact source text a span covers, for building fixes."""
        if span is None:
            return None
        lines = self._lines(span.path)
        if lines is None or span.end_line >= len(lines):
            return None
        if span.line == span.end_line:
            return lines[span.line][span.col:span.end_col]
        parts = [lines[span.line][span.col:]]
        parts.extend(lines[span.line + 1:span.end_line])
        parts.append(lines[span.end_line][:span.end_col])
        return "\n".join(parts)

    def _lines(self, path: str) -> list[str] | None:
        cached = self._line_cache.get(path)
        if cached is None:
            try:
                text = (self.root / path).read_bytes().decode("utf-8", "replace")
            except OSError:
                return None
            cached = text.split("\n")
            self._line_cache[path] = cached
        return cached

    @cached_property
    def strings(self) -> set[str]:
        found: set[str] = set()
        for file in self.files.values():
            for function in file.functions:
                found |= function.strings
        return found

    @cached_property
    def env_names(self) -> set[str]:
        found: set[str] = set()
        for file in self.files.values():
            found |= file.env_names
            for name in file.module.assigns:
                if name.isupper():
                    found.add(name)
        return found


def _call_order(call: CioCall) -> tuple:
    span = call.call.span
    return (span.path, span.line, span.col, call.depth, call.item)


def _looks_like_construction(value: Value) -> bool:
    callee = value.callee
    if callee is None:
        return False
    name = callee.last_name or ""
    return value.kind == "new" or name[:1].isupper() or name in ("load",)
