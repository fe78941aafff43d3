"""``python -m tests.github_emulator --port PORT --repo OWNER/NAME=PATH ...``.

Serves each bare repository (created when PATH does not exist) until interrupted. The
first line printed is the REST base URL for ``Github(base_url=...)`` / ``GITHUB_API_URL``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from .emulator import DEFAULT_LOGIN, GitHubEmulator


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.github_emulator")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="OWNER/NAME=PATH",
        help="serve the bare repository at PATH (created when missing) as OWNER/NAME",
    )
    parser.add_argument("--login", default=DEFAULT_LOGIN, help="the authenticated user")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN=LOGIN",
        help="authenticate TOKEN as LOGIN (other tokens are --login)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tokens = dict(item.split("=", 1) for item in args.token)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    with tempfile.TemporaryDirectory(prefix="github-emulator-") as workdir:
        emu = GitHubEmulator(Path(workdir), login=args.login, tokens=tokens, port=args.port)
        for spec in args.repo:
            name, sep, path = spec.partition("=")
            if not sep:
                sys.stderr.write(f"--repo {spec!r}: expected OWNER/NAME=PATH\n")
                return 2
            emu.add_repo(name, Path(path))
        with emu:
            sys.stdout.write(emu.base_url + "\n")
            sys.stdout.write(f"graphql: {emu.graphql_url}\ncontrol: {emu.control_url}\n")
            sys.stdout.flush()
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
            stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
