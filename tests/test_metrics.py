"""Metrics: the series a run reports, pushed to a real Pushgateway and linted by promtool."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import test_entrypoint
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from pushgateway import free_port, promtool_check, running_pushgateway
from test_entrypoint import REPO, merge_change, run_step
from trickle import trickling_server

from telefonistka.action.settings import read_settings, secrets_in
from telefonistka.adapters.pushgateway import Gateway, exposition, push
from telefonistka.core.github.api import Operation, RequestCounter, classify
from telefonistka.core.metrics import (
    RunFacts,
    Sample,
    families,
    grouping_key,
    request_samples,
    result_of,
    route_slug,
    run_samples,
)
from telefonistka.errors import MetricsError, UsageError

# --- the series, as plain data ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("get", "/repos/acme/infra", ("GET", "repos", "", "acme/infra")),
        ("GET", "/repos/acme/infra/git/trees/abc", ("GET", "repos", "git", "acme/infra")),
        ("POST", "/repos/acme/infra/pulls", ("POST", "repos", "pulls", "acme/infra")),
        (
            "GET",
            "https://ghe.example/api/v3/repos/a%2Fb/c/contents/x",
            ("GET", "repos", "contents", "a/b/c"),
        ),
        ("POST", "https://api.github.com/graphql", ("POST", "graphql", "", "")),
        ("POST", "https://ghe.example/api/graphql", ("POST", "graphql", "", "")),
        ("GET", "/user", ("GET", "user", "", "")),
    ],
)
def test_a_request_is_labelled_as_the_go_original_labels_it(
    method: str, url: str, expected: tuple[str, str, str, str]
) -> None:
    operation = classify(method, url, 200)
    assert (
        operation.method,
        operation.api_group,
        operation.api_path,
        operation.repo_slug,
    ) == expected
    assert operation.status == "200"
    assert classify(method, url, None).status == "none"  # no answer arrived


def test_the_counter_keeps_operations_the_core_rate_limit_and_status_updates() -> None:
    counter = RequestCounter()
    core = {
        "X-RateLimit-Remaining": "4990",
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Resource": "core",
    }
    counter.observe("GET", "/repos/acme/infra/pulls", 200, core)
    counter.observe(
        "POST",
        "https://api.github.com/graphql",
        200,
        {
            "X-RateLimit-Remaining": "10",
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Resource": "graphql",
        },
    )
    counter.observe("POST", "/repos/acme/infra/statuses/abc", 201, core, {"state": "pending"})
    counter.observe("POST", "/repos/acme/infra/statuses/abc", 422, core, {"state": "bogus"})
    counter.observe("GET", "/repos/acme/infra/pulls", None, {})

    assert counter.operations == {
        Operation("GET", "repos", "pulls", "200", "acme/infra"): 1,
        Operation("POST", "graphql", "", "200", ""): 1,
        Operation("POST", "repos", "statuses", "201", "acme/infra"): 1,
        Operation("POST", "repos", "statuses", "422", "acme/infra"): 1,
        Operation("GET", "repos", "pulls", "none", "acme/infra"): 1,
    }
    assert (counter.rate_remaining, counter.rate_limit) == (4990, 5000)  # GraphQL's is apart
    assert counter.status_updates == {("acme/infra", "pending"): 1}  # the refused one is not


def test_results_and_routes_become_label_values() -> None:
    assert [result_of(0), result_of(1), result_of(2), result_of(7)] == [
        "success",
        "failure",
        "invalid-input",
        "error",
    ]
    assert result_of(2, config_error=True) == "config-error"
    assert route_slug("version bump, or promotion again (promote-pr)") == (
        "version-bump-or-promotion-again-promote-pr"
    )
    assert grouping_key("acme/infra", "drift check") == {
        "repository": "acme/infra",
        "route": "drift-check",
    }
    assert grouping_key("", "")["repository"] == "unknown"


def test_one_name_keeps_one_type() -> None:
    with pytest.raises(ValueError, match="two types"):
        families([Sample.of("x", "gauge", "h", 1), Sample.of("x", "counter", "h", 1)])


def sample_run() -> list[Sample]:
    counter = RequestCounter()
    headers = {"X-RateLimit-Remaining": "4990", "X-RateLimit-Limit": "5000"}
    counter.record("pull")
    counter.observe("GET", "/repos/acme/infra/pulls/1", 200, headers)
    counter.observe("POST", "/repos/acme/infra/statuses/abc", 201, headers, {"state": "success"})
    facts = RunFacts("pull_request", "promotion on merge", "success", 1.25, "1.2.3")
    return [*run_samples(facts, counter), *request_samples(counter)]


def test_the_exposition_passes_promtool_and_keeps_the_go_names() -> None:
    text = exposition(sample_run())

    checked = promtool_check(text)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "# TYPE telefonistka_github_github_operations_total counter" in text
    assert (
        'telefonistka_github_github_operations_total{api_group="repos",api_path="pulls",'
        'method="GET",repo_slug="acme/infra",status="200"} 1.0'
    ) in text
    assert "telefonistka_github_github_rest_api_client_rate_remaining 4990.0" in text
    assert (
        "telefonistka_github_commit_status_updates_total"
        '{repo_slug="acme/infra",status="success"} 1.0' in text
    )
    assert 'route="promotion-on-merge"' in text
    assert "telefonistka_run_duration_seconds 1.25" in text


# --- a real Pushgateway ---------------------------------------------------------------------


def test_a_push_lands_in_its_group_and_the_next_push_of_that_group_replaces_it(
    tmp_path: Path,
) -> None:
    with running_pushgateway(tmp_path) as gateway:
        target = Gateway(gateway.url)
        push(target, sample_run(), grouping_key("acme/infra", "promotion on merge"))
        push(
            target,
            [Sample.of("telefonistka_run_github_requests", "gauge", "h", 3)],
            grouping_key("acme/infra", "drift check"),
        )
        first = gateway.series()
        push(
            target,
            [Sample.of("telefonistka_run_github_requests", "gauge", "h", 9)],
            grouping_key("acme/infra", "promotion on merge"),
        )
        second = gateway.series()
        scraped = gateway.exposition()

    group = (("job", "telefonistka"), ("repository", "acme/infra"))
    operation = (
        "telefonistka_github_github_operations_total",
        tuple(
            sorted(
                {
                    **dict(group),
                    "route": "promotion-on-merge",
                    "api_group": "repos",
                    "api_path": "pulls",
                    "method": "GET",
                    "repo_slug": "acme/infra",
                    "status": "200",
                }.items()
            )
        ),
    )
    assert first[operation] == 1.0
    requests = "telefonistka_run_github_requests"
    drift = (requests, tuple(sorted({**dict(group), "route": "drift-check"}.items())))
    promotion = (requests, tuple(sorted({**dict(group), "route": "promotion-on-merge"}.items())))
    assert (first[drift], first[promotion]) == (3.0, 1.0)
    # the second push of the promotion group replaced it whole; the drift group stands
    assert operation not in second
    assert (second[drift], second[promotion]) == (3.0, 9.0)
    assert promtool_check(scraped).returncode == 0


def test_basic_auth_reaches_a_protected_gateway_and_a_wrong_password_is_an_error(
    tmp_path: Path,
) -> None:
    with running_pushgateway(tmp_path, users={"ci": "s3cret"}) as gateway:
        push(Gateway(gateway.url, "ci", "s3cret"), sample_run(), grouping_key("acme/infra", "x"))
        with pytest.raises(MetricsError, match=f"Pushgateway at {gateway.url}.*401"):
            push(Gateway(gateway.url, "ci", "wrong"), sample_run(), grouping_key("acme/infra", "x"))
        assert any(name == "telefonistka_run_info" for name, _ in gateway.series())


@pytest.fixture
def header_recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback server (a proxy in front of a gateway) that records request headers."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_extra_header_is_sent_with_the_push(
    header_recorder: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = header_recorder
    push(Gateway(url, header="Authorization: Bearer t0ken"), sample_run(), {"repository": "a/b"})
    assert seen[0]["authorization"] == "Bearer t0ken"


def test_an_unreachable_gateway_is_a_metrics_error() -> None:
    with pytest.raises(MetricsError, match="could not push metrics"):
        push(Gateway(f"http://127.0.0.1:{free_port()}"), sample_run(), {"repository": "a/b"})


# --- settings ---------------------------------------------------------------------------------


def env(**inputs: str) -> dict[str, str]:
    base = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": "/dev/null"}
    return base | {f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()}


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"metrics_pushgateway_url": "pushgateway:9091"}, "is not an http"),
        (
            {"metrics_pushgateway_url": "http://g", "metrics_pushgateway_header": "Bearer x"},
            "Name: value",
        ),
        (
            {"metrics_pushgateway_url": "http://g", "metrics_pushgateway_password": "p"},
            "without its username",
        ),
    ],
)
def test_bad_metrics_inputs_are_usage_errors(inputs: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_settings(env(**inputs))


def test_metrics_inputs_are_read_and_the_secrets_hidden_from_the_debug_log() -> None:
    settings = read_settings(
        env(
            metrics_pushgateway_url="http://g:9091/",
            metrics_pushgateway_username="ci",
            metrics_pushgateway_password="pw",
            metrics_pushgateway_header="X-Token: abc",
        )
    )
    assert settings.metrics.url == "http://g:9091"
    assert (settings.metrics.username, settings.metrics.header) == ("ci", "X-Token: abc")
    described = "\n".join(settings.describe())
    assert "pw" not in described.replace("pushgateway", "")
    assert "abc" not in described


# --- end to end: the entrypoint against the GitHub emulator -----------------------------------

emu, gh = test_entrypoint.emu, test_entrypoint.gh  # its fixtures: the emulator, the seeded repo


def test_a_promotion_run_pushes_its_requests_statuses_and_result(
    emu: GitHubEmulator, gh: GhRepository, tmp_path: Path
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()
    with running_pushgateway(tmp_path) as gateway:
        step = run_step(emu, event, metrics_pushgateway_url=gateway.url)
        series = gateway.series()

    assert step.code == 0, step.stdout + step.stderr
    assert "metrics: " in step.stdout
    assert "pushed to" in step.stdout
    group = {"job": "telefonistka", "repository": REPO, "route": "promotion-on-merge"}

    def value(name: str, **labels: str) -> float:
        return series[(name, tuple(sorted({**group, **labels}.items())))]

    requests = value("telefonistka_run_github_requests")
    assert requests == len(emu.requests)  # the run's requests, as the emulator logged them
    operations = {
        labels: v
        for (name, labels), v in series.items()
        if name == "telefonistka_github_github_operations_total"
    }
    assert sum(operations.values()) == requests
    assert sum(operations.values()) == requests
    graphql = [
        v for labels, v in operations.items() if ("api_group", "graphql") in labels
    ]  # empty labels (api_path, repo_slug) are dropped on the way, as Prometheus does
    assert sum(graphql) == 3  # the first read, the PR's creation, its labels
    assert (
        value("telefonistka_github_commit_status_updates_total", repo_slug=REPO, status="pending")
        == 1
    )
    assert (
        value("telefonistka_github_commit_status_updates_total", repo_slug=REPO, status="success")
        == 1
    )
    info = [dict(labels) for (name, labels) in series if name == "telefonistka_run_info"]
    assert [(i["event"], i["result"]) for i in info] == [("pull_request", "success")]
    assert value("telefonistka_github_github_rest_api_client_rate_limit") > 0


def test_a_gateway_that_is_down_is_a_warning_and_the_promotion_still_succeeds(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    emu.reset()

    step = run_step(emu, event, metrics_pushgateway_url=f"http://127.0.0.1:{free_port()}")

    assert step.code == 0, step.stdout + step.stderr
    assert "::warning title=telefonistka metrics::could not push metrics" in step.stdout
    assert json.loads(step.outputs["promotion-prs"])[0]["status"] == "created"


def test_credentials_in_the_gateway_url_are_sent_as_basic_auth_and_never_printed(
    tmp_path: Path,
) -> None:
    """``http://user:pass@host`` used to be printed in the warning and the debug line."""
    with running_pushgateway(tmp_path, users={"ci": "s3cr3t"}) as gateway:
        url = gateway.url.replace("http://", "http://ci:s3cr3t@", 1)
        settings = read_settings(env(metrics_pushgateway_url=url, log_level="debug"))

        assert settings.metrics.url == gateway.url
        assert (settings.metrics.username, settings.metrics.password) == ("ci", "s3cr3t")
        assert "s3cr3t" not in "\n".join(settings.describe())
        assert "ci:***@" in "\n".join(settings.describe())
        environ = env(metrics_pushgateway_url=url)
        assert "s3cr3t" in secrets_in(environ)  # masked before anything is written
        m = settings.metrics
        push(Gateway(m.url, m.username, m.password), sample_run(), grouping_key("a/b", "x"))
        assert any(name == "telefonistka_run_info" for name, _ in gateway.series())


def test_a_down_gateway_s_warning_names_it_without_its_password(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})
    url = f"http://ci:s3cr3t@127.0.0.1:{free_port()}"

    step = run_step(emu, event, metrics_pushgateway_url=url, log_level="debug")

    assert step.code == 0, step.stdout + step.stderr
    assert "could not push metrics" in step.stdout
    printed = [line for line in step.stdout.splitlines() if "s3cr3t" in line]
    assert printed == ["::add-mask::s3cr3t"]


def test_credentials_given_twice_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="give them once"):
        read_settings(env(metrics_pushgateway_url="http://a:b@g", metrics_pushgateway_username="c"))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_trickling_gateway_costs_a_run_three_seconds_at_most() -> None:
    """A gateway sending a byte every 0.2 s passed urllib's per-read timeout for ever."""
    with (
        trickling_server() as url,
        pytest.raises(MetricsError, match="did not take the metrics in time"),
    ):
        push(Gateway(url), sample_run(), {"repository": "a/b"})


def test_a_group_is_read_back_as_the_last_push_left_it(tmp_path: Path) -> None:
    """``read_group``: what the deployment counters go on from — the samples of one group
    only, without the group's own labels, through basic auth; a wrong password, a
    non-http URL or an unreachable gateway is a MetricsError."""
    from telefonistka.adapters.pushgateway import read_group  # noqa: PLC0415

    with running_pushgateway(tmp_path, users={"ci": "s3cret"}) as gateway:
        target = Gateway(gateway.url, "ci", "s3cret", "X-Trace: 1")
        mine = grouping_key("acme/infra", "fleet report")
        counter = Sample.of("telefonistka_deployments_total", "counter", "h", 7, environment="p/")
        push(target, [counter], mine)
        push(target, [Sample.of("x_gauge", "gauge", "h", 1)], grouping_key("other/repo", "x"))

        found = read_group(target, mine)

        assert found[("telefonistka_deployments_total", (("environment", "p/"),))] == 7
        assert not any(name == "x_gauge" for name, _ in found)
        with pytest.raises(MetricsError, match="could not read the Pushgateway"):
            read_group(Gateway(gateway.url, "ci", "wrong"), mine)
    with pytest.raises(MetricsError, match="is not http"):
        read_group(Gateway("file:///etc/passwd"), mine)
    with pytest.raises(MetricsError, match="could not read the Pushgateway"):
        read_group(Gateway(f"http://127.0.0.1:{free_port()}"), mine)
