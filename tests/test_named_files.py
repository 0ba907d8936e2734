"""Files named on the command line are checked in their project's context."""

import json

from cioguard.cli import main

CLIENT = """const { TrackClient } = require('customerio-node');
module.exports = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);
"""
ROUTE = """const cio = require('./cio');
exports.viewed = (req) => cio.track(req.user.id, { name: `${req.params.page}_viewed` }).catch(() => {});
"""
OTHER = """const cio = require('./cio');
exports.clicked = (req) => cio.track(req.user.id, { name: `${req.params.button}_clicked` }).catch(() => {});
"""


def scan(capsys, *args):
    code = main(["scan", "--format", "json", "--no-cache", *args])
    return code, json.loads(capsys.readouterr().out)


def make_project(tmp_path):
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"dependencies": {"customerio-node": "^5.0.0"}}')
    (project / "cio.js").write_text(CLIENT)
    (project / "route.js").write_text(ROUTE)
    (project / "other.js").write_text(OTHER)
    return project


def test_named_file_follows_client_from_other_file(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.chdir(project)

    code, report = scan(capsys, "route.js")

    assert code == 1
    assert {(f["path"], f["rule"]) for f in report["findings"]} == {("route.js", "CIO006")}


def test_only_named_files_are_reported(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.chdir(project)

    _, whole = scan(capsys, ".")
    _, named = scan(capsys, "route.js", "other.js")

    assert {f["path"] for f in whole["findings"]} == {"route.js", "other.js"}
    assert named["findings"] == whole["findings"]
    assert named["summary"]["files_scanned"] == 2


def test_ignored_file_is_scanned_when_named(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path)
    (project / ".gitignore").write_text("route.js\n")
    monkeypatch.chdir(project)

    _, whole = scan(capsys, ".")
    _, named = scan(capsys, "route.js")

    assert all(f["path"] != "route.js" for f in whole["findings"])
    assert [f["path"] for f in named["findings"]] == ["route.js"]
