"""Tests for the output formats in ``cioguard.report``.

One fixed run result (below) feeds the golden snapshots in
``tests/snapshots/test_snapshot/<format>``. Set CIOGUARD_UPDATE_SNAPSHOTS=1
to rewrite them after an intended change, and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from cioguard.errors import UsageError
from cioguard.model import Edit, FileError, Finding, Fix, RunResult, Span
from cioguard.report import REPORTERS, ReportContext, read_source_lines, render
from cioguard.report.github import escape_data, escape_property
from cioguard.report.prepared import MAX_LINE_WIDTH, prepare
from cioguard.report.redaction import mask_secret
from cioguard.report.text import text_width
from cioguard.rules.base import Rule

TESTS = Path(__file__).parent
SNAPSHOTS = TESTS / "snapshots"
SARIF_SCHEMA = TESTS / "data" / "sarif-schema-2.1.0.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SECRET = "9b4e0c7d8a1f2e3b4c5d"
MASKED = "9b4e****"


class MillisecondTimestamp(Rule):
    """Finds timestamps sent in milliseconds where Customer.io expects seconds.

    ## What it does
    Flags `Date.now()` and `time.time() * 1000` passed as a date attribute.

    ## Why it matters
    Date segments compare seconds, so a millisecond value never matches.

    ## Example
    ```js
    cio.identify(id, { created_at: Date.now() });
    ```

    ## Use instead
    ```js
    cio.identify(id, { created_at: Math.floor(Date.now() / 1000) });
    ```
    """

    code = "CIO002"
    name = "millisecond-timestamp"
    severity = "error"
    confidence = "high"
    summary = "Timestamp sent in milliseconds where seconds are expected"


class DynamicEventName(Rule):
    """## What it does
    Flags event names built at run time.

    ## Why it matters
    Every distinct name becomes a new event in the workspace.

    ## Example
    ```js
    cio.track(id, { name: `order_${status}` });
    ```

    ## Use instead
    ```js
    cio.track(id, { name: "order_updated", data: { status } });
    ```
    """

    code = "CIO006"
    name = "dynamic-event-name"
    severity = "error"
    confidence = "high"
    summary = "Event name is built at run time"


class BlockingRequestPath(Rule):
    """## What it does
    Flags an awaited Customer.io call inside a request handler.

    ## Why it matters
    The response waits for Customer.io, and its outages become yours.

    ## Example
    ```js
    await cio.track(id, event);
    ```

    ## Use instead
    ```js
    queue.push(() => cio.track(id, event));
    ```
    """

    code = "CIO007"
    name = "blocking-request-path"
    severity = "warning"
    confidence = "medium"
    summary = "Request handler waits for a Customer.io call"


class InconsistentEventName(Rule):
    """## What it does
    Flags event names that differ from another only in case or separators.

    ## Why it matters
    Campaigns trigger on one spelling and miss the other.

    ## Example
    ```python
    cio.track(customer_id=uid, name="order placed")
    ```

    ## Use instead
    ```python
    cio.track(customer_id=uid, name="order_placed")
    ```
    """

    code = "CIO010"
    name = "inconsistent-event-name"
    severity = "info"
    confidence = "low"
    summary = "Event name is a variant of another event name"


class HardcodedCredential(Rule):
    """## What it does
    Flags API keys written into source code.

    ## Why it matters
    Anyone who can read the repository can send as your workspace.

    ## Example
    ```js
    new TrackClient("site-id", "key");
    ```

    ## Use instead
    ```js
    new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_API_KEY);
    ```
    """

    code = "CIO013"
    name = "hardcoded-credential"
    severity = "error"
    confidence = "high"
    summary = "API key is hard-coded in source"


RULES = [
    MillisecondTimestamp,
    DynamicEventName,
    BlockingRequestPath,
    InconsistentEventName,
    HardcodedCredential,
]

ORDERS_JS = f"""\
import {{ TrackClient, RegionUS }} from "customerio-node";

const cio = new TrackClient("site-id", "{SECRET}", {{ region: RegionUS }});

export async function placeOrder(req, res) {{
  const order = await saveOrder(req.body);
  await cio.track(req.user.id, {{
    name: `order_${{order.status}}`,
    data: {{ placed_at: Date.now(), total: order.total }},
  }});
  res.json(order);
}}
"""

TASKS_PY = """\
import customerio


def notify(cio, user):
    cio.track(customer_id="ünïcode-用户", name="order placed")
    cio.track(customer_id=user.id, name=f"order_{user.plan}")  # cio: ignore[CIO006]
"""

SOURCES = {
    "routes/orders.js": ORDERS_JS.split("\n"),
    "app/tasks.py": TASKS_PY.split("\n"),
}


def span_of(
    path: str,
    line: int,
    needle: str,
    end_line: int | None = None,
    end_needle: str | None = None,
) -> Span:
    """Build a zero-based span from the text it covers in SOURCES."""
    lines = SOURCES[path]
    column = lines[line].index(needle)
    if end_line is None:
        return Span(path, line, column, line, column + len(needle))
    assert end_needle is not None
    end_column = lines[end_line].index(end_needle) + len(end_needle)
    return Span(path, line, column, end_line, end_column)


def sample_findings() -> list[Finding]:
    date_now = span_of("routes/orders.js", 8, "Date.now()")
    return [
        Finding(
            rule="CIO010",
            name="inconsistent-event-name",
            severity="info",
            confidence="low",
            message="`order placed` differs from `order_placed` only in separators",
            hint="Rename the event to `order_placed`",
            span=span_of("app/tasks.py", 4, '"order placed"'),
        ),
        Finding(
            rule="CIO013",
            name="hardcoded-credential",
            severity="error",
            confidence="high",
            message=f"Track API key `{SECRET}` is hard-coded",
            hint=f"Move `{SECRET}` to an environment variable such as `CIO_API_KEY`",
            span=span_of("routes/orders.js", 2, f'"{SECRET}"'),
            secrets=(SECRET,),
        ),
        Finding(
            rule="CIO007",
            name="blocking-request-path",
            severity="warning",
            confidence="medium",
            message="`placeOrder` waits for `cio.track()` before it responds",
            hint="Move the call to a background queue or drop the `await`",
            span=span_of("routes/orders.js", 6, "cio.track(", 9, ")"),
        ),
        Finding(
            rule="CIO006",
            name="dynamic-event-name",
            severity="error",
            confidence="high",
            message="`track()` event name is built at run time from `order.status`",
            hint="Pass a fixed name and send `order.status` in `data`",
            span=span_of("routes/orders.js", 7, "`order_${order.status}`"),
        ),
        Finding(
            rule="CIO002",
            name="millisecond-timestamp",
            severity="error",
            confidence="high",
            message="`Date.now()` sends milliseconds as `placed_at`",
            hint="Send Unix seconds: Math.floor(Date.now() / 1000)",
            span=date_now,
            fix=Fix(
                message="Convert to seconds",
                edits=[Edit(date_now, "Math.floor(Date.now() / 1000)")],
            ),
        ),
    ]


def sample_result() -> RunResult:
    suppressed = Finding(
        rule="CIO006",
        name="dynamic-event-name",
        severity="error",
        confidence="high",
        message="`track()` event name is built at run time from `user.plan`",
        hint="Pass a fixed name and send `user.plan` in `data`",
        span=span_of("app/tasks.py", 5, 'f"order_{user.plan}"'),
    )
    return RunResult(
        findings=sample_findings(),
        errors=[FileError("vendor/broken.js", "invalid UTF-8 at byte 312")],
        files_scanned=14,
        files_parsed=9,
        duration_s=0.2149,
        suppressed=1,
        baseline_matched=0,
        suppressed_findings=[suppressed],
        roots=["."],
    )


def make_context(**changes) -> ReportContext:
    context = ReportContext(rules=list(RULES), read_lines=SOURCES.get, version="0.1.0")
    return replace(context, **changes)


def render_direct(fmt: str, result: RunResult | None = None, **changes) -> str:
    """Render through the reporter class alone, without the final masking
    pass that ``render`` adds, so tests see what each reporter does itself."""
    return REPORTERS[fmt]().render(result or sample_result(), make_context(**changes))


def empty_result() -> RunResult:
    return RunResult(
        findings=[], errors=[], files_scanned=3, files_parsed=0, duration_s=0.01
    )


# Snapshots -------------------------------------------------------------

SNAPSHOT_FORMATS = [
    "concise",
    "full",
    "json",
    "jsonl",
    "sarif",
    "github",
    "gitlab",
    "junit",
]


@pytest.mark.parametrize("fmt", SNAPSHOT_FORMATS)
def test_snapshot(fmt):
    output = render(fmt, sample_result(), make_context())
    path = SNAPSHOTS / "test_snapshot" / fmt
    if os.environ.get("CIOGUARD_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(output, encoding="utf-8")
    assert path.exists(), (
        f"missing snapshot {path}; run with CIOGUARD_UPDATE_SNAPSHOTS=1"
    )
    assert output == path.read_text(encoding="utf-8")


def test_snapshots_hold_no_absolute_paths_or_secrets():
    for path in (SNAPSHOTS / "test_snapshot").iterdir():
        text = path.read_text(encoding="utf-8")
        assert str(TESTS.parent) not in text, path.name
        assert SECRET not in text, path.name


# JSON contract ---------------------------------------------------------

FINDING_KEYS = {
    "column",
    "confidence",
    "end_column",
    "end_line",
    "fix",
    "hint",
    "line",
    "message",
    "name",
    "path",
    "rule",
    "severity",
}


def test_json_top_level_keys():
    document = json.loads(render("json", sample_result(), make_context()))
    assert set(document) == {"findings", "summary", "version"}
    assert document["version"] == "0.1.0"


def test_json_finding_keys():
    document = json.loads(render("json", sample_result(), make_context()))
    for finding in document["findings"]:
        assert set(finding) == FINDING_KEYS


def test_json_fix_keys():
    document = json.loads(render("json", sample_result(), make_context()))
    fixes = [f["fix"] for f in document["findings"] if f["fix"] is not None]
    assert len(fixes) == 1
    assert set(fixes[0]) == {"applicability", "edits", "message"}
    assert set(fixes[0]["edits"][0]) == {
        "column",
        "content",
        "end_column",
        "end_line",
        "line",
    }
    assert [f["fix"] for f in document["findings"]].count(None) == 4


def test_json_summary():
    summary = json.loads(render("json", sample_result(), make_context()))["summary"]
    assert set(summary) == {
        "by_severity",
        "duration_s",
        "errors",
        "files_parsed",
        "files_scanned",
        "findings",
        "fixes_applied",
        "suppressed",
    }
    assert summary["by_severity"] == {"error": 3, "warning": 1, "info": 1}
    assert summary["duration_s"] == 0.21
    assert summary["errors"] == [
        {"path": "vendor/broken.js", "message": "invalid UTF-8 at byte 312"}
    ]
    assert (summary["files_parsed"], summary["files_scanned"]) == (9, 14)
    assert summary["findings"] == 5
    assert summary["suppressed"] == 1


def test_json_by_severity_omits_zero_counts():
    result = sample_result()
    result.findings = [f for f in result.findings if f.severity == "error"]
    summary = json.loads(render("json", result, make_context()))["summary"]
    assert summary["by_severity"] == {"error": 3}


def test_json_keys_sorted_and_newline_terminated():
    output = render("json", sample_result(), make_context())
    document = json.loads(output)
    assert (
        output
        == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    assert "ünïcode" not in output  # the only non-ASCII text is in a source line
    assert "`Date.now()`" in output


def test_json_keeps_finding_order():
    document = json.loads(render("json", sample_result(), make_context()))
    order = [
        (f["path"], f["line"], f["column"], f["rule"]) for f in document["findings"]
    ]
    assert order == sorted(order)


def test_jsonl_lines_match_json_findings():
    document = json.loads(render("json", sample_result(), make_context()))
    lines = render("jsonl", sample_result(), make_context()).splitlines()
    assert [json.loads(line) for line in lines] == document["findings"]


def test_jsonl_empty_run_prints_nothing():
    assert render("jsonl", empty_result(), make_context()) == ""


# Positions -------------------------------------------------------------


def test_positions_are_one_based():
    document = json.loads(render("json", sample_result(), make_context()))
    date_now = next(f for f in document["findings"] if f["rule"] == "CIO002")
    line = SOURCES["routes/orders.js"][8]
    assert date_now["line"] == 9
    assert date_now["column"] == line.index("Date.now()") + 1
    assert date_now["end_line"] == 9
    assert date_now["end_column"] == line.index("Date.now()") + len("Date.now()") + 1
    edit = date_now["fix"]["edits"][0]
    assert (edit["line"], edit["column"]) == (date_now["line"], date_now["column"])


def test_positions_count_code_points_on_non_ascii_line():
    line = SOURCES["app/tasks.py"][4]
    code_points = line.index('"order placed"')
    utf8_bytes = len(line[:code_points].encode("utf-8"))
    assert utf8_bytes != code_points  # the line really is non-ASCII before the span
    document = json.loads(render("json", sample_result(), make_context()))
    finding = next(f for f in document["findings"] if f["rule"] == "CIO010")
    assert finding["column"] == code_points + 1
    assert finding["end_column"] == code_points + len('"order placed"') + 1


def test_sarif_region_counts_code_points():
    log = json.loads(render("sarif", sample_result(), make_context()))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "CIO010")
    region = result["locations"][0]["physicalLocation"]["region"]
    line = SOURCES["app/tasks.py"][4]
    assert region["startLine"] == 5
    assert region["startColumn"] == line.index('"order placed"') + 1
    assert region["snippet"]["text"] == '"order placed"'
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_full_caret_sits_under_span_after_wide_characters():
    output = render("full", sample_result(), make_context())
    lines = output.splitlines()
    source_row = next(i for i, text in enumerate(lines) if "ünïcode-用户" in text)
    code_start = lines[source_row].index("| ") + 2
    caret_row = lines[source_row + 1]
    line = SOURCES["app/tasks.py"][4]
    prefix = line[: line.index('"order placed"')]
    # Each CJK character takes two terminal cells.
    assert text_width(prefix) == len(prefix) + 2
    assert caret_row.index("^") == code_start + text_width(prefix)
    assert caret_row.count("^") == len('"order placed"')


# Text formats ----------------------------------------------------------


def test_concise_lists_finding_and_hint():
    output = render("concise", sample_result(), make_context())
    assert (
        "routes/orders.js:9:24: CIO002 [error/high] "
        "`Date.now()` sends milliseconds as `placed_at` (millisecond-timestamp)\n"
        "  hint: Send Unix seconds: Math.floor(Date.now() / 1000)\n"
    ) in output


def test_concise_summary_counts_without_listing_errors():
    output = render("concise", sample_result(), make_context())
    assert output.splitlines()[-1] == (
        "Found 5 findings (3 errors, 1 warning, 1 info). Scanned 14 files, parsed 9, "
        "in 0.21s. 1 suppressed. 1 file could not be checked."
    )
    assert "vendor/broken.js" not in output


def test_concise_summary_counts_partly_checked_files():
    result = sample_result()
    result.errors.append(FileError("routes/half.js", "syntax error near line 3", partial=True))
    summary = render("concise", result, make_context()).splitlines()[-1]
    assert "1 file could not be checked." in summary
    assert "1 file with syntax errors checked in part." in summary


def test_html_counts_partly_checked_files_apart():
    result = sample_result()
    result.errors.append(FileError("routes/half.js", "syntax error near line 3", partial=True))
    page = render("html", result, make_context())
    assert "1 could not be checked" in page
    assert "1 with syntax errors checked in part" in page


def test_concise_without_source_shows_no_excerpt():
    output = render("concise", sample_result(), make_context())
    assert "placed_at: Date.now()" not in output


def test_concise_show_source_adds_excerpt():
    output = render("concise", sample_result(), make_context(show_source=True))
    assert "placed_at: Date.now()" in output


def test_empty_run_summary():
    output = render("concise", empty_result(), make_context())
    assert output == "No findings. Scanned 3 files, parsed 0, in 0.01s.\n"


def test_full_underlines_multiline_span():
    output = render("full", sample_result(), make_context())
    block = output.split("(blocking-request-path)\n", 1)[1].split("\n\n", 1)[0]
    source_lines = [line for line in block.splitlines() if line[:3].strip().isdigit()]
    assert [line.split("|")[0].strip() for line in source_lines] == [
        "6",
        "7",
        "8",
        "9",
        "10",
        "11",
    ]
    assert block.count("^") > len("cio.track(req.user.id, {")


def test_full_shows_fix():
    output = render("full", sample_result(), make_context())
    assert "  fix: Convert to seconds (safe)" in output


def test_statistics_table_counts_per_rule():
    result = sample_result()
    result.findings.append(replace(result.findings[-1]))
    output = render("concise", result, make_context(statistics=True))
    table = output.split("Count  Code    Name\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines() == [
        "    2  CIO002  millisecond-timestamp",
        "    1  CIO006  dynamic-event-name",
        "    1  CIO007  blocking-request-path",
        "    1  CIO010  inconsistent-event-name",
        "    1  CIO013  hardcoded-credential",
    ]


def test_statistics_absent_unless_asked():
    assert "Count  Code" not in render("concise", sample_result(), make_context())


def test_color_only_when_asked():
    assert "\x1b[" not in render("full", sample_result(), make_context())
    colored = render("full", sample_result(), make_context(color=True))
    assert "\x1b[1;31merror\x1b[0m" in colored


def test_control_characters_in_messages_are_not_printed():
    result = sample_result()
    result.findings[0].message = "name `\x1b[31mred` is odd"
    output = render("concise", result, make_context())
    assert "\x1b" not in output
    assert "name `\N{REPLACEMENT CHARACTER}[31mred` is odd" in output


# Redaction -------------------------------------------------------------

ALL_FORMATS = sorted(REPORTERS)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_secret_never_appears(fmt):
    output = render_direct(fmt, show_source=True, statistics=True)
    assert SECRET not in output
    assert SECRET[:12] not in output
    assert MASKED in output


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_secret_of_suppressed_finding_never_appears(fmt):
    result = sample_result()
    result.findings = [f for f in result.findings if f.rule != "CIO013"]
    hidden = replace(sample_findings()[1])
    result.suppressed_findings.append(hidden)
    output = render_direct(fmt, result, show_source=True)
    assert SECRET not in output


def test_mask_secret():
    assert mask_secret(SECRET) == "9b4e****"
    assert mask_secret("abcdefgh") == "abcd****"
    assert mask_secret("abcdefg") == "****"


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_short_secret_is_masked_whole(fmt):
    result = sample_result()
    credential = result.findings[1]
    credential.secrets = ("site-id",)
    output = render_direct(fmt, result, show_source=True)
    assert "site-id" not in output
    if fmt in ("full", "html"):
        assert 'new TrackClient("****"' in output.replace("&quot;", '"')


def test_span_inside_secret_shows_whole_mask():
    result = sample_result()
    line = SOURCES["routes/orders.js"][2]
    start = line.index(SECRET) + 6  # starts and ends inside the secret
    result.findings = [
        replace(
            result.findings[1], span=Span("routes/orders.js", 2, start, 2, start + 4)
        )
    ]
    run = prepare(result, make_context())
    assert run.findings[0].snippet == MASKED
    excerpt = run.findings[0].excerpt()
    hit = next(line for line in excerpt if line.mark is not None)
    assert hit.text[hit.mark[0] : hit.mark[1]] == MASKED


def test_render_masks_secret_in_unexpected_field():
    result = sample_result()
    result.errors.append(FileError("config.js", f"bad token {SECRET}"))
    # The reporter masks file errors itself; the error above carries the
    # secret of a finding, so both layers must catch it.
    assert SECRET not in render_direct("json", result)
    assert SECRET not in render("json", result, make_context())


def test_fingerprint_hashes_masked_text():
    run = prepare(sample_result(), make_context())
    credential = next(f for f in run.findings if f.rule == "CIO013")
    expected = hashlib.sha256(
        "\0".join(("CIO013", "routes/orders.js", f'"{MASKED}"')).encode()
    ).hexdigest()
    assert credential.fingerprint == expected


def test_fingerprint_ignores_line_numbers():
    moved = {path: ["", "", *lines] for path, lines in SOURCES.items()}
    result = sample_result()
    shifted = sample_result()
    for finding in shifted.findings:
        span = finding.span
        finding.span = replace(span, line=span.line + 2, end_line=span.end_line + 2)
    before = prepare(result, make_context())
    after = prepare(shifted, make_context(read_lines=moved.get))
    assert [f.fingerprint for f in before.findings] == [
        f.fingerprint for f in after.findings
    ]


def test_fingerprint_changes_with_flagged_text():
    changed = {path: list(lines) for path, lines in SOURCES.items()}
    changed["routes/orders.js"][8] = changed["routes/orders.js"][8].replace(
        "Date.now()", "Date.new()"
    )
    before = prepare(sample_result(), make_context())
    after = prepare(sample_result(), make_context(read_lines=changed.get))
    assert before.findings[-1].fingerprint != after.findings[-1].fingerprint
    assert before.findings[0].fingerprint == after.findings[0].fingerprint


# SARIF -----------------------------------------------------------------


def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_validates_against_schema():
    log = json.loads(render("sarif", sample_result(), make_context()))
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_validator_rejects_zero_based_region():
    log = json.loads(render("sarif", sample_result(), make_context()))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"][
        "startColumn"
    ] = 0
    assert not sarif_validator().is_valid(log)


def test_sarif_empty_run_validates():
    log = json.loads(render("sarif", empty_result(), make_context()))
    assert sarif_validator().is_valid(log)
    assert log["runs"][0]["results"] == []


def test_sarif_levels_follow_severity_table():
    log = json.loads(render("sarif", sample_result(), make_context()))
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {
        "CIO002": "error",
        "CIO006": "error",
        "CIO007": "warning",
        "CIO010": "note",
        "CIO013": "error",
    }


def test_sarif_rule_index_points_at_rule():
    log = json.loads(render("sarif", sample_result(), make_context()))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for result in log["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_driver_carries_catalogue():
    log = json.loads(render("sarif", sample_result(), make_context()))
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("cioguard", "0.1.0")
    rule = next(r for r in driver["rules"] if r["id"] == "CIO002")
    assert rule["name"] == "millisecond-timestamp"
    assert rule["shortDescription"]["text"] == MillisecondTimestamp.summary
    assert rule["fullDescription"]["text"] == (
        "Finds timestamps sent in milliseconds where Customer.io expects seconds."
    )
    assert rule["help"]["markdown"] == MillisecondTimestamp.documentation()
    assert rule["helpUri"] == MillisecondTimestamp.help_uri()
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["precision"] == "high"
    medium = next(r for r in driver["rules"] if r["id"] == "CIO007")
    assert medium["properties"]["precision"] == "medium"
    assert len(driver["rules"]) == len(RULES)


def test_sarif_full_description_uses_first_section_without_summary():
    log = json.loads(render("sarif", sample_result(), make_context()))
    rule = next(
        r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "CIO006"
    )
    assert rule["fullDescription"]["text"] == "Flags event names built at run time."


def test_sarif_suppressed_finding_is_kept_with_suppression():
    log = json.loads(render("sarif", sample_result(), make_context()))
    results = log["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(results) == 6
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [{"kind": "inSource"}]
    assert suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6


def test_sarif_fix_replaces_region():
    log = json.loads(render("sarif", sample_result(), make_context()))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "CIO002")
    change = result["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "routes/orders.js"
    replacement = change["replacements"][0]
    assert replacement["insertedContent"]["text"] == "Math.floor(Date.now() / 1000)"
    region = result["locations"][0]["physicalLocation"]["region"]
    deleted = replacement["deletedRegion"]
    assert deleted == {k: region[k] for k in deleted}


def test_sarif_fingerprint_and_message():
    log = json.loads(render("sarif", sample_result(), make_context()))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "CIO002")
    assert len(result["partialFingerprints"]["cioguard/v2"]) == 64
    assert result["message"]["text"] == (
        "`Date.now()` sends milliseconds as `placed_at`. "
        "Send Unix seconds: Math.floor(Date.now() / 1000)"
    )


def test_sarif_reports_file_errors_as_notifications():
    log = json.loads(render("sarif", sample_result(), make_context()))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notification = invocation["toolExecutionNotifications"][0]
    assert (
        notification["message"]["text"] == "vendor/broken.js: invalid UTF-8 at byte 312"
    )


def test_sarif_run_without_checked_files_is_unsuccessful():
    result = empty_result()
    result.errors = [FileError(f"f{i}.js", "unreadable") for i in range(3)]
    log = json.loads(render("sarif", result, make_context()))
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_sarif_rule_missing_from_catalogue_gets_descriptor():
    log = json.loads(render("sarif", sample_result(), make_context(rules=[])))
    driver = log["runs"][0]["tool"]["driver"]
    assert sorted(r["id"] for r in driver["rules"]) == [
        "CIO002",
        "CIO006",
        "CIO007",
        "CIO010",
        "CIO013",
    ]
    assert sarif_validator().is_valid(log)


def test_sarif_uri_escapes_spaces():
    result = sample_result()
    finding = result.findings[0]
    finding.span = replace(finding.span, path="my app/tasks #1.py")
    log = json.loads(render("sarif", result, make_context()))
    flagged = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "CIO010")
    uri = flagged["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20app/tasks%20%231.py"
    assert sarif_validator().is_valid(log)


# GitHub, GitLab, JUnit ---------------------------------------------------


def test_github_escape_data():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"


def test_github_escape_property():
    assert escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"


def test_github_command_line():
    lines = render("github", sample_result(), make_context()).splitlines()
    date_now = next(line for line in lines if "CIO002" in line)
    line = SOURCES["routes/orders.js"][8]
    column = line.index("Date.now()") + 1
    assert date_now == (
        f"::error file=routes/orders.js,line=9,col={column},"
        f"endColumn={column + len('Date.now()') - 1},"
        "title=CIO002 millisecond-timestamp::"
        "`Date.now()` sends milliseconds as `placed_at`"
        "%0Ahint: Send Unix seconds: Math.floor(Date.now() / 1000)"
    )


def test_github_multiline_span_omits_columns():
    lines = render("github", sample_result(), make_context()).splitlines()
    blocking = next(line for line in lines if "CIO007" in line)
    assert blocking.startswith(
        "::warning file=routes/orders.js,line=7,endLine=10,"
        "title=CIO007 blocking-request-path::"
    )


def test_github_severity_commands():
    lines = render("github", sample_result(), make_context()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::notice",
        "::error",
        "::warning",
        "::error",
        "::error",
    ]


def test_github_escapes_hostile_values():
    result = sample_result()
    finding = result.findings[0]
    finding.span = replace(finding.span, path="a,b:c.py")
    finding.message = "50% of names\nare odd, see: docs"
    line = render("github", result, make_context()).splitlines()[0]
    assert line.startswith("::notice file=a%2Cb%3Ac.py,line=5,")
    assert line.split("::", 2)[2].startswith("50%25 of names%0Aare odd, see: docs")
    assert "\n" not in line


def test_gitlab_issue_fields():
    issues = json.loads(render("gitlab", sample_result(), make_context()))
    assert len(issues) == 5
    first = issues[0]
    assert set(first) == {
        "description",
        "check_name",
        "fingerprint",
        "severity",
        "location",
    }
    assert first["check_name"] == "CIO010"
    assert first["location"] == {
        "path": "app/tasks.py",
        "lines": {"begin": 5, "end": 5},
    }
    severities = {issue["check_name"]: issue["severity"] for issue in issues}
    assert severities == {
        "CIO002": "critical",
        "CIO006": "critical",
        "CIO007": "major",
        "CIO010": "minor",
        "CIO013": "critical",
    }


def test_gitlab_fingerprints_unique_for_duplicates():
    result = sample_result()
    result.findings.append(replace(result.findings[-1]))
    issues = json.loads(render("gitlab", result, make_context()))
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_junit_is_well_formed():
    output = render("junit", sample_result(), make_context())
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(output.split("\n", 1)[1])
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["cioguard"]
    cases = suites[0].findall("testcase")
    assert len(cases) == 5
    assert all(case.find("failure") is not None for case in cases)
    assert suites[0].get("failures") == "5"
    failure = cases[-1].find("failure")
    assert failure.get("type") == "CIO002"
    assert "hint: Send Unix seconds" in failure.text


def test_junit_escapes_markup_and_control_characters():
    result = sample_result()
    result.findings[0].message = 'name <"a&b"> has \x07 bell'
    output = render("junit", result, make_context())
    root = ET.fromstring(output.split("\n", 1)[1])
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == 'name <"a&b"> has \N{REPLACEMENT CHARACTER} bell'


def test_junit_empty_run_has_one_passing_case():
    output = render("junit", empty_result(), make_context())
    root = ET.fromstring(output.split("\n", 1)[1])
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 1
    assert cases[0].find("failure") is None
    assert root.find("testsuite").get("tests") == "1"


# Context and source reading ----------------------------------------------


def test_unknown_format_is_usage_error():
    with pytest.raises(UsageError, match="unknown output format 'xml'"):
        render("xml", sample_result(), make_context())


def test_read_source_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("crlf.js").write_bytes(b"a\r\nb\xff\r\n")
    assert read_source_lines("crlf.js") == ["a", "b\N{REPLACEMENT CHARACTER}", ""]
    assert read_source_lines("missing.js") is None
    assert read_source_lines(".") is None


def test_missing_source_file_still_renders():
    context = make_context(read_lines=lambda path: None)
    output = render("full", sample_result(), context)
    assert "Date.now()" in output  # from the message
    assert "placed_at: Date.now()" not in output
    log = json.loads(render("sarif", sample_result(), context))
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert "snippet" not in region


def test_excerpt_clips_long_line():
    long_line = "x = [" + "1, " * 200 + "Date.now()]"
    result = sample_result()
    column = long_line.index("Date.now()")
    span = Span("long.js", 0, column, 0, column + len("Date.now()"))
    result.findings = [replace(result.findings[-1], span=span, fix=None)]
    run = prepare(result, make_context(read_lines={"long.js": [long_line]}.get))
    (line,) = run.findings[0].excerpt()
    assert len(line.text) <= MAX_LINE_WIDTH + 2
    assert line.text.startswith("\N{HORIZONTAL ELLIPSIS}")
    assert line.text[line.mark[0] : line.mark[1]] == "Date.now()"


def test_excerpt_elides_middle_of_long_span():
    lines = [f"line {n}" for n in range(30)]
    result = sample_result()
    span = Span("long.js", 2, 0, 20, 3)
    result.findings = [replace(result.findings[-1], span=span, fix=None)]
    run = prepare(result, make_context(read_lines={"long.js": lines}.get))
    numbers = [line.number for line in run.findings[0].excerpt()]
    assert numbers == [2, 3, 4, 5, 6, None, 19, 20, 21, 22]


# HTML ------------------------------------------------------------------


def test_html_escapes_finding_text():
    result = sample_result()
    result.findings[0].message = "name `<script>alert(1)</script>` is odd"
    output = render("html", result, make_context())
    assert "<script>alert(1)" not in output
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in output


def test_html_renders_code_spans():
    result = sample_result()
    result.findings[0].message = "name ``order_`${x}` `` and `y` differ"
    output = render("html", result, make_context())
    assert "name <code>order_`${x}` </code> and <code>y</code> differ" in output


def test_html_loads_nothing_external():
    output = render("html", sample_result(), make_context())
    assert "Content-Security-Policy" in output
    for marker in ("<link", " src=", "@import"):
        assert marker not in output
    # url() may only point inside the page, as the chart clip paths do.
    assert re.findall(r"url\((?!#)", output) == []


def test_html_lists_every_finding():
    output = render("html", sample_result(), make_context())
    assert output.count('<tr id="finding-') == 5
    assert 'id="rule-CIO002"' in output
    assert MillisecondTimestamp.help_uri() in output


def test_html_empty_run_shows_empty_state():
    output = render("html", empty_result(), make_context())
    assert "No findings" in output
    assert 'id="findings"' not in output


def test_html_empty_run_with_baseline_is_not_clean():
    result = empty_result()
    result.baseline_matched = 18
    result.suppressed = 1
    output = render("html", result, make_context())
    assert "No new findings" in output
    assert "found nothing new (1 suppressed, 18 matched the baseline)" in output
    assert "found no Customer.io integration mistakes" not in output


def test_html_findings_card_counts_hidden_findings():
    result = sample_result()
    result.baseline_matched = 3
    output = render("html", result, make_context())
    cards = output.split('aria-label="Totals">', 1)[1].split("</section>", 1)[0]
    card_texts = cards.split('<div class="card ')
    findings_card = card_texts[1]
    duration_card = card_texts[-1]
    assert "1 suppressed, 3 matched the baseline" in findings_card
    assert "Duration" in duration_card
    assert "suppressed" not in duration_card


def run_chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=True
    )


chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@chromium
def test_html_renders_in_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render("html", sample_result(), make_context()), encoding="utf-8")

    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'data-ready="true"' in dom
    assert dom.count('class="finding"') == 5
    assert 'data-visible="5"' in dom
    assert "Showing 5 of 5" in dom
    assert SECRET not in dom
    assert MASKED in dom

    screenshot = tmp_path / "report.png"
    run_chromium(
        tmp_path,
        "--hide-scrollbars",
        "--window-size=1360,2200",
        f"--screenshot={screenshot}",
        page.as_uri(),
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000
    keep = os.environ.get("CIOGUARD_SCREENSHOT_DIR")
    if keep:
        shutil.copy(screenshot, Path(keep) / "cioguard-report.png")
    print(f"screenshot: {screenshot}")


@chromium
def test_html_filter_from_fragment_in_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render("html", sample_result(), make_context()), encoding="utf-8")
    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri() + "#rule=CIO006").stdout
    assert 'data-visible="1"' in dom
    assert "Showing 1 of 5" in dom
    visible = [row for row in dom.split("<tr ")[1:] if 'class="finding"' in row]
    assert sum(" hidden" not in row.split(">", 1)[0] for row in visible) == 1

    dom = run_chromium(
        tmp_path, "--dump-dom", page.as_uri() + "#severity=warning,info"
    ).stdout
    assert 'data-visible="2"' in dom


def test_reporter_names_match_their_classes():
    for name in REPORTERS:
        assert REPORTERS[name].format_name == name
