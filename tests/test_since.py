"""``scan --since REF`` in temporary git repositories, and the diff parser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from cioguard.changes import ChangedLines, parse_diff
from cioguard.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HEADER = """\
import os

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])


def sign_up(user):
    cio.identify(user.id, email=user.email)
"""
# Lines 10 and 11 of signup.py, each with one CIO006 finding.
TRACKING = """\
    cio.track(user.id, f"{user.plan}_chosen")
    cio.track(user.id, f"{user.plan}_upgraded")
"""
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root, *args) -> str:
    environment = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}
    completed = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True, text=True, env=environment, check=True,
    )
    return completed.stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    git(tmp_path, "init", "--quiet")
    (tmp_path / ".gitignore").write_text(".cioguard_cache/\n")
    (tmp_path / "signup.py").write_text(HEADER + TRACKING)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "Add sign-up tracking")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan_since(capsys, ref, *options) -> tuple[int, list[tuple[str, int, str]], str]:
    code = main(["scan", "--format", "json", "--select", "CIO006", "--since", ref,
                 *options, "."])
    captured = capsys.readouterr()
    if code == 2:
        return code, [], captured.err
    findings = [(f["path"], f["line"], f["rule"]) for f in json.loads(captured.out)["findings"]]
    return code, findings, captured.err


def test_unchanged_tree_reports_nothing(repo, capsys):
    code, findings, _ = scan_since(capsys, "HEAD")
    assert findings == []
    assert code == 0


def test_changed_line_reported_alone(repo, capsys):
    changed = TRACKING.replace("_upgraded", "_renewed")
    (repo / "signup.py").write_text(HEADER + changed)
    code, findings, _ = scan_since(capsys, "HEAD")
    assert findings == [("signup.py", 11, "CIO006")]
    assert code == 1


def test_without_since_reports_both(repo, capsys):
    (repo / "signup.py").write_text(HEADER + TRACKING.replace("_upgraded", "_renewed"))
    main(["scan", "--format", "json", "--select", "CIO006", "."])
    report = json.loads(capsys.readouterr().out)
    assert [f["line"] for f in report["findings"]] == [10, 11]


def test_committed_change_since_older_ref(repo, capsys):
    (repo / "signup.py").write_text(HEADER + TRACKING.replace("_chosen", "_picked"))
    git(repo, "commit", "--quiet", "-am", "Rename the event")
    _, findings, _ = scan_since(capsys, "HEAD~1")
    assert findings == [("signup.py", 10, "CIO006")]
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == []


def test_staged_change_counts(repo, capsys):
    (repo / "signup.py").write_text(HEADER + TRACKING.replace("_chosen", "_picked"))
    git(repo, "add", "signup.py")
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == [("signup.py", 10, "CIO006")]


def test_untracked_file_counts_whole(repo, capsys):
    (repo / "cancel.py").write_text(HEADER + TRACKING)
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == [("cancel.py", 10, "CIO006"), ("cancel.py", 11, "CIO006")]


def test_ignored_file_does_not_count(repo, capsys):
    (repo / ".gitignore").write_text(".cioguard_cache/\ngenerated/\n")
    git(repo, "commit", "--quiet", "-am", "Ignore generated code")
    (repo / "generated").mkdir()
    (repo / "generated" / "cancel.py").write_text(HEADER + TRACKING)
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == []


def test_deletion_inside_statement_counts(repo, capsys):
    multiline = HEADER + '    cio.track(\n        user.id,\n        f"{user.plan}_chosen",\n    )\n'
    (repo / "signup.py").write_text(multiline)
    git(repo, "commit", "--quiet", "-am", "Split the call")
    finding_only = multiline.replace("        user.id,\n", "")
    (repo / "signup.py").write_text(finding_only)
    # The flagged name is line 11 and the deletion sits above it, inside
    # the call but outside the flagged range, so it does not count.
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == []


def test_deletion_within_finding_range_counts(repo, capsys):
    multiline = HEADER + '    cio.track(user.id, f"{user.plan}"\n                       "_chosen")\n'
    (repo / "signup.py").write_text(multiline)
    git(repo, "commit", "--quiet", "-am", "Build the name from two strings")
    inserted = multiline.replace('f"{user.plan}"\n', 'f"{user.plan}"\n                       "_x"\n')
    (repo / "signup.py").write_text(inserted)
    git(repo, "commit", "--quiet", "-am", "Insert a part")
    (repo / "signup.py").write_text(multiline)
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == [("signup.py", 10, "CIO006")]


def test_since_with_baseline(repo, capsys):
    main(["scan", "--select", "CIO006", "--baseline", "b.json", "--update-baseline", "."])
    capsys.readouterr()
    (repo / "signup.py").write_text(HEADER + TRACKING + '    cio.track(user.id, f"{user.tier}_set")\n')
    code, findings, _ = scan_since(capsys, "HEAD", "--baseline", "b.json")
    assert findings == [("signup.py", 12, "CIO006")]
    assert code == 1


def test_unknown_ref_exits_two(repo, capsys):
    code, _, err = scan_since(capsys, "no-such-branch")
    assert code == 2
    assert "--since: unknown git revision `no-such-branch`" in err


def test_option_like_ref_exits_two(repo, capsys):
    code = main(["scan", "--since=--output=x", "."])
    err = capsys.readouterr().err
    assert code == 2
    assert "invalid git revision `--output=x`" in err


def test_outside_git_exits_two(tmp_path, capsys, monkeypatch):
    (tmp_path / "signup.py").write_text(HEADER + TRACKING)
    monkeypatch.chdir(tmp_path)
    code, _, err = scan_since(capsys, "HEAD")
    assert code == 2
    assert "--since needs a git repository, but `.` is not inside one" in err


def test_scan_of_subfolder(repo, capsys, monkeypatch):
    (repo / "app").mkdir()
    (repo / "app" / "billing.py").write_text(HEADER + TRACKING)
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "Add billing")
    (repo / "app" / "billing.py").write_text(HEADER + TRACKING.replace("_chosen", "_paid"))
    monkeypatch.chdir(repo / "app")
    _, findings, _ = scan_since(capsys, "HEAD")
    assert findings == [("billing.py", 10, "CIO006")]


# The diff parser -----------------------------------------------------------------


def test_parse_diff_skips_hunk_bodies():
    diff = "\n".join([
        "diff --git a/a.py b/a.py",
        "--- a/a.py",
        "+++ b/a.py",
        "@@ -3,0 +4,2 @@",
        "+++ not a header",
        "+x = 1",
        "@@ -9 +10,0 @@",
        "-gone = 1",
        "",
    ])
    changes = ChangedLines()
    parse_diff(diff, "/repo", changes)
    file_changes = changes.files[os.path.realpath("/repo/a.py")]
    assert file_changes.lines == {4, 5}
    assert file_changes.deletions == {10}
    assert list(changes.files) == [os.path.realpath("/repo/a.py")]


def test_parse_diff_unquotes_paths():
    diff = '--- "a/we\\"ird \\303\\251.py"\n+++ "b/we\\"ird \\303\\251.py"\n@@ -1 +1 @@\n-a\n+b\n'
    changes = ChangedLines()
    parse_diff(diff, "/repo", changes)
    assert list(changes.files) == [os.path.realpath('/repo/we"ird é.py')]


def test_parse_diff_ignores_deleted_files():
    diff = "--- a/old.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    changes = ChangedLines()
    parse_diff(diff, "/repo", changes)
    assert changes.files == {}
