"""Helpers shared by the language extractors: positions, text and languages."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Query

# tree_sitter is imported where trees are built, so that a scan served
# from the cache, which parses nothing, does not load it.

from ..model import MAX_TEXT, Comment, Span, Value

EXTENSIONS = {
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".vue": "vue",
    ".svelte": "svelte",
    ".py": "python",
}
# Single-file components whose <script> blocks are parsed as JS or TS.
COMPONENT_LANGUAGES = frozenset({"vue", "svelte"})

TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|__mocks__|spec|e2e|fixtures?)(/|$)"
    r"|\.(test|spec)\.[cm]?[jt]sx?$|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$"
)


def is_test_path(path: str) -> bool:
    return bool(TEST_PATH.search(path))


@lru_cache(maxsize=None)
def language(name: str) -> Language:
    from tree_sitter import Language

    if name == "javascript":
        import tree_sitter_javascript as grammar

        return Language(grammar.language())
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript as grammar

        if name == "tsx":
            return Language(grammar.language_tsx())
        return Language(grammar.language_typescript())
    if name == "python":
        import tree_sitter_python as grammar

        return Language(grammar.language())
    raise ValueError(f"unsupported language {name!r}")


@lru_cache(maxsize=None)
def parser(name: str) -> Parser:
    from tree_sitter import Parser

    return Parser(language(name))


MULTIBYTE_CHAR = re.compile(rb"[\xc0-\xff][\x80-\xbf]*")


class Positions:
    """Convert tree-sitter byte positions to code-point spans for one file.

    For a line with non-ASCII text, the byte offsets where multi-byte
    characters end are indexed once, so each conversion is a binary search
    instead of decoding the line prefix (which made long minified lines
    quadratic).
    """

    def __init__(self, source: bytes, path: str):
        self.path = path
        self.lines = source.split(b"\n")
        self.index: dict[int, tuple[list[int], list[int]] | None] = {}

    def column(self, row: int, byte_col: int) -> int:
        if row >= len(self.lines):
            return byte_col
        index = self.index.get(row, False)
        if index is False:
            index = self._index_line(row)
        if index is None:
            return byte_col
        ends, extra = index
        position = bisect.bisect_right(ends, byte_col)
        return byte_col - (extra[position - 1] if position else 0)

    def _index_line(self, row: int) -> tuple[list[int], list[int]] | None:
        line = self.lines[row]
        if line.isascii():
            self.index[row] = None
            return None
        ends: list[int] = []
        extra: list[int] = []
        total = 0
        for match in MULTIBYTE_CHAR.finditer(line):
            total += match.end() - match.start() - 1
            ends.append(match.end())
            extra.append(total)
        self.index[row] = (ends, extra)
        return self.index[row]

    def span(self, node: Node) -> Span:
        start_row, start_col = node.start_point
        end_row, end_col = node.end_point
        return Span(
            self.path,
            start_row,
            self.column(start_row, start_col),
            end_row,
            self.column(end_row, end_col),
        )


class ValueCache:
    """One ``Value`` per (node, scope), shared by extractors.

    Sharing keeps nested calls from being converted again, and pickle then
    stores a shared Value once. A value built deeper in a tree may have been
    cut off by the depth limit, so it is reused only at the same depth or
    deeper. Subclasses implement ``_convert``.
    """

    def __init__(self) -> None:
        self.values: dict[tuple[int, int], tuple[Value, int]] = {}

    def cached_value(self, node: Node, scope: int, depth: int) -> Value:
        key = (node.id, scope)
        cached = self.values.get(key)
        if cached is not None and cached[1] <= depth:
            return cached[0]
        result = self._convert(node, scope, depth)
        self.values[key] = (result, depth)
        return result

    def _convert(self, node: Node, scope: int, depth: int) -> Value:
        raise NotImplementedError


def node_text(node: Node, limit: int = MAX_TEXT) -> str:
    raw = node.text or b""
    if len(raw) > limit:
        raw = raw[:limit]
        return raw.decode("utf-8", "replace") + "…"
    return raw.decode("utf-8", "replace")


def first_error_line(root: Node) -> int:
    """Return the 0-based line of the first ERROR or MISSING node, or -1 without one."""
    if not root.has_error:
        return -1
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node.start_point[0]
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            return node.start_point[0]
        node = child


ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")


def looks_like_env_name(text: str) -> bool:
    return bool(ENV_NAME.match(text)) and "_" in text


# Nodes that only group statements. A comment followed by one of these
# belongs to its first statement, not to the whole group.
STATEMENT_GROUPS = frozenset(
    {"block", "module", "program", "statement_block", "class_body", "switch_body"}
)


@lru_cache(maxsize=None)
def _comment_query(name: str) -> Query:
    from tree_sitter import Query

    return Query(language(name), "(comment) @comment")


def collect_comments(root: Node, source: bytes, language_name: str,
                     positions: Positions) -> list[Comment]:
    """Return every comment in the tree, in source order.

    Extractors call this once per file because their walks skip comments
    inside argument lists and other places they do not descend into.
    """
    from tree_sitter import QueryCursor

    captured = QueryCursor(_comment_query(language_name)).captures(root)
    nodes = sorted(captured.get("comment", []), key=lambda node: node.start_byte)
    comments = []
    for node in nodes:
        own_line = _alone_on_line(node, source)
        comments.append(Comment(
            positions.span(node),
            node.text.decode("utf-8", "replace"),
            own_line,
            _following_lines(node) if own_line else None,
        ))
    return comments


def _alone_on_line(node: Node, source: bytes) -> bool:
    line_start = source.rfind(b"\n", 0, node.start_byte) + 1
    line_end = source.find(b"\n", node.end_byte)
    if line_end < 0:
        line_end = len(source)
    before = source[line_start:node.start_byte]
    after = source[node.end_byte:line_end]
    return not before.strip() and not after.strip()


def _following_lines(comment: Node) -> tuple[int, int] | None:
    """Return the first and last lines of the node that follows a comment.

    That is the comment's next sibling other than a comment, or, for a
    comment that ends its group (a Python comment before a dedent), the next
    sibling of the closest ancestor that has one.
    """
    current: Node | None = comment
    following = None
    while current is not None and following is None:
        following = current.next_sibling
        while following is not None and following.type == "comment":
            following = following.next_sibling
        current = current.parent
    if following is None:
        return None

    while following.type in STATEMENT_GROUPS:
        first = next((child for child in following.named_children
                      if child.type != "comment"), None)
        if first is None:
            break
        following = first
    first_line, (last_line, last_column) = following.start_point[0], following.end_point
    if last_column == 0 and last_line > first_line:
        last_line -= 1  # the node ends with its line break
    return first_line, last_line
