"""What the bot knows about the GitHub API without a client: its default address and the
request counter every client of a run shares.

Light on purpose (no PyGithub, no ``requests``): the Action edge imports it at start-up,
and an event the bot ignores must not pay for the HTTP stack. ``adapters/github/client.py``
re-exports both names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

DEFAULT_BASE_URL = "https://api.github.com"
PUBLIC_HOSTS = frozenset({"github.com", "api.github.com"})


@dataclass
class RequestCounter:
    """Requests sent, in total and per kind of call; share one between identities.

    Every HTTP request counts, retries included, so the figure matches what GitHub (or
    the emulator's request log) sees.
    """

    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def record(self, kind: str) -> None:
        self.by_kind[kind] += 1

    def breakdown(self) -> str:
        """``"blob 2, ref 1"``: the count per kind, most frequent first, for the log."""
        ranked = sorted(self.by_kind.items(), key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{kind} {count}" for kind, count in ranked)


def host_api_url(host: str | None, fallback: str) -> str:
    """The API root of GitHub host ``host`` (GHES: ``https://HOST/api/v3``), else ``fallback``.

    Shared by the CLI's ``--github-host`` and the Action's ``bump-github-host`` input, so
    both spell hosts alike.
    """
    host = (host or "").strip().strip("/")
    if host in PUBLIC_HOSTS:
        return DEFAULT_BASE_URL
    return f"https://{host}/api/v3" if host else fallback
