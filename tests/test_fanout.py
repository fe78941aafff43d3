"""Endpoint selection, Go template expansion, URL checks, signing and result rendering."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from fanout_helpers import push_payload

from telefonistka.core.config.model import WebhookEndpointRegex
from telefonistka.core.events.push import NULL_SHA, push_event_from_json
from telefonistka.core.fanout import (
    Endpoint,
    EndpointResult,
    changed_files,
    compile_rules,
    display_url,
    expand_template,
    format_results_table,
    results_json,
    results_markdown,
    select_endpoints,
    signature_sha1,
    signature_sha256,
    summary_line,
    url_problem,
    webhook_headers,
)
from telefonistka.errors import EndpointError, GitHubError

# The rules and files of the Go original's TestGenerateListOfEndpoints.
GO_RULES = (
    WebhookEndpointRegex(r"^workspace\/[^/]*\/.*", ("https://blabla.com/webhook",)),
    WebhookEndpointRegex(
        r"^clusters\/([^/]*)\/([^/]*)\/([^/]*)\/.*",
        (
            "https://ingress-a-${1}-${2}-${3}.example.com/webhook",
            "https://ingress-b-${1}-${2}-${3}.example.com/webhook",
        ),
    ),
)


def urls(files: list[str], rules: tuple[WebhookEndpointRegex, ...]) -> list[str]:
    return [e.url for e in select_endpoints(files, rules)]


def test_go_original_routing_example() -> None:
    files = [
        "workspace/csi-verify/values/global.yaml",
        "clusters/sdeprod/dsm1/c1/csi-verify/values/global.yaml",
    ]

    assert urls(files, GO_RULES) == [
        "https://blabla.com/webhook",
        "https://ingress-a-sdeprod-dsm1-c1.example.com/webhook",
        "https://ingress-b-sdeprod-dsm1-c1.example.com/webhook",
    ]


def test_urls_are_deduplicated_sorted_and_remember_rules_and_files() -> None:
    files = [
        "clusters/prod/eu/c2/app/values.yaml",
        "clusters/prod/eu/c2/other/values.yaml",
        "workspace/x/a.yaml",
        "README.md",
    ]

    endpoints = select_endpoints(files, GO_RULES)

    assert endpoints == (
        Endpoint("https://blabla.com/webhook", (0,), ("workspace/x/a.yaml",)),
        Endpoint(
            "https://ingress-a-prod-eu-c2.example.com/webhook",
            (1,),
            ("clusters/prod/eu/c2/app/values.yaml", "clusters/prod/eu/c2/other/values.yaml"),
        ),
        Endpoint(
            "https://ingress-b-prod-eu-c2.example.com/webhook",
            (1,),
            ("clusters/prod/eu/c2/app/values.yaml", "clusters/prod/eu/c2/other/values.yaml"),
        ),
    )


def test_only_the_first_matching_rule_of_a_file_counts() -> None:
    rules = (
        WebhookEndpointRegex(r"^clusters/prod/", ("https://prod.example.com/hook",)),
        WebhookEndpointRegex(r"^clusters/", ("https://all.example.com/hook",)),
    )

    assert urls(["clusters/prod/a.yaml"], rules) == ["https://prod.example.com/hook"]
    assert urls(["clusters/dev/a.yaml", "clusters/prod/a.yaml"], rules) == [
        "https://all.example.com/hook",
        "https://prod.example.com/hook",
    ]


def test_expressions_search_anywhere_in_the_path() -> None:
    rules = (WebhookEndpointRegex(r"/(c\d)/", ("https://argocd-$1.example.com/api/webhook",)),)

    assert urls(["clusters/prod/c7/app.yaml"], rules) == [
        "https://argocd-c7.example.com/api/webhook"
    ]


def test_a_rule_with_no_replacements_or_no_matching_file_selects_nothing() -> None:
    rules = (WebhookEndpointRegex("^docs/", ()), WebhookEndpointRegex("^apps/", ("https://a/",)))

    assert urls(["docs/readme.md", "src/main.py"], rules) == []


def _expand(pattern: str, text: str, template: str) -> str:
    match = re.search(pattern, text)
    assert match is not None
    return expand_template(match, template)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("https://$1.example.com", "https://prod.example.com"),
        ("https://${1}.example.com", "https://prod.example.com"),
        ("https://${1}-${2}", "https://prod-eu"),
        ("https://$env.x/$region", "https://prod.x/eu"),
        ("https://${env}x", "https://prodx"),
        ("https://$1x.example.com", "https://.example.com"),  # Go reads group "1x"
        ("https://${1}x.example.com", "https://prodx.example.com"),
        ("https://$10.example.com", "https://.example.com"),  # group 10, not ${1}0
        ("https://$01.example.com", "https://.example.com"),  # leading zero: a name
        ("https://$0", "https://clusters/prod/eu"),
        ("cost $$1", "cost $1"),
        ("https://x/{1}", "https://x/{1}"),  # Go has no {1} form: literal
        ("https://x/$", "https://x/$"),  # a lone $ stays
        ("https://x/${1", "https://x/${1"),  # malformed brace: literal
        ("https://x/$-", "https://x/$-"),
        ("https://x/$3", "https://x/"),  # unmatched optional group
    ],
)
def test_templates_expand_like_go_regexp_expand(template: str, expected: str) -> None:
    pattern = r"^clusters/(?P<env>[^/]+)/(?P<region>[^/]+)(/c\d)?"

    assert _expand(pattern, "clusters/prod/eu/app.yaml", template) == expected


def test_a_replacement_naming_a_missing_group_is_rejected_with_a_hint() -> None:
    rules = (
        WebhookEndpointRegex("^a/", ("https://ok/",)),
        WebhookEndpointRegex(r"^clusters/([^/]+)/", ("https://argocd-$1x.example.com/", "$2")),
    )

    with pytest.raises(EndpointError) as caught:
        compile_rules(rules)

    message = str(caught.value)
    assert "webhookEndpointRegexs[1].replacements[0]: $1x names a group" in message
    assert "write ${1}" in message
    assert "webhookEndpointRegexs[1].replacements[1]: $2 names a group" in message
    assert "fix webhookEndpointRegexs in telefonistka.yaml" in message


def test_an_invalid_expression_is_named() -> None:
    with pytest.raises(EndpointError, match=r"webhookEndpointRegexs\[0\]\.expression: invalid"):
        compile_rules((WebhookEndpointRegex("^clusters/(", ("https://x/",)),))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://argocd.example.com/api/webhook", None),
        ("http://127.0.0.1:8080/api/webhook", None),
        ("HTTPS://Argocd.Example.com/", None),
        ("ftp://argocd.example.com/", "has scheme 'ftp'; only http:// and https://"),
        ("file:///etc/passwd", "has scheme 'file'"),
        ("argocd.example.com/api/webhook", "has no scheme"),
        ("https:///api/webhook", "has no host"),
        ("http://argocd:99999/", "does not parse as a URL"),
        ("http://[::1/", "does not parse as a URL"),
        ("https://argocd.example.com/a b", "contains whitespace"),
        ("https://argocd.example.com/\x00", "contains whitespace or control characters"),
    ],
)
def test_url_problems(url: str, problem: str | None) -> None:
    found = url_problem(url)

    assert found == problem if problem is None else found is not None and problem in found


def test_bad_urls_name_the_rule_the_file_and_the_url() -> None:
    rules = (
        WebhookEndpointRegex("^ok/", ("https://ok.example.com/",)),
        WebhookEndpointRegex(
            r"^apps/([^/]+)/", ("ftp://$1.example.com/", "https://$1.example.com/")
        ),
    )

    with pytest.raises(EndpointError) as caught:
        select_endpoints(["ok/a", "apps/web/a.yaml", "apps/web/b.yaml"], rules)

    lines = str(caught.value).splitlines()
    assert lines[1:] == [
        "  - webhookEndpointRegexs[1] (expression '^apps/([^/]+)/') turns 'apps/web/a.yaml' "
        "into 'ftp://web.example.com/', which has scheme 'ftp'; only http:// and https:// "
        "endpoints are accepted",
        "  - webhookEndpointRegexs[1] (expression '^apps/([^/]+)/') turns 'apps/web/b.yaml' "
        "into 'ftp://web.example.com/', which has scheme 'ftp'; only http:// and https:// "
        "endpoints are accepted",
    ]


def test_a_capture_with_a_space_makes_a_bad_url() -> None:
    rules = (WebhookEndpointRegex(r"^apps/([^/]+)/", ("https://x.example.com/$1",)),)

    with pytest.raises(EndpointError, match=r"puts \$1 \('my app'\) into the path"):
        select_endpoints(["apps/my app/a.yaml"], rules)


@pytest.mark.parametrize(
    ("template", "where"),
    [
        ("https://argocd-$1.example.com/api/webhook", "into the host"),
        ("https://example.com$1", "into the host"),
        ("https://x.example.com/hook/$1", "into the path"),
        ("$1://x.example.com/", "into the scheme"),
    ],
)
def test_a_folder_name_cannot_send_the_payload_to_another_host(template: str, where: str) -> None:
    """The attack: a folder named ``127.0.0.1:PORT#`` after the host made the URL
    ``https://example.com127.0.0.1:PORT#``, and the signed payload went to that host."""
    rules = (WebhookEndpointRegex(r"^clusters/([^/]+)/", (template,)),)

    with pytest.raises(EndpointError, match=where) as error:
        select_endpoints(["clusters/127.0.0.1:8080#/app/values.yaml"], rules)

    assert "'127.0.0.1:8080#'" in str(error.value)


def test_labels_and_paths_from_groups_keep_the_templates_host() -> None:
    rules = (
        WebhookEndpointRegex(
            r"^clusters/(?P<env>[a-z]+)/(?P<cluster>[a-z0-9-]+)/",
            (
                "https://argocd-${cluster}.${env}.example.com/api/webhook",
                "https://hub.example.com/$0",
            ),
        ),
    )

    [argocd, hub] = select_endpoints(["clusters/prod/eu-1/app/values.yaml"], rules)

    assert argocd.url == "https://argocd-eu-1.prod.example.com/api/webhook"
    assert hub.url == "https://hub.example.com/clusters/prod/eu-1/"


class FakeComparer:
    """Records compare calls and answers with canned files (or fails)."""

    def __init__(self, files: list[str], error: Exception | None = None) -> None:
        self.files = files
        self.error = error
        self.calls: list[tuple[str, str, str]] = []

    def compare_files(self, repo: str, before: str, after: str) -> list[str]:
        self.calls.append((repo, before, after))
        if self.error:
            raise self.error
        return self.files


def test_an_ordinary_push_uses_the_payload_and_never_compares() -> None:
    event = push_event_from_json(push_payload([["b.yaml"], ["a.yaml"]]))
    comparer = FakeComparer(["x.yaml"])

    result = changed_files(event, comparer)

    assert (result.files, result.source, result.warning) == (("a.yaml", "b.yaml"), "payload", None)
    assert comparer.calls == []


def test_a_truncated_push_asks_the_comparer() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]] * 20, size=40))
    comparer = FakeComparer(["z.yaml", "m.yaml"])

    result = changed_files(event, comparer)

    assert comparer.calls == [("Codertocat/Hello-World", "a" * 40, "b" * 40)]
    assert (result.files, result.source, result.warning) == (
        ("a.yaml", "m.yaml", "z.yaml"),
        "compare",
        None,
    )


def test_a_forced_push_asks_the_comparer() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]], forced=True))
    comparer = FakeComparer(["dropped.yaml"])

    assert changed_files(event, comparer).files == ("a.yaml", "dropped.yaml")


def test_without_a_comparer_a_truncated_push_warns_and_uses_the_payload() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]] * 20, size=40))

    result = changed_files(event, None)

    assert result.files == ("a.yaml",)
    assert result.source == "payload"
    assert result.warning is not None
    assert "lists only part of its commits or files" in result.warning
    assert "routing on the 1 files the payload lists" in result.warning


def test_a_failing_comparer_falls_back_to_the_payload_with_a_warning() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]], forced=True))
    comparer = FakeComparer([], GitHubError("compare failed: 404 Not Found", status=404))

    result = changed_files(event, comparer)

    assert result.files == ("a.yaml",)
    assert result.warning is not None
    assert "is a forced push" in result.warning
    assert "compare failed: 404 Not Found" in result.warning


def test_a_new_branch_is_never_compared() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]], forced=True, before=NULL_SHA))

    assert changed_files(event, FakeComparer(["x"])).source == "payload"


def test_signature_matches_githubs_documented_example() -> None:
    # From GitHub's "Validating webhook deliveries" documentation.
    signature = signature_sha256(b"Hello, World!", "It's a Secret to Everybody")

    assert signature == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_headers_are_githubs_and_signed_only_with_a_secret() -> None:
    body = b'{"ref":"refs/heads/main"}'

    unsigned = webhook_headers(body, delivery_id="d-1", user_agent="telefonistka/9")
    signed = webhook_headers(body, delivery_id="d-1", user_agent="telefonistka/9", secret="s")

    assert unsigned == {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "d-1",
        "User-Agent": "telefonistka/9",
    }
    assert signed == unsigned | {
        "X-Hub-Signature-256": "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": signature_sha1(body, "s"),
    }
    assert signed["X-Hub-Signature"] == "sha1=" + hmac.new(b"s", body, hashlib.sha1).hexdigest()


def test_passwords_in_urls_are_not_shown() -> None:
    assert display_url("https://bot:hunter2@argocd.example.com/api") == (
        "https://bot:***@argocd.example.com/api"
    )
    assert display_url("https://argocd.example.com/api") == "https://argocd.example.com/api"


RESULTS = [
    EndpointResult("https://b.example.com/hook", 200, None, 1, 0.0412),
    EndpointResult(
        "https://a.example.com/hook", None, "no answer within 0.40s (timed out)", 1, 0.4
    ),
    EndpointResult("https://c.example.com/hook", 404, "HTTP 404 Not Found", 1, 0.01),
]


def test_results_table_lists_failures_first_then_the_summary() -> None:
    assert format_results_table(RESULTS) == (
        "RESULT                                     ATTEMPTS  SECONDS  ENDPOINT\n"
        "FAILED no answer within 0.40s (timed out)  1         0.40     https://a.example.com/hook\n"
        "FAILED HTTP 404 Not Found                  1         0.01     https://c.example.com/hook\n"
        "ok 200                                     1         0.04     https://b.example.com/hook\n"
        "1 of 3 endpoints accepted the push; 2 failed\n"
    )


def test_results_markdown_for_the_job_summary() -> None:
    markdown = results_markdown(RESULTS)

    assert markdown.splitlines()[2] == "1 of 3 endpoints accepted the push; 2 failed."
    assert (
        "| ❌ | `https://a.example.com/hook` | no answer within 0.40s (timed out) | 1 | 0.40 |"
        in (markdown)
    )
    assert "| ✅ | `https://b.example.com/hook` | 200 | 1 | 0.04 |" in markdown


def test_results_json_carries_every_endpoint() -> None:
    document = json.loads(results_json(RESULTS, {"ref": "refs/heads/main"}))

    assert document["ref"] == "refs/heads/main"
    assert document["failed"] == 2
    assert document["endpoints"][0] == {
        "url": "https://b.example.com/hook",
        "ok": True,
        "status": 200,
        "error": None,
        "attempts": 1,
        "seconds": 0.041,
    }


def test_summary_line_when_all_succeed() -> None:
    assert summary_line(RESULTS[:1]) == "1 of 1 endpoints accepted the push"
