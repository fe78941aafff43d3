"""``telefonistka plan`` end to end, on real repositories built by git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitrepo import GitRepoBuilder

from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli import main
from telefonistka.cli.local_plan import plan_between

CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod-eu/", "env/prod-us/"]
        targetDescription: "prod"
      - targetPaths: ["env/prod-asia/"]
  - sourcePath: "dev/[^/]*/"
    conditions:
      autoMerge: true
    promotionPrs:
      - targetPaths: ["env/staging/"]
  - sourcePath: "labelled/"
    conditions:
      prHasLabels: ["promote-me"]
    promotionPrs:
      - targetPaths: ["env/qa/"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    """``main`` holds the config and one component; ``feature`` is checked out from it."""
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.commit(
        {
            "telefonistka.yaml": CONFIG,
            "env/staging/app/values.yaml": "tag: v1\n",
            "env/prod-eu/app/values.yaml": "tag: v0\n",
        },
        message="initial",
    )
    builder.branch("feature")
    return builder


def plan_json(
    builder: GitRepoBuilder, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    """Run ``plan --json`` main...feature and return the parsed output."""
    args = ["plan", "--repo", str(builder.path), "--base", "main", "--head", "feature"]
    assert main([*args, *extra, "--json"]) == 0
    out = capsys.readouterr().out
    parsed: dict[str, Any] = json.loads(out)
    assert out == json.dumps(parsed, indent=2, ensure_ascii=False) + "\n"
    return parsed


def run_plan(builder: GitRepoBuilder, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """Run ``plan`` and return (exit code, stdout, stderr)."""
    code = main(["plan", "--repo", str(builder.path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_multi_target_fan_out_json_shape(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})

    assert plan_json(repo, capsys) == {
        "promotions": [
            {
                "source_pattern": "env/staging/",
                "source_paths": ["env/staging/"],
                "target_paths": ["env/prod-eu/", "env/prod-us/"],
                "target_description": "prod",
                "components": ["app"],
                "auto_merge": False,
                "sync": {
                    "env/prod-eu/app": "env/staging/app",
                    "env/prod-us/app": "env/staging/app",
                },
                "skipped": {},
                "gates": [],
                "title": "🚀 Promotion: app ➡️  prod",
            },
            {
                "source_pattern": "env/staging/",
                "source_paths": ["env/staging/"],
                "target_paths": ["env/prod-asia/"],
                "target_description": "env/prod-asia/",
                "components": ["app"],
                "auto_merge": False,
                "sync": {"env/prod-asia/app": "env/staging/app"},
                "skipped": {},
                "gates": [],
                "title": "🚀 Promotion: app ➡️  env/prod-asia/",
            },
        ],
        "conflicts": [],
        "warnings": [],
    }


def test_regex_source_path_expands_to_the_real_folder(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"dev/us-east-4/web/deploy.yaml": "replicas: 2\n"})

    (promotion,) = plan_json(repo, capsys)["promotions"]

    assert promotion["source_pattern"] == "dev/[^/]*/"
    assert promotion["source_paths"] == ["dev/us-east-4/"]
    assert promotion["sync"] == {"env/staging/web": "dev/us-east-4/web"}
    assert promotion["auto_merge"] is True


def test_component_config_is_read_at_head(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.checkout("main")
    repo.commit({"env/staging/app/telefonistka.yaml": "promotionTargetBlockList: [prod-eu]\n"})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.commit(
        {
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/staging/app/telefonistka.yaml": "promotionTargetBlockList: [prod-asia]\n",
        }
    )

    plan = plan_json(repo, capsys)

    (promotion,) = plan["promotions"]
    assert promotion["sync"] == {
        "env/prod-eu/app": "env/staging/app",
        "env/prod-us/app": "env/staging/app",
    }
    assert len(plan["warnings"]) == 1
    assert "env/prod-asia/" in plan["warnings"][0]


def test_component_config_skip_is_reported_per_promotion(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit(
        {
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/staging/app/telefonistka.yaml": "promotionTargetBlockList: ['prod-us/']\n",
        }
    )

    first = plan_json(repo, capsys)["promotions"][0]

    assert first["sync"] == {"env/prod-eu/app": "env/staging/app"}
    assert first["skipped"] == {"app": ["env/prod-us/"]}


def test_label_condition_comes_from_label_options(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"labelled/tool/values.yaml": "a: 1\n"})

    without = plan_json(repo, capsys)
    with_label = plan_json(repo, capsys, "--label", "other", "--label", "promote-me")

    assert without["promotions"] == []
    assert "promote-me" in without["warnings"][0]
    assert with_label["promotions"][0]["sync"] == {"env/qa/tool": "labelled/tool"}


def test_two_different_sources_for_one_target_conflict(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"dev/us-east-4/a/x.yaml": "v: 4\n", "dev/us-east-5/a/x.yaml": "v: 5\n"})

    plan = plan_json(repo, capsys)

    assert plan["promotions"] == []
    assert plan["conflicts"] == [
        {"target": "env/staging/a", "sources": ["dev/us-east-4/a", "dev/us-east-5/a"]}
    ]


def test_identical_sources_are_not_a_conflict(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"dev/us-east-4/a/x.yaml": "v: 1\n", "dev/us-east-5/a/x.yaml": "v: 1\n"})

    plan = plan_json(repo, capsys)

    assert plan["conflicts"] == []
    assert plan["promotions"][0]["sync"] == {"env/staging/a": "dev/us-east-4/a"}


def test_rename_promotes_both_the_old_and_the_new_component(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("mv", "env/staging/app", "env/staging/renamed")
    repo.commit()

    first = plan_json(repo, capsys)["promotions"][0]

    assert first["components"] == ["app", "renamed"]
    assert first["sync"] == {
        "env/prod-eu/app": "env/staging/app",
        "env/prod-eu/renamed": "env/staging/renamed",
        "env/prod-us/app": "env/staging/app",
        "env/prod-us/renamed": "env/staging/renamed",
    }


def test_config_comes_from_base_not_head(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"telefonistka.yaml": "promotionPaths: []\n", "env/staging/app/v.yaml": "x\n"})

    assert len(plan_json(repo, capsys)["promotions"]) == 2


def test_invalid_config_at_base_fails_with_nothing_on_stdout(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.checkout("main")
    repo.commit({"telefonistka.yaml": CONFIG.replace("promotionPrs", "promotionPRs", 1)})
    repo.checkout("feature")
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})

    for extra in ([], ["--json"]):
        code, out, err = run_plan(repo, capsys, "--base", "main", "--head", "feature", *extra)
        assert code != 0
        assert out == ""
        assert "telefonistka.yaml:" in err
        assert "promotionPRs" in err


def test_invalid_component_config_names_its_file(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"env/staging/app/telefonistka.yaml": "promotionTargetBlockList: ['(']\n"})

    code, out, err = run_plan(repo, capsys, "--base", "main", "--head", "feature")

    assert (code, out) == (1, "")
    assert "env/staging/app/telefonistka.yaml:" in err


def test_missing_config_at_base_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = GitRepoBuilder(tmp_path / "bare-config")
    builder.commit({"env/staging/app/values.yaml": "a\n"})

    code, out, err = run_plan(builder, capsys, "--base", "main", "--head", "main")

    assert (code, out) == (1, "")
    assert "no telefonistka.yaml at the root of 'main'" in err


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        ("nope", "feature", "unknown revision 'nope'"),
        ("main", "feature~9", "unknown revision 'feature~9'"),
    ],
)
def test_unknown_ref_is_a_clear_error(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str], base: str, head: str, message: str
) -> None:
    code, out, err = run_plan(repo, capsys, "--base", base, "--head", head)

    assert (code, out) == (1, "")
    assert message in err


def test_an_error_message_cannot_forge_a_workflow_command(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_plan(repo, capsys, "--base", "nope\n::stop-commands::x", "--head", "main")

    assert code == 1
    assert "stop-commands" in err
    assert not [line for line in err.splitlines() if line.lstrip().startswith("::")]


def test_bad_repo_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path, message in ((tmp_path / "missing", "does not exist"), (tmp_path, "not a git")):
        code = main(["plan", "--repo", str(path), "--base", "main", "--head", "main"])
        captured = capsys.readouterr()
        assert (code, captured.out) == (1, "")
        assert message in captured.err


def test_default_output_is_a_table(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})

    code, out, _ = run_plan(repo, capsys, "--base", "main", "--head", "feature")

    assert code == 0
    assert "Promotion 1/2: 🚀 Promotion: app ➡️  prod" in out
    assert "env/prod-eu/app  ←  env/staging/app" in out


def test_a_folder_name_cannot_forge_a_workflow_command(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    """``plan`` runs in workflow steps: a component named with a newline and ``::error::``
    (a valid git path) must not start a line the runner would obey."""
    forged = "app\n::error file=x::forged\n  ::add-mask::tok"
    repo.commit({f"env/staging/{forged}/values.yaml": "tag: v2\n"})

    code, out, _ = run_plan(repo, capsys, "--base", "main", "--head", "feature")

    assert code == 0
    assert "forged" in out
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]
    as_json = plan_json(repo, capsys)  # JSON keeps the name exactly: no line can start "::"
    [promotion, *_] = as_json["promotions"]
    assert any(forged in target for target in promotion["sync"])


def test_no_promotions_table(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit({"README.md": "not a component\n"})

    assert run_plan(repo, capsys, "--base", "main", "--head", "feature") == (
        0,
        "No promotions.\n",
        "",
    )


def test_plan_between_keeps_what_the_plan_was_computed_from(repo: GitRepoBuilder) -> None:
    head = repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})

    planned = plan_between(LocalGitRepo(repo.path, environ=repo.env), "main", "feature")

    assert planned.snapshot.commit == head
    assert planned.changed_files == ("env/staging/app/values.yaml",)
    assert [c.path for c in planned.components] == ["env/staging/app"]
    assert planned.component_configs == {}


def test_python_dash_m_subprocess(repo: GitRepoBuilder) -> None:
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})
    args = ["plan", "--repo", str(repo.path), "--base", "main", "--head", "feature", "--json"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    result = subprocess.run(
        [sys.executable, "-m", "telefonistka", *args], capture_output=True, env=env, check=False
    )

    assert result.returncode == 0, result.stderr.decode()
    plan = json.loads(result.stdout.decode("utf-8"))
    assert plan["promotions"][0]["title"] == "🚀 Promotion: app ➡️  prod"


# --- fitting CI: defaults and --exit-code ----------------------------------------------


def test_base_defaults_to_the_default_branch_and_head_to_head(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the checked-out feature branch, ``plan`` alone plans main...HEAD."""
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})

    code, out, err = run_plan(repo, capsys)

    assert (code, err) == (0, "")
    assert "env/prod-eu/app  ←  env/staging/app" in out


def test_a_clone_takes_origin_head_as_the_base(
    repo: GitRepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a clone, ``origin/HEAD`` names the default branch, with no local main needed."""
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"})
    repo.checkout("main")  # the origin's HEAD is its default branch, as on GitHub
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "-b", "feature", str(repo.path), str(clone)], check=True)
    assert subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "--verify", "-q", "refs/heads/main"], check=False
    ).returncode  # only origin/main: no local main to fall back on

    code = main(["plan", "--repo", str(clone), "--json"])
    out = capsys.readouterr().out

    assert code == 0
    [promotion, *_] = json.loads(out)["promotions"]
    assert promotion["sync"]["env/prod-eu/app"] == "env/staging/app"


def test_without_a_default_branch_base_must_be_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.git("checkout", "-q", "-b", "trunk")
    builder.commit({"telefonistka.yaml": CONFIG})

    code, out, err = run_plan(builder, capsys)

    assert (code, out) == (2, "")
    assert "cannot tell the default branch" in err
    assert "pass --base" in err


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"dev/us-east-4/a/x.yaml": "v: 4\n", "dev/us-east-5/a/x.yaml": "v: 5\n"}, 3),
        ({"env/staging/app/values.yaml": "tag: v2\n"}, 0),
    ],
    ids=["conflict", "clean"],
)
def test_exit_code_says_whether_the_plan_has_conflicts(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str], files: dict[str, str], expected: int
) -> None:
    repo.commit(files)

    code, out, _ = run_plan(repo, capsys, "--exit-code")
    without, _, _ = run_plan(repo, capsys)

    assert (code, without) == (expected, 0)
    assert out
