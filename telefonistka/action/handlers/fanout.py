"""``push`` to the default branch: forward the delivery to the endpoints it routes to."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from telefonistka.action.context import Context, Report
from telefonistka.core.events.push import PushEvent


def fan_out_push(event: PushEvent, context: Context) -> Report:
    """``push`` to the default branch: forward it to the endpoints it routes to."""
    from telefonistka.adapters.fanout_sender import FanoutSender, SendPolicy
    from telefonistka.usecases.fanout_push import FAILURE_TITLE, PushFanout, read_fanout_options

    options = read_fanout_options(context.settings.inputs)
    repo = context.repo(event.repository, event.default_branch)

    def connect(verify_tls: bool) -> FanoutSender:
        policy = SendPolicy(timeout=options.timeout, retries=options.retries, verify_tls=verify_tls)
        return FanoutSender(policy)

    fanout = PushFanout(repo, event, context.event_body, options, connect, log=context.log)
    result = context.run_grouped(f"Push fan-out of {event.after[:12]}", fanout.run)
    failures, warnings = result.problems()
    return Report(result.outputs(), result.summary(), failures, warnings, FAILURE_TITLE)
