"""CIO019 event-id-reuse."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Value
from ...values import constant_strings, email_reason, unwrap_identity
from ..base import Rule
from ..helpers import code, describe_origin, in_wrapper_body
from .flows import expression_key, person_value, split_words

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

EVENT_OPS = ("track", "track_anonymous")
ID_WORDS = {"id", "pk", "uuid", "guid"}
# Owners whose id names a person: one person has many events, so the id repeats.
PERSON_WORDS = {
    "user",
    "users",
    "account",
    "customer",
    "member",
    "person",
    "profile",
    "subscriber",
    "owner",
    "contact",
    "viewer",
    "recipient",
    "visitor",
    "lead",
    "player",
    "patient",
    "student",
}
# Events that happen once for the thing they are about: ``account_created``.
ONCE_VERBS = (
    "created",
    "signedup",
    "registered",
    "deleted",
    "closed",
    "verified",
    "activated",
    "onboarded",
)
MAX_DEPTH = 4


@dataclass(slots=True)
class Repeat:
    """A reason that an event id repeats, with the expression that decided it."""

    explanation: str  # the message after the id: "is the person id, ..."
    source: Value
    confidence: str = "high"


class EventIdReuse(Rule):
    """Finds event ids that repeat, so Customer.io drops the later events.

    ## What it does
    Flags the top-level `id` of an event when its value repeats from one
    event to the next. That `id` is Node `track(id, {name, id})`, Python
    `track(..., id=...)` in customerio 3, or the `id` of a Track v2 event.
    Repeating values are the call's person id, the event name, an email
    address, a person's id (`user.id`, `req.user.id`, `current_user.id`,
    `userId`, `account_id`) and constants. An `id` inside the event data
    is not the event id and is left alone, and so are fresh ids (`ulid()`,
    `uuid4()`, `randomUUID()`) and ids of the thing the event is about,
    such as `order.id` on `order_placed`.

    ## Why it matters
    Customer.io uses the event `id` to deduplicate: an event whose `id` it
    has already seen is dropped. With the person's id or email as the event
    id, only the first event of that person is kept, and with a constant
    only the first event of the whole workspace. Campaigns that those
    events trigger never run, and no error is returned.

    ## Example
    ```js
    await cio.track(req.user.id, { name: 'order_placed', id: req.user.id });
    ```
    ```python
    cio.track(current_user.id, "report_scheduled", id=current_user.email)
    ```

    ## Use instead
    ```js
    await cio.track(req.user.id, { name: 'order_placed', id: ulid() });
    ```
    ```python
    cio.track(current_user.id, "report_scheduled", id=str(ulid.new()))
    ```
    Leave `id` out when retries cannot send the same event twice.

    ## Known problems
    An id that a function returns, or that comes through a parameter the
    scanner cannot follow, is not checked. Track API calls only: a Data
    Pipelines `messageId` is not checked. Ids of other things
    (`order.id`) are assumed to belong to an event that happens once for
    that thing.

    ## References
    - https://docs.customer.io/integrations/api/track/
    """

    code = "CIO019"
    name = "event-id-reuse"
    severity = "error"
    summary = "Event id repeats across events, so later events are dropped"

    def check(self, project: Project) -> Iterable[Finding]:
        flagged: set[int] = set()
        reported = set()
        for call in sorted(self._event_calls(project), key=lambda c: c.depth):
            if any(id(inner) in flagged for inner in call.chain()[1:]):
                continue
            value = call.slots["event_id"]
            if value.span is None or in_wrapper_body(call, value):
                continue
            repeat = repeat_reason(value, call, project)
            if repeat is None:
                continue
            flagged.add(id(call))
            if value.span in reported:
                continue
            reported.add(value.span)
            origin = describe_origin(value, repeat.source)
            yield self.report(
                value.span,
                f"event id {code(_short(value.text))} {repeat.explanation}{origin}",
                "Generate a new id for each event, such as `ulid()` or `uuid4()`, "
                "or drop `id`",
                confidence=repeat.confidence,
            )

    @staticmethod
    def _event_calls(project: Project) -> list[CioCall]:
        calls = []
        # TODO: Data Pipelines `messageId` may also be a deduplication key; it is
        # not checked until that behaviour is confirmed in Customer.io's docs.
        for call in project.calls(api="track", op=EVENT_OPS):
            if "event_id" not in call.slots:
                continue
            if (
                call.language == "python"
                and call.raw is None
                and _python_sdk_major(call, project) == 2
            ):
                # customerio 2.x sends ``id=`` as event data, not as the event id.
                continue
            calls.append(call)
        return calls


def repeat_reason(
    value: Value, call: CioCall, project: Project, depth: int = 0
) -> Repeat | None:
    """Return why an event id value is the same for many events, or None."""
    if depth > MAX_DEPTH:
        return None
    value = unwrap_identity(value)

    if value.kind in ("str", "num") or (
        value.kind == "template"
        and constant_strings(value, project.resolver) is not None
    ):
        return Repeat("is a constant, so only the first event is kept", value)
    if value.kind in ("name", "member"):
        found = _resolved_reason(value, call, project, depth)
        if found is not None:
            return found

    person = person_value(call) or call.slots.get("anonymous_id")
    if person is not None and expression_key(value, project) == expression_key(
        person, project
    ):
        return Repeat("is the person id, which repeats across events", value)
    name = call.slots.get("event_name")
    if name is not None and expression_key(value, project) == expression_key(
        name, project
    ):
        return Repeat("is the event name, which repeats across events", value)

    if email_reason(value, project.resolver) is not None:
        return Repeat("is an email address, which repeats across events", value)
    owner = _person_owner(value)
    if owner is not None and not _once_for(owner, call, project):
        return Repeat(
            f"is the {owner}'s id, which repeats across events", value, "medium"
        )
    if value.kind == "template":
        return _template_reason(value, call, project, depth)
    return None


def _template_reason(
    value: Value, call: CioCall, project: Project, depth: int
) -> Repeat | None:
    """Report a template when every part that varies is itself a repeating value."""
    varying = [
        part
        for part in value.children
        if constant_strings(part, project.resolver) is None
    ]
    reasons = [repeat_reason(part, call, project, depth + 1) for part in varying]
    if varying and all(reasons):
        return Repeat(
            f"is built from `{_short(varying[0].text)}`, which repeats across events",
            value,
            "medium",
        )
    return None


def _resolved_reason(
    value: Value, call: CioCall, project: Project, depth: int
) -> Repeat | None:
    """Return the reason for the value that a local variable or constant contains."""
    resolved = [v for v in project.values_of(value) if v is not value]
    if len(resolved) != 1 or resolved[0].span is None:
        return None
    found = repeat_reason(resolved[0], call, project, depth + 1)
    if found is None:
        return None
    return Repeat(found.explanation, resolved[0], found.confidence)


def _person_owner(value: Value) -> str | None:
    """Return the person a value is the id of: ``user`` for ``req.user.id``.

    Also ``user`` for ``userId`` and ``account`` for ``change.account_id``.
    """
    if value.kind not in ("name", "member", "index"):
        return None
    name = _last_segment(value)
    if name is None:
        return None
    words = split_words(name)
    if not words or words[-1] not in ID_WORDS:
        return None
    owners = [word for word in words[:-1] if word in PERSON_WORDS]
    if not owners and len(words) == 1 and value.kind in ("member", "index"):
        parent = _last_segment(value.children[0])
        owners = [word for word in split_words(parent or "") if word in PERSON_WORDS]
    return owners[-1] if owners else None


def _once_for(owner: str, call: CioCall, project: Project) -> bool:
    """Return True when the event happens once for the owner of its id.

    ``account.id`` on ``account_created`` is such an id.
    """
    names = constant_strings(call.slots.get("event_name"), project.resolver) or []
    for name in names:
        words = set(split_words(name))
        squashed = "".join(split_words(name))
        if owner in words and any(verb in squashed for verb in ONCE_VERBS):
            return True
    return False


def _last_segment(value: Value) -> str | None:
    if value.kind in ("name", "member"):
        return str(value.value)
    if (
        value.kind == "index"
        and len(value.children) > 1
        and value.children[1].kind == "str"
    ):
        return value.children[1].value
    return None


def _short(text: str) -> str:
    """Shorten source text for a message, keeping a template literal's closing backtick."""
    text = re.sub(r"\s+", " ", text)
    if len(text) <= 40:
        return text
    closing = "`" if text.startswith("`") else ""
    return text[:37] + "..." + closing


def _python_sdk_major(call: CioCall, project: Project) -> int | None:
    installed = project.manifests.version("customerio", call.file.path, "python")
    return installed.major if installed is not None else None
