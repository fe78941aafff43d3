"""``telefonistka validate`` (commands/validate.py) and its pre-commit hook."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from telefonistka.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "config"

VALID_REPO = "promotionPaths:\n  - sourcePath: a/\n    promotionPrs: [{targetPaths: [b/]}]\n"
INVALID_REPO = "promotionPath: []\ndryRunMode: 'yes'\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary git checkout as the current directory, so printed paths are short and
    exact and each file's kind is decided by its place in the repository."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary current directory that is in no git repository."""
    monkeypatch.chdir(tmp_path)
    assert not any((folder / ".git").exists() for folder in (tmp_path, *tmp_path.parents))
    return tmp_path


def write(path: Path, text: str | bytes) -> str:
    """Write a file (creating folders) and return its name relative to the workdir."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path.relative_to(Path.cwd()))


def test_valid_file_prints_ok(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(workdir / "telefonistka.yaml", VALID_REPO)
    assert main(["validate", "telefonistka.yaml"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("telefonistka.yaml: ok (repo config)\n", "")


def test_default_path_is_telefonistka_yaml(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workdir / "telefonistka.yaml", VALID_REPO)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "telefonistka.yaml: ok (repo config)\n"


def test_invalid_file_prints_every_problem(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workdir / "telefonistka.yaml", INVALID_REPO)
    assert main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "telefonistka.yaml:1:1: promotionPath: unknown key 'promotionPath'; "
        "did you mean 'promotionPaths'?\n"
        "telefonistka.yaml:2:13: dryRunMode: expected true or false, got a string ('yes'); "
        "write true: YAML 1.2, as editors read it, takes yes as text\n"
    )


def test_golden_fixture(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURES / "many_errors.yaml", workdir / "many_errors.yaml")
    assert main(["validate", "many_errors.yaml"]) == 1
    expected = (FIXTURES / "many_errors.expected.txt").read_text()
    assert capsys.readouterr().err == expected


@pytest.mark.usefixtures("workdir")
def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "telefonistka.yaml: error: cannot read the file: file not found\n")


def test_directory_is_a_clear_error(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "clusters").mkdir()
    assert main(["validate", "clusters"]) == 1
    assert capsys.readouterr().err == "clusters: error: cannot read the file: Is a directory\n"


def test_several_files_each_reported(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(workdir / "telefonistka.yaml", VALID_REPO)
    component = write(workdir / "workspace/app/telefonistka.yaml", "disableArgoCDDiff: true\n")
    bad = write(workdir / "workspace/bad/telefonistka.yaml", "promotionTargetBlockList: ['(']\n")
    assert main(["validate", good, component, bad, "missing.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out == (
        "telefonistka.yaml: ok (repo config)\n"
        "workspace/app/telefonistka.yaml: ok (component config)\n"
    )
    assert err == (
        "workspace/bad/telefonistka.yaml:1:28: promotionTargetBlockList[0]: invalid regular "
        "expression '(': missing ): (\n"
        "missing.yaml: error: cannot read the file: file not found\n"
    )


def test_all_valid_files_exit_zero(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write(workdir / "telefonistka.yaml", (FIXTURES / "full_repo.yaml").read_text())
    comp = write(workdir / "c/telefonistka.yaml", (FIXTURES / "full_component.yaml").read_text())
    assert main(["validate", repo, comp]) == 0
    assert capsys.readouterr().out == (
        "telefonistka.yaml: ok (repo config)\nc/telefonistka.yaml: ok (component config)\n"
    )


def test_kind_option_forces_the_schema(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(workdir / "telefonistka.yaml", "disableArgoCDDiff: true\n")
    assert main(["validate", "--kind", "repo", name]) == 1
    assert capsys.readouterr().err == (
        "telefonistka.yaml:1:1: disableArgoCDDiff: unknown key 'disableArgoCDDiff': "
        "it belongs in a component's telefonistka.yaml, not here\n"
    )
    assert main(["validate", "--kind", "component", name]) == 0
    assert capsys.readouterr().out == "telefonistka.yaml: ok (component config)\n"


def test_empty_component_forced(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(workdir / "telefonistka.yaml", "# nothing yet\n")
    assert main(["validate", "--kind", "component", name]) == 0
    assert capsys.readouterr().out == "telefonistka.yaml: ok (component config)\n"


def test_non_utf8_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(workdir / "telefonistka.yaml", b"dryRunMode: true\n# caf\xe9\n")
    assert main(["validate", name]) == 1
    assert capsys.readouterr().err == (
        "telefonistka.yaml:2:6: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8\n"
    )


def test_github_format_prints_annotations(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workdir / "telefonistka.yaml", "promotionPath: []\n- a\n")
    write(workdir / "a,b/telefonistka.yaml", "promotionPath: []\n")
    assert (
        main(["validate", "--format", "github", "telefonistka.yaml", "a,b/telefonistka.yaml"]) == 1
    )
    assert capsys.readouterr().err == (
        "::error file=telefonistka.yaml,line=2,col=1,title=telefonistka config::"
        "invalid YAML: expected <block end>, but found '-' (while parsing a block mapping)\n"
        "::error file=a%2Cb/telefonistka.yaml,line=1,col=1,title=telefonistka config::"
        "promotionPath: unknown key 'promotionPath'; did you mean 'promotionPaths' "
        "(a key of the repo-root telefonistka.yaml)?\n"
    )


def test_the_kind_of_a_file_is_decided_by_its_place_not_its_keys(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A root file holding only component-like keys is still the repo config, and a
    component file with a repo key is still a component config."""
    write(workdir / "telefonistka.yaml", "disableArgoCDDiff: true\n")
    write(workdir / "apps/web/telefonistka.yaml", "dryRunMode: true\n")
    (workdir / "apps").mkdir(exist_ok=True)

    code = main(["validate", "telefonistka.yaml", "apps/web/telefonistka.yaml"])

    err = capsys.readouterr().err
    assert code == 1
    assert "telefonistka.yaml:1:1: disableArgoCDDiff: unknown key" in err
    assert "apps/web/telefonistka.yaml:1:1: dryRunMode: unknown key" in err


def test_github_format_escapes_percent(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(workdir / "telefonistka.yaml", "dryRunMode: '100%'\n")
    assert main(["validate", "--format", "github"]) == 1
    assert capsys.readouterr().err == (
        "::error file=telefonistka.yaml,line=1,col=13,title=telefonistka config::"
        "dryRunMode: expected true or false, got a string ('100%25'); "
        "write true or false without quotes\n"
    )


@pytest.mark.parametrize(
    "argv",
    [["validate", "--kind", "pipeline"], ["validate", "--format", "json"]],
)
def test_bad_option_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_runs_validate(tmp_path: Path) -> None:
    (tmp_path / "telefonistka.yaml").write_text(INVALID_REPO)
    (tmp_path / "ok.yaml").write_text(VALID_REPO)
    result = subprocess.run(
        [sys.executable, "-m", "telefonistka", "validate", "ok.yaml", "telefonistka.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == "ok.yaml: ok (repo config)\n"
    assert result.stderr == (
        "telefonistka.yaml:1:1: promotionPath: unknown key 'promotionPath'; "
        "did you mean 'promotionPaths'?\n"
        "telefonistka.yaml:2:13: dryRunMode: expected true or false, got a string ('yes'); "
        "write true: YAML 1.2, as editors read it, takes yes as text\n"
    )


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["telefonistka-validate"]
    hook = hooks[0]
    assert (hook["entry"], hook["language"]) == ("telefonistka validate", "python")
    files = re.compile(hook["files"])
    matched = [
        name
        for name in (
            "telefonistka.yaml",
            "workspace/app/telefonistka.yaml",
            "my-telefonistka.yaml",
            "telefonistka.yaml.bak",
            "telefonistka.yml",
        )
        if files.search(name)
    ]
    assert matched == ["telefonistka.yaml", "workspace/app/telefonistka.yaml"]


# --- validate --repo: every telefonistka.yaml of a repository, each by its place -------


def test_repo_checks_every_file_by_its_place(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workdir / "infra/telefonistka.yaml", VALID_REPO)
    write(workdir / "infra/env/staging/app/telefonistka.yaml", "disableArgoCDDiff: true\n")
    write(workdir / "infra/env/prod/db/telefonistka.yaml", "dryRunMode: true\n")  # repo key
    write(workdir / "infra/.github/telefonistka.yaml", "not: checked\n")
    write(workdir / "infra/.git/telefonistka.yaml", "not: checked\n")

    code = main(["validate", "--repo", "infra"])

    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [
        "infra/telefonistka.yaml: ok (repo config)",
        "infra/env/staging/app/telefonistka.yaml: ok (component config)",
    ]
    assert "infra/env/prod/db/telefonistka.yaml:1:1: dryRunMode: unknown key" in err
    assert ".github" not in out + err


def test_repo_all_valid_exits_0(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(workdir / "telefonistka.yaml", VALID_REPO)
    write(workdir / "a/b/telefonistka.yaml", "promotionTargetBlockList: [x]\n")

    assert main(["validate", "--repo", "."]) == 0
    assert capsys.readouterr().out.count(": ok (") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "."], "no telefonistka.yaml at the root of ."),
        (["--repo", "missing"], "--repo missing: not a folder"),
        (["--repo", ".", "x.yaml"], "give either PATH ... or --repo, not both"),
    ],
)
def test_repo_usage_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    write(workdir / "a/telefonistka.yaml", "disableArgoCDDiff: true\n")

    assert main(["validate", *args]) == 2
    assert message in capsys.readouterr().err


def test_outside_a_repository_a_file_given_by_path_is_the_repo_config(
    outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to be read as a component config, "it belongs in the repo-root file"."""
    write(outside / "path/to/telefonistka.yaml", VALID_REPO)

    assert main(["validate", "path/to/telefonistka.yaml"]) == 0
    assert capsys.readouterr().out == "path/to/telefonistka.yaml: ok (repo config)\n"
    assert main(["validate", "--kind", "component", "path/to/telefonistka.yaml"]) == 1


def test_inside_a_repository_the_place_decides(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workdir / "env/app/telefonistka.yaml", "promotionTargetBlockList: [x]\n")

    assert main(["validate", "env/app/telefonistka.yaml"]) == 0
    assert capsys.readouterr().out == "env/app/telefonistka.yaml: ok (component config)\n"


def test_a_repository_without_a_config_is_pointed_to_init(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workdir / "env/prod/app/values.yaml", "a: 1\n")

    assert main(["validate", "--repo", "."]) == 2
    assert "`telefonistka init --repo .` proposes one" in capsys.readouterr().err
