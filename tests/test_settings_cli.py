"""Settings on the command line: options that override the configuration
file, ``--config`` with a file or a TOML setting, and ``--show-settings``."""

from __future__ import annotations

import json
import tomllib

import pytest

from cioguard.cli import main

TRACKING = """\
import os

from customerio import CustomerIO

cio = CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"])


def sign_up(user):
    cio.identify(user.id, email=user.email)
    cio.track(user.id, "signedUp")
    cio.track(user.id, f"{user.plan}_chosen")
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "app" / "signup.py").write_text(TRACKING)
    (tmp_path / "scripts" / "backfill.py").write_text(TRACKING)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def found(capsys, *options) -> set[tuple[str, str]]:
    """(path, rule) of every finding of a JSON scan of the working directory."""
    code, out, err = run_cli(capsys, "scan", "--format", "json", *options, ".")
    assert code in (0, 1), err
    return {(f["path"], f["rule"]) for f in json.loads(out)["findings"]}


def shown_settings(capsys, *options) -> tuple[str, dict]:
    code, out, err = run_cli(capsys, "scan", "--show-settings", *options)
    assert code == 0, err
    return out, tomllib.loads(out)


# --show-settings -----------------------------------------------------------------


def test_show_settings_names_the_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO006"]\nmax-file-size = 1000\n')
    text, settings = shown_settings(capsys)
    assert text.splitlines()[0] == f"# Effective settings, read from {project / '.cioguard.toml'}."
    assert settings["select"] == ["CIO006"]
    assert settings["max-file-size"] == 1000


def test_show_settings_without_file(project, capsys):
    text, settings = shown_settings(capsys)
    assert "No configuration file was found" in text.splitlines()[0]
    assert settings["select"] == ["CIO"]
    assert settings["event-name-style"] == {"track": "snake_case", "pipelines": "Title Case"}


def test_show_settings_lists_command_line_options(project, capsys):
    text, settings = shown_settings(
        capsys, "--select", "CIO006", "--config", "max-file-size = 5000",
    )
    assert text.splitlines()[1] == "# Set on the command line: --select, --config max-file-size."
    assert settings["select"] == ["CIO006"]
    assert settings["max-file-size"] == 5000


def test_show_settings_does_not_scan(project, capsys):
    code, out, _ = run_cli(capsys, "scan", "--show-settings", "--format", "json")
    assert code == 0
    assert "findings" not in out


def test_show_settings_output_loads_as_config(project, capsys):
    (project / ".cioguard.toml").write_text(
        'ignore = ["CIO010"]\n[per-file-ignores]\n"scripts/**" = ["CIO006"]\n'
        '[client-names]\n"this.cio" = "app"\n'
    )
    text, _ = shown_settings(capsys, "--extend-exclude", "build/")
    (project / "copy.toml").write_text(text)
    _, again = shown_settings(capsys, "--config", "copy.toml")
    _, first = shown_settings(capsys, "--extend-exclude", "build/")
    assert again == first


# Overrides --------------------------------------------------------------------------


def test_select_option_overrides_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO010"]\n')
    assert {rule for _, rule in found(capsys, "--select", "CIO006")} == {"CIO006"}


def test_extend_select_adds_to_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO010"]\n')
    rules = {rule for _, rule in found(capsys, "--extend-select", "cio006")}
    assert rules == {"CIO006", "CIO010"}


def test_extend_ignore_adds_to_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO006", "CIO010"]\nignore = ["CIO003"]\n')
    rules = {rule for _, rule in found(capsys, "--extend-ignore", "CIO010")}
    assert rules == {"CIO006"}
    _, settings = shown_settings(capsys, "--extend-ignore", "CIO010")
    assert settings["ignore"] == ["CIO003", "CIO010"]


def test_ignore_option_replaces_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO006", "CIO010"]\nignore = ["CIO010"]\n')
    rules = {rule for _, rule in found(capsys, "--ignore", "CIO006")}
    assert rules == {"CIO010"}


def test_exclude_option_replaces_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO006"]\nexclude = ["app/"]\n')
    assert {path for path, _ in found(capsys)} == {"scripts/backfill.py"}
    assert {path for path, _ in found(capsys, "--exclude", "scripts/")} == {"app/signup.py"}


def test_extend_exclude_adds_to_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO006"]\nexclude = ["app/"]\n')
    assert found(capsys, "--extend-exclude", "scripts/") == set()


def test_per_file_ignores_option(project, capsys):
    findings = found(capsys, "--select", "CIO006", "--per-file-ignores", "scripts/**:cio006")
    assert findings == {("app/signup.py", "CIO006")}


def test_per_file_ignores_option_replaces_file(project, capsys):
    (project / ".cioguard.toml").write_text(
        'select = ["CIO006"]\n[per-file-ignores]\n"app/**" = ["CIO006"]\n'
    )
    assert found(capsys) == {("scripts/backfill.py", "CIO006")}
    findings = found(capsys, "--per-file-ignores", "scripts/**:CIO006")
    assert findings == {("app/signup.py", "CIO006")}


def test_per_file_ignores_option_repeats(project, capsys):
    findings = found(
        capsys, "--select", "CIO006,CIO010",
        "--per-file-ignores", "scripts/**:CIO006,CIO010",
        "--per-file-ignores", "app/**:CIO010",
    )
    assert findings == {("app/signup.py", "CIO006")}


def test_per_file_ignores_option_without_codes(project, capsys):
    code, _, err = run_cli(capsys, "scan", "--per-file-ignores", "scripts/**", ".")
    assert code == 2
    assert "invalid --per-file-ignores value `scripts/**`" in err
    assert "PATTERN:CODES" in err


def test_event_name_style_option(project, capsys):
    assert ("app/signup.py", "CIO010") in found(capsys, "--select", "CIO010")
    assert found(capsys, "--select", "CIO010", "--event-name-style", "camelCase") == set()


def test_event_name_style_for_one_api(project, capsys):
    findings = found(capsys, "--select", "CIO010", "--event-name-style", "pipelines=camelCase")
    assert ("app/signup.py", "CIO010") in findings
    _, settings = shown_settings(capsys, "--event-name-style", "pipelines=camelCase")
    assert settings["event-name-style"] == {"track": "snake_case", "pipelines": "camelCase"}


def test_event_name_style_keeps_other_api_from_file(project, capsys):
    (project / ".cioguard.toml").write_text('[event-name-style]\ntrack = "camelCase"\n')
    _, settings = shown_settings(capsys, "--event-name-style", "pipelines=kebab-case")
    assert settings["event-name-style"] == {"track": "camelCase", "pipelines": "kebab-case"}


def test_event_name_style_bare_then_one_api(project, capsys):
    options = ("--event-name-style", "PascalCase", "--event-name-style", "track=camelCase")
    _, settings = shown_settings(capsys, *options)
    assert settings["event-name-style"] == {"track": "camelCase", "pipelines": "PascalCase"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Snake", "invalid `--event-name-style` value `\"Snake\"`"),
        ("web=camelCase", "unknown key `--event-name-style.web`"),
    ],
)
def test_event_name_style_invalid(project, capsys, value, expected):
    code, _, err = run_cli(capsys, "scan", "--event-name-style", value, ".")
    assert code == 2
    assert expected in err


# --config ------------------------------------------------------------------------


def test_config_option_setting_in_toml(project, capsys):
    findings = found(capsys, "--config", 'select = ["CIO006"]', "--config", 'exclude = ["app/"]')
    assert findings == {("scripts/backfill.py", "CIO006")}


def test_config_option_setting_beats_file(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO010"]\nmax-file-size = 1000\n')
    _, settings = shown_settings(capsys, "--config", "max-file-size = 2000")
    assert settings["max-file-size"] == 2000
    assert settings["select"] == ["CIO010"]


def test_options_beat_config_setting(project, capsys):
    _, settings = shown_settings(capsys, "--config", 'select = ["CIO010"]', "--select", "CIO006")
    assert settings["select"] == ["CIO006"]


def test_config_option_file_with_setting(project, capsys):
    (project / "strict.toml").write_text('select = ["CIO010"]\n')
    _, settings = shown_settings(capsys, "--config", "strict.toml", "--config", "max-file-size = 7")
    assert settings["select"] == ["CIO010"]
    assert settings["max-file-size"] == 7


def test_config_option_two_files(project, capsys):
    (project / "a.toml").write_text("")
    (project / "b.toml").write_text("")
    code, _, err = run_cli(capsys, "scan", "--config", "a.toml", "--config", "b.toml", ".")
    assert code == 2
    assert "--config names two files, `a.toml` and `b.toml`" in err


def test_config_option_invalid_toml(project, capsys):
    code, _, err = run_cli(capsys, "scan", "--config", "select = CIO006", ".")
    assert code == 2
    assert "--config: invalid TOML `select = CIO006`" in err


def test_config_option_unknown_key(project, capsys):
    code, _, err = run_cli(capsys, "scan", "--config", "max-size = 5", ".")
    assert code == 2
    assert "--config: unknown key `max-size`" in err
    assert "did you mean `max-file-size`?" in err


def test_config_option_invalid_value(project, capsys):
    code, _, err = run_cli(capsys, "scan", "--config", "max-file-size = -5", ".")
    assert code == 2
    assert "--config: invalid `max-file-size` value `-5`" in err
    assert "accepted: a positive number of bytes" in err


# Errors name the file, the key and the accepted values ---------------------------


def test_file_error_names_file_key_and_accepted(project, capsys):
    (project / "pyproject.toml").write_text('[tool.cioguard]\nevent-name-style = "Snake"\n')
    code, out, err = run_cli(capsys, "scan", ".")
    assert code == 2
    assert out == ""
    assert err.startswith("cioguard: error: pyproject.toml: invalid `tool.cioguard.event-name-style`")
    assert "accepted: snake_case, camelCase, PascalCase, kebab-case, Title Case" in err
    assert "Traceback" not in err


def test_file_error_stops_show_settings(project, capsys):
    (project / ".cioguard.toml").write_text('select = ["CIO999"]\n')
    code, out, err = run_cli(capsys, "scan", "--show-settings")
    assert code == 2
    assert out == ""
    assert ".cioguard.toml: invalid `select` value `\"CIO999\"`" in err


def test_option_error_names_option(project, capsys):
    code, _, err = run_cli(capsys, "scan", "--extend-select", "CIO999", ".")
    assert code == 2
    assert "command line: invalid `--extend-select` value `\"CIO999\"`" in err
