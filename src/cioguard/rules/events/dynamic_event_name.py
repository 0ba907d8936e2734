"""CIO006 dynamic-event-name."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Span, Value
from ...values import Dynamic, dynamic_name, last_name
from ..base import Rule
from ..helpers import code, describe_origin, in_wrapper_body, origin_location
from . import event_calls
from .inconsistent_event_name import convert, event_name_styles

if TYPE_CHECKING:
    from ...project import Project


class DynamicEventName(Rule):
    """Finds event names built at run time from variable data.

    ## What it does
    Flags an event name built from run-time data. The event name is the
    Node `track(id, {name})`, Python `track(id, name)`, Pipelines `event`,
    `_cio.track(name)` or the `name` of a raw events request. Run-time data
    is a template literal or f-string with substitutions, `+`
    concatenation, `.format()`, `%`, `join()`, a local variable assigned
    from one of these, or a value taken straight from request input
    (`req.body.event`, `request.json["name"]`, route parameters). A name
    that only joins an environment or deploy prefix to a constant
    (`${ENV}_signed_up`) is bounded and reported at `info` severity.

    ## Why it matters
    Every distinct name becomes a separate event in the workspace. Names
    built from ids, plans or user input grow without bound, cannot be used
    as campaign triggers, and make the activity log and the event picker
    unusable. Request input also lets any client create event names.

    ## Example
    ```js
    await cio.track(user.id, { name: `${req.params.feature}_used` });
    ```
    ```python
    cio.track(user.id, f"{kind}_report_exported")
    ```

    ## Use instead
    ```js
    await cio.track(user.id, { name: 'feature_used', data: { feature: req.params.feature } });
    ```
    ```python
    cio.track(user.id, "report_exported", data={"kind": kind})
    ```

    ## Options
    `report-prefixed-event-names` (default true): report names that only add
    an environment prefix to a constant, at `info` severity.

    `event-name-style`: the style of the fixed name that the hint suggests,
    as CIO010 checks it.

    ## Known problems
    A name returned by a function or read from an object whose contents
    are not visible is not reported.
    """

    code = "CIO006"
    name = "dynamic-event-name"
    severity = "error"
    summary = "Event name built at run time from variable data"

    def check(self, project: Project) -> Iterable[Finding]:
        report_prefixed = getattr(self.settings, "report_prefixed_event_names", True)
        styles = event_name_styles(self.settings)
        reported: set[Span] = set()
        for call in event_calls(project.calls()):
            value = call.slots["event_name"]
            if value.span is None:
                continue
            dynamic = dynamic_name(value, project.resolver)
            if dynamic is None or (dynamic.bounded and not report_prefixed):
                continue
            # A bare parameter of a wrapper is decided at the wrapper's call
            # sites, where the substituted value shows what callers pass.
            dynamic.parts = [p for p in dynamic.parts if not _is_deferred_param(p, project)]
            if not dynamic.parts:
                continue
            target = value
            if in_wrapper_body(call, value):
                outside = [p for p in dynamic.parts if not in_wrapper_body(call, p)]
                if not outside:
                    continue  # the call inside the wrapper reports it
                target = outside[0]
            if target.span in reported:
                continue
            reported.add(target.span)
            style = styles.get("pipelines" if call.api == "pipelines" else "track", "snake_case")
            yield self._finding(target, dynamic, style)

    def _finding(self, value: Value, dynamic: Dynamic, style: str) -> Finding:
        message = self._message(value, dynamic)
        hint = self._hint(dynamic, style)
        if dynamic.bounded:
            return self.report(value.span, message, hint, severity="info", confidence="medium")
        return self.report(value.span, message, hint)

    @staticmethod
    def _message(value: Value, dynamic: Dynamic) -> str:
        parts = ", ".join(code(part.text) for part in dynamic.parts[:3])
        origin = describe_origin(value, dynamic.origin)
        location = origin_location(value, dynamic.origin)
        if dynamic.request_input and len(dynamic.parts) == 1 and dynamic.parts[0] is dynamic.origin:
            return f"event name is taken from request input {code(value.text)}{origin}"
        if location is not None and any(part is value for part in dynamic.parts):
            # A call site passes this value into a name that a wrapper builds.
            return f"{code(value.text)} goes into the event name built {location}"
        if dynamic.bounded:
            return (f"event name {code(value.text)} varies only by the environment prefix "
                    f"{parts}{origin}")
        return f"event name {code(value.text)} is built at run time from {parts}{origin}"

    @staticmethod
    def _hint(dynamic: Dynamic, style: str) -> str:
        if dynamic.bounded:
            return "Use one fixed name and send the environment as event data or a separate workspace"
        static = _static_name(dynamic.origin, style)
        moved = [last_name(part) or "value" for part in dynamic.parts[:2]]
        data = ", ".join(f"`{_snake(name)}`" for name in moved)
        if static:
            return f"Use a fixed name such as `{static}` and pass {data} in the event data"
        return f"Use a fixed event name and pass {data} in the event data"


def _static_name(origin: Value, style: str) -> str | None:
    """Join the literal parts of a built name into a name in the API's naming ``style``."""
    if origin.kind != "template" and not (origin.kind == "binop" and origin.value == "+"):
        return None
    pieces = []
    stack = [origin]
    while stack:
        node = stack.pop()
        if node.kind == "template" or (node.kind == "binop" and node.value == "+"):
            stack.extend(reversed(node.children))
        elif node.kind == "str":
            pieces.append(node.value)
    text = "".join(pieces)
    styled = convert(text, style)
    if styled:
        return styled
    # A name that starts with a digit has no style, so its words are joined as they are.
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    name = re.sub(r"_+", "_", name)
    return name or None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _is_deferred_param(value: Value, project: Project) -> bool:
    """A bare parameter of a function that is not a request handler.

    What callers pass decides whether such a name varies: the wrapper's
    call sites are checked with the argument in place of the parameter, and
    when no call site is visible nothing is reported. A request handler's
    parameters are route parameters, which are request input, and a task's
    parameters are whatever was queued.
    """
    if value.kind != "name":
        return False
    refs = project.resolver.resolve(value)
    if not refs or any(ref.kind != "param" for ref in refs):
        return False
    return all(ref.function is not None and ref.function.handler is None
               and ref.function.context not in ("task", "worker") for ref in refs)
