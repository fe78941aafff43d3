"""Fidelity: the emulator held to GitHub's own descriptions.

* Every route it serves is an operation of the vendored OpenAPI copy, and every vendored
  operation is served.
* A promotion driven through PyGithub touches every operation; each request PyGithub
  sent validates against the operation's request schema and each response body against
  its response schema. (The ``github_emulator`` fixture checks the same after every test.)
* Webhook payloads carry every key of GitHub's example payloads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from github import InputGitTreeElement
from github_emulator import GitHubEmulator, LogEntry
from github_emulator.fidelity import check_entry, check_log, operations
from github_emulator.fixtures import emulator_session, pygithub_client

WEBHOOKS = Path(__file__).resolve().parent / "fixtures" / "webhooks"
# Present in some examples only: an App installation and an organization owner.
CONTEXT_KEYS = {"installation", "organization"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github", tokens={"approver-token": "approver"})


def promote(emu: GitHubEmulator) -> None:
    """What a promotion does, plus the remaining reads, all through PyGithub."""
    emu.repo("acme/infra", {"envs/prod/app.yaml": "image: v1\n", "README.md": "hi\n"})
    gh = pygithub_client(emu, "bot-token")
    assert gh.get_user().login == "telefonistka-bot"
    gh.get_rate_limit()
    repo = gh.get_repo("acme/infra")
    main = repo.get_branch(repo.default_branch).commit.sha
    head = repo.get_git_commit(main)
    full_tree = repo.get_git_tree(main, recursive=True)
    assert {e.path for e in full_tree.tree} >= {"envs/prod/app.yaml"}
    blob = repo.create_git_blob("image: v2\n", "utf-8")
    assert repo.get_git_blob(blob.sha).size == 10
    tree = repo.create_git_tree(
        [InputGitTreeElement("envs/prod/app.yaml", "100644", "blob", sha=blob.sha)],
        base_tree=head.tree,
    )
    commit = repo.create_git_commit("Promote app to prod", tree, [head])
    repo.create_git_ref("refs/heads/promotions/1-prod", commit.sha)
    ref = repo.get_git_ref("heads/promotions/1-prod")
    ref.edit(commit.sha, force=True)
    assert [r.ref for r in repo.get_git_matching_refs("heads/promotions/")] == [ref.ref]
    repo.create_file("envs/prod/new.yaml", "add", "x: 1\n", branch="promotions/1-prod")
    content = repo.get_contents("envs/prod/new.yaml", ref="promotions/1-prod")
    assert not isinstance(content, list)
    assert repo.compare("main", "promotions/1-prod").ahead_by == 2
    assert len(list(repo.get_commit(commit.sha).files)) == 1
    pr = repo.create_pull(title="Promote", body="", head="promotions/1-prod", base="main")
    assert [p.number for p in repo.get_pulls(state="open", head="acme:promotions/1-prod")] == [1]
    pr.edit(body="Promotes app to prod")
    assert [f.filename for f in pr.get_files()] == ["envs/prod/app.yaml", "envs/prod/new.yaml"]
    repo.create_file("envs/prod/more.yaml", "more", "y: 1\n", branch="promotions/1-prod")
    comment = pr.create_issue_comment("plan")
    comment.edit("plan, updated")
    assert len(list(pr.get_issue_comments())) == 1
    pr.create_issue_comment("a duplicate, taken back").delete()
    assert len(list(pr.get_issue_comments())) == 1
    pr.add_to_labels("promotion")
    pr.add_to_assignees("alice")
    # PyGithub's Issue.edit needs a GET /issues first; telefonistka sends the PATCH alone.
    patch = {"labels": ["promotion", "gitops"], "assignees": ["alice"]}
    gh.requester.requestJsonAndCheck("PATCH", f"/repos/acme/infra/issues/{pr.number}", input=patch)
    repo.get_commit(pr.head.sha).create_status("success", context="telefonistka")
    assert [s.state for s in repo.get_commit(pr.head.sha).get_statuses()] == ["success"]
    emu.add_check_run("acme/infra", pr.head.sha, "e2e", "success")
    assert [r.conclusion for r in repo.get_commit(pr.head.sha).get_check_runs()] == ["success"]
    assert len(list(repo.get_commits(sha="promotions/1-prod", path="envs/prod"))) >= 1
    assert repo.get_collaborator_permission("alice") == "none"
    approver = pygithub_client(emu, "approver-token").get_repo("acme/infra")
    approver.get_pull(pr.number).create_review(event="APPROVE")
    reviews = approver.get_pull(pr.number).get_reviews()
    assert [(r.user.login, r.state) for r in reviews] == [("approver", "APPROVED")]
    assert pr.merge(merge_method="merge").merged
    repo.get_git_ref("heads/promotions/1-prod").delete()
    gh.requester.graphql_query("query { viewer { login } }", {})
    # the dashboard issue: created, listed with the PRs, read, and its body edited
    issue = repo.create_issue("Dashboard", body="- [ ] app", labels=["telefonistka-dashboard"])
    listed = repo.get_issues(state="open", labels=["telefonistka-dashboard"])
    assert [i.number for i in listed] == [issue.number]
    assert repo.get_issue(issue.number).body == "- [ ] app"
    path = f"/repos/acme/infra/issues/{issue.number}"
    gh.requester.requestJsonAndCheck("PATCH", path, input={"body": "- [x] app"})


def test_every_route_is_a_vendored_operation_and_every_operation_is_served(
    emu: GitHubEmulator,
) -> None:
    served = {(route.method, route.template) for route in emu.router.routes}
    assert served == operations()


def test_a_promotion_through_pygithub_stays_within_githubs_schemas(
    emu: GitHubEmulator,
) -> None:
    promote(emu)
    log = emu.requests
    assert check_log(log) == []
    succeeded = {(e.method, e.route) for e in log if 200 <= e.status < 300 and e.route}
    assert succeeded - {("POST", "/graphql")} == operations()
    assert any(e.request_body is not None for e in log if e.method in {"POST", "PATCH", "PUT"})


def test_error_bodies_stay_within_githubs_schemas(emu: GitHubEmulator) -> None:
    emu.repo("acme/infra", {"a": "1\n"})
    base = f"{emu.base_url}/repos/acme/infra"
    statuses = [
        requests.get(f"{base}/git/ref/heads/missing", timeout=10).status_code,
        requests.post(f"{base}/git/refs", json={"ref": "bad", "sha": "x"}, timeout=10).status_code,
        requests.post(
            f"{base}/pulls", json={"head": "nope", "base": "main"}, timeout=10
        ).status_code,
        requests.get(f"{base}/pulls/7", timeout=10).status_code,
        requests.put(f"{base}/pulls/7/merge", json={}, timeout=10).status_code,
    ]
    assert statuses == [404, 422, 422, 404, 404]
    assert check_log(emu.requests) == []


def _entry(route: str, method: str, status: int, request: Any, response: Any) -> LogEntry:
    return LogEntry(method, route, route, status, 0.0, 0.0, request, response)


def test_the_check_catches_bodies_github_would_not_send() -> None:
    missing_sha = _entry("/repos/{owner}/{repo}/git/blobs", "POST", 201, None, {"url": "u"})
    assert any("'sha' is a required property" in p for p in check_entry(missing_sha))
    bad_request = _entry("/repos/{owner}/{repo}/git/refs", "POST", 201, {"ref": 1}, {"ref": "r"})
    problems = check_entry(bad_request)
    assert any("request" in p for p in problems)
    assert any("response" in p for p in problems)
    unknown = _entry("/repos/{owner}/{repo}/hooks", "GET", 200, None, [])
    assert check_entry(unknown) == [
        "GET /repos/{owner}/{repo}/hooks -> 200: "
        "GET /repos/{owner}/{repo}/hooks is not in the vendored OpenAPI copy"
    ]


def _events(emu: GitHubEmulator) -> dict[str, dict[str, Any]]:
    promote(emu)
    return {
        "pull_request.opened": emu.events_named("pull_request", "opened")[0].payload,
        "pull_request.synchronize": emu.events_named("pull_request", "synchronize")[0].payload,
        "pull_request.labeled": emu.events_named("pull_request", "labeled")[0].payload,
        "pull_request.closed": emu.events_named("pull_request", "closed")[0].payload,
        "issue_comment.created": emu.events_named("issue_comment", "created")[0].payload,
        "push": next(e.payload for e in emu.events_named("push") if e.payload["commits"]),
        "issues.edited": emu.events_named("issues", "edited")[0].payload,
    }


def _missing_keys(example: Any, ours: Any, where: str = "") -> list[str]:
    """Keys of ``example`` (recursively, first list item) that ``ours`` lacks."""
    if isinstance(example, dict) and isinstance(ours, dict):
        missing = []
        for key, value in example.items():
            if key not in ours:
                missing.append(f"{where}/{key}")
            elif value is not None and ours[key] is not None:
                missing += _missing_keys(value, ours[key], f"{where}/{key}")
        return missing
    if isinstance(example, list) and isinstance(ours, list) and example and ours:
        return _missing_keys(example[0], ours[0], f"{where}/0")
    return []


@pytest.mark.parametrize(
    "name",
    [
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.labeled",
        "pull_request.closed",
        "issue_comment.created",
        "push",
        "issues.edited",
    ],
)
def test_webhook_payloads_carry_every_key_of_githubs_examples(
    emu: GitHubEmulator, name: str
) -> None:
    example = json.loads((WEBHOOKS / f"{name}.json").read_text(encoding="utf-8"))
    ours = _events(emu)[name]
    for key in CONTEXT_KEYS:
        example.pop(key, None)
    assert _missing_keys(example, ours) == []
    assert set(ours) >= set(example)
