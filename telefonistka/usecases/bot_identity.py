"""Who the bot is: its own comments are recognised by the login of the identity it acts as."""

from __future__ import annotations

from collections.abc import Callable

from telefonistka.errors import GitHubError
from telefonistka.ports import PullRequestHost

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
