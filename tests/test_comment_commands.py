"""PR comment commands, end to end: ``issue_comment`` deliveries the emulator recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from runner_files import runner_commands
from test_check_drift import DRIFTED, client, comments, latest_event, statuses
from test_entrypoint import CONFIG, REPO, checked_emulator, run_step

from telefonistka.core.text.rendering import DRIFT_MARKER
from telefonistka.usecases.comment_commands import commands_in

TOGGLING = DRIFTED | {"telefonistka.yaml": CONFIG + "toggleCommitStatus:\n  approved: manual\n"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """``alice-token`` is a maintainer with write access, ``mallory-token`` a stranger; the
    PR author's and the bot's tokens are the bot."""
    tokens = {"alice-token": "alice", "mallory-token": "mallory"}
    yield from checked_emulator(tmp_path / "github", tokens=tokens)


def comment_on_pr(emu: GitHubEmulator, text: str, identity: str = "alice-token") -> Path:
    """Comment ``text`` on PR #1 (opened on first use); the ``created`` event file."""
    if REPO.lower() not in emu.repos:
        emu.repo(REPO, TOGGLING)
        emu.get_repo(REPO).collaborators["alice"] = "write"
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


# --- who may command the bot ---------------------------------------------------------------


@pytest.mark.parametrize("association", ["NONE", "FIRST_TIMER", "CONTRIBUTOR"])
def test_a_commenter_without_write_access_cannot_flip_a_status(
    emu: GitHubEmulator, association: str
) -> None:
    """The attack: any commenter flipped a required check from failure to success."""
    event = comment_on_pr(emu, "/approved", identity="mallory-token")
    data = json.loads(event.read_text())
    data["comment"]["author_association"] = association  # as GitHub would say of them
    event.write_text(json.dumps(data))

    step = run_step(emu, event, name="issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    head = emu.get_repo(REPO).pulls[1].head_sha
    assert [s for s in emu.get_repo(REPO).statuses if s.sha == head] == []
    reply = comments(emu)[-1][1]
    assert reply == (
        "@mallory only people with write access to this repository can run `/approved`; "
        "nothing was changed."
    )
    assert "commands refused on #1" in step.summary
    asked = [e for e in emu.requests if e.route.endswith("/collaborators/{username}/permission")]
    assert len(asked) == 1


def test_a_collaborator_with_write_permission_is_asked_about_once_and_honoured(
    emu: GitHubEmulator,
) -> None:
    event = comment_on_pr(emu, "/approved", identity="mallory-token")
    emu.get_repo(REPO).collaborators["mallory"] = "maintain"  # reported as write
    data = json.loads(event.read_text())
    data["comment"]["author_association"] = "CONTRIBUTOR"
    event.write_text(json.dumps(data))

    step = run_step(emu, event, name="issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    head = emu.get_repo(REPO).pulls[1].head_sha
    assert [s.state for s in emu.get_repo(REPO).statuses if s.sha == head] == ["success"]


def test_retrigger_from_a_reader_changes_nothing_and_replies_off_logs_only(
    emu: GitHubEmulator,
) -> None:
    event = comment_on_pr(emu, "/retrigger", identity="mallory-token")
    emu.get_repo(REPO).collaborators["mallory"] = "read"
    before = len(comments(emu))

    step = run_step(emu, event, name="issue_comment", command_replies="false")

    assert step.code == 0, step.stdout + step.stderr
    assert len(comments(emu)) == before
    assert statuses(emu) == []
    assert "refused: @mallory only people with write access" in step.stdout


def test_the_emulator_says_who_is_trusted_as_github_does(emu: GitHubEmulator) -> None:
    first = json.loads(comment_on_pr(emu, "hello", identity="alice-token").read_text())
    repo = emu.get_repo(REPO)
    repo.members.add("alice")
    second = json.loads(comment_on_pr(emu, "again", identity="alice-token").read_text())
    stranger = json.loads(comment_on_pr(emu, "hi", identity="mallory-token").read_text())
    gh = client(emu)

    assert first["comment"]["author_association"] == "COLLABORATOR"
    assert second["comment"]["author_association"] == "MEMBER"
    assert stranger["comment"]["author_association"] == "NONE"
    assert gh.get_collaborator_permission("mallory") == "none"
    assert gh.get_collaborator_permission("alice") == "write"
    repo.collaborators["alice"] = "triage"
    assert gh.get_collaborator_permission("alice") == "read"


@pytest.mark.parametrize(
    "body",
    [
        "/##[add-mask]x",
        "/##[stop-commands]endtoken",
        "/retrigger\r::error title=X::forged",
        "/x ##[set-output name=plan;]forged",
    ],
)
def test_a_commenter_cannot_forge_a_workflow_command_through_the_log(
    emu: GitHubEmulator, body: str
) -> None:
    """Any commenter on a public repository writes these; the handler logs the command
    words it read. The legacy ``##[`` counts anywhere in a line, ``\\r`` ends a line."""
    event = comment_on_pr(emu, body, identity="mallory-token")
    emu.get_repo(REPO).collaborators["mallory"] = "read"

    step = run_step(emu, event, name="issue_comment", command_replies="false", log_level="debug")

    assert step.code == 0, step.stdout + step.stderr
    obeyed = runner_commands(step.stdout + "\n" + step.stderr)
    assert [line for line in obeyed if "##[" in line or "forged" in line] == []
    own = ("::add-mask::bot-token", "::group::", "::endgroup::", "::debug::", "::warning ")
    assert [line for line in obeyed if not line.lstrip().startswith(own)] == []
