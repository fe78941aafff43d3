"""The GitHub adapter against recorded-shape REST responses (``responses``, no network).

What matters here is the request shape and count: the exact URL and query of each call,
the JSON body of each write, how many requests a read costs, and what happens on
truncation, pagination, races, merge retries, rate limits and refusals.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from fakes import blob

from telefonistka.adapters.github import (
    CommitState,
    GitHubRepo,
    pull_request_from_json,
)
from telefonistka.adapters.github.batch_reads import git_blob_id
from telefonistka.adapters.github.client import RequestCounter, RetryPolicy
from telefonistka.adapters.github.trees import git_tree_oid, object_type
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.errors import GitHubError

# PyGithub's connection classes spell the port out.
API = "https://api.github.com:443"
REPO = f"{API}/repos/octo/gitops"
NOW = 1_000_000.0
BASE = "c" * 40
HEAD = "d" * 40
NEW = "e" * 40
BRANCH = "promotions/12-feature-abcdef123456"

Spec = Mapping[str, str | tuple[Mode, str] | TreeEntry]


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def waits() -> list[float]:
    """The waits the adapter asked for (a fake sleep records them instead of sleeping)."""
    return []


@pytest.fixture
def repo(waits: list[float]) -> GitHubRepo:
    return GitHubRepo("t0ken", "octo/gitops", sleep=waits.append, clock=lambda: NOW)


# --- building GitHub-shaped trees with real git ids -------------------------------------


def tree_entries(spec: Spec) -> tuple[str, dict[str, TreeEntry]]:
    """(root id, path → entry with folders) for ``spec``, ids computed as git does."""
    entries: dict[str, TreeEntry] = {}
    for path, item in spec.items():
        if isinstance(item, TreeEntry):
            entries[path] = item
        else:
            mode, content = item if isinstance(item, tuple) else (Mode.FILE, item)
            entries[path] = TreeEntry(mode, blob(content))
    folders = {p.rsplit("/", i)[0] for p in entries for i in range(1, p.count("/") + 1)}
    for folder in sorted(folders, key=lambda f: -f.count("/")):
        entries[folder] = TreeEntry(Mode.FOLDER, git_tree_oid(children(entries, folder)))
    return git_tree_oid(children(entries, "")), entries


def children(entries: Mapping[str, TreeEntry], folder: str) -> dict[str, TreeEntry]:
    lead = f"{folder}/" if folder else ""
    return {
        p[len(lead) :]: e
        for p, e in entries.items()
        if p.startswith(lead) and "/" not in p[len(lead) :]
    }


def listing(entries: Mapping[str, TreeEntry], folder: str = "", *, deep: bool = True) -> list[Any]:
    """GitHub's ``tree`` array for ``folder``: depth-first in git's order when ``deep``."""
    items: list[Any] = []
    lead = f"{folder}/" if folder else ""
    kids = children(entries, folder)
    for name in sorted(kids, key=lambda n: n + "/" if kids[n].is_folder else n):
        entry = kids[name]
        mode = entry.mode.value
        items.append(
            {"path": name, "mode": mode, "type": object_type(entry.mode), "sha": entry.oid}
        )
        if deep and entry.is_folder:
            sub = listing(entries, lead + name)
            items += [{**item, "path": f"{name}/{item['path']}"} for item in sub]
    return items


def tree_json(sha: str, items: list[Any], *, truncated: bool = False) -> dict[str, Any]:
    return {"sha": sha, "url": f"{REPO}/git/trees/{sha}", "tree": items, "truncated": truncated}


def add_tree(rsps: responses.RequestsMock, ref: str, spec: Spec) -> TreeSnapshot:
    """Serve ``spec`` as the recursive tree of ``ref``; return the snapshot it should give."""
    root, entries = tree_entries(spec)
    rsps.get(f"{REPO}/git/trees/{ref}?recursive=1", json=tree_json(root, listing(entries)))
    return TreeSnapshot(ref, root, entries)


def body_of(call: Any) -> Any:
    return json.loads(call.request.body)


def ref_json(sha: str, name: str = "main") -> dict[str, Any]:
    return {"ref": f"refs/heads/{name}", "object": {"sha": sha, "type": "commit"}}


def pull_json(number: int = 7, **extra: Any) -> dict[str, Any]:
    data = {
        "number": number,
        "title": "Promote",
        "body": "b",
        "state": "open",
        "user": {"login": "alice"},
        "head": {"ref": "feature", "sha": HEAD},
        "base": {"ref": "main", "sha": BASE},
        "labels": [{"name": "promotion"}],
        "html_url": f"https://github.com/octo/gitops/pull/{number}",
    }
    return data | extra


# --- repository and snapshots ------------------------------------------------------------


def test_default_branch_is_read_once(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(REPO, json={"default_branch": "trunk"})
    assert repo.default_branch == "trunk"
    assert repo.default_branch == "trunk"
    assert repo.request_count == 1


def test_default_branch_from_the_event_costs_nothing() -> None:
    repo = GitHubRepo("t", "octo/gitops", default_branch="trunk")
    assert repo.default_branch == "trunk"
    assert repo.request_count == 0


def test_requests_carry_the_token_and_github_headers(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.get(REPO, json={"default_branch": "main"})
    assert repo.default_branch == "main"
    headers = rsps.calls[0].request.headers
    assert headers["Authorization"] == "token t0ken"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_enterprise_server_base_url(rsps: responses.RequestsMock) -> None:
    rsps.get("https://ghe.example.com:443/api/v3/repos/octo/gitops", json={"default_branch": "m"})
    repo = GitHubRepo("t", "octo/gitops", "https://ghe.example.com/api/v3")
    assert repo.default_branch == "m"


def test_repr_and_close(repo: GitHubRepo) -> None:
    assert repr(repo) == "GitHubRepo('octo/gitops', 'https://api.github.com')"
    repo.close()


def test_repo_name_must_be_owner_slash_name() -> None:
    with pytest.raises(GitHubError, match="OWNER/NAME"):
        GitHubRepo("t", "gitops")


def test_snapshot_of_a_commit_is_exactly_one_request(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    expected = add_tree(
        rsps,
        BASE,
        {
            "README.md": "hi",
            "env/prod/run.sh": (Mode.EXECUTABLE, "#!/bin/sh"),
            "env/prod/link": (Mode.SYMLINK, "../staging"),
            "env/prod/vendor": TreeEntry(Mode.SUBMODULE, "f" * 40),
        },
    )
    snapshot = repo.read_snapshot(BASE)
    assert [c.request.url for c in rsps.calls] == [f"{REPO}/git/trees/{BASE}?recursive=1"]
    assert snapshot.commit == BASE
    assert snapshot.root_oid == expected.root_oid
    assert {p: snapshot.entry(p) for p in snapshot.paths()} == {
        p: expected.entry(p) for p in expected.paths()
    }
    assert snapshot.entry("env/prod/run.sh") == expected.entry("env/prod/run.sh")
    assert snapshot.folder_id("env") == expected.folder_id("env")
    assert repo.read_snapshot(BASE) is snapshot  # cached per commit: no second request
    assert repo.request_count == 1


def test_snapshot_of_a_branch_reads_the_ref_then_the_tree(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.get(f"{REPO}/git/ref/heads/main", json=ref_json(BASE))
    add_tree(rsps, BASE, {"a": "1"})
    assert repo.read_snapshot("main").commit == BASE
    assert repo.counter.by_kind == {"ref": 1, "tree": 1}


def test_snapshot_of_a_missing_branch(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(f"{REPO}/git/ref/heads/nope", status=404, json={"message": "Not Found"})
    with pytest.raises(GitHubError, match="no branch 'nope' in octo/gitops") as err:
        repo.read_snapshot("nope")
    assert err.value.status == 404


def test_truncated_snapshot_reads_only_the_folders_left_incomplete(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    root, entries = tree_entries(
        {"a/f1": "1", "a/f2": "2", "a/x/g1": "3", "b/h1": "4", "b/y/k1": "5", "c.txt": "6"}
    )
    full = listing(entries)
    # Cut after b/h1: the root misses c.txt, b misses y, y is absent; a is complete.
    assert [i["path"] for i in full[:7]][-2:] == ["b", "b/h1"]
    rsps.get(f"{REPO}/git/trees/{BASE}?recursive=1", json=tree_json(root, full[:7], truncated=True))
    rsps.get(f"{REPO}/git/trees/{root}", json=tree_json(root, listing(entries, deep=False)))
    b_oid, y_oid = entries["b"].oid, entries["b/y"].oid
    rsps.get(f"{REPO}/git/trees/{b_oid}", json=tree_json(b_oid, listing(entries, "b", deep=False)))
    rsps.get(
        f"{REPO}/git/trees/{y_oid}?recursive=1", json=tree_json(y_oid, listing(entries, "b/y"))
    )

    snapshot = repo.read_snapshot(BASE)

    assert {p: snapshot.entry(p) for p in snapshot.paths()} == entries
    assert [urlsplit(c.request.url).query for c in rsps.calls] == [
        "recursive=1",
        "",
        "",
        "recursive=1",
    ]
    assert repo.request_count == 4


def test_truncated_snapshot_copies_folders_equal_to_one_already_listed(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    """In-sync components share a tree id: a cut-off copy costs no request."""
    app = {"values.yaml": "tag: v1", "manifests/deploy.yaml": "kind: Deployment"}
    spec = {f"{env}/app/{rel}": text for env in ("lab", "prod") for rel, text in app.items()}
    root, entries = tree_entries(spec | {"prod/cluster.yaml": "prod"})
    assert entries["lab/app"].oid == entries["prod/app"].oid
    full = listing(entries)
    # Cut right after prod/app: its files, prod/cluster.yaml are missing.
    cut = [i["path"] for i in full].index("prod/app") + 1
    rsps.get(
        f"{REPO}/git/trees/{BASE}?recursive=1", json=tree_json(root, full[:cut], truncated=True)
    )
    prod = entries["prod"].oid
    rsps.get(f"{REPO}/git/trees/{prod}", json=tree_json(prod, listing(entries, "prod", deep=False)))

    snapshot = repo.read_snapshot(BASE)

    assert {p: snapshot.entry(p) for p in snapshot.paths()} == entries
    assert repo.request_count == 2  # prod listed alone; prod/app copied from lab/app


def test_truncated_listing_of_a_single_folder_is_an_error(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    root, entries = tree_entries({"a": "1", "b": "2"})
    rsps.get(
        f"{REPO}/git/trees/{BASE}?recursive=1",
        json=tree_json(root, listing(entries)[:1], truncated=True),
    )
    rsps.get(f"{REPO}/git/trees/{root}", json=tree_json(root, listing(entries)[:1], truncated=True))
    with pytest.raises(GitHubError, match="truncated the listing of folder ''"):
        repo.read_snapshot(BASE)


# --- blobs and files -----------------------------------------------------------------------


def blob_json(content: bytes) -> dict[str, Any]:
    return {"content": base64.b64encode(content).decode() + "\n", "encoding": "base64"}


def test_read_blobs_decodes_base64_once_per_blob(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    """Where GraphQL refuses the batch (an older GitHub Enterprise Server), each blob is
    read through REST, once."""
    one, two = blob("one"), blob("two")
    refused = {"errors": [{"message": "Field 'object' doesn't exist on type 'Repository'"}]}
    rsps.post("https://api.github.com:443/graphql", json=refused)
    rsps.get(f"{REPO}/git/blobs/{one}", json=blob_json(b"one"))
    rsps.get(f"{REPO}/git/blobs/{two}", json={"content": "two", "encoding": "utf-8"})
    assert repo.read_blobs([one, two, one]) == {one: b"one", two: b"two"}
    assert repo.read_blobs([one]) == {one: b"one"}  # cached
    assert repo.request_count == 3


def test_read_blobs_takes_graphql_text_only_when_it_hashes_to_the_blob_id(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    """Two blobs in one GraphQL request: one whose text is its content (kept), one whose
    text does not hash to its id (GitHub re-encoded it): that one is read through REST."""
    good, bad = b"tag: v1\n", b"caf\xe9\n"  # Latin-1: GraphQL's text would not be these bytes
    good_id, bad_id = git_blob_id(good), git_blob_id(bad)
    nodes = {
        "b0": {"oid": good_id, "isBinary": False, "isTruncated": False, "text": "tag: v1\n"},
        "b1": {"oid": bad_id, "isBinary": False, "isTruncated": False, "text": "caf\ufffd\n"},
    }
    rsps.post("https://api.github.com:443/graphql", json={"data": {"repository": nodes}})
    rsps.get(f"{REPO}/git/blobs/{bad_id}", json=blob_json(bad))
    assert repo.read_blobs([good_id, bad_id]) == {good_id: good, bad_id: bad}
    assert repo.request_count == 2


def test_create_blob_sends_base64_and_caches_the_content(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    content = b"\x00binary\xff"
    rsps.post(
        f"{REPO}/git/blobs",
        json={"sha": blob("x"), "url": "u"},
        status=201,
        match=[
            responses.matchers.json_params_matcher(
                {"content": base64.b64encode(content).decode(), "encoding": "base64"}
            )
        ],
    )
    assert repo.create_blob(content) == blob("x")
    assert repo.read_blobs([blob("x")]) == {blob("x"): content}  # no GET: cached
    assert repo.request_count == 1


def test_read_file_uses_the_snapshot_and_never_probes(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    add_tree(rsps, BASE, {"telefonistka.yaml": "cfg", "dir/x": "x"})
    rsps.get(f"{REPO}/git/blobs/{blob('cfg')}", json=blob_json(b"cfg"))
    assert repo.read_file(BASE, "telefonistka.yaml") == b"cfg"
    assert repo.read_file(BASE, "missing.yaml") is None
    assert repo.read_file(BASE, "dir") is None
    assert repo.counter.by_kind == {"tree": 1, "blob": 1}


def test_read_root_file_lists_only_the_root(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    root, entries = tree_entries({"telefonistka.yaml": "cfg", "dir/x": "x"})
    rsps.get(f"{REPO}/git/trees/{BASE}", json=tree_json(root, listing(entries, deep=False)))
    rsps.get(f"{REPO}/git/blobs/{blob('cfg')}", json=blob_json(b"cfg"))
    assert repo.read_root_file(BASE, "telefonistka.yaml") == b"cfg"
    assert repo.read_root_file(BASE, "dir") is None
    assert repo.read_root_file(BASE, "missing.yaml") is None
    assert [urlsplit(c.request.url).query for c in rsps.calls] == ["", ""]
    assert repo.counter.by_kind == {"tree": 1, "blob": 1}


def test_read_root_file_uses_a_snapshot_already_read(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    add_tree(rsps, BASE, {"telefonistka.yaml": "cfg", "dir/x": "x"})
    rsps.get(f"{REPO}/git/blobs/{blob('cfg')}", json=blob_json(b"cfg"))
    repo.read_snapshot(BASE)
    assert repo.read_root_file(BASE, "telefonistka.yaml") == b"cfg"
    assert repo.read_root_file(BASE, "missing.yaml") is None
    assert repo.counter.by_kind == {"tree": 1, "blob": 1}


def test_commit_state(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(
        f"{REPO}/git/commits/{HEAD}",
        json={
            "sha": HEAD,
            "tree": {"sha": "1" * 40},
            "parents": [{"sha": BASE}],
            "message": "title\n\nbody",
            "author": {"name": "Bot", "email": "b@x"},
        },
    )
    state = repo.commit_state(HEAD)
    assert state == CommitState("1" * 40, (BASE,), "title\n\nbody", "Bot", "", "Bot <b@x>", " <>")
    assert repo.commit_state(HEAD) is state
    assert repo.request_count == 1


# --- pull-request files --------------------------------------------------------------------


def files_page(names: list[str]) -> list[dict[str, Any]]:
    return [{"filename": n, "status": "modified"} for n in names]


def test_pr_files_paginates_by_link_header_and_lists_both_names_of_renames(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    first = [f"f{i:03}" for i in range(100)]
    link = f'<{REPO}/pulls/7/files?per_page=100&page=2>; rel="next"'
    rsps.get(
        f"{REPO}/pulls/7/files?per_page=100&page=1", json=files_page(first), headers={"Link": link}
    )
    renamed = {"filename": "new.yaml", "previous_filename": "old.yaml", "status": "renamed"}
    prev = f'<{REPO}/pulls/7/files?per_page=100&page=1>; rel="prev"'
    rsps.get(
        f"{REPO}/pulls/7/files?per_page=100&page=2",
        json=[renamed, *files_page(["f000"])],
        headers={"Link": prev},
    )
    assert repo.pr_files(7) == [*first, "old.yaml", "new.yaml"]
    assert repo.request_count == 2


def test_pr_files_without_link_headers_stops_at_a_short_page(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    first = [f"f{i:03}" for i in range(100)]
    rsps.get(f"{REPO}/pulls/7/files?per_page=100&page=1", json=files_page(first))
    rsps.get(f"{REPO}/pulls/7/files?per_page=100&page=2", json=[])
    assert repo.pr_files(7) == first
    assert repo.request_count == 2


def test_pr_files_over_3000_with_the_event_pull_compares_trees(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    add_tree(rsps, BASE, {"a/x": "1", "a/gone": "2", "b/same": "3"})
    add_tree(rsps, HEAD, {"a/x": "changed", "a/new": "4", "b/same": "3"})
    pull = pull_request_from_json(pull_json(changed_files=3001))
    assert repo.pr_files(7, pull) == ["a/gone", "a/new", "a/x"]
    assert repo.counter.by_kind == {"tree": 2}


def test_pr_files_of_exactly_3000_files_are_the_listing(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    def page(request: Any) -> tuple[int, dict[str, str], str]:
        number = int(parse_qs(urlsplit(request.url).query)["page"][0])
        return (
            200,
            {"Link": '<x>; rel="next"'},
            json.dumps(files_page([f"{number}/{i}" for i in range(100)])),
        )

    rsps.add_callback(responses.GET, re.compile(rf"{re.escape(REPO)}/pulls/7/files\?.*"), page)
    rsps.get(f"{REPO}/pulls/7", json=pull_json(changed_files=3000))
    assert len(repo.pr_files(7)) == 3000
    assert repo.counter.by_kind == {"pull-files": 30, "pull": 1}


def test_pr_files_reaching_the_cap_reads_the_pr_and_compares_trees(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    def page(request: Any) -> tuple[int, dict[str, str], str]:
        number = int(parse_qs(urlsplit(request.url).query)["page"][0])
        names = [f"p{number}/f{i}" for i in range(100)]
        headers = {"Link": '<x>; rel="next"'} if number < 30 else {}
        return 200, headers, json.dumps(files_page(names))

    rsps.add_callback(responses.GET, re.compile(rf"{re.escape(REPO)}/pulls/7/files\?.*"), page)
    rsps.get(f"{REPO}/pulls/7", json=pull_json(changed_files=4000))
    add_tree(rsps, BASE, {"a": "1"})
    add_tree(rsps, HEAD, {"a": "2"})
    assert repo.pr_files(7) == ["a"]
    assert repo.counter.by_kind == {"pull-files": 30, "pull": 1, "tree": 2}


# --- writing -----------------------------------------------------------------------------


def test_write_tree_is_one_post_with_base_tree_modes_and_null_deletions(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    base = add_tree(rsps, BASE, {"t/old.yaml": "o", "t/link": (Mode.SYMLINK, "x"), "s/run.sh": "r"})
    rsps.post(f"{REPO}/git/trees", json={"sha": "9" * 40, "tree": []})
    repo.read_snapshot(BASE)
    changes = {
        "t/old.yaml": None,
        "t/link": None,
        "t/run.sh": TreeEntry(Mode.EXECUTABLE, blob("r")),
        "t/vendor": TreeEntry(Mode.SUBMODULE, "f" * 40),
    }
    assert repo.write_tree(BASE, changes) == "9" * 40
    assert body_of(rsps.calls[1]) == {
        "base_tree": base.root_oid,
        "tree": [
            {"path": "t/link", "mode": "120000", "type": "blob", "sha": None},
            {"path": "t/old.yaml", "mode": "100644", "type": "blob", "sha": None},
            {"path": "t/run.sh", "mode": "100755", "type": "blob", "sha": blob("r")},
            {"path": "t/vendor", "mode": "160000", "type": "commit", "sha": "f" * 40},
        ],
    }
    assert repo.counter.by_kind == {"tree": 2}


def test_write_tree_on_an_unread_commit_reads_its_tree_first(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    commit = {"sha": BASE, "tree": {"sha": "1" * 40}, "parents": [], "message": "m"}
    rsps.get(f"{REPO}/git/commits/{BASE}", json=commit)
    rsps.post(f"{REPO}/git/trees", json={"sha": "9" * 40})
    assert repo.write_tree(BASE, {"a": TreeEntry(Mode.FILE, blob("a"))}) == "9" * 40
    assert repo.write_tree(BASE, {}) == "1" * 40  # nothing to change: the base tree, no call
    assert body_of(rsps.calls[1])["base_tree"] == "1" * 40
    assert repo.request_count == 2


def test_commit_tree_sends_no_author_or_committer(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.post(
        f"{REPO}/git/commits",
        json={"sha": NEW, "tree": {"sha": "1" * 40}, "parents": [{"sha": BASE}], "message": "m"},
    )
    assert repo.commit_tree("1" * 40, [BASE], "title\n\nbody") == NEW
    assert body_of(rsps.calls[0]) == {
        "message": "title\n\nbody",
        "tree": "1" * 40,
        "parents": [BASE],
    }
    assert repo.commit_state(NEW).tree == "1" * 40  # the answer is cached: no GET
    assert repo.request_count == 1


def test_branch_head_reads_the_exact_ref(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(f"{REPO}/git/ref/heads/{BRANCH}", json=ref_json(HEAD, BRANCH))
    rsps.get(f"{REPO}/git/ref/heads/none", status=404, json={"message": "Not Found"})
    assert repo.branch_head(BRANCH) == HEAD
    assert repo.branch_head("none") is None


def test_branch_head_picks_the_exact_name_from_a_prefix_list(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.get(f"{REPO}/git/ref/heads/p", json=[ref_json(HEAD, "p/1"), ref_json(NEW, "p")])
    rsps.get(f"{REPO}/git/ref/heads/q", json=[ref_json(HEAD, "q/1")])
    assert repo.branch_head("p") == NEW
    assert repo.branch_head("q") is None


def test_update_branch_creates_a_new_branch(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.post(f"{REPO}/git/refs", status=201, json=ref_json(NEW, BRANCH))
    repo.update_branch(BRANCH, NEW, None)
    assert body_of(rsps.calls[0]) == {"ref": f"refs/heads/{BRANCH}", "sha": NEW}


def test_update_branch_moves_an_existing_branch_with_force(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.patch(f"{REPO}/git/refs/heads/{BRANCH}", json=ref_json(NEW, BRANCH))
    repo.update_branch(BRANCH, NEW, HEAD)
    assert body_of(rsps.calls[0]) == {"sha": NEW, "force": True}


def test_update_branch_that_loses_the_create_race_becomes_an_update(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.post(f"{REPO}/git/refs", status=422, json={"message": "Reference already exists"})
    rsps.get(f"{REPO}/git/ref/heads/{BRANCH}", json=ref_json(HEAD, BRANCH))
    rsps.patch(f"{REPO}/git/refs/heads/{BRANCH}", json=ref_json(NEW, BRANCH))
    repo.update_branch(BRANCH, NEW, None)
    assert [c.request.method for c in rsps.calls] == ["POST", "GET", "PATCH"]
    assert body_of(rsps.calls[2]) == {"sha": NEW, "force": True}


def test_update_branch_race_already_at_the_new_commit_stops(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.post(f"{REPO}/git/refs", status=422, json={"message": "Reference already exists"})
    rsps.get(f"{REPO}/git/ref/heads/{BRANCH}", json=ref_json(NEW, BRANCH))
    repo.update_branch(BRANCH, NEW, None)
    assert repo.request_count == 2


def test_update_branch_other_422_is_raised(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.post(f"{REPO}/git/refs", status=422, json={"message": "Object does not exist"})
    with pytest.raises(GitHubError, match="create branch") as err:
        repo.update_branch(BRANCH, NEW, None)
    assert err.value.status == 422


# --- pull requests -------------------------------------------------------------------------


def test_find_open_pr_queries_by_owner_and_branch(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.get(f"{REPO}/pulls", json=[pull_json(9)])
    found = repo.find_open_pr(BRANCH)
    assert found is not None
    assert (found.number, found.author, found.labels) == (9, "alice", ("promotion",))
    assert parse_qs(urlsplit(rsps.calls[0].request.url).query) == {
        "head": [f"octo:{BRANCH}"],
        "state": ["open"],
    }


def test_find_open_pr_none(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(f"{REPO}/pulls", json=[])
    assert repo.find_open_pr(BRANCH) is None


def test_create_pr(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.post(f"{REPO}/pulls", status=201, json=pull_json(10))
    assert repo.create_pr("T", "B", BRANCH, "main").number == 10
    assert body_of(rsps.calls[0]) == {"title": "T", "body": "B", "head": BRANCH, "base": "main"}


def test_create_pr_that_already_exists_returns_the_open_one(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    error = {
        "message": "Validation Failed",
        "errors": [
            {"code": "custom", "message": f"A pull request already exists for octo:{BRANCH}."}
        ],
    }
    rsps.post(f"{REPO}/pulls", status=422, json=error)
    rsps.get(f"{REPO}/pulls", json=[pull_json(11)])
    assert repo.create_pr("T", "B", BRANCH, "main").number == 11


def test_update_pr(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.patch(f"{REPO}/pulls/11", json=pull_json(11))
    repo.update_pr(11, "T2", "B2")
    assert body_of(rsps.calls[0]) == {"title": "T2", "body": "B2"}


def test_labels_and_assignees(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.post(f"{REPO}/issues/11/labels", json=[])
    rsps.post(f"{REPO}/issues/11/assignees", status=201, json={})
    rsps.patch(f"{REPO}/issues/12", json={})
    repo.add_labels(11, ["promotion", "env"])
    repo.add_assignees(11, ["alice"])
    repo.add_labels(11, [])  # nothing to add: no request
    repo.add_assignees(11, [])
    repo.set_labels_and_assignees(12, ["promotion"], ["alice"])
    assert [body_of(c) for c in rsps.calls] == [
        {"labels": ["promotion", "env"]},
        {"assignees": ["alice"]},
        {"labels": ["promotion"], "assignees": ["alice"]},
    ]


def test_approve_with_a_second_identity_shares_the_counter(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.post(f"{REPO}/pulls/11/reviews", json={"id": 1})
    approver = repo.with_identity("appr0ver")
    approver.approve(11, NEW)
    call = rsps.calls[0]
    assert call.request.headers["Authorization"] == "token appr0ver"
    assert body_of(call) == {"event": "APPROVE", "commit_id": NEW}
    assert repo.request_count == 1


def test_merge_is_retried_on_try_the_merge_again(
    rsps: responses.RequestsMock, repo: GitHubRepo, waits: list[float]
) -> None:
    again = {"message": "Base branch was modified. Review and try the merge again."}
    url = f"{REPO}/pulls/11/merge"
    rsps.put(url, status=405, json=again)
    rsps.put(url, status=405, json=again)
    rsps.put(url, json={"sha": NEW, "merged": True})
    assert repo.merge_pr(11) == NEW
    assert waits == [1.0, 2.0]
    assert body_of(rsps.calls[0]) == {"merge_method": "merge"}


def test_merge_retries_are_bounded(rsps: responses.RequestsMock, waits: list[float]) -> None:
    repo = GitHubRepo("t", "octo/gitops", sleep=waits.append, policy=RetryPolicy(merge_attempts=2))
    again = {"message": "Base branch was modified. Review and try the merge again."}
    rsps.put(f"{REPO}/pulls/11/merge", status=405, json=again)
    with pytest.raises(GitHubError, match="405") as err:
        repo.merge_pr(11)
    assert err.value.status == 405
    assert repo.request_count == 2
    assert waits == [1.0]


def test_merge_not_mergeable_is_not_retried(
    rsps: responses.RequestsMock, repo: GitHubRepo, waits: list[float]
) -> None:
    rsps.put(
        f"{REPO}/pulls/11/merge", status=405, json={"message": "Pull Request is not mergeable"}
    )
    rsps.get(f"{REPO}/pulls/11", json=pull_json(11))  # read once: not merged after all
    with pytest.raises(GitHubError, match="could not merge PR #11"):
        repo.merge_pr(11)
    assert waits == []


def test_comments(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    comment = {"id": 5, "node_id": "IC_5", "user": {"login": "bot"}, "body": "hello"}
    rsps.post(f"{REPO}/issues/7/comments", status=201, json=comment)
    link = '<x>; rel="next"'
    rsps.get(
        f"{REPO}/issues/7/comments?per_page=100&page=1", json=[comment], headers={"Link": link}
    )
    rsps.get(f"{REPO}/issues/7/comments?per_page=100&page=2", json=[comment | {"id": 6}])
    assert repo.comment(7, "hello").id == 5
    assert body_of(rsps.calls[0]) == {"body": "hello"}
    assert [(c.id, c.node_id, c.author) for c in repo.list_comments(7)] == [
        (5, "IC_5", "bot"),
        (6, "IC_5", "bot"),
    ]


def test_set_status(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.post(f"{REPO}/statuses/{HEAD}", status=201, json={})
    rsps.post(f"{REPO}/statuses/{HEAD}", status=201, json={})
    repo.set_status(HEAD, "pending", description="x" * 200, target_url="https://ci/1")
    repo.set_status(HEAD, "success", context="other")
    assert body_of(rsps.calls[0]) == {
        "state": "pending",
        "context": "telefonistka",
        "description": "x" * 140,
        "target_url": "https://ci/1",
    }
    assert body_of(rsps.calls[1]) == {"state": "success", "context": "other", "description": ""}


def test_pull_request_from_an_event_payload() -> None:
    pull = pull_request_from_json(pull_json(3, merged=True, merge_commit_sha=NEW, changed_files=2))
    assert (pull.head_ref, pull.base_sha, pull.merged, pull.changed_files) == (
        "feature",
        BASE,
        True,
        2,
    )
    with pytest.raises(GitHubError, match="unexpected pull request"):
        pull_request_from_json({"number": 3})


# --- retries -------------------------------------------------------------------------------


def test_5xx_and_connection_errors_are_retried_with_backoff(
    rsps: responses.RequestsMock, repo: GitHubRepo, waits: list[float]
) -> None:
    url = f"{REPO}/git/ref/heads/main"
    rsps.get(url, status=502, body="<html>Bad Gateway</html>")
    rsps.get(url, body=requests.ConnectionError("reset"))
    rsps.get(url, status=503, json={"message": "busy"}, headers={"Retry-After": "3"})
    rsps.get(url, json=ref_json(BASE))
    assert repo.branch_head("main") == BASE
    assert waits == [1.0, 2.0, 3.0]
    assert repo.request_count == 4 == len(rsps.calls)  # PyGithub adds no retries of its own


def test_primary_rate_limit_waits_until_the_reset(
    rsps: responses.RequestsMock, repo: GitHubRepo, waits: list[float]
) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)}
    rsps.post(
        f"{REPO}/git/trees",
        status=403,
        json={"message": "API rate limit exceeded"},
        headers=headers,
    )
    rsps.post(f"{REPO}/git/trees", json={"sha": "9" * 40})
    rsps.get(f"{REPO}/git/commits/{BASE}", json={"sha": BASE, "tree": {"sha": "1" * 40}})
    assert repo.write_tree(BASE, {"a": TreeEntry(Mode.FILE, blob("a"))}) == "9" * 40
    assert waits == [31.0]


def test_secondary_rate_limit_honours_retry_after(
    rsps: responses.RequestsMock, repo: GitHubRepo, waits: list[float]
) -> None:
    message = {"message": "You have exceeded a secondary rate limit. Please wait."}
    rsps.post(f"{REPO}/pulls", status=403, json=message, headers={"Retry-After": "17"})
    rsps.post(f"{REPO}/pulls", status=429, json=message)
    rsps.post(f"{REPO}/pulls", status=201, json=pull_json(4))
    assert repo.create_pr("T", "B", BRANCH, "main").number == 4
    assert waits == [17.0, 60.0]


def test_rate_limit_resetting_too_late_fails_at_once(
    rsps: responses.RequestsMock, waits: list[float]
) -> None:
    repo = GitHubRepo(
        "t", "octo/gitops", sleep=waits.append, clock=lambda: NOW, policy=RetryPolicy(max_wait=60)
    )
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3600)}
    rsps.get(REPO, status=403, json={"message": "API rate limit exceeded"}, headers=headers)
    with pytest.raises(GitHubError, match="rate limit exceeded while trying to read the repo"):
        _ = repo.default_branch
    assert waits == []


def test_retries_give_up_after_the_policy_attempts(
    rsps: responses.RequestsMock, repo: GitHubRepo, waits: list[float]
) -> None:
    rsps.get(f"{REPO}/git/blobs/{BASE}", status=502, json={"message": "Server Error"})
    with pytest.raises(GitHubError, match=r"GitHub could not read blob cccccccccccc \(502") as err:
        repo.read_blobs([BASE])
    assert err.value.status == 502
    assert waits == [1.0, 2.0, 4.0, 8.0]
    assert repo.request_count == 5


# --- error translation -------------------------------------------------------------------


def test_bad_token(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(REPO, status=401, json={"message": "Bad credentials"})
    with pytest.raises(GitHubError, match=r"rejected the token \(401 Bad credentials\)") as err:
        _ = repo.default_branch
    assert err.value.status == 401


def test_repo_the_token_cannot_see(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(REPO, status=404, json={"message": "Not Found"})
    with pytest.raises(GitHubError, match=r"octo/gitops not found .* the token cannot see it"):
        _ = repo.default_branch


@pytest.mark.parametrize(
    ("call", "request_line", "permission"),
    [
        (lambda r: r.commit_tree("1" * 40, [BASE], "m"), "POST /git/commits", "contents: write"),
        (
            lambda r: r.update_branch(BRANCH, NEW, HEAD),
            f"PATCH /git/refs/heads/{BRANCH}",
            "contents: write",
        ),
        (lambda r: r.create_pr("T", "B", BRANCH, "main"), "POST /pulls", "pull-requests: write"),
        (lambda r: r.set_status(HEAD, "pending"), f"POST /statuses/{HEAD}", "statuses: write"),
    ],
)
def test_403_names_the_missing_permission(
    rsps: responses.RequestsMock, repo: GitHubRepo, call: Any, request_line: str, permission: str
) -> None:
    method, path = request_line.split(" ")
    message = {"message": "Resource not accessible by integration"}
    rsps.add(method, f"{REPO}{path}", status=403, json=message)
    with pytest.raises(GitHubError, match=f"lacks the `{permission}` permission") as err:
        call(repo)
    assert err.value.status == 403
    assert err.value.detail == "Resource not accessible by integration"


def test_request_counter_can_be_shared(rsps: responses.RequestsMock) -> None:
    counter = RequestCounter()
    rsps.get(REPO, json={"default_branch": "main"})
    rsps.get(f"{REPO}/git/ref/heads/main", json=ref_json(BASE))
    GitHubRepo("a", "octo/gitops", counter=counter).default_branch  # noqa: B018
    GitHubRepo("b", "octo/gitops", counter=counter).branch_head("main")
    assert counter.total == 2
    assert counter.by_kind == {"repo": 1, "ref": 1}


def test_minimize_comment_and_viewer_login_use_graphql(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    rsps.post(f"{API}/graphql", json={"data": {"viewer": {"login": "bot[bot]"}}})
    rsps.post(f"{API}/graphql", json={"data": {"minimizeComment": {}}})
    assert repo.viewer_login() == "bot[bot]"
    repo.minimize_comment("IC_5")
    sent = body_of(rsps.calls[1])
    assert "minimizeComment" in sent["query"]
    assert sent["variables"] == {"input": {"subjectId": "IC_5", "classifier": "OUTDATED"}}


def test_a_graphql_error_is_a_github_error(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.post(f"{API}/graphql", json={"errors": [{"message": "Could not resolve IC_9"}]})
    with pytest.raises(GitHubError, match="Could not resolve IC_9"):
        repo.minimize_comment("IC_9")


def test_graphql_on_enterprise_server_is_under_api(rsps: responses.RequestsMock) -> None:
    ghes = GitHubRepo("t", "octo/gitops", "https://ghe.example.com/api/v3")
    rsps.post("https://ghe.example.com:443/api/graphql", json={"data": {"viewer": {"login": "b"}}})
    assert ghes.viewer_login() == "b"


def test_status_state_is_the_newest_of_its_context(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    newest_first = [
        {"context": "other", "state": "failure"},
        {"context": "approved", "state": "success"},
        {"context": "approved", "state": "failure"},
    ]
    rsps.get(f"{REPO}/commits/{HEAD}/statuses?per_page=100", json=newest_first)
    assert repo.status_state(HEAD, "approved") == "success"
    assert repo.status_state(HEAD, "missing") is None


def test_user_permission_reads_the_legacy_permission_and_a_404_is_none(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    url = f"{REPO}/collaborators/%s/permission"
    rsps.get(url % "alice", json={"permission": "write", "role_name": "maintain", "user": {}})
    rsps.get(url % "ghost", status=404, json={"message": "Not Found"})
    rsps.get(url % "bob", status=403, json={"message": "Resource not accessible by integration"})

    assert repo.user_permission("alice") == "write"
    assert repo.user_permission("ghost") == "none"
    with pytest.raises(GitHubError, match="metadata: read"):
        repo.user_permission("bob")
