"""The merge storm: many merges in a row, each fanning out, against one token's hour.

``GITHUB_TOKEN`` allows 1,000 REST requests per hour per repository, and 1,000 GraphQL
points. A busy monorepo merges PR after PR; each merge of a staging component opens one
promotion PR per prod region (5 on the fleets here), and with
``closeSupersededPromotionPrs`` a merge of a component whose earlier promotion is still
open closes those PRs. This runs ``merges`` such merges one after the other on one fleet
repository (the components taken in turn, so later merges supersede earlier ones), the
Action run after each, and counts every request the emulator saw: REST and GraphQL apart,
GraphQL also in points (GitHub's published formula, ``github_emulator.reads.points``), and
the most of each in any one hour of the storm's own timeline.

    python bench/run.py --storm [--sizes medium] [--merges 50] [--json]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleet import FleetShape, values_yaml
from measure import request_kinds, run_entrypoint  # puts tests/ on sys.path first
from scenarios import ScenarioFailedError, Stage, fleet_emulator, source_cluster, targets_of

from github_emulator.reads import points  # isort: skip
from runner_files import step_env  # isort: skip

HOUR = 3600.0
TOKEN_REST_PER_HOUR = 1_000  # GITHUB_TOKEN, per repository
TOKEN_POINTS_PER_HOUR = 1_000


@dataclass(frozen=True)
class Merge:
    """One merge's run: when it started, its requests and what it opened and closed."""

    started: float
    rest: int
    graphql: int
    points: int
    opened: int
    superseded: int
    kinds: dict[str, int]


def storm(shape: FleetShape, work: Path, merges: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Run the storm on a fresh fleet repository; the figures as one JSON object."""
    done: list[Merge] = []
    stamps: list[tuple[float, bool, int]] = []  # (when, is GraphQL, points)
    with fleet_emulator(work) as (emu, receivers):
        stage = Stage(emu, shape, "storm", receivers)
        source = source_cluster(shape, "staging")
        names = shape.component_names()
        regions = len({t.split("/")[2] for t in targets_of(shape, "staging")})
        for n in range(merges):
            component = names[n % len(names)]
            change = {f"{source}{component}/values.yaml": values_yaml(component, tag=f"v2.{n}.0")}
            event = stage.merged_pr(change, f"storm-{n}")
            env = step_env(
                emu.workdir / f"runner-{n}",
                "pull_request",
                event,
                stage.full_name,
                (emu.base_url, emu.root_url),
                inputs={},
            )
            emu.server.log.clear()
            started = time.time()
            run = run_entrypoint(env)
            opened = json.loads(run.outputs.get("promotion-prs", "[]"))
            if run.code or len(opened) != regions:
                raise ScenarioFailedError(f"merge {n}: exit {run.code}\n{run.stdout}\n{run.stderr}")
            done.append(_merge(emu.requests, started, len(opened), run.stdout, stamps))
            if n % 10 == 9:
                log(f"  {n + 1} merges: {sum(m.rest for m in done)} REST requests so far")
    return _figures(shape, done, stamps)


def _merge(
    log: Sequence[Any],
    started: float,
    opened: int,
    stdout: str,
    stamps: list[tuple[float, bool, int]],
) -> Merge:
    rest = graphql = cost = 0
    for entry in log:
        body = entry.request_body if isinstance(entry.request_body, dict) else {}
        if entry.path.endswith("/graphql"):
            spent = points(str(body.get("query") or ""), body.get("variables") or {})
            graphql, cost = graphql + 1, cost + spent
            stamps.append((entry.time, True, spent))
        else:
            rest += 1
            stamps.append((entry.time, False, 1))
    superseded = stdout.count("superseded by")
    return Merge(started, rest, graphql, cost, opened, superseded, request_kinds(log))


def _peak(stamps: list[tuple[float, bool, int]], graphql: bool) -> int:
    """The most requests (REST) or points (GraphQL) in any one hour of the storm."""
    times = sorted((when, spent) for when, is_graphql, spent in stamps if is_graphql == graphql)
    best = window = start = 0
    for when, spent in times:
        window += spent
        while times[start][0] < when - HOUR:
            window -= times[start][1]
            start += 1
        best = max(best, window)
    return best


def _figures(
    shape: FleetShape, done: list[Merge], stamps: list[tuple[float, bool, int]]
) -> dict[str, Any]:
    rest, graphql = sum(m.rest for m in done), sum(m.graphql for m in done)
    cost = sum(m.points for m in done)
    wall = (max(s[0] for s in stamps) - min(s[0] for s in stamps)) if stamps else 0.0
    peak_rest, peak_points = _peak(stamps, graphql=False), _peak(stamps, graphql=True)
    return {
        "kind": "merge_storm",
        "size": shape.name,
        "merges": len(done),
        "promotion_prs": sum(m.opened for m in done),
        "rest_requests": rest,
        "graphql_requests": graphql,
        "graphql_points": cost,
        "requests_per_merge": (rest + graphql) / len(done) if done else 0,
        "storm_seconds": round(wall, 1),
        "peak_rest_per_hour": peak_rest,
        "peak_points_per_hour": peak_points,
        "fits_github_token_hour": peak_rest <= TOKEN_REST_PER_HOUR
        and peak_points <= TOKEN_POINTS_PER_HOUR,
        "per_merge": [
            {
                "rest": m.rest,
                "graphql": m.graphql,
                "points": m.points,
                "opened": m.opened,
                "closed": m.superseded,
                "kinds": m.kinds,
            }
            for m in done
        ],
    }


def table(figures: dict[str, Any]) -> str:
    """The storm as the text report prints it."""
    fits = "fits" if figures["fits_github_token_hour"] else "does NOT fit"
    return (
        f"\n## Merge storm: {figures['merges']} merges on the {figures['size']} fleet, "
        f"{figures['promotion_prs']} promotion PRs opened\n\n"
        "| REST requests | GraphQL requests | GraphQL points | per merge | "
        "peak REST / h | peak points / h | storm s |\n|---|---|---|---|---|---|---|\n"
        f"| {figures['rest_requests']} | {figures['graphql_requests']} | "
        f"{figures['graphql_points']} | {figures['requests_per_merge']:.1f} | "
        f"{figures['peak_rest_per_hour']} | {figures['peak_points_per_hour']} | "
        f"{figures['storm_seconds']} |\n\n"
        f"One GITHUB_TOKEN hour (1,000 REST requests, 1,000 GraphQL points): {fits}.\n"
    )
