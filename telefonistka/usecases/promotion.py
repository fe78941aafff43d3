"""The promotion use case: plan a merged change and write one branch per promotion group.

It is backend-agnostic: everything it needs from git or GitHub goes through the small
``PromotionBackend`` protocol, so the local-git adapter and the GitHub adapter run the
same steps (read one snapshot, compute the sync, render, write one tree, one commit, one
branch). Each group is carried out on its own: one failing group does not stop the
others, and a re-run finds its own earlier branch and leaves it alone when nothing
changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from telefonistka.core.promotion.keep_fields import KeptField, keep_fields
from telefonistka.core.promotion.metadata import PromotionMetadata, next_stage_metadata
from telefonistka.core.promotion.planning import TITLE_PREFIX, Conflict, Plan, Promotion
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.core.promotion.sync import KeptFile, branch_name, compute_sync
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import SyncError, TelefonistkaError
from telefonistka.ports import CommitState

_TEXT_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE})


class Status(StrEnum):
    """What happened to one promotion group."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    IN_SYNC = "in-sync"
    FAILED = "failed"
    WOULD_CREATE = "would-create"
    WOULD_UPDATE = "would-update"
    EDITED = "edited"  # the branch holds a commit the bot did not write: left as it is


class PromotionBackend(Protocol):
    """What the use case needs from a repository host."""

    def branch_head(self, name: str) -> str | None: ...

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str: ...

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str: ...

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None: ...

    def create_branch(self, name: str, sha: str) -> str | None:
        """Create branch ``name`` at ``sha``; when it exists already, its head (None when
        that is ``sha``: our own create whose answer was lost)."""

    def commit_state(self, rev: str) -> CommitState: ...

    # only for kept fields (keepLocal.fields): the two files are read, the edited one written
    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]: ...

    def create_blob(self, content: bytes) -> str: ...


@dataclass(frozen=True)
class Trigger:
    """The merged change that starts a promotion: its PR number, author, branch, body."""

    pr_number: int
    pr_author: str
    pr_branch: str
    body: str = ""


@dataclass(frozen=True)
class Outcome:
    """The result for one promotion group, as reported in ``--json`` and logs."""

    promotion: Promotion
    branch: str
    status: Status
    title: str = ""
    body: str = ""
    commit: str | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        data = self.promotion.to_json()
        data.update(branch=self.branch, commit=self.commit, body=self.body, status=self.status)
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class PromotionRun:
    """Everything one run needs: where to write, what to base on, how to render."""

    backend: PromotionBackend
    snapshot: TreeSnapshot
    trigger: Trigger
    renderer: Renderer
    dry_run: bool = False
    conflicts: tuple[Conflict, ...] = ()
    outcomes: list[Outcome] = field(default_factory=list)
    # Whether a branch holding somebody else's commit may still be replaced (on GitHub:
    # when no open PR uses it any more). By default it never is.
    may_replace: Callable[[str], bool] = field(default=lambda _branch: False)
    # The heads of the branches known to exist (those of the open PRs, read with the rest
    # before planning): any other branch is created outright, and looked up only when
    # the host says it exists. None: every branch is looked up first.
    known_heads: Mapping[str, str] | None = None

    def carry_out(self, plan: Plan) -> list[Outcome]:
        """Carry out every promotion of ``plan``; failures are recorded, not raised."""
        self.conflicts = plan.conflicts
        for promotion in plan.promotions:
            self.outcomes.append(self._carry_out_one(promotion))
        return self.outcomes

    def _carry_out_one(self, promotion: Promotion) -> Outcome:
        branch = branch_name(self.trigger.pr_number, self.trigger.pr_branch, promotion.target_paths)
        try:
            return self._promote(promotion, branch)
        except TelefonistkaError as exc:
            return Outcome(promotion, branch, Status.FAILED, error=str(exc))

    def _promote(self, promotion: Promotion, branch: str) -> Outcome:
        check_utf8_paths(promotion)
        pairs = [(t, s) for t, s in promotion.sync]
        sync = compute_sync(self.snapshot, pairs, promotion.keep_map)
        changes, fields = self._keep_fields(promotion, sync.changes)
        title, body = self._render(promotion, sync.kept, fields)
        if not changes:
            return Outcome(promotion, branch, Status.IN_SYNC, title, body)
        tree = self.backend.write_tree(self.snapshot.commit, changes)
        known = self.known_heads
        if known is not None and branch not in known and not self.dry_run:
            return self._create_first(promotion, branch, tree, (title, body))
        existing = known[branch] if known is not None and branch in known else None
        if known is None or (self.dry_run and branch not in known):
            existing = self.backend.branch_head(branch)
        return self._write(promotion, branch, tree, (title, body), existing)

    def _write(
        self,
        promotion: Promotion,
        branch: str,
        tree: str,
        text: tuple[str, str],
        existing: str | None,
        *,
        commit: str | None = None,
    ) -> Outcome:
        """Write ``tree`` on ``branch`` as it stands at ``existing`` (None: absent), unless
        an earlier run wrote the same or somebody else's commit is there."""
        title, body = text
        message = f"{title}\n\n{body}"
        if existing is not None and self._is_current(existing, tree, message):
            return Outcome(promotion, branch, Status.UNCHANGED, title, body, existing)
        if existing is not None and not self._is_ours(existing) and not self.may_replace(branch):
            return Outcome(promotion, branch, Status.EDITED, title, body, existing)
        if self.dry_run:
            status = Status.WOULD_CREATE if existing is None else Status.WOULD_UPDATE
            return Outcome(promotion, branch, status, title, body)
        if commit is None:
            commit = self.backend.commit_tree(tree, [self.snapshot.commit], message)
        self.backend.update_branch(branch, commit, existing)
        status = Status.CREATED if existing is None else Status.UPDATED
        return Outcome(promotion, branch, status, title, body, commit)

    def _create_first(
        self, promotion: Promotion, branch: str, tree: str, text: tuple[str, str]
    ) -> Outcome:
        """A branch no open PR uses: most often new, so it is created at once (no lookup).
        When it exists after all (a killed run's, a closed PR's), it is judged as a found
        branch is; the commit written for it is then used or left unreferenced."""
        title, body = text
        commit = self.backend.commit_tree(tree, [self.snapshot.commit], f"{title}\n\n{body}")
        existing = self.backend.create_branch(branch, commit)
        if existing is None:
            return Outcome(promotion, branch, Status.CREATED, title, body, commit)
        return self._write(promotion, branch, tree, text, existing, commit=commit)

    def _is_ours(self, existing: str) -> bool:
        """Whether the branch's head is a commit the bot wrote (``is_bot_commit``).

        Why: a reviewer may push a fix onto a promotion branch, or amend the bot's commit.
        Force-moving the branch would silently drop it, so such a branch is left alone
        (``EDITED``), as Renovate leaves a branch somebody edited.
        """
        return is_bot_commit(self.backend.commit_state(existing))

    def _is_current(self, existing: str, tree: str, message: str) -> bool:
        """An earlier run already wrote this exact commit content on this base."""
        old = self.backend.commit_state(existing)
        return (
            old.tree == tree
            and old.parents == (self.snapshot.commit,)
            and old.message.strip() == message.strip()
        )

    def _keep_fields(
        self, promotion: Promotion, changes: Mapping[str, TreeEntry | None]
    ) -> tuple[dict[str, TreeEntry | None], list[KeptField]]:
        """``changes`` with the kept fields of each written YAML file set back to the
        target's values (one blob batch read, one blob written per edited file)."""
        edits: list[tuple[str, str, tuple[str, ...]]] = []  # (target file, source file, selectors)
        for target, source in promotion.sync:
            rules = promotion.keep_map.get(source)
            if not rules or not rules.fields:
                continue
            for path, entry in changes.items():
                if entry is None or not path.startswith(f"{target}/"):
                    continue
                relative = path[len(target) + 1 :]
                selectors = rules.selectors_for(relative)
                if selectors:
                    edits.append((path, f"{source}/{relative}", selectors))
        if not edits:
            return dict(changes), []
        return self._edit_fields(dict(changes), edits)

    def _edit_fields(
        self,
        changes: dict[str, TreeEntry | None],
        edits: list[tuple[str, str, tuple[str, ...]]],
    ) -> tuple[dict[str, TreeEntry | None], list[KeptField]]:
        present = {path: self.snapshot.entry(path) for path, _, _ in edits}
        oids = {e.oid for e in present.values() if e is not None and e.mode in _TEXT_MODES}
        oids |= {e.oid for path, _, _ in edits if (e := changes[path]) is not None}
        blobs = self.backend.read_blobs(sorted(oids))
        notes: list[KeptField] = []
        for path, _source, selectors in edits:
            written, before = changes[path], present[path]
            if before is None or before.mode not in _TEXT_MODES:
                notes += [KeptField(path, s, "not in target") for s in selectors]
                continue
            assert written is not None  # noqa: S101 - edits hold written files only
            try:
                source_text = blobs[written.oid].decode("utf-8")
                target_text = blobs[before.oid].decode("utf-8")
            except UnicodeDecodeError:
                raise SyncError(
                    f"{path} is not UTF-8 text: keepLocal.fields cannot edit it"
                ) from None
            result = keep_fields(source_text, target_text, selectors, path)
            notes += result.fields
            if result.text == target_text:
                changes.pop(path)  # the target already is the promoted file
            elif result.text != source_text:
                oid = self.backend.create_blob(result.text.encode("utf-8"))
                changes[path] = TreeEntry(written.mode, oid)
        return changes, notes

    def _render(
        self,
        promotion: Promotion,
        kept: Sequence[KeptFile] = (),
        fields: Sequence[KeptField] = (),
    ) -> tuple[str, str]:
        metadata: PromotionMetadata = next_stage_metadata(
            self.trigger.pr_number, self.trigger.pr_author, self.trigger.body, promotion
        )
        title, overflow = self.renderer.promotion_title(promotion)
        body = self.renderer.promotion_body(
            promotion,
            metadata,
            overflow=overflow,
            conflicts=self.conflicts,
            kept=kept,
            kept_fields=fields,
        )
        return title, body


def is_bot_commit(state: CommitState) -> bool:
    """Whether the bot wrote this commit: its promotion title leads the message, and one
    identity authored and committed it (the bot never sets an author). The message alone
    is not enough: ``git commit --amend`` by a reviewer keeps it, and makes the reviewer
    the committer."""
    return state.message.startswith(TITLE_PREFIX) and state.one_identity


def check_utf8_paths(promotion: Promotion) -> None:
    """Titles, bodies and metadata are UTF-8 text: a folder they cannot name is refused.

    Adapters decode non-UTF-8 path bytes as lone surrogates; the JSON metadata and the
    commit message cannot carry those, so the group fails with the path shown escaped.
    """
    paths = (path for target, source in promotion.sync for path in (source, target))
    for path in dict.fromkeys(paths):
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise SyncError(
                f"cannot promote {shown}: the folder name is not valid UTF-8, and PR titles, "
                "bodies and metadata are UTF-8 text; rename the folder"
            ) from None


def failed(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes that failed, for the exit code and the summary."""
    return [o for o in outcomes if o.status is Status.FAILED]
