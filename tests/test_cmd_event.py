"""``telefonistka event``: the Action's dispatcher for a saved payload, outside Actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from telefonistka.cli import main

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"


def test_an_ignored_event_needs_no_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)

    code = main(
        ["event", "--type", "pull_request", "--file", str(WEBHOOKS / "pull_request.closed.json")]
    )

    assert code == 0
    assert "needs no action" in capsys.readouterr().out


def test_a_handled_event_without_credentials_says_which_input_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("INPUT_GITHUB-TOKEN", raising=False)
    data = json.loads((WEBHOOKS / "pull_request.closed.json").read_text())
    data["pull_request"]["merged"] = True
    event = tmp_path / "event.json"
    event.write_text(json.dumps(data))

    code = main(
        ["event", "--type", "pull_request", "--file", str(event), "--api-url", "http://127.0.0.1:9"]
    )

    assert code == 2
    assert "no GitHub credentials: set the `github-token` input" in capsys.readouterr().out
