"""A real Prometheus Pushgateway on 127.0.0.1 for the metrics tests, and ``promtool``.

Debian's ``prometheus-pushgateway`` and ``prometheus`` (for ``promtool``) packages;
``scripts/test-tools.sh`` (run by ``make test``) installs them, and so does ``need`` when
the tests run as root on a machine without them. A test that needs them fails (never
skips) when they cannot be had.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import pytest

PACKAGES = {"prometheus-pushgateway": "prometheus-pushgateway", "promtool": "prometheus"}


def need(tool: str) -> str:
    """The path of ``tool``; installed with apt-get when missing and possible."""
    found = shutil.which(tool)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGES[tool]],
            check=False,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = shutil.which(tool)
    if not found:
        pytest.fail(
            f"{tool} is needed: apt-get install {PACKAGES[tool]} (scripts/test-tools.sh does)"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Pushgateway:
    """A running gateway: its URL, and its HTTP API read back."""

    url: str
    auth: tuple[str, str] | None = None

    def _get(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}")  # noqa: S310 - loopback http
        if self.auth:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            return answer.read()

    def groups(self) -> list[dict[str, Any]]:
        """``GET /api/v1/metrics``: every group with its labels and metric families."""
        data: list[dict[str, Any]] = json.loads(self._get("/api/v1/metrics"))["data"]
        return data

    def series(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every pushed sample as {(name, sorted labels incl. the group's): value}."""
        found = {}
        for group in self.groups():
            for name, family in group.items():
                if not isinstance(family, dict) or "metrics" not in family:
                    continue
                for metric in family["metrics"]:
                    # an empty label is an absent one to Prometheus (the gateway adds instance="")
                    given = metric.get("labels", {}).items()
                    labels = tuple(sorted((k, v) for k, v in given if v != ""))
                    if "quantiles" in metric:  # a summary: its quantiles, sum and count
                        for q, value in metric["quantiles"].items():
                            found[(name, tuple(sorted((*labels, ("quantile", q)))))] = float(value)
                        found[(f"{name}_sum", labels)] = float(metric["sum"])
                        found[(f"{name}_count", labels)] = float(metric["count"])
                        continue
                    found[(name, labels)] = float(metric["value"])
        return found

    def exposition(self) -> str:
        """``GET /metrics``: what Prometheus would scrape."""
        return bytes(self._get("/metrics")).decode()


@contextmanager
def running_pushgateway(
    workdir: Path, *, users: dict[str, str] | None = None
) -> Iterator[Pushgateway]:
    """Start ``prometheus-pushgateway`` on a free loopback port (basic auth for ``users``)."""
    binary = need("prometheus-pushgateway")
    port = free_port()
    # Debian's build persists to /var/lib/prometheus by default: each test keeps its own
    command = [
        binary,
        f"--web.listen-address=127.0.0.1:{port}",
        f"--persistence.file={workdir / 'pushgateway.data'}",
        "--log.level=warn",
    ]
    if users:
        config = workdir / "web.yml"
        salt = bcrypt.gensalt(4)  # the cheapest cost: a test's password
        hashed = {u: bcrypt.hashpw(p.encode(), salt).decode() for u, p in users.items()}
        lines = ["basic_auth_users:"] + [f"  {u}: {h}" for u, h in hashed.items()]
        config.write_text("\n".join(lines) + "\n")
        command.append(f"--web.config.file={config}")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    auth = next(iter(users.items())) if users else None
    gateway = Pushgateway(url, auth)
    try:
        _wait_ready(process, port)
        yield gateway
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def _wait_ready(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"prometheus-pushgateway exited: {err}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("prometheus-pushgateway did not start listening within 20 s")


def promtool_check(text: str) -> subprocess.CompletedProcess[str]:
    """``promtool check metrics`` on an exposition: lint problems on stdout/stderr."""
    return subprocess.run(
        [need("promtool"), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
