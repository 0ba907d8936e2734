"""CIO007's hint fits what the handler does with the call."""

import json

from cioguard.cli import main

ROUTE = """import { TrackClient } from 'customerio-node';
const cio = new TrackClient(process.env.CIO_SITE_ID!, process.env.CIO_TRACK_API_KEY!);

export async function POST(request: Request) {
  const body = await request.json();
  const sent = await cio.identify(body.id, { plan: body.plan });
  await cio.track(body.id, { name: 'plan_changed' });
  return Response.json({ ok: Boolean(sent) });
}
"""


def test_hint_for_awaited_result_in_serverless_route(tmp_path, capsys, monkeypatch):
    route = tmp_path / "app" / "api" / "plan" / "route.ts"
    route.parent.mkdir(parents=True)
    route.write_text(ROUTE)
    monkeypatch.chdir(tmp_path)

    main(["scan", "--no-cache", "--format", "json", "--select", "CIO007", "."])
    hints = {f["line"]: f["hint"] for f in json.loads(capsys.readouterr().out)["findings"]}

    assert hints[6].startswith("Stop waiting on the result")
    assert hints[7].startswith("Pass the call to `waitUntil()` or `after()`")
