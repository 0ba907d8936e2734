"""A hard-coded key never reaches any output: every report format, the
report file, the baseline, and excerpts of findings next to the key."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from cioguard.cli import SCAN_FORMATS, main

KEY = "9f3c2a71e4b85d06c1a2"
MASKED = KEY[:4] + "****"
# The key appears as a constructor argument (CIO013), in a comment, and on
# the line above another finding, so excerpts and context lines show it.
CLIENT = f"""\
import os

from customerio import CustomerIO

# Rotated on 2024-03-01, old value {KEY}
cio = CustomerIO(os.environ["CIO_SITE_ID"], "{KEY}")
cio.track(os.environ["SYSTEM_ID"], f"{{cio.plan}}_booted")


def sign_up(user):
    cio.identify(user.id, email=user.email)
    cio.track(user.id, f"{{user.plan}}_chosen", key="{KEY}")
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "client.py").write_text(CLIENT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_no_key(text: str) -> None:
    assert KEY not in text
    assert KEY[4:] not in text  # no part after the shown prefix either


@pytest.mark.parametrize("fmt", SCAN_FORMATS)
def test_key_absent_from_every_format(project, capsys, fmt):
    code, out, err = run_cli(capsys, "scan", "--format", fmt, ".")
    assert code == 1, err
    assert out
    assert_no_key(out)
    assert_no_key(err)


def test_key_reported_by_cio013(project, capsys):
    _, out, _ = run_cli(capsys, "scan", "--format", "json", ".")
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    assert "CIO013" in rules
    assert "CIO006" in rules


def test_full_format_shows_mask(project, capsys):
    _, out, _ = run_cli(capsys, "scan", "--format", "full", "--select", "CIO013", ".")
    assert f'"{MASKED}"' in out


def test_sarif_snippets_masked(project, capsys):
    _, out, _ = run_cli(capsys, "scan", "--format", "sarif", "--select", "CIO013", ".")
    results = json.loads(out)["runs"][0]["results"]
    snippets = [
        r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"] for r in results
    ]
    assert f'"{MASKED}"' in snippets


def test_report_file_has_no_key(project, capsys):
    for fmt in ("html", "sarif", "json"):
        code, out, _ = run_cli(capsys, "scan", "--format", fmt, "--output", f"report.{fmt}", ".")
        assert code == 1
        assert out == ""
        assert_no_key((project / f"report.{fmt}").read_text())


def test_suppressed_key_stays_masked(project, capsys):
    suppressed = CLIENT.replace(f'"{KEY}")\n', f'"{KEY}")  # noqa: CIO013 -- local mock\n')
    (project / "client.py").write_text(suppressed)
    for fmt in SCAN_FORMATS:
        _, out, _ = run_cli(capsys, "scan", "--format", fmt, ".")
        assert_no_key(out)


def test_baseline_file_has_no_key(project, capsys):
    code, _, _ = run_cli(capsys, "scan", "--baseline", "b.json", "--update-baseline", ".")
    assert code == 0
    text = (project / "b.json").read_text()
    assert_no_key(text)
    assert MASKED not in text  # fingerprints are hashes, not text


def test_baselined_key_masked_in_new_finding(project, capsys):
    run_cli(capsys, "scan", "--select", "CIO013", "--baseline", "b.json", "--update-baseline", ".")
    for fmt in ("full", "sarif", "html"):
        code, out, _ = run_cli(capsys, "scan", "--format", fmt, "--baseline", "b.json", ".")
        assert code == 1
        assert_no_key(out)


def git(root, *args) -> None:
    environment = {
        **os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", "-C", str(root), *args], env=environment, check=True,
                   capture_output=True)


def test_key_on_unchanged_line_masked_with_since(project, capsys):
    git(project, "init", "--quiet")
    git(project, "add", "client.py")
    git(project, "commit", "--quiet", "-m", "Add client")
    changed = CLIENT.replace("_booted", "_started")
    assert changed != CLIENT
    (project / "client.py").write_text(changed)
    code, out, _ = run_cli(capsys, "scan", "--format", "full", "--since", "HEAD", ".")
    assert code == 1
    assert "_started" in out  # the changed line's finding, with the key line above it
    assert_no_key(out)


def test_key_in_per_file_ignored_file_masked(project, capsys):
    (project / ".cioguard.toml").write_text('[per-file-ignores]\n"client.py" = ["CIO013"]\n')
    code, out, _ = run_cli(capsys, "scan", "--format", "full", ".")
    assert code == 1
    assert "CIO013" not in out
    assert "_booted" in out
    assert_no_key(out)


def test_key_absent_from_diff(project, capsys):
    fixable = CLIENT.replace(
        'cio.track(os.environ["SYSTEM_ID"], f"{cio.plan}_booted")',
        'cio.identify("system", email="ops@example.com", created_at=int(time.time() * 1000))',
    ).replace("import os\n", "import os\nimport time\n")
    (project / "client.py").write_text(fixable)
    code, out, err = run_cli(capsys, "scan", "--diff", ".")
    assert code == 1
    assert "int(time.time() * 1000)" in out
    assert_no_key(out)


@pytest.mark.parametrize("fmt", ["full", "sarif", "html", "json"])
def test_key_masked_when_cio013_is_off(project, capsys, fmt):
    code, out, err = run_cli(capsys, "scan", "--ignore", "CIO013", "--format", fmt, ".")
    assert code == 1
    assert_no_key(out)
    assert_no_key(err)
