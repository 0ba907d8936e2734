"""Find the source files of one project and read them safely.

``discover`` walks a project root with ``os.scandir``. It honours
``.gitignore`` files at every level and ``.git/info/exclude`` with git's
precedence, applies configured exclude patterns, and prunes vendored and
generated trees before descending into them. It reads no file contents, so
its cost is one ``scandir`` per directory plus the pattern matching.

``read_source`` reads one file and raises ``SkipFile`` with a message for the
user when the file cannot or should not be scanned. ``is_minified`` detects
bundled JavaScript, so callers can drop it without a warning.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

from .extract.common import EXTENSIONS
from .model import FileError

logger = logging.getLogger(__name__)

# Directory names that are never part of the project's own code. They are
# pruned anywhere in the tree without being listed.
SKIPPED_DIRS = (
    # Package managers and their caches.
    "node_modules",
    "bower_components",
    "jspm_packages",
    "vendor",  # Go, PHP and Ruby vendoring, and hand-copied JS libraries.
    "site-packages",
    # Build output of bundlers and frameworks.
    "dist",
    "build",
    ".next",
    ".nuxt",
    ".output",  # Nitro and Nuxt 3 server output.
    ".svelte-kit",
    ".vercel",
    ".turbo",
    ".cache",
    "coverage",  # Istanbul and coverage.py HTML reports contain JS.
    # Python environments and tool caches.
    ".venv",
    "venv",
    "__pycache__",
    ".yarn",  # Yarn 2+ keeps its own release bundle and package cache here.
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    # Version control metadata.
    ".git",
    ".hg",
    ".svn",
)

SKIPPED_DIR_NAMES = frozenset(SKIPPED_DIRS)

# A directory that contains this file is a Python virtual environment, whatever
# its name. This is how ``env`` (and ``.env-py3`` and the like) are skipped
# without skipping a source folder that happens to be called ``env``.
VIRTUALENV_MARKER = "pyvenv.cfg"

# ``next export`` and several static-site tools write to ``out``. A folder
# named ``out`` that has its own package.json is a package, so it is scanned.
OUTPUT_DIR = "out"
PACKAGE_MARKER = "package.json"

# Names that mark a folder as the root of a project.
PROJECT_MARKERS = (".git", "package.json", "pyproject.toml", "setup.py", "setup.cfg")
REQUIREMENTS_FILE = re.compile(r"requirements.*\.txt")

# Name endings of bundles and type declarations. A bundle repeats code that is
# scanned in its source form, and a declaration file contains no calls.
SKIPPED_SUFFIXES = (
    ".min.js",
    ".min.mjs",
    ".min.cjs",
    ".bundle.js",
    "-bundle.js",
    ".d.ts",
    ".d.mts",
    ".d.cts",
)

DEFAULT_MAX_BYTES = 2_000_000
BINARY_SNIFF_BYTES = 8192
MINIFIED_SNIFF_BYTES = 4096
MINIFIED_LINE_CHARS = 1000
# A minified head has almost no line breaks. Requiring a high average line
# length keeps a source file with one long data URL or inline SVG line.
MINIFIED_AVERAGE_LINE_CHARS = 250

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # absolute path
    relative: str  # relative to the project root, with "/" separators
    language: str  # "javascript", "typescript", "tsx", "vue", "svelte" or "python"


@dataclass
class Discovery:
    root: Path  # absolute project root
    files: list[SourceFile] = field(default_factory=list)  # sorted by relative
    skipped: list[FileError] = field(default_factory=list)


class SkipFile(Exception):
    """A file that cannot be scanned. The message states the reason and the fix."""


# Ignore rules -------------------------------------------------------------


NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass(frozen=True, slots=True)
class _IgnoreFile:
    """The compiled patterns of one ignore file, or of the configured excludes."""

    base: str  # the folder of the ignore file, relative to the root, "" or "a/b/"
    spec: GitIgnoreSpec
    # One regular expression that matches when any pattern matches. Most paths
    # match no pattern, and one search is much faster than pathspec's loop
    # over every pattern, which runs only when this one matches.
    any_pattern: re.Pattern[str]

    @classmethod
    def build(cls, base: str, spec: GitIgnoreSpec) -> _IgnoreFile:
        alternatives = [
            NAMED_GROUP.sub("(?:", pattern.regex.pattern)
            for pattern in spec.patterns
            if pattern.include is not None and pattern.regex is not None
        ]
        # "(?!)" never matches, for a file of comments and negations only.
        joined = "|".join(f"(?:{item})" for item in alternatives) or "(?!)"
        return cls(base, spec, re.compile(joined))

    def decide(self, relative: str) -> bool | None:
        """Return True to ignore, False to keep, None when no pattern matches."""
        if not relative.startswith(self.base):
            return None
        path = relative[len(self.base) :]
        if self.any_pattern.search(path) is None:
            return None
        return self.spec.check_file(path, ()).include


def _compile_ignore_lines(lines: list[str], origin: str) -> GitIgnoreSpec:
    """Compile gitignore lines, dropping the invalid ones as git does."""
    from pathspec import GitIgnoreSpec  # about 30 ms to import; a cached scan skips it

    try:
        return GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        pass

    valid = []
    for number, line in enumerate(lines, start=1):
        try:
            GitIgnoreSpec.from_lines([line])
        except (ValueError, re.error):
            logger.warning("ignoring invalid pattern on line %d of %s", number, origin)
            continue
        valid.append(line)
    return GitIgnoreSpec.from_lines(valid)


def _load_ignore_file(path: str, base: str) -> _IgnoreFile | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        logger.warning("cannot read %s: %s", path, exc.strerror)
        return None

    spec = _compile_ignore_lines(lines, path)
    if not any(pattern.include is not None for pattern in spec.patterns):
        return None
    return _IgnoreFile.build(base, spec)


def _git_exclude_file(root: str) -> str | None:
    """Return the path of the repository's info/exclude when root is a work tree.

    ``.git`` is a folder in a plain clone and a file (``gitdir: ...``) in a
    linked work tree or a submodule, whose shared files live in the folder
    named by ``commondir``.
    """
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, "info", "exclude")

    try:
        with open(dot_git, encoding="utf-8") as handle:
            first_line = handle.readline().strip()
    except OSError:
        return None
    if not first_line.startswith("gitdir:"):
        return None

    git_dir = os.path.join(root, first_line.removeprefix("gitdir:").strip())
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            git_dir = os.path.join(git_dir, handle.read().strip())
    except OSError:
        pass
    return os.path.join(git_dir, "info", "exclude")


def _is_ignored(
    relative: str, chain: tuple[_IgnoreFile, ...], excludes: _IgnoreFile | None
) -> bool:
    """Apply configured excludes, then ignore files from the deepest up.

    ``relative`` ends with "/" for a directory. As in git, the deepest ignore
    file with a matching pattern decides, and inside one file the last
    matching pattern wins. Configured excludes take precedence over every
    ignore file, like patterns given on git's command line.
    """
    if excludes is not None:
        decision = excludes.decide(relative)
        if decision is not None:
            return decision

    for ignore in reversed(chain):
        decision = ignore.decide(relative)
        if decision is not None:
            return decision
    return False


# Walking ------------------------------------------------------------------


def _language_of(name: str) -> str | None:
    return EXTENSIONS.get(os.path.splitext(name)[1].lower())


def _is_skipped_file_name(name: str) -> bool:
    return name.lower().endswith(SKIPPED_SUFFIXES)


def _is_generated_tree(name: str, child_names: set[str]) -> bool:
    if VIRTUALENV_MARKER in child_names:
        return True
    return name == OUTPUT_DIR and PACKAGE_MARKER not in child_names


def display_path(path: Path | str) -> str:
    """Return ``path`` relative to the working directory when it is inside it.

    Paths elsewhere stay absolute, so a message never points into ``../..``.
    """
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd:
        return "."
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return Path(absolute).as_posix()


class _Walker:
    """State of one ``discover`` call."""

    def __init__(self, root: str, excludes: Sequence[str]):
        self.root = root
        self.real_root = os.path.realpath(root)
        self.excludes: _IgnoreFile | None = None
        if excludes:
            from pathspec import GitIgnoreSpec

            try:
                spec = GitIgnoreSpec.from_lines(list(excludes))
            except re.error as exc:
                raise ValueError(f"invalid exclude pattern: {exc}") from exc
            self.excludes = _IgnoreFile.build("", spec)
        self.files: dict[str, SourceFile] = {}
        self.links: dict[str, tuple[str, SourceFile]] = {}  # target -> link
        self.skipped: list[FileError] = []

    def skip(self, path: str, message: str) -> None:
        self.skipped.append(FileError(display_path(path), message))

    def root_chain(self) -> tuple[_IgnoreFile, ...]:
        """Return the ignore files that apply at the root, lowest precedence first."""
        chain = []
        exclude_path = _git_exclude_file(self.root)
        if exclude_path is not None and os.path.isfile(exclude_path):
            loaded = _load_ignore_file(exclude_path, "")
            if loaded is not None:
                chain.append(loaded)
        return tuple(chain)

    def chain_above(self, relative_dir: str) -> tuple[_IgnoreFile, ...]:
        """Return the ignore files of the folders above ``relative_dir``.

        Used when a folder inside the root is named explicitly, so the walk
        starts there instead of at the root. The folder's own .gitignore is
        left out because ``walk`` reads it.
        """
        chain = self.root_chain()
        parts = relative_dir.split("/") if relative_dir else []
        for depth in range(len(parts)):
            base = "".join(part + "/" for part in parts[:depth])
            gitignore = os.path.join(self.root, base, ".gitignore")
            if os.path.isfile(gitignore):
                loaded = _load_ignore_file(gitignore, base)
                if loaded is not None:
                    chain += (loaded,)
        return chain

    def walk(self, start: str, relative: str, chain: tuple[_IgnoreFile, ...]) -> None:
        """Collect source files under ``start``, whose relative path is ``relative``.

        ``chain`` contains the ignore files of the folders above ``start``.
        ``start`` itself is never pruned, because the user named it.
        """
        stack = [(start, relative, chain, True)]
        while stack:
            folder, prefix, chain, named = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError as exc:
                self.skip(folder, f"cannot list folder: {exc.strerror}")
                continue

            names = {entry.name for entry in entries}
            if not named and _is_generated_tree(os.path.basename(folder), names):
                continue
            if ".gitignore" in names:
                loaded = _load_ignore_file(os.path.join(folder, ".gitignore"), prefix)
                if loaded is not None:
                    chain = chain + (loaded,)

            for entry in entries:
                self.visit(entry, prefix, chain, stack)

    def visit(
        self,
        entry: os.DirEntry[str],
        prefix: str,
        chain: tuple[_IgnoreFile, ...],
        stack: list[tuple[str, str, tuple[_IgnoreFile, ...], bool]],
    ) -> None:
        name = entry.name
        relative = prefix + name

        # DirEntry gets these from the directory listing on Linux and Windows,
        # so ordinary files and folders cost no extra system call.
        if entry.is_dir(follow_symlinks=False):
            if name in SKIPPED_DIRS:
                return
            if _is_ignored(relative + "/", chain, self.excludes):
                return
            stack.append((entry.path, relative + "/", chain, False))
            return

        language = _language_of(name)
        if language is None or _is_skipped_file_name(name):
            return
        if _is_ignored(relative, chain, self.excludes):
            return

        if entry.is_file(follow_symlinks=False):
            self.files[relative] = SourceFile(Path(entry.path), relative, language)
        elif entry.is_symlink():
            self.add_link(entry.path, relative, language)

    def add_link(self, path: str, relative: str, language: str) -> None:
        """Record a file symlink whose target is a file inside the root.

        Links to folders are never followed, which rules out loops. Each target
        is scanned once. ``finish`` drops a link whose target is also found as
        a regular file, and all but the first link to one target.
        """
        target = os.path.realpath(path)
        if not os.path.isfile(target):
            if not os.path.exists(target):
                self.skip(path, "broken symbolic link (missing target or a loop)")
            return
        if not target.startswith(self.real_root.rstrip(os.sep) + os.sep):
            self.skip(
                path,
                "symbolic link to a file outside the project root; scan its "
                "target's project instead",
            )
            return

        target_relative = Path(os.path.relpath(target, self.real_root)).as_posix()
        source = SourceFile(Path(path), relative, language)
        known = self.links.get(target_relative)
        if known is None or relative < known[1].relative:
            self.links[target_relative] = (target_relative, source)

    def add_named_file(self, path: str, relative: str) -> None:
        """Add a file the user named, which ignore rules never drop."""
        language = _language_of(path)
        if not os.path.lexists(path):
            self.skip(path, "file not found")
        elif language is None:
            suffixes = ", ".join(sorted(EXTENSIONS))
            self.skip(path, f"unsupported file type; cioguard scans {suffixes}")
        elif os.path.islink(path):
            self.add_link(path, relative, language)
        elif not os.path.isfile(path):
            self.skip(path, "not a regular file")
        else:
            self.files[relative] = SourceFile(Path(path), relative, language)

    def finish(self, root: Path) -> Discovery:
        for target, source in self.links.values():
            if target not in self.files:
                self.files[source.relative] = source
        files = sorted(self.files.values(), key=lambda source: source.relative)
        return Discovery(root, files, self.skipped)


def discover(
    root: Path,
    *,
    excludes: Sequence[str] = (),
    only: Sequence[Path] | None = None,
) -> Discovery:
    """List the source files of the project at ``root``.

    ``excludes`` are gitignore-style patterns relative to ``root``. With
    ``only``, just those paths are listed. A named file is kept even when an
    ignore rule or the bundle and declaration filters would drop it. A named
    folder is walked with every rule applying below it. Problems such as an
    unreadable folder, a broken link or a named file that does not exist go
    to ``skipped``. Raises ValueError when an ``only`` path is outside the
    root or an exclude pattern is invalid.
    """
    root_text = os.path.abspath(root)
    walker = _Walker(root_text, excludes)
    if only is None:
        listed = _git_listing(root_text)
        if listed is not None:
            return _from_git_listing(walker, listed)
        walker.walk(root_text, "", walker.root_chain())
        return walker.finish(Path(root_text))

    for named in only:
        path = os.path.abspath(named)
        relative = os.path.relpath(path, root_text)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            raise ValueError(f"{display_path(path)} is outside the root {root_text}")
        relative = Path(relative).as_posix()

        if os.path.isdir(path) and not os.path.islink(path):
            if relative == ".":
                relative = ""
            prefix = relative + "/" if relative else ""
            walker.walk(path, prefix, walker.chain_above(relative))
        else:
            walker.add_named_file(path, relative)
    return walker.finish(Path(root_text))


GIT_TIMEOUT_SECONDS = 30


def _git_listing(root: str) -> list[str] | None:
    """Return the source files that git lists under ``root``: tracked, plus untracked and not ignored.

    Git applies every .gitignore, .git/info/exclude and the global excludes
    file itself, in C, which is several times faster than walking a large
    tree in Python. Returns None when ``root`` is not in a git work tree or
    git is unavailable, so the caller walks the tree instead.
    """
    git = shutil.which("git")
    if git is None or not _inside_git_work_tree(root):
        return None
    patterns = [f"*{suffix}" for suffix in sorted(EXTENSIONS)]
    command = [git, "-C", root, "ls-files", "-z", "--cached", "--others",
               "--exclude-standard", "--", *patterns]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=GIT_TIMEOUT_SECONDS,
                                   check=False)
    except (OSError, subprocess.SubprocessError) as error:
        logger.debug("git ls-files failed in %s: %s", root, error)
        return None
    if completed.returncode != 0:
        logger.debug("git ls-files failed in %s: %s", root,
                     completed.stderr.decode("utf-8", "replace").strip())
        return None
    names = completed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({name for name in names if name})


def _inside_git_work_tree(root: str) -> bool:
    folder = root
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def _from_git_listing(walker: _Walker, listed: list[str]) -> Discovery:
    """Apply cioguard's own filters to git's list of files."""
    skipped_folders: dict[str, bool] = {"": False}
    root = walker.root
    for relative in listed:
        folder, _, name = relative.rpartition("/")
        if _skipped_folder(root, folder, skipped_folders):
            continue
        if _is_skipped_file_name(name):
            continue
        language = _language_of(name)
        if language is None:
            continue
        if walker.excludes is not None and walker.excludes.decide(relative):
            continue
        # A tracked file deleted from the work tree is dropped when it is read.
        path = root + "/" + relative
        walker.files[relative] = SourceFile(Path(path), relative, language)
    return walker.finish(Path(root))


def _skipped_folder(root: str, folder: str, cache: dict[str, bool]) -> bool:
    """Return whether a folder is, or is inside, a vendored, generated or virtualenv tree."""
    verdict = cache.get(folder)
    if verdict is not None:
        return verdict
    parent, _, name = folder.rpartition("/")
    if _skipped_folder(root, parent, cache) or name in SKIPPED_DIR_NAMES:
        verdict = True
    else:
        absolute = os.path.join(root, folder)
        children = set()
        if os.path.exists(os.path.join(absolute, VIRTUALENV_MARKER)):
            children.add(VIRTUALENV_MARKER)
        if name == OUTPUT_DIR and os.path.exists(os.path.join(absolute, PACKAGE_MARKER)):
            children.add(PACKAGE_MARKER)
        verdict = _is_generated_tree(name, children)
    cache[folder] = verdict
    return verdict


def find_project_root(path: Path) -> Path:
    """Return the folder to use as project root for a single named file.

    That is the nearest folder, starting at the file's own, that has a .git,
    package.json, pyproject.toml, setup.py, setup.cfg or requirements*.txt.
    When no folder up to the file system root has one, it is the file's
    folder.
    """
    start = os.path.dirname(os.path.abspath(path))
    folder = start
    while True:
        try:
            names = os.listdir(folder)
        except OSError:
            names = []
        if any(marker in names for marker in PROJECT_MARKERS):
            return Path(folder)
        if any(REQUIREMENTS_FILE.fullmatch(name) for name in names):
            return Path(folder)

        parent = os.path.dirname(folder)
        if parent == folder:
            return Path(start)
        folder = parent


# Reading ------------------------------------------------------------------


def _format_size(max_bytes: int) -> str:
    return f"{max_bytes / 1_000_000:g} MB"


def _read_error_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found; it was removed or renamed during the scan"
    if isinstance(exc, PermissionError):
        return "permission denied; allow read access or exclude the file"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    return f"cannot read file: {exc.strerror or exc}"


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the bytes of a source file, unchanged.

    A UTF-8 byte order mark is accepted and kept, so byte columns stay true.
    Raises SkipFile when the file cannot be read, is larger than
    ``max_bytes``, is binary, or is not valid UTF-8.
    """
    too_large = f"larger than {_format_size(max_bytes)}"
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise SkipFile(
                    f"{too_large} ({size:,} bytes); raise max-file-size to scan it"
                )
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise SkipFile(_read_error_message(exc)) from None

    if len(data) > max_bytes:
        # The file grew between fstat() and read().
        raise SkipFile(f"{too_large}; raise max-file-size to scan it")
    _check_text(data)
    return data


def _check_text(data: bytes) -> None:
    head = data[:BINARY_SNIFF_BYTES]
    if head.startswith(UTF16_BOMS):
        raise SkipFile("UTF-16 or UTF-32 encoded; save the file as UTF-8 to scan it")
    if b"\0" in head:
        raise SkipFile("binary file (NUL byte in the first 8 KB)")
    if data.isascii():
        return

    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SkipFile(
            f"not valid UTF-8 (invalid byte on line {line}); save the file as "
            "UTF-8 to scan it"
        ) from None


def is_minified(source: bytes) -> bool:
    """Return whether a JavaScript file is a minified bundle.

    Only the first 4 KB are read. They must contain a line of more than 1,000
    characters, and their lines must average more than 250 characters. The
    scanner drops such files without a warning, because a warning for each
    bundle would bury the real ones.
    """
    head = source[:MINIFIED_SNIFF_BYTES]
    lines = head.split(b"\n")
    if len(head) / len(lines) <= MINIFIED_AVERAGE_LINE_CHARS:
        return False

    for line in lines:
        if len(line) > MINIFIED_LINE_CHARS:
            chars = len(line.decode("utf-8", "replace"))
            if chars > MINIFIED_LINE_CHARS:
                return True
    return False
