"""CIO001 wrong-api-key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from ...model import FileFacts, Finding, Function, Span, Value
from ..base import Rule
from ..helpers import origin_location
from .key_sources import (
    APP,
    GENERIC,
    KIND_LABELS,
    SITE,
    TRACK,
    WEBHOOK,
    KeyNames,
    KeySource,
    credential_parts,
    trace_key,
)

if TYPE_CHECKING:
    from ...project import Project
    from ...resolve import Client

# Credential arguments of each client constructor: (slot, position, keyword).
TRACK_SLOTS = (("site", 0, "site_id"), ("key", 1, "api_key"))
APP_SLOTS = (("key", 0, "key"),)
WRONG_FOR_APP = (SITE, TRACK, WEBHOOK)
# HMAC constructors and the position of their key argument.
HMAC_CALLS = {"hmac.new": 0, "hmac.HMAC": 0, "hmac.digest": 0, "HMAC": 0, "HMAC.new": 0,
              "createHmac": 1, "crypto.createHmac": 1}
SIGNATURE_MARKERS = ("x-cio-signature", "x_cio_signature", "v0:")


class WrongApiKey(Rule):
    """Finds Customer.io clients and requests given the wrong kind of credential.

    ## What it does
    Judges each credential by the environment variable or config key it
    comes from, through variables, properties and config modules. It flags:

    - an App API client built with the Site ID, Track API key or webhook
      signing key;
    - a Track client given the App API key, or with swapped arguments (API
      key first, Site ID second);
    - a raw App API request with HTTP Basic auth, or a raw Track API request
      with a Bearer token;
    - the App API key used as the HMAC key that verifies `X-CIO-Signature`.

    A generic name such as `CUSTOMERIO_API_KEY` counts as the Track key when
    the project also names a separate App key, and as the App key in the
    reverse case.

    ## Why it matters
    Customer.io keys carry no prefix that distinguishes them. The Track API
    takes HTTP Basic with the Site ID and Track API key, the App API takes
    the App API key as a Bearer token, and reporting webhooks are signed
    with their own signing key. A wrong key gets 401 with no hint of
    the mix-up, so every call through that client fails, and a webhook
    verified with the wrong key rejects every delivery event.

    ## Example
    ```js
    const api = new APIClient(process.env.CIO_TRACK_API_KEY);
    const cio = new TrackClient(process.env.CIO_TRACK_API_KEY, process.env.CIO_SITE_ID);
    ```
    ```python
    api = APIClient(os.environ["CUSTOMERIO_SITE_ID"])
    expected = hmac.new(os.environ["CUSTOMERIO_APP_API_KEY"].encode(), signed, sha256)
    ```

    ## Use instead
    ```js
    const api = new APIClient(process.env.CIO_APP_API_KEY);
    const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);
    ```
    ```python
    api = APIClient(os.environ["CUSTOMERIO_APP_API_KEY"])
    expected = hmac.new(os.environ["CUSTOMERIO_WEBHOOK_SIGNING_KEY"].encode(), signed, sha256)
    ```

    ## Known problems
    Names that do not say which key they hold (`CIO_KEY`, `secret`) are left
    alone, and so are string literals, such as placeholders in tests.
    So is a credential injected by a container or read from a secret store
    under a name of no kind (`getSecret('cio')`).
    """

    code = "CIO001"
    name = "wrong-api-key"
    severity = "error"
    summary = "Customer.io client or request given the wrong kind of credential"

    def check(self, project: Project) -> Iterable[Finding]:
        names = KeyNames(project)
        seen: set[Span] = set()
        for finding in self._findings(project, names):
            if finding.span in seen:
                continue
            seen.add(finding.span)
            yield finding

    def _findings(self, project: Project, names: KeyNames) -> Iterator[Finding]:
        for client in project.clients:
            if client.kind in ("node-app", "python-app"):
                yield from self._app_client(client, project, names)
            elif client.kind in ("node-track", "python-track") or client.legacy:
                yield from self._track_client(client, project, names)
        yield from self._raw_requests(project, names)
        yield from self._webhook_keys(project, names)

    # Clients ---------------------------------------------------------------------

    def _app_client(self, client: Client, project: Project, names: KeyNames
                    ) -> Iterator[Finding]:
        key = _argument(client.value, APP_SLOTS[0])
        source = trace_key(key, project, names)
        if key is None or source is None or source.kind not in WRONG_FOR_APP:
            return
        yield self._finding(
            key, source,
            f"App API client gets the {KIND_LABELS[source.kind]} `{source.name}`",
            "Pass the App API key, which the App API takes as a Bearer token",
        )

    def _track_client(self, client: Client, project: Project, names: KeyNames
                      ) -> Iterator[Finding]:
        site = _argument(client.value, TRACK_SLOTS[0])
        key = _argument(client.value, TRACK_SLOTS[1])
        site_source = trace_key(site, project, names)
        key_source = trace_key(key, project, names)
        for argument, source in ((site, site_source), (key, key_source)):
            if argument is not None and source is not None and source.kind == APP:
                yield self._finding(
                    argument, source,
                    f"Track client gets the App API key `{source.name}`",
                    "Pass the Site ID and the Track API key; the App key works only "
                    "with the App API",
                )
                return
        swapped = (site_source is not None and key_source is not None
                   and key_source.kind == SITE and site_source.kind in (TRACK, GENERIC))
        if swapped:
            span = _join(site.span, key.span)
            yield self.report(
                span,
                f"Track client arguments are swapped: `{site_source.name}` is passed "
                f"before `{key_source.name}`",
                "Pass the Site ID first and the Track API key second",
                confidence=_confidence(site_source, key_source),
            )

    # Raw requests ------------------------------------------------------------------

    def _raw_requests(self, project: Project, names: KeyNames) -> Iterator[Finding]:
        for call in project.calls(direct=True):
            raw = call.raw
            if raw is None or call.item >= 0 or raw.auth_value is None:
                continue
            auth = raw.auth_value
            scheme = raw.auth_scheme or _returned_scheme(auth, project)
            certain = raw.auth_scheme is None or _plainly_basic(auth, project)
            if raw.api == "app" and scheme == "basic" and certain:
                yield self.report(
                    auth.span,
                    f"App API request to `{raw.host}` uses HTTP Basic auth",
                    "Send the App API key as `Authorization: Bearer <key>`",
                )
            elif raw.api == "track" and scheme == "bearer":
                yield self.report(
                    auth.span,
                    f"Track API request to `{raw.host}` uses a Bearer token",
                    "Send HTTP Basic auth with the Site ID and Track API key",
                )
            elif raw.api == "app" and scheme == "bearer":
                source = next((part for part in credential_parts(auth, project, names)
                               if part.kind in WRONG_FOR_APP), None)
                if source is not None:
                    yield self._finding(
                        auth, source,
                        f"App API request authenticates with the {KIND_LABELS[source.kind]} "
                        f"`{source.name}`",
                        "Send the App API key as the Bearer token",
                    )
            elif raw.api == "track" and scheme == "basic":
                source = next((part for part in credential_parts(auth, project, names)
                               if part.kind == APP), None)
                if source is not None:
                    yield self._finding(
                        auth, source,
                        f"Track API request authenticates with the App API key `{source.name}`",
                        "Send HTTP Basic auth with the Site ID and Track API key",
                    )

    # Webhook signing keys ------------------------------------------------------------

    def _webhook_keys(self, project: Project, names: KeyNames) -> Iterator[Finding]:
        for file in project.files.values():
            for call in file.calls:
                key = _hmac_key(call.value)
                if key is None or not _verifies_cio_signature(file, call.function, project):
                    continue
                source = trace_key(key, project, names)
                if source is None or source.kind != APP:
                    continue
                yield self._finding(
                    key, source,
                    f"App API key `{source.name}` is used to verify `X-CIO-Signature`",
                    "Verify reporting webhooks with the webhook signing key from the "
                    "webhook's settings, not the App API key",
                )

    def _finding(self, argument: Value, source: KeySource, message: str, hint: str) -> Finding:
        where = origin_location(argument, source.node)
        origin = f" (read {where})" if where else ""
        return self.report(argument.span, message + origin, hint,
                           confidence=_confidence(source))


def _argument(call: Value | None, slot: tuple[str, int, str]) -> Value | None:
    if call is None:
        return None
    _, position, keyword = slot
    found = call.kwargs.get(keyword)
    if found is None and position < len(call.args):
        found = call.args[position]
    if found is not None and found.kind == "object":
        return None  # an options object, not a key
    return found


def _returned_scheme(auth: Value, project: Project) -> str | None:
    """Read the scheme of a header built by a helper: ``Authorization: authHeader()``."""
    from ...raw import string_pattern

    if auth.kind != "call":
        return None
    for ref in project.resolver.resolve(auth.callee):
        if ref.kind != "func":
            continue
        for returned in ref.target.returns:
            text, _ = string_pattern(returned, project.resolver)
            scheme = text.strip().split(" ", 1)[0].lower()
            if scheme in ("basic", "bearer"):
                return scheme
    return None


def _plainly_basic(auth: Value, project: Project) -> bool:
    """Check that Basic auth is certain: a header, a (user, password) pair or a BasicAuth.

    ``auth=self.auth`` may be any auth object, a Bearer one included.
    """
    for value in [auth, *project.values_of(auth)]:
        if value.kind in ("str", "template", "binop", "array", "object"):
            return True
        callee = value.callee
        if value.kind in ("call", "new") and callee is not None and (
            "basic" in (callee.last_name or "").lower()
        ):
            return True
    return False


def _confidence(*sources: KeySource) -> str:
    return "high" if all(source.terminal for source in sources) else "medium"


def _join(first: Span, last: Span) -> Span:
    return Span(first.path, first.line, first.col, last.end_line, last.end_col)


def _hmac_key(call: Value) -> Value | None:
    callee = call.callee
    if call.kind not in ("call", "new") or callee is None:
        return None
    dotted = callee.dotted or ""
    position = HMAC_CALLS.get(dotted)
    if position is None and dotted.endswith(".createHmac"):
        position = HMAC_CALLS["createHmac"]  # nodeCrypto.createHmac, require('crypto').createHmac
    if position is None:
        return None
    key = call.kwargs.get("key")
    if key is None and position < len(call.args):
        key = call.args[position]
    return key


def _verifies_cio_signature(file: FileFacts, index: int, project: Project) -> bool:
    """Check whether a function, or one that calls it, handles a Customer.io signature."""
    function = file.functions[index]
    if _mentions_signature(file, function):
        return True
    for site_file, site in project.graph.sites_of(file, function):
        if _mentions_signature(site_file, site_file.functions[site.function]):
            return True
    return False


def _mentions_signature(file: FileFacts, function: Function) -> bool:
    words = {text.lower() for text in function.strings}
    words |= {name.lower() for name in function.member_reads}
    words |= {param.name.lower() for param in function.params}
    if any(marker in word for word in words for marker in SIGNATURE_MARKERS):
        return True
    for call in file.calls:
        if call.function != function.index:
            continue
        for node in call.value.walk():
            if node.kind == "str" and isinstance(node.value, str) and node.value.startswith("v0:"):
                return True
    return False
