"""The ``telefonistka`` command line: a registry of subcommands, one module each.

Each subcommand is a module of this package defining ``HELP`` (one line), ``add_arguments``
and ``run(args) -> int``. This module only parses arguments, calls ``run`` and turns our
exceptions into messages on stderr and exit codes; nothing happens at import time.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from telefonistka import __version__
from telefonistka.core.log_text import inert
from telefonistka.errors import TelefonistkaError

# Order is the order shown in ``--help``. Adding a command = one module + one line here.
COMMANDS: tuple[str, ...] = (
    "demo",
    "plan",
    "promote",
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


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"telefonistka.cli.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="telefonistka",
        description="GitOps promotion bot for Infrastructure-as-Code repositories.",
    )
    parser.add_argument("--version", action="version", version=f"telefonistka {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = _load(name)
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except TelefonistkaError as exc:
        print(inert(f"telefonistka: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
