"""The ``workflow_dispatch`` bump: its inputs, its outputs, and the route run in process."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator

from telefonistka.action.bump_inputs import BumpKind, bump_outputs, read_bump_job
from telefonistka.action.main import main
from telefonistka.action.settings import read_settings
from telefonistka.errors import UsageError
from telefonistka.usecases.bump_version import BumpOutcome, BumpStatus, branch_name

VALUES = b"image:\n  tag: v1\n"
REPO = "acme/infra"
ENV = {
    "GITHUB_EVENT_NAME": "workflow_dispatch",
    "GITHUB_EVENT_PATH": "event.json",
    "GITHUB_REPOSITORY": "acme/infra",
    "GITHUB_SHA": "f" * 40,
    "GITHUB_ACTOR": "octocat",
    "GITHUB_API_URL": "https://api.github.com",
    "INPUT_BUMP-TYPE": "yaml",
    "INPUT_BUMP-TARGET-FILE": "values.yaml",
    "INPUT_BUMP-ADDRESS": ".image.tag",
    "INPUT_BUMP-VALUE": "v2",
}


def test_defaults_come_from_the_workflow_run() -> None:
    settings = read_settings(ENV)
    read = read_bump_job(settings)

    assert (read.kind, read.target_repo, read.api_url) == (
        BumpKind.YAML,
        "acme/infra",
        "https://api.github.com",
    )
    request = read.request
    assert (request.triggering_repo, request.triggering_sha, request.triggering_actor) == (
        "acme/infra",
        "f" * 40,
        "octocat",
    )
    assert (request.auto_merge, request.base_branch, request.dry_run) == (False, None, False)
    assert request.edit(VALUES) == b"image:\n  tag: v2\n"


def test_inputs_win_over_the_defaults_and_ghes_hosts_get_their_api() -> None:
    env = ENV | {
        "INPUT_BUMP-TARGET-REPO": "platform/infra",
        "INPUT_BUMP-GITHUB-HOST": "ghe.example.com",
        "INPUT_BUMP-TRIGGERING-REPO": "acme/app",
        "INPUT_BUMP-AUTO-MERGE": "true",
        "INPUT_BUMP-BASE-BRANCH": "release",
        "INPUT_DRY-RUN": "true",
    }
    read = read_bump_job(read_settings(env))

    assert (read.target_repo, read.api_url) == ("platform/infra", "https://ghe.example.com/api/v3")
    assert (read.request.triggering_repo, read.request.auto_merge) == ("acme/app", True)
    assert (read.request.base_branch, read.request.dry_run) == ("release", True)


def test_overwrite_content_keeps_its_whitespace() -> None:
    env = ENV | {"INPUT_BUMP-TYPE": "overwrite", "INPUT_BUMP-FILE-CONTENT": "tag: v2\n"}
    assert read_bump_job(read_settings(env)).request.edit(None) == b"tag: v2\n"


def test_regex_replacement_may_use_groups() -> None:
    env = ENV | {
        "INPUT_BUMP-TYPE": "regex",
        "INPUT_BUMP-REGEX": r"(tag:) v\d+",
        "INPUT_BUMP-REPLACEMENT": "$1 v3",
    }
    assert read_bump_job(read_settings(env)).request.edit(VALUES) == b"image:\n  tag: v3\n"


@pytest.mark.parametrize(
    ("replacement", "go"),
    [(r"\1 v3", "${1}"), (r"\g<1> v3", "${1}"), ("$3 v3", "has 2 group")],
)
def test_a_python_style_or_impossible_replacement_is_an_input_error(
    replacement: str, go: str
) -> None:
    env = ENV | {
        "INPUT_BUMP-TYPE": "regex",
        "INPUT_BUMP-REGEX": r"(tag:) (v\d+)",
        "INPUT_BUMP-REPLACEMENT": replacement,
    }
    with pytest.raises(UsageError, match=re.escape(go)) as caught:
        read_bump_job(read_settings(env))

    assert str(caught.value).startswith("input bump-regex / bump-replacement: ")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"INPUT_BUMP-TYPE": ""}, "bump-type"),
        ({"INPUT_BUMP-TYPE": "json"}, "bump-type"),
        ({"INPUT_BUMP-TARGET-FILE": ""}, "bump-target-file"),
        ({"INPUT_BUMP-VALUE": ""}, "bump-value"),
        ({"INPUT_BUMP-TYPE": "regex"}, "bump-regex"),
        ({"INPUT_BUMP-TYPE": "overwrite"}, "bump-file-content"),
        ({"INPUT_BUMP-AUTO-MERGE": "sure"}, "bump-auto-merge"),
        ({"GITHUB_SHA": ""}, "bump-triggering-sha"),
        ({"GITHUB_REPOSITORY": "", "INPUT_BUMP-TRIGGERING-REPO": "a/b"}, "bump-target-repo"),
    ],
)
def test_a_missing_or_bad_input_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(UsageError, match=f"input {named} "):
        read_bump_job(read_settings(ENV | change))


def test_outputs_without_a_pr_are_empty() -> None:
    outcome = BumpOutcome(BumpStatus.UNCHANGED, "", "branch")
    assert bump_outputs(outcome) == {
        "bump-status": "unchanged",
        "bump-pr-url": "",
        "bump-pr-number": "",
    }


def test_the_whole_route_in_process(tmp_path: Path) -> None:
    """The same flow as the subprocess tests, in process (so coverage sees it)."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"ref": "refs/heads/main", "repository": {"full_name": REPO}}))
    out = tmp_path / "output"
    with GitHubEmulator(tmp_path / "github") as emu:
        emu.repo(REPO, {"values.yaml": VALUES.decode()})
        env = ENV | {
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": emu.base_url,
            "GITHUB_OUTPUT": str(out),
            "GITHUB_REPOSITORY": REPO,
            "INPUT_GITHUB-TOKEN": "bot-token",
        }
        stream = io.StringIO()

        code = main(env, stream)

        [pull] = emu.get_repo(REPO).pulls.values()
    assert code == 0, stream.getvalue()
    assert pull.head_ref == branch_name("values.yaml")
    assert "bump-status<<" in out.read_text()
    assert "bump PR #1 (opened)" in stream.getvalue()
