"""Installed SDK versions, read from dependency manifests and lock files.

A lock file wins. Without one, the lowest version the declared range
allows is used, and a range that spans major versions gives no version
(a rule that depends on the major version stays silent then).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# nodesemver and packaging are imported where versions are read: most scans
# never read a manifest, and the imports cost about 40 ms at start-up.

logger = logging.getLogger(__name__)

NPM_MANIFEST = "package.json"
NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
PY_LOCKS = ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock")
NUMBERS = re.compile(r"\d+(?:\.\d+){0,2}")


@dataclass(frozen=True, slots=True)
class Installed:
    package: str
    version: tuple[int, int, int]
    source: str  # the file the version came from

    @property
    def major(self) -> int:
        return self.version[0]


def _triple(text: str) -> tuple[int, int, int] | None:
    match = NUMBERS.search(text)
    if not match:
        return None
    parts = [int(p) for p in match.group(0).split(".")]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts[:3])  # type: ignore[return-value]


def lowest_npm(range_text: str) -> tuple[int, int, int] | None:
    """Lowest version an npm range allows, or None when it spans majors."""
    import nodesemver

    range_text = range_text.strip()
    if not range_text or range_text in ("*", "latest", "x") or ":" in range_text:
        return None
    candidates = set()
    for match in NUMBERS.finditer(range_text):
        triple = _triple(match.group(0))
        if triple:
            candidates.add(triple)
            candidates.add((triple[0], triple[1], 0))
            candidates.add((triple[0], 0, 0))
    allowed = []
    for triple in sorted(candidates):
        try:
            if nodesemver.satisfies("%d.%d.%d" % triple, range_text, loose=True):
                allowed.append(triple)
        except (ValueError, TypeError):
            return None
    if not allowed:
        return None
    lowest = allowed[0]
    if lowest[0] == 0:
        next_break = "0.%d.0" % (lowest[1] + 1)
    else:
        next_break = "%d.0.0" % (lowest[0] + 1)
    try:
        if nodesemver.satisfies(next_break, range_text, loose=True):
            return None
    except (ValueError, TypeError):
        return None
    return lowest


def lowest_python(specifier: str) -> tuple[int, int, int] | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specs = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    candidates = set()
    for spec in specs:
        triple = _triple(spec.version)
        if triple:
            candidates.add(triple)
            candidates.add((triple[0], triple[1], 0))
            candidates.add((triple[0], 0, 0))
    allowed = [t for t in sorted(candidates) if specs.contains("%d.%d.%d" % t, prereleases=True)]
    if not allowed:
        return None
    lowest = allowed[0]
    if specs.contains("%d.0.0" % (lowest[0] + 1), prereleases=True):
        return None
    return lowest


class Manifests:
    """Versions of a package seen from a file, reading the nearest manifest."""

    def __init__(self, root: Path):
        self.root = root.resolve() if root.exists() else root

    def version(self, package: str, relative_path: str, ecosystem: str) -> Installed | None:
        folder = (self.root / relative_path).parent
        return self._version_in(package, str(folder), ecosystem)

    @lru_cache(maxsize=512)
    def _version_in(self, package: str, folder_text: str, ecosystem: str) -> Installed | None:
        folder = Path(folder_text)
        while True:
            found = (self._npm(folder, package) if ecosystem == "npm"
                     else self._python(folder, package))
            if found is not None:
                return found if found.version != (-1, -1, -1) else None
            if folder == self.root or self.root not in folder.parents:
                return None
            folder = folder.parent

    # npm ------------------------------------------------------------------------

    def _npm(self, folder: Path, package: str) -> Installed | None:
        manifest = folder / NPM_MANIFEST
        declared = None
        if manifest.is_file():
            data = _read_json(manifest)
            if isinstance(data, dict):
                for section in ("dependencies", "devDependencies", "peerDependencies",
                                "optionalDependencies"):
                    deps = data.get(section)
                    if isinstance(deps, dict) and package in deps:
                        declared = str(deps[package])
                        break
        locked = self._npm_lock(folder, package)
        if locked is None and declared is not None:
            locked = self._workspace_lock(folder, package, declared)
        if locked is not None:
            return locked
        if declared is None:
            return None
        lowest = lowest_npm(declared)
        # Declared but unknown: stop searching upwards (this manifest owns the file).
        return Installed(package, lowest or (-1, -1, -1), str(manifest))

    def _npm_lock(self, folder: Path, package: str) -> Installed | None:
        for name in NPM_LOCKS:
            path = folder / name
            if not path.is_file():
                continue
            version = None
            if name.endswith(".json"):
                data = _read_json(path)
                if isinstance(data, dict):
                    entry = (data.get("packages") or {}).get(f"node_modules/{package}") or (
                        data.get("dependencies") or {}).get(package)
                    if isinstance(entry, dict):
                        version = entry.get("version")
            else:
                text = _read_text(path)
                pattern = (rf'(?m)^"?{re.escape(package)}@[^\n]*:\n\s+version:? "?([\d.]+)'
                           if name == "yarn.lock"
                           else rf"/{re.escape(package)}[@/]([\d.]+)")
                match = re.search(pattern, text)
                if match is None and name == "pnpm-lock.yaml":
                    match = re.search(rf"(?m)^\s+'?{re.escape(package)}'?:\s*\n\s+specifier:.*\n\s+version:\s*([\d.]+)", text)
                version = match.group(1) if match else None
            triple = _triple(version) if isinstance(version, str) else None
            if triple:
                return Installed(package, triple, str(path))
        return None

    def _workspace_lock(self, folder: Path, package: str, declared: str) -> Installed | None:
        """Read the version a workspace root's lock file installs for ``folder``.

        Only the nearest ancestor with a lock file is read. Entries are matched
        to this workspace (its nested ``node_modules`` path, then the hoisted
        one that Node resolves to, its yarn range or its pnpm importer), so
        another workspace's version is not taken.
        """
        ancestor = folder
        while ancestor != self.root and self.root in ancestor.parents:
            ancestor = ancestor.parent
            names = [name for name in NPM_LOCKS if (ancestor / name).is_file()]
            if not names:
                continue
            workspace = folder.relative_to(ancestor).as_posix()
            for name in names:
                version = _workspace_version(ancestor / name, workspace, package, declared)
                triple = _triple(version) if version else None
                if triple:
                    return Installed(package, triple, str(ancestor / name))
            return None
        return None

    # Python -------------------------------------------------------------------

    def _python(self, folder: Path, package: str) -> Installed | None:
        from packaging.requirements import InvalidRequirement, Requirement

        locked = self._python_lock(folder, package)
        if locked is not None:
            return locked
        for path in sorted(folder.glob("requirements*.txt")) + sorted(folder.glob("requirements/*.txt")):
            for line in _read_text(path).splitlines():
                line = line.split("#", 1)[0].strip()
                if not line or line.startswith("-"):
                    continue
                try:
                    requirement = Requirement(line)
                except InvalidRequirement:
                    continue
                if _canonical(requirement.name) == _canonical(package):
                    lowest = lowest_python(str(requirement.specifier))
                    return Installed(package, lowest or (-1, -1, -1), str(path))
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            data = _read_toml(pyproject)
            for line in (data.get("project", {}) or {}).get("dependencies", []) or []:
                try:
                    requirement = Requirement(line)
                except (InvalidRequirement, TypeError):
                    continue
                if _canonical(requirement.name) == _canonical(package):
                    lowest = lowest_python(str(requirement.specifier))
                    return Installed(package, lowest or (-1, -1, -1), str(pyproject))
            poetry = ((data.get("tool", {}) or {}).get("poetry", {}) or {}).get("dependencies", {})
            if isinstance(poetry, dict):
                for name, spec in poetry.items():
                    if _canonical(name) == _canonical(package):
                        text = spec.get("version", "") if isinstance(spec, dict) else str(spec)
                        lowest = lowest_npm(text) if text[:1] in "^~" else lowest_python(text)
                        return Installed(package, lowest or (-1, -1, -1), str(pyproject))
        return None

    def _python_lock(self, folder: Path, package: str) -> Installed | None:
        from packaging.version import InvalidVersion, Version

        for name in PY_LOCKS:
            path = folder / name
            if not path.is_file():
                continue
            if name == "Pipfile.lock":
                data = _read_json(path) or {}
                for section in ("default", "develop"):
                    entry = (data.get(section) or {}).get(package)
                    if isinstance(entry, dict):
                        triple = _triple(str(entry.get("version", "")))
                        if triple:
                            return Installed(package, triple, str(path))
                continue
            data = _read_toml(path)
            for entry in data.get("package", []) or []:
                if isinstance(entry, dict) and _canonical(str(entry.get("name", ""))) == _canonical(package):
                    try:
                        version = Version(str(entry.get("version", "")))
                    except InvalidVersion:
                        continue
                    release = (*version.release, 0, 0)[:3]
                    return Installed(package, tuple(release), str(path))  # type: ignore[arg-type]
        return None


def _workspace_version(path: Path, workspace: str, package: str, declared: str) -> str | None:
    """Read one workspace's installed version from a root lock file."""
    if path.name.endswith(".json"):
        data = _read_json(path)
        entries = data.get("packages") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return None
        for key in (f"{workspace}/node_modules/{package}", f"node_modules/{package}"):
            entry = entries.get(key)
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                return entry["version"]
        return None
    text = _read_text(path)
    name, spec = re.escape(package), re.escape(declared)
    if path.name == "yarn.lock":
        # "customerio-node@^5.0.1", "customerio-node@npm:^5.0.1": the header lists ranges.
        pattern = rf'(?m)^[^\n]*"?{name}@(?:npm:)?{spec}"?[,:][^\n]*\n\s+version:? "?([\d.]+)'
    else:
        pattern = (rf"(?m)^  '?{re.escape(workspace)}'?:\n(?:    .*\n)*?      '?{name}'?:\n"
                   rf"        specifier: .*\n        version: ([\d.]+)")
    match = re.search(pattern, text)
    return match.group(1) if match else None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _read_json(path: Path):
    try:
        return json.loads(_read_text(path))
    except ValueError:
        return None


def _read_toml(path: Path) -> dict:
    import tomllib  # only when a TOML manifest is read

    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        logger.warning("could not read %s: %s", path, error)
        return {}
