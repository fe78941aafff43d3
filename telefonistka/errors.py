"""One exception tree for the whole package.

Adapters translate library errors (git failures, PyGithub exceptions, HTTP errors) into
these classes, so the CLI and the Action entrypoint are the only places that turn an
error into an exit code and a message for the workflow user.
"""

from __future__ import annotations

from dataclasses import dataclass


class TelefonistkaError(Exception):
    """Base of every error telefonistka raises on purpose."""

    exit_code = 1


class UsageError(TelefonistkaError):
    """The command line or action inputs are wrong."""

    exit_code = 2


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config file, located for the user.

    ``line`` and ``column`` are 1-based, like editors and GitHub annotations show them;
    ``key`` is the dotted path of the key at fault (``promotionPaths[0].sourcePath``).
    """

    file: str
    line: int
    column: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(TelefonistkaError):
    """A configuration file is unreadable or invalid; carries every problem found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class GitError(TelefonistkaError):
    """A git command failed, or a ref or path does not exist."""


class SyncError(TelefonistkaError):
    """A promotion group could not be carried out."""


class MetadataError(TelefonistkaError):
    """A promotion-metadata block is not base64 of the expected JSON object."""


class RenderError(TelefonistkaError):
    """A template is missing, malformed, or uses a variable it does not receive."""


class MissingConfigError(TelefonistkaError):
    """The repo has no ``telefonistka.yaml`` where the rules are read from."""


class GitHubError(TelefonistkaError):
    """A GitHub API call failed; the message says what was refused and how to fix it.

    ``status`` is the HTTP status GitHub answered (None when GitHub could not be reached)
    and ``detail`` GitHub's own message, so callers can tell "not there" (404) from "not
    allowed" (403), or recognise "Reference already exists", without parsing our text.
    ``answer_lost`` is True when the request may have been carried out although no
    answer said so (a 5xx, a dropped connection): a write must be checked, not repeated.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        detail: str = "",
        *,
        answer_lost: bool = False,
    ) -> None:
        self.status = status
        self.detail = detail
        self.answer_lost = answer_lost
        super().__init__(message)


class EventError(TelefonistkaError):
    """A webhook event payload is not JSON, or lacks a field we need, or has the wrong type."""


class EndpointError(TelefonistkaError):
    """A ``webhookEndpointRegexs`` rule yields no usable URL (bad scheme, unparsable URL)."""


class BumpError(TelefonistkaError):
    """A version bump cannot be applied: file missing, regex or selector matches nothing."""


class RefNameError(UsageError):
    """A branch name the bot would build is not a valid git ref name (checked before any
    request, so nothing is written)."""


class ForeignBranchError(TelefonistkaError):
    """A write to a branch outside the bot's own namespaces was refused by the adapter's
    guard: the default branch and people's branches change only by merging a PR."""


class ArgoCdError(TelefonistkaError):
    """An Argo CD API call failed; the message names the permission or setting to fix.

    ``status`` is the HTTP status Argo CD answered (None when it could not be reached).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class MetricsError(TelefonistkaError):
    """Metrics could not be pushed to the Pushgateway. Reported as a warning: a run whose
    metrics were lost still did its job."""
