"""Which components a change touches (docs/planning.md, section 1)."""

from __future__ import annotations

import pytest

from telefonistka.core.config.model import Conditions, PromotionPath, PromotionPr, RepoConfig
from telefonistka.core.promotion.changes import (
    ChangedComponent,
    components_from_folders,
    find_changed_components,
    folder_prefix,
    source_regex,
)

PR = (PromotionPr(("prod/",)),)


def repo(*flows: tuple[str, int]) -> RepoConfig:
    """A config with one flow per (sourcePath, componentPathExtraDepth)."""
    return RepoConfig(
        promotion_paths=tuple(
            PromotionPath(source, PR, component_path_extra_depth=depth) for source, depth in flows
        )
    )


def test_component_is_the_folder_after_the_source_path() -> None:
    found = find_changed_components(["dev/app/values.yaml"], repo(("dev/", 0)))
    assert found == [ChangedComponent("dev/", "app")]
    assert found[0].path == "dev/app"


@pytest.mark.parametrize(
    ("depth", "path", "expected"),
    [
        (0, "src/a/b/c/f.yaml", "a"),
        (1, "src/a/b/c/f.yaml", "a/b"),
        (2, "src/a/b/c/f.yaml", "a/b/c"),
        (1, "src/a/f.yaml", None),
        (2, "src/a/b/f.yaml", None),
    ],
)
def test_extra_depth_adds_folders_to_the_name(depth: int, path: str, expected: str | None) -> None:
    found = find_changed_components([path], repo(("src/", depth)))
    assert found == ([ChangedComponent("src/", expected)] if expected else [])


def test_regex_source_path_is_expanded_to_the_concrete_prefix() -> None:
    config = repo(("clusters/staging/[^/]*/[^/]*/", 0))
    files = ["clusters/staging/us-central1/c2/prometheus/values.yaml"]
    assert find_changed_components(files, config) == [
        ChangedComponent("clusters/staging/us-central1/c2/", "prometheus")
    ]


def test_file_directly_in_the_source_path_is_not_a_component() -> None:
    assert find_changed_components(["dev/README.md"], repo(("dev/", 0))) == []


def test_shallow_file_is_not_passed_on_to_later_flows() -> None:
    config = repo(("dev/", 1), ("dev/", 0))
    assert find_changed_components(["dev/app/f.yaml"], config) == []


def test_first_matching_flow_claims_the_file() -> None:
    config = repo(("dev/[^/]*/", 0), ("dev/", 0))
    assert find_changed_components(["dev/us/app/f"], config) == [ChangedComponent("dev/us/", "app")]


def test_first_claim_ignores_conditions() -> None:
    labelled = PromotionPath("dev/", PR, conditions=Conditions(pr_has_labels=("go",)))
    config = RepoConfig(promotion_paths=(labelled, PromotionPath("dev/[^/]*/", PR)))
    assert find_changed_components(["dev/us/app/f"], config) == [ChangedComponent("dev/", "us")]


def test_files_outside_every_source_path_are_ignored() -> None:
    assert find_changed_components(["docs/x.md", "README.md"], repo(("dev/", 0))) == []


def test_source_path_matches_from_the_start_only() -> None:
    assert find_changed_components(["x/dev/app/f"], repo(("dev/", 0))) == []


def test_components_are_unique_and_sorted() -> None:
    files = ["dev/b/1", "dev/a/1", "dev/b/2", "dev/a/sub/3"]
    assert find_changed_components(files, repo(("dev/", 0))) == [
        ChangedComponent("dev/", "a"),
        ChangedComponent("dev/", "b"),
    ]


def test_both_names_of_a_rename_are_changes() -> None:
    files = ["dev/old-name/f.yaml", "dev/new-name/f.yaml"]
    names = [c.name for c in find_changed_components(files, repo(("dev/", 0)))]
    assert names == ["new-name", "old-name"]


def test_source_path_without_trailing_slash_is_a_folder() -> None:
    config = repo(("dev", 0))
    found = find_changed_components(["dev/app/f", "devtools/app/f"], config)
    assert found == [ChangedComponent("dev/", "app")]


def test_alternation_without_trailing_slash_stays_whole() -> None:
    assert source_regex("a|b").pattern == "(?:a|b)/"
    config = repo(("dev|stg", 0))
    found = find_changed_components(["stg/app/f", "dev/app/f"], config)
    assert found == [ChangedComponent("dev/", "app"), ChangedComponent("stg/", "app")]


def test_folder_prefix_adds_one_slash() -> None:
    assert [folder_prefix(p) for p in ("prod", "prod/", "")] == ["prod/", "prod/", ""]


def test_components_from_promoted_folders() -> None:
    config = repo(("prod/[^/]*/", 1))
    folders = ["prod/eu/app/c1", "prod/us/app/c2/", "prod/us/too-shallow"]
    assert components_from_folders(folders, config) == [
        ChangedComponent("prod/eu/", "app/c1"),
        ChangedComponent("prod/us/", "app/c2"),
    ]


def test_match_that_stops_inside_a_folder_name_is_no_component() -> None:
    # "dev|stg/" ends with a slash, yet its "dev" branch can stop inside "devtools".
    config = repo(("dev|stg/", 0), ("devtools/", 0))
    assert find_changed_components(["devtools/app/f", "stg/app/f"], config) == [
        ChangedComponent("stg/", "app")
    ]


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    """The attack: with Python's backtracking ``re``, ``([a-z]+)+/`` against a
    34-character path that fails to match ran for minutes (the step timed out with the
    status ``pending``). RE2 answers at once; a hang would hit the test timeout."""
    config = repo(("([a-z]+)+/", 0))

    found = find_changed_components(["a" * 34 + "!", "abc/app/values.yaml"], config)

    assert found == [ChangedComponent("abc/", "app")]


def test_posix_classes_mean_what_they_mean_in_go() -> None:
    config = repo(("clusters/[[:digit:]]+/", 0))

    found = find_changed_components(["clusters/42/app/f", "clusters/dig/app/f"], config)

    assert found == [ChangedComponent("clusters/42/", "app")]
