"""``telefonistka report`` end to end on real git repositories, and the docs' picture of
the report kept true (``scripts/render_report_picture.py``)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from gitrepo import GitRepoBuilder

from telefonistka.action.routes import ROUTES
from telefonistka.cli import main
from telefonistka.core.metrics import route_slug

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod-eu/", "env/prod-us/"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.commit(
        {
            "telefonistka.yaml": CONFIG,
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/prod-eu/app/values.yaml": "tag: v2\n",
            "env/prod-us/app/values.yaml": "tag: v1\n",
        },
        message="initial",
    )
    return builder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_text_report_names_every_target_out_of_sync(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--repo", str(repo.path))
    assert code == 0
    assert out.splitlines() == [
        "flow 1 env/staging/: ✅ 1 in-sync, 🟠 1 differs",
        "  app → env/prod-us/app: differs",
    ]


def test_json_and_exit_code(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--repo", str(repo.path), "--json", "--exit-code")
    assert code == 3
    data = json.loads(out)
    assert data["flows"][0]["components"]["app"] == {
        "env/prod-eu/": {"state": "in-sync"},
        "env/prod-us/": {"state": "differs"},
    }
    assert data["repository"] == "repo"
    repo.commit({"env/prod-us/app/values.yaml": "tag: v2\n"}, message="promote")
    assert run(capsys, "--repo", str(repo.path), "--exit-code")[0] == 0  # all in sync


def test_markdown_is_the_job_summary(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--repo", str(repo.path), "--markdown", "--rev", "main")
    assert code == 0
    assert "| `app` | ✅ | 🟠 |" in out
    assert "#### Flow 1: `env/staging/` → `env/`" in out


def test_a_repository_without_a_configuration_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = GitRepoBuilder(tmp_path / "empty")
    builder.commit({"README.md": "hi\n"}, message="initial")
    code, _, err = run(capsys, "--repo", str(builder.path))
    assert code == 1
    assert "no telefonistka.yaml at the root of 'main'" in err


def test_the_docs_picture_of_the_report_is_what_the_code_renders(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "render_report_picture", ROOT / "scripts" / "render_report_picture.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    markdown, picture = script.render(tmp_path)
    images = ROOT / "docs" / "images"
    hint = "run: python scripts/render_report_picture.py"
    assert markdown.read_text() == (images / "fleet-report.md").read_text(), hint
    assert picture.read_text() == (images / "fleet-report.svg").read_text(), hint
    assert picture.read_text().startswith("<svg xmlns=")


def test_every_route_is_named_in_the_metrics_docs() -> None:
    text = (ROOT / "docs" / "observability.md").read_text(encoding="utf-8")
    slugs = {route_slug(route.name) for route in ROUTES}
    documented = set(re.findall(r"`([a-z0-9-]+)`", text))
    assert slugs <= documented, slugs - documented
