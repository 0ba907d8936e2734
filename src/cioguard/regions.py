"""Read the region a client is built for from its constructor options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Value
from .sdk import HOST_PATTERN, HOSTS, REGION_NAMES

if TYPE_CHECKING:
    from .resolve import Client, Resolver


def region_of_value(value: Value | None, resolver: Resolver) -> str | None:
    """``RegionEU``, ``Regions.EU``, ``customerio.RegionEU`` or a host string."""
    if value is None:
        return None
    text = value.dotted or value.text
    tail = text.rsplit(".", 2)
    for candidate in (text, ".".join(tail[-2:]), tail[-1]):
        if candidate in REGION_NAMES:
            return REGION_NAMES[candidate]
    for resolved in resolver.values_of(value):
        if resolved.kind == "str":
            host = host_of(resolved.value)
            if host in HOSTS:
                return HOSTS[host][1]
            lowered = resolved.value.lower()
            if lowered in ("eu", "us"):
                return lowered
    return None


def host_of(url: str) -> str | None:
    match = HOST_PATTERN.search(url)
    return match.group(1).lower() if match else None


def read_region(client: Client, resolver: Resolver) -> None:
    value = client.value
    if value is None:
        return
    options: list[Value] = []
    for arg in value.args:
        options.extend(v for v in resolver.values_of(arg) if v.kind == "object")
    for option in options:
        for key in ("region", "host", "apiHost", "url"):
            found = option.get(key)
            if found is not None:
                region = region_of_value(found, resolver)
                if region:
                    client.region, client.region_value = region, found
                    return
    for key in ("region", "host", "url"):
        found = value.kwargs.get(key)
        if found is not None:
            region = region_of_value(found, resolver)
            if region:
                client.region, client.region_value = region, found
                return
