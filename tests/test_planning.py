"""The promotion plan (docs/planning.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from telefonistka.core.config.model import (
    ComponentConfig,
    Conditions,
    PromotionPath,
    PromotionPr,
    RepoConfig,
)
from telefonistka.core.promotion.changes import ChangedComponent, find_changed_components
from telefonistka.core.promotion.planning import Plan, Promotion, compute_plan
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot


def snapshot(folders: Mapping[str, str]) -> TreeSnapshot:
    """A tree whose folders have the given object ids (same id = same content)."""
    entries = {path: TreeEntry(Mode.FOLDER, oid) for path, oid in folders.items()}
    return TreeSnapshot("c0ffee", "root", entries)


NO_FOLDERS = snapshot({})


def flow(
    source: str,
    *targets: tuple[str, ...],
    labels: tuple[str, ...] = (),
    auto_merge: bool = False,
    depth: int = 0,
    descriptions: tuple[str, ...] = (),
) -> PromotionPath:
    """A flow with one promotionPrs element per ``targets`` tuple."""
    prs = tuple(
        PromotionPr(t, descriptions[i] if i < len(descriptions) else "")
        for i, t in enumerate(targets)
    )
    return PromotionPath(source, prs, depth, Conditions(labels, auto_merge))


def plan(
    config: RepoConfig,
    files: Iterable[str],
    labels: Iterable[str] = (),
    folders: TreeSnapshot = NO_FOLDERS,
    component_configs: Mapping[str, ComponentConfig] | None = None,
) -> Plan:
    """The plan for changed ``files``, as the handlers compute it."""
    changed = find_changed_components(files, config)
    return compute_plan(changed, config, labels, folders, component_configs or {})


def only(result: Plan) -> Promotion:
    assert len(result.promotions) == 1, result
    return result.promotions[0]


def repo(*flows: PromotionPath) -> RepoConfig:
    return RepoConfig(promotion_paths=flows)


def test_one_component_one_target() -> None:
    promotion = only(plan(repo(flow("dev/", ("prod/",))), ["dev/app/values.yaml"]))
    assert promotion.sync == (("prod/app", "dev/app"),)
    assert promotion.components == ("app",)
    assert promotion.source_paths == ("dev/",)
    assert promotion.target_paths == ("prod/",)
    assert promotion.skipped == ()
    assert promotion.title == "🚀 Promotion: app ➡️  prod/"


def test_regex_source_syncs_from_the_concrete_prefix() -> None:
    config = repo(flow("staging/[^/]*/", ("prod/eu/", "prod/us/")))
    promotion = only(plan(config, ["staging/eu/app/f"]))
    assert promotion.source_pattern == "staging/[^/]*/"
    assert promotion.sync_map == {"prod/eu/app": "staging/eu/app", "prod/us/app": "staging/eu/app"}


def test_extra_depth_component_is_synced_whole() -> None:
    config = repo(flow("src/", ("dst/",), depth=1))
    assert only(plan(config, ["src/team/app/f"])).sync == (("dst/team/app", "src/team/app"),)


def test_two_components_share_one_pr() -> None:
    promotion = only(plan(repo(flow("dev/", ("prod/",))), ["dev/b/f", "dev/a/f"]))
    assert promotion.components == ("a", "b")
    assert promotion.sync == (("prod/a", "dev/a"), ("prod/b", "dev/b"))
    assert promotion.title == "🚀 Promotion: a,b ➡️  prod/"


def test_each_promotion_prs_element_is_its_own_pr() -> None:
    config = repo(flow("dev/", ("stg/",), ("prod/eu/", "prod/us/")))
    result = plan(config, ["dev/app/f"])
    assert [p.target_paths for p in result.promotions] == [("stg/",), ("prod/eu/", "prod/us/")]


def test_description_defaults_to_the_sorted_targets() -> None:
    config = repo(flow("dev/", ("prod/us/", "prod/eu/")))
    assert only(plan(config, ["dev/app/f"])).target_description == "prod/eu/ prod/us/"


def test_explicit_description_is_used() -> None:
    config = repo(flow("dev/", ("prod/us/", "prod/eu/"), descriptions=("production",)))
    promotion = only(plan(config, ["dev/app/f"]))
    assert promotion.target_description == "production"
    assert promotion.title == "🚀 Promotion: app ➡️  production"


def test_target_path_without_slash_is_a_folder() -> None:
    promotion = only(plan(repo(flow("dev/", ("prod",))), ["dev/app/f"]))
    assert promotion.target_paths == ("prod/",)
    assert promotion.sync == (("prod/app", "dev/app"),)


def test_auto_merge_comes_from_the_flow() -> None:
    config = repo(flow("dev/", ("stg/",), auto_merge=True), flow("stg/", ("prod/",)))
    result = plan(config, ["dev/app/f", "stg/app/f"])
    assert [p.auto_merge for p in result.promotions] == [True, False]


def test_auto_merge_needs_every_feeding_flow() -> None:
    merging = flow("dev/", ("prod/",), labels=("fast",), auto_merge=True)
    config = repo(merging, flow("dev/", ("prod/",)))
    assert only(plan(config, ["dev/a/f"], labels=["fast"])).auto_merge is True
    # Without the label, the second flow (no autoMerge) feeds the same group.
    assert only(plan(config, ["dev/a/f"])).auto_merge is False


def test_label_condition_met() -> None:
    config = repo(flow("dev/", ("prod/",), labels=("promote", "ship")))
    assert only(plan(config, ["dev/app/f"], labels=["ship"])).components == ("app",)


def test_label_condition_missing_gives_a_warning() -> None:
    config = repo(flow("dev/", ("prod/",), labels=("promote", "ship")))
    result = plan(config, ["dev/app/f"], labels=["other"])
    assert result.promotions == ()
    assert result.warnings == ("dev/app: flow 'dev/' needs one of the labels [promote, ship]",)


def test_label_condition_falls_through_to_a_later_flow() -> None:
    config = repo(
        flow("dev/", ("prod/",), labels=("hotfix",)),
        flow("dev/", ("stg/",)),
    )
    assert only(plan(config, ["dev/app/f"])).target_paths == ("stg/",)
    assert only(plan(config, ["dev/app/f"], labels=["hotfix"])).target_paths == ("prod/",)


def test_later_flow_must_match_the_concrete_source_from_the_start() -> None:
    config = repo(flow("dev/[^/]*/", ("prod/",), labels=("x",)), flow("us/", ("stg/",)))
    result = plan(config, ["dev/us/app/f"])
    assert result.promotions == ()
    assert result.warnings == ("dev/us/app: flow 'dev/[^/]*/' needs one of the labels [x]",)


def test_component_with_no_flow_and_no_labels_is_silent() -> None:
    result = plan(repo(flow("dev/", ("prod/",))), ["docs/readme.md"])
    assert result == Plan()


TARGETS = ("prod/eu-west-1/", "prod/us-east-1/", "stg/eu-west-1/")


def promoted_targets(component_config: ComponentConfig) -> tuple[tuple[str, ...], Promotion]:
    config = repo(flow("dev/", TARGETS))
    promotion = only(plan(config, ["dev/app/f"], component_configs={"dev/app": component_config}))
    return tuple(t.removesuffix("app") for t, _ in promotion.sync), promotion


def test_allow_list_keeps_only_matching_targets() -> None:
    synced, promotion = promoted_targets(ComponentConfig(promotion_target_allow_list=("^prod/",)))
    assert synced == ("prod/eu-west-1/", "prod/us-east-1/")
    assert promotion.skipped == (("app", ("stg/eu-west-1/",)),)


def test_block_list_drops_matching_targets() -> None:
    synced, promotion = promoted_targets(ComponentConfig(promotion_target_block_list=("eu-west",)))
    assert synced == ("prod/us-east-1/",)
    assert promotion.skipped == (("app", ("prod/eu-west-1/", "stg/eu-west-1/")),)


def test_block_list_wins_over_allow_list() -> None:
    both = ComponentConfig(
        promotion_target_allow_list=("^prod/",), promotion_target_block_list=("eu-west",)
    )
    synced, promotion = promoted_targets(both)
    assert synced == ("prod/us-east-1/",)
    assert promotion.skipped == (("app", ("prod/eu-west-1/", "stg/eu-west-1/")),)


def test_component_config_is_per_component() -> None:
    config = repo(flow("dev/", ("prod/eu/", "prod/us/")))
    configs = {"dev/a": ComponentConfig(promotion_target_block_list=("eu",))}
    promotion = only(plan(config, ["dev/a/f", "dev/b/f"], component_configs=configs))
    assert promotion.sync_map == {"prod/eu/b": "dev/b", "prod/us/a": "dev/a", "prod/us/b": "dev/b"}
    assert promotion.skipped == (("a", ("prod/eu/",)),)


def test_fully_skipped_group_is_dropped_with_a_warning() -> None:
    config = repo(flow("dev/", ("stg/",), ("prod/",)))
    configs = {"dev/app": ComponentConfig(promotion_target_block_list=("^prod/",))}
    result = plan(config, ["dev/app/f"], component_configs=configs)
    assert [p.target_paths for p in result.promotions] == [("stg/",)]
    assert result.warnings == (
        "app: not promoted by flow 'dev/' to prod/: "
        "the component configuration skips every target (prod/)",
    )


def test_same_target_from_different_sources_is_a_conflict() -> None:
    config = repo(flow("dev/[^/]*/", ("prod/",)))
    folders = snapshot({"dev/us-east-4/a": "t1", "dev/us-east-5/a": "t2", "dev/us-east-4/b": "t3"})
    result = plan(
        config, ["dev/us-east-5/a/f", "dev/us-east-4/a/f", "dev/us-east-4/b/f"], [], folders
    )
    promotion = only(result)
    assert promotion.sync == (("prod/b", "dev/us-east-4/b"),)
    assert promotion.conflicted == ("prod/a",)
    assert promotion.components == ("a", "b")
    assert promotion.source_paths == ("dev/us-east-4/", "dev/us-east-5/")
    assert [c.to_json() for c in result.conflicts] == [
        {"target": "prod/a", "sources": ["dev/us-east-4/a", "dev/us-east-5/a"]}
    ]


def test_same_target_from_identical_sources_keeps_the_first() -> None:
    config = repo(flow("dev/[^/]*/", ("prod/",)))
    folders = snapshot({"dev/us-east-4/a": "same", "dev/us-east-5/a": "same"})
    result = plan(config, ["dev/us-east-5/a/f", "dev/us-east-4/a/f"], [], folders)
    assert result.conflicts == ()
    assert only(result).sync == (("prod/a", "dev/us-east-4/a"),)
    assert only(result).source_paths == ("dev/us-east-4/",)


def test_conflict_only_group_opens_no_pr() -> None:
    config = repo(flow("dev/[^/]*/", ("prod/",)))
    folders = snapshot({"dev/x/a": "t1", "dev/y/a": "t2"})
    result = plan(config, ["dev/x/a/f", "dev/y/a/f"], [], folders)
    assert result.promotions == ()
    assert len(result.conflicts) == 1
    assert result.warnings == ()


def test_skip_by_one_source_does_not_hide_a_sync_by_another() -> None:
    config = repo(flow("dev/[^/]*/", ("prod/eu/", "prod/us/")))
    configs = {"dev/x/a": ComponentConfig(promotion_target_block_list=("us",))}
    promotion = only(plan(config, ["dev/x/a/f", "dev/y/a/f"], component_configs=configs))
    assert promotion.sync_map == {"prod/eu/a": "dev/x/a", "prod/us/a": "dev/y/a"}
    assert promotion.skipped == ()


def test_promotions_follow_configuration_order() -> None:
    config = repo(
        flow("b-src/", ("b1/",), ("b0/",)),
        flow("a-src/", ("a1/",)),
    )
    result = plan(config, ["a-src/x/f", "b-src/x/f"])
    assert [p.target_paths for p in result.promotions] == [("b1/",), ("b0/",), ("a1/",)]


def test_issue_2_json_shape() -> None:
    config = repo(
        flow("dev/[^/]*/", ("prod/eu-east-1/",)),
        flow("prod/[^/]*/", ("prod/eu-west-1/", "prod/eu-east-1/")),
    )
    files = [
        "prod/us-east-4/componentA/values.yaml",
        "dev/us-east-5/componentA/values.yaml",
        "dev/us-east-4/componentA/values.yaml",
    ]
    folders = snapshot({"dev/us-east-4/componentA": "t1", "dev/us-east-5/componentA": "t2"})
    blocked = {"prod/us-east-4/componentA": ComponentConfig(promotion_target_block_list=("west",))}
    result = plan(config, files, [], folders, blocked)
    assert result.to_json() == {
        "promotions": [
            {
                "source_pattern": "prod/[^/]*/",
                "source_paths": ["prod/us-east-4/"],
                "target_paths": ["prod/eu-east-1/", "prod/eu-west-1/"],
                "target_description": "prod/eu-east-1/ prod/eu-west-1/",
                "components": ["componentA"],
                "auto_merge": False,
                "sync": {"prod/eu-east-1/componentA": "prod/us-east-4/componentA"},
                "skipped": {"componentA": ["prod/eu-west-1/"]},
                "gates": [],
                "title": "🚀 Promotion: componentA ➡️  prod/eu-east-1/ prod/eu-west-1/",
            }
        ],
        "conflicts": [
            {
                "target": "prod/eu-east-1/componentA",
                "sources": ["dev/us-east-4/componentA", "dev/us-east-5/componentA"],
            }
        ],
        "warnings": [],
    }


def test_duplicate_changed_components_count_once() -> None:
    config = repo(flow("dev/", ("prod/",)))
    app = ChangedComponent("dev/", "app")
    result = compute_plan([app, app], config, [], NO_FOLDERS, {})
    assert only(result).sync == (("prod/app", "dev/app"),)


def test_promotion_without_targets_is_dropped_with_a_warning() -> None:
    # Validation rejects empty targetPaths; the planner still must not crash on them.
    result = plan(repo(flow("dev/", ())), ["dev/app/f"])
    assert result.promotions == ()
    assert result.warnings == ("flow 'dev/' has a promotion with no target paths",)
