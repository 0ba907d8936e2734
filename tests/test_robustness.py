"""Input the scanner must survive: unreadable, binary, huge, mis-encoded and
half-written files, garbled fixtures, and real third-party code.

A file that cannot be checked is a warning on standard error that names it,
and the exit code stays what the other files decide. Rules must never raise,
whatever the syntax tree looks like.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import random
import sys
from pathlib import Path

import pytest

from cioguard.cli import main
from cioguard.config import Settings
from cioguard.engine import extract_source
from cioguard.extract.common import EXTENSIONS
from cioguard.model import FileFacts
from cioguard.project import Project
from cioguard.rules.registry import all_rules

from .harness import FIXTURES

# A file with one millisecond timestamp: scanning it alone exits 1.
GOOD_JS = """\
const { TrackClient } = require('customerio-node');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

async function touch(user) {
  await cio.identify(user.id, { last_seen_at: Date.now() });
}

module.exports = { touch };
"""
CIO_SNIPPET = "const cio = require('customerio-node');\ncio.track(user.id, { name: 'x' });\n"
GARBLE_CUTS = 4  # cut points per fixture file, spread over its length
SAMPLE_FILES = 300
MAX_SAMPLE_BYTES = 300_000


def scan(capsys, project: Path, *args: str) -> tuple[int, dict, str]:
    code = main(["scan", "--format", "json", "--select", "CIO002", *args, str(project)])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else {}, captured.err


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project with one good file, scanned from its parent folder."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "good.js").write_text(GOOD_JS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return root


def skipped_paths(report: dict) -> set[str]:
    return {error["path"] for error in report["summary"]["errors"]}


# Files that cannot be checked ------------------------------------------------------


def test_binary_file_is_skipped(project, capsys):
    (project / "blob.js").write_bytes(b"\x7fELF\x00\x00customerio\x00" * 50)

    code, report, err = scan(capsys, project)

    assert code == 1
    assert "app/blob.js" in err
    assert "binary" in err
    assert skipped_paths(report) == {"app/blob.js"}
    assert len(report["findings"]) == 1


def test_huge_file_is_skipped(project, capsys):
    filler = "// " + "x" * 96 + "\n"
    (project / "huge.js").write_text(CIO_SNIPPET + filler * 21_000, encoding="utf-8")

    code, report, err = scan(capsys, project)

    assert (project / "huge.js").stat().st_size > 2_000_000
    assert code == 1
    assert "app/huge.js" in err
    assert "larger than" in err
    assert skipped_paths(report) == {"app/huge.js"}


def test_configured_size_limit_applies(project, capsys):
    limit = len(GOOD_JS) + 10
    (project / "pyproject.toml").write_text(f"[tool.cioguard]\nmax-file-size = {limit}\n")
    (project / "big.js").write_text(CIO_SNIPPET + "// padding\n" * 40, encoding="utf-8")

    code, report, err = scan(capsys, project)

    assert code == 1
    assert "app/big.js" in err
    assert skipped_paths(report) == {"app/big.js"}


def test_non_utf8_file_is_skipped(project, capsys):
    (project / "latin1.js").write_bytes(CIO_SNIPPET.encode() + "const label = 'café';\n".encode("latin-1"))

    code, report, err = scan(capsys, project)

    assert code == 1
    assert "app/latin1.js" in err
    assert "UTF-8" in err
    assert skipped_paths(report) == {"app/latin1.js"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_file_never_crashes(project, capsys, encoding):
    (project / "wide.js").write_bytes(GOOD_JS.encode(encoding))

    code, report, _ = scan(capsys, project)

    assert code == 1
    assert len(report["findings"]) == 1


def test_utf16_file_is_reported(project, capsys):
    (project / "wide.js").write_bytes(GOOD_JS.encode("utf-16"))

    _, _, err = scan(capsys, project)

    assert "app/wide.js" in err


def test_utf8_bom_file_is_parsed(project, capsys):
    (project / "good.js").write_bytes(b"\xef\xbb\xbf" + GOOD_JS.encode())

    code, report, err = scan(capsys, project)

    assert code == 1
    assert err == ""
    [finding] = report["findings"]
    assert finding["line"] == 6


@pytest.fixture
def deny_read(monkeypatch):
    """Make opening chosen paths fail as an unreadable file does.

    The tests run as root in CI, where file modes do not stop reads, so the
    failure is injected at ``open``.
    """
    denied: set[str] = set()
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    return denied


def test_unreadable_file_is_skipped(project, capsys, deny_read):
    locked = project / "locked.js"
    locked.write_text(CIO_SNIPPET, encoding="utf-8")
    deny_read.add(str(locked))

    code, report, err = scan(capsys, project)

    assert code == 1
    assert "app/locked.js" in err
    assert "ermission denied" in err
    assert skipped_paths(report) == {"app/locked.js"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission_is_skipped(project, capsys):
    locked = project / "locked.js"
    locked.write_text(CIO_SNIPPET, encoding="utf-8")
    locked.chmod(0)

    try:
        code, report, err = scan(capsys, project)
    finally:
        locked.chmod(0o644)

    assert code == 1
    assert "app/locked.js" in err
    assert skipped_paths(report) == {"app/locked.js"}


def test_truncated_file_keeps_valid_findings(project, capsys):
    cut = GOOD_JS.index("\n}\n") + 3  # after the body of touch()
    (project / "good.js").write_text(GOOD_JS[:cut] + "\nasync function half(user) {\n  await cio.track(user.id, { name: 'ha",
                                     encoding="utf-8")

    code, report, _ = scan(capsys, project)

    assert code == 1
    assert report["summary"]["files_parsed"] == 1
    assert [f["line"] for f in report["findings"]] == [6]


def test_truncated_file_is_reported(project, capsys):
    (project / "half.js").write_text(GOOD_JS[: len(GOOD_JS) // 2], encoding="utf-8")

    _, _, err = scan(capsys, project)

    assert "half.js" in err
    assert "syntax error near line" in err
    assert "skipped half.js" not in err  # checked where it parses, not skipped


def test_deeply_nested_file_is_skipped(project, capsys):
    nested = "const rows = " + "[\n" * 5000 + "]\n" * 5000
    (project / "deep.js").write_text(CIO_SNIPPET + nested, encoding="utf-8")

    code, report, err = scan(capsys, project)

    assert code == 1
    assert "app/deep.js" in err
    assert skipped_paths(report) == {"app/deep.js"}


def test_quiet_hides_skip_warnings(project, capsys):
    (project / "blob.js").write_bytes(b"\x00customerio" * 10)

    code, report, err = scan(capsys, project, "--quiet")

    assert code == 1
    assert err == ""
    assert skipped_paths(report) == {"app/blob.js"}


def test_no_checkable_file_exits_two(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blob.js").write_bytes(b"\x00customerio" * 10)
    (tmp_path / "latin1.py").write_bytes("import customerio  # café\n".encode("latin-1"))

    code = main(["scan", "."])
    captured = capsys.readouterr()

    assert code == 2
    assert "blob.js" in captured.err
    assert "latin1.py" in captured.err
    assert "no file could be checked" in captured.err


def test_unrelated_files_still_count_as_checked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blob.js").write_bytes(b"\x00customerio" * 10)
    (tmp_path / "util.js").write_text("module.exports = (a, b) => a + b;\n", encoding="utf-8")

    code = main(["scan", "."])

    assert code == 0
    assert "blob.js" in capsys.readouterr().err


# Every rule over broken and foreign code ------------------------------------------------


def run_all_rules(root: Path, facts: dict[str, FileFacts]) -> None:
    """Link ``facts`` into a project and run every rule, raising AssertionError
    with the rule's code when one raises."""
    project = Project(root, facts, Settings(), all_paths=set(facts))
    project.link()
    for rule_class in all_rules():
        try:
            list(rule_class(Settings()).check(project))
        except Exception as error:
            raise AssertionError(f"{rule_class.code} raised on {root}: {error!r}") from error


def extract_file(path: Path, relative: str) -> FileFacts:
    return extract_source(path.read_bytes(), relative, EXTENSIONS[path.suffix])


def garbled_variants(source: bytes, seed: str) -> list[tuple[str, bytes]]:
    """Cut ``source`` at several byte offsets (one inside a UTF-8 sequence),
    shuffle or drop its lines, and remove its closing brackets."""
    variants = []
    for step in range(1, GARBLE_CUTS + 1):
        offset = len(source) * step // (GARBLE_CUTS + 1)
        variants.append((f"cut at byte {offset}", source[:offset]))
    multibyte = next((i for i, byte in enumerate(source) if byte >= 0xC0), None)
    if multibyte is not None:
        variants.append((f"cut inside the character at byte {multibyte}", source[: multibyte + 1]))
    lines = source.split(b"\n")
    generator = random.Random(seed)
    shuffled = lines[:]
    generator.shuffle(shuffled)
    variants.append(("lines shuffled", b"\n".join(shuffled)))
    variants.append(("every third line dropped", b"\n".join(
        line for number, line in enumerate(lines) if number % 3 != 1)))
    variants.append(("brackets removed", source.replace(b")", b"").replace(b"}", b"")))
    return variants


def fixture_projects() -> list[Path]:
    projects = []
    for code_dir in sorted(FIXTURES.iterdir()):
        if not code_dir.is_dir():
            continue
        if code_dir.name == "_integration":
            projects.append(code_dir)
            continue
        for entry in sorted(code_dir.iterdir()):
            if entry.is_dir() or entry.suffix in EXTENSIONS:
                projects.append(entry)
    return projects


FIXTURE_PROJECTS = fixture_projects()


@pytest.mark.parametrize("fixture", FIXTURE_PROJECTS,
                         ids=[p.relative_to(FIXTURES).as_posix() for p in FIXTURE_PROJECTS])
def test_rules_survive_garbled_fixture(fixture, tmp_path):
    if fixture.is_dir():
        files = {p.relative_to(fixture).as_posix(): p for p in sorted(fixture.rglob("*"))
                 if p.is_file() and p.suffix in EXTENSIONS}
    else:
        files = {fixture.name: fixture}
    intact = {}
    for relative, path in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        intact[relative] = extract_file(target, relative)

    for relative, path in files.items():
        target = tmp_path / relative
        for label, garbled in garbled_variants(path.read_bytes(), relative):
            target.write_bytes(garbled)
            try:
                facts = extract_source(garbled, relative, EXTENSIONS[path.suffix])
            except Exception as error:
                raise AssertionError(f"extracting {relative} ({label}) raised {error!r}") from error
            try:
                run_all_rules(tmp_path, {**intact, relative: facts})
            except AssertionError as error:
                raise AssertionError(f"{relative} ({label}): {error}") from error
        target.write_bytes(path.read_bytes())


def sample_files(roots: list[Path], suffixes: tuple[str, ...], required: tuple[str, ...],
                 limit: int) -> list[tuple[Path, Path]]:
    """Pick (root, file) pairs: every file under ``required`` folders, then an
    even spread of the rest, skipping large and minified files."""
    candidates: list[tuple[Path, Path]] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in suffixes or path.name.endswith((".min.js", ".d.ts")):
                continue
            try:
                if not path.is_file() or path.stat().st_size > MAX_SAMPLE_BYTES:
                    continue
            except OSError:
                continue
            candidates.append((root, path))
    chosen = [c for c in candidates
              if any(part in required for part in c[1].relative_to(c[0]).parts[:1])]
    rest = [c for c in candidates if c not in chosen]
    if rest and len(chosen) < limit:
        stride = max(1, len(rest) // (limit - len(chosen)))
        chosen.extend(rest[::stride][: limit - len(chosen)])
    return chosen


def run_rules_over(sample: list[tuple[Path, Path]], root: Path) -> None:
    facts = {}
    for _, path in sample:
        relative = path.relative_to(root).as_posix()
        try:
            facts[relative] = extract_file(path, relative)
        except RecursionError:
            continue  # the engine skips such a file with a warning
        except Exception as error:
            raise AssertionError(f"extracting {path} raised {error!r}") from error
    run_all_rules(root, facts)


def site_packages() -> Path:
    for entry in sys.path:
        path = Path(entry)
        if path.name == "site-packages" and (path / "packaging").is_dir():
            return path
    pytest.skip("no site-packages folder with packaging on sys.path")


def test_rules_survive_site_packages():
    root = site_packages()
    required = ("packaging", "tree_sitter", "tree_sitter_javascript", "tree_sitter_python",
                "tree_sitter_typescript")

    sample = sample_files([root], (".py",), required, SAMPLE_FILES)

    assert len(sample) >= SAMPLE_FILES
    assert any("packaging" in p.parts for _, p in sample)
    assert any("tree_sitter" in p.parts for _, p in sample)
    run_rules_over(sample, root)


NODE_MODULE_ROOTS = (
    Path("/usr/lib/node_modules"),
    Path("/usr/local/lib/node_modules"),
    Path("/usr/share/nodejs"),
    Path.home() / ".npm-global" / "lib" / "node_modules",
    Path(__file__).resolve().parent.parent / "node_modules",
)


def test_rules_survive_node_modules():
    roots = [root for root in NODE_MODULE_ROOTS if root.is_dir()]
    if not roots:
        pytest.skip("no node_modules folder on this machine")

    sample = sample_files(roots, (".js", ".mjs", ".cjs", ".ts"), (), SAMPLE_FILES)

    assert sample
    for root in roots:
        part = [item for item in sample if item[0] == root]
        if part:
            run_rules_over(part, root)
