"""``workflow_dispatch``: the ``bump-*`` inputs open (or refresh) a version-bump PR."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from telefonistka.action.context import Context, Report
from telefonistka.core.events.dispatch import WorkflowDispatchEvent


def on_dispatch(event: WorkflowDispatchEvent, context: Context) -> Report:
    """``workflow_dispatch``: ``gates: true`` re-evaluates the pending gates, ``report:
    true`` makes the fleet report (both may be asked); ``promote-pr`` promotes a merged PR
    again; else a bump."""
    from telefonistka.action.handlers.report import (
        fleet_report,
        pending_gates,
        wants_gates,
        wants_report,
    )

    if wants_gates(context):
        gates = pending_gates(event, context)
        if not wants_report(context):
            return gates
        report = fleet_report(event, context)
        return Report(
            {**gates.outputs, **report.outputs},
            gates.summary + report.summary,
            gates.failures + report.failures,
            report.warnings,
            samples=report.samples,
        )
    if wants_report(context):
        return fleet_report(event, context)
    if context.settings.input("rollback-pr"):
        from telefonistka.action.handlers.comment_commands import rollback_dispatched

        return rollback_dispatched(event, context)
    if context.settings.input("promote-pr"):
        from telefonistka.action.handlers.promotion import promote_pr_again

        return promote_pr_again(event, context)
    return bump_version(event, context)


def bump_version(event: WorkflowDispatchEvent, context: Context) -> Report:
    """``workflow_dispatch``: the ``bump-*`` inputs open a version-bump PR."""
    from telefonistka.action.bump_inputs import bump_outputs, bump_summary, read_bump_job
    from telefonistka.usecases.bump_version import bump

    job = read_bump_job(context.settings)
    context.log(f"dispatched run of {event.workflow or 'a workflow'} in {event.repository}")
    repo = context.repo(job.target_repo, api_url=job.api_url)
    title = f"Version bump of {job.request.target_file} in {repo.full_name}"
    outcome = context.run_grouped(title, lambda: bump(repo, job.request, log=context.log))
    if outcome.pull is not None:
        context.log(f"bump PR #{outcome.pull.number} ({outcome.status}): {outcome.pull.html_url}")
    return Report(bump_outputs(outcome), bump_summary(job, outcome))
