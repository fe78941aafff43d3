"""The Action's settings: everything a run reads from its environment, read once.

Inputs arrive as ``INPUT_<NAME>`` with the input's name upper-cased and its hyphens kept
(``INPUT_GITHUB-TOKEN``), which is how the Actions runner passes ``with:`` values to a
container action. A missing or malformed variable or input is a ``UsageError`` naming
it (exit 2), before any request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from telefonistka.action.legacy import (
    legacy_value,
    legacy_warnings,
    unknown_inputs,
    unknown_inputs_message,
)
from telefonistka.core.github.api import DEFAULT_BASE_URL
from telefonistka.core.github.repo_paths import repo_path_problem
from telefonistka.core.text.log_text import display_url
from telefonistka.errors import UsageError

DEFAULT_SERVER_URL = "https://github.com"
RAW_INPUTS = frozenset({"bump-file-content", "bump-replacement"})  # kept unstripped
# Inputs whose values never reach the log, not even at log-level debug (they are masked too).
SECRET_INPUTS = frozenset(
    {
        "github-token",
        "app-private-key",
        "approver-token",
        "approver-app-private-key",
        "webhook-secret",
        "argocd-token",
        "metrics-pushgateway-password",
        "metrics-pushgateway-header",
    }
)
_TRUE, _FALSE = frozenset({"true", "yes", "1", "on"}), frozenset({"false", "no", "0", "off"})
_SHOWN_VALUE = 80  # characters of an input's value in the debug log


class LogLevel(IntEnum):
    """The ``log-level`` input: which lines of the job log are written."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Identity:
    """Who the bot acts as: a token, or a GitHub App (id + private key) for the repo."""

    token: str = ""
    app_id: str = ""
    app_private_key: str = ""
    key_input: str = "app-private-key"  # the input the key came from, for messages

    @property
    def configured(self) -> bool:
        return bool(self.token or self.app_id)

    def describe(self) -> str:
        """Which kind of identity, for the debug log; never the secret itself."""
        if self.app_id:
            key = "with" if self.app_private_key else "WITHOUT"
            return f"GitHub App {self.app_id} ({key} its private key)"
        return "a token" if self.token else "none"


@dataclass(frozen=True)
class WorkflowRun:
    """The run's own facts (``GITHUB_REPOSITORY``, ``GITHUB_SHA``, ``GITHUB_ACTOR``).

    Only feature-specific defaults read them (the bump's triggering repo, commit and
    actor, its target repo): the repository acted on by events is the payload's.
    """

    repository: str = ""
    sha: str = ""
    actor: str = ""
    run_id: str = ""  # GITHUB_RUN_ID: links to this run (its job summary)


@dataclass(frozen=True)
class ArgoCdSettings:
    """Where the Argo CD API is and how to reach it; ``url`` "" when not configured."""

    url: str = ""
    token: str = ""
    insecure: bool = False
    ca_file: str = ""
    budget: float = 180.0  # ``argocd-timeout``: seconds for all Argo CD work of a run

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class MetricsSettings:
    """Where the run's metrics go (``metrics-pushgateway-*``); ``url`` "" for nowhere."""

    url: str = ""
    username: str = ""
    password: str = ""
    header: str = ""  # "Name: value"

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class Settings:
    """Everything the run reads from the environment, read once by ``read_settings``."""

    event_name: str
    event_path: Path
    identity: Identity
    approver: Identity = Identity()
    api_url: str = DEFAULT_BASE_URL
    server_url: str = DEFAULT_SERVER_URL
    templates_path: str | None = None  # a folder of the repository, read from its default branch
    dry_run: bool | None = None
    output_path: Path | None = None
    summary_path: Path | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    workflow_run: WorkflowRun = WorkflowRun()
    log_level: LogLevel = LogLevel.INFO
    on_runner: bool = False  # GITHUB_ACTIONS=true: workflow commands reach a runner
    # What the run was given and ignores or reads under an old name (``legacy``): warned.
    warnings: tuple[str, ...] = ()
    argocd: ArgoCdSettings = ArgoCdSettings()
    metrics: MetricsSettings = MetricsSettings()

    def input(self, name: str) -> str:
        """Action input ``name`` (kebab-case, as in ``with:``), stripped; "" when not set."""
        return self.inputs.get(name, "")

    def describe(self) -> list[str]:
        """The settings in effect, one line each, for the debug log; secrets never shown."""
        dry_run = "from the repo configuration" if self.dry_run is None else str(self.dry_run)
        run = self.workflow_run
        lines = [
            f"event: {self.event_name} from {self.event_path}",
            f"log-level: {self.log_level}",
            f"identity: {self.identity.describe()}; approver: {self.approver.describe()}",
            f"API: {self.api_url}; server: {self.server_url}",
            f"templates-path: {self.templates_path or 'packaged templates only'}",
            f"dry-run: {dry_run}",
            f"GITHUB_OUTPUT: {self.output_path or 'not set'}; "
            f"GITHUB_STEP_SUMMARY: {self.summary_path or 'not set'}",
            f"workflow run: repository {run.repository or '?'}, sha {run.sha or '?'}, "
            f"actor {run.actor or '?'}",
        ]
        for name, value in sorted(self.inputs.items()):
            lines.append(f"input {name}: {_shown(name, value)}")
        return lines


def _shown(name: str, value: str) -> str:
    """An input's value as the debug log shows it: secrets hidden, a password in a URL
    replaced by ``***``, long values cut."""
    if name in SECRET_INPUTS:
        return "(set, hidden)"
    if "://" in value and "@" in value:
        value = display_url(value)
    if len(value) <= _SHOWN_VALUE:
        return repr(value)
    return f"{value[:_SHOWN_VALUE]!r}… ({len(value)} characters)"


def read_settings(environ: Mapping[str, str]) -> Settings:
    """The run's settings; ``UsageError`` names the variable or input at fault.

    The token is ``with: github-token`` or else ``GITHUB_TOKEN`` from the step's ``env:``;
    whether one is needed is decided later, since an event the bot ignores needs none.
    Events act on the payload's ``repository``, not ``GITHUB_REPOSITORY`` (which also
    holds for ``telefonistka event`` outside Actions); ``workflow_run`` keeps the
    ``GITHUB_*`` facts only for the bump inputs' defaults.
    """
    unknown = [name for name, _ in unknown_inputs(environ)]
    if unknown:
        raise UsageError(unknown_inputs_message(unknown))
    event_name = _required(environ, "GITHUB_EVENT_NAME")
    event_path = Path(_required(environ, "GITHUB_EVENT_PATH"))
    templates = _templates_path(environ)
    warnings = legacy_warnings(environ)

    def input_or_old(name: str, env: str = "") -> str:
        """Input ``name``, else variable ``env``, else its Go-original spelling (warned)."""
        value = _input(environ, name) or (environ.get(env, "").strip() if env else "")
        if value:
            return value
        value, warning = legacy_value(environ, name)
        if warning:
            warnings.append(warning)
        return value

    return Settings(
        event_name=event_name,
        event_path=event_path,
        identity=Identity(
            token=input_or_old("github-token", "GITHUB_TOKEN"),
            app_id=input_or_old("app-id"),
            app_private_key=_input(environ, "app-private-key"),
        ),
        approver=Identity(
            token=input_or_old("approver-token"),
            app_id=input_or_old("approver-app-id"),
            app_private_key=_input(environ, "approver-app-private-key"),
            key_input="approver-app-private-key",
        ),
        api_url=environ.get("GITHUB_API_URL") or DEFAULT_BASE_URL,
        server_url=environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
        templates_path=templates,
        dry_run=_optional_bool(environ, "dry-run"),
        output_path=_optional_path(environ, "GITHUB_OUTPUT"),
        summary_path=_optional_path(environ, "GITHUB_STEP_SUMMARY"),
        inputs=_inputs(environ),
        workflow_run=WorkflowRun(
            repository=environ.get("GITHUB_REPOSITORY", "").strip(),
            sha=environ.get("GITHUB_SHA", "").strip(),
            actor=environ.get("GITHUB_ACTOR", "").strip(),
            run_id=environ.get("GITHUB_RUN_ID", "").strip(),
        ),
        log_level=_log_level(environ),
        on_runner=runs_on_runner(environ),
        warnings=tuple(warnings),
        argocd=_argocd(environ, input_or_old),
        metrics=_metrics(environ),
    )


def runs_on_runner(environ: Mapping[str, str]) -> bool:
    """Whether workflow commands reach an Actions runner (``GITHUB_ACTIONS=true``)."""
    return environ.get("GITHUB_ACTIONS", "").strip().lower() == "true"


def secrets_in(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Every secret the environment holds (the secret inputs and ``GITHUB_TOKEN``), read
    without validating anything else, so they can be masked first.

    The value of an input that is not one of ours counts as a secret too: a misspelt
    ``github_token`` is still a token.
    """
    names = [f"INPUT_{name.upper()}" for name in sorted(SECRET_INPUTS)] + ["GITHUB_TOKEN"]
    names += ["INPUT_REPO-TOKEN", "GITHUB_OAUTH_TOKEN", "APPROVER_GITHUB_OAUTH_TOKEN"]
    names += ["ARGOCD_TOKEN"]
    for url_input in ("INPUT_METRICS-PUSHGATEWAY-URL", "INPUT_ARGOCD-URL"):
        _, credentials = _without_credentials(environ.get(url_input, "").strip())
        if credentials is not None and credentials[1]:
            names.append(f"{url_input}\0password")
    names += [f"INPUT_{name.upper()}" for name, _ in unknown_inputs(environ)]
    return tuple(value for name in names if (value := _secret_value(environ, name)))


def _secret_value(environ: Mapping[str, str], name: str) -> str:
    """The variable's value; ``NAME\0password``: the password of the URL it holds."""
    variable, _, part = name.partition("\0")
    value = environ.get(variable, "").strip()
    if part:
        credentials = _without_credentials(value)[1]
        return credentials[1] if credentials else ""
    return value


def _argocd(environ: Mapping[str, str], input_or_old: Callable[[str, str], str]) -> ArgoCdSettings:
    """The ``argocd-*`` inputs, else the Go original's ``ARGOCD_*`` variables.

    ``ARGOCD_SERVER_ADDR`` is a host and port (``argocd.example.com:443``): it becomes an
    ``https://`` URL, ``http://`` with ``ARGOCD_PLAINTEXT=true``.
    """
    url = _input(environ, "argocd-url")
    address = environ.get("ARGOCD_SERVER_ADDR", "").strip()
    if not url and address:
        plaintext = environ.get("ARGOCD_PLAINTEXT", "").strip().lower() in _TRUE
        url = address if "://" in address else f"{'http' if plaintext else 'https'}://{address}"
    if url and not url.startswith(("https://", "http://")):
        raise UsageError(f"input argocd-url {url!r} is not an https:// URL of the Argo CD server")
    insecure = _input(environ, "argocd-insecure") or environ.get("ARGOCD_INSECURE", "")
    if insecure.strip().lower() not in _TRUE | _FALSE | {""}:
        raise UsageError(f"input argocd-insecure must be true or false, got {insecure!r}")
    token = input_or_old("argocd-token", "ARGOCD_TOKEN")
    if url and not token:
        raise UsageError("argocd-url is set but argocd-token is not: set it from a secret")
    return ArgoCdSettings(
        url=url.rstrip("/"),
        token=token,
        insecure=insecure.strip().lower() in _TRUE,
        ca_file=_input(environ, "argocd-ca-file"),
        budget=_seconds(environ, "argocd-timeout", default=180.0, most=3600.0),
    )


def _seconds(environ: Mapping[str, str], name: str, *, default: float, most: float) -> float:
    """A duration input in seconds, more than 0 and at most ``most``; empty: ``default``."""
    text = _input(environ, name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= most:
        raise UsageError(
            f"input {name} must be seconds, more than 0 and at most {most:g}; got {text!r}"
        )
    return value


def _metrics(environ: Mapping[str, str]) -> MetricsSettings:
    """The ``metrics-pushgateway-*`` inputs, checked before anything runs."""
    url = _input(environ, "metrics-pushgateway-url")
    if url and not url.startswith(("https://", "http://")):
        raise UsageError(
            f"input metrics-pushgateway-url {url!r} is not an http(s):// URL of a Pushgateway"
        )
    header = _input(environ, "metrics-pushgateway-header")
    name, colon, value = header.partition(":")
    if header and (not colon or not name.strip() or not value.strip() or " " in name.strip()):
        raise UsageError(
            "input metrics-pushgateway-header must be one header as `Name: value` "
            "(for example `Authorization: Bearer …`)"
        )
    username = _input(environ, "metrics-pushgateway-username")
    password = _input(environ, "metrics-pushgateway-password")
    url, in_url = _without_credentials(url)
    if in_url and (username or password):
        raise UsageError(
            "input metrics-pushgateway-url carries credentials and so do the "
            "metrics-pushgateway-username/-password inputs: give them once"
        )
    if in_url:  # http://user:pass@host: sent as basic auth, never printed
        username, password = in_url
    if password and not username:
        raise UsageError("input metrics-pushgateway-password is set without its username")
    return MetricsSettings(url.rstrip("/"), username, password, header)


def _without_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without ``user:password@`` and the (user, password) it carried, decoded."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    host = parts.netloc.rsplit("@", 1)[1]
    credentials = (unquote(parts.username or ""), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=host)), credentials


def _templates_path(environ: Mapping[str, str]) -> str | None:
    """The ``templates-path`` input: a plain folder path of the repository, or None."""
    value = _input(environ, "templates-path")
    if not value:
        return None
    problem = repo_path_problem(value, folder=True)
    if problem is not None:
        raise UsageError(
            f"input templates-path {value!r} is not a folder of the repository: {problem}"
        )
    return value.rstrip("/")


def _log_level(environ: Mapping[str, str]) -> LogLevel:
    """The ``log-level`` input; empty means ``info``."""
    value = _input(environ, "log-level").lower() or "info"
    try:
        return LogLevel[value.upper()]
    except KeyError:
        allowed = ", ".join(str(level) for level in LogLevel)
        raise UsageError(f"input log-level must be one of {allowed}, got {value!r}") from None


def _inputs(environ: Mapping[str, str]) -> dict[str, str]:
    """Every non-empty ``INPUT_*`` by its kebab-case name, for the features' own settings.

    Values are stripped like ``@actions/core``'s ``getInput`` does, except the ones
    whose whitespace is content (a file's final newline, a replacement's spaces).
    """
    inputs = {}
    for key, value in environ.items():
        name = key.removeprefix("INPUT_").lower()
        if key.startswith("INPUT_") and value.strip():
            inputs[name] = value if name in RAW_INPUTS else value.strip()
    return inputs


def _input(environ: Mapping[str, str], name: str) -> str:
    """An action input as the runner passes it (``INPUT_GITHUB-TOKEN``), stripped."""
    return environ.get(f"INPUT_{name.upper()}", "").strip()


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise UsageError(
            f"{name} is not set: run telefonistka as a GitHub Action step, or use "
            "`telefonistka event --type NAME --file PATH` outside Actions"
        )
    return value


def _optional_bool(environ: Mapping[str, str], name: str) -> bool | None:
    """An input that is true, false, or empty (not set: the repo config decides)."""
    value = _input(environ, name).lower()
    if not value:
        return None
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise UsageError(f"input {name} must be true or false, got {value!r}")


def _optional_path(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name, "").strip()
    return Path(value) if value else None
