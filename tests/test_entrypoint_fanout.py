"""``entrypoint.py`` on ``push`` events: fan-out to real receivers on 127.0.0.1.

Each test seeds a repository in the GitHub emulator whose ``telefonistka.yaml`` routes
``env/<name>/`` to live receivers, pushes a commit through the Git Data API (so the
emulator records the ``push`` delivery exactly as GitHub would send it), and runs the
entrypoint on that delivery in a subprocess. Receivers check the body bytes and verify
``X-Hub-Signature-256`` the way GitHub receivers do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fanout_helpers import SECRET, Receiver, closed_port_url, receivers, signature_ok
from github import InputGitTreeElement
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import REPO, Step, checked_emulator, run_step


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from checked_emulator(tmp_path / "github")


def config(routes: dict[str, str]) -> str:
    """``webhookEndpointRegexs`` sending ``env/<folder>/`` to ``routes[folder]``."""
    rules = "".join(
        f'  - expression: "^env/{folder}/"\n    replacements: ["{url}"]\n'
        for folder, url in routes.items()
    )
    return f"webhookEndpointRegexs:\n{rules}"


def seeded(emu: GitHubEmulator, routes: dict[str, str]) -> GhRepository:
    files = {"telefonistka.yaml": config(routes), "env/prod/app.yaml": "v1\n"}
    emu.repo(REPO, files | {"env/staging/app.yaml": "v1\n", "docs/a.md": "a\n"})
    client = pygithub_client(emu, "author-token")
    return client.get_repo(REPO)


def push(emu: GitHubEmulator, gh: GhRepository, files: dict[str, str], branch: str) -> Path:
    """Commit ``files`` on ``branch`` through the API; return the recorded push delivery."""
    main = gh.get_git_ref("heads/main").object.sha
    if branch != "main":
        gh.create_git_ref(f"refs/heads/{branch}", main)
    parent = gh.get_git_commit(main)
    items = [InputGitTreeElement(p, "100644", "blob", content=c) for p, c in files.items()]
    tree = gh.create_git_tree(items, parent.tree)
    commit = gh.create_git_commit("change", tree, [parent])
    gh.get_git_ref(f"heads/{branch}").edit(commit.sha)
    return emu.events_named("push")[-1].write(emu.workdir / "push.json")


def results(step: Step) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(step.outputs["fanout-results"])
    return loaded


def test_a_push_to_main_reaches_the_routed_receivers_signed(emu: GitHubEmulator) -> None:
    with receivers(Receiver(), Receiver(), Receiver()) as (prod, staging, unrelated):
        routes = {"prod": prod.url, "staging": staging.url, "dev": unrelated.url}
        gh = seeded(emu, routes)
        event = push(emu, gh, {"env/prod/app.yaml": "v2\n", "env/staging/app.yaml": "v2\n"}, "main")

        step = run_step(emu, event, "push", webhook_secret=SECRET)

    assert step.code == 0, step.stdout + step.stderr
    sent = event.read_bytes()
    for receiver in (prod, staging):
        [request] = receiver.requests
        assert request.body == sent
        assert signature_ok(SECRET, request.body, request.header("X-Hub-Signature-256"))
        assert request.header("X-GitHub-Event") == "push"
    assert unrelated.requests == []
    assert results(step)["failed"] == 0
    delivery = prod.requests[0].header("X-GitHub-Delivery")
    assert results(step)["delivery_id"] == delivery
    assert "2 of 2 endpoints accepted the push" in step.summary
    assert f"::add-mask::{SECRET}" in step.stdout


def test_a_forced_push_routes_on_the_compare_api(emu: GitHubEmulator) -> None:
    with receivers(Receiver(), Receiver()) as (prod, staging):
        gh = seeded(emu, {"prod": prod.url, "staging": staging.url})
        base = gh.get_git_commit(gh.get_git_ref("heads/main").object.sha)
        push(emu, gh, {"env/prod/app.yaml": "v2\n"}, "main")
        items = [InputGitTreeElement("env/staging/app.yaml", "100644", "blob", content="v3\n")]
        rewritten = gh.create_git_commit("rewrite", gh.create_git_tree(items, base.tree), [base])
        emu.reset()
        gh.get_git_ref("heads/main").edit(rewritten.sha, force=True)
        event = emu.events_named("push")[-1].write(emu.workdir / "forced.json")
        assert json.loads(event.read_text())["forced"] is True

        step = run_step(emu, event, "push")

    assert step.code == 0, step.stdout
    assert [r.route for r in emu.requests if r.route and "compare" in r.route] == [
        "/repos/{owner}/{repo}/compare/{basehead}"
    ]
    # A three-dot compare sees the changes since the merge base: the dropped commit's
    # folder is not notified (docs/webhook-fanout.md, "Forced pushes").
    assert (len(prod.requests), len(staging.requests)) == (0, 1)
    assert "changed files (from the compare)" in step.stdout


def test_a_push_to_another_branch_is_ignored(emu: GitHubEmulator) -> None:
    with receivers(Receiver()) as (prod,):
        gh = seeded(emu, {"prod": prod.url})
        event = push(emu, gh, {"env/prod/app.yaml": "v2\n"}, "feature")

        step = run_step(emu, event, "push")

    assert step.code == 0, step.stdout
    assert prod.requests == []
    assert "this `push` event (ref refs/heads/feature) needs no action" in step.stdout
    assert step.outputs == {}


@pytest.mark.parametrize(("fail_on_error", "code"), [("", 0), ("true", 1)])
def test_a_dead_receiver_fails_the_step_only_under_fail_on_error(
    emu: GitHubEmulator, fail_on_error: str, code: int
) -> None:
    dead = closed_port_url()
    with receivers(Receiver()) as (prod,):
        gh = seeded(emu, {"prod": prod.url, "staging": dead})
        event = push(emu, gh, {"env/prod/app.yaml": "v2\n", "env/staging/app.yaml": "v2\n"}, "main")

        step = run_step(
            emu,
            event,
            "push",
            fanout_retries="0",
            fanout_timeout="2",
            fanout_fail_on_error=fail_on_error,
        )

    assert step.code == code, step.stdout
    assert len(prod.requests) == 1
    assert results(step)["failed"] == 1
    assert "1 of 2 endpoints accepted the push; 1 failed" in step.summary
    level = "error" if code else "warning"
    assert f"::{level} title=telefonistka" in step.stdout
    assert "connection failed" in step.stdout


def test_a_bad_fanout_input_is_a_usage_error(emu: GitHubEmulator) -> None:
    with receivers(Receiver()) as (prod,):
        gh = seeded(emu, {"prod": prod.url})
        event = push(emu, gh, {"env/prod/app.yaml": "v2\n"}, "main")

        step = run_step(emu, event, "push", fanout_retries="many")

    assert step.code == 2
    assert "::error title=telefonistka::input fanout-retries" in step.stdout
    assert prod.requests == []
