"""``telefonistka event``: handle one GitHub webhook event outside Actions.

The Action itself, for a payload saved to a file: a cron job, another CI system, or
replaying a delivery by hand. It runs ``python -m telefonistka.action`` (what the
container's entrypoint runs) as a child process with the environment a runner would
give it, so the result is exactly the Action's, and the two front doors stay apart: the
command line never imports the Action's code. The event name and file come from the
options; everything else from the environment, as in the Action (``GITHUB_TOKEN`` or
``INPUT_GITHUB-TOKEN``, ``GITHUB_API_URL`` for GitHub Enterprise Server,
``INPUT_APPROVER-TOKEN``, ...). Outputs are printed when ``GITHUB_OUTPUT`` is not set.
``--log-level debug`` prints the detail lines (routes tried, settings, requests by
kind), like the Action's ``log-level`` input.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HELP = "Handle one GitHub webhook event (a payload file), as the Action does."
LOG_LEVELS = ("debug", "info", "warning", "error")  # the Action's `log-level` input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", required=True, help="event name, e.g. pull_request")
    parser.add_argument("--file", required=True, help="path of the JSON event payload")
    parser.add_argument("--api-url", help="REST API root (default: $GITHUB_API_URL or github.com)")
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        help="debug adds the routes tried, the settings and the requests by kind (default: info)",
    )


def run(args: argparse.Namespace) -> int:
    """The Action's exit code, its log on this process's standard output."""
    environ = dict(os.environ, GITHUB_EVENT_NAME=args.type, GITHUB_EVENT_PATH=args.file)
    if args.api_url:
        environ["GITHUB_API_URL"] = args.api_url
    if args.log_level:
        environ["INPUT_LOG-LEVEL"] = args.log_level
    sys.stdout.flush()
    return subprocess.run(
        [sys.executable, "-m", "telefonistka.action"], env=environ, check=False
    ).returncode
