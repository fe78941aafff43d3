"""``telefonistka demo``: the whole story runs, in process, on a fresh example repo."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from pathlib import Path

import pytest

from telefonistka.cli import main

LAB = "promotions/1-feature-nginx-1.26-4fbfed1870e0"
STAGING = f"promotions/2-{LAB.replace('/', '-')}-e1d835b65934"
PROD = f"promotions/4-{STAGING.replace('/', '-')}-aedf619e0201"


def git(path: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    result = subprocess.run(
        ["git", *args], cwd=path, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """Run the demo once for the module: (repo path, exit code, stdout, stderr)."""
    path = tmp_path_factory.mktemp("demo") / "iac-repo"
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(path.parent))  # no user git configuration
        # capsys is per test; the story runs once, so its output is captured here.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["demo", "--dir", str(path)])
    return path, code, out.getvalue(), err.getvalue()


def test_demo_succeeds(demo: tuple[Path, int, str, str]) -> None:
    _, code, out, err = demo

    assert (code, err) == (0, "")
    assert out.rstrip().endswith("(remove it with: rm -rf " + str(demo[0]) + ").")


def test_demo_writes_one_branch_per_stage(demo: tuple[Path, int, str, str]) -> None:
    path = demo[0]

    branches = git(path, "for-each-ref", "--format=%(refname:short)", "refs/heads/")

    assert sorted(branches.splitlines()) == sorted(
        ["main", "feature/nginx-1.26", "tune/lab-replicas", LAB, STAGING, PROD]
    )


def test_prod_branch_copies_staging_and_nothing_else(demo: tuple[Path, int, str, str]) -> None:
    path = demo[0]
    target, source = "clusters/prod/us-east4/c1/nginx", "clusters/staging/europe-west4/c1/nginx"

    assert git(path, "rev-parse", f"{PROD}^@") == git(path, "rev-parse", "main")
    assert git(path, "rev-parse", f"{PROD}:{target}") == git(path, "rev-parse", f"main:{source}")
    assert git(path, "diff", "--name-only", "main", PROD) == f"{target}/values.yaml"


def test_demo_output_tells_the_story(demo: tuple[Path, int, str, str]) -> None:
    lines = demo[2].splitlines()

    expected = [
        f"     created  {LAB}",
        "              🚀 Promotion: nginx ➡️  lab clusters",
        f"     created  {STAGING}",
        "              🚀 Promotion: nginx ➡️  staging clusters",
        f"   unchanged  {STAGING}",
        "    `image.tag`: `v1.25.0` → `v1.26.0`",
        "<!-- telefonistka:drift -->",
        "warning: clusters/staging/europe-west4/c1/nginx: flow 'clusters/staging/[^/]*/[^/]*/' "
        "needs one of the labels [promote-to-prod]",
        f"     created  {PROD}",
        "              🚀 Promotion: nginx ➡️  clusters/prod/us-east4/c1/",
        "warning: nginx: not promoted by flow 'clusters/staging/[^/]*/[^/]*/' to "
        "clusters/prod/europe-west4/c1/: the component configuration skips every target "
        "(clusters/prod/europe-west4/c1/)",
    ]
    positions = [lines.index(line) for line in expected]
    assert positions == sorted(positions)
    assert lines.count(f"     created  {LAB}") == 1


def test_demo_refuses_a_non_empty_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")

    code = main(["demo", "--dir", str(tmp_path)])

    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        f"telefonistka: error: --dir {tmp_path} is not empty; the demo needs an empty folder\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
