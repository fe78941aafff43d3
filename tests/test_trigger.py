"""What merge-commit messages say about the PR they merged (``core.trigger``)."""

from __future__ import annotations

import pytest

from telefonistka.core.promotion.trigger import MergeFacts, read_merge_message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(
            "Merge pull request #12 from acme/feature/x\n\nBump nginx",
            MergeFacts(12, "feature/x"),
            id="github-merge",
        ),
        pytest.param(
            "Merge pull request #7 from some-org/promotions/1-feature-x-4fbfed1870e0",
            MergeFacts(7, "promotions/1-feature-x-4fbfed1870e0"),
            id="github-merge-of-a-promotion-branch",
        ),
        pytest.param(
            "Merge pull request #3 from acme/fix  \n",
            MergeFacts(3, "fix"),
            id="github-merge-trailing-space",
        ),
        pytest.param("Merge branch 'feature/x'", MergeFacts(None, "feature/x"), id="git-merge"),
        pytest.param(
            "Merge branch 'feature/x' into main\n\n* feature/x:\n  change",
            MergeFacts(None, "feature/x"),
            id="git-merge-into",
        ),
        pytest.param(
            "Merge remote-tracking branch 'origin/feature'",
            MergeFacts(None, "origin/feature"),
            id="git-merge-remote-tracking",
        ),
        pytest.param(
            "Bump nginx to v1.26.0 (#42)\n\n* Bump nginx\n* Fix typo",
            MergeFacts(42, None),
            id="squash",
        ),
        pytest.param("Bump nginx (#42)  ", MergeFacts(42, None), id="squash-trailing-space"),
        pytest.param("Bump nginx to v1.26.0", MergeFacts(), id="plain"),
        pytest.param("Fix (#12) in the middle of the subject", MergeFacts(), id="number-mid-line"),
        pytest.param(
            "Plain subject\n\nMerge pull request #9 from a/b", MergeFacts(), id="body-only"
        ),
        pytest.param("Merge pull request #x from acme/b", MergeFacts(), id="not-a-number"),
        pytest.param("Merge pull request #5 from nobranch", MergeFacts(), id="no-owner"),
        pytest.param("", MergeFacts(), id="empty"),
    ],
)
def test_read_merge_message(message: str, expected: MergeFacts) -> None:
    assert read_merge_message(message) == expected


def test_github_merge_wins_over_a_squash_suffix() -> None:
    message = "Merge pull request #12 from acme/feature (#99)"

    assert read_merge_message(message) == MergeFacts(12, "feature")
