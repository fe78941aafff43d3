"""Workflow commands on stdout and the runner's files: the Action's only way to speak.

The ``log-level`` input filters the job log only: ``debug`` adds the detail lines (the
routes tried, the settings in effect, the requests by kind); ``warning`` drops the
progress lines, ``error`` the warning annotations too. Masks, error annotations, outputs
and the job summary are never filtered. On a runner the detail lines are ``::debug::``
commands below ``debug``, so the runner's own step debug logging (``ACTIONS_STEP_DEBUG``)
shows them as well.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from telefonistka.action.settings import LogLevel, Settings
from telefonistka.core.text.log_text import ZWSP, inert
from telefonistka.errors import ConfigError


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

    Workflow commands are written only on a runner (``GITHUB_ACTIONS=true``). Elsewhere
    (``telefonistka event`` in a terminal or another CI) nothing reads them, and
    ``::add-mask::`` would print the very secret it means to hide: masks are dropped,
    annotations become ``error: …`` / ``warning: …`` lines and groups a heading line.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        stream: TextIO | None = None,
        *,
        on_runner: bool | None = None,
    ) -> None:
        self._stream = stream or sys.stdout
        self._output_path = settings.output_path if settings else None
        self._summary_path = settings.summary_path if settings else None
        self._level = settings.log_level if settings else LogLevel.INFO
        known = settings.on_runner if settings else False
        self._on_runner = known if on_runner is None else on_runner

    def _write(self, line: str) -> None:
        """One of the bot's own workflow commands (its data escaped by the caller)."""
        print(line, file=self._stream, flush=True)

    def _write_text(self, text: str) -> None:
        """Text that is not a command: never one, whatever people wrote into it."""
        print(inert(text), file=self._stream, flush=True)

    def log(self, message: str) -> None:
        """A progress line: written at log-level ``info`` and ``debug``.

        Log lines carry user data (paths, branch names, titles): none of their lines may
        start a workflow command, so a leading ``::`` is broken up (``:\u200b:``).
        """
        if self._level <= LogLevel.INFO:
            self._write_text(message)

    def debug(self, message: str) -> None:
        """A detail line: plain at log-level ``debug``, else a ``::debug::`` command."""
        if self._level <= LogLevel.DEBUG:
            self._write_text(message)
        elif self._on_runner:
            self._write(f"::debug::{_escape_data(message)}")

    def mask(self, secret: str) -> None:
        """``::add-mask::`` each line on a runner (it masks line by line); never filtered.

        Off a runner nothing is written: no log there masks anything.
        """
        if not self._on_runner:
            return
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
        if not self._on_runner:
            place = ":".join(str(where[key]) for key in ("file", "line", "col") if key in where)
            lead = " ".join(
                part for part in (f"{level}:", place and f"{place}:", title and f"{title}:") if part
            )
            self._write_text(f"{lead} {message}")
            return
        props = [f"{key}={_escape_property(str(value))}" for key, value in where.items()]
        if title:
            props.append(f"title={_escape_property(title)}")
        joined = f" {','.join(props)}" if props else ""
        self._write(f"::{level}{joined}::{_escape_data(message)}")

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Fold the lines logged inside into one expandable group of the job log (off a
        runner: a heading line)."""
        if not self._on_runner:
            self.log(f"== {title}")
            yield
            return
        if self._level <= LogLevel.INFO:
            self._write(f"::group::{_escape_data(title)}")
        try:
            yield
        finally:
            if self._level <= LogLevel.INFO:
                self._write("::endgroup::")

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Append ``outputs`` to ``$GITHUB_OUTPUT``; outside Actions, log them instead."""
        if self._output_path is None:
            for name, value in outputs.items():
                self._write_text(f"output {name}: {value}")
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
    """A command's data: its line cannot end early, nor hold a legacy ``##[`` command."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace("##[", f"##{ZWSP}[")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
