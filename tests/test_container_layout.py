"""The container image, rebuilt without Docker: its lock file and its layout, run for real.

There is no Docker engine where the suite runs, so the image itself is built and run by
``.github/workflows/smoke.yml`` (``uses: ./``) and the publish workflow. This module
checks the same things the image depends on, from the Dockerfile itself:

- ``ENV``, ``COPY`` and the ``RUN pip install`` line are read from the Dockerfile;
- the lock file is installed exactly as that line says (``--require-hashes``, wheels
  only), plus ``--no-deps --target``: nothing but the lock's pins; the install is cached
  across runs, keyed by the lock file, the interpreter and the install arguments;
- the ``COPY`` sources are laid out under a temporary root as the image has them, after
  ``.dockerignore``;
- ``entrypoint.py`` runs by its image path with the image's ``PYTHONPATH`` and nothing
  of this checkout or the test venv: ``python -S`` (no site-packages, so neither the
  editable install nor the venv's packages) with ``PYTHONPATH`` = the image's, then the
  installed lock; the environment is built from scratch, as a container step gets it;
- against the GitHub emulator, on a real merged PR: the promotion PR is opened and the
  outputs and job summary read back.

So a runtime dependency missing from ``requirements.lock``, a package file the image
does not copy, or an import that only works from the checkout fails here. pip needs the
package index, as ``docker build`` does: without it the test fails and says so.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from packaging.requirements import Requirement
from test_entrypoint import (
    REPO,
    SEED,
    checked_emulator,
    merge_change,
    promotion_prs,
    run_entrypoint,
    tree_id,
)
from test_packaging import dockerfile_instructions

ROOT = Path(__file__).resolve().parent.parent
DOCKERIGNORE = ROOT / ".dockerignore"
PIP_TIMEOUT = 100  # seconds; under the suite's 120 s per test


@dataclass(frozen=True)
class Image:
    """What the Dockerfile says about the image, as parsed from it."""

    env: dict[str, str]
    copies: list[tuple[str, str]]  # (source in the build context, path in the image)
    pip_install: list[str]  # the arguments after ``pip install``
    removed: list[str]  # what the RUN lines ``rm`` again (the lock file)
    entrypoint: list[str]

    def source_of(self, image_path: str) -> Path:
        """The build-context file COPY put at ``image_path``."""
        [source] = [src for src, dst in self.copies if dst == image_path]
        return ROOT / source


def parse_dockerfile() -> Image:
    instructions = dockerfile_instructions()
    env: dict[str, str] = {}
    copies: list[tuple[str, str]] = []
    installs: list[list[str]] = []
    removed: list[str] = []
    entrypoints: list[list[str]] = []
    for keyword, args in instructions:
        if keyword == "ENV":
            for item in shlex.split(args):
                name, _, value = item.partition("=")
                env[name] = value
        elif keyword == "COPY":
            *sources, destination = args.split()
            assert not any(src.startswith("--") for src in sources), "COPY flags: update me"
            copies += [(src, destination) for src in sources]
        elif keyword == "RUN":
            for command in args.split("&&"):
                words = shlex.split(command)
                if words[:2] == ["pip", "install"]:
                    installs.append(words[2:])
                elif words[:1] == ["rm"]:
                    removed += [word for word in words[1:] if not word.startswith("-")]
        elif keyword == "ENTRYPOINT":
            entrypoints.append(json.loads(args))
    assert len(installs) == 1, "one `pip install` in the Dockerfile"
    assert len(entrypoints) == 1
    return Image(env, copies, installs[0], removed, entrypoints[0])


IMAGE = parse_dockerfile()


def in_image(root: Path, image_path: str) -> Path:
    """Where an absolute path of the image lies under ``root``."""
    assert image_path.startswith("/"), image_path
    return root / image_path.lstrip("/")


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match, plus ``**``) as a regex."""
    parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern.strip("/"))
    table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(part, re.escape(part)) for part in parts))


def dockerignore() -> list[tuple[bool, re.Pattern[str]]]:
    """(re-include?, pattern) rules of .dockerignore, in order."""
    rules = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), _glob_regex(line.removeprefix("!"))))
    return rules


def excluded_from_context(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last rule matching the path, or a folder above it, decides."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for include, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            excluded = not include
    return excluded


def lay_out(root: Path) -> None:
    """Every COPY of the Dockerfile, from the build context .dockerignore leaves; then
    the files its RUN lines remove."""
    rules = dockerignore()
    for source, destination in IMAGE.copies:
        path = ROOT / source
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        target = in_image(root, destination)
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if excluded_from_context(relative, rules):
                continue
            if path.is_dir():
                copy = target / file.relative_to(path)
            else:
                copy = target / path.name if destination.endswith("/") else target
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, copy)
    for image_path in IMAGE.removed:
        in_image(root, image_path).unlink()


def install_arguments(lock: Path, target: Path) -> list[str]:
    """The Dockerfile's ``pip install`` arguments, the lock at ``lock``, into ``target``."""
    args = list(IMAGE.pip_install)
    where = args.index("-r") + 1
    args[where] = str(lock)
    return [*args, "--no-deps", "--target", str(target)]


def cache_dir(config: pytest.Config) -> Path:
    """pytest's cache folder when the cache plugin runs, else a fixed temporary one."""
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("container-site"))
    return Path(tempfile.gettempdir()) / "telefonistka-container-site"


@pytest.fixture(scope="session")
def site_packages(pytestconfig: pytest.Config) -> Path:
    """``requirements.lock`` installed as the image installs it; cached across runs."""
    lock = IMAGE.source_of(IMAGE.pip_install[IMAGE.pip_install.index("-r") + 1])
    args = install_arguments(Path("LOCK"), Path("TARGET"))
    key_material = [lock.read_bytes(), sys.implementation.cache_tag.encode()]
    key_material += [platform.machine().encode(), " ".join(args).encode()]
    key = hashlib.sha256(b"\0".join(key_material)).hexdigest()[:20]
    base = cache_dir(pytestconfig)
    base.mkdir(parents=True, exist_ok=True)
    site = base / key
    if (site / ".complete").is_file():
        return site
    partial = base / f"{key}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    env = dict(os.environ, **{k: v for k, v in IMAGE.env.items() if k.startswith("PIP_")})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", *install_arguments(lock, partial)],
            capture_output=True,
            text=True,
            env=env,
            timeout=PIP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"pip took over {PIP_TIMEOUT} s to install requirements.lock: is the index up?")
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        pytest.fail(
            "pip could not install requirements.lock as the Dockerfile does. This test needs "
            "the package index (as `docker build` does) and never skips without it; pip said:"
            f"\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
    (partial / ".complete").write_text(key + "\n", encoding="utf-8")
    try:
        partial.rename(site)
    except OSError:  # another run finished the same install first: use it
        shutil.rmtree(partial, ignore_errors=True)
    return site


@pytest.fixture
def image_root(tmp_path: Path) -> Path:
    root = tmp_path / "image"
    lay_out(root)
    return root


def container_env(root: Path, site: Path) -> dict[str, str]:
    """The Dockerfile's ENV with image paths mapped under ``root``; the lock's packages last.

    In the image the packages are in the interpreter's site-packages; ``python -S`` has
    none, so the installed lock comes after the image's own ``PYTHONPATH`` instead.
    """
    env = dict(IMAGE.env)
    image_path = [str(in_image(root, part)) for part in env["PYTHONPATH"].split(":") if part]
    env["PYTHONPATH"] = os.pathsep.join([*image_path, str(site)])
    workspace = in_image(root, "/github/workspace")
    home = in_image(root, "/github/home")
    for folder in (workspace, home):
        folder.mkdir(parents=True, exist_ok=True)
    return env | {"GITHUB_WORKSPACE": str(workspace), "HOME": str(home)}


def container_command(root: Path, *arguments: str) -> list[str]:
    """The image's ENTRYPOINT (``python /app/entrypoint.py``), isolated from this venv."""
    program, *rest = IMAGE.entrypoint
    assert program == "python"
    script = [str(in_image(root, arg)) if arg.startswith("/") else arg for arg in rest]
    return [sys.executable, "-S", *(arguments or script)]


PROBE = """
import importlib, json, pkgutil, sys
import telefonistka
names = [m.name for m in pkgutil.walk_packages(telefonistka.__path__, "telefonistka.")]
for name in names:
    if name != "telefonistka.__main__":  # it runs the CLI
        importlib.import_module(name)
files = {n: getattr(m, "__file__", None) for n, m in sorted(sys.modules.items())}
print(json.dumps({"package": telefonistka.__file__, "path": sys.path, "files": files,
                  "no_site": sys.flags.no_site, "modules": names}))
"""


def test_the_dockerfile_is_parsed_into_what_the_image_holds() -> None:
    assert IMAGE.entrypoint == ["python", "/app/entrypoint.py"]
    assert IMAGE.env["PYTHONPATH"] == "/app"
    assert {"--require-hashes", "--only-binary=:all:"} <= set(IMAGE.pip_install)
    assert IMAGE.source_of("/tmp/requirements.lock") == ROOT / "requirements.lock"
    assert ("telefonistka/", "/app/telefonistka/") in IMAGE.copies


def test_the_layout_is_what_the_dockerfile_copies_after_dockerignore(image_root: Path) -> None:
    app = image_root / "app"
    assert (app / "entrypoint.py").read_bytes() == (ROOT / "entrypoint.py").read_bytes()
    for packaged in ("py.typed", "schemas/telefonistka.schema.json", "templates/plan_comment.j2"):
        assert (app / "telefonistka" / packaged).is_file(), packaged
    copied = {p.relative_to(app).as_posix() for p in app.rglob("*")}
    assert not [path for path in copied if "__pycache__" in path or path.endswith(".pyc")]
    assert IMAGE.removed == ["/tmp/requirements.lock"]
    files = {p.relative_to(image_root).as_posix() for p in image_root.rglob("*") if p.is_file()}
    assert {path.split("/")[0] for path in files} == {"app"}


def test_the_lock_installs_alone_and_satisfies_itself(site_packages: Path) -> None:
    """``--no-deps`` installs only the pins; every requirement of every pin is pinned too."""
    assert not list(site_packages.glob("*.pth")), "a .pth file: `python -S` would skip it"
    dists = {
        re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d
        for d in importlib.metadata.distributions(path=[str(site_packages)])
    }
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [Requirement(line) for line in pyproject["project"]["dependencies"]]
    for dist in dists.values():
        wanted += [Requirement(line) for line in dist.requires or []]
    for requirement in wanted:
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in dists, f"{requirement} is needed but not in requirements.lock"
        assert requirement.specifier.contains(dists[name].version, prereleases=True), requirement


def test_the_package_imports_from_the_image_layout_only(
    image_root: Path, site_packages: Path
) -> None:
    """Every module of the package imports with the lock alone, none from this checkout."""
    env = container_env(image_root, site_packages)
    env["PATH"] = os.environ.get("PATH", "")
    done = subprocess.run(
        container_command(image_root, "-c", PROBE),
        env=env,
        cwd=env["GITHUB_WORKSPACE"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    app = image_root / "app"
    assert probe["package"] == str(app / "telefonistka" / "__init__.py")
    assert probe["no_site"] == 1
    assert "telefonistka.action.routes" in probe["modules"]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    allowed = (app, site_packages, stdlib)
    outside = {
        name: file
        for name, file in probe["files"].items()
        if file and not any(Path(file).is_relative_to(where) for where in allowed)
    }
    assert outside == {}, "modules loaded from outside the image layout"
    base = Path(sys.base_prefix)  # the interpreter's own stdlib, zip and lib-dynload
    strays = [
        entry
        for entry in map(Path, filter(None, probe["path"]))
        if not (entry.is_relative_to(app) or entry == site_packages)
        and not (entry.is_relative_to(base) and "site-packages" not in entry.parts)
    ]
    assert strays == [], "sys.path reaches beyond the image layout"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from checked_emulator(tmp_path / "github")


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    emu.repo(REPO, SEED)
    return pygithub_client(emu, "author-token").get_repo(REPO)


def test_the_image_layout_runs_a_merged_pr_promotion(
    emu: GitHubEmulator, gh: GhRepository, image_root: Path, site_packages: Path
) -> None:
    delivered = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    event = in_image(image_root, "/github/workflow/event.json")
    event.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(delivered, event)
    emu.reset()

    step = run_entrypoint(
        emu,
        event,
        command=container_command(image_root),
        env=container_env(image_root, site_packages),
    )

    assert step.code == 0, step.stdout + step.stderr
    assert step.stderr == ""
    [number] = promotion_prs(emu)
    pull = emu.get_repo(REPO).pulls[number]
    assert tree_id(emu, pull.head_ref, "env/prod/app") == tree_id(emu, "main", "env/staging/app")
    [opened] = json.loads(step.outputs["promotion-prs"])
    assert (opened["number"], opened["status"]) == (number, "created")
    assert json.loads(step.outputs["plan"])["promotions"][0]["sync"] == {
        "env/prod/app": "env/staging/app"
    }
    assert f"[#{number}]" in step.summary
    assert len(emu.requests) == 5 + 4 * 1  # docs/performance.md
    app = image_root / "app"
    assert not list(app.rglob("__pycache__")), "PYTHONDONTWRITEBYTECODE=1 is the image's ENV"
