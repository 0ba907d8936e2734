"""Helpers shared by the language extractors: positions, text and languages."""

from __future__ import annotations

import re
from functools import lru_cache

from tree_sitter import Language, Node, Parser

from ..model import MAX_TEXT, Span

EXTENSIONS = {
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".py": "python",
}

TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|__mocks__|spec|e2e|fixtures?)(/|$)"
    r"|\.(test|spec)\.[cm]?[jt]sx?$|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$"
)


def is_test_path(path: str) -> bool:
    return bool(TEST_PATH.search(path))


@lru_cache(maxsize=None)
def language(name: str) -> Language:
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
    return Parser(language(name))


class Positions:
    """Convert tree-sitter byte positions to code-point spans for one file."""

    def __init__(self, source: bytes, path: str):
        self.path = path
        self.lines = source.split(b"\n")

    def column(self, row: int, byte_col: int) -> int:
        if row >= len(self.lines):
            return byte_col
        line = self.lines[row]
        if line.isascii():
            return byte_col
        return len(line[:byte_col].decode("utf-8", "replace"))

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


def node_text(node: Node, limit: int = MAX_TEXT) -> str:
    raw = node.text or b""
    if len(raw) > limit:
        raw = raw[:limit]
        return raw.decode("utf-8", "replace") + "…"
    return raw.decode("utf-8", "replace")


def has_errors(node: Node) -> bool:
    return node.has_error


ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")


def looks_like_env_name(text: str) -> bool:
    return bool(ENV_NAME.match(text)) and "_" in text
