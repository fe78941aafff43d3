"""The Action's composition root: settings → event → route → outputs, summary, exit code.

``main(environ)`` is what ``entrypoint.py`` (and ``python -m telefonistka.action``)
calls: it reads the environment once into ``Settings``, masks the secrets, reads the
event file, hands the event to ``routes.dispatch`` and turns the ``Report`` (or one of
our exceptions) into step outputs, a job summary, annotations and an exit code. Exit
codes: 0 done (or nothing to do), 1 a promotion group, the run or the event payload
failed, 2 the settings (variables, inputs, credentials) are unusable.

Importing this module loads no GitHub client and no template engine (see ``routes``):
an event the bot ignores costs little more than the interpreter.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from telefonistka import __version__
from telefonistka.action.context import Context, Report
from telefonistka.action.routes import dispatch
from telefonistka.action.settings import Settings, read_settings, runs_on_runner, secrets_in
from telefonistka.action.workflow import Workflow
from telefonistka.core.github.api import RequestCounter
from telefonistka.core.metrics import RunFacts, result_of
from telefonistka.core.text.markdown import fenced
from telefonistka.errors import ConfigError, TelefonistkaError, UsageError


def main(environ: Mapping[str, str], stream: TextIO | None = None) -> int:
    """Run the Action once: settings → event → handler → outputs, summary, exit code.

    The secrets are masked before anything else is written, straight from the
    environment, so not even a settings error can print one unmasked.
    """
    workflow = Workflow(stream=stream, on_runner=runs_on_runner(environ))
    for secret in secrets_in(environ):
        workflow.mask(secret)
    try:
        settings = read_settings(environ)
    except TelefonistkaError as exc:
        workflow.error(str(exc), title="telefonistka")
        return exc.exit_code
    return run(settings, Workflow(settings, stream))


def run(settings: Settings, workflow: Workflow) -> int:
    """Dispatch the event of ``settings`` (its secrets already masked by ``main``), then
    push the run's metrics when a Pushgateway is configured and a route ran."""
    started = time.monotonic()
    workflow.log(f"telefonistka {__version__}")
    for line in settings.describe():
        workflow.debug(f"settings: {line}")
    for warning in settings.warnings:
        workflow.warning(warning, title="telefonistka")
    context = Context(settings, workflow, RequestCounter())
    code, result, report = _run_route(settings, workflow, context)
    if context.route and settings.metrics.configured:
        from telefonistka.action.metrics import push_run_metrics  # noqa: PLC0415 - see its docs

        facts = RunFacts(
            settings.event_name, context.route, result, time.monotonic() - started, __version__
        )
        samples = report.samples if report is not None else ()
        push_run_metrics(settings, workflow, context.counter, facts, samples, context.event_body)
    return code


def _run_route(
    settings: Settings, workflow: Workflow, context: Context
) -> tuple[int, str, Report | None]:
    """(exit code, the ``result`` label, the report) of the route the event takes."""
    try:
        report = _dispatch(settings, context)
    except ConfigError as exc:
        workflow.config_errors(exc)
        workflow.add_summary(f"### ❌ telefonistka: invalid configuration\n\n{fenced(exc)}\n")
        return exc.exit_code, result_of(exc.exit_code, config_error=True), None
    except TelefonistkaError as exc:
        workflow.error(str(exc), title="telefonistka")
        workflow.add_summary(f"### ❌ telefonistka\n\n{fenced(exc)}\n")
        return exc.exit_code, result_of(exc.exit_code), None
    except Exception as exc:  # a bug; the run still ends with an annotation and a summary
        trace = "".join(traceback.format_exception(exc))
        workflow.error(f"unexpected error (a bug, please report it): {exc!r}", title="telefonistka")
        workflow.log(trace)
        workflow.add_summary(f"### ❌ telefonistka: unexpected error\n\n{fenced(trace)}\n")
        return 1, "error", None
    code = _report(workflow, report)
    return code, result_of(code), report


def _report(workflow: Workflow, report: Report | None) -> int:
    """Outputs, summary and annotations of a handler's report; the exit code."""
    if report is None:
        return 0
    workflow.set_outputs(report.outputs)
    workflow.add_summary(report.summary)
    for warning in report.warnings:
        workflow.warning(warning, title="telefonistka")
    for failure in report.failures:
        workflow.error(failure, title=report.failure_title)
    return 1 if report.failures else 0


def _dispatch(settings: Settings, context: Context) -> Report | None:
    """Read the event and hand it to its route; the requests by kind go to the debug log."""
    context.event_body = _read_event(settings.event_path)
    counter = context.counter
    try:
        return dispatch(settings.event_name, context.event_body, context)
    finally:
        spent = f"{counter.breakdown()} ({counter.total} in all)" if counter.total else "none"
        context.debug(f"GitHub API requests by kind: {spent}")


def _read_event(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the event file {path} (GITHUB_EVENT_PATH): {exc}") from exc
