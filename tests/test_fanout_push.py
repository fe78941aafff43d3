"""Push fan-out in the Action: its inputs, its results, and the route run in process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fanout_helpers import SECRET, Receiver, receivers, signature_ok
from github_emulator import GitHubEmulator
from test_entrypoint_fanout import push, seeded

from telefonistka.action.main import main
from telefonistka.core.events.push import PushEvent
from telefonistka.core.fanout import EndpointResult
from telefonistka.errors import UsageError
from telefonistka.usecases.fanout_push import FanoutOptions, FanoutResult, read_fanout_options

EVENT = PushEvent("refs/heads/main", "a" * 40, "b" * 40, "acme/infra", "main")
OK = EndpointResult("http://ok.example/hook", 200, None, 1, 0.1)
DOWN = EndpointResult("http://u:pw@down.example/hook", None, "connection failed: refused", 3, 1.0)


def test_defaults_match_the_cli() -> None:
    assert read_fanout_options({}) == FanoutOptions(None, 10.0, 2, fail_on_error=False)


def test_inputs_are_read() -> None:
    inputs = {
        "webhook-secret": "s3cret",
        "fanout-timeout": "2.5",
        "fanout-retries": "0",
        "fanout-fail-on-error": "TRUE",
    }
    assert read_fanout_options(inputs) == FanoutOptions("s3cret", 2.5, 0, fail_on_error=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fanout-timeout", "0"),
        ("fanout-timeout", "301"),
        ("fanout-timeout", "soon"),
        ("fanout-retries", "-1"),
        ("fanout-retries", "11"),
        ("fanout-retries", "2.5"),
        ("fanout-fail-on-error", "yes please"),
    ],
)
def test_a_bad_input_is_named(name: str, value: str) -> None:
    with pytest.raises(UsageError, match=f"input {name} must"):
        read_fanout_options({name: value})


def test_failed_endpoints_are_warnings_by_default() -> None:
    result = FanoutResult(EVENT, "d-1", (OK, DOWN), ("incomplete",))

    failures, warnings = result.problems()

    assert failures == ()
    assert warnings == (
        "incomplete",
        "fan-out endpoint failed: http://u:***@down.example/hook: connection failed: refused",
    )


def test_failed_endpoints_fail_the_step_under_fail_on_error() -> None:
    result = FanoutResult(EVENT, "d-1", (OK, DOWN), fail_on_error=True)

    failures, warnings = result.problems()

    assert failures == ("http://u:***@down.example/hook: connection failed: refused",)
    assert warnings == ()


def test_the_output_names_the_delivery_and_hides_passwords() -> None:
    document = json.loads(FanoutResult(EVENT, "d-1", (OK, DOWN)).outputs()["fanout-results"])

    assert (document["delivery_id"], document["after"], document["failed"]) == ("d-1", "b" * 40, 1)
    assert [e["url"] for e in document["endpoints"]] == [
        "http://ok.example/hook",
        "http://u:***@down.example/hook",
    ]


def test_the_summary_without_endpoints_says_why() -> None:
    assert "No `webhookEndpointRegexs` rule matches" in FanoutResult(EVENT, "d").summary()
    assert "1 of 2 endpoints accepted the push" in FanoutResult(EVENT, "d", (OK, DOWN)).summary()


def test_the_whole_route_in_process(tmp_path: Path) -> None:
    """The same flow as the subprocess tests, in process (so coverage sees it)."""
    with GitHubEmulator(tmp_path / "github") as emu, receivers(Receiver()) as (prod,):
        gh = seeded(emu, {"prod": prod.url, "staging": "http://127.0.0.1:9/x"})
        event = push(emu, gh, {"env/prod/app.yaml": "v2\n"}, "main")
        out = tmp_path / "output"
        env = {
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": emu.base_url,
            "GITHUB_OUTPUT": str(out),
            "INPUT_GITHUB-TOKEN": "bot-token",
            "INPUT_WEBHOOK-SECRET": SECRET,
            "INPUT_FANOUT-RETRIES": "0",
            "GITHUB_ACTIONS": "true",
        }
        stream = io.StringIO()

        code = main(env, stream)

    assert code == 0, stream.getvalue()
    [request] = prod.requests
    assert signature_ok(SECRET, request.body, request.header("X-Hub-Signature-256"))
    assert "fanout-results<<" in out.read_text()
    assert "::group::Push fan-out of" in stream.getvalue()
