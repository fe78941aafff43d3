"""``telefonistka demo``: the whole promotion flow on a built-in example, no GitHub needed.

This is the README's first command: it builds an example IaC repo in a temp folder and
walks a change through every stage with the real commands, printing what a user would
see on GitHub (plans, PR titles and bodies, drift warnings).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from telefonistka.demo.story import run_story
from telefonistka.errors import UsageError

HELP = "Run the promotion flow end to end on a built-in example repo."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, help="create the example repo here (default: a new temp folder)"
    )


def run(args: argparse.Namespace) -> int:
    from telefonistka.cli import main  # noqa: PLC0415  (cli imports this module)

    path = args.dir or Path(tempfile.mkdtemp(prefix="telefonistka-demo-")) / "iac-repo"
    if path.exists() and any(path.iterdir()):
        raise UsageError(f"--dir {path} is not empty; the demo needs an empty folder")
    return run_story(path, main, lambda text: print(text, flush=True))
