"""The command line: exit codes, the JSON contract, rule selection, and the
``rules`` and ``explain`` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cioguard
from cioguard import engine
from cioguard.cli import main
from cioguard.rules.registry import all_rules

FINDING_KEYS = {
    "column", "confidence", "end_column", "end_line", "fix", "hint", "line", "message",
    "name", "path", "rule", "severity",
}
# The documented contract, plus `suppressed`: the number of findings that
# inline suppression comments silenced, and `fixes_applied`: the number of
# findings that --fix fixed.
SUMMARY_KEYS = {
    "by_severity", "duration_s", "errors", "files_parsed", "files_scanned", "findings",
    "fixes_applied", "suppressed",
}
FIX_KEYS = {"applicability", "edits", "message"}
# Rules that judge single values. Project-wide rules (identify before track,
# bounce handling) would flag the small projects below for other reasons.
VALUE_RULES = ("CIO002", "CIO004", "CIO006", "CIO009", "CIO010", "CIO012", "CIO013", "CIO018")
EDIT_KEYS = {"column", "content", "end_column", "end_line", "line"}

CLIENT_JS = """\
const { TrackClient } = require('customerio-node');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

module.exports = { cio };
"""

# Line 5 contains a millisecond timestamp after non-ASCII text, so the JSON
# columns show whether they count code points or bytes.
ORDERS_JS = """\
const { cio } = require('../lib/client');

async function placeOrder(user, order) {
  await cio.track(user.id, {
    name: 'order_placed', data: { note: 'café ☕', placed_at: Date.now() },
  });
  await cio.track(user.id, { name: `${order.kind}_shipped` });
}

module.exports = { placeOrder };
"""

CLEAN_JS = """\
const { cio } = require('../lib/client');

async function placeOrder(user, order) {
  await cio.track(user.id, {
    name: 'order_placed',
    data: { order_id: order.id, placed_at: Math.floor(Date.now() / 1000) },
  });
}

module.exports = { placeOrder };
"""

SIGNUP_PY = """\
import os
import time

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])


def record_signup(user):
    cio.identify(id=user.email, email=user.email, created_at=int(time.time() * 1000))
"""


def write_files(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    """A two-file JS project in ``tmp_path/shop``, with the working directory at ``tmp_path``."""
    write_files(tmp_path / "shop", {"lib/client.js": CLIENT_JS, "routes/orders.js": ORDERS_JS})
    monkeypatch.chdir(tmp_path)
    return tmp_path / "shop"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code, out, _ = run_cli(capsys, "scan", "--format", "json", *args)
    return code, json.loads(out)


# Exit codes ----------------------------------------------------------------------


def test_clean_project_exits_zero(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"lib/client.js": CLIENT_JS})
    monkeypatch.chdir(tmp_path)

    code, out, err = run_cli(capsys, "scan", ".")

    assert code == 0
    assert "No findings." in out
    assert err == ""


def test_clean_calls_exit_zero(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"lib/client.js": CLIENT_JS, "routes/orders.js": CLEAN_JS})
    monkeypatch.chdir(tmp_path)

    code, out, err = run_cli(capsys, "scan", "--select", ",".join(VALUE_RULES), ".")

    assert code == 0
    assert "No findings." in out
    assert err == ""


def test_findings_exit_one(shop, capsys):
    code, out, _ = run_cli(capsys, "scan", "shop")

    assert code == 1
    assert "CIO002" in out


def test_exit_zero_flag_keeps_findings(shop, capsys):
    code, out, _ = run_cli(capsys, "scan", "--exit-zero", "shop")

    assert code == 0
    assert "CIO002" in out


def test_missing_path_exits_two(shop, capsys):
    code, out, err = run_cli(capsys, "scan", "no-such-folder")

    assert code == 2
    assert out == ""
    assert "no-such-folder" in err
    assert "does not exist" in err


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("value", ["CIO999", "XYZ", "CIO002,CIO0999"])
def test_unknown_rule_code_exits_two(shop, capsys, option, value):
    code, out, err = run_cli(capsys, "scan", option, value, "shop")

    assert code == 2
    assert out == ""
    assert option in err
    assert "unknown rule code" in err


def test_config_unknown_key_exits_two(shop, capsys):
    (shop / ".cioguard.toml").write_text('select = ["CIO002"]\nbogus-key = 1\n')

    code, out, err = run_cli(capsys, "scan", "shop")

    assert code == 2
    assert out == ""
    assert "bogus-key" in err
    assert ".cioguard.toml" in err


def test_config_bad_value_exits_two(shop, capsys):
    (shop / "pyproject.toml").write_text('[tool.cioguard]\nselect = "CIO002"\nmax-file-size = -5\n')

    code, _, err = run_cli(capsys, "scan", "shop")

    assert code == 2
    assert "pyproject.toml" in err
    assert "select" in err or "max-file-size" in err


def test_config_invalid_toml_exits_two(shop, capsys):
    (shop / "cioguard.toml").write_text("select = [\n")

    code, _, err = run_cli(capsys, "scan", "shop")

    assert code == 2
    assert "cioguard.toml" in err
    assert "invalid TOML" in err


def test_config_option_names_missing_file(shop, capsys):
    code, _, err = run_cli(capsys, "scan", "--config", "missing.toml", "shop")

    assert code == 2
    assert "missing.toml" in err


def test_config_file_selects_rules(shop, capsys):
    (shop / ".cioguard.toml").write_text('select = ["CIO006"]\n')

    code, report = run_json(capsys, "shop")

    assert code == 1
    assert {f["rule"] for f in report["findings"]} == {"CIO006"}


def test_unknown_format_exits_two(shop, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["scan", "--format", "yaml", "shop"])

    assert raised.value.code == 2
    assert "yaml" in capsys.readouterr().err


def test_no_command_exits_two(capsys):
    code, out, err = run_cli(capsys)

    assert code == 2
    assert out == ""
    assert "scan" in err


def test_jobs_below_one_exits_two(shop, capsys):
    code, _, err = run_cli(capsys, "scan", "--jobs", "0", "shop")

    assert code == 2
    assert "--jobs" in err


# JSON contract -------------------------------------------------------------------


def test_json_keys_match_contract(shop, capsys):
    _, report = run_json(capsys, "shop")

    assert set(report) == {"findings", "summary", "version"}
    assert report["version"] == cioguard.__version__
    assert set(report["summary"]) == SUMMARY_KEYS
    assert report["findings"]
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in ("error", "warning", "info")
        assert finding["confidence"] in ("high", "medium", "low")
        if finding["fix"] is not None:
            assert set(finding["fix"]) == FIX_KEYS
            assert finding["fix"]["applicability"] in ("safe", "unsafe")
            for edit in finding["fix"]["edits"]:
                assert set(edit) == EDIT_KEYS


def test_json_keys_are_sorted(shop, capsys):
    _, out, _ = run_cli(capsys, "scan", "--format", "json", "shop")
    key_lists = []

    def record(pairs):
        key_lists.append([key for key, _ in pairs])
        return dict(pairs)

    json.loads(out, object_pairs_hook=record)

    assert len(key_lists) > 3
    for keys in key_lists:
        assert keys == sorted(keys)


def test_json_positions_are_one_based_code_points(shop, capsys):
    _, report = run_json(capsys, "--select", "CIO002", "shop")
    line_text = ORDERS_JS.splitlines()[4]
    start = line_text.index("Date.now()")

    [finding] = report["findings"]

    assert finding["path"] == "shop/routes/orders.js"
    assert finding["line"] == 5
    assert finding["end_line"] == 5
    assert finding["column"] == start + 1
    assert finding["end_column"] == start + 1 + len("Date.now()")
    assert line_text.encode().index(b"Date.now()") != start  # the line has multi-byte text


def test_json_fix_edit_covers_the_finding(shop, capsys):
    _, report = run_json(capsys, "--select", "CIO002", "shop")

    [finding] = report["findings"]
    [edit] = finding["fix"]["edits"]

    assert (edit["line"], edit["column"]) == (finding["line"], finding["column"])
    assert (edit["end_line"], edit["end_column"]) == (finding["end_line"], finding["end_column"])
    assert edit["content"] == "Math.floor(Date.now() / 1000)"


def test_json_findings_are_sorted(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {
        "b.py": SIGNUP_PY,
        "a/tracking.js": CLIENT_JS.replace("module.exports", "cio.track(user.email, { name: `${kind}_x` });\nmodule.exports"),
        "a/orders.js": ORDERS_JS.replace("../lib/client", "./tracking"),
    })
    monkeypatch.chdir(tmp_path)

    _, report = run_json(capsys, "--select", ",".join(VALUE_RULES), ".")
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in report["findings"]]

    assert len(keys) >= 6
    assert keys == sorted(keys)
    assert len({f["path"] for f in report["findings"]}) == 3
    assert len(set(keys)) == len(keys)


def test_json_summary_counts(shop, capsys):
    _, report = run_json(capsys, "shop")
    summary = report["summary"]
    by_severity = {}
    for finding in report["findings"]:
        by_severity[finding["severity"]] = by_severity.get(finding["severity"], 0) + 1

    assert summary["findings"] == len(report["findings"])
    assert summary["by_severity"] == by_severity
    assert summary["files_scanned"] == 2
    assert summary["files_parsed"] == 2
    assert summary["errors"] == []
    assert summary["suppressed"] == 0
    assert isinstance(summary["duration_s"], (int, float))
    assert summary["duration_s"] >= 0


def test_json_paths_relative_to_working_directory(shop, monkeypatch, capsys):
    _, from_parent = run_json(capsys, "shop")
    monkeypatch.chdir(shop)
    _, from_inside = run_json(capsys, ".")
    monkeypatch.chdir(shop / "routes")
    _, from_child = run_json(capsys, "..")

    assert {f["path"] for f in from_parent["findings"]} == {"shop/routes/orders.js"}
    assert {f["path"] for f in from_inside["findings"]} == {"routes/orders.js"}
    assert {f["path"] for f in from_child["findings"]} == {"orders.js"}


def test_json_file_argument_scans_one_file(shop, capsys):
    write_files(shop, {"scripts/signup.py": SIGNUP_PY})

    _, report = run_json(capsys, "--select", ",".join(VALUE_RULES), "shop/scripts/signup.py")

    assert {f["path"] for f in report["findings"]} == {"shop/scripts/signup.py"}
    assert {f["rule"] for f in report["findings"]} == {"CIO002", "CIO004"}
    assert report["summary"]["files_scanned"] == 1


def test_json_without_findings(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"lib/client.js": CLIENT_JS, "routes/orders.js": CLEAN_JS})
    monkeypatch.chdir(tmp_path)

    code, report = run_json(capsys, "--select", ",".join(VALUE_RULES), ".")

    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["findings"] == 0
    assert report["summary"]["by_severity"] == {}


# Rule selection -------------------------------------------------------------------


def rules_found(capsys, *args: str) -> set[str]:
    _, report = run_json(capsys, *args, "shop")
    return {finding["rule"] for finding in report["findings"]}


def test_select_one_code(shop, capsys):
    assert rules_found(capsys, "--select", "CIO002") == {"CIO002"}


def test_select_several_codes(shop, capsys):
    assert rules_found(capsys, "--select", "CIO002,CIO006") == {"CIO002", "CIO006"}


def test_select_prefix(shop, capsys):
    found = rules_found(capsys, "--select", "CIO00")

    assert {"CIO002", "CIO006"} <= found
    assert all(code.startswith("CIO00") for code in found)


def test_select_lowercase_code(shop, capsys):
    assert rules_found(capsys, "--select", "cio006") == {"CIO006"}


def test_ignore_one_code(shop, capsys):
    found = rules_found(capsys, "--ignore", "CIO002")

    assert "CIO002" not in found
    assert "CIO006" in found


def test_ignore_prefix(shop, capsys):
    found = rules_found(capsys, "--ignore", "CIO00")

    assert not any(code.startswith("CIO00") for code in found)


def test_select_prefix_with_ignore(shop, capsys):
    found = rules_found(capsys, "--select", "CIO00", "--ignore", "CIO006")

    assert "CIO002" in found
    assert "CIO006" not in found
    assert all(code.startswith("CIO00") for code in found)


def test_select_code_beats_shorter_ignore(shop, capsys):
    assert rules_found(capsys, "--select", "CIO006", "--ignore", "CIO") == {"CIO006"}


def test_select_all_matches_default(shop, capsys):
    assert rules_found(capsys, "--select", "ALL") == rules_found(capsys)


# Text output ----------------------------------------------------------------------


def test_text_lines_show_location_rule_and_hint(shop, capsys):
    code, out, _ = run_cli(capsys, "scan", "--select", "CIO002", "shop")
    lines = out.splitlines()
    start = ORDERS_JS.splitlines()[4].index("Date.now()") + 1

    assert code == 1
    assert lines[0].startswith(f"shop/routes/orders.js:5:{start}: CIO002 [error/high] ")
    assert lines[0].endswith("(millisecond-timestamp)")
    assert lines[1].startswith("  hint: ")
    assert lines[-1].startswith("Found 1 finding (1 error). Scanned 2 files, parsed 2")


def test_quiet_prints_findings_only(shop, capsys):
    (shop / "routes" / "broken.js").write_bytes(b"\x00\x01customerio\x00" * 10)

    code, out, err = run_cli(capsys, "scan", "--quiet", "--select", "CIO002", "shop")

    assert code == 1
    assert "CIO002" in out
    assert "Found" not in out
    assert "Scanned" not in out
    assert out.endswith("\n")
    assert not out.endswith("\n\n")
    assert err == ""


def test_quiet_without_findings_prints_nothing(shop, capsys):
    code, out, err = run_cli(capsys, "scan", "--quiet", "--select", "CIO018", "shop")

    assert code == 0
    assert out == ""
    assert err == ""


def test_warnings_without_quiet(shop, capsys):
    (shop / "routes" / "broken.js").write_bytes(b"\x00\x01customerio\x00" * 10)

    code, _, err = run_cli(capsys, "scan", "--select", "CIO002", "shop")

    assert code == 1
    assert "routes/broken.js" in err


def test_output_option_writes_file(shop, capsys):
    code, out, _ = run_cli(capsys, "scan", "--format", "json", "--output", "report.json", "shop")
    report = json.loads(Path("report.json").read_text(encoding="utf-8"))

    assert code == 1
    assert out == ""
    assert report["summary"]["findings"] == len(report["findings"])


def test_output_into_missing_folder_exits_two(shop, capsys):
    code, out, err = run_cli(capsys, "scan", "--output", "missing/report.txt", "shop")

    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert "cannot write the report to `missing/report.txt`" in err
    assert "check that its folder exists" in err


def test_statistics_option_adds_table(shop, capsys):
    code, out, _ = run_cli(capsys, "scan", "--statistics", "--select", "CIO002", "shop")

    assert code == 1
    assert "Count  Code    Name" in out
    assert "    1  CIO002  millisecond-timestamp" in out


def test_statistics_absent_by_default(shop, capsys):
    _, out, _ = run_cli(capsys, "scan", "--select", "CIO002", "shop")

    assert "Count  Code" not in out


def test_version_option(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--version"])

    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"cioguard {cioguard.__version__}"


# rules and explain ----------------------------------------------------------------


def test_rules_table_lists_every_rule(capsys):
    code, out, _ = run_cli(capsys, "rules")
    rows = out.splitlines()

    assert code == 0
    assert rows[0].split()[:3] == ["code", "name", "severity"]
    assert len(rows) == len(all_rules()) + 1
    for rule, row in zip(all_rules(), rows[1:]):
        assert row.split()[:3] == [rule.code, rule.name, rule.severity]


def test_rules_json_lists_every_rule(capsys):
    code, out, _ = run_cli(capsys, "rules", "--format", "json")
    listed = json.loads(out)

    assert code == 0
    assert [item["code"] for item in listed] == [rule.code for rule in all_rules()]
    for item in listed:
        assert set(item) == {"code", "confidence", "help_uri", "name", "severity", "summary"}
        assert item["summary"]


def test_explain_prints_sections(capsys):
    code, out, _ = run_cli(capsys, "explain", "CIO006")

    assert code == 0
    assert out.startswith("CIO006 dynamic-event-name (error)")
    for heading in ("What it does", "Why it matters", "Example", "Use instead"):
        assert f"## {heading}" in out
    assert "```js" in out
    assert "```python" in out


def test_explain_accepts_name_and_lowercase(capsys):
    _, by_code, _ = run_cli(capsys, "explain", "CIO006")
    _, by_name, _ = run_cli(capsys, "explain", "dynamic-event-name")
    _, lowercase, _ = run_cli(capsys, "explain", "cio006")

    assert by_name == by_code
    assert lowercase == by_code


def test_explain_unknown_code_exits_two(capsys):
    code, out, err = run_cli(capsys, "explain", "CIO999")

    assert code == 2
    assert out == ""
    assert "CIO999" in err


# Parallel parsing and the module entry point ---------------------------------------


FEATURE_JS = """\
const {{ cio }} = require('../lib/client');

async function feature{index}(user, req) {{
  await cio.track(user.id, {{ name: 'feature_{index}_used', data: {{ at: {timestamp} }} }});
  await cio.track(user.email, {{ name: `${{req.params.kind}}_{index}` }});
}}

module.exports = {{ feature{index} }};
"""


@pytest.fixture
def large_project(tmp_path, monkeypatch) -> Path:
    files = {"lib/client.js": CLIENT_JS}
    for index in range(60):
        timestamp = "Date.now()" if index % 2 else "Math.floor(Date.now() / 1000)"
        files[f"features/f{index:02d}.js"] = FEATURE_JS.format(index=index, timestamp=timestamp)
    write_files(tmp_path / "large", files)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "large"


def test_jobs_give_identical_findings(large_project, monkeypatch, capsys):
    pools = []
    original = engine.Engine._get_pool

    def counting_pool(self):
        pools.append(self.jobs)
        return original(self)

    monkeypatch.setattr(engine.Engine, "_get_pool", counting_pool)

    _, serial = run_json(capsys, "--no-cache", "--jobs", "1", "large")
    _, parallel = run_json(capsys, "--no-cache", "--jobs", "4", "large")

    assert len(list(large_project.rglob("*.js"))) >= engine.POOL_THRESHOLD
    assert pools == [4]
    assert serial["findings"] == parallel["findings"]
    assert serial["summary"]["files_parsed"] == 61
    assert parallel["summary"]["files_parsed"] == 61
    assert {"CIO002", "CIO004", "CIO006"} <= {f["rule"] for f in serial["findings"]}
    assert sum(f["rule"] == "CIO002" for f in serial["findings"]) == 30


def test_module_entry_point_matches_in_process(shop, capsys):
    _, in_process = run_json(capsys, "shop")

    completed = subprocess.run(
        [sys.executable, "-m", "cioguard", "scan", "--format", "json", "shop"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    report = json.loads(completed.stdout)

    assert completed.returncode == 1
    assert report["findings"] == in_process["findings"]
    assert report["version"] == in_process["version"]



@pytest.mark.parametrize("command", [
    ["rules", "--format", "json"],
    ["scan", "--no-cache", "shop"],
])
def test_closed_output_pipe_exits_quietly(shop, command):
    process = subprocess.Popen(
        [sys.executable, "-m", "cioguard", *command],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    # With the reading end closed before anything is written, as after
    # `cioguard rules | head -1`, every write fails.
    process.stdout.close()
    stderr = process.stderr.read().decode()
    returncode = process.wait(timeout=120)

    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
    assert returncode == 2


def test_jobs_help_states_pool_minimum(capsys):
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())

    assert f"at least {engine.MIN_POOL_CPUS}, else 1" in help_text
