"""``telefonistka init`` on real layouts: what it proposes validates, plans sensibly, and
nothing is written where nothing fits or where a file already exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gitrepo import GitRepoBuilder

from telefonistka.cli import main
from telefonistka.core.config.proposal import propose_config, stage_of
from telefonistka.core.config.validation import load_repo_config

# The Go original's README: clusters/<environment>/<cloud region>/<cluster>/<component>/.
GO_README = [
    f"clusters/{env}/{region}/c2/{component}/values.yaml"
    for env, region in [
        ("staging", "us-central1"),
        ("prod", "us-central1"),
        ("prod", "europe-west4"),
    ]
    for component in ("prometheus", "nginx-ingress")
] + ["clusters/prod/us-central1/c2/prometheus/templates/rules.yaml", "README.md"]
# Kustomize: a base per app and an overlay per environment and app.
KUSTOMIZE = [
    *(f"base/{app}/{name}" for app in ("web", "db") for name in ("kustomization.yaml", "app.yaml")),
    *(
        f"overlays/{env}/{app}/kustomization.yaml"
        for env in ("dev", "staging", "prod-eu", "prod-us")
        for app in ("web", "db")
    ),
]
# Helm, values per environment folder: environments/<env>/<release>/values.yaml.
HELM_FOLDERS = [
    f"environments/{env}/{release}/values.yaml"
    for env in ("development", "qa", "production")
    for release in ("api", "worker")
] + ["charts/api/Chart.yaml", "charts/api/templates/deployment.yaml"]
# Helm, values per environment *file*: nothing to promote folder by folder.
HELM_FILES = [
    "charts/api/Chart.yaml",
    "charts/api/values-dev.yaml",
    "charts/api/values-staging.yaml",
    "charts/api/values-prod.yaml",
]
NO_PATTERN = ["src/main.py", "src/lib/util.py", "docs/index.md", "README.md"]


def build(root: Path, files: list[str]) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n")
    return root


def flows(text: str) -> list[tuple[str, list[list[str]], tuple[str, ...]]]:
    config = load_repo_config(text, "proposed.yaml")
    return [
        (
            flow.source_path,
            [list(pr.target_paths) for pr in flow.promotion_prs],
            flow.conditions.pr_has_labels,
        )
        for flow in config.promotion_paths
    ]


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("dev", 0),
        ("lab", 0),
        ("development", 0),
        ("qa", 1),
        ("staging", 2),
        ("staging2", 2),
        ("preprod", 2),
        ("prod", 3),
        ("prod-eu", 3),
        ("prod_us1", 3),
        ("production", 3),
        ("tests", None),
        ("internal", None),
        ("products", None),
        ("web", None),
    ],
)
def test_the_stage_an_environment_name_suggests(name: str, stage: int | None) -> None:
    assert stage_of(name) == stage


def test_the_go_original_s_readme_layout() -> None:
    proposal = propose_config(GO_README)

    assert flows(proposal.text) == [
        (
            "clusters/staging/[^/]*/[^/]*/",
            [["clusters/prod/europe-west4/c2/", "clusters/prod/us-central1/c2/"]],
            ("promote-to-prod",),
        )
    ]
    assert proposal.reasons[0] == (
        "clusters/ holds environment folders; their names read as stages staging → prod"
    )
    assert "2 folder levels below each environment" in proposal.reasons[1]


def test_a_kustomize_overlays_repository() -> None:
    proposal = propose_config(KUSTOMIZE)

    assert flows(proposal.text) == [
        ("overlays/dev/", [["overlays/staging/"]], ()),
        ("overlays/staging/", [["overlays/prod-eu/"], ["overlays/prod-us/"]], ("promote-to-prod",)),
    ]
    assert "dev → staging → prod-eu/prod-us" in proposal.reasons[0]


def test_a_helm_values_per_environment_folder_repository() -> None:
    proposal = propose_config(HELM_FOLDERS)

    assert flows(proposal.text) == [
        ("environments/development/", [["environments/qa/"]], ()),
        ("environments/qa/", [["environments/production/"]], ("promote-to-prod",)),
    ]


def test_values_per_environment_files_get_a_clear_message_and_no_config() -> None:
    proposal = propose_config(HELM_FILES)

    assert not proposal.found
    assert proposal.text == ""
    [problem] = proposal.problems
    assert problem.startswith(
        "environments appear as file names (values-dev.yaml, values-prod.yaml, "
        "values-staging.yaml), not folders"
    )


def test_a_repository_with_no_pattern_gets_a_clear_message_and_no_config() -> None:
    proposal = propose_config(NO_PATTERN)

    assert (proposal.found, proposal.text) == (False, "")
    assert proposal.problems[0].startswith("no folder holds environment folders of two stages")


def test_environment_folders_whose_files_sit_directly_in_them_are_explained() -> None:
    proposal = propose_config(
        ["apps/web/overlays/dev/kustomization.yaml", "apps/web/overlays/prod/kustomization.yaml"]
    )

    assert not proposal.found
    assert "their files sit directly in them" in proposal.problems[0]


def test_names_with_regex_characters_are_escaped() -> None:
    proposal = propose_config(["env/dev.1/web/a.yaml", "env/prod.1/web/a.yaml"])

    assert flows(proposal.text) == [
        ("env/dev\\.1/", [["env/prod.1/"]], ("promote-to-prod",)),
    ]


# --- the command --------------------------------------------------------------------------


def test_init_writes_a_config_that_validate_accepts_and_plan_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.commit({name: f"# {name}\n" for name in KUSTOMIZE}, message="initial")

    assert main(["init", "--repo", str(builder.path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"wrote {builder.path / 'telefonistka.yaml'}\n"
    assert "guessed: overlays/ holds environment folders" in err
    assert main(["validate", "--repo", str(builder.path)]) == 0
    capsys.readouterr()

    builder.commit({"telefonistka.yaml": (builder.path / "telefonistka.yaml").read_text()}, "cfg")
    builder.branch("feature")
    builder.commit({"overlays/dev/web/kustomization.yaml": "# changed\n"}, message="change")
    args = ["plan", "--repo", str(builder.path), "--base", "main", "--head", "feature", "--json"]
    assert main(args) == 0
    plan: dict[str, Any] = json.loads(capsys.readouterr().out)
    [promotion] = plan["promotions"]
    assert promotion["sync"] == {"overlays/staging/web": "overlays/dev/web"}


def test_init_dry_run_prints_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(tmp_path, GO_README)

    assert main(["init", "--repo", str(root), "--dry-run", "--workflows"]) == 0

    out = capsys.readouterr().out
    assert f"# --- {root / 'telefonistka.yaml'} ---\n# telefonistka.yaml: proposed" in out
    assert "name: telefonistka-promotion" in out
    assert not (root / "telefonistka.yaml").exists()
    assert not (root / ".github").exists()


def test_init_writes_the_example_workflows(tmp_path: Path) -> None:
    root = build(tmp_path, KUSTOMIZE)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "telefonistka-pr.yml").write_text("mine\n")

    assert main(["init", "--repo", str(root), "--workflows"]) == 0

    promotion = root / ".github" / "workflows" / "telefonistka-promotion.yml"
    assert "pull_request" in promotion.read_text()
    assert (root / ".github" / "workflows" / "telefonistka-pr.yml").read_text() == "mine\n"


def test_init_never_overwrites_an_existing_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(tmp_path, KUSTOMIZE)
    (root / "telefonistka.yaml").write_text("dryRunMode: true\n")

    assert main(["init", "--repo", str(root)]) == 2

    assert "already exists and is never overwritten" in capsys.readouterr().err
    assert (root / "telefonistka.yaml").read_text() == "dryRunMode: true\n"


def test_init_with_no_pattern_writes_nothing_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(tmp_path, NO_PATTERN)

    assert main(["init", "--repo", str(root)]) == 1

    err = capsys.readouterr().err
    assert "no folder holds environment folders" in err
    assert "nothing written" in err
    assert not (root / "telefonistka.yaml").exists()
