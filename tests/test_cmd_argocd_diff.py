"""``telefonistka argocd-diff``: a local branch against the Argo CD emulator, which renders
from the same repository (as if the branch were pushed where Argo CD reads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from argocd_emulator import App, ArgoCdEmulator, argocd_session
from gitrepo import GitRepoBuilder
from test_argocd_diff_e2e import KUSTOMIZATION, SEED, api_deployment, live

from telefonistka.cli import main
from telefonistka.core.argocd.comment import ARGOCD_MARKER

REPO_URL = "https://git.example.com/acme/infra.git"
ORIGIN = "git@git.example.com:acme/infra"  # the same repository, as a clone names it


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    builder = GitRepoBuilder(tmp_path / "infra")
    builder.git("remote", "add", "origin", ORIGIN)
    builder.commit(SEED, message="the fleet")
    builder.branch("feature")
    builder.commit({"env/prod/api/kustomization.yaml": KUSTOMIZATION % "2.0"}, message="api 2.0")
    return builder


@pytest.fixture
def argocd(repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArgoCdEmulator]:
    for emulator in argocd_session({REPO_URL: repo.path / ".git"}):
        emulator.add(App("prod-api", REPO_URL, "env/prod/api", live=[live(api_deployment("1.0"))]))
        web = json.loads(json.dumps(live(api_deployment("1.0"))))
        emulator.add(App("prod-web", REPO_URL, "env/prod/web", live=[web]))
        monkeypatch.setenv("ARGOCD_TOKEN", "argocd-token")
        monkeypatch.delenv("ARGOCD_SERVER_ADDR", raising=False)
        yield emulator


def test_the_json_holds_each_touched_app(
    repo: GitRepoBuilder, argocd: ArgoCdEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["argocd-diff", "--repo", str(repo.path), "--argocd-url", argocd.url, "--json"]

    code = main([*args, "--exit-code"])

    out = json.loads(capsys.readouterr().out)
    assert code == 3  # an app would change
    assert out["revision"] == repo.git("rev-parse", "HEAD")
    [api] = out["apps"]
    assert api["app"] == "prod-api"
    [changed] = api["objects"]
    assert changed["change"] == "changed"
    assert "-      - image: api:1.0\n+      - image: api:2.0" in changed["diff"]


def test_markdown_is_the_pr_comment(
    repo: GitRepoBuilder, argocd: ArgoCdEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["argocd-diff", "--repo", str(repo.path), "--argocd-url", argocd.url]) == 0

    out = capsys.readouterr().out
    assert out.startswith(ARGOCD_MARKER)
    assert "## prod-api" in out
    assert "prod-web" not in out


def test_no_token_is_a_usage_error(
    repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARGOCD_TOKEN", raising=False)

    code = main(["argocd-diff", "--repo", str(repo.path), "--argocd-url", "https://a.example"])

    assert code == 2
    assert "set ARGOCD_TOKEN (never on the command line)" in capsys.readouterr().err


def test_no_server_is_a_usage_error(
    repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARGOCD_SERVER_ADDR", raising=False)

    assert main(["argocd-diff", "--repo", str(repo.path)]) == 2
    assert "pass --argocd-url or set ARGOCD_SERVER_ADDR" in capsys.readouterr().err


def test_an_unchanged_branch_touches_nothing(
    repo: GitRepoBuilder, argocd: ArgoCdEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["argocd-diff", "--repo", str(repo.path), "--argocd-url", argocd.url, "--head", "main"]

    assert main([*args, "--exit-code"]) == 0
    assert capsys.readouterr().out == "No Argo CD app is touched.\n"


def test_only_apps_of_the_clone_s_repository_count(
    repo: GitRepoBuilder, argocd: ArgoCdEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "https://git.example.com/acme/payments.git"
    argocd.repos[other] = repo.path / ".git"
    argocd.add(App("payments-api", other, "env/prod/api", live=[live(api_deployment("1.0"))]))
    args = ["argocd-diff", "--repo", str(repo.path), "--argocd-url", argocd.url, "--json"]

    assert main(args) == 0
    assert [app["app"] for app in json.loads(capsys.readouterr().out)["apps"]] == ["prod-api"]
    assert main([*args, "--repo-url", other]) == 0  # seen from acme/payments instead
    assert [app["app"] for app in json.loads(capsys.readouterr().out)["apps"]] == ["payments-api"]


def test_a_clone_without_origin_needs_the_repository_named(
    repo: GitRepoBuilder, argocd: ArgoCdEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("remote", "remove", "origin")

    code = main(["argocd-diff", "--repo", str(repo.path), "--argocd-url", argocd.url])

    assert code == 2
    assert "pass --repo-url" in capsys.readouterr().err
