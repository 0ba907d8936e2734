"""CIO003 track-before-identify."""

from __future__ import annotations

from typing import Iterable

from ...calls import CioCall
from ...model import Finding
from ...project import Project
from ..base import Rule
from ..helpers import first_in_path_order
from .flows import (
    SignupEvidence,
    call_label,
    flow_key,
    group_by_flow,
    order_key,
    person_key,
)


class TrackBeforeIdentify(Rule):
    """Finds events tracked for a person before the person is identified.

    ## What it does
    Flags a track call when, in the same function, an identify for the same
    person id comes after it. Flags a track call in a signup flow when no
    identify for that id comes before it. A flow is one function body with
    the wrappers it calls. It is a signup flow when it creates a user
    (`users.insert`, `prisma.user.create`, `User.objects.create_user`,
    `signUp`, `register` on a user-like receiver), or when it tracks an
    event named like `signed_up`, `registered` or `user_created`. Person ids compare by
    their text after locals are followed, so `user.id` matches
    `String(user.id)`. Once per project, it also flags the first track call
    (by path, then line) when nothing in the project calls identify.

    ## Why it matters
    A track call for an id that Customer.io does not know creates an empty
    profile with no email, which no email campaign can reach. Campaigns
    triggered by the event, such as a welcome series on `signed_up`, may
    not start because the person lacks the attributes their filters read.

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
    Track calls for people who already exist are left alone when the
    project identifies them elsewhere, and so are anonymous events.

    ## Known problems
    Ids that are written differently for the same person (`user.id` and
    `session.userId`) are treated as different people. An identify sent by
    another service or a queue the scanner cannot follow is not seen.

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
        flagged: set[int] = set()
        reported = set()
        tracks = sorted((c for c in calls if c.op == "track"), key=lambda c: c.depth)
        for track in tracks:
            if any(id(inner) in flagged for inner in track.chain()[1:]):
                continue
            finding = self._check_track(
                track, flows[flow_key(track)], evidence, project
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
        project: Project,
    ) -> Finding | None:
        key = person_key(track, project)
        if key is None:
            return None
        position = order_key(track)
        earlier, later = [], []
        for other in flow:
            if other.op != "identify" or person_key(other, project) != key:
                continue
            (earlier if order_key(other) < position else later).append(other)
        label = call_label(track)
        person = track.slots.get("person_id") or track.slots.get("identifiers")
        person_text = person.text if person is not None else key
        # A pair made at one wrapper call site was judged inside the wrapper.
        later = [other for other in later if other.call is not track.call]
        if later and not earlier:
            line = later[0].span.line + 1
            return self.report(
                track.span,
                f"`{label}` for `{person_text}` runs before its identify "
                f"on line {line}",
                "Move the identify call above this track call",
            )
        if earlier:
            return None
        reason = evidence.reason(flow_key(track), flow)
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
        )
