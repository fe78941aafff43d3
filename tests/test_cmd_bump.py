"""``telefonistka bump-overwrite|bump-regex|bump-yaml`` through ``cli.main``.

The environment points the commands at the GitHub emulator the way a workflow would
(``GITHUB_API_URL``, ``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``/``SHA``/``ACTOR``).
"""

from __future__ import annotations

import argparse
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session
from gitrepo import GitRepoBuilder

from telefonistka import cli
from telefonistka.cli.bump_options import api_url
from telefonistka.usecases.bump_version import branch_name

TARGET = "acme/infra"
VALUES = "apps/web/values.yaml"
SHA = "fedcba9876543210fedcba9876543210fedcba98"
BRANCH = branch_name(VALUES)


@pytest.fixture
def emu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    for name, value in {
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme/web",
        "GITHUB_SHA": SHA,
        "GITHUB_ACTOR": "bob",
        "TARGET_REPO": TARGET,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("TARGET_FILE", "GITHUB_OAUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for emulator in emulator_session(tmp_path / "github"):
        emulator.repo(TARGET, {VALUES: "image:\n  tag: v1  # web\n"})
        monkeypatch.setenv("GITHUB_API_URL", emulator.base_url)
        yield emulator


def show(emu: GitHubEmulator, rev: str, path: str) -> str:
    git_dir = emu.get_repo(TARGET).git.path
    command = ["git", "show", f"{rev}:{path}"]
    return subprocess.run(command, cwd=git_dir, capture_output=True, check=True, text=True).stdout


def test_bump_yaml_opens_the_pr_and_prints_its_url(
    emu: GitHubEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["bump-yaml", "-f", VALUES, "--address", ".image.tag", "-n", "v2"])

    out, err = capsys.readouterr()
    assert code == 0
    assert show(emu, BRANCH, VALUES) == "image:\n  tag: v2  # web\n"
    [pull] = emu.get_repo(TARGET).pulls.values()
    assert pull.title == f"acme/web🚠 Bumping version @ {VALUES}"
    assert pull.assignees == ["bob"]
    assert out.strip().endswith(f"/pull/{pull.number}")
    assert "+  tag: v2  # web" in err


def test_dry_run_prints_the_diff_and_writes_nothing(
    emu: GitHubEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["bump-regex", "-f", VALUES, "--regex-string", r"tag: (\w+)", "-n", "tag: ${1}-rc1"]
    code = cli.main([*args, "--dry-run"])

    out, _ = capsys.readouterr()
    assert code == 0
    assert out == (
        f"--- a/{VALUES}\n+++ b/{VALUES}\n@@ -1,2 +1,2 @@\n image:\n"
        "-  tag: v1  # web\n+  tag: v1-rc1  # web\n"
    )
    assert all(entry.method == "GET" for entry in emu.requests)


def test_a_python_style_replacement_is_refused_before_any_request(
    emu: GitHubEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["bump-regex", "-f", VALUES, "--regex-string", r"tag: (\w+)", "-n", r"tag: \1-rc1"]
    code = cli.main(args)

    _, err = capsys.readouterr()
    assert code == 2
    assert "Python's group syntax '\\\\1'" in err
    assert "write ${1}" in err
    assert emu.requests == []


@pytest.mark.usefixtures("emu")
def test_a_go_dollar_replacement_is_written_as_go_writes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``$1`` used to be written literally (Python's re.sub), and the run succeeded."""
    args = ["bump-regex", "-f", VALUES, "--regex-string", r"tag: (?P<v>\w+)", "-n", "tag: $v-$$"]
    code = cli.main([*args, "--dry-run"])

    out, _ = capsys.readouterr()
    assert code == 0
    assert "+  tag: v1-$  # web\n" in out


def test_bump_overwrite_reads_stdin_and_auto_merges(
    emu: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"version: 3\n")))
    monkeypatch.setenv("TARGET_FILE", "apps/web/version.yaml")

    code = cli.main(["bump-overwrite", "--file", "-", "--auto-merge"])

    assert code == 0
    assert show(emu, "main", "apps/web/version.yaml") == "version: 3\n"
    assert "merged PR #1" in capsys.readouterr().err


def test_an_unchanged_file_exits_zero_without_a_pr(
    emu: GitHubEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "values.yaml"
    content.write_text("image:\n  tag: v1  # web\n")

    code = cli.main(["bump-overwrite", "-f", VALUES, "-c", str(content)])

    assert code == 0
    assert not emu.get_repo(TARGET).pulls
    assert "already has this content" in capsys.readouterr().err


@pytest.mark.parametrize(
    "case",
    [
        (["bump-yaml", "-f", VALUES, "--address", ".nope", "-n", "x"], None, "matches nothing", 1),
        (["bump-regex", "-f", "x.txt", "-r", "a", "-n", "b"], None, "does not exist", 1),
        (["bump-yaml", "-f", VALUES, "--address", ".a", "-n", "x"], "GITHUB_TOKEN", "token", 2),
        (["bump-yaml", "--address", ".a", "-n", "x"], None, "--target-file is required", 2),
        (["bump-yaml", "-f", VALUES, "--address", ".a", "-n", "x"], "TARGET_REPO", "--target", 2),
        (["bump-yaml", "-f", VALUES, "--address", ".a", "-n", "x"], "GITHUB_SHA", "trigger", 2),
        (["bump-overwrite", "-f", VALUES, "-c", "/nonexistent/file"], None, "cannot read", 2),
    ],
)
def test_errors_are_reported_with_the_fix(
    emu: GitHubEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: tuple[list[str], str | None, str, int],
) -> None:
    """``case``: argv, a variable to unset, what stderr says, the exit code."""
    argv, unset, message, code = case
    if unset:
        monkeypatch.delenv(unset)

    assert cli.main(argv) == code
    assert message in capsys.readouterr().err
    assert not emu.get_repo(TARGET).pulls


@pytest.mark.parametrize(
    ("host", "environ", "expected"),
    [
        ("ghe.example.com", {}, "https://ghe.example.com/api/v3"),
        ("github.com", {"GITHUB_API_URL": "https://x/api/v3"}, "https://api.github.com"),
        (
            None,
            {"GITHUB_API_URL": "https://ghe.example.com/api/v3"},
            "https://ghe.example.com/api/v3",
        ),
        (None, {}, "https://api.github.com"),
    ],
)
def test_api_url_from_host_or_environment(
    host: str | None, environ: dict[str, str], expected: str
) -> None:
    assert api_url(argparse.Namespace(github_host=host), environ) == expected


# --- --repo DIR: a bump of a local repository, offline ------------------------------------


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepoBuilder:
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_SHA", "TARGET_REPO", "TARGET_FILE"):
        monkeypatch.delenv(name, raising=False)
    builder = GitRepoBuilder(tmp_path / "infra")
    builder.commit({VALUES: "image:\n  tag: v1  # web\n"}, message="initial")
    return builder


def test_a_local_bump_writes_the_branch_and_prints_its_name(
    local: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["bump-yaml", "--repo", str(local.path), "-f", VALUES, "--address", ".image.tag"]

    code = cli.main([*args, "-n", "v2"])
    out, err = capsys.readouterr()
    again = cli.main([*args, "-n", "v2"])

    assert (code, again) == (0, 0)
    assert (out, capsys.readouterr().out) == (f"{BRANCH}\n", f"{BRANCH}\n")
    assert local.git("show", f"{BRANCH}:{VALUES}") == "image:\n  tag: v2  # web"
    assert local.git("log", "-1", "--format=%s", BRANCH) == f"Bumping version @ {VALUES}"
    assert local.git("rev-list", "--count", BRANCH) == "2"  # the rerun wrote nothing
    assert err.count("-  tag: v1  # web") == 1  # the diff, once, in the log
    assert local.git("show", f"main:{VALUES}") == "image:\n  tag: v1  # web"  # main untouched


def test_a_local_dry_run_prints_the_diff_once_and_writes_nothing(
    local: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["bump-regex", "--repo", str(local.path), "-f", VALUES, "-r", "v1", "-n", "v3", "--dry-run"]
    )

    out, err = capsys.readouterr()
    assert code == 0
    assert "+  tag: v3  # web" in out
    assert "+  tag: v3" not in err
    assert local.git("branch", "--list", BRANCH) == ""


def test_a_local_branch_somebody_committed_to_is_left_alone(
    local: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["bump-yaml", "--repo", str(local.path), "-f", VALUES, "--address", ".image.tag"]
    assert cli.main([*args, "-n", "v2"]) == 0
    local.checkout(BRANCH)
    fix = local.commit({"apps/web/notes.txt": "reviewer\n"}, message="a fix")
    local.checkout("main")

    assert cli.main([*args, "-n", "v3"]) == 0

    assert local.git("rev-parse", BRANCH) == fix
    assert "holds a commit telefonistka did not write" in capsys.readouterr().err


def test_auto_merge_needs_github(local: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["bump-yaml", "--repo", str(local.path), "-f", VALUES, "--address", ".image.tag"]
    args += ["-n", "v2", "--auto-merge"]

    assert cli.main(args) == 2
    assert "with --repo there is no PR" in capsys.readouterr().err
