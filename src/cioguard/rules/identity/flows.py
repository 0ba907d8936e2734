"""Flows, signup evidence and person keys shared by the identify rules.

A flow is one function body together with the wrappers it calls: the
Customer.io calls made directly in the body and the derived calls at the
body's call sites of wrappers. Callbacks (``items.map(fn)``, ``step.run(...,
fn)``) belong to the function they are written in, except request handlers
and callbacks passed at module scope, which are flows of their own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...model import Call, FileFacts, Value
from ...values import constant_strings, unwrap_identity

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

# Calls that create a user whatever they are called on.
USER_CREATE_METHODS = {
    "create_user",
    "createUser",
    "signUp",
    "sign_up",
    "signup",
    "register_user",
    "registerUser",
}
# Calls that create a user when the receiver is user-like or the arguments are
# user data.
CREATE_METHODS = {"create", "insert", "insert_one", "insertOne", "register", "create!"}
USER_WORDS = {
    "user",
    "users",
    "account",
    "accounts",
    "member",
    "members",
    "customer",
    "customers",
    "person",
    "people",
    "profile",
    "profiles",
    "subscriber",
    "subscribers",
}
USER_TABLES = {"users", "accounts", "customers", "members", "profiles", "subscribers"}
# Words that may stand before a user word in a class name: ``AppUser``, ``NewUser``.
CLASS_PREFIX_WORDS = {"app", "auth", "new", "site"}
# Billing providers call their records "customers", so creating one does not
# create a user.
BILLING_ROOTS = {
    "stripe",
    "paddle",
    "braintree",
    "chargebee",
    "recurly",
    "lemonsqueezy",
}
# Keys that only an account record has. An email alone may belong to an
# invitation or a password reset, so it counts only together with a name.
ACCOUNT_KEYS = {
    "password",
    "password_hash",
    "passwordHash",
    "hashed_password",
    "encrypted_password",
    "password_digest",
    "username",
    "user_name",
}
NAME_KEYS = {
    "name",
    "first_name",
    "firstName",
    "last_name",
    "lastName",
    "full_name",
    "fullName",
    "display_name",
    "displayName",
}
# Words that may stand beside "registered" in a signup event name.
REGISTRATION_WORDS = {
    "registered",
    "registration",
    "user",
    "account",
    "member",
    "customer",
    "new",
    "completed",
    "complete",
    "finished",
    "success",
    "successful",
}
MAX_HELPER_DEPTH = 2


def flow_index(file: FileFacts, index: int) -> int:
    """Return the function whose body is the flow that function ``index`` runs in."""
    seen = 0
    while index > 0 and seen < 64:
        seen += 1
        function = file.functions[index]
        if function.handler is not None or function.parent <= 0:
            return index
        if function.passed_to < 0 or function.kind not in (
            "arrow",
            "lambda",
            "function",
        ):
            return index
        index = function.parent
    return index


def flow_key(call: CioCall) -> tuple[str, int]:
    return (call.file.path, flow_index(call.file, call.call.function))


def order_key(call: CioCall) -> tuple:
    """Return the position in a flow: the call site, then inside each wrapper."""
    key = []
    for node in call.chain():
        key.append((node.call.span.line, node.call.span.col))
    return (*key, call.item)


def group_by_flow(calls: list[CioCall]) -> dict[tuple[str, int], list[CioCall]]:
    flows: dict[tuple[str, int], list[CioCall]] = {}
    for call in calls:
        flows.setdefault(flow_key(call), []).append(call)
    for members in flows.values():
        members.sort(key=order_key)
    return flows


# Person ids -------------------------------------------------------------------


def person_value(call: CioCall) -> Value | None:
    """Return the expression that names the person: the id or the v2 identifiers."""
    value = call.slots.get("person_id")
    if value is not None and value.kind == "object":
        return value.get("id")  # Node ``identify({id, ...})``
    if value is None:
        identifiers = call.slots.get("identifiers")
        if identifiers is not None and identifiers.kind == "object":
            value = (
                identifiers.get("id")
                or identifiers.get("cio_id")
                or identifiers.get("email")
            )
    if value is None and call.op == "identify":
        attributes = call.slots.get("attributes")
        if attributes is not None and attributes.kind == "object":
            value = attributes.get("id")  # the browser snippet: ``_cio.identify({id})``
    return value


def person_key(call: CioCall, project: Project) -> str | None:
    """Return the person id as normalised text: `String(user.id)` gives `user.id`."""
    value = person_value(call)
    if value is None:
        return None
    return expression_key(value, project)


def expression_key(value: Value, project: Project, depth: int = 0) -> str:
    value = unwrap_identity(value)
    if value.kind == "template":
        varying = [part for part in value.children if part.kind != "str"]
        if len(varying) == 1 and len(value.children) == 1:
            value = unwrap_identity(varying[0])
    if value.kind == "name" and depth < 4:
        resolved = [v for v in project.values_of(value) if v is not value]
        if len(resolved) == 1 and resolved[0].kind in (
            "name",
            "member",
            "index",
            "call",
            "template",
        ):
            return expression_key(resolved[0], project, depth + 1)
    text = re.sub(r"\s+", "", value.text).replace("'", '"').replace("?.", ".")
    return text.rstrip("!")


# Signup evidence -----------------------------------------------------------------


class SignupEvidence:
    """Finds what makes a flow signup-like, with a cache per flow."""

    def __init__(self, project: Project):
        self.project = project
        self._creation: dict[tuple[str, int], str | None] = {}
        self._calls_by_flow: dict[str, dict[int, list[Call]]] = {}

    def reason(self, flow: tuple[str, int], calls: list[CioCall]) -> str | None:
        """Return why the flow creates a user (a short phrase), or None."""
        created = self.creation(flow)
        if created is not None:
            return f"calls `{created}`"
        for call in calls:
            if call.op == "track" and signup_event(call, self.project):
                return f"tracks `{call.slots['event_name'].text}`"
        return None

    def creation(self, flow: tuple[str, int], depth: int = 0) -> str | None:
        """Return the call in the flow that creates a user, following helpers."""
        if flow in self._creation:
            return self._creation[flow]
        self._creation[flow] = None  # a recursive helper finds this and stops
        path, index = flow
        file = self.project.files[path]
        found = None
        for call in self._flow_calls(file).get(index, []):
            if creates_user(call.value, self.project):
                found = _callee_text(call)
                break
            if depth >= MAX_HELPER_DEPTH:
                continue
            for target_file, target in self.project.graph.targets(file, call):
                if self.creation((target_file.path, target.index), depth + 1):
                    found = _callee_text(call)
                    break
            if found is not None:
                break
        self._creation[flow] = found
        return found

    def _flow_calls(self, file: FileFacts) -> dict[int, list[Call]]:
        by_flow = self._calls_by_flow.get(file.path)
        if by_flow is None:
            by_flow = {}
            for call in file.calls:
                by_flow.setdefault(flow_index(file, call.function), []).append(call)
            self._calls_by_flow[file.path] = by_flow
        return by_flow


def creates_user(value: Value, project: Project) -> bool:
    """Return True for a call that creates a user: ``users.insert``, ``signUp``, ..."""
    callee = value.callee
    if callee is None or value.kind not in ("call", "new"):
        return False
    if _is_constructor(value):
        return _user_class(callee) and _has_user_data(value, project)
    method = callee.value if callee.kind in ("member", "name") else None
    if method in USER_CREATE_METHODS:
        return True
    receiver = _receiver_words(callee.obj) if callee.kind == "member" else []
    if method == "add" and "session" in receiver:
        return _builds_user(value.args[:1], project)  # SQLAlchemy ``session.add(user)``
    if method == "save" and callee.kind == "member" and not value.args:
        return _builds_user(
            [callee.obj], project
        )  # Mongoose ``new User({...}).save()``
    if method not in CREATE_METHODS:
        return False
    if receiver and receiver[0] in BILLING_ROOTS:
        return False
    if USER_WORDS & set(receiver) or _names_user_table(value):
        return True
    return _has_user_data(value, project)


def _is_constructor(value: Value) -> bool:
    """Return True for ``new User(...)``, and for ``User(...)`` in Python."""
    if value.kind == "new":
        return True
    name = value.callee.last_name if value.callee is not None else None
    python = value.span is not None and value.span.path.endswith(".py")
    return python and bool(name) and name[0].isupper() and value.callee.kind == "name"


def _user_class(callee: Value) -> bool:
    """Return True for a class named like a user: ``User``, ``AppUser``, ``Customer``."""
    words = split_words(callee.last_name or "")
    if not words or words[-1] not in USER_WORDS:
        return False
    return set(words[:-1]) <= CLASS_PREFIX_WORDS


def _builds_user(values: list[Value], project: Project) -> bool:
    """Return True when a value is a user record built with ``User(...)``."""
    for value in values:
        for resolved in [value, *project.values_of(value)]:
            if resolved.kind not in ("call", "new") or not _is_constructor(resolved):
                continue
            if _user_class(resolved.callee) and _has_user_data(resolved, project):
                return True
    return False


def _names_user_table(value: Value) -> bool:
    """Return True for ``db.insert(users)`` and ``insert("users", ...)``."""
    for argument in value.args[:1]:
        if argument.kind in ("name", "str") and str(argument.value) in USER_TABLES:
            return True
    return False


def _receiver_words(value: Value | None) -> list[str]:
    """Split a receiver chain into lowercase words: ``db.userRepo`` -> db user repo.

    Arguments of calls in the chain count too: ``supabase.from("users")``,
    ``getRepository(User)``.
    """
    names: list[str] = []
    seen = 0
    while value is not None and seen < 12:
        seen += 1
        if value.kind in ("name", "member"):
            names.append(str(value.value))
            value = value.obj if value.kind == "member" else None
        elif value.kind == "call" and value.callee is not None:
            for argument in value.args[:1]:
                if argument.kind == "str" or argument.kind == "name":
                    names.append(str(argument.value))
            value = value.callee
        elif value.kind in ("index", "await"):
            value = value.children[0]
        else:
            break
    words = []
    for name in reversed(names):
        words.extend(split_words(name))
    return words


def split_words(name: str) -> list[str]:
    """Split an identifier or event name into lowercase words: ``userId`` -> user id."""
    parts = re.split(r"[_\W]+|(?<=[a-z0-9])(?=[A-Z])", name)
    return [part.lower() for part in parts if part]


def _has_user_data(value: Value, project: Project) -> bool:
    """Return True when the created record has account fields (a password, a name)."""
    keys = set(value.kwargs)
    for argument in value.args[:1]:
        for resolved in [argument, *project.values_of(argument)]:
            if resolved.kind == "object":
                keys.update(key for key in resolved.keys if key)
                nested = resolved.get("data")  # Prisma: ``create({data: {...}})``
                if nested is not None and nested.kind == "object":
                    keys.update(key for key in nested.keys if key)
    if keys & ACCOUNT_KEYS:
        return True
    return "email" in keys and bool(keys & NAME_KEYS)


def signup_event(call: CioCall, project: Project) -> bool:
    """Return True when the tracked event name means the person just signed up."""
    names = constant_strings(call.slots.get("event_name"), project.resolver) or []
    return any(is_signup_name(name) for name in names)


def is_signup_name(name: str) -> bool:
    """Return True for ``signed_up``, ``UserSignedUp``, ``user_registered``, ..."""
    words = split_words(name)
    joined = " ".join(words)
    if "signup" in words or re.search(r"\bsign(ed)? up\b", joined):
        return True
    if {"registered", "registration"} & set(words):
        return set(words) <= REGISTRATION_WORDS
    return len(words) == 2 and words[1] == "created" and words[0] in ("user", "account")


MAX_CALLEE_CHARS = 40


def _callee_text(call: Call) -> str:
    """Return the callee as written, with long arguments inside it shown as "…".

    ``new User({ email, password }).save`` becomes ``new User(…).save``.
    """
    callee = call.value.callee
    text = " ".join((callee.text if callee is not None else call.value.text).split())
    if len(text) <= MAX_CALLEE_CHARS:
        return text
    characters: list[str] = []
    depth = 0
    for char in text:
        if char in "([{":
            if depth == 0:
                characters.append(char + "…")
            depth += 1
        elif char in ")]}" and depth > 0:
            depth -= 1
            if depth == 0:
                characters.append(char)
        elif depth == 0:
            characters.append(char)
    return "".join(characters)


def call_label(call: CioCall) -> str:
    """Name the call as written at the call site: `track()`, or a wrapper's own name."""
    if call.raw is not None and call.is_direct:
        return f"{call.raw.method} {call.raw.path}"
    method = call.call.value.method
    return f"{method}()" if method else f"{call.method}()"
