"""``autoMerge`` under branch protection, through ``entrypoint.py`` and the GitHub emulator.

The emulator holds merges to its protection rules as GitHub does (405 "Required status
check ... is expected", "At least 1 approving review is required ..."), and its native
auto-merge merges a PR the moment the last requirement is met. The bot never merges past
a rule: it enables auto-merge, or, where the repository does not allow that, leaves the
PR open with one comment saying why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import (
    CONFIG,
    REPO,
    SEED,
    checked_emulator,
    merge_change,
    run_step,
    scheduled,
)

AUTO = CONFIG.replace(
    '  - sourcePath: "env/staging/"\n',
    '  - sourcePath: "env/staging/"\n    conditions:\n      autoMerge: true\n',
)
CHANGE = {"env/staging/app/values.yaml": "tag: v2\n"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """A running emulator (the approver token is user ``approver``), OpenAPI-checked."""
    yield from checked_emulator(tmp_path / "github", tokens={"approver-token": "approver"})


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    emu.repo(REPO, SEED)
    return pygithub_client(emu, "author-token").get_repo(REPO)


def promote_under(
    emu: GitHubEmulator, gh: GhRepository, config: str = AUTO, **rule: object
) -> tuple[int, str]:
    """Merge a staging change, protect main with ``rule``, run the promotion; (PR, log)."""
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = merge_change(emu, gh, CHANGE)
    emu.protect(REPO, "main", **rule)  # type: ignore[arg-type]
    step = run_step(emu, event, approver_token="approver-token")
    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is False
    return pr["number"], step.stdout + step.summary


def merges(emu: GitHubEmulator, number: int) -> list[dict[str, object]]:
    """The merge calls made on PR ``number`` and what GitHub answered."""
    return [
        {"status": r.status, "body": r.request_body}
        for r in emu.requests
        if r.method == "PUT" and r.path.endswith(f"/pulls/{number}/merge")
    ]


def test_a_required_check_turns_auto_merge_into_githubs_native_auto_merge(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    number, log = promote_under(emu, gh, contexts=("ci/test",))
    pull = emu.get_repo(REPO).pulls[number]

    assert pull.state == "open"
    assert pull.auto_merge_method == "merge"
    assert 'Required status check "ci/test" is expected.' in log
    assert "auto-merge enabled" in log
    assert [m["status"] for m in merges(emu, number)] == [405]  # refused, never an admin merge
    assert all("admin" not in json.dumps(m["body"]) for m in merges(emu, number))

    gh.get_commit(pull.head_sha).create_status("success", context="ci/test")

    assert emu.get_repo(REPO).pulls[number].merged  # GitHub merged it, not the bot


def test_a_required_review_is_waited_for_then_merged_by_github(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    number, _ = promote_under(emu, gh, approvals=1)
    assert not emu.get_repo(REPO).pulls[number].merged

    approver = pygithub_client(emu, "approver-token").get_repo(REPO)
    approver.get_pull(number).create_review(event="APPROVE")

    assert emu.get_repo(REPO).pulls[number].merged


def test_an_auto_approved_pr_meets_the_review_rule_and_merges_at_once(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO + "autoApprovePromotionPrs: true\n"})
    event = merge_change(emu, gh, CHANGE)
    emu.protect(REPO, "main", approvals=1)

    step = run_step(emu, event, approver_token="approver-token")

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is True
    assert pr["auto_merge"] == ""


def test_a_repository_without_auto_merge_leaves_the_pr_open_with_one_comment(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO})
    event = merge_change(emu, gh, CHANGE)
    emu.protect(REPO, "main", contexts=("ci/test",), allow_auto_merge=False)

    first = run_step(emu, event)
    again = run_step(emu, event)  # "Re-run jobs": one comment still

    assert (first.code, again.code) == (0, 0), first.stdout + again.stdout
    [pr] = json.loads(again.outputs["promotion-prs"])
    assert (pr["merged"], pr["auto_merge"]) == (False, "left open")
    state = emu.get_repo(REPO)
    assert state.pulls[pr["number"]].state == "open"
    notes = [
        c
        for c in state.comments.values()
        if c.issue_number == pr["number"] and "Not merged automatically" in c.body
    ]
    assert len(notes) == 1
    assert 'Required status check "ci/test" is expected.' in notes[0].body
    assert "Allow auto-merge" in notes[0].body


def test_a_lost_answer_to_enabling_auto_merge_is_retried_safely(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """GitHub enabled it, the answer was lost: enabling it again is harmless."""
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO})
    event = merge_change(emu, gh, CHANGE)
    emu.protect(REPO, "main", contexts=("ci/test",))
    emu.add_fault(path="/graphql$", query="enablePullRequestAutoMerge", status=502, after=True)

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    enables = [
        r.fault
        for r in emu.requests
        if r.path.endswith("/graphql")
        and "enablePullRequestAutoMerge" in json.dumps(r.request_body)
    ]
    assert enables == [True, False]  # done but its answer lost, then done again
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["auto_merge"] == "auto-merge enabled"
    pull = emu.get_repo(REPO).pulls[pr["number"]]
    gh.get_commit(pull.head_sha).create_status("success", context="ci/test")
    assert emu.get_repo(REPO).pulls[pr["number"]].merged


def test_a_conflict_is_still_a_failure(emu: GitHubEmulator, gh: GhRepository) -> None:
    """Only a protection rule becomes auto-merge; a PR GitHub cannot merge fails the step."""
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO})
    event = merge_change(emu, gh, CHANGE)
    body = {"message": "Pull Request is not mergeable", "documentation_url": "x"}
    emu.add_fault(path=r"/pulls/\d+/merge$", method="PUT", status=405, body=body, times=9)

    step = run_step(emu, event)

    assert step.code == 1, step.stdout + step.stderr
    assert "Pull Request is not mergeable" in step.stdout + step.stderr


@pytest.mark.parametrize("allowed", [True, False])
def test_the_gate_pass_enables_auto_merge_only_once_the_gates_hold(
    emu: GitHubEmulator, gh: GhRepository, allowed: bool
) -> None:
    freeze = (
        'freezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n'
        "    reason: release train\n"
    )
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO + freeze})
    event = merge_change(emu, gh, CHANGE)
    emu.protect(REPO, "main", contexts=("ci/test",), allow_auto_merge=allowed)
    opened = run_step(emu, event)
    [pr] = json.loads(opened.outputs["promotion-prs"])
    pull = emu.get_repo(REPO).pulls[pr["number"]]
    assert pull.auto_merge_method is None  # frozen: not even queued
    assert merges(emu, pr["number"]) == []
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO})  # the freeze lifted

    step = scheduled(emu)

    assert step.code == 0, step.stdout + step.stderr
    how = "auto-merge enabled" if allowed else "left open"
    assert f"#{pr['number']}: every gate holds; the base branch's rules are not met yet: {how}" in (
        step.summary
    )
    assert step.outputs["gates-merged"] == ""
    assert (pull.auto_merge_method == "merge") is allowed
    gh.get_commit(pull.head_sha).create_status("success", context="ci/test")
    assert pull.merged is allowed


FANOUT = """\
promotionPaths:
  - sourcePath: "env/staging/"
    conditions: {autoMerge: true}
    gates:
      soakTime: 1h
      requireStatuses: ["e2e/staging"]
    promotionPrs:
      - targetPaths: ["env/prod/"]
      - targetPaths: ["env/dr/"]
      - targetPaths: ["env/qa/"]
"""


def _three_pending(emu: GitHubEmulator, gh: GhRepository, config: str = FANOUT) -> list[int]:
    """Three promotion PRs of one source (one per target), pending: e2e still runs."""
    emu.commit_files(REPO, {"telefonistka.yaml": config, "env/qa/app/values.yaml": "tag: v1\n"})
    event = merge_change(emu, gh, CHANGE)
    opened = run_step(emu, event)
    numbers = [pr["number"] for pr in json.loads(opened.outputs["promotion-prs"])]
    assert len(numbers) == 3
    git = emu.get_repo(REPO).git
    source = git.run("log", "-1", "--format=%H", "main", "--", "env/staging/app").decode()
    emu.add_check_run(REPO, source.strip(), "e2e/staging", conclusion=None)  # still running
    return numbers


def _gate_statuses(emu: GitHubEmulator, numbers: list[int]) -> list[tuple[str, str | None]]:
    repo = emu.get_repo(REPO)
    found = []
    for number in numbers:
        head = emu.head_sha(repo, repo.pulls[number])
        newest = [s for s in repo.statuses if s.sha == head and s.context == "telefonistka/gates"]
        found.append((newest[-1].state, newest[-1].description))
    return found


def test_the_gate_pass_costs_three_requests_however_many_prs_are_pending(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The issue's budget, at most 3 + 3 per pending PR: one GraphQL read of the
    configuration, the open PRs with their heads' statuses, the holds and the bot's login,
    and one GraphQL read of every pending source's moment and checks. Three PRs sharing a
    source, nothing changed: two requests, no write."""
    numbers = _three_pending(emu, gh)
    scheduled(emu, report="false")
    before = _gate_statuses(emu, numbers)
    assert all(state == "pending" for state, _ in before)
    emu.reset()

    step = scheduled(emu, report="false")

    assert step.code == 0, step.stdout + step.stderr
    kinds = sorted(f"{r.method} {r.route}" for r in emu.requests)
    assert kinds == ["POST /graphql", "POST /graphql"]
    assert len(kinds) <= 3 + 3 * len(numbers)
    queries = emu.graphql_documents
    assert "pullRequests(states: [OPEN]" in queries[0]
    assert "history(path: $p0" in queries[1]
    assert _gate_statuses(emu, numbers) == before


def test_the_gate_pass_reads_through_rest_where_graphql_lacks_a_field(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """An older GitHub Enterprise Server without a field the two queries use: each query
    is refused once, the same facts come through REST (the PR list, one status read per
    head, the holds, the source's moment and check runs), with the same verdicts."""
    numbers = _three_pending(emu, gh)
    emu.graphql_refused_fields = {"statusCheckRollup", "headRepository"}
    scheduled(emu, report="false")
    before = _gate_statuses(emu, numbers)
    assert all(state == "pending" for state, _ in before)
    emu.reset()

    step = scheduled(emu, report="false")

    assert step.code == 0, step.stdout + step.stderr
    assert "using REST" in step.stdout + step.stderr
    kinds = sorted(f"{r.method} {r.route}" for r in emu.requests)
    assert kinds.count("GET /repos/{owner}/{repo}/commits/{ref}/statuses") == 3
    assert kinds.count("GET /repos/{owner}/{repo}/commits") == 1  # the source moment
    assert kinds.count("GET /repos/{owner}/{repo}/commits/{ref}/check-runs") == 1
    assert kinds.count("GET /repos/{owner}/{repo}/issues") == 1  # the holds of rollbacks
    assert kinds.count("GET /repos/{owner}/{repo}/pulls") == 1
    # the two refused queries, and who the bot is (viewer { login }) on its own
    assert kinds.count("POST /graphql") == 3
    assert _gate_statuses(emu, numbers) == before


def _check_completes(emu: GitHubEmulator, gh: GhRepository, conclusion: str) -> list[int]:
    """Three PRs pending on e2e (no soak), a pass that writes their statuses, then the
    check run completes with ``conclusion``; the request log is cleared."""
    numbers = _three_pending(emu, gh, FANOUT.replace("      soakTime: 1h\n", ""))
    scheduled(emu, report="false")
    repo = emu.get_repo(REPO)
    run = next(r for r in repo.check_runs if r.name == "e2e/staging")
    run.status, run.conclusion = "completed", conclusion
    emu.reset()
    return numbers


def test_a_pending_pr_costs_its_writes_only(emu: GitHubEmulator, gh: GhRepository) -> None:
    """The check fails: each of the three PRs gets one status write, and the reads stay
    the two of the pass (no commit read: the heads came with the first query)."""
    numbers = _check_completes(emu, gh, "failure")

    step = scheduled(emu, report="false")

    assert step.code == 0, step.stdout + step.stderr
    kinds = sorted(f"{r.method} {r.route}" for r in emu.requests)
    assert kinds.count("POST /repos/{owner}/{repo}/statuses/{sha}") == 3
    assert len(kinds) == 2 + 3
    assert all("e2e/staging" in str(text) for _, text in _gate_statuses(emu, numbers))


@pytest.mark.parametrize("protected", [False, True])
def test_two_gate_passes_at_once_merge_once_and_both_succeed(
    emu: GitHubEmulator, gh: GhRepository, protected: bool
) -> None:
    """Two schedule runs overlap (a slow one and the next): one merges (or enables
    auto-merge), the other finds it done; neither fails, one status written per change."""
    freeze = (
        'freezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n'
        "    reason: release train\n"
    )
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO + freeze})
    event = merge_change(emu, gh, CHANGE)
    if protected:
        emu.protect(REPO, "main", contexts=("ci/test",))
    [pr] = json.loads(run_step(emu, event).outputs["promotion-prs"])
    emu.commit_files(REPO, {"telefonistka.yaml": AUTO})  # the freeze lifted
    emu.set_latency(0.5, path=r"/merge$|/graphql$", method="*")

    with ThreadPoolExecutor(max_workers=2) as pool:
        steps = list(pool.map(lambda _: scheduled(emu, report="false"), range(2)))

    assert [s.code for s in steps] == [0, 0], steps[0].stdout + steps[1].stdout
    pull = emu.get_repo(REPO).pulls[pr["number"]]
    if protected:
        assert (pull.merged, pull.auto_merge_method) == (False, "merge")
        gh.get_commit(pull.head_sha).create_status("success", context="ci/test")
    assert emu.get_repo(REPO).pulls[pr["number"]].merged


def test_a_pending_pr_whose_gates_hold_costs_a_status_and_a_merge(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The check passes: each PR's status turns success and it merges (the bot's commit is
    known from the first query, not read again): 2 + 2 per PR, within 3 + 3 per PR."""
    numbers = _check_completes(emu, gh, "success")

    step = scheduled(emu, report="false")

    assert step.code == 0, step.stdout + step.stderr
    assert sorted(int(n) for n in step.outputs["gates-merged"].split(",")) == sorted(numbers)
    kinds = sorted(f"{r.method} {r.route}" for r in emu.requests)
    assert kinds.count("POST /repos/{owner}/{repo}/statuses/{sha}") == 3
    assert kinds.count("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge") == 3
    assert len(kinds) == 2 + 2 * 3, kinds
