"""The configured event-name style decides what CIO010 accepts and suggests."""

import json

import pytest

from cioguard.cli import main
from cioguard.rules.events.inconsistent_event_name import STYLES, convert

PIPELINES_APP = """import { Analytics } from '@customerio/cdp-analytics-node';
const analytics = new Analytics({ writeKey: process.env.CIO_WRITE_KEY });
export function record(userId) {
  analytics.track({ userId, event: 'Order completed' });
  analytics.track({ userId, event: 'SMS sent' });
  analytics.track({ userId, event: 'Password Reset Started' });
}
"""


@pytest.mark.parametrize(("name", "follows"), [
    ("Order completed", True),
    ("SMS sent", True),
    ("Opened the URL", True),
    ("Order Completed", False),
    ("order completed", False),
    ("order_completed", False),
])
def test_sentence_case_pattern(name, follows):
    assert bool(STYLES["Sentence case"].match(name)) is follows


def test_sentence_case_suggestion():
    assert convert("PasswordResetStarted", "Sentence case") == "Password reset started"
    assert convert("order_completed", "Sentence case") == "Order completed"


def test_sentence_case_configured_for_pipelines(tmp_path, capsys, monkeypatch):
    (tmp_path / "app.js").write_text(PIPELINES_APP)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cioguard]\nevent-name-style = { pipelines = "Sentence case" }\n')
    monkeypatch.chdir(tmp_path)

    main(["scan", "--no-cache", "--format", "json", "--select", "CIO010", "."])
    report = json.loads(capsys.readouterr().out)

    messages = [finding["message"] for finding in report["findings"]]
    assert messages == ["event name `Password Reset Started` does not follow Sentence case"]
    assert report["findings"][0]["hint"] == "Rename it to `Password reset started`"
