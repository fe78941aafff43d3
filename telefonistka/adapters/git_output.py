"""What ``git`` prints, parsed; what it reads, built: pure, so tested without a repository.

The local-git adapter (``localgit``) runs git with NUL-separated, machine-readable
output; these functions turn that output into the core's types. Paths are decoded as
UTF-8 with ``surrogateescape``, so a path that is not valid UTF-8 comes back as a
``str`` that encodes to the very same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telefonistka.core.promotion.snapshot import Mode, TreeEntry, normalize_mode
from telefonistka.core.text.log_text import inert
from telefonistka.errors import GitError
from telefonistka.ports import CommitState

ENCODING = "utf-8"
ERRORS = "surrogateescape"
_MODES = {mode.value.encode(): mode for mode in Mode} | {b"40000": Mode.FOLDER}


def encode_path(path: str) -> bytes:
    """The bytes git knows a path by (the inverse of ``decode_path``)."""
    return path.encode(ENCODING, ERRORS)


def decode_path(raw: bytes) -> str:
    """A git path as ``str``; bytes that are not UTF-8 survive as surrogates."""
    return raw.decode(ENCODING, ERRORS)


def printable(text: str) -> str:
    """``text`` safe for any stdout: bytes of a non-UTF-8 path shown as ``\\xe9`` escapes.

    A ``decode_path`` string keeps such bytes as lone surrogates, which a strict UTF-8
    stream (stdout under a ``*.UTF-8`` locale, a JSON consumer) refuses to write.
    """
    return text.encode(ENCODING, ERRORS).decode(ENCODING, "backslashreplace")


def printable_lines(text: str) -> str:
    """``printable`` text for a terminal or a job log, where no line may start a
    workflow command (``core.log_text.inert``); not for JSON, whose strings stay exact."""
    return inert(printable(text))


def printable_json(value: Any) -> Any:
    """``printable`` applied to every string (keys too) of JSON data, before dumping it."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(k)): printable_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable_json(item) for item in value]
    return value


def parse_ls_tree(out: bytes) -> dict[str, TreeEntry]:
    """``git ls-tree -z`` records (``<mode> <type> <oid>\\t<path>``) → path → entry.

    The hot loop of a snapshot read (one pass per entry of a 40k-file tree), so the mode
    is looked up in a table rather than parsed.
    """
    entries: dict[str, TreeEntry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, _, kind_and_oid = meta.partition(b" ")
        oid = kind_and_oid[kind_and_oid.index(b" ") + 1 :].decode()
        entries[decode_path(raw_path)] = TreeEntry(_MODES.get(mode) or _mode(mode), oid)
    return entries


def _mode(raw: bytes) -> Mode:
    """A mode outside the table; ``GitError`` instead of a bare ``ValueError``."""
    try:
        return normalize_mode(raw.decode())
    except ValueError:
        raise GitError(f"unsupported git tree entry mode {raw!r}") from None


def parse_name_status(out: bytes) -> list[str]:
    """``--name-status -z`` output → every path named, both names of renames and copies.

    Records are ``<status>\\0<path>\\0``, or ``R<score>\\0<old>\\0<new>\\0`` for renames
    and copies. Order of appearance is kept; a path is listed once.
    """
    fields = out.split(b"\0")
    paths: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        names = 2 if fields[i][:1] in (b"R", b"C") else 1
        paths += [decode_path(raw) for raw in fields[i + 1 : i + 1 + names]]
        i += 1 + names
    return list(dict.fromkeys(paths))


def parse_cat_file_batch(out: bytes, wanted: Sequence[str]) -> dict[str, bytes]:
    """``git cat-file --batch`` output for ``wanted`` (in order) → oid → content."""
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode(errors="replace").split(" ")
        if len(header) != 3:
            raise GitError(f"git cat-file --batch: object {oid} is {' '.join(header[1:])}")
        if header[1] != "blob":
            raise GitError(f"git cat-file --batch: object {oid} is a {header[1]}, not a blob")
        size = int(header[2])
        blobs[oid] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return blobs


def parse_commit(raw: bytes) -> CommitState:
    """A raw commit object → tree, parents, message and author name.

    Headers end at the first empty line; continuation lines of multi-line headers (a
    ``gpgsig``) start with a space, so they never end the headers early. The author
    header reads ``Name <email> time zone``; only the name is kept.
    """
    headers, _, message = raw.partition(b"\n\n")
    tree, parents, people = "", [], {b"author": "", b"committer": ""}
    for line in headers.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree":
            tree = value.decode()
        elif key == b"parent":
            parents.append(value.decode())
        elif key in people:  # "Name <email> time zone": the identity without the time
            people[key] = value.rpartition(b">")[0].decode(ENCODING, "replace") + ">"
    author = people[b"author"].rpartition(" <")[0]
    return CommitState(
        tree,
        tuple(parents),
        message.decode(ENCODING, "replace"),
        author,
        author_id=people[b"author"],
        committer_id=people[b"committer"],
    )


def index_info(changes: Mapping[str, TreeEntry | None], null_oid: str) -> bytes:
    """``update-index -z --index-info`` input: deletions first, then new entries.

    Mode ``0`` removes a path. Deleting first lets a path change between file and
    folder in one call; a folder entry is refused because changes are per file.
    """
    removed = sorted(path for path, entry in changes.items() if entry is None)
    added = sorted((path, entry) for path, entry in changes.items() if entry is not None)
    records = [b"0 %s\t%s\0" % (null_oid.encode(), encode_path(p)) for p in removed]
    for path, entry in added:
        if entry.is_folder:
            raise GitError(f"cannot write folder entry {path!r}: tree changes are per file")
        record = b"%s %s\t%s\0" % (entry.mode.encode(), entry.oid.encode(), encode_path(path))
        records.append(record)
    return b"".join(records)


def failure_message(argv: Sequence[bytes], returncode: int, stderr: bytes) -> str:
    """``git <command> failed (exit N): <stderr>``, readable in a workflow log."""
    command = " ".join(decode_path(a) for a in argv)
    reason = stderr.decode(errors="replace").strip() or "(no message)"
    return f"`{command}` failed (exit {returncode}): {reason}"


# What ``git rev-parse --local-env-vars`` lists (git 2.39), plus the work-tree helpers:
# variables that point git at another repository, index or object store.
_REPO_ENV_VARS = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_DIR",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_GRAFT_FILE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_NAMESPACE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
    "GIT_REPLACE_REF_BASE",
    "GIT_SHALLOW_FILE",
    "GIT_WORK_TREE",
)


def git_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The child environment: no prompts, no inherited repository selection."""
    env = {k: v for k, v in environ.items() if k not in _REPO_ENV_VARS}
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env
