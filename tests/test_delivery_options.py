"""Settings that change what the delivery rules (CIO007, CIO011) report."""

from __future__ import annotations

from pathlib import Path

from cioguard.config import Settings

from .harness import scan

DECORATED_VIEW = '''\
from customerio import CustomerIO

from myframework import endpoint

cio = CustomerIO("site-id", "track-key")


@endpoint("/signup")
def signup(payload):
    cio.identify(id=payload["user_id"], plan="free")
    return {"ok": True}
'''

QUEUED_LOOP = '''\
const { TrackClient } = require('customerio-node');
const { jobQueue } = require('./queue');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

async function importRows(rows) {
  for (const row of rows) {
    await jobQueue.run(() => cio.identify(row.id, { plan: row.plan }));
  }
}

module.exports = { importRows };
'''


def write_project(root: Path, name: str, source: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(source, encoding="utf-8")
    return root


def lines_of(findings, code: str) -> list[int]:
    return [finding.span.line + 1 for finding in findings if finding.rule == code]


def test_handler_decorator_marks_request_handler(tmp_path, monkeypatch):
    project = write_project(tmp_path / "app", "endpoints.py", DECORATED_VIEW)
    settings = Settings(handler_decorators=["endpoint"])

    findings, errors = scan(project, {"CIO007"}, settings, monkeypatch)

    assert errors == []
    assert lines_of(findings, "CIO007") == [10]


def test_unknown_decorator_is_not_handler(tmp_path, monkeypatch):
    project = write_project(tmp_path / "app", "endpoints.py", DECORATED_VIEW)

    findings, errors = scan(project, {"CIO007"}, Settings(), monkeypatch)

    assert errors == []
    assert lines_of(findings, "CIO007") == []


def test_limiter_name_paces_loop(tmp_path, monkeypatch):
    project = write_project(tmp_path / "job", "import.js", QUEUED_LOOP)
    settings = Settings(limiter_names=["jobQueue"])

    findings, errors = scan(project, {"CIO011"}, settings, monkeypatch)

    assert errors == []
    assert lines_of(findings, "CIO011") == []


def test_unlisted_limiter_leaves_loop_unpaced(tmp_path, monkeypatch):
    project = write_project(tmp_path / "job", "import.js", QUEUED_LOOP)

    findings, errors = scan(project, {"CIO011"}, Settings(), monkeypatch)

    assert errors == []
    assert lines_of(findings, "CIO011") == [8]
