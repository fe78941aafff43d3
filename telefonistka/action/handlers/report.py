"""The fleet report (``schedule``, or ``workflow_dispatch`` with ``report: true``) and the
dashboard issue's ticked boxes (``issues`` ``edited``)."""

# The use cases are imported when the route matches, so other events never load them:
# ruff: noqa: PLC0415

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from telefonistka.action.context import Context, Report
from telefonistka.core.events.dispatch import WorkflowDispatchEvent
from telefonistka.core.events.schedule import IssuesEvent, ScheduleEvent
from telefonistka.errors import MetricsError, TelefonistkaError, UsageError

if TYPE_CHECKING:
    from telefonistka.core.config.model import RepoConfig
    from telefonistka.core.fleet.delivery import Delivery
    from telefonistka.core.metrics import Sample

REPORT_ROUTE = "fleet report"
DEFAULT_STALE_HOURS = 1.0


def wants_report(context: Context) -> bool:
    """The ``report`` input: a ``workflow_dispatch`` run makes the report."""
    return _flag("report", context.settings.input("report"))


def wants_gates(context: Context) -> bool:
    """The ``gates`` input: a ``workflow_dispatch`` run re-evaluates the pending gates."""
    return _flag("gates", context.settings.input("gates"))


def on_schedule(event: ScheduleEvent, context: Context) -> Report:
    """A scheduled run: the fleet report, then the pending gates with the configuration
    the report read (a broken one fails the report and leaves the gates as they are).

    ``report: false`` or ``gates: false`` leaves one out, so a workflow can give each its
    own job and only the gates job the right to merge.
    """
    skip_report = context.settings.input("report").lower() == "false"
    skip_gates = context.settings.input("gates").lower() == "false"
    if skip_report:
        return Report() if skip_gates else pending_gates(event, context)
    report, config = _fleet_report(event, context)
    if config is None or skip_gates:
        return report
    gates = pending_gates(event, context, config)
    return Report(
        {**gates.outputs, **report.outputs},
        gates.summary + report.summary,
        gates.failures + report.failures,
        gates.warnings + report.warnings,
        samples=report.samples,
        failure_title=report.failure_title,
    )


def pending_gates(
    event: ScheduleEvent | WorkflowDispatchEvent,
    context: Context,
    config: RepoConfig | None = None,
) -> Report:
    """Re-evaluate the open promotion PRs whose gates are pending; merge the ready ones."""
    from telefonistka.usecases.bot_identity import lazy_bot_matcher
    from telefonistka.usecases.gate_pass import GatePass

    name = event.repository or context.settings.workflow_run.repository
    if not name:
        raise UsageError("the gate pass needs the repository: GITHUB_REPOSITORY is not set")
    repo = context.repo(name, event.default_branch or None)
    argocd = context.argocd(repo.full_name)
    gate_pass = GatePass(
        repo,
        repo.default_branch,
        lambda: datetime.now(UTC),
        lazy_bot_matcher(repo, context.log),
        argocd,
        context.log,
    )
    try:
        result = context.run_grouped(
            f"Gates of the promotion PRs of {name}", lambda: gate_pass.run(config)
        )
    finally:
        if argocd is not None:
            argocd.close()
    merged = ",".join(str(number) for number in result.merged)
    return Report(
        {"gates-merged": merged},
        result.summary(),
        failures=result.failures,
        failure_title="telefonistka: gates",
    )


def fleet_report(event: ScheduleEvent | WorkflowDispatchEvent, context: Context) -> Report:
    """Compute the report; with ``dashboard: true``, keep the dashboard issue up to date."""
    return _fleet_report(event, context)[0]


def _fleet_report(
    event: ScheduleEvent | WorkflowDispatchEvent, context: Context
) -> tuple[Report, RepoConfig | None]:
    """The report, and the configuration it read (None when it could not be read)."""
    from telefonistka.core.fleet.dashboard import dashboard_body
    from telefonistka.core.fleet.delivery import delivery_line, delivery_markdown, with_delivery
    from telefonistka.core.fleet.matrix import report_markdown
    from telefonistka.core.fleet.report import report_output
    from telefonistka.usecases.bot_identity import lazy_bot_matcher
    from telefonistka.usecases.dashboard import DashboardIssue
    from telefonistka.usecases.delivery_report import DeliveryRun, window_days
    from telefonistka.usecases.fleet_report import FleetReportRun

    context.route = REPORT_ROUTE
    settings = context.settings
    name = event.repository or settings.workflow_run.repository
    if not name:
        raise UsageError("the fleet report needs the repository: GITHUB_REPOSITORY is not set")
    days = window_days(settings.input("report-window"))  # checked before any request
    stale = _stale_hours(context)
    repo = context.repo(name, event.default_branch or None)
    is_bot = lazy_bot_matcher(repo, context.log)  # one GraphQL request at most, if needed
    run = FleetReportRun(
        repo,
        repo.full_name,
        repo.default_branch,
        datetime.now(UTC),
        prs=repo,
        stale_after_hours=stale,
        log=context.log,
        is_bot=is_bot,
    )
    report, config, _snapshot = context.run_grouped(f"Fleet report of {name}", run.run)
    try:
        delivery: Delivery | None = DeliveryRun(
            repo, datetime.now(UTC), days, is_bot, context.log
        ).run()
    except TelefonistkaError as exc:  # the matrix stands without them
        context.log(f"warning: could not read the delivery metrics: {exc}")
        delivery = None
    text, cut = report_output(report)
    outputs = {"report": text}
    if _flag("dashboard", settings.input("dashboard")):
        run_id = settings.workflow_run.run_id
        url = f"{settings.server_url}/{name}/actions/runs/{run_id}" if run_id else ""
        board = DashboardIssue(repo, is_bot, context.log)
        line = delivery_line(delivery) if delivery is not None else ""
        issue, status = board.publish(dashboard_body(report, run_url=url, delivery=line))
        outputs.update({"dashboard-issue": str(issue.number)})
        context.log(f"dashboard issue #{issue.number}: {status}")
    summary = report_markdown(report)
    if delivery is not None:
        outputs["report"] = with_delivery(text, delivery)
        summary += "\n" + delivery_markdown(delivery)
    return Report(
        outputs,
        summary,
        failures=report.config_errors,
        warnings=(cut,) if cut else (),
        samples=(
            *report.samples(),
            *(_delivery_metrics(delivery, repo.full_name, context) if delivery else ()),
        ),
        failure_title="telefonistka: configuration error",
    ), (None if report.config_errors else config)


def _delivery_metrics(delivery: Delivery, repository: str, context: Context) -> list[Sample]:
    """The figures as metrics and, with a Pushgateway, the deployment counters going on
    from what the last report pushed there (read first; when it cannot be read, no
    counter is pushed rather than one that restarts)."""
    from telefonistka.adapters.pushgateway import Gateway, read_group
    from telefonistka.core.fleet.delivery import delivery_samples, deployment_counters
    from telefonistka.core.metrics import grouping_key

    samples = delivery_samples(delivery, repository)
    metrics = context.settings.metrics
    if not metrics.url:
        return samples
    gateway = Gateway(metrics.url, metrics.username, metrics.password, metrics.header)
    try:
        previous = read_group(gateway, grouping_key(repository, REPORT_ROUTE))
    except MetricsError as exc:
        context.log(f"warning: {exc}; the deployment counters are not pushed this time")
        return samples
    return [*samples, *deployment_counters(delivery, repository, previous)]


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
