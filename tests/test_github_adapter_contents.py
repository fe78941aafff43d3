"""``GitHubRepo.read_branch_file``: one file at a branch's head in one request (the
contents API), as the scheduled gate pass reads the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session

from telefonistka.adapters.github import GitHubRepo
from telefonistka.errors import MissingConfigError
from telefonistka.usecases.repo_config import read_repo_config_on

REPO = "acme/infra"
CONFIG = 'promotionPaths:\n  - sourcePath: "env/staging/"\n    promotionPrs: []\n'


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github")


def github(emu: GitHubEmulator) -> GitHubRepo:
    return GitHubRepo("t", REPO, emu.base_url, sleep=lambda _: None)


def test_a_file_a_folder_and_a_missing_path(emu: GitHubEmulator) -> None:
    emu.repo(REPO, {"telefonistka.yaml": CONFIG, "env/a b/values.yaml": "x: 1\n"})
    repo = github(emu)
    emu.reset()

    assert repo.read_branch_file("main", "telefonistka.yaml") == CONFIG.encode()
    assert repo.read_branch_file("main", "env/a b/values.yaml") == b"x: 1\n"
    assert repo.read_branch_file("main", "env") is None  # a folder
    assert repo.read_branch_file("main", "nothing.yaml") is None
    assert repo.read_branch_file("no-such-branch", "telefonistka.yaml") is None
    assert len(emu.requests) == 5  # one each


def test_a_file_over_the_contents_limit_is_read_as_its_blob(emu: GitHubEmulator) -> None:
    big = b"# padding\n" * 110_000  # 1.1 MB: the contents API leaves the content out
    emu.repo(REPO, {"big.yaml": big.decode()})
    repo = github(emu)
    emu.reset()

    assert repo.read_branch_file("main", "big.yaml") == big
    assert [r.route for r in emu.requests] == [
        "/repos/{owner}/{repo}/contents/{path}",
        "/repos/{owner}/{repo}/git/blobs/{file_sha}",
    ]


def test_the_configuration_in_one_request_and_a_clear_error_without_it(
    emu: GitHubEmulator,
) -> None:
    emu.repo(REPO, {"telefonistka.yaml": CONFIG})
    repo = github(emu)
    emu.reset()

    config = read_repo_config_on(repo, "main")

    assert config.promotion_paths[0].source_path == "env/staging/"
    assert len(emu.requests) == 1
    emu.commit_files(REPO, {"telefonistka.yaml": None})
    with pytest.raises(
        MissingConfigError, match=r"no telefonistka.yaml at the root of branch 'main' of acme/infra"
    ):
        read_repo_config_on(repo, "main")
