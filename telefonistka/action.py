"""The GitHub Action edge: settings from the environment, workflow commands, the exit code.

``main(environ)`` is the composition root ``entrypoint.py`` calls: it reads the
environment once into ``Settings``, masks the secrets, reads the event file, hands the
event to ``handlers.dispatch`` and turns the ``Report`` (or one of our exceptions) into
step outputs, a job summary, annotations and an exit code. Nothing here runs at import.

Inputs arrive as ``INPUT_<NAME>`` with the input's name upper-cased and its hyphens kept
(``INPUT_GITHUB-TOKEN``), which is how the Actions runner passes ``with:`` values to a
container action. Exit codes: 0 done (or nothing to do), 1 a promotion group, the run
or the event payload failed, 2 the settings (variables, inputs, credentials) are unusable.

The ``log-level`` input filters the job log only: ``debug`` adds the detail lines (the
routes tried, the settings in effect, the requests by kind); ``warning`` drops the
progress lines, ``error`` the warning annotations too. Masks, error annotations, outputs
and the job summary are never filtered. On a runner the detail lines are ``::debug::``
commands below ``debug``, so the runner's own step debug logging (``ACTIONS_STEP_DEBUG``)
shows them as well.

Importing this module loads no GitHub client and no template engine (see
``handlers.py``): an event the bot ignores costs little more than the interpreter.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from telefonistka.core.github_api import DEFAULT_BASE_URL, RequestCounter
from telefonistka.errors import ConfigError, TelefonistkaError, UsageError
from telefonistka.handlers import Context, Report, dispatch

DEFAULT_SERVER_URL = "https://github.com"
RAW_INPUTS = frozenset({"bump-file-content", "bump-replacement"})  # kept unstripped
# Inputs whose values never reach the log, not even at log-level debug (they are masked too).
SECRET_INPUTS = frozenset(
    {
        "github-token",
        "app-private-key",
        "approver-token",
        "approver-app-private-key",
        "webhook-secret",
    }
)
_TRUE, _FALSE = frozenset({"true", "yes", "1", "on"}), frozenset({"false", "no", "0", "off"})
_SHOWN_VALUE = 80  # characters of an input's value in the debug log


class LogLevel(IntEnum):
    """The ``log-level`` input: which lines of the job log are written."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Identity:
    """Who the bot acts as: a token, or a GitHub App (id + private key) for the repo."""

    token: str = ""
    app_id: str = ""
    app_private_key: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.token or self.app_id)

    def describe(self) -> str:
        """Which kind of identity, for the debug log; never the secret itself."""
        if self.app_id:
            key = "with" if self.app_private_key else "WITHOUT"
            return f"GitHub App {self.app_id} ({key} its private key)"
        return "a token" if self.token else "none"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.app_private_key) if s)


@dataclass(frozen=True)
class WorkflowRun:
    """The run's own facts (``GITHUB_REPOSITORY``, ``GITHUB_SHA``, ``GITHUB_ACTOR``).

    Only feature-specific defaults read them (the bump's triggering repo, commit and
    actor, its target repo): the repository acted on by events is the payload's.
    """

    repository: str = ""
    sha: str = ""
    actor: str = ""


@dataclass(frozen=True)
class Settings:
    """Everything the run reads from the environment, read once by ``read_settings``."""

    event_name: str
    event_path: Path
    identity: Identity
    approver: Identity = Identity()
    api_url: str = DEFAULT_BASE_URL
    server_url: str = DEFAULT_SERVER_URL
    templates_path: Path | None = None
    dry_run: bool | None = None
    output_path: Path | None = None
    summary_path: Path | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    workflow_run: WorkflowRun = WorkflowRun()
    log_level: LogLevel = LogLevel.INFO
    on_runner: bool = False  # GITHUB_ACTIONS=true: workflow commands reach a runner

    @property
    def secrets(self) -> tuple[str, ...]:
        extra = tuple(s for s in (self.inputs.get("webhook-secret", ""),) if s)
        return self.identity.secrets + self.approver.secrets + extra

    def input(self, name: str) -> str:
        """Action input ``name`` (kebab-case, as in ``with:``), stripped; "" when not set."""
        return self.inputs.get(name, "")

    def describe(self) -> list[str]:
        """The settings in effect, one line each, for the debug log; secrets never shown."""
        dry_run = "from the repo configuration" if self.dry_run is None else str(self.dry_run)
        run = self.workflow_run
        lines = [
            f"event: {self.event_name} from {self.event_path}",
            f"log-level: {self.log_level}",
            f"identity: {self.identity.describe()}; approver: {self.approver.describe()}",
            f"API: {self.api_url}; server: {self.server_url}",
            f"templates-path: {self.templates_path or 'packaged templates only'}",
            f"dry-run: {dry_run}",
            f"GITHUB_OUTPUT: {self.output_path or 'not set'}; "
            f"GITHUB_STEP_SUMMARY: {self.summary_path or 'not set'}",
            f"workflow run: repository {run.repository or '?'}, sha {run.sha or '?'}, "
            f"actor {run.actor or '?'}",
        ]
        for name, value in sorted(self.inputs.items()):
            lines.append(f"input {name}: {_shown(name, value)}")
        return lines


def _shown(name: str, value: str) -> str:
    """An input's value as the debug log shows it: secrets hidden, long values cut."""
    if name in SECRET_INPUTS:
        return "(set, hidden)"
    if len(value) <= _SHOWN_VALUE:
        return repr(value)
    return f"{value[:_SHOWN_VALUE]!r}… ({len(value)} characters)"


def read_settings(environ: Mapping[str, str]) -> Settings:
    """The run's settings; ``UsageError`` names the variable or input at fault.

    The token is ``with: github-token`` or else ``GITHUB_TOKEN`` from the step's ``env:``;
    whether one is needed is decided later, since an event the bot ignores needs none.
    Events act on the payload's ``repository``, not ``GITHUB_REPOSITORY`` (which also
    holds for ``telefonistka event`` outside Actions); ``workflow_run`` keeps the
    ``GITHUB_*`` facts only for the bump inputs' defaults.
    """
    event_name = _required(environ, "GITHUB_EVENT_NAME")
    event_path = Path(_required(environ, "GITHUB_EVENT_PATH"))
    templates = _input(environ, "templates-path")
    workspace = environ.get("GITHUB_WORKSPACE", "")
    return Settings(
        event_name=event_name,
        event_path=event_path,
        identity=Identity(
            token=_input(environ, "github-token") or environ.get("GITHUB_TOKEN", ""),
            app_id=_input(environ, "app-id"),
            app_private_key=_input(environ, "app-private-key"),
        ),
        approver=Identity(
            token=_input(environ, "approver-token"),
            app_id=_input(environ, "approver-app-id"),
            app_private_key=_input(environ, "approver-app-private-key"),
        ),
        api_url=environ.get("GITHUB_API_URL") or DEFAULT_BASE_URL,
        server_url=environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
        templates_path=Path(workspace, templates) if templates else None,
        dry_run=_optional_bool(environ, "dry-run"),
        output_path=_optional_path(environ, "GITHUB_OUTPUT"),
        summary_path=_optional_path(environ, "GITHUB_STEP_SUMMARY"),
        inputs=_inputs(environ),
        workflow_run=WorkflowRun(
            repository=environ.get("GITHUB_REPOSITORY", "").strip(),
            sha=environ.get("GITHUB_SHA", "").strip(),
            actor=environ.get("GITHUB_ACTOR", "").strip(),
        ),
        log_level=_log_level(environ),
        on_runner=environ.get("GITHUB_ACTIONS", "").strip().lower() == "true",
    )


def _log_level(environ: Mapping[str, str]) -> LogLevel:
    """The ``log-level`` input; empty means ``info``."""
    value = _input(environ, "log-level").lower() or "info"
    try:
        return LogLevel[value.upper()]
    except KeyError:
        allowed = ", ".join(str(level) for level in LogLevel)
        raise UsageError(f"input log-level must be one of {allowed}, got {value!r}") from None


def _inputs(environ: Mapping[str, str]) -> dict[str, str]:
    """Every non-empty ``INPUT_*`` by its kebab-case name, for the features' own settings.

    Values are stripped like ``@actions/core``'s ``getInput`` does, except the ones
    whose whitespace is content (a file's final newline, a replacement's spaces).
    """
    inputs = {}
    for key, value in environ.items():
        name = key.removeprefix("INPUT_").lower()
        if key.startswith("INPUT_") and value.strip():
            inputs[name] = value if name in RAW_INPUTS else value.strip()
    return inputs


def _input(environ: Mapping[str, str], name: str) -> str:
    """An action input as the runner passes it (``INPUT_GITHUB-TOKEN``), stripped."""
    return environ.get(f"INPUT_{name.upper()}", "").strip()


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise UsageError(
            f"{name} is not set: run telefonistka as a GitHub Action step, or use "
            "`telefonistka event --type NAME --file PATH` outside Actions"
        )
    return value


def _optional_bool(environ: Mapping[str, str], name: str) -> bool | None:
    """An input that is true, false, or empty (not set: the repo config decides)."""
    value = _input(environ, name).lower()
    if not value:
        return None
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise UsageError(f"input {name} must be true or false, got {value!r}")


def _optional_path(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name, "").strip()
    return Path(value) if value else None


class Workflow:
    """Workflow commands on stdout and the runner's output and summary files.

    Messages are escaped the way the runner unescapes them, so a multi-line error stays
    one annotation; outputs use a random heredoc delimiter, so no value can end its own
    block early and set another output.

    ``settings.log_level`` filters what is written: ``log`` lines (and group folds) from
    ``info`` down, ``warning`` annotations from ``warning`` down; masks, ``error``
    annotations, outputs and the summary always. ``debug`` lines are plain at ``debug``,
    else ``::debug::`` commands on a runner (shown when step debug logging is on) and
    dropped outside one.
    """

    def __init__(self, settings: Settings | None = None, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout
        self._output_path = settings.output_path if settings else None
        self._summary_path = settings.summary_path if settings else None
        self._level = settings.log_level if settings else LogLevel.INFO
        self._on_runner = settings.on_runner if settings else False

    def _write(self, line: str) -> None:
        print(line, file=self._stream, flush=True)

    def log(self, message: str) -> None:
        """A progress line: written at log-level ``info`` and ``debug``."""
        if self._level <= LogLevel.INFO:
            self._write(message)

    def debug(self, message: str) -> None:
        """A detail line: plain at log-level ``debug``, else a ``::debug::`` command."""
        if self._level <= LogLevel.DEBUG:
            self._write(message)
        elif self._on_runner:
            self._write(f"::debug::{_escape_data(message)}")

    def mask(self, secret: str) -> None:
        """``::add-mask::`` each line: the runner masks line by line. Never filtered."""
        for line in secret.splitlines():
            if line.strip():
                self._write(f"::add-mask::{line}")

    def error(self, message: str, title: str = "", **where: str | int) -> None:
        """An error annotation; ``file``/``line``/``col`` pin it to a line of the repo."""
        self._annotate("error", message, title, where)

    def warning(self, message: str, title: str = "") -> None:
        """A warning annotation; dropped only at log-level ``error``."""
        if self._level <= LogLevel.WARNING:
            self._annotate("warning", message, title, {})

    def config_errors(self, error: ConfigError) -> None:
        """One annotation per problem, on the file and line at fault, as linters do."""
        for problem in error.problems:
            message = f"{problem.key}: {problem.message}" if problem.key else problem.message
            title = "telefonistka: invalid configuration"
            self.error(message, title, file=problem.file, line=problem.line, col=problem.column)

    def _annotate(
        self, level: str, message: str, title: str, where: Mapping[str, str | int]
    ) -> None:
        props = [f"{key}={_escape_property(str(value))}" for key, value in where.items()]
        if title:
            props.append(f"title={_escape_property(title)}")
        joined = f" {','.join(props)}" if props else ""
        self._write(f"::{level}{joined}::{_escape_data(message)}")

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Fold the lines logged inside into one expandable group of the job log."""
        self.log(f"::group::{_escape_data(title)}")
        try:
            yield
        finally:
            self.log("::endgroup::")

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Append ``outputs`` to ``$GITHUB_OUTPUT``; outside Actions, log them instead."""
        if self._output_path is None:
            for name, value in outputs.items():
                self._write(f"output {name}: {value}")
            return
        with self._output_path.open("a", encoding="utf-8") as out:
            for name, value in outputs.items():
                out.write(output_block(name, value))

    def add_summary(self, markdown: str) -> None:
        """Append to the job summary (``$GITHUB_STEP_SUMMARY``) when there is one."""
        if self._summary_path is not None and markdown:
            with self._summary_path.open("a", encoding="utf-8") as out:
                out.write(markdown if markdown.endswith("\n") else f"{markdown}\n")


def output_block(name: str, value: str) -> str:
    """One ``name<<DELIMITER`` block; the delimiter is random and absent from the value."""
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    while delimiter in value:  # pragma: no cover - a 122-bit collision
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def main(environ: Mapping[str, str], stream: TextIO | None = None) -> int:
    """Run the Action once: settings → event → handler → outputs, summary, exit code."""
    workflow = Workflow(stream=stream)
    try:
        settings = read_settings(environ)
    except TelefonistkaError as exc:
        workflow.error(str(exc), title="telefonistka")
        return exc.exit_code
    return run(settings, Workflow(settings, stream))


def run(settings: Settings, workflow: Workflow) -> int:
    """Dispatch the event of ``settings``; shared by the Action and ``telefonistka event``."""
    for secret in settings.secrets:
        workflow.mask(secret)
    for line in settings.describe():
        workflow.debug(f"settings: {line}")
    try:
        report = _dispatch(settings, workflow)
    except ConfigError as exc:
        workflow.config_errors(exc)
        workflow.add_summary(f"### ❌ telefonistka: invalid configuration\n\n```\n{exc}\n```\n")
        return exc.exit_code
    except TelefonistkaError as exc:
        workflow.error(str(exc), title="telefonistka")
        workflow.add_summary(f"### ❌ telefonistka\n\n```\n{exc}\n```\n")
        return exc.exit_code
    if report is None:
        return 0
    workflow.set_outputs(report.outputs)
    workflow.add_summary(report.summary)
    for warning in report.warnings:
        workflow.warning(warning, title="telefonistka")
    for failure in report.failures:
        workflow.error(failure, title=report.failure_title)
    return 1 if report.failures else 0


def _dispatch(settings: Settings, workflow: Workflow) -> Report | None:
    """Read the event and hand it to its route; the requests by kind go to the debug log."""
    body = _read_event(settings.event_path)
    counter = RequestCounter()
    try:
        return dispatch(settings.event_name, body, Context(settings, workflow, counter, body))
    finally:
        spent = f"{counter.breakdown()} ({counter.total} in all)" if counter.total else "none"
        workflow.debug(f"GitHub API requests by kind: {spent}")


def _read_event(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the event file {path} (GITHUB_EVENT_PATH): {exc}") from exc
