"""CIO013 hardcoded-credential."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Iterator

from ...model import Finding, Value
from ..base import Rule

if TYPE_CHECKING:
    from ...project import Project

PLACEHOLDER = re.compile(r"your|xxx|test|dummy|example|changeme|placeholder|<[^>]*>|\$\{[^}]*\}|\*\*\*",
                         re.I)
MIN_LENGTH = 8
KINDS = {
    "site": "Site ID",
    "track": "Track API key",
    "app": "App API key",
    "pipelines": "Pipelines write key",
    "webhook": "webhook signing key",
    "basic": "API credential",
}
CONSTRUCTOR_SLOTS = {
    "node-track": [("site", 0, "site_id"), ("track", 1, "api_key")],
    "python-track": [("site", 0, "site_id"), ("track", 1, "api_key")],
    "node-app": [("app", 0, "key")],
    "python-app": [("app", 0, "key")],
    "node-pipelines": [("pipelines", 0, "write_key")],
    "python-pipelines": [("pipelines", 0, "write_key")],
    "browser-pipelines": [("pipelines", 0, "write_key")],
}
OPTION_KEYS = {"writeKey": "pipelines", "siteId": "site", "apiKey": "track", "appApiKey": "app",
               "write_key": "pipelines", "site_id": "site", "api_key": "track"}
SEPARATOR = re.compile(r"^(basic|bearer)?\s*:?$", re.I)
# Calls that encode credentials for a header without changing whose they are.
ENCODING_CALLS = {"from", "toString", "btoa", "b64encode", "encode", "decode", "format", "join",
                  "HTTPBasicAuth", "BasicAuth"}


def redact(secret: str) -> str:
    return secret[:4] + "****" if len(secret) >= MIN_LENGTH else "****"


def collect_secrets(project) -> set[str]:
    """Return every hard-coded credential in the project, whether CIO013 runs or not.

    Reporters mask these in all output, so turning CIO013 off or filtering
    its findings never lets a key through in another finding's excerpt.
    """
    found: set[str] = set()
    for _, literal, _ in HardcodedCredential()._candidates(project):
        secret = literal.value
        if isinstance(secret, str) and not is_placeholder(secret.strip(":")):
            found.update({secret, secret.strip(":")})
    return found


def is_placeholder(text: str) -> bool:
    return len(text) < MIN_LENGTH or bool(PLACEHOLDER.search(text))


class HardcodedCredential(Rule):
    """Finds Customer.io credentials written into the source as string literals.

    ## What it does
    Flags a string literal used as a Site ID, Track API key, App API key,
    Pipelines write key or reporting-webhook signing key. It looks at
    constructor arguments and options, Basic or Bearer `Authorization`
    headers of raw requests, `analytics.write_key = "..."`, HMAC keys of
    webhook verification, and literal fallbacks such as
    `process.env.CIO_KEY ?? '...'` or `os.environ.get("CIO_KEY", "...")`.
    The secret is never printed: messages show its first four characters.

    ## Why it matters
    A key in the repository is readable by everyone with access to the code,
    its history, forks, CI logs and built bundles, and it cannot be rotated
    without a code change. A Track key lets anyone write people and events
    into the workspace; an App key reads and messages them.

    ## Example
    ```js
    const analytics = new Analytics({ writeKey: process.env.CIO_WRITE_KEY ?? '5f0c2b8e7d1a4c39' });
    ```
    ```python
    cio = CustomerIO("6c1f0e9a2b7d4e38", os.environ["CIO_TRACK_API_KEY"])
    ```

    ## Use instead
    ```js
    const analytics = new Analytics({ writeKey: requiredEnv('CIO_WRITE_KEY') });
    ```
    ```python
    cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])
    ```
    Placeholders are not reported: values shorter than 8 characters or
    containing `your`, `xxx`, `test`, `dummy`, `example`, `changeme`,
    `placeholder`, `<...>` or `${...}`.
    """

    code = "CIO013"
    name = "hardcoded-credential"
    severity = "error"
    summary = "Customer.io credential hard-coded as a string literal"

    def check(self, project: Project) -> Iterable[Finding]:
        seen = set()
        for kind, literal, where in self._candidates(project):
            if literal.span is None or literal.span in seen:
                continue
            seen.add(literal.span)
            secret = literal.value
            if not isinstance(secret, str) or is_placeholder(secret.strip(":")):
                continue
            yield self.report(
                literal.span,
                f"{KINDS[kind]} `{redact(secret)}` is hard-coded {where}",
                "Read it from an environment variable or a secret store, and rotate the key",
                secrets=(secret, secret.strip(":")),
            )

    def _candidates(self, project: Project) -> Iterator[tuple[str, Value, str]]:
        for client in project.clients:
            slots = CONSTRUCTOR_SLOTS.get(client.kind, [])
            value = client.value
            if client.legacy:
                slots = CONSTRUCTOR_SLOTS["node-track"]
            for kind, position, keyword in slots:
                arg = value.kwargs.get(keyword)
                if arg is None and position < len(value.args):
                    arg = value.args[position]
                if arg is None:
                    continue
                if arg.kind == "object":
                    for key, child in arg.entries():
                        if key in OPTION_KEYS:
                            for literal in self._literals(child, project):
                                yield (OPTION_KEYS[key], literal,
                                       "and passed in the client options")
                    continue
                for literal in self._literals(arg, project):
                    yield kind, literal, "and passed to the client constructor"
        for call in project.calls(direct=True):
            raw = call.raw
            if raw is None or raw.auth_value is None:
                continue
            for literal in self._auth_literals(raw.auth_value, project):
                yield "basic", literal, "and sent in the Authorization header"
        yield from self._module_write_keys(project)

    def _literals(self, value: Value, project: Project, depth: int = 0) -> list[Value]:
        if depth > 4:
            return []
        if value.kind == "str":
            return [value]
        if value.kind == "binop" and value.value in ("??", "||"):
            return self._literals(value.children[1], project, depth + 1)
        if value.kind == "call" and len(value.args) >= 2 and value.callee is not None:
            dotted = value.callee.dotted or ""
            if dotted.endswith(("environ.get", "getenv", "env.get")):
                return self._literals(value.args[1], project, depth + 1)
            if dotted.endswith("Buffer.from") or value.method in ("toString",):
                return self._literals(value.args[0], project, depth + 1)
        if value.kind in ("name", "member"):
            out = []
            for resolved in project.values_of(value):
                if resolved is not value and resolved.kind in ("str", "binop", "call"):
                    out.extend(self._literals(resolved, project, depth + 1))
            return out
        return []

    def _auth_literals(self, value: Value, project: Project) -> list[Value]:
        found = []
        # Variables inside the header are followed too: ``Basic ${auth}`` where
        # ``auth`` encodes a literal, or ``auth=(SITE_ID, KEY)``. Arguments of
        # other calls (``required('CIO_SITE_ID')``) name keys, they are not keys.
        pending = [value]
        visited = 0
        while pending and visited < 16:
            visited += 1
            node = pending.pop(0)
            for resolved in project.values_of(node):
                if resolved is not node:
                    pending.append(resolved)
            stack = [node]
            while stack:
                inner = stack.pop()
                if inner.kind == "str":
                    if inner.span is not None and not SEPARATOR.match(inner.value.strip()):
                        found.append(inner)
                    continue
                if inner.kind == "name" and inner is not node:
                    pending.append(inner)
                    continue
                if inner.kind in ("call", "new") and inner.method not in ENCODING_CALLS:
                    continue
                stack.extend(inner.children)
        return found

    def _module_write_keys(self, project: Project):
        for file in project.files.values():
            if file.language != "python":
                continue
            for name, assigns in file.module.assigns.items():
                if not name.endswith(".write_key"):
                    continue
                base = name.rsplit(".", 1)[0]
                clients = project.resolver.clients_of(
                    Value("name", file.module.span, base, value=base, scope=0))
                if not any(c.api == "pipelines" for c in clients):
                    continue
                for assign in assigns:
                    for literal in self._literals(assign.value, project):
                        yield "pipelines", literal, "as `analytics.write_key`"
