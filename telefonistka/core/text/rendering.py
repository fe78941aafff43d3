"""Every PR body and comment, rendered from Jinja2 templates a repo can override.

The packaged templates live in ``telefonistka/templates/*.j2``; each starts with a
``{# … #}`` comment listing the variables it receives. A ``Renderer`` looks a template up
first in ``overrides`` (name → source text, e.g. read from the repo through the API), then
in ``override_dir`` (a repo's templates folder), then in the package: a file with the same
name replaces the packaged one. Undefined variables are errors (``StrictUndefined``), so a
broken override fails loudly with a ``RenderError`` naming the template, never renders a
silent blank. Output is markdown: no autoescaping (the ``e`` filter escapes where HTML is
written on purpose).

Titles are plain Python (GitHub's limit is a character count, not a template matter);
the drift warning is split here, below GitHub's comment size limit, at pair and file
boundaries, by measuring the rendered text.
"""

from __future__ import annotations

import dataclasses
import os
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from telefonistka.core.drift.compare import DriftReport, FileDrift, PairDrift
from telefonistka.core.drift.yamldiff import format_change
from telefonistka.core.promotion.holds import marker as hold_marker
from telefonistka.core.promotion.keep_fields import KeptField
from telefonistka.core.promotion.metadata import PromotionMetadata, encode_metadata_block
from telefonistka.core.promotion.planning import (
    TITLE_ARROW,
    TITLE_PREFIX,
    Conflict,
    Plan,
    Promotion,
)
from telefonistka.core.promotion.rollback import RollbackPlan
from telefonistka.core.promotion.sync import KeptFile
from telefonistka.core.text.markdown import (
    code_span,
    fence_for,
    fenced,
    html_text,
    table_cell,
    visible,
)
from telefonistka.core.text.markdown import text as markdown_text
from telefonistka.errors import ConfigError, ConfigProblem, RenderError, TelefonistkaError

TITLE_LIMIT = 250
COMMENT_LIMIT = 65_000
# GitHub refuses a PR body or comment over 65,536 characters; a margin for what we add.
BODY_LIMIT = 65_000
KEPT_SHOWN = 50  # kept files named in a promotion PR body; the rest are counted
DRIFT_MARKER = "<!-- telefonistka:drift -->"
MARKDOWN_BREAK = "  "
HISTORY_TAB = "&nbsp;" * 4

# Part count assumed while packing, before the real count is known: wider than any real
# one, so a measured part is never shorter than its final rendering.
_PLACEHOLDER_PARTS = 99_999


@dataclass(frozen=True)
class _Stage:
    """One line group of the promotion history."""

    number: int
    source_path: str
    target_paths: tuple[str, ...]


@dataclass(frozen=True)
class _LeftOut:
    """How much a shortened plan comment does not list."""

    promotions: int = 0
    pairs: int = 0
    conflicts: int = 0
    warnings: int = 0

    @property
    def any(self) -> bool:
        return bool(self.promotions or self.pairs or self.conflicts or self.warnings)


@dataclass(frozen=True)
class _ConcisePair:
    """One drifted pair as the concise drift comment lists it."""

    target: str
    source: str
    differing: int
    only_in_source: int
    only_in_target: int
    files: tuple[str, ...]

    @classmethod
    def of(cls, pair: PairDrift) -> _ConcisePair:
        names = [d.path for d in pair.differing] + [*pair.only_in_source, *pair.only_in_target]
        shown = tuple(names[:_CONCISE_FILES]) + (("…",) if len(names) > _CONCISE_FILES else ())
        counts = len(pair.differing), len(pair.only_in_source), len(pair.only_in_target)
        return cls(pair.target, pair.source, *counts, shown)


_CONCISE_FILES = 5  # files named per pair in the concise drift comment


@dataclass(frozen=True)
class _PromotionPr:
    """A promotion PR named in the auto-merge comment."""

    number: int
    url: str


class Renderer:
    """Renders every output from the packaged templates or a repo's overrides.

    Every template, packaged or overridden, runs in Jinja2's immutable sandbox: a
    template can read the variables it is given and nothing else (no ``__globals__``,
    no ``os.environ``, no method that changes data), because an override is text from a
    repository and its output is posted where anyone can read it.

    ``overrides`` maps a template name to its source, read from ``override_folder`` of
    the repository (the Action reads them from the default branch through the API);
    ``override_dir`` is a local folder (the CLI). A broken override is the repository's
    configuration at fault: a ``ConfigError`` naming its file and line. A broken packaged
    template is a ``RenderError``.
    """

    def __init__(
        self,
        override_dir: str | os.PathLike[str] | None = None,
        overrides: Mapping[str, str] | None = None,
        override_folder: str = "",
    ) -> None:
        self._overriding: list[jinja2.BaseLoader] = []
        if overrides:
            given = dict(overrides)
            lead = f"{override_folder.rstrip('/')}/" if override_folder else ""

            def load(name: str) -> tuple[str, str, Callable[[], bool]] | None:
                source = given.get(name)
                return None if source is None else (source, f"{lead}{name}", lambda: True)

            self._overriding.append(jinja2.FunctionLoader(load))
        if override_dir is not None:
            self._overriding.append(jinja2.FileSystemLoader(os.fspath(override_dir)))
        packaged = jinja2.PackageLoader("telefonistka", "templates")
        self._loader = jinja2.ChoiceLoader([*self._overriding, packaged])
        self._env = ImmutableSandboxedEnvironment(
            loader=self._loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # the output is markdown, not HTML
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(
            code=code_span,
            cell=table_cell,
            text=markdown_text,
            html=html_text,
            fenced=fenced,
            yaml_change=format_change,
        )
        self._env.globals.update(BR=MARKDOWN_BREAK, TAB=HISTORY_TAB)

    def render(self, name: str, **variables: Any) -> str:
        """Render one template; a broken override is a ``ConfigError`` at its file and line."""
        try:
            return self._env.get_template(name).render(**variables)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"template {name} not found (not overridden nor packaged)") from exc
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            filename = self._override_file(name)
            if filename is None:
                raise RenderError(self._explain(name, exc)) from exc
            line = _template_line(exc, filename)
            problem = ConfigProblem(filename, line, 1, "", self._explain(name, exc, line))
            raise ConfigError([problem]) from exc

    def _override_file(self, name: str) -> str | None:
        """The file an override of ``name`` comes from; None when the packaged one is used."""
        for loader in self._overriding:
            try:
                _, filename, _ = loader.get_source(self._env, name)
            except jinja2.TemplateNotFound:
                continue
            return filename or name
        return None

    def _explain(self, name: str, exc: Exception, line: int = 0) -> str:
        """Say which template failed, where it came from, and what to check."""
        if not line and isinstance(exc, jinja2.TemplateSyntaxError):
            line = exc.lineno
        where = f"line {line}, " if line else ""
        return (
            f"cannot render template {name} ({where}{self._origin(name)}): {exc}. "
            "An override receives only the variables listed in the header comment of the "
            "packaged template of the same name; compare the two."
        )

    def _origin(self, name: str) -> str:
        """Where ``name`` is loaded from, for error messages."""
        try:
            _, filename, _ = self._loader.get_source(self._env, name)
        except jinja2.TemplateNotFound:
            return "not found"
        return f"from {filename}" if filename else "from the given overrides"

    def promotion_title(self, promotion: Promotion) -> tuple[str, str]:
        """See ``promotion_title``: titles are not templated."""
        return promotion_title(promotion)

    def promotion_body(
        self,
        promotion: Promotion,
        metadata: PromotionMetadata,
        *,
        overflow: str | None = None,
        conflicts: Sequence[Conflict] = (),
        kept: Sequence[KeptFile] = (),
        kept_fields: Sequence[KeptField] = (),
    ) -> str:
        """The body of the promotion PR of ``promotion`` (template ``promotion_body.j2``).

        ``overflow`` is the cut-off end of the title (computed from the title when not
        given); ``conflicts`` adds the sources of the promotion's conflicted targets;
        ``kept`` the target files ``keepLocal`` left as they are (named, never shown: a
        kept file may be a secret), the first ``KEPT_SHOWN``.
        """
        if overflow is None:
            overflow = promotion_title(promotion)[1]
        sync = list(promotion.sync)

        def body(shown: int, meta: PromotionMetadata = metadata) -> str:
            return self.render(
                "promotion_body.j2",
                overflow=overflow,
                components=",".join(promotion.components),
                history=history(meta, promotion),
                sync=sync[:shown],
                sync_hidden=len(sync) - shown,
                paths_left_out=meta is not metadata,
                skipped=[(name, list(targets)) for name, targets in promotion.skipped],
                conflicts=_promotion_conflicts(promotion, conflicts),
                kept=[(k.path, k.how) for k in kept[:KEPT_SHOWN]],
                kept_hidden=max(len(kept) - KEPT_SHOWN, 0),
                kept_fields=[_field_line(f) for f in kept_fields[:KEPT_SHOWN]],
                kept_fields_hidden=max(len(kept_fields) - KEPT_SHOWN, 0),
                metadata_block=encode_metadata_block(meta),
                promotion=promotion,
                metadata=meta,
            )

        full = body(len(sync))
        if len(full) <= BODY_LIMIT:  # the usual case: one render
            return full
        if len(body(0)) > BODY_LIMIT and metadata.promoted_paths:
            # The block lists every promoted target folder; past a few thousand it alone
            # outgrows a body. Without them the next stage lists the PR's files instead.
            trimmed = dataclasses.replace(metadata, promoted_paths=())
            return _fitting(lambda n: body(n, trimmed), len(sync), BODY_LIMIT, "PR body")
        return _fitting(body, len(sync), BODY_LIMIT, "promotion PR body")

    def rollback_body(
        self,
        pr_number: int,
        plan: RollbackPlan,
        metadata: PromotionMetadata | None,
        *,
        reason: str = "",
        requester: str = "",
        hold: timedelta | None = None,
    ) -> str:
        """The body of the rollback of promotion PR ``pr_number`` (``rollback_body.j2``).

        Its folder lists are cut to fit GitHub's body limit (they name folders, so only a
        fleet of thousands of targets comes near it)."""
        stages = metadata.previous_promotion_paths.items() if metadata else ()
        history = [
            {"number": number, "source_path": s.source_path, "target_paths": list(s.target_paths)}
            for number, s in stages
        ]

        def body(shown: int) -> str:
            return self.render(
                "rollback_body.j2",
                pr_number=pr_number,
                reason=reason,
                requester=requester,
                restored=list(plan.restored[:shown]),
                changed_since=list(plan.changed_since[:shown]),
                already=list(plan.already[:shown]),
                history=history,
                marker=hold_marker(plan.restored, hold, pr_number),
            )

        longest = max(len(plan.restored), len(plan.changed_since), len(plan.already))
        return _fitting(body, longest, BODY_LIMIT, "rollback PR body")

    def plan_comment(self, plan: Plan, *, dry_run: bool) -> str:
        """The plan as a PR comment (template ``plan_comment.j2``), within GitHub's limit.

        A plan of hundreds of components and targets outgrows one comment; then every
        list (sync pairs per promotion, promotions, conflicts, warnings) is shortened to
        the same largest length that fits, and ``left_out`` says how much was not listed.
        """
        lengths = [len(p.sync) for p in plan.promotions]
        longest = max(len(plan.promotions), len(plan.conflicts), len(plan.warnings), *lengths)

        def comment(shown: int) -> str:
            promotions = [
                dataclasses.replace(p, sync=p.sync[:shown]) for p in plan.promotions[:shown]
            ]
            left_out = _LeftOut(
                promotions=max(len(plan.promotions) - shown, 0),
                pairs=sum(max(len(p.sync) - shown, 0) for p in plan.promotions[:shown]),
                conflicts=max(len(plan.conflicts) - shown, 0),
                warnings=max(len(plan.warnings) - shown, 0),
            )
            return self.render(
                "plan_comment.j2",
                dry_run=dry_run,
                promotions=promotions,
                hidden_pairs=[len(p.sync) - shown for p in plan.promotions[:shown]],
                conflicts=list(plan.conflicts[:shown]),
                warnings=list(plan.warnings[:shown]),
                left_out=left_out,
                plan=plan,
            )

        return _fitting(comment, longest, COMMENT_LIMIT, "plan comment")

    def config_error_comment(self, error: TelefonistkaError, branch: str) -> str:
        """Why the configuration on ``branch`` is unusable, every problem that fits.

        The job log has all of them; a file with thousands of problems lists the first
        ones here and says how many more there are.
        """
        problems = str(error).splitlines() or [str(error)]

        def comment(shown: int) -> str:
            listed = "\n".join(_cut_line(line) for line in problems[:shown])
            return self.render(
                "config_error_comment.j2",
                error=listed,
                problems_left_out=len(problems) - shown,
                branch=branch,
            )

        return _fitting(comment, len(problems), COMMENT_LIMIT, "configuration error comment")

    def auto_merge_comment(self, promotion_prs: Iterable[tuple[int, str]]) -> str:
        """The note on the triggering PR that its promotion PRs are being merged."""
        prs = [_PromotionPr(number, url) for number, url in promotion_prs]

        def comment(shown: int) -> str:
            return self.render("auto_merge_comment.j2", prs=prs[:shown], left_out=len(prs) - shown)

        return _fitting(comment, len(prs), COMMENT_LIMIT, "auto-merge comment")

    def concise_drift_comment(
        self, report: DriftReport, comments: int, details_url: str = ""
    ) -> str:
        """The drift warning in one comment: counts and the first files per drifted pair
        (template ``drift_concise_comment.j2``), for a drift whose full warning would take
        ``comments`` comments; the full one goes to the job summary at ``details_url``."""
        drifted = list(report.drifted)
        pairs = [_ConcisePair.of(pair) for pair in drifted]

        def comment(shown: int) -> str:
            return self.render(
                "drift_concise_comment.j2",
                marker=DRIFT_MARKER,
                commit=report.commit,
                pairs=pairs[:shown],
                hidden=len(pairs) - shown,
                comments=comments,
                details_url=details_url,
            )

        return _fitting(comment, len(pairs), COMMENT_LIMIT, "concise drift comment")

    def no_drift_comment(self) -> str:
        """The note that replaces earlier drift warnings once the drift is gone."""
        return self.render("no_drift_comment.j2", marker=DRIFT_MARKER)

    def drift_comments(
        self,
        report: DriftReport,
        *,
        server_url: str | None,
        repo: str | None,
        limit: int = COMMENT_LIMIT,
    ) -> list[str]:
        """The drift warning, split into comments of at most ``limit`` characters each.

        Empty when nothing drifted. Splits fall between pairs and files; only a single
        file whose diff cannot fit one comment is itself split, each part its own fenced
        block. Nothing is ever dropped.
        """
        if not report.has_drift:
            return []
        blame = _BlameLinks(server_url, repo, report.commit) if server_url and repo else None
        packer = _DriftPacker(self, report.commit, blame, limit)
        for pair in report.drifted:
            packer.add_pair(pair)
        return packer.finish()


def status_target_url(template: str, **variables: str) -> str:
    """The commit-status link from the `status-target-url` input, a Jinja2 template.

    Variables: ``commit_sha``, ``commit_time`` (the commit's ISO 8601 committer date, e.g.
    for a dashboard's time range), ``repository`` and ``server_url``.
    """
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    try:
        url = env.from_string(template).render(**variables).strip()
    except jinja2.TemplateError as exc:
        raise RenderError(f"the status-target-url template {template!r}: {exc}") from exc
    if not url.startswith(("https://", "http://")):
        raise RenderError(f"the status-target-url template {template!r} gave {url!r}, not a URL")
    return url


def promotion_title(promotion: Promotion) -> tuple[str, str]:
    """(the PR title, text that must start the body: always "" now), within ``TITLE_LIMIT``.

    The Go original's title lists every component; past GitHub's limit it keeps its target
    and names as many components as fit: ``🚀 Promotion: a, b and 38 more ➡️  prod``. The
    body lists every component anyway. A target description too long on its own is cut
    with ``…`` (never between a character and the mark that follows it).
    """
    title = visible(promotion.title)  # one line, whatever the folder names hold
    if len(title) <= TITLE_LIMIT:
        return title, ""
    names = [visible(name) for name in promotion.components]
    tail = f"{TITLE_ARROW}{visible(promotion.target_description)}"
    for shown in range(len(names) - 1, -1, -1):
        listed = ", ".join(names[:shown])
        count = f"{len(names)} component" + ("s" if len(names) != 1 else "")
        more = f"{listed} and {len(names) - shown} more" if shown else count
        candidate = f"{TITLE_PREFIX}{more}{tail}"
        if len(candidate) <= TITLE_LIMIT:
            return candidate, ""
    return _cut(candidate, TITLE_LIMIT - 1) + "…", ""


def _fitting(render: Callable[[int], str], items: int, limit: int, what: str) -> str:
    """``render(n)`` for the largest ``n`` ≤ ``items`` whose text fits ``limit`` characters.

    Bodies grow with the number of items listed, so the largest fitting count is found by
    bisection (a few renders, not one per item). ``RenderError`` when even none fits.
    """
    text = render(items)
    if len(text) <= limit:
        return text
    low, high = 0, items - 1  # the largest fitting count is in [low, high], if any
    if len(render(0)) > limit:
        raise RenderError(f"the {what} does not fit GitHub's {limit} characters even shortened")
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(low)


def _cut_line(line: str, limit: int = 2_000) -> str:
    """One problem line, at most ``limit`` characters (a value quoted in it may be huge)."""
    return line if len(line) <= limit else _cut(line, limit - 1) + "…"


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, never splitting a character from its mark."""
    cut = limit
    while cut > 0 and _joins_previous(text[cut]):
        cut -= 1
    return text[:cut]


def _joins_previous(char: str) -> bool:
    """A code point that belongs to the character before it."""
    return unicodedata.combining(char) != 0 or "\ufe00" <= char <= "\ufe0f" or char == "\u200d"


def history(metadata: PromotionMetadata, promotion: Promotion) -> list[_Stage]:
    """The promotion history, oldest stage first, as the Go original shows it.

    Target paths are sorted; those that this promotion syncs nothing into (every
    component skipped them) are left out, like the Go original's skip filter.
    """
    unused = _unused_targets(promotion)
    return [
        _Stage(number, stage.source_path, tuple(sorted(set(stage.target_paths) - unused)))
        for number, stage in metadata.previous_promotion_paths.items()
    ]


def _unused_targets(promotion: Promotion) -> set[str]:
    """Target paths of the promotion that no sync pair writes into."""
    return {
        path
        for path in promotion.target_paths
        if not any(target.startswith(path) for target, _ in promotion.sync)
    }


def _promotion_conflicts(promotion: Promotion, conflicts: Sequence[Conflict]) -> list[Conflict]:
    """The promotion's conflicted targets, with their sources when ``conflicts`` has them."""
    known = {conflict.target: conflict for conflict in conflicts}
    return [known.get(target, Conflict(target, ())) for target in promotion.conflicted]


@dataclass(frozen=True)
class _BlameLinks:
    """Builds ``<server>/<repo>/blame/<commit>/<path>`` links."""

    server_url: str
    repo: str
    commit: str

    def url(self, path: str) -> str:
        return f"{self.server_url.rstrip('/')}/{self.repo}/blame/{self.commit}/{quote(path)}"


@dataclass
class _PairPart:
    """The part of one pair's drift that goes into the comment being filled."""

    pair: PairDrift
    continued: bool
    only_in_source: list[str] = field(default_factory=list)
    only_in_target: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.only_in_source or self.only_in_target or self.files)


class _DriftPacker:
    """Fills drift comments greedily, measuring each candidate by rendering it.

    Measuring the real rendering (instead of adding up lengths) keeps the split right
    for any override template. A comment is rendered with a placeholder part count wider
    than the real one, so the final rendering is never longer than what was measured.
    """

    def __init__(
        self, renderer: Renderer, commit: str, blame: _BlameLinks | None, limit: int
    ) -> None:
        self.renderer = renderer
        self.commit = commit
        self.blame = blame
        self.limit = limit
        self.comments: list[list[str]] = []
        self.done: list[str] = []
        self.part: _PairPart | None = None

    # -- the packing steps

    def add_pair(self, pair: PairDrift) -> None:
        """Add one drifted pair: its one-side file lists, then its differing files."""
        self.part = _PairPart(pair, continued=False)
        if not self._fits() and not self._fresh:
            self._next_comment()
        self._require_fit()
        self._add_paths(pair.only_in_source, lambda part: part.only_in_source)
        self._add_paths(pair.only_in_target, lambda part: part.only_in_target)
        for file in pair.differing:
            self._add_file(file)
        self._close_part()

    def _add_paths(self, paths: Sequence[str], into: Callable[[_PairPart], list[str]]) -> None:
        """Add a one-side file list, as many per comment as fit."""
        remaining = list(paths)
        while remaining:
            count = self._fitting_paths(into, remaining)
            remaining = remaining[count:]
            if remaining:
                self._next_comment_or_fail()

    def _fitting_paths(self, into: Callable[[_PairPart], list[str]], paths: list[str]) -> int:
        """Add the longest head of ``paths`` that fits the comment; return its length."""
        target = into(self._current)
        kept = list(target)

        def fits(count: int) -> bool:
            target[:] = kept + paths[:count]
            return self._fits()

        count = _largest(len(paths), fits)
        target[:] = kept + paths[:count]
        return count

    def _add_file(self, file: FileDrift) -> None:
        """Add one differing file; split its diff only when it cannot fit a comment."""
        lines = _diff_lines(file.unified_diff, self.limit)
        fence = fence_for(file.unified_diff)
        start = 0
        while True:
            rest = lines[start:]
            whole = self._file(file, rest, fence, continued=start > 0, continues=False)
            if self._fits(whole):
                self._current.files.append(whole)
                return
            if len(whole) <= self.limit and not self._fresh:
                self._next_comment()
                continue
            count = self._fitting_lines(file, rest[:-1], fence, continued=start > 0)
            if count == 0:
                self._next_comment_or_fail()
                continue
            start += count
            self._next_comment()

    def _fitting_lines(
        self, file: FileDrift, lines: Sequence[str], fence: str, *, continued: bool
    ) -> int:
        """Add the longest head of ``lines`` that fits the comment; return its length."""

        def render(count: int) -> str:
            return self._file(file, lines[:count], fence, continued=continued, continues=True)

        count = _largest(len(lines), lambda n: n > 0 and self._fits(render(n)))
        if count:
            self._current.files.append(render(count))
        return count

    # -- comments and parts

    @property
    def _current(self) -> _PairPart:
        assert self.part is not None  # noqa: S101 - add_pair always opens a part first
        return self.part

    @property
    def _fresh(self) -> bool:
        """Nothing but the current pair's (empty) header is in the comment yet."""
        return not self.done and self._current.empty

    def _close_part(self) -> None:
        """Put the current pair part into the comment being filled."""
        if not self._current.empty:
            self.done.append(self._pair(self._current))

    def _next_comment(self) -> None:
        """Close the comment being filled; the current pair goes on in the next one.

        A pair that has shown nothing yet moves over whole: it is not "continued".
        """
        old = self._current
        self._close_part()
        self.comments.append(self.done)
        self.done = []
        self.part = _PairPart(old.pair, continued=old.continued or not old.empty)
        self._require_fit()

    def _next_comment_or_fail(self) -> None:
        """Start a new comment, unless this one is empty: then the limit is too small."""
        if self._fresh:
            self._too_small()
        self._next_comment()

    def _require_fit(self) -> None:
        if not self._fits():
            self._too_small()

    def _too_small(self) -> None:
        raise RenderError(
            f"the drift comment limit of {self.limit} characters is too small to hold even "
            "one file of the drift warning; raise the limit or shorten the drift templates"
        )

    def finish(self) -> list[str]:
        """Render the comments with their final part numbers, and check their size."""
        if self.done or not self.comments:
            self.comments.append(self.done)
        total = len(self.comments)
        rendered = [self._comment(pairs, i, total) for i, pairs in enumerate(self.comments, 1)]
        for index, text in enumerate(rendered, 1):
            if len(text) > self.limit:
                raise RenderError(
                    f"drift comment part {index}/{total} is {len(text)} characters, over the "
                    f"limit of {self.limit}: an override of drift_comment.j2 must not grow "
                    "with the part count"
                )
        return rendered

    # -- measuring and rendering

    def _fits(self, extra_file: str | None = None) -> bool:
        """The comment being filled, plus ``extra_file``, stays within the limit."""
        part = self._current
        files = [*part.files, extra_file] if extra_file is not None else part.files
        pairs = [*self.done, self._pair(part, files)]
        return len(self._comment(pairs, len(self.comments) + 1, _PLACEHOLDER_PARTS)) <= self.limit

    def _comment(self, pairs: list[str], part: int, parts: int) -> str:
        return self.renderer.render(
            "drift_comment.j2",
            marker=DRIFT_MARKER,
            part=part,
            parts=parts,
            commit=self.commit,
            pairs=pairs,
        )

    def _pair(self, part: _PairPart, files: list[str] | None = None) -> str:
        return self.renderer.render(
            "drift_pair.j2",
            pair=part.pair,
            summary=_pair_summary(part.pair),
            continued=part.continued,
            only_in_source=part.only_in_source,
            only_in_target=part.only_in_target,
            files=part.files if files is None else files,
        )

    def _file(
        self,
        file: FileDrift,
        lines: Sequence[str],
        fence: str,
        *,
        continued: bool,
        continues: bool,
    ) -> str:
        text = self.renderer.render(
            "drift_file.j2",
            file=file,
            diff="\n".join(lines),
            fence=fence,
            continued=continued,
            continues=continues,
            blame_source=self.blame.url(file.source_file) if self.blame else None,
            blame_target=self.blame.url(file.target_file) if self.blame else None,
        )
        return text.strip("\n") + "\n"  # the pair template spaces the files evenly


def _largest(upper: int, fits: Callable[[int], bool]) -> int:
    """The largest ``n`` in ``0..upper`` with ``fits(n)`` (``fits`` grows monotonically)."""
    if upper <= 0 or fits(upper):
        return max(upper, 0)
    low, high = 0, upper  # fits(low) holds (or low == 0), fits(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def _diff_lines(diff: str, limit: int) -> list[str]:
    """The diff's lines; a line too long for any comment is wrapped, never dropped."""
    width = max(limit // 4, 1)
    lines: list[str] = []
    for line in diff.rstrip("\n").split("\n") if diff.strip() else []:
        lines.extend(line[i : i + width] for i in range(0, max(len(line), 1), width))
    return lines


def _pair_summary(pair: PairDrift) -> str:
    """E.g. ``2 files differ, 1 only in source``."""
    counts = [
        _count(len(pair.differing), "file differs", "files differ"),
        _count(len(pair.only_in_source), "only in source", "only in source"),
        _count(len(pair.only_in_target), "only in target", "only in target"),
    ]
    return ", ".join(text for text in counts if text)


def _count(number: int, singular: str, plural: str) -> str:
    return "" if number == 0 else f"{number} {singular if number == 1 else plural}"


def _template_line(exc: Exception, filename: str) -> int:
    """The template line an error points at: a syntax error's own, else the deepest frame
    Jinja2 mapped to the template file (its tracebacks carry template line numbers)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.lineno
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return (lines[-1] or 1) if lines else 1


_VALUE_SHOWN = 40  # characters of a kept value shown in a PR body


def _field_line(field: KeptField) -> str:
    """One kept field as a markdown list item's text (values cut, in code spans)."""

    def value(text: str) -> str:
        cut = text if len(text) <= _VALUE_SHOWN else text[: _VALUE_SHOWN - 1] + "…"
        return code_span(cut)

    where = f"{code_span(field.path)} {code_span(field.selector)}"
    match field.how:
        case "kept":
            return (
                f"{where}: kept {value(field.target_value)} (the source has "
                f"{value(field.source_value)})"
            )
        case "same":
            return f"{where}: the same in both, {value(field.target_value)}"
        case "not in target":
            return f"{where}: not in the target file, the source value travels"
        case "not in source":
            return f"{where}: matches nothing in the source file"
        case "several":
            return f"{where}: selects several values, nothing kept; select one value"
        case _:
            return f"{where}: not kept: {markdown_text(field.detail)}"
