"""The Action edge: settings from the environment, workflow commands, outputs, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from telefonistka.action import (
    DEFAULT_SERVER_URL,
    Identity,
    LogLevel,
    Settings,
    Workflow,
    main,
    output_block,
    read_settings,
)
from telefonistka.action.settings import secrets_in
from telefonistka.core.github.api import DEFAULT_BASE_URL, RequestCounter
from telefonistka.errors import UsageError

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"
BASE_ENV = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "/github/workflow/event.json"}


def test_settings_read_inputs_with_hyphens_and_github_variables() -> None:
    environ = BASE_ENV | {
        "INPUT_GITHUB-TOKEN": " tok ",
        "INPUT_APPROVER-TOKEN": "approve",
        "INPUT_TEMPLATES-PATH": "ci/templates",
        "INPUT_DRY-RUN": "True",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_API_URL": "https://ghe.example/api/v3",
        "GITHUB_SERVER_URL": "https://ghe.example",
        "GITHUB_OUTPUT": "/tmp/out",
    }
    settings = read_settings(environ)

    assert settings.identity == Identity(token="tok")
    assert settings.approver.token == "approve"
    assert settings.templates_path == "ci/templates"  # a folder of the repo, not the workspace
    assert settings.dry_run is True
    assert (settings.api_url, settings.server_url) == (
        "https://ghe.example/api/v3",
        "https://ghe.example",
    )
    assert settings.output_path == Path("/tmp/out")
    assert set(secrets_in(environ)) == {"tok", "approve"}


@pytest.mark.parametrize("value", ["../templates", "/etc", ".git/hooks", "a//b"])
def test_templates_path_must_be_a_plain_folder_of_the_repository(value: str) -> None:
    with pytest.raises(UsageError, match=r"input templates-path .* is not a folder of the repo"):
        read_settings(BASE_ENV | {"INPUT_TEMPLATES-PATH": value})


def test_settings_defaults_fall_back_to_github_token_and_github_com() -> None:
    settings = read_settings(BASE_ENV | {"GITHUB_TOKEN": "env-token"})

    assert settings.identity.token == "env-token"
    assert (settings.api_url, settings.server_url) == (DEFAULT_BASE_URL, DEFAULT_SERVER_URL)
    assert (settings.dry_run, settings.templates_path, settings.summary_path) == (None, None, None)


def test_an_app_identity_is_configured_and_its_key_is_a_secret() -> None:
    environ = BASE_ENV | {"INPUT_APP-ID": "42", "INPUT_APP-PRIVATE-KEY": "KEY"}
    settings = read_settings(environ)

    assert settings.identity.configured
    assert secrets_in(environ) == ("KEY",)


@pytest.mark.parametrize("missing", ["GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"])
def test_a_missing_runner_variable_is_a_usage_error(missing: str) -> None:
    env = {k: v for k, v in BASE_ENV.items() if k != missing}

    with pytest.raises(UsageError, match=missing):
        read_settings(env)


def test_a_dry_run_input_that_is_not_a_boolean_is_refused() -> None:
    with pytest.raises(UsageError, match="dry-run must be true or false"):
        read_settings(BASE_ENV | {"INPUT_DRY-RUN": "maybe"})


def test_output_blocks_survive_values_that_look_like_delimiters(tmp_path: Path) -> None:
    out = tmp_path / "output"
    settings = Settings("push", Path("e"), Identity(), output_path=out)
    value = "line 1\nEOF\nghadelimiter_x\nother<<EOF"

    Workflow(settings, io.StringIO()).set_outputs({"plan": value, "n": "1"})

    lines = out.read_text().splitlines()
    name, _, delimiter = lines[0].partition("<<")
    assert name == "plan"
    assert delimiter.startswith("ghadelimiter_")
    assert lines[1 : lines.index(delimiter)] == value.splitlines()
    second = lines[-3].partition("<<")
    assert (second[0], lines[-2], lines[-1]) == ("n", "1", second[2])


def test_output_block_uses_a_fresh_delimiter_each_time() -> None:
    assert output_block("a", "x") != output_block("a", "x")


def test_outputs_without_a_runner_file_are_logged() -> None:
    stream = io.StringIO()

    Workflow(stream=stream).set_outputs({"plan": "{}"})

    assert stream.getvalue() == "output plan: {}\n"


def test_off_a_runner_no_workflow_command_is_written_and_no_secret_printed() -> None:
    """The attack: ``telefonistka event`` in a terminal printed ``::add-mask::<token>``,
    the secret itself, where no runner would ever mask it."""
    stream = io.StringIO()
    workflow = Workflow(stream=stream, on_runner=False)

    workflow.mask("ghs_secret")
    workflow.error("broken", title="telefonistka", file="telefonistka.yaml", line=3, col=7)
    workflow.warning("careful", title="telefonistka")
    with workflow.group("Plan"):
        workflow.log("inside")

    assert stream.getvalue().splitlines() == [
        "error: telefonistka.yaml:3:7: telefonistka: broken",
        "warning: telefonistka: careful",
        "== Plan",
        "inside",
    ]


def test_secrets_are_masked_before_a_settings_error_is_written() -> None:
    stream = io.StringIO()
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": "e.json",
        "INPUT_GITHUB-TOKEN": "ghs_token",
        "INPUT_WEBHOOK-SECRET": "hook-secret",
        "INPUT_LOG-LEVEL": "loud",
    }

    assert main(environ, stream) == 2

    lines = stream.getvalue().splitlines()
    assert lines[:2] == ["::add-mask::ghs_token", "::add-mask::hook-secret"]
    assert lines[2].startswith("::error title=telefonistka::input log-level must be one of")


def test_workflow_commands_are_escaped_and_secrets_masked_line_by_line() -> None:
    stream = io.StringIO()
    workflow = Workflow(stream=stream, on_runner=True)

    workflow.mask("-----BEGIN KEY-----\nabc\n")
    workflow.error("100% broken\nsecond line", title="a: b, c")
    with workflow.group("Plan"):
        workflow.log("inside")

    assert stream.getvalue().splitlines() == [
        "::add-mask::-----BEGIN KEY-----",
        "::add-mask::abc",
        "::error title=a%3A b%2C c::100%25 broken%0Asecond line",
        "::group::Plan",
        "inside",
        "::endgroup::",
    ]


def test_the_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    summary.write_text("earlier step\n")
    settings = Settings("push", Path("e"), Identity(), summary_path=summary)

    Workflow(settings, io.StringIO()).add_summary("### Telefonistka")

    assert summary.read_text() == "earlier step\n### Telefonistka\n"


def test_main_reports_bad_settings_as_an_error_annotation() -> None:
    stream = io.StringIO()

    code = main({"GITHUB_ACTIONS": "true"}, stream)

    assert code == 2
    assert stream.getvalue().startswith("::error title=telefonistka::GITHUB_EVENT_NAME is not set")
    plain = io.StringIO()
    assert main({}, plain) == 2
    assert plain.getvalue().startswith("error: telefonistka: GITHUB_EVENT_NAME is not set")


def test_main_reports_an_unreadable_event_file(tmp_path: Path) -> None:
    stream = io.StringIO()
    env = BASE_ENV | {"GITHUB_EVENT_PATH": str(tmp_path / "absent.json"), "GITHUB_TOKEN": "t"}
    env["GITHUB_ACTIONS"] = "true"

    code = main(env, stream)

    assert code == 2
    assert "cannot read the event file" in stream.getvalue()
    assert "::add-mask::t" in stream.getvalue()


def test_main_needs_no_token_for_an_event_it_ignores(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}")
    stream = io.StringIO()

    code = main(
        BASE_ENV | {"GITHUB_EVENT_NAME": "release", "GITHUB_EVENT_PATH": str(event)}, stream
    )

    assert code == 0
    assert "`release` events are not handled" in stream.getvalue()


def test_the_log_level_defaults_to_info_and_is_read_case_insensitively() -> None:
    assert read_settings(BASE_ENV).log_level is LogLevel.INFO
    assert read_settings(BASE_ENV | {"INPUT_LOG-LEVEL": " Debug "}).log_level is LogLevel.DEBUG
    assert read_settings(BASE_ENV | {"INPUT_LOG-LEVEL": "error"}).log_level is LogLevel.ERROR


def test_an_unknown_log_level_names_the_input_and_the_allowed_values() -> None:
    with pytest.raises(UsageError) as caught:
        read_settings(BASE_ENV | {"INPUT_LOG-LEVEL": "verbose"})

    assert str(caught.value) == (
        "input log-level must be one of debug, info, warning, error, got 'verbose'"
    )
    assert caught.value.exit_code == 2


def test_main_with_an_unknown_log_level_does_nothing_but_say_so(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}")
    stream = io.StringIO()
    env = BASE_ENV | {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": "t",
        "GITHUB_ACTIONS": "true",
        "INPUT_LOG-LEVEL": "loud",
    }

    code = main(env, stream)

    assert code == 2
    assert stream.getvalue().splitlines() == [
        "::add-mask::t",
        "::error title=telefonistka::input log-level must be one of debug, info, warning, "
        "error, got 'loud'",
    ]


def write_everything(workflow: Workflow) -> None:
    """One line of each kind, as a run would write them."""
    workflow.mask("s3cret")
    workflow.debug("detail: 50%")
    with workflow.group("Promotion"):
        workflow.log("progress")
    workflow.warning("careful")
    workflow.error("broken")
    workflow.set_outputs({"plan": "{}"})


EVERY_KIND = [
    "::add-mask::s3cret",
    "detail: 50%",
    "::group::Promotion",
    "progress",
    "::endgroup::",
    "::warning::careful",
    "::error::broken",
    "output plan: {}",
]
# Off a runner: no mask (it would print the secret), plain annotations and group headings.
EVERY_KIND_PLAIN = [
    "detail: 50%",
    "== Promotion",
    "progress",
    "warning: careful",
    "error: broken",
    "output plan: {}",
]


@pytest.mark.parametrize(
    ("level", "on_runner", "expected"),
    [
        (LogLevel.DEBUG, True, EVERY_KIND),
        (LogLevel.DEBUG, False, EVERY_KIND_PLAIN),
        (LogLevel.INFO, True, [EVERY_KIND[0], "::debug::detail: 50%25", *EVERY_KIND[2:]]),
        (LogLevel.INFO, False, EVERY_KIND_PLAIN[1:]),
        (
            LogLevel.WARNING,
            True,
            ["::add-mask::s3cret", "::debug::detail: 50%25", *EVERY_KIND[5:]],
        ),
        (LogLevel.WARNING, False, EVERY_KIND_PLAIN[3:]),
        (LogLevel.ERROR, False, EVERY_KIND_PLAIN[4:]),
        (
            LogLevel.ERROR,
            True,
            ["::add-mask::s3cret", "::debug::detail: 50%25", "::error::broken", "output plan: {}"],
        ),
    ],
)
def test_the_log_level_filters_the_job_log_but_never_masks_errors_or_outputs(
    level: LogLevel, on_runner: bool, expected: list[str]
) -> None:
    stream = io.StringIO()
    settings = Settings("push", Path("e"), Identity(), log_level=level, on_runner=on_runner)

    write_everything(Workflow(settings, stream))

    assert stream.getvalue().splitlines() == expected


def test_the_summary_and_outputs_are_written_at_log_level_error(tmp_path: Path) -> None:
    out, summary = tmp_path / "output", tmp_path / "summary"
    settings = Settings(
        "push",
        Path("e"),
        Identity(),
        output_path=out,
        summary_path=summary,
        log_level=LogLevel.ERROR,
    )
    workflow = Workflow(settings, io.StringIO())

    workflow.set_outputs({"plan": "{}"})
    workflow.add_summary("### Telefonistka")

    assert out.read_text().startswith("plan<<ghadelimiter_")
    assert summary.read_text() == "### Telefonistka\n"


def test_the_settings_in_the_debug_log_never_show_a_secret() -> None:
    settings = read_settings(
        BASE_ENV
        | {
            "GITHUB_ACTIONS": "true",
            "INPUT_GITHUB-TOKEN": "tok-value",
            "INPUT_APP-ID": "42",
            "INPUT_APP-PRIVATE-KEY": "pem-value",
            "INPUT_APPROVER-TOKEN": "approver-value",
            "INPUT_WEBHOOK-SECRET": "hook-value",
            "INPUT_BUMP-FILE-CONTENT": "x" * 200,
            "INPUT_DRY-RUN": "true",
        }
    )

    lines = settings.describe()
    text = "\n".join(lines)

    assert settings.on_runner
    for secret in ("tok-value", "pem-value", "approver-value", "hook-value"):
        assert secret not in text
    assert "identity: GitHub App 42 (with its private key); approver: a token" in lines
    assert "input webhook-secret: (set, hidden)" in lines
    assert f"input bump-file-content: {'x' * 80!r}… (200 characters)" in lines
    assert "input dry-run: 'true'" in lines
    assert "dry-run: True" in lines


def test_an_identity_describes_its_kind() -> None:
    assert Identity().describe() == "none"
    assert Identity(token="t").describe() == "a token"
    assert Identity(app_id="7").describe() == "GitHub App 7 (WITHOUT its private key)"


def test_the_request_counter_breaks_its_total_down_most_frequent_first() -> None:
    counter = RequestCounter()
    for kind in ("blob", "ref", "status", "ref", "status", "ref"):
        counter.record(kind)

    assert (counter.total, counter.breakdown()) == (6, "ref 3, status 2, blob 1")


def test_a_malformed_app_key_is_an_input_error_naming_the_input(tmp_path: Path) -> None:
    payload = json.loads((WEBHOOKS / "pull_request.closed.json").read_text())
    payload["pull_request"]["merged"] = True
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    stream = io.StringIO()
    env = BASE_ENV | {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "INPUT_APP-ID": "123",
        "INPUT_APP-PRIVATE-KEY": "-----BEGIN PRIVATE KEY-----\nnot base64\n",
    }

    code = main(env, stream)

    assert code == 2
    assert "error: telefonistka: input app-private-key of GitHub App 123 is not a PEM" in (
        stream.getvalue()
    )
    assert "Traceback" not in stream.getvalue()


def test_a_log_line_carrying_user_data_never_starts_a_workflow_command() -> None:
    """File names may hold newlines: ``x\\n::error::…`` in a logged path must stay text,
    not become an annotation (or a mask, or a stop-commands) on the runner."""
    stream = io.StringIO()
    workflow = Workflow(
        Settings("push", Path("e"), Identity(), log_level=LogLevel.DEBUG, on_runner=True), stream
    )

    workflow.log("changed: x\n::error::pwned\n  ::add-mask::y")
    workflow.debug("::stop-commands::t")
    with workflow.group("Plan"):
        workflow.log("inside")

    lines = stream.getvalue().splitlines()
    assert [line for line in lines if line.lstrip().startswith("::")] == [
        "::group::Plan",
        "::endgroup::",
    ]
    assert "changed: x" in lines


# --- the Go original's names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "warning"),
    [
        ({"INPUT_REPO-TOKEN": "old-token"}, "input `repo-token` is the Go original's name"),
        ({"GITHUB_OAUTH_TOKEN": "old-token"}, "GITHUB_OAUTH_TOKEN is the Go original's variable"),
    ],
)
def test_the_go_originals_token_names_still_work_with_a_warning(
    old: dict[str, str], warning: str
) -> None:
    settings = read_settings(BASE_ENV | old)

    assert settings.identity.token == "old-token"
    [said] = settings.warnings
    assert said.startswith(warning)
    assert "use" in said
    assert "github-token" in said
    assert "old-token" in secrets_in(BASE_ENV | old)


def test_the_new_name_wins_and_is_not_warned_about() -> None:
    settings = read_settings(BASE_ENV | {"INPUT_GITHUB-TOKEN": "new", "GITHUB_OAUTH_TOKEN": "old"})

    assert (settings.identity.token, settings.warnings) == ("new", ())


def test_the_approver_s_old_variables() -> None:
    environ = BASE_ENV | {"APPROVER_GITHUB_OAUTH_TOKEN": "appr", "GITHUB_APP_ID": "7"}

    settings = read_settings(environ)

    assert (settings.approver.token, settings.identity.app_id) == ("appr", "7")
    assert len(settings.warnings) == 2


@pytest.mark.parametrize(
    ("environ", "warning"),
    [
        (
            {"TEMPLATES_PATH": "/tmpl"},
            "TEMPLATES_PATH (a Go original setting) is not read: set the `templates-path` input",
        ),
        ({"CUSTOM_COMMIT_STATUS_URL_TEMPLATE_PATH": "/u"}, "set the `status-target-url` input"),
    ],
)
def test_the_go_servers_settings_are_warned_about(environ: dict[str, str], warning: str) -> None:
    [said] = read_settings(BASE_ENV | environ).warnings

    assert said.startswith(warning) or warning in said


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"INPUT_DRY_RUN": "true"}, "`dry_run` (did you mean `dry-run`?): not an input"),
        ({"INPUT_DRYRUN": "true"}, "`dryrun` (did you mean `dry-run`?): not an input"),
        ({"INPUT_DRY_RUN": ""}, "`dry_run` (did you mean `dry-run`?)"),  # even empty
        ({"INPUT_GITHUB_TOKEN": "t0ken"}, "`github_token` (did you mean `github-token`?)"),
        ({"INPUT_GITHUBTOKEN": "x"}, "`githubtoken` (did you mean `github-token`?)"),
        ({"INPUT_COLOUR": "red"}, "`colour`: not an input of telefonistka"),
        (
            {"INPUT_COLOUR": "red", "INPUT_DRY_RUN": "true"},
            "`colour`; `dry_run` (did you mean `dry-run`?): not inputs of telefonistka",
        ),
    ],
)
def test_an_unknown_input_is_an_input_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        read_settings(BASE_ENV | environ)

    assert message in str(caught.value)
    assert "nothing was done" in str(caught.value)


def test_a_misspelt_dry_run_stops_the_run_before_any_request(tmp_path: Path) -> None:
    """``dry_run: true`` used to be a warning, and the run wrote for real. Now: exit 2,
    an ``::error`` naming `dry-run`, the value masked and printed nowhere else."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "closed"}))
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": "http://127.0.0.1:9",  # nothing listens: a request would fail
        "INPUT_GITHUB-TOKEN": "real-token",
        "INPUT_DRY_RUN": "true",
        "INPUT_GITHUB_TOKEN": "s3cret-typo",
        "INPUT_LOG-LEVEL": "debug",
    }
    stream = io.StringIO()

    assert main(environ, stream) == 2

    out = stream.getvalue()
    lines = out.splitlines()
    assert "::add-mask::s3cret-typo" in lines
    assert "::add-mask::true" in lines
    [error] = [line for line in lines if line.startswith("::error")]
    assert "`dry_run` (did you mean `dry-run`?)" in error
    assert "`github_token` (did you mean `github-token`?)" in error
    assert out.count("s3cret-typo") == 1  # the mask line only


def test_the_warnings_reach_the_job_log_as_annotations(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "edited"}))
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "gollum",
        "GITHUB_EVENT_PATH": str(event),
        "INPUT_REPO-TOKEN": "old-token",
    }
    stream = io.StringIO()

    assert main(environ, stream) == 0

    lines = stream.getvalue().splitlines()
    assert lines[0] == "::add-mask::old-token"
    warned = "::warning title=telefonistka::input `repo-token` is the Go original's name"
    assert any(line.startswith(warned) for line in lines)


@pytest.mark.parametrize(("value", "budget"), [("", 180.0), ("45", 45.0), ("2.5", 2.5)])
def test_the_argocd_budget_input(value: str, budget: float) -> None:
    environ = BASE_ENV | {"INPUT_ARGOCD-URL": "https://a", "INPUT_ARGOCD-TOKEN": "t"}
    assert read_settings(environ | {"INPUT_ARGOCD-TIMEOUT": value}).argocd.budget == budget


@pytest.mark.parametrize("value", ["0", "-5", "soon", "3601"])
def test_a_bad_argocd_budget_is_an_input_error(value: str) -> None:
    environ = BASE_ENV | {"INPUT_ARGOCD-URL": "https://a", "INPUT_ARGOCD-TOKEN": "t"}
    with pytest.raises(UsageError, match="input argocd-timeout must be seconds"):
        read_settings(environ | {"INPUT_ARGOCD-TIMEOUT": value})
