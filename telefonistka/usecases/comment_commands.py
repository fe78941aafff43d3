"""PR comment commands: ``/retrigger`` and the ``toggleCommitStatus`` keys.

What users see of them: docs/github-action.md, "Comment commands".

A command is a line of the comment whose first word starts with ``/`` (``/retrigger``,
``/approved because …``), so a slash inside a sentence or a URL is never one. Whether a
comment holds a command is decided from the payload alone (``core/events/pr_requests.py``), so
ordinary comments cost no request; only then is the bot's own login read (1 GraphQL
request) to ignore the bot's own comments.

A toggle reads the repo configuration of the default branch (ref, tree, blob: 3), the
status's newest state on the PR head (1) and sets the other one (1): ``success`` becomes
``failure``, anything else (``failure``, ``error``, ``pending``, never set) ``success``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telefonistka.core.config.model import REPO_CONFIG_FILE
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.events.pr_requests import (
    BREAK_GLASS,
    RELEASE,
    RETRIGGER,
    ROLLBACK,
    command_argument,
    commands_in,
)
from telefonistka.core.events.pull_request import IssueCommentEvent
from telefonistka.core.text.markdown import code_span
from telefonistka.errors import MissingConfigError
from telefonistka.ports import CodeHost, CommitStatusState
from telefonistka.usecases.bot_identity import bot_matcher

Log = Callable[[str], None]

# Associations GitHub gives only to people the repository trusts: taken at their word,
# with no request. Anyone else is asked about (one request) before a command writes.
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
WRITE_PERMISSIONS = frozenset({"admin", "write"})  # GitHub reports maintain as write


@dataclass(frozen=True)
class Toggle:
    """One status flip: context, the state it had (None: never set), the state it got."""

    context: str
    before: str | None
    after: CommitStatusState


@dataclass
class PrCommands:
    """The commands of one PR comment, through a ``ports.CodeHost``."""

    repo: CodeHost
    event: IssueCommentEvent
    log: Log = print

    @property
    def commands(self) -> tuple[str, ...]:
        return commands_in(self.event.comment_body)

    @property
    def retrigger(self) -> bool:
        return RETRIGGER in self.commands

    @property
    def break_glass(self) -> bool:
        return BREAK_GLASS in self.commands

    @property
    def break_glass_reason(self) -> str:
        return command_argument(self.event.comment_body, BREAK_GLASS)

    @property
    def rollback(self) -> bool:
        return ROLLBACK in self.commands

    @property
    def rollback_reason(self) -> str:
        return command_argument(self.event.comment_body, ROLLBACK)

    @property
    def release(self) -> bool:
        return RELEASE in self.commands

    def from_bot(self) -> bool:
        """Whether the bot wrote the comment (its own output must not command it)."""
        return bot_matcher(self.repo, self.log)(self.event.comment_author)

    def may_write(self) -> bool:
        """Whether the commenter has write access, so their commands may change anything.

        Why: a status toggle flips a required check, and ``/retrigger`` writes statuses
        and comments; a commenter who cannot push must not steer either. The comment's
        ``author_association`` settles it for owners, members and collaborators;
        otherwise GitHub is asked for the commenter's permission on the repository.
        """
        association = self.event.author_association
        if association in TRUSTED_ASSOCIATIONS:
            self.log(f"@{self.event.comment_author} is {association}: commands are honoured")
            return True
        permission = self.repo.user_permission(self.event.comment_author)
        self.log(
            f"@{self.event.comment_author} is {association or 'of unknown association'} "
            f"with {permission} permission"
        )
        return permission in WRITE_PERMISSIONS

    def refusal(self) -> str:
        """The one-line reply to a commenter without write access."""
        names = ", ".join(code_span(f"/{command}") for command in self.commands)
        return (
            f"@{self.event.comment_author} only people with write access to this repository "
            f"can run {names}; nothing was changed."
        )

    def toggle_contexts(self) -> list[str]:
        """The ``toggleCommitStatus`` contexts the comment's ``/key`` commands name.

        The configuration is read only when some command is not ``/retrigger``.
        """
        own = (RETRIGGER, BREAK_GLASS, ROLLBACK, RELEASE)
        others = [c for c in self.commands if c not in own]
        if not others:
            return []
        keys = dict(self._toggle_keys())
        return list(dict.fromkeys(keys[command] for command in others if command in keys))

    def _toggle_keys(self) -> tuple[tuple[str, str], ...]:
        """``toggleCommitStatus`` of the default branch's configuration (key, context)."""
        branch = self.event.default_branch
        text = self.repo.read_file(branch, REPO_CONFIG_FILE)
        if text is None:
            raise MissingConfigError(
                f"no {REPO_CONFIG_FILE} on branch {branch!r} of {self.repo.full_name}: "
                "the comment commands are configured there"
            )
        return load_repo_config(text, REPO_CONFIG_FILE).toggle_commit_status

    def flip(self, sha: str, context: str) -> Toggle:
        """Set ``context`` on ``sha`` to the opposite of its newest state, naming who."""
        before = self.repo.status_state(sha, context)
        after = (
            CommitStatusState.FAILURE
            if before == CommitStatusState.SUCCESS
            else CommitStatusState.SUCCESS
        )
        who = self.event.comment_author or "someone"
        self.repo.set_status(sha, after, context, f"toggled to {after} by @{who}")
        self.log(f"status {context!r} on {sha[:12]}: {before or 'unset'} → {after} (by @{who})")
        return Toggle(context, before, after)
