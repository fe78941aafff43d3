"""``entrypoint.py`` run as the Actions runner runs a container action, against the emulator.

Each test seeds a repository in the GitHub emulator (real bare git repositories behind a
REST server on 127.0.0.1), merges a PR through the API, takes the ``pull_request``
delivery the emulator recorded as ``GITHUB_EVENT_PATH`` and runs ``entrypoint.py`` in a
subprocess with the environment a container step gets. Results are checked in the git
trees of the promotion branches, the emulator's PR state and the step's output files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from github import InputGitTreeElement
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fidelity import check_log
from github_emulator.fixtures import pygithub_client
from runner_files import dispatch_event, read_outputs, step_env

ROOT = Path(__file__).resolve().parent.parent
WEBHOOKS = ROOT / "tests" / "fixtures" / "webhooks"
REPO = "acme/infra"
CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
  - sourcePath: "env/prod/"
    promotionPrs:
      - targetPaths: ["env/dr/"]
promtionPRlables: ["gitops"]
"""
SEED = {
    "telefonistka.yaml": CONFIG,
    "env/staging/app/values.yaml": "tag: v1\n",
    "env/prod/app/values.yaml": "tag: v1\n",
    "env/prod/app/old.yaml": "stale: true\n",
    "env/dr/app/values.yaml": "tag: v1\n",
}


@dataclass
class Step:
    """One finished run of the entrypoint: exit code, log, outputs, summary."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """A running emulator (the approver token is user ``approver``), OpenAPI-checked."""
    yield from checked_emulator(tmp_path / "github", tokens={"approver-token": "approver"})


def checked_emulator(workdir: Path, **options: Any) -> Iterator[GitHubEmulator]:
    """Like ``emulator_session``: start, yield, then hold every exchange to the OpenAPI."""
    with GitHubEmulator(workdir, **options) as emu:
        yield emu
        problems = check_log(emu.requests)
    if problems:
        pytest.fail("the emulator strayed from GitHub's OpenAPI:\n" + "\n".join(problems[:20]))


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    emu.repo(REPO, SEED)
    client = pygithub_client(emu, "author-token")
    return client.get_repo(REPO)


def merge_change(
    emu: GitHubEmulator, gh: GhRepository, files: dict[str, str | None], branch: str = "feature"
) -> Path:
    """Open and merge a PR changing ``files``; returns its ``closed`` event file."""
    gh.create_git_ref(f"refs/heads/{branch}", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch=branch)
    pull = gh.create_pull(title=f"change on {branch}", body="", head=branch, base="main")
    pull.merge()
    return closed_event(emu, pull.number)


def closed_event(emu: GitHubEmulator, number: int) -> Path:
    event = next(
        e
        for e in reversed(emu.events_named("pull_request", "closed"))
        if e.payload["pull_request"]["number"] == number
    )
    return event.write(emu.workdir / f"event-{number}.json")


def run_step(emu: GitHubEmulator, event: Path, name: str = "pull_request", **inputs: str) -> Step:
    """Run ``entrypoint.py`` with a container step's environment; read its files back."""
    return run_entrypoint(emu, event, name, inputs)


def run_entrypoint(
    emu: GitHubEmulator,
    event: Path,
    name: str = "pull_request",
    inputs: Mapping[str, str] | None = None,
    *,
    command: Sequence[str] = (sys.executable, str(ROOT / "entrypoint.py")),
    env: Mapping[str, str] | None = None,
) -> Step:
    """Run ``command`` (by default this checkout's ``entrypoint.py``) as a container step.

    ``inputs`` are ``with:`` values (``dry_run`` becomes ``INPUT_DRY-RUN``); ``env``
    adds or overrides variables. The process starts in ``GITHUB_WORKSPACE``, as on a
    runner; outputs and the job summary are read back from their files.
    """
    work = emu.workdir / "runner"
    work.mkdir(parents=True, exist_ok=True)
    output, summary = work / "output", work / "summary"
    output.write_text("")
    summary.write_text("")
    variables = step_env(work, name, event, REPO, (emu.base_url, emu.root_url), inputs=inputs or {})
    variables.update(env or {})
    workspace = Path(variables["GITHUB_WORKSPACE"])
    workspace.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        list(command),
        env=variables,
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Step(
        done.returncode, done.stdout, done.stderr, read_outputs(output), summary.read_text()
    )


def tree_id(emu: GitHubEmulator, rev: str, path: str) -> str:
    return emu.get_repo(REPO).git.run("rev-parse", f"{rev}:{path}").decode().strip()


def promotion_prs(emu: GitHubEmulator) -> list[int]:
    pulls = emu.get_repo(REPO).pulls.values()
    return sorted(p.number for p in pulls if p.head_ref.startswith("promotions/"))


def test_a_merged_pr_opens_its_promotion_pr(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    state = emu.get_repo(REPO)
    [number] = promotion_prs(emu)
    pull = state.pulls[number]
    assert tree_id(emu, pull.head_ref, "env/prod/app") == tree_id(emu, "main", "env/staging/app")
    assert pull.title == "🚀 Promotion: app ➡️  env/prod/"
    assert "<!--|Telefonistka data, do not delete|" in (pull.body or "")
    assert (sorted(pull.labels), pull.assignees) == (["gitops", "promotion"], ["telefonistka-bot"])
    merged_sha = state.pulls[1].merge_commit_sha
    assert [(s.sha, s.state) for s in state.statuses] == [
        (merged_sha, "pending"),
        (merged_sha, "success"),
    ]
    [opened] = json.loads(step.outputs["promotion-prs"])
    assert (opened["number"], opened["status"]) == (number, "created")
    assert json.loads(step.outputs["plan"])["promotions"][0]["sync"] == {
        "env/prod/app": "env/staging/app"
    }
    assert f"[#{number}]" in step.summary
    assert "::add-mask::bot-token" in step.stdout
    # 5 fixed requests (two statuses, one GraphQL read, the tree, one GraphQL request
    # labelling every new PR and reading the open PRs after) + 4 per promotion PR (tree,
    # commit, branch, the PR, its labels created along): within 4 + 5 per PR
    kinds = sorted(f"{r.method} {r.route}" for r in emu.requests)
    assert kinds.count("POST /graphql") == 3
    assert len(emu.requests) == 5 + 4 * 1 <= 4 + 5 * 1, kinds
    assert "::group::Promotion of PR #1" in step.stdout


def test_log_level_debug_shows_the_settings_routes_and_requests_never_a_secret(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    step = run_step(emu, event, log_level="debug", webhook_secret="s3cr3t-value")

    assert step.code == 0, step.stdout + step.stderr
    lines = step.stdout.splitlines()
    assert "settings: log-level: debug" in lines
    assert "settings: identity: a token; approver: none" in lines
    assert "settings: input github-token: (set, hidden)" in lines
    assert f"settings: API: {emu.base_url}; server: {emu.root_url}" in lines
    assert "the `pull_request` event: action closed, merged into main, PR #1" in lines
    [requests] = [line for line in lines if line.startswith("GitHub API requests by kind: ")]
    assert requests.endswith(" (9 in all)")
    assert "status 2" in requests  # pending and final
    assert not [line for line in lines if line.startswith("::debug::")]  # plain at debug
    for secret in ("bot-token", "s3cr3t-value"):
        assert [line for line in lines if secret in line] == [f"::add-mask::{secret}"]


def test_log_level_error_keeps_only_errors_and_never_the_outputs_or_summary(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})

    step = run_step(emu, event, log_level="error")

    assert step.code == 0, step.stdout + step.stderr
    shown = [line for line in step.stdout.splitlines() if not line.startswith("::debug::")]
    assert shown == ["::add-mask::bot-token"]
    assert "::debug::GitHub API requests by kind: " in step.stdout  # for the runner's debug
    [opened] = json.loads(step.outputs["promotion-prs"])
    assert opened["status"] == "created"
    assert f"[#{opened['number']}]" in step.summary


def test_an_unknown_log_level_fails_the_step_before_any_request(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    step = run_step(emu, event, log_level="trace")

    assert step.code == 2
    assert step.stdout.splitlines() == [
        "::add-mask::bot-token",  # masks come first, even before a settings error
        "::error title=telefonistka::input log-level must be one of debug, info, warning, "
        "error, got 'trace'",
    ]
    assert emu.requests == []
    assert (step.outputs, step.summary) == ({}, "")


def test_rerunning_the_same_event_opens_no_duplicate(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    first = run_step(emu, event)
    head = emu.get_repo(REPO).git.ref(f"refs/heads/{emu.get_repo(REPO).pulls[2].head_ref}")

    again = run_step(emu, event)

    assert (first.code, again.code) == (0, 0), again.stdout
    assert promotion_prs(emu) == [2]
    assert emu.get_repo(REPO).git.ref(f"refs/heads/{emu.get_repo(REPO).pulls[2].head_ref}") == head
    assert json.loads(again.outputs["promotion-prs"])[0]["status"] == "unchanged"


def test_dry_run_comments_the_plan_and_opens_nothing(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})

    step = run_step(emu, event, dry_run="true")

    assert step.code == 0, step.stdout
    assert promotion_prs(emu) == []
    [comment] = emu.get_repo(REPO).comments.values()
    assert comment.issue_number == 1
    assert "env/prod/app" in comment.body
    assert step.outputs["dry-run"] == "true"


def test_auto_approve_and_auto_merge(emu: GitHubEmulator, gh: GhRepository) -> None:
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions:\n      autoMerge: true\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config + "autoApprovePromotionPrs: true\n"})
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})

    step = run_step(emu, event, approver_token="approver-token")

    assert step.code == 0, step.stdout
    state = emu.get_repo(REPO)
    [number] = promotion_prs(emu)
    assert state.pulls[number].merged
    assert [(r.pull_number, r.user, r.state) for r in state.reviews] == [
        (number, "approver", "APPROVED")
    ]
    [comment] = state.comments.values()
    assert (comment.issue_number, "Auto merge is enabled" in comment.body) == (1, True)
    assert tree_id(emu, "main", "env/prod/app") == tree_id(emu, "main", "env/staging/app")


def test_merging_a_promotion_pr_opens_the_next_stage(emu: GitHubEmulator, gh: GhRepository) -> None:
    assert run_step(emu, merge_change(emu, gh, {"env/staging/app/values.yaml": "v2\n"})).code == 0
    [first] = promotion_prs(emu)
    gh.get_pull(first).merge()

    step = run_step(emu, closed_event(emu, first))

    assert step.code == 0, step.stdout
    state = emu.get_repo(REPO)
    second = state.pulls[max(promotion_prs(emu))]
    assert tree_id(emu, second.head_ref, "env/dr/app") == tree_id(emu, "main", "env/prod/app")
    body = second.body or ""
    assert "#1" in body
    assert f"#{first}" in body
    assert second.assignees == ["telefonistka-bot"]


def test_one_failing_group_does_not_stop_the_others(emu: GitHubEmulator, gh: GhRepository) -> None:
    config = CONFIG.replace(
        '      - targetPaths: ["env/prod/"]\n',
        '      - targetPaths: ["env/prod/"]\n      - targetPaths: ["env/dr/"]\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.add_fault(method="POST", path=r"/git/refs$", status=403, times=1)

    step = run_step(emu, event)

    assert step.code == 1
    assert len(promotion_prs(emu)) == 1
    assert "::error title=telefonistka%3A promotion failed::" in step.stdout
    assert "contents: write" in step.stdout
    assert emu.get_repo(REPO).statuses[-1].state == "error"


def test_injected_502_and_secondary_rate_limit_are_survived(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.add_fault(method="POST", path=r"/git/trees$", status=502)
    emu.add_fault(
        path="/graphql$", query="createPullRequest", kind="secondary_rate_limit", retry_after=1
    )

    step = run_step(emu, event)

    assert step.code == 0, step.stdout
    assert len(promotion_prs(emu)) == 1
    assert [e.status for e in emu.requests if e.fault] == [502, 403]


def test_a_merge_answered_try_again_is_retried(emu: GitHubEmulator, gh: GhRepository) -> None:
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions:\n      autoMerge: true\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    again = {"message": "Base branch was modified. Review and try the merge again."}
    emu.add_fault(method="PUT", path=r"/merge$", status=405, body=again)

    step = run_step(emu, event)

    assert step.code == 0, step.stdout
    [number] = promotion_prs(emu)
    assert emu.get_repo(REPO).pulls[number].merged
    merges = [e.status for e in emu.requests if e.path.endswith(f"/pulls/{number}/merge")]
    assert merges == [405, 200]


def test_a_closed_unmerged_pr_costs_nothing_without_argocd(emu: GitHubEmulator) -> None:
    """Only Argo CD apps following its branch would move back; with no server, nothing."""
    step = run_step(emu, WEBHOOKS / "pull_request.closed.json")

    assert (step.code, step.outputs) == (0, {})
    assert "no Argo CD server is configured, so nothing follows its branch" in step.stdout
    assert emu.requests == []


def test_an_unhandled_event_name_exits_zero(emu: GitHubEmulator) -> None:
    step = run_step(emu, WEBHOOKS / "issue_comment.created.json", name="release")

    assert step.code == 0
    assert "not handled" in step.stdout


def test_a_bad_payload_is_an_error_annotation(emu: GitHubEmulator, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"action": "closed", "pull_request": {}}')

    step = run_step(emu, event)

    assert step.code == 1
    assert step.summary.startswith("### ❌ telefonistka")
    assert step.stdout.splitlines()[-1].startswith("::error title=telefonistka::pull_request")


def commit_modes(gh: GhRepository, files: dict[str, tuple[str, str | None]]) -> None:
    """Commit ``{path: (mode, content or None to delete)}`` on main through the API."""
    head = gh.get_git_commit(gh.get_branch("main").commit.sha)
    elements = [
        InputGitTreeElement(path, mode, "blob", content=content)
        if content is not None
        else InputGitTreeElement(path, mode, "blob", sha=None)
        for path, (mode, content) in files.items()
    ]
    tree = gh.create_git_tree(elements, base_tree=head.tree)
    commit = gh.create_git_commit("modes", tree, [head])
    gh.get_git_ref("heads/main").edit(commit.sha)


def ls_tree(emu: GitHubEmulator, rev: str, path: str) -> list[tuple[str, str]]:
    """(mode, path below ``path``) of every file under ``path`` at ``rev``."""
    out = emu.get_repo(REPO).git.run("ls-tree", "-r", rev, f"{path}/").decode()
    rows = (line.split("\t", 1) for line in out.splitlines())
    return [(meta.split()[0], name.removeprefix(f"{path}/")) for meta, name in rows]


def test_modes_and_deletions_are_carried_into_the_target(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    commit_modes(
        gh,
        {
            "env/staging/app/run.sh": ("100755", "#!/bin/sh\n"),
            "env/staging/app/current": ("120000", "values.yaml"),
        },
    )
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})

    assert run_step(emu, event).code == 0
    branch = emu.get_repo(REPO).pulls[promotion_prs(emu)[0]].head_ref
    assert ls_tree(emu, branch, "env/prod/app") == [
        ("120000", "current"),
        ("100755", "run.sh"),
        ("100644", "values.yaml"),
    ]  # old.yaml, absent from the source, is gone


def test_a_deleted_component_deletes_its_targets(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": None})

    assert run_step(emu, event).code == 0
    branch = emu.get_repo(REPO).pulls[promotion_prs(emu)[0]].head_ref
    assert ls_tree(emu, branch, "env/prod/app") == []
    assert ls_tree(emu, branch, "env/dr/app") == [("100644", "values.yaml")]


def test_grouped_and_per_target_prs_with_a_blocked_target(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    config = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/", "env/dr/"]
        targetDescription: "prod and dr"
      - targetPaths: ["env/qa/"]
"""
    emu.commit_files(
        REPO,
        {
            "telefonistka.yaml": config,
            "env/qa/app/values.yaml": "tag: v1\n",
            "env/staging/app/telefonistka.yaml": 'promotionTargetBlockList: ["env/dr/"]\n',
        },
    )
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    step = run_step(emu, event)

    assert step.code == 0, step.stdout
    assert len(emu.requests) == 5 + 4 * 2 + 1  # + the component configuration
    pulls = emu.get_repo(REPO).pulls
    titles = sorted(pulls[n].title for n in promotion_prs(emu))
    assert titles == ["🚀 Promotion: app ➡️  env/qa/", "🚀 Promotion: app ➡️  prod and dr"]
    grouped = next(pulls[n] for n in promotion_prs(emu) if "prod and dr" in pulls[n].title)
    assert tree_id(emu, grouped.head_ref, "env/prod/app") == tree_id(emu, "main", "env/staging/app")
    assert tree_id(emu, grouped.head_ref, "env/dr/app") == tree_id(emu, "main", "env/dr/app")
    assert "env/dr/" in (grouped.body or "")  # the skipped target is reported


def test_an_allow_list_keeps_only_the_allowed_targets(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    config = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/", "env/dr/", "env/qa/"]
"""
    emu.commit_files(
        REPO,
        {
            "telefonistka.yaml": config,
            "env/qa/app/values.yaml": "tag: v1\n",
            "env/staging/app/telefonistka.yaml": 'promotionTargetAllowList: ["^env/(prod|qa)/$"]\n',
        },
    )
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    step = run_step(emu, event)

    assert step.code == 0, step.stdout
    assert len(emu.requests) == 5 + 4 + 1  # one PR, + the component configuration
    [number] = promotion_prs(emu)
    pull = emu.get_repo(REPO).pulls[number]
    for target in ("env/prod/app", "env/qa/app"):
        assert tree_id(emu, pull.head_ref, target) == tree_id(emu, "main", "env/staging/app")
    assert tree_id(emu, pull.head_ref, "env/dr/app") == tree_id(emu, "main", "env/dr/app")
    changed = emu.get_repo(REPO).git.run("diff", "--name-only", "main", pull.head_ref)
    folders = {path.rsplit("/", 1)[0] for path in changed.decode().split()}
    assert folders == {"env/prod/app", "env/qa/app"}  # nothing outside the allowed targets
    assert "env/dr/" in (pull.body or "")  # the skipped target is reported


def test_a_label_condition_picks_the_flow(emu: GitHubEmulator, gh: GhRepository) -> None:
    config = """\
promotionPaths:
  - sourcePath: "env/staging/"
    conditions:
      prHasLabels: ["hotfix"]
    promotionPrs:
      - targetPaths: ["env/dr/"]
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
"""
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    gh.create_git_ref("refs/heads/fix", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, {"env/staging/app/values.yaml": "tag: v2\n"}, branch="fix")
    pull = gh.create_pull(title="fix", body="", head="fix", base="main")
    pull.add_to_labels("hotfix")
    pull.merge()

    step = run_step(emu, closed_event(emu, pull.number))

    assert step.code == 0, step.stdout
    [number] = promotion_prs(emu)
    assert emu.get_repo(REPO).pulls[number].title.endswith("env/dr/")


def test_a_pr_with_more_than_3000_files(emu: GitHubEmulator, gh: GhRepository) -> None:
    many: dict[str, str | None] = {f"env/staging/app/f{i:04}.yaml": f"{i}\n" for i in range(3001)}
    event = merge_change(emu, gh, many)
    assert json.loads(event.read_text())["pull_request"]["changed_files"] == len(many)
    emu.reset()

    step = run_step(emu, event)

    assert step.code == 0, step.stdout
    branch = emu.get_repo(REPO).pulls[promotion_prs(emu)[0]].head_ref
    assert tree_id(emu, branch, "env/prod/app") == tree_id(emu, "main", "env/staging/app")
    assert not any(entry.route and entry.route.endswith("/files") for entry in emu.requests)
    # the two trees of the PR (base, head) instead of 31 pages of files
    assert len(emu.requests) == 5 + 2 + 4


def test_the_event_command_runs_the_same_dispatcher(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    env = {"PATH": os.environ.get("PATH", ""), "GITHUB_TOKEN": "bot-token"}

    done = subprocess.run(
        [
            *(sys.executable, "-m", "telefonistka", "event", "--type", "pull_request"),
            *("--file", str(event), "--api-url", emu.base_url),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert len(promotion_prs(emu)) == 1
    assert "output promotion-prs: [{" in done.stdout


def test_a_rerun_after_the_default_branch_moved_updates_the_branch_and_pr(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    assert run_step(emu, event).code == 0
    [number] = promotion_prs(emu)
    branch = emu.get_repo(REPO).pulls[number].head_ref
    main = emu.commit_files(REPO, {"README.md": "moved on\n"})

    again = run_step(emu, event)

    assert again.code == 0, again.stdout
    assert promotion_prs(emu) == [number]
    assert json.loads(again.outputs["promotion-prs"])[0]["status"] == "updated"
    git = emu.get_repo(REPO).git
    assert git.run("rev-parse", f"{branch}^").decode().strip() == main
    assert tree_id(emu, branch, "env/prod/app") == tree_id(emu, "main", "env/staging/app")


def test_two_concurrent_runs_of_one_event_open_one_pr(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.set_latency(1.0, path=r"/git/ref/heads/promotions")  # both likely see no branch yet

    with ThreadPoolExecutor(max_workers=2) as pool:
        steps = list(
            pool.map(
                lambda i: run_entrypoint(emu, event, env={"RUNNER_NAME": f"runner-{i}"}), range(2)
            )
        )

    assert [step.code for step in steps] == [0, 0], steps[0].stdout + steps[1].stdout
    assert len(promotion_prs(emu)) == 1  # whichever run lost a race took the winner's over


def dispatch_payload(emu: GitHubEmulator) -> Path:
    """A ``workflow_dispatch`` delivery of promote-again.yml in this repository."""
    workflow = ".github/workflows/promote-again.yml"
    return dispatch_event(emu.workdir, REPO, workflow, {"pr": "1"})


def test_promote_pr_promotes_a_merged_pr_again(emu: GitHubEmulator, gh: GhRepository) -> None:
    """The recovery for a missed merge event: dispatch with ``promote-pr``; a second
    dispatch finds the PR it opened and changes nothing."""
    merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    first = run_step(emu, dispatch_payload(emu), "workflow_dispatch", promote_pr="1")
    again = run_step(emu, dispatch_payload(emu), "workflow_dispatch", promote_pr="1")

    assert first.code == 0, first.stdout + first.stderr
    assert again.code == 0, again.stdout + again.stderr
    [number] = promotion_prs(emu)
    [opened] = json.loads(first.outputs["promotion-prs"])
    assert (opened["number"], opened["status"]) == (number, "created")
    [found] = json.loads(again.outputs["promotion-prs"])
    assert (found["number"], found["status"]) == (number, "unchanged")
    assert "promoting merged PR #1 again" in first.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "the `promote-pr` input must be a PR number, got 'abc'"),
        ("2", "PR #2 is not merged: only a PR merged into 'main' is promoted"),
    ],
)
def test_promote_pr_of_a_bad_or_open_pr_is_an_input_error(
    emu: GitHubEmulator, gh: GhRepository, value: str, message: str
) -> None:
    merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    gh.create_git_ref("refs/heads/open", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, {"env/staging/app/values.yaml": "tag: v3\n"}, branch="open")
    gh.create_pull(title="open", body="", head="open", base="main")

    step = run_step(emu, dispatch_payload(emu), "workflow_dispatch", promote_pr=value)

    assert step.code == 2, step.stdout + step.stderr
    assert message in step.stdout


def test_a_rerun_after_a_failed_merge_posts_the_auto_merge_comment_once(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The run posted "Auto merge is enabled", then the merge failed (or the run was
    killed): its re-run merges, and the merged PR still carries one such comment."""
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions:\n      autoMerge: true\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.add_fault(method="PUT", path=r"/merge$", status=403, times=1)

    assert run_step(emu, event).code == 1  # the merge was refused
    assert run_step(emu, event).code == 0  # "Re-run failed jobs"

    [number] = promotion_prs(emu)
    assert emu.get_repo(REPO).pulls[number].merged
    notes = [c for c in emu.get_repo(REPO).comments.values() if "Auto merge" in c.body]
    assert len(notes) == 1


def gated_config(extra_flow: str = "", top: str = "") -> str:
    """The auto-merged staging → prod flow with ``extra_flow`` lines under it (gates)."""
    flow = '  - sourcePath: "env/staging/"\n'
    return (
        CONFIG.replace(flow, flow + "    conditions:\n      autoMerge: true\n" + extra_flow) + top
    )


def _window_now(open_now: bool) -> str:
    """A window open all of yesterday, today and tomorrow (or only two days from now, so
    closed now): written when the parameters are collected, it must still be right when
    the test runs, if midnight passed in between."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    today = datetime.now(UTC).weekday()
    chosen = [days[(today + d) % 7] for d in ((-1, 0, 1) if open_now else (2,))]
    return (
        f'        - days: [{", ".join(chosen)}]\n          hours: "00:00-24:00"\n'
        "          timezone: UTC\n"
    )


@pytest.mark.parametrize(
    ("extra_flow", "top", "merged", "why"),
    [
        ("    gates:\n      windows:\n" + _window_now(True), "", True, ""),
        ("    gates:\n      windows:\n" + _window_now(False), "", False, "outside window: opens"),
        ("    gates:\n      soakTime: 1h\n", "", False, "soaking: 1h left"),
        (
            "",
            'freezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n'
            '    reason: release train\n    targets: ["env/prod/"]\n',
            False,
            "frozen: release train until 1 Jan",
        ),
        (
            "",
            'freezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n'
            '    reason: other targets\n    targets: ["env/qa/"]\n',
            True,
            "",
        ),
    ],
    ids=["window-open", "window-closed", "soak", "freeze", "freeze-elsewhere"],
)
def test_auto_merge_never_passes_gates_or_a_freeze(  # noqa: PLR0917 - the parameters
    emu: GitHubEmulator, gh: GhRepository, extra_flow: str, top: str, merged: bool, why: str
) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config(extra_flow, top)})
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is merged
    if why:
        assert f"PR #{pr['number']} is not auto-merged: {why}" in step.stdout


def merge_dated_change(
    emu: GitHubEmulator, gh: GhRepository, files: dict[str, str | None], age: timedelta
) -> tuple[Path, str]:
    """Like ``merge_change``, but the change was committed ``age`` ago; (event, its sha)."""
    gh.create_git_ref("refs/heads/feature", gh.get_branch("main").commit.sha)
    when = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    sha = emu.commit_files(REPO, files, branch="feature", date=when)
    pull = gh.create_pull(title="change", body="", head="feature", base="main")
    pull.merge()
    return closed_event(emu, pull.number), sha


@pytest.mark.parametrize(
    ("age", "e2e", "merged", "status"),
    [
        (timedelta(hours=3), "success", True, ("success", "all gates hold")),
        (timedelta(minutes=30), "success", False, ("pending", "soaking: 1h30m left")),
        (timedelta(hours=3), None, False, ("pending", "waiting: e2e/staging")),
        (timedelta(hours=3), "failure", False, ("pending", "waiting: e2e/staging is failure on")),
    ],
    ids=["soaked-and-green", "soaking", "no-check-yet", "check-failed"],
)
def test_the_gates_status_is_set_from_the_source_moment(  # noqa: PLR0917 - the parameters
    emu: GitHubEmulator,
    gh: GhRepository,
    age: timedelta,
    e2e: str | None,
    merged: bool,
    status: tuple[str, str],
) -> None:
    """Soak counts from the committer date of the commit that last changed the source
    folder; required statuses are read on that commit."""
    gates = '    gates:\n      soakTime: 2h\n      requireStatuses: ["e2e/staging"]\n'
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config(gates)})
    event, source = merge_dated_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}, age)
    if e2e is not None:
        gh.get_commit(source).create_status(e2e, context="e2e/staging")

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is merged
    head = emu.get_repo(REPO).pulls[pr["number"]].head_sha
    [gate] = [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/gates"]
    assert gate.sha == head
    assert gate.state == status[0]
    assert gate.description.startswith(status[1])


def test_a_flow_without_gates_and_no_freeze_sets_no_gates_status(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    step = run_step(emu, merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}))

    assert step.code == 0, step.stdout + step.stderr
    assert [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/gates"] == []


def scheduled(emu: GitHubEmulator, **inputs: str) -> Step:
    """A ``schedule`` run of the example report workflow (the gate pass, then the report)."""
    event = emu.workdir / "schedule.json"
    event.parent.mkdir(parents=True, exist_ok=True)
    repository = {"full_name": REPO, "default_branch": "main"}
    event.write_text(json.dumps({"schedule": "*/10 * * * *", "repository": repository}))
    return run_entrypoint(emu, event, "schedule", inputs)


def test_the_scheduled_pass_flips_pending_gates_and_merges_once_they_hold(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """Opened pending (no e2e run yet), the PR waits; the schedule runs re-read the facts,
    write the status only when it changes, and merge once every gate holds."""
    gates = '    gates:\n      soakTime: 1h\n      requireStatuses: ["e2e/staging"]\n'
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config(gates)})
    event, source = merge_dated_change(
        emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}, timedelta(hours=2)
    )
    opened = run_step(emu, event)
    [pr] = json.loads(opened.outputs["promotion-prs"])
    state = emu.get_repo(REPO)

    def gate_statuses() -> list[tuple[str, str]]:
        return [
            (s.state, s.description) for s in state.statuses if s.context == "telefonistka/gates"
        ]

    assert gate_statuses() == [("pending", "waiting: e2e/staging")]
    first = scheduled(emu)  # nothing changed: nothing written
    assert first.code == 0, first.stdout + first.stderr
    assert gate_statuses() == [("pending", "waiting: e2e/staging")]
    assert not state.pulls[pr["number"]].merged

    gh.get_commit(source).create_status("success", context="e2e/staging")
    second = scheduled(emu)

    assert second.code == 0, second.stdout + second.stderr
    assert gate_statuses() == [
        ("pending", "waiting: e2e/staging"),
        ("success", "all gates hold"),
    ]
    assert state.pulls[pr["number"]].merged
    assert second.outputs["gates-merged"] == str(pr["number"])
    assert f"#{pr['number']}: merged, every gate holds" in second.summary


def test_a_dispatch_with_gates_true_runs_the_pass_alone(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    top = (
        'freezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n'
        "    reason: release train\n"
    )
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config("", top)})
    opened = run_step(emu, merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}))
    [pr] = json.loads(opened.outputs["promotion-prs"])
    assert not pr["merged"]
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config()})  # the freeze lifted
    event = dispatch_event(emu.workdir, REPO, "gates.yml", {"gates": "true"})

    step = run_entrypoint(emu, event, "workflow_dispatch", {"gates": "true"})

    assert step.code == 0, step.stdout + step.stderr
    assert emu.get_repo(REPO).pulls[pr["number"]].merged
    assert "report" not in step.outputs  # the pass alone


@pytest.mark.usefixtures("gh")  # the seeded repository
def test_a_schedule_run_leaves_out_what_its_job_says(emu: GitHubEmulator) -> None:
    """report.yml gives the report and the gate pass their own jobs and rights."""
    only_gates = scheduled(emu, report="false")
    only_report = scheduled(emu, gates="false")

    assert (only_gates.code, only_report.code) == (0, 0), only_gates.stdout + only_report.stdout
    assert "gates-merged" in only_gates.outputs
    assert "report" not in only_gates.outputs
    assert "report" in only_report.outputs
    assert "gates-merged" not in only_report.outputs


def comment_as(emu: GitHubEmulator, token: str, number: int, body: str) -> Path:
    """A comment on PR ``number`` by the owner of ``token``; its ``created`` event file."""
    client = pygithub_client(emu, token).get_repo(REPO)
    client.get_pull(number).create_issue_comment(body)
    event = emu.events_named("issue_comment", "created")[-1]
    return event.write(emu.workdir / f"comment-{len(emu.events_named('issue_comment'))}.json")


@pytest.fixture
def people(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """The emulator with two people besides the bot: ``alice`` writes, ``mallory`` reads."""
    tokens = {"alice-token": "alice", "mallory-token": "mallory", "approver-token": "approver"}
    yield from checked_emulator(tmp_path / "github", tokens=tokens)


def test_break_glass_bypasses_the_gates_once_with_who_and_why(people: GitHubEmulator) -> None:
    emu = people
    emu.repo(REPO, SEED)
    gh = pygithub_client(emu, "author-token").get_repo(REPO)
    emu.get_repo(REPO).collaborators["alice"] = "write"
    emu.get_repo(REPO).collaborators["mallory"] = "read"
    top = (
        'freezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n'
        "    reason: release train\n"
    )
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config("", top)})
    opened = run_step(emu, merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}))
    [pr] = json.loads(opened.outputs["promotion-prs"])
    state = emu.get_repo(REPO)
    head = state.pulls[pr["number"]].head_sha

    def gate() -> tuple[str, str]:
        [last] = [s for s in state.statuses if s.context == "telefonistka/gates"][-1:]
        return last.state, last.description

    refused = run_step(
        emu, comment_as(emu, "mallory-token", pr["number"], "/break-glass now"), "issue_comment"
    )
    assert refused.code == 0, refused.stdout
    assert gate() == ("pending", "frozen: release train until 1 Jan")
    no_reason = run_step(
        emu, comment_as(emu, "alice-token", pr["number"], "/break-glass"), "issue_comment"
    )
    assert no_reason.code == 0, no_reason.stdout
    assert gate()[0] == "pending"

    step = run_step(
        emu,
        comment_as(emu, "alice-token", pr["number"], "/break-glass hotfix for INC-42"),
        "issue_comment",
    )

    assert step.code == 0, step.stdout + step.stderr
    assert gate() == ("success", "bypassed by @alice: hotfix for INC-42")
    [record] = [c.body for c in state.comments.values() if "Gates bypassed" in c.body]
    assert "by @alice at " in record
    assert f"`{head[:12]}`" in record
    assert "hotfix for INC-42" in record
    bodies = [c.body for c in state.comments.values()]
    assert any("needs a reason" in body for body in bodies)
    assert any("only people with write access" in body for body in bodies)
    assert scheduled(emu).code == 0  # the pass leaves a bypassed PR alone
    assert gate() == ("success", "bypassed by @alice: hotfix for INC-42")


@pytest.mark.parametrize(
    ("conclusion", "merged", "description"),
    [
        ("success", True, "all gates hold"),
        ("neutral", True, "all gates hold"),
        ("skipped", True, "all gates hold"),
        (None, False, "waiting: e2e/staging"),  # still running
        ("timed_out", False, "waiting: e2e/staging is timed_out on"),
    ],
)
def test_required_checks_may_be_check_runs(
    emu: GitHubEmulator, gh: GhRepository, conclusion: str | None, merged: bool, description: str
) -> None:
    gates = '    gates:\n      requireStatuses: ["e2e/staging"]\n'
    emu.commit_files(REPO, {"telefonistka.yaml": gated_config(gates)})
    event, source = merge_dated_change(
        emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}, timedelta(hours=1)
    )
    emu.add_check_run(REPO, source, "e2e/staging", conclusion)

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is merged
    [gate] = [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/gates"]
    assert gate.description.startswith(description)
