"""What a merge commit says about the PR it merged: number and head branch.

On a local repository there is no pull-request object, but the merge commits that
GitHub and git write name it: ``Merge pull request #12 from acme/feature/x``,
``Merge branch 'feature/x'``, or a squash merge's ``Subject (#12)``. Reading them gives
``promote`` sensible defaults; explicit options always win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GITHUB_MERGE = re.compile(r"^Merge pull request #(\d+) from [^/\s]+/(\S+)")
_GIT_MERGE = re.compile(r"^Merge (?:remote-tracking )?branch '([^']+)'")
_SQUASH = re.compile(r"\(#(\d+)\)\s*$")


@dataclass(frozen=True)
class MergeFacts:
    """The PR number and head branch a commit message names, where it names them."""

    pr_number: int | None = None
    pr_branch: str | None = None


def read_merge_message(message: str) -> MergeFacts:
    """Parse the subject line of a merge (or squash-merge) commit message."""
    subject = message.split("\n", 1)[0].strip()
    if found := _GITHUB_MERGE.match(subject):
        return MergeFacts(int(found.group(1)), found.group(2))
    if found := _GIT_MERGE.match(subject):
        return MergeFacts(None, found.group(1))
    if found := _SQUASH.search(subject):
        return MergeFacts(int(found.group(1)), None)
    return MergeFacts()
