"""``telefonistka fanout`` end to end: event file + config → real receivers on 127.0.0.1."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fanout_helpers import (
    FIXTURES,
    SECRET,
    Receiver,
    closed_port_url,
    push_payload,
    receivers,
    signature_ok,
)
from gitrepo import GitRepoBuilder

from telefonistka import __version__
from telefonistka.cli import main

TIMEOUT = "0.4"


def write_event(tmp_path: Path, payload: dict[str, Any]) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
    return path


def write_config(
    tmp_path: Path, rules: list[tuple[str, list[str]]], skip_tls: bool = False
) -> Path:
    lines = ["webhookEndpointRegexs:"]
    for expression, replacements in rules:
        lines += [f"  - expression: '{expression}'", "    replacements:"]
        lines += [f"      - '{r}'" for r in replacements]
    if skip_tls:
        lines.append("whProxtSkipTLSVerifyUpstream: true")
    path = tmp_path / "telefonistka.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fanout(
    capsys: pytest.CaptureFixture[str], event: Path, config: Path, *extra: str
) -> tuple[int, str, str]:
    args = ["fanout", "--event", str(event), "--config", str(config), "--timeout", TIMEOUT]
    code = main([*args, "--retries", "1", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


ROUTES = [
    (r"^workspace/[^/]*/.*", ["https://lab-argocd.example.com/api/webhook"]),
    (
        r"^clusters/([^/]*)/([^/]*)/([^/]*)/.*",
        [
            "https://argocd-${1}-${2}-${3}.example.com/api/webhook",
            "https://appset-$1-$2-$3.example.com/api/webhook",
        ],
    ),
    (r"^clusters/", ["https://never-first-match.example.com/api/webhook"]),
]


def test_dry_run_prints_the_routed_urls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = write_event(
        tmp_path,
        push_payload(
            [
                ["clusters/prod/eu/c1/app/values.yaml", "workspace/app/values.yaml"],
                ["clusters/prod/us/c2/app/values.yaml", "docs/readme.md"],
            ]
        ),
    )

    code, out, err = fanout(capsys, event, write_config(tmp_path, ROUTES), "--dry-run")

    assert code == 0
    assert out == (
        "https://appset-prod-eu-c1.example.com/api/webhook\n"
        "https://appset-prod-us-c2.example.com/api/webhook\n"
        "https://argocd-prod-eu-c1.example.com/api/webhook\n"
        "https://argocd-prod-us-c2.example.com/api/webhook\n"
        "https://lab-argocd.example.com/api/webhook\n"
    )
    assert "4 changed files (from the payload)" in err


def test_dry_run_json_explains_each_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = write_event(tmp_path, push_payload([["workspace/app/values.yaml"]]))

    code, out, _ = fanout(capsys, event, write_config(tmp_path, ROUTES), "--dry-run", "--json")

    assert code == 0
    assert json.loads(out) == {
        "repository": "Codertocat/Hello-World",
        "ref": "refs/heads/master",
        "after": "b" * 40,
        "dry_run": True,
        "endpoints": [
            {
                "url": "https://lab-argocd.example.com/api/webhook",
                "rules": [0],
                "files": ["workspace/app/values.yaml"],
            }
        ],
    }


def test_the_payload_bytes_go_out_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANOUT_SECRET", SECRET)
    with receivers(Receiver(), Receiver()) as (a, b):
        config = write_config(tmp_path, [(r"^apps/a/", [a.url]), (r"^apps/", [b.url])])
        event = write_event(tmp_path, push_payload([["apps/a/x.yaml", "apps/b/y.yaml"]]))
        code, out, err = fanout(capsys, event, config, "--secret-env", "FANOUT_SECRET")

    assert code == 0
    for receiver in (a, b):
        (request,) = receiver.requests
        assert request.body == event.read_bytes()
        assert signature_ok(SECRET, request.body, request.header("X-Hub-Signature-256"))
        assert request.header("User-Agent") == f"telefonistka/{__version__}"
        assert uuid.UUID(request.header("X-GitHub-Delivery") or "").version == 4
    assert a.requests[0].header("X-GitHub-Delivery") == b.requests[0].header("X-GitHub-Delivery")
    assert out.endswith("2 of 2 endpoints accepted the push\n")
    assert "sending push bbbbbbbbbbbb to 2 endpoints" in err


def test_the_original_delivery_id_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with receivers(Receiver()) as (receiver,):
        config = write_config(tmp_path, [("^", [receiver.url])])
        event = write_event(tmp_path, push_payload([["a.yaml"]]))
        fanout(capsys, event, config, "--delivery-id", "72d3162e-cc78-11e3-81ab-4c9367dc0958")

    (request,) = receiver.requests
    assert request.header("X-GitHub-Delivery") == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert request.header("X-Hub-Signature-256") is None


def test_failures_are_reported_and_exit_0_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with receivers(Receiver(statuses=(404,)), Receiver()) as (missing, ok):
        config = write_config(tmp_path, [("^", [missing.url, ok.url, closed_port_url()])])
        event = write_event(tmp_path, push_payload([["a.yaml"]]))
        best_effort = fanout(capsys, event, config)
        strict = fanout(capsys, event, config, "--fail-on-error", "--json")

    code, out, _ = best_effort
    assert code == 0
    assert "FAILED HTTP 404 Not Found" in out
    assert "FAILED connection failed" in out
    assert out.endswith("1 of 3 endpoints accepted the push; 2 failed\n")
    code, out, _ = strict
    assert code == 1
    document = json.loads(out)
    assert document["failed"] == 2
    assert sorted(e["attempts"] for e in document["endpoints"]) == [1, 1, 2]


def test_ten_receivers_one_hangs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 7's acceptance: nine get the signed payload, the summary shows the hung one."""
    scripts = [Receiver(delay=30.0) if i == 6 else Receiver() for i in range(10)]
    with receivers(*scripts) as rs:
        rules = [(rf"^clusters/c{i}/", [r.url]) for i, r in enumerate(rs)]
        files = [f"clusters/c{i}/app/values.yaml" for i in range(10)]
        event = write_event(tmp_path, push_payload([files]))
        config = write_config(tmp_path, rules)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("FANOUT_SECRET", SECRET)
            code, out, _ = fanout(capsys, event, config, "--secret-env", "FANOUT_SECRET", "--json")

    assert code == 0
    results = {e["url"]: e for e in json.loads(out)["endpoints"]}
    hung = results.pop(rs[6].url)
    assert (hung["ok"], hung["attempts"]) == (False, 1)
    assert "timed out" in hung["error"]
    assert all(e["ok"] for e in results.values())
    assert len(results) == 9
    for i, receiver in enumerate(rs):
        (request,) = receiver.requests  # the hung one got it too, and was asked only once
        assert request.body == event.read_bytes()
        assert signature_ok(SECRET, request.body, request.header("X-Hub-Signature-256")), i


def test_the_table_shows_the_hung_endpoint_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with receivers(Receiver(delay=30.0), Receiver()) as (hung, ok):
        config = write_config(tmp_path, [("^", [hung.url, ok.url])])
        event = write_event(tmp_path, push_payload([["a.yaml"]]))
        code, out, _ = fanout(capsys, event, config)

    assert code == 0
    failed_line, ok_line = out.splitlines()[1:3]
    assert failed_line.startswith("FAILED no answer within 0.40s (timed out)")
    assert failed_line.endswith(hung.url)
    assert ok_line.startswith("ok 200")
    assert ok_line.endswith(ok.url)


@pytest.mark.parametrize("fixture", ["tag_created", "tag_deleted"])
def test_pushes_not_to_the_default_branch_are_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    with receivers(Receiver()) as (receiver,):
        config = write_config(tmp_path, [("^", [receiver.url])])
        code, out, err = fanout(capsys, FIXTURES / f"{fixture}.json", config)

    assert (code, out) == (0, "")
    assert "ignored: refs/tags/simple-tag is not the default branch master" in err
    assert receiver.requests == []


def test_a_feature_branch_push_is_ignored_even_without_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = write_event(tmp_path, push_payload([["a.yaml"]], ref="refs/heads/feature"))

    code, out, err = fanout(capsys, event, tmp_path / "missing.yaml", "--json")

    assert code == 0
    assert json.loads(out)["ignored"] == "refs/heads/feature is not the default branch master"
    assert "ignored" in err


def test_a_truncated_push_warns_and_routes_on_the_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = write_event(tmp_path, push_payload([["workspace/a/x.yaml"]], forced=True))

    code, out, err = fanout(capsys, event, write_config(tmp_path, ROUTES), "--dry-run")

    assert code == 0
    assert out == "https://lab-argocd.example.com/api/webhook\n"
    assert "warning: push aaaaaaaaaaaa..bbbbbbbbbbbb is a forced push" in err
    assert "endpoints of other changed folders are not notified" in err


def test_no_matching_rule_sends_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = write_event(tmp_path, push_payload([["docs/readme.md"]]))

    code, out, err = fanout(capsys, event, write_config(tmp_path, ROUTES))

    assert (code, out) == (0, "")
    assert "no webhookEndpointRegexs rule matches the changed files" in err


def test_a_bad_url_scheme_fails_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with receivers(Receiver()) as (receiver,):
        rules = [(r"^apps/([^/]+)/", [receiver.url, "ftp://$1.example.com/hook"])]
        event = write_event(tmp_path, push_payload([["apps/web/a.yaml"]]))
        code, out, err = fanout(capsys, event, write_config(tmp_path, rules))

    assert (code, out) == (1, "")
    assert "webhookEndpointRegexs[0]" in err
    assert "'ftp://web.example.com/hook', which has scheme 'ftp'" in err
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "the push event is not valid JSON"),
        ('{"ref": "refs/heads/main"}', "push event field before is missing"),
    ],
)
def test_a_bad_event_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    event = tmp_path / "event.json"
    event.write_text(content, encoding="utf-8")

    code, out, err = fanout(capsys, event, write_config(tmp_path, ROUTES))

    assert (code, out) == (1, "")
    assert err.startswith(f"telefonistka: error: {message}")


def test_a_missing_event_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = fanout(capsys, tmp_path / "nope.json", write_config(tmp_path, ROUTES))

    assert code == 2
    assert "cannot read the push event file" in err


def test_a_bad_config_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "telefonistka.yaml"
    config.write_text("webhookEndpointRegex:\n  - expression: x\n", encoding="utf-8")
    event = write_event(tmp_path, push_payload([["a.yaml"]]))

    code, _, err = fanout(capsys, event, config)

    assert code == 1
    assert "webhookEndpointRegex" in err
    assert "did you mean" in err


def test_a_missing_config_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = write_event(tmp_path, push_payload([["a.yaml"]]))

    code, _, err = fanout(capsys, event, tmp_path / "telefonistka.yaml")

    assert code == 1
    assert "no such file; pass --config" in err


def test_an_unset_secret_variable_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    event = write_event(tmp_path, push_payload([["workspace/a/b"]]))

    code, _, err = fanout(
        capsys, event, write_config(tmp_path, ROUTES), "--secret-env", "NO_SUCH_SECRET"
    )

    assert code == 2
    assert "--secret-env NO_SUCH_SECRET: the variable is not set or empty" in err


@pytest.mark.parametrize(("option", "value"), [("--timeout", "0"), ("--retries", "11")])
def test_out_of_range_policy_options_are_refused(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fanout", "--event", "e.json", option, value])

    assert exit_info.value.code == 2
    assert option in capsys.readouterr().err


@pytest.fixture
def forced_push(tmp_path: Path) -> tuple[GitRepoBuilder, str, str]:
    """A clone where ``after`` replaced ``before``: c1's change was dropped, c2's added."""
    builder = GitRepoBuilder(tmp_path / "clone")
    base = builder.commit({"clusters/c1/app.yaml": "v1\n", "clusters/c2/app.yaml": "v1\n"})
    before = builder.commit({"clusters/c1/app.yaml": "v2\n"}, message="dropped by the force push")
    builder.git("reset", "-q", "--hard", base)
    after = builder.commit({"clusters/c2/app.yaml": "v2\n"}, message="kept")
    return builder, before, after


CLUSTER_ROUTES = [(r"^clusters/(c\d)/", ["https://argocd-$1.example.com/api/webhook"])]


def test_a_forced_push_routes_on_the_clones_tree_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], forced_push: tuple[GitRepoBuilder, str, str]
) -> None:
    builder, before, after = forced_push
    payload = push_payload([["clusters/c2/app.yaml"]], forced=True, before=before, after=after)
    event, config = write_event(tmp_path, payload), write_config(tmp_path, CLUSTER_ROUTES)

    code, out, err = fanout(capsys, event, config, "--dry-run", "--repo", str(builder.path))

    assert code == 0
    assert out == (
        "https://argocd-c1.example.com/api/webhook\nhttps://argocd-c2.example.com/api/webhook\n"
    )
    assert "2 changed files (from the compare)" in err
    assert "warning" not in err


def test_a_clone_without_the_commits_falls_back_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], forced_push: tuple[GitRepoBuilder, str, str]
) -> None:
    builder, _, after = forced_push
    payload = push_payload([["clusters/c2/app.yaml"]], forced=True, before="c" * 40, after=after)
    event, config = write_event(tmp_path, payload), write_config(tmp_path, CLUSTER_ROUTES)

    code, out, err = fanout(capsys, event, config, "--dry-run", "--repo", str(builder.path))

    assert code == 0
    assert out == "https://argocd-c2.example.com/api/webhook\n"
    assert "warning: push cccccccccccc.." in err
    assert "cannot compare Codertocat/Hello-World commits" in err
