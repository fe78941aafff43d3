"""Run ``entrypoint.py`` as an Actions step would, and measure the process that ran it.

The bot runs in a child process (as in a container step) so its figures are its own:
wall time and CPU time (user + system: the local work, since waiting on the network
costs no CPU) come from ``wait4``'s resource usage of that child; its peak resident
memory from the child itself (``bench/child.py`` says why).
The emulator answers in the parent, so its work is not counted against the bot.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from runner_files import read_outputs  # noqa: E402 - tests/ is not a package

REPO_PREFIX = "/repos/{owner}/{repo}"


@dataclass(frozen=True)
class StepRun:
    """One measured run of the Action's entrypoint."""

    code: int
    wall_s: float
    cpu_s: float
    peak_rss_bytes: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_entrypoint(env: Mapping[str, str], timeout: float = 600) -> StepRun:
    """Run ``entrypoint.py`` in a fresh interpreter; its rusage is read with ``wait4``."""
    work = Path(env["GITHUB_WORKSPACE"])
    work.mkdir(parents=True, exist_ok=True)
    output, summary = Path(env["GITHUB_OUTPUT"]), Path(env["GITHUB_STEP_SUMMARY"])
    output.write_text("")
    summary.write_text("")
    out, err, peak = work / "stdout", work / "stderr", work / "peak"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "child.py")],
            env=dict(env) | {"BENCH_PEAK_FILE": str(peak)},
            stdout=stdout,
            stderr=stderr,
            cwd=work,
        )
        _, status, usage = _wait4(child, timeout)
        wall = time.perf_counter() - start
    return StepRun(
        code=os.waitstatus_to_exitcode(status),
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=int(peak.read_text() or 0),
        stdout=out.read_text(),
        stderr=err.read_text(),
        outputs=read_outputs(output),
        summary=summary.read_text(),
    )


def _wait4(
    child: subprocess.Popen[bytes], timeout: float
) -> tuple[int, int, resource.struct_rusage]:
    """``os.wait4`` on the child, killing it after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            child.kill()
            raise TimeoutError(f"entrypoint.py still running after {timeout} s")
        time.sleep(0.005)


class Logged(Protocol):
    """What the bench reads of an emulator request-log entry."""

    method: str
    path: str
    route: str | None
    duration: float


def service_seconds(log: Iterable[Logged], latency: float) -> float:
    """Time the emulator spent answering, without the injected latency (the fake network)."""
    return sum(max(0.0, entry.duration - latency) for entry in log)


def request_kinds(log: Iterable[Logged]) -> dict[str, int]:
    """Requests per kind: method and OpenAPI route, without the ``/repos/{owner}/{repo}`` part."""
    kinds: Counter[str] = Counter()
    for entry in log:
        route = entry.route or entry.path
        kinds[f"{entry.method} {route.removeprefix(REPO_PREFIX) or route}"] += 1
    return dict(sorted(kinds.items()))
