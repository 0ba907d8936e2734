"""--fix, --unsafe-fixes and --diff: which fixes apply, how edits land in the
text, and what is reported after fixing."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from cioguard import fixes
from cioguard.cli import main
from cioguard.fixes import FixOptions, SourceText, apply_fixes, fix_text
from cioguard.model import Edit, FileFacts, Finding, Fix, RunResult, Span

CLIENT_JS = """\
const { TrackClient } = require('customerio-node');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

module.exports = { cio };
"""

# Two safe CIO002 fixes on one line, after non-ASCII text (an astral emoji
# counts as one code point), and an unsafe CIO010 rename on another line.
ORDERS_JS = """\
const { cio } = require('./client');

async function placeOrder(user, order) {
  await cio.identify(user.id, { email: user.email });
  await cio.track(user.id, {
    name: 'order_placed',
    data: { note: 'café 😀', placed_at: Date.now(), paid_at: order.paid.getTime() },
  });
  await cio.track(user.id, { name: 'order_placed' });
  await cio.track(user.id, { name: 'Order Placed' });
}

module.exports = { placeOrder };
"""

FIXED_LINE = ("    data: { note: 'café 😀', placed_at: Math.floor(Date.now() / 1000), "
              "paid_at: Math.floor(order.paid.getTime() / 1000) },")

SIGNUP_PY = """\
import os
import time

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])


def record_signup(user):
    cio.identify(id=user.id, email=user.email, created_at=time.time() * 1000)
"""


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    """A JS project in ``tmp_path/shop``, with the working directory at ``tmp_path``."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "client.js").write_text(CLIENT_JS, encoding="utf-8")
    (root / "orders.js").write_text(ORDERS_JS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return root


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["scan", "--no-cache", "--select", "CIO002,CIO010", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rules_found(out: str) -> list[str]:
    return [finding["rule"] for finding in json.loads(out)["findings"]]


# Safe and unsafe fixes ------------------------------------------------------------


def test_fix_applies_safe_fixes_only(shop, capsys):
    code, out, err = run_cli(capsys, "--fix", "--format", "json", "shop")

    text = (shop / "orders.js").read_text(encoding="utf-8")
    assert FIXED_LINE in text
    assert "name: 'Order Placed'" in text
    assert rules_found(out) == ["CIO010"]
    assert json.loads(out)["summary"]["fixes_applied"] == 2
    assert code == 1
    assert "1 unsafe fix not applied" in err


def test_unsafe_fixes_add_renames(shop, capsys):
    code, out, err = run_cli(capsys, "--fix", "--unsafe-fixes", "--format", "json", "shop")

    text = (shop / "orders.js").read_text(encoding="utf-8")
    assert FIXED_LINE in text
    assert "Order Placed" not in text
    assert rules_found(out) == []
    assert json.loads(out)["summary"]["fixes_applied"] == 3
    assert code == 0
    assert err == ""


def test_text_summary_counts_fixes(shop, capsys):
    _, out, _ = run_cli(capsys, "--fix", "shop")

    assert "Applied 2 fixes." in out


def test_unsafe_fixes_alone_is_usage_error(shop, capsys):
    code, out, err = run_cli(capsys, "--unsafe-fixes", "shop")

    assert code == 2
    assert out == ""
    assert "--fix or --diff" in err
    assert (shop / "orders.js").read_text(encoding="utf-8") == ORDERS_JS


def test_fix_python_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "signup.py").write_text(SIGNUP_PY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    run_cli(capsys, "--fix", ".")

    text = (tmp_path / "signup.py").read_text(encoding="utf-8")
    assert "created_at=int(time.time() * 1000 / 1000))" in text


@pytest.mark.parametrize(("name", "source", "expression"), [
    ("sync.py", "import time\n", "time.time_ns() // 1000"),
    ("sync.py", "import time\n", "time.time() * 1_000_000"),
    ("sync.js", "", "Date.now() * 1000"),
])
def test_microseconds_are_named_and_not_fixed(tmp_path, monkeypatch, capsys, name, source,
                                              expression):
    if name.endswith(".py"):
        source += ("from customerio import CustomerIO\ncio = CustomerIO(SITE, KEY)\n"
                   f"cio.identify(id=user_id, email=email, synced_at={expression})\n")
    else:
        source += ("const { TrackClient } = require('customerio-node');\n"
                   "const cio = new TrackClient(SITE, KEY);\n"
                   f"cio.identify(userId, {{ email, synced_at: {expression} }});\n")
    (tmp_path / name).write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    code, out, err = run_cli(capsys, "--fix", "--format", "json", ".")

    findings = json.loads(out)["findings"]
    assert [finding["rule"] for finding in findings] == ["CIO002"]
    assert "sends microseconds as `synced_at`" in findings[0]["message"]
    assert findings[0]["fix"] is None
    assert (tmp_path / name).read_text(encoding="utf-8") == source


# --diff ---------------------------------------------------------------------------


def test_diff_prints_changes_without_writing(shop, capsys):
    code, out, err = run_cli(capsys, "--diff", "shop")

    assert code == 1
    assert (shop / "orders.js").read_text(encoding="utf-8") == ORDERS_JS
    assert out.startswith("--- a/shop/orders.js\n+++ b/shop/orders.js\n@@ ")
    assert "\n+" + FIXED_LINE + "\n" in out
    assert "\n-  await cio.track(user.id, { name: 'Order Placed' });" not in out
    assert "Would apply 2 fixes to 1 file." in err


def test_diff_with_unsafe_fixes_shows_renames(shop, capsys):
    code, out, _ = run_cli(capsys, "--diff", "--unsafe-fixes", "shop")

    assert code == 1
    assert "-  await cio.track(user.id, { name: 'Order Placed' });\n" in out
    assert "+  await cio.track(user.id, { name: 'order_placed' });\n" in out


def test_diff_without_fixes_exits_zero(tmp_path, monkeypatch, capsys):
    (tmp_path / "client.js").write_text(CLIENT_JS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    code, out, err = run_cli(capsys, "--diff", ".")

    assert code == 0
    assert out == ""
    assert "Would apply 0 fixes to 0 files." in err


def test_diff_marks_missing_final_newline(shop, capsys):
    (shop / "orders.js").write_text(ORDERS_JS.replace(
        "module.exports = { placeOrder };\n",
        "module.exports = { placeOrder, now: Date.now() }; cio.track(1, { name: 'a', "
        "data: { at: Date.now() } });"), encoding="utf-8")

    _, out, _ = run_cli(capsys, "--diff", "shop")

    assert out.endswith("\n\\ No newline at end of file\n")


# Positions, line endings and encodings --------------------------------------------


def test_fix_keeps_crlf_line_endings(shop, capsys):
    data = ORDERS_JS.replace("\n", "\r\n").encode("utf-8")
    (shop / "orders.js").write_bytes(data)

    run_cli(capsys, "--fix", "--unsafe-fixes", "shop")

    fixed = (shop / "orders.js").read_bytes()
    assert (FIXED_LINE + "\r\n").encode("utf-8") in fixed
    assert fixed.count(b"\r\n") == data.count(b"\r\n")
    assert b"\n" not in fixed.replace(b"\r\n", b"")


def test_fix_after_byte_order_mark(tmp_path, monkeypatch, capsys):
    source = "cio.track(1, { name: 'a', data: { at: Date.now() } });\n"
    (tmp_path / "app.js").write_bytes(
        b"\xef\xbb\xbf" + CLIENT_JS.encode() + source.encode())
    monkeypatch.chdir(tmp_path)

    run_cli(capsys, "--fix", ".")

    fixed = (tmp_path / "app.js").read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbfconst { TrackClient }")
    assert fixed.endswith(b"data: { at: Math.floor(Date.now() / 1000) } });\n")


def test_source_text_offsets_count_code_points():
    source = SourceText("a😀b\r\ncafé\n".encode("utf-8"))

    assert source.offset(0, 2) == 2
    assert source.text[source.offset(0, 2)] == "b"
    assert source.offset(1, 3) == 8
    assert source.text[source.offset(1, 3)] == "é"
    assert source.offset(0, 5) is None
    assert source.offset(3, 0) is None


def test_source_text_multiline_content_follows_crlf():
    assert SourceText(b"a\r\nb\r\n").with_newlines("x\ny") == "x\r\ny"
    assert SourceText(b"a\nb\n").with_newlines("x\ny") == "x\ny"


# Several fixes in one file --------------------------------------------------------


def finding_with_fix(line, col, end_col, content, rule="CIO002", path="a.js"):
    span = Span(path, line, col, line, end_col)
    return Finding(rule, "name", "error", "high", "message", "hint", span,
                   Fix("Fix it", [Edit(span, content)], "safe"))


def pairs(*findings):
    return [(finding, finding.fix) for finding in findings]


def test_fix_text_applies_from_the_end():
    source = SourceText(b"one two three\nfour\n")
    first = finding_with_fix(0, 0, 3, "1")
    second = finding_with_fix(0, 4, 7, "2")
    third = finding_with_fix(1, 0, 4, "4444")

    text, fixed, deferred = fix_text(source, pairs(third, first, second))

    assert text == "1 2 three\n4444\n"
    assert fixed == 3
    assert deferred == 0


def test_fix_text_defers_overlapping_fix():
    source = SourceText(b"Date.now() + 1\n")
    outer = finding_with_fix(0, 0, 14, "Math.floor((Date.now() + 1) / 1000)")
    inner = finding_with_fix(0, 0, 10, "Math.floor(Date.now() / 1000)", rule="CIO010")

    text, fixed, deferred = fix_text(source, pairs(inner, outer))

    assert text == "Math.floor((Date.now() + 1) / 1000)\n"
    assert fixed == 1
    assert deferred == 1


def test_fix_text_counts_identical_fixes_once():
    source = SourceText(b"x = 1\n")
    first = finding_with_fix(0, 4, 5, "2")
    second = finding_with_fix(0, 4, 5, "2", rule="CIO010")

    text, fixed, deferred = fix_text(source, pairs(first, second))

    assert text == "x = 2\n"
    assert fixed == 2
    assert deferred == 0


def test_fix_text_keeps_insertions_at_one_offset_apart():
    source = SourceText(b"ab\n")
    first = finding_with_fix(0, 1, 1, "X")
    second = finding_with_fix(0, 1, 1, "Y", rule="CIO010")

    text, fixed, deferred = fix_text(source, pairs(first, second))

    assert text == "aXb\n"
    assert (fixed, deferred) == (1, 1)


def test_fix_text_skips_out_of_range_edit():
    source = SourceText(b"short\n")
    bad = finding_with_fix(0, 3, 40, "x")

    text, fixed, _ = fix_text(source, pairs(bad))

    assert text == "short\n"
    assert fixed == 0


class FakeScan:
    """A scan of one single-line file whose findings come from ``propose``.

    ``propose`` maps the file's text to (rule, start, end, content) tuples.
    """

    def __init__(self, root: Path, propose):
        self.root = root
        self.propose = propose
        self.calls = 0

    def __call__(self):
        from cioguard.engine import ProjectScan

        self.calls += 1
        data = (self.root / "a.js").read_bytes()
        findings = [finding_with_fix(0, start, end, content, rule=rule)
                    for rule, start, end, content in self.propose(data.decode())]
        facts = FileFacts("a.js", "javascript", digest=hashlib.sha256(data).hexdigest())
        scan = ProjectScan(self.root, None, {"a.js": facts})
        return RunResult(findings, [], 1, 1, 0.0), [scan]


def wrap_and_shout(text: str) -> list[tuple[str, int, int, str]]:
    """Two overlapping fixes: wrap the text in parentheses, and upper-case ``now``."""
    proposals = []
    if not text.startswith("("):
        proposals.append(("CIO002", 0, len(text), f"({text})"))
    position = text.find("now")
    if position >= 0:
        proposals.append(("CIO010", position, position + 3, "NOW"))
    return proposals


def test_overlapping_fixes_apply_in_later_pass(tmp_path):
    (tmp_path / "a.js").write_text("now", encoding="utf-8")
    scan = FakeScan(tmp_path, wrap_and_shout)

    result, _, report = apply_fixes(scan, FixOptions(), cwd=tmp_path)

    assert (tmp_path / "a.js").read_text() == "(NOW)"
    assert report.applied == 2
    assert report.passes == 2
    assert scan.calls == 3
    assert result.findings == []
    assert result.fixes_applied == 2


def test_diff_defers_overlapping_fix(tmp_path):
    (tmp_path / "a.js").write_text("now", encoding="utf-8")
    scan = FakeScan(tmp_path, wrap_and_shout)

    _, _, report = apply_fixes(scan, FixOptions(write=False), cwd=tmp_path)

    assert (tmp_path / "a.js").read_text() == "now"
    assert report.diff == "--- a/a.js\n+++ b/a.js\n@@ -1 +1 @@\n-now\n" \
        "\\ No newline at end of file\n+(now)\n\\ No newline at end of file\n"
    assert report.applied == 1
    assert report.deferred == 1
    assert scan.calls == 1


def test_fix_passes_are_bounded(tmp_path):
    (tmp_path / "a.js").write_text("now", encoding="utf-8")
    scan = FakeScan(tmp_path, lambda text: [("CIO002", len(text), len(text), "!")])

    _, _, report = apply_fixes(scan, FixOptions(), cwd=tmp_path)

    assert report.unfinished
    assert report.passes == fixes.MAX_PASSES
    assert scan.calls == fixes.MAX_PASSES + 1
    assert (tmp_path / "a.js").read_text() == "now" + "!" * fixes.MAX_PASSES


# Files that change, file modes and atomic writes ----------------------------------


def test_file_changed_after_scan_is_not_touched(shop, capsys, monkeypatch):
    from cioguard import engine

    real_run = engine.run
    edited = ORDERS_JS.replace("order_placed", "order_done", 1)

    def run_then_edit(*args, **kwargs):
        result = real_run(*args, **kwargs)
        (shop / "orders.js").write_text(edited, encoding="utf-8")
        return result

    monkeypatch.setattr(engine, "run", run_then_edit)

    code, out, err = run_cli(capsys, "--fix", "shop")

    assert (shop / "orders.js").read_text(encoding="utf-8") == edited
    assert "did not fix shop/orders.js: it changed after it was scanned" in err
    assert "Applied" not in out


def test_fix_keeps_file_mode(shop, capsys):
    os.chmod(shop / "orders.js", 0o640)

    run_cli(capsys, "--fix", "shop")

    assert stat.S_IMODE(os.stat(shop / "orders.js").st_mode) == 0o640
    assert FIXED_LINE in (shop / "orders.js").read_text(encoding="utf-8")
    assert [p.name for p in shop.iterdir() if p.name.endswith(".cioguard-tmp")] == []


def test_fix_through_symlink_keeps_link(shop, capsys):
    # Discovery skips vendor/, so the link is scanned in place of its target.
    (shop / "vendor").mkdir()
    (shop / "orders.js").rename(shop / "vendor" / "orders.js")
    (shop / "orders.js").symlink_to(Path("vendor") / "orders.js")

    run_cli(capsys, "--fix", "shop")

    assert (shop / "orders.js").is_symlink()
    assert FIXED_LINE in (shop / "vendor" / "orders.js").read_text(encoding="utf-8")


def test_fix_rescan_reports_remaining_findings(shop, capsys):
    code, out, _ = run_cli(capsys, "--fix", "shop")

    assert "shop/orders.js:10:" in out
    assert "CIO010" in out
    assert "CIO002" not in out
    assert code == 1
