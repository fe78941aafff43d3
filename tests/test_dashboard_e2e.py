"""The fleet report and the dashboard issue, end to end: ``entrypoint.py`` as a container
step on ``schedule``, ``workflow_dispatch`` and ``issues`` events against the GitHub
emulator (OpenAPI-checked), with the checkbox round trip and a real Pushgateway."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from pushgateway import running_pushgateway
from runner_files import dispatch_event, read_outputs, step_env
from test_entrypoint import REPO, Step, checked_emulator, run_entrypoint

from telefonistka.action.main import main
from telefonistka.core.fleet.dashboard import LABEL, MARKER, BoxKey, boxes

CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
"""
SEED = {
    "telefonistka.yaml": CONFIG,
    "env/staging/app/values.yaml": "tag: v2\n",
    "env/prod/app/values.yaml": "tag: v1\n",  # differs
    "env/staging/web/values.yaml": "tag: w1\n",  # missing in prod
    "env/staging/db/values.yaml": "tag: d1\n",
    "env/prod/db/values.yaml": "tag: d1\n",  # in sync
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """``alice-token`` has write access, ``mallory-token`` only read; others are the bot."""
    tokens = {"alice-token": "alice", "mallory-token": "mallory"}
    for emulator in checked_emulator(tmp_path / "github", tokens=tokens):
        emulator.repo(REPO, SEED)
        emulator.get_repo(REPO).collaborators.update(alice="write", mallory="read")
        yield emulator


def run_here(emu: GitHubEmulator, event: Path, name: str, inputs: dict[str, str]) -> Step:
    """The Action in this process (``action.main`` with a step's environment), so coverage
    sees it; ``run_entrypoint`` runs the same as the container's subprocess."""
    work = emu.workdir / "runner-here"
    work.mkdir(parents=True, exist_ok=True)
    (work / "output").write_text("")
    (work / "summary").write_text("")
    env = step_env(work, name, event, REPO, (emu.base_url, emu.root_url), inputs=inputs)
    stream = io.StringIO()
    code = main(env, stream)
    outputs = read_outputs(work / "output")
    return Step(code, stream.getvalue(), "", outputs, (work / "summary").read_text())


def schedule(emu: GitHubEmulator, *, subprocess: bool = False, **inputs: str) -> Step:
    event = emu.workdir / "schedule.json"
    repository = {"full_name": REPO, "default_branch": "main"}
    event.write_text(json.dumps({"schedule": "0 6 * * *", "repository": repository}))
    if subprocess:
        return run_entrypoint(emu, event, "schedule", inputs)
    return run_here(emu, event, "schedule", inputs)


def tick(emu: GitHubEmulator, token: str, number: int, component: str) -> Path:
    """Tick a component's box as the owner of ``token``; the ``issues`` edited event."""
    issue = pygithub_client(emu, token).get_repo(REPO).get_issue(number)
    body = issue.body.replace(f"- [ ] `{component}`", f"- [x] `{component}`")
    assert body != issue.body
    issue.edit(body=body)
    event = emu.events_named("issues", "edited")[-1]
    return event.write(emu.workdir / f"issues-{len(emu.events)}.json")


def dashboards(emu: GitHubEmulator) -> list[int]:
    return [n for n, i in emu.get_repo(REPO).issues.items() if MARKER in (i.body or "")]


def test_a_scheduled_report_writes_the_matrix_the_output_and_the_dashboard(
    emu: GitHubEmulator,
) -> None:
    step = schedule(emu, subprocess=True, dashboard="true")  # as the container runs it

    assert step.code == 0, step.stdout + step.stderr
    report = json.loads(step.outputs["report"])
    assert report["flows"][0]["components"] == {
        "app": {"env/prod/": {"state": "differs"}},
        "db": {"env/prod/": {"state": "in-sync"}},
        "web": {"env/prod/": {"state": "missing"}},
    }
    assert "| `app` | 🟠 |" in step.summary
    [number] = dashboards(emu)
    assert step.outputs["dashboard-issue"] == str(number)
    issue = emu.get_repo(REPO).issues[number]
    assert (issue.user, issue.labels) == ("telefonistka-bot", [LABEL])
    assert boxes(issue.body or "") == {BoxKey(0, "app"): False, BoxKey(0, "web"): False}
    # the tree once, the config, the open PRs, then the dashboard: listed, created
    routes = [(e.method, e.route) for e in emu.requests]
    assert routes.count(("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}")) == 1
    assert ("POST", "/repos/{owner}/{repo}/issues") in routes

    again = schedule(emu, dashboard="true")

    assert again.code == 0, again.stdout + again.stderr
    assert dashboards(emu) == [number]  # edited in place, never a second one
    assert f"dashboard issue #{number}: unchanged" in again.stdout


def test_ticking_a_box_opens_that_promotion_pr_and_the_box_becomes_its_link(
    emu: GitHubEmulator,
) -> None:
    schedule(emu, dashboard="true")
    [number] = dashboards(emu)
    event = tick(emu, "alice-token", number, "web")
    emu.reset()

    step = run_here(emu, event, "issues", {})

    assert step.code == 0, step.stdout + step.stderr
    state = emu.get_repo(REPO)
    [pr] = [p for p in state.pulls.values() if p.head_ref.startswith("promotions/")]
    assert pr.title == "🚀 Promotion: web ➡️  env/prod/"
    git = state.git
    staging = git.run("rev-parse", "main:env/staging/web").decode().strip()
    assert git.run("rev-parse", f"{pr.head_ref}:env/prod/web").decode().strip() == staging
    assert (pr.assignees, "promotion" in pr.labels) == (["alice"], True)
    body = state.issues[number].body or ""
    assert f"`web`: ⚪ 1 missing → #{pr.number}" in body
    assert boxes(body) == {BoxKey(0, "app"): False}
    assert json.loads(step.outputs["dashboard-promotions"]) == {"1:web": f"#{pr.number}"}

    # the next report shows the open PR on the cell and no box for web
    report = schedule(emu, dashboard="true")
    cells = json.loads(report.outputs["report"])["flows"][0]["components"]
    web = cells["web"]["env/prod/"]
    assert (web["state"], web["pr"], web["prStatus"]) == ("missing", pr.number, None)
    assert web["prAgeHours"] >= 0
    assert f"→ promotion PR #{pr.number}" in (state.issues[number].body or "")


def test_a_tick_by_someone_without_write_access_opens_nothing(emu: GitHubEmulator) -> None:
    schedule(emu, dashboard="true")
    [number] = dashboards(emu)
    # mallory cannot edit the bot's issue on GitHub; the event is forged as if she had
    event = tick(emu, "alice-token", number, "web")
    payload = json.loads(event.read_text())
    payload["sender"]["login"] = "mallory"
    event.write_text(json.dumps(payload))

    step = run_here(emu, event, "issues", {})

    assert step.code == 0, step.stdout + step.stderr
    assert "mallory has read permission" in step.stdout
    assert not emu.get_repo(REPO).pulls


def test_a_copied_marker_in_someone_elses_issue_is_not_a_dashboard(emu: GitHubEmulator) -> None:
    schedule(emu, dashboard="true")
    [number] = dashboards(emu)
    copied = emu.get_repo(REPO).issues[number].body or ""
    alice = pygithub_client(emu, "alice-token").get_repo(REPO)
    fake = alice.create_issue("mine", body=copied)
    fake.edit(body=copied.replace("- [ ] `web`", "- [x] `web`"))
    event = emu.events_named("issues", "edited")[-1].write(emu.workdir / "fake.json")

    step = run_here(emu, event, "issues", {})

    assert step.code == 0, step.stdout + step.stderr
    assert f"issue #{fake.number} is not telefonistka's dashboard" in step.stdout
    assert not emu.get_repo(REPO).pulls


def test_a_dispatched_report_pushes_the_gauges(emu: GitHubEmulator, tmp_path: Path) -> None:
    event = dispatch_event(emu.workdir, REPO, "report.yml", {"report": "true"})
    with running_pushgateway(tmp_path) as gateway:
        inputs = {"report": "true", "metrics_pushgateway_url": gateway.url}
        step = run_here(emu, event, "workflow_dispatch", inputs)
        series = gateway.series()

    assert step.code == 0, step.stdout + step.stderr
    group = {"job": "telefonistka", "repository": REPO, "route": "fleet-report"}

    def value(name: str, **labels: str) -> float:
        return series[(name, tuple(sorted({**group, **labels, "repo_slug": REPO}.items())))]

    assert value("telefonistka_github_open_prs") == 0
    assert value("telefonistka_github_open_promotion_prs") == 0
    assert value("telefonistka_report_targets", flow="env/staging/", state="missing") == 1
    assert value("telefonistka_report_targets", flow="env/staging/", state="differs") == 1


def test_a_broken_configuration_is_shown_on_the_dashboard_and_fails_the_step(
    emu: GitHubEmulator,
) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": "promotionPaths: [{sourcePath: 3}]\n"})

    step = schedule(emu, dashboard="true")

    assert step.code == 1
    [number] = dashboards(emu)
    assert "Configuration errors" in (emu.get_repo(REPO).issues[number].body or "")
    assert (
        "::error title=telefonistka%3A configuration error::telefonistka.yaml:1:31" in step.stdout
    )


def generated_fleet(components: int, clusters: int) -> dict[str, str]:
    """``components`` components in one lab folder, each one version ahead of its copy in
    ``clusters`` staging clusters: every staging target differs."""
    names = [f"component-with-a-rather-long-name-{i:04d}" for i in range(components)]
    targets = [f"clusters/staging/c{c}/" for c in range(clusters)]
    config = "promotionPaths:\n  - sourcePath: clusters/lab/\n    promotionPrs:\n"
    config += "      - targetPaths: [" + ", ".join(f'"{t}"' for t in targets) + "]\n"
    files = {"telefonistka.yaml": config}
    files |= {f"clusters/lab/{n}/values.yaml": "tag: v2\n" for n in names}
    files |= {f"{t}{n}/values.yaml": "tag: v1\n" for t in targets for n in names}
    return files


def test_a_generated_fleet_too_large_for_one_issue_keeps_the_dashboard_under_the_limit(
    tmp_path: Path,
) -> None:
    tokens = {"alice-token": "alice"}
    for emu in checked_emulator(tmp_path / "github", tokens=tokens):
        emu.repo(REPO, generated_fleet(components=900, clusters=10))
        emu.get_repo(REPO).collaborators["alice"] = "write"

        step = schedule(emu, dashboard="true")

        assert step.code == 0, step.stdout + step.stderr
        [number] = dashboards(emu)
        body = emu.get_repo(REPO).issues[number].body or ""
        assert len(body) <= 60_000  # GitHub (and the emulator) refuse 65,536 and more
        assert "more component line(s) did not fit here" in body
        assert len(boxes(body)) > 400  # about 140 characters a line
        assert "900 component(s) × 10 target(s): 🟠 9000 differs" in step.summary

        first = "component-with-a-rather-long-name-0000"
        step = run_here(emu, tick(emu, "alice-token", number, first), "issues", {})

        assert step.code == 0, step.stdout + step.stderr
        [pr] = emu.get_repo(REPO).pulls.values()
        assert pr.title.startswith("🚀 Promotion: 1 component ➡️")
        git = emu.get_repo(REPO).git
        lab = git.run("rev-parse", f"main:clusters/lab/{first}").decode()
        assert git.run("rev-parse", f"{pr.head_ref}:clusters/staging/c9/{first}").decode() == lab
        assert f"→ #{pr.number}" in (emu.get_repo(REPO).issues[number].body or "")
