"""Rollback, first part: the pure plan (three snapshots in, the restoring changes out) and
``telefonistka rollback`` on a local repository."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from gitrepo import GitRepoBuilder
from test_cmd_promote import INITIAL, PROD, merge_branch, merge_pr, object_at, promote, rev
from test_sync import LINK, snapshot

from telefonistka.cli import main
from telefonistka.core.config.model import PromotionPath
from telefonistka.core.promotion.holds import (
    UNKNOWN,
    LabelledPr,
    active_holds,
    held_description,
    holding,
    marker,
)
from telefonistka.core.promotion.metadata import PromotionMetadata, PromotionStage
from telefonistka.core.promotion.planning import flow_matches
from telefonistka.core.promotion.rollback import (
    plan_rollback,
    rollback_branch,
    rollback_title,
)
from telefonistka.core.promotion.sync import apply_changes

BEFORE = {
    "env/prod/eu/app/values.yaml": "tag: v1",
    "env/prod/eu/app/old.yaml": "removed by the promotion",
    "env/prod/us/app/values.yaml": "tag: v1",
    "env/prod/us/app/link": (LINK, "values.yaml"),
    "env/staging/app/values.yaml": "tag: v2",
}
WROTE = {  # the promotion: eu and us get v2, old.yaml deleted, us's link gone, db created
    "env/prod/eu/app/values.yaml": "tag: v2",
    "env/prod/us/app/values.yaml": "tag: v2",
    "env/prod/eu/db/schema.sql": "create table t;",
    "env/staging/app/values.yaml": "tag: v2",
}
FOLDERS = ("env/prod/eu/app", "env/prod/us/app", "env/prod/eu/db")


def test_every_folder_the_promotion_wrote_is_restored_byte_for_byte() -> None:
    before, wrote = snapshot(BEFORE), snapshot(WROTE)

    plan = plan_rollback(before, wrote, wrote, FOLDERS)

    files = apply_changes(wrote, plan.changes)
    for folder in FOLDERS:
        assert {p: e for p, e in files.items() if p.startswith(f"{folder}/")} == {
            p: e for p, e in before.files_under("").items() if p.startswith(f"{folder}/")
        }
    assert "env/prod/eu/db/schema.sql" not in files  # a created folder is deleted
    assert files["env/prod/eu/app/old.yaml"] == before.entry("env/prod/eu/app/old.yaml")
    assert files["env/prod/us/app/link"] == before.entry("env/prod/us/app/link")  # a symlink
    assert files["env/staging/app/values.yaml"] == wrote.entry("env/staging/app/values.yaml")
    assert plan.restored == tuple(sorted(FOLDERS))


def test_a_folder_changed_since_is_left_to_a_person() -> None:
    before, wrote = snapshot(BEFORE), snapshot(WROTE)
    current = snapshot({**WROTE, "env/prod/us/app/values.yaml": "tag: v3"})  # a later merge

    plan = plan_rollback(before, wrote, current, FOLDERS)

    assert plan.changed_since == ("env/prod/us/app",)
    assert plan.restored == ("env/prod/eu/app", "env/prod/eu/db")
    assert not any(path.startswith("env/prod/us/") for path in plan.changes)


def test_a_rolled_back_promotion_has_nothing_to_do() -> None:
    before, wrote = snapshot(BEFORE), snapshot(WROTE)

    plan = plan_rollback(before, wrote, before, FOLDERS)

    assert plan.nothing_to_do
    assert plan.already == tuple(sorted(FOLDERS))


def test_names() -> None:
    assert rollback_branch(12, ["env/prod/us/app/", "env/prod/eu/app"]) == rollback_branch(
        12, ["env/prod/eu/app", "env/prod/us/app"]
    )
    assert rollback_branch(12, ["env/prod/eu/app"]).startswith("rollbacks/12-")
    assert (
        rollback_title(12, ["env/prod/eu/app", "env/prod/us/app", "env/prod/eu/db"])
        == "⏪ Rollback: app,db ➡️  env/prod/eu/ env/prod/us/ (reverts #12)"
    )


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    """The promote tests' repository: staging, three prod folders, all in sync."""
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.commit(INITIAL, message="initial")
    return builder


def promoted_and_merged(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> str:
    """PR #20 changes staging; its prod promotion is merged as PR #21: that merge commit."""
    merged = merge_pr(
        repo,
        20,
        "feature",
        {"env/staging/app/values.yaml": "tag: v2\n", "env/staging/app/new.yaml": "x: 1\n"},
    )
    code, out, err = promote(repo, capsys, commit=merged)
    assert code == 0, out + err
    branch = f"promotions/20-feature-{PROD}"
    return merge_branch(repo, 21, branch)


def rollback(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str], *args: str
) -> dict[str, Any]:
    code = main(["rollback", "--repo", str(repo.path), "--json", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    result: dict[str, Any] = json.loads(captured.out)
    return result


def test_a_local_rollback_restores_what_the_promotion_wrote(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge = promoted_and_merged(repo, capsys)
    before = rev(repo, f"{merge}^1")

    first = rollback(repo, capsys, "--commit", merge, "--reason", "prod pages")
    again = rollback(repo, capsys, "--commit", merge)

    assert (first["status"], again["status"]) == ("created", "unchanged")
    assert first["restored"] == ["env/prod-eu/app", "env/prod-us/app"]
    branch = first["branch"]
    assert branch.startswith("rollbacks/21-")
    for folder in first["restored"]:
        assert object_at(repo, branch, folder) == object_at(repo, before, folder)
    assert object_at(repo, branch, "env/staging/app") == object_at(repo, merge, "env/staging/app")
    message = repo.git("log", "-1", "--format=%B", branch)
    assert message.startswith("⏪ Rollback: app ➡️  env/prod-eu/ env/prod-us/ (reverts #21)")
    assert "**Reason:** prod pages" in message


def test_a_folder_changed_since_is_listed_not_rolled_back(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge = promoted_and_merged(repo, capsys)
    repo.commit({"env/prod-us/app/values.yaml": "tag: hotfix\n"}, message="hotfix us")

    result = rollback(repo, capsys, "--commit", merge)

    assert result["restored"] == ["env/prod-eu/app"]
    assert result["changed_since"] == ["env/prod-us/app"]
    assert repo.git("show", f"{result['branch']}:env/prod-us/app/values.yaml") == "tag: hotfix"


def test_a_rolled_back_promotion_opens_nothing_and_a_plain_commit_is_refused(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge = promoted_and_merged(repo, capsys)
    repo.commit(
        {"env/prod-eu/app/values.yaml": "tag: v1\n", "env/prod-us/app/values.yaml": "tag: v1\n"},
        message="by hand",
    )

    assert rollback(repo, capsys, "--commit", merge)["status"] == "nothing-to-do"
    code = main(
        ["rollback", "--repo", str(repo.path), "--commit", f"{merge}^1", "--pr-number", "3"]
    )
    assert code == 2
    assert "did not merge a promotion" in capsys.readouterr().err


def test_holds_count_only_merged_rollbacks_of_the_bot_until_they_run_out() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    body = "restores …\n\n" + marker(["env/prod/eu/app"], timedelta(hours=24))
    forever = marker(["env/prod/us/app"], None)
    prs = [
        LabelledPr(7, "bot[bot]", body, "2026-12-06T00:00:00Z"),
        LabelledPr(8, "bot[bot]", body, "2026-12-04T00:00:00Z"),  # ran out
        LabelledPr(9, "mallory", forever, "2026-12-06T00:00:00Z"),  # not the bot's
        LabelledPr(10, "bot[bot]", forever, ""),  # closed, never merged
        LabelledPr(11, "bot[bot]", forever, "2026-01-01T00:00:00Z"),  # until released
        LabelledPr(12, "bot[bot]", "no marker", "2026-12-06T00:00:00Z"),
    ]

    holds = active_holds(prs, now, lambda login: login == "bot[bot]")

    assert [h.pr for h in holds] == [7, 11]
    assert holding(holds, ["env/prod/eu/app"]).pr == 7  # type: ignore[union-attr]
    assert holding(holds, ["env/prod/"]).pr == 11  # type: ignore[union-attr]  # a wider target
    assert holding(holds, ["env/prod/eu/db"]) is None
    assert held_description(UNKNOWN).startswith("held: the holds")
    assert holding([UNKNOWN], ["anything"]) is UNKNOWN


def test_a_promotion_s_flow_is_found_by_the_planning_rule() -> None:
    """The gate pass and rollbacks find a PR's flow as planning matched it: from the start,
    ending on a folder boundary (``env/stag`` is not a flow of ``env/staging/``)."""
    near = PromotionPath("env/stag", ())
    real = PromotionPath("env/staging/", ())
    meta = PromotionMetadata("a", 1, (), {3: PromotionStage("env/staging/", ("env/prod/",))})

    assert meta.newest_stage == PromotionStage("env/staging/", ("env/prod/",))
    assert not flow_matches(near, "env/staging/")
    assert flow_matches(real, "env/staging/")
    assert PromotionMetadata("a", 1).newest_stage is None


def test_a_folder_name_cannot_end_the_hidden_marker() -> None:
    line = marker(["env/prod/x-->y"], None)

    assert line.count("-->") == 1
    [hold] = active_holds(
        [LabelledPr(4, "bot", f"body\n{line}", "2026-01-01T00:00:00Z")],
        datetime(2026, 12, 6, tzinfo=UTC),
        lambda _login: True,
    )
    assert hold.folders == ("env/prod/x-->y",)
