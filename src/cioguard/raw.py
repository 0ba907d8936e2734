"""Raw HTTP requests to Customer.io hosts, read into the same facts as SDK calls.

Covers ``fetch``, axios (functions, ``axios(config)`` and instances from
``axios.create``), got, ky, ``requests`` and ``httpx`` (module functions,
sessions and clients with ``base_url``). The operation comes from the
method and path, the person id from the path, the auth scheme from the
``Authorization`` header or ``auth=``, and the payload from the body.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .calls import CioCall, RawRequest, first_object, object_slots
from .model import Call, FileFacts, Value
from .regions import host_of
from .resolve import Resolver
from .sdk import (
    HOSTS,
    NODE_EVENT_KEYS,
    PIPELINES_PAYLOAD_KEYS,
    TRANSACTIONAL_REQUEST_KEYS,
    match_route,
)

HTTP_ROOTS = {"fetch", "axios", "got", "ky", "request", "superagent", "needle", "undici",
              "$fetch", "ofetch", "requests", "httpx", "aiohttp", "urllib3", "http"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "request", "fetch", "send"}
BODY_FIRST = {"post", "put", "patch"}
# Track API v2 batch item properties and the slots they fill.
BATCH_ITEM_KEYS = {"name": "event_name", "id": "event_id", "timestamp": "timestamp",
                   "attributes": "attributes", "data": "data"}
UNWRAP_CALLS = {"encodeURIComponent", "encodeURI", "String", "quote", "quote_plus", "str",
                "escape", "urllib.parse.quote", "parse.quote", "url_escape"}


def recognize_raw_call(file: FileFacts, call: Call, resolver: Resolver) -> list[CioCall]:
    value = call.value
    callee = value.callee
    if value.kind != "call" or callee is None:
        return []
    dotted = callee.dotted or ""
    root = dotted.split(".")[0]
    method_name = callee.value if callee.kind == "member" else dotted
    if root not in HTTP_ROOTS and method_name not in HTTP_METHODS:
        return []
    request = _read_request(value, method_name, root, resolver)
    if request is None:
        return []
    return _calls_for(file, call, request, resolver)


def _read_request(value: Value, method_name: str, root: str, resolver: Resolver):
    """Read the URL, method, body and credentials of an HTTP call to a Customer.io host."""
    args, kwargs = value.args, value.kwargs
    url_value = None
    options: Value | None = None
    body = None
    http_method = method_name.upper() if method_name in BODY_FIRST | {"get", "delete", "head"} else ""
    base = None
    if value.callee is not None and value.callee.kind == "member":
        base = _client_base_url(value.callee.obj, resolver)
    if args and args[0].kind != "object":
        url_value = args[0]
    elif args and args[0].kind == "object":
        options = args[0]
        url_value = options.get("url")
    if "url" in kwargs:
        url_value = kwargs["url"]
    if method_name == "request" and args and args[0].kind == "str" and len(args) > 1:
        http_method, url_value = args[0].value.upper(), args[1]
    if url_value is None:
        return None

    url, parts = string_pattern(url_value, resolver)
    if base and not host_of(url):
        url = base.rstrip("/") + "/" + url.lstrip("/")
    host = host_of(url)
    if host is None or host not in HOSTS:
        return None

    # Options and body, by client library.
    if options is None:
        if method_name in BODY_FIRST and root not in ("fetch", "requests", "httpx") and len(args) > 1:
            body = args[1]
            options = _object(args[2], resolver) if len(args) > 2 else None
        elif len(args) > 1:
            options = _object(args[1], resolver)
    if options is not None:
        declared = options.get("method")
        if declared is not None and declared.kind == "str":
            http_method = declared.value.upper()
        body = body or options.get("body") or options.get("json") or options.get("data")
    for key in ("json", "data", "content"):
        if key in kwargs and body is None:
            body = kwargs[key]
    if not http_method:
        http_method = "GET" if body is None else "POST"

    api, region = HOSTS[host]
    if len(chosen_regions(url_value, resolver)) > 1:
        region = ""  # picked at run time, so unknown
    path = urlsplit(url if "://" in url else "https://" + url).path
    request = RawRequest(http_method, url, host, path, api, region, url_value, parts,
                         body=_json_body(body, resolver))
    _read_auth(request, options, kwargs, value, resolver)
    return request


def _client_base_url(obj: Value | None, resolver: Resolver) -> str | None:
    """``axios.create({baseURL})`` or ``httpx.Client(base_url=...)``."""
    if obj is None:
        return None
    for resolved in resolver.values_of(obj):
        if resolved.kind not in ("call", "new"):
            continue
        config = resolved.args[0] if resolved.args else None
        candidate = None
        if config is not None and config.kind == "object":
            candidate = config.get("baseURL") or config.get("prefixUrl")
        candidate = candidate or resolved.kwargs.get("base_url")
        if candidate is not None:
            text, _ = string_pattern(candidate, resolver)
            if host_of(text):
                return text
    return None


def _object(value: Value, resolver: Resolver) -> Value | None:
    return first_object(value, resolver)


def _json_body(body: Value | None, resolver: Resolver) -> Value | None:
    if body is None:
        return None
    if body.kind == "call" and body.callee is not None and body.callee.dotted in (
        "JSON.stringify", "json.dumps"
    ) and body.args:
        body = body.args[0]
    found = first_object(body, resolver)
    return found or body


def _read_auth(request: RawRequest, options, kwargs, call: Value, resolver: Resolver) -> None:
    headers = None
    if options is not None:
        headers = options.get("headers")
        auth = options.get("auth")
        if auth is not None:
            request.auth_scheme, request.auth_value = "basic", auth
            return
    if "headers" in kwargs:
        headers = kwargs["headers"]
    if "auth" in kwargs:
        request.auth_scheme, request.auth_value = "basic", kwargs["auth"]
        auth_text = kwargs["auth"].text.lower()
        if "bearer" in auth_text or "token" in auth_text:
            request.auth_scheme = "bearer"
        return
    header_object = first_object(headers, resolver) if headers is not None else None
    if header_object is None and call.callee is not None and call.callee.kind == "member":
        header_object = _instance_headers(call.callee.obj, resolver)
    if header_object is None:
        return
    for key, value in header_object.entries():
        if key and key.lower() == "authorization":
            request.auth_value = value
            request.auth_scheme = _scheme(value, resolver)
            return


def _instance_headers(obj: Value | None, resolver: Resolver) -> Value | None:
    if obj is None:
        return None
    for resolved in resolver.values_of(obj):
        if resolved.kind in ("call", "new"):
            config = resolved.args[0] if resolved.args else None
            headers = None
            if config is not None and config.kind == "object":
                headers = config.get("headers")
            headers = headers or resolved.kwargs.get("headers")
            if headers is not None:
                return first_object(headers, resolver)
    return None


def _scheme(value: Value, resolver: Resolver) -> str | None:
    text, _ = string_pattern(value, resolver)
    lowered = text.strip().lower()
    if lowered.startswith("basic"):
        return "basic"
    if lowered.startswith("bearer"):
        return "bearer"
    return None


def string_pattern(value: Value, resolver: Resolver, depth: int = 0) -> tuple[str, list[Value]]:
    """Evaluate a string expression, with ``{n}`` for the parts known only at run time."""
    parts: list[Value] = []

    def visit(node: Value, level: int) -> str:
        if level > 8:
            return placeholder(node)
        kind = node.kind
        if kind == "str":
            return node.value
        if kind == "template":
            return "".join(visit(child, level + 1) for child in node.children)
        if kind == "binop" and node.value == "+":
            return visit(node.children[0], level + 1) + visit(node.children[1], level + 1)
        if kind == "binop" and node.value in ("??", "||"):
            left = visit(node.children[0], level + 1)
            if host_of(left) or not node.children[1].kind == "str":
                return left
            return node.children[1].value
        if kind in ("name", "member"):
            resolved = [v for v in resolver.values_of(node) if v is not node]
            strings = [v for v in resolved if v.kind in ("str", "template", "binop")]
            if len(strings) >= 1 and all(v.kind in ("str", "template", "binop") for v in resolved):
                return visit(strings[0], level + 1)
            fallback = _environment_default(resolved)
            if fallback is not None:
                return fallback
            return placeholder(node)
        if kind in ("call", "new") and node.callee is not None:
            name = node.callee.dotted or node.callee.last_name or ""
            if name in ("URL", "urljoin", "urllib.parse.urljoin", "parse.urljoin") and len(node.args) >= 2:
                first, second = node.args[0], node.args[1]
                if name == "URL":
                    first, second = second, first
                return visit(first, level + 1).rstrip("/") + "/" + visit(second, level + 1).lstrip("/")
            fallback = _environment_default([node])
            if fallback is not None:
                return fallback
            hosts = helper_hosts(node, resolver, depth + level)
            if hosts:
                return hosts[-1]  # any of them gives the API and path; _read_request clears the region
        return placeholder(node)

    def placeholder(node: Value) -> str:
        parts.append(node)
        return "{" + str(len(parts) - 1) + "}"

    return visit(value, depth), parts


def helper_hosts(call: Value, resolver: Resolver, depth: int = 0) -> list[str]:
    """Return the Customer.io base URLs a project function such as ``trackHost(region)`` returns.

    An empty list means the function returns something else or cannot be read.
    """
    if depth > 4 or call.kind != "call" or call.callee is None:
        return []
    found: list[str] = []
    for ref in resolver.resolve(call.callee):
        if ref.kind != "func":
            continue
        for returned in ref.target.returns:
            text, _ = string_pattern(returned, resolver, depth + 1)
            if host_of(text) not in HOSTS:
                return []
            found.append(text)
    return found


def chosen_regions(value: Value, resolver: Resolver) -> set[str]:
    """Return the regions a URL may name when its host is picked at run time.

    Covers a helper that returns the US or the EU host and a conditional
    between the two, read from the start of the URL or the local it comes from.
    """
    start = value
    for _ in range(6):
        if start.kind == "template" and start.children:
            start = start.children[0]
        elif start.kind == "binop" and start.value == "+":
            start = start.children[0]
        elif start.kind == "name":
            resolved = [v for v in resolver.values_of(start) if v is not start]
            if len(resolved) < 2:
                if not resolved:
                    return set()
                start = resolved[0]
                continue
            texts = [string_pattern(v, resolver)[0] for v in resolved]
            return {HOSTS[host_of(t)][1] for t in texts if host_of(t) in HOSTS}
        else:
            break
    if start.kind == "cond":
        texts = [string_pattern(branch, resolver)[0] for branch in start.children[1:]]
        return {HOSTS[host_of(t)][1] for t in texts if host_of(t) in HOSTS}
    if start.kind == "call":
        return {HOSTS[host_of(t)][1] for t in helper_hosts(start, resolver)}
    return set()


def _environment_default(values: list[Value]) -> str | None:
    """``os.environ.get("X", "https://track.customer.io")`` uses its default."""
    for value in values:
        if value.kind == "call" and len(value.args) >= 2 and value.args[1].kind == "str":
            if host_of(value.args[1].value):
                return value.args[1].value
    return None


def unwrap(value: Value) -> Value:
    """``encodeURIComponent(id)`` and ``quote(id)`` carry the id itself."""
    while value.kind == "call" and value.callee is not None and value.args:
        name = value.callee.dotted or ""
        if name in UNWRAP_CALLS or name.rsplit(".", 1)[-1] in UNWRAP_CALLS:
            value = value.args[0]
        else:
            break
    return value


PLACEHOLDER = re.compile(r"^\{(\d+)\}$")


def _calls_for(file: FileFacts, call: Call, request: RawRequest, resolver: Resolver) -> list[CioCall]:
    """Return the CioCall of a raw request, and one more per item of a batch."""
    matched = match_route(request.api, request.method, request.path)
    op, id_segment = matched if matched else ("request", None)
    slots: dict[str, Value] = {}
    if id_segment is not None:
        placeholder = PLACEHOLDER.match(id_segment)
        if placeholder and int(placeholder.group(1)) < len(request.parts):
            slots["person_id"] = unwrap(request.parts[int(placeholder.group(1))])
        else:
            slots["person_id"] = Value("str", request.url_value.span, id_segment, value=id_segment)
    body = request.body if request.body is not None and request.body.kind == "object" else None
    if body is None and request.body is not None:
        slots["payload"] = request.body
        if op == "identify":
            slots["attributes"] = request.body
        elif op in ("track", "track_anonymous"):
            slots["event"] = request.body
    if body is not None:
        slots.update(_body_slots(body, op, request.api))

    kind = f"raw-{request.api}"
    base = CioCall(request.api, kind, op, request.method, file, call, slots, raw=request)
    if op not in ("batch", "entity") or body is None:
        return [base]

    items = [body] if op == "entity" else batch_items(body.get("batch"), resolver)
    calls = [base]
    for position, item in enumerate(items):
        calls.append(CioCall(request.api, kind, _item_op(item, request.api), request.method, file,
                             call, _item_slots(item, request.api), raw=request, item=position))
    return calls


def _body_slots(body: Value, op: str, api: str) -> dict[str, Value]:
    """Return the slots an object request body fills for the operation ``op``."""
    slots = {"payload": body}
    if api == "pipelines":
        slots.update(object_slots(body, PIPELINES_PAYLOAD_KEYS))
    elif op in ("track", "track_anonymous"):
        slots.update(object_slots(body, NODE_EVENT_KEYS))
        if op == "track_anonymous":
            slots.update(object_slots(body, {"anonymous_id": "anonymous_id"}))
    elif op == "identify":
        slots["attributes"] = body
    elif op in ("send_email", "send_push", "send_sms"):
        slots["request_object"] = body
        slots.update(object_slots(body, TRANSACTIONAL_REQUEST_KEYS))
    return slots


def batch_items(value: Value | None, resolver: Resolver, depth: int = 0) -> list[Value]:
    """Return the object literals a batch array is built from, through map/flatMap callbacks."""
    if value is None or depth > 6:
        return []
    out: list[Value] = []
    for resolved in [value, *resolver.values_of(value)]:
        if resolved.kind == "array":
            for item in resolved.children:
                if item.kind == "object":
                    out.append(item)
                else:
                    out.extend(batch_items(item, resolver, depth + 1))
        elif resolved.kind == "call" and resolved.method in ("map", "flatMap") and resolved.args:
            for ref in resolver.resolve(resolved.args[0]):
                if ref.kind == "func":
                    for returned in ref.target.returns:
                        out.extend(batch_items(returned, resolver, depth + 1)
                                   if returned.kind != "object" else [returned])
        if out:
            break
    return out


def _item_op(item: Value, api: str) -> str:
    action = item.get("action") or item.get("type")
    name = action.value if action is not None and action.kind == "str" else ""
    if api == "pipelines":
        return name or "track"
    return {"event": "track", "identify": "identify", "delete": "delete",
            "suppress": "suppress", "add_device": "add_device"}.get(name, name or "entity")


def _item_slots(item: Value, api: str) -> dict[str, Value]:
    slots: dict[str, Value] = {"payload": item}
    if api == "pipelines":
        return {**slots, **object_slots(item, PIPELINES_PAYLOAD_KEYS)}
    identifiers = item.get("identifiers")
    if identifiers is not None:
        slots["identifiers"] = identifiers
        if identifiers.kind == "object" and identifiers.get("id") is not None:
            slots["person_id"] = identifiers.get("id")
    slots.update(object_slots(item, BATCH_ITEM_KEYS))
    return slots
