"""A GitHub stand-in for tests: REST (``/api/v3``) and GraphQL over real bare git repos.

See docs/github-emulator.md. Start it with ``GitHubEmulator(workdir).start()``, the
``github_emulator`` pytest fixture (``tests.github_emulator.fixtures``) or
``python -m tests.github_emulator --repo OWNER/NAME=PATH``.
"""

from .emulator import GitHubEmulator
from .state import Event, LogEntry

__all__ = ["Event", "GitHubEmulator", "LogEntry"]
