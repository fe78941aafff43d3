"""The benchmark: GitHub API requests, time and memory per event as repositories grow.

    python bench/run.py [--quick] [--json] [--sizes small,medium,large] [--latency 0.05]
                        [--scenarios 'fleet report,drift PR'] [--storm [--merges 50]]

For each fleet size (bench/fleet.py: ≈1k, ≈40k and ≈200k files; the large one is beyond
GitHub's 100,000-entry recursive-tree limit) it runs the events that matter through the
GitHub emulator with a fixed injected latency (bench/scenarios.py) and reports, per
scenario, requests by kind, wall time, the bot's CPU time, the emulator's own service
time, the bot's peak memory and the scenario's shape. Then:

- the files-per-component sweep: the same fleet with more and more files inside each
  component; requests per event must not change (the run fails if they do);
- the local core alone at each size (bench/core_scaling.py): snapshot, plan, sync, drift.

``--quick`` runs the small and medium sizes and a shorter sweep (under two minutes on two
cores). ``--json`` prints one JSON object per line: ``machine``, then one per scenario,
per sweep point and per core size. ``--scenarios`` runs only the named scenarios (no
sweep, no core run). Numbers are measured, never asserted on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import core_scaling  # noqa: E402
import fleet  # noqa: E402
import merge_storm  # noqa: E402
import scenarios  # noqa: E402

QUICK_SIZES = ("small", "medium")
SWEEP_COMPONENTS = 20
SWEEP_FILES = (2, 16, 64)  # 64 files x 20 components x 62 clusters stays under 100k entries
QUICK_SWEEP_FILES = (2, 16)
SWEEP_SCENARIOS = tuple(range(len(scenarios.SCENARIOS)))

Emit = Callable[[dict[str, Any]], None]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    return {
        "python": platform.python_version(),
        "git": git.stdout.strip().removeprefix("git version "),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
    }


def run_sizes(
    shapes: Iterable[fleet.FleetShape],
    latency: float,
    work: Path,
    emit: Emit,
    chosen: Iterable[int] | None = None,
) -> None:
    """Every (or every ``chosen``) scenario on every size, each on a fresh fleet repository."""
    indexes = list(chosen) if chosen is not None else list(range(len(scenarios.SCENARIOS)))
    for shape in shapes:
        with scenarios.fleet_emulator(work / shape.name) as (emu, receivers):
            results = [
                scenarios.run_scenario(emu, receivers, shape, index, latency) for index in indexes
            ]
        for result in results:
            emit({"kind": "scenario", **result.to_json()})
        print_size(shape, latency, results)


def sweep(files: Iterable[int], work: Path, emit: Emit) -> bool:
    """Requests per scenario as files per component grow; True when they never change."""
    counts: dict[int, list[dict[str, int]]] = {}
    for per_component in files:
        shape = fleet.FleetShape(f"sweep-{per_component}", SWEEP_COMPONENTS, per_component)
        with scenarios.fleet_emulator(work / shape.name) as (emu, receivers):
            results = [
                scenarios.run_scenario(emu, receivers, shape, index, 0.0)
                for index in SWEEP_SCENARIOS
            ]
        counts[per_component] = [r.requests for r in results]
        for result in results:
            emit({"kind": "files_per_component", **result.to_json()})
    steady = len({json.dumps(c, sort_keys=True) for c in counts.values()}) == 1
    print_sweep(counts, steady)
    return steady


def run_core(shapes: Iterable[fleet.FleetShape], work: Path, emit: Emit) -> None:
    results = []
    work.mkdir(parents=True, exist_ok=True)
    for shape in shapes:
        results.append(core_scaling.measure_core(shape, work))
        emit({"kind": "core", **results[-1]})
    text("\n## The local core alone (no network; best of 3, peak = traced Python memory)\n")
    text(core_scaling.table(results))
    if len(results) > 1:
        text("\n" + core_scaling.growth(results))


# --- text report -------------------------------------------------------------------------

TEXT = True


def text(line: str) -> None:
    if TEXT:
        print(line, flush=True)


def print_size(shape: fleet.FleetShape, latency: float, results: list[scenarios.Result]) -> None:
    text(
        f"\n## {shape.name}: {shape.files:,} files, {shape.tree_entries:,} tree entries "
        f"({shape.clusters} clusters x {shape.components} components x "
        f"{shape.files_per_component} files in {len(shape.component_folders())} folders); "
        f"latency {latency * 1000:.0f} ms per request\n"
    )
    header = (
        f"{'scenario':24} {'requests':>8} {'wall s':>7} {'cpu s':>6} {'emu s':>6} "
        f"{'peak MiB':>8} {'pairs':>5} {'differing':>9}"
    )
    text(header)
    for r in results:
        text(
            f"{r.scenario:24} {r.total_requests:8} {r.wall_s:7.2f} {r.cpu_s:6.2f} "
            f"{r.emulator_s:6.2f} {r.peak_rss_mib:8.1f} {r.shape['sync_pairs']:5} "
            f"{r.shape['differing_files']:9}"
        )
    text("\nrequests by kind:")
    for r in results:
        kinds = ", ".join(f"{kind} {n}" for kind, n in r.requests.items())
        text(f"  {r.scenario}: {kinds}")


def print_sweep(counts: dict[int, list[dict[str, int]]], steady: bool) -> None:
    text(
        f"\n## Requests as files per component grow ({SWEEP_COMPONENTS} components per "
        "cluster, no latency)\n"
    )
    sizes = list(counts)
    text(f"{'scenario':24} " + " ".join(f"{f'{n} files':>9}" for n in sizes))
    for position, index in enumerate(SWEEP_SCENARIOS):
        totals = [sum(counts[n][position].values()) for n in sizes]
        text(f"{scenarios.SCENARIOS[index].name:24} " + " ".join(f"{t:9}" for t in totals))
    verdict = "identical (by kind too)" if steady else "DIFFERENT: requests grow with files"
    text(f"\nrequests per event across the sweep: {verdict}")


def main(argv: list[str] | None = None) -> int:
    global TEXT  # noqa: PLW0603 - one switch for the whole report
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="small and medium sizes only")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--sizes", help="comma-separated: small, medium, large")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument(
        "--scenarios",
        help="comma-separated scenario names (e.g. 'fleet report'); only these, no sweep "
        "or core run",
    )
    parser.add_argument(
        "--storm",
        action="store_true",
        help="only the merge storm: --merges merges in a row on each size (default medium)",
    )
    parser.add_argument("--merges", type=int, default=50, help="merges in the storm")
    args = parser.parse_args(argv)
    names_of = [s.name for s in scenarios.SCENARIOS]
    chosen = args.scenarios.split(",") if args.scenarios else None
    if chosen and any(name not in names_of for name in chosen):
        parser.error(f"unknown scenario; choose from {', '.join(names_of)}")
    TEXT = not args.json
    names = args.sizes.split(",") if args.sizes else QUICK_SIZES if args.quick else fleet.SIZES
    if args.storm and not args.sizes:
        names = ["medium"]
    unknown = [n for n in names if n not in fleet.SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}; choose from {', '.join(fleet.SIZES)}")
    shapes = [fleet.SIZES[n] for n in names]

    def emit(record: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(record), flush=True)

    described = machine()
    emit({"kind": "machine", **described})
    text("# telefonistka benchmark\n")
    text(", ".join(f"{k} {v}" for k, v in described.items()))
    with tempfile.TemporaryDirectory(prefix="telefonistka-bench-") as scratch:
        work = Path(scratch)
        if args.storm:
            for shape in shapes:
                figures = merge_storm.storm(shape, work / f"storm-{shape.name}", args.merges, text)
                emit(figures)
                text(merge_storm.table(figures))
            return 0
        if chosen:
            indexes = [names_of.index(name) for name in chosen]
            run_sizes(shapes, args.latency, work / "sizes", emit, indexes)
            return 0
        run_sizes(shapes, args.latency, work / "sizes", emit)
        steady = sweep(QUICK_SWEEP_FILES if args.quick else SWEEP_FILES, work / "sweep", emit)
        run_core(shapes, work / "core", emit)
    if not steady:
        print("bench: requests per event changed with files per component", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
