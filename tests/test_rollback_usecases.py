"""The rollback and auto-merge use cases called in-process against the GitHub emulator
(the end-to-end tests run them through ``entrypoint.py`` in a subprocess)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import checked_emulator
from test_promote_merged_pr import REPO, SEED, merged, promote

from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.promotion.holds import HOLD_LABEL
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import GitHubError, UsageError
from telefonistka.usecases.auto_merge import (
    MergeState,
    merge_respecting_protection,
    protection_refusal,
)
from telefonistka.usecases.gate_pass import GatePass
from telefonistka.usecases.rollback_pr import open_rollback_pr, release_hold

BOT = "telefonistka-bot"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emulator in checked_emulator(tmp_path / "github", login=BOT):
        emulator.repo(REPO, SEED)
        yield emulator


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    return pygithub_client(emu, "author-token").get_repo(REPO)


def bot(emu: GitHubEmulator) -> GitHubRepo:
    return GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)


def is_bot(login: str) -> bool:
    return login == BOT


def promoted(emu: GitHubEmulator, gh: GhRepository) -> int:
    """A promotion of staging's app to prod, opened by the bot and merged: its number."""
    result = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}))
    [group] = result.groups
    assert group.pr is not None
    gh.get_pull(group.pr.number).merge()
    return group.pr.number


def test_rollback_then_release_in_process(emu: GitHubEmulator, gh: GhRepository) -> None:
    number = promoted(emu, gh)
    repo = bot(emu)
    promotion = repo.get_pr(number)

    done = open_rollback_pr(
        repo, Renderer(), promotion, default_branch="main", is_bot=is_bot, requester="alice"
    )
    again = open_rollback_pr(
        repo, Renderer(), promotion, default_branch="main", is_bot=is_bot, requester="alice"
    )

    assert done.pr is not None
    assert again.pr is not None
    assert again.pr.number == done.pr.number
    assert done.message.startswith(f"rollback of #{number}: ")
    with pytest.raises(UsageError, match="not a merged rollback PR"):
        release_hold(repo, repo.get_pr(done.pr.number), "alice", is_bot)  # still open
    gh.get_pull(done.pr.number).merge()
    repo.add_labels(done.pr.number, [HOLD_LABEL])
    [held] = repo.merged_prs_labelled(HOLD_LABEL)
    assert (held.number, held.author) == (done.pr.number, BOT)
    assert "telefonistka:rollback" in held.body

    said = release_hold(repo, repo.get_pr(done.pr.number), "alice", is_bot)

    assert said == f"the hold of #{done.pr.number} is released"
    assert repo.merged_prs_labelled(HOLD_LABEL) == []
    assert release_hold(repo, repo.get_pr(done.pr.number), "alice", is_bot).endswith(
        "holds nothing any more"
    )
    nothing = open_rollback_pr(repo, Renderer(), promotion, default_branch="main", is_bot=is_bot)
    assert nothing.pr is None
    assert nothing.message.startswith(f"nothing to roll back of #{number}")


def test_only_a_merged_promotion_of_the_bot_is_rolled_back(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    repo = bot(emu)

    with pytest.raises(UsageError, match="cannot be rolled back"):
        open_rollback_pr(repo, Renderer(), event.pull_request, default_branch="main", is_bot=is_bot)
    [group] = promote(emu, event).groups
    assert group.pr is not None
    opened = repo.get_pr(group.pr.number)
    with pytest.raises(UsageError, match="is not merged"):
        open_rollback_pr(repo, Renderer(), opened, default_branch="main", is_bot=is_bot)


@pytest.mark.parametrize(
    ("allowed", "state"), [(True, MergeState.QUEUED), (False, MergeState.LEFT_OPEN)]
)
def test_merge_respecting_protection_in_process(
    emu: GitHubEmulator, gh: GhRepository, allowed: bool, state: MergeState
) -> None:
    [group] = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})).groups
    assert group.pr is not None
    emu.protect(REPO, "main", contexts=("ci/test",), allow_auto_merge=allowed)
    logs: list[str] = []

    result = merge_respecting_protection(bot(emu), group.pr, logs.append)

    assert result.state is state
    assert result.why == 'Required status check "ci/test" is expected.'
    assert logs


def test_a_requirement_met_meanwhile_is_merged_at_once(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """GitHub answers "clean status" when nothing is left to wait for: merge now."""
    [group] = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})).groups
    assert group.pr is not None
    emu.protect(REPO, "main", contexts=("ci/test",))
    body = {"message": 'Required status check "ci/test" is expected.', "documentation_url": "x"}
    emu.get_repo(REPO).protection.clear()  # met meanwhile: only the first answer refuses
    emu.add_fault(path=r"/pulls/\d+/merge$", method="PUT", status=405, body=body, times=1)

    result = merge_respecting_protection(bot(emu), group.pr, lambda _line: None)

    assert result.state is MergeState.MERGED
    assert emu.get_repo(REPO).pulls[group.pr.number].merged


def test_what_counts_as_a_protection_refusal() -> None:
    assert protection_refusal(GitHubError("x", 405, "At least 1 approving review is required"))
    assert not protection_refusal(GitHubError("x", 405, "Pull Request is not mergeable"))
    assert not protection_refusal(GitHubError("x", 403, "Required status check"))


FROZEN = """\
promotionPaths:
  - sourcePath: "env/staging/"
    conditions: {autoMerge: true}
    gates: {soakTime: 1m, requireStatuses: ["e2e"]}
    promotionPrs:
      - targetPaths: ["env/prod/"]
freezes:
  - from: "2000-01-01T00:00:00Z"
    to: "2999-01-01T00:00:00Z"
    reason: release train
"""


def test_the_gate_pass_in_process(emu: GitHubEmulator, gh: GhRepository) -> None:
    """Frozen at promotion; the freeze lifted and the check green, the pass merges it."""
    emu.commit_files(REPO, {"telefonistka.yaml": FROZEN})
    [group] = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})).groups
    assert group.pr is not None
    assert not group.merged
    emu.commit_files(REPO, {"telefonistka.yaml": FROZEN.split("freezes:", maxsplit=1)[0]})
    repo = bot(emu)
    logs: list[str] = []
    later = datetime.now(UTC) + timedelta(hours=1)
    waiting = GatePass(repo, "main", lambda: later, is_bot, log=logs.append).run()
    assert waiting.merged == ()
    assert waiting.updated[0][1:] == ("pending", "waiting: e2e")
    git = emu.get_repo(REPO).git
    source = git.run("log", "-1", "--format=%H", "main", "--", "env/staging/app").decode()
    gh.get_commit(source.strip()).create_status("success", context="e2e")

    passed = GatePass(repo, "main", lambda: later, is_bot, log=logs.append).run()

    assert passed.merged == (group.pr.number,)
    assert "merged, every gate holds" in passed.summary()
    assert emu.get_repo(REPO).pulls[group.pr.number].merged
