"""Inline suppression comments, per-file ignores, and the CIO100 and CIO101
reports about the comments themselves, run through the command line."""

from __future__ import annotations

import json
import textwrap

import pytest

from cioguard.cli import main
from cioguard.engine import extract_source

PY_HEADER = """\
import os
import time

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])

"""
JS_HEADER = """\
const { TrackClient } = require('customerio-node');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

"""


def write_project(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        header = PY_HEADER if name.endswith(".py") else JS_HEADER
        path.write_text(header + textwrap.dedent(text), encoding="utf-8")


def header_lines(name: str) -> int:
    header = PY_HEADER if name.endswith(".py") else JS_HEADER
    return header.count("\n")


def scan(capsys, monkeypatch, root, *options, fmt="json"):
    monkeypatch.chdir(root)
    code = main(["scan", "--format", fmt, *options, "."])
    out = capsys.readouterr().out
    return code, json.loads(out)


def findings(report) -> list[tuple[str, int, str]]:
    """(path, line within the written text, rule) for each finding."""
    return [
        (f["path"], f["line"] - header_lines(f["path"]), f["rule"])
        for f in report["findings"]
    ]


# Line and next-statement suppressions -----------------------------------


def test_line_suppression_silences_named_code(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # cioguard: ignore[CIO006] -- three plans
            cio.track(user.id, f"{user.plan}_upgraded")
        """})
    code, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("signup.py", 3, "CIO006")]
    assert report["summary"]["suppressed"] == 1
    assert code == 1


def test_line_suppression_in_javascript(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.js": """\
        async function signUp(user) {
          await cio.track(user.id, { name: `${user.plan}_chosen` }); // cioguard: ignore[CIO006]
          await cio.track(user.id, { name: `${user.plan}_upgraded` });
        }
        module.exports = { signUp };
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("signup.js", 3, "CIO006")]
    assert report["summary"]["suppressed"] == 1


def test_line_suppression_checks_first_line(tmp_path, capsys, monkeypatch):
    # The comment sits on the closing line; the finding starts two lines up.
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(
                user.id,
                f"{user.plan}_chosen",
            )  # cioguard: ignore[CIO006]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert ("signup.py", 4, "CIO006") in findings(report)
    assert ("signup.py", 5, "CIO100") in findings(report)
    assert report["summary"]["suppressed"] == 0


def test_own_line_covers_multiline_statement(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            # cioguard: ignore[CIO006] -- plan has three values
            cio.track(
                user.id,
                f"{user.plan}_chosen",
            )
            cio.track(user.id, f"{user.plan}_upgraded")
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("signup.py", 7, "CIO006")]
    assert report["summary"]["suppressed"] == 1


def test_own_line_in_javascript(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.js": """\
        async function signUp(user) {
          // cioguard: ignore[CIO006] -- plan has three values
          await cio.track(user.id, {
            name: `${user.plan}_chosen`,
          });
          await cio.track(user.id, { name: `${user.plan}_upgraded` });
        }
        module.exports = { signUp };
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("signup.js", 6, "CIO006")]


def test_own_line_skips_other_comments(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            # cioguard: ignore[CIO006]
            # The plan name comes from a fixed list.
            cio.track(user.id, f"{user.plan}_chosen")
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == []
    assert report["summary"]["suppressed"] == 1


def test_own_line_covers_one_statement(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_started")
            # cioguard: ignore[CIO006]
            cio.track(user.id, f"{user.plan}_chosen")
            cio.track(user.id, f"{user.plan}_upgraded")
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006")
    assert findings(report) == [("signup.py", 2, "CIO006"), ("signup.py", 5, "CIO006")]


def test_own_line_before_dedent(tmp_path, capsys, monkeypatch):
    # tree-sitter puts this comment inside the first function's body; it
    # still belongs to the statement that follows it.
    write_project(tmp_path, {"signup.py": """\
        def first(user):
            cio.identify(user.id, email=user.email)
            # cioguard: ignore[CIO006]
        def second(user):
            cio.track(user.id, f"{user.plan}_chosen")
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == []
    assert report["summary"]["suppressed"] == 1


def test_wrong_code_does_not_silence(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # cioguard: ignore[CIO002]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO002,CIO006,CIO100")
    assert ("signup.py", 2, "CIO006") in findings(report)
    assert ("signup.py", 2, "CIO100") in findings(report)
    assert report["summary"]["suppressed"] == 0


def test_several_codes_in_one_comment(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen", at=int(time.time() * 1000))  # cioguard: ignore[CIO006, CIO002]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO002,CIO006,CIO100")
    assert findings(report) == []
    assert report["summary"]["suppressed"] == 2


# File-level suppressions and noqa --------------------------------------------


def test_file_suppression_silences_whole_file(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {
        "signup.py": """\
            # cioguard: ignore-file[CIO006] -- generated from the plan table
            def sign_up(user):
                cio.track(user.id, f"{user.plan}_chosen")
                cio.track(user.id, f"{user.plan}_upgraded")
            """,
        "other.py": """\
            def other(user):
                cio.track(user.id, f"{user.plan}_cancelled")
            """,
    })
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("other.py", 2, "CIO006")]
    assert report["summary"]["suppressed"] == 2


def test_noqa_with_cioguard_code_silences(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # noqa: E501, CIO006
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == []
    assert report["summary"]["suppressed"] == 1


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: E501", "# NOQA:E501,W291"])
def test_noqa_for_other_tools_ignored(tmp_path, capsys, monkeypatch, comment):
    write_project(tmp_path, {"signup.py": f"""\
        def sign_up(user):
            cio.track(user.id, f"{{user.plan}}_chosen")  {comment}
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100,CIO101")
    assert findings(report) == [("signup.py", 2, "CIO006")]
    assert report["summary"]["suppressed"] == 0


def test_noqa_is_python_only(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.js": """\
        async function signUp(user) {
          await cio.track(user.id, { name: `${user.plan}_chosen` }); // noqa: CIO006
        }
        module.exports = { signUp };
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("signup.js", 2, "CIO006")]


# Reasons ---------------------------------------------------------------------


def sarif_suppressions(capsys, monkeypatch, root, *options) -> list[dict]:
    monkeypatch.chdir(root)
    main(["scan", "--format", "sarif", *options, "."])
    log = json.loads(capsys.readouterr().out)
    results = log["runs"][0]["results"]
    return [r["suppressions"] for r in results if "suppressions" in r]


def test_reason_is_the_sarif_justification(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # cioguard: ignore[CIO006] -- three plans only
        """})
    suppressions = sarif_suppressions(capsys, monkeypatch, tmp_path, "--select", "CIO006")
    assert suppressions == [[{"kind": "inSource", "justification": "three plans only"}]]


def test_reason_stops_before_block_comment_end(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.js": """\
        async function signUp(user) {
          /* cioguard: ignore[CIO006] -- three plans only */
          await cio.track(user.id, { name: `${user.plan}_chosen` });
        }
        module.exports = { signUp };
        """})
    suppressions = sarif_suppressions(capsys, monkeypatch, tmp_path, "--select", "CIO006")
    assert suppressions == [[{"kind": "inSource", "justification": "three plans only"}]]


def test_no_reason_no_justification(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # noqa: CIO006
        """})
    suppressions = sarif_suppressions(capsys, monkeypatch, tmp_path, "--select", "CIO006")
    assert suppressions == [[{"kind": "inSource"}]]


# CIO100 unused-suppression -----------------------------------------------------


def test_unused_suppression_reported(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO006] -- old name
        """})
    code, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == [("signup.py", 2, "CIO100")]
    finding = report["findings"][0]
    assert finding["message"] == "suppression of `CIO006` silences no finding"
    assert finding["severity"] == "info"
    assert finding["name"] == "unused-suppression"
    assert code == 1


def test_unused_points_at_directive(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO006]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    finding = report["findings"][0]
    line = (tmp_path / "signup.py").read_text().splitlines()[finding["line"] - 1]
    flagged = line[finding["column"] - 1 : finding["end_column"] - 1]
    assert flagged == "cioguard: ignore[CIO006]"


def test_partly_used_names_unused_code(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # cioguard: ignore[CIO006, CIO002]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO002,CIO006,CIO100")
    assert findings(report) == [("signup.py", 2, "CIO100")]
    assert report["findings"][0]["message"] == "suppression of `CIO002` silences no finding"
    assert report["findings"][0]["hint"] == "Remove `CIO002` from the comment"


def test_unused_skips_disabled_rule(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO006]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--ignore", "CIO006")
    assert "CIO100" not in {rule for _, _, rule in findings(report)}


def test_unused_skips_per_file_ignored_rule(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"scripts/signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO006]
        """})
    (tmp_path / ".cioguard.toml").write_text('[per-file-ignores]\n"scripts/*.py" = ["CIO006"]\n')
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == []


def test_unused_rule_can_be_ignored(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO006]
        """})
    code, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006")
    assert findings(report) == []
    assert code == 0


def test_unknown_code_reported(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO999]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO100")
    assert findings(report) == [("signup.py", 2, "CIO100")]
    assert report["findings"][0]["message"] == (
        "suppression names unknown rule code `CIO999`"
    )


def test_unknown_codes_counted_in_message(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO999, CIO06]
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO100")
    assert report["findings"][0]["message"] == (
        "suppression names unknown rule codes `CIO999`, `CIO06`"
    )


def test_unused_silenced_by_naming_it(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore[CIO006, CIO100] -- kept for v2
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100")
    assert findings(report) == []
    assert report["summary"]["suppressed"] == 1


# CIO101 blanket-suppression ----------------------------------------------------


def test_blanket_silences_and_is_reported(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # cioguard: ignore
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100,CIO101")
    assert findings(report) == [("signup.py", 2, "CIO101")]
    assert report["findings"][0]["message"] == "`cioguard: ignore` names no rule code"
    assert report["summary"]["suppressed"] == 1


def test_blanket_file_suppression_is_reported(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        # cioguard: ignore-file
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO101")
    assert findings(report) == [("signup.py", 1, "CIO101")]
    assert report["findings"][0]["message"] == "`cioguard: ignore-file` names no rule code"


def test_blanket_not_reported_when_ignored(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, f"{user.plan}_chosen")  # cioguard: ignore
        """})
    code, report = scan(capsys, monkeypatch, tmp_path, "--ignore", "CIO101")
    assert findings(report) == []
    assert report["summary"]["suppressed"] >= 1
    assert code == 0


def test_unused_blanket_reported_twice(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"signup.py": """\
        def sign_up(user):
            cio.track(user.id, "signed_up")  # cioguard: ignore
        """})
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006,CIO100,CIO101")
    assert findings(report) == [("signup.py", 2, "CIO100"), ("signup.py", 2, "CIO101")]


# Per-file ignores ----------------------------------------------------------------


def test_per_file_ignores_drop_uncounted(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {
        "scripts/backfill.py": """\
            def backfill(user):
                cio.track(user.id, f"{user.plan}_chosen")
            """,
        "app/signup.py": """\
            def sign_up(user):
                cio.track(user.id, f"{user.plan}_chosen")
            """,
    })
    (tmp_path / ".cioguard.toml").write_text('[per-file-ignores]\n"scripts/**" = ["CIO006"]\n')
    _, report = scan(capsys, monkeypatch, tmp_path, "--select", "CIO006")
    assert findings(report) == [("app/signup.py", 2, "CIO006")]
    assert report["summary"]["suppressed"] == 0


def test_per_file_ignores_relative_to_project(tmp_path, capsys, monkeypatch):
    project = tmp_path / "service"
    write_project(project, {"scripts/backfill.py": """\
        def backfill(user):
            cio.track(user.id, f"{user.plan}_chosen")
        """})
    (project / ".cioguard.toml").write_text('[per-file-ignores]\n"scripts/**" = ["CIO006"]\n')
    monkeypatch.chdir(tmp_path)
    main(["scan", "--format", "json", "--select", "CIO006", "service"])
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == []


# The comment facts that extractors record ---------------------------------------


def test_comment_facts_python():
    source = textwrap.dedent("""\
        x = 1  # trailing
        # own line
        call(
            1,
        )
        """).encode()
    comments = extract_source(source, "a.py", "python").comments
    assert [(c.line, c.own_line, c.next_lines) for c in comments] == [
        (0, False, None),
        (1, True, (2, 4)),
    ]


def test_comment_facts_javascript():
    source = textwrap.dedent("""\
        const o = {
          // property
          a: 1,
        }; /* after */
        /* last */
        """).encode()
    comments = extract_source(source, "a.js", "javascript").comments
    assert [(c.line, c.own_line, c.next_lines) for c in comments] == [
        (1, True, (2, 2)),
        (3, False, None),
        (4, True, None),
    ]
