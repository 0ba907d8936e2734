"""CIO020 sdk-call-shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from ...model import Call, FileFacts, Finding, Function, Span, Value
from ..base import Rule
from ..helpers import describe_origin, slot_values

if TYPE_CHECKING:
    from ...calls import CioCall
    from ...project import Project

NODE_PACKAGE = "customerio-node"
PYTHON_PACKAGE = "customerio"
PYTHON_EVENT_METHODS = ("track", "track_anonymous")
# customerio 3.x: track(customer_id, name, data=None, id=None, timestamp=None) and
# track_anonymous(anonymous_id, name, data=None, id=None, timestamp=None).
PYTHON3_EVENT_KEYWORDS = {"customer_id", "anonymous_id", "name", "data", "id", "timestamp"}


@dataclass(slots=True)
class Keywords:
    """Keyword arguments a call sends to the SDK method: known names, or unknown."""

    names: list[str]
    known: bool


class SdkCallShape(Rule):
    """Finds Customer.io SDK calls that do not fit the installed SDK version.

    ## What it does
    Reads the SDK version from `package.json` and its lock files, or from
    `requirements*.txt`, `pyproject.toml` and their lock files. A lock file
    wins. Otherwise the lowest version the declared range allows is used,
    and a range that spans major versions is skipped. It flags:

    - Node `identify(object)`, in any version: the SDK takes
      `identify(id, attributes)`;
    - customerio 3.x (Python) `track()` or `track_anonymous()` with event
      data as extra keyword arguments, which raise `TypeError` (also when
      they reach `track()` through a wrapper's `**kwargs`);
    - customerio 2.x (Python) `track(..., timestamp=...)`, which sends the
      timestamp inside the event data instead of setting the event time;
    - customerio-node 5 deep imports (`customerio-node/regions`,
      `customerio-node/lib/...`), which its `exports` map rejects.

    ## Why it matters
    These calls fail at run time or quietly send the wrong payload. The deep
    import and the keyword `track()` raise. `identify(object)` raises
    `MissingParamError` in customerio-node 5, while 4.x and older create a
    person whose id is `[object Object]`. A 2.x `timestamp=` lands in the
    event data and the event takes the receive time, which breaks backfills
    and time-based campaign filters.

    ## Example
    ```js
    const { RegionUS } = require('customerio-node/regions');  // customerio-node 5
    await cio.identify({ id: user.id, email: user.email });
    ```
    ```python
    cio.track(user.id, "coupon_applied", code=code)  # customerio 3.x
    cio.track(user.id, "order_placed", timestamp=placed_at)  # customerio 2.x
    ```

    ## Use instead
    ```js
    const { RegionUS } = require('customerio-node');
    await cio.identify(user.id, { email: user.email });
    ```
    ```python
    cio.track(user.id, "coupon_applied", data={"code": code})  # customerio 3.x
    cio.backfill(user.id, "order_placed", placed_at)  # customerio 2.x
    ```

    ## Known problems
    Keyword arguments forwarded through more than one wrapper are not
    followed, and nor are `**kwargs` dicts whose keys are built at run time.

    ## References
    - https://github.com/customerio/customerio-python/blob/main/CHANGELOG.md
    - https://github.com/customerio/customerio-node/blob/main/CHANGELOG.md
    """

    code = "CIO020"
    name = "sdk-call-shape"
    severity = "error"
    summary = "Customer.io SDK call does not fit the installed SDK version"

    def check(self, project: Project) -> Iterable[Finding]:
        yield from self._node_identify(project)
        yield from self._python_events(project)
        yield from self._node_deep_imports(project)

    # Node -------------------------------------------------------------------------

    def _node_identify(self, project: Project) -> Iterator[Finding]:
        calls = [call for call in project.calls(op="identify") if call.kind == "node-track"]
        for call, person in slot_values(calls, "person_id"):
            built = _object_source(person, project)
            if built is None:
                continue
            yield self.report(
                call.span,
                f"`identify()` gets an object `{_short(person.text)}` instead of an id"
                + describe_origin(person, built),
                "Pass the person id first and the attributes second: "
                "`identify(id, { ...attributes })`",
            )

    def _node_deep_imports(self, project: Project) -> Iterator[Finding]:
        for file in project.files.values():
            if file.language == "python":
                continue
            installed = project.manifests.version(NODE_PACKAGE, file.path, "npm")
            if installed is None or installed.major < 5:
                continue
            seen: set[int] = set()
            for source, span in _sdk_subpaths(file):
                if span.line in seen or _type_only(project.source_text(span)):
                    continue
                seen.add(span.line)
                yield self.report(
                    span,
                    f"`{source}` is not exported by customerio-node "
                    f"{'.'.join(map(str, installed.version))}",
                    "Import from `customerio-node` itself; version 5 exports only the "
                    "package root",
                )

    # Python -----------------------------------------------------------------------

    def _python_events(self, project: Project) -> Iterator[Finding]:
        for call in project.calls(direct=True):
            if call.kind != "python-track" or call.method not in PYTHON_EVENT_METHODS:
                continue
            installed = project.manifests.version(PYTHON_PACKAGE, call.file.path, "python")
            if installed is None:
                continue
            keywords = _sent_keywords(call.call.value, project)
            if keywords.known:
                finding = self._python_event(call.call, call.method, installed.major,
                                             keywords.names)
                if finding is not None:
                    yield finding
            forwarded = _forwarded_kwargs(call, project)
            if forwarded is None:
                continue
            function, sites = forwarded
            for site_file, site in sites:
                site_names = _site_extra_keywords(site.value, function)
                if site_names is not None:
                    finding = self._python_event(site, call.method, installed.major, site_names,
                                                 through=function.name)
                    if finding is not None:
                        yield finding

    def _python_event(self, call: Call, method: str, major: int, names: list[str],
                      through: str = "") -> Finding | None:
        if major >= 3:
            extra = [name for name in names if name not in PYTHON3_EVENT_KEYWORDS]
            if not extra:
                return None
            listed = ", ".join(f"`{name}`" for name in extra[:3])
            keywords = "keyword" if len(extra) == 1 else "keywords"
            message = (f"`{through}()` forwards {listed} to `{method}()`, which customerio "
                       f"{major} rejects" if through else
                       f"customerio {major} `{method}()` rejects the {keywords} {listed}")
            return self.report(
                call.span, message,
                "Pass event data as `data={...}`, because customerio 3 takes only the "
                "`data`, `id` and `timestamp` keywords",
            )
        # NOTE: 2.x also files `id=` and `data=` under the event data, and this
        # check does not report them.
        if "timestamp" not in names:
            return None
        message = (f"`{through}()` forwards `timestamp=` into the event data of customerio "
                   f"{major}" if through else
                   f"`timestamp=` is sent as event data by customerio {major} `{method}()`")
        return self.report(
            call.span, message,
            "Call `backfill(customer_id, name, timestamp, **data)`, "
            "or upgrade to customerio 3 and keep `timestamp=`",
        )


def _object_source(value: Value, project: Project) -> Value | None:
    """Return the object literal a value is, when it can be nothing else."""
    if value.kind == "object":
        return value
    if value.kind not in ("name", "member"):
        return None
    resolved = [v for v in project.values_of(value) if v is not value]
    if resolved and all(v.kind == "object" for v in resolved):
        return resolved[0]
    return None


def _sent_keywords(call: Value, project: Project) -> Keywords:
    """Keyword names a call passes, expanding ``**dict`` built in the same code."""
    from ...calls import expand_dict

    names: list[str] = []
    for key, child in zip(call.keys, call.children[1:]):
        if key in ("*", "..."):
            return Keywords(names, False)
        if key == "**":
            expanded = expand_dict(child, project.resolver)
            if expanded is None or any(name is None for name, _ in expanded):
                return Keywords(names, False)
            names.extend(name for name, _ in expanded if name is not None)
        elif key is not None:
            names.append(key)
    return Keywords(names, True)


def _forwarded_kwargs(call: CioCall, project: Project
                      ) -> tuple[Function, list[tuple[FileFacts, Call]]] | None:
    """The wrapper whose own ``**kwargs`` reach this call, and its call sites."""
    # TODO: follow **kwargs through a wrapper of a wrapper; only one level is read.
    function = project.owner(call)
    kwargs = next((p for p in function.params if p.kind == "kwargs"), None)
    if kwargs is None:
        return None
    value = call.call.value
    splats = [child for key, child in zip(value.keys, value.children[1:]) if key == "**"]
    if not any(child.kind == "name" and child.value == kwargs.name for child in splats):
        return None
    return function, project.graph.sites_of(call.file, function)


def _site_extra_keywords(site: Value, function: Function) -> list[str] | None:
    """Keywords at a wrapper's call site that land in the wrapper's ``**kwargs``."""
    if any(key in ("*", "**", "...") for key in site.keys):
        return None
    named = {param.name for param in function.params if param.kind != "kwargs"}
    return [key for key in site.kwargs if key not in named]


def _sdk_subpaths(file: FileFacts) -> Iterator[tuple[str, Span]]:
    prefix = NODE_PACKAGE + "/"
    for imported in file.imports:
        # require() and import() are read from the calls below, at the call.
        if imported.kind != "require" and imported.source.startswith(prefix):
            yield imported.source, imported.span
    for reexport in file.reexports:
        if reexport.source.startswith(prefix):
            yield reexport.source, reexport.span
    for call in file.calls:
        callee = call.value.callee
        args = call.value.args
        if callee is None or not args or args[0].kind != "str":
            continue
        if (callee.dotted == "require" or callee.text == "import") and (
            args[0].value.startswith(prefix)
        ):
            yield args[0].value, call.span


def _type_only(text: str | None) -> bool:
    """``import type {...} from`` and ``export type {...} from`` vanish when compiled."""
    if not text:
        return False
    return text.lstrip().startswith(("import type ", "export type "))


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
