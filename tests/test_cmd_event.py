"""``telefonistka event``: the Action's dispatcher for a saved payload, outside Actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from telefonistka.cli import main

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"


def test_an_ignored_event_needs_no_credentials(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)

    code = main(
        ["event", "--type", "pull_request", "--file", str(WEBHOOKS / "pull_request.closed.json")]
    )

    assert code == 0
    assert "no Argo CD server is configured" in capfd.readouterr().out


def test_a_handled_event_without_credentials_says_which_input_to_set(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
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
    assert "no GitHub credentials: set the `github-token` input" in capfd.readouterr().out


def test_log_level_debug_prints_why_no_route_matched(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    path = str(WEBHOOKS / "pull_request.closed.json")

    code = main(["event", "--type", "pull_request", "--file", path, "--log-level", "debug"])

    out = capfd.readouterr().out
    assert code == 0
    assert "settings: log-level: debug" in out
    assert "route 'drift check' does not match: it needs action opened" in out
    assert "::debug::" not in out


def test_outside_actions_the_debug_lines_are_dropped_at_info(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("INPUT_LOG-LEVEL", raising=False)

    main(["event", "--type", "pull_request", "--file", str(WEBHOOKS / "pull_request.closed.json")])

    out = capfd.readouterr().out
    assert "debug" not in out
    assert "does not match" not in out


def test_the_event_commands_log_levels_are_the_actions() -> None:
    """The command line names them itself (it does not import the Action's code)."""
    from telefonistka.action.settings import LogLevel  # noqa: PLC0415
    from telefonistka.cli.event import LOG_LEVELS  # noqa: PLC0415

    assert list(LOG_LEVELS) == [str(level) for level in LogLevel]
