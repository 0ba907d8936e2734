"""Module resolution and symbolic resolution of values across files.

``Resolver.resolve(value)`` returns what an expression refers to, as a
list of ``Ref``: an SDK symbol, a Customer.io client, a project
function, class, instance or module, a parameter, or a terminal value (a
literal, an object literal, an unknown call). It follows local variables,
closures, module variables, imports and exports (ES modules, CommonJS,
Python), object properties, factory functions and class fields.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Assign, ClassFact, FileFacts, Function, Import, Param, Span, Value
from .sdk import (
    BROWSER_CDP_PACKAGES,
    BROWSER_GLOBALS,
    NODE_CDP_PACKAGES,
    NODE_SDK,
    PY_CDP_MODULES,
    PY_SDK,
)

logger = logging.getLogger(__name__)

JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte")
TS_CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
MAX_DEPTH = 14


@dataclass(eq=False, slots=True)
class Ref:
    """One thing a value may refer to.

    kind is one of: value, sdk, client, func, class, instance, module, param.
    ``target`` is the kind's object: a Value, an (package, symbol) pair, a
    Client, a Function, a ClassFact, a FileFacts or a Param. ``function`` is
    the owning function for params.
    """

    kind: str
    file: FileFacts | None
    target: object
    function: Function | None = None


@dataclass(eq=False)
class Client:
    """A Customer.io client: where it is built and what it talks to."""

    kind: str  # node-track, node-app, node-pipelines, python-track, ...
    api: str  # track, app or pipelines
    file: FileFacts | None = None
    value: Value | None = None  # the constructor call
    function: Function | None = None
    legacy: bool = False  # customerio-node before 3.0: ``new CIO(site, key)``
    region: str | None = None
    region_value: Value | None = None
    host: str | None = None
    configured: bool = False
    mocked: bool = False
    key: tuple = field(default_factory=tuple)

    @property
    def span(self) -> Span | None:
        return self.value.span if self.value is not None else None


def sdk_package(source: str) -> str | None:
    """Map an import source to the SDK package it belongs to."""
    if source == NODE_SDK or source.startswith(NODE_SDK + "/"):
        return NODE_SDK
    if source in NODE_CDP_PACKAGES or source in BROWSER_CDP_PACKAGES:
        return source
    if source == PY_SDK or source.startswith(PY_SDK + "."):
        return source if source in PY_CDP_MODULES else PY_SDK
    if source in PY_CDP_MODULES:
        return source
    return None


class ModuleIndex:
    """Find the project file an import source names."""

    def __init__(self, root: Path, files: dict[str, FileFacts], all_paths: set[str]):
        self.root = root
        self.files = files
        self.paths = all_paths
        self.cache: dict[tuple[str, str], str | None] = {}
        self.python_roots = self._python_roots()
        # Folder (relative to the root, "" for the root) -> the folder of the
        # nearest tsconfig.json or jsconfig.json at or above it, or None.
        self._config_folders: dict[str, str | None] = {}
        self._aliases: dict[str | None, list[tuple[str, list[str]]]] = {}

    def aliases_for(self, from_path: str) -> list[tuple[str, list[str]]]:
        """Return the import aliases that apply to a file, from its nearest tsconfig."""
        folder = self._config_folder(posixpath.dirname(from_path))
        aliases = self._aliases.get(folder)
        if aliases is None:
            aliases = self._read_aliases(folder) if folder is not None else []
            # Common conventions, tried after any aliases the config sets.
            aliases.append(("@/*", ["src/*", "*"]))
            aliases.append(("~/*", ["src/*", "*"]))
            self._aliases[folder] = aliases
        return aliases

    def _config_folder(self, folder: str) -> str | None:
        """Return the nearest folder at or above ``folder`` that contains a tsconfig or jsconfig."""
        if folder in self._config_folders:
            return self._config_folders[folder]
        found = None
        if any((self.root / folder / name).is_file() for name in TS_CONFIG_NAMES):
            found = folder
        elif folder not in ("", "."):
            found = self._config_folder(posixpath.dirname(folder))
        self._config_folders[folder] = found
        return found

    def _read_aliases(self, folder: str) -> list[tuple[str, list[str]]]:
        """Read ``compilerOptions.paths`` and ``baseUrl``, following ``extends``.

        TypeScript resolves ``baseUrl`` against the config file that sets it,
        and ``paths`` targets against ``baseUrl`` or, without one, against
        the config file that sets ``paths``. A bare import is looked up
        under ``baseUrl`` after the ``paths`` patterns.
        """
        for name in TS_CONFIG_NAMES:
            if (self.root / folder / name).is_file():
                options = self._config_options(posixpath.join(folder, name), set())
                break
        else:
            return []
        base = options.get("baseUrl")
        paths_folder = options.get("paths_folder", folder)
        aliases: list[tuple[str, list[str]]] = []
        for pattern, targets in options.get("paths", {}).items():
            if not isinstance(targets, list):
                continue
            anchor = base if base is not None else paths_folder
            resolved = [posixpath.normpath(posixpath.join(anchor, target)) for target in targets
                        if isinstance(target, str)]
            aliases.append((pattern, resolved))
        if base is not None:
            aliases.append(("*", [posixpath.normpath(posixpath.join(base, "*"))]))
        return aliases

    def _config_options(self, config: str, seen: set[str]) -> dict:
        """Return ``baseUrl`` (relative to the root), ``paths`` and the folder that set them."""
        if config in seen or len(seen) > 8:
            return {}
        seen.add(config)
        try:
            import json5

            data = json5.loads((self.root / config).read_text(encoding="utf-8", errors="replace"))
        except (ValueError, OSError) as error:
            logger.debug("could not read %s: %s", config, error)
            return {}
        if not isinstance(data, dict):
            return {}
        folder = posixpath.dirname(config)
        merged: dict = {}
        parents = data.get("extends")
        for parent in [parents] if isinstance(parents, str) else parents or []:
            # Configs extended by package name live in node_modules, which is not scanned.
            if isinstance(parent, str) and parent.startswith("."):
                target = posixpath.normpath(posixpath.join(folder, parent))
                if not target.endswith(".json"):
                    target += ".json"
                if not target.startswith("../"):
                    merged.update(self._config_options(target, seen))
        options = data.get("compilerOptions")
        if not isinstance(options, dict):
            return merged
        if isinstance(options.get("baseUrl"), str):
            merged["baseUrl"] = posixpath.normpath(posixpath.join(folder, options["baseUrl"]))
        if isinstance(options.get("paths"), dict):
            merged["paths"] = options["paths"]
            merged["paths_folder"] = folder
        return merged

    def _python_roots(self) -> list[str]:
        roots = {""}
        for path in self.paths:
            if path.endswith(".py") and path.startswith("src/"):
                roots.add("src")
            # The folder above a top-level package is on sys.path when the
            # package runs, as ``backend/`` is for ``backend/shop/__init__.py``.
            if path.endswith("/__init__.py"):
                parent = posixpath.dirname(posixpath.dirname(path))
                if parent and posixpath.join(parent, "__init__.py") not in self.paths:
                    roots.add(parent)
        return sorted(roots)

    def resolve(self, from_path: str, source: str, language: str) -> str | None:
        if source.startswith("."):
            scope = from_path
        elif language == "python":
            scope = ""
        else:  # bare imports depend on the file's tsconfig
            scope = "tsconfig:" + str(self._config_folder(posixpath.dirname(from_path)))
        key = (scope, source + "|" + language[:2])
        if key in self.cache:
            return self.cache[key]
        if language == "python":
            found = self._resolve_python(from_path, source)
        else:
            found = self._resolve_js(from_path, source)
        self.cache[key] = found
        return found

    def _existing(self, candidate: str) -> str | None:
        candidate = posixpath.normpath(candidate)
        if candidate.startswith("../"):
            return None
        if candidate in self.paths:
            return candidate
        stem, ext = posixpath.splitext(candidate)
        if ext in (".js", ".jsx", ".mjs", ".cjs"):
            for alt in JS_EXTENSIONS:
                if stem + alt in self.paths:
                    return stem + alt
        for ext in JS_EXTENSIONS:
            if candidate + ext in self.paths:
                return candidate + ext
        for ext in JS_EXTENSIONS:
            index = posixpath.join(candidate, "index" + ext)
            if index in self.paths:
                return index
        return None

    def _resolve_js(self, from_path: str, source: str) -> str | None:
        if source.startswith("."):
            base = posixpath.dirname(from_path)
            return self._existing(posixpath.join(base, source))
        if source.startswith("/"):
            return self._existing(source.lstrip("/"))
        for pattern, targets in self.aliases_for(from_path):
            if pattern.endswith("*"):
                prefix = pattern[:-1]
                if not source.startswith(prefix):
                    continue
                rest = source[len(prefix):]
                for target in targets:
                    found = self._existing(target.replace("*", rest))
                    if found:
                        return found
            elif pattern == source:
                for target in targets:
                    found = self._existing(target)
                    if found:
                        return found
        return None

    def _resolve_python(self, from_path: str, source: str) -> str | None:
        if source.startswith("."):
            dots = len(source) - len(source.lstrip("."))
            base = posixpath.dirname(from_path)
            for _ in range(dots - 1):
                base = posixpath.dirname(base)
            rest = source[dots:].replace(".", "/")
            return self._python_file(posixpath.join(base, rest) if rest else base)
        rest = source.replace(".", "/")
        for root in self.python_roots:
            found = self._python_file(posixpath.join(root, rest) if root else rest)
            if found:
                return found
        # A script run directly has its own folder on sys.path, unless that
        # folder is a package.
        base = posixpath.dirname(from_path)
        if posixpath.join(base, "__init__.py") not in self.paths:
            found = self._python_file(posixpath.join(base, rest))
            if found and found != from_path:
                return found
        return None

    def _python_file(self, stem: str) -> str | None:
        stem = posixpath.normpath(stem) if stem else ""
        if stem.startswith("../"):
            return None
        for candidate in (stem + ".py", posixpath.join(stem, "__init__.py")):
            candidate = candidate.lstrip("/")
            if candidate in self.paths:
                return candidate
        return None


# customerio-node modules whose ``module.exports`` is the Track client class
# (lib/track.js and lib/index.js before 3.0), by file name.
NODE_CLIENT_MODULES = {"track", "index"}


def _node_module_default(source: str) -> str:
    """Name the default import of a module inside customerio-node (``customerio-node/lib/track``).

    Other modules (``lib/api``, ``lib/request``, ``lib/regions``) export an
    object of named members, so their default import is that namespace,
    and ``new`` on it (as on the ``lib/request`` class) builds no client.
    """
    stem = posixpath.basename(source).split(".")[0]
    return "default" if stem in NODE_CLIENT_MODULES else "*"


class FileIndex:
    """Lookups over one file's facts, built once."""

    def __init__(self, facts: FileFacts):
        self.facts = facts
        self.functions_by_name: dict[tuple[int, str], int] = {}
        for function in facts.functions:
            if function.name and function.kind in ("function", "arrow", "lambda"):
                self.functions_by_name.setdefault((function.parent, function.name), function.index)
        self.classes: dict[str, ClassFact] = {fact.name: fact for fact in facts.classes}
        self.class_scope: dict[int, ClassFact] = {fact.function: fact for fact in facts.classes}
        self.imports: dict[tuple[int, str], Import] = {}
        for imported in facts.imports:
            self.imports[(imported.function, imported.local)] = imported
        self.calls_by_span = {(c.span.line, c.span.col, c.span.end_line, c.span.end_col): c
                              for c in facts.calls}
        self.mocked = self._mocked_modules()

    def _mocked_modules(self) -> set[str]:
        mocked = set()
        for call in self.facts.calls:
            dotted = call.value.callee.dotted if call.value.callee is not None else None
            if dotted in ("jest.mock", "vi.mock", "jest.doMock", "mock.module") and call.value.args:
                first = call.value.args[0]
                if first.kind == "str":
                    mocked.add(first.value)
        return mocked

    def call_for(self, value: Value):
        span = value.span
        if span is None:
            return None
        return self.calls_by_span.get((span.line, span.col, span.end_line, span.end_col))

    def class_of(self, function: Function) -> ClassFact | None:
        if function.class_name:
            return self.classes.get(function.class_name)
        return None


class Resolver:
    """Resolve values to what they refer to, across the project's files."""

    def __init__(self, root: Path, files: dict[str, FileFacts], all_paths: set[str],
                 client_names: dict[str, str] | None = None):
        self.files = files
        self.modules = ModuleIndex(root, files, all_paths)
        self.index = {path: FileIndex(facts) for path, facts in files.items()}
        self.client_names = client_names or {}
        self.memo: dict[int, tuple[Value, list[Ref]]] = {}
        self.clients: dict[tuple, Client] = {}
        self.active: set[int] = set()
        self.instantiations: dict[tuple[str, str], list[tuple[FileFacts, Value]]] | None = None

    # Entry points -----------------------------------------------------------

    def file_of(self, value: Value) -> FileFacts | None:
        if value.span is None:
            return None
        return self.files.get(value.span.path)

    def resolve(self, value: Value | None, depth: int = 0) -> list[Ref]:
        if value is None:
            return []
        key = id(value)
        cached = self.memo.get(key)
        if cached is not None and cached[0] is value:
            return cached[1]
        if depth > MAX_DEPTH or key in self.active:
            return [Ref("value", self.file_of(value), value)]
        self.active.add(key)
        try:
            refs = self._resolve(value, depth + 1)
        finally:
            self.active.discard(key)
        if not refs:
            refs = [Ref("value", self.file_of(value), value)]
        self.memo[key] = (value, refs)
        return refs

    def export_refs(self, file: FileFacts, name: str) -> list[Ref]:
        """Resolve what module ``file`` exports as ``name``."""
        return self._export(file, name, 0)

    def clients_of(self, value: Value | None) -> list[Client]:
        return [ref.target for ref in self.resolve(value) if ref.kind == "client"]

    def values_of(self, value: Value | None) -> list[Value]:
        """Terminal values an expression may hold (literals, calls, objects)."""
        out = []
        for ref in self.resolve(value):
            if ref.kind == "value":
                out.append(ref.target)
        return out or ([value] if value is not None else [])

    # Dispatch ---------------------------------------------------------------

    def _resolve(self, value: Value, depth: int) -> list[Ref]:
        kind = value.kind
        file = self.file_of(value)
        if kind == "name":
            return self._resolve_name(value, file, depth)
        if kind == "member":
            return self._resolve_member(value, file, depth)
        if kind in ("call", "new"):
            return self._resolve_call(value, file, depth)
        if kind == "await":
            return self.resolve(value.children[0], depth) if value.children else []
        if kind == "cond":
            return self.resolve(value.children[1], depth) + self.resolve(value.children[2], depth)
        if kind == "binop" and value.value in ("??", "||"):
            left = [r for r in self.resolve(value.children[0], depth)
                    if r.kind != "value" or r.target.kind not in ("null", "unknown")]
            return left + self.resolve(value.children[1], depth)
        if kind == "func" and file is not None:
            return [Ref("func", file, file.functions[value.value])]
        return [Ref("value", file, value)]

    # Names ---------------------------------------------------------------------

    def _resolve_name(self, value: Value, file: FileFacts | None, depth: int) -> list[Ref]:
        name = value.value
        if file is None:
            return []
        if name in ("this", "self") or name == "cls":
            owner = self._enclosing_class(file, value.scope)
            if owner is not None:
                return [Ref("instance", file, owner)]
        index = self.index[file.path]
        scope = value.scope if value.scope >= 0 else 0
        seen = 0
        while scope >= 0 and seen < 64:
            seen += 1
            function = file.functions[scope]
            if function.kind == "class_body" and scope != value.scope:
                scope = function.parent
                continue
            assigns = function.assigns.get(name)
            # Only ``x.k = v`` here sets a property: x itself is bound further on.
            if assigns and any(a.key is None for a in assigns):
                return self._resolve_assigns(assigns, value, file, depth)
            for param in function.params:
                if param.name == name:
                    return self._resolve_param(file, function, param, depth)
                if param.kind == "pattern" and name in param.fields:
                    return self._resolve_pattern_field(file, function, param, name, depth)
            nested = index.functions_by_name.get((scope, name))
            if nested is not None:
                return [Ref("func", file, file.functions[nested])]
            imported = index.imports.get((scope, name))
            if imported is not None:
                return self._resolve_import(file, imported, depth)
            if scope == 0:
                fact = index.classes.get(name)
                if fact is not None:
                    return [Ref("class", file, fact)]
                star = index.imports.get((0, "*"))
                if star is not None:
                    target = self._module_file(file, star.source)
                    if target is not None:
                        found = self._export(target, name, depth)
                        if found:
                            return found
            scope = function.parent if scope != 0 else -1
        return self._global(name, file, value)

    def _global(self, name: str, file: FileFacts, value: Value) -> list[Ref]:
        if name in BROWSER_GLOBALS:
            kind = BROWSER_GLOBALS[name]
            api = "pipelines" if kind == "browser-pipelines" else "track"
            return [Ref("client", file, self._client(("global", name), kind, api))]
        if name in self.client_names:
            api = self.client_names[name]
            kind = f"node-{api}" if file.language != "python" else f"python-{api}"
            client = self._client(("configured", name), kind, api, configured=True)
            return [Ref("client", file, client)]
        return []

    def _resolve_assigns(self, assigns: list[Assign], use: Value, file: FileFacts,
                         depth: int) -> list[Ref]:
        chosen = self._visible_assigns(assigns, use)
        refs: list[Ref] = []
        for assign in chosen:
            if assign.key is not None:
                continue  # ``x.k = v`` changes a property, not what x is
            refs.extend(self.resolve(assign.value, depth))
        return refs

    @staticmethod
    def _visible_assigns(assigns: list[Assign], use: Value) -> list[Assign]:
        plain = [a for a in assigns if a.key is None]
        if not plain or use.span is None:
            return plain
        before = [a for a in plain if a.span.before(use.span) and not a.span.contains(use.span)]
        if not before:
            return plain
        last = before[-1]
        # A later conditional or augmented assignment may also be the value.
        extra = [a for a in plain if a is not last and (a.augmented or a.guarded)]
        return [last, *extra] if last.augmented is None else [*before[-2:], *extra]

    def _resolve_param(self, file: FileFacts, function: Function, param: Param,
                       depth: int) -> list[Ref]:
        refs = [Ref("param", file, param, function)]
        annotation = param.annotation.split("|")[0].strip().rstrip("?")
        if annotation:
            type_name = annotation.split("[")[0].split("<")[0].strip()
            refs.extend(self._typed(file, function, type_name, param.name, depth))
        if function.name in ("constructor", "__init__") and function.class_name:
            refs.extend(self._constructor_arguments(file, function, param, depth))
        return refs

    def _resolve_pattern_field(self, file: FileFacts, function: Function, param: Param,
                               name: str, depth: int) -> list[Ref]:
        """``({ cio }: { cio: TrackClient })``: the field's type names a client."""
        refs = [Ref("param", file, param, function)]
        match = re.search(rf"(?:^|[{{;,\s]){re.escape(name)}\s*\??\s*:\s*([A-Za-z_$][\w$.]*)",
                          param.annotation)
        if match:
            refs.extend(self._typed(file, function, match.group(1), name, depth))
        return refs

    def _typed(self, file: FileFacts, function: Function, type_name: str, key: str,
               depth: int) -> list[Ref]:
        """Clients or project instances named by a type annotation."""
        refs = []
        type_value = Value("name", function.span, type_name, value=type_name,
                           scope=function.index)
        for ref in self.resolve(type_value, depth):
            if ref.kind == "sdk":
                client = self._client_from_sdk(ref.target, None, file, function,
                                               typed=(file.path, function.index, key))
                if client is not None:
                    refs.append(Ref("client", file, client))
            elif ref.kind == "class":
                refs.append(Ref("instance", ref.file, ref.target))
        return refs

    def _constructor_arguments(self, file, function, param, depth) -> list[Ref]:
        """Resolve a constructor parameter to the clients passed where the class is built.

        This follows a class given its client at construction: ``Notifier(cio)``.
        """
        refs = []
        offset = 1 if file.language == "python" else 0
        for site_file, site in self._instantiations(file, function.class_name):
            arg = argument_for(site, param, offset)
            if arg is not None:
                refs.extend(r for r in self.resolve(arg, depth) if r.kind in ("client", "instance"))
        return refs

    def _instantiations(self, file: FileFacts, class_name: str):
        if self.instantiations is None:
            self.instantiations = {}
            for facts in self.files.values():
                for call in facts.calls:
                    callee = call.value.callee
                    if callee is None or callee.kind not in ("name", "member"):
                        continue
                    name = callee.last_name
                    if name and name[:1].isupper():
                        self.instantiations.setdefault(name, []).append((facts, call.value))
        out = []
        for site_file, site in self.instantiations.get(class_name, []):
            for ref in self.resolve(site.callee):
                if ref.kind == "class" and ref.target.name == class_name and ref.file is file:
                    out.append((site_file, site))
                    break
        return out

    def _enclosing_class(self, file: FileFacts, scope: int) -> ClassFact | None:
        index = self.index[file.path]
        seen = 0
        while scope >= 0 and seen < 64:
            seen += 1
            function = file.functions[scope]
            if function.kind == "class_body":
                return index.class_scope.get(scope)
            if function.class_name and function.kind == "method":
                return index.classes.get(function.class_name)
            if function.class_name and function.kind in ("arrow",):
                return index.classes.get(function.class_name)
            scope = function.parent
        return None

    # Imports and exports ---------------------------------------------------------

    def _module_file(self, file: FileFacts, source: str) -> FileFacts | None:
        path = self.modules.resolve(file.path, source, file.language)
        return self.files.get(path) if path else None

    def _resolve_import(self, file: FileFacts, imported: Import, depth: int) -> list[Ref]:
        if depth > MAX_DEPTH:
            return []
        depth += 1

        package = sdk_package(imported.source)
        if package is not None:
            if imported.source in self.index[file.path].mocked or package in self.index[file.path].mocked:
                return []
            symbol = imported.imported
            if package == PY_SDK and imported.source != PY_SDK:
                # from customerio.analytics import Client / import customerio.api
                tail = imported.source[len(PY_SDK) + 1:]
                symbol = f"{tail}.{symbol}" if symbol != "*" else tail
            if imported.kind == "require" and symbol == "*":
                symbol = "default"
            if package == NODE_SDK and imported.source != NODE_SDK and symbol == "default":
                symbol = _node_module_default(imported.source)
            return [self._sdk_ref(file, package, symbol)]

        target = self._module_file(file, imported.source)
        if target is file:
            return []
        if target is None:
            if file.language == "python" and imported.imported != "*":
                # ``from pkg import module``
                sub = self._module_file(file, imported.source.rstrip(".") + "." + imported.imported
                                        if not imported.source.endswith(".")
                                        else imported.source + imported.imported)
                if sub is not None:
                    return [Ref("module", sub, sub)]
            return []

        if imported.imported in ("*",):
            whole = target.exports.get("module.exports")
            if whole is not None and imported.kind == "require":
                return self.resolve(whole, depth)
            return [Ref("module", target, target)]
        if imported.imported == "default" and "default" not in target.exports:
            return [Ref("module", target, target)]
        found = self._export(target, imported.imported, depth)
        if not found and file.language == "python":
            sub = self._module_file(file, f"{imported.source}.{imported.imported}"
                                    if not imported.source.endswith(".")
                                    else imported.source + imported.imported)
            if sub is not None:
                return [Ref("module", sub, sub)]
        return found

    def _export(self, target: FileFacts, name: str, depth: int, seen=None) -> list[Ref]:
        seen = seen or set()
        if (target.path, name) in seen or depth > MAX_DEPTH:
            return []
        depth += 1
        seen.add((target.path, name))
        value = target.exports.get(name)
        if value is not None:
            if value.kind == "name" and value.value == name and value.scope == 0:
                return self._resolve_module_name(target, name, value, depth)
            return self.resolve(value, depth)
        for reexport in target.reexports:
            if reexport.exported == name or (reexport.imported == "*" and reexport.exported == "*"):
                source = self._module_file(target, reexport.source)
                if source is None:
                    package = sdk_package(reexport.source)
                    if package:
                        return [Ref("sdk", target, (package, name))]
                    continue
                export_name = name if reexport.imported == "*" else reexport.imported
                if reexport.imported == "*" and reexport.exported != "*":
                    return [Ref("module", source, source)]
                found = self._export(source, export_name, depth, seen)
                if found:
                    return found
        if target.language == "python":
            module_value = Value("name", target.module.span, name, value=name, scope=0)
            return self._resolve_module_name(target, name, module_value, depth)
        return []

    def _resolve_module_name(self, target: FileFacts, name: str, use: Value, depth) -> list[Ref]:
        """Resolve a top-level name of a module, ignoring the use position."""
        if depth > MAX_DEPTH:
            return []
        depth += 1
        module = target.module
        index = self.index[target.path]
        assigns = [a for a in module.assigns.get(name, []) if a.key is None]
        if assigns:
            refs = []
            for assign in assigns:
                refs.extend(self.resolve(assign.value, depth))
            return refs
        nested = index.functions_by_name.get((0, name))
        if nested is not None:
            return [Ref("func", target, target.functions[nested])]
        fact = index.classes.get(name)
        if fact is not None:
            return [Ref("class", target, fact)]
        imported = index.imports.get((0, name))
        if imported is not None:
            return self._resolve_import(target, imported, depth)
        return []

    def _sdk_ref(self, file: FileFacts, package: str, symbol: str) -> Ref:
        """Return the reference for an SDK symbol.

        The Python Pipelines module is itself a client, so it becomes a client reference.
        """
        if (package == PY_SDK and symbol == "analytics") or (
            package in PY_CDP_MODULES and symbol in ("*", "default")
        ):
            client = self._client(("python-analytics",), "python-pipelines", "pipelines",
                                  file=file)
            return Ref("client", file, client)
        return Ref("sdk", file, (package, symbol))

    # Members ---------------------------------------------------------------------

    def _resolve_member(self, value: Value, file: FileFacts | None, depth: int) -> list[Ref]:
        prop = value.value
        obj = value.obj
        refs: list[Ref] = []
        dotted = value.dotted
        if dotted in ("window._cio", "window.cioanalytics", "globalThis._cio"):
            return self._global(prop, file, value) if file else []
        if dotted and dotted in self.client_names and file is not None:
            return self._global(dotted, file, value)
        for base in self.resolve(obj, depth):
            refs.extend(self._member_of(base, prop, value, depth))
        if not refs and dotted and file is not None:
            # ``analytics.write_key = ...`` style module attributes set elsewhere.
            for function in self._scope_chain(file, value.scope):
                assigns = function.assigns.get(dotted)
                if assigns:
                    return self._resolve_assigns(assigns, value, file, depth)
        return refs

    def _scope_chain(self, file: FileFacts, scope: int):
        seen = 0
        while scope >= 0 and seen < 64:
            seen += 1
            function = file.functions[scope]
            yield function
            scope = function.parent if scope != 0 else -1

    def _member_of(self, base: Ref, prop: str, use: Value, depth: int) -> list[Ref]:
        kind = base.kind
        if kind == "sdk":
            package, symbol = base.target
            if symbol in ("*", "default"):
                return [self._sdk_ref(base.file, package, prop)]
            return [self._sdk_ref(base.file, package, f"{symbol}.{prop}")]
        if kind == "module":
            return self._export(base.target, prop, depth)
        if kind == "instance":
            return self._instance_member(base.file, base.target, prop, depth)
        if kind == "class":
            return self._instance_member(base.file, base.target, prop, depth, static=True)
        if kind == "value":
            target = base.target
            if target.kind == "object":
                found = target.get(prop)
                if found is not None:
                    return self.resolve(found, depth)
            return []
        if kind == "param" and base.function is not None and base.file is not None:
            return self._resolve_pattern_field(base.file, base.function, base.target, prop,
                                               depth)[1:]
        return []

    def _instance_member(self, file: FileFacts, fact: ClassFact, prop: str, depth: int,
                         static: bool = False) -> list[Ref]:
        fields = fact.fields.get(prop)
        if fields:
            refs = []
            for assign in fields:
                refs.extend(self.resolve(assign.value, depth))
            return refs
        method = fact.methods.get(prop)
        if method is not None:
            return [Ref("func", file, file.functions[method])]
        for base_name in fact.bases:
            name = base_name.split("(")[0].split("<")[0].strip()
            base_value = Value("name", fact.span, name, value=name, scope=0)
            for ref in self.resolve(base_value, depth):
                if ref.kind == "class" and ref.target is not fact:
                    found = self._instance_member(ref.file, ref.target, prop, depth, static)
                    if found:
                        return found
        return []

    # Calls -----------------------------------------------------------------------

    def _resolve_call(self, value: Value, file: FileFacts | None, depth: int) -> list[Ref]:
        callee = value.callee
        if callee is None or file is None:
            return []
        if callee.kind == "name" and callee.value == "require" and value.args:
            first = value.args[0]
            if first.kind == "str":
                fake = Import("", first.value, "*", value.span, 0, "require")
                return self._resolve_import(file, fake, depth)
        refs: list[Ref] = []
        for ref in self.resolve(callee, depth):
            if ref.kind == "sdk":
                client = self._client_from_sdk(ref.target, value, file, None)
                if client is not None:
                    refs.append(Ref("client", file, client))
                elif ref.target[1].endswith(".load") and ref.target[0] in BROWSER_CDP_PACKAGES:
                    refs.append(Ref("client", file, self._construct(value, file, "browser-pipelines",
                                                                     "pipelines")))
            elif ref.kind == "func":
                refs.extend(self._returns(ref.file, ref.target, depth))
            elif ref.kind == "class":
                refs.append(Ref("instance", ref.file, ref.target))
        return refs

    def _returns(self, file: FileFacts, function: Function, depth: int) -> list[Ref]:
        refs: list[Ref] = []
        for returned in function.returns:
            for ref in self.resolve(returned, depth):
                if ref.kind != "value":
                    refs.append(ref)
        return refs

    # Clients ----------------------------------------------------------------------

    def _client_from_sdk(self, target: tuple[str, str], value: Value | None,
                         file: FileFacts, function: Function | None,
                         typed: tuple | None = None) -> Client | None:
        package, symbol = target
        name = symbol.rsplit(".", 1)[-1]
        kind = api = None
        legacy = False
        is_new = value is not None and value.kind == "new"
        if package == NODE_SDK:
            from .sdk import NODE_CLIENT_CLASSES

            if name in NODE_CLIENT_CLASSES:
                api = NODE_CLIENT_CLASSES[name]
                kind = f"node-{api}"
            elif name == "default" and (is_new or typed):
                kind, api, legacy = "node-track", "track", True
        elif package in NODE_CDP_PACKAGES and name == "Analytics":
            kind, api = "node-pipelines", "pipelines"
        elif package == PY_SDK:
            from .sdk import PY_CLIENT_CLASSES

            if name in PY_CLIENT_CLASSES and symbol in (name, f"api.{name}", f"track.{name}"):
                api = PY_CLIENT_CLASSES[name]
                kind = f"python-{api}"
            elif symbol in ("analytics", "analytics.Client"):
                kind, api = "python-pipelines", "pipelines"
        elif package in PY_CDP_MODULES:
            kind, api = "python-pipelines", "pipelines"
        if kind is None:
            if package == PY_SDK and symbol == "analytics" and value is None:
                return self._client(("module", file.path, "analytics"), "python-pipelines",
                                    "pipelines", file=file)
            return None
        if typed is not None:
            return self._client(("typed",) + typed, kind, api, file=file, configured=True)
        if value is None:
            if kind == "python-pipelines":
                return self._client(("python-analytics",), kind, api, file=file)
            return None
        return self._construct(value, file, kind, api, legacy=legacy)

    def _construct(self, value: Value, file: FileFacts, kind: str, api: str,
                   legacy: bool = False) -> Client:
        key = ("construct", file.path, value.span.line if value.span else -1,
               value.span.col if value.span else -1)
        client = self.clients.get(key)
        if client is not None:
            return client
        call = self.index[file.path].call_for(value)
        function = file.functions[call.function] if call is not None else None
        client = Client(kind, api, file, value, function, legacy=legacy, key=key)
        from .regions import read_region

        read_region(client, self)
        self.clients[key] = client
        return client

    def _client(self, key: tuple, kind: str, api: str, file=None, configured=False) -> Client:
        client = self.clients.get(key)
        if client is None:
            client = Client(kind, api, file, configured=configured, key=key)
            self.clients[key] = client
        return client

    # Helpers for rules -----------------------------------------------------------

    def function_of(self, value: Value) -> Function | None:
        file = self.file_of(value)
        if file is None or value.scope < 0:
            return None
        return file.functions[value.scope]


def argument_for(call: Value, param: Param, offset: int = 0) -> Value | None:
    """Return the argument a call passes for ``param``, or None."""
    keyword = call.kwargs.get(param.name)
    if keyword is not None:
        return keyword
    args = call.args
    position = param.index - offset
    if param.kind in ("positional", "pattern") and 0 <= position < len(args):
        return args[position]
    return None

