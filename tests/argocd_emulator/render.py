"""Manifests for one application source at one revision, rendered from a real git repo.

As Argo CD's repo server does for the two source types the tests use: a folder of plain
YAML files (every document of every ``*.yaml``/``*.yml``/``*.json`` file, in path order),
or, when the folder holds a ``kustomization.yaml``, the output of the real
``kubectl kustomize`` on that folder checked out at the revision.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class RenderError(Exception):
    """The source cannot be rendered (as Argo CD's ``ComparisonError``)."""


def resolve(git_dir: Path, revision: str) -> str:
    """The commit ``revision`` (a branch, HEAD, a sha) names in ``git_dir``; "" when none."""
    done = subprocess.run(
        ["git", f"--git-dir={git_dir}", "rev-parse", "--verify", "-q", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def render(git_dir: Path, revision: str, path: str) -> list[dict[str, Any]]:
    """The objects of folder ``path`` of bare repository ``git_dir`` at ``revision``."""
    with tempfile.TemporaryDirectory(prefix="argocd-render-") as scratch:
        work = Path(scratch)
        archive = subprocess.run(
            # the whole tree, as Argo CD's repo server checks out the repository: an
            # overlay refers to bases outside its own folder
            ["git", f"--git-dir={git_dir}", "archive", "--format=tar", revision],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            message = archive.stderr.decode(errors="replace").strip()
            raise RenderError(f"{path} at {revision}: {message}")
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive.stdout, check=True)
        folder = work / path
        if not folder.is_dir():
            raise RenderError(f"{path}: app path does not exist at {revision}")
        if any((folder / name).exists() for name in KUSTOMIZATIONS):
            return _kustomize(folder)
        return _plain(folder)


def _kustomize(folder: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RenderError("kubectl is not installed (apt-get install kubernetes-client)")
    done = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, check=False)
    if done.returncode != 0:
        raise RenderError(done.stderr.decode(errors="replace").strip())
    return _documents(done.stdout.decode())


def _plain(folder: Path) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for file in sorted(folder.rglob("*")):
        if file.suffix in (".yaml", ".yml"):
            objects += _documents(file.read_text())
        elif file.suffix == ".json":
            objects.append(json.loads(file.read_text()))
    return objects


def _documents(text: str) -> list[dict[str, Any]]:
    reader = YAML(typ="safe", pure=True)
    return [doc for doc in reader.load_all(text) if isinstance(doc, dict)]
