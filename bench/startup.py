"""Startup cost: how long `import telefonistka` and an entrypoint run that does nothing take.

An Action pays interpreter start + imports on every event, including the many events it
ignores, so this is measured (never asserted in tests; tests/test_startup_imports.py
asserts which modules load instead): median wall time of N fresh processes for

- ``python -c pass`` (the floor) and ``import telefonistka`` / ``telefonistka.action``;
- ``entrypoint.py`` on an event name no route handles (``release``: not even parsed);
- ``entrypoint.py`` on a handled event no route takes (a PR labeled ``bug``: parsed, every
  ``pull_request`` route tried);
- importing what a matching route loads (the promotion use case), for comparison;

plus, from ``-X importtime``, the heavy third-party packages each entrypoint run
imported (none expected) and the heaviest imports of ``telefonistka.action``.

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
LABELED = ROOT / "tests" / "fixtures" / "webhooks" / "pull_request.labeled.json"
# Packages only a handler needs; an ignored event should import none of them.
HEAVY = ("github", "requests", "urllib3", "jinja2", "deepdiff", "ruamel", "yaml", "jsonschema")


def median_seconds(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of ``runs`` fresh processes running ``argv``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_report(argv: list[str], env: dict[str, str]) -> list[tuple[str, float]]:
    """(module, cumulative ms) of every import ``argv`` made, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
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
    return found


def heavy_imported(argv: list[str], env: dict[str, str]) -> list[str]:
    """The heavy top-level packages ``argv`` imported."""
    modules = {name.split(".")[0] for name, _ in import_report(argv, env)}
    return sorted(modules & set(HEAVY))


def heaviest(argv: list[str], env: dict[str, str], top: int = 8) -> list[tuple[str, float]]:
    """The slowest imports (cumulative ms) of ``argv``."""
    return sorted(import_report(argv, env), key=lambda item: -item[1])[:top]


def action_env(work: Path, event_name: str, payload: bytes) -> dict[str, str]:
    """An Actions-like environment for ``entrypoint.py`` with one event."""
    event = work / f"{event_name}.json"
    event.write_bytes(payload)
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_WORKSPACE": str(work),
        "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"),
        "INPUT_GITHUB-TOKEN": "unused",
    }


def measure(runs: int, work: Path) -> dict[str, object]:
    unhandled = action_env(work, "release", b"{}")
    unmatched = action_env(work, "pull_request", LABELED.read_bytes())
    entrypoint = [str(ROOT / "entrypoint.py")]
    python = sys.executable
    return {
        "runs": runs,
        "python_bare_s": median_seconds([python, "-c", "pass"], unhandled, runs),
        "import_telefonistka_s": median_seconds(
            [python, "-c", "import telefonistka"], unhandled, runs
        ),
        "import_action_s": median_seconds(
            [python, "-c", "import telefonistka.action"], unhandled, runs
        ),
        "entrypoint_unhandled_event_s": median_seconds([python, *entrypoint], unhandled, runs),
        "entrypoint_unmatched_event_s": median_seconds([python, *entrypoint], unmatched, runs),
        "import_promotion_use_case_s": median_seconds(
            [python, "-c", "import telefonistka.action, telefonistka.usecases.promote_merged_pr"],
            unhandled,
            runs,
        ),
        "heavy_imports": {
            "entrypoint_unhandled_event": heavy_imported(entrypoint, unhandled),
            "entrypoint_unmatched_event": heavy_imported(entrypoint, unmatched),
            "promotion_use_case": heavy_imported(
                ["-c", "import telefonistka.usecases.promote_merged_pr"], unhandled
            ),
        },
        "heaviest_imports_ms": heaviest(["-c", "import telefonistka.action"], unhandled),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        result = measure(args.runs, Path(scratch))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"median of {args.runs} fresh processes, Python {sys.version.split()[0]}")
    for key, value in result.items():
        if key.endswith("_s") and isinstance(value, float):
            print(f"  {key:32} {value * 1000:8.1f} ms")
    heavy = result["heavy_imports"]
    assert isinstance(heavy, dict)
    print("heavy packages imported (github, requests, jinja2, deepdiff, ruamel, yaml, ...):")
    for key, names in heavy.items():
        print(f"  {key:32} {', '.join(names) or 'none'}")
    print("heaviest imports of telefonistka.action (cumulative):")
    ranked = result["heaviest_imports_ms"]
    assert isinstance(ranked, list)
    for module, ms in ranked:
        print(f"  {module:40} {ms:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
