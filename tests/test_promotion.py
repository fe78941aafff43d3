"""The promotion use case (``promotion.PromotionRun``) against a hand-written fake backend."""

from __future__ import annotations

import os

from fakes import FakeBackend, FakeCommit, blob, snapshot

from telefonistka.core.promotion.metadata import PromotionMetadata, PromotionStage, extract_metadata
from telefonistka.core.promotion.planning import TITLE_PREFIX, Conflict, Plan, Promotion
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.core.text.rendering import Renderer
from telefonistka.usecases.promotion import Outcome, PromotionRun, Status, Trigger, failed

BASE = "b" * 40
OLD_BASE = "a" * 40
TRIGGER = Trigger(pr_number=12, pr_author="alice", pr_branch="feature/x")
PROD_BRANCH = "promotions/12-feature-x-44ea876ab703"
QA_BRANCH = "promotions/12-feature-x-63255a134f01"

FILES: dict[str, str | tuple[Mode, str]] = {
    "README.md": "hello\n",
    "env/staging/app/values.yaml": "tag: v2\n",
    "env/staging/app/run.sh": (Mode.EXECUTABLE, "#!/bin/sh\n"),
    "env/staging/web/values.yaml": "replicas: 2\n",
    "env/prod/app/values.yaml": "tag: v1\n",
    "env/prod/app/old.yaml": "gone: true\n",
    "env/prod/web/values.yaml": "replicas: 2\n",
    "env/qa": "a file where a folder should be\n",
}

APP_CHANGES: dict[str, TreeEntry | None] = {
    "env/prod/app/old.yaml": None,
    "env/prod/app/run.sh": TreeEntry(Mode.EXECUTABLE, blob("#!/bin/sh\n")),
    "env/prod/app/values.yaml": TreeEntry(Mode.FILE, blob("tag: v2\n")),
}

APP_METADATA = (
    "<!--|Telefonistka data, do not delete|"
    "eyJvcmlnaW5hbFByQXV0aG9yIjoiYWxpY2UiLCJvcmlnaW5hbFByTnVtYmVyIjoxMiwicHJvbW90ZWRQ"
    "YXRocyI6WyJlbnYvcHJvZC9hcHAiXSwicHJldmlvdXNQcm9tb3Rpb25QYXRocyI6eyIxMiI6eyJzb3Vy"
    "Y2VQYXRoIjoiZW52L3N0YWdpbmcvIiwidGFyZ2V0UGF0aHMiOlsiZW52L3Byb2QvIl19fX0="
    "|-->"
)
APP_BODY = (
    "Promotion path(app):\n"
    "\n"
    "↘️  #12  `env/staging/` ➡️  \n"
    "&nbsp;&nbsp;&nbsp;&nbsp;`env/prod/`  \n"
    "\n"
    "Each target folder becomes an exact copy of its source folder:\n"
    "\n"
    "| Target | Source |\n"
    "|---|---|\n"
    "| `env/prod/app` | `env/staging/app` |\n"
    "\n" + APP_METADATA + "\n"
)


def promotion(target: str, *components: str, conflicted: tuple[str, ...] = ()) -> Promotion:
    """A promotion of ``components`` from ``env/staging/`` to the folder ``target``."""
    return Promotion(
        source_pattern="env/staging/",
        source_paths=("env/staging/",),
        target_paths=(target,),
        target_description=target,
        components=components,
        auto_merge=False,
        sync=tuple((f"{target}{name}", f"env/staging/{name}") for name in components),
        conflicted=conflicted,
    )


APP = promotion("env/prod/", "app")
WEB = promotion("env/prod/", "web")
QA = promotion("env/qa/", "app")


def run(
    backend: FakeBackend, *, dry_run: bool = False, base: TreeSnapshot | None = None
) -> PromotionRun:
    return PromotionRun(
        backend, base or snapshot(FILES, BASE), TRIGGER, Renderer(), dry_run=dry_run
    )


def carry_out(backend: FakeBackend, *promotions: Promotion, dry_run: bool = False) -> list[Outcome]:
    return run(backend, dry_run=dry_run).carry_out(Plan(promotions=promotions))


def test_created_writes_one_tree_one_commit_one_branch() -> None:
    backend = FakeBackend()

    (outcome,) = carry_out(backend, APP)

    assert outcome.status is Status.CREATED
    assert outcome.branch == PROD_BRANCH
    assert outcome.title == "🚀 Promotion: app ➡️  env/prod/"
    assert outcome.body == APP_BODY
    assert outcome.error == ""
    assert backend.branches == {PROD_BRANCH: outcome.commit}
    assert backend.branch_updates == [(PROD_BRANCH, outcome.commit, None)]
    (tree,) = backend.trees
    assert backend.trees[tree] == (BASE, APP_CHANGES)
    assert outcome.commit is not None
    assert backend.commits[outcome.commit] == FakeCommit(
        tree, (BASE,), f"{outcome.title}\n\n{APP_BODY}"
    )


def test_body_metadata_starts_a_chain_at_the_trigger() -> None:
    (outcome,) = carry_out(FakeBackend(), APP)

    assert extract_metadata(outcome.body) == PromotionMetadata(
        original_pr_author="alice",
        original_pr_number=12,
        promoted_paths=("env/prod/app",),
        previous_promotion_paths={12: PromotionStage("env/staging/", ("env/prod/",))},
    )


def test_second_run_is_unchanged_and_writes_no_commit() -> None:
    backend = FakeBackend()
    (first,) = carry_out(backend, APP)

    (second,) = carry_out(backend, APP)

    assert second.status is Status.UNCHANGED
    assert second.commit == first.commit
    assert (second.title, second.body) == (first.title, first.body)
    assert len(backend.commits) == 1
    assert backend.branch_updates == [(PROD_BRANCH, first.commit, None)]


def test_branch_on_an_old_base_is_updated_in_place() -> None:
    backend = FakeBackend()
    old_tree = backend.write_tree(OLD_BASE, APP_CHANGES)
    stale = backend.commit_tree(old_tree, [OLD_BASE], f"{TITLE_PREFIX}app (an older run)")
    backend.branches[PROD_BRANCH] = stale

    (outcome,) = carry_out(backend, APP)

    assert outcome.status is Status.UPDATED
    assert outcome.commit is not None
    assert outcome.commit != stale
    assert backend.branches == {PROD_BRANCH: outcome.commit}
    assert backend.branch_updates == [(PROD_BRANCH, outcome.commit, stale)]
    assert backend.commits[outcome.commit].parents == (BASE,)


def test_same_tree_and_base_but_another_message_is_updated() -> None:
    backend = FakeBackend()
    tree = backend.write_tree(BASE, APP_CHANGES)
    edited = backend.commit_tree(tree, [BASE], f"{TITLE_PREFIX}app, a title edited by hand")
    backend.branches[PROD_BRANCH] = edited

    (outcome,) = carry_out(backend, APP)

    assert outcome.status is Status.UPDATED
    assert outcome.commit is not None
    assert backend.commits[outcome.commit] == FakeCommit(
        tree, (BASE,), f"{outcome.title}\n\n{APP_BODY}"
    )


def test_in_sync_group_writes_nothing() -> None:
    backend = FakeBackend()

    (outcome,) = carry_out(backend, WEB)

    assert outcome.status is Status.IN_SYNC
    assert outcome.branch == PROD_BRANCH
    assert outcome.commit is None
    assert outcome.title == "🚀 Promotion: web ➡️  env/prod/"
    assert "| `env/prod/web` | `env/staging/web` |" in outcome.body
    assert backend == FakeBackend()


def test_a_failing_group_does_not_stop_the_next_one() -> None:
    backend = FakeBackend()

    qa, app = carry_out(backend, QA, APP)

    assert qa.status is Status.FAILED
    assert qa.branch == QA_BRANCH
    assert qa.commit is None
    assert qa.error == (
        f"target 'env/qa/app' is not a folder: 'env/qa' is a file (mode 100644) in commit {BASE}"
    )
    assert app.status is Status.CREATED
    assert backend.branches == {PROD_BRANCH: app.commit}
    assert failed([qa, app]) == [qa]


def test_a_backend_error_fails_only_its_group() -> None:
    backend = FakeBackend(fail_writes_under="env/prod/")

    prod, qa_web = carry_out(backend, APP, promotion("env/qa-ok/", "web"))

    assert (prod.status, prod.error) == (Status.FAILED, "cannot write below env/prod/")
    assert qa_web.status is Status.CREATED
    assert list(backend.branches) == ["promotions/12-feature-x-1bfd00a3f489"]


def test_a_folder_name_that_is_not_utf8_fails_its_group() -> None:
    backend = FakeBackend()
    latin1 = os.fsdecode(b"caf\xe9")

    bad, good = carry_out(backend, promotion("env/prod/", latin1), APP)

    assert (bad.status, bad.title, bad.body) == (Status.FAILED, "", "")
    assert bad.error == (
        "cannot promote env/staging/caf\\xe9: the folder name is not valid UTF-8, and PR "
        "titles, bodies and metadata are UTF-8 text; rename the folder"
    )
    assert good.status is Status.CREATED
    assert len(backend.commits) == 1


def test_dry_run_would_create_and_writes_no_commit_or_branch() -> None:
    backend = FakeBackend()

    (outcome,) = carry_out(backend, APP, dry_run=True)

    assert outcome.status is Status.WOULD_CREATE
    assert (outcome.commit, outcome.body) == (None, APP_BODY)
    assert backend.commits == {}
    assert backend.branches == {}
    assert backend.branch_updates == []


def test_dry_run_would_update_a_stale_branch_and_leaves_it() -> None:
    backend = FakeBackend()
    old_tree = backend.write_tree(OLD_BASE, APP_CHANGES)
    stale = backend.commit_tree(old_tree, [OLD_BASE], f"{TITLE_PREFIX}app (an older run)")
    backend.branches[PROD_BRANCH] = stale

    (outcome,) = carry_out(backend, APP, dry_run=True)

    assert (outcome.status, outcome.commit) == (Status.WOULD_UPDATE, None)
    assert backend.branches == {PROD_BRANCH: stale}
    assert list(backend.commits) == [stale]


def test_dry_run_of_a_current_branch_is_unchanged() -> None:
    backend = FakeBackend()
    (first,) = carry_out(backend, APP)

    (outcome,) = carry_out(backend, APP, dry_run=True)

    assert (outcome.status, outcome.commit) == (Status.UNCHANGED, first.commit)


def test_conflicts_of_the_plan_are_listed_in_the_body() -> None:
    conflicted = promotion("env/prod/", "app", conflicted=("env/prod/db",))
    conflict = Conflict("env/prod/db", ("dev/a/db", "dev/b/db"))
    runner = run(FakeBackend())

    (outcome,) = runner.carry_out(Plan(promotions=(conflicted,), conflicts=(conflict,)))

    assert runner.conflicts == (conflict,)
    assert (
        "**Not synced, the sources differ** (make them identical or promote them separately):\n"
        "- `env/prod/db` ← `dev/a/db`, `dev/b/db`\n"
    ) in outcome.body


def test_outcome_to_json_is_the_promotion_plus_the_result() -> None:
    backend = FakeBackend()
    qa, app = carry_out(backend, QA, APP)

    assert app.to_json() == {
        "source_pattern": "env/staging/",
        "source_paths": ["env/staging/"],
        "target_paths": ["env/prod/"],
        "target_description": "env/prod/",
        "components": ["app"],
        "auto_merge": False,
        "sync": {"env/prod/app": "env/staging/app"},
        "skipped": {},
        "gates": [],
        "title": "🚀 Promotion: app ➡️  env/prod/",
        "branch": PROD_BRANCH,
        "commit": app.commit,
        "body": APP_BODY,
        "status": "created",
    }
    assert qa.to_json() == {
        **QA.to_json(),
        "branch": QA_BRANCH,
        "commit": None,
        "body": "",
        "status": "failed",
        "error": qa.error,
    }


def test_a_branch_holding_somebody_elses_commit_is_left_as_it_is() -> None:
    backend = FakeBackend()
    tree = backend.write_tree(OLD_BASE, APP_CHANGES)
    fix = backend.commit_tree(tree, [OLD_BASE], "fix the prod values by hand")
    backend.branches[PROD_BRANCH] = fix

    (outcome,) = carry_out(backend, APP)

    assert (outcome.status, outcome.commit) == (Status.EDITED, fix)
    assert backend.branches == {PROD_BRANCH: fix}
    assert backend.branch_updates == []


def test_a_foreign_branch_may_be_replaced_when_the_caller_says_so() -> None:
    backend = FakeBackend()
    tree = backend.write_tree(OLD_BASE, APP_CHANGES)
    backend.branches[PROD_BRANCH] = backend.commit_tree(tree, [OLD_BASE], "abandoned fix")
    promotion_run = run(backend)
    promotion_run.may_replace = lambda branch: branch == PROD_BRANCH  # no open PR uses it

    (outcome,) = promotion_run.carry_out(Plan((APP,)))

    assert outcome.status is Status.UPDATED
