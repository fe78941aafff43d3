"""Every REST route the emulator serves, registered in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .api_git import GitApi
from .api_issues import IssuesApi
from .api_pulls import PullsApi
from .server import Router

if TYPE_CHECKING:
    from .emulator import GitHubEmulator


def register(router: Router, emu: GitHubEmulator) -> None:
    GitApi(emu).register(router)
    issues = IssuesApi(emu)
    issues.register(router)
    PullsApi(emu, issues).register(router)
