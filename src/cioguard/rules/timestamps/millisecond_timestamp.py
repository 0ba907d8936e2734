"""CIO002 millisecond-timestamp."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from ...model import Edit, Finding, Fix, Value
from ...values import DATE, FINER, ISO, MICROS, MS, NANOS, UNIT_NAMES, Unit, time_unit
from ..base import Rule
from ..helpers import code, describe_origin, in_wrapper_body, object_entries

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

TIMESTAMP_SLOTS = ("timestamp", "send_at")
OBJECT_SLOTS = ("attributes", "data")
MAX_NESTING = 3
# Every unit but seconds.
FLAGGED_UNITS = (MS, MICROS, NANOS, FINER, DATE, ISO)


class MillisecondTimestamp(Rule):
    """Finds times sent to the Track or App API in milliseconds or as dates.

    ## What it does
    Flags a value that is not in Unix seconds where Customer.io expects a
    time: any attribute or event-data value, the event `timestamp`,
    `created_at` and a transactional `send_at`. Millisecond sources are
    `Date.now()`, `getTime()`, `+new Date()`, `Date.parse()`, `Date.UTC()`,
    moment/dayjs `valueOf()`, luxon `toMillis()`, Python
    `time.time() * 1000` and `time.time_ns()`, and integer literals between
    1e12 and 4e12. In Node payloads a `Date` object or `toISOString()` is a
    string, not seconds. Local variables are followed.

    ## Why it matters
    The Track and App APIs take integer Unix seconds. Milliseconds and date
    strings are accepted without an error, but they never match date
    segments or time-based campaign filters, and an invalid event
    `timestamp` is replaced by the time the event arrived. The Python SDK
    converts top-level `datetime` values itself; the Node SDK converts
    nothing.

    ## Example
    ```js
    await cio.identify(user.id, { last_seen_at: Date.now() });
    ```
    ```python
    cio.track(user.id, "order_placed", data={"placed_at": int(time.time() * 1000)})
    ```

    ## Use instead
    ```js
    await cio.identify(user.id, { last_seen_at: Math.floor(Date.now() / 1000) });
    ```
    ```python
    cio.track(user.id, "order_placed", data={"placed_at": int(time.time())})
    ```

    ## Fix safety
    The fix divides a millisecond value by 1000 and rounds it down, or
    converts a `Date` object with `getTime()`. It is safe: the field was
    unusable for segments before. Date strings get no automatic fix.

    ## Known problems
    A value whose unit cannot be seen in the code (a database column, a
    function result) is not reported.

    ## References
    - https://docs.customer.io/integrations/api/track/
    """

    code = "CIO002"
    name = "millisecond-timestamp"
    severity = "error"
    summary = "Time sent in milliseconds or as a date where Customer.io expects Unix seconds"

    def check(self, project: Project) -> Iterable[Finding]:
        seen = set()
        for call in project.calls():
            if call.api == "pipelines" or call.op in ("lookup", "request"):
                continue
            for label, value in self._time_values(call, project):
                if value.span is None or value.span in seen or in_wrapper_body(call, value):
                    continue
                unit = time_unit(value, project.resolver, call.language)
                if unit is None or unit.unit not in FLAGGED_UNITS:
                    continue
                seen.add(value.span)
                yield self._finding(call, label, value, unit, project)

    def _time_values(self, call: CioCall, project: Project) -> Iterator[tuple[str, Value]]:
        for slot in TIMESTAMP_SLOTS:
            value = call.slots.get(slot)
            if value is not None:
                yield slot, value
        for slot in OBJECT_SLOTS:
            if call.op == "send_email" and slot == "data":
                continue
            yield from self._nested(call.slots.get(slot), project, 0)

    def _nested(self, value: Value | None, project: Project, depth: int):
        for key, child in object_entries(value, project):
            if key is None:
                continue
            if child.kind == "object" and depth < MAX_NESTING:
                yield from self._nested(child, project, depth + 1)
            else:
                yield key, child

    def _finding(self, call: CioCall, label: str, value: Value, unit: Unit,
                 project: Project) -> Finding:
        origin = describe_origin(value, unit.source)
        sent = {**UNIT_NAMES, FINER: "a unit finer than seconds", DATE: "a Date object",
                ISO: "a date string"}[unit.unit]
        message = f"{code(value.text)} sends {sent} as `{label}`{origin}"
        hint = self._hint(call, value, unit)
        return self.report(value.span, message, hint, fix=self._fix(call, value, unit, project),
                           confidence="medium" if unit.unit in (DATE, ISO) else "high")

    @staticmethod
    def _hint(call: CioCall, value: Value, unit: Unit) -> str:
        if call.language == "python":
            return "Send Unix seconds, such as `int(time.time())` or `int(dt.timestamp())`"
        if unit.unit in (DATE, ISO):
            return "Send Unix seconds, such as `Math.floor(date.getTime() / 1000)`"
        return "Send Unix seconds, such as `Math.floor(Date.now() / 1000)`"

    def _fix(self, call: CioCall, value: Value, unit: Unit, project: Project) -> Fix | None:
        text = project.source_text(value.span)
        if text is None or "\n" in text:
            return None
        if call.language == "python":
            if unit.unit != MS:
                return None
            content = f"int({text} / 1000)"
        elif unit.unit == MS:
            if value.kind == "call" and value.method == "valueOf" and value.callee is not None:
                receiver = project.source_text(value.callee.obj.span) if value.callee.obj else None
                content = f"{receiver}.unix()" if receiver and "\n" not in receiver else None
                if content is None:
                    return None
            else:
                content = f"Math.floor({text} / 1000)"
        elif unit.unit == DATE:
            content = f"Math.floor({text}.getTime() / 1000)"
        else:
            return None
        return Fix("Convert to Unix seconds", [Edit(value.span, content)], "safe")
