"""CIO101 blanket-suppression."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ...model import Finding
from ..base import Rule

if TYPE_CHECKING:
    from ...project import Project


class BlanketSuppression(Rule):
    """Finds suppression comments that name no rule code.

    ## What it does
    Flags `cioguard: ignore` and `cioguard: ignore-file` written without a
    list of codes in brackets (or with an empty one). Such a comment still
    silences every finding it covers, and this rule reports it.

    ## Why it matters
    A suppression without codes hides every rule on the line, including
    rules added later and findings that have nothing to do with the reason
    the comment was written. A reviewer cannot tell which finding was
    accepted.

    ## Example
    ```js
    await cio.track(user.id, { name: `${plan}_upgraded` }); // cioguard: ignore
    ```
    ```python
    # cioguard: ignore-file
    ```

    ## Use instead
    ```js
    await cio.track(user.id, { name: `${plan}_upgraded` }); // cioguard: ignore[CIO006] -- plan has three values
    ```
    ```python
    # cioguard: ignore-file[CIO013] -- test keys for the local mock server
    ```

    ## Known problems
    A bare `# noqa` is left alone, because it belongs to flake8 and ruff as
    much as to cioguard, and it silences no cioguard finding.
    """

    code = "CIO101"
    name = "blanket-suppression"
    severity = "info"
    summary = "Suppression comment names no rule code"

    def check(self, project: Project) -> Iterable[Finding]:
        return ()
