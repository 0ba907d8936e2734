"""CIO100 unused-suppression."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding
from ..base import Rule

if TYPE_CHECKING:
    from ...project import Project


class UnusedSuppression(Rule):
    """Finds suppression comments that silence no finding.

    ## What it does
    Flags a `cioguard: ignore[...]`, `cioguard: ignore-file[...]` or
    `# noqa: CIO...` comment when a code it names silenced no finding in
    this run, and a code that names no cioguard rule at all. The message
    lists the codes that did nothing.

    Only codes of rules that ran on the file are judged. A comment that
    names `CIO006` is not reported when `CIO006` is left out by `select`,
    `ignore` or `per-file-ignores`, because there is no way to tell whether
    it would have silenced something.

    ## Why it matters
    A suppression outlives the code it was written for. Once the finding is
    fixed or the code has moved, the stale comment silently hides the next
    real finding on that line, and readers take it as a sign that the line
    is still risky.

    ## Example
    ```js
    // The event name became a constant, so CIO006 has nothing to report.
    await cio.track(user.id, { name: 'signed_up' }); // cioguard: ignore[CIO006] -- legacy name
    ```
    ```python
    cio.track(user.id, "signed_up")  # noqa: CIO006
    ```

    ## Use instead
    ```js
    await cio.track(user.id, { name: 'signed_up' });
    ```
    ```python
    cio.track(user.id, "signed_up")
    ```

    ## Known problems
    Comments are read only in the files cioguard parses: files that mention
    Customer.io and the files linked to them. A stale suppression in another
    file is not reported. A comment that names `CIO100` or `CIO101` is never
    reported as unused.
    """

    code = "CIO100"
    name = "unused-suppression"
    severity = "info"
    summary = "Suppression comment silences no finding"

    def check(self, project: Project) -> Iterable[Finding]:
        return ()
