"""The Action's packaging: action.yml, the Dockerfile, the image's lock file, the workflows.

Linters run for real (hadolint, actionlint, zizmor offline, check-jsonschema with GitHub's
schemas for action metadata and workflows); they come with the ``test`` extra, so a missing one
fails the run instead of skipping it. The inputs declared in action.yml are compared
with the ones the code reads, found in its source, so neither can drift from the other.
Last, ``entrypoint.py`` runs the way the image runs it: by absolute path, from a
workspace directory, with the environment a container step gets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from telefonistka.action.legacy import INPUT_ALIASES, KNOWN_INPUTS

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
ACTION = ROOT / "action.yml"
LOCK = ROOT / "requirements.lock"
EXAMPLES = (
    "promotion.yml",
    "fanout.yml",
    "version-bump.yml",
    "pr-lifecycle.yml",
    "promote-again.yml",
    "report.yml",
)
REPOSITORY = "telefonistka-py/telefonistka"  # the project's one documented repository
WORKFLOWS = sorted(
    [*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("telefonistka/examples/*.yml")]
)
WEBHOOKS = ROOT / "tests" / "fixtures" / "webhooks"

# An input name as the code reads it: `_input(environ, "dry-run")`, `inputs.get("bump-type"`,
# `_required(inputs, "bump-regex")`, `settings.input("templates-path")`.
INPUT_READ = re.compile(
    r"(?:\binputs\.get\(|\binputs,\s*|\benviron,\s*|\.input\(|\binput_or_old\()"
    r'"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)"'
)


def tool(name: str) -> str:
    """A linter installed by the ``test`` extra, next to this Python or on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found is None:
        pytest.fail(f"{name} is not installed: run `pip install -e '.[test]'` (or `make test`)")
    return found


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)


def load_action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def inputs_read_by_code() -> set[str]:
    """Every action input name the package reads, from its source."""
    sources = (path.read_text(encoding="utf-8") for path in (ROOT / "telefonistka").rglob("*.py"))
    return {name for text in sources for name in INPUT_READ.findall(text)}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = (line.strip() for line in text.splitlines())
    pairs = (line.split(None, 1) for line in lines if line and not line.startswith("#"))
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def test_dockerfile_passes_hadolint() -> None:
    result = run_tool(tool("hadolint"), str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_metadata_matches_githubs_schema() -> None:
    args = ("--builtin-schema", "vendor.github-actions", str(ACTION))
    result = run_tool(tool("check-jsonschema"), *args)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: str(path.relative_to(ROOT)))
def test_workflow_passes_actionlint(workflow: Path) -> None:
    result = run_tool(tool("actionlint"), "-no-color", str(workflow))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: str(path.relative_to(ROOT)))
def test_workflow_matches_githubs_schema(workflow: Path) -> None:
    args = ("--builtin-schema", "vendor.github-workflows", str(workflow))
    result = run_tool(tool("check-jsonschema"), *args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_and_action_pass_zizmor() -> None:
    """zizmor's security audits, offline (no GitHub API): injection, credentials, pins."""
    files = [str(path) for path in [*WORKFLOWS, ACTION]]
    result = run_tool(tool("zizmor"), "--offline", "--no-progress", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflows_are_all_there() -> None:
    names = {str(path.relative_to(ROOT)) for path in WORKFLOWS}
    assert names >= {
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        ".github/workflows/smoke.yml",
        "telefonistka/examples/promotion.yml",
        "telefonistka/examples/fanout.yml",
        "telefonistka/examples/version-bump.yml",
        "telefonistka/examples/pr-lifecycle.yml",
        "telefonistka/examples/promote-again.yml",
        "telefonistka/examples/report.yml",
    }


def example(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((ROOT / "telefonistka/examples" / name).read_text())
    return loaded


def test_no_example_concurrency_group_can_drop_an_event() -> None:
    """GitHub keeps one pending run per group and cancels the older pending one: a group
    per repository drops the middle of three quick events. Each example keys its group by
    what must never be dropped, and never cancels a run in progress."""
    groups = {name: example(name)["concurrency"] for name in EXAMPLES}
    assert all(group["cancel-in-progress"] is False for group in groups.values())
    keyed = {name: group["group"] for name, group in groups.items()}
    assert (
        keyed["promotion.yml"] == "telefonistka-promotion-${{ github.event.pull_request.number }}"
    )
    assert keyed["promote-again.yml"] == "telefonistka-promotion-${{ inputs.pr }}"  # same group
    assert keyed["fanout.yml"] == "telefonistka-fanout-${{ github.sha }}"
    assert "github.run_id" in keyed["report.yml"]  # a dashboard tick is never dropped
    bump = example("version-bump.yml")
    [step] = [s for s in bump["jobs"]["bump"]["steps"] if s.get("id") == "telefonistka"]
    target = f"{step['with']['bump-target-repo']}-{step['with']['bump-target-file']}"
    assert keyed["version-bump.yml"] == f"telefonistka-bump-{target}"
    pr = keyed["pr-lifecycle.yml"]
    for per_event in (
        "github.event.comment.id",
        "github.run_id",
        "github.event.pull_request.number",
    ):
        assert per_event in pr
    for name in EXAMPLES:
        assert "github.repository" not in keyed[name], name


def test_the_pr_workflow_starts_no_container_for_what_the_bot_ignores() -> None:
    loaded = example("pr-lifecycle.yml")
    assert loaded[True] == {
        "pull_request": {"types": ["opened", "synchronize", "reopened", "labeled"]},
        "issue_comment": {"types": ["created", "edited"]},
    }
    [job] = loaded["jobs"].values()
    condition = " ".join(job["if"].split())
    assert "github.event.label.name == 'show-plan'" in condition
    assert "github.event.issue.pull_request" in condition
    assert "github.event.comment.user.type != 'Bot'" in condition
    assert "startsWith(github.event.comment.body, '/')" in condition
    # no checkout of PR code in a workflow that runs on issue_comment
    assert not [s for s in job["steps"] if "checkout" in str(s.get("uses", ""))]
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "statuses": "write",
    }


def test_promote_again_passes_the_pr_number() -> None:
    loaded = example("promote-again.yml")
    assert loaded[True]["workflow_dispatch"]["inputs"]["pr"]["required"] is True
    [step] = [s for s in loaded["jobs"]["promote"]["steps"] if s.get("id") == "telefonistka"]
    assert step["with"]["promote-pr"] == "${{ inputs.pr }}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: str(path.relative_to(ROOT)))
def test_workflow_is_least_privilege_and_pinned(workflow: Path) -> None:
    """``permissions: {}`` at the top (jobs ask for theirs), a concurrency group, and
    every third-party action pinned by a full commit SHA."""
    loaded = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    assert loaded["permissions"] == {}
    assert loaded["concurrency"]["group"]
    steps = [step for job in loaded["jobs"].values() for step in job.get("steps", [])]
    for uses in (step["uses"] for step in steps if "uses" in step):
        pinned = re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses)
        assert pinned or uses == "./", f"{workflow.name}: {uses} is not pinned by commit SHA"


def test_smoke_workflow_runs_this_checkout_in_dry_run() -> None:
    loaded = yaml.safe_load((ROOT / ".github/workflows/smoke.yml").read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True. A push to another branch is an event the bot
    # ignores, so the step needs no credentials (a pull_request would run the drift check).
    assert loaded[True] == {"push": {"branches-ignore": ["main"]}}
    steps = [step for job in loaded["jobs"].values() for step in job["steps"]]
    local = [step for step in steps if step.get("uses") == "./"]
    assert local
    assert local[0]["with"]["dry-run"] == "true"


def test_action_inputs_are_exactly_those_the_code_reads() -> None:
    read = inputs_read_by_code() | set(INPUT_ALIASES)  # old names, read through legacy.py
    assert {"github-token", "app-id", "dry-run", "templates-path"} <= read  # the pattern works
    declared = set(load_action()["inputs"])
    assert declared - read == set(), "declared in action.yml, read by no code"
    assert read - declared == set(), "read by the code, missing from action.yml"


def action_steps() -> list[tuple[Path, dict[str, Any]]]:
    """Every workflow step that runs this action (``./`` or an example's ``REPOSITORY@…``)."""
    found = []
    for workflow in WORKFLOWS:
        loaded = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        for job in loaded["jobs"].values():
            for step in job.get("steps", []):
                uses = step.get("uses", "")
                if uses == "./" or uses.startswith(f"{REPOSITORY}@"):
                    found.append((workflow, step))
    return found


def test_workflows_pass_only_declared_inputs_and_read_declared_outputs() -> None:
    """A misspelt input stops the run (exit 2): an example must not carry one."""
    action = load_action()
    steps = action_steps()
    assert {workflow.name for workflow, _ in steps} >= {
        "smoke.yml",
        "promotion.yml",
        "fanout.yml",
        "version-bump.yml",
    }
    for workflow, step in steps:
        assert set(step.get("with", {})) <= set(action["inputs"]), workflow.name
        text = workflow.read_text(encoding="utf-8")
        used = re.findall(rf"steps\.{step['id']}\.outputs\.([a-z0-9-]+)", text)
        assert set(used) <= set(action["outputs"]), workflow.name


def test_ci_runs_the_readme_test_command() -> None:
    loaded = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for job in loaded["jobs"].values() for step in job["steps"]]
    assert "make test" in runs


def test_the_known_inputs_are_action_yml_s() -> None:
    """Unknown inputs are warned about with a "did you mean": the list must be complete."""
    assert list(load_action()["inputs"]) == [
        *[name for name in KNOWN_INPUTS if name in INPUT_ALIASES],
        *[name for name in KNOWN_INPUTS if name not in INPUT_ALIASES],
    ]


def test_action_inputs_are_kebab_case_and_optional() -> None:
    for name, spec in load_action()["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name)
        assert spec["description"]
        assert spec.get("required", False) is False, f"{name}: events that ignore it need none"


def test_every_declared_output_is_set_by_the_code() -> None:
    sources = "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "telefonistka").rglob("*.py")
    )
    outputs = load_action()["outputs"]
    assert {"promotion-prs", "plan", "fanout-results", "bump-pr-url"} <= set(outputs)
    for name in outputs:
        assert re.search(rf'"{re.escape(name)}":', sources), f"no code sets output {name}"


def test_action_runs_the_dockerfile() -> None:
    runs = load_action()["runs"]
    assert runs == {"using": "docker", "image": "Dockerfile"}


def test_dockerfile_has_no_user_and_no_workdir() -> None:
    """The runner runs container actions as root in /github/workspace; both would break it."""
    keywords = {keyword for keyword, _ in dockerfile_instructions()}
    assert "USER" not in keywords
    assert "WORKDIR" not in keywords


def test_dockerfile_entrypoint_is_exec_form_with_an_absolute_path() -> None:
    entrypoints = [args for keyword, args in dockerfile_instructions() if keyword == "ENTRYPOINT"]
    assert len(entrypoints) == 1
    command = json.loads(entrypoints[0])
    assert command == ["python", "/app/entrypoint.py"]


def test_dockerfile_base_is_slim_python_pinned_by_digest() -> None:
    bases = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert len(bases) == 1
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", bases[0])


def test_dockerfile_copies_only_what_the_image_needs() -> None:
    copies = [args.split() for keyword, args in dockerfile_instructions() if keyword == "COPY"]
    assert sorted(copy[0] for copy in copies) == [
        "entrypoint.py",
        "requirements.lock",
        "telefonistka/",
    ]
    assert not any(keyword == "ADD" for keyword, _ in dockerfile_instructions())


def test_dockerfile_installs_the_lock_file_with_hashes_and_no_cache() -> None:
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 1
    for flag in ("--no-cache-dir", "--require-hashes", "--only-binary=:all:"):
        assert flag in installs[0]
    assert "-r /tmp/requirements.lock" in installs[0]
    assert not any("apt-get" in run for run in runs), "no build tools in the image"


def test_dockerfile_pythonpath_is_where_the_package_is_copied() -> None:
    envs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "ENV")
    assert "PYTHONPATH=/app" in envs


def locked() -> dict[str, str]:
    """Lock file pins: normalized name → version."""
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", LOCK.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}


def test_lock_file_pins_every_dependency_with_hashes() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = locked()
    for dependency in pyproject["project"]["dependencies"]:
        requirement = Requirement(dependency)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is stale"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8"))
    for block in blocks:
        if "==" in block.split("\n", 1)[0]:
            assert "--hash=sha256:" in block, block.split("\n", 1)[0]


def test_dockerignore_keeps_the_build_context_to_what_is_copied() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"
    assert {"!requirements.lock", "!entrypoint.py", "!telefonistka/"} <= set(rules)


def container_env(workspace: Path, event_name: str, event: Path) -> dict[str, str]:
    """What a container step's process sees: the runner's variables, every input of
    action.yml with its default (hyphens kept), HOME, and the image's PYTHONPATH."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workspace.parent / "home"),
        "PYTHONPATH": str(ROOT),  # the image sets PYTHONPATH=/app, where the package is
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # nothing answers: no request may be made
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(workspace.parent / "output"),
        "GITHUB_STEP_SUMMARY": str(workspace.parent / "summary"),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(workspace.parent),
    }
    for name, spec in load_action()["inputs"].items():
        env[f"INPUT_{name.upper()}"] = str(spec.get("default", ""))
    return env


def run_as_container(
    tmp_path: Path, event_name: str, payload: bytes, python_options: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``python [python_options] entrypoint.py`` as the image runs it, from a workspace."""
    workspace = tmp_path / "github" / "workspace"
    workspace.mkdir(parents=True)
    (tmp_path / "github" / "home").mkdir()
    event = tmp_path / "github" / "event.json"
    event.write_bytes(payload)
    return subprocess.run(
        [sys.executable, *python_options, str(ROOT / "entrypoint.py")],
        cwd=workspace,
        env=container_env(workspace, event_name, event),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("event_name", "fixture"),
    [
        ("issues", "issues.edited.json"),
        ("deployment", None),
        ("pull_request", "pull_request.labeled.json"),
        ("issue_comment", "issue_comment.created.json"),
    ],
)
def test_entrypoint_exits_0_on_an_event_it_does_not_act_on(
    tmp_path: Path, event_name: str, fixture: str | None
) -> None:
    """As the image runs it, with no token: an event needing no action costs nothing."""
    payload = (WEBHOOKS / fixture).read_bytes() if fixture else b'{"action": "opened"}'
    step = run_as_container(tmp_path, event_name, payload)
    assert step.returncode == 0, step.stdout + step.stderr
    assert "::error" not in step.stdout
    assert step.stderr == ""


def test_entrypoint_without_the_event_variables_is_a_usage_error(tmp_path: Path) -> None:
    step = run_as_container(tmp_path, "", b"{}")
    assert step.returncode == 2
    assert "::error title=telefonistka::GITHUB_EVENT_NAME is not set" in step.stdout


def make_plan(target: str, tmp_path: Path) -> list[str]:
    """What ``make TARGET`` would run on a fresh machine (``make -n`` in a bare copy)."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    # run from `make test`, the parent make's flags would leak in (and its chatter out)
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return done.stdout.splitlines()


def test_make_demo_installs_only_the_package(tmp_path: Path) -> None:
    installs = [line for line in make_plan("demo", tmp_path) if "pip install" in line]
    assert installs[-1].endswith("pip install --quiet -e .")
    assert not [line for line in installs if "[test]" in line]


def test_make_test_installs_the_test_tools(tmp_path: Path) -> None:
    lines = make_plan("test", tmp_path)
    assert any(line.endswith("pip install --quiet -e '.[test]'") for line in lines)
    assert lines[-1].startswith(".venv/bin/pytest ")


def _documented(heading: str) -> list[str]:
    """The backticked names in the first column of the table under ``## heading`` of
    docs/github-action.md (a row may name several: `argocd-url`, `argocd-token`)."""
    text = (ROOT / "docs" / "github-action.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and cells[1].strip().startswith("`"):
            names += re.findall(r"`([^`]+)`", cells[1])
    return names


@pytest.mark.parametrize(("heading", "kind"), [("Inputs", "inputs"), ("Outputs", "outputs")])
def test_the_docs_tables_name_exactly_action_yml_s_inputs_and_outputs(
    heading: str, kind: str
) -> None:
    documented = _documented(heading)

    assert len(documented) == len(set(documented)), "a name documented twice"
    assert sorted(documented) == sorted(load_action()[kind])


def test_make_demo_says_what_it_does_before_each_slow_step(tmp_path: Path) -> None:
    """`make demo` used to be silent for ~20 s while it installed."""
    venv = tmp_path / "venv"
    plan = subprocess.run(
        ["make", "--dry-run", "--always-make", "demo", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    def before(command: str) -> str:
        index = next(i for i, line in enumerate(plan) if command in line)
        return plan[index - 1]

    assert "creating the virtual environment" in before("-m venv")
    assert "installing telefonistka" in before("pip install --quiet -e .")
    assert "running the demo" in before("bin/telefonistka demo")


def test_the_scheduled_report_writes_nothing_but_the_dashboard_issue() -> None:
    """Least privilege per job: only a dashboard tick may write branches and PRs."""
    jobs = example("report.yml")["jobs"]

    assert jobs["report"]["permissions"] == {
        "contents": "read",
        "pull-requests": "read",
        "statuses": "read",
        "issues": "write",
    }
    assert jobs["gates"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "statuses": "write",
    }
    assert jobs["tick"]["permissions"]["contents"] == "write"
    assert jobs["tick"]["permissions"]["pull-requests"] == "write"
    assert "github.event.schedule == '17 6 * * 1-5'" in jobs["report"]["if"]
    assert "github.event.schedule == '*/10 * * * *'" in jobs["gates"]["if"]
    assert "github.event_name == 'issues'" in jobs["tick"]["if"]
    assert "github.event.sender.type != 'Bot'" in jobs["tick"]["if"]


def test_one_documented_repository_name_and_no_owner_placeholder() -> None:
    """Every example and doc names the same repository, the one pyproject.toml links."""
    texts = [*(ROOT / "telefonistka" / "examples").glob("*.yml"), *(ROOT / "docs").glob("*.md")]
    texts += [ROOT / "README.md", ROOT / ".github" / "workflows" / "release.yml"]
    placeholders = [
        str(p.relative_to(ROOT)) for p in texts if "OWNER/telefonistka" in p.read_text()
    ]
    assert placeholders == []
    uses = {
        step["uses"].split("@")[0]
        for path in (ROOT / "telefonistka" / "examples").glob("*.yml")
        for job in yaml.safe_load(path.read_text())["jobs"].values()
        for step in job.get("steps", [])
        if "telefonistka" in step.get("uses", "")
    }
    assert uses == {REPOSITORY}
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Homepage"] == f"https://github.com/{REPOSITORY}"
    assert all(url.startswith(f"https://github.com/{REPOSITORY}") for url in urls.values())


def test_the_permissions_table_is_each_example_job_s_permissions() -> None:
    """docs/installation.md's table row per example job says exactly what the job grants."""
    text = (ROOT / "docs" / "installation.md").read_text(encoding="utf-8")
    section = text.split("\n## Permissions\n", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for row in section.splitlines():
        found = re.search(r"\(`([\w-]+\.yml)`: `([\w-]+)`\)", row)
        if found:
            cell = row.split("|")[2]
            documented[found.groups()] = dict(re.findall(r"`([\w-]+): (\w+)`", cell))
    granted = {
        (path.name, name): job.get("permissions", {})
        for path in sorted((ROOT / "telefonistka" / "examples").glob("*.yml"))
        for name, job in yaml.safe_load(path.read_text())["jobs"].items()
    }

    assert documented == granted
