"""CIO005 missing-email-attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Value
from ...values import addresses_cio_id, email_reason
from ..base import Rule
from ..helpers import first_in_path_order
from .flows import SignupEvidence, call_label, flow_key, group_by_flow, person_value

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

EMAIL = "email"
# Data Pipelines follows the Segment spec, whose trait is ``createdAt``.
CREATED_AT_KEYS = {"created_at", "createdAt"}
MAX_DEPTH = 5


@dataclass
class Attributes:
    """Attribute names that an identify sends, and whether that list is complete."""

    keys: set[str] = field(default_factory=set)
    complete: bool = True
    unknown: list[Value] = field(default_factory=list)


class MissingEmailAttribute(Rule):
    """Finds profiles created in Customer.io without an email address.

    ## What it does
    Flags an identify call that creates the profile and sends no `email`
    attribute. An identify creates the profile when it sets `created_at`
    (`createdAt` in Pipelines traits), or when it runs in a signup flow: a
    function that creates a user (`users.insert`, `prisma.user.create`,
    `User.objects.create_user`) or tracks an event named like `signed_up`.
    Attributes are read from object literals, locals that hold them,
    spreads of known objects, Python keyword arguments, `dict(...)` and
    `**attrs` dicts built in the same function (including
    `attrs["k"] = v`), and Pipelines `traits`. Once per project,
    it also flags the first identify call (by path, then line) when no
    identify anywhere sends `email`.

    ## Why it matters
    Customer.io sends email only to people whose profile has an `email`
    attribute. A profile created without one cannot receive any email
    campaign, newsletter or broadcast until another call adds the address,
    and campaigns that start when the person is created will skip them.

    ## Example
    ```js
    await cio.identify(account.id, { name: account.name, created_at: now() });
    ```
    ```python
    cio.identify(id=user.id, first_name=user.first_name, created_at=user.created_at)
    ```

    ## Use instead
    ```js
    await cio.identify(account.id, {
      email: account.email, name: account.name, created_at: now(),
    });
    ```
    ```python
    cio.identify(id=user.id, email=user.email, created_at=user.created_at)
    ```
    Partial updates (`identify(id, {plan})`) are left alone when the
    project sends the email where it creates the profile.
    An identify addressed as `cio_<cio_id>` updates a person who already
    exists, so it is left alone too.

    ## Known problems
    Attributes passed as a parameter the scanner cannot follow, returned by
    a function, or changed by `update()` or `Object.assign()`, are unknown,
    and an identify with unknown attributes is never reported. An identify
    whose id is an email is not reported either, because Customer.io
    reads an email-shaped id as the email address (CIO004 reports that id).

    ## References
    - https://docs.customer.io/journeys/identifying-people/
    """

    code = "CIO005"
    name = "missing-email-attribute"
    severity = "warning"
    summary = "Profile created without an email attribute"

    def check(self, project: Project) -> Iterable[Finding]:
        identifies = project.calls(op="identify")
        flows = group_by_flow(project.calls(op=("track", "identify")))
        evidence = SignupEvidence(project)
        sent = {id(call): sent_attributes(call, project) for call in identifies}
        flagged: set[int] = set()
        reported = set()
        for call in sorted(identifies, key=lambda c: c.depth):
            if any(id(inner) in flagged for inner in call.chain()[1:]):
                continue
            attributes = sent[id(call)]
            if not attributes.complete or EMAIL in attributes.keys:
                continue
            if _email_as_id(call, project):
                continue  # the profile gets the email from its id
            if _addresses_existing_person(call, project):
                continue
            reason = self._creation_reason(call, attributes, flows, evidence)
            if reason is None:
                continue
            flagged.add(id(call))
            if call.span not in reported:
                reported.add(call.span)
                yield self._finding(call, reason)
        finding = self._check_project(identifies, sent, project)
        if finding is not None and finding.span not in reported:
            yield finding

    @staticmethod
    def _creation_reason(
        call: CioCall, attributes: Attributes, flows, evidence
    ) -> str | None:
        for key in sorted(CREATED_AT_KEYS & attributes.keys):
            return key
        key = flow_key(call)
        return evidence.reason(key, flows.get(key, []))

    def _finding(self, call: CioCall, reason: str) -> Finding:
        person = person_value(call)
        subject = f"`{call_label(call)}`"
        if person is not None and len(person.text) <= 40:
            subject += f" for `{person.text}`"
        if reason in CREATED_AT_KEYS:
            message = f"{subject} sets `{reason}` but sends no `email`"
            hint = "Add the `email` attribute to the identify that creates the profile"
        else:
            message = f"{subject} in a signup flow sends no `email` attribute"
            hint = f"Add the `email` attribute to this identify (the flow {reason})"
            return self.report(call.span, message, hint, confidence="medium")
        return self.report(call.span, message, hint)

    def _check_project(
        self, identifies: list[CioCall], sent: dict[int, Attributes], project: Project
    ) -> Finding | None:
        """Report the first identify when no identify in the project sends an email."""
        wrapped = {id(call.origin) for call in identifies if not call.is_direct}
        identifies = [c for c in identifies if not _addresses_existing_person(c, project)]
        for call in identifies:
            attributes = sent[id(call)]
            if EMAIL in attributes.keys or _email_as_id(call, project):
                return None
            if not attributes.complete and not _unknown_only_in_wrapper(
                call, attributes, wrapped
            ):
                return None
        first = first_in_path_order(identifies)
        if first is None:
            return None
        return self.report(
            first.span,
            "no identify in the project sends an `email` attribute",
            "Add the `email` attribute to the identify that creates the profile",
            confidence="medium",
            scope="project",
        )


def _email_as_id(call: CioCall, project: Project) -> bool:
    """Return True when the person id is an email, which Customer.io stores as one."""
    person = person_value(call)
    return person is not None and email_reason(person, project.resolver) is not None


def _addresses_existing_person(call: CioCall, project: Project) -> bool:
    """Return True when the id is ``cio_<cio_id>``, so the person already exists."""
    person = person_value(call)
    return person is not None and addresses_cio_id(person, project.resolver)


def _unknown_only_in_wrapper(
    call: CioCall, attributes: Attributes, wrapped: set[int]
) -> bool:
    """Return True when the unknown attributes are a wrapper's parameters.

    Those are read at the wrapper's call sites, which are derived calls.
    """
    if not call.is_direct or id(call) not in wrapped:
        return False
    function = call.function
    params = {param.name for param in function.params}
    return all(
        value.kind == "name" and value.value in params for value in attributes.unknown
    )


def sent_attributes(call: CioCall, project: Project) -> Attributes:
    """Return the attribute names an identify call sends, as far as the code shows."""
    found = Attributes()
    for splat in call.origin.call.value.splats:
        if _mutated(
            splat, project
        ):  # ``attrs.update(...)`` before ``identify(**attrs)``
            found.complete = False
            found.unknown.append(splat)
    identifiers = call.slots.get("identifiers")
    if identifiers is not None:
        _collect(identifiers, project, found, 0)
    value = call.slots.get("attributes")
    if value is None:
        person = call.slots.get("person_id")
        if person is not None and person.kind == "object":
            value = person  # Node ``identify({id, email})``
    if value is None:
        if (
            call.api == "pipelines"
            and call.kind != "python-pipelines"
            and ("payload" not in call.slots and "person_id" not in call.slots)
        ):
            found.complete = False  # the whole payload is unknown
        return found
    _collect(value, project, found, 0)
    return found


def _collect(value: Value, project: Project, found: Attributes, depth: int) -> None:
    """Add the keys of an attributes value, or mark the attributes incomplete."""
    if depth > MAX_DEPTH:
        found.complete = False
        return
    if value.kind == "object":
        literals = [value]
    else:
        literals = [v for v in project.values_of(value) if v is not value]
    literals = [_dict_call_object(literal) for literal in literals]
    objects = [literal for literal in literals if literal.kind == "object"]
    if not objects or len(objects) != len(literals) or _mutated(value, project):
        found.complete = False
        found.unknown.append(value)
        return
    for literal in objects:
        for key, child in literal.entries():
            if key is None:
                _collect(_spread_operand(child), project, found, depth + 1)
            else:
                found.keys.add(key)
    if value.kind == "name":
        found.keys.update(_keyed_assigns(value, project))


def _dict_call_object(value: Value) -> Value:
    """Read Python ``dict(plan=..., **base)`` as the object literal it builds."""
    callee = value.callee
    if value.kind != "call" or callee is None or callee.dotted != "dict" or value.args:
        return value
    pairs = list(zip(value.keys, value.children[1:]))
    keys = tuple(None if key in ("**", "...") else key for key, _ in pairs)
    children = tuple(child for _, child in pairs)
    return Value(
        "object",
        value.span,
        value.text,
        children=children,
        keys=keys,
        scope=value.scope,
    )


MUTATING_METHODS = {"update", "setdefault", "set"}


def _mutated(value: Value, project: Project) -> bool:
    """Return True when a call may add keys to the named dict or object.

    Covers ``attrs.update(...)``, ``attrs.setdefault(...)`` and
    ``Object.assign(attrs, ...)`` in the function where ``attrs`` is used.
    """
    file = project.resolver.file_of(value)
    if value.kind != "name" or file is None or value.scope < 0:
        return False
    for call in file.calls:
        if call.function != value.scope:
            continue
        callee = call.value.callee
        if callee is None or callee.kind != "member":
            continue
        target = None
        if callee.value in MUTATING_METHODS:
            target = callee.obj
        elif callee.dotted == "Object.assign" and call.value.args:
            target = call.value.args[0]
        if target is not None and target.kind == "name" and target.value == value.value:
            return True
    return False


def _spread_operand(value: Value) -> Value:
    if value.kind == "spread" and value.children:
        return value.children[0]
    return value


def _keyed_assigns(value: Value, project: Project) -> set[str]:
    """Return keys added after the literal was built: ``attrs["k"] = v``."""
    file = project.resolver.file_of(value)
    if file is None or value.scope < 0:
        return set()
    keys = set()
    index = value.scope
    seen = 0
    while index >= 0 and seen < 64:
        seen += 1
        function = file.functions[index]
        assigns = function.assigns.get(value.value, [])
        keys.update(assign.key for assign in assigns if assign.key is not None)
        if any(assign.key is None for assign in assigns):
            break
        index = function.parent if index != 0 else -1
    return keys
