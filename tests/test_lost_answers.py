"""Writes whose answer was lost: GitHub carried them out, the client never heard so.

The emulator's ``after`` faults do the write and then answer 502 or drop the connection,
as a proxy in front of GitHub can. Every write must be safe to repeat: nothing is done
twice, nothing is reported failed that succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session, pygithub_client
from test_promote_merged_pr import CONFIG, merged, promote

from telefonistka.adapters.github import GitHubRepo

REPO = "acme/infra"
SEED = {
    "telefonistka.yaml": CONFIG,
    "env/staging/app/values.yaml": "tag: v1\n",
    "env/prod/app/values.yaml": "tag: v1\n",
}
LOST = [{"status": 502, "body": {"message": "Bad Gateway"}}, {"drop": True}]


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emu in emulator_session(tmp_path / "github", tokens={"approver-token": "approver"}):
        emu.repo(REPO, SEED)
        yield emu


@pytest.fixture
def repo(emu: GitHubEmulator) -> Iterator[GitHubRepo]:
    client = GitHubRepo("t", REPO, emu.base_url, sleep=lambda _: None)
    yield client
    client.close()


def open_pr(emu: GitHubEmulator) -> int:
    gh = pygithub_client(emu, "author").get_repo(REPO)
    gh.create_git_ref("refs/heads/feature", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, {"env/staging/app/values.yaml": "tag: v2\n"}, branch="feature")
    return gh.create_pull(title="change", body="", head="feature", base="main").number


@pytest.mark.parametrize("loss", LOST, ids=["502", "dropped"])
def test_a_merge_whose_answer_was_lost_is_reported_merged(
    emu: GitHubEmulator, repo: GitHubRepo, loss: dict[str, object]
) -> None:
    """The bug: the retry was refused 405 "not mergeable" and the run failed, although
    the PR had been merged."""
    number = open_pr(emu)
    emu.add_fault(path=r"/pulls/\d+/merge$", method="PUT", after=True, **loss)

    sha = repo.merge_pr(number)

    pull = emu.get_repo(REPO).pulls[number]
    assert pull.merged
    assert sha == pull.merge_commit_sha


@pytest.mark.parametrize("loss", LOST, ids=["502", "dropped"])
def test_a_comment_whose_answer_was_lost_is_posted_once(
    emu: GitHubEmulator, repo: GitHubRepo, loss: dict[str, object]
) -> None:
    number = open_pr(emu)
    emu.add_fault(path=r"/issues/\d+/comments$", method="POST", after=True, **loss)

    comment = repo.comment(number, "✅ Auto merge is enabled")

    bodies = [c.body for c in emu.get_repo(REPO).comments.values()]
    assert bodies == ["✅ Auto merge is enabled"]
    assert comment.body == bodies[0]


def test_a_comment_that_failed_before_being_written_is_posted(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    number = open_pr(emu)
    emu.add_fault(path=r"/issues/\d+/comments$", method="POST", status=502)

    repo.comment(number, "hello")

    assert [c.body for c in emu.get_repo(REPO).comments.values()] == ["hello"]


def test_a_rerun_after_an_interrupted_run_restores_the_assignee(emu: GitHubEmulator) -> None:
    """The first run opened the PR and died before labelling and assigning it."""
    gh = pygithub_client(emu, "author").get_repo(REPO)
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    # labelling fails both ways: GraphQL (all new PRs at once), then REST (PATCH)
    emu.add_fault(path="/graphql$", query="addLabelsToLabelable", status=500, times=10)
    emu.add_fault(path=r"/issues/\d+$", method="PATCH", status=500, times=10)

    first = promote(emu, event)
    emu.reset()
    second = promote(emu, event)

    assert first.failures
    assert second.failures == ()
    [group] = second.groups
    assert group.pr is not None
    pull = emu.get_repo(REPO).pulls[group.pr.number]
    assert "promotion" in pull.labels
    assert pull.assignees == [event.pull_request.author]


# --- approvals: given once per commit the bot wrote ---------------------------------------


def approvals(emu: GitHubEmulator) -> list[tuple[int, str, str]]:
    return [(r.pull_number, r.user, r.commit_id) for r in emu.get_repo(REPO).reviews]


@pytest.mark.parametrize("loss", LOST, ids=["502", "dropped"])
def test_an_approval_whose_answer_was_lost_is_given_once(
    emu: GitHubEmulator, repo: GitHubRepo, loss: dict[str, object]
) -> None:
    number = open_pr(emu)
    head = emu.get_repo(REPO).pulls[number].head_sha
    emu.add_fault(path=r"/pulls/\d+/reviews$", method="POST", after=True, **loss)

    repo.with_identity("approver-token").approve(number, head)

    assert approvals(emu) == [(number, "approver", head)]


def test_an_approval_that_failed_before_being_given_is_given(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    number = open_pr(emu)
    head = emu.get_repo(REPO).pulls[number].head_sha
    emu.add_fault(path=r"/pulls/\d+/reviews$", method="POST", status=502)

    repo.with_identity("approver-token").approve(number, head)

    assert approvals(emu) == [(number, "approver", head)]


def test_a_rerun_does_not_approve_an_unchanged_promotion_pr_again(emu: GitHubEmulator) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "autoApprovePromotionPrs: true\n"})
    gh = pygithub_client(emu, "author").get_repo(REPO)
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    approver = GitHubRepo("approver-token", REPO, emu.base_url, sleep=lambda _: None)

    first = promote(emu, event, approver=approver)
    emu.reset()
    again = promote(emu, event, approver=approver)

    [group] = first.groups
    assert group.pr is not None
    assert group.outcome.commit is not None
    assert (first.failures, again.failures) == ((), ())
    assert [str(g.outcome.status) for g in again.groups] == ["unchanged"]
    assert approvals(emu) == [(group.pr.number, "approver", group.outcome.commit)]
    sent = [f"{e.method} {e.route}" for e in emu.requests]
    assert "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews" in sent
    assert "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews" not in sent


def test_the_approval_is_for_the_commit_the_bot_wrote(emu: GitHubEmulator) -> None:
    """The review names the commit the bot wrote, so a commit pushed later is not covered."""
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "autoApprovePromotionPrs: true\n"})
    gh = pygithub_client(emu, "author").get_repo(REPO)
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    approver = GitHubRepo("approver-token", REPO, emu.base_url, sleep=lambda _: None)

    [group] = promote(emu, event, approver=approver).groups

    assert group.pr is not None
    [review] = emu.get_repo(REPO).reviews
    assert review.commit_id == group.outcome.commit == group.pr.head_sha


# --- a branch holding somebody else's commit is never force-moved -------------------------


def test_a_promotion_branch_a_reviewer_pushed_to_is_left_alone(emu: GitHubEmulator) -> None:
    """Renovate's "edited, won't rebase": the reviewer's fix survives a re-run."""
    gh = pygithub_client(emu, "author").get_repo(REPO)
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    [group] = promote(emu, event).groups
    assert group.pr is not None
    branch = group.outcome.branch
    emu.commit_files(REPO, {"env/prod/app/fix.yaml": "reviewer: true\n"}, branch=branch)
    fixed = emu.get_repo(REPO).git.ref(f"refs/heads/{branch}")
    emu.commit_files(REPO, {"env/staging/app/values.yaml": "tag: v3\n"})  # main moves on

    again = promote(emu, event)

    [edited] = again.groups
    assert str(edited.outcome.status) == "edited"
    assert emu.get_repo(REPO).git.ref(f"refs/heads/{branch}") == fixed
    assert any("did not write" in warning for warning in again.warnings)
    notes = [c.body for c in emu.get_repo(REPO).comments.values() if "did not write" in c.body]
    assert len(notes) == 1
    promote(emu, event)  # and once more: still one note
    notes = [c.body for c in emu.get_repo(REPO).comments.values() if "did not write" in c.body]
    assert len(notes) == 1


def test_a_bump_branch_with_somebodys_commit_is_left_alone(
    emu: GitHubEmulator, repo: GitHubRepo
) -> None:
    from telefonistka.usecases.bump_edits import overwrite_edit  # noqa: PLC0415
    from telefonistka.usecases.bump_version import BumpRequest, BumpStatus, bump  # noqa: PLC0415

    def request(value: bytes, sha: str) -> BumpRequest:
        return BumpRequest("VERSION", overwrite_edit(value), "acme/app", sha)

    first = bump(repo, request(b"1\n", "a" * 40), lambda _: None)
    emu.commit_files(REPO, {"NOTES.md": "by hand\n"}, branch=first.branch)
    fixed = emu.get_repo(REPO).git.ref(f"refs/heads/{first.branch}")

    second = bump(repo, request(b"2\n", "b" * 40), lambda _: None)

    assert second.status is BumpStatus.EDITED
    assert emu.get_repo(REPO).git.ref(f"refs/heads/{first.branch}") == fixed
    assert any("did not write" in c.body for c in emu.get_repo(REPO).comments.values())
