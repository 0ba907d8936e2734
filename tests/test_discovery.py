import os
from pathlib import Path

import pytest

from cioguard.discovery import (
    SKIPPED_DIRS,
    SkipFile,
    discover,
    find_project_root,
    is_minified,
    read_source,
)

RUNS_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def write(root: Path, relative: str, content: str | bytes = "x = 1\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def listed(root: Path, **options) -> list[str]:
    return [source.relative for source in discover(root, **options).files]


# Languages and ordering ---------------------------------------------------


def test_discover_maps_extensions_to_languages(tmp_path):
    for name in ["a.js", "b.jsx", "c.mjs", "d.cjs", "e.ts", "f.mts", "g.cts"]:
        write(tmp_path, name)
    write(tmp_path, "h.tsx")
    write(tmp_path, "i.py")

    languages = {
        source.relative: source.language for source in discover(tmp_path).files
    }

    assert languages == {
        "a.js": "javascript",
        "b.jsx": "javascript",
        "c.mjs": "javascript",
        "d.cjs": "javascript",
        "e.ts": "typescript",
        "f.mts": "typescript",
        "g.cts": "typescript",
        "h.tsx": "tsx",
        "i.py": "python",
    }


def test_discover_skips_other_file_types(tmp_path):
    for name in ["package.json", "style.css", "README.md", "Makefile", "x.rb"]:
        write(tmp_path, name)
    write(tmp_path, "app.js")

    assert listed(tmp_path) == ["app.js"]


def test_discover_sorts_by_relative_path_with_slashes(tmp_path):
    for name in ["z.py", "a/b/c.ts", "a/a.js", "m.js"]:
        write(tmp_path, name)

    assert listed(tmp_path) == ["a/a.js", "a/b/c.ts", "m.js", "z.py"]


def test_discover_returns_absolute_paths_for_relative_root(tmp_path, monkeypatch):
    write(tmp_path, "proj/src/app.js")
    monkeypatch.chdir(tmp_path)

    result = discover(Path("proj"))

    assert result.root == tmp_path / "proj"
    assert result.files[0].path == tmp_path / "proj" / "src" / "app.js"
    assert result.files[0].path.is_absolute()


# Ignore files --------------------------------------------------------------


def test_root_gitignore_drops_files_and_folders(tmp_path):
    write(tmp_path, ".gitignore", "generated/\n*.gen.ts\n/top-only.js\n")
    write(tmp_path, "generated/client.js")
    write(tmp_path, "src/api.gen.ts")
    write(tmp_path, "top-only.js")
    write(tmp_path, "src/top-only.js")
    write(tmp_path, "src/app.ts")

    assert listed(tmp_path) == ["src/app.ts", "src/top-only.js"]


def test_nested_gitignore_applies_only_to_its_subtree(tmp_path):
    write(tmp_path, "web/.gitignore", "*.js\n")
    write(tmp_path, "web/app.js")
    write(tmp_path, "web/deep/more.js")
    write(tmp_path, "api/app.js")

    assert listed(tmp_path) == ["api/app.js"]


def test_nested_gitignore_anchors_patterns_to_its_folder(tmp_path):
    write(tmp_path, "web/.gitignore", "/local.js\n")
    write(tmp_path, "web/local.js")
    write(tmp_path, "web/sub/local.js")
    write(tmp_path, "local.js")

    assert listed(tmp_path) == ["local.js", "web/sub/local.js"]


def test_negation_pattern_keeps_file(tmp_path):
    write(tmp_path, ".gitignore", "*.js\n!keep.js\n")
    write(tmp_path, "drop.js")
    write(tmp_path, "keep.js")
    write(tmp_path, "sub/keep.js")

    assert listed(tmp_path) == ["keep.js", "sub/keep.js"]


def test_nested_negation_overrides_parent_gitignore(tmp_path):
    write(tmp_path, ".gitignore", "*.gen.ts\n")
    write(tmp_path, "sdk/.gitignore", "!tracking.gen.ts\n")
    write(tmp_path, "sdk/tracking.gen.ts")
    write(tmp_path, "sdk/other.gen.ts")
    write(tmp_path, "tracking.gen.ts")

    assert listed(tmp_path) == ["sdk/tracking.gen.ts"]


def test_negation_cannot_keep_file_in_ignored_folder(tmp_path):
    # Git does not descend into an excluded folder, so "!" below it is moot.
    write(tmp_path, ".gitignore", "lib/\n!lib/keep.js\n")
    write(tmp_path, "lib/keep.js")

    assert listed(tmp_path) == []


def test_negation_keeps_file_when_only_contents_are_ignored(tmp_path):
    write(tmp_path, ".gitignore", "lib/*\n!lib/keep.js\n")
    write(tmp_path, "lib/keep.js")
    write(tmp_path, "lib/drop.js")

    assert listed(tmp_path) == ["lib/keep.js"]


def test_git_info_exclude_drops_files(tmp_path):
    write(tmp_path, ".git/info/exclude", "scratch.js\n")
    write(tmp_path, "scratch.js")
    write(tmp_path, "app.js")

    assert listed(tmp_path) == ["app.js"]


def test_gitignore_negation_beats_info_exclude(tmp_path):
    write(tmp_path, ".git/info/exclude", "*.js\n")
    write(tmp_path, ".gitignore", "!app.js\n")
    write(tmp_path, "app.js")
    write(tmp_path, "other.js")

    assert listed(tmp_path) == ["app.js"]


def test_worktree_git_file_points_to_info_exclude(tmp_path):
    git_dir = tmp_path / "repo.git" / "worktrees" / "wt"
    write(git_dir, "commondir", "../..\n")
    write(tmp_path, "repo.git/info/exclude", "scratch.js\n")
    project = tmp_path / "wt"
    write(project, ".git", f"gitdir: {git_dir}\n")
    write(project, "scratch.js")
    write(project, "app.js")

    assert listed(project) == ["app.js"]


def test_gitignore_above_root_is_not_read(tmp_path):
    write(tmp_path, ".gitignore", "*.js\n")
    write(tmp_path, "project/app.js")

    assert listed(tmp_path / "project") == ["app.js"]


def test_invalid_gitignore_line_dropped(tmp_path):
    write(tmp_path, ".gitignore", "a\\\n*.log.js\n")
    write(tmp_path, "debug.log.js")
    write(tmp_path, "app.js")

    assert listed(tmp_path) == ["app.js"]


def test_configured_excludes_drop_files(tmp_path):
    write(tmp_path, "legacy/old.js")
    write(tmp_path, "src/a.spec.ts")
    write(tmp_path, "src/a.ts")

    assert listed(tmp_path, excludes=["legacy/", "*.spec.ts"]) == ["src/a.ts"]


def test_configured_exclude_negation_beats_gitignore(tmp_path):
    write(tmp_path, ".gitignore", "generated/*\n")
    write(tmp_path, "generated/cio.js")
    write(tmp_path, "generated/other.js")

    assert listed(tmp_path, excludes=["!generated/cio.js"]) == ["generated/cio.js"]


def test_invalid_exclude_pattern_raises_value_error(tmp_path):
    with pytest.raises(ValueError):
        discover(tmp_path, excludes=["a\\"])


# Vendored, generated and declaration files --------------------------------


@pytest.mark.parametrize("name", SKIPPED_DIRS)
def test_skipped_folder_is_pruned_at_any_depth(tmp_path, name):
    write(tmp_path, f"{name}/lib.js")
    write(tmp_path, f"packages/web/{name}/lib.py")
    write(tmp_path, "packages/web/app.js")

    assert listed(tmp_path) == ["packages/web/app.js"]


def test_virtualenv_folder_skipped_by_marker(tmp_path):
    write(tmp_path, "env/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "env/lib/python3.11/site.py")
    write(tmp_path, ".py311/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, ".py311/bin/tool.py")
    write(tmp_path, "app.py")

    assert listed(tmp_path) == ["app.py"]


def test_env_folder_without_pyvenv_cfg_is_scanned(tmp_path):
    write(tmp_path, "env/settings.py")

    assert listed(tmp_path) == ["env/settings.py"]


def test_out_folder_skipped_unless_package(tmp_path):
    write(tmp_path, "out/_next/app.js")
    write(tmp_path, "packages/out/package.json", "{}")
    write(tmp_path, "packages/out/index.js")

    assert listed(tmp_path) == ["packages/out/index.js"]


def test_named_root_is_never_pruned(tmp_path):
    write(tmp_path, "build/app.js")

    assert listed(tmp_path / "build") == ["app.js"]


@pytest.mark.parametrize(
    "name",
    ["vendor.min.js", "esm.min.mjs", "app.bundle.js", "main-bundle.js", "types.d.ts"],
)
def test_bundle_and_declaration_file_names_are_skipped(tmp_path, name):
    write(tmp_path, name)
    write(tmp_path, "app.js")

    assert listed(tmp_path) == ["app.js"]


def test_is_minified_detects_bundle():
    bundle = b"/*! lib v1 */\n" + b"var a=1;" * 600

    assert is_minified(bundle)


def test_is_minified_accepts_normal_source():
    source = b"".join(b"const value%d = track('event');\n" % i for i in range(200))

    assert not is_minified(source)


def test_is_minified_accepts_one_long_line():
    long_line = b"const logo = 'data:image/png;base64," + b"A" * 1500 + b"';\n"
    source = long_line + b"".join(b"const n%d = %d;\n" % (i, i) for i in range(200))

    assert not is_minified(source)


def test_is_minified_counts_characters_not_bytes():
    # 600 two-byte characters: 1,200 bytes but only 600 characters.
    line = "const s = '" + "é" * 600 + "';"

    assert not is_minified(line.encode("utf-8"))


# Symbolic links ------------------------------------------------------------


def test_folder_symlink_loop_is_not_followed(tmp_path):
    write(tmp_path, "src/app.js")
    (tmp_path / "src" / "loop").symlink_to(tmp_path, target_is_directory=True)

    assert listed(tmp_path) == ["src/app.js"]


def test_folder_symlink_is_not_followed(tmp_path):
    write(tmp_path, "shared/lib.js")
    project = tmp_path / "project"
    write(project, "app.js")
    (project / "shared").symlink_to(tmp_path / "shared", target_is_directory=True)

    assert listed(project) == ["app.js"]


def test_file_symlink_inside_root_followed(tmp_path):
    write(tmp_path, ".gitignore", "generated/\n")
    write(tmp_path, "generated/cio.js")
    (tmp_path / "cio.js").symlink_to(tmp_path / "generated" / "cio.js")

    result = discover(tmp_path)

    assert [source.relative for source in result.files] == ["cio.js"]
    assert result.files[0].path == tmp_path / "cio.js"
    assert result.skipped == []


def test_file_symlink_to_listed_file_dropped(tmp_path):
    write(tmp_path, "src/cio.js")
    (tmp_path / "alias.js").symlink_to(tmp_path / "src" / "cio.js")
    (tmp_path / "alias2.js").symlink_to(tmp_path / "alias.js")

    assert listed(tmp_path) == ["src/cio.js"]


def test_symlinks_to_one_target_listed_once(tmp_path):
    write(tmp_path, ".gitignore", "generated/\n")
    write(tmp_path, "generated/cio.js")
    (tmp_path / "a").mkdir()
    # The walk meets z.js before it lists folder a.
    (tmp_path / "z.js").symlink_to(tmp_path / "generated" / "cio.js")
    (tmp_path / "a" / "x.js").symlink_to(tmp_path / "generated" / "cio.js")

    assert listed(tmp_path) == ["a/x.js"]


def test_file_symlink_outside_root_is_skipped_with_reason(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "outside.js")
    project = tmp_path / "project"
    project.mkdir()
    (project / "link.js").symlink_to(tmp_path / "outside.js")

    result = discover(project)

    assert result.files == []
    assert [error.path for error in result.skipped] == ["project/link.js"]
    assert "outside the project root" in result.skipped[0].message


def test_broken_file_symlink_is_skipped_with_reason(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gone.js").symlink_to(tmp_path / "missing.js")

    result = discover(tmp_path)

    assert result.files == []
    assert [error.path for error in result.skipped] == ["gone.js"]
    assert "broken symbolic link" in result.skipped[0].message


def test_file_symlink_loop_is_skipped(tmp_path):
    (tmp_path / "a.js").symlink_to(tmp_path / "b.js")
    (tmp_path / "b.js").symlink_to(tmp_path / "a.js")

    result = discover(tmp_path)

    assert result.files == []
    assert len(result.skipped) == 2


@pytest.mark.skipif(RUNS_AS_ROOT, reason="root can list any folder")
def test_unreadable_folder_is_skipped_with_reason(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    locked = tmp_path / "locked"
    write(locked, "app.js")
    write(tmp_path, "ok.js")
    locked.chmod(0)
    try:
        result = discover(tmp_path)
    finally:
        locked.chmod(0o755)

    assert [source.relative for source in result.files] == ["ok.js"]
    assert [error.path for error in result.skipped] == ["locked"]
    assert "cannot list folder" in result.skipped[0].message


# Explicit paths --------------------------------------------------------------


def test_only_lists_just_the_named_files(tmp_path):
    write(tmp_path, "a.js")
    write(tmp_path, "b.js")

    assert listed(tmp_path, only=[tmp_path / "b.js"]) == ["b.js"]


def test_named_file_is_kept_despite_ignore_rules(tmp_path):
    write(tmp_path, ".gitignore", "*.js\n")
    write(tmp_path, "node_modules/x/index.js")
    write(tmp_path, "app.min.js")
    write(tmp_path, "app.js")
    named = ["app.js", "app.min.js", "node_modules/x/index.js"]

    only = [tmp_path / name for name in named]

    assert listed(tmp_path, only=only, excludes=["app.js"]) == named


def test_named_file_relative_to_cwd_is_resolved(tmp_path, monkeypatch):
    write(tmp_path, "src/app.ts")
    monkeypatch.chdir(tmp_path / "src")

    assert listed(tmp_path, only=[Path("app.ts")]) == ["src/app.ts"]


def test_named_missing_file_is_skipped_with_reason(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = discover(tmp_path, only=[tmp_path / "nope.js"])

    assert result.files == []
    assert [error.path for error in result.skipped] == ["nope.js"]
    assert result.skipped[0].message == "file not found"


def test_named_unsupported_file_skipped(tmp_path):
    write(tmp_path, "app.rb")

    result = discover(tmp_path, only=[tmp_path / "app.rb"])

    assert result.files == []
    assert "unsupported file type" in result.skipped[0].message
    assert ".tsx" in result.skipped[0].message


def test_named_file_outside_root_raises(tmp_path):
    write(tmp_path, "other/app.js")
    (tmp_path / "project").mkdir()

    with pytest.raises(ValueError, match="outside the root"):
        discover(tmp_path / "project", only=[tmp_path / "other" / "app.js"])


def test_named_folder_applies_parent_gitignores(tmp_path):
    write(tmp_path, ".gitignore", "*.gen.js\n")
    write(tmp_path, "web/.gitignore", "legacy/\n")
    write(tmp_path, "web/src/.gitignore", "local.js\n")
    write(tmp_path, "web/src/app.js")
    write(tmp_path, "web/src/api.gen.js")
    write(tmp_path, "web/src/legacy/old.js")
    write(tmp_path, "web/src/local.js")
    write(tmp_path, "web/other.js")

    assert listed(tmp_path, only=[tmp_path / "web" / "src"]) == ["web/src/app.js"]


def test_named_folder_honours_git_info_exclude(tmp_path):
    write(tmp_path, ".git/info/exclude", "scratch.js\n")
    write(tmp_path, "src/scratch.js")
    write(tmp_path, "src/app.js")

    assert listed(tmp_path, only=[tmp_path / "src"]) == ["src/app.js"]


def test_find_project_root_stops_at_nearest_marker(tmp_path):
    write(tmp_path, "repo/.git/HEAD", "ref: refs/heads/main\n")
    write(tmp_path, "repo/packages/web/package.json", "{}")
    file = write(tmp_path, "repo/packages/web/src/app.js")

    assert find_project_root(file) == tmp_path / "repo" / "packages" / "web"


@pytest.mark.parametrize(
    "marker", ["pyproject.toml", "setup.py", "requirements-dev.txt"]
)
def test_find_project_root_knows_python_markers(tmp_path, marker):
    write(tmp_path, f"svc/{marker}")
    file = write(tmp_path, "svc/app/main.py")

    assert find_project_root(file) == tmp_path / "svc"


def test_find_project_root_falls_back_to_file_folder(tmp_path):
    markers = {".git", "package.json", "pyproject.toml", "setup.py"}
    for folder in tmp_path.parents:
        names = set(os.listdir(folder))
        if names & markers or any(name.startswith("requirements") for name in names):
            pytest.skip(f"{folder} contains a project marker")
    file = write(tmp_path, "loose/app.js")

    assert find_project_root(file) == tmp_path / "loose"


# Reading -----------------------------------------------------------------------


def test_read_source_returns_bytes_unchanged(tmp_path):
    content = "\ufeffconst café = track('ordered');\r\n".encode("utf-8")
    path = write(tmp_path, "a.js", content)

    assert read_source(path) == content


def test_read_source_skips_binary_file(tmp_path):
    path = write(tmp_path, "a.js", b"GIF89a\x00\x01\x02")

    with pytest.raises(SkipFile, match="binary file"):
        read_source(path)


def test_read_source_skips_utf16_file_with_fix(tmp_path):
    path = write(tmp_path, "a.js", "const a = 1;\n".encode("utf-16"))

    with pytest.raises(SkipFile, match="save the file as UTF-8"):
        read_source(path)


def test_read_source_skips_non_utf8_file_naming_line(tmp_path):
    path = write(tmp_path, "a.py", "a = 1\nname = 'Müller'\n".encode("latin-1"))

    with pytest.raises(SkipFile) as caught:
        read_source(path)

    message = str(caught.value)
    assert "not valid UTF-8" in message
    assert "line 2" in message
    assert "Müller" not in message
    assert "M\\xfcller" not in message


def test_read_source_skips_oversized_file_naming_the_option(tmp_path):
    path = write(tmp_path, "a.js", b"x" * 2_400_000)

    with pytest.raises(SkipFile) as caught:
        read_source(path)

    assert str(caught.value) == (
        "larger than 2 MB (2,400,000 bytes); raise max-file-size to scan it"
    )


def test_read_source_honours_custom_limit(tmp_path):
    path = write(tmp_path, "a.js", b"x" * 1_000)

    assert read_source(path, max_bytes=1_000) == b"x" * 1_000
    with pytest.raises(SkipFile, match="larger than 0.5 MB"):
        read_source(write(tmp_path, "b.js", b"x" * 500_001), max_bytes=500_000)


@pytest.mark.skipif(RUNS_AS_ROOT, reason="root can read files without permission")
def test_read_source_skips_unreadable_file(tmp_path):
    path = write(tmp_path, "a.js")
    path.chmod(0)
    try:
        with pytest.raises(SkipFile, match="permission denied"):
            read_source(path)
    finally:
        path.chmod(0o644)


def test_read_source_skips_vanished_file(tmp_path):
    with pytest.raises(SkipFile, match="file not found"):
        read_source(tmp_path / "gone.js")


def test_read_source_skips_folder(tmp_path):
    with pytest.raises(SkipFile, match="is a folder"):
        read_source(tmp_path)
