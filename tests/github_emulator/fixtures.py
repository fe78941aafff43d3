"""The ``github_emulator`` pytest fixture: a running emulator, held to GitHub's OpenAPI.

Load it suite-wide with ``pytest_plugins = ["github_emulator.fixtures"]`` in
``tests/conftest.py`` (``tests/`` is on ``sys.path`` under pytest's default import mode),
or wrap ``emulator_session`` in a module's own fixture. At teardown every request the
test made is checked against the vendored OpenAPI description and a mismatch fails the
test, so every test using the emulator is also a fidelity test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github

from .emulator import GitHubEmulator
from .fidelity import check_log


def emulator_session(workdir: Path, **options: Any) -> Iterator[GitHubEmulator]:
    """Start an emulator in ``workdir``, yield it, check fidelity, stop it."""
    emu = GitHubEmulator(workdir, **options).start()
    try:
        yield emu
        problems = check_log(emu.requests)
    finally:
        emu.stop()
    if problems:
        shown = "\n".join(problems[:20])
        pytest.fail(f"the emulator strayed from GitHub's OpenAPI description:\n{shown}")


@pytest.fixture
def github_emulator(tmp_path: Path) -> Iterator[GitHubEmulator]:
    """A running emulator with no repositories; seed them with ``emu.repo(...)``."""
    yield from emulator_session(tmp_path / "github-emulator")


def pygithub_client(emu: GitHubEmulator, token: str = "bot-token") -> Github:  # noqa: S107
    """PyGithub pointed at the emulator, without its client-side throttle.

    PyGithub sleeps 0.25 s before every request and 1 s before every write by default,
    and retries on its own; against a local emulator that only makes suites slow and
    request counts fuzzy.
    """
    return Github(
        auth=Auth.Token(token),
        base_url=emu.base_url,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
