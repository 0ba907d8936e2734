"""Language-neutral facts that extractors produce and rules read.

Extractors turn one syntax tree into one ``FileFacts``. Everything here is a
plain, picklable dataclass, so facts cross the process pool and the cache
unchanged. Positions are zero-based lines and zero-based columns counted in
Unicode code points; reporters add one at the edge.

Expressions are kept as ``Value`` trees: a small expression language shared
by every source language (string, number, template, name, member, call,
object, ...). Rules reason about values (is this an email, is this in
milliseconds, is this built at run time) without seeing tree-sitter nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

MAX_TEXT = 100


@dataclass(slots=True, frozen=True)
class Span:
    path: str
    line: int
    col: int
    end_line: int
    end_col: int

    def contains(self, other: Span) -> bool:
        if self.path != other.path:
            return False
        start = (self.line, self.col) <= (other.line, other.col)
        end = (other.end_line, other.end_col) <= (self.end_line, self.end_col)
        return start and end

    def before(self, other: Span) -> bool:
        return (self.line, self.col) < (other.line, other.col)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.col)

    def __reduce__(self):
        # Positional state pickles several times smaller than the default.
        return (Span, (self.path, self.line, self.col, self.end_line, self.end_col))


# Value kinds. Children and keys are interpreted per kind:
#   str, num, bool, null      value is the Python literal
#   template                  children are the parts (str values and expressions)
#   name                      value is the identifier; scope is the function index
#   member                    value is the property; children == (object,)
#   index                     children == (object, key)
#   call, new                 children == (callee, *arguments); keys name each
#                             argument: None for positional, a keyword name, or
#                             "*" / "**" / "..." for splats and spreads
#   object                    children are the values; keys the property names
#                             (None for a spread)
#   array                     children are the items
#   binop                     value is the operator; children == (left, right)
#   unary                     value is the operator; children == (operand,)
#   await                     children == (operand,)
#   cond                      children == (test, consequent, alternative)
#   func                      value is the function index in the same file
#   spread                    children == (operand,)
#   unknown                   nothing but the source text
VALUE_KINDS = frozenset(
    "str num bool null template name member index call new object array binop "
    "unary await cond func spread unknown".split()
)


@dataclass(slots=True)
class Value:
    kind: str
    span: Span | None
    text: str = ""
    value: Any = None
    children: tuple[Value, ...] = ()
    keys: tuple[str | None, ...] = ()
    scope: int = -1

    # Accessors that make rules read like the code they check.
    @property
    def obj(self) -> Value | None:
        if self.kind in ("member", "index") and self.children:
            return self.children[0]
        return None

    @property
    def callee(self) -> Value | None:
        if self.kind in ("call", "new") and self.children:
            return self.children[0]
        return None

    @property
    def args(self) -> list[Value]:
        """Positional arguments of a call (spreads excluded)."""
        if self.kind not in ("call", "new"):
            return []
        pairs = zip(self.keys, self.children[1:])
        return [child for key, child in pairs if key is None]

    @property
    def kwargs(self) -> dict[str, Value]:
        if self.kind not in ("call", "new"):
            return {}
        pairs = zip(self.keys, self.children[1:])
        return {
            key: child for key, child in pairs if key and key not in ("*", "**", "...")
        }

    @property
    def splats(self) -> list[Value]:
        """``**kwargs`` and ``...args`` passed to a call."""
        if self.kind not in ("call", "new"):
            return []
        pairs = zip(self.keys, self.children[1:])
        return [child for key, child in pairs if key in ("*", "**", "...")]

    @property
    def method(self) -> str | None:
        """The called property name: ``track`` for ``cio.track(...)``."""
        callee = self.callee
        if callee is not None and callee.kind == "member":
            return callee.value
        if callee is not None and callee.kind == "name":
            return callee.value
        return None

    def entries(self) -> Iterator[tuple[str | None, Value]]:
        if self.kind == "object":
            yield from zip(self.keys, self.children)

    def get(self, key: str) -> Value | None:
        """Return the value of property ``key`` of an object literal."""
        found = None
        for name, child in self.entries():
            if name == key:
                found = child
        return found

    def walk(self) -> Iterator[Value]:
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @property
    def dotted(self) -> str | None:
        """``a.b.c`` for a chain of names and members, else None."""
        parts = []
        node: Value | None = self
        while node is not None:
            if node.kind == "name":
                parts.append(node.value)
                return ".".join(reversed(parts))
            if node.kind == "member":
                parts.append(node.value)
                node = node.obj
                continue
            return None
        return None

    @property
    def last_name(self) -> str | None:
        """The final identifier: ``email`` for ``user.email`` or ``row["email"]``."""
        if self.kind == "name":
            return self.value
        if self.kind == "member":
            return self.value
        return None

    def __repr__(self) -> str:  # keeps test failure output short
        return f"Value({self.kind}, {self.text!r})"

    def __reduce__(self):
        return (Value, (self.kind, self.span, self.text, self.value, self.children, self.keys,
                        self.scope))


@dataclass(slots=True)
class Import:
    local: str
    source: str
    imported: str  # a name, "default", "*" (namespace or whole module)
    span: Span
    function: int = 0  # function index where the import runs; 0 is module scope
    kind: str = "esm"  # esm, require, python


@dataclass(slots=True)
class Reexport:
    source: str
    imported: str  # name, or "*" for export * from
    exported: str
    span: Span


@dataclass(slots=True)
class Assign:
    name: str
    value: Value
    span: Span
    key: str | None = None  # set for ``x["k"] = v`` and ``x.k = v``
    augmented: str | None = None  # operator of ``x ??= v``, ``x ||= v``
    guarded: bool = False  # inside ``if (!x)`` / ``if x is None``


@dataclass(slots=True)
class Param:
    name: str
    index: int
    kind: str = "positional"  # positional, rest, kwargs, keyword_only, pattern
    annotation: str = ""
    default: Value | None = None
    fields: tuple[str, ...] = ()  # names bound by an object pattern parameter


@dataclass(slots=True)
class Handler:
    framework: str  # express, nextjs-pages, nextjs-app, flask, fastapi, ...
    span: Span  # route registration or function definition, where CIO015 points
    route: str = ""
    method: str = ""
    serverless: bool = False


@dataclass(slots=True)
class Function:
    index: int
    name: str
    kind: str  # module, function, method, arrow, lambda, class_body
    span: Span
    parent: int = -1
    class_name: str = ""
    params: list[Param] = field(default_factory=list)
    is_async: bool = False
    decorators: list[Value] = field(default_factory=list)
    assigns: dict[str, list[Assign]] = field(default_factory=dict)
    # Set when this function is passed as an argument: the call id and the
    # argument position, so rules can see ``items.map(fn)`` or
    # ``limiter.schedule(fn)`` around the calls inside it.
    passed_to: int = -1
    passed_at: int = -1
    returns: list[Value] = field(default_factory=list)
    handler: Handler | None = None
    context: str = ""  # task, worker, script, test, main ("" when unknown)
    exported: bool = False
    member_reads: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    status_codes: list[tuple[int, Span, bool]] = field(default_factory=list)
    comparisons: list[Value] = field(default_factory=list)
    memoized: bool = False  # functools.cache / lru_cache on the function


@dataclass(slots=True)
class Loop:
    index: int
    kind: str  # for, for_of, for_in, while, comprehension, callback
    span: Span
    function: int
    iterable: Value | None = None
    parent: int = -1
    body_calls: list[str] = field(default_factory=list)
    # For callback loops (``items.map(fn)``): the id of the call that iterates.
    call: int = -1


@dataclass(slots=True)
class Call:
    id: int
    value: Value  # kind "call" or "new"
    span: Span
    function: int
    loops: tuple[int, ...] = ()  # innermost last
    awaited: bool = False
    returned: bool = False  # returned, or the body of an expression arrow
    discarded: bool = False  # an expression statement whose result is unused
    voided: bool = False
    in_try: bool = False
    catches: bool = False  # .catch(...) or .then(_, onRejected) in its chain
    finally_only: bool = False  # .finally(...) without a rejection handler
    then_only: bool = False  # .then(onFulfilled) without a rejection handler
    parent_call: int = -1  # call whose argument this call (or its chain) is
    parent_arg: int = -1
    assigned_to: str | None = None
    chain_span: Span | None = None  # the whole ``x.track().then().catch()``


@dataclass(slots=True)
class ClassFact:
    name: str
    span: Span
    function: int  # function index of the class body pseudo-scope
    bases: list[str] = field(default_factory=list)
    methods: dict[str, int] = field(default_factory=dict)
    fields: dict[str, list[Assign]] = field(default_factory=dict)
    decorators: list[Value] = field(default_factory=list)
    exported: bool = False


@dataclass(slots=True)
class Comment:
    """One comment of a source file, as written, with its delimiters."""

    span: Span
    text: str
    # Nothing but whitespace before it on its first line and after it on
    # its last line.
    own_line: bool = False
    # For a comment on its own line: the first and last lines of the syntax
    # node that follows it (a statement, argument or property), or None when
    # nothing follows before the end of the file.
    next_lines: tuple[int, int] | None = None

    @property
    def line(self) -> int:
        return self.span.line


@dataclass(slots=True)
class FileFacts:
    path: str  # relative to the project root, with "/" separators
    language: str  # javascript, typescript, python
    imports: list[Import] = field(default_factory=list)
    reexports: list[Reexport] = field(default_factory=list)
    exports: dict[str, Value] = field(default_factory=dict)
    functions: list[Function] = field(default_factory=list)
    classes: list[ClassFact] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    env_names: set[str] = field(default_factory=set)
    comments: list[Comment] = field(default_factory=list)
    directives: set[str] = field(default_factory=set)  # "use server", ...
    # Route handlers this file names by a reference it cannot resolve itself
    # (an imported function, ``controller.signup``); the project links them.
    handler_refs: list[tuple[Value, Handler]] = field(default_factory=list)
    has_errors: bool = False
    error_line: int = -1  # first line (0-based) with a syntax error, -1 when none
    line_count: int = 0
    # SHA-256 of the bytes these facts were extracted from, in hex. Fixes
    # are applied only while the file still has these bytes.
    digest: str = ""

    @property
    def module(self) -> Function:
        return self.functions[0]


# Findings -----------------------------------------------------------------

SEVERITIES = ("error", "warning", "info")
CONFIDENCES = ("high", "medium", "low")


@dataclass(slots=True)
class Edit:
    span: Span
    content: str


@dataclass(slots=True)
class Fix:
    message: str
    edits: list[Edit]
    applicability: str = "safe"  # safe or unsafe


@dataclass(slots=True)
class Suppression:
    """An inline comment that silenced a finding."""

    line: int  # zero-based line of the comment
    scope: str  # "line", "next-statement" or "file"
    reason: str = ""  # the text after "--", empty when none was given


@dataclass(slots=True)
class Finding:
    rule: str
    name: str
    severity: str
    confidence: str
    message: str
    hint: str
    span: Span
    fix: Fix | None = None
    # Secrets that must never appear in any output of this finding.
    secrets: tuple[str, ...] = ()
    # The comment that silenced this finding, set only on suppressed findings.
    suppression: Suppression | None = None
    # "project" for a finding about the whole project that is placed at a
    # representative call; a baseline then matches it by rule alone.
    scope: str = ""

    @property
    def sort_key(self) -> tuple:
        s = self.span
        return (s.path, s.line, s.col, self.rule, s.end_line, s.end_col, self.message)


@dataclass(slots=True)
class FileError:
    path: str
    message: str
    # True for a file with syntax errors that was checked where it parses.
    partial: bool = False


@dataclass
class RunResult:
    findings: list[Finding]
    errors: list[FileError]
    files_scanned: int
    files_parsed: int
    duration_s: float
    suppressed: int = 0
    baseline_matched: int = 0
    fixes_applied: int = 0  # by --fix, before the scan that produced this result
    suppressed_findings: list[Finding] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
