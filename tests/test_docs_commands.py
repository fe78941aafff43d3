"""The commands the README and docs/ show are true: they parse, and the README's run.

- Every ``telefonistka …`` line in a fenced shell block of README.md or docs/*.md that is
  a concrete command (not a synopsis with ``[…]``, ``|`` or ``...``) is parsed by the
  real CLI parser: a renamed or removed option fails here, not in a reader's terminal.
- The README's "Using it" block is run, line by line, in a real git repository: the demo's
  example fleet on a feature branch with a change, and a push event beside it. Each
  command must exit as documented (0; ``drift --exit-code`` 0 or 3).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepoBuilder

from telefonistka.cli import build_parser
from telefonistka.demo.example_repo import initial_files, nginx_values

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_FENCES = frozenset({"", "sh", "bash", "shell", "console", "text"})
SYNOPSIS = re.compile(r"\[|\||\.\.\.|…")


def shell_blocks(text: str) -> list[str]:
    """The contents of the fenced blocks whose info string says shell (or nothing)."""
    blocks, current, info = [], [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if info is None:
                info, current = line[3:].strip(), []
            else:
                if info in SHELL_FENCES:
                    blocks.append("\n".join(current))
                info = None
        elif info is not None:
            current.append(line)
    return blocks


def command_lines(text: str) -> list[str]:
    """``telefonistka …`` commands of the shell blocks, continuation lines joined."""
    found = []
    for block in shell_blocks(text):
        for raw in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = raw.strip().removeprefix("$ ")
            if line.startswith("telefonistka ") and not SYNOPSIS.search(line):
                found.append(line.split(" #", 1)[0].strip())
    return found


DOCUMENTED = [(path, line) for path in DOCS for line in command_lines(path.read_text())]


def test_the_docs_show_commands() -> None:
    names = {path.name for path, _ in DOCUMENTED}
    assert {"README.md", "version-bumping.md"} <= names
    assert len(DOCUMENTED) >= 10


@pytest.mark.parametrize(
    ("path", "line"), DOCUMENTED, ids=[f"{p.name}:{line[:50]}" for p, line in DOCUMENTED]
)
def test_every_documented_command_parses(path: Path, line: str) -> None:
    parser = build_parser()
    try:
        parser.parse_args(shlex.split(line)[1:])
    except SystemExit as exit_:
        pytest.fail(f"{path.name}: `{line}` does not parse (exit {exit_.code})")


def readme_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Using it") :]
    return command_lines(section[: section.index("\n## ", 1)] if "\n## " in section else section)


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """The demo's example fleet on ``main``; ``feature`` checked out, changing nginx."""
    repo = GitRepoBuilder(tmp_path / "infra")
    repo.commit(initial_files(), message="the fleet")
    repo.branch("feature")
    repo.commit({"workspace/nginx/values.yaml": nginx_values("1.27.1")}, message="nginx 1.27.1")
    head = repo.git("rev-parse", "HEAD")
    event = {
        "ref": "refs/heads/main",
        "before": "0" * 40,
        "after": head,
        "repository": {"full_name": "acme/infra", "default_branch": "main"},
        "commits": [
            {
                "id": head,
                "added": [],
                "removed": [],
                "modified": ["clusters/lab/us-east4/c1/nginx/values.yaml"],
            }
        ],
        "head_commit": {"id": head},
    }
    (repo.path / "push.json").write_text(json.dumps(event))
    return repo.path


def test_the_readme_commands_run(fleet: Path) -> None:
    commands = readme_block()
    assert len(commands) >= 5
    for line in commands:
        args = shlex.split(line)
        done = subprocess.run(
            [sys.executable, "-m", "telefonistka", *args[1:]],
            cwd=fleet,
            capture_output=True,
            text=True,
            check=False,
        )
        allowed = {0, 3} if "--exit-code" in args else {0}
        assert done.returncode in allowed, f"`{line}`: exit {done.returncode}\n{done.stderr}"
        assert done.stdout, f"`{line}` printed nothing"


def test_the_troubleshooting_regex_row_quotes_what_re2_really_says() -> None:
    """The page once said RE2 refuses ``[[:digit:]]``: it accepts it; the errors it quotes
    for backreferences and lookarounds are RE2's own words."""
    from telefonistka.core.config.regex import regex_error  # noqa: PLC0415

    text = (Path(__file__).resolve().parent.parent / "docs" / "troubleshooting.md").read_text()
    assert regex_error("[[:digit:]]") is None
    backreference = "(a)\\1"
    assert f"invalid regular expression '{backreference}': {regex_error(backreference)}" in text
    assert f"`{regex_error('(?=x)')}`" in text


def test_the_configuration_guide_says_promotion_overwrites_per_environment_values() -> None:
    """Next to the promotion rules, until environment-local values exist."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    rules = text.split("### `promotionPaths[].promotionPrs[].targetPaths`", 1)[1]
    rules = rules.split("### `promotionPaths[].promotionPrs[].targetDescription`", 1)[0]
    assert "#### What a promotion copies: the whole folder" in rules
    assert "overwritten with the source environment's value" in rules


def test_migration_lists_the_deliberate_differences_the_go_original_has() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "migration.md").read_text()
    section = text.split("## Deliberate differences", 1)[1]
    for topic in (
        "history lines when the promoted components skip different targets",
        "a `status-target-url` template that fails to render",
        "`bump-regex` replacement",
        "an Action input that is not one of the Action's",
    ):
        assert topic in section, topic
