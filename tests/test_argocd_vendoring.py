"""The script that vendors Argo CD's API description for the Argo CD emulator."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / "tests" / "fixtures" / "argocd" / "argocd-api-trimmed.json.gz"


def load_script() -> ModuleType:
    path = ROOT / "scripts" / "vendor_argocd_api.py"
    location = importlib.util.spec_from_file_location("vendor_argocd_api", path)
    assert location is not None
    assert location.loader is not None
    module = importlib.util.module_from_spec(location)
    location.loader.exec_module(module)
    return module


def vendored() -> dict[str, object]:
    with gzip.open(VENDORED, "rt", encoding="utf-8") as handle:
        data: dict[str, object] = json.load(handle)
    return data


def test_the_vendored_copy_holds_exactly_the_listed_operations() -> None:
    script = load_script()
    paths = vendored()["paths"]
    assert isinstance(paths, dict)
    held = {(method, path) for path, ops in paths.items() for method in ops}
    assert held == set(script.OPERATIONS)


def test_every_reference_resolves_inside_the_copy() -> None:
    script = load_script()
    data = vendored()
    definitions = data["definitions"]
    assert isinstance(definitions, dict)
    assert script.refs(data) <= set(definitions)
    assert "v1alpha1Application" in definitions


def test_prose_is_dropped_and_property_names_kept() -> None:
    script = load_script()
    node = {"description": "x", "properties": {"description": {"type": "string", "title": "t"}}}
    assert script.clean(node) == {"properties": {"description": {"type": "string"}}}
