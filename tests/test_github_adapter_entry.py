"""``GitHubRepo.entry_at``: one path looked up without reading the whole tree.

A version bump needs one file. Below GitHub's 100,000-entry limit that is the usual
single recursive read (kept as the snapshot); beyond it the truncated listing is trusted
as far as it goes, and only folders on the path that it left incomplete are listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import SplitResult, urlsplit

import pytest
import responses
from test_github_adapter import BASE, REPO, add_tree, listing, tree_entries, tree_json

from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.promotion.snapshot import Mode, TreeEntry

SPEC = {
    "clusters/lab/eu/c1/app/values.yaml": "tag: v1",
    "clusters/lab/eu/c1/app/manifests/deploy.yaml": "kind: Deployment",
    "clusters/prod/eu/c1/app/values.yaml": "tag: v0",
    "clusters/prod/eu/c1/app/manifests/deploy.yaml": "kind: Deployment",
    "clusters/prod/us/c9/app/values.yaml": "tag: v0 # us",
    "telefonistka.yaml": "cfg",
}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    # Every folder is served (a small GitHub); the tests assert which ones were read.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def repo() -> GitHubRepo:
    return GitHubRepo("t0ken", "octo/gitops")


def serve_truncated(rsps: responses.RequestsMock, cut_after: str) -> dict[str, TreeEntry]:
    """Serve SPEC's recursive listing cut right after ``cut_after``; every folder alone too.

    Every folder can also be read recursively (snapshot completion does that for a
    folder with nothing listed).
    """
    root, entries = tree_entries(SPEC)
    full = listing(entries)
    cut = [item["path"] for item in full].index(cut_after) + 1
    rsps.get(
        f"{REPO}/git/trees/{BASE}?recursive=1", json=tree_json(root, full[:cut], truncated=True)
    )
    folders = {"": root} | {p: e.oid for p, e in entries.items() if e.is_folder}
    for folder, oid in folders.items():
        alone = listing(entries, folder, deep=False)
        no_query = [responses.matchers.query_param_matcher({})]
        rsps.get(f"{REPO}/git/trees/{oid}", json=tree_json(oid, alone), match=no_query)
        deep = tree_json(oid, listing(entries, folder))
        rsps.get(f"{REPO}/git/trees/{oid}?recursive=1", json=deep)
    return entries


def folder_paths(urls: list[SplitResult], entries: dict[str, TreeEntry]) -> list[str]:
    """The folder each tree-read URL names, by path (``<root>`` for the root tree)."""
    by_oid = {e.oid: p for p, e in entries.items() if e.is_folder}
    return [by_oid.get(url.path.rsplit("/", 1)[1], "<root>") for url in urls]


def folder_reads(rsps: responses.RequestsMock, entries: dict[str, TreeEntry]) -> list[str]:
    """The folders read one by one (non-recursive), by path."""
    urls = [urlsplit(c.request.url) for c in rsps.calls]
    return folder_paths([u for u in urls if not u.query], entries)


def test_below_the_limit_it_is_the_snapshot_read_and_keeps_the_snapshot(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    expected = add_tree(rsps, BASE, SPEC)
    path = "clusters/prod/eu/c1/app/values.yaml"
    assert repo.entry_at(BASE, path) == expected.entry(path)
    assert repo.entry_at(BASE, "/clusters/prod/") == expected.entry("clusters/prod")
    assert repo.entry_at(BASE, "clusters/absent.yaml") is None
    assert repo.read_snapshot(BASE).entry(path) == expected.entry(path)  # no second read
    assert repo.request_count == 1


def test_a_path_the_truncated_listing_holds_costs_nothing_more(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    entries = serve_truncated(rsps, "clusters/lab/eu/c1/app/values.yaml")
    path = "clusters/lab/eu/c1/app/values.yaml"
    assert repo.entry_at(BASE, path) == entries[path]
    assert repo.request_count == 1


def test_a_path_past_the_cut_lists_only_the_incomplete_folders_on_its_way(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    # Listed: the lab subtree. clusters is cut (prod missing); prod and below are absent.
    entries = serve_truncated(rsps, "clusters/lab/eu/c1/app/values.yaml")
    path = "clusters/prod/us/c9/app/values.yaml"

    assert repo.entry_at(BASE, path) == entries[path]
    assert folder_reads(rsps, entries) == [
        "clusters",
        "clusters/prod",
        "clusters/prod/us",
        "clusters/prod/us/c9",
        "clusters/prod/us/c9/app",
    ]
    # A second path reuses what was listed: only the eu branch below prod is new.
    other = "clusters/prod/eu/c1/app/values.yaml"
    assert repo.entry_at(BASE, other) == entries[other]
    assert folder_reads(rsps, entries)[5:] == [
        "clusters/prod/eu",
        "clusters/prod/eu/c1",
        "clusters/prod/eu/c1/app",
    ]
    assert repo.counter.by_kind == {"tree": 9}


def test_an_absent_path_is_proven_absent_by_folder_ids(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    entries = serve_truncated(rsps, "clusters/prod/us/c9/app/values.yaml")
    # Everything but the root's last file is listed: every folder on the way hashes to
    # its id, so absence is proven without a request...
    assert repo.entry_at(BASE, "clusters/prod/eu/c1/app/new.yaml") is None
    assert repo.request_count == 1
    # ...while the root, cut before telefonistka.yaml, is listed to find it.
    assert repo.entry_at(BASE, "telefonistka.yaml") == entries["telefonistka.yaml"]
    assert folder_reads(rsps, entries) == ["<root>"]


def test_a_file_where_the_path_needs_a_folder_is_absent(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    serve_truncated(rsps, "clusters/lab/eu/c1/app/values.yaml")
    assert repo.entry_at(BASE, "clusters/lab/eu/c1/app/values.yaml/x") is None
    assert repo.entry_at(BASE, "") == TreeEntry(Mode.FOLDER, tree_entries(SPEC)[0])
    assert repo.request_count == 1


def test_the_root_tree_learnt_on_the_way_saves_the_commit_read_on_write(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    serve_truncated(rsps, "clusters/lab/eu/c1/app/values.yaml")
    root = tree_entries(SPEC)[0]
    rsps.post(
        f"{REPO}/git/trees",
        json={"sha": "f" * 40},
        status=201,
        match=[responses.matchers.json_params_matcher({"base_tree": root}, strict_match=False)],
    )
    entry = repo.entry_at(BASE, "clusters/lab/eu/c1/app/values.yaml")
    assert entry is not None
    assert repo.write_tree(BASE, {"clusters/lab/eu/c1/app/values.yaml": entry}) == "f" * 40
    assert repo.counter.by_kind == {"tree": 2}  # no GET /git/commits for the base tree


def test_a_snapshot_after_a_lookup_completes_the_same_listing(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    """The recursive listing is read once: the snapshot completes what the lookup began."""
    entries = serve_truncated(rsps, "clusters/lab/eu/c1/app/values.yaml")
    path = "clusters/prod/us/c9/app/values.yaml"
    assert repo.entry_at(BASE, path) == entries[path]
    looked_up = repo.request_count

    snapshot = repo.read_snapshot(BASE)

    assert {p: snapshot.entry(p) for p in snapshot.paths()} == entries
    later = [urlsplit(c.request.url) for c in rsps.calls[looked_up:]]
    assert BASE not in {u.path.rsplit("/", 1)[1] for u in later}  # no second full listing
    # The root (cut before telefonistka.yaml) alone, prod/eu (nothing listed) in one read.
    assert [
        (folder, u.query) for folder, u in zip(folder_paths(later, entries), later, strict=True)
    ] == [
        ("<root>", ""),
        ("clusters/prod/eu", "recursive=1"),
    ]
    assert repo.entry_at(BASE, path) == entries[path]  # from the snapshot now
    assert repo.request_count == looked_up + 2
