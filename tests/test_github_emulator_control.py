"""The emulator's ``/_emulator`` controls: request log, reset, faults, latency; and its CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from github import GithubException
from github_emulator import GitHubEmulator
from github_emulator.fixtures import (
    emulator_session,
    github_emulator,  # noqa: F401 - registers the fixture
    pygithub_client,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    session = emulator_session(tmp_path / "github")
    emulator = next(session)
    emulator.repo("acme/infra", {"README.md": "hi\n"})
    yield emulator
    next(session, None)


def control(emu: GitHubEmulator, method: str, name: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{emu.control_url}/{name}", timeout=10, **kwargs)  # type: ignore[arg-type]


def get_repo(emu: GitHubEmulator) -> requests.Response:
    return requests.get(f"{emu.base_url}/repos/acme/infra", timeout=10)


def test_request_log_lists_method_path_status_and_time(emu: GitHubEmulator) -> None:
    get_repo(emu)
    requests.get(f"{emu.base_url}/nowhere", timeout=10)
    log = control(emu, "GET", "requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/api/v3/repos/acme/infra", 200),
        ("GET", "/api/v3/nowhere", 404),
    ]
    assert all(e["time"] > 0 and e["duration"] >= 0 for e in log)
    assert control(emu, "DELETE", "requests").status_code == 204
    assert control(emu, "GET", "requests").json() == []


def test_fault_answers_status_and_headers_for_the_next_n_matching_requests(
    emu: GitHubEmulator,
) -> None:
    fault = {
        "method": "GET",
        "path": r"/repos/acme/infra$",
        "times": 2,
        "status": 502,
        "headers": {"Retry-After": "3"},
        "body": {"message": "Server Error"},
    }
    assert control(emu, "POST", "faults", json=fault).status_code == 201
    other = requests.get(f"{emu.base_url}/repos/acme/infra/git/ref/heads/main", timeout=10)
    assert other.status_code == 200  # the path pattern does not match
    first, second, third = get_repo(emu), get_repo(emu), get_repo(emu)
    assert (first.status_code, second.status_code, third.status_code) == (502, 502, 200)
    assert first.headers["Retry-After"] == "3"
    assert first.json() == {"message": "Server Error"}
    assert "X-RateLimit-Limit" in first.headers
    assert control(emu, "GET", "faults").json() == []
    assert [e.fault for e in emu.requests[-3:]] == [True, True, False]


def test_fault_method_filter(emu: GitHubEmulator) -> None:
    emu.add_fault(method="POST", path="/git/blobs$", status=500)
    assert get_repo(emu).status_code == 200
    blob = {"content": "x", "encoding": "utf-8"}
    url = f"{emu.base_url}/repos/acme/infra/git/blobs"
    assert requests.post(url, json=blob, timeout=10).status_code == 500
    assert requests.post(url, json=blob, timeout=10).status_code == 201


def test_secondary_rate_limit_fault_is_a_403_with_retry_after(emu: GitHubEmulator) -> None:
    body = {"kind": "secondary_rate_limit", "path": "/repos/", "retry_after": 7}
    control(emu, "POST", "faults", json=body)
    gh = pygithub_client(emu, "t")
    with pytest.raises(GithubException) as limited:
        gh.get_repo("acme/infra")
    assert limited.value.status == 403
    assert "secondary rate limit" in str(limited.value.data)
    assert limited.value.headers is not None
    assert limited.value.headers["retry-after"] == "7"
    assert gh.get_repo("acme/infra").name == "infra"


def test_primary_rate_limit_fault_reports_nothing_remaining(emu: GitHubEmulator) -> None:
    emu.add_fault(kind="rate_limit")
    limited = get_repo(emu)
    assert limited.status_code == 403
    assert limited.headers["X-RateLimit-Remaining"] == "0"


def test_dropped_connection_fault(emu: GitHubEmulator) -> None:
    control(emu, "POST", "faults", json={"path": "/repos/acme/infra$", "drop": True})
    with pytest.raises(requests.ConnectionError):
        get_repo(emu)
    assert get_repo(emu).status_code == 200
    assert emu.requests[0].status == 0


def test_unknown_fault_kind_is_refused(emu: GitHubEmulator) -> None:
    response = control(emu, "POST", "faults", json={"kind": "meteor"})
    assert response.status_code == 422
    assert control(emu, "DELETE", "faults").status_code == 204


def test_latency_delays_matching_requests_at_least_the_configured_time(
    emu: GitHubEmulator,
) -> None:
    setting = {"seconds": 0.5, "path": "/repos/acme/infra$"}
    assert control(emu, "PUT", "latency", json=setting).json()["seconds"] == 0.5
    started = time.monotonic()
    assert get_repo(emu).status_code == 200
    assert time.monotonic() - started >= 0.5
    assert emu.requests[-1].duration >= 0.5
    unaffected = requests.get(f"{emu.base_url}/repos/acme/infra/git/ref/heads/main", timeout=10)
    assert unaffected.status_code == 200
    assert emu.requests[-1].duration < 0.5  # wide margin: CI machines stall
    control(emu, "PUT", "latency", json={"seconds": 0})
    assert control(emu, "GET", "latency").json()["seconds"] == 0


def test_reset_forgets_log_events_faults_and_latency(emu: GitHubEmulator) -> None:
    emu.set_latency(0.01)
    emu.add_fault(path="/never", times=5)
    ref = {"ref": "refs/heads/x", "sha": emu.get_repo("acme/infra").git.ref("refs/heads/main")}
    requests.post(f"{emu.base_url}/repos/acme/infra/git/refs", json=ref, timeout=10)
    assert [e.name for e in emu.events] == ["push"]
    assert control(emu, "GET", "events").json()[0]["name"] == "push"
    assert control(emu, "POST", "reset").status_code == 204
    assert emu.requests == []
    assert emu.events == []
    assert control(emu, "GET", "faults").json() == []
    assert control(emu, "GET", "latency").json()["seconds"] == 0
    assert get_repo(emu).headers["X-RateLimit-Remaining"] == "4999"


def test_stop_joins_every_server_thread_even_with_open_keep_alive_connections(
    tmp_path: Path,
) -> None:
    before = set(threading.enumerate())
    emu = GitHubEmulator(tmp_path / "github").start()
    emu.repo("acme/infra", {"a": "1\n"})
    session = requests.Session()  # keeps its connection open after each answer
    for _ in range(3):
        assert session.get(f"{emu.base_url}/repos/acme/infra", timeout=10).status_code == 200
    assert len(set(threading.enumerate()) - before) >= 2  # the server and a handler
    emu.stop()
    assert set(threading.enumerate()) - before == set()
    session.close()


def test_a_work_tree_is_refused_as_a_repository(tmp_path: Path) -> None:
    work_tree = tmp_path / "checkout"
    subprocess.run(["git", "init", "-q", str(work_tree)], check=True)
    emu = GitHubEmulator(tmp_path / "github")  # never started: stop only closes the socket
    try:
        with pytest.raises(ValueError, match="bare repository"):
            emu.add_repo("acme/infra", work_tree)
    finally:
        emu.stop()


def test_unknown_control_endpoint_is_404(emu: GitHubEmulator) -> None:
    assert control(emu, "GET", "nothing").status_code == 404


def test_command_line_serves_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "infra.git"
    command = [
        sys.executable,
        "-m",
        "tests.github_emulator",
        "--port",
        "0",
        "--repo",
        f"acme/infra={bare}",
    ]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            assert base_url.endswith("/api/v3")
            body = requests.get(f"{base_url}/repos/acme/infra", timeout=10).json()
            assert body["full_name"] == "acme/infra"
            assert (bare / "HEAD").is_file()
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0


def test_github_emulator_fixture_serves_seeded_repos_and_records(
    request: pytest.FixtureRequest,
) -> None:
    emu: GitHubEmulator = request.getfixturevalue("github_emulator")
    state = emu.repo("acme/app", {"a.txt": "1\n"}, branch="main")
    sha = state.git.ref("refs/heads/main")
    url = f"{emu.base_url}/repos/acme/app/git/ref/heads/main"
    assert requests.get(url, timeout=10).json()["object"]["sha"] == sha
    assert [e.route for e in emu.requests] == ["/repos/{owner}/{repo}/git/ref/{ref}"]
    assert emu.events == []  # seeding is a push to the bare repo, not an API call
