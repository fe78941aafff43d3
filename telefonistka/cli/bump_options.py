"""What the three ``bump-*`` commands share: options, environment defaults, the run.

Options and short flags follow the Go original (``-t``, ``-f``, ``-g``, ``-p``, ``-s``,
``-a``, ``--auto-merge``), so existing pipelines keep working; ``--dry-run`` and
``--base-branch`` are ours. The token is ``GITHUB_TOKEN`` (or the Go original's
``GITHUB_OAUTH_TOKEN``); the API root is ``https://HOST/api/v3`` for ``--github-host``,
else ``GITHUB_API_URL`` (set inside Actions, GHES included), else github.com.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from telefonistka.adapters.github import GitHubRepo
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.local_plan import base_of
from telefonistka.core.github.api import DEFAULT_BASE_URL, host_api_url
from telefonistka.errors import UsageError
from telefonistka.usecases.bump_edits import Edit
from telefonistka.usecases.bump_version import BumpRequest, BumpStatus, bump, bump_local

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")  # what GitHub allows in a repository name


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The target, the host, the trigger and the run mode."""
    parser.add_argument(
        "-t", "--target-repo", help="OWNER/NAME of the repo to bump (default: $TARGET_REPO)"
    )
    parser.add_argument(
        "-f", "--target-file", help="path of the file from the repo root (default: $TARGET_FILE)"
    )
    parser.add_argument(
        "-g", "--github-host", help="GitHub Enterprise Server HOSTNAME (API at https://HOST/api/v3)"
    )
    parser.add_argument(
        "-p", "--triggering-repo", help="repo that triggered the bump (default: $GITHUB_REPOSITORY)"
    )
    parser.add_argument("-s", "--triggering-repo-sha", help="its commit (default: $GITHUB_SHA)")
    parser.add_argument(
        "-a",
        "--triggering-actor",
        help="who triggered it; assigned to the PR (default: $GITHUB_ACTOR)",
    )
    parser.add_argument(
        "--base-branch", help="branch to read and target (default: the repo's default branch)"
    )
    parser.add_argument("--auto-merge", action="store_true", help="merge the PR once opened")
    parser.add_argument(
        "--repo",
        metavar="DIR",
        help="bump a local git repository instead of GitHub: the same commit on the same "
        "branch (artifact_version_bump/…), no PR, no token; the base is --base-branch or "
        "the default branch (origin/HEAD, main, master)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the diff; write nothing to GitHub"
    )


def run_bump(
    args: argparse.Namespace,
    make_edit: Callable[[str], Edit],
    environ: Mapping[str, str] = os.environ,
) -> int:
    """Build the repo and request from options and environment, bump, print the result.

    ``make_edit`` receives the target file's path (options or ``TARGET_FILE``) for its
    error messages.
    """
    target_file = _required(args.target_file or environ.get("TARGET_FILE"), "--target-file")
    if args.repo is not None:
        return _run_local(args, make_edit(target_file), environ)
    request = request_from(args, make_edit(target_file), environ)
    repo = GitHubRepo(_token(environ), _target_repo(args, environ), api_url(args, environ))
    try:
        # the diff is printed once: on stdout for --dry-run, else in the log on stderr
        outcome = bump(repo, request, show_diff=not request.dry_run)
    finally:
        repo.close()
    if outcome.status is BumpStatus.DRY_RUN:
        print(outcome.diff, end="")
    elif outcome.pull is not None:
        print(outcome.pull.html_url or f"#{outcome.pull.number}")
    return 0


def _run_local(args: argparse.Namespace, edit: Edit, environ: Mapping[str, str]) -> int:
    """``--repo DIR``: the bump's branch written in a local repository; prints its name."""
    if args.auto_merge:
        raise UsageError("--auto-merge merges a PR on GitHub; with --repo there is no PR")
    repo = LocalGitRepo(args.repo)
    local = {"GITHUB_REPOSITORY": "local/" + _NOT_NAME.sub("-", repo.path.resolve().name)}
    request = request_from(args, edit, {**local, "GITHUB_SHA": "local", **environ})
    base = base_of(repo, args.base_branch)
    outcome = bump_local(repo, request, base, show_diff=not request.dry_run)
    if outcome.status is BumpStatus.DRY_RUN:
        print(outcome.diff, end="")
    elif outcome.status is not BumpStatus.UNCHANGED or outcome.diff:
        print(outcome.branch)
    return 0


def request_from(args: argparse.Namespace, edit: Edit, environ: Mapping[str, str]) -> BumpRequest:
    """The use-case request; options win over the ``GITHUB_*``/``TARGET_*`` variables."""
    return BumpRequest(
        target_file=_required(args.target_file or environ.get("TARGET_FILE"), "--target-file"),
        edit=edit,
        triggering_repo=args.triggering_repo or environ.get("GITHUB_REPOSITORY", ""),
        triggering_sha=args.triggering_repo_sha or environ.get("GITHUB_SHA", ""),
        triggering_actor=args.triggering_actor or environ.get("GITHUB_ACTOR", ""),
        base_branch=args.base_branch,
        auto_merge=args.auto_merge,
        dry_run=args.dry_run,
    )


def api_url(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """``--github-host`` (GHES) first, then Actions' ``GITHUB_API_URL``, then github.com."""
    return host_api_url(args.github_host, environ.get("GITHUB_API_URL") or DEFAULT_BASE_URL)


def _token(environ: Mapping[str, str]) -> str:
    token = environ.get("GITHUB_TOKEN") or environ.get("GITHUB_OAUTH_TOKEN")
    if not token:
        raise UsageError(
            "no GitHub token: set GITHUB_TOKEN to a token that can push branches and open "
            "PRs in the target repo (in a workflow: env: GITHUB_TOKEN: ${{ secrets.BUMP_TOKEN }}; "
            "the workflow's own token cannot write to another repository)"
        )
    return token


def _target_repo(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    return _required(args.target_repo or environ.get("TARGET_REPO"), "--target-repo")


def _required(value: str | None, option: str) -> str:
    if not value:
        name = option.removeprefix("--").replace("-", "_").upper()
        raise UsageError(f"{option} is required (or set {name})")
    return value


def read_content(source: str) -> bytes:
    """The bytes of file ``source``, or of stdin for ``-``."""
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --file {source}: {exc.strerror}") from exc
