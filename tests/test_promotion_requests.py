"""A promotion's requests, through ``entrypoint.py`` and the GitHub emulator: at most
4 + 5 per promotion PR (docs/performance.md), and the faults the older, costlier path held
under: lost answers of the new GraphQL writes, a kill then a re-run, GraphQL refusing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import REPO, SEED, checked_emulator, merge_change, promotion_prs, run_step

FANOUT = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
      - targetPaths: ["env/dr/"]
      - targetPaths: ["env/qa/"]
promtionPRlables: ["gitops"]
"""
ENVS = ("staging", "prod", "dr", "qa")


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from checked_emulator(tmp_path / "github")


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    emu.repo(REPO, {**SEED, "telefonistka.yaml": FANOUT, "env/qa/app/values.yaml": "tag: v1\n"})
    emu.commit_files(REPO, {f"env/{env}/web/values.yaml": "tag: v1\n" for env in ENVS})
    return pygithub_client(emu, "author-token").get_repo(REPO)


def kinds(emu: GitHubEmulator) -> list[str]:
    return sorted(f"{r.method} {r.route}" for r in emu.requests)


def promote(
    emu: GitHubEmulator, gh: GhRepository, tag: str, branch: str, component: str = "app"
) -> list[dict[str, object]]:
    change = {f"env/staging/{component}/values.yaml": f"tag: {tag}\n"}
    event = merge_change(emu, gh, change, branch)
    emu.reset()
    step = run_step(emu, event)
    assert step.code == 0, step.stdout + step.stderr
    opened: list[dict[str, object]] = json.loads(step.outputs["promotion-prs"])
    return opened


def labelled_and_assigned(emu: GitHubEmulator, numbers: list[int]) -> bool:
    pulls = emu.get_repo(REPO).pulls
    return all(
        sorted(pulls[n].labels) == ["gitops", "promotion"] and pulls[n].assignees == [emu.login]
        for n in numbers
    )


def test_every_new_pr_is_labelled_in_one_request(emu: GitHubEmulator, gh: GhRepository) -> None:
    """The first run creates the labels the repository lacks with its first PR (the same
    request) and labels its three PRs in one more: 5 + 4·3, under 4 + 5·3; so does the
    next run (another component). A third run of the first component supersedes its PRs:
    closing them is three requests more, whatever their number."""
    first = promote(emu, gh, "v2", "first")
    assert len(emu.requests) == 5 + 4 * 3 <= 4 + 5 * 3, kinds(emu)
    assert kinds(emu).count("PATCH /repos/{owner}/{repo}/issues/{issue_number}") == 0
    assert labelled_and_assigned(emu, [int(str(pr["number"])) for pr in first])
    assert sorted(emu.get_repo(REPO).labels) == ["gitops", "promotion"]

    second = promote(emu, gh, "v3", "second", component="web")

    numbers = [int(str(pr["number"])) for pr in second]
    assert len(emu.requests) == 5 + 4 * 3, kinds(emu)
    assert labelled_and_assigned(emu, numbers)
    third = promote(emu, gh, "v4", "third")
    assert len(emu.requests) == 5 + 4 * 3 + 3, kinds(emu)
    assert labelled_and_assigned(emu, [int(str(pr["number"])) for pr in third])
    older = [int(str(pr["number"])) for pr in first]
    assert all(emu.get_repo(REPO).pulls[n].state == "closed" for n in older)  # superseded
    assert all(emu.get_repo(REPO).pulls[n].state == "open" for n in numbers)


def test_lost_answers_of_the_graphql_writes_are_retried_once(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """Opening a PR and labelling them were done, their answers lost: the retry finds the
    PR open (no second one) and adds the labels again (harmless)."""
    promote(emu, gh, "v2", "first")
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, "second")
    emu.reset()
    emu.add_fault(path="/graphql$", query="createPullRequest", status=502, after=True)
    emu.add_fault(path="/graphql$", query="addLabelsToLabelable", status=502, after=True)

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    assert [r.status for r in emu.requests if r.fault] == [502, 502]
    opened = [int(str(pr["number"])) for pr in json.loads(step.outputs["promotion-prs"])]
    assert len(opened) == 3
    heads = [emu.get_repo(REPO).pulls[n].head_ref for n in opened]
    assert len(set(heads)) == 3  # one PR per branch
    open_from_second = [
        p for p in emu.get_repo(REPO).pulls.values() if p.state == "open" and "second" in p.head_ref
    ]
    assert len(open_from_second) == 3
    assert labelled_and_assigned(emu, opened)


def test_a_run_killed_after_its_branches_is_finished_by_the_rerun(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The first run wrote its branches and could not open the PRs (as if killed there):
    no open PR names the branches, so the re-run creates them again, learns from GitHub
    that they exist, finds its own commits there and opens the PRs on them."""
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    forbidden = {"message": "Forbidden"}
    emu.add_fault(path="/graphql$", query="createPullRequest", status=403, body=forbidden, times=3)
    failed = run_step(emu, event)
    assert failed.code != 0
    assert promotion_prs(emu) == []
    branches = emu.get_repo(REPO).git.refs("refs/heads/promotions/")
    assert len(branches) == 3
    emu.reset()

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    opened = json.loads(step.outputs["promotion-prs"])
    # "unchanged": the branch holds the first run's commit; "created" when the re-run's
    # commit is that very commit (written within the same second: same id)
    assert {str(pr["status"]) for pr in opened} <= {"unchanged", "created"}
    assert emu.get_repo(REPO).git.refs("refs/heads/promotions/") == branches  # kept
    creates = [r for r in emu.requests if r.route and r.route.endswith("/git/refs")]
    assert [r.status for r in creates] == [422, 422, 422]  # learnt, never looked up first
    assert len(promotion_prs(emu)) == 3


def test_graphql_refusing_everything_falls_back_to_rest(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """An older GitHub Enterprise Server: the one-query read is refused, and the run reads
    and writes through REST, as before (the ref, the blob, the files, the PR list)."""
    emu.graphql_refused_fields = {"pullRequests", "createPullRequest", "object"}
    opened = promote(emu, gh, "v2", "first")
    assert len(opened) == 3
    assert labelled_and_assigned(emu, [int(str(pr["number"])) for pr in opened])
    for route in ("GET /repos/{owner}/{repo}/git/ref/{ref}", "GET /repos/{owner}/{repo}/pulls"):
        assert route in kinds(emu)
