"""Promotion on merge through ``GitHubRepo``, in-process against the GitHub emulator.

The end-to-end runs are in ``test_entrypoint.py``; these call ``MergedPrPromotion``
directly to look at single decisions: where the changed components come from, which
requests are spent, how an existing PR is reused, what fails and how it is reported.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import checked_emulator

from telefonistka.action.context import Context
from telefonistka.action.routes import dispatch
from telefonistka.action.settings import Identity, Settings
from telefonistka.action.workflow import Workflow
from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.events.pull_request import PullRequestEvent, pull_request_event_from_json
from telefonistka.core.promotion.metadata import (
    PromotionMetadata,
    encode_metadata_block,
    extract_metadata,
)
from telefonistka.core.promotion.planning import Conflict, Plan
from telefonistka.core.text.markdown import text as markdown_text
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import MissingConfigError
from telefonistka.usecases.promote_merged_pr import MergedPrPromotion, MergedPrResult

REPO = "acme/infra"
CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
"""
SEED = {
    "telefonistka.yaml": CONFIG,
    "env/staging/app/values.yaml": "tag: v1\n",
    "env/staging/db/values.yaml": "size: s\n",
    "env/prod/app/values.yaml": "tag: v1\n",
    "env/prod/db/values.yaml": "size: s\n",
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emu in checked_emulator(tmp_path / "github"):
        emu.repo(REPO, SEED)
        yield emu


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    client = pygithub_client(emu, "author")
    return client.get_repo(REPO)


def merged_payload(
    emu: GitHubEmulator,
    gh: GhRepository,
    files: dict[str, str | None],
    body: str = "",
    *,
    head: str = "feature",
    labels: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Merge a PR changing ``files``; its ``closed`` delivery (the request log is cleared)."""
    gh.create_git_ref(f"refs/heads/{head}", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch=head)
    pull = gh.create_pull(title="change", body=body, head=head, base="main")
    if labels:
        pull.add_to_labels(*labels)
    pull.merge()
    payload = emu.events_named("pull_request", "closed")[-1].payload
    emu.reset()
    return payload


def merged(*args: Any, **options: Any) -> PullRequestEvent:
    """``merged_payload`` parsed: the ``closed`` event of the merged PR."""
    return pull_request_event_from_json(merged_payload(*args, **options))


BOT_PROMOTION = {"head": "promotions/7-feature-0123456789ab", "labels": ("promotion",)}


def promote(emu: GitHubEmulator, event: PullRequestEvent, **options: object) -> MergedPrResult:
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)
    logs: list[str] = []
    run = MergedPrPromotion(repo, event, Renderer(), log=logs.append, **options)  # type: ignore[arg-type]
    return run.run()


def routes(emu: GitHubEmulator) -> list[str]:
    return [f"{entry.method} {entry.route}" for entry in emu.requests]


def test_a_missing_config_fails_the_run_and_the_status(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merged(emu, gh, {"telefonistka.yaml": None, "env/staging/app/values.yaml": "v2\n"})

    with pytest.raises(
        MissingConfigError, match=r"no telefonistka\.yaml at the root of branch 'main'"
    ):
        promote(emu, event)

    statuses = emu.get_repo(REPO).statuses
    assert [s.state for s in statuses] == ["pending", "error"]
    assert "telefonistka.yaml" in (statuses[-1].description or "")


def test_a_promotion_pr_is_planned_from_its_metadata_without_listing_files(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.commit_files(REPO, {"env/prod/db/values.yaml": "size: l\n"})  # db drifted on main
    metadata = PromotionMetadata("alice", 7, ("env/staging/db",))
    block = encode_metadata_block(metadata)
    event = merged(emu, gh, {"env/staging/app/values.yaml": "v2\n"}, block, **BOT_PROMOTION)

    result = promote(emu, event)

    [group] = result.groups
    assert group.outcome.promotion.components == ("db",)  # from metadata, not from the files
    assert result.warnings == ()
    assert not any("/files" in r for r in routes(emu))
    assert group.pr is not None
    assert emu.get_repo(REPO).pulls[group.pr.number].assignees == ["alice"]


def test_over_3000_changed_files_compares_trees_instead_of_listing(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "v2\n"})
    pull = dataclasses.replace(event.pull_request, changed_files=3001)

    result = promote(emu, dataclasses.replace(event, pull_request=pull))

    assert [g.outcome.promotion.components for g in result.groups] == [("app",)]
    assert not any("/files" in r for r in routes(emu))


def test_an_existing_open_pr_is_updated_in_place(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "v2\n"})
    [first] = promote(emu, event).opened
    assert first.pr is not None
    gh.get_pull(first.pr.number).edit(title="edited by hand")

    [again] = promote(emu, event).opened

    assert again.pr is not None
    assert again.pr.number == first.pr.number
    pulls = emu.get_repo(REPO).pulls
    assert len(pulls) == 2  # the merged PR and one promotion PR
    assert pulls[first.pr.number].title == first.outcome.title
    assert "PATCH /repos/{owner}/{repo}/pulls/{pull_number}" in routes(emu)


def test_auto_approve_without_an_approver_fails_that_group_only(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "autoApprovePromotionPrs: true\n"})
    event = merged(emu, gh, {"env/staging/app/values.yaml": "v2\n"})

    result = promote(emu, event)

    [group] = result.groups
    assert group.pr is not None  # the PR is open; only the approval is missing
    [failure] = result.failures
    assert "no approver identity is configured" in failure
    assert "approver-token" in failure
    assert emu.get_repo(REPO).statuses[-1].state == "error"


def test_groups_already_in_sync_open_nothing(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merged(
        emu, gh, {"env/staging/app/values.yaml": "v2\n", "env/prod/app/values.yaml": "v2\n"}
    )

    result = promote(emu, event)

    assert [str(g.outcome.status) for g in result.groups] == ["in-sync"]
    assert (result.opened, result.failures) == ([], ())
    assert json.loads(result.outputs()["promotion-prs"]) == []
    assert "| in-sync |" in result.summary()


def test_dry_run_override_comments_the_plan(emu: GitHubEmulator, gh: GhRepository) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "v2\n"})

    result = promote(emu, event, dry_run=True)

    assert result.dry_run
    assert "Dry run: the plan was commented on #1" in result.summary()
    assert routes(emu).count("POST /repos/{owner}/{repo}/issues/{issue_number}/comments") == 1
    assert not any("git/refs" in r for r in routes(emu))


def test_the_summary_names_conflicts_warnings_and_failures() -> None:
    plan = Plan(conflicts=(Conflict("env/prod/app", ("env/a/app", "env/b/app")),), warnings=("w",))
    result = MergedPrResult(5, plan, failures=("promotion 'x' (branch b): boom",))

    summary = result.summary()

    assert summary.splitlines() == [
        "### Telefonistka: promotion of #5",
        "",
        "Nothing to promote.",
        "",
        "- ⚠️ conflict: `env/prod/app` left out, its sources differ: `env/a/app`, `env/b/app`",
        "- ⚠️ w",
        "- ❌ promotion 'x' (branch b): boom",
    ]
    assert result.status_description == "1 promotion step(s) failed; see the job log"


def test_the_registered_route_reports_outputs_and_summary(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    body = json.dumps(merged_payload(emu, gh, {"env/staging/app/values.yaml": "v2\n"}))
    settings = Settings(
        "pull_request", Path("e"), Identity(token="bot"), api_url=emu.base_url, on_runner=True
    )
    stream = io.StringIO()

    report = dispatch("pull_request", body, Context(settings, Workflow(settings, stream)))

    assert report is not None
    assert report.failures == ()
    [pr] = json.loads(report.outputs["promotion-prs"])
    assert f"[#{pr['number']}]" in report.summary
    assert "::group::Promotion of PR #1" in stream.getvalue()
    assert "GitHub API requests: 9 (3 GraphQL" in stream.getvalue()  # 5 + 4 per promotion PR


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ({}, "its head branch 'feature' is not under promotions/; it has no 'promotion' label"),
        ({"head": "promotions/7-x-0123456789ab"}, "it has no 'promotion' label"),
        ({"labels": ("promotion",)}, "its head branch 'feature' is not under promotions/"),
        ({**BOT_PROMOTION, "author": "mallory"}, "its author @mallory is not the bot"),
    ],
    ids=["typo-fix", "branch-only", "label-only", "human-author"],
)
def test_a_pasted_metadata_block_cannot_promote_what_the_pr_did_not_change(
    emu: GitHubEmulator, gh: GhRepository, where: dict[str, Any], why: str
) -> None:
    """The attack: a "typo fix" PR carrying a hidden block naming ``db`` promoted an
    unreviewed component to prod and assigned whoever the block named."""
    emu.commit_files(REPO, {"env/staging/db/values.yaml": "size: xl\n"})  # unreviewed
    block = encode_metadata_block(PromotionMetadata("eve", 7, ("env/staging/db",)))
    options = {key: value for key, value in where.items() if key != "author"}
    payload = merged_payload(emu, gh, {"env/staging/app/values.yaml": "v2\n"}, block, **options)
    if "author" in where:
        payload["pull_request"]["user"]["login"] = where["author"]

    result = promote(emu, pull_request_event_from_json(payload))

    [group] = result.groups
    assert group.outcome.promotion.components == ("app",)  # from the PR's files
    [warning] = result.warnings
    assert f"PR #{payload['number']} carries a promotion metadata block" in warning
    assert why in warning
    assert f"⚠️ {markdown_text(warning)}" in result.summary()
    assert group.pr is not None
    assert "eve" not in emu.get_repo(REPO).pulls[group.pr.number].assignees


def huge_merge(emu: GitHubEmulator) -> tuple[GitHubRepo, PullRequestEvent]:
    """A merged PR changing 300 components, each promoted to 10 targets in one group."""
    targets = [f"env/prod/c{i}/" for i in range(10)]
    config = (
        "promotionPaths:\n  - sourcePath: env/staging/\n    promotionPrs:\n"
        f"      - targetPaths: {json.dumps(targets)}\n        targetDescription: prod\n"
    )
    names = [f"component-{i:03d}" for i in range(300)]
    seed = {"telefonistka.yaml": config}
    seed |= {f"env/staging/{n}/values.yaml": "v: 1\n" for n in names}
    emu.repo("acme/huge", seed)
    gh = pygithub_client(emu, "author").get_repo("acme/huge")
    gh.create_git_ref("refs/heads/feature", gh.get_branch("main").commit.sha)
    emu.commit_files(
        "acme/huge", {f"env/staging/{n}/values.yaml": "v: 2\n" for n in names}, branch="feature"
    )
    gh.create_pull(title="bump all", body="", head="feature", base="main").merge()
    event = pull_request_event_from_json(emu.events_named("pull_request", "closed")[-1].payload)
    return GitHubRepo("bot", "acme/huge", emu.base_url, sleep=lambda _: None), event


def test_a_huge_plan_comment_fits_githubs_limit(emu: GitHubEmulator) -> None:
    repo, event = huge_merge(emu)

    result = MergedPrPromotion(repo, event, Renderer(), dry_run=True, log=lambda _: None).run()

    assert result.dry_run
    [comment] = emu.get_repo("acme/huge").comments.values()
    assert len(comment.body) <= 65_536
    assert "more pairs.*" in comment.body
    assert "Shortened to fit GitHub's 65,536-character comment limit" in comment.body
    assert len(result.plan.promotions[0].sync) == 3000  # the plan itself is whole


def test_a_huge_grouped_promotion_fits_githubs_limits(emu: GitHubEmulator) -> None:
    """300 components x 10 targets once rendered a 176,733-character body, which GitHub
    (and the emulator) refuses: the body shortens its pair table and drops the promoted
    paths from its metadata, each with a visible note, and the title keeps its target."""
    repo, event = huge_merge(emu)

    result = MergedPrPromotion(repo, event, Renderer(), log=lambda _: None).run()

    assert result.failures == ()
    [group] = result.groups
    assert group.pr is not None
    pull = emu.get_repo("acme/huge").pulls[group.pr.number]
    assert len(pull.body) <= 65_536
    assert len(pull.title) <= 256
    assert pull.title.endswith(" more ➡️  prod")
    assert "more pairs, not listed: GitHub limits a PR body to 65,536 characters" in pull.body
    assert "promoted paths were left out of the hidden metadata" in pull.body
    metadata = extract_metadata(pull.body)
    assert metadata is not None
    assert (metadata.original_pr_number, metadata.promoted_paths) == (1, ())


FORBIDDEN = {"message": "Forbidden"}


def test_promotion_prs_output_lists_failed_groups_with_their_error(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "v2\n"})
    emu.add_fault(path="/graphql$", query="createPullRequest", status=403, body=FORBIDDEN)

    result = promote(emu, event)

    [failed] = json.loads(result.outputs()["promotion-prs"])
    assert (failed["number"], failed["url"]) == (None, "")
    assert failed["branch"].startswith("promotions/")
    assert "403" in failed["error"]
    assert result.failures
