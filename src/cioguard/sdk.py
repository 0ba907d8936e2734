"""Tables of the Customer.io SDK methods, hosts and HTTP API routes.

Sources: customerio-node 5.x and 4.x (``lib/track.ts``, ``lib/api.ts``),
customerio Python 3.x and 2.x (``customerio/track.py``, ``api.py``),
@customerio/cdp-analytics-node, cdp-analytics-python, and the Track, App and
Pipelines OpenAPI descriptions. Each row names the operation and where its
person id, event name, attributes and options sit in the arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# SDK packages and the symbols that construct clients. The value is the API
# the client talks to.
NODE_SDK = "customerio-node"
NODE_CLIENT_CLASSES = {
    "TrackClient": "track",
    "APIClient": "app",
    "PipelinesClient": "pipelines",
    "CustomerIO": "track",  # very old releases exported this name
}
NODE_CDP_PACKAGES = {"@customerio/cdp-analytics-node", "@customerio/cdp-analytics-js"}
BROWSER_CDP_PACKAGES = {"@customerio/cdp-analytics-browser"}
PY_SDK = "customerio"
PY_CLIENT_CLASSES = {"CustomerIO": "track", "APIClient": "app"}
PY_CDP_MODULES = {"customerio.analytics", "customerio_cdp_analytics", "cdp_analytics"}
BROWSER_GLOBALS = {"_cio": "browser", "cioanalytics": "browser-pipelines"}
REQUEST_CLASSES = {
    "SendEmailRequest": "send_email",
    "SendPushRequest": "send_push",
    "SendSMSRequest": "send_sms",
    "SendInboxMessageRequest": "send_inbox",
}

REGION_NAMES = {
    "RegionUS": "us",
    "RegionEU": "eu",
    "Regions.US": "us",
    "Regions.EU": "eu",
    "US": "us",
    "EU": "eu",
}

HOSTS = {
    "track.customer.io": ("track", "us"),
    "track-eu.customer.io": ("track", "eu"),
    "api.customer.io": ("app", "us"),
    "api-eu.customer.io": ("app", "eu"),
    "beta-api.customer.io": ("app", "us"),
    "beta-api-eu.customer.io": ("app", "eu"),
    "cdp.customer.io": ("pipelines", "us"),
    "cdp-eu.customer.io": ("pipelines", "eu"),
}
DEPRECATED_HOSTS = {"beta-api.customer.io", "beta-api-eu.customer.io"}
HOST_PATTERN = re.compile(r"\b((?:[a-z0-9-]+\.)?customer\.io)\b", re.I)

OPERATIONS_SENDING_EMAIL = {"send_email", "trigger_broadcast"}


@dataclass(frozen=True, slots=True)
class MethodShape:
    """The argument positions of one SDK method's slots.

    ``positions`` maps slot names to positional indexes, and ``keywords``
    maps slot names to keyword-argument names (Python). ``event_object`` is the
    position of a Node-style ``{name, data, id, timestamp}`` object whose
    properties fill the event slots, and ``payload_object`` the position of
    a Pipelines ``{userId, event, properties, traits, timestamp}`` object.
    ``rest`` is the slot that collects remaining keyword arguments.
    """

    op: str
    positions: tuple[tuple[str, int], ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()
    event_object: int = -1
    payload_object: int = -1
    rest: str = ""


NODE_TRACK_METHODS = {
    "identify": MethodShape("identify", (("person_id", 0), ("attributes", 1))),
    "track": MethodShape("track", (("person_id", 0),), event_object=1),
    "trackAnonymous": MethodShape("track_anonymous", (("anonymous_id", 0),), event_object=1),
    "trackPageView": MethodShape("page", (("person_id", 0), ("page", 1))),
    "suppress": MethodShape("suppress", (("person_id", 0),)),
    "unsuppress": MethodShape("unsuppress", (("person_id", 0),)),
    "destroy": MethodShape("delete", (("person_id", 0),)),
    "addDevice": MethodShape("add_device", (("person_id", 0), ("device_id", 1),
                                            ("platform", 2), ("data", 3))),
    "deleteDevice": MethodShape("delete_device", (("person_id", 0), ("device_id", 1))),
    "mergeCustomers": MethodShape("merge", (("person_id", 1),)),
}
NODE_APP_METHODS = {
    "sendEmail": MethodShape("send_email", (("request", 0),)),
    "sendPush": MethodShape("send_push", (("request", 0),)),
    "sendSMS": MethodShape("send_sms", (("request", 0),)),
    "sendInboxMessage": MethodShape("send_inbox", (("request", 0),)),
    "triggerBroadcast": MethodShape("trigger_broadcast", (("broadcast_id", 0), ("data", 1),
                                                          ("recipients", 2))),
    "getCustomersByEmail": MethodShape("lookup", (("email", 0),)),
    "getAttributes": MethodShape("lookup", (("person_id", 0),)),
    "listExports": MethodShape("lookup"),
    "getExport": MethodShape("lookup"),
    "downloadExport": MethodShape("lookup"),
}
NODE_PIPELINES_METHODS = {
    "identify": MethodShape("identify", payload_object=0),
    "track": MethodShape("track", payload_object=0),
    "page": MethodShape("page", payload_object=0),
    "screen": MethodShape("screen", payload_object=0),
    "group": MethodShape("group", payload_object=0),
    "alias": MethodShape("alias", payload_object=0),
}
# cioanalytics in the browser: identify(userId, traits), track(event, properties)
BROWSER_PIPELINES_METHODS = {
    "identify": MethodShape("identify", (("person_id", 0), ("attributes", 1))),
    "track": MethodShape("track", (("event_name", 0), ("data", 1))),
    "page": MethodShape("page"),
}
# _cio snippet: identify({id, email, created_at, ...}), track(name, data)
BROWSER_SNIPPET_METHODS = {
    "identify": MethodShape("identify", (("attributes", 0),)),
    "track": MethodShape("track", (("event_name", 0), ("data", 1))),
    "page": MethodShape("page", (("page", 0), ("data", 1))),
}
PY_TRACK_METHODS = {
    "identify": MethodShape("identify", (("person_id", 0),), (("person_id", "id"),),
                            rest="attributes"),
    "track": MethodShape(
        "track",
        (("person_id", 0), ("event_name", 1)),
        (("person_id", "customer_id"), ("event_name", "name"), ("data", "data"),
         ("event_id", "id"), ("timestamp", "timestamp")),
        rest="data",
    ),
    "track_anonymous": MethodShape(
        "track_anonymous",
        (("anonymous_id", 0), ("event_name", 1)),
        (("anonymous_id", "anonymous_id"), ("event_name", "name"), ("data", "data"),
         ("event_id", "id"), ("timestamp", "timestamp")),
        rest="data",
    ),
    "pageview": MethodShape("page", (("person_id", 0), ("page", 1)),
                            (("person_id", "customer_id"),), rest="data"),
    "backfill": MethodShape("track", (("person_id", 0), ("event_name", 1), ("timestamp", 2)),
                            (("person_id", "customer_id"), ("event_name", "name"),
                             ("timestamp", "timestamp")), rest="data"),
    "delete": MethodShape("delete", (("person_id", 0),), (("person_id", "customer_id"),)),
    "suppress": MethodShape("suppress", (("person_id", 0),), (("person_id", "customer_id"),)),
    "unsuppress": MethodShape("unsuppress", (("person_id", 0),),
                              (("person_id", "customer_id"),)),
    "add_device": MethodShape("add_device", (("person_id", 0), ("device_id", 1),
                                             ("platform", 2)),
                              (("person_id", "customer_id"),), rest="data"),
    "delete_device": MethodShape("delete_device", (("person_id", 0), ("device_id", 1)),
                                 (("person_id", "customer_id"),)),
    "merge_customers": MethodShape("merge", (("person_id", 1),)),
    "batch": MethodShape("batch", (("batch", 0),)),
}
PY_APP_METHODS = {
    "send_email": MethodShape("send_email", (("request", 0),), (("request", "request"),)),
    "send_push": MethodShape("send_push", (("request", 0),), (("request", "request"),)),
    "send_sms": MethodShape("send_sms", (("request", 0),), (("request", "request"),)),
    "trigger_broadcast": MethodShape("trigger_broadcast"),
}
PY_PIPELINES_METHODS = {
    "identify": MethodShape(
        "identify", (("person_id", 0), ("attributes", 1)),
        (("person_id", "user_id"), ("attributes", "traits"), ("timestamp", "timestamp"),
         ("anonymous_id", "anonymous_id")),
    ),
    "track": MethodShape(
        "track", (("person_id", 0), ("event_name", 1), ("data", 2)),
        (("person_id", "user_id"), ("event_name", "event"), ("data", "properties"),
         ("timestamp", "timestamp"), ("anonymous_id", "anonymous_id"),
         ("event_id", "message_id")),
    ),
    "page": MethodShape("page", (("person_id", 0),), (("person_id", "user_id"),
                                                      ("timestamp", "timestamp"))),
    "screen": MethodShape("screen", (("person_id", 0),), (("person_id", "user_id"),
                                                          ("timestamp", "timestamp"))),
    "group": MethodShape("group", (("person_id", 0),), (("person_id", "user_id"),
                                                        ("timestamp", "timestamp"))),
    "alias": MethodShape("alias", (("person_id", 0),), (("person_id", "user_id"),)),
}
PIPELINES_PAYLOAD_KEYS = {
    "userId": "person_id",
    "anonymousId": "anonymous_id",
    "event": "event_name",
    "properties": "data",
    "traits": "attributes",
    "timestamp": "timestamp",
    "messageId": "event_id",
}
NODE_EVENT_KEYS = {"name": "event_name", "data": "data", "id": "event_id",
                   "timestamp": "timestamp"}
# Keys of a transactional send request that rules read, each its own slot.
TRANSACTIONAL_REQUEST_KEYS = {key: key for key in ("identifiers", "to", "message_data", "send_at")}

# client kind -> method table
METHODS = {
    "node-track": NODE_TRACK_METHODS,
    "node-app": NODE_APP_METHODS,
    "node-pipelines": NODE_PIPELINES_METHODS,
    "browser-pipelines": BROWSER_PIPELINES_METHODS,
    "browser": BROWSER_SNIPPET_METHODS,
    "python-track": PY_TRACK_METHODS,
    "python-app": PY_APP_METHODS,
    "python-pipelines": PY_PIPELINES_METHODS,
}

# Raw HTTP ------------------------------------------------------------------

HTTP_CLIENT_METHODS = {"get", "post", "put", "patch", "delete", "request", "head"}
RAW_ROUTES: tuple[tuple[str, str, str, str], ...] = (
    # (api, method or "*", path regex, operation)
    ("track", "PUT", r"^/api/v1/customers/(?P<id>[^/]+)/?$", "identify"),
    ("track", "DELETE", r"^/api/v1/customers/(?P<id>[^/]+)/?$", "delete"),
    ("track", "POST", r"^/api/v1/customers/(?P<id>[^/]+)/events/?$", "track"),
    ("track", "POST", r"^/api/v1/events/?$", "track_anonymous"),
    ("track", "PUT", r"^/api/v1/customers/(?P<id>[^/]+)/devices/?$", "add_device"),
    ("track", "DELETE", r"^/api/v1/customers/(?P<id>[^/]+)/devices/", "delete_device"),
    ("track", "POST", r"^/api/v1/customers/(?P<id>[^/]+)/suppress/?$", "suppress"),
    ("track", "POST", r"^/api/v1/customers/(?P<id>[^/]+)/unsuppress/?$", "unsuppress"),
    ("track", "POST", r"^/api/v1/merge_customers/?$", "merge"),
    ("track", "POST", r"^/api/v2/entity/?$", "entity"),
    ("track", "POST", r"^/api/v2/batch/?$", "batch"),
    ("app", "POST", r"^/v1/send/email/?$", "send_email"),
    ("app", "POST", r"^/v1/send/push/?$", "send_push"),
    ("app", "POST", r"^/v1/send/sms/?$", "send_sms"),
    ("app", "POST", r"^/v1/campaigns/[^/]+/triggers/?$", "trigger_broadcast"),
    ("app", "*", r"^/v1/", "app_request"),
    ("pipelines", "POST", r"^/v1/identify/?$", "identify"),
    ("pipelines", "POST", r"^/v1/track/?$", "track"),
    ("pipelines", "POST", r"^/v1/page/?$", "page"),
    ("pipelines", "POST", r"^/v1/screen/?$", "screen"),
    ("pipelines", "POST", r"^/v1/group/?$", "group"),
    ("pipelines", "POST", r"^/v1/alias/?$", "alias"),
    ("pipelines", "POST", r"^/v1/batch/?$", "batch"),
)
COMPILED_ROUTES = [(api, method, re.compile(path), op) for api, method, path, op in RAW_ROUTES]


def match_route(api: str, method: str, path: str) -> tuple[str, str | None] | None:
    """Return (operation, person id segment) for a request path."""
    for route_api, route_method, pattern, op in COMPILED_ROUTES:
        if route_api != api:
            continue
        if route_method not in ("*", method) and method != "?":
            continue
        match = pattern.match(path)
        if match:
            return op, match.groupdict().get("id")
    return None
