"""Orchestration: discover, prefilter, parse in a process pool, link, check.

The prefilter runs in rounds. Round one parses the files whose bytes
mention a Customer.io needle. Later rounds parse the files that import a
module parsed because it is relevant (its importers may be wrappers), and
the local modules those relevant files import (config modules holding key
names), until nothing new is found. Most files of a large repository are
never parsed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .discovery import (
    Discovery,
    SkipFile,
    SourceFile,
    discover,
    find_project_root,
    is_minified,
    read_source,
)
from .extract.common import COMPONENT_LANGUAGES
from .model import FileError, FileFacts, Finding, RunResult, Span
from .rules.registry import rule_codes
from .suppressions import apply_suppressions

if TYPE_CHECKING:
    # Imported when a pool starts, because importing multiprocessing took
    # about 10 ms (python -X importtime, 2-core machine), a large share of a
    # scan that reuses a cached result. Likewise the linking modules are
    # imported when a project is linked.
    from concurrent.futures import ProcessPoolExecutor

    from .project import Project
    from .resolve import ModuleIndex

logger = logging.getLogger(__name__)

# Lowercase byte strings; a file is parsed in round one when its lowercased
# bytes contain one. ``_cio`` is confirmed with a word-boundary pattern.
# The signature headers and failure metrics find reporting-webhook receivers
# that never call Customer.io back (CIO008 and CIO015 need them).
NEEDLES = (b"customerio", b"customer.io", b"cdp-analytics", b"cioanalytics",
           b"x-cio-", b"x_cio_")
# Failure metrics must be whole words: "debounced" is everywhere in UI code.
METRIC_PATTERN = re.compile(rb"(?<![a-z0-9_])(?:bounced|spammed)(?![a-z0-9_])")
# Shorter substrings of the needles, tested first: a file without any of
# them cannot contain a needle, and five passes cost less than eight.
NEEDLE_STEMS = (b"customer", b"cio", b"cdp-analytics", b"bounced", b"spammed")
SNIPPET_NEEDLE = b"_cio"
SNIPPET_PATTERN = re.compile(rb"(?<![\w$])_cio\b")
MAX_ROUNDS = 5
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Facts are large next to the time it takes to parse a file, so sending them
# back from worker processes costs about as much as parsing. Measured on a
# 2-core machine, a pool of two was slower than one process for 340 Python
# files (2.4 s against 1.5 s). The pool is used for large batches when there
# are at least MIN_POOL_CPUS processors, or when --jobs requests one.
POOL_THRESHOLD = 48
MIN_POOL_CPUS = 4
JS_IMPORT = re.compile(
    rb"""(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"\n]{1,200})['"]""",
    re.M,
)
# The names of ``from x import a, b`` end at the line end, unless they sit in
# parentheses or the line ends with a backslash.
PY_FROM_IMPORT = re.compile(
    rb"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+"
    rb"(\([^)]*\)|[\w, \t]*(?:\\\r?\n[\w, \t]*)*)",
    re.M,
)
PY_IMPORT = re.compile(rb"^[ \t]*import[ \t]+([\w.]+)", re.M)


@dataclass
class ProjectScan:
    root: Path
    discovery: Discovery
    facts: dict[str, FileFacts] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    project: Project | None = None
    # Import specifiers of unparsed files, read while following imports.
    specifiers: dict[str, list[str]] = field(default_factory=dict)


class Needles:
    """The byte test of round one: does this file mention Customer.io at all?

    Lowercasing once and testing fixed substrings is several times faster
    than a case-insensitive regular expression over the same bytes.
    """

    def __init__(self, extra_names: Iterable[str] = ()):
        self.extra = tuple(name.encode() for name in extra_names if name)

    def search(self, data: bytes) -> bool:
        lowered = data.lower()
        if not any(stem in lowered for stem in NEEDLE_STEMS):
            return any(name in data for name in self.extra)
        if any(needle in lowered for needle in NEEDLES):
            return True
        if (b"bounced" in lowered or b"spammed" in lowered) and METRIC_PATTERN.search(lowered):
            return True
        if SNIPPET_NEEDLE in data and SNIPPET_PATTERN.search(data):
            return True
        return any(name in data for name in self.extra)


def parse_one(job: tuple[str, str, str, int]) -> tuple[str, FileFacts | None, str | None]:
    """Read and parse one file, in a worker process or in this one.

    A file that cannot be read or parsed gives an error message in place of
    facts instead of an exception, so one bad file does not stop the run.
    """
    absolute, relative, language, max_bytes = job
    try:
        source = read_source(Path(absolute), max_bytes)
    except SkipFile as skip:
        return relative, None, str(skip)
    try:
        facts = extract_source(source, relative, language)
    except RecursionError:
        return relative, None, "nesting too deep to analyse"
    except Exception as error:  # noqa: BLE001 - a bad file must not stop the run
        logger.debug("extraction failed for %s", relative, exc_info=True)
        return relative, None, f"internal error while parsing: {type(error).__name__}: {error}"
    facts.digest = hashlib.sha256(source).hexdigest()
    return relative, facts, None


def extract_source(source: bytes, relative: str, language: str) -> FileFacts:
    if language == "python":
        from .extract.python import extract

        return extract(source, relative)
    from .extract.javascript import extract

    if language in COMPONENT_LANGUAGES:
        from .extract.components import script_source

        source, language = script_source(source)

    return extract(source, relative, language)


class Engine:
    def __init__(self, settings, jobs: int | None = None, cache=None, progress=None):
        self.settings = settings
        cpus = os.cpu_count() or 1
        if jobs and jobs > 0:
            self.jobs = jobs
        elif cpus >= MIN_POOL_CPUS:
            self.jobs = cpus
        else:
            self.jobs = 1
        self.cache = cache
        self.progress = progress
        client_names = list(getattr(settings, "client_names", {}) or {})
        self.needles = Needles(name.split(".")[-1] for name in client_names)
        self._pool: ProcessPoolExecutor | None = None

    # Parsing ------------------------------------------------------------------------

    def _parse(self, files: list[SourceFile], scan: ProjectScan) -> None:
        max_bytes = getattr(self.settings, "max_file_size", 2_000_000)
        jobs = [(str(f.path), f.relative, f.language, max_bytes) for f in files]
        results: list[tuple[str, FileFacts | None, str | None]] = []
        pending = []
        for job in jobs:
            cached = self.cache.get(job) if self.cache is not None else None
            if cached is not None:
                results.append((job[1], cached, None))
            else:
                pending.append(job)
        if self.progress is not None:
            self.progress.add_parse_jobs(len(pending))
        if len(pending) >= POOL_THRESHOLD and self.jobs > 1:
            pool = self._get_pool()
            chunk = max(1, len(pending) // (self.jobs * 4))
            for job, result in zip(pending, pool.map(parse_one, pending, chunksize=chunk)):
                results.append(result)
                self._store(job, result)
                self._tick()
        else:
            for job in pending:
                result = parse_one(job)
                results.append(result)
                self._store(job, result)
                self._tick()
        for relative, facts, error in results:
            if facts is None:
                scan.errors.append(FileError(relative, error or "could not be parsed"))
                continue
            scan.facts[relative] = facts
            if facts.has_errors:
                line = facts.error_line + 1 if facts.error_line >= 0 else "?"
                scan.errors.append(FileError(
                    relative,
                    f"syntax error near line {line}; only the parts that parse were checked",
                    partial=True))

    def _store(self, job, result) -> None:
        if self.cache is not None and result[1] is not None:
            self.cache.put(job, result[1])

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress.advance()

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            method = "fork" if sys.platform.startswith("linux") else None
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    # Prefilter rounds --------------------------------------------------------------------

    def scan_project(self, root: Path, only: list[Path] | None = None) -> ProjectScan:
        """Scan one project. Files in ``only`` are scanned even when ignore
        rules would drop them, in the context of the whole project, so that
        clients and wrappers defined in other files are still followed."""
        excludes = list(getattr(self.settings, "exclude", []) or [])
        discovery = discover(root, excludes=excludes)
        if only is not None:
            named = discover(root, excludes=excludes, only=only)
            listed = {f.relative for f in discovery.files}
            extra = [f for f in named.files if f.relative not in listed]
            discovery.files = sorted(discovery.files + extra, key=lambda f: f.relative)
            discovery.skipped = discovery.skipped + named.skipped
        scan = ProjectScan(root, discovery)
        scan.errors.extend(discovery.skipped)
        by_relative = {f.relative: f for f in discovery.files}
        if self.progress is not None:
            self.progress.start(len(discovery.files))
        first = self._needle_round(discovery.files, scan)
        self._parse(first, scan)
        self._follow_imports(root, first, by_relative, scan)
        if self.progress is not None:
            self.progress.finish()
        return scan

    def _needle_round(self, files: list[SourceFile], scan: ProjectScan) -> list[SourceFile]:
        matched = []
        max_bytes = getattr(self.settings, "max_file_size", 2_000_000)
        for source in files:
            if self.progress is not None:
                self.progress.read()
            try:
                info = source.path.stat()
                size = info.st_size
                if size > max_bytes:
                    raise SkipFile(
                        f"larger than the {max_bytes:,}-byte limit ({size:,} bytes); "
                        "raise max-file-size to scan it")
                known = None
                if self.cache is not None:
                    known = self.cache.needle_verdict(source, info)
                if known is not None:
                    if known:
                        matched.append(source)
                    continue
                with open(source.path, "rb") as handle:
                    data = handle.read()
            except SkipFile as skip:
                scan.errors.append(FileError(source.relative, str(skip)))
                continue
            except FileNotFoundError:
                continue  # listed by git but deleted from the work tree
            except IsADirectoryError:
                continue
            except OSError as error:
                scan.errors.append(FileError(source.relative, f"could not be read: {error.strerror}"))
                continue
            if source.language != "python" and is_minified(data):
                self._record_verdict(source, info, data, False)
                continue  # a bundle repeats code scanned in its source form
            if data.startswith(UTF16_BOMS):
                scan.errors.append(FileError(
                    source.relative, "is UTF-16 encoded; save it as UTF-8 to scan it"))
                continue
            found = self.needles.search(data)
            self._record_verdict(source, info, data, found)
            if found:
                matched.append(source)
        return matched

    def _record_verdict(self, source: SourceFile, info: os.stat_result, data: bytes,
                        found: bool) -> None:
        if self.cache is not None:
            self.cache.record_needle_verdict(source, info, data, found)

    def _follow_imports(self, root: Path, first: list[SourceFile],
                        by_relative: dict[str, SourceFile], scan: ProjectScan) -> None:
        """Parse the files that import relevant modules, and what those import.

        A parsed file is relevant when it builds a client, makes a
        Customer.io call (directly or through a wrapper) or exports a client
        or a function that makes one. Only relevant files pull in their
        importers, so a settings module that merely names a Customer.io key
        does not drag in every module that imports it.
        """
        from .project import Project
        from .resolve import ModuleIndex

        modules = ModuleIndex(root, scan.facts, set(by_relative))
        all_paths = set(by_relative)
        processed: set[str] = set()
        for _ in range(MAX_ROUNDS):
            project = Project(root, scan.facts, self.settings, all_paths=all_paths)
            project.link()
            # Kept for the check when no later round parses more files.
            scan.project = project
            relevant = relevant_files(project) - processed
            if not relevant:
                return
            processed |= relevant
            to_parse = self._dependencies(relevant, modules, scan, by_relative)
            to_parse |= self._importers(relevant, by_relative, scan, modules)
            failed = {error.path for error in scan.errors}
            to_parse = {w for w in to_parse if w not in scan.facts and w not in failed}
            if not to_parse:
                return
            self._parse([by_relative[w] for w in sorted(to_parse)], scan)

    @staticmethod
    def _dependencies(relevant: set[str], modules: ModuleIndex, scan: ProjectScan,
                      by_relative) -> set[str]:
        """Local modules that relevant files import (configuration, constants)."""
        to_parse = set()
        for relative in relevant:
            facts = scan.facts.get(relative)
            if facts is None:
                continue
            for imported in facts.imports:
                path = modules.resolve(relative, imported.source, facts.language)
                if path and path in by_relative:
                    to_parse.add(path)
        return to_parse

    def _importers(self, targets: set[str], by_relative, scan: ProjectScan,
                   modules: ModuleIndex) -> set[str]:
        stems: set[bytes] = set()
        for relative in targets:
            path = relative.rsplit("/", 1)
            name = path[-1].split(".")[0]
            if name in ("index", "__init__") and len(path) > 1:
                name = path[0].rsplit("/", 1)[-1]
            if len(name) >= 2:
                stems.add(name.encode())
        if not stems:
            return set()
        found = set()
        for relative, source in by_relative.items():
            if relative in scan.facts or relative in targets:
                continue
            specifiers = scan.specifiers.get(relative)
            if specifiers is None:
                try:
                    with open(source.path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                if not any(stem in data for stem in stems):
                    continue
                # Kept, so later rounds need neither the read nor the regex.
                specifiers = _import_specifiers(data, source.language)
                scan.specifiers[relative] = specifiers
            for spec in specifiers:
                path = modules.resolve(relative, spec, source.language)
                if path in targets:
                    found.add(relative)
                    break
        return found

    # Checking ------------------------------------------------------------------------

    def check(self, scan: ProjectScan, rules: list) -> tuple[list[Finding], list[FileError]]:
        from .project import Project

        project = scan.project
        if project is None or project.files.keys() != scan.facts.keys():
            project = Project(scan.root, scan.facts, self.settings,
                              all_paths={f.relative for f in scan.discovery.files})
            scan.project = project
        findings: list[Finding] = []
        errors: list[FileError] = []
        try:
            project.link()
        except Exception as error:  # noqa: BLE001
            logger.debug("linking failed", exc_info=True)
            errors.append(FileError(str(scan.root), f"internal error while linking: {error!r}"))
            return findings, errors
        for rule_class in rules:
            rule = rule_class(self.settings)
            try:
                findings.extend(rule.check(project))
            except Exception as error:  # noqa: BLE001 - one rule must not stop the others
                logger.debug("rule %s failed", rule_class.code, exc_info=True)
                errors.append(FileError(str(scan.root),
                                        f"internal error in {rule_class.code}: {error!r}"))
        _attach_secrets(project, findings)
        return dedupe(findings), errors


def _attach_secrets(project: Project, findings: list[Finding]) -> None:
    """Give every finding the project's hard-coded keys, for masking."""
    from .rules.clients.hardcoded_credential import collect_secrets

    try:
        secrets = collect_secrets(project)
    except Exception:  # noqa: BLE001 - masking must not stop the report
        logger.debug("could not collect secrets", exc_info=True)
        return
    if not secrets:
        return
    for finding in findings:
        finding.secrets = tuple(sorted(set(finding.secrets) | secrets))


def relevant_files(project: Project) -> set[str]:
    """Files that build clients, call Customer.io or export something that does."""
    found = {call.file.path for call in project.cio_calls}
    found |= {client.file.path for client in project.clients if client.file is not None}
    callers = {(call.file.path, project.owner(call).index) for call in project.cio_calls}
    resolver = project.resolver
    for file in project.files.values():
        if file.path in found:
            continue
        names = list(file.exports) + [r.exported for r in file.reexports]
        for name in names:
            refs = resolver.export_refs(file, name)
            if any(ref.kind == "client" or (ref.kind == "func" and ref.file is not None and (
                    ref.file.path, ref.target.index) in callers) for ref in refs):
                found.add(file.path)
                break
    return found


def _import_specifiers(data: bytes, language: str) -> list[str]:
    if language == "python":
        specs = []
        for module, names in PY_FROM_IMPORT.findall(data):
            base = module.decode("utf-8", "replace")
            specs.append(base)
            for name in re.split(rb"[,\s()\\]+", names):
                if name and name != b"*":
                    joined = base + name.decode() if base.endswith(".") else f"{base}.{name.decode()}"
                    specs.append(joined)
        specs.extend(m.decode("utf-8", "replace") for m in PY_IMPORT.findall(data))
        return specs
    return [m.decode("utf-8", "replace") for m in JS_IMPORT.findall(data)]


def dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for finding in findings:
        key = (finding.rule, finding.span, finding.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(finding)
    return out


def display_span(span: Span, root: Path, cwd: Path) -> Span:
    absolute = root / span.path
    try:
        display_path = os.path.relpath(absolute, cwd)
    except ValueError:
        display_path = str(absolute)
    return replace(span, path=Path(display_path).as_posix())


def group_paths(paths: list[Path]) -> list[tuple[Path, list[Path] | None]]:
    """Group the paths into one entry per project.

    A folder is its own project, and files named on the command line are
    grouped under the nearest project folder.
    """
    groups: list[tuple[Path, list[Path] | None]] = []
    files: dict[Path, list[Path]] = {}
    for path in paths:
        root, only = project_root_for(path)
        if only is None:
            groups.append((root, None))
            continue
        if root not in files:
            files[root] = []
            groups.append((root, files[root]))
        files[root].extend(p for p in only if p not in files[root])
    return groups


def relative_to(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def project_root_for(path: Path) -> tuple[Path, list[Path] | None]:
    """Return the project root of a path, and the named file for a file.

    A folder is its own project, and a file belongs to the nearest project
    folder.
    """
    path = path.resolve()
    if path.is_dir():
        return path, None
    return find_project_root(path), [path]


def scan_and_check(engine: Engine, root: Path, only: list[Path] | None, rules: list,
                   cache=None) -> tuple[ProjectScan, list[Finding], list[FileError]]:
    """Scan and check one project, reusing the cached result of an unchanged tree.

    ``cache`` is a ``cache.ScanCache`` or None. Scans of named files reuse
    cached facts but never a whole result.
    """
    engine.cache = cache.project(root) if cache is not None else None
    if engine.cache is None or only is not None:
        scan = engine.scan_project(root, only)
        return (scan, *engine.check(scan, rules))

    codes = rule_codes(rules)
    cached = engine.cache.load_result(codes)
    if cached is not None:
        scan = ProjectScan(root, cached.discovery, cached.facts, cached.scan_errors)
        return scan, cached.findings, cached.check_errors
    with engine.cache.snapshot() as snapshot:
        scan = engine.scan_project(root, only)
        findings, errors = engine.check(scan, rules)
    engine.cache.store_result(snapshot, codes, scan.discovery, scan.facts, scan.errors,
                              findings, errors)
    return scan, findings, errors


def run(paths: list[Path], settings, rules: list, *, jobs: int | None = None, cache=None,
        progress=None) -> tuple[RunResult, list[ProjectScan]]:
    started = time.perf_counter()
    engine = Engine(settings, jobs=jobs, progress=progress)
    cwd = Path.cwd()
    findings: list[Finding] = []
    suppressed: list[Finding] = []
    errors: list[FileError] = []
    scans: list[ProjectScan] = []
    files_scanned = files_parsed = 0
    try:
        for root, only in group_paths(paths):
            # Named files are checked in the context of their whole project,
            # which the cache can reuse. A named file that the project's
            # ignore rules drop needs a scan of its own that adds it.
            scan, project_findings, project_errors = scan_and_check(engine, root, None, rules,
                                                                    cache)
            if only is not None:
                listed = {f.relative for f in scan.discovery.files}
                if any(relative_to(path, root) not in listed for path in only):
                    scan, project_findings, project_errors = scan_and_check(
                        engine, root, only, rules, cache)
            scans.append(scan)
            project_findings, project_suppressed = apply_suppressions(
                scan.facts, project_findings, settings, rules)
            if only is not None:
                named = {relative_to(path, root) for path in only}
                project_findings = [f for f in project_findings if f.span.path in named]
                project_suppressed = [f for f in project_suppressed if f.span.path in named]
                scan.errors = [e for e in scan.errors if e.path in named]
                project_errors = [e for e in project_errors if e.path in named]
            files_scanned += len(scan.discovery.files) if only is None else len(only)
            files_parsed += len(scan.facts)
            for finding in project_findings:
                finding.span = display_span(finding.span, root, cwd)
                findings.append(finding)
            for finding in project_suppressed:
                finding.span = display_span(finding.span, root, cwd)
                suppressed.append(finding)
            for error in scan.errors + project_errors:
                display_path = display_span(Span(error.path, 0, 0, 0, 0), root, cwd).path
                errors.append(FileError(display_path, error.message, error.partial))
    finally:
        engine.close()
    findings.sort(key=lambda f: f.sort_key)
    suppressed.sort(key=lambda f: f.sort_key)
    result = RunResult(
        findings=findings,
        errors=errors,
        files_scanned=files_scanned,
        files_parsed=files_parsed,
        duration_s=time.perf_counter() - started,
        suppressed=len(suppressed),
        suppressed_findings=suppressed,
        roots=[str(p) for p in paths],
    )
    return result, scans
