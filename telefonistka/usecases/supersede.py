"""Superseded promotion PRs: the newer promotion closes the older ones it replaces.

Why: two merges that change the same component open two promotion PRs to the same
targets. Merging the older one after the newer brings older content back (or conflicts).
So once a run has opened or updated its promotion PRs, each open promotion PR of the bot
that shares targets with them is compared with them by history (see
``SupersedeOlderPrs.run``): the one with older content is closed with a comment
"superseded by #N" and its branch deleted when the newer ones cover all its targets, or
told which targets the newer ones own when they cover only some. Only the bot's own PRs
are candidates (its login as author, a ``promotions/`` head branch, the ``promotion``
label, targets named in its metadata block), and one whose branch holds a commit the bot
did not write is never closed: a reviewer's fix is not thrown away.

Every step is safe to repeat: the comments are posted once (looked up first), closing a
closed PR and deleting a deleted branch change nothing, and a re-run lists only PRs that
are still open. ``closeSupersededPromotionPrs: false`` turns it off.

Costs one listing of the open PRs into the default branch (100 per page) and one read of
the default branch's head per run (and, only when it moved while the run worked, a page
of the recently merged PRs: a later run may have opened *and merged* newer promotions,
which then close this run's PRs); per PR sharing targets its head commit and, when the two
were computed on different default-branch commits, one compare; per closed PR the
comment look-up and post, the close and the branch delete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.metadata import extract_metadata
from telefonistka.core.text.markdown import code_span
from telefonistka.errors import TelefonistkaError
from telefonistka.ports import CodeHost, CommitState, OpenPullsView
from telefonistka.usecases.bot_identity import promotion_pr_problems
from telefonistka.usecases.promotion import is_bot_commit

_SHOWN_PATHS = 20  # a partly-covered note names at most this many paths per PR
_NOTE_LIMIT = 60_000

Log = Callable[[str], None]


@dataclass(frozen=True)
class NewerPr:
    """A promotion PR of this run, the target component paths it owns, and the PR itself
    (so that it can be told, or closed, when another run promoted newer content)."""

    number: int
    targets: frozenset[str]
    pull: PullRequest | None = None


@dataclass(frozen=True)
class Superseding:
    """What the pass did: older PRs closed, older PRs told, and what failed."""

    closed: tuple[int, ...] = ()
    noted: tuple[int, ...] = ()
    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class SupersedeOlderPrs:
    """One pass over the open PRs into ``base`` after a run opened its PRs."""

    host: CodeHost
    base: str
    is_bot: Callable[[str], bool]
    log: Log = print
    _closed: list[int] = field(default_factory=list, init=False)
    _noted: list[int] = field(default_factory=list, init=False)
    _failures: list[str] = field(default_factory=list, init=False)
    _warnings: list[str] = field(default_factory=list, init=False)
    _states: dict[str, CommitState] = field(default_factory=dict, init=False)
    _closing: list[tuple[PullRequest, str, str]] = field(default_factory=list, init=False)

    def run(
        self, newer: Sequence[NewerPr], snapshot: str, seen: OpenPullsView | None = None
    ) -> Superseding:
        """Compare this run's PRs (written on default-branch commit ``snapshot``) with the
        bot's other open promotion PRs that share a target with them.

        Which content is newer is decided by history, not by PR numbers: a promotion
        commit's parent is the default-branch commit it was computed on, so the PR whose
        parent descends from the other's holds the newer content. Two runs of different
        merges may run side by side and finish in any order; either way the stale PR is
        the one closed. On the same parent (a re-run), the higher PR number is newer.

        ``seen``: the open PRs and the base's head as read once this run's last new PR
        existed (in the same request that opened it); without it both are read here. Either
        way they are read after this run's PRs exist, so of two runs at once the later
        one to read sees the other's PRs.
        """
        if not newer:
            return Superseding()
        ours = {pr.number for pr in newer}
        others = (
            [found.pull for found in seen.open_pulls]
            if seen is not None
            else self.host.list_open_prs(self.base)
        )
        for other in others:
            if other.number in ours or not self._is_promotion(other):
                continue
            targets = _targets(other)
            overlapping = [pr for pr in newer if pr.targets & targets]
            if not overlapping:
                continue
            try:
                if self._is_older(other, snapshot, max(pr.number for pr in overlapping)):
                    self._handle(other, overlapping)
                else:
                    self._yield_to(other, targets, overlapping)
            except TelefonistkaError as exc:
                self._failures.append(f"superseding PR #{other.number}: {exc}")
        try:
            self._overtaken_by_merged(newer, snapshot, seen.head if seen is not None else None)
        except TelefonistkaError as exc:
            self._failures.append(f"comparing with merged promotion PRs: {exc}")
        try:
            self._close_marked()
        except TelefonistkaError as exc:
            numbers = [pull.number for pull, _, _ in self._closing]
            self._closed = [n for n in self._closed if n not in numbers]
            self._failures.append(f"closing superseded PRs: {exc}")
        return Superseding(
            tuple(self._closed), tuple(self._noted), tuple(self._failures), tuple(self._warnings)
        )

    def _overtaken_by_merged(
        self, newer: Sequence[NewerPr], snapshot: str, head: str | None
    ) -> None:
        """This run's PRs against promotion PRs a later run opened **and merged** while this
        one worked: their content is newer, and they are no longer open to be compared
        with. One read of the default branch's head tells whether it moved since
        ``snapshot`` (the usual case stops there); only then are the recently merged PRs
        read (one more request). A PR's own ``base.sha`` cannot tell: a merge may land
        after this run opened its PRs and before this pass (``head``, when given, was read
        once they all existed)."""
        if head is None:
            head = self.host.branch_head(self.base)
        if head in (snapshot, None):
            return
        for merged in self.host.list_merged_prs(self.base):
            if not self._is_promotion(merged) or not self._branch_is_ours(merged):
                continue
            targets = _targets(merged)
            overlapping = [pr for pr in newer if pr.targets & targets and pr.pull is not None]
            if not overlapping:
                continue
            parents = self._state(merged.head_sha).parents
            base = parents[0] if parents else ""
            if base and base != snapshot and self.host.is_ancestor(snapshot, base):
                owner = NewerPr(merged.number, targets, merged)
                for pr in overlapping:
                    if pr.number not in self._closed and pr.pull is not None:
                        self._handle(pr.pull, [owner])

    def _is_older(self, other: PullRequest, snapshot: str, newest: int) -> bool:
        """Whether ``other`` holds older content than this run (see ``run``).

        A branch somebody pushed to has no promotion commit at its head to tell its base:
        it counts as older by its number (it is never closed, only told), and a newer
        number wins over it.
        """
        if not self._branch_is_ours(other):
            return other.number < newest
        parents = self._state(other.head_sha).parents
        base = parents[0] if parents else ""
        if base == snapshot:
            return other.number < newest
        return bool(base) and self.host.is_ancestor(base, snapshot)

    def _yield_to(
        self, other: PullRequest, targets: frozenset[str], ours: Sequence[NewerPr]
    ) -> None:
        """``other`` came from a later merge: this run's PRs are the stale ones."""
        if not self._branch_is_ours(other):
            return  # somebody's edits are not newer content to give way to
        newer = NewerPr(other.number, targets, other)
        for pr in ours:
            if pr.pull is not None:
                self._handle(pr.pull, [newer])

    def _is_promotion(self, pull: PullRequest) -> bool:
        """A promotion PR the bot opened; anybody else's PR is never touched."""
        return not promotion_pr_problems(pull, self.is_bot)

    def _handle(self, older: PullRequest, newer: Sequence[NewerPr]) -> None:
        targets = _targets(older)
        owners = [pr for pr in newer if pr.targets & targets]
        if not targets or not owners:
            return
        covered = frozenset().union(*(pr.targets & targets for pr in owners))
        if covered != targets:
            self._note(older, owners, targets, "some targets of this PR")
        elif self._branch_is_ours(older):
            self._close(older, owners)
        else:
            self._warn(
                f"PR #{older.number} is superseded by {_numbers(owners)} but its branch holds "
                "a commit telefonistka did not write: it stays open"
            )
            where = "every target of this PR (left open: its branch has commits telefonistka "
            self._note(older, owners, targets, where + "did not write)")

    def _branch_is_ours(self, older: PullRequest) -> bool:
        return is_bot_commit(self._state(older.head_sha))

    def _state(self, sha: str) -> CommitState:
        """A commit's tree, parents and message, read once per run."""
        if sha not in self._states:
            self._states[sha] = self.host.commit_state(sha)
        return self._states[sha]

    def _close(self, older: PullRequest, owners: Sequence[NewerPr]) -> None:
        """Mark ``older`` to be closed; ``_close_marked`` closes them all at once."""
        note = (
            f"Superseded by {_numbers(owners)}, which promotes newer content to every target "
            "of this PR: closed, and its branch deleted."
        )
        self._closing.append((older, note, _numbers(owners)))
        self._closed.append(older.number)

    def _close_marked(self) -> None:
        """Close the marked PRs: each noted once, its branch deleted first (GitHub closes a
        PR whose head branch is deleted, so a run killed in between leaves nothing
        behind, and one killed before leaves the PR open for the next run to find), then
        closed. On GitHub all of them in three requests, however many."""
        if not self._closing:
            return
        failures = self.host.close_superseded([(pull, note) for pull, note, _ in self._closing])
        for pull, _, owners in self._closing:
            if pull.number in failures:
                self._closed.remove(pull.number)
                self._failures.append(f"superseding PR #{pull.number}: {failures[pull.number]}")
            else:
                self.log(f"closed PR #{pull.number}: superseded by {owners}")
        self._closing.clear()

    def _note(
        self, older: PullRequest, owners: Sequence[NewerPr], targets: frozenset[str], where: str
    ) -> None:
        lines = [
            f"⚠️ Newer promotion PRs promote newer content to {where}. Merging this PR after "
            "them would bring older content back there:",
            "",
        ]
        size = sum(len(line) + 1 for line in lines)
        for shown, pr in enumerate(owners):
            line = f"- #{pr.number}: {_paths(sorted(pr.targets & targets))}"
            size += len(line) + 1
            if size > _NOTE_LIMIT:  # GitHub refuses comments over 65,536 characters
                lines.append(f"- … and {len(owners) - shown} more PRs")
                break
            lines.append(line)
        event = f"superseded-part {' '.join(str(pr.number) for pr in owners)}"
        self.host.comment_once(older.number, "\n".join(lines), event)
        self._noted.append(older.number)
        self.log(f"PR #{older.number} is partly superseded by {_numbers(owners)}: commented")

    def _warn(self, message: str) -> None:
        """Kept for the caller, which logs and summarises every warning of the run."""
        self._warnings.append(message)


def _targets(pull: PullRequest) -> frozenset[str]:
    """The target component paths a bot promotion PR names in its metadata block (none
    when the block is missing or was shortened away: such a PR is left alone)."""
    metadata = extract_metadata(pull.body)
    return frozenset(metadata.promoted_paths) if metadata is not None else frozenset()


def _numbers(prs: Iterable[NewerPr]) -> str:
    return ", ".join(f"#{pr.number}" for pr in sorted(prs, key=lambda pr: pr.number))


def _paths(paths: Sequence[str]) -> str:
    shown = ", ".join(code_span(path) for path in paths[:_SHOWN_PATHS])
    more = len(paths) - _SHOWN_PATHS
    return f"{shown} and {more} more" if more > 0 else shown
