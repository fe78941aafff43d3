"""The ``telefonistka`` command line: a registry of subcommands, one module each.

Each subcommand is a module of this package defining ``HELP`` (one line), ``add_arguments``
and ``run(args) -> int``. This module only parses arguments, calls ``run`` and turns our
exceptions into messages on stderr and exit codes; nothing happens at import time.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from telefonistka import __version__
from telefonistka.cli.guard import guarded
from telefonistka.core.text.log_text import inert
from telefonistka.errors import TelefonistkaError

# Order is the order shown in ``--help``. Adding a command = one module + one line here.
COMMANDS: tuple[str, ...] = (
    "demo",
    "init",
    "plan",
    "promote",
    "rollback",
    "drift",
    "argocd-diff",
    "validate",
    "report",
    "fanout",
    "event",
    "bump-overwrite",
    "bump-regex",
    "bump-yaml",
)


# What a shell reports for a process ended by SIGPIPE (128 + 13): `git log | head` too.
BROKEN_PIPE_EXIT = 141


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"telefonistka.cli.{name.replace('-', '_')}")


class _Parser(argparse.ArgumentParser):
    """argparse with a "did you mean" for a mistyped option or subcommand (Python 3.11's
    argparse has none; 3.14's ``suggest_on_error`` covers only choices)."""

    commands: dict[str, _Parser]

    def error(self, message: str) -> NoReturn:
        choice = message.partition("invalid choice: '")[2].partition("'")[0]
        if choice and self._subparsers is not None:
            message += _did_you_mean(choice, COMMANDS).replace(" (", "; ", 1).rstrip(")")
        super().error(message)

    def option_strings(self) -> list[str]:
        return [option for action in self._actions for option in action.option_strings]


def _did_you_mean(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _unknown(parser: _Parser, extras: Sequence[str]) -> NoReturn:
    """Exit 2 naming each argument ``parser`` does not know, with the option it likely
    meant (``--lable`` → ``--label``)."""
    known = parser.option_strings()
    each = [
        f"{extra}{_did_you_mean(extra.partition('=')[0], known) if extra.startswith('-') else ''}"
        for extra in extras
    ]
    parser.error(f"unrecognized arguments: {' '.join(each)}")


def build_parser() -> _Parser:
    """The full argument parser, with every registered subcommand."""
    parser = _Parser(
        prog="telefonistka",
        description="GitOps promotion bot for Infrastructure-as-Code repositories.",
    )
    parser.add_argument("--version", action="version", version=f"telefonistka {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.commands = {}
    for name in COMMANDS:
        module = _load(name)
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        parser.commands[name] = cmd
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code.

    A reader that stops early (``telefonistka plan --json | head``) closes the pipe: the
    command ends quietly with 141, as ``git log | head`` does, instead of a traceback.
    """
    try:
        with guarded():  # every line written is inert: no workflow command gets through
            try:
                return _run(argv)
            finally:  # what is still buffered (``--help`` too) meets a closed pipe here
                sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
        return BROKEN_PIPE_EXIT


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        _unknown(parser.commands[args.command], extras)
    try:
        code: int = args.run(args)
    except TelefonistkaError as exc:
        print(inert(f"telefonistka: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of what is still
    buffered does not raise ``BrokenPipeError`` again (Python's documented recipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
