"""Properties of the plan over generated configurations and change sets."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telefonistka.core.config.model import (
    ComponentConfig,
    Conditions,
    PromotionPath,
    PromotionPr,
    RepoConfig,
)
from telefonistka.core.promotion.changes import find_changed_components
from telefonistka.core.promotion.planning import Plan, Promotion, compute_plan

# Regex sources appear twice so that one group often gets the same name from two sources.
SOURCES = ["dev/[^/]*/", "dev/[^/]*/", "env/[^/]*/b/", "env/[^/]*/b/", "dev/", "stg", "s[a-z]*/"]
TARGETS = ["prod/", "prod/a/", "prod/b", "stg/", "dev/a/", "x/y/z/"]
PREFIXES = ["", "dev/", "dev/a/", "dev/b/", "env/a/b/", "env/b/b/", "stg/", "sa/"]
SEGMENTS = ["a", "b"]
LABELS = ["x", "y"]
REGEXES = ["prod", "a/$", "^stg", "b", "z"]


@dataclass(frozen=True)
class FakeFolders:
    """Folders have equal content when their paths' character sums agree modulo ``k``."""

    k: int

    def same_content(self, folder_a: str, folder_b: str) -> bool:
        return self._content(folder_a) == self._content(folder_b)

    def _content(self, folder: str) -> int:
        return sum(map(ord, folder)) % self.k


promotion_prs = st.builds(
    PromotionPr,
    st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3).map(tuple),
    st.sampled_from(["", "described"]),
)
flows = st.builds(
    PromotionPath,
    st.sampled_from(SOURCES),
    st.lists(promotion_prs, min_size=1, max_size=3).map(tuple),
    st.sampled_from([0, 0, 1, 2]),
    st.builds(Conditions, st.lists(st.sampled_from(LABELS), max_size=2).map(tuple), st.booleans()),
)
configs = st.builds(RepoConfig, st.lists(flows, min_size=1, max_size=4).map(tuple))
files = st.lists(
    st.tuples(
        st.sampled_from(PREFIXES), st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=3)
    ).map(lambda p: p[0] + "".join(f"{s}/" for s in p[1]) + "f"),
    max_size=16,
)
component_configs = st.builds(
    ComponentConfig,
    st.lists(st.sampled_from(REGEXES), max_size=2).map(tuple),
    st.lists(st.sampled_from(REGEXES), max_size=2).map(tuple),
)


@dataclass(frozen=True)
class Scenario:
    """A config, a change set, and the drawn labels, component configs and contents."""

    config: RepoConfig
    files: tuple[str, ...]
    labels: tuple[str, ...]
    component_configs: dict[str, ComponentConfig]
    folders: FakeFolders

    def plan(self, files: list[str] | tuple[str, ...] | None = None) -> Plan:
        changed = find_changed_components(self.files if files is None else files, self.config)
        return compute_plan(changed, self.config, self.labels, self.folders, self.component_configs)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Draw a config and files, then component configs for some of the changed components."""
    config = draw(configs)
    changed_files = tuple(draw(files))
    paths = [c.path for c in find_changed_components(changed_files, config)]
    chosen = draw(st.lists(st.sampled_from(paths), unique=True)) if paths else []
    return Scenario(
        config,
        changed_files,
        tuple(draw(st.lists(st.sampled_from(LABELS), max_size=2))),
        {path: draw(component_configs) for path in chosen},
        FakeFolders(draw(st.integers(1, 3))),
    )


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def outcomes(promotion: Promotion, name: str, target: str) -> list[str]:
    """Which of synced / skipped / conflicted apply to one component and target path."""
    skipped = dict(promotion.skipped).get(name, ())
    found = []
    if f"{target}{name}" in promotion.sync_map:
        found.append("synced")
    if target in skipped:
        found.append("skipped")
    if f"{target}{name}" in promotion.conflicted:
        found.append("conflicted")
    return found


@PROPERTY_SETTINGS
@given(scenarios())
def test_sync_pairs_are_target_and_source_of_one_component(
    scenario: Scenario,
) -> None:
    plan = scenario.plan()
    for promotion in plan.promotions:
        for target, source in promotion.sync:
            assert any(
                target == f"{tp}{name}" and source == f"{sp}{name}"
                for tp in promotion.target_paths
                for sp in promotion.source_paths
                for name in promotion.components
            ), (target, source, promotion)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_target_twice_in_one_promotion(scenario: Scenario) -> None:
    plan = scenario.plan()
    for promotion in plan.promotions:
        targets = [t for t, _ in promotion.sync] + list(promotion.conflicted)
        assert len(targets) == len(set(targets))
        assert promotion.sync == tuple(sorted(promotion.sync))


@PROPERTY_SETTINGS
@given(scenarios())
def test_each_component_target_is_synced_skipped_or_conflicted(
    scenario: Scenario,
) -> None:
    plan = scenario.plan()
    for promotion in plan.promotions:
        assert promotion.sync, "a promotion without sync pairs opens no PR"
        for name in promotion.components:
            for target in promotion.target_paths:
                assert len(outcomes(promotion, name, target)) == 1, (name, target, promotion)


@PROPERTY_SETTINGS
@given(scenarios())
def test_conflicts_are_reported_with_distinct_sorted_sources(
    scenario: Scenario,
) -> None:
    plan = scenario.plan()
    reported = {c.target for c in plan.conflicts}
    for conflict in plan.conflicts:
        assert len(conflict.sources) >= 2
        assert conflict.sources == tuple(sorted(set(conflict.sources)))
    for promotion in plan.promotions:
        assert set(promotion.conflicted) <= reported


@PROPERTY_SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_plan_does_not_depend_on_file_order(scenario: Scenario, random: Random) -> None:
    shuffled = list(scenario.files)
    random.shuffle(shuffled)
    assert scenario.plan(shuffled) == scenario.plan()
