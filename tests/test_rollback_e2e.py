"""``/rollback`` through ``entrypoint.py`` and the GitHub emulator: the rollback PR restores
what a merged promotion wrote, byte for byte, once; readers are refused; a merged
rollback starts no promotion."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from runner_files import dispatch_event
from test_entrypoint import (
    CONFIG,
    REPO,
    SEED,
    checked_emulator,
    closed_event,
    comment_as,
    merge_change,
    promotion_prs,
    run_entrypoint,
    run_step,
    scheduled,
    tree_id,
)

from telefonistka.cli import main


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """The emulator with ``alice`` (write) and ``mallory`` (read) besides the bot."""
    tokens = {"alice-token": "alice", "mallory-token": "mallory"}
    with_people = checked_emulator(tmp_path / "github", tokens=tokens)
    for emulator in with_people:
        emulator.repo(REPO, SEED)
        emulator.get_repo(REPO).collaborators["alice"] = "write"
        emulator.get_repo(REPO).collaborators["mallory"] = "read"
        yield emulator


def merged_promotion(emu: GitHubEmulator) -> tuple[int, str]:
    """staging's change promoted to prod and merged: (promotion PR, its merge commit)."""
    gh = pygithub_client(emu, "author-token").get_repo(REPO)
    change = {"env/staging/app/values.yaml": "tag: v2\n", "env/staging/app/new.yaml": "n: 1\n"}
    opened = run_step(emu, merge_change(emu, gh, change))
    assert opened.code == 0, opened.stdout + opened.stderr
    [number] = promotion_prs(emu)
    gh.get_pull(number).merge()
    pull = emu.get_repo(REPO).pulls[number]
    return number, str(pull.merge_commit_sha)


def test_rollback_opens_one_pr_restoring_what_the_promotion_wrote(emu: GitHubEmulator) -> None:
    number, merge = merged_promotion(emu)
    state = emu.get_repo(REPO)

    refused = run_step(emu, comment_as(emu, "mallory-token", number, "/rollback"), "issue_comment")
    event = comment_as(emu, "alice-token", number, "/rollback prod pages (INC-7)")
    step = run_step(emu, event, "issue_comment")
    again = run_step(emu, event, "issue_comment")  # "Re-run jobs"

    assert (refused.code, step.code, again.code) == (0, 0, 0), step.stdout + step.stderr
    rollbacks = [p for p in state.pulls.values() if p.head_ref.startswith("rollbacks/")]
    assert len(rollbacks) == 1
    [pull] = rollbacks
    assert step.outputs["rollback-pr"] == again.outputs["rollback-pr"] == str(pull.number)
    assert pull.title == f"⏪ Rollback: app ➡️  env/prod/ (reverts #{number})"
    assert "**Reason:** prod pages (INC-7)" in pull.body
    assert pull.labels == ["rollback"]
    assert pull.assignees == ["alice"]
    assert tree_id(emu, pull.head_sha, "env/prod/app") == tree_id(emu, f"{merge}^1", "env/prod/app")
    assert tree_id(emu, pull.head_sha, "env/staging/app") == tree_id(emu, "main", "env/staging/app")
    notes = [c.body for c in state.comments.values() if c.issue_number == number]
    assert sum("Rolled back by" in body for body in notes) == 1
    assert any("only people with write access can run `/rollback`" in body for body in notes)


def test_a_merged_rollback_starts_no_promotion(emu: GitHubEmulator) -> None:
    number, _ = merged_promotion(emu)
    step = run_step(emu, comment_as(emu, "alice-token", number, "/rollback"), "issue_comment")
    rollback = int(step.outputs["rollback-pr"])
    pygithub_client(emu, "alice-token").get_repo(REPO).get_pull(rollback).merge()
    before = set(promotion_prs(emu))

    merged = run_step(emu, closed_event(emu, rollback))

    assert merged.code == 0, merged.stdout + merged.stderr
    assert set(promotion_prs(emu)) == before  # prod → dr is not opened for the rollback
    assert f"PR #{rollback} is a rollback" in merged.stdout
    assert json.loads(merged.outputs.get("promotion-prs", "[]")) == []


def test_rollback_of_a_pr_that_is_not_a_merged_promotion_is_refused(emu: GitHubEmulator) -> None:
    gh = pygithub_client(emu, "author-token").get_repo(REPO)
    merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})  # PR #1, not a promotion

    step = run_step(emu, comment_as(emu, "alice-token", 1, "/rollback"), "issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    assert not [p for p in emu.get_repo(REPO).pulls.values() if p.head_ref.startswith("rollbacks/")]
    [reply] = [c.body for c in emu.get_repo(REPO).comments.values() if "`/rollback`" in c.body]
    assert "#1 cannot be rolled back" in reply


def test_a_dispatch_with_rollback_pr_opens_the_same_rollback(emu: GitHubEmulator) -> None:
    number, merge = merged_promotion(emu)
    event = dispatch_event(emu.workdir, REPO, "rollback.yml", {"pr": str(number)})
    inputs = {"rollback_pr": str(number), "rollback_reason": "canary failed"}

    step = run_entrypoint(emu, event, "workflow_dispatch", inputs)
    again = run_entrypoint(emu, event, "workflow_dispatch", inputs)

    assert (step.code, again.code) == (0, 0), step.stdout + step.stderr
    [pull] = [p for p in emu.get_repo(REPO).pulls.values() if p.head_ref.startswith("rollbacks/")]
    assert step.outputs["rollback-pr"] == str(pull.number)
    assert "**Reason:** canary failed" in pull.body
    assert tree_id(emu, pull.head_sha, "env/prod/app") == tree_id(emu, f"{merge}^1", "env/prod/app")
    bad = run_entrypoint(emu, event, "workflow_dispatch", {"rollback_pr": "twelve"})
    assert bad.code == 2
    assert "the `rollback-pr` input must be a PR number" in bad.stdout


@pytest.mark.parametrize("protected", [False, True])
def test_auto_merge_rollbacks_merges_never_past_protection(
    emu: GitHubEmulator, protected: bool
) -> None:
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    autoMergeRollbacks: true\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    number, merge = merged_promotion(emu)
    if protected:
        emu.protect(REPO, "main", contexts=("ci/test",))

    step = run_step(emu, comment_as(emu, "alice-token", number, "/rollback"), "issue_comment")

    assert step.code == 0, step.stdout + step.stderr
    pull = emu.get_repo(REPO).pulls[int(step.outputs["rollback-pr"])]
    assert pull.merged is not protected
    assert (pull.auto_merge_method == "merge") is protected
    if not protected:
        assert tree_id(emu, "main", "env/prod/app") == tree_id(emu, f"{merge}^1", "env/prod/app")


def test_the_cli_opens_the_same_rollback_pr_on_github(
    emu: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    number, merge = merged_promotion(emu)
    monkeypatch.setenv("GITHUB_TOKEN", "bot-token")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_API_URL", emu.base_url)
    monkeypatch.setenv("GITHUB_ACTOR", "alice")

    assert main(["rollback", "--pr", str(number), "--reason", "from a laptop", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)

    pull = emu.get_repo(REPO).pulls[result["pr"]]
    assert (result["status"], pull.assignees) == ("created", ["alice"])
    assert "**Reason:** from a laptop" in pull.body
    assert tree_id(emu, pull.head_sha, "env/prod/app") == tree_id(emu, f"{merge}^1", "env/prod/app")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["rollback", "--pr", str(number)]) == 2
    assert "no GitHub token" in capsys.readouterr().err


def test_a_merged_rollback_holds_its_targets_until_released(emu: GitHubEmulator) -> None:
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions: {autoMerge: true}\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    gh = pygithub_client(emu, "author-token").get_repo(REPO)
    first = run_step(emu, merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}))
    [promoted] = json.loads(first.outputs["promotion-prs"])
    assert promoted["merged"]  # auto-merged: the bad change reached prod
    asked = run_step(
        emu, comment_as(emu, "alice-token", promoted["number"], "/rollback"), "issue_comment"
    )
    rollback = int(asked.outputs["rollback-pr"])
    pygithub_client(emu, "alice-token").get_repo(REPO).get_pull(rollback).merge()
    assert run_step(emu, closed_event(emu, rollback)).code == 0
    state = emu.get_repo(REPO)
    assert "telefonistka/hold" in state.pulls[rollback].labels
    report = scheduled(emu, gates="false")
    assert report.code == 0, report.stdout + report.stderr
    assert json.loads(report.outputs["report"])["held"] == [
        {"folder": "env/prod/app", "rollbackPr": rollback}
    ]

    change = {"env/staging/app/values.yaml": "tag: v3\n"}
    waiting = run_step(emu, merge_change(emu, gh, change, branch="fix"))

    assert waiting.code == 0, waiting.stdout + waiting.stderr
    [pr] = json.loads(waiting.outputs["promotion-prs"])
    assert not pr["merged"]
    head = state.pulls[pr["number"]].head_sha
    [gate] = [s for s in state.statuses if s.sha == head and s.context == "telefonistka/gates"]
    assert (gate.state, gate.description) == ("pending", f"held: rolled back in #{rollback}")
    assert scheduled(emu, report="false").code == 0
    assert not state.pulls[pr["number"]].merged  # still held

    refused = run_step(emu, comment_as(emu, "mallory-token", rollback, "/release"), "issue_comment")
    assert refused.code == 0
    assert "telefonistka/hold" in state.pulls[rollback].labels
    released = run_step(emu, comment_as(emu, "alice-token", rollback, "/release"), "issue_comment")
    assert released.code == 0, released.stdout + released.stderr
    assert "telefonistka/hold" not in state.pulls[rollback].labels

    passed = scheduled(emu, report="false")

    assert passed.code == 0, passed.stdout + passed.stderr
    assert state.pulls[pr["number"]].merged


def test_a_fan_out_that_created_a_component_is_rolled_back_once_despite_a_lost_answer(
    emu: GitHubEmulator,
) -> None:
    """One promotion PR into prod and dr creates component ``cache`` in both; the rollback
    deletes it there and restores ``app``, byte for byte; the PR creation's answer is lost
    and the re-run finds the one PR GitHub made."""
    fan_out = CONFIG.replace(
        '      - targetPaths: ["env/prod/"]\n  - sourcePath: "env/prod/"',
        '      - targetPaths: ["env/prod/", "env/dr/"]\n  - sourcePath: "env/prod/"',
    )
    assert fan_out != CONFIG
    emu.commit_files(REPO, {"telefonistka.yaml": fan_out})
    gh = pygithub_client(emu, "author-token").get_repo(REPO)
    change = {"env/staging/app/values.yaml": "tag: v2\n", "env/staging/cache/redis.yaml": "r: 1\n"}
    opened = run_step(emu, merge_change(emu, gh, change))
    [promotion] = json.loads(opened.outputs["promotion-prs"])
    gh.get_pull(promotion["number"]).merge()
    merge = str(emu.get_repo(REPO).pulls[promotion["number"]].merge_commit_sha)
    emu.add_fault(path=r"/pulls$", method="POST", status=502, after=True, times=1)
    event = comment_as(emu, "alice-token", promotion["number"], "/rollback")

    first = run_step(emu, event, "issue_comment")
    again = run_step(emu, event, "issue_comment")

    assert again.code == 0, again.stdout + again.stderr
    assert first.code == 0, first.stdout  # the PR is looked for, not opened twice
    assert first.outputs["rollback-pr"] == again.outputs["rollback-pr"]
    rollbacks = [
        p for p in emu.get_repo(REPO).pulls.values() if p.head_ref.startswith("rollbacks/")
    ]
    assert len(rollbacks) == 1
    head = rollbacks[0].head_sha
    git = emu.get_repo(REPO).git
    for target in ("env/prod", "env/dr"):
        assert tree_id(emu, head, f"{target}/app") == tree_id(emu, f"{merge}^1", f"{target}/app")
        listed = git.run("ls-tree", "--name-only", head, f"{target}/").decode().split()
        assert f"{target}/cache" not in listed  # the component it created is gone
