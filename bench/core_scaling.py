"""How the local core's cost grows with repository size: snapshot, plan, sync, drift.

Usage::

    python bench/core_scaling.py [--sizes small,medium,large] [--runs 3] [--json]

For each fleet size (``bench/fleet.py``) this generates the repository, adds the commits
a promotion story needs (setup, not measured), then times each core stage with the very
functions the product calls, with no GitHub and no network:

- ``snapshot``: ``LocalGitRepo.read_snapshot`` of ``main``. It *includes* the local git
  subprocess (``git ls-tree -r -t`` and two ``rev-parse``): that is the local adapter's
  read, and the only stage whose input is the whole tree.
- ``plan``: parse ``telefonistka.yaml``, find the changed components of a PR that bumps
  ``image.tag`` in 10 components of ``clusters/lab/us-east1/c01/``, read their (absent)
  component configs and ``compute_plan`` against the PR head's snapshot: 10 components
  by 10 staging targets = 100 sync pairs in one promotion.
- ``sync``: ``compute_sync`` of those pairs on the base branch once the PR is merged (the
  tree changes the promotion writes).
- ``drift``: ``compute_drift`` of those pairs on ``main``, where 3 staging clusters carry
  hand edits of ``ingress-nginx``; the differing blobs are read through one local
  ``git cat-file --batch``.

Each stage is timed with ``time.perf_counter`` (best of ``--runs``) and run once more under
``tracemalloc`` for its peak Python allocation (git's own memory is not Python's and is
not counted). ``ns/entry`` divides a stage's time by the tree entries of the snapshot, so
a stage that is linear in the tree shows a flat ``ns/entry`` across sizes, while one that
depends only on the promotion's size shows a falling one.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# bench/ is not a package: make ``import fleet`` and ``import telefonistka`` work both as a
# script and when bench/run.py imports this module.
for _path in (BENCH_DIR, ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import fleet  # noqa: E402
from fleet import FleetShape  # noqa: E402

from telefonistka.adapters.localgit import LocalGitRepo  # noqa: E402
from telefonistka.core.config.component_configs import read_component_configs  # noqa: E402
from telefonistka.core.config.model import REPO_CONFIG_FILE  # noqa: E402
from telefonistka.core.config.validation import load_repo_config  # noqa: E402
from telefonistka.core.drift.compare import DriftReport, compute_drift  # noqa: E402
from telefonistka.core.promotion.changes import find_changed_components  # noqa: E402
from telefonistka.core.promotion.planning import Plan, compute_plan  # noqa: E402
from telefonistka.core.promotion.snapshot import TreeSnapshot  # noqa: E402
from telefonistka.core.promotion.sync import SyncResult, compute_sync  # noqa: E402

STAGES = ("snapshot", "plan", "sync", "drift")
MAIN = "main"
FEATURE = "feature"  # the PR's branch: one commit on top of main (its merge fast-forwards)
SOURCE_CLUSTER = "clusters/lab/us-east1/c01/"
PR_COMPONENTS = 10  # components the PR changes (fewer when the shape has fewer)
DRIFTED_CLUSTERS = fleet.DRIFTED_CLUSTERS  # staging clusters given hand edits of DRIFT_COMPONENT
DRIFT_COMPONENT = fleet.NAMED_COMPONENTS[0]  # ingress-nginx: the first component of any shape
IDENTITY = b"Core Bench <bench@example.com> 1700000100 +0000"

T = TypeVar("T")


@dataclass(frozen=True)
class Scenario:
    """The prepared repository and what its commits changed (the facts results are checked by)."""

    repo: LocalGitRepo
    pr_files: tuple[str, ...]
    seeded_drift: tuple[str, ...]


@dataclass(frozen=True)
class StageFigure:
    """One stage: best wall time of the timed runs, peak traced Python memory of one more."""

    seconds: float
    peak_bytes: int

    def to_json(self, tree_entries: int) -> dict[str, float | int]:
        return {
            "seconds": self.seconds,
            "peak_bytes": self.peak_bytes,
            "ns_per_entry": self.seconds * 1e9 / tree_entries,
        }


# --- setup: the commits the scenario needs ---------------------------------------------------


def pr_changes(shape: FleetShape) -> dict[str, str]:
    """The PR: a new ``image.tag`` in the values of the first components of one lab cluster."""
    return fleet.tag_bump(SOURCE_CLUSTER, shape.component_names()[:PR_COMPONENTS])


def drift_changes(shape: FleetShape) -> dict[str, str]:
    """Hand edits on main: ingress-nginx in a few staging clusters."""
    clusters = shape.cluster_paths("staging")[:DRIFTED_CLUSTERS]
    return fleet.hand_edits(shape, DRIFT_COMPONENT, clusters)


def commit_stream(
    ref: str, mark: int, parent: str, message: str, files: Mapping[str, str]
) -> bytes:
    """One fast-import commit of ``files`` (inline contents) on top of ``parent``, as ``:mark``."""
    text = message.encode()
    out = [b"commit %s\nmark :%d\n" % (ref.encode(), mark)]
    out.append(b"author %s\ncommitter %s\n" % (IDENTITY, IDENTITY))
    out.append(b"data %d\n%s\nfrom %s\n" % (len(text), text, parent.encode()))
    for path, content in sorted(files.items()):
        data = content.encode()
        out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    return b"".join(out)


def prepare(shape: FleetShape, workdir: Path) -> Scenario:
    """Generate the fleet, then add the drift commit on main and the PR commit on ``feature``.

    Both commits go through one ``git fast-import`` (fast even for the large fleet; the
    drift commit is marked so the PR can build on it in the same stream).
    """
    path = Path(tempfile.mkdtemp(prefix=f"core-{shape.name}-", dir=workdir)) / "fleet.git"
    fleet.generate(shape, path)
    drift, pr = drift_changes(shape), pr_changes(shape)
    stream = b"".join(
        [
            commit_stream(f"refs/heads/{MAIN}", 1, f"refs/heads/{MAIN}^0", "Hand edits", drift),
            commit_stream(f"refs/heads/{FEATURE}", 2, ":1", "Bump image tags", pr),
            b"done\n",
        ]
    )
    git = ["git", "-C", str(path), "fast-import", "--quiet", "--done"]
    subprocess.run(git, input=stream, check=True, capture_output=True)
    return Scenario(LocalGitRepo(path), tuple(sorted(pr)), tuple(sorted(drift)))


# --- measuring -------------------------------------------------------------------------------


def measure_stage(stage: Callable[[], T], runs: int) -> tuple[StageFigure, T]:
    """Best of ``runs`` timed calls, then one traced call for the peak (tracing slows calls).

    The garbage of the previous call is collected first so runs do not pay for each other.
    """
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        stage()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    try:
        result = stage()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return StageFigure(best, peak), result


def plan_stage(
    repo: LocalGitRepo, config_text: bytes, files: Iterable[str], head: TreeSnapshot
) -> Plan:
    """What ``plan_files`` does once the config blob and the head snapshot are at hand."""
    config = load_repo_config(config_text, REPO_CONFIG_FILE)
    components = find_changed_components(files, config)
    configs = read_component_configs(repo, head, components)
    return compute_plan(components, config, (), head, configs)


def measure_core(shape: FleetShape, workdir: Path, runs: int = 3) -> dict[str, object]:
    """Every core stage on one fleet size, with the scenario facts that validate the figures.

    The repository is generated in a new ``core-<size>-*/fleet.git`` under ``workdir`` and
    left there (the caller owns ``workdir``), so several sizes can share one folder.
    """
    scenario = prepare(shape, workdir)
    repo = scenario.repo
    figures: dict[str, StageFigure] = {}
    figures["snapshot"], base = measure_stage(lambda: repo.read_snapshot(MAIN), runs)
    head = repo.read_snapshot(FEATURE)  # the PR head, and main once the PR is merged
    config_entry = head.entry(REPO_CONFIG_FILE)
    assert config_entry is not None
    config_text = repo.read_blobs([config_entry.oid])[config_entry.oid]
    figures["plan"], plan = measure_stage(
        lambda: plan_stage(repo, config_text, scenario.pr_files, head), runs
    )
    pairs = [pair for promotion in plan.promotions for pair in promotion.sync]
    figures["sync"], sync = measure_stage(lambda: compute_sync(head, pairs), runs)
    figures["drift"], drift = measure_stage(lambda: compute_drift(base, pairs, repo), runs)
    entries = len(base)
    return {
        "shape": shape.summary(),
        "tree_entries": entries,
        "scenario": scenario_facts(scenario, plan, sync, drift),
        "stages": {name: figures[name].to_json(entries) for name in STAGES},
    }


def scenario_facts(
    scenario: Scenario, plan: Plan, sync: SyncResult, drift: DriftReport
) -> dict[str, object]:
    """What the measured calls produced: proof that each stage did the work it is timed for."""
    differing = [f.target_file for pair in drift.pairs for f in pair.differing]
    return {
        "pr_files": len(scenario.pr_files),
        "promotions": len(plan.promotions),
        "sync_pairs": sum(len(p.sync) for p in plan.promotions),
        "sync_changed_pairs": len(sync.changed_pairs),
        "sync_file_changes": len(sync.changes),
        "drifted_pairs": len(drift.drifted),
        "seeded_drift_files": list(scenario.seeded_drift),
        "drift_files": sorted(differing),
    }


# --- output ----------------------------------------------------------------------------------


def _row(label: str, values: Iterable[str]) -> str:
    return f"{label:<28}" + "".join(f"{v:>14}" for v in values)


def table(results: list[dict[str, Any]]) -> str:
    """Sizes as columns; per stage its time, time per tree entry and peak traced memory."""
    lines = [_row("", (r["shape"]["name"] for r in results))]
    for label, key in (("files", "files"), ("tree entries", "tree_entries")):
        lines.append(_row(label, (f"{r['shape'][key]:,}" for r in results)))
    lines.append(
        _row("files per component", (str(r["shape"]["files_per_component"]) for r in results))
    )
    for label, key in (("sync pairs", "sync_pairs"), ("sync file changes", "sync_file_changes")):
        lines.append(_row(label, (f"{r['scenario'][key]:,}" for r in results)))
    lines.append(
        _row("drift: differing files", (str(len(r["scenario"]["drift_files"])) for r in results))
    )
    for stage in STAGES:
        figures = [r["stages"][stage] for r in results]
        lines.append(_row(f"{stage}  ms", (f"{f['seconds'] * 1e3:.2f}" for f in figures)))
        lines.append(_row("        ns / tree entry", (f"{f['ns_per_entry']:.1f}" for f in figures)))
        lines.append(_row("        peak MiB", (f"{f['peak_bytes'] / 2**20:.2f}" for f in figures)))
    return "\n".join(lines)


def growth(results: list[dict[str, Any]]) -> str:
    """Each stage's time ratio between successive sizes, beside the tree entries' ratio."""
    if len(results) < 2:
        return ""
    steps = list(itertools.pairwise(results))
    lines = [_row("growth", (f"{b['shape']['name']}/{a['shape']['name']}" for a, b in steps))]
    ratio = [b["tree_entries"] / a["tree_entries"] for a, b in steps]
    lines.append(_row("tree entries", (f"×{x:.2f}" for x in ratio)))
    for stage in STAGES:
        times = [b["stages"][stage]["seconds"] / a["stages"][stage]["seconds"] for a, b in steps]
        lines.append(_row(f"{stage} time", (f"×{x:.2f}" for x in times)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the chosen sizes in a temporary folder; print a table or JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--sizes", default="small,medium,large", help="comma-separated fleet sizes")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per stage (best is kept)")
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    args = parser.parse_args(argv)
    shapes = [fleet.SIZES[name.strip()] for name in args.sizes.split(",") if name.strip()]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="core-scaling-") as scratch:
        for shape in shapes:
            results.append(measure_core(shape, Path(scratch), args.runs))
            if args.json:
                print(json.dumps(results[-1]), flush=True)
    if not args.json:
        print(f"local core by fleet size (best of {args.runs}; peak = traced Python memory)")
        print(table(results))
        print()
        print(growth(results))
        print("\nsnapshot includes the local git subprocess (ls-tree, rev-parse); drift includes")
        print("one git cat-file --batch for the differing blobs; plan/sync/drift are pure Python.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
