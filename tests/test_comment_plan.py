"""``pull_request`` labeled ``show-plan``, end to end against the emulator."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from test_check_drift import client, comments, latest_event, statuses
from test_entrypoint import REPO, checked_emulator, run_step

from telefonistka.action.context import Context
from telefonistka.action.routes import dispatch
from telefonistka.action.settings import Identity, Settings
from telefonistka.action.workflow import Workflow

CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/", "env/dr/"]
"""
SEED = {
    "telefonistka.yaml": CONFIG,
    "env/staging/app/values.yaml": "tag: v1\n",
    "env/prod/app/values.yaml": "tag: v1\n",
    "env/dr/app/values.yaml": "tag: v1\n",
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from checked_emulator(tmp_path / "github")


def label_pr(emu: GitHubEmulator, files: dict[str, str | None], label: str) -> Path:
    """Open a PR changing ``files``, put ``label`` on it; the ``labeled`` event file."""
    emu.repo(REPO, SEED)
    gh = client(emu)
    gh.create_git_ref("refs/heads/feature", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch="feature")
    gh.create_pull(title="change", body="", head="feature", base="main")
    gh.get_pull(1).add_to_labels(label)
    return latest_event(emu, "pull_request", "labeled")


def test_show_plan_comments_the_plan_of_the_head(emu: GitHubEmulator) -> None:
    widened = CONFIG.replace('"env/dr/"]', '"env/dr/", "env/qa/"]')
    block_dr = "promotionTargetBlockList: ['env/dr/']\n"
    changes: dict[str, str | None] = {
        "env/staging/app/values.yaml": "tag: v2\n",
        "env/staging/app/telefonistka.yaml": block_dr,  # component config: from the head
        "telefonistka.yaml": widened,  # repo config: never from the PR
    }
    event = label_pr(emu, changes, "show-plan")

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [(_, body, _)] = comments(emu)
    assert "Telefonistka promotion plan" in body
    assert "env/prod/app" in body
    assert "env/qa" not in body
    assert "**Skipped target paths:**\n- **app**: `env/dr/`" in body
    sync = json.loads(step.outputs["plan"])["promotions"][0]["sync"]
    assert sync == {"env/prod/app": "env/staging/app"}
    assert statuses(emu) == [("telefonistka", "pending"), ("telefonistka", "success")]


def test_another_label_does_nothing(emu: GitHubEmulator) -> None:
    event = label_pr(emu, {"env/staging/app/values.yaml": "tag: v2\n"}, "needs-review")

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    assert comments(emu) == []
    assert "needs no action" in step.stdout


def test_the_show_plan_route_loads_and_runs_its_handler_in_process(emu: GitHubEmulator) -> None:
    """The handler imports its use case on use (start-up cost); the same run, in process."""
    event = label_pr(emu, {"env/staging/app/values.yaml": "tag: v2\n"}, "show-plan")
    settings = Settings(
        "pull_request",
        event,
        Identity(token="bot-token"),
        api_url=emu.base_url,
        server_url=emu.root_url,
    )
    stream = io.StringIO()

    report = dispatch(
        "pull_request", event.read_bytes(), Context(settings, Workflow(settings, stream))
    )

    assert report is not None
    assert json.loads(report.outputs["plan"])["promotions"][0]["sync"] == {
        "env/prod/app": "env/staging/app",
        "env/dr/app": "env/staging/app",
    }
    assert "telefonistka: pull_request → show plan" in stream.getvalue()
    [(_, body, _)] = comments(emu)
    assert "Telefonistka promotion plan" in body
