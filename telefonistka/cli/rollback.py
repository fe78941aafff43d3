"""``telefonistka rollback``: roll back a merged promotion, on GitHub or locally.

``--pr N`` opens the rollback PR of merged promotion PR #N on GitHub, as ``/rollback``
would (token ``GITHUB_TOKEN``, repository ``--github-repo`` or ``GITHUB_REPOSITORY``, API
``GITHUB_API_URL`` or ``--github-host``). ``--commit`` works on a local repository: the
merge commit of the promotion (its first parent is the state to go back to). The folders
come from the promotion's metadata; each one still exactly as the promotion wrote it is
restored, on a local branch ``rollbacks/<pr>-<hash>`` with one commit on top of the base
branch head (docs/rollback.md). Running it again finds the branch and reports it
``unchanged``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from telefonistka.adapters.git_output import printable_lines
from telefonistka.adapters.github import GitHubRepo
from telefonistka.adapters.localgit import LocalGitRepo, printable_json
from telefonistka.cli.bump_options import api_url
from telefonistka.cli.guard import json_text
from telefonistka.core.promotion.trigger import read_merge_message
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import UsageError
from telefonistka.usecases.bot_identity import bot_matcher
from telefonistka.usecases.rollback import RollbackOutcome, roll_back
from telefonistka.usecases.rollback_pr import open_rollback_pr

HELP = "Roll back a merged promotion: a PR on GitHub (--pr) or a local branch (--commit)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pr", type=int, help="on GitHub: the merged promotion PR to roll back")
    which.add_argument("--commit", help="locally: the merge commit of the promotion")
    parser.add_argument("--repo", default=".", help="the local IaC repository (default: .)")
    parser.add_argument("--github-repo", help="with --pr: OWNER/NAME (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--github-host", help="with --pr: a GitHub Enterprise Server host")
    parser.add_argument(
        "--base-branch", help="branch the rollback goes onto (default: the default branch)"
    )
    parser.add_argument("--pr-number", type=int, help="its PR number (default: from the merge)")
    parser.add_argument("--reason", default="", help="why, written into the commit message")
    parser.add_argument("--dry-run", action="store_true", help="compute, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> int:
    if args.pr is not None:
        return _run_github(args, environ)
    repo = LocalGitRepo(args.repo)
    base = args.base_branch or repo.default_branch()
    if repo.branch_head(base) is None:
        raise UsageError(f"base branch {base!r} does not exist in {repo.path}")
    merge = repo.resolve_commit(args.commit)
    pr_number = args.pr_number
    if pr_number is None:
        pr_number = read_merge_message(repo.commit_message(merge)).pr_number
    if pr_number is None:
        raise UsageError(
            f"cannot tell which PR {args.commit!r} merged (its message names none): "
            "pass --pr-number"
        )
    outcome = roll_back(
        repo,
        Renderer(),
        base=base,
        merge_commit=merge,
        pr_number=pr_number,
        reason=args.reason,
        dry_run=args.dry_run,
    )
    print(_json(outcome) if args.json else printable_lines(_text(outcome)))
    return 0


def _run_github(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """``--pr N``: the rollback PR on GitHub, as ``/rollback`` opens it."""
    if args.pr < 1:
        raise UsageError(f"--pr must be a PR number, got {args.pr}")
    token = environ.get("GITHUB_TOKEN") or ""
    if not token:
        raise UsageError(
            "no GitHub token: set GITHUB_TOKEN to a token that can push branches and open "
            "PRs in the repository"
        )
    full_name = args.github_repo or environ.get("GITHUB_REPOSITORY") or ""
    if not full_name:
        raise UsageError("--github-repo is required (or set GITHUB_REPOSITORY)")
    repo = GitHubRepo(token, full_name, api_url(args, environ))
    try:
        default_branch = repo.default_branch
        done = open_rollback_pr(
            repo,
            Renderer(),
            repo.get_pr(args.pr),
            default_branch=default_branch,
            is_bot=bot_matcher(repo, _stderr),
            reason=args.reason,
            requester=environ.get("GITHUB_ACTOR", ""),
            log=_stderr,
        )
    finally:
        repo.close()
    if args.json:
        data = done.outcome.to_json() | {
            "pr": done.pr.number if done.pr else None,
            "url": done.pr.html_url if done.pr else "",
            "merge": done.merge,
        }
        print(json_text(printable_json(data)))
    else:
        print(done.pr.html_url if done.pr and done.pr.html_url else done.message)
    return 0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _json(outcome: RollbackOutcome) -> str:
    return json_text(printable_json(outcome.to_json()))


def _text(outcome: RollbackOutcome) -> str:
    lines = [f"{outcome.status:>14}  {outcome.branch}", f"{'':>14}  {outcome.title}"]
    lines += [f"{'':>14}  restored: {folder}" for folder in outcome.plan.restored]
    lines += [
        f"{'':>14}  changed since, not rolled back: {folder}"
        for folder in outcome.plan.changed_since
    ]
    lines += [f"{'':>14}  already as before: {folder}" for folder in outcome.plan.already]
    return "\n".join(lines)
