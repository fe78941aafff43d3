"""bench/core_scaling.py on a tiny fleet: the facts behind its figures, never the timings.

The benchmark's numbers only mean something when each stage did the work it is timed
for, so this checks the scenario it builds: the plan's sync pairs, the drift it seeded
and found, a figure for every stage, and a shape summary that matches the repository.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import core_scaling  # noqa: E402
from fleet import FleetShape  # noqa: E402

TINY = FleetShape("tiny", components=3, files_per_component=4)


def _ls_tree(repo: Path, rev: str) -> list[str]:
    """The entry types (``blob``, ``tree``) of a recursive listing with folders."""
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "-t", "-z", rev],
        capture_output=True,
        check=True,
    ).stdout
    return [record.split(b" ")[1].decode() for record in out.split(b"\0") if record]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("core")


@pytest.fixture(scope="module")
def measured(workdir: Path) -> dict[str, Any]:
    """One measurement shared by the tests: generating the fleet is the slow part."""
    return core_scaling.measure_core(TINY, workdir, runs=1)


def test_plan_and_sync_cover_every_component_and_staging_target(measured: dict[str, Any]) -> None:
    scenario = measured["scenario"]
    staging = len(TINY.cluster_paths("staging"))
    assert scenario["pr_files"] == TINY.components  # fewer than 10: every component
    assert scenario["promotions"] == 1
    assert scenario["sync_pairs"] == TINY.components * staging == 30
    assert scenario["sync_changed_pairs"] == 30  # the PR changed every source
    # one values.yaml per pair, plus the drifted manifest in 3 ingress-nginx targets
    assert scenario["sync_file_changes"] == 30 + 3


def test_drift_finds_exactly_the_seeded_files(measured: dict[str, Any]) -> None:
    scenario = measured["scenario"]
    seeded = scenario["seeded_drift_files"]
    assert len(seeded) == 6  # 3 staging clusters x (values.yaml + one manifest)
    assert all("/staging/" in path and "/ingress-nginx/" in path for path in seeded)
    assert scenario["drift_files"] == seeded
    assert scenario["drifted_pairs"] == 3


def test_every_stage_reports_time_and_memory(measured: dict[str, Any]) -> None:
    stages = measured["stages"]
    assert list(stages) == ["snapshot", "plan", "sync", "drift"]
    for figures in stages.values():
        assert figures["seconds"] > 0
        assert figures["peak_bytes"] > 0
        assert figures["ns_per_entry"] > 0


def test_shape_summary_matches_the_generated_repository(
    measured: dict[str, Any], workdir: Path
) -> None:
    result = measured
    (repo,) = workdir.glob("core-tiny-*/fleet.git")
    for rev in ("main~1", "main"):  # the generated commit, and main after the hand edits
        types = _ls_tree(repo, rev)
        assert result["shape"]["tree_entries"] == len(types)
        assert result["shape"]["files"] == types.count("blob")
    assert result["tree_entries"] == len(types)
    assert result["shape"]["files_per_component"] == 4
