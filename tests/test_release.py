"""The release: scripts/release.py on temp copies, and the workflow that runs it."""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_packaging import run_tool, tool

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "release.py"
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = "ghcr.io/acme/telefonistka"


def release(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)


def test_pin_image_changes_only_the_image_line_and_stays_valid(tmp_path: Path) -> None:
    copy = tmp_path / "action.yml"
    original = (ROOT / "action.yml").read_text()
    copy.write_text(original)

    done = release("pin-image", str(copy), IMAGE, DIGEST)

    assert done.returncode == 0, done.stderr
    pinned = copy.read_text()
    changed = [
        line
        for line in difflib.unified_diff(original.splitlines(), pinned.splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ["-  image: Dockerfile", f"+  image: docker://{IMAGE}@{DIGEST}"]
    assert yaml.safe_load(pinned)["runs"] == {
        "using": "docker",
        "image": f"docker://{IMAGE}@{DIGEST}",
    }
    checked = run_tool(
        tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(copy)
    )
    assert checked.returncode == 0, checked.stdout
    again = release("pin-image", str(copy), IMAGE, DIGEST)  # a re-run of the release job
    assert (again.returncode, copy.read_text()) == (0, pinned)


@pytest.mark.parametrize(
    ("image", "digest", "message"),
    [
        (IMAGE, "sha256:abc", "not an image digest"),
        (IMAGE, "latest", "not an image digest"),
        ("GHCR.io/Acme/x y", DIGEST, "not an image name"),
        ("ghcr.io/Acme/telefonistka", DIGEST, "not an image name"),
    ],
)
def test_pin_image_refuses_what_is_not_an_image_and_digest(
    tmp_path: Path, image: str, digest: str, message: str
) -> None:
    copy = tmp_path / "action.yml"
    copy.write_text((ROOT / "action.yml").read_text())

    done = release("pin-image", str(copy), image, digest)

    assert done.returncode == 1
    assert message in done.stderr
    assert copy.read_text() == (ROOT / "action.yml").read_text()


def test_pin_image_needs_a_docker_action(tmp_path: Path) -> None:
    copy = tmp_path / "action.yml"
    copy.write_text("name: x\nruns:\n  using: node20\n  main: index.js\n")

    assert "no `image:` under `runs:`" in release("pin-image", str(copy), IMAGE, DIGEST).stderr


CHANGELOG = """# Changelog

## [Unreleased]

- later

## [1.2.0] - 2026-12-01

### Added
- a feature

## [1.1.0] - 2026-11-01

## [1.0.0] - 2026-10-01

- first
"""


def test_notes_are_the_version_s_section(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG)

    done = release("notes", str(changelog), "v1.2.0")

    assert (done.returncode, done.stdout) == (0, "### Added\n- a feature\n")
    assert release("notes", str(changelog), "1.0.0").stdout == "- first\n"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("v1.3.0", "no `## [1.3.0]` section"),
        ("v1.1.0", "section of 1.1.0 is empty"),
        ("main", "not a version"),
    ],
)
def test_a_release_without_notes_is_refused(tmp_path: Path, version: str, message: str) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG)

    done = release("notes", str(changelog), version)

    assert done.returncode == 1
    assert message in done.stderr


def test_the_changelog_names_no_version_whose_tag_does_not_exist() -> None:
    """Until a tag exists the CHANGELOG says Unreleased: no doc may tell a user to pin a
    version that was never released."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    tags = subprocess.run(
        ["git", "-C", str(ROOT), "tag", "--list", "v*"], capture_output=True, text=True, check=True
    ).stdout.split()
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", text, re.M)

    assert "## [Unreleased]" in text
    assert [v for v in versions if f"v{v}" not in tags] == []


def test_a_wrong_command_line_prints_the_usage() -> None:
    done = release("publish")
    assert done.returncode == 2
    assert "pin-image ACTION_YML IMAGE DIGEST" in done.stderr


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    return loaded


def runs(job: str) -> str:
    return "\n".join(step.get("run", "") for step in workflow()["jobs"][job]["steps"])


def uses(job: str) -> list[str]:
    return [step.get("uses", "").split("@")[0] for step in workflow()["jobs"][job]["steps"]]


def test_the_release_workflow_runs_on_version_tags_and_in_order() -> None:
    loaded = workflow()
    assert loaded[True] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    jobs = loaded["jobs"]
    assert "make test" in runs("test")
    assert "release.py notes CHANGELOG.md" in runs("test")  # refused before anything ships
    assert jobs["dist"]["needs"] == "test"
    assert jobs["image"]["needs"] == "test"
    assert set(jobs["release"]["needs"]) == {"dist", "image"}
    # PyPI cannot be taken back: it goes only after the image and the GitHub release.
    assert jobs["pypi"]["needs"] == "release"


def test_pypi_is_published_with_trusted_publishing_only() -> None:
    job = workflow()["jobs"]["pypi"]
    assert job["permissions"] == {"id-token": "write"}
    assert job["environment"] == "pypi"
    assert uses("pypi")[-1] == "pypa/gh-action-pypi-publish"
    assert "password" not in str(job)


def test_the_image_has_provenance_and_the_release_pins_its_digest() -> None:
    image = workflow()["jobs"]["image"]
    [push] = [step for step in image["steps"] if step.get("id") == "push"]
    assert push["with"]["provenance"] == "mode=max"
    assert image["outputs"]["digest"] == "${{ steps.push.outputs.digest }}"
    assert "actions/attest-build-provenance" in uses("image")
    script = runs("release")
    assert 'release.py pin-image action.yml "$IMAGE" "$DIGEST"' in script
    assert 'release.py newest-in-line "$TAG" $(git tag --list "$MAJOR.*.*")' in script
    assert 'git push -f origin "refs/tags/$TAG" "refs/tags/$MAJOR"' in script  # and vX
    assert "gh release create" in script


def test_the_image_name_is_lowercased_once_and_used_everywhere() -> None:
    """ghcr.io refuses capitals, and GitHub owners may have them (``Acme``)."""
    image = workflow()["jobs"]["image"]
    [name] = [step for step in image["steps"] if step.get("id") == "name"]
    assert "${REPOSITORY,,}" in name["run"]
    text = (ROOT / ".github/workflows/release.yml").read_text()
    assert "ghcr.io/${{ github.repository }}" not in text
    assert image["outputs"]["name"] == "${{ steps.name.outputs.image }}"
    env = next(
        s["env"] for s in workflow()["jobs"]["release"]["steps"] if "IMAGE" in s.get("env", {})
    )
    assert env["IMAGE"] == "${{ needs.image.outputs.name }}"


@pytest.mark.parametrize(
    ("tag", "others", "moves"),
    [
        ("v1.5.0", ["v1.4.0", "v1.4.1"], True),
        ("v1.4.2", ["v1.4.1", "v1.5.0"], False),  # a patch on an older line
        ("v1.5.1", ["v1.5.0", "v1.5.1", "v2.0.0"], True),  # other majors do not count
        ("v1.10.0", ["v1.9.0"], True),  # numbers, not text: 10 > 9
        ("v2.0.0", [], True),
    ],
)
def test_the_major_tag_only_moves_forward(tag: str, others: list[str], moves: bool) -> None:
    done = release("newest-in-line", tag, *others)

    assert done.returncode == (0 if moves else 3)
    if not moves:
        assert "v1 stays on v1.5.0" in done.stderr


def tagged_copy(folder: Path, tag: str) -> Path:
    """This checkout's files (as they are now, committed or not) in a fresh repository
    whose one commit carries ``tag``: a release clone."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(source.read_bytes())
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "release"], check=True)
    subprocess.run([*git, "tag", tag], check=True)
    return folder


def test_a_tagged_clone_builds_with_the_tag_s_version_and_runs_the_hook(tmp_path: Path) -> None:
    """What pre-commit does with `rev: vX.Y.Z` (clone at the tag, pip install it), and
    what the release builds: the version is the tag's, and the hook's entry runs."""
    clone = tagged_copy(tmp_path / "clone", "v9.8.7")
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*build, "-w", str(wheels), str(clone)], check=True, capture_output=True)
    [wheel] = wheels.glob("telefonistka-*.whl")
    assert wheel.name.startswith("telefonistka-9.8.7-")
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True)
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    config = tmp_path / "telefonistka.yaml"
    config.write_text("dryRunMode: true\n")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    entry = hook["entry"].split()  # telefonistka validate, as the installed script runs it
    command = [sys.executable, "-c", "from telefonistka.cli import main; raise SystemExit(main())"]
    version = subprocess.run(
        [*command, "--version"], env=env, capture_output=True, text=True, check=False, cwd=tmp_path
    )
    checked = subprocess.run(
        [*command, *entry[1:], str(config)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert version.stdout.strip() == "telefonistka 9.8.7"
    assert entry[0] == "telefonistka"
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.endswith(": ok (repo config)\n")
