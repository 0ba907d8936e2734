"""Every rule against its fixtures, alone, and all rules against the sample app."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from cioguard.config import Settings

import cioguard.rules as rules_package
from cioguard.rules.base import REQUIRED_SECTIONS, Rule
from cioguard.rules.events.inconsistent_event_name import STYLES, convert
from cioguard.rules.registry import all_rules

from .harness import FIXTURES, check_project, fixture_cases, parse_errors, prepare, scan

CASES = fixture_cases()


@pytest.mark.parametrize(("code", "fixture"), CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_rule_alone_on_fixture(code, fixture, tmp_path, monkeypatch):
    project = prepare(fixture, tmp_path)
    assert parse_errors(project) == [], "fixture does not parse cleanly"
    outcome = check_project(project, {code}, monkeypatch)
    assert not outcome.errors, outcome.explain()
    assert not outcome.missed, outcome.explain()
    assert not outcome.unexpected, outcome.explain()


def test_all_rules_together_on_sample_app(tmp_path, monkeypatch):
    project = prepare(FIXTURES / "_integration", tmp_path)
    outcome = check_project(project, None, monkeypatch)
    assert not outcome.errors, outcome.explain()
    assert not outcome.missed, outcome.explain()
    assert not outcome.unexpected, outcome.explain()


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_fixtures_for_each_language(rule):
    languages = set()
    for code, path in CASES:
        if code != rule.code:
            continue
        files = [path] if path.is_file() else list(path.rglob("*"))
        for file in files:
            if file.suffix in (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx"):
                languages.add("js")
            elif file.suffix == ".py":
                languages.add("python")
    assert languages >= {"js", "python"}, f"{rule.code} fixtures cover only {sorted(languages)}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_documentation_has_sections(rule):
    sections = rule.sections()
    for heading in REQUIRED_SECTIONS:
        assert sections.get(heading), f"{rule.code} lacks a non-empty '{heading}' section"
    assert "```" in sections["Example"], f"{rule.code} Example has no code"
    assert "```" in sections["Use instead"], f"{rule.code} Use instead has no code"


def test_every_rule_module_is_registered():
    registered = {rule.__module__ for rule in all_rules()}
    found = set()
    for module in pkgutil.walk_packages(rules_package.__path__, rules_package.__name__ + "."):
        imported = importlib.import_module(module.name)
        for value in vars(imported).values():
            if (isinstance(value, type) and issubclass(value, Rule) and value is not Rule
                    and value.__module__ == imported.__name__):
                found.add(imported.__name__)
    assert found - registered == set()


def test_rule_codes_and_names_are_unique():
    codes = [rule.code for rule in all_rules()]
    names = [rule.name for rule in all_rules()]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


def test_no_rate_limit_names_data_loop(tmp_path, monkeypatch):
    project = prepare(FIXTURES / "CIO011" / "constant_inner_loop.py", tmp_path)
    outcome = check_project(project, {"CIO011"}, monkeypatch)
    messages = [finding.message for finding in outcome.findings]
    assert messages, outcome.explain()
    assert all("per item of `accounts`" in message for message in messages), messages


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Annotated a document", "Annotated a Document"),
        ("the_order_shipped", "The Order Shipped"),
        ("user signed up", "User Signed Up"),
        ("terms_and_conditions_accepted", "Terms and Conditions Accepted"),
    ],
)
def test_title_case_keeps_articles_lower(name, expected):
    converted = convert(name, "Title Case")
    assert converted == expected
    assert STYLES["Title Case"].match(converted)


EVENTS_PY = """\
import os

from customerio import CustomerIO, analytics

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])
analytics.write_key = os.environ["CIO_WRITE_KEY"]


def log_in(user):
    analytics.track(user.id, f"Logged in {user.plan}")
    cio.track(user.id, f"Logged in {user.plan}")
"""


def dynamic_name_hints(tmp_path, monkeypatch, settings=None) -> list[str]:
    (tmp_path / "events.py").write_text(EVENTS_PY)
    findings, _ = scan(tmp_path, {"CIO006"}, settings, monkeypatch)
    return [finding.hint for finding in findings]


def test_dynamic_name_hint_follows_api_style(tmp_path, monkeypatch):
    hints = dynamic_name_hints(tmp_path, monkeypatch)
    assert hints[0].startswith("Use a fixed name such as `Logged In` ")
    assert hints[1].startswith("Use a fixed name such as `logged_in` ")


def test_dynamic_name_hint_follows_configured_style(tmp_path, monkeypatch):
    settings = Settings(event_name_style={"track": "camelCase", "pipelines": "kebab-case"})
    hints = dynamic_name_hints(tmp_path, monkeypatch, settings)
    assert hints[0].startswith("Use a fixed name such as `logged-in` ")
    assert hints[1].startswith("Use a fixed name such as `loggedIn` ")



WRAPPED_NAMES_JS = """\
const { TrackClient } = require('customerio-node');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

async function trackAction(userId, category, action) {
  await cio.track(userId, { name: `${category}_${action}` });
}

async function handle(req, userId) {
  await trackAction(userId, 'document', req.body.action);
  await cio.track(userId, { name: `${process.env.DEPLOY_ENV}_signed_up` });
}

module.exports = { handle };
"""


def test_dynamic_name_messages_name_value_once(tmp_path, monkeypatch):
    (tmp_path / "events.js").write_text(WRAPPED_NAMES_JS)
    findings, _ = scan(tmp_path, {"CIO006"}, None, monkeypatch)
    messages = {finding.span.line + 1: finding.message for finding in findings}

    assert messages[10] == "`req.body.action` goes into the event name built on line 6"
    assert messages[11] == ("event name `${process.env.DEPLOY_ENV}_signed_up` varies only "
                            "by the environment prefix `process.env.DEPLOY_ENV`")


@pytest.mark.parametrize(("code", "fixture", "expected"), [
    ("CIO001", "CIO001/config_module",
     "App API client gets the Site ID `CIO_SITE_ID` (read in lib/settings.js line 14)"),
    ("CIO009", "CIO009/clients.js",
     "a new `TrackClient` is built on every pass of a loop in `notifyAll`"),
    ("CIO013", "_integration",
     "Site ID `2b7d****` is hard-coded and passed to the client constructor"),
    ("CIO019", "CIO019/event_ids.js",
     "event id `${personId}:${name}` is built from `personId`, which repeats across events"),
    ("CIO020", "CIO020/py_lock_wins", "customerio 3 `track()` rejects the keyword `plan`"),
])
def test_rule_message_reads_as_written(code, fixture, expected, tmp_path, monkeypatch):
    project = prepare(FIXTURES / fixture, tmp_path)
    findings, _ = scan(project, {code}, None, monkeypatch)

    assert expected in [finding.message for finding in findings]


def test_signup_hint_shortens_long_callee(tmp_path, monkeypatch):
    project = prepare(FIXTURES / "CIO003" / "orm_signups.ts", tmp_path)
    findings, _ = scan(project, {"CIO003"}, None, monkeypatch)
    hints = [finding.hint for finding in findings]

    assert any(hint.endswith("(the flow calls `new User(…).save`)") for hint in hints), hints


def test_registry_codes_match_rule_classes():
    from cioguard.rules.registry import RULE_CLASSES, load_rule

    for code in RULE_CLASSES:
        assert load_rule(code).code == code
