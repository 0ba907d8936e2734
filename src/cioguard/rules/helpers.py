"""Small helpers that several rules share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Span, Value

if TYPE_CHECKING:
    from ..calls import CioCall
    from ..project import Project

TRACK_OPS = ("track", "track_anonymous")
PERSON_OPS = ("identify", "track", "suppress", "unsuppress", "delete", "add_device",
              "delete_device", "page")


def in_wrapper_body(call: CioCall, value: Value) -> bool:
    """Whether a derived call's value was written inside a wrapper, not at the call site.

    Such values are checked once, on the direct call inside the wrapper.
    """
    if call.is_direct or value.span is None:
        return False
    node = call
    while node.inner is not None:
        wrapper = node.wrapper
        if wrapper is not None and wrapper.span.contains(value.span):
            return True
        node = node.inner
    return False


def slot_values(calls: list[CioCall], slot: str) -> Iterator[tuple[CioCall, Value]]:
    """Yield each distinct value in ``slot`` once, with the first call that carries it.

    Values that a derived call inherits unchanged from the wrapper body are
    skipped, because the direct call inside the wrapper carries them.
    """
    seen: set[Span] = set()
    for call in calls:
        value = call.slots.get(slot)
        if value is None or value.span is None:
            continue
        if in_wrapper_body(call, value):
            continue
        if value.span in seen:
            continue
        seen.add(value.span)
        yield call, value


def object_entries(value: Value | None, project: Project, depth: int = 0
                   ) -> Iterator[tuple[str | None, Value]]:
    """Entries of an object literal, following variables and spreads of known objects."""
    if value is None or depth > 4:
        return
    literal = value if value.kind == "object" else None
    if literal is None:
        for resolved in project.values_of(value):
            if resolved.kind == "object":
                literal = resolved
                break
    if literal is None:
        return
    for key, child in literal.entries():
        if key is None:
            yield from object_entries(child, project, depth + 1)
        else:
            yield key, child


def describe_origin(slot_value: Value, source: Value) -> str:
    """Return ``" (built on line 12)"`` when the value reaches the slot through a variable."""
    where = origin_location(slot_value, source)
    return f" (built {where})" if where else ""


def origin_location(slot_value: Value, source: Value) -> str | None:
    """Return where ``source`` is written, as "on line 12" or "in PATH line 12".

    Returns None when the source is part of the slot's own expression.
    """
    if source.span is None or slot_value.span is None:
        return None
    if slot_value.span.contains(source.span):
        return None
    if source.span.path != slot_value.span.path:
        return f"in {source.span.path} line {source.span.line + 1}"
    return f"on line {source.span.line + 1}"


def code(text: str) -> str:
    """Quote source text for a message: in backticks, unless it brings its own.

    A JS template literal already starts and ends with a backtick, so it is
    shown as written instead of as a doubled backtick.
    """
    if len(text) >= 2 and text[0] == "`" and text[-1] == "`":
        return text
    return f"`{text}`"


def first_in_path_order(calls: list[CioCall]) -> CioCall | None:
    if not calls:
        return None
    return min(calls, key=lambda c: (c.span.path, c.span.line, c.span.col))
