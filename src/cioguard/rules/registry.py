"""The code table: every rule, in code order, by module and class.

Rule modules are imported when a rule is first needed, so a scan served
from the cache imports none of them. A rule module that exists but is
missing here fails the registry test.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Rule

# Code -> (module below this package, class name).
RULE_CLASSES: dict[str, tuple[str, str]] = {
    "CIO001": ("clients.wrong_api_key", "WrongApiKey"),
    "CIO002": ("timestamps.millisecond_timestamp", "MillisecondTimestamp"),
    "CIO003": ("identity.track_before_identify", "TrackBeforeIdentify"),
    "CIO004": ("identity.email_as_id", "EmailAsId"),
    "CIO005": ("identity.missing_email_attribute", "MissingEmailAttribute"),
    "CIO006": ("events.dynamic_event_name", "DynamicEventName"),
    "CIO007": ("delivery.blocking_request_path", "BlockingRequestPath"),
    "CIO008": ("webhooks.no_bounce_handling", "NoBounceHandling"),
    "CIO009": ("clients.client_per_request", "ClientPerRequest"),
    "CIO010": ("events.inconsistent_event_name", "InconsistentEventName"),
    "CIO011": ("delivery.no_rate_limit", "NoRateLimit"),
    "CIO012": ("events.pii_in_event_name", "PiiInEventName"),
    "CIO013": ("clients.hardcoded_credential", "HardcodedCredential"),
    "CIO014": ("delivery.unhandled_rejection", "UnhandledRejection"),
    "CIO015": ("webhooks.unverified_webhook", "UnverifiedWebhook"),
    "CIO016": ("webhooks.suppress_deletes_profile", "SuppressDeletesProfile"),
    "CIO017": ("clients.region_mismatch", "RegionMismatch"),
    "CIO018": ("timestamps.pipelines_timestamp_unit", "PipelinesTimestampUnit"),
    "CIO019": ("identity.event_id_reuse", "EventIdReuse"),
    "CIO020": ("clients.sdk_call_shape", "SdkCallShape"),
    "CIO100": ("suppressions.unused_suppression", "UnusedSuppression"),
    "CIO101": ("suppressions.blanket_suppression", "BlanketSuppression"),
}


@cache
def load_rule(code: str) -> type[Rule]:
    """Import and return the rule class of ``code``; raises KeyError for an unknown code."""
    module, class_name = RULE_CLASSES[code]
    return getattr(importlib.import_module(f"{__package__}.{module}"), class_name)


def all_rules() -> list[type[Rule]]:
    return [load_rule(code) for code in known_codes()]


def get_rule(code: str) -> type[Rule] | None:
    return load_rule(code) if code in RULE_CLASSES else None


def known_codes() -> list[str]:
    return sorted(RULE_CLASSES)


class LazyRules(Sequence["type[Rule]"]):
    """The rule classes of some codes, imported on first use of a class."""

    def __init__(self, codes: Iterable[str]):
        self.codes = list(codes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [load_rule(code) for code in self.codes[index]]
        return load_rule(self.codes[index])

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[type[Rule]]:
        return (load_rule(code) for code in self.codes)


def rule_codes(rules: Iterable[type[Rule]]) -> list[str]:
    """Return the codes of a list of rules, without importing lazily listed ones."""
    if isinstance(rules, LazyRules):
        return list(rules.codes)
    return [rule.code for rule in rules]
