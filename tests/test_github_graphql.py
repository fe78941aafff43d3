"""The GraphQL seam: the documents telefonistka sends, GitHub's schema they are held to,
and the adapter's batch reads against the emulator's graphql-core executor."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session
from github_emulator.reads import SCHEMA_FILE, check
from github_emulator.state import PullRequest as EmuPull

from telefonistka.adapters.github.queries import DOCUMENTS, source_moments_query
from telefonistka.adapters.github.repo import GitHubRepo
from telefonistka.errors import GitHubError

ROOT = Path(__file__).resolve().parent.parent
REPO = "acme/infra"


@pytest.fixture
def github_emulator(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_document_validates_against_the_vendored_schema(document: str) -> None:
    assert check(document) == []


def test_the_vendored_schema_is_what_the_script_makes_of_the_documents(tmp_path: Path) -> None:
    """Trimming is a fixpoint: run on the vendored schema (a part of GitHub's), the script
    writes it back byte for byte. A new query or field without a re-vendored schema fails
    here (and in the emulator, which refuses what the schema lacks)."""
    out = tmp_path / "trimmed.graphql"
    script = ROOT / "scripts" / "vendor_graphql_schema.py"
    done = subprocess.run(
        [sys.executable, str(script), str(SCHEMA_FILE), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")


def _post(emu: GitHubEmulator, query: str, variables: dict[str, object]) -> dict[str, object]:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(  # noqa: S310 - the emulator on 127.0.0.1
        emu.graphql_url,
        body,
        {"Authorization": "token bot-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return dict(json.loads(answer.read()))


def test_the_emulator_refuses_what_github_refuses(github_emulator: GitHubEmulator) -> None:
    """A field GitHub does not have, a page over 100, a connection without ``first``: a
    GraphQL error (HTTP 200), as GitHub answers."""
    emu = github_emulator
    emu.repo(REPO, {"a.txt": "a\n"})
    misspelt = _post(emu, "query { viewer { loginName } }", {})
    assert "Cannot query field 'loginName' on type 'User'" in str(misspelt["errors"])
    query = (
        "query($o: String!, $n: String!) { repository(owner: $o, name: $n) "
        "{ pullRequests(FIRST) { nodes { number } } } }"
    )
    too_many = _post(emu, query.replace("FIRST", "first: 101"), {"o": "acme", "n": "infra"})
    assert "exceeds the `first` limit of 100 records" in str(too_many["errors"])
    unbounded = _post(emu, query.replace("(FIRST)", ""), {"o": "acme", "n": "infra"})
    assert "You must provide a `first` or `last` value" in str(unbounded["errors"])
    missing = _post(emu, query.replace("FIRST", "first: 1"), {"o": "acme", "n": "nope"})
    assert "Could not resolve to a Repository with the name 'acme/nope'" in str(missing["errors"])


def _open_prs(emu: GitHubEmulator, count: int, author: str, prefix: str = "b") -> None:
    """``count`` open PRs from branches of ``main``'s head, straight into the state."""
    repo = emu.get_repo(REPO)
    repo.git.set_ref("refs/heads/work", repo.git.ref("refs/heads/main") or "")
    emu.commit_files(REPO, {"b.txt": "b\n"}, branch="work", message="🚀 Promotion: b")
    head = repo.git.ref("refs/heads/work") or ""
    for n in range(count):
        repo.git.set_ref(f"refs/heads/{prefix}{n}", head)
        number = repo.next_number
        repo.next_number += 1
        repo.pulls[number] = EmuPull(
            number,
            9000 + number,
            f"PR {n}",
            None,
            f"{prefix}{n}",
            "main",
            author,
            "2026-01-01T00:00:00Z",
        )


def test_the_gate_read_pages_through_the_open_prs_and_spells_logins_as_rest(
    github_emulator: GitHubEmulator,
) -> None:
    """101 open PRs by an App: two pages; each author is ``…[bot]`` as REST spells it (the
    GraphQL answer says ``Bot`` and drops the suffix), and the heads' commits are known."""
    emu = github_emulator
    emu.repo(REPO, {"a.txt": "a\n"})
    _open_prs(emu, 101, "telefonistka[bot]")
    repo = GitHubRepo("bot-token", REPO, emu.base_url, default_branch="main")
    read = repo.gate_pass_read("main", "telefonistka/hold", "telefonistka.yaml")
    assert len(read.pulls) == 101
    assert {p.pull.author for p in read.pulls} == {"telefonistka[bot]"}
    assert read.holds == []
    assert repo.request_count == 2
    head = read.pulls[0].pull.head_sha
    assert repo.commit_state(head).message.startswith("🚀 Promotion: b")
    assert repo.viewer_login() == emu.login
    assert repo.request_count == 2  # both came with the first page


def test_source_moments_tell_check_runs_from_statuses(github_emulator: GitHubEmulator) -> None:
    emu = github_emulator
    emu.repo(REPO, {"env/staging/app/v.yaml": "a\n", "env/prod/app/v.yaml": "a\n"})
    emu.commit_files(REPO, {"env/staging/app/v.yaml": "b\n"})
    git = emu.get_repo(REPO).git
    changed = git.run("log", "-1", "--format=%H", "main").decode().strip()
    emu.add_check_run(REPO, changed, "e2e", conclusion=None)
    emu.add_check_run(REPO, changed, "lint", conclusion="failure")
    repo = GitHubRepo("bot-token", REPO, emu.base_url, default_branch="main")
    repo.set_status(changed, "success", "ci/legacy")
    moments = repo.source_moments("main", ["env/staging/app/", "env/prod/app", "env/none"])
    staging = moments["env/staging/app/"]
    assert staging is not None
    assert staging.sha == changed
    assert dict(staging.runs) == {"e2e": "in_progress", "lint": "failure"}
    assert dict(staging.statuses) == {"ci/legacy": "success"}
    prod = moments["env/prod/app"]
    assert prod is not None
    assert prod.sha != changed
    assert dict(prod.runs) == {}
    assert moments["env/none"] is None
    assert "$p2" in source_moments_query(3)


def test_a_refused_field_is_a_github_error(github_emulator: GitHubEmulator) -> None:
    """An older GitHub Enterprise Server: the batch read raises, so the caller uses REST."""
    emu = github_emulator
    emu.repo(REPO, {"a.txt": "a\n"})
    emu.graphql_refused_fields = {"statusCheckRollup"}
    repo = GitHubRepo("bot-token", REPO, emu.base_url, default_branch="main")
    with pytest.raises(GitHubError, match="statusCheckRollup"):
        repo.source_moments("main", ["a.txt"])


@responses.activate
def test_an_answer_without_the_expected_fields_is_a_github_error() -> None:
    """A proxy or a GitHub version answering ``repository: null`` without an error: a
    clear GitHubError (the caller falls back to REST), never a crash."""
    responses.post(
        "https://api.github.com:443/graphql",
        json={"data": {"viewer": {"login": "bot"}, "repository": None}},
    )
    repo = GitHubRepo("t0ken", REPO, default_branch="main")
    with pytest.raises(GitHubError, match="unexpected answer to the open PRs query"):
        repo.gate_pass_read("main", "telefonistka/hold", "telefonistka.yaml")
    with pytest.raises(GitHubError, match="unexpected answer to the source query"):
        repo.source_moments("main", ["env/prod"])


def test_superseded_prs_are_closed_at_once_or_through_rest(
    github_emulator: GitHubEmulator,
) -> None:
    """Three requests close two PRs (note, branch deleted, closed); where GraphQL lacks
    the mutations, REST does it per PR; a PR that cannot be closed is reported, not
    raised."""
    emu = github_emulator
    emu.repo(REPO, {"a.txt": "a\n"})
    _open_prs(emu, 3, "telefonistka-bot", prefix="promotions/x-")
    _open_prs(emu, 1, "alice", prefix="feature-")
    repo = GitHubRepo("bot-token", REPO, emu.base_url, default_branch="main")
    pulls = [p.pull for p in repo.gate_pass_read("main", "hold", "telefonistka.yaml").pulls]
    person = pulls.pop()
    emu.reset()

    assert repo.close_superseded([(pulls[0], "Superseded by #9"), (pulls[1], "Superseded")]) == {}

    state = emu.get_repo(REPO)
    assert [state.pulls[p.number].state for p in pulls] == ["closed", "closed", "open"]
    assert state.git.ref(f"refs/heads/{pulls[0].head_ref}") is None
    assert [r.path.endswith("/graphql") for r in emu.requests] == [True, True, True]
    emu.graphql_refused_fields = {"closePullRequest"}
    emu.add_fault(method="PATCH", path=r"/pulls/\d+$", status=403, times=10)

    failed = repo.close_superseded([(pulls[2], "Superseded by #9")])

    assert list(failed) == [pulls[2].number]
    assert "403" in failed[pulls[2].number]
    # a person's branch is never deleted, by GraphQL or REST: the PR is reported instead
    emu.graphql_refused_fields = set()
    refused = repo.close_superseded([(person, "Superseded")])
    assert "refused to write branch 'feature-0'" in refused[person.number]
    assert state.git.ref("refs/heads/feature-0") is not None
