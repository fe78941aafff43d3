"""Branch names and repository paths the bot may write.

(core/github/refnames.py, core/github/repo_paths.py)
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telefonistka.core.github.refnames import check_branch_name, is_bot_branch, ref_name_problem
from telefonistka.core.github.repo_paths import repo_path_problem
from telefonistka.errors import RefNameError


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("heads/../main", "'..'"),
        ("a@{1}", "'@{'"),
        ("a//b", "empty path component"),
        ("@", "'@'"),
        ("-x", "starts with '-'"),
        ("/a", "starts or ends with '/'"),
        ("a/", "starts or ends with '/'"),
        ("a.", "ends with '.'"),
        ("a/.hidden", "starts with '.'"),
        ("a/b.lock", "ends with '.lock'"),
        ("a b", "' '"),
        ("a~1", "'~'"),
        ("a^", "'^'"),
        ("a:b", "':'"),
        ("a?", "'?'"),
        ("a*", "'*'"),
        ("a[", "'['"),
        ("a\\b", "'\\\\'"),
        ("a\nb", "control character"),
        ("a\x00b", "control character"),
        ("a\x7fb", "control character"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_invalid_branch_names_say_why(name: str, why: str) -> None:
    problem = ref_name_problem(name)

    assert problem is not None
    assert why in problem
    with pytest.raises(RefNameError, match="is not a valid git branch name"):
        check_branch_name(name)


@pytest.mark.parametrize(
    "name",
    ["main", "promotions/12-feature-x-0123456789ab", "artifact_version_bump/o/r/abc", "a.b/c-d_e"],
)
def test_valid_branch_names_pass(name: str) -> None:
    assert ref_name_problem(name) is None
    assert check_branch_name(name) == name


_REF_ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("é/\x00\n")


@given(st.text(_REF_ALPHABET, max_size=30))
def test_the_rules_agree_with_git_check_ref_format(name: str) -> None:
    """Every name we accept, git accepts as a branch (``--branch``); the NUL byte aside,
    which no argument can carry."""
    if "\x00" in name:
        assert ref_name_problem(name) is not None
        return
    done = subprocess.run(
        ["git", "check-ref-format", f"refs/heads/{name}"], capture_output=True, check=False
    )
    if ref_name_problem(name) is None:
        assert done.returncode == 0, name


def test_only_the_bots_namespaces_are_bot_branches() -> None:
    assert is_bot_branch("promotions/7-x-0123456789ab")
    assert is_bot_branch("artifact_version_bump/acme/app/0123")
    assert not is_bot_branch("main")
    assert not is_bot_branch("promotions")
    assert not is_bot_branch("promotions/../main")
    assert not is_bot_branch("feature/promotions/x")


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("a/../b", "'..' component"),
        ("./a", "'.' component"),
        (".git/config", "'.git' component"),
        ("apps/.GIT/hooks/x", "'.git' component"),
        ("a//b", "empty component"),
        ("a\\b", "'\\'"),
        ("a\nb", "control character"),
        ("a\x00b", "control character"),
    ],
)
def test_unusable_repository_paths_say_why(path: str, why: str) -> None:
    problem = repo_path_problem(path)

    assert problem is not None
    assert why in problem


def test_plain_paths_and_folder_prefixes_are_usable() -> None:
    assert repo_path_problem("envs/prod/app/values.yaml") is None
    assert repo_path_problem(".github/workflows/x.yml") is None
    assert repo_path_problem("clusters/prod/", folder=True) is None
    assert repo_path_problem("clusters/prod/") is not None
