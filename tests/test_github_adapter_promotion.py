"""The promotion use case carried out through the GitHub adapter: requests per group."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import responses
from fakes import blob
from test_github_adapter import BASE, REPO, add_tree

from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.promotion.planning import Plan, Promotion
from telefonistka.core.promotion.snapshot import Mode
from telefonistka.core.promotion.sync import branch_name
from telefonistka.core.text.rendering import Renderer
from telefonistka.usecases.promotion import PromotionRun, Status, Trigger

TRIGGER = Trigger(pr_number=12, pr_author="alice", pr_branch="feature/x")
TREE, COMMIT = "1" * 40, "2" * 40
APP = Promotion(
    source_pattern="env/staging/",
    source_paths=("env/staging/",),
    target_paths=("env/prod/",),
    target_description="env/prod/",
    components=("app",),
    auto_merge=False,
    sync=(("env/prod/app", "env/staging/app"),),
)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_a_new_promotion_group_costs_four_requests_after_the_snapshot(
    rsps: responses.RequestsMock,
) -> None:
    add_tree(
        rsps,
        BASE,
        {
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/staging/app/run.sh": (Mode.EXECUTABLE, "#!/bin/sh\n"),
            "env/prod/app/values.yaml": "tag: v1\n",
            "env/prod/app/old.yaml": "gone: true\n",
        },
    )
    branch = branch_name(12, "feature/x", APP.target_paths)
    rsps.post(f"{REPO}/git/trees", status=201, json={"sha": TREE})
    rsps.get(f"{REPO}/git/ref/heads/{branch}", status=404, json={"message": "Not Found"})
    commit = {"sha": COMMIT, "tree": {"sha": TREE}, "parents": [{"sha": BASE}], "message": "m"}
    rsps.post(f"{REPO}/git/commits", status=201, json=commit)
    rsps.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/heads/{branch}"})
    repo = GitHubRepo("t", "octo/gitops", sleep=lambda _: None)

    run = PromotionRun(repo, repo.read_snapshot(BASE), TRIGGER, Renderer())
    [outcome] = run.carry_out(Plan((APP,)))

    assert (outcome.status, outcome.commit, outcome.branch) == (Status.CREATED, COMMIT, branch)
    assert json.loads(rsps.calls[1].request.body)["tree"] == [
        {"path": "env/prod/app/old.yaml", "mode": "100644", "type": "blob", "sha": None},
        {
            "path": "env/prod/app/run.sh",
            "mode": "100755",
            "type": "blob",
            "sha": blob("#!/bin/sh\n"),
        },
        {
            "path": "env/prod/app/values.yaml",
            "mode": "100644",
            "type": "blob",
            "sha": blob("tag: v2\n"),
        },
    ]
    assert json.loads(rsps.calls[4].request.body) == {"ref": f"refs/heads/{branch}", "sha": COMMIT}
    assert repo.counter.by_kind == {"tree": 2, "ref": 2, "commit": 1}


def test_a_rerun_with_the_same_content_writes_nothing_new(rsps: responses.RequestsMock) -> None:
    branch = branch_name(12, "feature/x", APP.target_paths)
    files = {"env/staging/app/v": "2", "env/prod/app/v": "1"}
    add_tree(rsps, BASE, files)
    rsps.post(f"{REPO}/git/trees", status=201, json={"sha": TREE})
    rsps.get(f"{REPO}/git/ref/heads/{branch}", status=404, json={"message": "Not Found"})
    commit = {"sha": COMMIT, "tree": {"sha": TREE}, "parents": [{"sha": BASE}], "message": ""}
    rsps.post(f"{REPO}/git/commits", status=201, json=commit)
    rsps.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/heads/{branch}"})
    first = GitHubRepo("t", "octo/gitops", sleep=lambda _: None)
    PromotionRun(first, first.read_snapshot(BASE), TRIGGER, Renderer()).carry_out(Plan((APP,)))
    message = json.loads(rsps.calls[3].request.body)["message"]

    rsps.reset()  # the re-run: the branch now exists at the commit the first run wrote
    add_tree(rsps, BASE, files)
    rsps.post(f"{REPO}/git/trees", status=201, json={"sha": TREE})
    rsps.get(f"{REPO}/git/ref/heads/{branch}", json={"object": {"sha": COMMIT}})
    rsps.get(f"{REPO}/git/commits/{COMMIT}", json=commit | {"message": message})
    again = GitHubRepo("t", "octo/gitops", sleep=lambda _: None)
    run = PromotionRun(again, again.read_snapshot(BASE), TRIGGER, Renderer())

    [outcome] = run.carry_out(Plan((APP,)))

    assert outcome.status is Status.UNCHANGED
    assert again.counter.by_kind == {"tree": 2, "ref": 1, "commit": 1}
