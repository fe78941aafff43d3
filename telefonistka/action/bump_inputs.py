"""The ``bump-*`` inputs of a ``workflow_dispatch`` run, read into one version bump.

A code repo's pipeline dispatches a workflow (``gh workflow run``, or the REST API)
whose step runs the Action with ``bump-*`` inputs; this module turns those inputs into
a ``BumpRequest`` for the same use case as ``telefonistka bump-*``
(``telefonistka.usecases.bump_version.bump``). Inputs are checked before any request,
and a missing or bad one is a ``UsageError`` naming it (exit 2).

Defaults: ``bump-target-repo`` is ``GITHUB_REPOSITORY`` (the dispatched workflow
usually lives in the IaC repo it bumps, where the job's own token can write);
``bump-triggering-repo``/``-sha``/``-actor`` are ``GITHUB_REPOSITORY``/``GITHUB_SHA``/
``GITHUB_ACTOR``, which only suit a workflow in the code repo itself, so a dispatched
workflow should pass the code repo's values through its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from telefonistka.core.github.api import host_api_url
from telefonistka.core.text.markdown import code_span, fenced
from telefonistka.errors import BumpError, UsageError
from telefonistka.usecases.bump_edits import Edit, overwrite_edit, regex_edit, yaml_edit
from telefonistka.usecases.bump_version import BumpOutcome, BumpRequest

if TYPE_CHECKING:
    from telefonistka.action.settings import Settings

_TRUE, _FALSE = "true", "false"


class BumpKind(StrEnum):
    """The ``bump-type`` input: which edit, and so which other inputs are required."""

    OVERWRITE = "overwrite"
    REGEX = "regex"
    YAML = "yaml"


@dataclass(frozen=True)
class BumpJob:
    """Where to bump (repository and API root) and what (the use case's request)."""

    kind: BumpKind
    target_repo: str
    api_url: str
    request: BumpRequest


def read_bump_job(settings: Settings) -> BumpJob:
    """The bump the inputs describe; ``UsageError`` names the first input at fault."""
    inputs, run = settings.inputs, settings.workflow_run
    kind = _kind(inputs.get("bump-type", ""))
    target_file = _required(inputs, "bump-target-file")
    request = BumpRequest(
        target_file=target_file,
        edit=_edit(kind, inputs, target_file),
        triggering_repo=inputs.get("bump-triggering-repo") or run.repository,
        triggering_sha=inputs.get("bump-triggering-sha") or run.sha,
        triggering_actor=inputs.get("bump-triggering-actor") or run.actor,
        base_branch=inputs.get("bump-base-branch") or None,
        auto_merge=_flag(inputs, "bump-auto-merge"),
        dry_run=bool(settings.dry_run),
    )
    _check_trigger(request)
    target_repo = inputs.get("bump-target-repo") or run.repository
    if not target_repo:
        raise UsageError("input bump-target-repo is required (OWNER/NAME of the repo to bump)")
    api_url = host_api_url(inputs.get("bump-github-host"), settings.api_url)
    return BumpJob(kind, target_repo, api_url, request)


def _kind(text: str) -> BumpKind:
    try:
        return BumpKind(text.lower())
    except ValueError:
        choices = ", ".join(kind.value for kind in BumpKind)
        got = f"got {text!r}" if text else "it is not set"
        raise UsageError(f"input bump-type must be one of {choices}; {got}") from None


def _edit(kind: BumpKind, inputs: Mapping[str, str], path: str) -> Edit:
    """The edit of ``kind`` from its own inputs (each required for that kind only)."""
    if kind is BumpKind.OVERWRITE:
        return overwrite_edit(_required(inputs, "bump-file-content").encode("utf-8"))
    if kind is BumpKind.REGEX:
        pattern = _required(inputs, "bump-regex")
        try:
            return regex_edit(path, pattern, inputs.get("bump-replacement", ""))
        except BumpError as exc:
            raise UsageError(f"input bump-regex / bump-replacement: {exc}") from None
    return yaml_edit(path, _required(inputs, "bump-address"), _required(inputs, "bump-value"))


def _check_trigger(request: BumpRequest) -> None:
    """The bump branch is named after the triggering repo and commit: both are needed."""
    for name, value, default in (
        ("bump-triggering-repo", request.triggering_repo, "GITHUB_REPOSITORY"),
        ("bump-triggering-sha", request.triggering_sha, "GITHUB_SHA"),
    ):
        if not value:
            raise UsageError(
                f"input {name} is required: it names the bump branch, and {default} is not set"
            )


def _required(inputs: Mapping[str, str], name: str) -> str:
    value = inputs.get(name, "")
    if not value:
        raise UsageError(f"input {name} is required for this bump-type; it is empty or not set")
    return value


def _flag(inputs: Mapping[str, str], name: str) -> bool:
    value = inputs.get(name, "").lower()
    if value not in {"", _TRUE, _FALSE}:
        raise UsageError(f"input {name} must be true or false, got {value!r}")
    return value == _TRUE


def bump_outputs(outcome: BumpOutcome) -> dict[str, str]:
    """``bump-status`` always; ``bump-pr-url`` and ``bump-pr-number`` ("" when no PR)."""
    pull = outcome.pull
    return {
        "bump-status": str(outcome.status),
        "bump-pr-url": pull.html_url if pull else "",
        "bump-pr-number": str(pull.number) if pull else "",
    }


def bump_summary(job: BumpJob, outcome: BumpOutcome) -> str:
    """The job summary: what was bumped, how it ended, the PR and the diff."""
    where = f"{code_span(job.request.target_file)} in {code_span(job.target_repo)}"
    lines = [f"### Telefonistka: version bump ({job.kind})", "", f"{where}: {outcome.status}"]
    if outcome.pull is not None:
        lines.append(f"PR [#{outcome.pull.number}]({outcome.pull.html_url})")
    if outcome.diff:
        lines += ["", fenced(outcome.diff, "diff")]
    return "\n".join(lines) + "\n"
