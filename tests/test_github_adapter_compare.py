"""``GitHubRepo.compare_files`` (the ``PushComparer`` of push fan-out) against ``responses``.

What matters is the request shape and count: one compare call, both names of a rename,
and the fall-back to two tree reads when GitHub's 300-file cap is reached.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import responses

from telefonistka.adapters.github import MAX_COMPARE_FILES, GitHubRepo
from telefonistka.adapters.github.trees import git_tree_oid
from telefonistka.core.promotion.snapshot import Mode, TreeEntry
from telefonistka.errors import GitHubError

API = "https://api.github.com:443"  # PyGithub's connection classes spell the port out
REPO = f"{API}/repos/octo/gitops"
BEFORE, AFTER = "a" * 40, "b" * 40
COMPARE = f"{REPO}/compare/{BEFORE}...{AFTER}?per_page=1"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def repo() -> GitHubRepo:
    return GitHubRepo("t0ken", "octo/gitops", sleep=lambda _s: None)


def file_record(name: str, status: str = "modified", previous: str | None = None) -> Any:
    record: dict[str, Any] = {"filename": name, "status": status}
    return record | ({"previous_filename": previous} if previous else {})


def add_flat_tree(rsps: responses.RequestsMock, commit: str, files: Mapping[str, str]) -> None:
    """Serve a one-level tree for ``commit``: each file's blob id is its content."""
    entries = {name: TreeEntry(Mode.FILE, oid.ljust(40, "0")) for name, oid in files.items()}
    items = [
        {"path": n, "mode": "100644", "type": "blob", "sha": e.oid} for n, e in entries.items()
    ]
    body = {"sha": git_tree_oid(entries), "tree": items, "truncated": False}
    rsps.get(f"{REPO}/git/trees/{commit}?recursive=1", json=body)


def test_compare_lists_files_once_with_both_names_of_a_rename(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    files = [
        file_record("env/prod/app/values.yaml"),
        file_record("env/new/x.yaml", "renamed", previous="env/old/x.yaml"),
        file_record("gone.txt", "removed"),
    ]
    rsps.get(COMPARE, json={"status": "ahead", "files": files})

    assert repo.compare_files("octo/gitops", BEFORE, AFTER) == [
        "env/prod/app/values.yaml",
        "env/old/x.yaml",
        "env/new/x.yaml",
        "gone.txt",
    ]
    assert repo.counter.by_kind == {"compare": 1}


def test_compare_without_files_is_empty(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(COMPARE, json={"status": "identical"})
    assert repo.compare_files("octo/gitops", BEFORE, AFTER) == []


def test_a_capped_compare_falls_back_to_the_tree_diff(
    rsps: responses.RequestsMock, repo: GitHubRepo
) -> None:
    capped = [file_record(f"f{i:03}") for i in range(MAX_COMPARE_FILES)]
    rsps.get(COMPARE, json={"status": "ahead", "files": capped})
    add_flat_tree(rsps, BEFORE, {"same": "1", "changed": "2", "gone": "3"})
    add_flat_tree(rsps, AFTER, {"same": "1", "changed": "4", "new": "5"})

    assert repo.compare_files("octo/gitops", BEFORE, AFTER) == ["changed", "gone", "new"]
    assert repo.counter.by_kind == {"compare": 1, "tree": 2}


def test_compare_errors_are_ours(rsps: responses.RequestsMock, repo: GitHubRepo) -> None:
    rsps.get(COMPARE, status=404, json={"message": "Not Found"})
    with pytest.raises(GitHubError):
        repo.compare_files("octo/gitops", BEFORE, AFTER)


def test_compare_of_another_repository_is_refused(repo: GitHubRepo) -> None:
    with pytest.raises(GitHubError, match="other/repo"):
        repo.compare_files("other/repo", BEFORE, AFTER)
