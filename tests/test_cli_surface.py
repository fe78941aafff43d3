"""The command line as a Unix tool: a closed pipe, mistyped flags, per-option help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepoBuilder

from telefonistka.cli import BROKEN_PIPE_EXIT, main


def read_three_lines_then_close(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Run the CLI, read three lines of its stdout, close the pipe as ``head -3`` does;
    the exit code and everything it wrote on stderr."""
    child = subprocess.Popen(
        [sys.executable, "-m", "telefonistka", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    for _ in range(3):
        child.stdout.readline()
    child.stdout.close()
    err = child.stderr.read().decode()
    child.stderr.close()
    return child.wait(timeout=120), err


def test_demo_piped_into_head_ends_quietly() -> None:
    """It used to end with a BrokenPipeError traceback."""
    code, err = read_three_lines_then_close("demo")

    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert code in (0, BROKEN_PIPE_EXIT)  # 0 only if it finished before the pipe closed


def test_plan_json_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "repo")
    targets = ", ".join(f'"env/prod-{n}/"' for n in range(3000))  # far more than a pipe holds
    builder.commit(
        {
            "telefonistka.yaml": f"promotionPaths:\n  - sourcePath: env/staging/\n"
            f"    promotionPrs:\n      - targetPaths: [{targets}]\n",
            "env/staging/app/values.yaml": "tag: v1\n",
        },
        message="initial",
    )
    builder.branch("feature")
    builder.commit({"env/staging/app/values.yaml": "tag: v2\n"}, message="bump")

    code, err = read_three_lines_then_close(
        "plan", "--repo", str(builder.path), "--base", "main", "--head", "feature", "--json"
    )

    assert (code, err) == (BROKEN_PIPE_EXIT, "")


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["plan", "--lable", "x"], "unrecognized arguments: --lable (did you mean --label?) x"),
        (["plan", "--lable=x"], "--lable=x (did you mean --label?)"),
        (["drift", "--exitcode"], "--exitcode (did you mean --exit-code?)"),
        (["plna"], "invalid choice: 'plna'"),
        (["plna"], "; did you mean plan?"),
    ],
)
def test_a_mistyped_flag_or_command_gets_a_did_you_mean(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 2
    assert suggestion in capsys.readouterr().err


def test_an_unknown_argument_with_nothing_close_is_still_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["plan", "--zzzzzz"])

    err = capsys.readouterr().err
    assert err.rstrip().endswith("unrecognized arguments: --zzzzzz")


@pytest.mark.parametrize(
    ("command", "exit_code_help"),
    [
        ("plan", "exit 3 when the plan has conflicts"),
        ("drift", "exit 3 when drift is found"),
        ("argocd-diff", "exit 3 when an Argo CD app would change"),
    ],
)
def test_each_option_s_help_describes_that_option(
    command: str, exit_code_help: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The --exit-code condition used to be printed under --base."""
    with pytest.raises(SystemExit):
        main([command, "--help"])

    help_text = " ".join(capsys.readouterr().out.split())
    base = help_text.split("--base BASE", 2)[2].split("--head HEAD")[0]
    exit_code = help_text.split("--exit-code", 2)[2].split(" --")[0]
    assert "exit" not in base
    assert exit_code_help in exit_code
