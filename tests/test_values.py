"""The value predicates that rules share: time units, emails, run-time names
and personal data, on values extracted from short JS and Python snippets.

Each snippet calls ``sink(EXPR)``, and the tests ask about EXPR. The
resolver reads the snippet's other lines, so local variables and constants
can be followed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cioguard.engine import extract_source
from cioguard.model import Value
from cioguard.project import Project
from cioguard.resolve import Resolver
from cioguard.values import (
    DATE,
    FINER,
    ISO,
    MICROS,
    MS,
    NANOS,
    SECONDS,
    constant_strings,
    dynamic_name,
    email_reason,
    pii_in_literal,
    pii_name,
    time_unit,
)

FILE_NAMES = {"javascript": "snippet.js", "typescript": "snippet.ts", "python": "snippet.py"}


def extract(snippet: str, language: str = "javascript") -> tuple[Value, Resolver]:
    """Return the argument of the last ``sink(...)`` call and a resolver for the snippet."""
    path = FILE_NAMES[language]
    facts = extract_source(snippet.encode(), path, language)
    assert not facts.has_errors, f"snippet does not parse: {snippet!r}"
    sinks = [call for call in facts.calls
             if call.value.callee is not None and call.value.callee.dotted == "sink"]
    assert sinks, f"snippet has no sink(...) call: {snippet!r}"
    project = Project(Path("."), {path: facts})
    return sinks[-1].value.args[0], project.resolver


def unit_of(snippet: str, language: str = "javascript") -> str | None:
    value, resolver = extract(snippet, language)
    unit = time_unit(value, resolver, language)
    return unit.unit if unit is not None else None


# time_unit ---------------------------------------------------------------------------


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink(Date.now())", MS),
    ("sink(new Date(s).getTime())", MS),
    ("sink(order.placedAt.getTime())", MS),
    ("sink(+new Date())", MS),
    ("sink(Date.parse(s))", MS),
    ("sink(Date.UTC(2026, 0, 1))", MS),
    ("sink(dayjs(s).valueOf())", MS),
    ("sink(moment().add(1, 'day').valueOf())", MS),
    ("sink(DateTime.fromISO(s).toMillis())", MS),
    ("sink(Number(new Date(s)))", MS),
    ("sink(performance.timeOrigin + performance.now())", MS),
    ("sink(1767225600000)", MS),
    ("sink(Date.now() + 86400000)", MS),
    ("sink(Date.now() - 3600 * 1000)", MS),
    ("sink(Math.floor(Date.now() / 1000))", SECONDS),
    ("sink(Math.round(new Date(s).getTime() / 1e3))", SECONDS),
    ("sink(Date.now() * 0.001)", SECONDS),
    ("sink((Date.now() / 1000) >> 0)", SECONDS),
    ("sink(dayjs(s).unix())", SECONDS),
    ("sink(DateTime.now().toSeconds())", SECONDS),
    ("sink(getUnixTime(d))", SECONDS),
    ("sink(new Date(s))", DATE),
    ("sink(new Date().toISOString())", ISO),
    ("sink(moment(s).format())", ISO),
])
def test_time_unit_javascript(snippet, expected):
    assert unit_of(snippet) == expected


@pytest.mark.parametrize("snippet", [
    "sink(1767225600)",
    "sink(42)",
    "sink(order.createdAt)",
    "sink(Date.now() - order.startedAt)",
    "sink(expiresAt - Date.now())",
    "sink(Date.now() - Date.now())",
    "sink(time.time())",
    "sink(String(x).length)",
    "sink(formatter.format(x))",
])
def test_time_unit_javascript_unknown(snippet):
    assert unit_of(snippet) is None


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink(time.time())", SECONDS),
    ("sink(int(time.time()))", SECONDS),
    ("sink(int(time.time() * 1000))", MS),
    ("sink(round(time.time() * 1000))", MS),
    ("sink(time.time_ns())", NANOS),
    ("sink(time.time_ns() // 1_000_000_000)", SECONDS),
    ("sink(dt.timestamp())", SECONDS),
    ("sink(int(dt.timestamp()))", SECONDS),
    ("sink(dt.timestamp() * 1000)", MS),
    ("sink(dt.strftime('%s'))", SECONDS),
    ("sink(dt.isoformat())", ISO),
    ("sink(1767225600000)", MS),
])
def test_time_unit_python(snippet, expected):
    assert unit_of("import time\n" + snippet, "python") == expected


@pytest.mark.parametrize("snippet", [
    "sink(datetime.now(timezone.utc))",
    "sink(dt)",
    "sink(1767225600)",
    "sink(time.monotonic() - started)",
    "sink(row['created_at'])",
])
def test_time_unit_python_unknown(snippet):
    assert unit_of("import time\n" + snippet, "python") is None


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink(time.time_ns() // 1000)", MICROS),
    ("sink(time.time_ns() // 1_000_000)", MS),
    ("sink(time.time() * 1_000_000)", MICROS),
    ("sink(time.time() * 10_000)", FINER),
])
def test_time_unit_python_scaled_short_of_seconds(snippet, expected):
    assert unit_of("import time\n" + snippet, "python") == expected


def test_time_unit_javascript_microseconds():
    assert unit_of("sink(Date.now() * 1000)") == MICROS


def test_time_unit_division_by_zero():
    assert unit_of("sink(Date.now() / 0)") == "ms"


def test_time_unit_follows_local_variable():
    value, resolver = extract("function f() {\n  const now = Date.now();\n  sink(now);\n}")

    unit = time_unit(value, resolver, "javascript")

    assert unit is not None
    assert unit.unit == MS
    assert unit.source.text == "Date.now()"
    assert unit.source.span.line == 1


def test_time_unit_follows_python_local_variable():
    value, resolver = extract(
        "import time\ndef f():\n    placed = int(time.time() * 1000)\n    sink(placed)\n", "python")

    unit = time_unit(value, resolver, "python")

    assert unit is not None
    assert unit.unit == MS
    assert unit.source.span.line == 2


def test_time_unit_valueof_needs_a_date():
    assert unit_of("const d = new Date(s);\nsink(d.valueOf());") == MS
    assert unit_of("sink(price.valueOf())") is None


def test_time_unit_typescript_date_annotation():
    snippet = "function f(s: string) {\n  const d: Date = new Date(s);\n  sink(Number(d));\n}"

    assert unit_of(snippet, "typescript") == MS


# email_reason ---------------------------------------------------------------------------


@pytest.mark.parametrize("snippet", [
    "sink('ann.lee@acme-widgets.test')",
    "sink(user.email)",
    "sink(req.body.email)",
    "sink(invite.userEmail)",
    "sink(member.emailAddress)",
    "sink(contact.mail)",
    "sink(String(user.email).trim().toLowerCase())",
    "sink(`${user.email}`)",
    "sink(`guest-${form.email_address}`)",
    "sink(`${name}@acme-widgets.test`)",
    "sink(verified ? user.email : user.id)",
    "const id = req.body.email;\nsink(id);",
    "sink(user.email ?? user.id)",
])
def test_email_reason_javascript(snippet):
    value, resolver = extract(snippet)

    assert email_reason(value, resolver) is not None


@pytest.mark.parametrize("snippet", [
    "sink(user.id)",
    "sink(String(user.id))",
    "sink('ops-team')",
    "sink(`cio_${user.cioId}`)",
    "sink('cio_03000001@x')",
    "sink(sha256(user.email))",
    "sink(user.emailVerified ? user.id : user.legacyId)",
    "sink(user.emails.length)",
    "function f(personId) {\n  sink(personId);\n}",
])
def test_email_reason_javascript_leaves(snippet):
    value, resolver = extract(snippet)

    assert email_reason(value, resolver) is None


@pytest.mark.parametrize("snippet", [
    "sink(user.email)",
    "sink(row['email'])",
    "sink(data.get('email'))",
    "sink(f'{email}')",
    "sink(request.form['email'].strip().lower())",
    "def f(request):\n    email = request.json['email']\n    sink(email)\n",
])
def test_email_reason_python(snippet):
    value, resolver = extract(snippet, "python")

    assert email_reason(value, resolver) is not None


@pytest.mark.parametrize("snippet", [
    "sink(user.pk)",
    "sink(str(user.id))",
    "sink(hashlib.sha256(user.email.encode()).hexdigest())",
    "sink(f'cio_{user.cio_id}')",
])
def test_email_reason_python_leaves(snippet):
    value, resolver = extract(snippet, "python")

    assert email_reason(value, resolver) is None


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink('ops@acme-widgets.test')", "is an email address"),
    ("sink(owner.email)", "is an email address"),
    ("const key = 'ops@acme-widgets.test';\nsink(key);", "is the email `ops@acme-widgets.test`"),
    ("const key = owner.email;\nsink(key);", "is the email `owner.email`"),
    ("sink(String(owner.email).trim())", "is the email `owner.email`"),
    ("sink(`${owner.email}`)", "is built from the email `owner.email`"),
    ("sink(`${name}@acme-widgets.test`)", "is built around an `@`"),
])
def test_email_reason_phrase(snippet, expected):
    value, resolver = extract(snippet)

    assert email_reason(value, resolver) == expected


# constant_strings ------------------------------------------------------------------------


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink('order_placed')", ["order_placed"]),
    ("sink('order_' + 'placed')", ["order_placed"]),
    ("sink(paid ? 'invoice_paid' : 'invoice_failed')", ["invoice_paid", "invoice_failed"]),
    ("const PREFIX = 'billing';\nsink(`${PREFIX}_started`);", ["billing_started"]),
    ("const NAME = 'signed_up';\nsink(NAME);", ["signed_up"]),
    ("sink(3)", ["3"]),
])
def test_constant_strings_javascript(snippet, expected):
    value, resolver = extract(snippet)

    assert constant_strings(value, resolver) == expected


def test_constant_strings_constant_map_lookup():
    snippet = "const EVENTS = Object.freeze({ a: 'tab_a_opened', b: 'tab_b_opened' });\nsink(EVENTS[key]);"
    value, resolver = extract(snippet)

    assert sorted(constant_strings(value, resolver)) == ["tab_a_opened", "tab_b_opened"]


def test_constant_strings_python_dict_lookup():
    snippet = "EVENTS = {'csv': 'report_exported', 'pdf': 'report_printed'}\nsink(EVENTS[kind])\n"
    value, resolver = extract(snippet, "python")

    assert sorted(constant_strings(value, resolver)) == ["report_exported", "report_printed"]


@pytest.mark.parametrize("snippet", [
    "sink(`${feature}_used`)",
    "sink('plan_' + plan)",
    "sink(req.body.event)",
    "sink(getName())",
    "function f(name) {\n  sink(name);\n}",
    "sink(paid ? 'invoice_paid' : status)",
])
def test_constant_strings_unknown(snippet):
    value, resolver = extract(snippet)

    assert constant_strings(value, resolver) is None


def test_constant_strings_python_f_string_of_constants():
    value, resolver = extract("PREFIX = 'app'\nsink(f'{PREFIX}_opened')\n", "python")

    assert constant_strings(value, resolver) == ["app_opened"]


# dynamic_name ----------------------------------------------------------------------------


@pytest.mark.parametrize(("snippet", "parts"), [
    ("sink(`${feature}_used`)", ["feature"]),
    ("sink('plan_' + plan + '_selected')", ["plan"]),
    ("sink(['report', format, 'exported'].join('_'))", ["format"]),
    ("sink(util.format('%s_clicked', button))", ["button"]),
])
def test_dynamic_name_javascript(snippet, parts):
    value, resolver = extract(snippet)

    dynamic = dynamic_name(value, resolver)

    assert dynamic is not None
    assert [part.text for part in dynamic.parts] == parts
    assert not dynamic.bounded
    assert not dynamic.request_input


@pytest.mark.parametrize(("snippet", "parts"), [
    ("sink(f'{kind}_report_exported')", ["kind"]),
    ("sink('{}_clicked'.format(kind))", ["kind"]),
    ("sink('%s_viewed' % kind)", ["kind"]),
])
def test_dynamic_name_python(snippet, parts):
    value, resolver = extract(snippet, "python")

    dynamic = dynamic_name(value, resolver)

    assert dynamic is not None
    assert [part.text for part in dynamic.parts] == parts
    assert not dynamic.bounded


@pytest.mark.parametrize(("snippet", "language"), [
    ("sink(req.body.eventName)", "javascript"),
    ("sink(req.params.name)", "javascript"),
    ("sink(request.json['event'])", "python"),
    ("sink(request.args.get('event'))", "python"),
])
def test_dynamic_name_request_input(snippet, language):
    value, resolver = extract(snippet, language)

    dynamic = dynamic_name(value, resolver)

    assert dynamic is not None
    assert dynamic.request_input


@pytest.mark.parametrize(("snippet", "language"), [
    ("sink(`${process.env.DEPLOY_ENV}_signed_up`)", "javascript"),
    ("sink(`${ENV}_order_placed`)", "javascript"),
    ("sink(f'{settings.EVENT_PREFIX}_order_placed')", "python"),
])
def test_dynamic_name_environment_prefix_is_bounded(snippet, language):
    value, resolver = extract(snippet, language)

    dynamic = dynamic_name(value, resolver)

    assert dynamic is not None
    assert dynamic.bounded


@pytest.mark.parametrize("snippet", [
    "sink('feature_used')",
    "sink('plan_' + 'upgraded')",
    "sink(paid ? 'invoice_paid' : 'invoice_failed')",
    "const STEPS = { start: 'wizard_started' };\nsink(STEPS[step]);",
    "function f(eventName) {\n  sink(eventName);\n}",
    "sink(lookupName(id))",
])
def test_dynamic_name_fixed_or_unknown(snippet):
    value, resolver = extract(snippet)

    assert dynamic_name(value, resolver) is None


def test_dynamic_name_origin_behind_variable():
    value, resolver = extract("function f(plan) {\n  const label = 'plan_' + plan;\n  sink(label);\n}")

    dynamic = dynamic_name(value, resolver)

    assert dynamic is not None
    assert dynamic.origin.text == "'plan_' + plan"
    assert dynamic.origin.span.line == 1


def test_dynamic_name_conditional_with_one_dynamic_branch():
    value, resolver = extract("sink(paid ? 'invoice_paid' : `invoice_${status}`)")

    dynamic = dynamic_name(value, resolver)

    assert dynamic is not None
    assert [part.text for part in dynamic.parts] == ["status"]


# pii_in_literal --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("welcome_sent_to_ann.lee@acme-widgets.test", "an email address"),
    ("callback_requested_+1 415 555 0134", "a phone number"),
    ("sms_to_(415) 555-0134", "a phone number"),
    ("login_from_203.0.113.7", "an IP address"),
    ("login_from_2001:db8:85a3:0:0:8a2e:370:7334", "an IP address"),
])
def test_pii_in_literal_finds(text, expected):
    assert pii_in_literal(text) == expected


@pytest.mark.parametrize("text", [
    "email_changed",
    "phone_verified",
    "ip_address_updated",
    "order_12345",
    "sdk_2.10.1_installed",
    "invoice_2026_01_15",
    "user@",
    "",
])
def test_pii_in_literal_leaves(text):
    assert pii_in_literal(text) is None


# pii_name -------------------------------------------------------------------------------


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink(user.email)", "email"),
    ("sink(profile.first_name)", "first_name"),
    ("sink(customer.lastName)", "lastName"),
    ("sink(user.username)", "username"),
    ("sink(user.displayName)", "displayName"),
    ("sink(req.ip)", "ip"),
    ("sink(member.phone)", "phone"),
    ("sink(user.dob)", "dob"),
    ("sink(user.name)", "name"),
    ("sink(customer.name)", "name"),
    ("sink(String(user.email).trim())", "email"),
    ("sink(userEmail)", "userEmail"),
])
def test_pii_name_javascript(snippet, expected):
    value, _ = extract(snippet)

    assert pii_name(value) == expected


@pytest.mark.parametrize("snippet", [
    "sink(plan.name)",
    "sink(product.name)",
    "sink(order.id)",
    "sink(user.id)",
    "sink(feature)",
    "sink(event.type)",
])
def test_pii_name_javascript_leaves(snippet):
    value, _ = extract(snippet)

    assert pii_name(value) is None


@pytest.mark.parametrize(("snippet", "expected"), [
    ("sink(user.email)", "email"),
    ("sink(data.get('phone'))", "phone"),
    ("sink(row['ssn'])", "ssn"),
    ("sink(profile.full_name)", "full_name"),
    ("sink(account.name)", "name"),
])
def test_pii_name_python(snippet, expected):
    value, _ = extract(snippet, "python")

    assert pii_name(value) == expected


@pytest.mark.parametrize("snippet", ["sink(team.name)", "sink(kind)", "sink(data.get('plan'))"])
def test_pii_name_python_leaves(snippet):
    value, _ = extract(snippet, "python")

    assert pii_name(value) is None
