"""The fleet report (``schedule``, or ``workflow_dispatch`` with ``report: true``) and the
dashboard issue's ticked boxes (``issues`` ``edited``)."""

# The use cases are imported when the route matches, so other events never load them:
# ruff: noqa: PLC0415

from __future__ import annotations

import json
from datetime import UTC, datetime

from telefonistka.action.context import Context, Report
from telefonistka.core.events.dispatch import WorkflowDispatchEvent
from telefonistka.core.events.schedule import IssuesEvent, ScheduleEvent
from telefonistka.errors import UsageError

REPORT_ROUTE = "fleet report"
DEFAULT_STALE_HOURS = 1.0


def wants_report(context: Context) -> bool:
    """The ``report`` input: a ``workflow_dispatch`` run makes the report."""
    return _flag("report", context.settings.input("report"))


def fleet_report(event: ScheduleEvent | WorkflowDispatchEvent, context: Context) -> Report:
    """Compute the report; with ``dashboard: true``, keep the dashboard issue up to date."""
    from telefonistka.core.fleet.dashboard import dashboard_body
    from telefonistka.core.fleet.matrix import report_markdown
    from telefonistka.core.fleet.report import report_output
    from telefonistka.usecases.bot_identity import lazy_bot_matcher
    from telefonistka.usecases.dashboard import DashboardIssue
    from telefonistka.usecases.fleet_report import FleetReportRun

    context.route = REPORT_ROUTE
    settings = context.settings
    name = event.repository or settings.workflow_run.repository
    if not name:
        raise UsageError("the fleet report needs the repository: GITHUB_REPOSITORY is not set")
    repo = context.repo(name, event.default_branch or None)
    is_bot = lazy_bot_matcher(repo, context.log)  # one GraphQL request at most, if needed
    run = FleetReportRun(
        repo,
        repo.full_name,
        repo.default_branch,
        datetime.now(UTC),
        prs=repo,
        stale_after_hours=_stale_hours(context),
        log=context.log,
        is_bot=is_bot,
    )
    report, _config, _snapshot = context.run_grouped(f"Fleet report of {name}", run.run)
    text, cut = report_output(report)
    outputs = {"report": text}
    if _flag("dashboard", settings.input("dashboard")):
        run_id = settings.workflow_run.run_id
        url = f"{settings.server_url}/{name}/actions/runs/{run_id}" if run_id else ""
        board = DashboardIssue(repo, is_bot, context.log)
        issue, status = board.publish(dashboard_body(report, run_url=url))
        outputs.update({"dashboard-issue": str(issue.number)})
        context.log(f"dashboard issue #{issue.number}: {status}")
    return Report(
        outputs,
        report_markdown(report),
        failures=report.config_errors,
        warnings=(cut,) if cut else (),
        samples=tuple(report.samples()),
        failure_title="telefonistka: configuration error",
    )


def dashboard_ticks(event: IssuesEvent, context: Context) -> Report:
    """Open the promotion PRs of the boxes ticked in the dashboard issue."""
    from telefonistka.usecases.bot_identity import bot_matcher
    from telefonistka.usecases.dashboard import DashboardTicks

    repo = context.repo(event.repository, event.default_branch or None)
    branch = repo.default_branch
    ticks = DashboardTicks(
        repo,
        context.renderer(repo, branch),
        branch,
        bot_matcher(repo, context.log),
        context.log,
        approver=context.approver(repo),
    )
    result = context.run_grouped(
        f"Dashboard #{event.issue.number}: promotions asked for by @{event.sender}",
        lambda: ticks.run(event.issue, event.previous_body or "", event.sender),
    )
    opened = {f"{key.flow + 1}:{key.component}": links for key, links in result.opened.items()}
    lines = [f"### Telefonistka dashboard #{event.issue.number}", ""]
    lines += [
        f"- flow {k.split(':', 1)[0]}, `{k.split(':', 1)[1]}`: {v}" for k, v in opened.items()
    ]
    warnings = (*result.warnings, *((result.refused,) if result.refused else ()))
    if not opened and not result.failures:
        lines.append(result.refused or "No box was newly ticked.")
    return Report(
        {"dashboard-promotions": json.dumps(opened, ensure_ascii=False)},
        "\n".join(lines) + "\n",
        failures=result.failures,
        warnings=warnings,
    )


def _flag(name: str, given: str) -> bool:
    value = given.lower()
    if value in {"", "false", "no", "0", "off"}:
        return False
    if value in {"true", "yes", "1", "on"}:
        return True
    raise UsageError(f"input {name} must be true or false, got {value!r}")


def _stale_hours(context: Context) -> float:
    text = context.settings.input("report-stale-after-hours")
    if not text:
        return DEFAULT_STALE_HOURS
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not hours > 0:
        raise UsageError(f"input report-stale-after-hours must be a positive number, got {text!r}")
    return hours
