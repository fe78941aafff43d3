"""The events the benchmark runs through the emulator, each on a freshly generated fleet.

A scenario prepares its event the way GitHub would produce it (a PR opened and merged
through the API, a push through the Git Data API, a dispatch payload) with no latency,
then the Action's entrypoint runs against the emulator with a fixed injected latency and
only that run is measured. Every scenario checks its outcome (exit code, PRs opened,
drift found, deliveries received), so a figure is never taken from a failed run.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import fleet
from fleet import FleetShape, generate, hand_edits, tag_bump, values_yaml
from github import Auth, Github, InputGitTreeElement
from github.Repository import Repository as GhRepository
from measure import ROOT, StepRun, request_kinds, run_entrypoint, service_seconds

sys.path.insert(0, str(ROOT / "tests"))
from github_emulator import GitHubEmulator
from runner_files import step_env

from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.core.promotion.sync import folder_changes

OWNER = "acme"
WEBHOOK_PATH = "/${1}/${2}/${3}/api/webhook"
DRIFTED_CLUSTERS = fleet.DRIFTED_CLUSTERS  # staging clusters given hand edits

Pair = tuple[str, str]


class _Backlogged(ThreadingHTTPServer):
    """socketserver's default listen backlog is 5: fifty concurrent connects would overflow
    it and the dropped SYNs come back a second later, timing the receiver, not the bot."""

    request_queue_size = 128


class Receivers:
    """One real HTTP server on 127.0.0.1 standing in for every cluster's Argo CD webhook."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        lock = threading.Lock()
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self.server = _Backlogged(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def webhook(self) -> str:
        """The ``replacements`` template the fleet's config routes cluster folders to."""
        return f"http://127.0.0.1:{self.server.server_address[1]}{WEBHOOK_PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Stage:
    """What a scenario works with: the emulator, its fleet repository and the receivers."""

    emu: GitHubEmulator
    shape: FleetShape
    name: str
    receivers: Receivers
    gh: GhRepository = field(init=False)

    def __post_init__(self) -> None:
        path = self.emu.workdir / "repos" / f"{self.name}.git"
        generate(self.shape, path, self.receivers.webhook)
        self.emu.add_repo(self.full_name, path)
        client = Github(
            auth=Auth.Token("author-token"),
            base_url=self.emu.base_url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self.gh = client.get_repo(self.full_name)

    @property
    def full_name(self) -> str:
        return f"{OWNER}/{self.name}"

    def merged_pr(self, files: dict[str, str], branch: str) -> Path:
        """Open and merge a PR changing ``files``; its ``closed`` delivery as an event file."""
        pull = self.open_pr(files, branch)
        pull.merge()
        return self.event_file("pull_request", "closed", pull.number)

    def opened_pr(self, files: dict[str, str], branch: str) -> Path:
        pull = self.open_pr(files, branch)
        return self.event_file("pull_request", "opened", pull.number)

    def open_pr(self, files: dict[str, str], branch: str) -> Any:
        self.gh.create_git_ref(f"refs/heads/{branch}", self.gh.get_branch("main").commit.sha)
        self.emu.commit_files(self.full_name, dict(files), branch=branch)
        return self.gh.create_pull(title=f"change on {branch}", body="", head=branch, base="main")

    def pushed(self, files: dict[str, str]) -> Path:
        """One commit on main through the Git Data API; its ``push`` delivery."""
        main = self.gh.get_git_ref("heads/main")
        parent = self.gh.get_git_commit(main.object.sha)
        items = [InputGitTreeElement(p, "100644", "blob", content=c) for p, c in files.items()]
        commit = self.gh.create_git_commit(
            "hand edit", self.gh.create_git_tree(items, parent.tree), [parent]
        )
        main.edit(commit.sha)
        return self.emu.events_named("push")[-1].write(self.emu.workdir / f"{self.name}.json")

    def event_file(self, name: str, action: str, number: int) -> Path:
        event = next(
            e
            for e in reversed(self.emu.events_named(name, action))
            if e.payload["pull_request"]["number"] == number
        )
        return event.write(self.emu.workdir / f"{self.name}-{action}.json")

    def differing_files(self, pairs: list[Pair]) -> int:
        """Files that differ between each pair's folders on main (what a sync writes)."""
        snapshot = LocalGitRepo(self.emu.get_repo(self.full_name).git.path).read_snapshot("main")
        return sum(len(folder_changes(snapshot, target, source)) for target, source in pairs)


@dataclass(frozen=True)
class Prepared:
    """A scenario's event, ready to run, and what its run must show."""

    event_name: str
    event_path: Path
    pairs: list[Pair]
    differing_files: int
    check: Callable[[StepRun], str | None]  # None when the outcome is right, else why not
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    prepare: Callable[[Stage], Prepared]


def source_cluster(shape: FleetShape, env: str) -> str:
    return shape.cluster_paths(env)[0]


def targets_of(shape: FleetShape, env: str) -> list[str]:
    """Where the fleet's config promotes a component of ``env`` (lab → staging → prod)."""
    return shape.cluster_paths({"lab": "staging", "staging": "prod"}[env])


def promotion(env: str, components: int) -> Callable[[Stage], Prepared]:
    """A merged PR bumping ``components`` components of the first ``env`` cluster."""

    def prepare(stage: Stage) -> Prepared:
        shape = stage.shape
        source = source_cluster(shape, env)
        names = shape.component_names()[:components]
        event = stage.merged_pr(tag_bump(source, names), f"bump-{env}-{components}")
        pairs = [(f"{t}{c}", f"{source}{c}") for c in names for t in targets_of(shape, env)]
        expected_prs = 1 if env == "lab" else len({t.split("/")[2] for t in targets_of(shape, env)})

        def check(run: StepRun) -> str | None:
            opened = json.loads(run.outputs.get("promotion-prs", "[]"))
            planned = json.loads(run.outputs.get("plan", "{}")).get("promotions", [])
            synced = sum(len(p["sync"]) for p in planned)
            if len(opened) != expected_prs or synced != len(pairs):
                wanted = f"{expected_prs} PRs and {len(pairs)} pairs"
                return f"expected {wanted}, got {len(opened)} PRs and {synced} pairs"
            return None

        return Prepared("pull_request", event, pairs, stage.differing_files(pairs), check)

    return prepare


def drift_pr(stage: Stage) -> Prepared:
    """Hand edits in a few staging clusters, then a PR opened on the lab source."""
    shape = stage.shape
    component = shape.component_names()[0]
    edits = hand_edits(shape, component, targets_of(shape, "lab")[:DRIFTED_CLUSTERS])
    stage.emu.commit_files(stage.full_name, edits, message="hand edits in staging")
    source = source_cluster(shape, "lab")
    event = stage.opened_pr(tag_bump(source, [component]), "drift")
    pairs = [(f"{t}{component}", f"{source}{component}") for t in targets_of(shape, "lab")]

    def check(run: StepRun) -> str | None:
        found = run.outputs.get("drift-detected")
        return None if found == "true" else f"drift-detected is {found!r}, expected 'true'"

    return Prepared("pull_request", event, pairs, stage.differing_files(pairs), check)


def push_fanout(stage: Stage) -> Prepared:
    """A push editing one component in every prod cluster: one delivery per cluster."""
    shape = stage.shape
    component = shape.component_names()[0]
    clusters = shape.cluster_paths("prod")
    files = {f"{c}{component}/values.yaml": values_yaml(component, replicas=3) for c in clusters}
    event = stage.pushed(files)
    before = len(stage.receivers.paths)

    def check(_run: StepRun) -> str | None:
        received = len(stage.receivers.paths) - before
        return (
            None
            if received == len(clusters)
            else f"{received} deliveries, expected {len(clusters)}"
        )

    return Prepared("push", event, [], 0, check)


def version_bump(stage: Stage) -> Prepared:
    """A ``workflow_dispatch`` from a code repo's pipeline: ``.image.tag`` of one values file."""
    shape = stage.shape
    component = shape.component_names()[0]
    target = f"{shape.cluster_paths('prod')[0]}{component}/values.yaml"
    payload = {
        "inputs": {},
        "ref": "refs/heads/main",
        "repository": {"full_name": stage.full_name, "default_branch": "main"},
        "sender": {"login": "ci-bot"},
        "workflow": ".github/workflows/bump.yml",
    }
    event = stage.emu.workdir / f"{stage.name}-dispatch.json"
    event.write_text(json.dumps(payload))
    inputs = {
        "bump_type": "yaml",
        "bump_target_file": target,
        "bump_address": ".image.tag",
        "bump_value": "v2.0.0",
        "bump_triggering_repo": f"{OWNER}/{component}",
        "bump_triggering_sha": "0123456789abcdef0123456789abcdef01234567",
        "bump_triggering_actor": "ci-bot",
    }

    def check(run: StepRun) -> str | None:
        status = run.outputs.get("bump-status")
        return None if status == "opened" else f"bump-status is {status!r}, expected 'opened'"

    return Prepared("workflow_dispatch", event, [], 1, check, inputs)


def fleet_report(stage: Stage) -> Prepared:
    """A scheduled report with the dashboard, after hand edits in a few staging clusters."""
    shape = stage.shape
    component = shape.component_names()[0]
    edits = hand_edits(shape, component, targets_of(shape, "lab")[:DRIFTED_CLUSTERS])
    stage.emu.commit_files(stage.full_name, edits, message="hand edits in staging")
    event = stage.emu.workdir / f"{stage.name}-schedule.json"
    repository = {"full_name": stage.full_name, "default_branch": "main"}
    event.write_text(json.dumps({"schedule": "17 6 * * 1-5", "repository": repository}))
    components = len(shape.component_names())
    targets = len(shape.cluster_paths("staging")) + len(shape.cluster_paths("prod"))

    def check(run: StepRun) -> str | None:
        report = json.loads(run.outputs.get("report", "{}"))
        cells = sum(sum(flow["counts"].values()) for flow in report.get("flows", []))
        differs = sum(flow["counts"]["differs"] for flow in report.get("flows", []))
        if cells != components * targets or differs != DRIFTED_CLUSTERS:
            wanted = f"{components * targets} cells, {DRIFTED_CLUSTERS} differing"
            return f"expected {wanted}, got {cells} cells, {differs} differing"
        if not run.outputs.get("dashboard-issue"):
            return "no dashboard issue"
        return None

    return Prepared("schedule", event, [], 0, check, {"dashboard": "true"})


SCENARIOS = (
    Scenario(
        "promote 1 comp → 10",
        "merged PR, 1 component, lab → 10 staging clusters (1 PR)",
        promotion("lab", 1),
    ),
    Scenario(
        "promote 10 comp → 10",
        "merged PR, 10 components, lab → 10 staging clusters (1 PR)",
        promotion("lab", 10),
    ),
    Scenario(
        "promote 1 comp → 50",
        "merged PR, 1 component, staging → 50 prod clusters (5 PRs)",
        promotion("staging", 1),
    ),
    Scenario(
        "promote 10 comp → 50",
        "merged PR, 10 components, staging → 50 prod clusters (5 PRs)",
        promotion("staging", 10),
    ),
    Scenario(
        "drift PR",
        f"PR opened on lab; {DRIFTED_CLUSTERS} of 10 staging targets hand-edited (2 files each)",
        drift_pr,
    ),
    Scenario(
        "push fan-out 50", "push editing 50 prod clusters → 50 webhook endpoints", push_fanout
    ),
    Scenario(
        "version bump", "workflow_dispatch bump-yaml of .image.tag in one values file", version_bump
    ),
    Scenario(
        "fleet report",
        f"schedule: every component × target of both flows, dashboard issue; "
        f"{DRIFTED_CLUSTERS} staging targets hand-edited",
        fleet_report,
    ),
)


@dataclass(frozen=True)
class Result:
    """One scenario's figures, as ``--json`` prints them."""

    size: str
    scenario: str
    description: str
    latency_ms: float
    requests: dict[str, int]
    wall_s: float
    cpu_s: float
    emulator_s: float
    peak_rss_mib: float
    shape: dict[str, Any]

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "scenario": self.scenario,
            "description": self.description,
            "latency_ms": self.latency_ms,
            "requests": {"total": self.total_requests, "by_kind": self.requests},
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "emulator_s": round(self.emulator_s, 3),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "shape": self.shape,
        }


class ScenarioFailedError(RuntimeError):
    """A measured run did not do what the scenario expects: its figures mean nothing."""


@contextmanager
def fleet_emulator(workdir: Path) -> Iterator[tuple[GitHubEmulator, Receivers]]:
    """A running emulator and webhook receivers, for one size's scenarios."""
    receivers = Receivers()
    try:
        with GitHubEmulator(workdir) as emu:
            yield emu, receivers
    finally:
        receivers.close()


def run_scenario(
    emu: GitHubEmulator, receivers: Receivers, shape: FleetShape, index: int, latency: float
) -> Result:
    """Prepare scenario ``index`` on a new fleet repository, then measure the Action on it."""
    scenario = SCENARIOS[index]
    stage = Stage(emu, shape, f"fleet-{index}", receivers)
    prepared = scenario.prepare(stage)
    env = step_env(
        emu.workdir / f"runner-{index}",
        prepared.event_name,
        prepared.event_path,
        stage.full_name,
        (emu.base_url, emu.root_url),
        inputs=prepared.inputs,
    )
    emu.server.log.clear()
    emu.set_latency(latency)
    try:
        run = run_entrypoint(env)
    finally:
        emu.set_latency(0)
    problem = f"exit code {run.code}" if run.code else prepared.check(run)
    if problem:
        raise ScenarioFailedError(
            f"{shape.name} / {scenario.name}: {problem}\n{run.stdout}\n{run.stderr}"
        )
    return Result(
        size=shape.name,
        scenario=scenario.name,
        description=scenario.description,
        latency_ms=latency * 1000,
        requests=request_kinds(emu.requests),
        wall_s=run.wall_s,
        cpu_s=run.cpu_s,
        emulator_s=service_seconds(emu.requests, latency),
        peak_rss_mib=run.peak_rss_bytes / 2**20,
        shape={
            "tree_entries": shape.tree_entries,
            "files_per_component": shape.files_per_component,
            "folders_per_component": len(shape.component_folders()),
            "sync_pairs": len(prepared.pairs),
            "differing_files": prepared.differing_files,
        },
    )
