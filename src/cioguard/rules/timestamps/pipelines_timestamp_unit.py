"""CIO018 pipelines-timestamp-unit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding
from ...values import SECONDS, time_unit
from ..base import Rule
from ..helpers import code, describe_origin, slot_values

if TYPE_CHECKING:
    from ...project import Project


class PipelinesTimestampUnit(Rule):
    """Finds Unix seconds passed as the timestamp of a Data Pipelines call.

    ## What it does
    Flags a number in Unix seconds (`Math.floor(Date.now() / 1000)`,
    `dayjs().unix()`, `int(time.time())`, `int(dt.timestamp())`) given as
    the `timestamp` of a Pipelines `identify`, `track`, `page` or `screen`
    call, through the Pipelines SDKs or a raw request to `cdp.customer.io`.

    ## Why it matters
    The Pipelines API is the opposite of the Track API: it expects an
    ISO-8601 string or a `Date` object, and the Python Pipelines client
    requires a `datetime`. A number of seconds is neither. The Python client
    raises `AssertionError` for it, and the Node SDK sends it on as a bare
    number instead of the time the code meant.

    ## Example
    ```js
    analytics.track({ userId, event: 'Order Completed', timestamp: Math.floor(Date.now() / 1000) });
    ```
    ```python
    analytics.track(user_id=user.id, event="Order Completed", timestamp=int(time.time()))
    ```

    ## Use instead
    ```js
    analytics.track({ userId, event: 'Order Completed', timestamp: new Date() });
    ```
    ```python
    analytics.track(user_id=user.id, event="Order Completed", timestamp=datetime.now(timezone.utc))
    ```

    ## References
    - https://docs.customer.io/integrations/api/cdp/
    """

    code = "CIO018"
    name = "pipelines-timestamp-unit"
    severity = "warning"
    summary = "Unix seconds passed as a Data Pipelines timestamp, which expects ISO-8601 or a date"

    def check(self, project: Project) -> Iterable[Finding]:
        calls = [call for call in project.calls() if call.api == "pipelines"]
        for call, value in slot_values(calls, "timestamp"):
            unit = time_unit(value, project.resolver, call.language)
            if unit is None or unit.unit != SECONDS:
                continue
            origin = describe_origin(value, unit.source)
            if call.language == "python":
                hint = "Pass a `datetime`, such as `datetime.now(timezone.utc)` or a parsed one"
            else:
                hint = ("Pass a `Date` or an ISO-8601 string, such as `new Date()` or "
                        "`date.toISOString()`")
            yield self.report(
                value.span,
                f"{code(value.text)} passes Unix seconds as a Pipelines `timestamp`{origin}",
                hint,
            )
