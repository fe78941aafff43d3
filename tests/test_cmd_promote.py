"""``telefonistka promote`` end to end, on real repositories built by git.

Every successful promotion is held to the acceptance checks of the local backend: each
target is the very tree of its source on the base (or absent with it), the branch
changes nothing outside the promotion's target folders, and its commit has exactly one
parent, the base head.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitrepo import GitRepoBuilder

from telefonistka.cli import main
from telefonistka.core.promotion.metadata import PromotionMetadata, PromotionStage, extract_metadata

CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    promotionPrs:
      - targetPaths: ["env/prod-eu/", "env/prod-us/"]
        targetDescription: "prod"
      - targetPaths: ["env/prod-asia/"]
  - sourcePath: "dev/[^/]*/"
    promotionPrs:
      - targetPaths: ["env/staging/"]
"""

PROD = "542f85e04932"  # sha1("env/prod-eu/_env/prod-us/")[:12]
ASIA = "a001443e6ec8"  # sha1("env/prod-asia/")[:12]
STAGING = "dcd6e7fea4c0"  # sha1("env/staging/")[:12]

INITIAL = {
    "telefonistka.yaml": CONFIG,
    "README.md": "# fleet\n",
    "dev/us-east-4/app/values.yaml": "tag: v1\n",
    "env/staging/app/values.yaml": "tag: v1\n",
    "env/prod-eu/app/values.yaml": "tag: v1\n",
    "env/prod-us/app/values.yaml": "tag: v1\n",
    "env/prod-asia/app/values.yaml": "tag: v1\n",
    "env/prod-eu/other/values.yaml": "untouched\n",
}

Result = tuple[int, str, str]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    """``main`` with the config and ``app`` in sync everywhere."""
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.commit(INITIAL, message="initial")
    return builder


def merge_pr(
    repo: GitRepoBuilder,
    number: int,
    branch: str,
    files: dict[str, str | bytes | None] | None = None,
    *,
    executable: tuple[str, ...] = (),
    symlinks: dict[str, str] | None = None,
) -> str:
    """A PR branch with one commit, merged into ``main`` the way GitHub words it."""
    repo.branch(branch, "main")
    for name, points_to in (symlinks or {}).items():
        repo.symlink(name, points_to)
    repo.commit(files, message=f"change on {branch}", executable=executable)
    return merge_branch(repo, number, branch)


def merge_branch(repo: GitRepoBuilder, number: int, branch: str) -> str:
    repo.checkout("main")
    message = f"Merge pull request #{number} from org/{branch}"
    repo.git("merge", "-q", "--no-ff", "-m", message, branch)
    return rev(repo, "main")


def rev(repo: GitRepoBuilder, name: str) -> str:
    return repo.git("rev-parse", "--verify", name)


def object_at(repo: GitRepoBuilder, commit: str, path: str) -> str | None:
    """The object id at ``commit:path``, or None when the path is absent."""
    try:
        return repo.git("rev-parse", "--verify", "--quiet", f"{commit}:{path}")
    except subprocess.CalledProcessError:
        return None


def branches(repo: GitRepoBuilder) -> dict[str, str]:
    out = repo.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
    return dict(line.split(" ") for line in out.splitlines())


def promote(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str], *args: str, commit: str = "main"
) -> Result:
    code = main(["promote", "--repo", str(repo.path), "--commit", commit, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def promote_json(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str], *args: str, commit: str = "main"
) -> dict[str, Any]:
    code, out, err = promote(repo, capsys, "--json", *args, commit=commit)
    assert (code, err) == (0, "")
    parsed: dict[str, Any] = json.loads(out)
    assert out == json.dumps(parsed, indent=2, ensure_ascii=False) + "\n"
    return parsed


def assert_promoted(repo: GitRepoBuilder, base: str, promotion: dict[str, Any]) -> None:
    """The acceptance checks of one written promotion branch."""
    branch = promotion["branch"]
    head = rev(repo, branch)
    assert promotion["commit"] == head
    assert repo.git("rev-parse", f"{head}^@").splitlines() == [base]
    sync: dict[str, str] = promotion["sync"]
    for target, source in sync.items():
        assert object_at(repo, head, target) == object_at(repo, base, source), target
    changed = repo.git("diff", "--name-only", "-z", base, head).strip("\0").split("\0")
    assert changed != [""]
    outside = [p for p in changed if not any(p.startswith(f"{t}/") for t in sync)]
    assert outside == []
    message = repo.git("cat-file", "commit", head).partition("\n\n")[2]
    assert message.strip() == f"{promotion['title']}\n\n{promotion['body']}".strip()


def assert_all_promoted(repo: GitRepoBuilder, base: str, result: dict[str, Any]) -> None:
    for promotion in result["promotions"]:
        assert promotion["status"] in {"created", "updated"}
        assert_promoted(repo, base, promotion)


def name_status(repo: GitRepoBuilder, base: str, branch: str) -> list[str]:
    out = repo.git("diff", "--name-status", "-z", "--no-renames", base, branch).strip("\0")
    fields = out.split("\0")
    return [f"{status} {path}" for status, path in zip(fields[::2], fields[1::2], strict=True)]


# --- what gets synced ------------------------------------------------------------------


def test_added_changed_deleted_and_nested_files(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"env/prod-eu/app/stale.yaml": "old\n", "env/prod-us/app/stale.yaml": "old\n"})
    base = merge_pr(
        repo,
        5,
        "feature/app",
        {
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/staging/app/templates/deep/deploy.yaml": "kind: Deployment\n",
        },
    )

    result = promote_json(repo, capsys)

    assert [p["branch"] for p in result["promotions"]] == [
        f"promotions/5-feature-app-{PROD}",
        f"promotions/5-feature-app-{ASIA}",
    ]
    assert_all_promoted(repo, base, result)
    assert name_status(repo, base, f"promotions/5-feature-app-{PROD}") == [
        "D env/prod-eu/app/stale.yaml",
        "A env/prod-eu/app/templates/deep/deploy.yaml",
        "M env/prod-eu/app/values.yaml",
        "D env/prod-us/app/stale.yaml",
        "A env/prod-us/app/templates/deep/deploy.yaml",
        "M env/prod-us/app/values.yaml",
    ]
    assert name_status(repo, base, f"promotions/5-feature-app-{ASIA}") == [
        "A env/prod-asia/app/templates/deep/deploy.yaml",
        "M env/prod-asia/app/values.yaml",
    ]


def test_text_output(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    merge_pr(repo, 5, "feature/app", {"env/staging/app/values.yaml": "tag: v2\n"})

    code, out, err = promote(repo, capsys)

    assert (code, err) == (0, "")
    assert out == (
        f"     created  promotions/5-feature-app-{PROD}\n"
        "              🚀 Promotion: app ➡️  prod\n"
        f"     created  promotions/5-feature-app-{ASIA}\n"
        "              🚀 Promotion: app ➡️  env/prod-asia/\n"
    )


def test_executable_bit_and_symlinks_are_kept(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(
        repo,
        6,
        "modes",
        {"env/staging/app/run.sh": "#!/bin/sh\necho hi\n"},
        executable=("env/staging/app/run.sh",),
        symlinks={"env/staging/app/current.yaml": "values.yaml"},
    )

    result = promote_json(repo, capsys)

    assert_all_promoted(repo, base, result)
    tree = repo.git("ls-tree", f"promotions/6-modes-{ASIA}", "env/prod-asia/app/")
    assert [line.split(" ")[0] + " " + line.split("\t")[1] for line in tree.splitlines()] == [
        "120000 env/prod-asia/app/current.yaml",
        "100755 env/prod-asia/app/run.sh",
        "100644 env/prod-asia/app/values.yaml",
    ]
    link = repo.git("cat-file", "-p", f"promotions/6-modes-{ASIA}:env/prod-asia/app/current.yaml")
    assert link == "values.yaml"


def test_executable_bit_change_alone_is_promoted(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({f"env/{env}/app/run.sh": "x\n" for env in ("staging", "prod-eu", "prod-asia")})
    repo.branch("chmod")
    repo.commit({"env/staging/app/run.sh": "x\n"}, executable=("env/staging/app/run.sh",))
    base = merge_branch(repo, 7, "chmod")

    result = promote_json(repo, capsys)

    assert_all_promoted(repo, base, result)
    assert name_status(repo, base, f"promotions/7-chmod-{ASIA}") == ["M env/prod-asia/app/run.sh"]
    mode = repo.git("ls-tree", f"promotions/7-chmod-{ASIA}", "env/prod-asia/app/run.sh")
    assert mode.startswith("100755 blob ")


def test_deleted_component_deletes_its_targets(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(repo, 8, "drop-app", {"env/staging/app/values.yaml": None})

    result = promote_json(repo, capsys)

    assert [p["status"] for p in result["promotions"]] == ["created", "created"]
    assert_all_promoted(repo, base, result)
    prod = f"promotions/8-drop-app-{PROD}"
    assert object_at(repo, prod, "env/prod-eu/app") is None
    assert object_at(repo, prod, "env/prod-us/app") is None
    assert object_at(repo, prod, "env/prod-eu/other/values.yaml") is not None
    assert name_status(repo, base, prod) == [
        "D env/prod-eu/app/values.yaml",
        "D env/prod-us/app/values.yaml",
    ]


def test_new_component_creates_its_targets(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(repo, 9, "new", {"env/staging/db/a/b/c.yaml": "deep: true\n"})

    result = promote_json(repo, capsys)

    assert_all_promoted(repo, base, result)
    assert result["promotions"][0]["sync"] == {
        "env/prod-eu/db": "env/staging/db",
        "env/prod-us/db": "env/staging/db",
    }
    assert name_status(repo, base, f"promotions/9-new-{ASIA}") == ["A env/prod-asia/db/a/b/c.yaml"]


def test_non_utf8_and_binary_files(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    latin1 = os.fsdecode(b"env/staging/app/caf\xe9.txt")
    base = merge_pr(
        repo,
        10,
        "bytes",
        {
            "env/staging/app/latin1.txt": "café\n".encode("latin-1"),
            "env/staging/app/image.png": b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe",
            latin1: b"\xff\x00\xfe",
        },
    )

    result = promote_json(repo, capsys)

    assert_all_promoted(repo, base, result)
    asia = f"promotions/10-bytes-{ASIA}"
    for name in ("latin1.txt", "image.png", os.fsdecode(b"caf\xe9.txt")):
        assert object_at(repo, asia, f"env/prod-asia/app/{name}") == object_at(
            repo, base, f"env/staging/app/{name}"
        )
    content = subprocess.run(
        ["git", "cat-file", "blob", f"{asia}:env/prod-asia/app/image.png"],
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        check=True,
    ).stdout
    assert content == b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"


def test_paths_with_spaces_and_unicode(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(
        repo,
        11,
        "feature/ünï-cöde",
        {"env/staging/my app ✓/välues 1.yaml": "tag: ✓\n"},
    )

    result = promote_json(repo, capsys)

    assert_all_promoted(repo, base, result)
    first = result["promotions"][0]
    assert first["branch"] == f"promotions/11-feature-ünï-cöde-{PROD}"
    assert first["title"] == "🚀 Promotion: my app ✓ ➡️  prod"
    assert first["sync"] == {
        "env/prod-eu/my app ✓": "env/staging/my app ✓",
        "env/prod-us/my app ✓": "env/staging/my app ✓",
    }
    assert "| `env/prod-eu/my app ✓` | `env/staging/my app ✓` |" in first["body"]


def test_a_component_folder_that_is_not_utf8_fails_its_group(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_pr(repo, 12, "latin1", {os.fsdecode(b"env/staging/caf\xe9/v.yaml"): "a: 1\n"})

    code, out, err = promote(repo, capsys)

    assert (code, err) == (1, "")
    assert out == (
        f"      failed  promotions/12-latin1-{PROD}\n"
        "              🚀 Promotion: caf\\xe9 ➡️  prod\n"
        "              error: cannot promote env/staging/caf\\xe9: the folder name is not valid "
        "UTF-8, and PR titles, bodies and metadata are UTF-8 text; rename the folder\n"
        f"      failed  promotions/12-latin1-{ASIA}\n"
        "              🚀 Promotion: caf\\xe9 ➡️  env/prod-asia/\n"
        "              error: cannot promote env/staging/caf\\xe9: the folder name is not valid "
        "UTF-8, and PR titles, bodies and metadata are UTF-8 text; rename the folder\n"
    )
    code, out, _ = promote(repo, capsys, "--json")
    assert code == 1
    first = json.loads(out)["promotions"][0]
    assert (first["components"], first["status"]) == (["caf\\xe9"], "failed")
    assert list(branches(repo)) == ["latin1", "main"]


# --- re-runs, in-sync groups and failures ---------------------------------------------


def test_already_in_sync_group_opens_no_branch(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_pr(
        repo,
        13,
        "all-at-once",
        {
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/prod-eu/app/values.yaml": "tag: v2\n",
            "env/prod-us/app/values.yaml": "tag: v2\n",
        },
    )
    before = branches(repo)

    result = promote_json(repo, capsys)

    prod, asia = result["promotions"]
    assert (prod["status"], prod["commit"]) == ("in-sync", None)
    assert prod["branch"] == f"promotions/13-all-at-once-{PROD}"
    assert asia["status"] == "created"
    assert branches(repo) == {**before, asia["branch"]: asia["commit"]}


def test_rerun_is_unchanged_and_writes_nothing(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_pr(repo, 14, "rerun", {"env/staging/app/values.yaml": "tag: v2\n"})
    first = promote_json(repo, capsys)
    before = branches(repo)
    objects = repo.git("count-objects")

    code, out, err = promote(repo, capsys)
    again = promote_json(repo, capsys)

    assert (code, err) == (0, "")
    assert out == (
        f"   unchanged  promotions/14-rerun-{PROD}\n"
        "              🚀 Promotion: app ➡️  prod\n"
        f"   unchanged  promotions/14-rerun-{ASIA}\n"
        "              🚀 Promotion: app ➡️  env/prod-asia/\n"
    )
    assert [p["status"] for p in again["promotions"]] == ["unchanged", "unchanged"]
    assert [p["commit"] for p in again["promotions"]] == [p["commit"] for p in first["promotions"]]
    assert [p["body"] for p in again["promotions"]] == [p["body"] for p in first["promotions"]]
    assert branches(repo) == before
    assert repo.git("count-objects") == objects
    assert repo.git("reflog", "show", "--format=%H", f"promotions/14-rerun-{PROD}").count("\n") == 0


def test_rerun_after_the_base_moved_rebuilds_on_the_new_base(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merged = merge_pr(repo, 15, "moved", {"env/staging/app/values.yaml": "tag: v2\n"})
    first = promote_json(repo, capsys)
    new_base = repo.commit({"README.md": "# fleet, edited\n"}, message="unrelated")

    result = promote_json(repo, capsys, commit=merged)

    assert [p["status"] for p in result["promotions"]] == ["updated", "updated"]
    assert_all_promoted(repo, new_base, result)
    for old, new in zip(first["promotions"], result["promotions"], strict=True):
        assert new["commit"] != old["commit"]
        assert rev(repo, f"{new['branch']}~1") == new_base
        assert object_at(repo, new["branch"], "README.md") == object_at(repo, "main", "README.md")


def test_a_failing_group_does_not_stop_the_next(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"env/prod-asia/app/values.yaml": None, "env/prod-asia": "a file\n"})
    base = merge_pr(repo, 16, "half", {"env/staging/app/values.yaml": "tag: v2\n"})

    code, out, err = promote(repo, capsys, "--json")

    assert (code, err) == (1, "")
    prod, asia = json.loads(out)["promotions"]
    assert prod["status"] == "created"
    assert_promoted(repo, base, prod)
    assert (asia["status"], asia["commit"], asia["body"]) == ("failed", None, "")
    assert asia["error"] == (
        "target 'env/prod-asia/app' is not a folder: 'env/prod-asia' is a file "
        f"(mode 100644) in commit {base}"
    )
    assert asia["branch"] not in branches(repo)


# --- a two-stage chain ----------------------------------------------------------------


def test_two_stage_chain_carries_history_and_metadata(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_pr(repo, 1, "feature/dev", {"dev/us-east-4/app/values.yaml": "tag: v2\n"})
    stage_one = promote_json(repo, capsys, "--pr-author", "alice")
    (to_staging,) = stage_one["promotions"]
    assert to_staging["branch"] == f"promotions/1-feature-dev-{STAGING}"
    base = merge_branch(repo, 2, to_staging["branch"])

    stage_two = promote_json(repo, capsys)

    assert_all_promoted(repo, base, stage_two)
    prod, asia = stage_two["promotions"]
    assert prod["branch"] == f"promotions/2-promotions-1-feature-dev-{STAGING}-{PROD}"
    assert prod["sync"] == {
        "env/prod-eu/app": "env/staging/app",
        "env/prod-us/app": "env/staging/app",
    }
    assert prod["body"].startswith(
        "Promotion path(app):\n"
        "\n"
        "↘️  #1  `dev/us-east-4/` ➡️  \n"
        "&nbsp;&nbsp;&nbsp;&nbsp;`env/staging/`  \n"
        "&nbsp;&nbsp;&nbsp;&nbsp;↘️  #2  `env/staging/` ➡️  \n"
        "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;`env/prod-eu/`  \n"
        "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;`env/prod-us/`  \n"
        "\n"
    )
    assert extract_metadata(prod["body"]) == PromotionMetadata(
        original_pr_author="alice",
        original_pr_number=1,
        promoted_paths=("env/prod-eu/app", "env/prod-us/app"),
        previous_promotion_paths={
            1: PromotionStage("dev/us-east-4/", ("env/staging/",)),
            2: PromotionStage("env/staging/", ("env/prod-eu/", "env/prod-us/")),
        },
    )
    assert extract_metadata(asia["body"]) == PromotionMetadata(
        original_pr_author="alice",
        original_pr_number=1,
        promoted_paths=("env/prod-asia/app",),
        previous_promotion_paths={
            1: PromotionStage("dev/us-east-4/", ("env/staging/",)),
            2: PromotionStage("env/staging/", ("env/prod-asia/",)),
        },
    )
    assert object_at(repo, prod["branch"], "env/prod-eu/app/values.yaml") == object_at(
        repo, "main", "dev/us-east-4/app/values.yaml"
    )


# --- conflicts between regex sources ---------------------------------------------------


def test_different_sources_for_one_target_conflict(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_pr(
        repo,
        17,
        "two-regions",
        {
            "dev/us-east-4/app/values.yaml": "tag: v4\n",
            "dev/us-east-5/app/values.yaml": "tag: v5\n",
        },
    )
    before = branches(repo)

    code, out, err = promote(repo, capsys)

    assert (code, err) == (0, "")
    assert out == (
        "No promotions.\nconflict: env/staging/app from dev/us-east-4/app, dev/us-east-5/app\n"
    )
    assert branches(repo) == before


def test_a_conflict_leaves_its_target_out_of_a_promotion(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(
        repo,
        18,
        "mixed",
        {
            "dev/us-east-4/app/values.yaml": "tag: v4\n",
            "dev/us-east-5/app/values.yaml": "tag: v5\n",
            "dev/us-east-4/db/values.yaml": "size: 1\n",
        },
    )

    result = promote_json(repo, capsys)

    (promotion,) = result["promotions"]
    assert result["conflicts"] == [
        {"target": "env/staging/app", "sources": ["dev/us-east-4/app", "dev/us-east-5/app"]}
    ]
    assert promotion["sync"] == {"env/staging/db": "dev/us-east-4/db"}
    assert_promoted(repo, base, promotion)
    branch = promotion["branch"]
    assert object_at(repo, branch, "env/staging/app") == object_at(repo, base, "env/staging/app")
    assert "- `env/staging/app` ← `dev/us-east-4/app`, `dev/us-east-5/app`\n" in promotion["body"]


def test_identical_sources_are_not_a_conflict(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(
        repo,
        19,
        "same",
        {
            "dev/us-east-4/app/values.yaml": "tag: v9\n",
            "dev/us-east-5/app/values.yaml": "tag: v9\n",
        },
    )

    result = promote_json(repo, capsys)

    assert result["conflicts"] == []
    (promotion,) = result["promotions"]
    assert promotion["source_paths"] == ["dev/us-east-4/"]
    assert promotion["sync"] == {"env/staging/app": "dev/us-east-4/app"}
    assert_promoted(repo, base, promotion)


# --- options and output ----------------------------------------------------------------


def test_json_shape(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    base = merge_pr(repo, 20, "shape", {"env/staging/app/values.yaml": "tag: v2\n"})

    result = promote_json(repo, capsys)

    prod, asia = result["promotions"]
    assert result == {
        "promotions": [
            {
                "source_pattern": "env/staging/",
                "source_paths": ["env/staging/"],
                "target_paths": ["env/prod-eu/", "env/prod-us/"],
                "target_description": "prod",
                "components": ["app"],
                "auto_merge": False,
                "sync": {
                    "env/prod-eu/app": "env/staging/app",
                    "env/prod-us/app": "env/staging/app",
                },
                "skipped": {},
                "gates": [],
                "title": "🚀 Promotion: app ➡️  prod",
                "branch": f"promotions/20-shape-{PROD}",
                "commit": rev(repo, f"promotions/20-shape-{PROD}"),
                "body": prod["body"],
                "status": "created",
            },
            {
                "source_pattern": "env/staging/",
                "source_paths": ["env/staging/"],
                "target_paths": ["env/prod-asia/"],
                "target_description": "env/prod-asia/",
                "components": ["app"],
                "auto_merge": False,
                "sync": {"env/prod-asia/app": "env/staging/app"},
                "skipped": {},
                "gates": [],
                "title": "🚀 Promotion: app ➡️  env/prod-asia/",
                "branch": f"promotions/20-shape-{ASIA}",
                "commit": rev(repo, f"promotions/20-shape-{ASIA}"),
                "body": asia["body"],
                "status": "created",
            },
        ],
        "conflicts": [],
        "warnings": [],
    }
    assert asia["body"] == (
        "Promotion path(app):\n"
        "\n"
        "↘️  #20  `env/staging/` ➡️  \n"
        "&nbsp;&nbsp;&nbsp;&nbsp;`env/prod-asia/`  \n"
        "\n"
        "Each target folder becomes an exact copy of its source folder:\n"
        "\n"
        "| Target | Source |\n"
        "|---|---|\n"
        "| `env/prod-asia/app` | `env/staging/app` |\n"
        "\n" + asia["body"].splitlines()[-1] + "\n"
    )
    assert extract_metadata(asia["body"]) == PromotionMetadata(
        original_pr_author="Test Author",
        original_pr_number=20,
        promoted_paths=("env/prod-asia/app",),
        previous_promotion_paths={20: PromotionStage("env/staging/", ("env/prod-asia/",))},
    )
    assert_all_promoted(repo, base, result)


def test_dry_run_writes_no_branch(repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    merge_pr(repo, 21, "dry", {"env/staging/app/values.yaml": "tag: v2\n"})
    before = branches(repo)

    result = promote_json(repo, capsys, "--dry-run")

    assert [(p["status"], p["commit"]) for p in result["promotions"]] == [
        ("would-create", None),
        ("would-create", None),
    ]
    assert result["promotions"][0]["body"].startswith("Promotion path(app):\n")
    assert branches(repo) == before


def test_dry_run_after_a_real_run_is_unchanged(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merged = merge_pr(repo, 22, "dry", {"env/staging/app/values.yaml": "tag: v2\n"})
    promote_json(repo, capsys)
    unchanged = promote_json(repo, capsys, "--dry-run")
    repo.commit({"README.md": "moved\n"})
    before = branches(repo)

    moved = promote_json(repo, capsys, "--dry-run", commit=merged)

    assert [p["status"] for p in unchanged["promotions"]] == ["unchanged", "unchanged"]
    assert [(p["status"], p["commit"]) for p in moved["promotions"]] == [
        ("would-update", None),
        ("would-update", None),
    ]
    assert branches(repo) == before


def test_squash_merge_names_the_pr(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.commit({"env/staging/app/values.yaml": "tag: v2\n"}, message="Bump app (#23)")

    result = promote_json(repo, capsys)

    assert [p["branch"] for p in result["promotions"]] == [
        f"promotions/23-local-{PROD}",
        f"promotions/23-local-{ASIA}",
    ]
    assert_all_promoted(repo, base, result)


def test_explicit_options_win_over_the_merge_message(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    base = merge_pr(repo, 24, "from-message", {"env/staging/app/values.yaml": "tag: v2\n"})

    args = ("--pr-number", "99", "--pr-branch", "feat/opt", "--pr-author", "bob")
    result = promote_json(repo, capsys, *args)

    prod = result["promotions"][0]
    assert prod["branch"] == f"promotions/99-feat-opt-{PROD}"
    metadata = extract_metadata(prod["body"])
    assert metadata is not None
    assert (metadata.original_pr_author, metadata.original_pr_number) == ("bob", 99)
    assert_all_promoted(repo, base, result)


def test_label_enables_a_conditional_flow(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = CONFIG + (
        '  - sourcePath: "labelled/"\n'
        "    conditions:\n"
        '      prHasLabels: ["go"]\n'
        "    promotionPrs:\n"
        '      - targetPaths: ["env/qa/"]\n'
    )
    repo.commit({"telefonistka.yaml": labelled})
    base = merge_pr(repo, 25, "labelled", {"labelled/tool/a.yaml": "a: 1\n"})

    code, out, _ = promote(repo, capsys)
    result = promote_json(repo, capsys, "--label", "go")

    assert code == 0
    assert out == (
        "No promotions.\nwarning: labelled/tool: flow 'labelled/' needs one of the labels [go]\n"
    )
    assert [p["sync"] for p in result["promotions"]] == [{"env/qa/tool": "labelled/tool"}]
    assert_all_promoted(repo, base, result)


def test_missing_pr_number_on_a_plain_commit_is_a_usage_error(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"env/staging/app/values.yaml": "tag: v2\n"}, message="Bump app")
    before = branches(repo)

    code, out, err = promote(repo, capsys)

    assert (code, out) == (2, "")
    assert err == (
        "telefonistka: error: cannot tell which PR 'main' merged (its message names none): "
        "pass --pr-number\n"
    )
    assert branches(repo) == before


def test_missing_base_branch_is_a_usage_error(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_pr(repo, 26, "base", {"env/staging/app/values.yaml": "tag: v2\n"})

    code, out, err = promote(repo, capsys, "--base-branch", "nope")

    assert (code, out) == (2, "")
    assert err == f"telefonistka: error: base branch 'nope' does not exist in {repo.path}\n"


def test_unknown_commit_is_a_clear_error(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = promote(repo, capsys, commit="no-such-rev")

    assert (code, out) == (1, "")
    assert err == (
        f"telefonistka: error: unknown revision 'no-such-rev' in {repo.path}: "
        "no branch, tag or commit\n"
    )


def test_invalid_repo_config_writes_nothing(
    repo: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"telefonistka.yaml": CONFIG.replace("promotionPrs", "promotionPRs", 1)})
    merge_pr(repo, 27, "bad-config", {"env/staging/app/values.yaml": "tag: v2\n"})
    before = branches(repo)

    for extra in ([], ["--json"]):
        code, out, err = promote(repo, capsys, *extra)
        assert code == 1
        assert out == ""
        assert err.startswith("telefonistka: error: telefonistka.yaml:")
        assert "promotionPRs" in err
    assert branches(repo) == before


def test_python_dash_m_runs_promote(repo: GitRepoBuilder) -> None:
    base = merge_pr(repo, 28, "subprocess", {"env/staging/app/values.yaml": "tag: v2\n"})

    args = ["promote", "--repo", str(repo.path), "--commit", "main", "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "telefonistka", *args],
        env={**repo.env, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, b"")
    parsed = json.loads(result.stdout.decode("utf-8"))
    assert [p["status"] for p in parsed["promotions"]] == ["created", "created"]
    assert_all_promoted(repo, base, parsed)
