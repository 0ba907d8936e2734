"""The code table: every rule class, in code order.

A rule module that exists but is missing here fails the registry test.
"""

from __future__ import annotations

from .base import Rule
from .clients.client_per_request import ClientPerRequest
from .clients.hardcoded_credential import HardcodedCredential
from .clients.region_mismatch import RegionMismatch
from .clients.sdk_call_shape import SdkCallShape
from .clients.wrong_api_key import WrongApiKey
from .delivery.blocking_request_path import BlockingRequestPath
from .delivery.no_rate_limit import NoRateLimit
from .delivery.unhandled_rejection import UnhandledRejection
from .events.dynamic_event_name import DynamicEventName
from .events.inconsistent_event_name import InconsistentEventName
from .events.pii_in_event_name import PiiInEventName
from .identity.email_as_id import EmailAsId
from .identity.event_id_reuse import EventIdReuse
from .identity.missing_email_attribute import MissingEmailAttribute
from .identity.track_before_identify import TrackBeforeIdentify
from .suppressions.blanket_suppression import BlanketSuppression
from .suppressions.unused_suppression import UnusedSuppression
from .timestamps.millisecond_timestamp import MillisecondTimestamp
from .timestamps.pipelines_timestamp_unit import PipelinesTimestampUnit
from .webhooks.no_bounce_handling import NoBounceHandling
from .webhooks.suppress_deletes_profile import SuppressDeletesProfile
from .webhooks.unverified_webhook import UnverifiedWebhook

RULES: list[type[Rule]] = [
    WrongApiKey,
    MillisecondTimestamp,
    TrackBeforeIdentify,
    EmailAsId,
    MissingEmailAttribute,
    DynamicEventName,
    BlockingRequestPath,
    ClientPerRequest,
    InconsistentEventName,
    NoRateLimit,
    PiiInEventName,
    HardcodedCredential,
    UnhandledRejection,
    RegionMismatch,
    PipelinesTimestampUnit,
    NoBounceHandling,
    UnverifiedWebhook,
    SuppressDeletesProfile,
    EventIdReuse,
    SdkCallShape,
    UnusedSuppression,
    BlanketSuppression,
]


def all_rules() -> list[type[Rule]]:
    return sorted(RULES, key=lambda rule: rule.code)


def get_rule(code: str) -> type[Rule] | None:
    for rule in RULES:
        if rule.code == code:
            return rule
    return None


def known_codes() -> list[str]:
    return [rule.code for rule in all_rules()]
