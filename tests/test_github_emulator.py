"""The GitHub emulator: REST semantics over real bare git repositories.

Driven through PyGithub (as telefonistka drives GitHub) and raw HTTP. Every test's
traffic is also checked against GitHub's OpenAPI description at teardown (see
``github_emulator.fixtures``).
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from github import Github, GithubException, InputGitTreeElement
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session, pygithub_client

OWNER_REPO = "acme/infra"
SEED = {
    "README.md": "# infra\n",
    "envs/prod/app.yaml": "image: v1\n",
    "envs/prod/db.yaml": "size: large\n",
    "envs/staging/app.yaml": "image: v2\n",
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github", tokens={"approver-token": "approver"})


@pytest.fixture
def gh(emu: GitHubEmulator) -> Github:
    return pygithub_client(emu)


@pytest.fixture
def repo(emu: GitHubEmulator, gh: Github) -> GhRepository:
    emu.repo(OWNER_REPO, SEED)
    return gh.get_repo(OWNER_REPO)


def git(emu: GitHubEmulator, *args: str) -> str:
    path = emu.get_repo(OWNER_REPO).git.path
    out = subprocess.run(["git", *args], cwd=path, capture_output=True, check=True, text=True)
    return out.stdout.strip()


def api(emu: GitHubEmulator, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": "token bot-token"}
    return requests.request(method, emu.base_url + path, headers=headers, timeout=10, **kwargs)


def commit_on(repo: GhRepository, branch: str, files: dict[str, str | None]) -> str:
    """A commit on ``branch`` through the git data API (tree with base_tree, commit, ref)."""
    head = repo.get_git_ref(f"heads/{branch}").object.sha
    parent = repo.get_git_commit(head)
    elements = [
        InputGitTreeElement(path, "100644", "blob", content=content)
        if content is not None
        else InputGitTreeElement(path, "100644", "blob", sha=None)
        for path, content in files.items()
    ]
    tree = repo.create_git_tree(elements, base_tree=parent.tree)
    commit = repo.create_git_commit(f"change {sorted(files)}", tree, [parent])
    repo.get_git_ref(f"heads/{branch}").edit(commit.sha)
    return commit.sha


def branch(repo: GhRepository, name: str, files: dict[str, str | None]) -> str:
    repo.create_git_ref(f"refs/heads/{name}", repo.get_branch("main").commit.sha)
    return commit_on(repo, name, files)


# --- skeleton -------------------------------------------------------------------------


def test_serves_repository_metadata_under_api_v3(emu: GitHubEmulator, repo: GhRepository) -> None:
    assert emu.base_url.startswith("http://127.0.0.1:")
    assert emu.base_url.endswith("/api/v3")
    assert repo.full_name == OWNER_REPO
    assert repo.default_branch == "main"
    assert repo.owner.login == "acme"


def test_unknown_route_answers_like_github(emu: GitHubEmulator) -> None:
    response = api(emu, "GET", "/repos/acme/infra/no-such-thing")
    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"
    assert "documentation_url" in response.json()
    missing_repo = api(emu, "GET", "/repos/acme/nope")
    assert missing_repo.status_code == 404
    outside = requests.get(emu.root_url + "/elsewhere", timeout=10)
    assert outside.status_code == 404


def test_every_response_carries_rate_limit_headers(emu: GitHubEmulator, repo: GhRepository) -> None:
    first = api(emu, "GET", "/repos/acme/infra")
    second = api(emu, "GET", "/unknown")
    for response in (first, second):
        assert response.headers["X-RateLimit-Limit"] == "5000"
        assert int(response.headers["X-RateLimit-Reset"]) > 0
        assert response.headers["X-RateLimit-Resource"] == "core"
    assert int(second.headers["X-RateLimit-Remaining"]) < int(
        first.headers["X-RateLimit-Remaining"]
    )
    assert repo.get_branch("main").name == "main"


def test_request_log_records_method_path_status_and_route(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    api(emu, "GET", "/repos/acme/infra/git/ref/heads/nope")
    entry = emu.requests[-1]
    assert (entry.method, entry.status) == ("GET", 404)
    assert entry.path == "/api/v3/repos/acme/infra/git/ref/heads/nope"
    assert entry.route == "/repos/{owner}/{repo}/git/ref/{ref}"
    assert entry.time > 0
    assert repo.name == "infra"


# --- git data -------------------------------------------------------------------------


def test_refs_get_create_update_with_force_and_delete(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    main = repo.get_git_ref("heads/main").object.sha
    assert main == git(emu, "rev-parse", "main")
    created = repo.create_git_ref("refs/heads/feature", main)
    assert created.ref == "refs/heads/feature"
    with pytest.raises(GithubException) as exists:
        repo.create_git_ref("refs/heads/feature", main)
    assert exists.value.status == 422
    ahead = commit_on(repo, "feature", {"new.txt": "x\n"})
    # back to main is not a fast-forward: refused without force, done with it
    with pytest.raises(GithubException) as not_ff:
        repo.get_git_ref("heads/feature").edit(main)
    assert not_ff.value.status == 422
    assert git(emu, "rev-parse", "feature") == ahead
    repo.get_git_ref("heads/feature").edit(main, force=True)
    assert git(emu, "rev-parse", "feature") == main
    repo.get_git_ref("heads/feature").delete()
    with pytest.raises(GithubException) as gone:
        repo.get_git_ref("heads/feature")
    assert gone.value.status == 404
    assert [r.ref for r in repo.get_git_matching_refs("heads/")] == ["refs/heads/main"]


def test_git_log_shows_commits_created_through_the_api(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    first = commit_on(repo, "main", {"envs/prod/app.yaml": "image: v2\n"})
    second = commit_on(repo, "main", {"envs/prod/db.yaml": None})
    log = git(emu, "log", "--format=%H %s", "main").splitlines()
    assert log[0] == f"{second} change ['envs/prod/db.yaml']"
    assert log[1] == f"{first} change ['envs/prod/app.yaml']"
    assert git(emu, "show", "main:envs/prod/app.yaml") == "image: v2"
    assert "envs/prod/db.yaml" not in git(emu, "ls-tree", "-r", "--name-only", "main")
    git(emu, "fsck", "--strict")


def test_commit_keeps_author_committer_and_message(repo: GhRepository) -> None:
    head = repo.get_git_commit(repo.get_branch("main").commit.sha)
    response = repo.create_git_commit(
        "exact message\n\nbody\n",
        head.tree,
        [head],
        author=_git_author("Ann", "ann@example.com", "2024-02-03T04:05:06Z"),
    )
    fetched = repo.get_git_commit(response.sha)
    assert fetched.message == "exact message\n\nbody\n"
    assert fetched.author.name == "Ann"
    assert fetched.author.date.isoformat() == "2024-02-03T04:05:06+00:00"
    assert [p.sha for p in fetched.parents] == [head.sha]


def _git_author(name: str, email: str, date: str) -> Any:
    from github.InputGitAuthor import InputGitAuthor  # noqa: PLC0415

    return InputGitAuthor(name, email, date)


def test_blobs_round_trip_in_utf8_and_base64(emu: GitHubEmulator, repo: GhRepository) -> None:
    text = repo.create_git_blob("héllo\n", "utf-8")
    binary = repo.create_git_blob(base64.b64encode(b"\x00\xff").decode(), "base64")
    data = "héllo\n".encode()
    assert text.sha == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324
    assert base64.b64decode(repo.get_git_blob(text.sha).content) == "héllo\n".encode()
    assert base64.b64decode(repo.get_git_blob(binary.sha).content) == b"\x00\xff"
    assert git(emu, "cat-file", "-t", binary.sha) == "blob"
    assert api(emu, "GET", f"/repos/acme/infra/git/blobs/{'0' * 40}").status_code == 404


def test_tree_get_lists_and_recursive_lists_everything(repo: GhRepository) -> None:
    head = repo.get_branch("main").commit.sha
    top = repo.get_git_tree(head)
    assert sorted(e.path for e in top.tree) == ["README.md", "envs"]
    assert {e.path: e.mode for e in top.tree}["envs"] == "040000"
    everything = repo.get_git_tree(head, recursive=True)
    assert [e.path for e in everything.tree if e.type == "blob"] == sorted(SEED)
    assert {e.path: e.size for e in everything.tree}["README.md"] == len(SEED["README.md"])


def test_recursive_tree_is_truncated_over_the_entry_limit(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    emu.tree_entry_limit = 3
    head = repo.get_branch("main").commit.sha
    body = api(emu, "GET", f"/repos/acme/infra/git/trees/{head}?recursive=1").json()
    assert body["truncated"] is True
    assert len(body["tree"]) == 3
    assert api(emu, "GET", f"/repos/acme/infra/git/trees/{head}").json()["truncated"] is False


def test_recursive_tree_truncates_at_githubs_100000_entries(emu: GitHubEmulator) -> None:
    state = emu.repo(OWNER_REPO)
    bare = state.git
    blob = bare.write_blob(b"x")
    lines = "".join(f"100644 blob {blob}\tf{i:06d}\n" for i in range(100_001))
    tree = bare.run("mktree", stdin=lines.encode()).decode().strip()
    response = api(emu, "GET", f"/repos/acme/infra/git/trees/{tree}?recursive=1")
    body = response.json()
    assert body["truncated"] is True
    assert len(body["tree"]) == 100_000
    emu.server.log.clear()  # 100k entries: keep the teardown schema check fast


def test_tree_entry_with_null_sha_deletes_the_path(emu: GitHubEmulator, repo: GhRepository) -> None:
    head = repo.get_git_commit(repo.get_branch("main").commit.sha)
    response = api(
        emu,
        "POST",
        "/repos/acme/infra/git/trees",
        json={
            "base_tree": head.tree.sha,
            "tree": [
                {"path": "envs/prod/db.yaml", "mode": "100644", "type": "blob", "sha": None},
                {"path": "README.md", "mode": "100644", "type": "blob", "content": "new\n"},
            ],
        },
    )
    assert response.status_code == 201
    tree = response.json()["sha"]
    files = git(emu, "ls-tree", "-r", "--name-only", tree).splitlines()
    assert files == ["README.md", "envs/prod/app.yaml", "envs/staging/app.yaml"]
    assert git(emu, "cat-file", "blob", f"{tree}:README.md") == "new"


def test_deleting_every_file_of_a_folder_drops_the_folder(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    head = repo.get_git_commit(repo.get_branch("main").commit.sha)
    gone = [
        InputGitTreeElement(p, "100644", "blob", sha=None)
        for p in ("envs/prod/app.yaml", "envs/prod/db.yaml")
    ]
    tree = repo.create_git_tree(gone, base_tree=head.tree)
    assert git(emu, "ls-tree", "--name-only", f"{tree.sha}:envs") == "staging"


def test_replacing_a_folder_entry_keeps_files_absent_from_the_new_folder(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    """GitHub overlays a folder given by sha on the base's folder: absent files survive."""
    head = repo.get_git_commit(repo.get_branch("main").commit.sha)
    only_app = repo.create_git_tree(
        [InputGitTreeElement("app.yaml", "100644", "blob", content="image: v9\n")]
    )
    replaced = repo.create_git_tree(
        [InputGitTreeElement("envs/prod", "040000", "tree", sha=only_app.sha)],
        base_tree=head.tree,
    )
    prod = git(emu, "ls-tree", "--name-only", f"{replaced.sha}:envs/prod").splitlines()
    assert prod == ["app.yaml", "db.yaml"]  # db.yaml was not in the new folder, yet it stays
    assert git(emu, "cat-file", "blob", f"{replaced.sha}:envs/prod/app.yaml") == "image: v9"
    # ... and only an explicit deletion removes it
    explicit = repo.create_git_tree(
        [
            InputGitTreeElement("envs/prod", "040000", "tree", sha=only_app.sha),
            InputGitTreeElement("envs/prod/db.yaml", "100644", "blob", sha=None),
        ],
        base_tree=head.tree,
    )
    assert git(emu, "ls-tree", "--name-only", f"{explicit.sha}:envs/prod") == "app.yaml"


def test_tree_create_rejects_unknown_objects_and_bad_paths(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    bad_sha = {"path": "x", "mode": "100644", "type": "blob", "sha": "1" * 40}
    response = api(emu, "POST", "/repos/acme/infra/git/trees", json={"tree": [bad_sha]})
    assert response.status_code == 422
    bad_path = {"path": "a//b", "mode": "100644", "type": "blob", "content": "x"}
    response = api(emu, "POST", "/repos/acme/infra/git/trees", json={"tree": [bad_path]})
    assert response.status_code == 422
    assert repo.get_branch("main").commit.sha


# --- contents and compare -------------------------------------------------------------


def test_contents_get_file_and_folder(repo: GhRepository) -> None:
    file = repo.get_contents("envs/prod/app.yaml")
    assert not isinstance(file, list)
    assert file.decoded_content == b"image: v1\n"
    assert file.type == "file"
    folder = repo.get_contents("envs/prod")
    assert isinstance(folder, list)
    assert sorted(entry.path for entry in folder) == ["envs/prod/app.yaml", "envs/prod/db.yaml"]
    with pytest.raises(GithubException) as missing:
        repo.get_contents("nope.yaml")
    assert missing.value.status == 404


def test_contents_put_creates_and_updates_files_with_sha_checks(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    created = repo.create_file("new.yaml", "add new", "a: 1\n", branch="main")
    assert git(emu, "show", "main:new.yaml") == "a: 1"
    assert git(emu, "log", "-1", "--format=%s", "main") == "add new"
    sha = created["content"].sha
    with pytest.raises(GithubException) as stale:
        repo.update_file("new.yaml", "edit", "a: 2\n", "0" * 40, branch="main")
    assert stale.value.status == 409
    repo.update_file("new.yaml", "edit", "a: 2\n", sha, branch="main")
    assert git(emu, "show", "main:new.yaml") == "a: 2"
    body = {"message": "no sha", "content": base64.b64encode(b"x").decode()}
    assert api(emu, "PUT", "/repos/acme/infra/contents/new.yaml", json=body).status_code == 422


def test_compare_reports_ahead_behind_commits_and_files(repo: GhRepository) -> None:
    feature = branch(repo, "feature", {"envs/prod/app.yaml": "image: v2\n"})
    commit_on(repo, "main", {"README.md": "# changed\n"})
    comparison = repo.compare("main", "feature")
    assert comparison.status == "diverged"
    assert (comparison.ahead_by, comparison.behind_by) == (1, 1)
    assert [c.sha for c in comparison.commits] == [feature]
    assert [(f.filename, f.status) for f in comparison.files] == [
        ("envs/prod/app.yaml", "modified")
    ]
    assert repo.compare("main", "main").status == "identical"


# --- pulls ----------------------------------------------------------------------------


def test_pull_create_get_list_filters_and_update(repo: GhRepository) -> None:
    branch(repo, "promo-1", {"envs/prod/app.yaml": "image: v2\n"})
    branch(repo, "promo-2", {"envs/prod/db.yaml": "size: small\n"})
    first = repo.create_pull(title="Promote 1", body="b1", head="promo-1", base="main")
    second = repo.create_pull(title="Promote 2", body="b2", head="acme:promo-2", base="main")
    assert (first.number, second.number) == (1, 2)
    assert repo.get_pull(1).head.ref == "promo-1"
    assert repo.get_pull(1).mergeable is True
    assert [p.number for p in repo.get_pulls(state="open")] == [2, 1]
    assert [p.number for p in repo.get_pulls(head="acme:promo-1")] == [1]
    assert [p.number for p in repo.get_pulls(head="other:promo-1")] == []
    # like GitHub, a head filter without "owner:" is ignored
    assert [p.number for p in repo.get_pulls(head="promo-1")] == [2, 1]
    second.edit(title="Promote 2 (renamed)", state="closed")
    assert [p.number for p in repo.get_pulls(state="closed")] == [2]
    assert repo.get_pull(2).title == "Promote 2 (renamed)"
    assert [p.number for p in repo.get_pulls(state="all")] == [2, 1]
    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(title="again", body="", head="promo-1", base="main")
    assert duplicate.value.status == 422
    with pytest.raises(GithubException) as missing:
        repo.get_pull(99)
    assert missing.value.status == 404


def test_pull_files_paginate_with_link_headers_up_to_3000(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    many = {f"apps/app{i:04d}.yaml": f"n: {i}\n" for i in range(3005)}
    emu.commit_files(OWNER_REPO, {}, branch="main")
    repo.create_git_ref("refs/heads/big", repo.get_branch("main").commit.sha)
    emu.commit_files(OWNER_REPO, many, branch="big", message="many files")
    pr = repo.create_pull(title="big", body="", head="big", base="main")
    page = api(emu, "GET", f"/repos/acme/infra/pulls/{pr.number}/files?per_page=100&page=2")
    assert len(page.json()) == 100
    links = page.headers["Link"]
    assert 'rel="next"' in links
    assert 'rel="prev"' in links
    assert "page=30" in links
    assert 'rel="last"' in links
    files = [f.filename for f in pr.get_files()]
    assert len(files) == 3000  # GitHub's cap
    assert files[0] == "apps/app0000.yaml"
    emu.server.log.clear()


def test_merge_writes_a_merge_commit_and_marks_the_pull_merged(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    base_before = repo.get_branch("main").commit.sha
    head = branch(repo, "promo", {"envs/prod/app.yaml": "image: v2\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    result = pr.merge(merge_method="merge")
    assert result.merged
    assert git(emu, "rev-parse", "main") == result.sha
    assert git(emu, "log", "-1", "--format=%P", "main") == f"{base_before} {head}"
    assert git(emu, "log", "-1", "--format=%s", "main").startswith("Merge pull request #1")
    assert git(emu, "log", "-1", "--format=%an|%cn <%ce>", "main") == (
        "telefonistka-bot|GitHub <noreply@github.com>"
    )
    merged = repo.get_pull(pr.number)
    assert merged.merged
    assert merged.state == "closed"
    assert merged.merge_commit_sha == result.sha
    with pytest.raises(GithubException) as again:
        pr.merge()
    assert again.value.status == 405


def test_squash_merge_writes_one_parent(emu: GitHubEmulator, repo: GhRepository) -> None:
    base_before = repo.get_branch("main").commit.sha
    branch(repo, "promo", {"envs/prod/app.yaml": "image: v2\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    result = pr.merge(merge_method="squash")
    assert git(emu, "log", "-1", "--format=%P", result.sha) == base_before
    assert git(emu, "log", "-1", "--format=%s", "main") == "Promote (#1)"


def test_merge_answers_405_when_not_mergeable_and_409_on_stale_head(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    branch(repo, "left", {"envs/prod/app.yaml": "image: left\n"})
    pr = repo.create_pull(title="Conflicting", body="", head="left", base="main")
    commit_on(repo, "main", {"envs/prod/app.yaml": "image: main\n"})
    assert repo.get_pull(pr.number).mergeable is False
    with pytest.raises(GithubException) as conflict:
        pr.merge()
    assert conflict.value.status == 405
    branch(repo, "right", {"README.md": "# right\n"})
    other = repo.create_pull(title="Fine", body="", head="right", base="main")
    with pytest.raises(GithubException) as stale:
        other.merge(sha="1" * 40)
    assert stale.value.status == 409
    emu.get_repo(OWNER_REPO).pulls[other.number].mergeable_override = False
    with pytest.raises(GithubException) as forced:
        other.merge()
    assert forced.value.status == 405


def test_mergeable_can_be_unknown_for_the_first_reads(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    emu.mergeable_unknown_reads = 2
    branch(repo, "promo", {"README.md": "x\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    reads = [repo.get_pull(pr.number) for _ in range(3)]
    assert [p.mergeable for p in reads] == [None, None, True]
    assert [p.mergeable_state for p in reads] == ["unknown", "unknown", "clean"]
    commit_on(repo, "promo", {"README.md": "y\n"})  # the head moved: unknown again
    assert repo.get_pull(pr.number).mergeable is None


# --- issues, reviews, statuses, graphql ------------------------------------------------


def test_issue_comments_labels_and_assignees(repo: GhRepository) -> None:
    branch(repo, "promo", {"README.md": "x\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    comment = pr.create_issue_comment("first")
    pr.create_issue_comment("second")
    comment.edit("first, edited")
    assert [c.body for c in pr.get_issue_comments()] == ["first, edited", "second"]
    pr.add_to_labels("promotion", "auto-merge")
    pr.add_to_assignees("alice")
    refreshed = repo.get_pull(pr.number)
    assert [label.name for label in refreshed.labels] == ["promotion", "auto-merge"]
    assert [user.login for user in refreshed.assignees] == ["alice"]


def test_issue_patch_replaces_labels_and_assignees_in_one_call(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    branch(repo, "promo", {"README.md": "x\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    pr.add_to_labels("stale")
    before = len(emu.events)
    answer = api(
        emu,
        "PATCH",
        f"/repos/acme/infra/issues/{pr.number}",
        json={"labels": ["promotion", "gitops"], "assignees": ["alice", "bob"]},
    )
    assert answer.status_code == 200
    assert [label["name"] for label in answer.json()["labels"]] == ["promotion", "gitops"]
    refreshed = repo.get_pull(pr.number)
    assert [label.name for label in refreshed.labels] == ["promotion", "gitops"]
    assert [user.login for user in refreshed.assignees] == ["alice", "bob"]
    labeled = [e.payload["label"]["name"] for e in emu.events[before:]]
    assert labeled == ["promotion", "gitops"]


def test_comment_over_65536_characters_is_refused(emu: GitHubEmulator, repo: GhRepository) -> None:
    branch(repo, "promo", {"README.md": "x\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    too_long = api(
        emu, "POST", f"/repos/acme/infra/issues/{pr.number}/comments", json={"body": "x" * 65537}
    )
    assert too_long.status_code == 422


def test_review_approve_by_a_second_identity(emu: GitHubEmulator, repo: GhRepository) -> None:
    branch(repo, "promo", {"README.md": "x\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    with pytest.raises(GithubException) as own:
        pr.create_review(event="APPROVE")
    assert own.value.status == 422
    approver = pygithub_client(emu, "approver-token")
    review = approver.get_repo(OWNER_REPO).get_pull(pr.number).create_review(event="APPROVE")
    assert review.state == "APPROVED"
    assert review.user.login == "approver"
    pinned = approver.get_repo(OWNER_REPO).get_pull(pr.number)
    pinned.create_review(commit=repo.get_commit(pr.head.sha), event="COMMENT", body="looks ok")
    reviews = f"/repos/acme/infra/pulls/{pr.number}/reviews"
    unknown = {"event": "COMMENT", "body": "x", "commit_id": "0" * 40}
    answer = api(emu, "POST", reviews, json=unknown)
    assert answer.status_code == 422
    assert "commit_id" in answer.text
    listed = [(r.user.login, r.state, r.commit_id) for r in pinned.get_reviews()]
    assert listed == [
        ("approver", "APPROVED", pr.head.sha),
        ("approver", "COMMENTED", pr.head.sha),
    ]


def test_commit_statuses_create_and_list_newest_first(repo: GhRepository) -> None:
    commit = repo.get_commit(repo.get_branch("main").commit.sha)
    commit.create_status("pending", context="telefonistka")
    commit.create_status("success", description="done", context="telefonistka")
    assert [s.state for s in commit.get_statuses()] == ["success", "pending"]


def test_graphql_viewer_and_minimize_comment(
    emu: GitHubEmulator, gh: Github, repo: GhRepository
) -> None:
    branch(repo, "promo", {"README.md": "x\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    comment = pr.create_issue_comment("drift!")
    _, viewer = gh.requester.graphql_query("query { viewer { login } }", {})
    assert viewer == {"data": {"viewer": {"login": "telefonistka-bot"}}}
    mutation = (
        "mutation($input: MinimizeCommentInput!) "
        "{ minimizeComment(input: $input) { minimizedComment { isMinimized } } }"
    )
    variables = {"input": {"subjectId": comment.node_id, "classifier": "OUTDATED"}}
    _, data = gh.requester.graphql_query(mutation, variables)
    assert data["data"]["minimizeComment"]["minimizedComment"]["isMinimized"] is True
    stored = emu.get_repo(OWNER_REPO).comments[comment.id]
    assert stored.minimized_reason == "outdated"
    missing = requests.post(
        emu.graphql_url,
        json={"query": mutation, "variables": {"input": {"subjectId": "IC_nope"}}},
        timeout=10,
    )
    assert missing.json()["errors"][0]["type"] == "NOT_FOUND"


def test_concurrent_clients_each_get_their_own_pull_request(
    emu: GitHubEmulator, repo: GhRepository
) -> None:
    names = [f"promo-{i}" for i in range(8)]
    for name in names:
        branch(repo, name, {f"{name}.txt": "x\n"})

    def open_pull(name: str) -> int:
        return (
            pygithub_client(emu)
            .get_repo(OWNER_REPO)
            .create_pull(title=name, body="", head=name, base="main")
            .number
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(open_pull, names))
    assert sorted(numbers) == list(range(1, 9))
    assert {p.head.ref for p in repo.get_pulls()} == set(names)


# --- webhook events -------------------------------------------------------------------


def test_events_for_push_pull_request_and_comment(
    emu: GitHubEmulator, repo: GhRepository, tmp_path: Path
) -> None:
    main_before = repo.get_branch("main").commit.sha
    head = branch(repo, "promo", {"envs/prod/app.yaml": "image: v2\n"})
    pr = repo.create_pull(title="Promote", body="", head="promo", base="main")
    newer = commit_on(repo, "promo", {"envs/prod/db.yaml": "size: s\n"})
    pr.add_to_labels("promotion")
    pr.create_issue_comment("hello")
    merge = pr.merge()
    names = [(e.name, e.action) for e in emu.events]
    assert names == [
        ("push", None),  # create promo
        ("push", None),  # commit on promo
        ("pull_request", "opened"),
        ("push", None),
        ("pull_request", "synchronize"),
        ("pull_request", "labeled"),
        ("issue_comment", "created"),
        ("push", None),  # merge lands on main
        ("pull_request", "closed"),
    ]
    sync = emu.events_named("pull_request", "synchronize")[0].payload
    assert (sync["before"], sync["after"]) == (head, newer)
    closed = emu.events_named("pull_request", "closed")[0].payload
    assert closed["pull_request"]["merged"] is True
    assert closed["pull_request"]["merge_commit_sha"] == merge.sha
    push = emu.events_named("push")[-1].payload
    assert (push["ref"], push["before"], push["after"]) == (
        "refs/heads/main",
        main_before,
        merge.sha,
    )
    assert push["head_commit"]["id"] == merge.sha
    path = emu.events_named("pull_request", "labeled")[0].write(tmp_path / "event.json")
    assert '"label"' in path.read_text()
