"""``telefonistka rollback``: roll back a merged promotion in a local repository.

``--commit`` is the merge commit of the promotion (its first parent is the state to go
back to). The folders come from the promotion's metadata; each one still exactly as the
promotion wrote it is restored, on a local branch ``rollbacks/<pr>-<hash>`` with one
commit on top of the base branch head (docs/rollback.md). Running it again finds the
branch and reports it ``unchanged``.
"""

from __future__ import annotations

import argparse

from telefonistka.adapters.git_output import printable_lines
from telefonistka.adapters.localgit import LocalGitRepo, printable_json
from telefonistka.cli.guard import json_text
from telefonistka.core.promotion.trigger import read_merge_message
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import UsageError
from telefonistka.usecases.rollback import RollbackOutcome, roll_back

HELP = "Roll back a merged promotion in a local git repo (a branch restoring its folders)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the IaC repository (default: .)")
    parser.add_argument("--commit", required=True, help="the merge commit of the promotion")
    parser.add_argument(
        "--base-branch", help="branch the rollback goes onto (default: the default branch)"
    )
    parser.add_argument("--pr-number", type=int, help="its PR number (default: from the merge)")
    parser.add_argument("--reason", default="", help="why, written into the commit message")
    parser.add_argument("--dry-run", action="store_true", help="compute, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
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
