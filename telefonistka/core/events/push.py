"""The GitHub ``push`` webhook payload, parsed once at the edge into frozen data.

Nothing downstream indexes raw JSON: ``parse_push_event`` checks every field fan-out
reads and raises ``EventError`` naming the field (``repository.default_branch``,
``commits[3].added[0]``) when one is missing or of the wrong type. Fields we do not read
are ignored, so payloads from newer GitHub versions keep working.

A push payload may not list every changed file: GitHub puts at most 2048 commits in
``commits`` (webhook documentation; the Events API puts 20 and says how many there were
in ``size``) and at most 3000 files per commit, and a forced push lists only the commits
it added, not the ones it dropped. ``PushEvent.needs_compare`` says when the file list
should come from comparing ``before`` with ``after`` instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from telefonistka.core.events.pull_request import checked_full_name
from telefonistka.errors import EventError

NULL_SHA = "0" * 40
BRANCH_PREFIX = "refs/heads/"
# GitHub's documented caps: commits per push payload, files listed per commit.
WEBHOOK_COMMIT_CAP = 2048
COMMIT_FILE_CAP = 3000


@dataclass(frozen=True)
class PushCommit:
    """One commit of a push and the files it added, modified and removed."""

    id: str
    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        """Every path the commit touched, in payload order (added, modified, removed)."""
        return (*self.added, *self.modified, *self.removed)

    @property
    def files_may_be_truncated(self) -> bool:
        """True when GitHub may have stopped listing files (it lists at most 3000)."""
        return len(self.files) >= COMMIT_FILE_CAP


@dataclass(frozen=True)
class PushEvent:
    """The parts of a ``push`` payload that fan-out needs."""

    ref: str
    before: str
    after: str
    repository: str
    default_branch: str
    commits: tuple[PushCommit, ...] = ()
    forced: bool = False
    created: bool = False
    deleted: bool = False
    size: int | None = None
    distinct_size: int | None = None

    @property
    def branch(self) -> str | None:
        """The branch name the push updated; None for tags and other refs."""
        return self.ref.removeprefix(BRANCH_PREFIX) if self.ref.startswith(BRANCH_PREFIX) else None

    @property
    def to_default_branch(self) -> bool:
        """True for a push that updated (not deleted) the repository's default branch."""
        return self.branch == self.default_branch and not self.deleted and self.after != NULL_SHA

    @property
    def commits_may_be_truncated(self) -> bool:
        """True when the payload may list fewer commits or files than the push holds."""
        return (
            len(self.commits) >= WEBHOOK_COMMIT_CAP
            or (self.size is not None and self.size > len(self.commits))
            or any(commit.files_may_be_truncated for commit in self.commits)
        )

    @property
    def needs_compare(self) -> bool:
        """True when the changed files should come from comparing ``before`` and ``after``.

        A forced push drops commits the payload does not list, and a truncated payload
        misses some; both are only answerable by a compare. It takes two real commits,
        so a push that created the branch (``before`` is all zeros) never qualifies.
        """
        comparable = NULL_SHA not in (self.before, self.after)
        return comparable and (self.forced or self.commits_may_be_truncated)

    @property
    def payload_files(self) -> tuple[str, ...]:
        """The union of the files of every listed commit, sorted."""
        return tuple(sorted({path for commit in self.commits for path in commit.files}))


def parse_push_event(body: bytes | str) -> PushEvent:
    """Parse the raw body of a ``push`` delivery; ``EventError`` names any bad field."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"the push event is not valid JSON: {exc}") from exc
    except RecursionError:
        raise EventError("the push event nests its JSON too deeply to be a webhook") from None
    return push_event_from_json(data)


def push_event_from_json(data: object) -> PushEvent:
    """Build a ``PushEvent`` from an already decoded payload."""
    if not isinstance(data, dict):
        raise EventError(f"the push event must be a JSON object, got {_kind(data)}")
    root: Mapping[str, object] = data
    ref, before, after = (_string(root, key) for key in ("ref", "before", "after"))
    repository = _object(root.get("repository"), "repository")
    return PushEvent(
        ref=ref,
        before=before,
        after=after,
        repository=checked_full_name(_string(repository, "full_name", "repository."), "push"),
        default_branch=_string(repository, "default_branch", "repository."),
        commits=tuple(_commit(c, f"commits[{i}]") for i, c in enumerate(_list(root, "commits"))),
        forced=_flag(root, "forced"),
        created=_flag(root, "created"),
        deleted=_flag(root, "deleted"),
        size=_count(root, "size"),
        distinct_size=_count(root, "distinct_size"),
    )


def _commit(data: object, where: str) -> PushCommit:
    commit = _object(data, where)
    prefix = f"{where}."
    return PushCommit(
        id=_string(commit, "id", prefix) if "id" in commit else "",
        added=_paths(commit, "added", prefix),
        modified=_paths(commit, "modified", prefix),
        removed=_paths(commit, "removed", prefix),
    )


def _object(value: object, where: str) -> Mapping[str, object]:
    if value is None:
        raise EventError(f"push event field {where} is missing")
    if not isinstance(value, dict):
        raise EventError(f"push event field {where} must be a JSON object, got {_kind(value)}")
    return value


def _string(data: Mapping[str, object], key: str, prefix: str = "") -> str:
    value = data.get(key)
    if isinstance(value, str) and value:
        return value
    if value is None:
        problem = "is missing"
    elif value == "":
        problem = "is empty"
    else:
        problem = f"must be a string, got {_kind(value)}"
    raise EventError(f"push event field {prefix}{key} {problem}")


def _list(data: Mapping[str, object], key: str, prefix: str = "") -> list[object]:
    """A required JSON array (GitHub always sends ``commits``, empty for tag pushes)."""
    value = data.get(key)
    if not isinstance(value, list):
        missing = "is missing" if value is None else f"must be an array, got {_kind(value)}"
        raise EventError(f"push event field {prefix}{key} {missing}")
    return value


def _paths(data: Mapping[str, object], key: str, prefix: str) -> tuple[str, ...]:
    """An optional array of paths: go-github reads an absent list as empty, and so do we."""
    if data.get(key) is None:
        return ()
    items = _list(data, key, prefix)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise EventError(f"push event field {prefix}{key}[{i}] must be a string path")
    return tuple(str(item) for item in items)


def _flag(data: Mapping[str, object], key: str) -> bool:
    """An optional boolean; hand-written test payloads often leave these out."""
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise EventError(f"push event field {key} must be true or false, got {_kind(value)}")
    return value


def _count(data: Mapping[str, object], key: str) -> int | None:
    """An optional non-negative integer (``size`` hints of the Events API shape)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EventError(f"push event field {key} must be a non-negative integer")
    return value


def _kind(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
