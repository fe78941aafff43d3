"""Vendor the operations the Argo CD emulator serves from Argo CD's API description.

Reads ``../shared/argocd/argocd-swagger.json.gz`` (Argo CD's Swagger 2.0 description,
Apache-2.0) and writes ``tests/fixtures/argocd/argocd-api-trimmed.json.gz``: only the
operations in ``OPERATIONS``, each reduced to its body parameter's schema and its
response schemas per status, plus the closure of ``#/definitions`` they reference (so a
body validates with ``jsonschema`` against ``{"$ref": ..., "definitions": ...}``).
Descriptions and titles are dropped.

Usage: python scripts/vendor_argocd_api.py [SOURCE] [DEST]
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "argocd" / "argocd-swagger.json.gz"
DEST = ROOT / "tests" / "fixtures" / "argocd" / "argocd-api-trimmed.json.gz"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/api/v1/applications"),
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications/{name}"),
    ("patch", "/api/v1/applications/{name}"),
    ("delete", "/api/v1/applications/{name}"),
    ("get", "/api/v1/applications/{applicationName}/managed-resources"),
    ("get", "/api/v1/applications/{name}/manifests"),
    ("get", "/api/v1/applicationsets"),
    ("get", "/api/v1/session/userinfo"),
)

_DROP = frozenset({"description", "title", "example", "x-go-name"})


def load(source: Path) -> dict[str, Any]:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def clean(node: Any) -> Any:
    """Prose dropped; ``properties`` kept whatever their names."""
    if isinstance(node, list):
        return [clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: clean(v) for k, v in node.items() if k not in _DROP or k == "properties"}
    if "properties" in node:
        out["properties"] = {k: clean(v) for k, v in node["properties"].items()}
    return out


def refs(node: Any) -> set[str]:
    """Names of ``#/definitions/NAME`` referenced anywhere in ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= refs(item)
    return found


def trim_operation(operation: dict[str, Any]) -> dict[str, Any]:
    trimmed: dict[str, Any] = {"operationId": operation["operationId"], "responses": {}}
    parameters = operation.get("parameters", [])
    trimmed["query"] = sorted(p["name"] for p in parameters if p.get("in") == "query")
    body = next((p for p in parameters if p.get("in") == "body"), None)
    if body is not None:
        trimmed["requestBody"] = {"schema": clean(body["schema"])}
    for status, response in operation["responses"].items():
        schema = response.get("schema")
        trimmed["responses"][status] = {"schema": clean(schema) if schema else None}
    return trimmed


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        paths.setdefault(path, {})[method] = trim_operation(spec["paths"][path][method])
    definitions = spec["definitions"]
    wanted, closure = refs(paths), {}
    while wanted:
        name = wanted.pop()
        if name not in closure:
            closure[name] = clean(definitions[name])
            wanted |= refs(closure[name]) - closure.keys()
    return {
        "swagger": spec["swagger"],
        "info": {"source": "argo-cd swagger.json (Apache-2.0)"},
        "paths": paths,
        "definitions": dict(sorted(closure.items())),
    }


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    dest = Path(argv[1]) if len(argv) > 1 else DEST
    trimmed = trim(load(source))
    dest.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(trimmed, indent=1, sort_keys=True).encode()
    with gzip.GzipFile(dest, "wb", mtime=0) as handle:
        handle.write(payload)
    sys.stdout.write(f"wrote {dest} ({len(trimmed['paths'])} paths)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
