"""``telefonistka bump-yaml``: set a value at a yq selector in a YAML file of the target repo."""

from __future__ import annotations

import argparse

from telefonistka.cli.bump_options import add_common_arguments, run_bump
from telefonistka.usecases.bump_edits import yaml_edit

HELP = "Open a PR in a target repo that sets a YAML value, keeping the file's formatting."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The common bump options, the yq selector and the new value (Go's flag names kept)."""
    add_common_arguments(parser)
    parser.add_argument(
        "--address",
        required=True,
        help="yq selector, e.g. '.db.[] | select(.name == \"postgres\").image.tag'",
    )
    parser.add_argument(
        "-n",
        "--replacement-string",
        "--value",
        dest="value",
        required=True,
        help="the new value, e.g. 'v2.7.1'",
    )


def run(args: argparse.Namespace) -> int:
    """Bump with a YAML edit; the file path comes from options or ``TARGET_FILE``."""
    return run_bump(args, lambda path: yaml_edit(path, args.address, args.value))
