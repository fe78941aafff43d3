"""The repo configuration a use case acts on: always from the default branch (or, for a
push, the pushed commit), never from a PR's head, so a PR cannot change the rules it is
judged by.
"""

from __future__ import annotations

from telefonistka.core.config import REPO_CONFIG_FILE, RepoConfig
from telefonistka.core.snapshot import TreeSnapshot
from telefonistka.core.validation import load_repo_config
from telefonistka.errors import MissingConfigError
from telefonistka.ports import RepoReader


def read_repo_config_in(repo: RepoReader, snapshot: TreeSnapshot, branch: str) -> RepoConfig:
    """The validated repo configuration of ``snapshot``; a clear error when it is missing."""
    text = repo.file_in(snapshot, REPO_CONFIG_FILE)
    return _repo_config(text, repo.full_name, snapshot.commit, branch)


def read_repo_config_at(repo: RepoReader, commit: str, branch: str) -> RepoConfig:
    """The validated repo configuration of ``commit``, read without a whole-tree snapshot."""
    text = repo.read_root_file(commit, REPO_CONFIG_FILE)
    return _repo_config(text, repo.full_name, commit, branch)


def _repo_config(text: bytes | None, repo_name: str, commit: str, branch: str) -> RepoConfig:
    if text is None:
        raise MissingConfigError(
            f"no {REPO_CONFIG_FILE} at the root of branch {branch!r} (commit "
            f"{commit[:12]}) of {repo_name}: the configuration is read from the "
            "default branch, so commit it there first"
        )
    return load_repo_config(text, REPO_CONFIG_FILE)
