"""Coming from the Go original: its Action input and environment variables, recognised.

Why: a workflow copied from the Go original's action passes ``repo-token``, and a team
that ran its server sets ``GITHUB_OAUTH_TOKEN`` and friends. Those that mean the same
here (the tokens) keep working, with a warning naming the new spelling; those whose
meaning changed (a template *file path* in the container, Go templates) are not read, and
a warning says what to use instead. docs/migration.md lists every name.

A misspelt input (``githubtoken``, ``dry_run``) is not a warning but an input error (see
``unknown_inputs``): the runner passes it along, and a run that ignored ``dry_run: true``
would write for real.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

# Every input of action.yml (tests/test_packaging.py holds the two lists equal).
KNOWN_INPUTS = (
    "github-token",
    "app-id",
    "app-private-key",
    "approver-token",
    "approver-app-id",
    "approver-app-private-key",
    "templates-path",
    "dry-run",
    "promote-pr",
    "rollback-pr",
    "rollback-reason",
    "argocd-url",
    "argocd-token",
    "argocd-insecure",
    "argocd-ca-file",
    "argocd-timeout",
    "gates",
    "report",
    "dashboard",
    "report-stale-after-hours",
    "report-window",
    "metrics-pushgateway-url",
    "metrics-pushgateway-username",
    "metrics-pushgateway-password",
    "metrics-pushgateway-header",
    "webhook-secret",
    "fanout-timeout",
    "fanout-retries",
    "fanout-fail-on-error",
    "bump-type",
    "bump-target-repo",
    "bump-target-file",
    "bump-file-content",
    "bump-regex",
    "bump-replacement",
    "bump-address",
    "bump-value",
    "bump-triggering-repo",
    "bump-triggering-sha",
    "bump-triggering-actor",
    "bump-auto-merge",
    "bump-base-branch",
    "bump-github-host",
    "status-target-url",
    "log-level",
    "command-replies",
    "repo-token",
)
# Old name → the input that now holds the same value (read when the new one is empty).
INPUT_ALIASES = {"repo-token": "github-token"}
# The Go server's variables that mean the same here: variable → the input to use.
ENV_ALIASES = {
    "GITHUB_OAUTH_TOKEN": "github-token",
    "APPROVER_GITHUB_OAUTH_TOKEN": "approver-token",
    "GITHUB_APP_ID": "app-id",
    "APPROVER_GITHUB_APP_ID": "approver-app-id",
}
# The Go server's variables whose meaning changed: variable → what to do instead.
NOT_READ = {
    "GITHUB_APP_PRIVATE_KEY_PATH": (
        "pass the key itself in the `app-private-key` input (from a secret), not a file path"
    ),
    "APPROVER_GITHUB_APP_PRIVATE_KEY_PATH": (
        "pass the key itself in the `approver-app-private-key` input, not a file path"
    ),
    "TEMPLATES_PATH": (
        "set the `templates-path` input to a folder of the repository holding Jinja2 "
        "templates (Go templates are not read; docs/migration.md shows each one's twin)"
    ),
    "CUSTOM_COMMIT_STATUS_URL_TEMPLATE_PATH": (
        "set the `status-target-url` input to the URL template itself, in Jinja2 "
        "(`{{ commit_time }}` for the Go `{{.CommitTime}}`)"
    ),
    "GITHUB_HOST": (
        "nothing to set: the runner's GITHUB_API_URL names the host; `bump-github-host` "
        "bumps a repository on another one"
    ),
    "GITHUB_WEBHOOK_SECRET": (
        "there is no webhook server: the Action runs on the workflow's events; for push "
        "fan-out the `webhook-secret` input signs the forwarded deliveries"
    ),
    "HANDLE_SELF_COMMENT": "comments of the bot's own identity are never handled",
}


def legacy_value(environ: Mapping[str, str], name: str) -> tuple[str, str]:
    """(value, warning) of input ``name`` taken from its old spelling, when only that is
    set: the ``repo-token`` input, or the Go server's variable. ("", "") when neither."""
    for old, new in INPUT_ALIASES.items():
        value = environ.get(f"INPUT_{old.upper()}", "").strip()
        if new == name and value:
            return value, f"input `{old}` is the Go original's name: use `{new}`"
    for variable, new in ENV_ALIASES.items():
        value = environ.get(variable, "").strip()
        if new == name and value:
            return value, f"{variable} is the Go original's variable: use the `{new}` input"
    return "", ""


def unknown_inputs(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, value) of every ``INPUT_*`` that is not one of the Action's inputs.

    Any value counts, even an empty one: ``dry_run: ""`` is as misspelt as ``dry_run: true``.
    """
    found = []
    for key, value in sorted(environ.items()):
        name = key.removeprefix("INPUT_").lower()
        if key.startswith("INPUT_") and name not in KNOWN_INPUTS:
            found.append((name, value))
    return found


def unknown_inputs_message(names: list[str]) -> str:
    """The input error for misspelt inputs: each one and the spelling it most likely meant."""
    each = "; ".join(f"`{name}`{_suggest(name)}" for name in names)
    noun = "an input" if len(names) == 1 else "inputs"
    return (
        f"{each}: not {noun} of telefonistka, so nothing was done (a misspelt `dry-run` "
        "must not write for real); fix the name in the step's `with:` "
        "(docs/github-action.md lists every input)"
    )


def legacy_warnings(environ: Mapping[str, str]) -> list[str]:
    """What the run does not read and should say so: the Go server's variables."""
    warnings = []
    for variable, instead in NOT_READ.items():
        if environ.get(variable, "").strip():
            warnings.append(f"{variable} (a Go original setting) is not read: {instead}")
    return warnings


def _suggest(name: str) -> str:
    """ " (did you mean `x`?)" for a close known input ("dry_run" → "dry-run")."""
    spelt = name.replace("_", "-")
    if spelt in KNOWN_INPUTS:
        return f" (did you mean `{spelt}`?)"
    close = difflib.get_close_matches(spelt, KNOWN_INPUTS, n=1, cutoff=0.75)
    return f" (did you mean `{close[0]}`?)" if close else ""
