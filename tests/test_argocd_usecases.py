"""The Argo CD use cases in process (the end-to-end runs are subprocesses): the PR diff
with temporary apps and the sync checkbox, the no-diff verdict, syncing and sending back."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from argocd_emulator import App, ArgoCdEmulator, argocd_session
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_argocd_diff_e2e import CONFIG, SEED, appset, deployment, live, repo_url
from test_entrypoint import REPO, checked_emulator

from telefonistka.action.context import Context
from telefonistka.action.routes import dispatch
from telefonistka.action.settings import ArgoCdSettings, Identity, Settings
from telefonistka.action.workflow import Workflow
from telefonistka.adapters.argocd import ArgoCdClient
from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.argocd.apps import this_repository
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.events.pr_requests import ARGOCD_MARKER, SYNC_TICKED, SYNC_UNTICKED
from telefonistka.core.text.rendering import Renderer
from telefonistka.usecases.argocd_diff import ListedOnce, PrArgoCdDiff, no_diff_verdict
from telefonistka.usecases.argocd_scope import RepositoryScoped
from telefonistka.usecases.argocd_sync import SyncFromBranch, sync_back

FULL = CONFIG + (
    '  allowSyncfromBranchPathRegex: "env/prod/.*"\n  createTempAppObjectFromNewApps: true\n'
)


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emulator in checked_emulator(tmp_path / "github", tokens={"alice-token": "alice"}):
        emulator.repo(REPO, {**SEED, "telefonistka.yaml": FULL})
        emulator.get_repo(REPO).collaborators["alice"] = "write"
        yield emulator


@pytest.fixture
def argocd(emu: GitHubEmulator) -> Iterator[ArgoCdEmulator]:
    url = repo_url(emu)
    for emulator in argocd_session({url: Path(emu.get_repo(REPO).git.path)}):
        web = live(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {
                    "replicas": 2,
                    "template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}},
                },
            }
        )
        emulator.add(App("prod-web", url, "env/prod/web", live=[web]))
        emulator.appsets.append(appset(url))
        yield emulator


def repo(emu: GitHubEmulator) -> GitHubRepo:
    return GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)


def client(argocd: ArgoCdEmulator, emu: GitHubEmulator) -> RepositoryScoped:
    """The server as the Action hands it to the use cases: narrowed to this repository."""
    server = ArgoCdClient(argocd.url, "argocd-token", sleep=lambda _: None)
    return RepositoryScoped(server, this_repository(emu.root_url, REPO))


def open_pr(emu: GitHubEmulator, files: dict[str, str | None]) -> int:
    gh = pygithub_client(emu, "author").get_repo(REPO)
    gh.create_git_ref("refs/heads/promote", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch="promote")
    return gh.create_pull(title="p", body="", head="promote", base="main").number


def test_the_diff_with_a_new_component_and_the_sync_box(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    number = open_pr(
        emu,
        {
            "env/prod/web/deployment.yaml": deployment(3),
            "env/prod/cart/deployment.yaml": deployment(1, image="cart:1"),
        },
    )
    github = repo(emu)
    pull = github.get_pr(number)
    logs: list[str] = []

    result = PrArgoCdDiff(github, client(argocd, emu), pull, "main", Renderer(), logs.append).run()

    assert [s.name for s in result.sections] == [
        "prod-web",
        "env/prod/cart (new: a temporary app of ApplicationSet prod-apps)",
    ]
    assert [len(s.objects) for s in result.changing] == [1, 1]
    assert result.failed == []
    [body] = [c.body for c in emu.get_repo(REPO).comments.values()]
    assert body.startswith(ARGOCD_MARKER)
    assert body.rstrip().endswith(SYNC_UNTICKED)
    assert "Argo CD diff of #1" in result.summary()
    assert '"app": "prod-web"' in result.outputs()["argocd-diff"]
    assert argocd.deleted
    assert not [a for a in argocd.apps if a.startswith("telefonistka-tmp")]


def test_the_no_diff_verdict(emu: GitHubEmulator, argocd: ArgoCdEmulator) -> None:
    config = load_repo_config(FULL, "telefonistka.yaml")
    argo = ListedOnce(client(argocd, emu))
    head = emu.get_repo(REPO).git.ref("refs/heads/main")
    assert head is not None

    same, why_same = no_diff_verdict(argo, ["env/prod/web/deployment.yaml"], config, head)
    nothing, why_nothing = no_diff_verdict(argo, ["docs/readme.md"], config, head)

    assert (same, nothing) == (True, False)
    assert "`prod-web` checked" in why_same
    assert why_nothing == "no Argo CD app is touched, so nothing was checked"
    assert len([e for e in argocd.log if e.path == "/api/v1/applications"]) == 1


def test_ticking_unticking_and_sending_back(emu: GitHubEmulator, argocd: ArgoCdEmulator) -> None:
    number = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    github = repo(emu)
    pull = github.get_pr(number)
    login = github.viewer_login()
    sync = SyncFromBranch(github, client(argocd, emu), pull, "main", lambda _: None)
    box = f"{ARGOCD_MARKER}\n{SYNC_TICKED}\n"

    ticked = sync.run(login, "alice", box)
    unticked = sync.run(login, "alice", box.replace("[x]", "[ ]"))

    assert (ticked.apps, ticked.revision) == (("prod-web",), "promote")
    assert (unticked.apps, unticked.revision) == (("prod-web",), "main")
    assert "now sync from `promote`" in ticked.summary(number)
    argocd.apps["prod-web"].target_revision = "promote"
    assert sync_back(client(argocd, emu), "promote", "main") == ["prod-web"]
    assert argocd.apps["prod-web"].target_revision == "main"


@pytest.mark.parametrize(
    ("author", "editor", "reason"),
    [
        ("alice", "alice", "not of the bot"),
        ("BOT", "mallory", "@mallory has no write access"),
    ],
)
def test_a_tick_that_does_not_count(
    emu: GitHubEmulator, argocd: ArgoCdEmulator, author: str, editor: str, reason: str
) -> None:
    number = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    github = repo(emu)
    author = github.viewer_login() if author == "BOT" else author
    sync = SyncFromBranch(
        github, client(argocd, emu), github.get_pr(number), "main", lambda _: None
    )

    outcome = sync.run(author, editor, f"{ARGOCD_MARKER}\n{SYNC_TICKED}\n")

    assert reason in outcome.refused
    assert "Nothing changed" in outcome.summary(number)
    assert argocd.patches == []


def test_a_branch_whose_paths_do_not_all_match_is_not_synced(
    emu: GitHubEmulator, argocd: ArgoCdEmulator
) -> None:
    number = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3), "README.md": "x\n"})
    github = repo(emu)
    sync = SyncFromBranch(
        github, client(argocd, emu), github.get_pr(number), "main", lambda _: None
    )

    outcome = sync.run(github.viewer_login(), "alice", f"{ARGOCD_MARKER}\n{SYNC_TICKED}\n")

    assert "allowSyncfromBranchPathRegex" in outcome.refused
    assert argocd.patches == []


def context_for(emu: GitHubEmulator, argocd: ArgoCdEmulator, event_name: str) -> Context:
    settings = Settings(
        event_name,
        Path("event.json"),
        Identity(token="bot"),
        api_url=emu.base_url,
        server_url=emu.root_url,
        argocd=ArgoCdSettings(argocd.url, "argocd-token"),
    )
    return Context(settings, Workflow(settings, io.StringIO()))


def test_the_routes_in_process(emu: GitHubEmulator, argocd: ArgoCdEmulator) -> None:
    """The checkbox edit and the closed PR through the route registry, as the Action runs."""
    number = open_pr(emu, {"env/prod/web/deployment.yaml": deployment(3)})
    github = repo(emu)
    gh = pygithub_client(emu, "author").get_repo(REPO)
    comment = gh.get_pull(number).create_issue_comment(f"{ARGOCD_MARKER}\n{SYNC_UNTICKED}\n")
    client = pygithub_client(emu, "alice-token")
    path = f"/repos/{REPO}/issues/comments/{comment.id}"
    client.requester.requestJsonAndCheck(
        "PATCH", path, input={"body": comment.body.replace("[ ]", "[x]")}
    )
    edited = emu.events_named("issue_comment", "edited")[-1].payload

    report = dispatch(
        "issue_comment", json.dumps(edited), context_for(emu, argocd, "issue_comment")
    )

    assert report is not None
    assert argocd.apps["prod-web"].target_revision == "promote"
    gh.get_pull(number).edit(state="closed")
    closed = emu.events_named("pull_request", "closed")[-1].payload
    back = dispatch("pull_request", json.dumps(closed), context_for(emu, argocd, "pull_request"))
    assert back is not None
    assert "`prod-web` moved back to `main`" in back.summary
    assert argocd.apps["prod-web"].target_revision == "main"
    assert github.viewer_login()
