"""The ``workflow_dispatch`` payload, parsed once at the edge into frozen data.

The Action's bump mode takes its arguments from the step's ``with:`` inputs (which a
workflow fills from ``${{ inputs.* }}``), not from the payload; the payload only tells
which repository and ref the run belongs to, for the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from telefonistka.core.events.pull_request import checked_full_name
from telefonistka.errors import EventError


@dataclass(frozen=True)
class WorkflowDispatchEvent:
    """A manual or API-triggered workflow run: its repository, ref and workflow file."""

    repository: str
    ref: str
    workflow: str = ""
    default_branch: str = ""  # repository.default_branch ("" when the payload has none)


def workflow_dispatch_event_from_json(data: object) -> WorkflowDispatchEvent:
    """Build the event from a decoded payload; ``EventError`` names any bad field."""
    root = _object(data, "the workflow_dispatch event")
    repository = _object(root.get("repository"), "repository")
    return WorkflowDispatchEvent(
        repository=checked_full_name(
            _string(repository, "full_name", "repository."), "workflow_dispatch"
        ),
        ref=_string(root, "ref"),
        workflow=str(root.get("workflow") or ""),
        default_branch=str(repository.get("default_branch") or ""),
    )


def _object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise EventError(f"workflow_dispatch: {where} must be a JSON object")
    return value


def _string(data: Mapping[str, object], key: str, prefix: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise EventError(f"workflow_dispatch: {prefix}{key} must be a non-empty string")
    return value
