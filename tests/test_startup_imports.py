"""Start-up cost, held deterministically: what an event the bot ignores imports.

An Action pays interpreter start-up and imports on every event, most of which it
ignores. ``handlers.py`` therefore imports a handler's use case only when its route
matches; these tests check the modules loaded (never timings) in fresh processes:
``import telefonistka.action``, and ``entrypoint.py`` run as the image runs it on
events that no route takes, with ``-X importtime`` listing every module it imported.
``bench/startup.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_packaging import WEBHOOKS, run_as_container

ROOT = Path(__file__).resolve().parent.parent

# Third-party packages only a handler needs: the GitHub client and its HTTP stack, the
# templates, the YAML diff, the config parsers and validation.
HEAVY_PACKAGES = frozenset(
    {
        "github",
        "requests",
        "urllib3",
        "jinja2",
        "deepdiff",
        "ruamel",
        "jsonschema",
        "prometheus_client",
    }
)
# Every module of the package that deciding "nothing to do" may load. A new light module
# goes here; a use case or an adapter never does.
LIGHT_MODULES = frozenset(
    {
        "telefonistka",
        "telefonistka._version",  # the version, written at install: one assignment
        "telefonistka.action",
        "telefonistka.action.main",
        "telefonistka.action.settings",
        "telefonistka.action.legacy",
        "telefonistka.action.workflow",
        "telefonistka.action.context",
        "telefonistka.action.routes",
        "telefonistka.action.handlers",
        "telefonistka.action.handlers.promotion",
        "telefonistka.action.handlers.drift",
        "telefonistka.action.handlers.plan",
        "telefonistka.action.handlers.comment_commands",
        "telefonistka.action.handlers.fanout",
        "telefonistka.action.handlers.bump",
        "telefonistka.action.handlers.argocd_sync",
        "telefonistka.action.handlers.report",
        "telefonistka.core.events.schedule",  # schedule and issues payloads
        "telefonistka.ports",  # plain values and Protocols
        "telefonistka.errors",
        "telefonistka.core",
        "telefonistka.core.events",  # the subpackages' __init__: a docstring each
        "telefonistka.core.github",
        "telefonistka.core.text",
        "telefonistka.core.events.push",
        "telefonistka.core.events.pull_request",
        "telefonistka.core.events.dispatch",
        "telefonistka.core.github.api",
        "telefonistka.core.metrics",  # names and labels of the run's series: plain data
        "telefonistka.core.events.pr_requests",
        "telefonistka.core.github.repo_paths",
        "telefonistka.core.text.markdown",
        "telefonistka.core.text.log_text",
    }
)
# The use cases and adapters the brief names, checked by name as well as by the list.
USE_CASES = (
    "telefonistka.usecases.promote_merged_pr",
    "telefonistka.usecases.check_drift",
    "telefonistka.usecases.comment_plan",
    "telefonistka.usecases.comment_commands",
    "telefonistka.usecases.fanout_push",
    "telefonistka.usecases.bump_version",
    "telefonistka.action.bump_inputs",
    "telefonistka.adapters.github",
    "telefonistka.adapters.github.client",
    "telefonistka.adapters.github.auth",
    "telefonistka.action.metrics",
)


def heavy_in(modules: set[str]) -> list[str]:
    """The modules of ``modules`` that an ignored event must not load."""
    return sorted(
        name
        for name in modules
        if name.split(".")[0] in HEAVY_PACKAGES
        or (name.split(".")[0] == "telefonistka" and name not in LIGHT_MODULES)
    )


def imported_by(stderr: str) -> set[str]:
    """Module names from ``python -X importtime``'s report (``… | … |   name``)."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            if name != "imported package":
                names.add(name)
    return names


def fresh_modules(code: str) -> set[str]:
    """``sys.modules`` after ``code`` in a new interpreter (the package from this checkout)."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_action_loads_no_handler_and_no_heavy_package() -> None:
    modules = fresh_modules("import telefonistka.action, telefonistka.action.routes")

    assert {"telefonistka.action", "telefonistka.action.routes"} <= modules
    assert heavy_in(modules) == []
    assert not modules & set(USE_CASES)


def test_deciding_that_no_route_matches_loads_nothing_heavy() -> None:
    """In process, through ``dispatch`` itself: parsed, every route tried, none taken."""
    payload = WEBHOOKS / "pull_request.labeled.json"
    modules = fresh_modules(
        "import io\n"
        "from pathlib import Path\n"
        "from telefonistka.action.settings import Identity, Settings\n"
        "from telefonistka.action.workflow import Workflow\n"
        "from telefonistka.action.context import Context\n"
        "from telefonistka.action.routes import dispatch\n"
        "settings = Settings('pull_request', Path('e.json'), Identity())\n"
        "context = Context(settings, Workflow(settings, io.StringIO()))\n"
        f"assert dispatch('pull_request', Path({str(payload)!r}).read_bytes(), context) is None"
    )

    assert heavy_in(modules) == []


def test_the_heavy_names_are_real_a_handler_does_load_them() -> None:
    """The control: without it a misspelt name above would make the tests pass vacuously."""
    modules = fresh_modules("import " + ", ".join(USE_CASES))

    loaded = {name.split(".")[0] for name in modules}
    assert loaded >= HEAVY_PACKAGES
    assert modules >= set(USE_CASES)


@pytest.mark.parametrize(
    ("event_name", "fixture"),
    [
        ("issues", WEBHOOKS / "issues.edited.json"),  # an edit, not of a dashboard
        ("pull_request", WEBHOOKS / "pull_request.labeled.json"),  # a label, not show-plan
        ("pull_request", WEBHOOKS / "pull_request.closed.json"),  # closed without merge
        ("issue_comment", WEBHOOKS / "issue_comment.created.json"),  # no /command
        ("push", ROOT / "tests" / "fixtures" / "pushes" / "tag_created.json"),  # a tag
        ("deployment", None),  # no route for the event name: not even parsed
    ],
    ids=["issues", "labeled", "closed-unmerged", "comment", "tag-push", "deployment"],
)
def test_the_entrypoint_on_an_ignored_event_imports_nothing_heavy(
    tmp_path: Path, event_name: str, fixture: Path | None
) -> None:
    payload = fixture.read_bytes() if fixture else b'{"action": "opened"}'

    step = run_as_container(tmp_path, event_name, payload, ("-X", "importtime"))

    assert step.returncode == 0, step.stdout + step.stderr
    assert "::error" not in step.stdout
    quiet = ("needs no action", "not handled", "no Argo CD server is configured")
    assert any(words in step.stdout for words in quiet)
    modules = imported_by(step.stderr)
    assert {"telefonistka.action", "telefonistka.action.routes"} <= modules  # the report parses
    assert heavy_in(modules) == []
