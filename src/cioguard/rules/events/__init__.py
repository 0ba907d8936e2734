"""Rules about event names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...calls import CioCall


EVENT_OPS = ("track", "track_anonymous", "page", "screen")


def event_calls(calls: list[CioCall]) -> list[CioCall]:
    """Calls that carry an event name."""
    return [call for call in calls if call.op in EVENT_OPS and "event_name" in call.slots]
