"""``keepLocal``, first part: configuration (schema, located problems, merged default) and
kept files in the sync (never overwritten, deleted or created in a target)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from gitrepo import GitRepoBuilder
from test_cmd_promote import branches, merge_pr, promote
from test_entrypoint import CONFIG, REPO, SEED, checked_emulator, merge_change, run_step
from test_sync import snapshot

from telefonistka.cli import main
from telefonistka.core.config.keep_local import KeepLocal, glob_matches, glob_problem
from telefonistka.core.config.validation import load_component_config, load_repo_config
from telefonistka.core.fleet.report import CellState, compute_report
from telefonistka.core.promotion.changes import ChangedComponent
from telefonistka.core.promotion.keep_fields import keep_fields
from telefonistka.core.promotion.planning import Plan, compute_plan
from telefonistka.core.promotion.sync import KeptFile, apply_changes, compute_sync
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import ConfigError, SyncError

SOURCE, TARGET = "env/staging/app", "env/prod/app"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from checked_emulator(tmp_path / "github")


@pytest.fixture
def gh(emu: GitHubEmulator) -> GhRepository:
    emu.repo(REPO, SEED)
    return pygithub_client(emu, "author-token").get_repo(REPO)


KEEP = KeepLocal(files=("secrets.enc.yaml", "region/*.yaml"))


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("secrets.enc.yaml", "secrets.enc.yaml", True),
        ("secrets.enc.yaml", "sub/secrets.enc.yaml", False),  # relative to the component
        ("region/*.yaml", "region/eu.yaml", True),
        ("region/*.yaml", "region/eu/west.yaml", False),  # * stays in its folder
        ("region/**", "region/eu/west.yaml", True),
        ("**/local.yaml", "local.yaml", True),
        ("**/local.yaml", "a/b/local.yaml", True),
        ("values-?.yaml", "values-1.yaml", True),
        ("[!v]*.yaml", "values.yaml", False),
        ("a.b", "axb", False),  # a dot is a dot
    ],
)
def test_globs(glob: str, path: str, matches: bool) -> None:
    assert glob_problem(glob) == ""
    assert glob_matches(glob, path) is matches


def test_kept_files_stay_as_the_target_has_them() -> None:
    base = snapshot(
        {
            f"{SOURCE}/values.yaml": "tag: v2",
            f"{SOURCE}/secrets.enc.yaml": "staging secret",
            f"{SOURCE}/region/eu.yaml": "region: staging",  # the target has none: not created
            f"{TARGET}/values.yaml": "tag: v1",
            f"{TARGET}/secrets.enc.yaml": "prod secret",
            f"{TARGET}/region/us.yaml": "region: us",  # the source has none: not deleted
            f"{TARGET}/old.yaml": "gone",
        }
    )

    sync = compute_sync(base, [(TARGET, SOURCE)], {SOURCE: KEEP})

    files = apply_changes(base, sync.changes)
    assert set(sync.changes) == {f"{TARGET}/values.yaml", f"{TARGET}/old.yaml"}
    assert files[f"{TARGET}/secrets.enc.yaml"] == base.entry(f"{TARGET}/secrets.enc.yaml")
    assert files[f"{TARGET}/region/us.yaml"] == base.entry(f"{TARGET}/region/us.yaml")
    assert f"{TARGET}/region/eu.yaml" not in files
    assert f"{TARGET}/old.yaml" not in files  # not kept: deleted as before
    assert sorted(sync.kept, key=lambda k: k.path) == [
        KeptFile(f"{TARGET}/region/eu.yaml", "not created"),
        KeptFile(f"{TARGET}/region/us.yaml", "kept"),
        KeptFile(f"{TARGET}/secrets.enc.yaml", "kept"),
    ]


def test_a_target_that_differs_only_in_kept_files_is_in_sync() -> None:
    base = snapshot(
        {
            f"{SOURCE}/values.yaml": "tag: v2",
            f"{SOURCE}/secrets.enc.yaml": "staging secret",
            f"{TARGET}/values.yaml": "tag: v2",
            f"{TARGET}/secrets.enc.yaml": "prod secret",
        }
    )

    sync = compute_sync(base, [(TARGET, SOURCE)], {SOURCE: KEEP})

    assert sync.all_in_sync
    assert sync.in_sync == ((TARGET, SOURCE),)


def test_without_keep_local_the_copy_is_byte_exact_as_before() -> None:
    base = snapshot(
        {
            f"{SOURCE}/secrets.enc.yaml": "staging secret",
            f"{TARGET}/secrets.enc.yaml": "prod secret",
        }
    )

    for keep in (None, {}, {SOURCE: KeepLocal()}, {"env/other/app": KEEP}):
        sync = compute_sync(base, [(TARGET, SOURCE)], keep)
        assert sync.changes == {
            f"{TARGET}/secrets.enc.yaml": base.entry(f"{SOURCE}/secrets.enc.yaml")
        }
        assert sync.kept == ()


def test_a_file_written_over_a_kept_folder_is_a_named_error() -> None:
    base = snapshot({f"{SOURCE}/region": "a file now", f"{TARGET}/region/eu.yaml": "kept"})

    with pytest.raises(SyncError, match=r"the kept file 'env/prod/app/region/eu\.yaml' is below"):
        compute_sync(base, [(TARGET, SOURCE)], {SOURCE: KEEP})


REPO_CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod/"]
keepLocal:
  files: ["secrets.enc.yaml"]
  fields:
    values.yaml: [".replicas"]
"""
COMPONENT_CONFIG = """\
keepLocal:
  files: ["region/*.yaml"]
  fields:
    values.yaml: ['.env[] | select(.name == "REGION").value']
    "overlays/*.yaml": [".spec.replicas"]
"""


def test_the_repository_default_and_the_component_s_list_both_count() -> None:
    config = replace(
        load_repo_config(REPO_CONFIG.replace('  fields:\n    values.yaml: [".replicas"]\n', "")),
        keep_local=KeepLocal(("secrets.enc.yaml",), (("values.yaml", (".replicas",)),)),
    )
    own = load_component_config(
        COMPONENT_CONFIG.split("  fields:", maxsplit=1)[0], f"{SOURCE}/telefonistka.yaml"
    )
    own = replace(
        own,
        keep_local=KeepLocal(
            own.keep_local.files,
            (
                ("values.yaml", ('.env[] | select(.name == "REGION").value',)),
                ("overlays/*.yaml", (".spec.replicas",)),
            ),
        ),
    )
    base = snapshot({f"{SOURCE}/values.yaml": "tag: v2", f"{TARGET}/values.yaml": "tag: v1"})
    changed = [ChangedComponent("env/staging/", "app")]

    [promotion] = compute_plan(changed, config, (), base, {SOURCE: own}).promotions

    comment = Renderer().plan_comment(Plan(promotions=(promotion,)), dry_run=True)
    assert "**Kept in each target** (`keepLocal`): `secrets.enc.yaml`, `region/*.yaml`" in comment
    keep = promotion.keep_map[SOURCE]
    assert keep.files == ("secrets.enc.yaml", "region/*.yaml")
    assert keep.selectors_for("values.yaml") == (
        ".replicas",
        '.env[] | select(.name == "REGION").value',
    )
    assert keep.selectors_for("overlays/prod.yaml") == (".spec.replicas",)
    [plain] = compute_plan(
        changed, load_repo_config(REPO_CONFIG.split("keepLocal", maxsplit=1)[0]), (), base, {}
    ).promotions
    assert plain.keep == ()


def test_bad_globs_and_selectors_are_located_problems() -> None:
    text = """\
keepLocal:
  files: ["../secrets.yaml", "/abs", "[ab", "ok/*.yaml"]
  fields:
    "region/": [".x"]
    values.yaml: [".replicas", ".a[[", ""]
"""
    with pytest.raises(ConfigError) as caught:
        load_component_config(text, "c.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "c.yaml:2:11: keepLocal.files[0]: glob '../secrets.yaml' must not use '.' or '..' segments",
        "c.yaml:2:30: keepLocal.files[1]: glob '/abs' must be relative to the component folder "
        "(no leading '/')",
        "c.yaml:2:38: keepLocal.files[2]: glob '[ab' does not parse: '[' without a closing ']'",
        "c.yaml:4:16: keepLocal.fields[\"region/\"]: glob 'region/' names a folder: write "
        "region/** for the files below it",
        "c.yaml:5:32: keepLocal.fields[\"values.yaml\"][1]: yq selector '.a[[': expected ], a "
        'number or a quoted key at character 4; supported: .key, ."key", [N], [], |, '
        'select(.path == "value")',
        'c.yaml:5:40: keepLocal.fields["values.yaml"][2]: must not be empty',
    ]


def test_a_merged_pr_promotes_around_the_kept_files(emu: GitHubEmulator, gh: GhRepository) -> None:
    """Through ``entrypoint.py`` and the emulator: the promotion branch keeps prod's secret,
    does not create staging's region file, does not delete prod's own."""
    emu.commit_files(
        REPO,
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  files: ["secrets.enc.yaml"]\n',
            "env/staging/app/telefonistka.yaml": 'keepLocal:\n  files: ["region/*.yaml"]\n',
            "env/staging/app/secrets.enc.yaml": "staging secret\n",
            "env/staging/app/region/eu.yaml": "region: staging\n",
            "env/prod/app/secrets.enc.yaml": "prod secret\n",
            "env/prod/app/region/us.yaml": "region: us\n",
        },
    )
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"})

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    git = emu.get_repo(REPO).git
    head = emu.get_repo(REPO).pulls[pr["number"]].head_sha
    listed = git.run("ls-tree", "-r", "--name-only", head, "env/prod/app").decode().split()
    assert sorted(listed) == [
        "env/prod/app/region/us.yaml",
        "env/prod/app/secrets.enc.yaml",
        "env/prod/app/telefonistka.yaml",
        "env/prod/app/values.yaml",
    ]
    assert git.run("show", f"{head}:env/prod/app/secrets.enc.yaml") == b"prod secret\n"
    assert git.run("show", f"{head}:env/prod/app/values.yaml") == b"tag: v2\n"
    body = emu.get_repo(REPO).pulls[pr["number"]].body
    assert "but for what is kept in the target (below)" in body
    assert "- `env/prod/app/secrets.enc.yaml`\n" in body
    assert "- `env/prod/app/region/eu.yaml` — not created: the target has none" in body
    assert "prod secret" not in body  # named, never shown
    assert "staging secret" not in body


def test_local_promote_keeps_the_same_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``telefonistka promote`` on a local repository follows ``keepLocal`` as the Action does."""
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  files: ["secrets.enc.yaml"]\n',
            "env/staging/app/values.yaml": "tag: v1\n",
            "env/staging/app/secrets.enc.yaml": "staging secret\n",
            "env/prod/app/values.yaml": "tag: v1\n",
            "env/prod/app/secrets.enc.yaml": "prod secret\n",
            "env/dr/app/values.yaml": "tag: v1\n",
        },
        message="initial",
    )
    merged = merge_pr(repo, 7, "feature", {"env/staging/app/values.yaml": "tag: v2\n"})

    code, out, err = promote(repo, capsys, commit=merged)

    assert code == 0, out + err
    [branch] = [b for b in branches(repo) if b.startswith("promotions/")]
    assert repo.git("show", f"{branch}:env/prod/app/values.yaml") == "tag: v2"
    assert repo.git("show", f"{branch}:env/prod/app/secrets.enc.yaml") == "prod secret"


def test_drift_ignores_kept_files_and_lists_them_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A prod secret that differs from staging's is kept, not drift; a values file is."""
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  files: ["secrets.enc.yaml"]\n',
            "env/staging/app/values.yaml": "tag: v1\n",
            "env/staging/app/secrets.enc.yaml": "staging secret\n",
            "env/prod/app/values.yaml": "tag: v1\n",
            "env/prod/app/secrets.enc.yaml": "prod secret\n",
            "env/prod/app/old.yaml": "stale\n",
            "env/dr/app/values.yaml": "tag: v1\n",
        },
        message="initial",
    )
    repo.branch("feature")
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"}, message="PR")
    repo.checkout("main")

    code = main(
        ["drift", "--repo", str(repo.path), "--base", "main", "--head", "feature", "--json"]
    )

    out = capsys.readouterr().out
    assert code == 0, out
    [pair] = [p for p in json.loads(out)["pairs"] if p["target"].startswith("env/prod")]
    assert pair["kept"] == ["secrets.enc.yaml"]
    assert pair["only_in_target"] == ["old.yaml"]  # not kept: still drift
    assert [d["path"] for d in pair["differing"]] == []
    assert pair["drift"] is True


def test_the_plan_lists_what_stays_in_each_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  files: ["secrets.enc.yaml"]\n',
            "env/staging/app/telefonistka.yaml": 'keepLocal:\n  files: ["region/*.yaml"]\n',
            "env/staging/app/values.yaml": "tag: v1\n",
            "env/prod/app/values.yaml": "tag: v1\n",
            "env/dr/app/values.yaml": "tag: v1\n",
        },
        message="initial",
    )
    repo.branch("feature")
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"}, message="PR")
    repo.checkout("main")
    args = ["--repo", str(repo.path), "--base", "main", "--head", "feature"]

    assert main(["plan", *args]) == 0
    table = capsys.readouterr().out
    assert main(["plan", *args, "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)

    assert "kept in each target (keepLocal): secrets.enc.yaml, region/*.yaml" in table
    [promotion] = planned["promotions"]
    assert promotion["kept_files"] == ["secrets.enc.yaml", "region/*.yaml"]


def test_the_fleet_report_counts_a_target_differing_only_in_kept_files_in_sync() -> None:
    config = load_repo_config(CONFIG + 'keepLocal:\n  files: ["secrets.enc.yaml"]\n')
    files = {
        f"{SOURCE}/values.yaml": "tag: v2",
        f"{SOURCE}/secrets.enc.yaml": "staging secret",
        f"{TARGET}/values.yaml": "tag: v2",
        f"{TARGET}/secrets.enc.yaml": "prod secret",
        "env/dr/app/values.yaml": "tag: v1",
        "env/dr/app/secrets.enc.yaml": "dr secret",
    }

    found = compute_report(snapshot(files), config, {}, (), repository="acme/infra", now=NOW)

    assert found.flows[0].cells[("app", "env/prod/")].state is CellState.IN_SYNC
    assert found.flows[1].cells[("app", "env/dr/")].state is CellState.DIFFERS  # values differ


VALUES_STAGING = """\
# web values: staging
replicas: 2          # scale with care
env:
  - name: REGION
    value: 'eu-west-1'
  - {name: LOG, value: "debug"}
image:
  tag: "v2"   # the new version
"""
VALUES_PROD = """\
# web values: prod (its comments are not kept: the file is staging's)
replicas: 6
env:
  - name: LOG
    value: info
  - name: REGION
    value: "us-east-1"
image:
  tag: "v1"
"""
FIELDS = """\
keepLocal:
  fields:
    values.yaml: ['.env[] | select(.name == "REGION").value', ".replicas", ".absent"]
"""


def test_kept_fields_are_set_back_and_every_other_byte_is_the_source_s(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.commit_files(
        REPO,
        {
            "telefonistka.yaml": CONFIG + FIELDS,
            "env/prod/app/values.yaml": VALUES_PROD,
        },
    )
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": VALUES_STAGING})

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    [pr] = json.loads(step.outputs["promotion-prs"])
    head = emu.get_repo(REPO).pulls[pr["number"]].head_sha
    promoted = emu.get_repo(REPO).git.run("show", f"{head}:env/prod/app/values.yaml").decode()
    expected = VALUES_STAGING.replace("replicas: 2 ", "replicas: 6 ").replace(
        "'eu-west-1'", "'us-east-1'"
    )
    assert promoted == expected
    body = emu.get_repo(REPO).pulls[pr["number"]].body
    assert "**Fields kept in the target**" in body
    assert "`.replicas`: kept `6` (the source has `2`)" in body
    assert "kept `us-east-1` (the source has `eu-west-1`)" in body
    assert "`.absent`: matches nothing in the source file" in body


def test_a_two_stage_chain_keeps_each_stage_s_values(emu: GitHubEmulator, gh: GhRepository) -> None:
    """staging → prod → dr: each stage's replicas stay its own, the tag travels on."""
    emu.commit_files(
        REPO,
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  fields:\n    values.yaml: [".replicas"]\n',
            "env/staging/app/values.yaml": "replicas: 1\ntag: v1\n",
            "env/prod/app/values.yaml": "replicas: 6\ntag: v1\n",
            "env/dr/app/values.yaml": "replicas: 3\ntag: v1\n",
        },
    )
    first = run_step(
        emu, merge_change(emu, gh, {"env/staging/app/values.yaml": "replicas: 1\ntag: v2\n"})
    )
    [prod] = json.loads(first.outputs["promotion-prs"])
    gh.get_pull(prod["number"]).merge()
    closed = next(
        e
        for e in reversed(emu.events_named("pull_request", "closed"))
        if e.payload["pull_request"]["number"] == prod["number"]
    ).write(emu.workdir / "prod-merged.json")

    second = run_step(emu, closed)

    assert second.code == 0, second.stdout + second.stderr
    git = emu.get_repo(REPO).git
    assert git.run("show", "main:env/prod/app/values.yaml") == b"replicas: 6\ntag: v2\n"
    [dr] = json.loads(second.outputs["promotion-prs"])
    head = emu.get_repo(REPO).pulls[dr["number"]].head_sha
    assert git.run("show", f"{head}:env/dr/app/values.yaml") == b"replicas: 3\ntag: v2\n"


def test_a_target_differing_only_in_kept_fields_is_in_sync(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.commit_files(
        REPO,
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  fields:\n    values.yaml: [".replicas"]\n',
            "env/prod/app/values.yaml": "replicas: 6\ntag: v2\n",
            "env/prod/app/old.yaml": None,
        },
    )
    event = merge_change(emu, gh, {"env/staging/app/values.yaml": "replicas: 1\ntag: v2\n"})

    step = run_step(emu, event)

    assert step.code == 0, step.stdout + step.stderr
    assert json.loads(step.outputs["promotion-prs"]) == []


def test_keep_fields_rules_on_plain_texts() -> None:
    source = "a: 1\nlist: [x, y]\nnested:\n  deep: 'src'\n"
    target = "a: 2\nlist: [p, q]\nnested: {deep: tgt}\n"

    result = keep_fields(
        source, target, [".a", ".list[]", ".nested.deep", ".nested", ".gone"], "v.yaml"
    )

    assert result.text == "a: 2\nlist: [x, y]\nnested:\n  deep: 'tgt'\n"
    assert [(f.selector, f.how) for f in result.fields] == [
        (".a", "kept"),
        (".list[]", "several"),
        (".nested.deep", "kept"),
        (".nested", "error"),
        (".gone", "not in source"),
    ]
    lacking = keep_fields("a: 1\n", "b: 2\n", [".a"], "v.yaml")
    assert (lacking.text, lacking.fields[0].how) == ("a: 1\n", "not in target")


def test_drift_ignores_a_difference_only_in_kept_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  fields:\n    values.yaml: [".replicas"]\n',
            "env/staging/app/values.yaml": "replicas: 1\ntag: v1\n",
            "env/staging/app/other.yaml": "a: 1\n",
            "env/prod/app/values.yaml": "replicas: 6\ntag: v1\n",
            "env/prod/app/other.yaml": "a: 2\n",
            "env/dr/app/values.yaml": "replicas: 6\ntag: v1\n",
            "env/dr/app/other.yaml": "a: 2\n",
        },
        message="initial",
    )
    repo.branch("feature")
    repo.commit({"env/staging/app/values.yaml": "replicas: 1\ntag: v2\n"}, message="PR")
    repo.checkout("main")
    args = ["--repo", str(repo.path), "--base", "main", "--head", "feature", "--json"]

    assert main(["drift", *args]) == 0
    [pair] = [p for p in json.loads(capsys.readouterr().out)["pairs"] if "prod" in p["target"]]

    assert pair["kept"] == ["values.yaml"]  # only the kept replicas differ
    assert [d["path"] for d in pair["differing"]] == ["other.yaml"]
    assert main(["drift", *args[:-1], "--show-kept"]) == 0
    shown = capsys.readouterr().out
    assert "  kept, not drift: values.yaml\n  differs: other.yaml" in shown
    assert main(["drift", *args[:-1]]) == 0
    assert "kept, not drift" not in capsys.readouterr().out


def test_the_fleet_report_reads_the_files_that_differ_only_in_kept_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(
        {
            "telefonistka.yaml": CONFIG + 'keepLocal:\n  fields:\n    values.yaml: [".replicas"]\n',
            "env/staging/app/values.yaml": "replicas: 1\ntag: v2\n",
            "env/prod/app/values.yaml": "replicas: 6\ntag: v2\n",  # only the kept field
            "env/dr/app/values.yaml": "replicas: 6\ntag: v1\n",  # the tag too
        },
        message="initial",
    )

    assert main(["report", "--repo", str(repo.path), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)

    cells = {
        (flow["flow"], target): cell["state"]
        for flow in found["flows"]
        for target, cell in flow["components"]["app"].items()
    }
    assert cells[(0, "env/prod/")] == "in-sync"  # only the kept field differs
    assert cells[(1, "env/dr/")] == "differs"  # the tag too
