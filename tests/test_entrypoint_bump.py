"""``entrypoint.py`` on ``workflow_dispatch``: the ``bump-*`` inputs open a bump PR.

The dispatched run's step gets its bump arguments as action inputs; the PR is checked
in the emulator's state and git trees, the result in the step's outputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from runner_files import dispatch_event
from test_entrypoint import REPO, checked_emulator, run_step

from telefonistka.usecases.bump_version import branch_name

SHA = "c0ffee" + "0" * 34
VALUES = """\
# deployed image
image:
  repository: acme/app  # the registry path
  tag: "v1"
replicas: 2
"""
BUMP = {
    "bump_type": "yaml",
    "bump_target_file": "env/prod/values.yaml",
    "bump_address": ".image.tag",
    "bump_value": "v2",
    "bump_triggering_repo": "acme/app",
    "bump_triggering_sha": SHA,
    "bump_triggering_actor": "alice",
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emulator in checked_emulator(tmp_path / "github"):
        emulator.repo(REPO, {"env/prod/values.yaml": VALUES})
        yield emulator


def dispatch(emu: GitHubEmulator) -> Path:
    """The bump workflow's ``workflow_dispatch`` delivery."""
    return dispatch_event(emu.workdir, REPO, ".github/workflows/bump.yml", {"version": "v2"})


def test_a_yaml_bump_opens_a_pr_changing_only_the_tag(emu: GitHubEmulator) -> None:
    step = run_step(emu, dispatch(emu), "workflow_dispatch", **BUMP)

    assert step.code == 0, step.stdout + step.stderr
    [pull] = emu.get_repo(REPO).pulls.values()
    assert pull.head_ref == branch_name("env/prod/values.yaml")
    shown = emu.get_repo(REPO).git.run("show", f"{pull.head_sha}:env/prod/values.yaml")
    assert shown.decode() == VALUES.replace('"v1"', '"v2"')
    assert step.outputs["bump-status"] == "opened"
    assert step.outputs["bump-pr-number"] == str(pull.number)
    assert step.outputs["bump-pr-url"].endswith(f"/pull/{pull.number}")
    assert '+  tag: "v2"' in step.summary


@pytest.mark.parametrize(
    "kind",
    [
        {"bump_type": "regex", "bump_regex": r'tag: "v\d+"', "bump_replacement": 'tag: "v2"'},
        {"bump_type": "overwrite", "bump_file_content": VALUES.replace('"v1"', '"v2"')},
    ],
)
def test_regex_and_overwrite_bumps_with_auto_merge(
    emu: GitHubEmulator, kind: dict[str, str]
) -> None:
    inputs = BUMP | kind | {"bump_auto_merge": "true"}

    step = run_step(emu, dispatch(emu), "workflow_dispatch", **inputs)

    assert step.code == 0, step.stdout + step.stderr
    [pull] = emu.get_repo(REPO).pulls.values()
    assert pull.merged
    shown = emu.get_repo(REPO).git.run("show", "main:env/prod/values.yaml")
    assert shown.decode() == VALUES.replace('"v1"', '"v2"')
    assert step.outputs["bump-status"] == "merged"


def test_an_unchanged_file_opens_no_pr(emu: GitHubEmulator) -> None:
    step = run_step(emu, dispatch(emu), "workflow_dispatch", **BUMP | {"bump_value": "v1"})

    assert step.code == 0, step.stdout
    assert emu.get_repo(REPO).pulls == {}
    assert step.outputs == {"bump-status": "unchanged", "bump-pr-url": "", "bump-pr-number": ""}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"bump_address": ""}, "input bump-address is required"),
        ({"bump_type": ""}, "input bump-type must be one of overwrite, regex, yaml"),
        ({"bump_type": "toml"}, "input bump-type must be one of"),
        ({"bump_auto_merge": "maybe"}, "input bump-auto-merge must be true or false"),
    ],
)
def test_a_missing_or_bad_input_is_named_and_exits_2(
    emu: GitHubEmulator, change: dict[str, str], named: str
) -> None:
    step = run_step(emu, dispatch(emu), "workflow_dispatch", **BUMP | change)

    assert step.code == 2, step.stdout
    assert f"::error title=telefonistka::{named}" in step.stdout
    assert emu.get_repo(REPO).pulls == {}


@pytest.mark.parametrize("allowed", [True, False])
def test_an_auto_merged_bump_never_passes_branch_protection(
    emu: GitHubEmulator, allowed: bool
) -> None:
    """A protected base: GitHub's native auto-merge (bump-status stays opened), or the PR
    left open with one comment why when the repository does not allow auto-merge."""
    emu.protect(REPO, "main", contexts=("ci/test",), allow_auto_merge=allowed)

    step = run_step(emu, dispatch(emu), "workflow_dispatch", **BUMP | {"bump_auto_merge": "true"})

    assert step.code == 0, step.stdout + step.stderr
    assert step.outputs["bump-status"] == "opened"
    [pull] = emu.get_repo(REPO).pulls.values()
    assert not pull.merged
    assert (pull.auto_merge_method == "merge") is allowed
    notes = [
        c for c in emu.get_repo(REPO).comments.values() if "Not merged automatically" in c.body
    ]
    assert len(notes) == (0 if allowed else 1)
