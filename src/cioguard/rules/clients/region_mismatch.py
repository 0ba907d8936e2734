"""CIO017 region-mismatch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ...model import Finding, Span, Value
from ...regions import host_of, region_of_value
from ...sdk import DEPRECATED_HOSTS, HOSTS
from ..base import Rule

if TYPE_CHECKING:
    from ...project import Project
    from ...resolve import Client

REGION_LABELS = {"us": "US", "eu": "EU"}
APP_HOSTS = {"us": "api.customer.io", "eu": "api-eu.customer.io"}
# Option keys that choose a region or host. A client with such an option that
# cannot be read has an unknown region, not the US default.
REGION_KEYS = {"region", "host", "apiHost", "url", "baseUrl", "baseURL", "cdnURL", "endpoint"}
# Positional arguments after the credentials: Python CustomerIO(site_id, api_key,
# host, region) and APIClient(key, url, region) take a host or region there.
PYTHON_CREDENTIAL_ARGS = {"python-track": 2, "python-app": 1}


@dataclass(slots=True)
class Site:
    """One place that decides where requests go: a client construction or a raw URL."""

    region: str
    span: Span
    label: str
    deprecated_host: str | None = None

    @property
    def key(self) -> tuple:
        return (self.span.path, self.span.line, self.span.col)


class RegionMismatch(Rule):
    """Finds clients and request URLs that disagree on the workspace's region.

    ## What it does
    Reads the region of every client construction (`region: RegionEU`,
    `region=Regions.EU`, a `host` or `url` option) and of every raw request
    URL (`track-eu.customer.io`, `api.customer.io`, `cdp-eu.customer.io`),
    counting a client built without a region option as US, the SDK default.
    When the project uses both regions, it flags the clients and URLs of the
    region used less often. On a tie, it flags the region whose first use
    comes later in path order. It also flags raw App API requests to the deprecated
    `beta-api.customer.io` host. Clients whose region option cannot be read
    are left out, and so are test files.

    ## Why it matters
    A workspace lives in one region. A US workspace called through an EU
    host fails. An EU workspace called through a US host is redirected
    through the US, which adds a round trip to every call. The beta App API
    host is deprecated and may stop responding.

    ## Example
    ```js
    const cio = new TrackClient(siteId, trackKey, { region: RegionUS });
    const api = new APIClient(appKey, { region: RegionEU });
    ```
    ```python
    cio = CustomerIO(site_id, api_key, region=Regions.EU)
    requests.post("https://track.customer.io/api/v2/batch", json=payload, auth=auth)
    ```

    ## Use instead
    ```js
    const cio = new TrackClient(siteId, trackKey, { region: RegionEU });
    const api = new APIClient(appKey, { region: RegionEU });
    ```
    ```python
    cio = CustomerIO(site_id, api_key, region=Regions.EU)
    requests.post("https://track-eu.customer.io/api/v2/batch", json=payload, auth=auth)
    ```

    ## Known problems
    A region chosen at run time (`region: process.env.CIO_REGION === 'eu' ?
    RegionEU : RegionUS`) is unknown, so that client is not compared, and
    so is a request URL whose host a conditional or a helper function
    picks between the US and EU hosts. A
    project that talks to two workspaces in different regions on purpose is
    reported as a mismatch.
    """

    code = "CIO017"
    name = "region-mismatch"
    severity = "warning"
    summary = "Clients or request URLs in one project use different regions"
    project_level = True

    def check(self, project: Project) -> Iterable[Finding]:
        sites = sorted(self._sites(project), key=lambda site: site.key)
        minority = _minority_region(sites)
        majority = next((site.region for site in sites if site.region != minority), None)
        for site in sites:
            if site.deprecated_host is not None:
                host = APP_HOSTS[majority or site.region]
                yield self.report(
                    site.span,
                    f"App API request goes to the deprecated host `{site.deprecated_host}`",
                    f"Call `https://{host}` instead",
                )
            elif site.region == minority:
                others = sum(1 for other in sites if other.region != minority)
                counted = _plural(others, "client or URL uses", "clients or URLs use")
                yield self.report(
                    site.span,
                    f"{site.label} uses the {REGION_LABELS[site.region]} region while "
                    f"{others} other {counted} {REGION_LABELS[majority]}",
                    "Use the workspace's region for every client and URL",
                )

    def _sites(self, project: Project) -> list[Site]:
        sites: list[Site] = []
        for client in project.clients:
            if client.file is None or client.file.module.context == "test":
                continue
            region = _client_region(client, project)
            if region is not None:
                sites.append(Site(region, client.span, f"`{_class_name(client.value)}`"))
        seen: set[Span] = set()
        for call in project.calls(direct=True):
            raw = call.raw
            if raw is None or not raw.region or call.file.module.context == "test":
                continue
            span = raw.url_value.span
            if span is None or span in seen:
                continue
            seen.add(span)
            deprecated = raw.host if raw.api == "app" and raw.host in DEPRECATED_HOSTS else None
            sites.append(Site(raw.region, span, f"`{raw.host}`", deprecated))
        sites.extend(_python_analytics_hosts(project))
        return sites


def _minority_region(sites: list[Site]) -> str | None:
    first: dict[str, tuple] = {}
    counts: dict[str, int] = {}
    for site in sites:
        counts[site.region] = counts.get(site.region, 0) + 1
        first.setdefault(site.region, site.key)
    if len(counts) < 2:
        return None
    return max(counts, key=lambda region: (-counts[region], first[region]))


def _client_region(client: Client, project: Project) -> str | None:
    """Read a client's region: its option, ``us`` by default, or None when unreadable."""
    if client.region is not None:
        return client.region
    value = client.value
    if value is None:
        return None
    if any(key in REGION_KEYS for key in value.kwargs) or value.splats:
        return None
    if len(value.args) > PYTHON_CREDENTIAL_ARGS.get(client.kind, 99):
        return None
    for arg in value.args:
        resolved = [v for v in project.values_of(arg) if v.kind == "object"]
        if arg.kind in ("name", "member") and not resolved and _is_options_position(client, arg):
            return None  # an options object the scanner cannot see
        for option in resolved:
            region = _options_region(option, project)
            if region != "us-default":
                return region
    return "us"


def _is_options_position(client: Client, arg: Value) -> bool:
    args = client.value.args if client.value is not None else []
    credentials = 1 if client.api in ("app", "pipelines") else 2
    if _class_name(client.value).rsplit(".", 1)[-1] in ("Analytics", "load"):
        credentials = 0  # new Analytics({writeKey, host}), AnalyticsBrowser.load({...})
    return any(other is arg for other in args[credentials:])


def _options_region(option: Value, project: Project, depth: int = 0) -> str | None:
    """``us-default`` when an options object names no region or host, else the region or None."""
    if depth > 3:
        return None
    for key, child in option.entries():
        if key is None:
            return None  # a spread may carry a region
        if key in REGION_KEYS:
            region = region_of_value(child, project.resolver)
            if region is None:
                for text in _strings(child):
                    host = host_of(text)
                    if host in HOSTS:
                        return HOSTS[host][1]
            return region
        if child.kind == "object":
            nested = _options_region(child, project, depth + 1)
            if nested != "us-default":
                return nested
    return "us-default"


def _strings(value: Value) -> list[str]:
    return [node.value for node in value.walk() if node.kind == "str"]


def _python_analytics_hosts(project: Project) -> list[Site]:
    """``analytics.host = "https://cdp-eu.customer.io"`` on the Python Pipelines module."""
    sites = []
    for file in project.files.values():
        if file.language != "python" or file.module.context == "test":
            continue
        for name, assigns in file.module.assigns.items():
            if not name.endswith(".host"):
                continue
            base = name.rsplit(".", 1)[0]
            receiver = Value("name", file.module.span, base, value=base, scope=0)
            if not any(c.api == "pipelines" for c in project.resolver.clients_of(receiver)):
                continue
            for assign in assigns:
                region = region_of_value(assign.value, project.resolver)
                if region is not None and assign.value.span is not None:
                    sites.append(Site(region, assign.value.span, f"`{name}`"))
    return sites


def _class_name(value: Value | None) -> str:
    callee = value.callee if value is not None else None
    if callee is None:
        return "client"
    return callee.dotted or callee.text


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural
