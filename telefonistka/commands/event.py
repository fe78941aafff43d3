"""``telefonistka event``: handle one GitHub webhook event outside Actions.

The same dispatcher as the Action (``entrypoint.py``), for a payload saved to a file:
a cron job, another CI system, or replaying a delivery by hand. The event name and file
come from the options; everything else from the environment, as in the Action
(``GITHUB_TOKEN`` or ``INPUT_GITHUB-TOKEN``, ``GITHUB_API_URL`` for GitHub Enterprise
Server, ``INPUT_APPROVER-TOKEN``, ...). Outputs are printed when ``GITHUB_OUTPUT`` is
not set.
"""

from __future__ import annotations

import argparse
import os

from telefonistka.action import Workflow, read_settings
from telefonistka.action import run as run_action

HELP = "Handle one GitHub webhook event (a payload file), as the Action does."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", required=True, help="event name, e.g. pull_request")
    parser.add_argument("--file", required=True, help="path of the JSON event payload")
    parser.add_argument("--api-url", help="REST API root (default: $GITHUB_API_URL or github.com)")


def run(args: argparse.Namespace) -> int:
    environ = dict(os.environ, GITHUB_EVENT_NAME=args.type, GITHUB_EVENT_PATH=args.file)
    if args.api_url:
        environ["GITHUB_API_URL"] = args.api_url
    settings = read_settings(environ)
    return run_action(settings, Workflow(settings))
