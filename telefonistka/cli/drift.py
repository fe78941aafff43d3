"""``telefonistka drift``: the drift report for a change, computed on its base.

The plan of ``BASE...HEAD`` says which target folders the change will eventually be
promoted to; drift is any difference between those targets and their sources *on the
base* (the default branch) before the change lands: a half-finished promotion or a hand
edit in a target, which the promotion would silently overwrite.
"""

from __future__ import annotations

import argparse

from telefonistka.adapters.git_output import printable_json, printable_lines
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.guard import json_text
from telefonistka.cli.local_plan import (
    FOUND_EXIT_CODE,
    add_range_arguments,
    base_of,
    plan_between,
)
from telefonistka.cli.terminal import paint, progress
from telefonistka.core.drift.compare import DriftReport, PairDrift, compute_drift
from telefonistka.core.drift.yamldiff import format_change
from telefonistka.core.text.rendering import Renderer

HELP = "Show drift between the sources and targets a change will be promoted across."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the IaC repository (default: .)")
    add_range_arguments(parser, "drift is computed on it", "drift is found")
    parser.add_argument("--label", action="append", default=[], help="a PR label (repeatable)")
    parser.add_argument(
        "--show-kept",
        action="store_true",
        help="also list the differences keepLocal keeps (kept, not drift); JSON always has them",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--markdown", action="store_true", help="print the PR comment(s)")


def run(args: argparse.Namespace) -> int:
    repo = LocalGitRepo(args.repo)
    base = base_of(repo, args.base)
    with progress(f"comparing the targets of {base}...{args.head}"):
        report = drift_report(repo, base, args.head, args.label)
    if args.json:
        text = json_text(printable_json(report.to_json()))
    elif args.markdown:
        text = printable_lines(markdown(report))
    else:
        summary = text_summary(report, show_kept=args.show_kept)
        headline, _, rest = printable_lines(summary).partition("\n")
        painted = paint(headline, "yellow" if report.has_drift else "green")
        text = f"{painted}\n{rest}" if rest else painted
    print(text)  # a path that is not UTF-8 shows as \x.. escapes (see ``printable``)
    return FOUND_EXIT_CODE if args.exit_code and report.has_drift else 0


def drift_report(repo: LocalGitRepo, base: str, head: str, labels: list[str]) -> DriftReport:
    """Plan the change, then compare every sync pair on the base snapshot."""
    planned = plan_between(repo, base, head, labels)
    pairs = [pair for promotion in planned.plan.promotions for pair in promotion.sync]
    keep = {source: rules for p in planned.plan.promotions for source, rules in p.keep}
    return compute_drift(repo.read_snapshot(base), pairs, repo, keep)


def markdown(report: DriftReport) -> str:
    """The PR comment(s) the Action would post, separated by a rule when split."""
    comments = Renderer().drift_comments(report, server_url=None, repo=None)
    return "\n\n---\n\n".join(comments) if comments else Renderer().no_drift_comment()


def text_summary(report: DriftReport, *, show_kept: bool = False) -> str:
    """A terminal-friendly summary: one block per drifted pair; with ``show_kept``, the
    kept differences of every pair too ("kept, not drift")."""
    verdict = "Drift on {}:" if report.has_drift else "No drift on {}."
    lines = [verdict.format(report.commit[:12])]
    for pair in report.pairs:
        if pair.has_drift or (show_kept and pair.kept):
            lines += _pair_lines(pair, show_kept=show_kept)
    return "\n".join(lines)


def _pair_lines(pair: PairDrift, *, show_kept: bool = False) -> list[str]:
    lines = [f"\n{pair.target}  (source: {pair.source})"]
    if show_kept:
        lines += [f"  kept, not drift: {path}" for path in pair.kept]
    lines += [f"  only in source: {path}" for path in pair.only_in_source]
    lines += [f"  only in target: {path}" for path in pair.only_in_target]
    for diff in pair.differing:
        lines.append(f"  differs: {diff.path}" + (" (binary)" if diff.binary else ""))
        lines += [f"    {format_change(change)}" for change in diff.yaml_changes]
    return lines
