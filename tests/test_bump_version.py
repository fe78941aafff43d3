"""The bump use case end to end, through the GitHub emulator (GHES-style ``/api/v3`` root).

Each test seeds a target repo, bumps a file and checks the bare git repository and the
PRs the emulator holds: unchanged files open nothing, reruns reuse the branch and PR,
auto-merge lands the change, and edit errors stop before anything is written.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session

from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.bump import overwrite
from telefonistka.errors import BumpError, ForeignBranchError, RefNameError, UsageError
from telefonistka.usecases.bump_edits import regex_edit, yaml_edit
from telefonistka.usecases.bump_version import (
    BumpRequest,
    BumpStatus,
    Edit,
    branch_name,
    bump,
    pr_title,
)

TARGET = "acme/infra"
VALUES = "envs/prod/app/values.yaml"
SEED = {
    VALUES: "# prod values\nimage:\n  repository: app  # registry\n  tag: v1.0.0  # bumped\n",
    "README.md": "# infra\n",
}
SHA = "0123456789abcdef0123456789abcdef01234567"
BRANCH = branch_name("envs/prod/app/values.yaml")
REPO_ROUTE = "/repos/{owner}/{repo}"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github")


@pytest.fixture
def repo(emu: GitHubEmulator) -> Iterator[GitHubRepo]:
    emu.repo(TARGET, SEED)
    target = GitHubRepo("t", TARGET, emu.base_url, sleep=lambda _: None)
    yield target
    target.close()


def request(edit: Edit, **options: Any) -> BumpRequest:
    """A bump of ``VALUES`` triggered by acme/app@SHA by alice, with ``options`` changed."""
    return replace(BumpRequest(VALUES, edit, "acme/app", SHA, "alice"), **options)


def show(emu: GitHubEmulator, rev: str, path: str) -> str:
    git_dir = emu.get_repo(TARGET).git.path
    out = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=git_dir, capture_output=True, check=True, text=True
    )
    return out.stdout


def test_bump_yaml_opens_a_pr_changing_only_the_tag(emu: GitHubEmulator, repo: GitHubRepo) -> None:
    lines: list[str] = []
    outcome = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v1.1.0")), lines.append)

    assert outcome.status is BumpStatus.OPENED
    assert outcome.branch == BRANCH
    assert show(emu, BRANCH, VALUES) == SEED[VALUES].replace("v1.0.0", "v1.1.0")
    [pull] = emu.get_repo(TARGET).pulls.values()
    assert pull.title == pr_title("acme/app", VALUES) == f"acme/app🚠 Bumping version @ {VALUES}"
    assert f"triggered by acme/app@{SHA}" in pull.body
    assert "@alice" in pull.body
    assert "-  tag: v1.0.0  # bumped\n+  tag: v1.1.0  # bumped" in pull.body
    assert pull.base_ref == "main"
    assert pull.assignees == ["alice"]
    assert any("-  tag: v1.0.0" in line for line in lines)


def test_an_unchanged_file_opens_no_pr(emu: GitHubEmulator, repo: GitHubRepo) -> None:
    outcome = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v1.0.0")), lambda _: None)

    assert outcome.status is BumpStatus.UNCHANGED
    assert not emu.get_repo(TARGET).pulls
    assert repo.branch_head(BRANCH) is None


def test_a_rerun_updates_the_same_branch_and_pr(emu: GitHubEmulator, repo: GitHubRepo) -> None:
    first = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v1.1.0")), lambda _: None)
    head = repo.branch_head(BRANCH)
    same = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v1.1.0")), lambda _: None)
    assert repo.branch_head(BRANCH) == head  # same content: the branch is left alone
    second = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v1.2.0")), lambda _: None)

    assert (first.status, same.status, second.status) == (
        BumpStatus.OPENED,
        BumpStatus.UNCHANGED,  # the same bump again writes nothing
        BumpStatus.UPDATED,
    )
    assert first.pull is not None
    assert second.pull is not None
    assert second.pull.number == first.pull.number
    assert len(emu.get_repo(TARGET).pulls) == 1
    assert "v1.2.0" in show(emu, BRANCH, VALUES)


def test_auto_merge_lands_the_change_on_the_base_branch(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    outcome = bump(
        repo, request(yaml_edit(VALUES, ".image.tag", "v2.0.0"), auto_merge=True), lambda _: None
    )

    assert outcome.status is BumpStatus.MERGED
    assert outcome.merge_commit
    assert "tag: v2.0.0  # bumped" in show(emu, "main", VALUES)
    [pull] = emu.get_repo(TARGET).pulls.values()
    assert pull.merged


def test_auto_merge_retries_while_the_base_branch_settles(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    emu.add_fault(
        path=r"/pulls/\d+/merge$",
        method="PUT",
        status=405,
        body={"message": "Base branch was modified. Review and try the merge again."},
    )
    outcome = bump(
        repo,
        request(overwrite_edit(b"v3\n"), auto_merge=True, target_file="VERSION"),
        lambda _: None,
    )

    assert outcome.status is BumpStatus.MERGED
    assert show(emu, "main", "VERSION") == "v3\n"


def overwrite_edit(content: bytes) -> Edit:
    return lambda current: overwrite(current, content)


def test_overwrite_creates_a_new_file(emu: GitHubEmulator, repo: GitHubRepo) -> None:
    outcome = bump(
        repo,
        request(overwrite_edit(b"version: 7\n"), target_file="apps/new/version.yaml"),
        lambda _: None,
    )

    assert outcome.status is BumpStatus.OPENED
    assert outcome.diff.startswith("--- /dev/null\n+++ b/apps/new/version.yaml\n")
    branch = branch_name("apps/new/version.yaml")
    assert show(emu, branch, "apps/new/version.yaml") == "version: 7\n"
    assert show(emu, branch, VALUES) == SEED[VALUES]


def test_bump_regex_with_groups_on_a_named_base_branch(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    emu.commit_files(TARGET, {"README.md": "# infra\nversion: 1\n"}, branch="release")
    edit = regex_edit("README.md", r"(version:) \d+", "${1} 2")

    outcome = bump(
        repo, request(edit, target_file="README.md", base_branch="release"), lambda _: None
    )

    assert outcome.pull is not None
    assert outcome.pull.base_ref == "release"
    assert show(emu, branch_name("README.md"), "README.md") == "# infra\nversion: 2\n"


@pytest.mark.parametrize(
    ("path", "edit", "message"),
    [
        (VALUES, regex_edit(VALUES, "nope", "x"), "matches nothing"),
        ("missing.yaml", regex_edit("missing.yaml", "v1", "v2"), "does not exist"),
        ("missing.yaml", yaml_edit("missing.yaml", ".image.tag", "v2"), "does not exist"),
        (VALUES, yaml_edit(VALUES, ".image.digest", "v2"), "matches nothing"),
    ],
)
def test_edit_errors_write_nothing(
    emu: GitHubEmulator, repo: GitHubRepo, path: str, edit: Edit, message: str
) -> None:
    with pytest.raises(BumpError, match=message):
        bump(repo, request(edit, target_file=path), lambda _: None)
    assert not emu.get_repo(TARGET).pulls
    assert all(entry.method == "GET" for entry in emu.requests)


def test_dry_run_reads_only(emu: GitHubEmulator, repo: GitHubRepo) -> None:
    edit = yaml_edit(VALUES, ".image.tag", "v9")
    outcome = bump(repo, request(edit, dry_run=True), lambda _: None)

    assert outcome.status is BumpStatus.DRY_RUN
    assert "+  tag: v9  # bumped" in outcome.diff
    assert all(entry.method == "GET" for entry in emu.requests)


def test_beyond_the_listing_limit_only_the_folders_on_the_path_are_read(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    """A repository GitHub lists truncated: the bump reads a few folders, not the tree."""
    fleet = {
        f"envs/{env}/c{n}/app/values.yaml": f"image:\n  tag: v1.0.{n}\n"
        for env in ("lab", "prod")
        for n in range(20)
    }
    emu.commit_files(TARGET, fleet)
    emu.tree_entry_limit = 30  # the lab half is listed; prod is cut off
    target = "envs/prod/c19/app/values.yaml"

    outcome = bump(repo, request(yaml_edit(target, ".image.tag", "v2"), target_file=target))

    assert outcome.status is BumpStatus.OPENED
    assert show(emu, branch_name(target), target) == "image:\n  tag: v2\n"
    assert (
        show(emu, branch_name(target), "envs/prod/c18/app/values.yaml")
        == fleet["envs/prod/c18/app/values.yaml"]
    )
    routes = [(e.method, e.route) for e in emu.requests]
    tree_reads = [e.path for e in emu.requests if e.route == f"{REPO_ROUTE}/git/trees/{{tree_sha}}"]
    # One recursive listing, then envs, envs/prod, envs/prod/c19 and its app folder alone.
    assert [p.endswith("?recursive=1") for p in tree_reads] == [True, False, False, False, False]
    assert ("GET", f"{REPO_ROUTE}/git/commits/{{commit_sha}}") not in routes  # root tree known


# --- hostile inputs: nothing is written outside the bot's own branches ---------------------


def test_a_triggering_repo_with_dot_dot_cannot_move_the_default_branch(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    """The attack: ``x/../..`` and ``main`` made ``artifact_version_bump/x/../../main``,
    which the HTTP stack normalised to ``heads/main`` and force-moved."""
    main_before = emu.get_repo(TARGET).git.ref("refs/heads/main")
    sent_before = len(emu.requests)

    with pytest.raises(RefNameError, match=r"'x/\.\./\.\.' is unusable: it is not OWNER/NAME"):
        bump(
            repo,
            request(overwrite_edit(b"pwned\n"), triggering_repo="x/../..", triggering_sha="main"),
        )

    assert len(emu.requests) == sent_before  # refused before any request
    assert emu.get_repo(TARGET).git.ref("refs/heads/main") == main_before


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("../outside.yaml", "'[.][.]' component"),
        ("/envs/prod/app/values.yaml", "absolute"),
        (".git/config", "'.git' component"),
        ("envs/prod//values.yaml", "empty component"),
    ],
)
def test_a_target_file_that_is_not_a_plain_relative_path_is_refused_before_any_request(
    emu: GitHubEmulator, repo: GitHubRepo, target: str, why: str
) -> None:
    sent_before = len(emu.requests)

    with pytest.raises(UsageError, match=why):
        bump(repo, request(overwrite_edit(b"x\n"), target_file=target), lambda _: None)

    assert len(emu.requests) == sent_before


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("envs/prod/app", "is a folder"),
        ("README.md/values.yaml", "below 'README.md', which is a file"),
    ],
)
def test_a_target_that_is_a_folder_or_below_a_file_is_refused(
    emu: GitHubEmulator, repo: GitHubRepo, target: str, why: str
) -> None:
    with pytest.raises(UsageError, match=why):
        bump(repo, request(overwrite_edit(b"x\n"), target_file=target), lambda _: None)

    assert not emu.get_repo(TARGET).pulls
    assert set(emu.get_repo(TARGET).git.refs("refs/heads/")) == {"refs/heads/main"}


def test_the_adapter_never_moves_a_branch_outside_the_bots_namespaces(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    """One guard for every caller: even a direct call cannot force-move ``main``."""
    git = emu.get_repo(TARGET).git
    main_before = git.ref("refs/heads/main")
    sent_before = len(emu.requests)

    with pytest.raises(ForeignBranchError, match="refused to write branch 'main'"):
        repo.update_branch("main", "0" * 40, main_before)
    with pytest.raises(ForeignBranchError, match="'feature/x'"):
        repo.update_branch("feature/x", main_before or "", None)
    with pytest.raises(RefNameError, match=r"contains '\.\.'"):
        repo.update_branch("promotions/../../heads/main", main_before or "", main_before)
    with pytest.raises(RefNameError, match=r"contains '\.\.'"):
        repo.branch_head("promotions/../main")

    assert len(emu.requests) == sent_before
    assert git.ref("refs/heads/main") == main_before


# --- one branch and PR per target file, newest wins --------------------------------------


STAGING = "envs/staging/app/values.yaml"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"


def test_bumps_of_two_files_from_one_commit_keep_two_prs(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    """The bug: both bumps shared ``artifact_version_bump/<repo>/<sha>``; the second run
    force-moved it and the first bump was in no open PR."""
    emu.commit_files(TARGET, {STAGING: "image:\n  tag: v1.0.0\n"})
    prod = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v2")), lambda _: None)
    staging = bump(
        repo, request(yaml_edit(STAGING, ".image.tag", "v2"), target_file=STAGING), lambda _: None
    )

    assert prod.branch != staging.branch
    assert {p.state for p in emu.get_repo(TARGET).pulls.values()} == {"open"}
    assert len(emu.get_repo(TARGET).pulls) == 2
    assert "tag: v2" in show(emu, prod.branch, VALUES)
    assert "tag: v2" in show(emu, staging.branch, STAGING)


def test_a_newer_bump_of_a_file_updates_its_pr_and_says_what_it_replaced(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    """The bug: two commits bumping one file opened two PRs; merging the older one last
    downgraded."""
    first = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v2")), lambda _: None)
    newer = request(yaml_edit(VALUES, ".image.tag", "v3"), triggering_sha=OTHER_SHA)
    second = bump(repo, newer, lambda _: None)

    assert (first.status, second.status) == (BumpStatus.OPENED, BumpStatus.UPDATED)
    [pull] = emu.get_repo(TARGET).pulls.values()
    assert f"triggered by acme/app@{OTHER_SHA}" in pull.body
    assert "tag: v3" in show(emu, second.branch, VALUES)
    [comment] = [c.body.split("\n\n<!--")[0] for c in emu.get_repo(TARGET).comments.values()]
    assert comment == (
        f"Updated to the bump triggered by acme/app@{OTHER_SHA}; it replaces acme/app@{SHA}."
    )


def test_the_same_bump_again_changes_nothing(emu: GitHubEmulator, repo: GitHubRepo) -> None:
    bump(repo, request(yaml_edit(VALUES, ".image.tag", "v2")), lambda _: None)
    sent = len(emu.requests)

    again = bump(repo, request(yaml_edit(VALUES, ".image.tag", "v2")), lambda _: None)

    assert again.status is BumpStatus.UNCHANGED
    # Only content-addressed objects are written (to compare trees); no ref, PR or comment.
    writes = [f"{e.method} {e.route}" for e in emu.requests[sent:] if e.method != "GET"]
    assert [w for w in writes if "/git/blobs" not in w and "/git/trees" not in w] == []
    assert not emu.get_repo(TARGET).comments
