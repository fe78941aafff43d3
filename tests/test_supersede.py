"""Superseded promotion PRs: a newer promotion closes the bot's older PRs it replaces.

Through the GitHub emulator: two merges that change the same component, in the orders
and shapes a busy repository sees them, with people's PRs and edits in between.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from github_emulator.git import Person
from test_entrypoint import checked_emulator
from test_promote_merged_pr import CONFIG, REPO, SEED, merged, promote

from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.promotion.metadata import PromotionMetadata, encode_metadata_block
from telefonistka.core.text.rendering import Renderer
from telefonistka.usecases import supersede
from telefonistka.usecases.promote_merged_pr import MergedPrPromotion, MergedPrResult
from telefonistka.usecases.supersede import NewerPr, SupersedeOlderPrs


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emu in checked_emulator(tmp_path / "github", tokens={"mallory-token": "mallory"}):
        emu.repo(REPO, SEED)
        yield emu


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    return pygithub_client(emu, "author").get_repo(REPO)


def promote_change(
    emu: GitHubEmulator, gh: GhRepository, head: str, files: dict[str, str | None]
) -> MergedPrResult:
    result = promote(emu, merged(emu, gh, files, head=head))
    assert result.failures == ()
    return result


def only_pr(result: MergedPrResult) -> int:
    [group] = result.opened
    assert group.pr is not None
    return group.pr.number


EVENT_LINE = re.compile(r"\n\n<!-- telefonistka:event [^>]*-->$")


def comments_on(emu: GitHubEmulator, number: int) -> list[str]:
    """The bot's notes as people read them (the hidden event marker left out)."""
    return [
        EVENT_LINE.sub("", c.body)
        for c in emu.get_repo(REPO).comments.values()
        if c.issue_number == number
    ]


def branch_exists(emu: GitHubEmulator, name: str) -> bool:
    return emu.get_repo(REPO).git.ref(f"refs/heads/{name}") is not None


def test_a_newer_promotion_of_the_same_component_closes_the_older_pr(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    old_branch = emu.get_repo(REPO).pulls[older].head_ref

    result = promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"})

    newer = only_pr(result)
    pulls = emu.get_repo(REPO).pulls
    assert (pulls[older].state, pulls[older].merged) == ("closed", False)
    assert pulls[newer].state == "open"
    assert comments_on(emu, older) == [
        f"Superseded by #{newer}, which promotes newer content to every target of this PR: "
        "closed, and its branch deleted."
    ]
    assert not branch_exists(emu, old_branch)
    assert result.superseded == (older,)
    assert f"Closed as superseded: #{older}." in result.summary()


def test_an_older_pr_covered_only_in_part_is_told_which_targets_moved_on(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    both = {"env/staging/app/values.yaml": "tag: v2\n", "env/staging/db/values.yaml": "size: m\n"}
    older = only_pr(promote_change(emu, gh, "first", both))

    result = promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"})

    newer = only_pr(result)
    assert emu.get_repo(REPO).pulls[older].state == "open"
    assert comments_on(emu, older) == [
        "⚠️ Newer promotion PRs promote newer content to some targets of this PR. Merging this "
        "PR after them would bring older content back there:\n"
        "\n"
        f"- #{newer}: `env/prod/app`"
    ]
    assert result.superseded == ()


def test_an_older_pr_of_fewer_targets_is_closed_by_a_wider_one(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    both = {"env/staging/app/values.yaml": "tag: v3\n", "env/staging/db/values.yaml": "size: m\n"}

    result = promote_change(emu, gh, "second", both)

    assert emu.get_repo(REPO).pulls[older].state == "closed"
    assert result.superseded == (older,)


def test_a_rerun_changes_nothing_more(emu: GitHubEmulator, gh: GhRepository) -> None:
    both = {"env/staging/app/values.yaml": "tag: v2\n", "env/staging/db/values.yaml": "size: m\n"}
    partly = only_pr(promote_change(emu, gh, "first", both))
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="second")
    promote(emu, event)
    before = dict(emu.get_repo(REPO).comments)

    again = promote(emu, event)

    assert again.failures == ()
    assert emu.get_repo(REPO).comments == before
    assert len(comments_on(emu, partly)) == 1


def test_other_peoples_prs_are_never_touched(emu: GitHubEmulator, gh: GhRepository) -> None:
    """A person's PR that looks like a promotion (branch, label, metadata) stays open."""
    gh = pygithub_client(emu, "mallory-token").get_repo(REPO)
    metadata = PromotionMetadata("mallory", 1, ("env/prod/app",))
    gh.create_git_ref("refs/heads/promotions/9-lookalike", gh.get_branch("main").commit.sha)
    emu.commit_files(
        REPO, {"env/prod/app/values.yaml": "tag: v0\n"}, branch="promotions/9-lookalike"
    )
    body = f"mine\n{encode_metadata_block(metadata)}"
    lookalike = gh.create_pull(
        title="🚀 Promotion: app", body=body, head="promotions/9-lookalike", base="main"
    )
    lookalike.add_to_labels("promotion")

    promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"})

    assert emu.get_repo(REPO).pulls[lookalike.number].state == "open"
    assert comments_on(emu, lookalike.number) == []
    assert branch_exists(emu, "promotions/9-lookalike")


def test_an_older_pr_a_reviewer_pushed_to_stays_open(emu: GitHubEmulator, gh: GhRepository) -> None:
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    old_branch = emu.get_repo(REPO).pulls[older].head_ref
    emu.commit_files(REPO, {"env/prod/app/fix.yaml": "reviewer: true\n"}, branch=old_branch)

    result = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="b"))

    newer = only_pr(result)
    assert emu.get_repo(REPO).pulls[older].state == "open"
    assert branch_exists(emu, old_branch)
    [warning] = [w for w in result.warnings if f"PR #{older}" in w]
    assert "a commit telefonistka did not write: it stays open" in warning
    assert f"#{newer}: `env/prod/app`" in comments_on(emu, older)[0]


def test_the_setting_turns_it_off(emu: GitHubEmulator, gh: GhRepository) -> None:
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "closeSupersededPromotionPrs: false\n"})

    promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"})

    assert emu.get_repo(REPO).pulls[older].state == "open"
    assert comments_on(emu, older) == []
    listings = [e for e in emu.requests if e.method == "GET" and e.route.endswith("/pulls")]
    assert listings == []


@pytest.mark.parametrize(
    ("fault", "graphql"),
    [
        ({"path": "/graphql$", "query": "closePullRequest"}, True),
        ({"path": "/graphql$", "query": "superseded|comments"}, True),
        ({"path": r"/git/refs/heads/promotions/", "method": "DELETE"}, False),
        ({"path": r"/pulls/\d+$", "method": "PATCH"}, False),
    ],
    ids=["graphql-note-delete-close", "graphql-read", "rest-branch-delete", "rest-close"],
)
def test_a_close_or_delete_whose_answer_was_lost_still_completes(
    emu: GitHubEmulator, gh: GhRepository, fault: dict[str, str], graphql: bool
) -> None:
    """Through GraphQL (one request notes, deletes and closes) or, where GraphQL lacks
    the mutation, through REST: a write done whose answer was lost is retried, the PR
    ends closed, its branch gone, and one note on it."""
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    old_branch = emu.get_repo(REPO).pulls[older].head_ref
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="second")
    if not graphql:
        emu.graphql_refused_fields = {"closePullRequest"}
    emu.add_fault(after=True, status=502, body={"message": "Bad Gateway"}, **fault)

    result = promote(emu, event)

    assert [e.route for e in emu.requests if e.fault]  # the answer was lost once
    assert (result.failures, result.warnings) == ((), ())
    assert result.superseded == (older,)
    assert emu.get_repo(REPO).pulls[older].state == "closed"
    assert not branch_exists(emu, old_branch)
    notes = [c for c in comments_on(emu, older) if c.startswith("Superseded by")]
    assert len(notes) == 1


def test_a_failed_listing_is_a_warning_not_a_failed_promotion(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="second")
    # GraphQL (an older server) cannot open the PR with the open PRs along: REST opens it,
    # and then listing them fails
    emu.graphql_refused_fields = {"createPullRequest"}
    emu.add_fault(path=r"/pulls$", method="GET", status=403, body={"message": "Forbidden"})

    result = promote(emu, event)

    assert result.failures == ()
    [warning] = result.warnings
    assert warning.startswith("could not look for superseded promotion PRs:")
    assert "403" in warning
    assert emu.get_repo(REPO).statuses[-1].state == "success"


def test_a_note_naming_many_newer_prs_is_bounded(
    emu: GitHubEmulator, gh: GhRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 newer PRs, each owning 20 of the 21 targets per cluster of an older PR: the note
    lists what fits its bound and counts the rest. (The older PR's own body limit keeps
    real notes far below GitHub's 65,536 characters; the bound is lowered to see it work.)
    """
    monkeypatch.setattr(supersede, "_NOTE_LIMIT", 5_000)
    targets = [f"env/prod/c{t:02d}/app{c:02d}" for t in range(40) for c in range(21)]
    gh.create_git_ref("refs/heads/promotions/1-old", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, {"env/prod/app/values.yaml": "tag: v0\n"}, branch="promotions/1-old")
    body = encode_metadata_block(PromotionMetadata("alice", 1, tuple(targets)))
    older = gh.create_pull(title="🚀 Promotion: x", body=body, head="promotions/1-old", base="main")
    older.add_to_labels("promotion")
    owned = [[p for p in targets if p.startswith(f"env/prod/c{t:02d}/")][:20] for t in range(40)]
    newer = [NewerPr(100 + t, frozenset(paths)) for t, paths in enumerate(owned)]
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)

    snapshot = emu.get_repo(REPO).git.ref("refs/heads/main")
    assert snapshot is not None
    is_bot = lambda login: login == older.user.login  # noqa: E731
    done = SupersedeOlderPrs(repo, "main", is_bot).run(newer, snapshot)

    assert done.noted == (older.number,)
    [note] = comments_on(emu, older.number)
    assert len(note) <= 5_000
    more = re.search(r"- … and (\d+) more PRs$", note)
    assert more is not None
    assert note.count("\n- #") + int(more[1]) == 40


def test_the_run_with_older_content_closes_its_own_pr(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """Runs of two merges may finish in any order. Which PR is stale is decided by history
    (the default-branch commit each promotion was computed on), not by PR numbers: a run
    that computed on an older commit and finishes last closes its own PR."""
    first = promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"})
    [group] = first.opened
    assert group.pr is not None
    stale_base = emu.get_repo(REPO).git.ref("refs/heads/main")
    assert stale_base is not None
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "closeSupersededPromotionPrs: false\n"})
    newer = only_pr(promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"}))
    assert emu.get_repo(REPO).pulls[group.pr.number].state == "open"
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)
    own = NewerPr(group.pr.number, frozenset({"env/prod/app"}), group.pr)
    is_bot = lambda login: login == group.pr.author  # noqa: E731

    done = SupersedeOlderPrs(repo, "main", is_bot).run([own], stale_base)

    assert done.closed == (group.pr.number,)
    assert emu.get_repo(REPO).pulls[group.pr.number].state == "closed"
    assert emu.get_repo(REPO).pulls[newer].state == "open"
    assert comments_on(emu, group.pr.number)[0].startswith(f"Superseded by #{newer}")


def amend_as_reviewer(emu: GitHubEmulator, branch: str, files: dict[str, str]) -> str:
    """``git commit --amend`` by a reviewer of the bot's head commit on ``branch``: the
    same message, parents and author, a new tree, the reviewer as committer; force-pushed."""
    git = emu.get_repo(REPO).git
    head = git.ref(f"refs/heads/{branch}")
    assert head is not None
    bot = git.read_commit(head)
    emu.commit_files(REPO, files, branch=branch)  # the reviewer's edit, to take its tree
    tree = git.read_commit(str(git.ref(f"refs/heads/{branch}"))).tree
    reviewer = Person("Rita Reviewer", "rita@example.com", bot.author.date)
    amended = git.write_commit(tree, bot.parents, bot.message, bot.author, reviewer)
    git.set_ref(f"refs/heads/{branch}", amended)
    return amended


def test_a_reviewer_s_amended_commit_is_kept(emu: GitHubEmulator, gh: GhRepository) -> None:
    """Deciding "the bot's commit" by the message let a reviewer's ``--amend`` be
    force-moved away, and the branch later deleted as superseded."""
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    branch = emu.get_repo(REPO).pulls[older].head_ref
    amended = amend_as_reviewer(emu, branch, {"env/prod/app/fix.yaml": "reviewer: true\n"})

    result = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="b"))

    assert emu.get_repo(REPO).pulls[older].state == "open"
    assert emu.get_repo(REPO).git.ref(f"refs/heads/{branch}") == amended
    [warning] = [w for w in result.warnings if f"PR #{older}" in w]
    assert "a commit telefonistka did not write: it stays open" in warning


def test_a_rerun_leaves_a_reviewer_s_amended_branch_alone(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}, head="first")
    number = only_pr(promote(emu, event))
    branch = emu.get_repo(REPO).pulls[number].head_ref
    amended = amend_as_reviewer(emu, branch, {"env/prod/app/fix.yaml": "reviewer: true\n"})

    again = promote(emu, event)  # the same merge's run, re-run

    [group] = again.groups
    assert group.outcome.status.value == "edited"
    assert emu.get_repo(REPO).git.ref(f"refs/heads/{branch}") == amended


def test_an_older_pr_is_closed_by_a_newer_one_already_merged(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The newer run opened *and merged* its PR while the older run worked: the newer PR
    is no longer open to be compared with, yet the older content must not stay open."""
    first = promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"})
    [group] = first.opened
    assert group.pr is not None
    stale_base = emu.get_repo(REPO).git.ref("refs/heads/main")
    assert stale_base is not None
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "closeSupersededPromotionPrs: false\n"})
    newer = only_pr(promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"}))
    gh.get_pull(newer).merge()
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)
    own = NewerPr(group.pr.number, frozenset({"env/prod/app"}), group.pr)

    done = SupersedeOlderPrs(repo, "main", lambda login: login == group.pr.author).run(
        [own], stale_base
    )

    assert done.closed == (group.pr.number,)
    assert emu.get_repo(REPO).pulls[group.pr.number].state == "closed"
    assert comments_on(emu, group.pr.number)[0].startswith(f"Superseded by #{newer}")


def test_a_run_never_auto_merges_a_pr_it_closed_as_superseded(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The run computed on an older commit closes its own PR as superseded by a newer
    run's open PR, and then used to try to auto-merge it: 405, exit 1."""
    auto = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions: {autoMerge: true}\n',
    )
    emu.commit_files(REPO, {"telefonistka.yaml": auto})
    older_event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}, head="first")
    stale_base = emu.get_repo(REPO).git.ref("refs/heads/main")
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG})  # the newer run does not merge
    newer = only_pr(promote_change(emu, gh, "second", {"env/staging/app/values.yaml": "tag: v3\n"}))
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)
    first = repo.promotion_read
    repo.promotion_read = lambda *args: replace(first(*args), head=stale_base)  # type: ignore[method-assign]

    result = MergedPrPromotion(repo, older_event, Renderer(), log=lambda _: None).run()

    [group] = result.groups
    assert group.superseded
    assert not group.merged
    assert result.failures == ()
    assert emu.get_repo(REPO).pulls[group.pr.number].state == "closed"  # type: ignore[union-attr]
    assert emu.get_repo(REPO).pulls[newer].state == "open"
    merges = [e for e in emu.requests if e.method == "PUT" and e.route.endswith("/merge")]
    assert merges == []


def test_a_kill_between_deleting_the_branch_and_closing_leaves_nothing_behind(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """The branch goes first, and GitHub closes a PR whose head branch is deleted: a run
    that dies right after (here: its close refused for good) leaves no branch and no open
    superseded PR for anyone to find."""
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    old_branch = emu.get_repo(REPO).pulls[older].head_ref
    event = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="second")
    emu.add_fault(path="/graphql$", query="closePullRequest", status=403, times=5)
    emu.add_fault(method="PATCH", path=rf"/pulls/{older}$", status=403, times=5)

    promote(emu, event)

    assert emu.get_repo(REPO).pulls[older].state == "closed"
    assert not branch_exists(emu, old_branch)


def test_two_runs_posting_the_same_note_at_once_leave_one(emu: GitHubEmulator) -> None:
    """Both look, find nothing and post; each then reads again and the later one deletes
    its own: one note stays, whichever run finishes first."""
    emu.repo(REPO + "-notes", {"a": "1\n"})
    gh = pygithub_client(emu, "author").get_repo(REPO + "-notes")
    gh.create_git_ref("refs/heads/x", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO + "-notes", {"b": "2\n"}, branch="x")
    number = gh.create_pull(title="t", body="", head="x", base="main").number
    emu.set_latency(0.5, path=r"/issues/\d+/comments$", method="GET")
    repo = GitHubRepo("bot", REPO + "-notes", emu.base_url, sleep=lambda _: None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        posted = list(pool.map(lambda _: repo.comment_once(number, "note", "race"), range(2)))

    emu.set_latency(0.0)
    remaining = list(emu.get_repo(REPO + "-notes").comments.values())
    assert len(remaining) == 1
    assert {comment.id for comment in posted} == {remaining[0].id}


def test_two_runs_at_once_of_newer_merges_leave_one_open_pr_and_one_note(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    """Two later merges of the same component run side by side over an open older PR:
    each reads the open PRs only once its own PR exists (with its creation), so of the
    two the later to read sees the other's. The older PR ends closed with one note, and
    of the two new PRs the one with older content is closed too: one PR stays open."""
    older = only_pr(promote_change(emu, gh, "first", {"env/staging/app/values.yaml": "tag: v2\n"}))
    second = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v3\n"}, head="second")
    third = merged(emu, gh, {"env/staging/app/values.yaml": "tag: v4\n"}, head="third")
    emu.set_latency(0.3, path="/graphql$", method="POST")

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda event: promote(emu, event), [second, third]))

    emu.set_latency(0.0)
    assert all(r.failures == () for r in results)
    pulls = emu.get_repo(REPO).pulls
    assert pulls[older].state == "closed"
    notes = [c for c in comments_on(emu, older) if c.startswith("Superseded by")]
    assert len(notes) == 1
    still_open = [
        p.number for p in pulls.values() if p.state == "open" and p.head_ref.startswith("promo")
    ]
    assert len(still_open) == 1
