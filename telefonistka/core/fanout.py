"""Push-event fan-out, the pure part: which files changed, which URLs hear about it.

GitHub allows 20 webhooks per repository; a fleet of Argo CD instances needs more, each
told only about the folders it deploys. ``webhookEndpointRegexs`` routes: for each changed
file the **first** rule whose expression matches (regex search) yields every one of its
replacements, with capture groups substituted the way Go's ``regexp.Expand`` does
(``$1``, ``${1}``, ``$name``, ``${name}``, ``$$`` for a dollar; ``$1x`` names group
``1x``, so write ``${1}x``). The URLs of all files are de-duplicated and sorted.

Every URL must be ``http`` or ``https`` with a host, and every group a replacement
names must exist; otherwise ``EndpointError`` lists each rule at fault before anything is
sent. This module also signs the body (``X-Hub-Signature-256``), builds the delivery
headers and renders the per-endpoint results; the HTTP itself lives in
``telefonistka.adapters.fanout_sender``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import urlsplit

from telefonistka.core.config.model import WebhookEndpointRegex
from telefonistka.core.config.regex import Regex, RegexError, RegexMatch, compile_regex
from telefonistka.core.events.push import PushEvent
from telefonistka.core.text.log_text import display_url
from telefonistka.core.text.markdown import table_cell
from telefonistka.errors import EndpointError, TelefonistkaError
from telefonistka.ports import PushComparer

ALLOWED_SCHEMES = ("http", "https")
# Go's template syntax: $$, ${name}, or $name with name as long as possible.
# What a substituted group may yield: a DNS label in the host, path-safe text after it.
_DNS_LABEL = re.compile(r"[A-Za-z0-9-]+")
_PATH_SAFE = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/-]*")
_TEMPLATE_REF = re.compile(r"\$(?:(\$)|\{(\w+)\}|(\w+))")


# --- changed files ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedFiles:
    """The files a push changed, where they came from, and why they may be incomplete."""

    files: tuple[str, ...]
    source: Literal["payload", "compare"]
    warning: str | None = None


def changed_files(event: PushEvent, comparer: PushComparer | None = None) -> ChangedFiles:
    """The push's changed files: the payload's, or a compare when the payload falls short.

    A failing or missing comparer is not fatal: fan-out is best effort, so we fall back
    to the payload's files and say so in ``warning``.
    """
    if not event.needs_compare:
        return ChangedFiles(event.payload_files, "payload")
    if comparer is None:
        return ChangedFiles(event.payload_files, "payload", _incomplete(event, "no compare"))
    try:
        compared = comparer.compare_files(event.repository, event.before, event.after)
    except TelefonistkaError as exc:
        return ChangedFiles(event.payload_files, "payload", _incomplete(event, str(exc)))
    return ChangedFiles(tuple(sorted({*compared, *event.payload_files})), "compare")


def _incomplete(event: PushEvent, why: str) -> str:
    reason = "is a forced push" if event.forced else "lists only part of its commits or files"
    return (
        f"push {event.before[:12]}..{event.after[:12]} {reason}, and comparing the commits "
        f"was not possible ({why}); routing on the {len(event.payload_files)} files the "
        "payload lists, so endpoints of other changed folders are not notified"
    )


# --- endpoint selection -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL to notify, with the rules (0-based indexes) and files that selected it."""

    url: str
    rules: tuple[int, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to match: its index in ``webhookEndpointRegexs`` and compiled pattern."""

    index: int
    pattern: Regex
    replacements: tuple[str, ...]


def select_endpoints(
    files: Iterable[str], rules: Sequence[WebhookEndpointRegex]
) -> tuple[Endpoint, ...]:
    """The endpoints to notify for ``files``, sorted by URL; ``EndpointError`` if any is bad."""
    compiled = compile_rules(rules)
    found: dict[str, tuple[set[int], list[str]]] = {}
    problems: dict[str, None] = {}
    for path in files:
        for rule, (url, unsafe) in _urls_for(path, compiled):
            if problem := unsafe or url_problem(url):
                expression = rules[rule.index].expression
                problems[_describe_bad_url(expression, rule.index, url, path, problem)] = None
                continue
            indexes, paths = found.setdefault(url, (set(), []))
            indexes.add(rule.index)
            paths.append(path)
    if problems:
        raise EndpointError(_problem_list(list(problems)))
    return tuple(
        Endpoint(url, tuple(sorted(indexes)), tuple(paths))
        for url, (indexes, paths) in sorted(found.items())
    )


def _urls_for(
    path: str, rules: Sequence[CompiledRule]
) -> list[tuple[CompiledRule, tuple[str, str | None]]]:
    """The URLs of the first rule matching ``path``: Go's ``break`` after the first match."""
    for rule in rules:
        if match := rule.pattern.search(path):
            return [(rule, expand_url(match, t)) for t in rule.replacements]
    return []


def compile_rules(rules: Sequence[WebhookEndpointRegex]) -> tuple[CompiledRule, ...]:
    """Compile each expression and check its replacements name only groups it has."""
    compiled: list[CompiledRule] = []
    problems: list[str] = []
    for index, rule in enumerate(rules):
        try:
            pattern = compile_regex(rule.expression)
        except RegexError as exc:
            problems.append(f"webhookEndpointRegexs[{index}].expression: invalid regex: {exc}")
            continue
        for r, template in enumerate(rule.replacements):
            problems += [
                f"webhookEndpointRegexs[{index}].replacements[{r}]: {message}"
                for message in template_problems(pattern, template)
            ]
        compiled.append(CompiledRule(index, pattern, rule.replacements))
    if problems:
        raise EndpointError(_problem_list(problems))
    return tuple(compiled)


# --- Go template expansion ------------------------------------------------------------------


def expand_template(match: RegexMatch, template: str) -> str:
    """``template`` with ``$1``/``${1}``/``$name``/``${name}`` replaced, as Go expands it.

    An unknown or unmatched group becomes the empty string and a ``$`` that starts no
    reference stays literal, like Go; ``template_problems`` reports the unknown ones up front.
    ``expand_url`` also says whether the result may be used as an endpoint.
    """
    return expand_url(match, template)[0]


def expand_url(match: RegexMatch, template: str) -> tuple[str, str | None]:
    """(``template`` expanded, why the result may not be used or None).

    Why: the captured text comes from path names any contributor picks, and the URL gets
    the signed payload. A folder named ``127.0.0.1:8080#`` substituted after the host
    would send it elsewhere. So a group substituted into the host may only yield a DNS
    label (letters, digits, ``-``), one substituted after it only path-safe characters,
    none may go into the scheme, and the expanded URL must have the scheme and host that
    the template's literal text and those labels make.
    """
    pieces: list[tuple[str, str | None]] = []  # (text, group name or None for literal)
    pos = 0
    for ref in _TEMPLATE_REF.finditer(template):
        pieces.append((template[pos : ref.start()], None))
        name = ref.group(2) or ref.group(3)
        pieces.append(("$", None) if ref.group(1) else (_group_text(match, name) or "", name))
        pos = ref.end()
    pieces.append((template[pos:], None))
    url = "".join(text for text, _ in pieces)
    return url, _substitution_problem(pieces, url)


def _substitution_problem(pieces: Sequence[tuple[str, str | None]], url: str) -> str | None:
    """The first group value that lands where it may not, or a host the template does not say."""
    skeleton = "".join(text if name is None else "\0" for text, name in pieces)
    start = skeleton.find("://") + 3 if "://" in skeleton else 0
    ends = [i for i in (skeleton.find(c, start) for c in "/?#") if i >= 0]
    end = min(ends, default=len(skeleton))
    at, host = 0, ""  # position in the skeleton; the host (authority) as expanded
    for text, name in pieces:
        where = at
        at += len(text) if name is None else 1
        if name is None:
            host += skeleton[max(where, start) : min(at, end)] if where < end else ""
            continue
        if where < start:
            return f"puts ${name} ({text!r}) into the scheme; groups may not go there"
        if where < end:
            if not _DNS_LABEL.fullmatch(text):
                return (
                    f"puts ${name} ({text!r}) into the host; only letters, digits and '-' "
                    "may be substituted there"
                )
            host += text
        elif not _PATH_SAFE.fullmatch(text):
            return (
                f"puts ${name} ({text!r}) into the path; only letters, digits and "
                "-._~!$&'()*+,;=:@/ may be substituted there"
            )
    parts = urlsplit(url)
    if parts.scheme != skeleton[: max(start - 3, 0)] or parts.netloc != host:
        return "does not keep the scheme and host its template says"
    return None


def template_problems(pattern: Regex, template: str) -> list[str]:
    """A message for every group ``template`` names that ``pattern`` does not define."""
    problems = []
    for ref in _TEMPLATE_REF.finditer(template):
        name = ref.group(2) or ref.group(3)
        if name and not _group_exists(pattern, name):
            problems.append(_unknown_group(pattern, name, braced=ref.group(2) is not None))
    return problems


def _group_number(name: str) -> int | None:
    """Go reads a name of ASCII digits without a leading zero as a group number."""
    if not (name.isascii() and name.isdigit()) or (name.startswith("0") and name != "0"):
        return None
    return int(name)


def _group_exists(pattern: Regex, name: str) -> bool:
    number = _group_number(name)
    return number <= pattern.groups if number is not None else name in pattern.groupindex


def _group_text(match: RegexMatch, name: str) -> str | None:
    """The text group ``name`` captured; None when it is absent or did not take part."""
    number = _group_number(name)
    if number is None:
        return match.groupdict().get(name)
    text: str | None = match.group(number) if number <= match.re.groups else None
    return text


def _unknown_group(pattern: Regex, name: str, *, braced: bool) -> str:
    ref = f"${{{name}}}" if braced else f"${name}"
    count = f"{pattern.groups} group" + ("" if pattern.groups == 1 else "s")
    message = f"{ref} names a group the expression does not have ({count}"
    message += f", named: {', '.join(pattern.groupindex)})" if pattern.groupindex else ")"
    digits = re.match(r"\d+", name)
    if digits and not braced and digits.group() != name:
        message += f"; to follow group {digits.group()} with text write ${{{digits.group()}}}"
    return message


# --- URL checks ---------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint (not http/https, unparsable, no host), or None."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError as exc:
        return f"does not parse as a URL ({exc})"
    if parts.scheme not in ALLOWED_SCHEMES:
        got = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        return f"has {got}; only http:// and https:// endpoints are accepted"
    if not parts.hostname:
        return "has no host"
    return None


def _describe_bad_url(expression: str, index: int, url: str, path: str, problem: str) -> str:
    return (
        f"webhookEndpointRegexs[{index}] (expression {expression!r}) turns {path!r} "
        f"into {url!r}, which {problem}"
    )


def _problem_list(problems: list[str]) -> str:
    fix = "fix webhookEndpointRegexs in telefonistka.yaml on the default branch"
    return "\n".join([f"bad push fan-out rules ({fix}):", *(f"  - {p}" for p in problems)])


# --- signing and headers --------------------------------------------------------------------


def signature_sha256(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``: GitHub's ``X-Hub-Signature-256`` value."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_sha1(body: bytes, secret: str) -> str:
    """``sha1=<hex HMAC-SHA1>``: the legacy ``X-Hub-Signature`` GitHub still sends too."""
    return f"sha1={hmac.new(secret.encode('utf-8'), body, hashlib.sha1).hexdigest()}"


def webhook_headers(
    body: bytes, *, delivery_id: str, user_agent: str, secret: str | None = None
) -> dict[str, str]:
    """The headers of a forwarded push, as GitHub sends them (signed when there is a secret)."""
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": delivery_id,
        "User-Agent": user_agent,
    }
    if secret:
        headers["X-Hub-Signature-256"] = signature_sha256(body, secret)
        headers["X-Hub-Signature"] = signature_sha1(body, secret)
    return headers


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointResult:
    """How delivering to one endpoint went: final status or error, attempts, time taken."""

    url: str
    status: int | None
    error: str | None
    attempts: int
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the endpoint answered 2xx."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def outcome(self) -> str:
        """The status code, or the error, in a few words."""
        return str(self.status) if self.ok else self.error or f"HTTP {self.status}"

    def to_json(self) -> dict[str, object]:
        return {
            "url": display_url(self.url),
            "ok": self.ok,
            "status": self.status,
            "error": self.error,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
        }


class WebhookSender(Protocol):
    """The seam to the HTTP side (``adapters.fanout_sender``): one webhook body sent to
    many endpoints at once, one result per URL, in order."""

    def send_all(
        self, urls: Sequence[str], body: bytes, headers: Mapping[str, str]
    ) -> list[EndpointResult]: ...


def summary_line(results: Sequence[EndpointResult]) -> str:
    """One sentence: how many endpoints took the push and how many failed."""
    failed = sum(not r.ok for r in results)
    line = f"{len(results) - failed} of {len(results)} endpoints accepted the push"
    return f"{line}; {failed} failed" if failed else line


def format_results_table(results: Sequence[EndpointResult]) -> str:
    """A plain-text table for the log, failures first, then the summary line."""
    rows = [("RESULT", "ATTEMPTS", "SECONDS", "ENDPOINT")]
    rows += [
        (_verdict(r), str(r.attempts), f"{r.seconds:.2f}", display_url(r.url))
        for r in _failures_first(results)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3]])
        for row in rows
    ]
    return "\n".join([*lines, summary_line(results)]) + "\n"


def results_markdown(results: Sequence[EndpointResult]) -> str:
    """A Markdown table for the job summary (``$GITHUB_STEP_SUMMARY``)."""
    lines = [
        "### Push fan-out",
        "",
        summary_line(results) + ".",
        "",
        "| | Endpoint | Result | Attempts | Seconds |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {'✅' if r.ok else '❌'} | {table_cell(display_url(r.url))} | {_cell(r.outcome)} "
        f"| {r.attempts} | {r.seconds:.2f} |"
        for r in _failures_first(results)
    ]
    return "\n".join(lines) + "\n"


def results_json(results: Sequence[EndpointResult], extra: Mapping[str, object]) -> str:
    """The results as one JSON document (``extra`` adds the event facts), for scripts."""
    document = {
        **extra,
        "endpoints": [r.to_json() for r in results],
        "failed": sum(not r.ok for r in results),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _verdict(result: EndpointResult) -> str:
    return f"{'ok' if result.ok else 'FAILED'} {result.outcome}"


def _failures_first(results: Sequence[EndpointResult]) -> list[EndpointResult]:
    return sorted(results, key=lambda r: (r.ok, r.url))


def _cell(text: str) -> str:
    """Plain text that cannot end a table cell or row early."""
    return text.replace("|", "\\|").replace("\n", " ")
