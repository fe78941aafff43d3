"""Measure reading a whole-tree snapshot: git CLI (ours) vs dulwich vs pygit2.

Usage::

    python bench/snapshot_read.py [--files 40000] [--runs 7] [--repo DIR]

Generates (once, with ``git fast-import``) a GitOps-shaped repository of about
``--files`` files under ``clusters/<env>/<region>/<cluster>/<component>/``, then times
building the same ``TreeSnapshot`` (every file and folder with mode and object id) with
each backend, checks that all backends produce identical entries, and prints the
minimum and median wall time. dulwich and pygit2 are optional: install them in a
throwaway virtualenv to compare (``pip install dulwich pygit2``); they are not
dependencies of telefonistka.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from telefonistka.adapters.localgit import LocalGitRepo, decode_path
from telefonistka.core.promotion.snapshot import TreeEntry, TreeSnapshot, normalize_mode

ENVS = ("dev", "staging", "prod", "sandbox")
REGIONS = ("us-east1", "us-central1", "europe-west1", "europe-west4", "asia-east1")
CLUSTERS = ("c1", "c2", "c3", "c4")
FILES_PER_COMPONENT = 20

Reader = Callable[[Path, str], TreeSnapshot]


def generate_repo(path: Path, files: int) -> None:
    """A repository with one commit holding ``files`` files in nested component folders."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = b"".join(_fast_import_stream(files))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=stream, check=True)
    subprocess.run(["git", "reset", "-q", "--soft", "main"], cwd=path, check=True)


def _fast_import_stream(files: int) -> Iterator[bytes]:
    """Blobs inline in one commit; contents differ so every blob is its own object."""
    yield b"commit refs/heads/main\n"
    yield b"committer bench <bench@localhost> 1700000000 +0000\n"
    yield b"data 6\nbench\n"
    for index, path in enumerate(_paths(files)):
        content = f"replicas: {index}\nimage: app:{index % 97}\n".encode()
        mode = b"100755" if index % 50 == 0 else b"100644"
        yield b"M %s inline %s\ndata %d\n%s\n" % (mode, path.encode(), len(content), content)
    yield b"\n"


def _paths(files: int) -> Iterator[str]:
    """``files`` paths spread over env/region/cluster/component folders."""
    folders = len(ENVS) * len(REGIONS) * len(CLUSTERS)
    components = max(1, files // (folders * FILES_PER_COMPONENT))
    count = 0
    for env in ENVS:
        for region in REGIONS:
            for cluster in CLUSTERS:
                for component in range(components):
                    for number in range(FILES_PER_COMPONENT):
                        if count == files:
                            return
                        count += 1
                        yield f"clusters/{env}/{region}/{cluster}/app{component}/f{number}.yaml"


def read_with_git_cli(path: Path, rev: str) -> TreeSnapshot:
    """Ours: one ``git ls-tree -r -t -z`` (plus two rev-parse calls)."""
    return LocalGitRepo(path).read_snapshot(rev)


def read_with_dulwich(path: Path, rev: str) -> TreeSnapshot:
    """dulwich: walk the trees from the object store, recursively."""
    from dulwich.repo import Repo  # noqa: PLC0415 - optional, only when measured

    repo = Repo(str(path))
    commit = repo[repo.refs[f"refs/heads/{rev}".encode()]]
    entries: dict[str, TreeEntry] = {}
    stack: list[tuple[bytes, Any]] = [(b"", repo[commit.tree])]
    while stack:
        prefix, tree = stack.pop()
        for item in tree.iteritems():
            full = prefix + item.path
            mode = f"{item.mode:06o}"
            entries[decode_path(full)] = TreeEntry(normalize_mode(mode), item.sha.decode())
            if item.mode == 0o040000:
                stack.append((full + b"/", repo[item.sha]))
    return TreeSnapshot(commit.id.decode(), commit.tree.decode(), entries)


def read_with_pygit2(path: Path, rev: str) -> TreeSnapshot:
    """pygit2 (libgit2): walk the trees recursively."""
    import pygit2  # noqa: PLC0415 - optional, only when measured

    repo = pygit2.Repository(str(path))
    commit = repo.revparse_single(rev).peel(pygit2.Commit)
    entries: dict[str, TreeEntry] = {}
    stack: list[tuple[str, Any]] = [("", commit.tree)]
    while stack:
        prefix, tree = stack.pop()
        for item in tree:
            full = prefix + item.name
            mode = f"{item.filemode:06o}"
            entries[full] = TreeEntry(normalize_mode(mode), str(item.id))
            if item.filemode == pygit2.GIT_FILEMODE_TREE:
                stack.append((full + "/", item))
    return TreeSnapshot(str(commit.id), str(commit.tree.id), entries)


def available_readers() -> dict[str, Reader]:
    """Ours always; dulwich and pygit2 when they are installed."""
    readers: dict[str, Reader] = {"git ls-tree (ours)": read_with_git_cli}
    if importlib.util.find_spec("dulwich"):
        readers["dulwich"] = read_with_dulwich
    if importlib.util.find_spec("pygit2"):
        readers["pygit2"] = read_with_pygit2
    return readers


def measure(reader: Reader, path: Path, runs: int) -> tuple[list[float], TreeSnapshot]:
    """Wall times of ``runs`` reads (after one warm-up) and the last snapshot."""
    snapshot = reader(path, "main")
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        snapshot = reader(path, "main")
        times.append(time.perf_counter() - start)
    return times, snapshot


def same_entries(a: TreeSnapshot, b: TreeSnapshot) -> bool:
    """Both backends saw exactly the same paths, modes and object ids."""
    paths = a.paths()
    return (
        paths == b.paths()
        and a.root_oid == b.root_oid
        and all(a.entry(p) == b.entry(p) for p in paths)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repo", type=Path, help="reuse or create the repository here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.repo or Path(scratch) / "repo"
        if not (path / ".git").exists():
            generate_repo(path, args.files)
        return report(path, args.runs)


def report(path: Path, runs: int) -> int:
    """Print one line per backend; non-zero when a backend disagrees with ours."""
    reference: TreeSnapshot | None = None
    for name, reader in available_readers().items():
        times, snapshot = measure(reader, path, runs)
        reference = reference or snapshot
        agrees = same_entries(reference, snapshot)
        print(
            f"{name:20} entries={len(snapshot):6} min={min(times) * 1000:7.1f} ms "
            f"median={statistics.median(times) * 1000:7.1f} ms same={agrees}"
        )
        if not agrees:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
