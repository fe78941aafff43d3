"""The benchmark's claim, held by the tests: requests per event do not grow with the files
inside components.

Every benchmark scenario (bench/scenarios.py) runs through the emulator on two fleets that
differ only in files per component; each run checks its own outcome (PRs opened, drift
found, deliveries received, bump PR), and the request counts must match kind for kind.
No latency is injected and nothing is timed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import fleet  # noqa: E402
import scenarios  # noqa: E402
from github_emulator import GitHubEmulator  # noqa: E402


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[scenarios.Result]]:
    """Every scenario on a fleet with 2 and with 12 files per component."""
    results: dict[int, list[scenarios.Result]] = {}
    for per_component in (2, 12):
        shape = fleet.FleetShape(
            f"t{per_component}", components=3, files_per_component=per_component
        )
        work = tmp_path_factory.mktemp(shape.name)
        with scenarios.fleet_emulator(work) as (emu, receivers):
            results[per_component] = [
                scenarios.run_scenario(emu, receivers, shape, index, 0.0)
                for index in range(len(scenarios.SCENARIOS))
            ]
    return results


def test_requests_do_not_grow_with_files_per_component(
    runs: dict[int, list[scenarios.Result]],
) -> None:
    few, many = runs[2], runs[12]
    for small, large in zip(few, many, strict=True):
        assert small.requests == large.requests, small.scenario
    assert many[0].shape["files_per_component"] == 12


def test_promotions_cost_four_plus_five_per_pr(runs: dict[int, list[scenarios.Result]]) -> None:
    """At most 4 + 5 per PR: two statuses, one GraphQL read, the tree and one GraphQL
    request labelling every new PR (and reading the open PRs after, for superseding); per
    PR its tree, commit, branch and the PR (the first one creating the missing labels)."""
    totals = {r.scenario: r.total_requests for r in runs[12]}
    # lab → staging is one PR; staging → prod is one PR per prod region (5)
    assert totals["promote 1 comp → 10"] == totals["promote 10 comp → 10"] == 5 + 4 * 1
    assert totals["promote 1 comp → 50"] == totals["promote 10 comp → 50"] == 5 + 4 * 5
    assert 5 + 4 * 5 <= 4 + 5 * 5
    by_kind = {r.scenario: r.requests for r in runs[12]}
    assert by_kind["promote 1 comp → 50"]["POST /graphql"] == 1 + 5 + 1
    assert totals["push fan-out 50"] == 2  # the root listing and telefonistka.yaml


def test_the_fleet_report_costs_a_fixed_handful(runs: dict[int, list[scenarios.Result]]) -> None:
    """One GraphQL read (the branch's head and configuration, every open PR with its
    head's statuses, the holds of merged rollbacks, the bot's login), the tree once, the
    dashboard issue looked for and created, and looked for once more (a report run at the
    same time may have opened one too), the gate pass's own GraphQL read (a scheduled
    run re-evaluates pending gates), and the delivery metrics' closed promotion and
    rollback PRs (one page each): whatever the number of components, targets, files."""
    [report] = [r for r in runs[12] if r.scenario == "fleet report"]

    assert report.total_requests == 8
    assert report.requests == {
        "GET /git/trees/{tree_sha}": 1,
        "GET /issues": 4,
        "POST /issues": 1,
        "POST /graphql": 2,
    }


def test_scenario_shapes_describe_the_work(runs: dict[int, list[scenarios.Result]]) -> None:
    shapes = {r.scenario: r.shape for r in runs[12]}
    assert shapes["promote 10 comp → 50"]["sync_pairs"] == 3 * 50  # 3 components here
    assert shapes["promote 1 comp → 10"]["differing_files"] == 10  # one values.yaml per pair
    assert shapes["drift PR"]["differing_files"] == 2 * scenarios.DRIFTED_CLUSTERS
    assert shapes["version bump"]["differing_files"] == 1


def test_a_failed_run_is_never_measured(tmp_path: Path) -> None:
    """A scenario whose check fails raises instead of reporting figures."""
    shape = fleet.FleetShape("broken", components=1, files_per_component=2)
    with scenarios.fleet_emulator(tmp_path) as (emu, receivers):
        emu.add_fault(path="/git/commits$", method="POST", status=403, times=10)
        with pytest.raises(scenarios.ScenarioFailedError, match="promote 1 comp → 10"):
            scenarios.run_scenario(emu, receivers, shape, 0, 0.0)


def test_the_emulator_is_the_one_the_tests_use() -> None:
    assert scenarios.GitHubEmulator is GitHubEmulator


def test_a_small_merge_storm_counts_rest_and_points_per_merge(tmp_path: Path) -> None:
    """Three merges on a two-component fleet, each opening 5 promotion PRs: 3 + 3·5 REST
    and 1 + 5 + 1 GraphQL requests (the first read 4 points, each creation 1, the label
    request reading the open PRs after 4); the third bumps the first component again and
    supersedes its 5 PRs in three GraphQL requests more (the compares answered from the
    history read first)."""
    import merge_storm  # noqa: PLC0415 - bench/ is on sys.path above

    shape = fleet.FleetShape("storm", components=2, files_per_component=2)
    figures = merge_storm.storm(shape, tmp_path, 3, lambda _line: None)

    first, second, third = figures["per_merge"]
    assert (first["rest"], first["graphql"], first["opened"]) == (3 + 3 * 5, 1 + 5 + 1, 5)
    assert (second["rest"], second["graphql"]) == (3 + 3 * 5, 1 + 5 + 1)
    assert second["points"] == 4 + 5 * 1 + 4
    assert third["rest"] == second["rest"]  # superseding is GraphQL: read, close, read
    assert third["graphql"] == second["graphql"] + 3
    assert figures["rest_requests"] == sum(m["rest"] for m in figures["per_merge"])
    assert figures["peak_rest_per_hour"] == figures["rest_requests"]  # all within an hour
    assert figures["fits_github_token_hour"] is True
