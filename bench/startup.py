"""Startup cost: how long `import telefonistka` and an entrypoint run that does nothing take.

An Action pays interpreter start + imports on every event, including the many events it
ignores, so this is measured (never asserted in tests): median wall time of N fresh
processes, plus the heaviest imports of ``telefonistka.action`` from ``-X importtime``.

    python bench/startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of ``runs`` fresh processes running ``argv``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heaviest_imports(module: str, env: dict[str, str], top: int = 8) -> list[tuple[str, float]]:
    """(module, cumulative ms) of the slowest imports under ``module``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            found.append((parts[2].strip(), int(parts[1]) / 1000))
    return sorted(found, key=lambda item: -item[1])[:top]


def ignored_event_env(work: Path) -> dict[str, str]:
    """An Actions-like environment with an event the Action does not handle."""
    event = work / "event.json"
    event.write_text("{}")
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "release",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_WORKSPACE": str(work),
        "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"),
        "INPUT_GITHUB-TOKEN": "unused",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = ignored_event_env(Path(scratch))
        result = {
            "python_bare_s": median_seconds([sys.executable, "-c", "pass"], env, args.runs),
            "import_telefonistka_s": median_seconds(
                [sys.executable, "-c", "import telefonistka"], env, args.runs
            ),
            "import_action_s": median_seconds(
                [sys.executable, "-c", "import telefonistka.action"], env, args.runs
            ),
            "entrypoint_ignored_event_s": median_seconds(
                [sys.executable, str(ROOT / "entrypoint.py")], env, args.runs
            ),
            "heaviest_imports_ms": heaviest_imports("telefonistka.action", env),
        }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            if key != "heaviest_imports_ms":
                print(f"{key:30} {value * 1000:8.1f} ms")
        print("heaviest imports of telefonistka.action (cumulative):")
        for module, ms in result["heaviest_imports_ms"]:
            print(f"  {module:40} {ms:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
