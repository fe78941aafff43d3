"""Parsing ``workflow_dispatch`` payloads."""

from __future__ import annotations

import pytest

from telefonistka.core.events.dispatch import (
    WorkflowDispatchEvent,
    workflow_dispatch_event_from_json,
)
from telefonistka.errors import EventError


def test_the_fields_we_read() -> None:
    payload = {
        "inputs": None,
        "ref": "refs/heads/main",
        "repository": {"full_name": "acme/infra"},
        "workflow": ".github/workflows/bump.yml",
    }
    assert workflow_dispatch_event_from_json(payload) == WorkflowDispatchEvent(
        "acme/infra", "refs/heads/main", ".github/workflows/bump.yml"
    )


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ([], "the workflow_dispatch event must be a JSON object"),
        ({"ref": "refs/heads/main"}, "repository must be a JSON object"),
        ({"ref": "", "repository": {"full_name": "a/b"}}, "ref must be"),
        ({"ref": "r", "repository": {}}, "repository.full_name must be"),
    ],
)
def test_bad_payloads_name_the_field(payload: object, named: str) -> None:
    with pytest.raises(EventError, match=named):
        workflow_dispatch_event_from_json(payload)
