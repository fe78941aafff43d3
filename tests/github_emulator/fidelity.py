"""Holding the emulator to GitHub's OpenAPI description (the vendored, trimmed copy).

``check_entry`` validates one logged exchange: the request body against the operation's
request schema and the response body against the response schema for its status (an
undocumented error status is held to ``basic-error``). Regenerate the vendored copy with
``scripts/vendor_openapi.py``.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .state import LogEntry

SPEC_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "openapi"
SPEC_FILE = SPEC_PATH / "github-rest-trimmed.json.gz"
BASIC_ERROR = {"$ref": "#/components/schemas/basic-error"}
_NOT_REST = frozenset({"/graphql"})


@cache
def spec() -> dict[str, Any]:
    with gzip.open(SPEC_FILE, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def operations() -> set[tuple[str, str]]:
    """(METHOD, path template) of every vendored operation."""
    return {(m.upper(), p) for p, methods in spec()["paths"].items() for m in methods}


def operation(method: str, route: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = spec()["paths"].get(route, {}).get(method.lower())
    return found


@cache
def _validator(method: str, route: str, part: str, status: int) -> Draft202012Validator | None:
    op = operation(method, route)
    if op is None:
        return None
    if part == "request":
        schema = op.get("requestBody", {}).get("schema")
    else:
        documented = op["responses"].get(str(status))
        schema = documented["schema"] if documented else (BASIC_ERROR if status >= 400 else None)
    if schema is None:
        return None
    return Draft202012Validator({**schema, "components": spec()["components"]})


def check_entry(entry: LogEntry) -> list[str]:
    """Problems with one exchange; empty when it matches GitHub's description."""
    if entry.route is None or entry.fault or entry.route in _NOT_REST:
        return []
    where = f"{entry.method} {entry.path} -> {entry.status}"
    if operation(entry.method, entry.route) is None:
        return [f"{where}: {entry.method} {entry.route} is not in the vendored OpenAPI copy"]
    problems = []
    request = _validator(entry.method, entry.route, "request", 0)
    if request is not None and entry.request_body is not None:
        problems += [
            f"{where}: request {e.message}" for e in request.iter_errors(entry.request_body)
        ]
    response = _validator(entry.method, entry.route, "response", entry.status)
    if response is None:
        if entry.response_body is not None and entry.status != 200:
            problems.append(f"{where}: a body where GitHub documents none")
        return problems
    errors = list(response.iter_errors(entry.response_body))
    return problems + [f"{where}: response {_describe(e)}" for e in errors[:5]]


def _describe(error: Any) -> str:
    path = "/".join(str(p) for p in error.absolute_path)
    return f"at /{path}: {error.message[:300]}"


def check_log(entries: list[LogEntry]) -> list[str]:
    return [problem for entry in entries for problem in check_entry(entry)]
