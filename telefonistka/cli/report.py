"""``telefonistka report``: the fleet report of a local repository (no PRs, no GitHub).

Every component on every target of every flow, from one snapshot of the default branch (or
``--rev``): in sync, differs, missing, blocked or in conflict. ``--json`` prints the
Action's ``report`` output, ``--markdown`` its job summary; ``--exit-code`` exits 3 when
a target is out of sync (a CI gate: "prod must not lag").
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from telefonistka.adapters.git_output import printable_json, printable_lines
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.guard import json_text
from telefonistka.cli.local_plan import FOUND_EXIT_CODE, base_of
from telefonistka.cli.terminal import paint, progress
from telefonistka.core.fleet.matrix import report_markdown
from telefonistka.core.fleet.report import SYMBOLS, FleetReport
from telefonistka.errors import TelefonistkaError

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


def run(args: argparse.Namespace) -> int:
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
