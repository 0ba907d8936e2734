"""Command-line options of ``cioguard scan`` for settings, the baseline and --since.

Every settings option overrides the configuration file. List options take
comma-separated values, as ruff's do. ``--config`` takes either a file or
one setting written in TOML, such as ``--config "max-file-size = 5000000"``,
which reaches every key that has no option of its own.

``--baseline``, ``--update-baseline`` and ``--since`` filter the findings
after the scan (see ``ResultFilters``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .config import Settings
    from .model import RunResult

# The config module is imported only when settings are loaded, so that
# building the parser stays cheap for `cioguard rules` and `--version`.

# Option destination -> Settings override name, for options that take a
# comma-separated list.
LIST_OPTIONS = {
    "select": "select",
    "extend_select": "extend_select",
    "ignore": "ignore",
    "extend_ignore": "extend_ignore",
    "exclude": "exclude",
    "extend_exclude": "extend_exclude",
}
CODE_OPTIONS = frozenset({"select", "extend_select", "ignore", "extend_ignore"})


def add_settings_arguments(scan: argparse.ArgumentParser) -> None:
    """Add the options that override configuration settings to ``scan``."""
    group = scan.add_argument_group(
        "settings", "These options override the configuration file."
    )
    group.add_argument(
        "--config", action="append", default=[], metavar="FILE|SETTING",
        help="configuration file to use instead of searching for one, or one setting "
             "in TOML such as 'max-file-size = 5000000' (repeat for several settings)",
    )

    group.add_argument("--select", metavar="CODES",
                       help="comma-separated rule codes or prefixes to run (default: all)")
    group.add_argument("--extend-select", metavar="CODES",
                       help="comma-separated rule codes or prefixes to run in addition to "
                            "those selected")
    group.add_argument("--ignore", metavar="CODES",
                       help="comma-separated rule codes or prefixes to skip")
    group.add_argument("--extend-ignore", metavar="CODES",
                       help="comma-separated rule codes or prefixes to skip in addition to "
                            "those ignored")

    group.add_argument("--exclude", metavar="PATTERNS",
                       help="comma-separated gitignore-style patterns of files to skip, "
                            "replacing the configured ones")
    group.add_argument("--extend-exclude", metavar="PATTERNS",
                       help="comma-separated patterns of files to skip in addition to the "
                            "configured ones")
    group.add_argument(
        "--per-file-ignores", action="append", metavar="PATTERN:CODES",
        help="skip CODES in files matching PATTERN, such as 'tests/**:CIO013,CIO001'; "
             "repeat for several patterns; replaces the configured table",
    )

    group.add_argument(
        "--event-name-style", action="append", metavar="[API=]STYLE",
        help="expected event name style, such as snake_case or 'Title Case'; "
             "prefix an API (track or pipelines) and '=' to set only its style",
    )

    group.add_argument("--show-settings", action="store_true",
                       help="print the effective settings as TOML and exit")


def load_scan_settings(
    args: argparse.Namespace, start: Path, known_codes: Collection[str]
) -> Settings:
    """Load the settings for a scan of ``start`` with the options applied.

    Raises ConfigError for an invalid configuration file and UsageError for
    an invalid option.
    """
    from .config import load_settings

    config_file, inline = _split_config_options(args.config)
    return load_settings(
        start,
        known_codes=known_codes,
        overrides=settings_overrides(args),
        config_file=config_file,
        inline=inline,
    )


def settings_overrides(args: argparse.Namespace) -> dict[str, object]:
    """Return the options given, as overrides named by Settings field."""
    overrides: dict[str, object] = {}
    for option, name in LIST_OPTIONS.items():
        text = getattr(args, option, None)
        if text is None:
            continue
        values = _split_list(text)
        if option in CODE_OPTIONS:
            values = [value.upper() for value in values]
        overrides[name] = values
    if args.per_file_ignores is not None:
        overrides["per_file_ignores"] = _per_file_ignores(args.per_file_ignores)
    if args.event_name_style is not None:
        overrides["event_name_style"] = _event_name_style(args.event_name_style)
    return overrides


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _per_file_ignores(entries: list[str]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for entry in entries:
        # Split at the last colon, because a pattern may contain one.
        pattern, separator, codes = entry.rpartition(":")
        if not separator or not pattern.strip() or not codes.strip():
            raise UsageError(
                f"invalid --per-file-ignores value `{entry}`; "
                "expected PATTERN:CODES, such as 'tests/**:CIO013,CIO001'"
            )
        table.setdefault(pattern.strip(), []).extend(
            code.upper() for code in _split_list(codes)
        )
    return table


def _event_name_style(entries: list[str]) -> str | dict[str, str]:
    """Turn ``STYLE`` or ``API=STYLE`` values into one override value.

    A bare style sets every API, and a later ``API=STYLE`` changes one.
    """
    from .config import EVENT_NAME_APIS

    style: str | dict[str, str] = {}
    for entry in entries:
        api, separator, value = entry.partition("=")
        if not separator:
            style = entry.strip()
            continue
        if isinstance(style, str):
            style = {name: style for name in EVENT_NAME_APIS}
        style[api.strip()] = value.strip()
    return style


def _split_config_options(values: list[str]) -> tuple[Path | None, dict[str, object]]:
    """Separate the ``--config`` file from the settings given in TOML."""
    config_file: Path | None = None
    inline: dict[str, object] = {}
    for value in values:
        path = Path(value)
        if "=" not in value or path.is_file():
            if config_file is not None:
                raise UsageError(
                    f"--config names two files, `{config_file}` and `{value}`; "
                    "pass one file, and give single settings as KEY = VALUE"
                )
            config_file = path
            continue
        import tomllib  # only when there is TOML to read

        try:
            table = tomllib.loads(value)
        except tomllib.TOMLDecodeError as error:
            raise UsageError(
                f"--config: invalid TOML `{value}`: {error}; "
                "write one setting such as 'max-file-size = 5000000', "
                "with strings in quotes"
            ) from None
        inline.update(table)
    return config_file, inline


def settings_report(settings: Settings, args: argparse.Namespace) -> str:
    """Render the effective settings as TOML for ``--show-settings``."""
    text = settings.as_toml()
    changed = [
        "--" + name.replace("_", "-") for name in settings_overrides(args)
    ]
    _, inline = _split_config_options(args.config)
    changed += [f"--config {key}" for key in inline]
    if not changed:
        return text
    first_line, rest = text.split("\n", 1)
    note = f"# Set on the command line: {', '.join(changed)}."
    return f"{first_line}\n{note}\n{rest}"


# Baseline and --since --------------------------------------------------------


def add_filter_arguments(scan: argparse.ArgumentParser) -> None:
    """Add the options that report only new or changed findings to ``scan``."""
    group = scan.add_argument_group("adoption", "Report only new or changed findings.")
    group.add_argument("--baseline", type=Path, metavar="FILE",
                       help="report only findings that the baseline FILE does not list")
    group.add_argument("--update-baseline", action="store_true",
                       help="write the current findings to the --baseline FILE and exit")
    group.add_argument("--since", metavar="REF",
                       help="report only findings on lines changed since the git "
                            "revision REF, counting uncommitted changes and untracked "
                            "files")


class ResultFilters:
    """The baseline and --since filters of one run, checked before the scan.

    Checking first lets a missing baseline, a bad revision or a folder
    outside git fail in a moment instead of after a long scan.
    """

    def __init__(self, args: argparse.Namespace, paths: list[Path]):
        self.baseline: Path | None = args.baseline
        self.update_baseline: bool = args.update_baseline
        self.since: str | None = args.since
        self.paths = paths
        self.accepted: Counter[str] | None = None
        if self.update_baseline and self.baseline is None:
            raise UsageError("--update-baseline needs --baseline FILE, the file to write")
        if self.update_baseline and self.since is not None:
            raise UsageError(
                "--since cannot be combined with --update-baseline, because a baseline "
                "records every finding; run them separately"
            )
        if self.baseline is not None and not self.update_baseline:
            from .baseline import read_baseline

            self.accepted = read_baseline(self.baseline)
        if self.since is not None:
            from .changes import repository_root, resolve_revision

            for root in sorted({repository_root(path) for path in paths}):
                resolve_revision(root, self.since)

    def apply(self, result: RunResult) -> None:
        """Remove accepted findings, then those on unchanged lines.

        The remaining findings take over the secrets of the removed ones, so
        reporters still mask them.
        """
        from .suppressions import keep_secrets

        before = list(result.findings)
        if self.accepted is not None and self.baseline is not None:
            from .baseline import apply_baseline

            apply_baseline(result, self.baseline, self.accepted)
        if self.since is not None:
            from .changes import apply_since

            apply_since(result, self.since, self.paths)

        remaining_ids = {id(finding) for finding in result.findings}
        removed = [finding for finding in before if id(finding) not in remaining_ids]
        keep_secrets(removed, result.findings)

    def write_baseline(self, result: RunResult) -> str:
        """Write the baseline file and return the message to print."""
        from .baseline import write_baseline

        assert self.baseline is not None
        count = write_baseline(self.baseline, result)
        noun = "finding" if count == 1 else "findings"
        return f"Wrote {count} {noun} to the baseline {self.baseline}."
