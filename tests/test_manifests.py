"""Installed SDK versions read from npm and Python manifests and lock files."""

import json
from pathlib import Path

import pytest

from cioguard.manifests import Manifests, lowest_npm, lowest_python


def write(root: Path, relative: str, content: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def package_json(root: Path, relative: str, dependencies: dict[str, str],
                 section: str = "dependencies") -> None:
    write(root, relative, json.dumps({"name": "app", section: dependencies}))


def npm_version(root: Path, source_file: str = "src/index.js"):
    found = Manifests(root).version("customerio-node", source_file, "npm")
    return found.version if found is not None else None


def python_version(root: Path, source_file: str = "app/main.py"):
    found = Manifests(root).version("customerio", source_file, "python")
    return found.version if found is not None else None


# Ranges ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("^5.0.1", (5, 0, 1)),
        ("~4.5.1", (4, 5, 1)),
        ("4.5.1", (4, 5, 1)),
        ("2.x", (2, 0, 0)),
        (">=4.1.0 <5", (4, 1, 0)),
        ("^0.7.0", (0, 7, 0)),
    ],
)
def test_lowest_npm_reads_one_major(declared, expected):
    assert lowest_npm(declared) == expected


@pytest.mark.parametrize("declared", ["*", "latest", ">=4.0.0", "^4.0.0 || ^5.0.0", "",
                                      "github:customerio/customerio-node", "x"])
def test_lowest_npm_skips_ranges_across_majors(declared):
    assert lowest_npm(declared) is None


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("==3.0.0", (3, 0, 0)),
        ("~=2.4", (2, 4, 0)),
        (">=3.0,<4", (3, 0, 0)),
        ("==2.*", (2, 0, 0)),
    ],
)
def test_lowest_python_reads_one_major(specifier, expected):
    assert lowest_python(specifier) == expected


@pytest.mark.parametrize("specifier", ["", ">=2.0", ">=2.4,<4", "!=3.0.0", "not a specifier"])
def test_lowest_python_skips_ranges_across_majors(specifier):
    assert lowest_python(specifier) is None


# npm ------------------------------------------------------------------------


def test_npm_range_without_lock_gives_lowest(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "^4.5.1"})
    assert npm_version(tmp_path) == (4, 5, 1)


def test_npm_dev_dependency_counts(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "~5.0.0"}, "devDependencies")
    assert npm_version(tmp_path) == (5, 0, 0)


def test_npm_range_across_majors_gives_none(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": ">=4.0.0"})
    assert npm_version(tmp_path) is None


def test_npm_package_lock_wins_over_range(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": ">=4.0.0"})
    lock = {"lockfileVersion": 3, "packages": {
        "": {"dependencies": {"customerio-node": ">=4.0.0"}},
        "node_modules/customerio-node": {"version": "5.0.1"},
    }}
    write(tmp_path, "package-lock.json", json.dumps(lock))
    assert npm_version(tmp_path) == (5, 0, 1)


def test_npm_package_lock_version_one(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "^2.0.0"})
    lock = {"lockfileVersion": 1, "dependencies": {"customerio-node": {"version": "2.1.0"}}}
    write(tmp_path, "package-lock.json", json.dumps(lock))
    assert npm_version(tmp_path) == (2, 1, 0)


def test_npm_yarn_lock(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "*"})
    write(tmp_path, "yarn.lock",
          '# yarn lockfile v1\n\n\n"customerio-node@*":\n  version "4.5.1"\n'
          '  resolved "https://registry.yarnpkg.com/customerio-node/-/customerio-node-4.5.1.tgz"\n')
    assert npm_version(tmp_path) == (4, 5, 1)


def test_npm_pnpm_lock(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "^5.0.0"})
    write(tmp_path, "pnpm-lock.yaml",
          "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"
          "      customerio-node:\n        specifier: ^5.0.0\n        version: 5.0.1\n")
    assert npm_version(tmp_path) == (5, 0, 1)


def test_npm_nearest_manifest_owns_the_file(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "^2.1.0"})
    package_json(tmp_path, "services/api/package.json", {"customerio-node": "^5.0.1"})
    assert npm_version(tmp_path, "services/api/src/index.js") == (5, 0, 1)
    assert npm_version(tmp_path, "scripts/import.js") == (2, 1, 0)


def test_npm_manifest_without_the_package_defers_to_parent(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "^4.0.0"})
    package_json(tmp_path, "web/package.json", {"react": "^18.0.0"})
    assert npm_version(tmp_path, "web/src/app.js") == (4, 0, 0)


def test_npm_unknown_nearest_range_does_not_fall_back(tmp_path):
    package_json(tmp_path, "package.json", {"customerio-node": "^2.1.0"})
    package_json(tmp_path, "services/api/package.json", {"customerio-node": "*"})
    assert npm_version(tmp_path, "services/api/index.js") is None


def test_npm_no_manifest_gives_none(tmp_path):
    write(tmp_path, "src/index.js", "")
    assert npm_version(tmp_path) is None


def test_npm_invalid_json_gives_none(tmp_path):
    write(tmp_path, "package.json", "{ not json")
    assert npm_version(tmp_path) is None


# Python ---------------------------------------------------------------------


def test_python_requirements_pin(tmp_path):
    write(tmp_path, "requirements.txt", "Django==5.0.7\ncustomerio==3.0.0  # pinned\n")
    assert python_version(tmp_path) == (3, 0, 0)


def test_python_requirements_variants_and_options(tmp_path):
    write(tmp_path, "requirements/base.txt", "-r common.txt\n--index-url https://pypi.org\n"
          "CustomerIO~=2.4 ; python_version >= '3.8'\n")
    assert python_version(tmp_path) == (2, 4, 0)


def test_python_requirements_range_across_majors(tmp_path):
    write(tmp_path, "requirements.txt", "customerio>=2.4,<4\n")
    assert python_version(tmp_path) is None


def test_python_requirements_unpinned(tmp_path):
    write(tmp_path, "requirements.txt", "customerio\n")
    assert python_version(tmp_path) is None


def test_python_similar_package_name_is_not_the_sdk(tmp_path):
    write(tmp_path, "requirements.txt", "customerio-cdp-analytics==1.0.2\n")
    assert python_version(tmp_path) is None


def test_python_pyproject_dependencies(tmp_path):
    write(tmp_path, "pyproject.toml",
          '[project]\nname = "app"\ndependencies = ["customerio>=3.0,<4.0"]\n')
    assert python_version(tmp_path) == (3, 0, 0)


def test_python_poetry_caret(tmp_path):
    write(tmp_path, "pyproject.toml",
          '[tool.poetry.dependencies]\npython = "^3.11"\ncustomerio = "^2.1"\n')
    assert python_version(tmp_path) == (2, 1, 0)


def test_python_poetry_table_spec(tmp_path):
    write(tmp_path, "pyproject.toml",
          '[tool.poetry.dependencies]\ncustomerio = { version = "~3.0", optional = true }\n')
    assert python_version(tmp_path) == (3, 0, 0)


def test_python_poetry_lock_wins_over_range(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.poetry.dependencies]\ncustomerio = ">=2.0"\n')
    write(tmp_path, "poetry.lock",
          '[[package]]\nname = "customerio"\nversion = "2.4.0"\n\n'
          '[[package]]\nname = "requests"\nversion = "2.32.3"\n')
    assert python_version(tmp_path) == (2, 4, 0)


def test_python_uv_lock_wins_over_requirements(tmp_path):
    write(tmp_path, "requirements.txt", "customerio>=2.0\n")
    write(tmp_path, "uv.lock",
          'version = 1\n\n[[package]]\nname = "customerio"\nversion = "3.0.0"\n')
    assert python_version(tmp_path) == (3, 0, 0)


def test_python_pipfile_lock(tmp_path):
    write(tmp_path, "Pipfile.lock",
          json.dumps({"default": {"customerio": {"version": "==2.4.0"}}, "develop": {}}))
    assert python_version(tmp_path) == (2, 4, 0)


def test_python_nearest_folder_wins(tmp_path):
    write(tmp_path, "requirements.txt", "customerio==3.0.0\n")
    write(tmp_path, "scripts/requirements.txt", "customerio==2.4.0\n")
    assert python_version(tmp_path, "scripts/backfill.py") == (2, 4, 0)
    assert python_version(tmp_path, "app/main.py") == (3, 0, 0)


def test_python_invalid_toml_gives_none(tmp_path):
    write(tmp_path, "pyproject.toml", "[project\n")
    assert python_version(tmp_path) is None


def test_installed_records_source_file(tmp_path):
    write(tmp_path, "requirements.txt", "customerio==3.0.0\n")
    found = Manifests(tmp_path).version("customerio", "app.py", "python")
    assert found is not None
    assert found.major == 3
    assert Path(found.source).name == "requirements.txt"


# npm workspaces: the lock file sits at the repository root --------------------


def test_npm_workspace_package_lock_nested_entry(tmp_path):
    package_json(tmp_path, "packages/api/package.json", {"customerio-node": ">=4.0.0"})
    lock = {"lockfileVersion": 3, "packages": {
        "node_modules/customerio-node": {"version": "4.5.1"},
        "packages/api/node_modules/customerio-node": {"version": "5.0.1"},
    }}
    write(tmp_path, "package-lock.json", json.dumps(lock))
    assert npm_version(tmp_path, "packages/api/src/cio.js") == (5, 0, 1)


def test_npm_workspace_package_lock_hoisted_entry(tmp_path):
    package_json(tmp_path, "packages/api/package.json", {"customerio-node": ">=4.0.0"})
    lock = {"lockfileVersion": 3, "packages": {
        "node_modules/customerio-node": {"version": "5.0.1"},
    }}
    write(tmp_path, "package-lock.json", json.dumps(lock))
    assert npm_version(tmp_path, "packages/api/src/cio.js") == (5, 0, 1)


def test_npm_workspace_yarn_lock_matches_declared_range(tmp_path):
    package_json(tmp_path, "apps/web/package.json", {"customerio-node": "^4.0.0 || ^5.0.0"})
    package_json(tmp_path, "apps/jobs/package.json", {"customerio-node": "^3.0.0"})
    write(tmp_path, "yarn.lock",
          '"customerio-node@^3.0.0":\n  version "3.5.1"\n\n'
          '"customerio-node@^4.0.0 || ^5.0.0":\n  version "5.0.1"\n')
    assert npm_version(tmp_path, "apps/web/index.js") == (5, 0, 1)
    assert npm_version(tmp_path, "apps/jobs/index.js") == (3, 5, 1)


def test_npm_workspace_pnpm_importer(tmp_path):
    package_json(tmp_path, "apps/web/package.json", {"customerio-node": ">=4"})
    write(tmp_path, "pnpm-lock.yaml",
          "lockfileVersion: '9.0'\n\nimporters:\n\n  apps/jobs:\n    dependencies:\n"
          "      customerio-node:\n        specifier: ^4.0.0\n        version: 4.5.1\n\n"
          "  apps/web:\n    dependencies:\n"
          "      customerio-node:\n        specifier: '>=4'\n        version: 5.0.1\n")
    assert npm_version(tmp_path, "apps/web/index.js") == (5, 0, 1)


def test_npm_workspace_lock_without_the_package(tmp_path):
    package_json(tmp_path, "packages/api/package.json", {"customerio-node": "^4.5.1"})
    write(tmp_path, "package-lock.json", json.dumps({"lockfileVersion": 3, "packages": {}}))
    assert npm_version(tmp_path, "packages/api/index.js") == (4, 5, 1)
