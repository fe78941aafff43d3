"""The GitHub Action edge: one of the two front doors (the other is ``telefonistka.cli``).

- ``settings``: the run's settings, read once from the environment;
- ``workflow``: workflow commands, step outputs, the job summary;
- ``routes``: the ordered route registry (event name + predicate → handler);
- ``context``: what a handler gets besides its event, and the ``Report`` it returns;
- ``handlers/``: one module per route, each calling one use case;
- ``main``: the composition root ``entrypoint.py`` runs.

It imports use cases and adapters, never the CLI. The names below are re-exported for
``entrypoint.py`` and for callers of ``telefonistka.action.main``.
"""

from telefonistka.action.main import main, run
from telefonistka.action.settings import (
    DEFAULT_SERVER_URL,
    Identity,
    LogLevel,
    Settings,
    WorkflowRun,
    read_settings,
)
from telefonistka.action.workflow import Workflow, output_block

__all__ = [
    "DEFAULT_SERVER_URL",
    "Identity",
    "LogLevel",
    "Settings",
    "Workflow",
    "WorkflowRun",
    "main",
    "output_block",
    "read_settings",
    "run",
]
