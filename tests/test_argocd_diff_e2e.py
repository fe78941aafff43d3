"""The Argo CD diff on a PR, end to end: ``entrypoint.py`` with the GitHub emulator and
the Argo CD emulator, manifests rendered from the GitHub emulator's real git repository
(plain YAML, and a Kustomize overlay through the real ``kubectl kustomize``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argocd_emulator import App, ArgoCdEmulator, argocd_session
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_check_drift import comments, latest_event
from test_entrypoint import REPO, checked_emulator, run_step

from telefonistka.core.argocd.apps import SHA_LABEL, component_sha1
from telefonistka.core.argocd.comment import ARGOCD_MARKER

CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
argocd:
  commentDiffonPR: true
"""


def deployment(replicas: int, image: str = "web:1") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        f"spec:\n  replicas: {replicas}\n  template:\n    spec:\n      containers:\n"
        f"        - name: web\n          image: {image}\n"
    )


KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources:
  - ../../base
images:
  - name: api
    newTag: "%s"
"""
BASE = {
    "env/base/kustomization.yaml": "resources:\n  - api.yaml\n",
    "env/base/api.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          image: api\n"
    ),
}
SEED = {
    "telefonistka.yaml": CONFIG,
    "env/staging/web/deployment.yaml": deployment(2),
    "env/prod/web/deployment.yaml": deployment(2),
    "env/staging/api/kustomization.yaml": KUSTOMIZATION % "1.0",
    "env/prod/api/kustomization.yaml": KUSTOMIZATION % "1.0",
    **BASE,
}


def live(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` as the cluster runs it: status, server metadata, a defaulted field."""
    obj = json.loads(json.dumps(manifest))
    obj["metadata"].update(uid="u-1", resourceVersion="7", generation=3)
    obj["spec"]["progressDeadlineSeconds"] = 600
    obj["status"] = {"readyReplicas": obj["spec"].get("replicas", 1)}
    return obj


def api_deployment(tag: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "api", "image": f"api:{tag}"}]}}},
    }


def repo_url(emu: GitHubEmulator) -> str:
    """Where Argo CD reads ``acme/infra``: the run's own git server (the emulator), as a
    real app's ``repoURL`` names github.com for a run on github.com."""
    return f"{emu.root_url}/{REPO}.git"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """``alice-token`` is a maintainer with write access; other tokens are the bot."""
    for emulator in checked_emulator(tmp_path / "github", tokens={"alice-token": "alice"}):
        emulator.repo(REPO, SEED)
        emulator.get_repo(REPO).collaborators["alice"] = "write"
        yield emulator


@pytest.fixture
def argocd(emu: GitHubEmulator) -> Iterator[ArgoCdEmulator]:
    git_dir = Path(emu.get_repo(REPO).git.path)
    url = repo_url(emu)
    for emulator in argocd_session({url: git_dir}):
        web = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "replicas": 2,
                "template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}},
            },
        }
        emulator.add(App("prod-web", url, "env/prod/web", live=[live(web)]))
        emulator.add(
            App(
                "prod-api",
                url,
                "env/prod/api",
                live=[live(api_deployment("1.0"))],
                annotations={"argocd.argoproj.io/manifest-generate-paths": ".;../../base"},
                auto_sync=False,
            )
        )
        emulator.add(App("staging-web", url, "env/staging/web", live=[live(web)]))
        yield emulator


def open_pr(emu: GitHubEmulator, files: dict[str, str | None]) -> Path:
    gh = pygithub_client(emu, "author").get_repo(REPO)
    gh.create_git_ref("refs/heads/promote", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch="promote")
    gh.create_pull(title="promote", body="", head="promote", base="main")
    return latest_event(emu, "pull_request", "opened")


def argocd_inputs(argocd: ArgoCdEmulator) -> dict[str, str]:
    return {"argocd_url": argocd.url, "argocd_token": "argocd-token"}


def test_the_pr_gets_the_diff_of_each_touched_app(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    event = open_pr(
        emu,
        {
            "env/prod/web/deployment.yaml": deployment(3),
            "env/prod/api/kustomization.yaml": KUSTOMIZATION % "1.1",
        },
    )

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "## prod-api" in body
    assert "## prod-web" in body
    assert "staging-web" not in body  # untouched
    assert "-  replicas: 2\n+  replicas: 3" in body
    assert "image: api:1.0" in body  # rendered by kubectl kustomize
    assert "image: api:1.1" in body
    assert "progressDeadlineSeconds" not in body  # a server default, not the PR's
    assert "auto-sync is off" in body
    state = emu.get_repo(REPO)
    head = state.pulls[1].head_sha
    argo_status = [s for s in state.statuses if s.context == "telefonistka/argocd-diff"]
    assert [(s.sha, s.state, s.description) for s in argo_status] == [
        (head, "success", "2 of 2 app(s) change")
    ]
    outputs = json.loads(step.outputs["argocd-diff"])
    assert [(a["app"], [o["change"] for o in a["objects"]]) for a in outputs] == [
        ("prod-api", ["changed"]),
        ("prod-web", ["changed"]),
    ]
    assert "Argo CD diff of #1" in step.summary


def test_a_token_without_permission_is_named_and_the_other_apps_go_on(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    argocd.deny("get", "prod-api")
    event = open_pr(
        emu,
        {
            "env/prod/web/deployment.yaml": deployment(3),
            "env/prod/api/kustomization.yaml": KUSTOMIZATION % "1.1",
        },
    )

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 1
    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "+  replicas: 3" in body
    assert "403" in body
    assert "applications, get" in body
    assert "::error title=telefonistka%3A Argo CD diff failed::" in step.stdout


def test_without_comment_diff_on_pr_nothing_is_asked_of_argocd(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG.replace("true", "false")})
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    assert argocd.log == []
    assert "argocd-diff" not in step.outputs


def test_an_argocd_url_without_a_token_is_an_input_error(emu: GitHubEmulator) -> None:
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, argocd_url="https://argocd.example.com")

    assert step.code == 2
    assert "argocd-url is set but argocd-token is not" in step.stdout


def test_retrigger_runs_the_argocd_diff_again_and_minimizes_the_old_one(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    assert run_step(emu, event, **argocd_inputs(argocd)).code == 0
    pygithub_client(emu, "alice-token").get_repo(REPO).get_pull(1).create_issue_comment(
        "/retrigger"
    )
    comment = latest_event(emu, "issue_comment", "created")

    step = run_step(emu, comment, name="issue_comment", **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    argo = [(body, hidden) for _, body, hidden in comments(emu) if body.startswith(ARGOCD_MARKER)]
    assert [hidden for _, hidden in argo] == ["outdated", None]
    assert "+  replicas: 3" in argo[-1][0]
    assert "argocd-diff" in step.outputs


def test_sha_labels_select_the_apps_on_the_server(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """With useSHALabelForAppDiscovery the one listing asks for the changed components'
    hashes; an app labelled with another component's hash is not read."""
    emu.commit_files(REPO, {"telefonistka.yaml": CONFIG + "  useSHALabelForAppDiscovery: true\n"})
    argocd.apps["prod-web"].labels[SHA_LABEL] = component_sha1("env/prod/web")
    argocd.apps["prod-api"].labels[SHA_LABEL] = component_sha1("env/prod/api")
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [listing] = [e for e in argocd.log if e.path == "/api/v1/applications"]
    assert [a["app"] for a in json.loads(step.outputs["argocd-diff"])] == ["prod-web"]
    assert listing.status == 200
    assert not [e for e in argocd.log if "prod-api" in e.path]


def test_disable_argocd_diff_lists_the_objects_without_content(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """The component's own telefonistka.yaml (here in the promoted target folder) hides
    the content of its app's diff."""
    emu.commit_files(REPO, {"env/prod/web/telefonistka.yaml": "disableArgoCDDiff: true\n"})
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "- changed: `apps/Deployment shop/web`" in body
    assert "replicas" not in body
    assert "disableArgoCDDiff: contents not shown" in body


def merged_event(emu: GitHubEmulator, files: dict[str, str | None]) -> Path:
    gh = pygithub_client(emu, "author").get_repo(REPO)
    gh.create_git_ref("refs/heads/change", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch="change")
    gh.create_pull(title="change", body="", head="change", base="main").merge()
    return latest_event(emu, "pull_request", "closed")


@pytest.mark.parametrize(
    ("live_replicas", "merged"), [(3, True), (2, False)], ids=["no-diff", "diff"]
)
def test_a_promotion_pr_that_changes_no_app_is_merged(
    emu: GitHubEmulator, argocd: ArgoCdEmulator, live_replicas: int, merged: bool
) -> None:
    """autoMergeNoDiffPRs: right after the bot opens the promotion PR, Argo CD renders it;
    when no targeted app would change it is merged, with a comment saying why."""
    config = CONFIG.replace("commentDiffonPR: true", "autoMergeNoDiffPRs: true")
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    argocd.apps["prod-web"].live[0]["spec"]["replicas"] = live_replicas
    event = merged_event(emu, {"env/staging/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    listings = [e for e in argocd.log if e.method == "GET" and e.path == "/api/v1/applications"]
    assert len(listings) == 1  # the verdict and the apps sent back share one listing
    [promotion] = json.loads(step.outputs["promotion-prs"])
    assert promotion["merged"] is merged
    pull = emu.get_repo(REPO).pulls[promotion["number"]]
    notes = [b for _, b, _ in comments(emu) if "autoMergeNoDiffPRs" in b]
    if merged:
        assert pull.merged
        assert notes == [
            "✅ no Argo CD app targeted by this PR would change (`prod-web` checked): "
            "merging it (autoMergeNoDiffPRs)."
        ]
    else:
        assert not pull.merged
        assert notes == []
        assert "prod-web would change" in step.stdout


def appset(url: str) -> dict[str, Any]:
    """The ApplicationSet generating the prod apps of the repository at ``url``."""
    return json.loads(json.dumps(APPSET).replace("REPO-URL", url))


APPSET = {
    "metadata": {"name": "prod-apps", "namespace": "argocd"},
    "spec": {
        "generators": [
            {
                "git": {
                    "repoURL": "REPO-URL",
                    "revision": "HEAD",
                    "directories": [
                        {"path": "env/prod/*"},
                        {"path": "env/prod/base", "exclude": True},
                    ],
                }
            }
        ],
        "template": {
            "metadata": {"name": "prod-{{path.basename}}"},
            "spec": {
                "project": "default",
                "source": {"repoURL": "REPO-URL", "path": "{{path}}", "targetRevision": "HEAD"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
                "syncPolicy": {"automated": {"prune": True}},
            },
        },
    },
}


def test_a_new_component_is_rendered_by_a_temporary_app_then_deleted(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """createTempAppObjectFromNewApps: the ApplicationSet covering the new folder gives
    the app to render; it is created without a sync policy and deleted with cascade=false."""
    config = CONFIG + "  createTempAppObjectFromNewApps: true\n"
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    argocd.appsets.append(appset(repo_url(emu)))
    event = open_pr(emu, {"env/prod/cart/deployment.yaml": deployment(1, image="cart:1")})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "## env/prod/cart (new: a temporary app of ApplicationSet prod-apps)" in body
    assert "added: <code>apps/Deployment shop/web</code>" in body
    assert "+      - image: cart:1" in body
    [(name, cascade)] = argocd.deleted
    assert name.startswith("telefonistka-tmp-1-")
    assert cascade == "false"
    assert name not in argocd.apps
    [created] = [e for e in argocd.log if e.method == "POST"]
    assert created.status == 200


def edit_comment(emu: GitHubEmulator, token: str, comment_id: int, body: str) -> None:
    """``PATCH /issues/comments/{id}`` as ``token`` (PyGithub reads the issue first)."""
    client = pygithub_client(emu, token)
    path = f"/repos/{REPO}/issues/comments/{comment_id}"
    client.requester.requestJsonAndCheck("PATCH", path, input={"body": body})


def test_ticking_the_box_syncs_the_apps_from_the_branch_and_closing_brings_them_back(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """allowSyncfromBranchPathRegex: the box is offered when every path matches; ticked by
    a maintainer, the apps follow the PR's branch; the closed PR sends them back."""
    config = CONFIG + '  allowSyncfromBranchPathRegex: "env/prod/.*"\n'
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    assert run_step(emu, event, **argocd_inputs(argocd)).code == 0
    [comment] = [
        c for c in emu.get_repo(REPO).comments.values() if c.body.startswith(ARGOCD_MARKER)
    ]
    assert comment.body.rstrip().endswith("- [ ] Sync the Argo CD apps of this PR from its branch")

    edit_comment(emu, "alice-token", comment.id, comment.body.replace("- [ ]", "- [x]"))
    ticked = latest_event(emu, "issue_comment", "edited")
    step = run_step(emu, ticked, name="issue_comment", **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    assert argocd.patches == [("prod-web", "promote")], step.stdout
    assert argocd.apps["prod-web"].target_revision == "promote"
    assert argocd.apps["staging-web"].target_revision == "HEAD"  # untouched
    notes = [b for _, b, _ in comments(emu) if b.startswith("🔄")]
    assert notes == ["🔄 `prod-web` now sync from `promote` (asked by @alice)."]

    pygithub_client(emu, "author").get_repo(REPO).get_pull(1).edit(state="closed")
    closed = latest_event(emu, "pull_request", "closed")
    assert run_step(emu, closed, **argocd_inputs(argocd)).code == 0
    assert argocd.apps["prod-web"].target_revision == "main"


def test_a_box_in_a_persons_comment_or_ticked_by_a_reader_changes_nothing(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    config = CONFIG + '  allowSyncfromBranchPathRegex: "env/prod/.*"\n'
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    alice = pygithub_client(emu, "alice-token").get_repo(REPO)
    forged = alice.get_pull(1).create_issue_comment(
        f"{ARGOCD_MARKER}\n- [ ] Sync the Argo CD apps of this PR from its branch\n"
    )
    edit_comment(emu, "alice-token", forged.id, forged.body.replace("- [ ]", "- [x]"))
    event = latest_event(emu, "issue_comment", "edited")

    step = run_step(emu, event, name="issue_comment", **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    assert argocd.patches == []
    assert "not of the bot" in step.summary


def test_a_temporary_app_is_deleted_when_rendering_fails(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    emu.commit_files(
        REPO, {"telefonistka.yaml": CONFIG + "  createTempAppObjectFromNewApps: true\n"}
    )
    argocd.appsets.append(appset(repo_url(emu)))
    event = open_pr(emu, {"env/prod/cart/deployment.yaml": deployment(1, image="cart:1")})
    argocd.add_fault(r"/telefonistka-tmp-.*/manifests$", status=400)

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 1
    [(name, cascade)] = argocd.deleted
    assert (name.startswith("telefonistka-tmp-"), cascade) == (True, "false")
    assert not [app for app in argocd.apps if app.startswith("telefonistka-tmp-")]
    assert "env/prod/cart (new: a temporary app of ApplicationSet prod-apps)" in step.summary


def test_a_merged_pr_sends_the_apps_following_its_branch_back(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    argocd.apps["prod-web"].target_revision = "change"  # synced from the PR's branch
    event = merged_event(emu, {"env/staging/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    assert argocd.apps["prod-web"].target_revision == "main"
    assert argocd.apps["staging-web"].target_revision == "HEAD"
    assert argocd.patches == [("prod-web", "main")]


def test_apps_of_another_repository_with_the_same_path_are_never_touched(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """One Argo CD serves ``acme/infra`` and ``acme/payments``, both with ``env/prod/web``:
    a PR in ``acme/infra`` diffs, syncs and sends back only its own app; leftovers of a
    killed run (``telefonistka-tmp-*``) never count as apps either."""
    git_dir = Path(emu.get_repo(REPO).git.path)
    for other in (
        f"{emu.root_url}/acme/payments.git",
        "git@github.com:acme/infra.git",  # the same name on another server
    ):
        argocd.repos[other] = git_dir
    argocd.add(App("payments-web", f"{emu.root_url}/acme/payments.git", "env/prod/web"))
    argocd.add(App("public-web", "git@github.com:acme/infra.git", "env/prod/web"))
    argocd.add(App("telefonistka-tmp-9-abc", repo_url(emu), "env/prod/web"))
    config = CONFIG + '  allowSyncfromBranchPathRegex: "env/prod/.*"\n'
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [comment] = [
        c for c in emu.get_repo(REPO).comments.values() if c.body.startswith(ARGOCD_MARKER)
    ]
    assert "## prod-web" in comment.body
    for foreign in ("payments-web", "public-web", "telefonistka-tmp-9-abc"):
        assert foreign not in comment.body
    edit_comment(emu, "alice-token", comment.id, comment.body.replace("- [ ]", "- [x]"))
    ticked = latest_event(emu, "issue_comment", "edited")
    assert run_step(emu, ticked, name="issue_comment", **argocd_inputs(argocd)).code == 0
    assert argocd.patches == [("prod-web", "promote")]
    for foreign in ("payments-web", "public-web"):
        argocd.apps[foreign].target_revision = "promote"  # as if somebody else pointed it
    pygithub_client(emu, "author").get_repo(REPO).get_pull(1).edit(state="closed")
    closed = latest_event(emu, "pull_request", "closed")
    assert run_step(emu, closed, **argocd_inputs(argocd)).code == 0
    assert argocd.apps["prod-web"].target_revision == "main"
    assert argocd.apps["payments-web"].target_revision == "promote"  # not ours to send back
    assert argocd.apps["public-web"].target_revision == "promote"


def test_a_killed_run_s_temporary_app_is_deleted_and_a_lost_delete_answer_is_success(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """A run killed between create and delete leaves ``telefonistka-tmp-1-…``: it is never
    taken for a real app, the next run of PR #1 deletes it, and a DELETE whose answer is
    lost (the retry gets 404) counts as done, not as "delete it by hand"."""
    config = CONFIG + "  createTempAppObjectFromNewApps: true\n"
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    argocd.appsets.append(appset(repo_url(emu)))
    argocd.add(App("telefonistka-tmp-1-leftover00", repo_url(emu), "env/prod/cart"))
    argocd.add(App("telefonistka-tmp-2-otherpr000", repo_url(emu), "env/prod/cart"))
    argocd.lose_answer(r"^/api/v1/applications/telefonistka-tmp-1-(?!leftover)", "DELETE")
    event = open_pr(emu, {"env/prod/cart/deployment.yaml": deployment(1, image="cart:1")})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "leftover00" not in body
    assert "by hand" not in body
    assert "## env/prod/cart (new: a temporary app of ApplicationSet prod-apps)" in body
    deleted = [name for name, _ in argocd.deleted]
    assert deleted[0] == "telefonistka-tmp-1-leftover00"
    assert [name for name in argocd.apps if name.startswith("telefonistka-tmp-1-")] == []
    assert "telefonistka-tmp-2-otherpr000" in argocd.apps  # another PR's: not this run's
    deletes = [e for e in argocd.log if e.method == "DELETE" and "leftover" not in e.path]
    assert [e.status for e in deletes] == [200, 404]  # done, answer lost; the retry's 404


def test_a_fork_pr_never_reaches_argo_cd(emu: GitHubEmulator, argocd: ArgoCdEmulator) -> None:
    """``/retrigger`` by a maintainer on a fork's PR runs the drift check only: Argo CD
    would render the fork's code. And a ticked sync box on a fork's PR would point the
    apps at *this* repository's branch of the same name: refused."""
    config = CONFIG + '  allowSyncfromBranchPathRegex: "env/prod/.*"\n'
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    assert run_step(emu, event, **argocd_inputs(argocd)).code == 0  # before: same-repo PR
    [comment] = [
        c for c in emu.get_repo(REPO).comments.values() if c.body.startswith(ARGOCD_MARKER)
    ]
    emu.get_repo(REPO).pulls[1].head_repo = "mallory/infra"  # the same PR, from a fork
    argocd.log.clear()

    pygithub_client(emu, "alice-token").get_repo(REPO).get_pull(1).create_issue_comment(
        "/retrigger"
    )
    retrigger = latest_event(emu, "issue_comment", "created")
    step = run_step(emu, retrigger, name="issue_comment", **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    assert "comes from mallory/infra" in step.stdout
    assert argocd.log == []  # not one request to Argo CD
    edit_comment(emu, "alice-token", comment.id, comment.body.replace("- [ ]", "- [x]"))
    ticked = latest_event(emu, "issue_comment", "edited")
    step = run_step(emu, ticked, name="issue_comment", **argocd_inputs(argocd))
    assert step.code == 0, step.stdout + step.stderr
    assert "the PR's branch lives in mallory/infra" in step.stdout
    assert argocd.patches == []


def test_a_token_echoed_by_argo_cd_or_a_proxy_never_leaves_the_process(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """The error text of a careless server is copied into the PR comment, the outputs and
    the job summary, which no runner mask covers: the token is redacted before."""
    argocd.add_fault(r"/prod-web/manifests", "GET", status=400, echo_headers=True)
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "request headers" in body  # the server's text is shown ...
    assert "Bearer ***" in body  # ... without the token
    everything = body + json.dumps(step.outputs) + step.summary
    assert "argocd-token" not in everything
    statuses = [s.description for s in emu.get_repo(REPO).statuses]
    assert not any("argocd-token" in (d or "") for d in statuses)
    assert "Bearer argocd-token" not in step.stdout


def test_malformed_answers_fail_their_own_app_only(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """An HTML page where JSON belongs, and a live state that is not JSON: each is a
    located error of its app; the others are diffed, commented and counted."""
    html = b"<html><body>Sign in to continue</body></html>"
    argocd.add_fault(r"/prod-web/manifests", "GET", 200, 9, raw=html, content_type="text/html")
    broken = json.dumps({"items": [{"kind": "Deployment", "liveState": "{not json"}]})
    argocd.add_fault(r"/prod-api/managed-resources", "GET", 200, 9, raw=broken.encode())
    event = open_pr(
        emu,
        {
            "env/prod/web/deployment.yaml": deployment(3),
            "env/prod/api/kustomization.yaml": KUSTOMIZATION % "1.1",
            "env/staging/web/deployment.yaml": deployment(4),
        },
    )

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert "unexpected error" not in step.stdout
    [body] = [b for _, b, _ in comments(emu) if b.startswith(ARGOCD_MARKER)]
    assert "-  replicas: 2\n+  replicas: 4" in body  # staging-web, diffed as usual
    assert "render prod-web at" in body
    assert "is not JSON (text/html" in body, body
    assert "read the live objects of prod-api: object 1 is not a JSON object" in body, body
    outputs = {a["app"]: a["error"] for a in json.loads(step.outputs["argocd-diff"])}
    assert outputs["staging-web"] == ""
    assert "not JSON" in outputs["prod-web"]
    [status] = [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/argocd-diff"]
    assert (status.state, status.description) == ("error", "2 app(s) could not be diffed")


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "times": 9},  # down: retried, then given up
        {"status": 200, "times": 9, "raw": b"<html>maintenance</html>"},  # garbage
    ],
    ids=["down", "garbage"],
)
def test_argo_cd_trouble_never_fails_a_promotion_that_succeeded(
    emu: GitHubEmulator, argocd: ArgoCdEmulator, fault: dict[str, Any]
) -> None:
    """Sending apps back and the no-diff verdict are best effort beside a promotion: a
    warning; the promotion's outputs and exit code stand."""
    config = CONFIG + "  autoMergeNoDiffPRs: true\n"
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    argocd.add_fault(r"^/api/v1/applications", "GET", **fault)
    event = merged_event(emu, {"env/staging/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["status"] == "created"
    assert not pr["merged"]  # no verdict, no merge
    assert "promotions" in json.loads(step.outputs["plan"])
    assert "were not sent back" in step.stdout
    assert "no Argo CD verdict" in step.stdout


def test_argo_cd_out_of_reach_sets_an_error_status_with_the_reason(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """A required ``telefonistka/argocd-diff`` check used to wait for ever."""
    argocd.add_fault(r"^/api/v1/applications$", "GET", status=503, times=9)
    event = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    [status] = [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/argocd-diff"]
    assert status.state == "error"
    assert status.description.startswith("Argo CD unavailable: Argo CD could not list")
    assert len(status.description) <= 140
    assert step.code == 1  # the step says so too
    assert "Argo CD diff of Argo CD" in step.stdout


@pytest.mark.parametrize(
    ("fault", "health", "merged", "description"),
    [
        (None, "Healthy", True, "all gates hold"),
        (None, "Progressing", False, "waiting: staging-web not Healthy (Progressing)"),
        ({"status": 503, "times": 9}, "Healthy", False, "waiting: Argo CD not read (Argo CD"),
    ],
    ids=["healthy", "progressing", "argocd-down"],
)
def test_require_healthy_reads_the_source_apps_and_holds_without_them(  # noqa: PLR0917
    emu: GitHubEmulator,
    argocd: ArgoCdEmulator,
    fault: dict[str, Any] | None,
    health: str,
    merged: bool,
    description: str,
) -> None:
    """``requireHealthy``: the Argo CD apps of this repository whose path is the source
    component folder are Synced and Healthy; with Argo CD down the gate stays closed."""
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions: {autoMerge: true}\n'
        "    gates: {requireHealthy: true}\n",
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    argocd.apps["staging-web"].health = health
    if fault is not None:
        argocd.add_fault(r"^/api/v1/applications$", "GET", **fault)
    event = merged_event(emu, {"env/staging/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is merged
    [gate] = [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/gates"]
    assert gate.description.startswith(description)


def test_require_healthy_waits_for_argo_cd_to_reach_the_source_moment(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    """Synced and Healthy at the commit before the change is not the change being healthy:
    the gate waits until Argo CD's status is about the source moment or a later commit."""
    config = CONFIG.replace(
        '  - sourcePath: "env/staging/"\n',
        '  - sourcePath: "env/staging/"\n    conditions: {autoMerge: true}\n'
        "    gates: {requireHealthy: true}\n",
    )
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    before = emu.get_repo(REPO).git.ref("refs/heads/main")
    argocd.apps["staging-web"].synced_revision = before  # not refreshed since the merge
    event = merged_event(emu, {"env/staging/web/deployment.yaml": deployment(3)})

    step = run_step(emu, event, **argocd_inputs(argocd))

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    assert pr["merged"] is False
    [gate] = [s for s in emu.get_repo(REPO).statuses if s.context == "telefonistka/gates"]
    assert gate.description.startswith("waiting: staging-web not yet at ")
    assert gate.description.endswith(f"(at {str(before)[:7]})")
