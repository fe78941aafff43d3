"""PR comment commands, end to end: ``issue_comment`` deliveries the emulator recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from test_check_drift import DRIFTED, client, comments, latest_event, statuses
from test_entrypoint import CONFIG, REPO, checked_emulator, run_step

from telefonistka.core.rendering import DRIFT_MARKER
from telefonistka.usecases.comment_commands import commands_in

TOGGLING = DRIFTED | {"telefonistka.yaml": CONFIG + "toggleCommitStatus:\n  approved: manual\n"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """``alice-token`` is a person; the PR author's and the bot's tokens are the bot."""
    yield from checked_emulator(tmp_path / "github", tokens={"alice-token": "alice"})


def comment_on_pr(emu: GitHubEmulator, text: str, identity: str = "alice-token") -> Path:
    """Comment ``text`` on PR #1 (opened on first use); the ``created`` event file."""
    if REPO.lower() not in emu.repos:
        emu.repo(REPO, TOGGLING)
        gh = client(emu)
        gh.create_git_ref("refs/heads/feature", gh.get_branch("main").commit.sha)
        emu.commit_files(REPO, {"env/staging/app/extra.yaml": "a: 1\n"}, branch="feature")
        gh.create_pull(title="change", body="", head="feature", base="main")
    client(emu, identity).get_pull(1).create_issue_comment(text)
    return latest_event(emu, "issue_comment", "created")


def test_retrigger_runs_the_drift_check_again(emu: GitHubEmulator) -> None:
    event = comment_on_pr(emu, "/retrigger")

    step = run_step(emu, event, name="issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    assert comments(emu)[-1][1].startswith(DRIFT_MARKER)
    assert statuses(emu) == [("telefonistka", "pending"), ("telefonistka", "success")]
    assert "promotions" in json.loads(step.outputs["plan"])


def test_a_toggle_key_flips_its_status_and_names_who(emu: GitHubEmulator) -> None:
    first = run_step(emu, comment_on_pr(emu, "/approved"), name="issue_comment")
    second = run_step(emu, comment_on_pr(emu, "LGTM\n/approved again"), name="issue_comment")

    assert (first.code, second.code) == (0, 0), first.stdout + second.stdout
    head = emu.get_repo(REPO).pulls[1].head_sha
    manual = [s for s in emu.get_repo(REPO).statuses if s.sha == head and s.context == "manual"]
    assert [(s.state, s.description) for s in manual] == [
        ("success", "toggled to success by @alice"),
        ("failure", "toggled to failure by @alice"),
    ]
    assert "`manual`: success → failure" in second.summary
    assert not [s for s in statuses(emu) if s[0] == "telefonistka"]  # no drift re-run


def test_the_bots_own_comment_is_ignored(emu: GitHubEmulator) -> None:
    event = comment_on_pr(emu, "/retrigger", identity="bot-token")
    emu.reset()

    step = run_step(emu, event, name="issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    assert "by the bot itself (@telefonistka-bot); ignored" in step.stdout
    assert [(r.method, r.path) for r in emu.requests] == [("POST", "/api/graphql")]
    assert statuses(emu) == []


def test_a_comment_on_a_plain_issue_is_ignored_without_a_request(
    emu: GitHubEmulator,
) -> None:
    event = comment_on_pr(emu, "/retrigger")
    payload = json.loads(event.read_text())
    del payload["issue"]["pull_request"]  # the emulator has no plain issues: make one
    event.write_text(json.dumps(payload))
    emu.reset()

    step = run_step(emu, event, name="issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    assert "needs no action" in step.stdout
    assert emu.requests == []


def test_an_ordinary_comment_costs_no_request(emu: GitHubEmulator) -> None:
    event = comment_on_pr(emu, "see https://example.com/retrigger, and /approved is a word")
    emu.reset()

    assert run_step(emu, event, name="issue_comment").code == 0
    assert emu.requests == []


@pytest.mark.parametrize(
    ("body", "commands"),
    [
        ("/retrigger", ("retrigger",)),
        ("  /approved please\n/retrigger\n/approved", ("approved", "retrigger")),
        ("a /retrigger in a sentence", ()),
        ("/ alone\n\n", ()),
    ],
)
def test_commands_are_the_slash_words_starting_a_line(body: str, commands: tuple[str, ...]) -> None:
    assert commands_in(body) == commands
