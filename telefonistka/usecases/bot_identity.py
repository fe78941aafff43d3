"""Who the bot is: its own comments and PRs are recognised by the login it acts as."""

from __future__ import annotations

from collections.abc import Callable

from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.github.refnames import PROMOTION_NAMESPACE
from telefonistka.errors import GitHubError
from telefonistka.ports import PullRequestHost

PROMOTION_LABEL = "promotion"

Log = Callable[[str], None]


def bot_matcher(repo: PullRequestHost, log: Log) -> Callable[[str], bool]:
    """Whether a login is the bot's own identity.

    Asks GraphQL ``viewer { login }`` once. Where GitHub refuses that query (some App
    installation tokens), any ``[bot]`` account counts as ours: a drift marker in a
    comment of another bot is then minimized too, which hides nothing a person wrote.
    """
    try:
        login = repo.viewer_login()
    except GitHubError as exc:
        log(f"could not read the bot's login ({exc}); treating every [bot] account as ours")
        return lambda author: author.endswith("[bot]")
    return lambda author: author == login


def lazy_bot_matcher(repo: PullRequestHost, log: Log) -> Callable[[str], bool]:
    """``bot_matcher``, asked on first use only: a run that never needs to tell the bot's
    own issues or PRs apart spends no request on it."""
    found: list[Callable[[str], bool]] = []

    def is_bot(login: str) -> bool:
        if not found:
            found.append(bot_matcher(repo, log))
        return found[0](login)

    return is_bot


def promotion_pr_problems(pull: PullRequest, is_bot: Callable[[str], bool]) -> list[str]:
    """Why ``pull`` is not a promotion PR the bot opened; empty when it is one.

    All three must hold: a head branch under ``promotions/``, the ``promotion`` label and
    the bot as author. Anybody can name a branch or add a label; only the author is
    proof, and it is asked last (it may cost the one request for the bot's login).
    """
    problems = []
    if not pull.head_ref.startswith(PROMOTION_NAMESPACE):
        problems.append(f"its head branch {pull.head_ref!r} is not under {PROMOTION_NAMESPACE}")
    if PROMOTION_LABEL not in pull.labels:
        problems.append(f"it has no {PROMOTION_LABEL!r} label")
    if not problems and not is_bot(pull.author):
        problems.append(f"its author @{pull.author} is not the bot")
    return problems
