"""Inside a git work tree, discovery lists files with git; the result must
match the pure-Python walker on the same tree."""

import subprocess

import pytest

from cioguard import discovery

TREE = {
    ".gitignore": "ignored/\n*.log\nsecret.js\n!keep/secret.js\n",
    "app.js": "x",
    "src/index.ts": "x",
    "src/view.tsx": "x",
    "src/types.d.ts": "x",
    "src/vendor.min.js": "x",
    "ignored/a.js": "x",
    "secret.js": "x",
    "keep/secret.js": "x",
    "node_modules/pkg/index.js": "x",
    "packages/web/dist/bundle.js": "x",
    "packages/web/src/page.ts": "x",
    "env/pyvenv.cfg": "home = /usr/bin",
    "env/lib/site.py": "x",
    "out/page.js": "x",
    "tools/out/package.json": "{}",
    "tools/out/main.js": "x",
    "legacy/old.py": "x",
    "scripts/run.py": "x",
    "README.md": "x",
}


@pytest.fixture
def repo(tmp_path):
    for relative, text in TREE.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "app.js", "src", ".gitignore"], cwd=tmp_path, check=True)
    return tmp_path


def listed(result):
    return [source.relative for source in result.files]


def test_git_listing_matches_walker(repo, monkeypatch):
    with_git = discover_with(repo, monkeypatch, git=True, excludes=["legacy/"])
    walked = discover_with(repo, monkeypatch, git=False, excludes=["legacy/"])
    assert listed(with_git) == listed(walked)


def test_git_listing_applies_cioguard_filters(repo, monkeypatch):
    files = listed(discover_with(repo, monkeypatch, git=True, excludes=["legacy/"]))
    assert "app.js" in files
    assert "keep/secret.js" in files
    assert "tools/out/main.js" in files
    assert "packages/web/src/page.ts" in files
    assert "scripts/run.py" in files
    for dropped in ("ignored/a.js", "secret.js", "node_modules/pkg/index.js",
                    "packages/web/dist/bundle.js", "env/lib/site.py", "out/page.js",
                    "legacy/old.py", "src/types.d.ts", "src/vendor.min.js"):
        assert dropped not in files


def test_git_listing_is_used_in_a_work_tree(repo, monkeypatch):
    calls = []
    real = discovery._git_listing

    def spy(root):
        result = real(root)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(discovery, "_git_listing", spy)
    discovery.discover(repo)
    assert calls == [True]


def discover_with(repo, monkeypatch, *, git, excludes):
    if not git:
        monkeypatch.setattr(discovery, "_git_listing", lambda root: None)
    result = discovery.discover(repo, excludes=excludes)
    monkeypatch.undo()
    return result
