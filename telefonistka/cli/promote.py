"""``telefonistka promote``: carry out the promotion of a merged commit in a local repo.

Changed files are those of ``--commit`` against its first parent (for a merge commit,
the whole merged PR). Rules and sources are read at the head of the base branch, as the
Action does on GitHub. Each promotion group becomes a local branch, named as the Action
names it (docs/local-git.md), with one commit on top of the base branch head; running
it again finds the branch and reports it ``unchanged``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from telefonistka.adapters.git_output import printable_lines
from telefonistka.adapters.localgit import LocalGitRepo, printable_json
from telefonistka.cli.guard import json_text
from telefonistka.cli.local_plan import read_repo_config
from telefonistka.cli.terminal import progress
from telefonistka.core.config.component_configs import read_component_configs
from telefonistka.core.promotion.changes import components_from_folders, find_changed_components
from telefonistka.core.promotion.metadata import extract_metadata
from telefonistka.core.promotion.planning import Plan, compute_plan
from telefonistka.core.promotion.trigger import read_merge_message
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import UsageError
from telefonistka.usecases.promotion import Outcome, PromotionRun, Trigger, failed

HELP = "Open promotion branches in a local git repo for a merged commit."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the IaC repository (default: .)")
    parser.add_argument("--commit", required=True, help="the merged commit to promote")
    parser.add_argument(
        "--base-branch", help="branch the promotions start from (default: the default branch)"
    )
    parser.add_argument("--pr-number", type=int, help="PR number (default: from the merge)")
    parser.add_argument("--pr-author", help="original PR author (default: commit author)")
    parser.add_argument("--pr-branch", help="PR head branch (default: from the merge)")
    parser.add_argument("--label", action="append", default=[], help="a PR label (repeatable)")
    parser.add_argument("--templates", type=Path, help="folder of template overrides")
    parser.add_argument("--dry-run", action="store_true", help="compute, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    repo = LocalGitRepo(args.repo)
    base_branch = args.base_branch or repo.default_branch()
    base_head = repo.branch_head(base_branch)
    if base_head is None:
        raise UsageError(f"base branch {base_branch!r} does not exist in {repo.path}")
    trigger = read_trigger(repo, args)
    with progress(f"promoting PR #{trigger.pr_number} onto {base_branch}"):
        plan, run_ = plan_promotion(repo, args, base_head, trigger)
        outcomes = run_.carry_out(plan)
    print_outcomes(plan, outcomes, as_json=args.json)
    return 1 if failed(outcomes) else 0


def read_trigger(repo: LocalGitRepo, args: argparse.Namespace) -> Trigger:
    """The merged PR's facts: explicit options first, then what the merge commit says."""
    state = repo.commit_state(args.commit)
    facts = read_merge_message(state.message)
    pr_number = args.pr_number if args.pr_number is not None else facts.pr_number
    if pr_number is None:
        raise UsageError(
            f"cannot tell which PR {args.commit!r} merged (its message names none): "
            "pass --pr-number"
        )
    body = state.message
    if len(state.parents) > 1:
        body += "\n" + repo.commit_message(state.parents[1])
    author = args.pr_author or state.author
    branch = args.pr_branch or facts.pr_branch or "local"
    return Trigger(pr_number, author, branch, body)


def plan_promotion(
    repo: LocalGitRepo, args: argparse.Namespace, base_head: str, trigger: Trigger
) -> tuple[Plan, PromotionRun]:
    """Plan on the base branch head; a promotion PR's metadata names its components."""
    config = read_repo_config(repo, base_head)
    snapshot = repo.read_snapshot(base_head)
    metadata = extract_metadata(trigger.body)
    if metadata is not None and metadata.promoted_paths:
        components = components_from_folders(metadata.promoted_paths, config)
    else:
        components = find_changed_components(repo.changed_files_of_commit(args.commit), config)
    component_configs = read_component_configs(repo, snapshot, components)
    plan = compute_plan(components, config, args.label, snapshot, component_configs)
    renderer = Renderer(override_dir=args.templates)
    return plan, PromotionRun(repo, snapshot, trigger, renderer, dry_run=args.dry_run)


def print_outcomes(plan: Plan, outcomes: list[Outcome], *, as_json: bool) -> None:
    """``--json``: the plan shape with branch, commit, body and status per promotion.

    Paths that are not UTF-8 are printed with ``\\x..`` escapes (see ``printable``).
    """
    text = outcomes_json(plan, outcomes) if as_json else outcomes_text(plan, outcomes)
    print(text if as_json else printable_lines(text))


def outcomes_json(plan: Plan, outcomes: list[Outcome]) -> str:
    data = plan.to_json()
    data["promotions"] = [o.to_json() for o in outcomes]
    return json_text(printable_json(data))


def outcomes_text(plan: Plan, outcomes: list[Outcome]) -> str:
    lines = [] if outcomes else ["No promotions."]
    for outcome in outcomes:
        lines.append(f"{outcome.status:>12}  {outcome.branch}")
        lines.append(f"{'':>12}  {outcome.title or outcome.promotion.title}")
        if outcome.error:
            lines.append(f"{'':>12}  error: {outcome.error}")
    lines += [f"conflict: {c.target} from {', '.join(c.sources)}" for c in plan.conflicts]
    lines += [f"warning: {warning}" for warning in plan.warnings]
    return "\n".join(lines)
