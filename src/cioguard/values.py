"""Predicates that rules share about values: units of time, emails, run-time strings.

Every function takes a ``Value`` and the project's resolver, and follows
local variables and constants where that is safe. When a value cannot be
read, the result is "unknown" (usually None), never a guess that would
become a false alarm.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Value

if TYPE_CHECKING:
    from .resolve import Resolver

IDENTITY_CALLS = {
    "String", "str", "encodeURIComponent", "encodeURI", "quote", "quote_plus", "unicode",
}
IDENTITY_METHODS = {
    "lower", "upper", "strip", "lstrip", "rstrip", "trim", "trimStart", "trimEnd",
    "toLowerCase", "toUpperCase", "toLocaleLowerCase", "normalize", "casefold",
    "toString", "encode", "decode",
}
EMAIL_NAMES = {"email", "emailaddress", "email_address", "mail", "e_mail", "emailid"}
REQUEST_ROOTS = {"req", "request", "ctx", "c", "event"}
REQUEST_INPUT = {"body", "query", "params", "form", "args", "json", "data", "values",
                 "GET", "POST", "query_params", "path_params", "cookies"}
PII_NAMES = {
    "email", "emailaddress", "email_address", "phone", "phonenumber", "phone_number", "mobile",
    "first_name", "firstname", "last_name", "lastname", "full_name", "fullname", "address",
    "street", "ssn", "ip", "ip_address", "ipaddress", "dob", "birthday", "birthdate",
    "date_of_birth", "username", "user_name", "displayname", "display_name", "name",
}
USER_LIKE = {"user", "customer", "person", "profile", "account", "member", "viewer",
             "current_user", "currentuser", "owner", "subscriber", "contact", "patient",
             "client", "recipient", "sender", "author", "lead"}
ENV_PREFIX = re.compile(r"(^|[._])(env|environment|stage|prefix|node_env|deploy|tier|namespace)"
                        r"($|[._])|PREFIX|ENV\b|STAGE", re.I)
EMAIL_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_TEXT = re.compile(r"(?<![\w])\+?\d[\d\s().-]{6,}\d(?![\w])")
IPV4_TEXT = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
# Underscores may touch an address, as in event names like ``login_from_<ip>``.
IPV6_TEXT = re.compile(
    r"(?<![:0-9A-Za-z])(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}(?![:0-9A-Za-z])"
)


def unwrap_identity(value: Value) -> Value:
    """Strip calls that keep a string's meaning: ``String(x).trim().toLowerCase()``."""
    seen = 0
    while seen < 12:
        seen += 1
        if value.kind == "call" and value.callee is not None:
            callee = value.callee
            if callee.kind == "name" and callee.value in IDENTITY_CALLS and value.args:
                value = value.args[0]
                continue
            if callee.kind == "member" and callee.value in IDENTITY_METHODS and callee.obj:
                value = callee.obj
                continue
        if value.kind == "binop" and value.value in ("??", "||"):
            value = value.children[0]
            continue
        break
    return value


def last_name(value: Value) -> str | None:
    """``email`` for ``user.email``, ``row["email"]`` or ``data.get("email")``."""
    if value.kind in ("name", "member"):
        return value.value
    if value.kind == "call" and value.method == "get" and value.args and value.args[0].kind == "str":
        return value.args[0].value
    return None


def is_email_name(name: str | None) -> bool:
    if not name:
        return False
    lowered = name.lower()
    return lowered in EMAIL_NAMES or lowered.endswith("email") or lowered.endswith("_email") or (
        lowered.endswith("emailaddress") or lowered.endswith("email_address"))


def email_reason(value: Value, resolver: Resolver, depth: int = 0) -> str | None:
    """Return how a person id comes from an email address, or None.

    The phrase completes "person id `<id>` ...": "is an email address" when
    the id itself is one, "is the email `owner.email`" when the email reaches
    the id through a variable or a conversion, or "is built from the email
    `member.email`" for a template.
    """
    if depth > 4:
        return None
    written = value
    value = unwrap_identity(value)
    direct = depth == 0 and value is written
    if value.kind == "str":
        text = value.value
        if "@" in text and not text.startswith("cio_"):
            return "is an email address" if direct else f"is the email `{text}`"
        return None
    if value.kind == "template":
        first = value.children[0] if value.children else None
        if first is not None and first.kind == "str" and first.value.startswith("cio_"):
            return None
        for part in value.children:
            if part.kind == "str" and "@" in part.value:
                return "is built around an `@`"
            if part.kind != "str" and email_reason(part, resolver, depth + 1):
                return f"is built from the email `{part.text}`"
        return None
    name = last_name(value)
    if is_email_name(name):
        return "is an email address" if direct else f"is the email `{value.text}`"
    if value.kind == "name":
        for resolved in resolver.values_of(value):
            if resolved is value:
                continue
            reason = email_reason(resolved, resolver, depth + 1)
            if reason:
                return reason
    if value.kind == "cond":
        for branch in value.children[1:]:
            reason = email_reason(branch, resolver, depth + 1)
            if reason:
                return reason
    return None


CIO_ID_PREFIX = "cio_"


def addresses_cio_id(value: Value, resolver: Resolver, depth: int = 0) -> bool:
    """Return True for a person id written as ``cio_<cio_id>``.

    Customer.io reads that id as its own identifier of a person who already
    exists, so the call updates that person and never creates one.
    """
    if depth > 4:
        return False
    value = unwrap_identity(value)
    if value.kind == "str":
        return str(value.value).startswith(CIO_ID_PREFIX)
    if value.kind == "template":
        first = value.children[0] if value.children else None
        return first is not None and first.kind == "str" and first.value.startswith(CIO_ID_PREFIX)
    if value.kind == "binop" and value.value in ("+", "%") and value.children:
        return addresses_cio_id(value.children[0], resolver, depth + 1)
    callee = value.callee
    if value.kind == "call" and value.method == "format" and callee is not None:
        return callee.obj is not None and addresses_cio_id(callee.obj, resolver, depth + 1)
    if value.kind == "name":
        resolved = [v for v in resolver.values_of(value) if v is not value]
        return bool(resolved) and all(
            addresses_cio_id(v, resolver, depth + 1) for v in resolved
        )
    return False


# Time units -------------------------------------------------------------------

MS, SECONDS, NANOS, DATE, ISO = "ms", "s", "ns", "date", "iso"
MICROS = "us"
# A scaled time in a unit finer than seconds that is not ms, us or ns, such as
# ``time.time() * 10_000``.
FINER = "finer"
DATE_FACTORIES = {"moment", "dayjs", "DateTime.now", "DateTime.fromISO", "DateTime.fromJSDate",
                  "DateTime.local", "DateTime.utc", "DateTime.fromMillis", "DateTime.fromSeconds",
                  "moment.utc", "dayjs.utc"}


@dataclass(slots=True)
class Unit:
    unit: str
    source: Value  # the expression that decided the unit
    description: str


def time_unit(value: Value | None, resolver: Resolver, language: str, depth: int = 0) -> Unit | None:
    """Return the unit of a timestamp expression, or None when it is unknown.

    The unit is seconds or a finer scale of them, a date object or an ISO string.
    """
    if value is None or depth > 8:
        return None
    kind = value.kind
    if kind == "num":
        number = value.value
        if isinstance(number, (int, float)) and 1e12 <= number < 4e12:
            return Unit(MS, value, f"`{value.text}` is a time in milliseconds")
        return None
    if kind == "call":
        return _call_unit(value, resolver, language, depth)
    if kind == "new":
        name = value.callee.dotted if value.callee is not None else None
        if name == "Date" and language != "python":
            return Unit(DATE, value, "a JS `Date` object is sent as an ISO string, not Unix seconds")
        return None
    if kind == "unary":
        inner = value.children[0]
        if value.value == "+" and inner.kind == "new" and inner.callee is not None and inner.callee.dotted == "Date":
            return Unit(MS, value, "`+new Date()` is milliseconds")
        if value.value == "~":
            unit = time_unit(inner.children[0] if inner.kind == "unary" else inner, resolver, language, depth + 1)
            return unit
        return None
    if kind == "binop":
        return _binop_unit(value, resolver, language, depth)
    if kind == "name":
        for resolved in resolver.values_of(value):
            if resolved is value:
                continue
            unit = time_unit(resolved, resolver, language, depth + 1)
            if unit is not None:
                return Unit(unit.unit, unit.source, unit.description)
        return None
    if kind == "await":
        return time_unit(value.children[0], resolver, language, depth + 1)
    return None


def _call_unit(value: Value, resolver: Resolver, language: str, depth: int) -> Unit | None:
    callee = value.callee
    if callee is None:
        return None
    dotted = callee.dotted or ""
    method = callee.value if callee.kind == "member" else None
    receiver = callee.obj if callee.kind == "member" else None
    args = value.args

    # Functions named by their dotted path.
    if dotted == "Date.now":
        return Unit(MS, value, "`Date.now()` is milliseconds")
    if dotted in ("Date.parse", "Date.UTC"):
        return Unit(MS, value, f"`{dotted}()` returns milliseconds")
    if dotted in ("performance.now",):
        return Unit(MS, value, "`performance.now()` is milliseconds")
    if dotted in ("time.time_ns", "time_ns"):
        return Unit(NANOS, value, "`time.time_ns()` is nanoseconds")
    if dotted in ("time.time", "time"):
        return Unit(SECONDS, value, "`time.time()` is seconds") if language == "python" else None
    if dotted in ("getUnixTime", "dateFns.getUnixTime"):
        return Unit(SECONDS, value, "seconds")
    if dotted in ("getTime", "dateFns.getTime"):
        return Unit(MS, value, "`getTime()` returns milliseconds")

    # Methods of date and time objects, and `Number(date)`.
    if method == "getTime" and language != "python":
        return Unit(MS, value, f"`{value.text}` is milliseconds")
    if method in ("toMillis",):
        return Unit(MS, value, f"`{value.text}` is milliseconds")
    if method in ("unix", "toSeconds", "toUnixInteger", "timestamp") and method != "timestamp" or (
        method == "timestamp" and language == "python"
    ):
        return Unit(SECONDS, value, "seconds")
    if method == "strftime" and args and args[0].kind == "str" and args[0].value == "%s":
        return Unit(SECONDS, value, "seconds")
    if method in ("toISOString", "toJSON", "toUTCString", "toISO", "format") and language != "python":
        if method == "format" and not _is_date_value(receiver, resolver):
            return None
        return Unit(ISO, value, f"`{value.text}` is a date string, not Unix seconds")
    if method == "isoformat" and language == "python":
        return Unit(ISO, value, f"`{value.text}` is a date string, not Unix seconds")
    if method == "valueOf" and receiver is not None and _is_date_value(receiver, resolver):
        return Unit(MS, value, f"`{value.text}` is milliseconds")
    if dotted in ("Number",) and args and _is_date_value(args[0], resolver):
        return Unit(MS, value, f"`{value.text}` is milliseconds")

    # Rounding and conversion keep the unit of their argument.
    if dotted in ("Math.floor", "Math.round", "Math.ceil", "Math.trunc", "int", "round",
                  "math.floor", "math.ceil", "parseInt", "Number", "float", "trunc",
                  "math.trunc") and args:
        return time_unit(args[0], resolver, language, depth + 1)
    return None


def _is_date_value(value: Value | None, resolver: Resolver, depth: int = 0) -> bool:
    if value is None or depth > 4:
        return False
    if value.kind == "new" and value.callee is not None and value.callee.dotted == "Date":
        return True
    if value.kind == "call" and value.callee is not None:
        dotted = value.callee.dotted or ""
        if dotted in DATE_FACTORIES or dotted.split(".")[0] in ("moment", "dayjs"):
            return True
        if value.callee.kind == "member" and value.callee.obj is not None:
            return _is_date_value(value.callee.obj, resolver, depth + 1) and value.callee.value in (
                "add", "subtract", "startOf", "endOf", "utc", "local", "tz", "plus", "minus")
    if value.kind == "name":
        return any(_is_date_value(v, resolver, depth + 1)
                   for v in resolver.values_of(value) if v is not value)
    return False


def _binop_unit(value: Value, resolver: Resolver, language: str, depth: int) -> Unit | None:
    op = value.value
    left, right = value.children
    if op in ("/", "//"):
        unit = time_unit(left, resolver, language, depth + 1)
        divisor = _number(right, resolver)
        if unit is None:
            return None
        if not divisor:
            return _scaled(unit, 1, value)  # an unknown or zero divisor keeps the unit
        return _scaled(unit, 1 / divisor, value)
    if op == "*":
        unit = time_unit(left, resolver, language, depth + 1)
        factor = _number(right, resolver)
        if unit is None:
            unit = time_unit(right, resolver, language, depth + 1)
            factor = _number(left, resolver)
        if unit is None or factor is None:
            return None
        return _scaled(unit, factor, value)
    if op in (">>", "|", ">>>"):
        return time_unit(left, resolver, language, depth + 1)
    if op in ("+", "-"):
        left_unit = time_unit(left, resolver, language, depth + 1)
        right_unit = time_unit(right, resolver, language, depth + 1)
        if left_unit is not None and right_unit is not None:
            if op == "-" and left_unit.unit == right_unit.unit:
                return None  # a difference of two times is a duration
            return left_unit
        if op == "-" and (left_unit is None or _number(right, resolver) is None):
            # ``Date.now() - order.startedAt`` is likely a duration, and
            # ``expiresAt - Date.now()`` is one; only ``time - constant`` stays a time.
            return None
        unit = left_unit or right_unit
        if unit is not None and (unit.unit in SCALE or unit.unit == FINER):
            return Unit(unit.unit, unit.source, unit.description)
        return None
    return None


SCALE = {MS: 1e-3, MICROS: 1e-6, SECONDS: 1.0, NANOS: 1e-9}
UNIT_NAMES = {MS: "milliseconds", MICROS: "microseconds", NANOS: "nanoseconds"}


def _scaled(unit: Unit, factor: float, value: Value) -> Unit | None:
    if unit.unit not in SCALE:
        return None
    seconds_per_unit = SCALE[unit.unit] / factor if factor else 0
    if math.isclose(seconds_per_unit, 1.0, rel_tol=1e-9):
        return Unit(SECONDS, value, "seconds")
    for name, words in UNIT_NAMES.items():
        if math.isclose(seconds_per_unit, SCALE[name], rel_tol=1e-9):
            return Unit(name, value, f"`{value.text}` is {words}")
    if seconds_per_unit < 1e-3:
        return Unit(FINER, value, f"`{value.text}` is finer than seconds")
    return None


def _number(value: Value, resolver: Resolver) -> float | None:
    if value.kind == "num" and isinstance(value.value, (int, float)):
        return float(value.value)
    if value.kind == "binop" and value.value in ("*", "**"):
        left, right = (_number(child, resolver) for child in value.children)
        if left is not None and right is not None:
            return left * right if value.value == "*" else left ** right
    if value.kind in ("name", "member"):
        for resolved in resolver.values_of(value):
            if resolved is not value and resolved.kind in ("num", "binop"):
                return _number(resolved, resolver)
    return None


# Strings built at run time -------------------------------------------------------


@dataclass(slots=True)
class Dynamic:
    """The run-time parts of an event name, and whether they are bounded."""

    parts: list[Value]
    bounded: bool  # only environment or deploy prefixes vary
    request_input: bool
    origin: Value  # the expression that builds the name (may sit behind a variable)


def constant_strings(value: Value | None, resolver: Resolver, depth: int = 0) -> list[str] | None:
    """Return every string a value can be, or None when that set is not fixed in the code."""
    if value is None or depth > 6:
        return None
    kind = value.kind
    if kind == "str":
        return [value.value]
    if kind == "num":
        return [str(value.value)]
    if kind == "cond":
        left = constant_strings(value.children[1], resolver, depth + 1)
        right = constant_strings(value.children[2], resolver, depth + 1)
        return left + right if left is not None and right is not None else None
    if kind == "binop" and value.value == "+":
        left = constant_strings(value.children[0], resolver, depth + 1)
        right = constant_strings(value.children[1], resolver, depth + 1)
        if left is None or right is None or len(left) * len(right) > 64:
            return None
        return [a + b for a in left for b in right]
    if kind == "template":
        combos = [""]
        for part in value.children:
            options = constant_strings(part, resolver, depth + 1)
            if options is None or len(combos) * len(options) > 64:
                return None
            combos = [a + b for a in combos for b in options]
        return combos
    if kind in ("name", "member"):
        resolved = [v for v in resolver.values_of(value) if v is not value]
        if not resolved or any(v.kind in ("unknown",) for v in resolved):
            return None
        out: list[str] = []
        for item in resolved:
            options = constant_strings(item, resolver, depth + 1)
            if options is None:
                return None
            out.extend(options)
        return out
    if kind == "index":
        return _lookup_strings(value, resolver, depth)
    return None


def _lookup_strings(value: Value, resolver: Resolver, depth: int) -> list[str] | None:
    """``EVENT_NAMES[action]``: a lookup in a constant map gives one of its values."""
    obj = value.children[0]
    for resolved in resolver.values_of(obj):
        target = resolved
        if target.kind == "call" and target.callee is not None and target.callee.dotted in (
            "Object.freeze", "dict", "frozendict", "MappingProxyType"
        ) and target.args:
            target = target.args[0]
        if target.kind in ("object", "array"):
            out: list[str] = []
            for child in target.children:
                options = constant_strings(child, resolver, depth + 1)
                if options is None:
                    return None
                out.extend(options)
            return out
    return None


def request_input(value: Value) -> bool:
    """``req.body.event``, ``request.json["name"]``, ``req.params.x``, route parameters."""
    node = value
    names = []
    seen = 0
    while node is not None and seen < 12:
        seen += 1
        if node.kind == "member":
            names.append(node.value)
            node = node.obj
        elif node.kind == "call" and node.callee is not None and node.callee.kind == "member":
            names.append(node.callee.value)
            node = node.callee.obj
        elif node.kind == "index":
            node = node.children[0]
        else:
            break
    if node is None or node.kind != "name":
        return False
    root = node.value
    names.reverse()
    if root in ("req", "request") and names and names[0] in REQUEST_INPUT:
        return True
    if root == "ctx" and len(names) >= 2 and names[0] == "request" and names[1] in REQUEST_INPUT:
        return True
    if root == "c" and len(names) >= 2 and names[0] == "req":
        return True
    if root in ("req", "request") and names[:1] in (["get_json"], ["param"], ["query"]):
        return True
    return False


def dynamic_name(value: Value | None, resolver: Resolver, depth: int = 0,
                 origin: Value | None = None) -> Dynamic | None:
    """Return how an event name is built at run time, or None when it is fixed or unknown."""
    if value is None or depth > 6:
        return None
    origin = origin or value
    kind = value.kind
    if constant_strings(value, resolver) is not None:
        return None
    if request_input(value):
        return Dynamic([value], False, True, origin)
    if kind in ("template", "binop") and (kind == "template" or value.value in ("+", "%")):
        parts = _varying_parts(value, resolver)
        if not parts:
            return None
        bounded = all(_is_env_prefix(part) for part in parts)
        return Dynamic(parts, bounded, any(request_input(p) for p in parts), origin)
    if kind == "call" and value.callee is not None:
        method = value.method
        if method == "join" and value.callee.obj is not None:
            items = value.callee.obj
            parts = [c for c in items.children if constant_strings(c, resolver) is None] if (
                items.kind == "array") else [items]
            if parts:
                return Dynamic(parts, False, any(request_input(p) for p in parts), origin)
        if method == "format" and value.callee.obj is not None and value.callee.obj.kind == "str":
            parts = [a for a in value.args + list(value.kwargs.values())
                     if constant_strings(a, resolver) is None]
            if parts:
                bounded = all(_is_env_prefix(part) for part in parts)
                return Dynamic(parts, bounded, any(request_input(p) for p in parts), origin)
        if value.callee.dotted in ("util.format", "format", "sprintf") and value.args:
            parts = [a for a in value.args[1:] if constant_strings(a, resolver) is None]
            if parts:
                return Dynamic(parts, False, any(request_input(p) for p in parts), origin)
    if kind == "name":
        for resolved in resolver.values_of(value):
            if resolved is value:
                continue
            found = dynamic_name(resolved, resolver, depth + 1, origin=resolved)
            if found is not None:
                return found
    if kind == "cond":
        for branch in value.children[1:]:
            found = dynamic_name(branch, resolver, depth + 1)
            if found is not None:
                return found
    return None


def _varying_parts(value: Value, resolver: Resolver) -> list[Value]:
    parts: list[Value] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if node.kind == "template" or (node.kind == "binop" and node.value == "+"):
            stack.extend(reversed(node.children))
        elif node.kind == "binop" and node.value == "%":
            stack.append(node.children[1])
        elif node.kind in ("array",):
            stack.extend(reversed(node.children))
        elif constant_strings(node, resolver) is None:
            parts.append(node)
    return parts


def _is_env_prefix(part: Value) -> bool:
    text = part.dotted or part.text
    return bool(ENV_PREFIX.search(text))


# Personal data --------------------------------------------------------------------


def pii_in_literal(text: str) -> str | None:
    if EMAIL_TEXT.search(text):
        return "an email address"
    phone = PHONE_TEXT.search(text)
    if phone and sum(ch.isdigit() for ch in phone.group(0)) >= 8:
        return "a phone number"
    if IPV4_TEXT.search(text) or IPV6_TEXT.search(text):
        return "an IP address"
    return None


def pii_name(value: Value) -> str | None:
    """Return the personal-data name that a substituted value carries: ``user.email`` -> email."""
    value = unwrap_identity(value)
    name = last_name(value)
    if name is None:
        return None
    lowered = name.lower()
    if lowered == "name":
        obj = value.obj if value.kind == "member" else None
        owner = (last_name(obj) or "").lower() if obj is not None else ""
        return "name" if owner in USER_LIKE else None
    if lowered in PII_NAMES or is_email_name(name):
        return name
    return None
