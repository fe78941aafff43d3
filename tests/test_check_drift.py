"""The drift check on open PRs, end to end: ``entrypoint.py`` against the emulator.

Each test seeds the default branch (often with a target that differs from its source),
opens a PR through the API, takes the ``pull_request`` delivery the emulator recorded
and runs the entrypoint on it; comments, minimized comments and commit statuses are read
back from the emulator's state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from github import GithubException
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import CONFIG, REPO, checked_emulator, run_entrypoint, run_step

from telefonistka.core.text.rendering import DRIFT_MARKER

GITHUB_COMMENT_LIMIT = 65_536
IN_SYNC = {
    "telefonistka.yaml": CONFIG,
    "env/staging/app/values.yaml": "tag: v2\n",
    "env/prod/app/values.yaml": "tag: v2\n",
    "env/dr/app/values.yaml": "tag: v2\n",
}
DRIFTED = IN_SYNC | {
    "env/prod/app/values.yaml": "tag: v1\n",
    "env/prod/app/hand-edit.yaml": "debug: true\n",
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """A running emulator; ``alice-token`` is a person, any other token the bot."""
    yield from checked_emulator(tmp_path / "github", tokens={"alice-token": "alice"})


def client(emu: GitHubEmulator, identity: str = "author-token") -> GhRepository:
    """The repository as the token ``identity`` sees it (any token but alice's is the bot)."""
    github = pygithub_client(emu, identity)
    return github.get_repo(REPO)


def open_pr(emu: GitHubEmulator, seed: dict[str, str], files: dict[str, str | None]) -> Path:
    """Seed the default branch, open a PR changing ``files``; its ``opened`` event file."""
    emu.repo(REPO, seed)
    gh = client(emu)
    gh.create_git_ref("refs/heads/feature", gh.get_branch("main").commit.sha)
    emu.commit_files(REPO, files, branch="feature")
    gh.create_pull(title="change", body="", head="feature", base="main")
    return latest_event(emu, "pull_request", "opened")


def latest_event(emu: GitHubEmulator, name: str, action: str) -> Path:
    event = emu.events_named(name, action)[-1]
    return event.write(emu.workdir / f"{name}-{action}-{len(emu.events)}.json")


EVENT_LINE = re.compile(r"\n\n<!-- telefonistka:event [^>]*-->$")


def comments(emu: GitHubEmulator) -> list[tuple[str, str, str | None]]:
    """(author, body as people read it, minimized reason) of every comment, oldest first:
    the hidden line naming the event a bot note was written for is left out."""
    state = emu.get_repo(REPO).comments
    return [
        (c.user, EVENT_LINE.sub("", c.body), c.minimized_reason) for _, c in sorted(state.items())
    ]


def statuses(emu: GitHubEmulator) -> list[tuple[str, str]]:
    state = emu.get_repo(REPO)
    head = state.pulls[1].head_sha
    return [(s.context, s.state) for s in state.statuses if s.sha == head]


def main_sha(emu: GitHubEmulator) -> str:
    return emu.get_repo(REPO).git.run("rev-parse", "main").decode().strip()


def test_drift_is_commented_with_a_yaml_summary_diff_and_blame_links(
    emu: GitHubEmulator,
) -> None:
    event = open_pr(emu, DRIFTED, {"env/staging/app/extra.yaml": "a: 1\n"})

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [(author, body, minimized)] = comments(emu)
    assert (author, minimized) == ("telefonistka-bot", None)
    assert body.startswith(DRIFT_MARKER)
    assert "`tag`: `v1` → `v2`" in body
    assert "-tag: v1\n+tag: v2" in body
    assert "hand-edit.yaml" in body
    blame = f"{emu.root_url}/{REPO}/blame/{main_sha(emu)}/env/staging/app/values.yaml"
    assert blame in body
    assert statuses(emu) == [("telefonistka", "pending"), ("telefonistka", "success")]
    assert json.loads(step.outputs["plan"])["promotions"][0]["sync"] == {
        "env/prod/app": "env/staging/app"
    }
    assert "| `env/prod/app` | `env/staging/app` | 1 differing" in step.summary
    assert step.outputs["drift-detected"] == "true"
    assert "::group::Drift check of PR #1" in step.stdout
    [pair] = json.loads(step.outputs["drift"])["pairs"]
    assert (pair["target"], pair["source"], pair["drift"]) == (
        "env/prod/app",
        "env/staging/app",
        True,
    )
    assert pair["only_in_target"] == ["hand-edit.yaml"]
    [values] = pair["differing"]
    assert values["yaml_changes"] == [{"path": "tag", "kind": "changed", "old": "v1", "new": "v2"}]
    assert "diff" not in values  # the comment and the summary show the diffs


def test_a_large_drift_is_split_into_comments_github_accepts(emu: GitHubEmulator) -> None:
    def values(tag: str) -> str:
        return "".join(f"key{i}: {tag}-{'x' * 40}\n" for i in range(200))

    seed = IN_SYNC | {f"env/staging/app/f{n}.yaml": values("new") for n in range(6)}
    seed |= {f"env/prod/app/f{n}.yaml": values("old") for n in range(6)}
    event = open_pr(emu, seed, {"env/staging/app/extra.yaml": "a: 1\n"})

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    bodies = [body for _, body, _ in comments(emu)]
    assert len(bodies) > 1
    assert all(len(body) <= GITHUB_COMMENT_LIMIT for body in bodies)
    assert all(body.startswith(DRIFT_MARKER) for body in bodies)
    assert f"(part {len(bodies)}/{len(bodies)})" in bodies[-1]
    for n in range(6):
        assert any(f"f{n}.yaml" in body for body in bodies)


def test_gone_drift_gets_a_note_and_the_old_warning_is_minimized(emu: GitHubEmulator) -> None:
    event = open_pr(emu, DRIFTED, {"env/staging/app/extra.yaml": "a: 1\n"})
    assert run_step(emu, event).code == 0
    client(emu, "alice-token").get_pull(1).create_issue_comment(f"{DRIFT_MARKER} quoting it")
    emu.commit_files(REPO, {"env/prod/app/values.yaml": "tag: v2\n"}, branch="main")
    emu.commit_files(REPO, {"env/prod/app/hand-edit.yaml": None}, branch="main")
    gh = client(emu)
    extra = gh.get_contents("env/staging/app/extra.yaml", ref="feature")
    assert not isinstance(extra, list)
    gh.update_file(extra.path, "more", "a: 2\n", extra.sha, branch="feature")
    synchronize = latest_event(emu, "pull_request", "synchronize")

    step = run_step(emu, synchronize)

    assert step.code == 0, step.stdout + step.stderr
    [warning, quoted, note] = comments(emu)
    assert warning[2] == "outdated"
    assert (quoted[0], quoted[2]) == ("alice", None)
    assert note[1].startswith(DRIFT_MARKER)
    assert "No drift any more" in note[1]
    assert note[2] is None
    assert run_step(emu, synchronize).code == 0
    assert len(comments(emu)) == 3  # the note is not repeated


def test_a_pr_that_never_had_drift_gets_no_comment(emu: GitHubEmulator) -> None:
    event = open_pr(emu, IN_SYNC, {"env/staging/app/extra.yaml": "a: 1\n"})
    emu.reset()

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    assert comments(emu) == []
    assert statuses(emu)[-1] == ("telefonistka", "success")
    # status, one GraphQL read (head, config, files, comments), the tree, status: see
    # docs/github-action.md, "Request budget"
    assert len(emu.requests) == 4
    assert "No drift" in step.summary
    assert step.outputs["drift-detected"] == "false"


def test_an_invalid_config_sets_error_and_comments_where(emu: GitHubEmulator) -> None:
    broken = IN_SYNC | {"telefonistka.yaml": "promotionPaths:\n  - sourcePat: env/\n"}
    event = open_pr(emu, broken, {"env/staging/app/extra.yaml": "a: 1\n"})

    step = run_step(emu, event)

    assert step.code == 1
    [(_, body, _)] = comments(emu)
    assert "telefonistka.yaml:2:" in body
    assert "sourcePat" in body
    assert statuses(emu) == [("telefonistka", "pending"), ("telefonistka", "error")]
    annotation = (
        "::error file=telefonistka.yaml,line=2,col=5,title=telefonistka%3A invalid configuration"
        "::promotionPaths[0].sourcePat: unknown key 'sourcePat'; did you mean 'sourcePath'?"
    )
    assert annotation in step.stdout


def test_a_config_with_thousands_of_problems_fits_one_comment(emu: GitHubEmulator) -> None:
    """Every problem is in the job log; the comment lists what fits GitHub's limit."""
    flows = "".join(f"  - sourcePat: env/{'x' * 40}{i}/\n" for i in range(3000))
    broken = IN_SYNC | {"telefonistka.yaml": f"promotionPaths:\n{flows}"}
    event = open_pr(emu, broken, {"env/staging/app/extra.yaml": "a: 1\n"})

    step = run_step(emu, event)

    assert step.code == 1
    [(_, body, _)] = comments(emu)
    assert len(body) <= GITHUB_COMMENT_LIMIT
    listed = body.count("telefonistka.yaml:")
    more = re.search(r"… and (\d+) more problems, not listed", body)
    assert more is not None
    assert listed > 100
    in_log = step.stdout.count("::error file=telefonistka.yaml,")
    assert listed + int(more[1]) == in_log >= 3000


def test_the_status_links_to_the_target_url_template(emu: GitHubEmulator) -> None:
    event = open_pr(emu, IN_SYNC, {"env/staging/app/extra.yaml": "a: 1\n"})
    template = "https://dash.example.com/d/gitops?from={{ commit_time }}&sha={{ commit_sha }}"

    step = run_step(emu, event, status_target_url=template)

    assert step.code == 0, step.stdout + step.stderr
    state = emu.get_repo(REPO)
    head = state.pulls[1].head_sha
    committed = state.git.run("show", "-s", "--format=%cI", head).decode().strip()
    links = {s.target_url for s in state.statuses if s.sha == head}
    assert len(links) == 1
    [link] = links
    assert link is not None
    assert link.startswith("https://dash.example.com/d/gitops?from=")
    assert link.endswith(f"&sha={head}")
    when = link.split("from=", 1)[1].split("&", 1)[0]
    assert when[:19] == committed[:19]  # same instant, ISO 8601 (the zone may be spelt Z)


# --- templates-path: read from the default branch, rendered in the sandbox ------------------


def test_template_overrides_come_from_the_default_branch_never_the_pr_checkout(
    emu: GitHubEmulator,
) -> None:
    """The attack: in a ``pull_request`` workflow the workspace is the PR's checkout, and a
    template there printed ``os.environ`` (the token) into a PR comment."""
    override = "ci/templates/drift_comment.j2"
    seed = DRIFTED | {override: "{{ marker }}\nDrift (main's own template) at {{ commit }}\n"}
    event = open_pr(emu, seed, {"env/staging/app/values.yaml": "tag: v2\n# c\n"})
    checkout = emu.workdir / "runner" / "ci" / "templates"  # the PR's checkout
    checkout.mkdir(parents=True)
    (checkout / "drift_comment.j2").write_text("{{ marker }} PWNED {{ lipsum }}\n")

    step = run_step(emu, event, templates_path="ci/templates")

    assert step.code == 0, step.stdout + step.stderr
    [(_, body, _)] = comments(emu)
    assert body == f"{DRIFT_MARKER}\nDrift (main's own template) at {main_sha(emu)}\n"
    assert "templates from ci/templates on main: drift_comment.j2" in step.stdout


def test_a_template_that_reaches_for_the_environment_is_a_config_error_at_its_line(
    emu: GitHubEmulator,
) -> None:
    override = "ci/templates/drift_comment.j2"
    hostile = "{{ marker }}\n{{ lipsum.__globals__['os'].environ }}\n"
    event = open_pr(emu, DRIFTED | {override: hostile}, {"env/staging/app/values.yaml": "x\n"})

    step = run_step(emu, event, templates_path="ci/templates", github_token="ghs_top_secret")

    assert step.code == 1, step.stdout + step.stderr
    assert f"::error file={override},line=2,col=1,title=telefonistka" in step.stdout
    assert "ghs_top_secret" not in json.dumps(comments(emu))
    assert statuses(emu)[-1] == ("telefonistka", "error")


@pytest.mark.parametrize(
    ("template", "why"),
    [("https://x/{{ nope }}", "'nope' is undefined"), ("{{ repository }}", "not a URL")],
)
def test_a_bad_status_target_url_is_an_input_error_before_any_request(
    emu: GitHubEmulator, template: str, why: str
) -> None:
    """The bug: a bad template aborted every run after the status was set ``pending``."""
    event = open_pr(emu, IN_SYNC, {"env/staging/app/extra.yaml": "a: 1\n"})
    emu.reset()

    step = run_step(emu, event, status_target_url=template)

    assert step.code == 2, step.stdout + step.stderr
    assert "::error title=telefonistka::input the status-target-url template" in step.stdout
    assert why in step.stdout
    assert emu.requests == []
    assert statuses(emu) == []


def test_an_unexpected_error_still_ends_the_status_and_the_run_cleanly(
    emu: GitHubEmulator,
) -> None:
    """A bug (here: GitHub answering a PR-files page with an object) must not leave the
    status ``pending``: it becomes ``error``, with an annotation and a summary."""
    event = open_pr(emu, DRIFTED, {"env/staging/app/values.yaml": "tag: v3\n"})
    emu.graphql_refused_fields = {"files"}  # the files come through REST, and garbled
    emu.add_fault(path=r"/pulls/\d+/files$", method="GET", status=200, body={"files": "?"})

    step = run_step(emu, event)

    assert step.code == 1, step.stdout + step.stderr
    assert "::error title=telefonistka::unexpected error (a bug, please report it)" in (step.stdout)
    assert "Traceback" in step.stdout  # in the log, for the report
    assert "telefonistka: unexpected error" in step.summary
    assert statuses(emu)[-1] == ("telefonistka", "error")


@pytest.fixture
def fork_emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """``fork-token`` reads only, as the GITHUB_TOKEN of a fork PR's workflow run."""
    yield from checked_emulator(tmp_path / "github", read_only_tokens=frozenset({"fork-token"}))


def as_fork(event: Path) -> Path:
    """The delivery as GitHub sends it for a PR from ``mallory/infra``."""
    payload = json.loads(event.read_text())
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/infra"
    payload["pull_request"]["head"]["label"] = "mallory:feature"
    event.write_text(json.dumps(payload))
    return event


def test_a_fork_pr_gets_a_read_only_check_in_the_summary(fork_emu: GitHubEmulator) -> None:
    """A fork PR's run has a read-only token: no status, no comment is even tried, and the
    drift found is in the summary and the outputs, with a note saying why."""
    event = as_fork(open_pr(fork_emu, DRIFTED, {"env/staging/app/extra.yaml": "a: 1\n"}))
    fork_emu.reset()

    step = run_step(fork_emu, event, github_token="fork-token")

    assert step.code == 0, step.stdout + step.stderr
    assert (comments(fork_emu), statuses(fork_emu)) == ([], [])
    assert step.outputs["drift-detected"] == "true"
    assert "This PR comes from a fork" in step.summary
    assert "| `env/prod/app` | `env/staging/app` |" in step.summary
    assert all(e.method == "GET" or e.route == "/graphql" for e in fork_emu.requests)


def test_a_fork_pr_with_the_show_plan_label_gets_the_plan_in_the_summary(
    fork_emu: GitHubEmulator,
) -> None:
    open_pr(fork_emu, IN_SYNC, {"env/staging/app/values.yaml": "tag: v3\n"})
    client(fork_emu).get_pull(1).add_to_labels("show-plan")
    event = as_fork(latest_event(fork_emu, "pull_request", "labeled"))
    fork_emu.reset()

    step = run_step(fork_emu, event, github_token="fork-token")
    assert all(e.method == "GET" or e.route == "/graphql" for e in fork_emu.requests)

    assert step.code == 0, step.stdout + step.stderr
    assert comments(fork_emu) == []
    assert "This PR comes from a fork" in step.summary
    assert "## 📋 Telefonistka promotion plan" in step.summary
    assert json.loads(step.outputs["plan"])["promotions"]


def test_the_emulator_refuses_a_read_only_token_every_write(fork_emu: GitHubEmulator) -> None:
    fork_emu.repo(REPO, IN_SYNC)
    reader = pygithub_client(fork_emu, "fork-token").get_repo(REPO)
    assert reader.get_branch("main").commit.sha == main_sha(fork_emu)
    with pytest.raises(GithubException) as refused:
        reader.create_git_ref("refs/heads/x", main_sha(fork_emu))
    assert refused.value.status == 403
    assert "Resource not accessible by integration" in str(refused.value.data)


def test_a_drift_too_large_for_a_few_comments_gets_the_concise_form(emu: GitHubEmulator) -> None:
    """Not a wall of comments: one comment with pairs, counts and first files, linking the
    run whose job summary holds the whole warning."""

    def values(tag: str) -> str:
        return "".join(f"key{i}: {tag}-{'x' * 40}\n" for i in range(400))

    seed = IN_SYNC | {f"env/staging/app/f{n}.yaml": values("new") for n in range(12)}
    seed |= {f"env/prod/app/f{n}.yaml": values("old") for n in range(12)}
    event = open_pr(emu, seed, {"env/staging/app/extra.yaml": "a: 1\n"})

    step = run_entrypoint(emu, event, env={"GITHUB_RUN_ID": "4242"})

    assert step.code == 0, step.stdout + step.stderr
    [(_, body, _)] = comments(emu)
    assert body.startswith(DRIFT_MARKER)
    assert "(part" not in body
    assert f"[job summary of this run]({emu.root_url}/{REPO}/actions/runs/4242)" in body
    assert "| `env/prod/app` | `env/staging/app` | 12 | 0 | 0 | `f0.yaml`," in body
    assert "The whole drift warning (the PR got a concise one)" in step.summary
    for n in range(12):
        assert f"f{n}.yaml" in step.summary
    assert "-key0: old-" in step.summary
