"""Exact sync through GitHub when a path changes kind (folder ↔ file), against the emulator.

The emulator answers tree writes as GitHub documents: deleting a path that does not
exist (or that the same request turns into a file) is refused. The synced target must
come out exactly as the source.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session

from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.promotion.sync import compute_sync
from telefonistka.errors import GitHubError

REPO = "acme/infra"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github")


def listing(emu: GitHubEmulator, tree: str, folder: str) -> dict[str, str]:
    """path → object id of every file below ``folder`` in ``tree``."""
    git_dir = emu.get_repo(REPO).git.path
    out = subprocess.run(
        ["git", "ls-tree", "-r", "--full-tree", tree, "--", folder],
        cwd=git_dir,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return {line.split("\t")[1].removeprefix(folder): line.split()[2] for line in out.splitlines()}


@pytest.mark.parametrize(
    "seed",
    [
        {  # a target folder becomes a file
            "env/staging/app/x": "now a file\n",
            "env/prod/app/x/a.yaml": "a: 1\n",
            "env/prod/app/x/deep/b.yaml": "b: 1\n",
        },
        {  # a target file becomes a folder
            "env/staging/app/x/a.yaml": "a: 2\n",
            "env/staging/app/x/deep/b.yaml": "b: 2\n",
            "env/prod/app/x": "was a file\n",
        },
    ],
    ids=["folder-to-file", "file-to-folder"],
)
def test_a_path_that_changes_kind_comes_out_exactly_as_the_source(
    emu: GitHubEmulator, seed: dict[str, str]
) -> None:
    emu.repo(REPO, {**seed, "env/prod/app/keep.yaml": "k\n", "env/staging/app/keep.yaml": "k\n"})
    repo = GitHubRepo("t", REPO, emu.base_url, sleep=lambda _: None)
    snapshot = repo.read_snapshot("main")
    sync = compute_sync(snapshot, [("env/prod/app", "env/staging/app")])

    tree = repo.write_tree(snapshot.commit, sync.changes)

    assert listing(emu, tree, "env/prod/app/") == listing(emu, tree, "env/staging/app/")


def test_the_emulator_refuses_what_github_refuses(emu: GitHubEmulator) -> None:
    emu.repo(REPO, {"env/prod/app/x/a.yaml": "a\n"})
    repo = GitHubRepo("t", REPO, emu.base_url, sleep=lambda _: None)
    base = repo.read_snapshot("main")
    blob = repo.create_blob(b"file\n")
    tree = base.root_oid

    def post(items: list[dict[str, object]]) -> None:
        repo._call(  # the raw request, as another client would send it
            "tree", "write a tree", "POST", "/git/trees", body={"base_tree": tree, "tree": items}
        )

    file_x = {"path": "env/prod/app/x", "mode": "100644", "type": "blob", "sha": blob}
    gone_a = {"path": "env/prod/app/x/a.yaml", "mode": "100644", "type": "blob", "sha": None}
    with pytest.raises(GitHubError, match="the request makes a parent a file"):
        post([file_x, gone_a])
    with pytest.raises(GitHubError, match="does not exist"):
        post([{**gone_a, "path": "env/prod/app/nothing.yaml"}])
    with pytest.raises(GitHubError, match="malformed path component"):
        post([{**file_x, "path": "env/prod/.git/config"}])
    with pytest.raises(GitHubError, match=r"'env/prod/app/x/a\.yaml' is a file"):
        post([{**file_x, "path": "env/prod/app/x/a.yaml/inner"}])
