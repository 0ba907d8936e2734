"""The scan cache: where it lives, when facts and whole results are reused,
and that damaged or foreign cache files are ignored."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from cioguard import cache as cache_module
from cioguard import engine
from cioguard.cache import CACHE_DIR_NAME, CACHEDIR_TAG, ScanCache
from cioguard.cli import main
from cioguard.config import Settings
from cioguard.rules.registry import all_rules

CLIENT_JS = """\
const { TrackClient } = require('customerio-node');

const cio = new TrackClient(process.env.CIO_SITE_ID, process.env.CIO_TRACK_API_KEY);

module.exports = { cio };
"""

ORDERS_JS = """\
const { cio } = require('./client');

async function placeOrder(user) {
  await cio.identify(user.id, { email: user.email });
  await cio.track(user.id, { name: 'order_placed', data: { placed_at: Date.now() } });
}

module.exports = { placeOrder };
"""

UNRELATED_JS = "export const answer = 42;\n"


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "client.js").write_text(CLIENT_JS, encoding="utf-8")
    (root / "orders.js").write_text(ORDERS_JS, encoding="utf-8")
    (root / "unrelated.js").write_text(UNRELATED_JS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CIOGUARD_CACHE_DIR", raising=False)
    return root


class Parses:
    """Records the relative path of every file the engine parses."""

    def __init__(self, monkeypatch):
        self.paths: list[str] = []
        real = engine.parse_one

        def parse_one(job):
            self.paths.append(job[1])
            return real(job)

        monkeypatch.setattr(engine, "parse_one", parse_one)

    def take(self) -> list[str]:
        paths, self.paths = sorted(self.paths), []
        return paths


class Discoveries:
    """Counts the calls to discovery, which a reused whole result skips."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = engine.discover

        def discover(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(engine, "discover", discover)


def scan_json(capsys, *args: str) -> dict:
    main(["scan", "--format", "json", "--exit-zero", *args])
    return json.loads(capsys.readouterr().out)


def scan_api(root: Path, cache: ScanCache | None, settings: Settings | None = None):
    result, _ = engine.run([root], settings or Settings(), all_rules(), cache=cache)
    if cache is not None:
        cache.save()
    return [(f.rule, f.span.path, f.span.line) for f in result.findings]


# Location ------------------------------------------------------------------------


def test_cache_in_project_root(shop, capsys):
    scan_json(capsys, "shop")

    folder = shop / CACHE_DIR_NAME
    assert folder.is_dir()
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert list((folder / cache_module.__version__).glob("*.pickle"))


def test_cache_next_to_config_file(shop, capsys):
    (shop.parent / ".cioguard.toml").write_text('select = ["CIO002"]\n', encoding="utf-8")

    scan_json(capsys, "shop")

    assert (shop.parent / CACHE_DIR_NAME / "CACHEDIR.TAG").is_file()
    assert not (shop / CACHE_DIR_NAME).exists()


def test_cache_dir_option(shop, capsys, tmp_path):
    scan_json(capsys, "--cache-dir", str(tmp_path / "elsewhere"), "shop")

    assert (tmp_path / "elsewhere" / "CACHEDIR.TAG").is_file()
    assert not (shop / CACHE_DIR_NAME).exists()


def test_cache_dir_variable(shop, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CIOGUARD_CACHE_DIR", str(tmp_path / "from-env"))

    scan_json(capsys, "shop")

    assert (tmp_path / "from-env" / "CACHEDIR.TAG").is_file()
    assert not (shop / CACHE_DIR_NAME).exists()


def test_cache_dir_option_beats_variable(shop, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CIOGUARD_CACHE_DIR", str(tmp_path / "from-env"))

    scan_json(capsys, "--cache-dir", str(tmp_path / "from-option"), "shop")

    assert (tmp_path / "from-option" / "CACHEDIR.TAG").is_file()
    assert not (tmp_path / "from-env").exists()


def test_cache_folder_not_scanned(shop, capsys):
    first = scan_json(capsys, "shop")
    second = scan_json(capsys, "shop")

    assert second["summary"]["files_scanned"] == first["summary"]["files_scanned"] == 3


def test_no_cache_writes_nothing(shop, capsys, monkeypatch):
    parses = Parses(monkeypatch)

    scan_json(capsys, "--no-cache", "shop")
    scan_json(capsys, "--no-cache", "shop")

    assert not (shop / CACHE_DIR_NAME).exists()
    assert parses.take() == ["client.js", "client.js", "orders.js", "orders.js"]


def test_unwritable_cache_dir_warns(shop, capsys, caplog, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")

    code = main(["scan", "--exit-zero", "--cache-dir", str(blocker / "cache"), "shop"])

    assert code == 0
    assert "cache disabled" in caplog.text
    assert "CIO002" in capsys.readouterr().out


# Per-file facts ------------------------------------------------------------------


def test_facts_reused_when_unchanged(shop, capsys, monkeypatch):
    parses = Parses(monkeypatch)

    first = scan_json(capsys, "shop")
    parsed_first = parses.take()
    second = scan_json(capsys, "shop")

    assert parsed_first == ["client.js", "orders.js"]
    assert parses.take() == []
    assert second["findings"] == first["findings"]
    assert second["summary"]["files_parsed"] == 2


def test_changed_file_parsed_again(shop, capsys, monkeypatch):
    parses = Parses(monkeypatch)
    scan_json(capsys, "shop")
    parses.take()

    (shop / "orders.js").write_text(ORDERS_JS.replace("Date.now()", "Date.now() / 1000"),
                                    encoding="utf-8")
    report = scan_json(capsys, "shop")

    assert parses.take() == ["orders.js"]
    assert "CIO002" not in [f["rule"] for f in report["findings"]]


def test_same_size_edit_parsed_again(shop, capsys, monkeypatch):
    parses = Parses(monkeypatch)
    scan_json(capsys, "shop")
    parses.take()
    info = os.stat(shop / "orders.js")

    # Same size and same mtime: only ctime and the bytes differ.
    (shop / "orders.js").write_text(ORDERS_JS.replace("Date.now()", "Date.UTC()"),
                                    encoding="utf-8")
    os.utime(shop / "orders.js", ns=(info.st_atime_ns, info.st_mtime_ns))
    report = scan_json(capsys, "shop")

    assert os.stat(shop / "orders.js").st_size == info.st_size
    assert parses.take() == ["orders.js"]
    assert "`Date.UTC()`" in json.dumps(report)


def test_new_needle_match_found(shop, capsys):
    scan_json(capsys, "shop")

    (shop / "unrelated.js").write_text(
        "const { cio } = require('./client');\n"
        "cio.track(1, { name: 'a', data: { at: Date.now() } });\n", encoding="utf-8")
    report = scan_json(capsys, "shop")

    assert "shop/unrelated.js" in {f["path"] for f in report["findings"]}


def test_version_change_invalidates(shop, monkeypatch, tmp_path):
    parses = Parses(monkeypatch)
    folder = tmp_path / "cache"
    fingerprint = Settings().fingerprint()

    scan_api(shop, ScanCache(folder, fingerprint, version="0.1.0"))
    parses.take()
    scan_api(shop, ScanCache(folder, fingerprint, version="0.1.0"))
    assert parses.take() == []
    scan_api(shop, ScanCache(folder, fingerprint, version="0.2.0"))

    assert parses.take() == ["client.js", "orders.js"]
    assert len(list((folder / "0.2.0").glob("*.pickle"))) == 1


def test_settings_change_invalidates(shop, capsys, monkeypatch):
    parses = Parses(monkeypatch)
    scan_json(capsys, "shop")
    parses.take()

    scan_json(capsys, "--select", "CIO002", "shop")

    assert parses.take() == ["client.js", "orders.js"]


def test_corrupt_project_file_ignored(shop, capsys, monkeypatch):
    expected = scan_json(capsys, "shop")
    parses = Parses(monkeypatch)
    for path in (shop / CACHE_DIR_NAME).rglob("*.pickle"):
        path.write_bytes(b"\x80\x05not a pickle at all")

    report = scan_json(capsys, "shop")

    assert report["findings"] == expected["findings"]
    assert parses.take() == ["client.js", "orders.js"]
    assert capsys.readouterr().err == ""


def test_corrupt_facts_entry_ignored(shop, capsys, monkeypatch):
    expected = scan_json(capsys, "shop")
    [path] = (shop / CACHE_DIR_NAME).rglob("*.pickle")
    document = pickle.loads(path.read_bytes())
    digest, _ = document["facts"]["orders.js"]
    document["facts"]["orders.js"] = (digest, b"garbage")
    path.write_bytes(pickle.dumps(document))
    parses = Parses(monkeypatch)

    report = scan_json(capsys, "shop")

    assert report["findings"] == expected["findings"]
    assert parses.take() == ["orders.js"]


def test_foreign_classes_never_loaded(shop, capsys, monkeypatch, tmp_path):
    expected = scan_json(capsys, "shop")
    [path] = (shop / CACHE_DIR_NAME).rglob("*.pickle")
    marker = tmp_path / "was-run"

    class Exploit:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    path.write_bytes(pickle.dumps(Exploit()))
    report = scan_json(capsys, "shop")

    assert not marker.exists()
    assert report["findings"] == expected["findings"]


def test_records_of_deleted_files_pruned(shop, tmp_path):
    folder = tmp_path / "cache"
    scan_api(shop, ScanCache(folder, Settings().fingerprint()))

    (shop / "unrelated.js").unlink()
    scan_api(shop, ScanCache(folder, Settings().fingerprint()))

    [path] = folder.rglob("*.pickle")
    document = pickle.loads(path.read_bytes())
    assert sorted(pickle.loads(document["records"])) == ["client.js", "orders.js"]
    assert sorted(document["facts"]) == ["client.js", "orders.js"]


def test_project_files_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "MAX_PROJECT_FILES", 3)
    folder = tmp_path / "cache"
    for index in range(5):
        root = tmp_path / f"project{index}"
        root.mkdir()
        (root / "client.js").write_text(CLIENT_JS, encoding="utf-8")
        scan_api(root, ScanCache(folder, "fingerprint"))

    assert len(list(folder.rglob("*.pickle"))) == 3


# Round-one verdicts --------------------------------------------------------------


def test_unchanged_files_not_read_again(shop, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    scan_api(shop, ScanCache(folder, Settings().fingerprint(), racy_seconds=0))
    opened = []
    real_open = open

    def spy_open(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    # A scan of one named file never reuses a whole result, so round one
    # runs and can only skip the read through the cached verdict.
    monkeypatch.setattr(engine, "open", spy_open, raising=False)
    scan_api(shop / "unrelated.js", ScanCache(folder, Settings().fingerprint(),
                                             racy_seconds=0))

    assert "unrelated.js" not in opened


def test_recent_files_read_again(shop, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    scan_api(shop, ScanCache(folder, Settings().fingerprint()))
    opened = []
    real_open = open

    def spy_open(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(engine, "open", spy_open, raising=False)
    scan_api(shop / "unrelated.js", ScanCache(folder, Settings().fingerprint()))

    assert "unrelated.js" in opened


# Whole results -------------------------------------------------------------------


@pytest.fixture
def old_shop(shop, tmp_path, monkeypatch):
    """The shop, a cache folder outside it that trusts signatures at once,
    and counters.

    Setting file times cannot move ctime back, so the tests switch the
    window for recent changes off instead of making the files old.
    """
    folder = tmp_path / "cache"

    def fresh_cache():
        return ScanCache(folder, Settings().fingerprint(), racy_seconds=0)

    return shop, fresh_cache, Discoveries(monkeypatch), Parses(monkeypatch)


def test_unchanged_tree_reuses_result(old_shop):
    shop, fresh_cache, discoveries, parses = old_shop

    first = scan_api(shop, fresh_cache())
    second = scan_api(shop, fresh_cache())

    assert second == first
    assert ("CIO002", "shop/orders.js", 4) in second
    assert discoveries.count == 1
    assert parses.take() == ["client.js", "orders.js"]


def test_recent_change_not_cached(shop, tmp_path, monkeypatch):
    discoveries = Discoveries(monkeypatch)
    folder = tmp_path / "cache"

    scan_api(shop, ScanCache(folder, Settings().fingerprint()))
    scan_api(shop, ScanCache(folder, Settings().fingerprint()))

    assert discoveries.count == 2


@pytest.mark.parametrize("change", [
    "add source file", "remove source file", "rename source file", "edit source file",
    "add folder", "edit manifest", "add gitignore", "edit gitignore",
])
def test_tree_change_invalidates_result(old_shop, change):
    shop, fresh_cache, discoveries, _ = old_shop
    (shop / ".gitignore").write_text("# nothing ignored\n", encoding="utf-8")
    (shop / "package.json").write_text('{"dependencies": {}}\n', encoding="utf-8")
    first = scan_api(shop, fresh_cache())

    if change == "add source file":
        (shop / "late.js").write_text(ORDERS_JS, encoding="utf-8")
    elif change == "remove source file":
        (shop / "orders.js").unlink()
    elif change == "rename source file":
        (shop / "orders.js").rename(shop / "orders.ts")
    elif change == "edit source file":
        (shop / "orders.js").write_text(ORDERS_JS.replace("Date.now()", "Date.now() / 1000"),
                                        encoding="utf-8")
    elif change == "add folder":
        (shop / "jobs").mkdir()
        (shop / "jobs" / "late.js").write_text(ORDERS_JS.replace("./client", "../client"),
                                               encoding="utf-8")
    elif change == "edit manifest":
        (shop / "package.json").write_text('{"dependencies": {"customerio-node": "^3"}}\n',
                                           encoding="utf-8")
    elif change == "add gitignore":
        (shop / "sub").mkdir()
        first = scan_api(shop, fresh_cache())
        (shop / "sub" / ".gitignore").write_text("*.js\n", encoding="utf-8")
    elif change == "edit gitignore":
        (shop / ".gitignore").write_text("orders.js\n", encoding="utf-8")
    second = scan_api(shop, fresh_cache())

    assert discoveries.count >= 2
    if change in ("add source file", "add folder"):
        assert len(second) > len(first)
    if change in ("remove source file", "edit source file", "edit gitignore"):
        assert ("CIO002", "shop/orders.js", 4) not in second


def test_different_rules_not_reused(old_shop):
    shop, fresh_cache, discoveries, _ = old_shop
    scan_api(shop, fresh_cache())

    result, _ = engine.run([shop], Settings(), [r for r in all_rules() if r.code == "CIO002"],
                           cache=fresh_cache())

    assert discoveries.count == 2
    assert {f.rule for f in result.findings} == {"CIO002"}


def test_corrupt_result_ignored(old_shop):
    shop, fresh_cache, discoveries, _ = old_shop
    first = scan_api(shop, fresh_cache())
    [path] = Path(fresh_cache().directory).rglob("*.pickle")
    document = pickle.loads(path.read_bytes())
    document["result"]["findings"] = b"garbage"
    path.write_bytes(pickle.dumps(document))

    second = scan_api(shop, fresh_cache())

    assert second == first
    assert discoveries.count == 2


def test_fix_with_cache_rescans_changed_file(old_shop, capsys):
    shop, _, _, _ = old_shop
    scan_json(capsys, "shop")

    code = main(["scan", "--fix", "--select", "CIO002", "shop"])
    out = capsys.readouterr().out
    report = scan_json(capsys, "--select", "CIO002", "shop")

    assert code == 0
    assert "Applied 1 fix." in out
    assert report["findings"] == []
    assert "Math.floor(Date.now() / 1000)" in (shop / "orders.js").read_text(encoding="utf-8")


def test_snapshot_records_files_opened_outside_tree(shop, tmp_path):
    outside = tmp_path / "base.json"
    outside.write_text("{}\n", encoding="utf-8")
    project = ScanCache(tmp_path / "cache", "fingerprint", racy_seconds=0).project(shop)

    with project.snapshot() as snapshot:
        outside.read_text(encoding="utf-8")
    stored = snapshot.finish()

    assert str(outside) in stored["paths"].split("\0")
    assert cache_module._snapshot_unchanged(shop, stored)
    outside.write_text('{"changed": true}\n', encoding="utf-8")
    assert not cache_module._snapshot_unchanged(shop, stored)


def test_snapshot_skips_unopened_files(shop, tmp_path):
    (shop / "README.md").write_text("# Shop\n", encoding="utf-8")
    project = ScanCache(tmp_path / "cache", "fingerprint", racy_seconds=0).project(shop)

    with project.snapshot() as snapshot:
        pass
    paths = snapshot.finish()["paths"].split("\0")

    assert "/README.md" not in paths
    assert "/orders.js" in paths
    assert "" in paths  # the root folder itself


def test_unread_file_edit_keeps_result(old_shop):
    shop, fresh_cache, discoveries, _ = old_shop
    (shop / "README.md").write_text("# Shop\n", encoding="utf-8")
    scan_api(shop, fresh_cache())

    (shop / "README.md").write_text("# Shop, with more words\n", encoding="utf-8")
    scan_api(shop, fresh_cache())
    assert discoveries.count == 1

    (shop / "NOTES.md").write_text("new\n", encoding="utf-8")
    scan_api(shop, fresh_cache())
    assert discoveries.count == 2
