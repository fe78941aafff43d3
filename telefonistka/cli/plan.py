"""``telefonistka plan``: show what a change would promote, from a local clone.

Works like the bot on a pull request from ``--base`` to ``--head``: the repo
configuration comes from BASE, the changed files from ``git diff BASE...HEAD``, the
component configurations and the folder comparisons from HEAD. Nothing is written;
``--json`` prints the plan for scripts (``Plan.to_json``), otherwise a table for people.
Errors (bad config, unknown ref, not a repository) go to stderr with nothing on stdout,
so a script never parses half a plan.
"""

from __future__ import annotations

import argparse

from telefonistka.adapters.git_output import printable_lines
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.guard import json_text
from telefonistka.cli.local_plan import (
    FOUND_EXIT_CODE,
    add_range_arguments,
    base_of,
    plan_between,
)
from telefonistka.cli.terminal import progress
from telefonistka.core.promotion.plan_table import format_plan_table

HELP = "Show the promotion plan of the change from BASE to HEAD in a local repository."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--repo``, ``--base``, ``--head``, repeatable ``--label`` and ``--json``."""
    parser.add_argument("--repo", default=".", help="path of the git repository (default: .)")
    add_range_arguments(parser, "its config is used", "the plan has conflicts")
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="NAME",
        help="a label the pull request carries (for conditions.prHasLabels); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")


def run(args: argparse.Namespace) -> int:
    """Compute the plan, then print it in one go (errors propagate to the CLI)."""
    repo = LocalGitRepo(args.repo)
    base = base_of(repo, args.base)
    with progress(f"planning {base}...{args.head}"):
        plan = plan_between(repo, base, args.head, args.label).plan
    if args.json:
        print(json_text(plan.to_json()))
    else:
        print(printable_lines(format_plan_table(plan)), end="")
    return FOUND_EXIT_CODE if args.exit_code and plan.conflicts else 0
