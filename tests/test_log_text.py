"""``inert`` and the CLI's guard: no text the bot prints can be a workflow command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepoBuilder
from hypothesis import given
from hypothesis import strategies as st
from runner_files import runner_commands

from telefonistka.cli import main
from telefonistka.cli.guard import GuardedStream, json_text
from telefonistka.core.text.log_text import ZWSP, inert

FORGED = (
    "a\r::error title=X::y",  # the runner ends lines at \r too
    "legacy ##[error]y",  # the legacy form counts anywhere in a line
    "b\r\n  ::add-mask::tok",
)


@pytest.mark.parametrize("text", FORGED)
def test_inert_leaves_no_command_and_only_adds_zero_width_spaces(text: str) -> None:
    made_inert = inert(text)

    assert runner_commands(text) != []  # the control: the runner would obey the raw text
    assert runner_commands(made_inert) == []
    assert made_inert.replace(ZWSP, "") == text
    assert inert(made_inert) == made_inert


@given(st.text(alphabet=st.sampled_from(list(":#[ \t\r\nax\u2028\x85"))))
def test_no_text_survives_inert_as_a_command(text: str) -> None:
    made_inert = inert(text)

    assert runner_commands(made_inert) == []
    assert made_inert.replace(ZWSP, "") == text.replace(ZWSP, "")


@given(st.lists(st.text(alphabet=st.sampled_from(list(":#[ \r\nx"))), max_size=6))
def test_the_guard_sees_a_line_written_in_parts_as_a_whole(parts: list[str]) -> None:
    out = io.StringIO()
    stream = GuardedStream(out)  # type: ignore[arg-type]
    for part in parts:
        stream.write(part)
        stream.flush()  # the worst case: every part sent on its own

    assert runner_commands(out.getvalue()) == []
    assert out.getvalue().replace(ZWSP, "") == "".join(parts)


def test_json_text_keeps_the_data_exact_and_carries_no_command() -> None:
    data = {"path": "legacy ##[error]y", "other": "x\r::error::y\u2028::z"}

    text = json_text(data)

    assert runner_commands(text) == []
    assert json.loads(text) == data


RANGE = ("--base", "main", "--head", "feature")


@pytest.fixture
def forged_repo(tmp_path: Path) -> GitRepoBuilder:
    """A repository whose merged change touches components named to forge commands."""
    repo = GitRepoBuilder(tmp_path / "repo")
    config = (
        "promotionPaths:\n  - sourcePath: env/staging/\n"
        "    promotionPrs: [{targetPaths: [env/prod/]}]\n"
    )
    repo.commit(
        {
            "telefonistka.yaml": config,
            **{f"env/staging/{name}/values.yaml": "tag: v1\n" for name in FORGED},
            **{f"env/prod/{name}/values.yaml": "tag: v0\n" for name in FORGED},
        },
        message="initial",
    )
    repo.branch("feature")
    repo.commit({f"env/staging/{name}/values.yaml": "tag: v2\n" for name in FORGED}, "change")
    return repo


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["plan", "--json"],
        ["drift"],
        ["drift", "--json"],
        ["drift", "--markdown"],
    ],
    ids=" ".join,
)
def test_cli_output_from_forged_folder_names_carries_no_command(
    forged_repo: GitRepoBuilder, args: list[str]
) -> None:
    """Run as a workflow step would: a child process, stdout and stderr read raw."""
    done = subprocess.run(
        [sys.executable, "-m", "telefonistka", *args, "--repo", str(forged_repo.path), *RANGE],
        capture_output=True,
        text=True,
        check=False,
        env=forged_repo.env,
    )

    assert done.returncode == 0, done.stderr
    assert "error]y" in done.stdout  # the names are shown ...
    assert runner_commands(done.stdout + "\n" + done.stderr) == []  # ... never obeyed
    if "--json" in args:
        assert "legacy ##[error]y" in json.dumps(json.loads(done.stdout))


def test_promote_output_from_forged_folder_names_carries_no_command(
    forged_repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    head = forged_repo.git("rev-parse", "feature").strip()
    forged_repo.git("checkout", "-q", "main")
    forged_repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7 from x/feature", head)

    for extra in ([], ["--json"]):
        code = main(["promote", "--repo", str(forged_repo.path), "--commit", "main", *extra])
        captured = capsys.readouterr()

        assert code == 0, captured.err
        assert runner_commands(captured.out + "\n" + captured.err) == []
