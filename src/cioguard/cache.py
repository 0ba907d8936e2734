"""Reuse what earlier scans learned about files that have not changed since.

The cache folder is ``.cioguard_cache`` in the project root (the folder of
the configuration file, or else the project of the first scanned path),
unless ``--cache-dir`` or the ``CIOGUARD_CACHE_DIR`` variable names another.
It contains a ``.gitignore`` that ignores everything and a ``CACHEDIR.TAG``
for backup tools, as ruff's cache does. Below it, one folder per cioguard
version contains one file per project root and settings fingerprint.

A project file keeps two things:

- A record for each source file, keyed by its path relative to the project
  root: the stat signature (size, mtime, ctime, inode) the file had when it
  was read, the SHA-256 digest of its bytes and the round-one needle
  verdict, and the facts extracted from the bytes with that digest. Facts
  are reused when the digest matches. The signature alone vouches for the
  digest only when the file's times were at least ``RACY_SECONDS`` older
  than the moment they were recorded, because a write within the file
  system's timestamp granularity can keep them.
- The last full result (discovered files, facts of the parsed files, errors
  and findings before suppressions) with a snapshot of the tree it came
  from (see ``TreeSnapshot``). The result is reused only when every
  signature in the snapshot is the same, so an added, removed, renamed or
  edited source file, a new .gitignore rule or a changed manifest means a
  new scan.

Cache files are pickles, read with an unpickler that only builds
``cioguard.model`` classes, because a checked-out repository can contain a
cache folder written by someone else. A file that cannot be read is
ignored. Files are replaced atomically, and only the ``MAX_PROJECT_FILES``
most recently used project files are kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import pickle
import shutil
import sys
import time
from array import array
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from . import __version__, files, model
from .discovery import SKIPPED_DIRS, Discovery, SourceFile
from .extract.common import EXTENSIONS
from .files import replace_file
from .model import FileError, FileFacts, Finding

logger = logging.getLogger(__name__)

CACHE_DIR_NAME = ".cioguard_cache"
CACHE_DIR_VARIABLE = "CIOGUARD_CACHE_DIR"
# Bumped when the layout of a project file or of the objects in it changes.
FORMAT = 3
RACY_SECONDS = 2  # FAT file systems store mtime in 2-second steps
MAX_PROJECT_FILES = 16
# A tree with more folders and files than this gets no whole-result cache:
# checking every signature would cost about as much as listing the tree.
MAX_SNAPSHOT_ENTRIES = 500_000
# Files that Python opens to import a module. The version key already
# covers cioguard's own modules.
PYTHON_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
# Temporary files older than this are left over from a killed run.
STALE_TEMPORARY_SECONDS = 3600
TEMPORARY_SUFFIX = files.TEMPORARY_SUFFIX
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by cioguard.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
MODEL_CLASSES = frozenset(
    name for name, value in vars(model).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
)

Signature = tuple[int, int, int, int]


def signature(info: os.stat_result) -> Signature:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class Record(NamedTuple):
    """Cached facts about one source file."""

    signature: Signature | None  # when the file was last read, None if unknown
    trusted: bool  # the signature alone vouches for the digest
    digest: str  # SHA-256 of the bytes, in hex
    needle: bool | None  # round-one verdict, None if unknown


class CachedScan(NamedTuple):
    discovery: Discovery
    facts: dict[str, FileFacts]
    scan_errors: list[FileError]
    findings: list[Finding]
    check_errors: list[FileError]


class CachedSourceFiles(Sequence):
    """The discovered files of a cached result, built on first access.

    A reused result is often only counted, and building thousands of
    ``Path`` objects would cost a good share of a warm scan.
    """

    def __init__(self, root: str, joined: str):
        # ``joined`` is "relative\0language\0relative\0language...".
        self._root = root
        self._parts = joined.split("\0") if joined else []
        self._files: list[SourceFile] | None = None

    def _built(self) -> list[SourceFile]:
        if self._files is None:
            parts = self._parts
            self._files = [SourceFile(Path(self._root, parts[index]), parts[index],
                                      parts[index + 1])
                           for index in range(0, len(parts), 2)]
        return self._files

    def __len__(self) -> int:
        return len(self._parts) // 2

    def __getitem__(self, index):
        return self._built()[index]

    def __iter__(self) -> Iterator[SourceFile]:
        return iter(self._built())


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "cioguard.model" and name in MODEL_CLASSES:
            return getattr(model, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache file")


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _loads(data: bytes) -> Any:
    return _ModelUnpickler(io.BytesIO(data)).load()


def default_cache_dir(settings, paths: list[Path], environ: Mapping[str, str]) -> Path:
    """Return the cache folder when --cache-dir is not given."""
    override = environ.get(CACHE_DIR_VARIABLE)
    if override:
        return Path(override).absolute()
    source = getattr(settings, "source", None)
    if source is not None:
        return Path(source).absolute().parent / CACHE_DIR_NAME
    from .engine import project_root_for

    root, _ = project_root_for(paths[0] if paths else Path("."))
    return root / CACHE_DIR_NAME


class ScanCache:
    """The cache folder, and the project files loaded from it during one run."""

    def __init__(self, directory: Path, fingerprint: str, version: str = __version__,
                 racy_seconds: float = RACY_SECONDS):
        self.directory = Path(os.path.abspath(directory))
        self.fingerprint = fingerprint
        self.version = version
        self.racy_ns = int(racy_seconds * 1e9)
        self.projects: dict[Path, ProjectCache] = {}
        self.enabled = self._prepare()

    def _prepare(self) -> bool:
        """Create the folder with its .gitignore and CACHEDIR.TAG.

        Runs before any scan, so creating the folder inside a project does
        not change the project root's signature after its snapshot.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for name, text in ((".gitignore", "# Created by cioguard.\n*\n"),
                               ("CACHEDIR.TAG", CACHEDIR_TAG)):
                path = self.directory / name
                if not path.exists():
                    _write_atomically(path, text.encode("utf-8"))
        except OSError as error:
            logger.warning("cache disabled: cannot create %s: %s", self.directory,
                           error.strerror or error)
            return False
        return True

    @property
    def version_dir(self) -> Path:
        return self.directory / self.version.replace(os.sep, "_")

    def project(self, root: Path) -> ProjectCache | None:
        """Return the cache of one project root, loading it on first use."""
        if not self.enabled:
            return None
        root = Path(os.path.abspath(root))
        cache = self.projects.get(root)
        if cache is None:
            key = hashlib.sha256(f"{root}\0{self.fingerprint}".encode()).hexdigest()[:32]
            cache = ProjectCache(self, root, self.version_dir / f"{key}.pickle")
            self.projects[root] = cache
        return cache

    def save(self) -> None:
        """Write the project files that changed and prune old ones.

        File system errors are logged, not raised.
        """
        if not self.enabled:
            return
        for cache in self.projects.values():
            try:
                cache.save()
            except OSError as error:
                logger.warning("could not write the cache file %s: %s", cache.path,
                               error.strerror or error)
        try:
            self._prune()
        except OSError as error:
            logger.debug("could not prune %s: %s", self.directory, error)

    def _prune(self) -> None:
        """Delete all but the most recently used project files, temporary files
        left by killed runs, and empty folders of other versions."""
        now = time.time()
        project_files = []
        for folder in self.directory.iterdir():
            if not folder.is_dir() or folder.is_symlink():
                continue
            for path in folder.iterdir():
                info = path.stat()
                if path.name.endswith(TEMPORARY_SUFFIX):
                    if now - info.st_mtime > STALE_TEMPORARY_SECONDS:
                        path.unlink(missing_ok=True)
                elif path.suffix == ".pickle":
                    project_files.append((info.st_mtime_ns, path))
        project_files.sort(reverse=True)
        for _, path in project_files[MAX_PROJECT_FILES:]:
            path.unlink(missing_ok=True)
        for folder in self.directory.iterdir():
            if folder.is_dir() and not folder.is_symlink() and folder != self.version_dir:
                try:
                    folder.rmdir()  # only succeeds when empty
                except OSError:
                    pass


class ProjectCache:
    """The cached files and last result of one project root.

    The engine calls ``needle_verdict``/``record_needle_verdict`` in round
    one and ``get``/``put`` around parsing. The file records are decoded
    only when a scan needs them, because a reused whole result does not.
    """

    def __init__(self, owner: ScanCache, root: Path, path: Path):
        self.owner = owner
        self.root = root
        self.path = path
        self._records: dict[str, Record] | None = {}
        self._records_blob: bytes | None = None
        # Relative path -> (digest, pickled FileFacts of the bytes with that digest).
        self.facts_blobs: dict[str, tuple[str, bytes]] = {}
        self.result: dict | None = None
        self.used: set[str] = set()
        self.dirty = False
        self.full_scan = False  # a scan of the whole project ran, so unused records can go
        self.hits = 0
        self.misses = 0
        self._load()

    # Loading and saving ------------------------------------------------------

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            logger.debug("cannot read %s: %s", self.path, error)
            return
        try:
            document = _loads(data)
            self._check_identity(document)
            records_blob = document["records"]
            facts_blobs = document["facts"]
            result = document["result"]
            if not isinstance(records_blob, bytes) or not isinstance(facts_blobs, dict):
                raise ValueError("invalid records")
            if result is not None and not isinstance(result, dict):
                raise ValueError("invalid result")
        except Exception as error:  # noqa: BLE001 - a corrupt cache file is ignored
            logger.debug("ignoring the unreadable cache file %s: %r", self.path, error)
            return
        self._records = None
        self._records_blob = records_blob
        self.facts_blobs = facts_blobs
        self.result = result

    def _check_identity(self, document: Any) -> None:
        expected = {"format": FORMAT, "version": self.owner.version,
                    "fingerprint": self.owner.fingerprint, "root": str(self.root)}
        if not isinstance(document, dict):
            raise ValueError("not a cache document")
        for key, value in expected.items():
            if document.get(key) != value:
                raise ValueError(f"{key} does not match")

    @property
    def records(self) -> dict[str, Record]:
        if self._records is None:
            self._records = {}
            try:
                for relative, fields in _loads(self._records_blob).items():
                    record = Record(*fields)
                    if not isinstance(relative, str) or not isinstance(record.digest, str):
                        raise ValueError("invalid file record")
                    self._records[relative] = record
            except Exception as error:  # noqa: BLE001 - corrupt records are cache misses
                logger.debug("ignoring the file records of %s: %r", self.path, error)
                self._records = {}
        return self._records

    def save(self) -> None:
        if not self.dirty:
            if self.path.exists():
                os.utime(self.path)  # marks it as recently used for pruning
            return
        records = self.records
        facts_blobs = self.facts_blobs
        if self.full_scan:
            records = {path: records[path] for path in self.used if path in records}
            facts_blobs = {path: facts_blobs[path] for path in self.used if path in facts_blobs}
        document = {
            "format": FORMAT,
            "version": self.owner.version,
            "fingerprint": self.owner.fingerprint,
            "root": str(self.root),
            "records": _dumps({path: tuple(record) for path, record in records.items()}),
            "facts": facts_blobs,
            "result": self.result,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.path, _dumps(document))
        self.dirty = False

    # Per-file facts ----------------------------------------------------------

    def _trusted(self, info: os.stat_result) -> bool:
        newest = max(info.st_mtime_ns, info.st_ctime_ns)
        return newest < time.time_ns() - self.owner.racy_ns

    def needle_verdict(self, source: SourceFile, info: os.stat_result) -> bool | None:
        """Return the round-one verdict for an unchanged file, or None."""
        record = self.records.get(source.relative)
        if record is None or record.needle is None or not record.trusted:
            return None
        if record.signature != signature(info):
            return None
        self.used.add(source.relative)
        return record.needle

    def record_needle_verdict(self, source: SourceFile, info: os.stat_result, data: bytes,
                              found: bool) -> None:
        """Store a verdict for bytes read after ``info`` was taken."""
        digest = hashlib.sha256(data).hexdigest()
        self.records[source.relative] = Record(signature(info), self._trusted(info), digest,
                                               found)
        self.used.add(source.relative)
        self.dirty = True

    def get(self, job: tuple[str, str, str, int]) -> FileFacts | None:
        """Return cached facts for a parse job when the file's bytes are unchanged."""
        absolute, relative, _, max_bytes = job
        stored = self.facts_blobs.get(relative)
        if stored is None:
            self.misses += 1
            return None
        record = self.records.get(relative)
        try:
            info = os.stat(absolute)
            if not (record is not None and record.trusted and record.digest == stored[0]
                    and record.signature == signature(info)):
                with open(absolute, "rb") as handle:
                    data = handle.read(max_bytes + 1)
                digest = hashlib.sha256(data).hexdigest()
                if digest != stored[0]:
                    self.misses += 1
                    return None
                needle = record.needle if record is not None and record.digest == digest else None
                self.records[relative] = Record(signature(info), self._trusted(info), digest,
                                                needle)
                self.dirty = True
        except OSError:
            self.misses += 1
            return None
        facts = self._facts(relative, stored)
        if facts is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(relative)
        return facts

    def _facts(self, relative: str, stored: tuple[str, bytes]) -> FileFacts | None:
        digest, blob = stored
        try:
            facts = _loads(blob)
        except Exception as error:  # noqa: BLE001 - a corrupt entry is a cache miss
            logger.debug("ignoring unreadable cached facts of %s: %r", relative, error)
            facts = None
        if not isinstance(facts, FileFacts) or facts.path != relative or facts.digest != digest:
            self.facts_blobs.pop(relative, None)
            self.dirty = True
            return None
        return facts

    def put(self, job: tuple[str, str, str, int], facts: FileFacts) -> None:
        relative = job[1]
        self.facts_blobs[relative] = (facts.digest, _dumps(facts))
        self.used.add(relative)
        self.dirty = True

    # Whole results -----------------------------------------------------------

    def load_result(self, rule_codes: list[str]) -> CachedScan | None:
        """Return the last full result when nothing in the tree has changed."""
        self.full_scan = True
        result = self.result
        if result is None:
            return None
        try:
            if result["rules"] != tuple(rule_codes) or result["environment"] != _environment():
                return None
            if not _snapshot_unchanged(self.root, result["snapshot"]):
                return None
            facts = {}
            for relative in result["parsed"]:
                stored = self.facts_blobs.get(relative)
                loaded = self._facts(relative, stored) if stored is not None else None
                if loaded is None:
                    return None
                facts[relative] = loaded
            files = CachedSourceFiles(str(self.root), result["files"])
            discovery = Discovery(self.root, files, _loads(result["skipped"]))
            cached = CachedScan(discovery, facts, _loads(result["scan_errors"]),
                                _loads(result["findings"]), _loads(result["check_errors"]))
        except Exception as error:  # noqa: BLE001 - a corrupt result is a cache miss
            logger.debug("ignoring the cached result of %s: %r", self.root, error)
            self.result = None
            return None
        return cached

    def snapshot(self) -> TreeSnapshot:
        """Record the tree before a full scan, and the files it opens while in a with block."""
        return TreeSnapshot(self.root, self.owner.directory, self.owner.racy_ns)

    def store_result(self, snapshot: TreeSnapshot, rule_codes: list[str],
                     discovery: Discovery, facts: Mapping[str, FileFacts],
                     scan_errors: list[FileError], findings: list[Finding],
                     check_errors: list[FileError]) -> None:
        """Keep a full result; call it before anything changes the findings."""
        stored_snapshot = snapshot.finish()
        if stored_snapshot is None:
            return
        for relative, file_facts in facts.items():
            stored = self.facts_blobs.get(relative)
            if stored is None or stored[0] != file_facts.digest:
                return  # a file changed while it was scanned
        self.result = {
            "rules": tuple(rule_codes),
            "environment": _environment(),
            "snapshot": stored_snapshot,
            "files": "\0".join(f"{source.relative}\0{source.language}"
                               for source in discovery.files),
            "skipped": _dumps(discovery.skipped),
            "parsed": sorted(facts),
            "scan_errors": _dumps(scan_errors),
            "findings": _dumps(findings),
            "check_errors": _dumps(check_errors),
        }
        self.dirty = True


# Tree snapshots ------------------------------------------------------------------


def _environment() -> tuple:
    """Return the settings outside the tree that change what git lists."""
    names = sorted(name for name in os.environ if name.startswith("GIT_"))
    names += ["HOME", "XDG_CONFIG_HOME"]
    return (tuple((name, os.environ.get(name)) for name in names),
            shutil.which("git") is not None)


class _Signatures:
    """Signatures of paths, kept in flat arrays that load fast.

    ``times`` contains size, mtime and ctime per path, with a size of -1
    for a path that did not exist, and ``inodes`` the inode numbers.
    """

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.follow: list[int] = []  # indexes of paths stat'ed through symbolic links
        self.times = array("q")
        self.inodes = array("Q")
        self.newest = 0

    def add(self, path: str, info: os.stat_result | None, follow: bool = False) -> None:
        if follow:
            self.follow.append(len(self.paths))
        self.paths.append(path)
        if info is None:
            self.times.extend((-1, 0, 0))
            self.inodes.append(0)
            return
        self.times.extend((info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        self.inodes.append(info.st_ino)
        self.newest = max(self.newest, info.st_mtime_ns, info.st_ctime_ns)

    def add_stat(self, path: str, stored: str, follow: bool) -> None:
        try:
            info = os.stat(path, follow_symlinks=follow)
        except OSError:
            info = None
        self.add(stored, info, follow)


# Audit hooks cannot be removed, so one hook serves every snapshot and only
# records while ``_opened`` is a set.
_opened: set[str] | None = None
_hook_installed = False


def _record_open(event: str, args: tuple) -> None:
    if event != "open" or _opened is None:
        return
    try:
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)):
            _opened.add(os.path.abspath(os.fsdecode(path)))
    except Exception:  # noqa: BLE001 - an audit hook must never raise into the caller
        pass


class TreeSnapshot:
    """The signatures a cached result depends on, taken around a full scan.

    Before the scan, every folder under the root is recorded (adding,
    removing or renaming a file changes its folder's mtime), with each
    source file, symbolic link and .gitignore, and the git files outside
    the tree that decide what is ignored. While the scan runs, a
    ``sys.addaudithook`` hook records every file this process opens, so
    that manifests, lock files and tsconfig files are recorded too, inside
    the tree or outside it. The scan reads no other file, so another file
    can change the result only by being added, removed or renamed, which
    its folder's mtime shows.
    """

    def __init__(self, root: Path, cache_dir: Path, racy_ns: int):
        self.root = str(root)
        self.cache_dir = os.path.realpath(cache_dir)
        self.racy_ns = racy_ns
        self.started = time.time_ns()
        self.signatures = _Signatures()
        # Signatures of the other files, by relative path. Only those the scan
        # opens go into the snapshot.
        self.files: dict[str, os.stat_result] = {}
        self.complete = self._walk()

    def _walk(self) -> bool:
        skipped = set(SKIPPED_DIRS)
        prefix = len(self.root)
        signatures = self.signatures
        stack = [self.root]
        while stack:
            folder = stack.pop()
            signatures.add_stat(folder, folder[prefix:], False)
            try:
                with os.scandir(folder) as listing:
                    children = list(listing)
            except OSError:
                continue  # discovery reports the folder; its signature is recorded
            for entry in children:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skipped and entry.path != self.cache_dir:
                        stack.append(entry.path)
                    continue
                relative = entry.path[prefix:]
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    info = None
                if entry.is_symlink():
                    signatures.add(relative, info)
                    signatures.add_stat(entry.path, relative, True)
                elif (info is None or os.path.splitext(entry.name)[1].lower() in EXTENSIONS
                      or entry.name == ".gitignore"):
                    signatures.add(relative, info)
                else:
                    self.files[relative] = info
            if len(signatures.paths) + len(self.files) > MAX_SNAPSHOT_ENTRIES:
                logger.debug("%s has more than %d entries; its result is not cached",
                             self.root, MAX_SNAPSHOT_ENTRIES)
                return False
        return True

    def __enter__(self) -> TreeSnapshot:
        global _opened, _hook_installed
        if not _hook_installed:
            sys.addaudithook(_record_open)
            _hook_installed = True
        _opened = set()
        return self

    def __exit__(self, *exc_info) -> None:
        global _opened
        self.opened, _opened = _opened or set(), None

    def finish(self) -> dict | None:
        """Return the snapshot as stored data, or None when it cannot vouch for a result."""
        if not self.complete:
            return None
        signatures = self.signatures
        inside = self.root + os.sep
        outside = []
        for path in sorted(self.opened):
            if path.startswith(self.cache_dir + os.sep):
                continue
            if not path.startswith(inside) and path.endswith(PYTHON_MODULE_SUFFIXES):
                continue  # a module imported while scanning, not an input of the scan
            relative = path[len(self.root):] if path.startswith(inside) else None
            info = self.files.get(relative) if relative is not None else None
            if info is not None:
                signatures.add(relative, info)
            elif relative is None or os.path.splitext(path)[1].lower() not in EXTENSIONS:
                outside.append(path)  # its signature is taken after the scan
        tree_count = len(signatures.paths)
        for path in [*outside, *_git_inputs(self.root)]:
            signatures.add_stat(path, path, True)

        # A file written while the scan ran has a newer time than ``started``.
        if signatures.newest >= self.started - self.racy_ns:
            logger.debug("%s changed in the last seconds; its result is not cached", self.root)
            return None
        return {
            "taken_ns": self.started,
            "paths": "\0".join(signatures.paths),
            "tree_count": tree_count,
            "follow": signatures.follow,
            "times": signatures.times.tobytes(),
            "inodes": signatures.inodes.tobytes(),
        }


def _snapshot_unchanged(root: Path, snapshot: dict) -> bool:
    paths = snapshot["paths"].split("\0")
    times = array("q")
    times.frombytes(snapshot["times"])
    inodes = array("Q")
    inodes.frombytes(snapshot["inodes"])
    if not (len(paths) * 3 == len(times) and len(paths) == len(inodes)):
        raise ValueError("snapshot arrays do not match its paths")

    follow = set(snapshot["follow"])
    base = str(root)
    tree_count = snapshot["tree_count"]
    # This loop is most of a warm scan's own work, so it avoids calls it can.
    lstat = os.lstat
    stat = os.stat
    position = 0
    for index, path in enumerate(paths):
        full = base + path if index < tree_count else path
        try:
            info = stat(full) if index in follow else lstat(full)
        except OSError:
            info = None

        if info is None:
            unchanged = times[position] == -1
        else:
            unchanged = (info.st_mtime_ns == times[position + 1]
                         and info.st_size == times[position]
                         and info.st_ctime_ns == times[position + 2]
                         and info.st_ino == inodes[index])
        if not unchanged:
            logger.debug("%s changed since the cached result", full)
            return False
        position += 3
    return True


def _git_inputs(root: str) -> list[str]:
    """Return the files outside the tree that decide what git lists.

    These are the .git entry and .gitignore of each folder above the root
    up to the work tree's top, the repository's index, info/exclude and
    config, and the user's and system's git configuration and excludes file.
    A missing file is recorded too, so creating one is a change.
    """
    paths: list[str] = []
    git_entry = None
    folder = root
    while True:
        candidate = os.path.join(folder, ".git")
        paths.append(candidate)
        if folder != root:
            paths.append(os.path.join(folder, ".gitignore"))
        if os.path.lexists(candidate):
            git_entry = candidate
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent

    if git_entry is not None:
        for git_dir in _git_dirs(git_entry):
            paths.extend(os.path.join(git_dir, name)
                         for name in ("index", "config", os.path.join("info", "exclude")))

    home = os.path.expanduser("~")
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    paths += [os.path.join(home, ".gitconfig"), os.path.join(config_home, "git", "config"),
              os.path.join(config_home, "git", "ignore"), "/etc/gitconfig"]
    excludes_file = _configured_excludes_file(root)
    if excludes_file:
        paths.append(excludes_file)
    return paths


def _git_dirs(git_entry: str) -> list[str]:
    """Return the git directory of a .git entry, and its common directory if any."""
    git_dir = git_entry
    if os.path.isfile(git_entry):  # a worktree or submodule: "gitdir: PATH"
        try:
            with open(git_entry, encoding="utf-8") as handle:
                text = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            return []
        if not text.startswith("gitdir:"):
            return []
        git_dir = os.path.join(os.path.dirname(git_entry), text[len("gitdir:"):].strip())
    found = [git_dir]
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            found.append(os.path.join(git_dir, handle.read().strip()))
    except (OSError, UnicodeDecodeError):
        pass
    return found


def _configured_excludes_file(root: str) -> str | None:
    import subprocess

    git = shutil.which("git")
    if git is None:
        return None
    try:
        completed = subprocess.run([git, "-C", root, "config", "--path", "--get",
                                    "core.excludesFile"], capture_output=True, timeout=10,
                                   check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    value = completed.stdout.decode("utf-8", "surrogateescape").strip()
    return os.path.join(root, value) if value else None


def _write_atomically(path: Path, data: bytes) -> None:
    replace_file(path, data)
