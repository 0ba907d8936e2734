"""The pre-commit hook works when added by repository URL.

`pre-commit try-repo` installs cioguard from this repository's committed
HEAD into its own environment and runs the hook on a small project, as a
user's pre-commit would.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pre_commit.clientlib import load_manifest

REPO = Path(__file__).resolve().parents[1]
APP = """const { TrackClient } = require('customerio-node');
const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);
exports.use = (req) => cio.track(req.user.id, { name: `${req.params.kind}_used` }).catch(() => {});
"""


def test_hook_manifest_is_valid():
    hooks = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert [hook["id"] for hook in hooks] == ["cioguard"]
    assert hooks[0]["entry"].split()[:2] == ["cioguard", "scan"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hook_reports_a_finding_through_pre_commit(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.js").write_text(APP)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "app.js"], cwd=project, check=True)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "cioguard", "--all-files"],
        cwd=project, capture_output=True, text=True, env=env, timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "CIO006" in output, output
    assert "Traceback" not in output, output
