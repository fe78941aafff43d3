"""The scripts that vendor GitHub's descriptions for the emulator, and what they wrote."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from github_emulator.fidelity import operations, spec

ROOT = Path(__file__).resolve().parent.parent


def load_script(name: str) -> ModuleType:
    location = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert location is not None
    assert location.loader is not None
    module = importlib.util.module_from_spec(location)
    location.loader.exec_module(module)
    return module


def test_nullable_becomes_json_schema_and_prose_is_dropped() -> None:
    vendor = load_script("vendor_openapi")
    schema = {
        "type": "object",
        "description": "dropped",
        "properties": {
            "description": {"type": "string", "nullable": True, "example": "x"},
            "state": {"type": "string", "enum": ["open"], "nullable": True},
            "user": {"allOf": [{"$ref": "#/components/schemas/simple-user"}], "nullable": True},
        },
    }
    assert vendor.to_json_schema(schema) == {
        "type": "object",
        "properties": {
            "description": {"type": ["string", "null"]},
            "state": {"type": ["string", "null"], "enum": ["open", None]},
            "user": {
                "anyOf": [
                    {"allOf": [{"$ref": "#/components/schemas/simple-user"}]},
                    {"type": "null"},
                ]
            },
        },
    }


def test_references_are_followed_and_collected() -> None:
    vendor = load_script("vendor_openapi")
    document = {"components": {"responses": {"gone": {"description": "x"}}}}
    assert vendor.resolve(document, {"$ref": "#/components/responses/gone"}) == {"description": "x"}
    nested = {
        "a": [{"$ref": "#/components/schemas/one"}],
        "b": {"$ref": "#/components/schemas/two"},
    }
    assert vendor.schema_refs(nested) == {"one", "two"}


def test_vendored_copy_holds_exactly_the_listed_operations() -> None:
    vendor = load_script("vendor_openapi")
    listed = {(method.upper(), path) for method, path in vendor.OPERATIONS}
    assert operations() == listed
    referenced = vendor.schema_refs(spec())
    assert referenced <= set(spec()["components"]["schemas"])


def test_webhook_examples_are_picked_by_event_and_action() -> None:
    vendor = load_script("vendor_webhooks")
    events = [
        {"name": "push", "examples": [{"ref": "refs/tags/v1", "commits": []}]},
        {"name": "push", "examples": [{"ref": "refs/heads/main", "commits": [{"id": "1"}]}]},
        {"name": "issues", "examples": [{"action": "opened"}]},
    ]
    push = vendor.pick(events, "push", vendor._branch_push)
    assert push["ref"] == "refs/heads/main"
    assert vendor.pick(events, "issues", vendor._action("opened")) == {"action": "opened"}


def test_vendored_webhook_examples_are_the_real_payloads() -> None:
    fixtures = ROOT / "tests" / "fixtures" / "webhooks"
    push = json.loads((fixtures / "push.json").read_text(encoding="utf-8"))
    assert push["ref"].startswith("refs/heads/")
    assert push["commits"]
    for name in ("opened", "synchronize", "labeled", "closed"):
        payload = json.loads((fixtures / f"pull_request.{name}.json").read_text(encoding="utf-8"))
        assert payload["action"] == name
        assert payload["pull_request"]["number"] == payload["number"]
