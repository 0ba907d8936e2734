import tomllib
from pathlib import Path

import pytest

from cioguard.config import Settings, find_config_file, load_settings
from cioguard.errors import ConfigError, UsageError

CODES = [f"CIO{number:03d}" for number in range(1, 21)]


def write(root: Path, relative: str, content: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def load(start: Path, **options) -> Settings:
    return load_settings(start, known_codes=CODES, **options)


# Finding the file -----------------------------------------------------------


def test_defaults_without_config_file(tmp_path):
    settings = load(tmp_path)

    assert settings.source is None
    assert settings.select == ["CIO"]
    assert settings.ignore == []
    assert settings.per_file_ignores == {}
    assert settings.exclude == []
    assert settings.event_name_style == {
        "track": "snake_case",
        "pipelines": "Title Case",
    }
    assert settings.client_names == {}
    assert settings.limiter_names == []
    assert settings.handler_decorators == []
    assert settings.severity_overrides == {}
    assert settings.report_prefixed_event_names is True
    assert settings.max_file_size == 2_000_000


def test_config_found_by_walking_up_from_folder(tmp_path):
    config = write(tmp_path, ".cioguard.toml", 'ignore = ["CIO003"]\n')
    (tmp_path / "packages" / "web" / "src").mkdir(parents=True)

    settings = load(tmp_path / "packages" / "web" / "src")

    assert settings.source == config
    assert settings.ignore == ["CIO003"]


def test_config_found_by_walking_up_from_file(tmp_path):
    config = write(tmp_path, "cioguard.toml", 'ignore = ["CIO003"]\n')
    file = write(tmp_path, "src/app.js", "")

    assert load(file).source == config


def test_nearest_config_folder_wins(tmp_path):
    write(tmp_path, ".cioguard.toml", 'ignore = ["CIO001"]\n')
    nearer = write(tmp_path, "web/cioguard.toml", 'ignore = ["CIO002"]\n')

    settings = load(tmp_path / "web")

    assert settings.source == nearer
    assert settings.ignore == ["CIO002"]


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        ((".cioguard.toml", "cioguard.toml", "pyproject.toml"), ".cioguard.toml"),
        (("cioguard.toml", "pyproject.toml"), "cioguard.toml"),
        (("pyproject.toml",), "pyproject.toml"),
    ],
)
def test_config_precedence_within_one_folder(tmp_path, present, winner):
    contents = {
        ".cioguard.toml": 'ignore = ["CIO001"]\n',
        "cioguard.toml": 'ignore = ["CIO002"]\n',
        "pyproject.toml": '[tool.cioguard]\nignore = ["CIO003"]\n',
    }
    for name in present:
        write(tmp_path, name, contents[name])

    assert load(tmp_path).source == tmp_path / winner


def test_pyproject_without_table_does_not_count(tmp_path):
    parent_config = write(tmp_path, "pyproject.toml", "[tool.cioguard]\nignore = []\n")
    write(tmp_path, "svc/pyproject.toml", '[project]\nname = "svc"\n')

    assert load(tmp_path / "svc").source == parent_config


def test_pyproject_mentioning_cioguard_elsewhere_does_not_count(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["cioguard"]\n')

    assert load(tmp_path).source is None


def test_broken_pyproject_without_cioguard_is_skipped(tmp_path):
    write(tmp_path, "pyproject.toml", "[project\nname = 'x'\n")

    assert load(tmp_path).source is None


def test_broken_pyproject_with_cioguard_raises(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.cioguard]\nselect = [,]\n")

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    assert "pyproject.toml: invalid TOML" in str(caught.value)
    assert "line 2" in str(caught.value)


def test_toml_ending_inside_value_names_last_line(tmp_path):
    write(tmp_path, ".cioguard.toml", 'ignore = []\nselect = [\n  "CIO001",\n')

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    assert "(at end of document, after line 3)" in str(caught.value)


def test_toml_syntax_error_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, ".cioguard.toml", 'select = ["CIO"]\nignore = [CIO001]\n')

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    message = str(caught.value)
    assert message.startswith(".cioguard.toml: invalid TOML")
    assert "line 2" in message


def test_non_utf8_config_raises(tmp_path):
    (tmp_path / ".cioguard.toml").write_bytes(b'ignore = ["\xff"]\n')

    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load(tmp_path)


def test_explicit_config_file_skips_search(tmp_path):
    write(tmp_path, ".cioguard.toml", 'ignore = ["CIO001"]\n')
    chosen = write(tmp_path, "ci/strict.toml", 'select = ["CIO00"]\n')

    settings = load(tmp_path, config_file=chosen)

    assert settings.source == chosen
    assert settings.select == ["CIO00"]
    assert settings.ignore == []


def test_explicit_pyproject_without_table_raises(tmp_path):
    chosen = write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')

    with pytest.raises(ConfigError, match=r"no \[tool.cioguard\] table"):
        load(tmp_path, config_file=chosen)


def test_find_config_file_returns_parsed_table(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.cioguard]\nmax-file-size = 10\n")

    found = find_config_file(tmp_path)

    assert found is not None
    assert found.table == {"max-file-size": 10}
    assert found.key_prefix == "tool.cioguard."


# Reading every key ------------------------------------------------------------


FULL_CONFIG = """\
select = ["CIO00", "CIO010"]
ignore = ["CIO003"]
exclude = ["legacy/", "*.stories.tsx"]
event-name-style = { track = "camelCase" }
limiter-names = ["limiter", "this.queue"]
handler-decorators = ["@app.task", "celery.shared_task"]
report-prefixed-event-names = false
max-file-size = 5_000_000

[per-file-ignores]
"tests/**" = ["CIO001", "CIO01"]

[client-names]
cio = "track"
"this.api" = "app"
analytics = "pipelines"

[severity]
CIO006 = "warning"
"""


def test_every_key_is_read(tmp_path):
    write(tmp_path, ".cioguard.toml", FULL_CONFIG)

    settings = load(tmp_path)

    assert settings.select == ["CIO00", "CIO010"]
    assert settings.ignore == ["CIO003"]
    assert settings.exclude == ["legacy/", "*.stories.tsx"]
    assert settings.per_file_ignores == {"tests/**": ["CIO001", "CIO01"]}
    assert settings.event_name_style == {
        "track": "camelCase",
        "pipelines": "Title Case",
    }
    assert settings.client_names == {
        "cio": "track",
        "this.api": "app",
        "analytics": "pipelines",
    }
    assert settings.limiter_names == ["limiter", "this.queue"]
    assert settings.handler_decorators == ["app.task", "celery.shared_task"]
    assert settings.severity_overrides == {"CIO006": "warning"}
    assert settings.report_prefixed_event_names is False
    assert settings.max_file_size == 5_000_000


def test_pyproject_table_is_read(tmp_path):
    content = "[tool.cioguard]\n" + FULL_CONFIG
    for table in ["per-file-ignores", "client-names", "severity"]:
        content = content.replace(f"[{table}]", f"[tool.cioguard.{table}]")
    write(tmp_path, "pyproject.toml", content)

    settings = load(tmp_path)

    assert settings.per_file_ignores == {"tests/**": ["CIO001", "CIO01"]}
    assert settings.client_names["this.api"] == "app"
    assert settings.severity_overrides == {"CIO006": "warning"}


def test_event_name_style_string_applies_to_both_apis(tmp_path):
    write(tmp_path, ".cioguard.toml", 'event-name-style = "kebab-case"\n')

    assert load(tmp_path).event_name_style == {
        "track": "kebab-case",
        "pipelines": "kebab-case",
    }


def test_client_names_list_means_track_clients(tmp_path):
    write(tmp_path, ".cioguard.toml", 'client-names = ["cio", "$customerio"]\n')

    assert load(tmp_path).client_names == {"cio": "track", "$customerio": "track"}


# Validation messages --------------------------------------------------------

STYLES = "snake_case, camelCase, PascalCase, kebab-case, Title Case, Sentence case"
CODES_ACCEPTED = "CIO001 to CIO020, a prefix of them such as CIO00, CIO or ALL"

# (TOML lines, dotted key without the table prefix, text of the bad value,
# accepted values)
INVALID_VALUES = [
    ("select = \"CIO001\"", "select", '"CIO001"', "an array of " + CODES_ACCEPTED),
    ("select = [1]", "select", "1", "an array of " + CODES_ACCEPTED),
    ('select = ["CIO999"]', "select", '"CIO999"', CODES_ACCEPTED),
    ('select = ["cio001"]', "select", '"cio001"', CODES_ACCEPTED),
    ('select = [""]', "select", '""', CODES_ACCEPTED),
    ('ignore = ["XYZ"]', "ignore", '"XYZ"', CODES_ACCEPTED),
    ("exclude = \"dist\"", "exclude", '"dist"', "an array of gitignore-style"),
    ('exclude = ["a\\\\"]', "exclude", '"a\\\\"', "a gitignore-style pattern"),
    ('exclude = [""]', "exclude", '""', "a gitignore-style pattern"),
    (
        'per-file-ignores = ["tests/**"]',
        "per-file-ignores",
        '["tests/**"]',
        'a table of pattern = [codes], such as "tests/**" = ["CIO001"]',
    ),
    (
        '[per-file-ignores]\n"tests/**" = ["CIO999"]',
        'per-file-ignores."tests/**"',
        '"CIO999"',
        CODES_ACCEPTED,
    ),
    (
        '[per-file-ignores]\n"tests/**" = "CIO001"',
        'per-file-ignores."tests/**"',
        '"CIO001"',
        "an array of " + CODES_ACCEPTED,
    ),
    ('event-name-style = "SNAKE"', "event-name-style", '"SNAKE"', STYLES),
    (
        "event-name-style = 3",
        "event-name-style",
        "3",
        f"one of {STYLES}, or a table with keys track, pipelines",
    ),
    (
        'event-name-style = { track = "snake" }',
        "event-name-style.track",
        '"snake"',
        STYLES,
    ),
    (
        'client-names = { cio = "cdp" }',
        "client-names.cio",
        '"cdp"',
        "track, app, pipelines",
    ),
    (
        'client-names = ["my client"]',
        "client-names",
        '"my client"',
        "a name such as `cio` or `this.customerio`",
    ),
    (
        "client-names = 1",
        "client-names",
        "1",
        "an array of names, which are Track API clients, or a table of name = API",
    ),
    (
        'limiter-names = "limiter"',
        "limiter-names",
        '"limiter"',
        "an array of names such as `limiter`",
    ),
    (
        "handler-decorators = ['app.route(\"/\")']",
        "handler-decorators",
        '"app.route(\\"/\\")"',
        "a name such as `cio` or `this.customerio`",
    ),
    (
        'severity = { CIO099 = "warning" }',
        "severity.CIO099",
        '"CIO099"',
        "CIO001, CIO002",
    ),
    ('severity = { CIO00 = "warning" }', "severity.CIO00", '"CIO00"', "CIO001"),
    (
        'severity = { CIO006 = "fatal" }',
        "severity.CIO006",
        '"fatal"',
        "error, warning, info",
    ),
    (
        'severity = "warning"',
        "severity",
        '"warning"',
        'a table of code = level, such as CIO006 = "warning"',
    ),
    (
        'report-prefixed-event-names = "yes"',
        "report-prefixed-event-names",
        '"yes"',
        "true, false",
    ),
    (
        'max-file-size = "2MB"',
        "max-file-size",
        '"2MB"',
        "a positive number of bytes",
    ),
    ("max-file-size = 0", "max-file-size", "0", "a positive number of bytes"),
    ("max-file-size = true", "max-file-size", "true", "a positive number of bytes"),
]


@pytest.mark.parametrize(("lines", "key", "value", "accepted"), INVALID_VALUES)
def test_invalid_value_message_in_cioguard_toml(
    tmp_path, monkeypatch, lines, key, value, accepted
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, ".cioguard.toml", lines + "\n")

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    message = str(caught.value)
    assert message.startswith(".cioguard.toml: invalid ")
    assert f"`{key}`" in message
    assert f"`{value}`" in message
    assert f"accepted: {accepted}" in message


@pytest.mark.parametrize(("lines", "key", "value", "accepted"), INVALID_VALUES)
def test_invalid_value_message_in_pyproject(
    tmp_path, monkeypatch, lines, key, value, accepted
):
    monkeypatch.chdir(tmp_path)
    # Nested tables need the full header in pyproject.toml.
    lines = lines.replace("[per-file-ignores]", "[tool.cioguard.per-file-ignores]")
    write(tmp_path, "pyproject.toml", "[tool.cioguard]\n" + lines + "\n")

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    message = str(caught.value)
    assert message.startswith("pyproject.toml: invalid ")
    assert f"`tool.cioguard.{key}`" in message
    assert f"`{value}`" in message
    assert f"accepted: {accepted}" in message


def test_unknown_key_lists_keys_and_suggests_closest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pyproject.toml", '[tool.cioguard]\nselct = ["CIO"]\n')

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    message = str(caught.value)
    assert message.startswith("pyproject.toml: unknown key `tool.cioguard.selct`")
    assert "accepted: client-names, event-name-style, exclude" in message
    assert "did you mean `select`?" in message


def test_unknown_event_name_style_api_is_rejected(tmp_path):
    write(tmp_path, ".cioguard.toml", 'event-name-style = { app = "snake_case" }\n')

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    assert "unknown key `event-name-style.app`" in str(caught.value)
    assert "accepted: track, pipelines" in str(caught.value)


def test_tool_table_in_cioguard_toml_gets_hint(tmp_path):
    write(tmp_path, ".cioguard.toml", '[tool.cioguard]\nselect = ["CIO"]\n')

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    assert "unknown key `tool`" in str(caught.value)
    assert "write the settings as top-level keys" in str(caught.value)


def test_cioguard_table_of_wrong_type_is_rejected(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool]\ncioguard = 1\n")

    with pytest.raises(ConfigError) as caught:
        load(tmp_path)

    assert "`tool.cioguard`" in str(caught.value)
    assert "accepted: a table" in str(caught.value)


def test_error_names_file_outside_cwd_by_absolute_path(tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    config = write(tmp_path, "project/.cioguard.toml", "max-file-size = -1\n")

    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "project")

    assert str(caught.value).startswith(f"{config.as_posix()}: invalid")


# Select and ignore --------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "ignore", "code", "enabled"),
    [
        (["CIO"], [], "CIO006", True),
        (["ALL"], [], "CIO006", True),
        (["CIO001"], [], "CIO002", False),
        (["CIO00"], [], "CIO009", True),
        (["CIO00"], [], "CIO010", False),
        (["CIO"], ["CIO006"], "CIO006", False),
        (["CIO"], ["CIO006"], "CIO007", True),
        (["CIO006"], ["CIO"], "CIO006", True),
        (["CIO006"], ["CIO00"], "CIO006", True),
        (["CIO00"], ["CIO006"], "CIO006", False),
        (["CIO006"], ["CIO006"], "CIO006", False),
        (["ALL"], ["ALL"], "CIO001", False),
        (["CIO"], ["ALL"], "CIO001", True),
        ([], [], "CIO001", False),
    ],
)
def test_is_enabled_longest_prefix_wins(select, ignore, code, enabled):
    settings = Settings(select=select, ignore=ignore)

    assert settings.is_enabled(code) is enabled


@pytest.mark.parametrize(
    ("pattern", "codes", "path", "ignored"),
    [
        ("tests/**", ["CIO001"], "tests/unit/a.py", True),
        ("tests/**", ["CIO001"], "src/a.py", False),
        ("tests/**", ["CIO001"], "tests/unit/a.py", True),
        ("tests/", ["CIO00"], "pkg/tests/a.py", True),
        ("*.spec.ts", ["CIO"], "src/deep/a.spec.ts", True),
        ("/scripts/*.js", ["ALL"], "scripts/seed.js", True),
        ("/scripts/*.js", ["ALL"], "web/scripts/seed.js", False),
        ("tests/**", ["CIO002"], "tests/a.py", False),
        ("!src/**", ["CIO001"], "scripts/seed.js", True),
        ("!src/**", ["CIO001"], "src/app.js", False),
    ],
)
def test_is_ignored_for_matches_pattern_and_code(pattern, codes, path, ignored):
    settings = Settings(per_file_ignores={pattern: codes})

    assert settings.is_ignored_for("CIO001", path) is ignored


def test_negated_per_file_pattern_is_validated(tmp_path):
    write(tmp_path, ".cioguard.toml", '[per-file-ignores]\n"!" = ["CIO001"]\n')

    with pytest.raises(ConfigError, match="empty pattern"):
        load(tmp_path)


# Command-line overrides -----------------------------------------------------


def test_overrides_win_over_file(tmp_path):
    write(tmp_path, ".cioguard.toml", 'select = ["CIO00"]\nexclude = ["a/"]\n')
    overrides = {"select": ["CIO010"], "exclude": ["b/"], "max_file_size": 10}

    settings = load(tmp_path, overrides=overrides)

    assert settings.select == ["CIO010"]
    assert settings.exclude == ["b/"]
    assert settings.max_file_size == 10


def test_extend_overrides_add_to_file(tmp_path):
    write(tmp_path, ".cioguard.toml", 'ignore = ["CIO001"]\nexclude = ["a/"]\n')
    overrides = {"extend_ignore": ["CIO002"], "extend_exclude": ["b/"]}

    settings = load(tmp_path, overrides=overrides)

    assert settings.ignore == ["CIO001", "CIO002"]
    assert settings.exclude == ["a/", "b/"]


def test_invalid_override_names_the_flag(tmp_path):
    with pytest.raises(UsageError) as caught:
        load(tmp_path, overrides={"select": ["CIO999"]})

    message = str(caught.value)
    assert message.startswith("command line: invalid `--select` value `\"CIO999\"`")
    assert CODES_ACCEPTED in message


def test_unknown_override_name_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="unknown settings override 'selct'"):
        load(tmp_path, overrides={"selct": ["CIO"]})


# Fingerprint and display ----------------------------------------------------------


def test_fingerprint_is_stable_and_ignores_source(tmp_path):
    first = Settings(ignore=["CIO001"])
    second = Settings(ignore=["CIO001"], source=tmp_path / ".cioguard.toml")

    assert first.fingerprint() == second.fingerprint()
    assert len(first.fingerprint()) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"select": ["CIO001"]},
        {"ignore": ["CIO001"]},
        {"per_file_ignores": {"tests/": ["CIO001"]}},
        {"exclude": ["a/"]},
        {"event_name_style": {"track": "camelCase", "pipelines": "Title Case"}},
        {"client_names": {"cio": "track"}},
        {"limiter_names": ["limiter"]},
        {"handler_decorators": ["app.task"]},
        {"severity_overrides": {"CIO006": "error"}},
        {"report_prefixed_event_names": False},
        {"max_file_size": 10},
    ],
)
def test_fingerprint_changes_with_each_setting(change):
    assert Settings(**change).fingerprint() != Settings().fingerprint()


def test_as_toml_round_trips_through_loading(tmp_path):
    write(tmp_path, "src/.cioguard.toml", FULL_CONFIG)
    original = load(tmp_path / "src")
    write(tmp_path, "copy/.cioguard.toml", original.as_toml())

    reloaded = load(tmp_path / "copy")

    assert tomllib.loads(original.as_toml()) == original.as_dict()
    assert reloaded.as_dict() == original.as_dict()


def test_as_toml_names_the_source(tmp_path):
    config = write(tmp_path, ".cioguard.toml", "")

    assert f"read from {config}" in load(tmp_path).as_toml()
    assert "No configuration file was found" in Settings().as_toml()
