"""Load and validate cioguard's settings.

Settings come from the first folder, walking up from the scanned path, that
has a configuration file. In one folder ``.cioguard.toml`` wins over
``cioguard.toml``, which wins over ``pyproject.toml``. The first two contain
the settings as top-level keys, and pyproject.toml contains them in a
``[tool.cioguard]`` table. A pyproject.toml without that table does not
count. Command-line overrides win over the file, and the file wins over the
defaults.

Every key is validated. An unknown key, an unknown rule code, a wrong type or
a bad value raises ConfigError with the file, the dotted key, the value and
what is accepted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Mapping

from .discovery import display_path
from .errors import CioguardError, ConfigError, UsageError
from .model import SEVERITIES

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

CONFIG_FILE_NAMES = (".cioguard.toml", "cioguard.toml", "pyproject.toml")
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = "tool.cioguard"

EVENT_NAME_STYLES = (
    "snake_case",
    "camelCase",
    "PascalCase",
    "kebab-case",
    "Title Case",
    "Sentence case",
)
EVENT_NAME_APIS = ("track", "pipelines")
CLIENT_APIS = ("track", "app", "pipelines")

# Selectors that match every code, accepted besides the codes and their prefixes.
SELECT_EVERYTHING = ("ALL", "CIO")

DEFAULT_MAX_FILE_SIZE = 2_000_000

# A name as code writes it: ``cio``, ``this.customerio``, ``$cio``.
_IDENTIFIER = r"(?:[^\W\d]|\$)(?:\w|\$)*"
DOTTED_NAME = re.compile(rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})*")
BARE_TOML_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _default_event_name_style() -> dict[str, str]:
    return {"track": "snake_case", "pipelines": "Title Case"}


@dataclass
class Settings:
    """The effective settings of one scan."""

    select: list[str] = field(default_factory=lambda: ["CIO"])
    ignore: list[str] = field(default_factory=list)
    # gitignore-style pattern, relative to the project root -> codes or prefixes.
    # A pattern that starts with "!" applies to the paths it does not match.
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    # API ("track" or "pipelines") -> expected event name style.
    event_name_style: dict[str, str] = field(
        default_factory=_default_event_name_style
    )
    # Name of a client variable or property -> the API it calls: "track",
    # "app" or "pipelines". Added to the names that cioguard finds itself.
    client_names: dict[str, str] = field(default_factory=dict)
    limiter_names: list[str] = field(default_factory=list)
    handler_decorators: list[str] = field(default_factory=list)
    # Rule code -> "error", "warning" or "info".
    severity_overrides: dict[str, str] = field(default_factory=dict)
    # Whether CIO006 reports names with an environment prefix, at info level.
    report_prefixed_event_names: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes
    source: Path | None = None  # the configuration file, None for the defaults

    def is_enabled(self, code: str) -> bool:
        """Return whether ``select`` and ``ignore`` turn rule ``code`` on.

        The longest selector that is a prefix of the code decides. When a
        selected and an ignored prefix have the same length, ignore wins.
        """
        selected = _longest_prefix(self.select, code)
        ignored = _longest_prefix(self.ignore, code)
        return selected >= 0 and selected > ignored

    def is_ignored_for(self, code: str, relative_path: str) -> bool:
        """Return whether per-file-ignores turn ``code`` off in one file.

        ``relative_path`` is relative to the project root, with "/" separators.
        """
        for pattern, codes in self.per_file_ignores.items():
            spec, negated = _compile_path_pattern(pattern)
            if spec.match_file(relative_path) == negated:
                continue
            if _longest_prefix(codes, code) >= 0:
                return True
        return False

    def severity_for(self, code: str, default: str) -> str:
        return self.severity_overrides.get(code, default)

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as TOML keys and values, without the source."""
        return {
            "select": list(self.select),
            "ignore": list(self.ignore),
            "exclude": list(self.exclude),
            "per-file-ignores": {
                pattern: list(codes) for pattern, codes in self.per_file_ignores.items()
            },
            "event-name-style": dict(self.event_name_style),
            "client-names": dict(self.client_names),
            "limiter-names": list(self.limiter_names),
            "handler-decorators": list(self.handler_decorators),
            "severity": dict(self.severity_overrides),
            "report-prefixed-event-names": self.report_prefixed_event_names,
            "max-file-size": self.max_file_size,
        }

    def as_toml(self) -> str:
        """Render the settings as a .cioguard.toml file, for --show-settings."""
        if self.source is None:
            lines = ["# Effective settings. No configuration file was found."]
        else:
            lines = [f"# Effective settings, read from {self.source}."]

        tables = []
        for key, value in self.as_dict().items():
            if isinstance(value, dict):
                tables.append((key, value))
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        for key, table in tables:
            lines.append("")
            lines.append(f"[{key}]")
            for name, value in table.items():
                lines.append(f"{_toml_key(name)} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def fingerprint(self) -> str:
        """Return a stable hash of every setting that can change findings.

        The cache combines it with cioguard's version, which this does not
        cover. ``source`` is left out, because moving a file changes nothing.
        """
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _longest_prefix(selectors: Collection[str], code: str) -> int:
    """Return the length of the longest selector matching ``code``, or -1."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


@lru_cache(maxsize=1024)
def _compile_path_pattern(pattern: str) -> tuple[GitIgnoreSpec, bool]:
    """Compile one per-file-ignores pattern. The flag is True for "!pattern"."""
    from pathspec import GitIgnoreSpec  # imported only when patterns are configured

    negated = pattern.startswith("!")
    return GitIgnoreSpec.from_lines([pattern.removeprefix("!")]), negated


def _toml_key(key: str) -> str:
    return key if BARE_TOML_KEY.fullmatch(key) else json.dumps(key)


def _toml_value(value: object) -> str:
    # JSON strings, numbers and arrays of them are valid TOML. Booleans differ.
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


# Finding the file ---------------------------------------------------------


@dataclass
class ConfigFile:
    path: Path
    table: dict[str, Any]  # the cioguard settings, as parsed
    key_prefix: str  # "tool.cioguard." in pyproject.toml, else ""


def _parse_toml(path: Path) -> dict[str, Any]:
    origin = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{origin}: cannot read file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{origin}: invalid TOML: not valid UTF-8") from None
    import tomllib  # only when there is TOML to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends with "(at line 3, column 9)", or with "(at end of
        # document)" when the file ends inside a value, which gets a line too.
        message = str(exc)
        last_line = len(text.rstrip().splitlines())
        message = message.replace(
            "(at end of document)", f"(at end of document, after line {last_line})"
        )
        raise ConfigError(f"{origin}: invalid TOML: {message}") from None


def _read_config_file(path: Path, *, required: bool) -> ConfigFile | None:
    """Parse a configuration file and return its cioguard settings.

    Returns None for a pyproject.toml without ``[tool.cioguard]`` unless the
    file is ``required``, when that raises ConfigError.
    """
    if path.name != PYPROJECT:
        return ConfigFile(path, _parse_toml(path), "")

    # Skip a pyproject.toml that never mentions cioguard without parsing it,
    # so a syntax error in another project's file does not stop the scan.
    if not required:
        try:
            if b"cioguard" not in path.read_bytes():
                return None
        except OSError:
            return None

    tool = _parse_toml(path).get("tool")
    table = tool.get("cioguard") if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError(f"{display_path(path)}: no [{PYPROJECT_TABLE}] table")
        return None
    if not isinstance(table, dict):
        raise ConfigError(
            f"{display_path(path)}: invalid `{PYPROJECT_TABLE}` value "
            f"{_show(table)}; accepted: a table"
        )
    return ConfigFile(path, table, PYPROJECT_TABLE + ".")


def find_config_file(start: Path) -> ConfigFile | None:
    """Return the nearest configuration file at or above ``start``.

    ``start`` may be a file, and then the search starts in its folder.
    """
    folder = os.path.abspath(start)
    while True:
        for name in CONFIG_FILE_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                found = _read_config_file(Path(candidate), required=False)
                if found is not None:
                    return found

        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# Validation ---------------------------------------------------------------


def _show(value: object) -> str:
    """Render a configuration value for an error message."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"`{text}`"


def _type_name(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), type(value).__name__)


class _Validator:
    """Turn raw TOML values into settings values, raising a precise error.

    ``origin`` is the file (or "command line") and ``key_prefix`` is put in
    front of every key in messages, such as "tool.cioguard.".
    """

    def __init__(
        self,
        origin: str,
        key_prefix: str,
        known_codes: Collection[str],
        error: type[CioguardError],
    ):
        self.origin = origin
        self.key_prefix = key_prefix
        self.known_codes = sorted(known_codes)
        self.error = error

    def key(self, *parts: str) -> str:
        return self.key_prefix + ".".join(_toml_key(part) for part in parts)

    def invalid(
        self, key: str, value: object, accepted: str, problem: str = ""
    ) -> CioguardError:
        reason = f" ({problem})" if problem else ""
        return self.error(
            f"{self.origin}: invalid `{key}` value {_show(value)}{reason}; "
            f"accepted: {accepted}"
        )

    def unknown_key(
        self, key: str, name: str, accepted: Collection[str], hint: str = ""
    ) -> CioguardError:
        listed = ", ".join(accepted)
        message = f"{self.origin}: unknown key `{key}`; accepted: {listed}"
        import difflib  # only needed to word an error

        close = difflib.get_close_matches(name, list(accepted), n=1)
        if close:
            message += f"; did you mean `{close[0]}`?"
        return self.error(message + hint)

    # Value shapes.

    def string_list(self, key: str, value: object, accepted: str) -> list[str]:
        if not isinstance(value, list):
            problem = f"{_type_name(value)}, not an array"
            raise self.invalid(key, value, accepted, problem)
        for item in value:
            if not isinstance(item, str):
                problem = f"{_type_name(item)}, not a string"
                raise self.invalid(key, item, accepted, problem)
        return list(value)

    def table(self, key: str, value: object, accepted: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            problem = f"{_type_name(value)}, not a table"
            raise self.invalid(key, value, accepted, problem)
        return value

    def choice(self, key: str, value: object, choices: Collection[str]) -> str:
        if value not in choices or not isinstance(value, str):
            raise self.invalid(key, value, ", ".join(choices))
        return value

    # Rule codes.

    def codes_accepted(self) -> str:
        if not self.known_codes:
            return "CIO or ALL"
        first, last = self.known_codes[0], self.known_codes[-1]
        return f"{first} to {last}, a prefix of them such as {first[:-1]}, CIO or ALL"

    def selectors(self, key: str, value: object) -> list[str]:
        selectors = self.string_list(key, value, "an array of " + self.codes_accepted())
        for selector in selectors:
            known = selector in SELECT_EVERYTHING or any(
                code.startswith(selector) for code in self.known_codes
            )
            if not selector or not known:
                raise self.invalid(
                    key, selector, self.codes_accepted(), "unknown rule code or prefix"
                )
        return selectors

    def code(self, key: str, value: str) -> str:
        if value not in self.known_codes:
            accepted = ", ".join(self.known_codes) or "none"
            raise self.invalid(key, value, accepted, "unknown rule code")
        return value

    # Names.

    def dotted_name(self, key: str, value: object) -> str:
        accepted = "a name such as `cio` or `this.customerio`"
        if not isinstance(value, str) or not DOTTED_NAME.fullmatch(value):
            raise self.invalid(key, value, accepted)
        return value

    def pattern(self, key: str, value: str) -> str:
        accepted = "a gitignore-style pattern such as `generated/` or `*.spec.ts`"
        try:
            if not value.removeprefix("!").strip():
                raise ValueError("empty pattern")
            from pathspec import GitIgnoreSpec

            GitIgnoreSpec.from_lines([value.removeprefix("!")])
        except (ValueError, re.error) as exc:
            raise self.invalid(key, value, accepted, str(exc)) from None
        return value


# One parser per key. Each turns the raw value into the Settings field.


def _parse_select(check: _Validator, key: str, value: object) -> list[str]:
    return check.selectors(key, value)


def _parse_exclude(check: _Validator, key: str, value: object) -> list[str]:
    accepted = "an array of gitignore-style patterns"
    patterns = check.string_list(key, value, accepted)
    return [check.pattern(key, pattern) for pattern in patterns]


def _parse_per_file_ignores(
    check: _Validator, key: str, value: object
) -> dict[str, list[str]]:
    accepted = 'a table of pattern = [codes], such as "tests/**" = ["CIO001"]'
    result = {}
    for pattern, codes in check.table(key, value, accepted).items():
        entry_key = f"{key}.{_toml_key(pattern)}"
        check.pattern(entry_key, pattern)
        result[pattern] = check.selectors(entry_key, codes)
    return result


def _parse_event_name_style(
    check: _Validator, key: str, value: object
) -> dict[str, str]:
    styles = _default_event_name_style()
    if isinstance(value, str):
        style = check.choice(key, value, EVENT_NAME_STYLES)
        return {api: style for api in styles}

    accepted = (
        f"one of {', '.join(EVENT_NAME_STYLES)}, "
        "or a table with keys track, pipelines"
    )
    for api, style in check.table(key, value, accepted).items():
        if api not in EVENT_NAME_APIS:
            raise check.unknown_key(f"{key}.{_toml_key(api)}", api, EVENT_NAME_APIS)
        styles[api] = check.choice(f"{key}.{api}", style, EVENT_NAME_STYLES)
    return styles


def _parse_client_names(
    check: _Validator, key: str, value: object
) -> dict[str, str]:
    accepted = (
        "an array of names, which are Track API clients, or a table of "
        'name = API, such as cio = "track", with API one of '
        + ", ".join(CLIENT_APIS)
    )
    if isinstance(value, list):
        names = check.string_list(key, value, accepted)
        return {check.dotted_name(key, name): "track" for name in names}

    clients = {}
    for name, api in check.table(key, value, accepted).items():
        entry_key = f"{key}.{_toml_key(name)}"
        check.dotted_name(entry_key, name)
        clients[name] = check.choice(entry_key, api, CLIENT_APIS)
    return clients


def _parse_names(check: _Validator, key: str, value: object) -> list[str]:
    names = check.string_list(key, value, "an array of names such as `limiter`")
    return [check.dotted_name(key, name) for name in names]


def _parse_decorators(check: _Validator, key: str, value: object) -> list[str]:
    accepted = "an array of decorator names such as `app.task`"
    names = check.string_list(key, value, accepted)
    # "@app.task" is accepted too, as a decorator reads in code.
    return [check.dotted_name(key, name.removeprefix("@")) for name in names]


def _parse_severity(check: _Validator, key: str, value: object) -> dict[str, str]:
    accepted = 'a table of code = level, such as CIO006 = "warning"'
    levels = {}
    for code, level in check.table(key, value, accepted).items():
        entry_key = f"{key}.{_toml_key(code)}"
        check.code(entry_key, code)
        levels[code] = check.choice(entry_key, level, SEVERITIES)
    return levels


def _parse_bool(check: _Validator, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise check.invalid(key, value, "true, false")
    return value


def _parse_max_file_size(check: _Validator, key: str, value: object) -> int:
    accepted = "a positive number of bytes, such as 5_000_000"
    if isinstance(value, bool) or not isinstance(value, int):
        problem = f"{_type_name(value)}, not an integer"
        raise check.invalid(key, value, accepted, problem)
    if value <= 0:
        raise check.invalid(key, value, accepted)
    return value


_Parser = Callable[[_Validator, str, object], Any]

# TOML key -> (Settings field, parser).
KEYS: dict[str, tuple[str, _Parser]] = {
    "select": ("select", _parse_select),
    "ignore": ("ignore", _parse_select),
    "exclude": ("exclude", _parse_exclude),
    "per-file-ignores": ("per_file_ignores", _parse_per_file_ignores),
    "event-name-style": ("event_name_style", _parse_event_name_style),
    "client-names": ("client_names", _parse_client_names),
    "limiter-names": ("limiter_names", _parse_names),
    "handler-decorators": ("handler_decorators", _parse_decorators),
    "severity": ("severity_overrides", _parse_severity),
    "report-prefixed-event-names": ("report_prefixed_event_names", _parse_bool),
    "max-file-size": ("max_file_size", _parse_max_file_size),
}

# Settings field -> TOML key, for command-line overrides.
FIELD_KEYS = {field_name: key for key, (field_name, _) in KEYS.items()}

# Overrides that add to a list from the file instead of replacing it.
EXTEND_OVERRIDES = {
    "extend_select": "select",
    "extend_ignore": "ignore",
    "extend_exclude": "exclude",
}

# Table-valued overrides that change only the entries they name, so that
# setting one API's event name style keeps the other API's from the file.
MERGED_OVERRIDES = frozenset({"event_name_style"})


def _apply_table(
    settings: Settings, table: Mapping[str, Any], check: _Validator
) -> None:
    for name, value in table.items():
        if name not in KEYS:
            hint = ""
            if name == "tool" and not check.key_prefix:
                hint = "; write the settings as top-level keys in this file"
            raise check.unknown_key(check.key(name), name, sorted(KEYS), hint)
        field_name, parse = KEYS[name]
        setattr(settings, field_name, parse(check, check.key(name), value))


def _apply_overrides(
    settings: Settings, overrides: Mapping[str, object], known_codes: Collection[str]
) -> None:
    """Apply command-line values, given as Settings field names.

    Values have the shape of the TOML values. Raises UsageError for a bad
    value and ValueError for a name that is not a setting.
    """
    check = _Validator("command line", "--", known_codes, UsageError)
    for name, value in overrides.items():
        if name in EXTEND_OVERRIDES:
            field_name = EXTEND_OVERRIDES[name]
            parse = KEYS[FIELD_KEYS[field_name]][1]
            added = parse(check, check.key(name.replace("_", "-")), value)
            setattr(settings, field_name, getattr(settings, field_name) + added)
            continue
        if name not in FIELD_KEYS:
            raise ValueError(f"unknown settings override {name!r}")
        parse = KEYS[FIELD_KEYS[name]][1]
        parsed = parse(check, check.key(FIELD_KEYS[name]), value)
        if name in MERGED_OVERRIDES and isinstance(value, Mapping):
            changed = {entry: parsed[entry] for entry in value}
            parsed = {**getattr(settings, name), **changed}
        setattr(settings, name, parsed)


def load_settings(
    start: Path,
    *,
    known_codes: Collection[str],
    overrides: Mapping[str, object] | None = None,
    config_file: Path | None = None,
    inline: Mapping[str, object] | None = None,
) -> Settings:
    """Load the settings for a scan of ``start``, a folder or a file.

    ``config_file`` names the file to use instead of searching for one.
    ``inline`` contains settings as TOML keys, given on the command line
    with ``--config``. They win over the file, and ``overrides`` win over
    both.
    ``known_codes`` are the rule codes that select, ignore and the other
    code-valued keys may name. Raises ConfigError for an invalid file and
    UsageError for an invalid override.
    """
    if config_file is not None:
        found = _read_config_file(Path(config_file), required=True)
    else:
        found = find_config_file(start)

    settings = Settings()
    if found is not None:
        origin = display_path(found.path)
        check = _Validator(origin, found.key_prefix, known_codes, ConfigError)
        _apply_table(settings, found.table, check)
        settings.source = found.path
    if inline:
        check = _Validator("--config", "", known_codes, UsageError)
        _apply_table(settings, inline, check)
    if overrides:
        _apply_overrides(settings, overrides, known_codes)
    return settings
