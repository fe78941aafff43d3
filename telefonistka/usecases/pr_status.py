"""The commit status bracket every handled PR event runs in (docs/github-action.md).

``telefonistka`` is ``pending`` while the work runs, then ``success`` with what was
found, or ``error`` with the reason. An invalid or missing repo configuration is also
commented on the PR (file, line and key at fault), since a PR author does not read
the job log. Failing to set the final status or to comment is logged and never hides
the real error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import ConfigError, MissingConfigError, TelefonistkaError
from telefonistka.ports import CodeHost, CommitStatusState

STATUS_CONTEXT = "telefonistka"  # the commit status of every run
# What a PR from a fork gets instead of a status and a comment (docs/github-action.md).
FORK_NOTE = (
    "This PR comes from a fork. GitHub runs `pull_request` workflows of fork PRs with a "
    "read-only token and no secrets, so telefonistka did its work without setting its "
    "commit status or commenting: the result is below and in the step outputs."
)
T = TypeVar("T")
Log = Callable[[str], None]


@dataclass
class PrStatus:
    """Runs work for one open PR between ``pending`` and its final commit status."""

    repo: CodeHost
    pull: PullRequest
    default_branch: str
    renderer: Renderer
    log: Log = print

    def run(self, doing: str, work: Callable[[], T], describe: Callable[[T], str]) -> T:
        """``work()`` bracketed by the status; ``describe`` words the success status."""
        self.repo.set_status(self.pull.head_sha, CommitStatusState.PENDING, STATUS_CONTEXT, doing)
        try:
            result = work()
        except (ConfigError, MissingConfigError) as exc:
            self._comment_config_error(exc)
            self._final(CommitStatusState.ERROR, f"invalid configuration: {exc}")
            raise
        except TelefonistkaError as exc:
            self._final(CommitStatusState.ERROR, str(exc))
            raise
        except Exception as exc:  # a bug: the status must still not stay pending
            self._final(CommitStatusState.ERROR, f"unexpected error: {exc!r}")
            raise
        self._final(CommitStatusState.SUCCESS, describe(result))
        return result

    def _comment_config_error(self, exc: TelefonistkaError) -> None:
        """Tell the PR why nothing was done; a failing comment is only logged."""
        try:
            body = self.renderer.config_error_comment(exc, self.default_branch)
            self.repo.comment_once(self.pull.number, body, f"config-error {self.pull.head_sha}")
        except TelefonistkaError as comment_error:
            self.log(f"could not comment the configuration error: {comment_error}")

    def _final(self, state: CommitStatusState, description: str) -> None:
        try:
            self.repo.set_status(self.pull.head_sha, state, STATUS_CONTEXT, description)
        except TelefonistkaError as exc:
            self.log(f"could not set the final commit status: {exc}")
