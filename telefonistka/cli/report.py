"""``telefonistka report``: the fleet report of a local repository (no PRs, no GitHub);
with ``--delivery``, the delivery metrics of the repository on GitHub.

Every component on every target of every flow, from one snapshot of the default branch (or
``--rev``): in sync, differs, missing, blocked or in conflict. ``--json`` prints the
Action's ``report`` output, ``--markdown`` its job summary; ``--exit-code`` exits 3 when
a target is out of sync (a CI gate: "prod must not lag").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

from telefonistka.adapters.git_output import printable_json, printable_lines
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.bump_options import api_url
from telefonistka.cli.guard import json_text
from telefonistka.cli.local_plan import FOUND_EXIT_CODE, base_of
from telefonistka.cli.terminal import paint, progress
from telefonistka.core.fleet.delivery import (
    DEFAULT_WINDOW,
    Delivery,
    delivery_markdown,
    window_days,
)
from telefonistka.core.fleet.matrix import report_markdown
from telefonistka.core.fleet.report import SYMBOLS, FleetReport
from telefonistka.errors import TelefonistkaError, UsageError

HELP = "Show where every component stands on every target (the fleet report)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the IaC repository (default: .)")
    parser.add_argument(
        "--rev", default=None, help="the revision to report on (default: the default branch)"
    )
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help=f"exit {FOUND_EXIT_CODE} when a target is out of sync",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--markdown", action="store_true", help="print the job summary")
    delivery = parser.add_argument_group("delivery metrics (on GitHub; docs/delivery-metrics.md)")
    delivery.add_argument(
        "--delivery",
        action="store_true",
        help="lead time, deployment frequency, change failure rate and time to restore per "
        "environment, from the closed promotion and rollback PRs (needs GITHUB_TOKEN)",
    )
    delivery.add_argument("--since", default=DEFAULT_WINDOW, help="the window: 30d, 4w …")
    delivery.add_argument(
        "--local",
        action="store_true",
        help="from the merge commits of the local clone (--repo, --rev) instead of GitHub",
    )
    delivery.add_argument("--github-repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY)")
    delivery.add_argument("--github-host", help="a GitHub Enterprise Server host")


def run(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> int:
    if args.delivery:
        return _run_delivery(args, environ)
    from telefonistka.usecases.fleet_report import FleetReportRun  # noqa: PLC0415 - light start

    repo = LocalGitRepo(args.repo)
    rev = base_of(repo, args.rev)
    with progress(f"reporting on {rev}"):
        report, _config, _snapshot = FleetReportRun(
            repo, repo.path.resolve().name, rev, datetime.now(UTC), log=lambda _line: None
        ).run()
    if report.config_errors and not report.flows:
        raise TelefonistkaError("\n".join(report.config_errors))
    if args.json:
        print(json_text(printable_json(report.to_json())))
    elif args.markdown:
        print(printable_lines(report_markdown(report)))
    else:
        print(printable_lines(text_summary(report)))
    out_of_sync = any(flow.out_of_sync() for flow in report.flows)
    return FOUND_EXIT_CODE if args.exit_code and out_of_sync else 0


def text_summary(report: FleetReport) -> str:
    """One line per flow, then one per component with targets out of sync."""
    lines = []
    for flow in report.flows:
        counts = ", ".join(f"{SYMBOLS[s]} {n} {s}" for s, n in flow.counts().items() if n)
        head = f"flow {flow.index + 1} {flow.source_path}: {counts or 'no component'}"
        lines.append(paint(head, "yellow" if flow.out_of_sync() else "green"))
        for component, target, cell in sorted(flow.out_of_sync()):
            lines.append(f"  {component} → {target}{component}: {cell.state}")
    lines += [f"error: {error}" for error in report.config_errors]
    return "\n".join(lines) or "no promotion flow configured"


def _run_delivery(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """``--delivery``: the figures of the repository on GitHub (one request per 100 closed
    promotion or rollback PRs of the window, and the bot's login)."""
    from telefonistka.adapters.github import GitHubRepo  # noqa: PLC0415 - light start
    from telefonistka.usecases.bot_identity import bot_matcher  # noqa: PLC0415
    from telefonistka.usecases.delivery_report import DeliveryRun  # noqa: PLC0415

    days = window_days(args.since, "--since")
    if args.local:
        from telefonistka.usecases.delivery_report import LocalDeliveryRun  # noqa: PLC0415

        local = LocalGitRepo(args.repo)
        rev = base_of(local, args.rev)
        delivery = LocalDeliveryRun(local, rev, datetime.now(UTC), days).run()
        return _print_delivery(args, delivery)
    token = environ.get("GITHUB_TOKEN") or ""
    if not token:
        raise UsageError("no GitHub token: set GITHUB_TOKEN to a token that can read the PRs")
    full_name = args.github_repo or environ.get("GITHUB_REPOSITORY") or ""
    if not full_name:
        raise UsageError("--github-repo is required (or set GITHUB_REPOSITORY)")
    repo = GitHubRepo(token, full_name, api_url(args, environ))
    try:
        is_bot = bot_matcher(repo, _stderr)
        delivery = DeliveryRun(repo, datetime.now(UTC), days, is_bot, _stderr).run()
    finally:
        repo.close()
    return _print_delivery(args, delivery)


def _print_delivery(args: argparse.Namespace, delivery: Delivery) -> int:
    if args.json:
        print(json_text(printable_json(delivery.to_json())))
    else:
        print(printable_lines(delivery_markdown(delivery)))
    return 0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)
