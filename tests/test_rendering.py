"""Rendering of PR bodies and comments from the (overridable) Jinja2 templates."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from golden_util import assert_golden
from markdown_it import MarkdownIt

from telefonistka.core.drift.compare import (
    DriftReport,
    FileDrift,
    PairDrift,
    YamlChange,
    YamlChangeKind,
)
from telefonistka.core.drift.yamldiff import format_change
from telefonistka.core.promotion.metadata import (
    PromotionMetadata,
    PromotionStage,
    encode_metadata_block,
    extract_metadata,
    next_stage_metadata,
)
from telefonistka.core.promotion.planning import Conflict, Plan, Promotion
from telefonistka.core.text.rendering import (
    DRIFT_MARKER,
    TITLE_LIMIT,
    Renderer,
    RenderError,
    promotion_title,
)
from telefonistka.errors import ConfigError

STAGING = "clusters/staging/us-central1/"
PROD_US = "clusters/prod/us-central1/c1/"
PROD_EU = "clusters/prod/europe-west1/c1/"
COMMIT = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"

# Stage 1: PR #12 by alice changed two components of the workspace.
TO_STAGING = Promotion(
    source_pattern="workspace/",
    source_paths=("workspace/",),
    target_paths=(f"{STAGING}c1/", f"{STAGING}c2/"),
    target_description="staging (us-central1)",
    components=("app", "prometheus"),
    auto_merge=True,
    sync=(
        (f"{STAGING}c1/app", "workspace/app"),
        (f"{STAGING}c1/prometheus", "workspace/prometheus"),
        (f"{STAGING}c2/app", "workspace/app"),
    ),
    skipped=(("prometheus", (f"{STAGING}c2/",)),),
)

# Stage 2: merging promotion PR #15 promotes on from staging (two identical sources).
TO_PROD = Promotion(
    source_pattern="clusters/staging/[^/]*/[^/]*/",
    source_paths=(f"{STAGING}c1/", f"{STAGING}c2/"),
    target_paths=(PROD_EU, PROD_US),
    target_description="prod",
    components=("app", "prometheus"),
    auto_merge=False,
    sync=(
        (f"{PROD_EU}app", f"{STAGING}c1/app"),
        (f"{PROD_US}app", f"{STAGING}c1/app"),
        (f"{PROD_US}prometheus", f"{STAGING}c1/prometheus"),
    ),
    conflicted=(f"{PROD_EU}prometheus",),
)
PROD_CONFLICT = Conflict(f"{PROD_EU}prometheus", (f"{STAGING}c1/prometheus", "workspace/x"))


@pytest.fixture
def renderer() -> Renderer:
    return Renderer()


def first_body(renderer: Renderer) -> str:
    return renderer.promotion_body(TO_STAGING, next_stage_metadata(12, "alice", "", TO_STAGING))


def _history(body: str) -> str:
    """The promotion history lines of a body (after "Promotion path(…):")."""
    return body.split("):\n\n", 1)[1].split("\n\n", 1)[0] + "\n"


# -- promotion PRs


def test_first_stage_body(renderer: Renderer) -> None:
    assert_golden("promotion_body_first_stage.md", first_body(renderer))


def test_second_stage_body_extends_the_history(renderer: Renderer) -> None:
    first = first_body(renderer)
    meta = next_stage_metadata(15, "telefonistka[bot]", first, TO_PROD)
    second = renderer.promotion_body(TO_PROD, meta, conflicts=[PROD_CONFLICT])
    assert_golden("promotion_body_second_stage.md", second)
    assert _history(second).startswith(_history(first))
    assert len(_history(second).splitlines()) == len(_history(first).splitlines()) + 3
    assert "&nbsp;&nbsp;&nbsp;&nbsp;↘️  #15  `clusters/staging/us-central1/c1/` ➡️  \n" in second
    assert extract_metadata(second) == meta
    assert second.rstrip("\n").endswith(encode_metadata_block(meta))


def test_history_is_byte_compatible_with_the_go_original(renderer: Renderer) -> None:
    meta = PromotionMetadata(
        "alice",
        1,
        previous_promotion_paths={
            1: PromotionStage("sourcePath1", ("targetPath2", "targetPath1")),
            2: PromotionStage("sourcePath2", ("targetPath4",)),
            3: PromotionStage("sourcePath3", ("targetPath5", "targetPath6")),
        },
    )
    promotion = Promotion(
        "sourcePath3",
        ("sourcePath3",),
        ("targetPath5", "targetPath6"),
        "d",
        ("c",),
        False,
        (("targetPath5c", "sourcePath3c"), ("targetPath6c", "sourcePath3c")),
    )
    tab = "&nbsp;" * 4
    go_golden = (  # the Go original's testdata/pr_body.golden.md
        "↘️  #1  `sourcePath1` ➡️  \n"
        f"{tab}`targetPath1`  \n"
        f"{tab}`targetPath2`  \n"
        f"{tab}↘️  #2  `sourcePath2` ➡️  \n"
        f"{tab * 2}`targetPath4`  \n"
        f"{tab * 2}↘️  #3  `sourcePath3` ➡️  \n"
        f"{tab * 3}`targetPath5`  \n"
        f"{tab * 3}`targetPath6`  \n"
    )
    body = renderer.promotion_body(promotion, meta)
    assert body.startswith(f"Promotion path(c):\n\n{go_golden}\n")


def test_targets_nothing_is_synced_into_are_left_out_of_the_history(renderer: Renderer) -> None:
    only_c1 = Promotion(
        "workspace/",
        ("workspace/",),
        (f"{STAGING}c1/", f"{STAGING}c2/"),
        "staging",
        ("prometheus",),
        False,
        ((f"{STAGING}c1/prometheus", "workspace/prometheus"),),
        skipped=(("prometheus", (f"{STAGING}c2/",)),),
    )
    body = renderer.promotion_body(only_c1, next_stage_metadata(3, "a", None, only_c1))
    assert f"`{STAGING}c1/`  \n" in body
    assert f"`{STAGING}c2/`  \n" not in body
    meta = extract_metadata(body)
    assert meta is not None
    assert meta.previous_promotion_paths[3].target_paths == (f"{STAGING}c1/", f"{STAGING}c2/")


def test_a_long_title_keeps_its_target_and_names_what_fits(renderer: Renderer) -> None:
    names = tuple(f"component-{i:02d}-with-a-long-name" for i in range(12))
    long = Promotion(
        "workspace/",
        ("workspace/",),
        (f"{STAGING}c1/",),
        "staging",
        names,
        False,
        tuple((f"{STAGING}c1/{n}", f"workspace/{n}") for n in names),
    )
    title, overflow = renderer.promotion_title(long)
    assert len(title) <= TITLE_LIMIT
    assert overflow == ""
    assert title.startswith("🚀 Promotion: component-00-with-a-long-name, component-01")
    assert title.endswith(" and 6 more ➡️  staging")
    body = renderer.promotion_body(long, next_stage_metadata(7, "bob", None, long))
    assert ",".join(names) in body  # the body lists every component
    assert_golden("promotion_title_long.txt", f"{title}\n")
    assert_golden("promotion_body_long_title.md", body)


def test_a_title_whose_target_alone_is_too_long_is_cut_with_an_ellipsis() -> None:
    long = dataclasses.replace(TO_STAGING, target_description="x" * 400)

    title, overflow = promotion_title(long)

    assert (len(title), title[-1], overflow) == (TITLE_LIMIT, "…", "")


def test_short_title_has_no_overflow() -> None:
    assert promotion_title(TO_STAGING) == (
        "🚀 Promotion: app,prometheus ➡️  staging (us-central1)",
        "",
    )


def test_one_component_too_long_for_a_title_is_counted() -> None:
    name = "x" * TITLE_LIMIT
    promotion = Promotion("w/", ("w/",), ("p/",), "prod", (name,), False, (("p/x", "w/x"),))

    assert promotion_title(promotion) == ("🚀 Promotion: 1 component ➡️  prod", "")


def test_a_cut_through_the_target_keeps_an_emoji_with_its_variation_selector() -> None:
    prefix = "🚀 Promotion: 1 component ➡️  "
    description = "x" * (TITLE_LIMIT - len(prefix) - 2) + "➡️" + "y" * 50  # ➡ is the last kept
    promotion = Promotion("w/", ("w/",), ("p/",), description, ("a" * 300,), False, ())

    title, _ = promotion_title(promotion)

    assert title.endswith("x…")
    assert "\ufe0f" not in title[len(prefix) :]


# -- plan comments


def _plan() -> Plan:
    return Plan(
        promotions=(TO_STAGING, TO_PROD),
        conflicts=(PROD_CONFLICT,),
        warnings=("workspace/db: flow 'workspace/' needs one of the labels [db-owners]",),
    )


def test_dry_run_plan_comment(renderer: Renderer) -> None:
    assert_golden("plan_comment_dry_run.md", renderer.plan_comment(_plan(), dry_run=True))


def test_show_plan_comment(renderer: Renderer) -> None:
    assert_golden("plan_comment_show_plan.md", renderer.plan_comment(_plan(), dry_run=False))


def test_empty_plan_says_no_promotion_is_needed(renderer: Renderer) -> None:
    text = renderer.plan_comment(Plan(warnings=("w: needs a label",)), dry_run=False)
    assert_golden("plan_comment_empty.md", text)
    assert "No promotion needed" in text


# -- auto-merge and drift comments


def test_an_auto_merge_comment_of_thousands_of_prs_fits_one_comment(renderer: Renderer) -> None:
    prs = [(n, f"https://github.com/acme/infra/pull/{n}") for n in range(1, 5001)]

    text = renderer.auto_merge_comment(prs)

    assert len(text) <= 65_536
    listed = text.count("🚀 Merging promotion PR:")
    assert 500 < listed < 5000
    assert text.rstrip().endswith(f"🚀 … and {5000 - listed} more promotion PRs")


def test_auto_merge_comment(renderer: Renderer) -> None:
    text = renderer.auto_merge_comment([(16, "https://github.com/o/r/pull/16"), (17, "")])
    assert_golden("auto_merge_comment.md", text)


def test_no_drift_comment(renderer: Renderer) -> None:
    text = renderer.no_drift_comment()
    assert text.startswith(DRIFT_MARKER)
    assert_golden("no_drift_comment.md", text)


def _values_drift(source: str, target: str) -> FileDrift:
    return FileDrift(
        path="values.yaml",
        source_file=f"{source}/values.yaml",
        target_file=f"{target}/values.yaml",
        unified_diff=(
            f"--- {target}/values.yaml\n+++ {source}/values.yaml\n@@ -1,4 +1,4 @@\n"
            " image:\n-  tag: v1\n+  tag: v2\n-debug: true\n+replicas: 3\n"
        ),
        yaml_changes=(
            YamlChange("image.tag", YamlChangeKind.CHANGED, "v1", "v2"),
            YamlChange("replicas", YamlChangeKind.ADDED, None, "3"),
            YamlChange("debug", YamlChangeKind.REMOVED, "true", None),
        ),
    )


def _report() -> DriftReport:
    app_src, app_tgt = "workspace/app", f"{STAGING}c1/app"
    prom_src, prom_tgt = "workspace/prometheus", f"{STAGING}c1/prometheus"
    return DriftReport(
        commit=COMMIT,
        pairs=(
            PairDrift(
                source=app_src,
                target=app_tgt,
                only_in_source=("templates/hpa.yaml",),
                only_in_target=("hotfix.yaml", "notes.md"),
                differing=(
                    _values_drift(app_src, app_tgt),
                    FileDrift(
                        "logo.png",
                        f"{app_src}/logo.png",
                        f"{app_tgt}/logo.png",
                        "",
                        binary=True,
                    ),
                    FileDrift(
                        "run.sh",
                        f"{app_src}/run.sh",
                        f"{app_tgt}/run.sh",
                        "",
                        mode_change=("100644", "100755"),
                    ),
                ),
            ),
            PairDrift(source=prom_src, target=f"{STAGING}c2/prometheus"),  # no drift
            PairDrift(
                source=prom_src,
                target=prom_tgt,
                differing=(
                    FileDrift(
                        "README.md",
                        f"{prom_src}/README.md",
                        f"{prom_tgt}/README.md",
                        "--- a\n+++ b\n@@ -1,3 +1,3 @@\n ```sh\n-make\n+make all\n ```\n",
                    ),
                ),
            ),
        ),
    )


def test_drift_comment(renderer: Renderer) -> None:
    comments = renderer.drift_comments(_report(), server_url="https://github.com/", repo="o/r")
    assert len(comments) == 1
    assert_golden("drift_comment.md", comments[0])
    assert f"https://github.com/o/r/blame/{COMMIT}/workspace/app/values.yaml" in comments[0]
    assert "````diff\n" in comments[0]  # a diff holding ``` gets a longer fence


def test_drift_comment_without_a_server_has_no_blame_links(renderer: Renderer) -> None:
    (comment,) = renderer.drift_comments(_report(), server_url=None, repo=None)
    assert "blame" not in comment.lower()


def test_no_drift_gives_no_comment(renderer: Renderer) -> None:
    report = DriftReport(COMMIT, (PairDrift("a/x", "b/x"),))
    assert renderer.drift_comments(report, server_url=None, repo=None) == []


def _lines(prefix: str, count: int) -> str:
    return "".join(f"+{prefix} line {i:05d} of the generated diff\n" for i in range(count))


def _big_report() -> DriftReport:
    """Thirty drifted pairs of five files, one file bigger than a comment, long lists."""
    pairs = []
    for p in range(30):
        source, target = f"workspace/app{p:02d}", f"{STAGING}c1/app{p:02d}"
        files = tuple(
            FileDrift(
                f"f{f}.yaml",
                f"{source}/f{f}.yaml",
                f"{target}/f{f}.yaml",
                f"--- a\n+++ b\n@@ -0,0 +1,200 @@\n{_lines(f'{p}/{f}', 200)}",
            )
            for f in range(5)
        )
        pairs.append(PairDrift(source, target, differing=files))
    huge = FileDrift(
        "huge.json", "workspace/big/huge.json", "t/big/huge.json", _lines("huge", 4000)
    )
    many = tuple(f"generated/file-{i:05d}.yaml" for i in range(3000))
    pairs.insert(7, PairDrift("workspace/big", "t/big", only_in_target=many, differing=(huge,)))
    return DriftReport(COMMIT, tuple(pairs))


_HEADING = re.compile(r"^#### `(?P<path>[^`]+)`(?: \(continued\))?$")
_SUMMARY = re.compile(r"^<summary><code>(?P<source>[^<]+)</code>")


def _diffs_by_file(comments: list[str]) -> dict[tuple[str, str], list[str]]:
    """(pair source, file) → the diff lines found in the fenced blocks, in order."""
    found: dict[tuple[str, str], list[str]] = {}
    key = ("", "")
    fence = None
    for line in "\n".join(comments).split("\n"):
        if fence is not None:
            if line == fence:
                fence = None
            else:
                found.setdefault(key, []).append(line)
        elif m := _SUMMARY.match(line):
            key = (m["source"], "")
        elif m := _HEADING.match(line):
            key = (key[0], m["path"])
        elif line.startswith("```") and line.endswith("diff"):
            fence = line.removesuffix("diff")
    return found


def test_big_drift_is_split_without_losing_a_line(renderer: Renderer) -> None:
    report = _big_report()
    limit = 65_000
    comments = renderer.drift_comments(report, server_url="https://ghe.example.com", repo="o/r")
    total = len(comments)
    assert total > 3
    for index, comment in enumerate(comments, 1):
        assert len(comment) <= limit
        assert comment.startswith(DRIFT_MARKER)
        assert f"(part {index}/{total})" in comment
        assert comment.count("<details>") == comment.count("</details>")
    found = _diffs_by_file(comments)
    for pair in report.drifted:
        for file in pair.differing:
            assert found[(pair.source, file.path)] == file.unified_diff.rstrip("\n").split("\n")
    joined = "\n".join(comments)
    assert "*(continued in next comment)*" in joined
    big = next(p for p in report.pairs if p.source == "workspace/big")
    listed = re.findall(r"^- `(generated/file-\d+\.yaml)`$", joined, flags=re.MULTILINE)
    assert listed == list(big.only_in_target)


def test_a_huge_yaml_summary_is_capped_so_the_file_still_fits(renderer: Renderer) -> None:
    changes = tuple(
        YamlChange(f"keys.k{i:04}", YamlChangeKind.CHANGED, "a" * 70, "b" * 70) for i in range(900)
    )
    diff = "".join(f"@@ -{i} +{i} @@\n-k{i}: a\n+k{i}: b\n" for i in range(1, 900))
    file = FileDrift("values.yaml", "s/values.yaml", "t/values.yaml", diff, yaml_changes=changes)
    pair = PairDrift("s", "t", differing=(file,))
    comments = renderer.drift_comments(DriftReport("c" * 40, (pair,)), server_url=None, repo=None)
    joined = "\n".join(comments)
    assert all(len(comment) <= 65_000 for comment in comments)
    assert joined.count("- `keys.k") == 50
    assert "- … and 850 more: see the diff below" in joined
    assert "+k899: b" in joined  # the whole diff is still there


def test_small_split_format(renderer: Renderer) -> None:
    comments = renderer.drift_comments(_report(), server_url=None, repo=None, limit=1200)
    assert len(comments) > 1
    assert all(len(c) <= 1200 for c in comments)
    assert_golden("drift_comment_split.md", "\n\n---8<--- next comment ---8<---\n\n".join(comments))


def test_too_small_a_limit_is_a_clear_error(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="too small"):
        renderer.drift_comments(_report(), server_url=None, repo=None, limit=300)


# -- overrides


def test_override_folder_replaces_one_template(tmp_path: Path) -> None:
    (tmp_path / "auto_merge_comment.j2").write_text(
        "Merging {{ prs|map(attribute='number')|join(', ') }} now.\n", encoding="utf-8"
    )
    renderer = Renderer(override_dir=tmp_path)
    assert renderer.auto_merge_comment([(16, ""), (17, "")]) == "Merging 16, 17 now.\n"
    assert renderer.no_drift_comment() == Renderer().no_drift_comment()


def test_overrides_mapping_comes_first(tmp_path: Path) -> None:
    (tmp_path / "no_drift_comment.j2").write_text("from the folder\n", encoding="utf-8")
    renderer = Renderer(override_dir=tmp_path, overrides={"no_drift_comment.j2": "{{ marker }}"})
    assert renderer.no_drift_comment() == DRIFT_MARKER


def test_undefined_variable_in_an_override_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "promotion_body.j2").write_text("# body\n{{ promotion.title }} {{ reviewers }}\n")
    renderer = Renderer(override_dir=tmp_path)
    meta = next_stage_metadata(12, "alice", None, TO_STAGING)
    with pytest.raises(ConfigError) as error:
        renderer.promotion_body(TO_STAGING, meta)
    [problem] = error.value.problems
    assert problem.file == str(tmp_path / "promotion_body.j2")
    assert problem.line == 2
    assert "'reviewers' is undefined" in problem.message
    assert "header comment" in problem.message


def test_syntax_error_in_an_override_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "plan_comment.j2").write_text("ok\n{% if dry_run %}\nno endif\n")
    with pytest.raises(ConfigError, match=r"plan_comment\.j2:\d+:1: cannot render") as error:
        Renderer(override_dir=tmp_path).plan_comment(Plan(), dry_run=True)
    assert "(line " in str(error.value)


@pytest.mark.parametrize(
    "source",
    [
        "{{ lipsum.__globals__['os'].environ }}",
        "{{ cycler.__init__.__globals__.os.environ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ self._TemplateReference__context }}",
        "{% set x = [] %}{{ x.append(1) }}",
    ],
    ids=["lipsum-globals", "cycler-globals", "subclasses", "context", "mutation"],
)
def test_an_override_cannot_reach_the_environment_or_change_data(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack: an override printed ``os.environ`` (the token) into a PR comment."""
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_token_value")
    renderer = Renderer(overrides={"no_drift_comment.j2": source}, override_folder="ci/templates")

    with pytest.raises(ConfigError) as error:
        renderer.no_drift_comment()

    [problem] = error.value.problems
    assert problem.file == "ci/templates/no_drift_comment.j2"
    assert problem.line == 1
    assert "ghs_secret_token_value" not in str(error.value)


def test_every_packaged_template_documents_its_variables() -> None:
    folder = Path(__file__).parent.parent / "telefonistka" / "templates"
    templates = sorted(folder.glob("*.j2"))
    assert len(templates) >= 7
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert text.startswith("{#"), template.name
        assert "Variables:" in text.split("#}", 1)[0], template.name


# -- filters


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (YamlChange("image.tag", YamlChangeKind.CHANGED, "v1", "v2"), "`image.tag`: `v1` → `v2`"),
        (YamlChange("replicas", YamlChangeKind.ADDED, None, "3"), "`replicas` added: `3`"),
        (YamlChange("debug", YamlChangeKind.REMOVED, "true", None), "`debug` removed (was `true`)"),
    ],
    ids=["changed", "added", "removed"],
)
def test_yaml_change_forms(change: YamlChange, expected: str) -> None:
    assert format_change(change) == expected


def test_a_line_longer_than_a_comment_is_wrapped_not_dropped(renderer: Renderer) -> None:
    line = "+" + "x" * 150_000
    file = FileDrift("min.js", "s/min.js", "t/min.js", f"@@ -1 +1 @@\n{line}\n")
    report = DriftReport(COMMIT, (PairDrift("s", "t", differing=(file,)),))
    comments = renderer.drift_comments(report, server_url=None, repo=None)
    assert len(comments) > 2
    assert all(len(c) <= 65_000 for c in comments)
    found = _diffs_by_file(comments)[("s", "min.js")]
    assert found[0] == "@@ -1 +1 @@"
    assert "".join(found[1:]) == line


def test_a_missing_template_is_a_clear_error(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match=r"template nope\.j2 not found"):
        renderer.render("nope.j2")


def test_an_override_that_breaks_the_size_measurement_is_caught() -> None:
    shrinking = "{{ marker }}{{ 'x' * (100000 // parts) }}{{ pairs|join }}"
    renderer = Renderer(overrides={"drift_comment.j2": shrinking})
    with pytest.raises(RenderError, match=r"part 1/1 is \d+ characters, over the limit"):
        renderer.drift_comments(_report(), server_url=None, repo=None)


def test_status_target_url_renders_and_names_a_bad_template() -> None:
    from telefonistka.core.text.rendering import status_target_url  # noqa: PLC0415

    url = status_target_url(
        "https://x/{{ repository }}?at={{ commit_time }}",
        repository="a/b",
        commit_time="2026-11-24T10:00:00Z",
    )
    assert url == "https://x/a/b?at=2026-11-24T10:00:00Z"
    with pytest.raises(RenderError, match="status-target-url"):
        status_target_url("{{ nope }}", repository="a/b")


# -- user text stays text


HOSTILE = "x\n\n</details>\n\n# pwned <img src=https://evil/x> [a](javascript:1) `|` @org/team"


def _only_ours(output: str) -> None:
    """Nothing of ``HOSTILE`` became markup, judged on the HTML a CommonMark renderer (with
    raw HTML on and GFM tables, as GitHub) makes of ``output``: no heading, image, script
    link or closed block of the user's."""
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(output)
    outside_code = re.sub(r"<code>.*?</code>", "", rendered, flags=re.DOTALL)
    assert not re.search(r"<h\d>\s*pwned", rendered)  # no heading of its own
    assert "<img" not in outside_code
    assert 'href="javascript:' not in rendered
    assert rendered.count("</details>") == output.count("<details>")  # only ours close
    assert "@org/team" not in outside_code  # no mention


def test_hostile_names_in_a_drift_comment_stay_text(renderer: Renderer) -> None:
    """Folder and file names come from git trees, where a name may hold any byte but NUL
    and '/': a newline, a backtick, '<', '|' or '</details>' must not inject markup."""
    drift = FileDrift(HOSTILE, f"a/{HOSTILE}", f"b/{HOSTILE}", "-x\n+y\n")
    pair = PairDrift(f"src/{HOSTILE}", f"dst/{HOSTILE}", (HOSTILE,), (HOSTILE,), (drift,))
    report = DriftReport(COMMIT, (pair,))

    [comment] = renderer.drift_comments(report, server_url="https://github.com", repo="o/r")

    _only_ours(comment)


def test_hostile_component_names_in_plan_and_promotion_body_stay_text(
    renderer: Renderer,
) -> None:
    promotion = dataclasses.replace(
        TO_STAGING,
        components=(HOSTILE,),
        skipped=((HOSTILE, (f"{STAGING}c2/",)),),
        sync=((f"{STAGING}c1/{HOSTILE}", f"workspace/{HOSTILE}"),),
    )
    plan = Plan(promotions=(promotion,), warnings=(f"{HOSTILE}: needs a label",))
    meta = next_stage_metadata(12, "alice", None, promotion)

    for output in (
        renderer.plan_comment(plan, dry_run=False),
        renderer.promotion_body(promotion, meta),
        renderer.render("config_error_comment.j2", error=f"```\n{HOSTILE}", branch=HOSTILE),
    ):
        _only_ours(output)
    title, _ = promotion_title(promotion)
    assert "\n" not in title


def test_components_skipping_different_targets_hide_only_what_none_writes(
    renderer: Renderer,
) -> None:
    """docs/migration.md, "Deliberate differences": the Go original hides the skip list
    of one component (the one with the fewest skips, ties by map order); ours hides a
    target only when no component of the PR writes into it."""
    c1, c2, c3 = (f"{STAGING}c{i}/" for i in (1, 2, 3))
    crossed = Promotion(
        "workspace/",
        ("workspace/",),
        (c1, c2, c3),
        "staging",
        ("app", "db"),
        False,
        ((f"{c1}app", "workspace/app"), (f"{c2}app", "workspace/app"), (f"{c1}db", "workspace/db")),
        skipped=(("app", (c3,)), ("db", (c2, c3))),
    )
    body = renderer.promotion_body(crossed, next_stage_metadata(3, "a", None, crossed))

    assert f"`{c1}`  \n" in body
    assert f"`{c2}`  \n" in body  # db skips it, app writes it: shown (Go may hide it)
    assert f"`{c3}`  \n" not in body  # nobody writes it
    assert "- **app**: " in body
    assert "- **db**: " in body
