"""CIO015 unverified-webhook."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Iterator

from ...model import Call, FileFacts, Finding, Function, Param, Value
from ..base import Rule
from . import (
    CallIndex,
    HandlerFlow,
    expand,
    first_line,
    metric_values,
    reads_metric,
    request_method,
    words,
)

if TYPE_CHECKING:
    from ...project import Project

CONSTANT_TIME = {"timingSafeEqual", "timing_safe_equal", "compare_digest",
                 "constant_time_compare", "secure_compare", "secureCompare", "safeCompare",
                 "safe_compare", "constantTimeCompare", "constant_time_equals", "tsscmp", "scmp"}
DIGEST_METHODS = {"digest", "hexdigest"}
SERIALIZERS = {"stringify", "dumps"}
CIO_NAME = re.compile(r"(^|_)(customerio|customer_io|cio)(_|$)")
WEBHOOK_NAME = re.compile(r"(^|_)(webhooks?|hooks?|reporting|callbacks?)(_|$)")
# Metric names that UI or product telemetry rarely uses (unlike opened or clicked).
DISTINCT_METRICS = {"bounced", "spammed", "dropped", "undeliverable", "delivered", "converted",
                    "human_opened", "machine_opened"}
# A name ending in one of these is a signature or a digest: expectedSignature, sig.
SIGNATURE_NAME = re.compile(r"(^|_)(sig|signature|digest|hmac|mac)$")
VERIFY_NAME = re.compile(r"(verif|validat|check|authenticat)")
# Customer.io sends reporting webhooks as POST requests, so routes that only
# serve these methods are not receivers.
NON_WEBHOOK_METHODS = {"GET", "HEAD", "OPTIONS", "DELETE"}
# Status codes that reject a request for its credentials, not for its payload.
AUTH_STATUSES = {401, 403, 407}


class UnverifiedWebhook(Rule):
    """Finds reporting-webhook receivers that skip or weaken signature checks.

    ## What it does
    Looks at request handlers that receive Customer.io reporting webhooks
    (they read `metric` or `object_type` with Customer.io metric values, or
    their route is named like `/webhooks/customerio`). Flags a handler that
    never verifies `X-CIO-Signature`, itself or in a helper or middleware it
    runs. Also flags a signature compared with `==`, `===` or `!=` instead
    of a constant-time function, an HMAC over re-serialized JSON
    (`JSON.stringify(req.body)`, `json.dumps(event)`) instead of the raw
    body, and a handler that responds with 4xx to metrics it does not know.

    ## Why it matters
    Without the check, anyone can post fake bounces and unsubscribes. `==`
    leaks through timing how much of a guess is right. Re-serialized JSON
    rarely matches the signed bytes, so valid webhooks fail. Customer.io holds
    back later webhooks until one gets a 2xx, so a 4xx stalls them all.

    ## Example
    ```js
    app.post('/webhooks/customerio', express.json(), (req, res) => {
      if (req.body.metric === 'bounced') markBounced(req.body.data.customer_id);
      res.sendStatus(200);
    });
    ```
    ```python
    expected = hmac.new(key, f"v0:{ts}:{json.dumps(event)}".encode(), sha256).hexdigest()
    if signature != expected:
        abort(401)
    ```

    ## Use instead
    ```js
    const expected = createHmac('sha256', key).update(`v0:${ts}:`).update(rawBody).digest();
    const received = Buffer.from(req.header('X-CIO-Signature') ?? '', 'hex');
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) return res.sendStatus(401);
    ```
    ```python
    expected = hmac.new(key, b"v0:" + ts.encode() + b":" + request.get_data(), sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        abort(401)
    ```

    ## Known problems
    A 4xx counts only in an `else` or `default` branch of code that reads
    `metric`, so `return 400` after a lookup is missed. Proxies are not seen.

    ## References
    - Reporting webhooks: https://docs.customer.io/journeys/webhooks/
    - Reporting webhook API: https://docs.customer.io/api/webhooks
    """

    code = "CIO015"
    name = "unverified-webhook"
    severity = "error"
    summary = "Reporting webhook without a sound X-CIO-Signature check"

    def check(self, project: Project) -> Iterable[Finding]:
        calls = CallIndex(project)
        reported = set()
        for file, handlers in _handler_groups(project):
            flow = HandlerFlow(project, calls, file, handlers)
            if not _is_reporting_webhook(flow):
                continue
            for finding in self._check_flow(project, calls, flow):
                if finding.span not in reported:
                    reported.add(finding.span)
                    yield finding

    def _check_flow(self, project: Project, calls: CallIndex, flow: HandlerFlow
                    ) -> Iterator[Finding]:
        hmacs: list[tuple[FileFacts, Call]] = []
        verified = False
        for file, function in flow.members:
            for call in calls.calls_in(file, function.index):
                if _hmac_messages(call.value) is not None:
                    hmacs.append((file, call))
                if _is_verification_call(call.value):
                    verified = True
            yield from self._unsafe_comparisons(project, function)
        for file, call in hmacs:
            yield from self._reserialized_digest(project, calls, file, call)
        yield from self._handler_findings(project, flow, verified=bool(hmacs) or verified)

    def _unsafe_comparisons(self, project: Project, function: Function) -> Iterator[Finding]:
        for comparison in function.comparisons:
            if _unsafe_comparison(comparison, project):
                yield self.report(
                    comparison.span,
                    f"signature comparison `{_short(comparison)}` is not constant-time",
                    "Compare with `crypto.timingSafeEqual()` or `hmac.compare_digest()`, "
                    "which take constant time")

    def _reserialized_digest(self, project: Project, calls: CallIndex, file: FileFacts,
                             call: Call) -> Iterator[Finding]:
        serialized = _reserialized_message(project, calls, file, call)
        if serialized is not None:
            yield self.report(
                _computation_span(calls, file, call),
                f"HMAC is computed over re-serialized JSON `{_short(serialized)}`",
                "Compute the HMAC over the raw request body bytes, before parsing")

    def _handler_findings(self, project: Project, flow: HandlerFlow, verified: bool
                          ) -> Iterator[Finding]:
        """Report a missing check, or a 4xx response to unknown metrics, at the handler."""
        unknown_4xx = _unknown_metric_status(flow)
        route = _route_label(flow)
        span = first_line(project, _handler_span(flow))
        if not verified:
            message = f"reporting webhook {route} never verifies `X-CIO-Signature`"
            hint = ("Verify the hex HMAC-SHA256 of `v0:<X-CIO-Timestamp>:<raw body>` "
                    "with the signing key before acting")
            if unknown_4xx is not None:
                message = f"{message} and returns {unknown_4xx} for unknown metrics"
            yield self.report(span, message, hint)
        elif unknown_4xx is not None:
            yield self.report(
                span, f"reporting webhook {route} returns {unknown_4xx} for unknown metrics",
                "Respond with 2xx to every verified webhook, including metrics you ignore")


# Finding the handlers -------------------------------------------------------------


def _handler_groups(project: Project) -> Iterator[tuple[FileFacts, list[Function]]]:
    """Yield request handlers, grouped by the route registration they share."""
    for file in project.files.values():
        groups: dict[tuple, list[Function]] = {}
        for function in file.functions:
            if function.handler is not None:
                groups.setdefault(function.handler.span.key, []).append(function)
        for handlers in groups.values():
            yield file, handlers


def _names(flow: HandlerFlow) -> list[str]:
    """Return the route, function and class names of the handler, as ``words``."""
    out = []
    for function in flow.handlers:
        handler = function.handler
        if handler is not None and handler.route:
            out.append(words(handler.route))
        elif handler is not None and handler.framework.startswith(("nextjs", "serverless")):
            out.append(words(flow.file.path.rsplit(".", 1)[0]))
        out.append(words(function.name))
        out.append(words(function.class_name))
    return out


def _is_reporting_webhook(flow: HandlerFlow) -> bool:
    if all(request_method(f) in NON_WEBHOOK_METHODS for f in flow.handlers):
        return False
    names = _names(flow)
    if any(CIO_NAME.search(n) for n in names) and any(WEBHOOK_NAME.search(n) for n in names):
        return True
    own = flow.own_functions()
    if any(_reads_cio_headers(f) or _reads_cio_payload(f) for f in own):
        return True
    # The X-CIO headers are specific enough to count in any helper the handler runs.
    if any(_reads_cio_headers(f) for _, f in flow.members):
        return True
    if any(WEBHOOK_NAME.search(n) for n in names):
        return any(_reads_cio_payload(f) for _, f in flow.members)
    return False


def _reads_cio_headers(function: Function) -> bool:
    for text in function.strings:
        if text.lower() in ("x-cio-signature", "x-cio-timestamp"):
            return True
    return any(p.name in ("x_cio_signature", "x_cio_timestamp") for p in function.params)


def _reads_cio_payload(function: Function) -> bool:
    """Check for a ``metric`` read beside Customer.io's own metric names or fields."""
    if not reads_metric(function):
        return False
    if metric_values(function) & DISTINCT_METRICS:
        return True
    fields = function.member_reads | function.strings
    return "object_type" in fields or "delivery_id" in fields


# Verification ----------------------------------------------------------------------


def _hmac_messages(value: Value) -> list[Value] | None:
    """Return the message arguments of an HMAC computation, or None for other calls."""
    if value.kind != "call" or value.callee is None:
        return None
    callee = value.callee
    name = callee.last_name or ""
    dotted = callee.dotted or ""
    args = value.args
    if name == "createHmac":
        return []
    if dotted in ("hmac.new", "hmac.digest") or name == "HMAC":  # Python hmac module
        message = value.kwargs.get("msg")
        if message is None and len(args) > 1:
            message = args[1]
        return [message] if message is not None else []
    if name.startswith("Hmac") and len(args) >= 1:  # CryptoJS.HmacSHA256(message, key)
        return [args[0]]
    if dotted.endswith("subtle.sign") and len(args) > 2 and _names_hmac(args[0]):
        return [args[2]]
    return None


def _names_hmac(value: Value) -> bool:
    if value.kind == "str":
        return value.value.upper() == "HMAC"
    if value.kind == "object":
        found = value.get("name")
        return found is not None and found.kind == "str" and found.value.upper() == "HMAC"
    return True


def _is_verification_call(value: Value) -> bool:
    callee = value.callee
    if value.kind != "call" or callee is None:
        return False
    name = callee.last_name or ""
    if name in CONSTANT_TIME or (callee.dotted or "").endswith("subtle.verify"):
        return True
    if not VERIFY_NAME.search(words(name)):
        return False
    # verifySignature(...), or webhooks.verify(body, req.headers['x-cio-signature'])
    mentioned = " ".join([callee.text, *(arg.text for arg in value.args)]).lower()
    return bool(re.search(r"sig|hmac|webhook", mentioned))


def _unsafe_comparison(comparison: Value, project: Project) -> bool:
    if comparison.kind != "binop" or comparison.value not in ("==", "===", "!=", "!=="):
        return False
    if len(comparison.children) != 2:
        return False
    left, right = comparison.children
    if _is_trivial(left) or _is_trivial(right):
        return False
    return _is_signature(left, project) or _is_signature(right, project)


def _is_trivial(value: Value) -> bool:
    """Check for literals, lengths and type checks, operands whose comparison leaks nothing."""
    if value.kind in ("str", "num", "bool", "null", "unknown"):
        return True
    if value.kind == "name" and value.value in ("undefined", "None", "null", "True", "False"):
        return True
    if value.kind == "member" and value.value in ("length", "byteLength", "size"):
        return True
    if value.kind == "unary" and value.value == "typeof":
        return True
    if value.kind == "call" and value.callee is not None and value.callee.last_name == "len":
        return True
    return False


def _is_signature(value: Value, project: Project) -> bool:
    for node in expand(value, project):
        if node.kind == "str" and node.value.lower() == "x-cio-signature":
            return True
        if node.kind in ("name", "member") and SIGNATURE_NAME.search(words(node.last_name or "")):
            return True
        if node.kind == "call" and node.callee is not None:
            if node.callee.last_name in DIGEST_METHODS or _hmac_messages(node) is not None:
                return True
    return False


def _reserialized_message(project: Project, calls: CallIndex, file: FileFacts,
                          call: Call) -> Value | None:
    """Find the ``JSON.stringify``/``json.dumps`` call whose output an HMAC digests."""
    messages = list(_hmac_messages(call.value) or [])
    for other in calls.calls_in(file, call.function):
        callee = other.value.callee
        if callee is None or callee.kind != "member" or callee.value != "update":
            continue
        if _rooted_at(project, callee.obj, call):
            messages.extend(other.value.args)
    for message in messages:
        found = _serializer_in(message, project)
        if found is not None:
            return found
    return None


def _serializer_in(value: Value, project: Project, depth: int = 0) -> Value | None:
    """Find a ``stringify``/``dumps`` call in ``value``, following parameters to call sites."""
    for node in expand(value, project):
        if node.kind == "call" and node.callee is not None and (
                node.callee.last_name in SERIALIZERS):
            return node
        if node.kind != "name" or depth >= 2:
            continue
        for ref in project.resolver.resolve(node):
            if ref.kind != "param" or ref.function is None or ref.file is None:
                continue
            for argument in _arguments_for(project, ref.file, ref.function, ref.target):
                found = _serializer_in(argument, project, depth + 1)
                if found is not None:
                    return found
    return None


def _arguments_for(project: Project, file: FileFacts, function: Function,
                   param: Param) -> Iterator[Value]:
    """Yield the argument each call site of ``function`` passes for ``param``."""
    from ...resolve import argument_for

    bound = (file.language == "python" and function.kind == "method" and function.params
             and function.params[0].name in ("self", "cls"))
    for _, site in project.graph.sites_of(file, function):
        callee = site.value.callee
        offset = 1 if bound and callee is not None and callee.kind == "member" else 0
        argument = argument_for(site.value, param, offset)
        if argument is not None:
            yield argument


def _rooted_at(project: Project, value: Value | None, call: Call) -> bool:
    """Check whether ``value`` is ``call``, a chain built on it, or a name assigned it."""
    seen = 0
    while value is not None and seen < 16:
        seen += 1
        if value.span == call.span:
            return True
        if value.kind == "call":
            value = value.callee.obj if value.callee is not None else None
        elif value.kind == "member":
            value = value.obj
        elif value.kind == "name":
            return any(v.span == call.span or _contains(v, call) for v in project.values_of(value))
        else:
            return False
    return False


def _contains(value: Value, call: Call) -> bool:
    return any(node.span == call.span for node in value.walk())


def _computation_span(calls: CallIndex, file: FileFacts, call: Call):
    """Return the span of the whole ``createHmac(...).update(...).digest()`` chain."""
    best = call.span
    for other in calls.calls_in(file, call.function):
        if other.span.contains(best) and _chain_contains(other.value, call):
            best = other.span
    return best


def _chain_contains(value: Value, call: Call) -> bool:
    node: Value | None = value
    while node is not None:
        if node.span == call.span:
            return True
        if node.kind == "call":
            node = node.callee
        elif node.kind == "member":
            node = node.obj
        else:
            return False
    return False


# Responses to unknown metrics ----------------------------------------------------------


def _unknown_metric_status(flow: HandlerFlow) -> int | None:
    """Return a 4xx status sent from the fallback branch of a metric dispatch."""
    # TODO: status codes carry no branch condition, so a 400 after a failed lookup
    # (`if handler is None: return 400`) is missed and an `else` of another test counts.
    for _, function in flow.members:
        if not reads_metric(function):
            continue
        for code, _, in_default in function.status_codes:
            if in_default and 400 <= code < 500 and code not in AUTH_STATUSES:
                return code
    return None


def _handler_span(flow: HandlerFlow):
    """Return the route registration of an inline handler, else the function definition."""
    chosen = next((f for f in reversed(flow.handlers) if reads_metric(f)), flow.handlers[-1])
    if chosen.passed_to >= 0 and chosen.handler is not None:
        return chosen.handler.span
    return chosen.span


def _route_label(flow: HandlerFlow) -> str:
    for function in flow.handlers:
        if function.handler is not None and function.handler.route:
            return f"`{function.handler.route}`"
    handler = flow.handlers[-1].handler
    if handler is not None and handler.framework.startswith(("nextjs", "serverless")):
        return f"`{flow.file.path}`"
    function = flow.handlers[-1]
    if function.class_name and function.kind == "method":
        return f"`{function.class_name}.{function.name}`"
    return f"`{function.name}`" if function.name else "handler"


def _short(value: Value) -> str:
    text = " ".join(value.text.split())
    return text if len(text) <= 40 else text[:37] + "..."
