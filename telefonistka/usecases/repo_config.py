"""The repo configuration a use case acts on: always from the default branch (or, for a
push, the pushed commit), never from a PR's head, so a PR cannot change the rules it is
judged by.
"""

from __future__ import annotations

from telefonistka.core.config.model import REPO_CONFIG_FILE, RepoConfig
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.promotion.snapshot import TreeSnapshot
from telefonistka.errors import ConfigError, ConfigProblem, MissingConfigError, UsageError
from telefonistka.ports import RepoReader


def read_repo_config_in(repo: RepoReader, snapshot: TreeSnapshot, branch: str) -> RepoConfig:
    """The validated repo configuration of ``snapshot``; a clear error when it is missing."""
    text = repo.file_in(snapshot, REPO_CONFIG_FILE)
    return _repo_config(text, repo.full_name, snapshot.commit, branch)


def read_repo_config_at(repo: RepoReader, commit: str, branch: str) -> RepoConfig:
    """The validated repo configuration of ``commit``, read without a whole-tree snapshot."""
    text = repo.read_root_file(commit, REPO_CONFIG_FILE)
    return _repo_config(text, repo.full_name, commit, branch)


def read_repo_config_on(repo: RepoReader, branch: str) -> RepoConfig:
    """The validated repo configuration at the head of ``branch``, in one request: for a
    job that needs nothing else of the tree (the scheduled gate pass)."""
    text = repo.read_branch_file(branch, REPO_CONFIG_FILE)
    return _repo_config(text, repo.full_name, "", branch)


def repo_config_of(text: bytes | None, repo_name: str, commit: str, branch: str) -> RepoConfig:
    """The validated configuration from its file's content (read some other way)."""
    return _repo_config(text, repo_name, commit, branch)


def _repo_config(text: bytes | None, repo_name: str, commit: str, branch: str) -> RepoConfig:
    if text is None:
        at = f" (commit {commit[:12]})" if commit else ""
        raise MissingConfigError(
            f"no {REPO_CONFIG_FILE} at the root of branch {branch!r}{at} of {repo_name}: "
            "the configuration is read from the default branch, so commit it there first"
        )
    return load_repo_config(text, REPO_CONFIG_FILE)


def read_template_overrides(repo: RepoReader, branch: str, folder: str) -> dict[str, str]:
    """The ``*.j2`` files directly in ``folder`` on ``branch``, by name: the repo's overrides.

    Why from the branch and not from the workspace: in a ``pull_request`` workflow the
    workspace is the PR's own checkout, so a PR could rewrite the templates that render
    the bot's comments about it. Read from the default branch through the API, they
    follow the same rule as the configuration. Uses the branch's snapshot (already read
    by every use case that renders) plus one blob per template.
    """
    snapshot = repo.read_snapshot(branch)
    entry = snapshot.entry(folder.strip("/"))
    if entry is None or not entry.is_folder:
        raise UsageError(
            f"input templates-path {folder!r} is not a folder on branch {branch!r} of "
            f"{repo.full_name}: templates are read from the default branch, so commit them there"
        )
    found = {
        name: entry
        for name, entry in snapshot.files_under(folder).items()
        if "/" not in name and name.endswith(".j2")
    }
    blobs = repo.read_blobs(entry.oid for entry in found.values())
    overrides = {}
    for name, entry in sorted(found.items()):
        try:
            overrides[name] = blobs[entry.oid].decode("utf-8")
        except UnicodeDecodeError as exc:
            where = f"{folder.strip('/')}/{name}"
            problem = ConfigProblem(where, 1, 1, "", f"the template is not UTF-8 text: {exc}")
            raise ConfigError([problem]) from exc
    return overrides
