"""What an Actions runner gives a container step, and its files read back the runner's way.

Shared by the end-to-end tests and the benchmark (bench/measure.py), which both run
``entrypoint.py`` as a container step and check what it wrote.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path


def step_env(
    work: Path,
    event_name: str,
    event_path: Path,
    repository: str,
    urls: tuple[str, str],
    *,
    inputs: Mapping[str, str],
    token: str = "bot-token",  # noqa: S107 - the emulator accepts any token
) -> dict[str, str]:
    """``GITHUB_*`` variables (``urls``: API and server URL) and ``with:`` inputs as ``INPUT_*``.

    An input written ``dry_run`` becomes ``INPUT_DRY-RUN``, as a workflow's ``dry-run``.
    The workspace, output and summary files are under ``work``.
    """
    api_url, server_url = urls
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(work),
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": repository,
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": server_url,
        "GITHUB_WORKSPACE": str(work),
        "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"),
        "INPUT_GITHUB-TOKEN": token,
    }
    env.update({f"INPUT_{key.upper().replace('_', '-')}": value for key, value in inputs.items()})
    return env


def read_outputs(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT``: ``name<<DELIMITER`` heredoc blocks, or ``name=value`` lines."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        name, heredoc, delimiter = line.partition("<<")
        if heredoc:
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            key, _, value = line.partition("=")
            outputs[key] = value
    return outputs


def dispatch_event(folder: Path, repository: str, workflow: str, inputs: Mapping[str, str]) -> Path:
    """A ``workflow_dispatch`` delivery as GitHub sends it (the fields read, and more),
    written to ``folder/dispatch.json``."""
    payload = {
        "inputs": dict(inputs),
        "ref": "refs/heads/main",
        "repository": {"full_name": repository, "default_branch": "main"},
        "sender": {"login": "alice"},
        "workflow": workflow,
    }
    path = folder / "dispatch.json"
    path.write_text(json.dumps(payload))
    return path


def runner_commands(log: str) -> list[str]:
    """The lines of ``log`` an Actions runner would obey as workflow commands: those that
    start with ``::`` after blanks (lines end at ``\\n`` and at ``\\r``), and any line
    holding the legacy ``##[`` form anywhere (actions/runner, ``ActionCommand.TryParse``)."""
    lines = log.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if line.lstrip().startswith("::") or "##[" in line]
