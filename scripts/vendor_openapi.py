"""Vendor the operations the GitHub emulator serves from GitHub's REST OpenAPI description.

Reads ``../shared/github/rest-api.api.github.com.json.gz`` (octokit/openapi, MIT) and
writes ``tests/fixtures/openapi/github-rest-trimmed.json.gz``: only the operations listed
in ``OPERATIONS``, each reduced to its request-body schema and its JSON response schemas
per status, plus the closure of ``#/components/schemas`` they reference. Responses that
are ``$ref``s to ``#/components/responses`` are inlined. OpenAPI 3.0's ``nullable`` is
rewritten to JSON Schema (``type: [T, "null"]`` / ``anyOf [..., {type: null}]``), and
descriptions and examples are dropped, so ``jsonschema`` validates bodies directly.

Usage: python scripts/vendor_openapi.py [SOURCE] [DEST]
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "github" / "rest-api.api.github.com.json.gz"
DEST = ROOT / "tests" / "fixtures" / "openapi" / "github-rest-trimmed.json.gz"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/branches/{branch}"),
    ("get", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("get", "/repos/{owner}/{repo}/git/matching-refs/{ref}"),
    ("post", "/repos/{owner}/{repo}/git/refs"),
    ("patch", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("delete", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
    ("post", "/repos/{owner}/{repo}/git/trees"),
    ("get", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
    ("post", "/repos/{owner}/{repo}/git/blobs"),
    ("get", "/repos/{owner}/{repo}/git/commits/{commit_sha}"),
    ("post", "/repos/{owner}/{repo}/git/commits"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("put", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/compare/{basehead}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/commits"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/statuses"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
    ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("get", "/user"),
    ("get", "/rate_limit"),
)

# Where the description's prose allows more than its schema, the schema is widened to
# match the prose (and so the requests real clients send), or a response GitHub sends with
# a body is given that body's schema. Each entry says why.
AMENDMENTS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    (
        "post",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        # "You can also pass an `array` of labels directly" (the labels description);
        # PyGithub's add_to_labels does exactly that.
        "request",
        {"type": "array", "minItems": 1, "items": {"type": "string"}},
    ),
    (
        "delete",
        "/repos/{owner}/{repo}/git/refs/{ref}",
        # The 422 is described without a body, but GitHub answers a branch that is gone
        # with {"message": "Reference does not exist", "documentation_url": ...}, which
        # clients match on (Mergifyio/mergify#2906 handles exactly that answer).
        "422",
        {"$ref": "#/components/schemas/basic-error"},
    ),
)

# Error bodies described as ``oneOf`` two error schemas that every error body satisfies
# (``basic-error`` and ``repository-rule-violation-error`` have no required fields), so
# no body could ever be valid: held to ``anyOf`` instead.
AMBIGUOUS_ERRORS: tuple[tuple[str, str, str], ...] = (
    ("put", "/repos/{owner}/{repo}/contents/{path}", "409"),
)

_DROP = frozenset({"description", "example", "examples", "title", "externalDocs", "summary"})


def load(source: Path) -> dict[str, Any]:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (``#/a/b/c``) until a non-reference node."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: drop prose, rewrite ``nullable``."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in _DROP or k == "properties"}
    if "properties" in node:
        out["properties"] = {k: to_json_schema(v) for k, v in node["properties"].items()}
    if out.pop("nullable", False):
        out = _nullable(out)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def schema_refs(node: Any) -> set[str]:
    """Names of ``#/components/schemas/NAME`` referenced anywhere in ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= schema_refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= schema_refs(item)
    return found


def trim_operation(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """An operation reduced to its id, JSON request schema and JSON response schemas."""
    trimmed: dict[str, Any] = {"operationId": operation["operationId"], "responses": {}}
    body = resolve(spec, operation.get("requestBody"))
    if isinstance(body, dict):
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            trimmed["requestBody"] = {"schema": to_json_schema(schema)}
    for status, declared in operation["responses"].items():
        response = resolve(spec, declared)
        content = response.get("content", {})
        media = content.get("application/json") or content.get("application/scim+json") or {}
        schema = media.get("schema")
        trimmed["responses"][status] = {"schema": to_json_schema(schema) if schema else None}
    return trimmed


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        operation = spec["paths"][path][method]
        paths.setdefault(path, {})[method] = trim_operation(spec, operation)
    for method, path, part, alternative in AMENDMENTS:
        if part == "request":
            paths[path][method]["requestBody"]["schema"]["oneOf"].append(alternative)
        else:  # a response status documented without the body GitHub sends
            paths[path][method]["responses"][part]["schema"] = alternative
    for method, path, status in AMBIGUOUS_ERRORS:
        schema = paths[path][method]["responses"][status]["schema"]
        schema["anyOf"] = schema.pop("oneOf")
    schemas = spec["components"]["schemas"]
    wanted = schema_refs(paths)
    closure: dict[str, Any] = {}
    while wanted:
        name = wanted.pop()
        if name in closure:
            continue
        closure[name] = to_json_schema(schemas[name])
        wanted |= schema_refs(closure[name]) - closure.keys()
    return {
        "openapi": spec["openapi"],
        "info": {"source": "octokit/openapi " + spec["info"]["version"] + " (MIT)"},
        "paths": paths,
        "components": {"schemas": dict(sorted(closure.items()))},
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
    raise SystemExit(main(sys.argv[1:]))
