"""Config loading and validation (core/config/validation.py, schemas/, docs/configuration.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from telefonistka.core.config.model import (
    ArgocdConfig,
    ComponentConfig,
    Conditions,
    PromotionPath,
    PromotionPr,
    RepoConfig,
    WebhookEndpointRegex,
)
from telefonistka.core.config.regex import regex_error
from telefonistka.core.config.validation import (
    ConfigKind,
    detect_config_kind,
    load_component_config,
    load_repo_config,
    load_schema,
    suggest_key,
)
from telefonistka.errors import ConfigError, ConfigProblem

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "config"


def repo_problems(text: str | bytes) -> list[str]:
    """The problems of a repo config, as printed for the user."""
    with pytest.raises(ConfigError) as caught:
        load_repo_config(text, "t.yaml")
    return [str(problem) for problem in caught.value.problems]


def component_problems(text: str | bytes) -> list[str]:
    """The problems of a component config, as printed for the user."""
    with pytest.raises(ConfigError) as caught:
        load_component_config(text, "c.yaml")
    return [str(problem) for problem in caught.value.problems]


# --- every key parsed ---------------------------------------------------------------------


def test_full_repo_config_parses_every_key() -> None:
    text = (FIXTURES / "full_repo.yaml").read_text()
    assert load_repo_config(text) == RepoConfig(
        promotion_paths=(
            PromotionPath(
                source_path="workspace/",
                component_path_extra_depth=1,
                conditions=Conditions(pr_has_labels=("quick_promotion", "hotfix"), auto_merge=True),
                promotion_prs=(
                    PromotionPr(
                        target_paths=(
                            "clusters/staging/us-central1/c2/",
                            "clusters/staging/us-central1/c1/",
                        ),
                        target_description="staging",
                    ),
                    PromotionPr(target_paths=("clusters/prod/us-west1/c2/",)),
                ),
            ),
            PromotionPath(
                source_path="clusters/staging/[^/]*/[^/]*/",
                promotion_prs=(PromotionPr(target_paths=("clusters/prod/europe-west3/c2/",)),),
            ),
        ),
        dry_run_mode=True,
        auto_approve_promotion_prs=True,
        toggle_commit_status=(
            ("all-good", "ci/lint"),
            ("override-terraform", "github-action-terraform"),
        ),
        webhook_endpoint_regexs=(
            WebhookEndpointRegex(
                expression="^clusters/([^/]*)/([^/]*)/([^/]*)/.*",
                replacements=(
                    "https://kube-argocd-${3}.${1}.service.${2}.example.com/api/webhook",
                ),
            ),
            WebhookEndpointRegex(expression="^workspace/", replacements=()),
        ),
        wh_proxt_skip_tls_verify_upstream=True,
        promotion_pr_labels=("promoted", "team/platform"),
        argocd=ArgocdConfig(
            comment_diff_on_pr=True,
            auto_merge_no_diff_prs=True,
            allow_sync_from_branch_path_regex="^clusters/lab/.*",
            use_sha_label_for_app_discovery=True,
            create_temp_app_object_from_new_apps=True,
        ),
    )


def test_full_component_config_parses_every_key() -> None:
    text = (FIXTURES / "full_component.yaml").read_text()
    assert load_component_config(text, "c.yaml") == ComponentConfig(
        promotion_target_allow_list=("env/prod/.*", "env/(dev|lab)/.*"),
        promotion_target_block_list=("env/staging/europe-west4/c1.*", "env/prod/us-central1/c3/"),
        disable_argocd_diff=True,
    )


def test_go_original_example_loads_unchanged() -> None:
    config = load_repo_config((FIXTURES / "go_original_example.yaml").read_bytes())
    assert [flow.source_path for flow in config.promotion_paths] == [
        "workspace/",
        "clusters/staging/[^/]*/[^/]*",
        "clusters/staging/[^/]*/[^/]*",
    ]
    assert config.promotion_paths[1].conditions == Conditions(pr_has_labels=("quick_promotion",))
    assert [len(flow.promotion_prs) for flow in config.promotion_paths] == [1, 2, 5]
    assert config.toggle_commit_status == (
        ("override-terrafrom-pipeline", "github-action-terraform"),
    )
    assert (config.dry_run_mode, config.auto_approve_promotion_prs) == (True, True)


def test_config_model_is_immutable_tuples() -> None:
    config = load_repo_config("promotionPaths:\n  - sourcePath: a/\n")
    assert config.promotion_paths == (PromotionPath(source_path="a/", promotion_prs=()),)
    assert isinstance(config.promotion_paths, tuple)


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# just a comment\n# and another\n", "---\n", b"", b"# bytes comment\n"],
)
def test_empty_file_is_a_valid_empty_config(text: str | bytes) -> None:
    assert load_repo_config(text) == RepoConfig()
    assert load_component_config(text, "c.yaml") == ComponentConfig()


def test_bytes_and_str_give_the_same_config() -> None:
    text = (FIXTURES / "full_repo.yaml").read_text()
    assert load_repo_config(text.encode()) == load_repo_config(text)


def test_defaults() -> None:
    config = load_repo_config(
        "promotionPaths:\n  - sourcePath: a/\n    promotionPrs:\n      - targetPaths: [b/]\n"
    )
    flow = config.promotion_paths[0]
    assert flow == PromotionPath(
        source_path="a/",
        promotion_prs=(PromotionPr(target_paths=("b/",), target_description=""),),
        component_path_extra_depth=0,
        conditions=Conditions(pr_has_labels=(), auto_merge=False),
    )
    assert config.argocd == ArgocdConfig()


def test_empty_values_of_known_keys_mean_not_set() -> None:
    text = (
        "dryRunMode:\npromtionPRlables:\nargocd:\ntoggleCommitStatus:\n"
        "promotionPaths:\n  - sourcePath: a/\n    conditions:\n    promotionPrs:\n"
        "      - targetPaths: [b/]\n        targetDescription:\n"
    )
    assert load_repo_config(text) == RepoConfig(
        promotion_paths=(PromotionPath("a/", (PromotionPr(("b/",)),)),)
    )


def test_yaml_11_words_as_toggle_keys_stay_text() -> None:
    config = load_repo_config("toggleCommitStatus:\n  on: ctx-a\n  no: ctx-b\n")
    assert config.toggle_commit_status == (("no", "ctx-b"), ("on", "ctx-a"))


def test_whole_number_float_depth_is_accepted() -> None:
    config = load_repo_config(
        "promotionPaths:\n  - sourcePath: a/\n    componentPathExtraDepth: 2.0\n"
    )
    assert config.promotion_paths[0].component_path_extra_depth == 2


def test_regex_that_python_only_warns_about_is_accepted() -> None:
    # "[[" triggers a FutureWarning in `re`; pytest turns warnings into errors here.
    config = load_component_config("promotionTargetBlockList: ['[[a]']\n", "c.yaml")
    assert config.promotion_target_block_list == ("[[a]",)


def test_yaml_anchors_and_merge_keys_are_supported() -> None:
    text = (
        "promotionPaths:\n"
        "  - &flow\n"
        "    sourcePath: a/\n"
        "    promotionPrs: [{targetPaths: [b/]}]\n"
        "  - <<: *flow\n"
        "    sourcePath: c/\n"
    )
    config = load_repo_config(text)
    assert [flow.source_path for flow in config.promotion_paths] == ["a/", "c/"]
    assert config.promotion_paths[1].promotion_prs == (PromotionPr(("b/",)),)


# --- errors ---------------------------------------------------------------------------------


def test_many_errors_are_reported_at_once_in_file_order() -> None:
    text = (FIXTURES / "many_errors.yaml").read_text()
    expected = (FIXTURES / "many_errors.expected.txt").read_text().splitlines()
    with pytest.raises(ConfigError) as caught:
        load_repo_config(text, "many_errors.yaml")
    assert [str(problem) for problem in caught.value.problems] == expected
    assert str(caught.value) == "\n".join(expected)


def test_problem_fields() -> None:
    with pytest.raises(ConfigError) as caught:
        load_repo_config("dryRunMode: true\npromotionPaths:\n  - sourcePath: 'a('\n", "x/t.yaml")
    assert caught.value.problems == [
        ConfigProblem(
            file="x/t.yaml",
            line=3,
            column=17,
            key="promotionPaths[0].sourcePath",
            message="invalid regular expression 'a(': missing ): a(",
        )
    ]


REPO_CASES = [
    pytest.param(
        "promotionPath:\n  - sourcePath: a/\n",
        "t.yaml:1:1: promotionPath: unknown key 'promotionPath'; did you mean 'promotionPaths'?",
        id="unknown-key-suggestion",
    ),
    pytest.param(
        "promotionPRlabels: [x]\n",
        "t.yaml:1:1: promotionPRlabels: unknown key 'promotionPRlabels'; "
        "did you mean 'promtionPRlables'?",
        id="go-typo-suggestion",
    ),
    pytest.param(
        "PROMOTIONPATHS: []\n",
        "t.yaml:1:1: PROMOTIONPATHS: unknown key 'PROMOTIONPATHS'; did you mean 'promotionPaths'?",
        id="case-insensitive-suggestion",
    ),
    pytest.param(
        "whProxySkipTLSVerifyUpstream: true\n",
        "t.yaml:1:1: whProxySkipTLSVerifyUpstream: unknown key 'whProxySkipTLSVerifyUpstream'; "
        "did you mean 'whProxtSkipTLSVerifyUpstream'?",
        id="fixed-typo-suggestion",
    ),
    pytest.param(
        "colour: blue\n",
        "t.yaml:1:1: colour: unknown key 'colour'; expected one of: promotionPaths, dryRunMode, "
        "autoApprovePromotionPrs, toggleCommitStatus, webhookEndpointRegexs, "
        "whProxtSkipTLSVerifyUpstream, promtionPRlables, argocd, closeSupersededPromotionPrs, "
        "freezes, keepLocal",
        id="unknown-key-no-suggestion",
    ),
    pytest.param(
        "promotionTargetBlockList: [x]\n",
        "t.yaml:1:1: promotionTargetBlockList: unknown key 'promotionTargetBlockList': "
        "it belongs in a component's telefonistka.yaml, not here",
        id="component-key-in-repo-file",
    ),
    pytest.param(
        "disableArgoCdDiff: true\n",
        "t.yaml:1:1: disableArgoCdDiff: unknown key 'disableArgoCdDiff'; did you mean "
        "'disableArgoCDDiff' (a key of a component's telefonistka.yaml)?",
        id="component-key-suggestion-in-repo-file",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    promotionPRs: []\n",
        "t.yaml:3:5: promotionPaths[0].promotionPRs: unknown key 'promotionPRs'; "
        "did you mean 'promotionPrs'?",
        id="nested-unknown-key",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    conditions: {labels: [x]}\n",
        "t.yaml:3:18: promotionPaths[0].conditions.labels: unknown key 'labels'; "
        "expected one of: prHasLabels, autoMerge",
        id="conditions-unknown-key",
    ),
    pytest.param(
        "promotionPaths: workspace/\n",
        "t.yaml:1:17: promotionPaths: expected a list of mappings, got a string ('workspace/'); "
        "write each entry on its own line starting with '- '",
        id="flows-not-a-list",
    ),
    pytest.param(
        "promotionPaths:\n  - workspace/\n",
        "t.yaml:2:5: promotionPaths[0]: expected a mapping, got a string ('workspace/')",
        id="flow-not-a-mapping",
    ),
    pytest.param(
        "promtionPRlables: promoted\n",
        "t.yaml:1:19: promtionPRlables: expected a list of strings, got a string ('promoted'); "
        "write each entry on its own line starting with '- '",
        id="labels-not-a-list",
    ),
    pytest.param(
        "promtionPRlables:\n  -\n  - ok\n",
        "t.yaml:2:4: promtionPRlables[0]: expected a string, got an empty value",
        id="empty-list-entry",
    ),
    pytest.param(
        "dryRunMode: 'true'\n",
        "t.yaml:1:13: dryRunMode: expected true or false, got a string ('true'); "
        "write true or false without quotes",
        id="quoted-bool",
    ),
    pytest.param(
        "autoApprovePromotionPrs: 1\n",
        "t.yaml:1:26: autoApprovePromotionPrs: expected true or false, got a number (1)",
        id="number-for-bool",
    ),
    pytest.param(
        "whProxtSkipTLSVerifyUpstream: [true]\n",
        "t.yaml:1:31: whProxtSkipTLSVerifyUpstream: expected true or false, got a list",
        id="list-for-bool",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    componentPathExtraDepth: '2'\n",
        "t.yaml:3:30: promotionPaths[0].componentPathExtraDepth: expected a whole number, "
        "got a string ('2'); write the number without quotes",
        id="quoted-depth",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    componentPathExtraDepth: 1.5\n",
        "t.yaml:3:30: promotionPaths[0].componentPathExtraDepth: expected a whole number, "
        "got a number (1.5)",
        id="fractional-depth",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    componentPathExtraDepth: true\n",
        "t.yaml:3:30: promotionPaths[0].componentPathExtraDepth: expected a whole number, "
        "got a boolean (true)",
        id="bool-depth",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    componentPathExtraDepth: -2\n",
        "t.yaml:3:30: promotionPaths[0].componentPathExtraDepth: must be 0 or more, got -2",
        id="negative-depth",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    promotionPrs:\n      - targetPaths: []\n",
        "t.yaml:4:22: promotionPaths[0].promotionPrs[0].targetPaths: "
        "must list at least one target path",
        id="empty-target-paths",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    promotionPrs:\n      - targetPaths:\n",
        "t.yaml:4:21: promotionPaths[0].promotionPrs[0].targetPaths: must not be empty",
        id="blank-target-paths",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    promotionPrs:\n      - targetDescription: x\n",
        "t.yaml:4:9: promotionPaths[0].promotionPrs[0].targetPaths: "
        "missing required key 'targetPaths'",
        id="missing-target-paths",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n    promotionPrs:\n      - targetPaths: ['']\n",
        "t.yaml:4:23: promotionPaths[0].promotionPrs[0].targetPaths[0]: must not be empty",
        id="empty-target-path-entry",
    ),
    pytest.param(
        "promotionPaths:\n  - componentPathExtraDepth: 1\n",
        "t.yaml:2:5: promotionPaths[0].sourcePath: missing required key 'sourcePath'",
        id="missing-source-path",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: ''\n",
        "t.yaml:2:17: promotionPaths[0].sourcePath: must not be empty",
        id="empty-source-path",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath:\n",
        "t.yaml:2:16: promotionPaths[0].sourcePath: must not be empty",
        id="blank-source-path",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: 'clusters/(staging/'\n",
        "t.yaml:2:17: promotionPaths[0].sourcePath: invalid regular expression "
        "'clusters/(staging/': missing ): clusters/(staging/",
        id="bad-source-regex",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: 42\n",
        "t.yaml:2:17: promotionPaths[0].sourcePath: expected a string, got a number (42)",
        id="source-path-not-a-string",
    ),
    pytest.param(
        "toggleCommitStatus: [a, b]\n",
        "t.yaml:1:21: toggleCommitStatus: expected a mapping of names to strings, got a list",
        id="toggles-not-a-map",
    ),
    pytest.param(
        "toggleCommitStatus:\n  skip-ci: {context: x}\n",
        "t.yaml:2:12: toggleCommitStatus.skip-ci: expected a string, got a mapping",
        id="toggle-value-not-a-string",
    ),
    pytest.param(
        "toggleCommitStatus:\n  skip-ci:\n",
        "t.yaml:2:11: toggleCommitStatus.skip-ci: expected a string, got an empty value",
        id="toggle-value-empty",
    ),
    pytest.param(
        "webhookEndpointRegexs:\n  - expression: '+'\n    replacements: [https://a]\n",
        "t.yaml:2:17: webhookEndpointRegexs[0].expression: invalid regular expression '+': "
        "no argument for repetition operator: +",
        id="bad-webhook-regex",
    ),
    pytest.param(
        "webhookEndpointRegexs:\n  - replacements: [https://a]\n",
        "t.yaml:2:5: webhookEndpointRegexs[0].expression: missing required key 'expression'",
        id="missing-webhook-expression",
    ),
    pytest.param(
        "webhookEndpointRegexs:\n  - expression: a\n    replacements: https://a\n",
        "t.yaml:3:19: webhookEndpointRegexs[0].replacements: expected a list of strings, "
        "got a string ('https://a'); write each entry on its own line starting with '- '",
        id="webhook-replacements-not-a-list",
    ),
    pytest.param(
        "argocd:\n  allowSyncfromBranchPathRegex: '[a-'\n",
        "t.yaml:2:33: argocd.allowSyncfromBranchPathRegex: invalid regular expression '[a-': "
        "missing ]: [a-",
        id="bad-argocd-regex",
    ),
    pytest.param(
        "argocd: true\n",
        "t.yaml:1:9: argocd: expected a mapping, got a boolean (true)",
        id="argocd-not-a-map",
    ),
    pytest.param(
        "argocd:\n  commentDiffOnPr: true\n",
        "t.yaml:2:3: argocd.commentDiffOnPr: unknown key 'commentDiffOnPr'; "
        "did you mean 'commentDiffonPR'?",
        id="argocd-case-suggestion",
    ),
    pytest.param(
        "- promotionPaths: []\n",
        "t.yaml:1:1: the file must be a mapping of keys such as 'promotionPaths:', got a list",
        id="top-level-list",
    ),
    pytest.param(
        "just some words\n",
        "t.yaml:1:1: the file must be a mapping of keys such as 'promotionPaths:', "
        "got a string ('just some words')",
        id="top-level-scalar",
    ),
    pytest.param(
        "dryRunMode: true\ndryRunMode: false\n",
        "t.yaml:2:1: dryRunMode: duplicate key 'dryRunMode' (first written at line 1, column 1); "
        "keep only one",
        id="duplicate-key",
    ),
    pytest.param(
        "promotionPaths:\n  - sourcePath: a/\n   promotionPrs: []\n",
        "t.yaml:3:4: invalid YAML: expected <block end>, but found '<block mapping start>' "
        "(while parsing a block collection)",
        id="bad-indentation",
    ),
    pytest.param(
        b"dryRunMode: true # \xff\n",
        "t.yaml:1:20: the file is not valid UTF-8 (byte 0xff); save it as UTF-8",
        id="non-utf8-bytes",
    ),
]


@pytest.mark.parametrize(("text", "expected"), REPO_CASES)
def test_repo_config_error(text: str | bytes, expected: str) -> None:
    assert repo_problems(text) == [expected]


COMPONENT_CASES = [
    pytest.param(
        "promotionTargetAllowList: ['env/(prod']\n",
        "c.yaml:1:28: promotionTargetAllowList[0]: invalid regular expression 'env/(prod': "
        "missing ): env/(prod",
        id="bad-allow-regex",
    ),
    pytest.param(
        "promotionTargetBlockList:\n  - ok/\n  - '*'\n",
        "c.yaml:3:5: promotionTargetBlockList[1]: invalid regular expression '*': "
        "no argument for repetition operator: *",
        id="bad-block-regex",
    ),
    pytest.param(
        "promotionTargetBlockList: env/prod/\n",
        "c.yaml:1:27: promotionTargetBlockList: expected a list of strings, got a string "
        "('env/prod/'); write each entry on its own line starting with '- '",
        id="block-list-not-a-list",
    ),
    pytest.param(
        "promotionTargetAlowList: [x]\n",
        "c.yaml:1:1: promotionTargetAlowList: unknown key 'promotionTargetAlowList'; "
        "did you mean 'promotionTargetAllowList'?",
        id="component-suggestion",
    ),
    pytest.param(
        "promotionPaths: []\n",
        "c.yaml:1:1: promotionPaths: unknown key 'promotionPaths': "
        "it belongs in the repo-root telefonistka.yaml, not here",
        id="repo-key-in-component-file",
    ),
    pytest.param(
        "disableArgoCDDiff: 'no'\n",
        "c.yaml:1:20: disableArgoCDDiff: expected true or false, got a string ('no'); "
        "write false: YAML 1.2, as editors read it, takes no as text",
        id="quoted-bool",
    ),
    pytest.param(
        "[a, b]\n",
        "c.yaml:1:1: the file must be a mapping of keys such as 'promotionTargetAllowList:', "
        "got a list",
        id="top-level-list",
    ),
]


@pytest.mark.parametrize(("text", "expected"), COMPONENT_CASES)
def test_component_config_error(text: str, expected: str) -> None:
    assert component_problems(text) == [expected]


def test_component_errors_are_all_reported() -> None:
    text = "promotionTargetAllowList: ['(']\npromotionTargetBlockList: [')']\ncolour: red\n"
    assert component_problems(text) == [
        "c.yaml:1:28: promotionTargetAllowList[0]: invalid regular expression '(': missing ): (",
        "c.yaml:2:28: promotionTargetBlockList[0]: invalid regular expression ')': unexpected ): )",
        "c.yaml:3:1: colour: unknown key 'colour'; expected one of: promotionTargetAllowList, "
        "promotionTargetBlockList, disableArgoCDDiff, keepLocal",
    ]


def test_long_strings_are_shortened_in_messages() -> None:
    assert repo_problems(f"dryRunMode: '{'x' * 60}'\n") == [
        f"t.yaml:1:13: dryRunMode: expected true or false, got a string ('{'x' * 40}…'); "
        "write true or false without quotes",
    ]


def test_unusual_yaml_types_are_named() -> None:
    assert repo_problems("dryRunMode: !!binary aGk=\n") == [
        "t.yaml:1:13: dryRunMode: expected true or false, got a YAML bytes",
    ]


# --- detection and helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("promotionTargetAllowList: [a]\n", "component"),
        ("disableArgoCDDiff: true\npromotionTargetBlockList: []\n", "component"),
        (b"disableArgoCDDiff: true\n", "component"),
        ("promotionPaths: []\n", "repo"),
        ("promotionPaths: []\ndisableArgoCDDiff: true\n", "repo"),
        ("promotionTargetAlowList: [a]\n", "repo"),
        ("", "repo"),
        ("- a\n", "repo"),
        ("a: b: c\n", "repo"),
    ],
)
def test_detect_config_kind(text: str | bytes, expected: ConfigKind) -> None:
    assert detect_config_kind(text) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("promotionPath", "promotionPaths"),
        ("promotionPRlabels", "promtionPRlables"),
        ("promotionPrLabels", "promtionPRlables"),
        ("dryrunmode", "dryRunMode"),
        ("DRYRUNMODE", "dryRunMode"),
        ("webhookEndpointRegexes", "webhookEndpointRegexs"),
        ("toggleCommitStatuses", "toggleCommitStatus"),
        ("argo", "argocd"),
        ("labels", None),
        ("something", None),
    ],
)
def test_suggest_key(key: str, expected: str | None) -> None:
    known = tuple(load_schema("repo")["properties"])
    assert suggest_key(key, known) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("clusters/[^/]*/", None),
        ("(", "missing ): ("),
        ("a{2,1}", "invalid repetition size: {2,1}"),
        ("clusters/[[:alpha:]]+/", None),  # RE2, like Go: a POSIX class means what it says
        ("env/(?<name>[a-z]+)/", None),
        (r"prod/\z", None),
        (r"(a)\1", "invalid escape sequence: \\1"),  # no backreferences, like Go
        ("(?=x)", "invalid perl operator: (?="),  # no lookarounds, like Go
    ],
)
def test_regex_error(pattern: str, expected: str | None) -> None:
    assert regex_error(pattern) == expected


# --- the schemas ----------------------------------------------------------------------------


def walk_objects(schema: Any) -> Iterator[dict[str, Any]]:
    """Every sub-schema that describes an object with named properties."""
    if isinstance(schema, dict):
        if "properties" in schema:
            yield schema
        for value in schema.values():
            yield from walk_objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from walk_objects(value)


@pytest.mark.parametrize("kind", ["repo", "component"])
def test_schema_is_valid_draft_2020_12(kind: ConfigKind) -> None:
    schema = load_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("kind", ["repo", "component"])
def test_schema_objects_are_closed_and_every_property_is_described(kind: ConfigKind) -> None:
    objects = list(walk_objects(load_schema(kind)))
    assert objects
    for obj in objects:
        assert obj["additionalProperties"] is False
        for name, prop in obj["properties"].items():
            assert prop.get("description"), name


def test_schema_keys_match_the_go_original() -> None:
    """The Go original's keys in its order, then telefonistka's own extensions."""
    repo = load_schema("repo")
    defs = repo["$defs"]
    extensions = ["closeSupersededPromotionPrs", "freezes", "keepLocal"]
    assert list(repo["properties"]) == [
        "promotionPaths",
        "dryRunMode",
        "autoApprovePromotionPrs",
        "toggleCommitStatus",
        "webhookEndpointRegexs",
        "whProxtSkipTLSVerifyUpstream",
        "promtionPRlables",
        "argocd",
        *extensions,
    ]
    assert list(defs["promotionPath"]["properties"]) == [
        "sourcePath",
        "componentPathExtraDepth",
        "conditions",
        "promotionPrs",
        "gates",  # a telefonistka extension (docs/gates.md)
        "autoMergeRollbacks",  # a telefonistka extension (docs/rollback.md)
        "holdAfterRollback",  # a telefonistka extension (docs/rollback.md)
    ]
    assert list(defs["conditions"]["properties"]) == ["prHasLabels", "autoMerge"]
    assert list(defs["promotionPr"]["properties"]) == ["targetPaths", "targetDescription"]
    assert list(defs["webhookEndpointRegex"]["properties"]) == ["expression", "replacements"]
    assert list(defs["argocd"]["properties"]) == [
        "commentDiffonPR",
        "autoMergeNoDiffPRs",
        "allowSyncfromBranchPathRegex",
        "useSHALabelForAppDiscovery",
        "createTempAppObjectFromNewApps",
    ]
    assert list(load_schema("component")["properties"]) == [
        "promotionTargetAllowList",
        "promotionTargetBlockList",
        "disableArgoCDDiff",
        "keepLocal",  # a telefonistka extension (docs/configuration.md)
    ]


@pytest.mark.parametrize(
    ("packaged", "documented"),
    [
        ("telefonistka.schema.json", "telefonistka.schema.json"),
        ("component.schema.json", "component.schema.json"),
    ],
)
def test_docs_schema_copies_are_identical(packaged: str, documented: str) -> None:
    source = ROOT / "telefonistka" / "schemas" / packaged
    copy = ROOT / "docs" / "schema" / documented
    assert copy.read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("full_repo.yaml", "repo"),
        ("go_original_example.yaml", "repo"),
        ("full_component.yaml", "component"),
    ],
)
def test_valid_fixtures_also_pass_the_plain_schema(fixture: str, kind: ConfigKind) -> None:
    # What editors check (the schema alone) agrees with us on valid files.
    data = yaml.safe_load((FIXTURES / fixture).read_text())
    assert list(Draft202012Validator(load_schema(kind)).iter_errors(data)) == []


def test_schema_files_are_plain_json() -> None:
    for name in ("telefonistka.schema.json", "component.schema.json"):
        text = (ROOT / "telefonistka" / "schemas" / name).read_text()
        assert json.loads(text)["additionalProperties"] is False


def test_webhook_replacement_naming_a_missing_group_is_located() -> None:
    text = (
        "webhookEndpointRegexs:\n"
        '  - expression: "^clusters/([^/]*)/.*"\n'
        "    replacements:\n"
        '      - "https://argocd-${1}.example.com/api/webhook"\n'
        '      - "https://argocd-${2}.example.com/api/webhook"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_repo_config(text, "telefonistka.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (5, 9)
    assert problem.key == "webhookEndpointRegexs[0].replacements[1]"
    assert problem.message == "${2} names a group the expression does not have (1 group)"


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("../outside/", "has a '..' component"),
        ("/etc/", "is absolute"),
        ("clusters/.git/hooks/", "has a '.git' component"),
        ("clusters/prod\\n/", r"contains the control character '\n'"),
        ("clusters/\\x00/", r"contains the control character '\x00'"),
    ],
)
def test_a_target_path_the_bot_must_not_write_is_a_config_error(target: str, why: str) -> None:
    text = (
        'promotionPaths:\n  - sourcePath: "env/staging/"\n    promotionPrs:\n'
        f'      - targetPaths: ["ok/", "{target}"]\n'
    )

    problems = repo_problems(text)

    assert len(problems) == 1
    assert problems[0].startswith("t.yaml:4:")
    assert "promotionPaths[0].promotionPrs[0].targetPaths[1]: target path " in problems[0]
    assert why in problems[0]


# --- hostile or broken YAML never crashes the run ---------------------------------------------


def _alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dryRunMode: !foo x\n", "t.yaml:1:13: dryRunMode: invalid value 'x' (tag !foo)"),
        ("dryRunMode: !!int abc\n", "t.yaml:1:13: dryRunMode: invalid value 'abc' (tag "),
        (f"dryRunMode: {'9' * 5000}\n", "dryRunMode: invalid value '9999999999"),
        (_alias_bomb(), "the document expands to more than 100,000 values"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "t.yaml:1:1: invalid YAML: nested too deeply"),
        ("x: " + "y" * 1_000_001 + "\n", "larger than 1,000,000 characters"),
    ],
    ids=["unknown-tag", "bad-int", "huge-int", "alias-bomb", "deep", "too-large"],
)
def test_hostile_yaml_is_a_located_config_error(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_repo_config(text, "t.yaml")

    assert expected in str(error.value)


def test_a_duplicate_key_is_reported_with_every_other_problem() -> None:
    text = "dryRunMode: true\ndryRunMode: false\npromotionPath: []\n"

    assert repo_problems(text) == [
        "t.yaml:2:1: dryRunMode: duplicate key 'dryRunMode' (first written at line 1, "
        "column 1); keep only one",
        "t.yaml:3:1: promotionPath: unknown key 'promotionPath'; did you mean 'promotionPaths'?",
    ]


def test_what_lies_under_a_misspelt_key_is_checked_as_the_key_it_meant() -> None:
    """Problems under ``promotionPath`` used to appear only after the key was fixed."""
    text = (
        "promotionPath:\n"
        "  - sourcePat: env/staging/\n"
        "    promotionPrs:\n"
        "      - targetPaths: []\n"
        "  - sourcePath: '(['\n"
        "    promotionPrs: [{targetPaths: [env/prod/]}]\n"
        "argocd:\n"
        "  comentDiffOnPR: yes\n"
    )

    assert repo_problems(text) == [
        "t.yaml:1:1: promotionPath: unknown key 'promotionPath'; did you mean 'promotionPaths'?",
        "t.yaml:2:5: promotionPath[0].sourcePat: unknown key 'sourcePat'; did you mean "
        "'sourcePath'?",
        "t.yaml:4:22: promotionPath[0].promotionPrs[0].targetPaths: must list at least one "
        "target path",
        "t.yaml:5:17: promotionPath[1].sourcePath: invalid regular expression '([': missing ]: [",
        "t.yaml:8:3: argocd.comentDiffOnPR: unknown key 'comentDiffOnPR'; did you mean "
        "'commentDiffonPR'?",
        "t.yaml:8:19: argocd.comentDiffOnPR: expected true or false, got a string ('yes'); "
        "write true: YAML 1.2, as editors read it, takes yes as text",
    ]


def test_a_misspelt_key_written_beside_the_right_one_is_not_checked_twice() -> None:
    text = "promotionPaths: []\npromotionPath: {not: a list}\n"

    assert repo_problems(text) == [
        "t.yaml:2:1: promotionPath: unknown key 'promotionPath'; did you mean 'promotionPaths'?"
    ]
