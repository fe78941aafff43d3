"""A small builder of real git repositories for tests of the local-git adapter and CLI.

Tests describe commits as ``{path: content}`` (``None`` deletes the path) and the
builder writes the work tree and commits with git itself, so what the adapter reads is
exactly what git wrote. Runs git with a clean, isolated environment: no global or system
configuration, no inherited ``GIT_DIR``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

Content = str | bytes


def isolated_environ(home: Path) -> dict[str, str]:
    """An environment where git sees no user or system configuration."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "LC_ALL": "C",
    }


class GitRepoBuilder:
    """A temp repository on branch ``main`` with a local identity."""

    def __init__(self, path: Path, *, identity: bool = True) -> None:
        self.path = path
        self.env = isolated_environ(path.parent)
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        if identity:
            self.git("config", "user.name", "Test Author")
            self.git("config", "user.email", "author@example.com")

    def git(self, *args: str | bytes, stdin: bytes | None = None) -> str:
        """Run git in the repository and return its stdout (stripped)."""
        result = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=self.env,
            input=stdin,
            capture_output=True,
            check=True,
        )
        return result.stdout.decode("utf-8", "surrogateescape").strip()

    def write(self, files: Mapping[str, Content | None], executable: tuple[str, ...] = ()) -> None:
        """Write (or delete, for None) files in the work tree."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                _remove(target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove(target)
            data = content.encode() if isinstance(content, str) else content
            target.write_bytes(data)
            target.chmod(0o755 if name in executable else 0o644)

    def symlink(self, name: str, points_to: str) -> None:
        """Create a symbolic link in the work tree."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove(target)
        target.symlink_to(points_to)

    def commit(
        self,
        files: Mapping[str, Content | None] | None = None,
        message: str = "change",
        executable: tuple[str, ...] = (),
    ) -> str:
        """Write ``files``, stage everything and commit; returns the commit id."""
        self.write(files or {}, executable)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "HEAD") -> None:
        """Create branch ``name`` at ``start`` and check it out."""
        self.git("checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def ls_tree(self, rev: str) -> str:
        """``git ls-tree -r -t --full-tree`` text, the reference the adapter is held to."""
        return self.git("ls-tree", "-r", "-t", "--full-tree", rev)


def _remove(target: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
