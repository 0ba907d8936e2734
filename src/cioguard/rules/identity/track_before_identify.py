"""CIO003 track-before-identify."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Value
from ...values import addresses_cio_id, unwrap_identity
from ..base import Rule
from ..helpers import first_in_path_order
from .flows import (
    SignupEvidence,
    call_label,
    flow_index,
    flow_key,
    group_by_flow,
    order_key,
    person_key,
    person_value,
    signup_event,
)

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project


class TrackBeforeIdentify(Rule):
    """Finds events tracked for a person before the person is identified.

    ## What it does
    Flags a track call when, in the same function, an identify for the same
    person id comes after it. Flags a track call in a signup flow when no
    identify for that id comes before it. A flow is one function body with
    the wrappers it calls. It is a signup flow when it creates a user
    (`users.insert`, `prisma.user.create`, `db.insert(users)`,
    `User.objects.create_user`, `session.add(User(...))`, `signUp`), or
    when it tracks an event named like `signed_up`, `registered` or
    `user_created`. Person ids compare by their text after locals are
    followed, so `user.id` matches `String(user.id)`. Once per project, it
    also flags the first track call (by path, then line) when nothing in
    the project calls identify.

    ## Why it matters
    A track call for an id that Customer.io does not know creates an empty
    profile with no email, which no email campaign can reach. A welcome
    series triggered by `signed_up` may not start for that person.

    ## Example
    ```js
    const user = await db.users.create({ email, name });
    await cio.track(user.id, { name: 'signed_up' });
    ```
    ```python
    cio.track(current_user.id, "trial_started")
    cio.identify(id=current_user.id, plan=current_user.plan)
    ```

    ## Use instead
    ```js
    const user = await db.users.create({ email, name });
    await cio.identify(user.id, { email: user.email, created_at: nowSeconds() });
    await cio.track(user.id, { name: 'signed_up' });
    ```
    ```python
    cio.identify(id=current_user.id, plan=current_user.plan)
    cio.track(current_user.id, "trial_started")
    ```
    Anonymous events and events for people who already exist (including ids
    written as `cio_<cio_id>`) are left alone.

    ## Known problems
    Ids that are written differently for the same person (`user.id` and
    `session.userId`) are treated as different people. An identify sent by
    another service, a queue or a framework signal is not seen. A helper
    that tracks a signup event for a person passed in is judged only at its
    call sites.

    ## References
    - https://docs.customer.io/journeys/identifying-people/
    """

    code = "CIO003"
    name = "track-before-identify"
    severity = "warning"
    summary = "Event tracked before the person is identified"

    def check(self, project: Project) -> Iterable[Finding]:
        calls = project.calls(op=("track", "identify"))
        flows = group_by_flow(calls)
        evidence = SignupEvidence(project)
        keys = {id(call): person_key(call, project) for call in calls}
        # Calls inside wrappers with call sites: the call sites show the signup flow.
        wrapped = {id(call.inner) for call in calls if call.inner is not None}
        flagged: set[int] = set()
        reported = set()
        tracks = sorted((c for c in calls if c.op == "track"), key=lambda c: c.depth)
        for track in tracks:
            if any(id(inner) in flagged for inner in track.chain()[1:]):
                continue
            finding = self._check_track(
                track, flows[flow_key(track)], evidence, keys, wrapped
            )
            if finding is None:
                continue
            flagged.add(id(track))
            if track.span not in reported:
                reported.add(track.span)
                yield finding
        finding = self._check_project(calls)
        if finding is not None and finding.span not in reported:
            yield finding

    def _check_track(
        self,
        track: CioCall,
        flow: list[CioCall],
        evidence: SignupEvidence,
        keys: dict[int, str | None],
        wrapped: set[int],
    ) -> Finding | None:
        key = keys[id(track)]
        if key is None:
            return None

        position = order_key(track)
        earlier, later = [], []
        for other in flow:
            if other.op != "identify" or keys[id(other)] != key:
                continue
            (earlier if order_key(other) < position else later).append(other)
        # A pair made at one wrapper call site was judged inside the wrapper.
        later = [other for other in later if other.call is not track.call]

        label = call_label(track)
        person = track.slots.get("person_id") or track.slots.get("identifiers")
        person_text = person.text if person is not None else key
        if later and not earlier:
            line = later[0].span.line + 1
            return self.report(
                track.span,
                f"`{label}` for `{person_text}` runs before its identify "
                f"on line {line}",
                "Move the identify call above this track call",
            )
        if earlier or id(track) in wrapped:
            return None
        person_id = person_value(track)
        if person_id is not None and addresses_cio_id(person_id, evidence.project.resolver):
            return None  # ``cio_<cio_id>`` names a person who already exists

        reason = self._signup_reason(track, flow, evidence)
        if reason is None:
            return None
        return self.report(
            track.span,
            f"`{label}` for `{person_text}` has no identify before it "
            "in this signup flow",
            "Identify the person with their email before this call "
            f"(the flow {reason})",
            confidence="medium",
        )

    @staticmethod
    def _signup_reason(
        track: CioCall, flow: list[CioCall], evidence: SignupEvidence
    ) -> str | None:
        """Return why the track's flow is a signup, or None.

        A helper that only tracks a signup event for a person its caller
        passes in is left to its callers, which may identify first.
        """
        created = evidence.creation(flow_key(track))
        if created is not None:
            return f"calls `{created}`"
        named = [call for call in flow if signup_event(call, evidence.project)]
        if not named or person_from_caller(track, evidence.project):
            return None
        return f"tracks `{named[0].slots['event_name'].text}`"

    def _check_project(self, calls: list[CioCall]) -> Finding | None:
        if any(call.op == "identify" for call in calls):
            return None
        first = first_in_path_order([call for call in calls if call.op == "track"])
        if first is None:
            return None
        return self.report(
            first.span,
            f"`{call_label(first)}` is called but nothing in the project "
            "calls identify",
            "Identify each person with their email before tracking events for them",
            confidence="medium",
            scope="project",
        )


ENTRY_CONTEXTS = ("task", "worker", "script", "main", "test")


def person_from_caller(call: CioCall, project: Project) -> bool:
    """Return True when the person id comes from a parameter of a helper function.

    Request handlers, tasks and scripts are entry points, so their
    parameters do not count.
    """
    file = call.file
    function = file.functions[flow_index(file, call.call.function)]
    if function.index == 0 or function.handler is not None:
        return False
    if function.context in ENTRY_CONTEXTS:
        return False
    params = set()
    for param in function.params:
        params.add(param.name)
        params.update(param.fields)
    value = person_value(call)
    for _ in range(4):
        root = _root_name(value)
        if root is None:
            return False
        if root.value in params:
            return True
        resolved = [v for v in project.values_of(root) if v is not root]
        if len(resolved) != 1:
            return False
        value = resolved[0]
    return False


def _root_name(value: Value | None) -> Value | None:
    """Return the name a member chain starts from: ``user`` for ``user.profile.id``."""
    value = unwrap_identity(value) if value is not None else None
    seen = 0
    while value is not None and seen < 12:
        seen += 1
        if value.kind == "name":
            return value
        if value.kind in ("member", "index", "await"):
            value = value.children[0] if value.children else None
        elif value.kind == "call" and value.callee is not None:
            value = value.callee
        else:
            return None
    return None
