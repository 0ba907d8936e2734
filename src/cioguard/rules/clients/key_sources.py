"""The kind of Customer.io credential a value contains, judged by the names it comes from.

Customer.io keys carry no prefix, so the only evidence of a key's kind is
the name it is read from. ``trace_key`` follows a value through variables,
object properties, config modules and helper functions to the
environment-variable name or config key at its end, and classifies the
deepest name that names a kind. A property called ``apiKey`` that reads
``required('CIO_SITE_ID')`` contains the Site ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from ...model import FileFacts, Function, Param, Value
from ...values import unwrap_identity

if TYPE_CHECKING:
    from ...project import Project
    from ...resolve import Ref

SITE, TRACK, APP, WEBHOOK, PIPELINES, GENERIC = (
    "site", "track", "app", "webhook", "pipelines", "generic")
KIND_LABELS = {
    SITE: "Site ID",
    TRACK: "Track API key",
    APP: "App API key",
    WEBHOOK: "webhook signing key",
    PIPELINES: "Pipelines write key",
}

CIO_TOKENS = frozenset({"cio", "customerio", "customer", "io", "cust"})
NEUTRAL_TOKENS = frozenset({
    "api", "key", "keys", "secret", "token", "id", "env", "config", "cfg", "settings",
    "setting", "prod", "production", "dev", "development", "staging", "live", "default",
    "my", "value", "raw", "eu", "us", "auth", "credential", "credentials", "creds",
})
# Words that may qualify a kind without changing it: CIO_TRACKING_SITE_ID is a Site ID.
QUALIFIERS = {SITE: frozenset({"tracking", "track"})}
SECRET_TOKENS = frozenset({"key", "secret", "token"})
KIND_TOKENS = {
    SITE: frozenset({"site"}),
    TRACK: frozenset({"track", "tracking"}),
    APP: frozenset({"app", "bearer", "transactional"}),
    WEBHOOK: frozenset({"webhook", "webhooks", "signing", "signature", "reporting", "hmac"}),
    PIPELINES: frozenset({"write", "cdp", "pipelines", "pipeline"}),
}
# Prefixes that frameworks require on environment variables: NEXT_PUBLIC_CIO_SITE_ID.
FRAMEWORK_PREFIX = re.compile(r"^(NEXT_PUBLIC|REACT_APP|EXPO_PUBLIC|NUXT_PUBLIC|NUXT|VITE|GATSBY"
                              r"|PUBLIC)_(?=[A-Z])")
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Calls that read a setting named by their first argument: required('CIO_SITE_ID'),
# os.getenv("X"), env.str("X"), config.get("customerio.siteId").
READER = re.compile(r"(?i)env|config|setting|secret|required|fetch|^get$|^str$|param")
MAX_DEPTH = 10
CONSTRUCTORS = ("__init__", "constructor")
MAX_SITES = 20  # call sites read per parameter; more only repeat the same evidence


@dataclass(frozen=True, slots=True)
class KeySource:
    """The name that identifies a credential's kind, and the expression that reads it."""

    kind: str
    name: str
    node: Value  # the expression that reads the name
    terminal: bool  # an environment variable or config key, not a variable name


@lru_cache(maxsize=4096)
def tokens(name: str) -> frozenset[str]:
    words: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        words.extend(word.lower() for word in WORD.findall(part))
    joined = {"apikey": ("api", "key"), "siteid": ("site", "id"), "writekey": ("write", "key"),
              "appkey": ("app", "key")}
    out: set[str] = set()
    for word in words:
        out.update(joined.get(word, (word,)))
    return frozenset(out)


@lru_cache(maxsize=4096)
def name_kind(name: str) -> str | None:
    """Classify a name: ``CIO_SITE_ID`` is a Site ID, and ``CIO_KEY`` gives None."""
    found = tokens(FRAMEWORK_PREFIX.sub("", name))
    if not found:
        return None
    for kind in (SITE, TRACK, APP, WEBHOOK, PIPELINES):
        own = KIND_TOKENS[kind]
        if not found & own:
            continue
        if found - own - CIO_TOKENS - NEUTRAL_TOKENS - QUALIFIERS.get(kind, frozenset()):
            return None  # another vendor's or another thing's name: STRIPE_WEBHOOK_SECRET
        if kind == SITE and not ({"id"} | CIO_TOKENS) & found:
            return None
        if kind == APP and not ("api" in found or found & CIO_TOKENS or "bearer" in found
                                or "transactional" in found):
            return None  # APP_KEY alone is usually the application's own secret
        if kind != SITE and not found & (SECRET_TOKENS | {"api"}):
            return None
        if kind == WEBHOOK and "signing" not in found and "webhook" not in found:
            return None
        if kind == PIPELINES and "write" not in found and not found & SECRET_TOKENS:
            return None
        return kind
    if {"api", "key"} <= found and not found - CIO_TOKENS - NEUTRAL_TOKENS:
        return GENERIC
    return None


class KeyNames:
    """Kinds of credential the project names, used to read a generic ``API_KEY`` name.

    ``CUSTOMERIO_API_KEY`` is the Track key when the project also names an
    App key (``CUSTOMERIO_APP_API_KEY``) and no Track key, and the App key in
    the reverse case. Otherwise a generic name gives no kind.
    """

    def __init__(self, project: Project):
        names: set[str] = set(project.env_names)
        for file in project.files.values():
            for fact in file.classes:
                names.update(fact.fields)
            for function in file.functions:
                names.update(function.member_reads)
                names.update(name for name in function.assigns if "." not in name)
        kinds = {name_kind(name) for name in names}
        self.has_app = APP in kinds
        self.has_track = TRACK in kinds

    def generic_kind(self) -> str | None:
        if self.has_app and not self.has_track:
            return TRACK
        if self.has_track and not self.has_app:
            return APP
        return None


def trace_key(value: Value | None, project: Project, names: KeyNames) -> KeySource | None:
    """Classify a key expression when every source it may come from agrees on one kind."""
    if value is None:
        return None
    found: list[KeySource] = []
    for chain in _chains(value, project, 0, set()):
        source = _decide(chain, names)
        if source is not None:
            found.append(source)
    kinds = {source.kind for source in found}
    if len(kinds) != 1:
        return None
    return found[0]


def credential_parts(value: Value | None, project: Project, names: KeyNames) -> list[KeySource]:
    """Classify each part of a composite credential, such as ``site:key`` in a Basic header."""
    if value is None:
        return []
    out = []
    for chain in _chains(value, project, 0, set(), split=True):
        source = _decide(chain, names)
        if source is not None:
            out.append(source)
    return out


Link = tuple[str, Value, bool]


def _decide(chain: list[Link], names: KeyNames) -> KeySource | None:
    """Classify a chain of names, nearest first: the deepest specific name wins."""
    generic = None
    for name, node, terminal in reversed(chain):
        kind = name_kind(name)
        if kind == GENERIC:
            generic = generic or (name, node, terminal)
        elif kind is not None:
            return KeySource(kind, name, node, terminal)
    if generic is not None:
        # Read through the project's other names, so never as sure as a specific name.
        kind = names.generic_kind() or GENERIC
        return KeySource(kind, generic[0], generic[1], False)
    return None


def _chains(value: Value, project: Project, depth: int, seen: set[int],
            split: bool = False) -> list[list[Link]]:
    """Name chains from ``value`` to each source it may come from, nearest name first."""
    if depth > MAX_DEPTH or id(value) in seen:
        return []
    seen = seen | {id(value)}
    value = _unwrap(value)
    kind = value.kind
    if kind == "str":
        return []
    if kind in ("template", "binop", "array") and split:
        out: list[list[Link]] = []
        for child in value.children:
            out.extend(_chains(child, project, depth + 1, seen, split))
        return out
    if kind == "binop" and value.value in ("??", "||", "or"):
        return _chains(value.children[0], project, depth + 1, seen, split)
    if kind == "cond":
        return (_chains(value.children[1], project, depth + 1, seen, split)
                + _chains(value.children[2], project, depth + 1, seen, split))
    if kind == "call":
        return _call_chains(value, project, depth, seen, split)
    if kind not in ("name", "member"):
        return []
    own: Link = (value.value, value, _is_setting(value))
    deeper: list[list[Link]] = []
    for ref in project.resolver.resolve(value):
        if ref.kind == "value" and ref.target is not value and ref.target.span != value.span:
            deeper.extend(_chains(ref.target, project, depth + 1, seen, split))
        elif ref.kind == "param":
            for argument in _arguments(ref, value, project):
                deeper.extend(_chains(argument, project, depth + 1, seen, split))
    if not deeper:
        return [[own]]
    return [[own, *chain] for chain in deeper]


def _call_chains(value: Value, project: Project, depth: int, seen: set[int],
                 split: bool) -> list[list[Link]]:
    callee = value.callee
    args = value.args
    name = (callee.last_name or "") if callee is not None else ""
    if args and args[0].kind == "str" and (READER.search(name) or _env_like(args[0].value)):
        return [[(args[0].value, args[0], True)]]
    if callee is not None and callee.kind == "name" and callee.value in ("bytes", "Buffer"):
        return _chains(args[0], project, depth + 1, seen, split) if args else []
    if callee is not None and callee.dotted == "Buffer.from" and args:
        return _chains(args[0], project, depth + 1, seen, split)
    out: list[list[Link]] = []
    for ref in project.resolver.resolve(callee):
        if ref.kind == "func":
            for returned in ref.target.returns:
                out.extend(_chains(returned, project, depth + 1, seen, split))
    return out


def _arguments(ref: Ref, use: Value, project: Project) -> list[Value]:
    """Collect the arguments callers pass for a parameter, so a factory is judged by them."""
    from ...resolve import argument_for

    function, param = ref.function, ref.target
    if function is None or ref.file is None or not isinstance(param, Param):
        return []
    out = []
    has_self = bool(function.params) and function.params[0].name in ("self", "cls")
    for call in _call_sites(ref.file, function, project)[:MAX_SITES]:
        method_call = call.callee is not None and call.callee.kind == "member"
        constructed = function.name in CONSTRUCTORS
        offset = 1 if has_self and (method_call or constructed) else 0
        if param.kind == "pattern":
            argument = argument_for(call, replace(param, kind="positional"), offset)
            if argument is not None and argument.kind == "object":
                argument = argument.get(use.value)
            else:
                argument = None
        else:
            argument = argument_for(call, param, offset)
        if argument is not None:
            out.append(argument)
    return out


def _call_sites(file: FileFacts, function: Function, project: Project) -> list[Value]:
    """Find the calls of a function, or ``new C(...)`` and ``C(...)`` for a constructor."""
    if function.name not in CONSTRUCTORS or not function.class_name:
        return [site.value for _, site in project.graph.sites_of(file, function)]
    sites = []
    for other in project.files.values():
        for call in other.calls:
            callee = call.value.callee
            if callee is None or callee.last_name != function.class_name:
                continue
            refs = project.resolver.resolve(callee)
            if any(ref.kind == "class" and ref.target.name == function.class_name
                   for ref in refs):
                sites.append(call.value)
    return sites


def _unwrap(value: Value) -> Value:
    seen = 0
    while seen < 8:
        seen += 1
        stripped = unwrap_identity(value)
        if stripped.kind == "await" and stripped.children:
            stripped = stripped.children[0]
        if stripped.kind == "call" and stripped.method in ("toString", "encode") and (
            stripped.callee is not None and stripped.callee.obj is not None
        ):
            stripped = stripped.callee.obj
        if stripped is value:
            return value
        value = stripped
    return value


def _is_setting(value: Value) -> bool:
    """Check whether a member reads a name set outside the code, like ``process.env.X``."""
    if value.kind != "member":
        return False
    if _env_like(value.value):
        return True
    obj = value.obj
    dotted = (obj.dotted or obj.text) if obj is not None else ""
    return dotted.endswith(("env", "environ", "ENV", "config", "settings"))


def _env_like(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", text)) and "_" in text
