"""``telefonistka drift`` end to end, on real repositories built by git."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from gitrepo import GitRepoBuilder
from golden_util import GOLDEN_DIR

from telefonistka.cli import main
from telefonistka.core.text.rendering import DRIFT_MARKER

CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod-eu/", "env/prod-us/"]
"""

VALUES = "image:\n  repository: nginx\n  tag: {tag}\nreplicas: 2\n"

Result = tuple[int, str, str]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    """``main`` with the config and ``app`` in sync in staging and both prod folders."""
    builder = GitRepoBuilder(tmp_path / "repo")
    values = VALUES.format(tag="v1")
    builder.commit(
        {
            "telefonistka.yaml": CONFIG,
            "env/staging/app/values.yaml": values,
            "env/prod-eu/app/values.yaml": values,
            "env/prod-us/app/values.yaml": values,
        },
        message="initial",
    )
    return builder


def open_pr(repo: GitRepoBuilder, main_files: dict[str, str | bytes | None] | None = None) -> str:
    """Commit ``main_files`` to main, then branch ``feature`` changing ``app`` in staging.

    Returns the head of main, the commit drift is computed on.
    """
    if main_files:
        repo.commit(main_files, message="on main")
    base = repo.git("rev-parse", "HEAD")
    repo.branch("feature")
    repo.commit({"env/staging/app/values.yaml": VALUES.format(tag="v9")}, message="PR")
    repo.checkout("main")
    return base


def drift(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    code = main(["drift", "--repo", str(repo.path), "--base", "main", "--head", "feature", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def drift_json(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = drift(repo, capsys, "--json")
    assert (code, err) == (0, "")
    parsed: dict[str, Any] = json.loads(out)
    assert out == json.dumps(parsed, indent=2, ensure_ascii=False) + "\n"
    return parsed


def test_no_drift(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    base = open_pr(repo)

    assert drift(repo, capsys) == (0, f"No drift on {base[:12]}.\n", "")


def test_no_drift_markdown_is_the_all_clear_comment(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    open_pr(repo)

    code, out, err = drift(repo, capsys, "--markdown")

    assert (code, err) == (0, "")
    assert out.startswith(f"{DRIFT_MARKER}\n✅ **No drift any more**")
    golden = (GOLDEN_DIR / "no_drift_comment.md").read_text(encoding="utf-8")
    assert out == golden + "\n"


def test_no_drift_json(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    base = open_pr(repo)

    assert drift_json(repo, capsys) == {
        "commit": base,
        "drift": False,
        "pairs": [
            {
                "source": "env/staging/app",
                "target": "env/prod-eu/app",
                "drift": False,
                "source_missing": False,
                "target_missing": False,
                "only_in_source": [],
                "only_in_target": [],
                "differing": [],
            },
            {
                "source": "env/staging/app",
                "target": "env/prod-us/app",
                "drift": False,
                "source_missing": False,
                "target_missing": False,
                "only_in_source": [],
                "only_in_target": [],
                "differing": [],
            },
        ],
    }


def test_drift_with_a_yaml_summary(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = open_pr(repo, {"env/prod-eu/app/values.yaml": VALUES.format(tag="v0")})

    code, out, err = drift(repo, capsys)

    assert (code, err) == (0, "")
    assert out == (
        f"Drift on {base[:12]}:\n"
        "\n"
        "env/prod-eu/app  (source: env/staging/app)\n"
        "  differs: values.yaml\n"
        "    `image.tag`: `v0` → `v1`\n"
    )


def test_only_in_source_and_only_in_target(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = open_pr(
        repo,
        {
            "env/staging/app/new.yaml": "a: 1\n",
            "env/staging/app/nested/deep.txt": "deep\n",
            "env/prod-eu/app/new.yaml": "a: 1\n",
            "env/prod-eu/app/nested/deep.txt": "deep\n",
            "env/prod-us/app/hand-made.yaml": "b: 2\n",
        },
    )

    code, out, _ = drift(repo, capsys)

    assert code == 0
    assert out == (
        f"Drift on {base[:12]}:\n"
        "\n"
        "env/prod-us/app  (source: env/staging/app)\n"
        "  only in source: nested/deep.txt\n"
        "  only in source: new.yaml\n"
        "  only in target: hand-made.yaml\n"
    )


def test_missing_target_lists_every_source_file(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    open_pr(repo, {"env/prod-us/app/values.yaml": None})

    pair = drift_json(repo, capsys)["pairs"][1]

    assert pair == {
        "source": "env/staging/app",
        "target": "env/prod-us/app",
        "drift": True,
        "source_missing": False,
        "target_missing": True,
        "only_in_source": ["values.yaml"],
        "only_in_target": [],
        "differing": [],
    }


def test_binary_file(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    base = open_pr(
        repo,
        {
            "env/staging/app/logo.png": b"\x89PNG\x00\x01",
            "env/prod-eu/app/logo.png": b"\x89PNG\x00\x02",
            "env/prod-us/app/logo.png": b"\x89PNG\x00\x01",
        },
    )

    code, out, _ = drift(repo, capsys)
    report = drift_json(repo, capsys)

    assert code == 0
    assert out == (
        f"Drift on {base[:12]}:\n"
        "\n"
        "env/prod-eu/app  (source: env/staging/app)\n"
        "  differs: logo.png (binary)\n"
    )
    assert report["pairs"][0]["differing"] == [
        {
            "path": "logo.png",
            "binary": True,
            "mode_change": None,
            "yaml_changes": [],
            "diff": "",
        }
    ]


def test_json_shape_of_a_drifted_pair(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = open_pr(
        repo,
        {"env/prod-eu/app/values.yaml": VALUES.format(tag="v0"), "env/prod-eu/app/x": "x\n"},
    )

    report = drift_json(repo, capsys)

    assert report["commit"] == base
    assert report["drift"] is True
    assert report["pairs"][0] == {
        "source": "env/staging/app",
        "target": "env/prod-eu/app",
        "drift": True,
        "source_missing": False,
        "target_missing": False,
        "only_in_source": [],
        "only_in_target": ["x"],
        "differing": [
            {
                "path": "values.yaml",
                "binary": False,
                "mode_change": None,
                "yaml_changes": [
                    {"path": "image.tag", "kind": "changed", "old": "v0", "new": "v1"}
                ],
                "diff": (
                    "--- env/prod-eu/app/values.yaml\n"
                    "+++ env/staging/app/values.yaml\n"
                    "@@ -1,4 +1,4 @@\n"
                    " image:\n"
                    "   repository: nginx\n"
                    "-  tag: v0\n"
                    "+  tag: v1\n"
                    " replicas: 2\n"
                ),
            }
        ],
    }
    assert report["pairs"][1]["drift"] is False


def test_markdown_is_the_drift_comment(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = open_pr(repo, {"env/prod-eu/app/values.yaml": VALUES.format(tag="v0")})

    code, out, err = drift(repo, capsys, "--markdown")

    assert (code, err) == (0, "")
    assert out.startswith(f"{DRIFT_MARKER}\n")
    assert f"(`{base[:12]}`)" in out
    assert (
        "<summary><code>env/staging/app</code> ↔️ <code>env/prod-eu/app</code>: "
        "1 file differs</summary>\n"
        "\n"
        "#### `values.yaml`\n"
        "\n"
        "YAML changes (target → source):\n"
        "- `image.tag`: `v0` → `v1`\n"
        "\n"
        "```diff\n"
        "--- env/prod-eu/app/values.yaml\n"
        "+++ env/staging/app/values.yaml\n"
        "@@ -1,4 +1,4 @@\n"
        " image:\n"
        "   repository: nginx\n"
        "-  tag: v0\n"
        "+  tag: v1\n"
        " replicas: 2\n"
        "```\n"
        "\n"
        "</details>\n"
    ) in out
    assert "env/prod-us/app" not in out


def test_a_file_name_that_is_not_utf8_is_shown_escaped(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    base = open_pr(repo, {f"env/staging/app/{name}": "x\n", f"env/prod-eu/app/{name}": "x\n"})

    code, out, err = drift(repo, capsys)
    report = drift_json(repo, capsys)

    assert (code, err) == (0, "")
    assert out == (
        f"Drift on {base[:12]}:\n"
        "\n"
        "env/prod-us/app  (source: env/staging/app)\n"
        "  only in source: caf\\xe9.txt\n"
    )
    assert report["pairs"][1]["only_in_source"] == ["caf\\xe9.txt"]


def test_unknown_head_is_a_clear_error(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["drift", "--repo", str(repo.path), "--base", "main", "--head", "nope"])

    captured = capsys.readouterr()
    assert (code, captured.out) == (1, "")
    assert captured.err == (
        f"telefonistka: error: unknown revision 'nope' in {repo.path}: no branch, tag or commit\n"
    )


def test_exit_code_says_whether_drift_was_found(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    open_pr(repo)
    assert drift(repo, capsys, "--exit-code")[0] == 0
    repo.commit({"env/prod-eu/app/values.yaml": VALUES.format(tag="v0")}, message="hand edit")

    code, out, err = drift(repo, capsys, "--exit-code")

    assert (code, err) == (3, "")
    assert out.startswith("Drift on ")


def test_drift_defaults_to_the_default_branch_and_head(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    open_pr(repo, {"env/prod-eu/app/values.yaml": VALUES.format(tag="v0")})
    repo.checkout("feature")

    code = main(["drift", "--repo", str(repo.path), "--exit-code"])

    assert code == 3
    assert "env/prod-eu/app  (source: env/staging/app)" in capsys.readouterr().out
