"""Baseline files through the command line: writing, matching by
fingerprint instead of line, counting duplicates, and rejecting bad files."""

from __future__ import annotations

import hashlib
import json

import pytest

from cioguard.report.prepared import normalise_source
from cioguard.cli import main

HEADER = """\
import os

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])
"""
SIGN_UP = """

def sign_up(user):
    cio.identify(user.id, email=user.email)
    cio.track(user.id, f"{user.plan}_chosen")
"""
CANCEL = """

def cancel(user):
    cio.track(user.id, f"{user.plan}_cancelled")
"""
VISIT_JS = """\
const { TrackClient } = require('customerio-node');
const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

exports.visit = (user) => {
  cio.track(user.id, { name: 'visited' });
};
"""
SECRET = "9f3c2a71e4b85d06c1a2"
HARD_CODED = f"""\
import os

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], "{SECRET}")


def sign_up(user):
    cio.identify(user.id, email=user.email)
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "signup.py").write_text(HEADER + SIGN_UP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def update(capsys, *options) -> tuple[int, str]:
    code, _, err = run_cli(
        capsys, "scan", "--select", "CIO006,CIO013", "--baseline", "baseline.json",
        "--update-baseline", *options, ".",
    )
    return code, err


def new_findings(capsys, *options) -> tuple[int, list[tuple[str, int, str]]]:
    code, out, err = run_cli(
        capsys, "scan", "--format", "json", "--select", "CIO006,CIO013",
        "--baseline", "baseline.json", *options, ".",
    )
    assert code in (0, 1), err
    report = json.loads(out)
    return code, [(f["path"], f["line"], f["rule"]) for f in report["findings"]]


# Writing ---------------------------------------------------------------------------


def test_update_writes_file_and_exits_zero(project, capsys):
    code, err = update(capsys)
    assert code == 0
    assert "Wrote 1 finding to the baseline baseline.json." in err
    document = json.loads((project / "baseline.json").read_text())
    assert document["version"] == 2
    assert len(document["findings"]) == 1
    entry = document["findings"][0]
    assert entry["path"] == "signup.py"
    assert entry["rule"] == "CIO006"
    assert entry["count"] == 1
    assert len(entry["fingerprint"]) == 64


def test_update_prints_no_report(project, capsys):
    code, out, _ = run_cli(capsys, "scan", "--baseline", "b.json", "--update-baseline", ".")
    assert code == 0
    assert out == ""


def test_update_is_stable_and_sorted(project, capsys):
    (project / "cancel.py").write_text(HEADER + CANCEL)
    update(capsys)
    first = (project / "baseline.json").read_bytes()
    update(capsys)
    assert (project / "baseline.json").read_bytes() == first
    entries = json.loads(first)["findings"]
    keys = [(e["path"], e["rule"], e["fingerprint"]) for e in entries]
    assert keys == sorted(keys)
    assert [e["path"] for e in entries] == ["cancel.py", "signup.py"]
    assert list(json.loads(first)) == ["findings", "version"]


def test_update_creates_missing_file(project, capsys):
    assert not (project / "baseline.json").exists()
    code, _ = update(capsys)
    assert code == 0
    assert (project / "baseline.json").is_file()


def test_update_leaves_no_temporary_file(project, capsys):
    update(capsys)
    leftovers = [path.name for path in project.iterdir() if path.name.endswith(".tmp")]
    assert leftovers == []


def test_update_needs_baseline_option(project, capsys):
    code, _, err = run_cli(capsys, "scan", "--update-baseline", ".")
    assert code == 2
    assert "--update-baseline needs --baseline FILE" in err


def test_update_rejects_since(project, capsys):
    code, _, err = run_cli(
        capsys, "scan", "--baseline", "b.json", "--update-baseline", "--since", "HEAD", ".",
    )
    assert code == 2
    assert "--since cannot be combined with --update-baseline" in err


def test_update_into_missing_folder(project, capsys):
    code, _, err = run_cli(
        capsys, "scan", "--baseline", "nowhere/b.json", "--update-baseline", ".",
    )
    assert code == 2
    assert "cannot write baseline file `nowhere/b.json`" in err


# Matching ------------------------------------------------------------------------


def test_round_trip_reports_nothing(project, capsys):
    update(capsys)
    code, findings = new_findings(capsys)
    assert findings == []
    assert code == 0


def test_round_trip_counts_matches(project, capsys):
    update(capsys)
    code, out, _ = run_cli(
        capsys, "scan", "--select", "CIO006", "--baseline", "baseline.json", ".",
    )
    assert code == 0
    assert "1 matched the baseline." in out


def test_new_finding_is_reported(project, capsys):
    update(capsys)
    (project / "cancel.py").write_text(HEADER + CANCEL)
    code, findings = new_findings(capsys)
    assert findings == [("cancel.py", 9, "CIO006")]
    assert code == 1


def test_moved_code_stays_matched(project, capsys):
    update(capsys)
    moved = HEADER + "\n\n# A comment and a helper push the code down.\nLIMIT = 10\n" + SIGN_UP
    (project / "signup.py").write_text(moved)
    _, findings = new_findings(capsys)
    assert findings == []


def test_reindented_code_stays_matched(project, capsys):
    update(capsys)
    reindented = HEADER + SIGN_UP.replace(
        'f"{user.plan}_chosen"', 'f"{user.plan}_chosen"'
    ).replace("    cio.track(user.id, ", "    cio.track(\n        user.id,\n        ")
    (project / "signup.py").write_text(reindented)
    _, findings = new_findings(capsys)
    assert findings == []


def test_rewrapped_call_stays_matched(project, capsys):
    # CIO014 flags the whole call, which Prettier rewraps with a trailing comma.
    (project / "visit.js").write_text(VISIT_JS)
    run_cli(capsys, "scan", "--select", "CIO014", "--baseline", "baseline.json",
            "--update-baseline", ".")
    rewrapped = VISIT_JS.replace(
        "cio.track(user.id, { name: 'visited' });",
        "cio.track(user.id, {\n    name: 'visited',\n  });",
    )
    (project / "visit.js").write_text(rewrapped)

    code, out, err = run_cli(capsys, "scan", "--format", "json", "--select", "CIO014",
                             "--baseline", "baseline.json", ".")

    assert code == 0, err
    assert json.loads(out)["findings"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cio.track(user.id,  event)", "cio.track(user.id,event)"),
        ("cio.track(\n    user.id,\n    event,\n)", "cio.track(user.id,event)"),
        ("{ email, plan: [ a, b, ] }", "{email,plan:[a,b]}"),
        ("await  cio.track", "await cio.track"),
    ],
)
def test_normalise_source_drops_layout(text, expected):
    assert normalise_source(text) == expected


def test_changed_code_reappears(project, capsys):
    update(capsys)
    changed = HEADER + SIGN_UP.replace('f"{user.plan}_chosen"', 'f"{user.tier}_chosen"')
    (project / "signup.py").write_text(changed)
    _, findings = new_findings(capsys)
    assert findings == [("signup.py", 10, "CIO006")]


def test_renamed_file_reappears(project, capsys):
    update(capsys)
    (project / "signup.py").rename(project / "register.py")
    _, findings = new_findings(capsys)
    assert findings == [("register.py", 10, "CIO006")]


def test_duplicates_are_counted(project, capsys):
    update(capsys)
    twice = HEADER + SIGN_UP + '    cio.track(user.id, f"{user.plan}_chosen")\n'
    (project / "signup.py").write_text(twice)
    code, findings = new_findings(capsys)
    assert len(findings) == 1
    assert findings[0][2] == "CIO006"
    assert code == 1


def test_duplicates_in_file_stored_with_count(project, capsys):
    twice = HEADER + SIGN_UP + '    cio.track(user.id, f"{user.plan}_chosen")\n'
    (project / "signup.py").write_text(twice)
    update(capsys)
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    assert [e["count"] for e in entries] == [2]
    _, findings = new_findings(capsys)
    assert findings == []


def test_paths_relative_to_baseline_file(project, capsys, monkeypatch):
    update(capsys)
    monkeypatch.chdir(project.parent)
    code, out, err = run_cli(
        capsys, "scan", "--format", "json", "--select", "CIO006",
        "--baseline", f"{project.name}/baseline.json", project.name,
    )
    assert code == 0, err
    assert json.loads(out)["findings"] == []


def test_suppressed_findings_not_written(project, capsys):
    suppressed = HEADER + SIGN_UP.replace('_chosen")', '_chosen")  # noqa: CIO006')
    (project / "signup.py").write_text(suppressed)
    update(capsys)
    assert json.loads((project / "baseline.json").read_text())["findings"] == []


# Secrets ---------------------------------------------------------------------------


def test_secret_absent_from_baseline(project, capsys):
    (project / "client.py").write_text(HARD_CODED)
    update(capsys)
    text = (project / "baseline.json").read_text()
    assert SECRET not in text
    assert SECRET[4:] not in text
    entries = json.loads(text)["findings"]
    assert "CIO013" in {e["rule"] for e in entries}


def test_secret_fingerprint_hashes_masked_text(project, capsys):
    (project / "client.py").write_text(HARD_CODED)
    update(capsys)
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    secret_entries = [e for e in entries if e["rule"] == "CIO013"]
    assert len(secret_entries) == 1
    masked = normalise_source(f'"{SECRET[:4]}****"')
    expected = hashlib.sha256(f"CIO013\0client.py\0{masked}".encode()).hexdigest()
    assert secret_entries[0]["fingerprint"] == expected


# Bad baseline files ----------------------------------------------------------------


def test_missing_baseline_exits_two(project, capsys):
    code, out, err = run_cli(capsys, "scan", "--baseline", "missing.json", ".")
    assert code == 2
    assert out == ""
    assert "baseline file `missing.json` not found" in err
    assert "--update-baseline" in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not JSON"),
        ("[]", "expected a JSON object"),
        ('{"findings": []}', "unsupported version null, expected 2"),
        ('{"version": 1, "findings": []}', "unsupported version 1, expected 2"),
        ('{"version": 2}', "missing `findings` array"),
        ('{"version": 2, "findings": [3]}', "findings[0] is not an object"),
        ('{"version": 2, "findings": [{"count": 1}]}', "findings[0] has no valid `fingerprint`"),
        (
            '{"version": 2, "findings": [{"count": 0, "fingerprint": "' + "a" * 64 + '"}]}',
            "findings[0] has no valid `count`",
        ),
    ],
)
def test_malformed_baseline_exits_two(project, capsys, content, problem):
    (project / "baseline.json").write_text(content)
    code, out, err = run_cli(capsys, "scan", "--baseline", "baseline.json", ".")
    assert code == 2
    assert out == ""
    assert "invalid baseline file `baseline.json`" in err
    assert problem in err
    assert "Traceback" not in err


PROJECT_LEVEL = '''import os

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])


def invite(user):
    cio.identify(id=str(user.id), email=user.email)
'''
EARLIER = '''from app import cio


def welcome(user):
    cio.identify(id=str(user.id), email=user.email, plan="trial")
'''


def test_project_finding_matched_after_it_moves(tmp_path, capsys, monkeypatch):
    (tmp_path / "app.py").write_text(PROJECT_LEVEL)
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, "scan", "--no-cache", "--select", "CIO008",
                         "--baseline", "baseline.json", "--update-baseline", ".")
    assert code == 0

    # A new email-sending call earlier in path order now carries CIO008.
    (tmp_path / "aaa_welcome.py").write_text(EARLIER)
    code, out, _ = run_cli(capsys, "scan", "--no-cache", "--select", "CIO008",
                           "--baseline", "baseline.json", "--format", "json", ".")
    report = json.loads(out)

    assert code == 0, report["findings"]
    assert report["findings"] == []
