"""Compute a promotion plan from a local repository: config, changes, snapshot, plan.

The ``plan``, ``promote`` and ``drift`` commands all need the same steps, so they live
here once: read the repo configuration at one ref (the base or the default branch, never
the change itself, so a change cannot rewrite the rules it is judged by), find the
changed components, read one snapshot of the ref the plan is computed on, read the
component configurations that snapshot holds (which ones exist comes from the snapshot,
all of them in one blob batch) and plan against that snapshot's folder ids.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.core.config.component_configs import read_component_configs
from telefonistka.core.config.model import (
    REPO_CONFIG_FILE,
    ComponentConfig,
    RepoConfig,
)
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.promotion.changes import ChangedComponent, find_changed_components
from telefonistka.core.promotion.planning import Plan, compute_plan
from telefonistka.core.promotion.snapshot import TreeSnapshot
from telefonistka.errors import MissingConfigError, UsageError


@dataclass(frozen=True)
class PlannedChange:
    """Everything a plan was computed from, kept so callers can sync or diff with it.

    ``snapshot`` is the tree the plan was computed against; ``component_configs`` is
    keyed by component folder path, like ``compute_plan`` expects.
    """

    config: RepoConfig
    snapshot: TreeSnapshot
    changed_files: tuple[str, ...]
    components: tuple[ChangedComponent, ...]
    component_configs: Mapping[str, ComponentConfig] = field(default_factory=dict)
    plan: Plan = field(default_factory=Plan)


def read_repo_config(repo: LocalGitRepo, rev: str) -> RepoConfig:
    """The validated repo configuration at ``rev``; a clear error when it is missing."""
    text = repo.read_file(rev, REPO_CONFIG_FILE)
    if text is None:
        commit = repo.resolve_commit(rev)
        raise MissingConfigError(
            f"no {REPO_CONFIG_FILE} at the root of {rev!r} (commit {commit[:12]}) in "
            f"{repo.path}: the repo configuration is read from the base ref, so commit it "
            f"there first"
        )
    return load_repo_config(text, REPO_CONFIG_FILE)


def plan_files(
    repo: LocalGitRepo,
    *,
    config_rev: str,
    snapshot_rev: str,
    files: Iterable[str],
    labels: Iterable[str] = (),
) -> PlannedChange:
    """Plan the change made of ``files``: rules from ``config_rev``, tree from ``snapshot_rev``."""
    config = read_repo_config(repo, config_rev)
    changed_files = tuple(files)
    components = tuple(find_changed_components(changed_files, config))
    snapshot = repo.read_snapshot(snapshot_rev)
    component_configs = read_component_configs(repo, snapshot, components)
    plan = compute_plan(components, config, labels, snapshot, component_configs)
    return PlannedChange(config, snapshot, changed_files, components, component_configs, plan)


def plan_between(
    repo: LocalGitRepo, base: str, head: str, labels: Iterable[str] = ()
) -> PlannedChange:
    """Plan a pull request from ``base`` to ``head``: ``git diff BASE...HEAD``, config at BASE.

    Component configurations and folder comparisons come from HEAD, the ref the plan
    describes.
    """
    files = repo.changed_files(base, head)
    return plan_files(repo, config_rev=base, snapshot_rev=head, files=files, labels=labels)


# ``--exit-code``: what was looked for was found (conflicts, drift). Distinct from 1 (an
# error) and 2 (bad usage), as terraform's ``-detailed-exitcode`` keeps "changes" apart.
FOUND_EXIT_CODE = 3


def add_range_arguments(parser: argparse.ArgumentParser, base_role: str, found: str) -> None:
    """``--base`` (default: the default branch), ``--head`` (default: ``HEAD``) and
    ``--exit-code``; each option's help describes that option only (``base_role``: what
    the command does with BASE; ``found``: when ``--exit-code`` exits 3)."""
    parser.add_argument(
        "--base",
        help=f"ref the change is merged into; {base_role} (default: the default branch: "
        "origin/HEAD's target, else main, else master)",
    )
    parser.add_argument("--head", default="HEAD", help="ref holding the change (default: HEAD)")
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help=f"exit {FOUND_EXIT_CODE} when {found} (errors stay 1)",
    )


def base_of(repo: LocalGitRepo, base: str | None) -> str:
    """``base``, or the repository's default branch as the clone knows it.

    ``origin/HEAD`` (what ``git clone`` sets) names it; without a remote, a local ``main``
    or ``master``. The checked-out branch is never guessed: on a feature branch it would
    make every change empty.
    """
    if base:
        return base
    remote = repo.remote_default_branch()
    if remote is not None:
        return remote
    for name in ("main", "master"):
        if repo.branch_head(name) is not None:
            return name
    raise UsageError(
        f"cannot tell the default branch of {repo.path}: no origin/HEAD, no main or master "
        "branch; pass --base"
    )
