"""Which files a pull request or a push changed, within GitHub's listing caps.

GitHub lists at most 3,000 files of a pull request and 300 of a compare; past either
cap the two trees are compared instead (two snapshot reads, no per-file calls).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from telefonistka.adapters.github.git_data import GitData
from telefonistka.adapters.github.pulls import PullRequests
from telefonistka.adapters.github.trees import changed_files
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.errors import GitHubError

MAX_PR_FILES = 3000  # GitHub lists at most this many files of a pull request
MAX_COMPARE_FILES = 300  # and at most this many files of a compare


class ChangedFiles(GitData, PullRequests):
    """PR files (``/pulls/{n}/files``), push comparisons (``/compare``), tree diffs."""

    def pr_files(self, number: int, pull: PullRequest | None = None) -> list[str]:
        """Files the pull request changes; both names of a rename.

        ``pull`` (from the event payload) saves a request: with more than 3,000 changed
        files, which GitHub does not list, the base and head trees are compared at once.
        Without it, the PR is read only when the listing reaches that cap.
        """
        if pull is not None and (pull.changed_files or 0) > MAX_PR_FILES:
            return self.changed_files_between(pull.base_sha, pull.head_sha)
        what, path = f"list files of PR #{number}", f"/pulls/{number}/files"
        records = self._paginate("pull-files", what, path, limit=MAX_PR_FILES)
        if len(records) >= MAX_PR_FILES:
            pull = pull or self.get_pr(number)
            if (pull.changed_files or 0) > MAX_PR_FILES:
                return self.changed_files_between(pull.base_sha, pull.head_sha)
        return _file_names(records)

    def changed_files_between(self, base: str, head: str) -> list[str]:
        """Files that differ between two commits, from two snapshots (no per-file calls).

        A two-dot comparison: for a PR it is exact when ``base`` is the merge base
        (GitHub keeps a PR's ``base.sha`` there until the base branch moves on).
        """
        return changed_files(self.read_snapshot(base), self.read_snapshot(head))

    def compare_files(self, repo: str, before: str, after: str) -> list[str]:
        """``ports.PushComparer``: files changed by ``before...after``; both names of a rename.

        One ``GET /compare/{before}...{after}``: GitHub lists at most 300 files there (on
        the first page only; later pages carry commits, never files), so a list that
        reaches the cap is replaced by the diff of the two trees (two requests).
        ``repo`` must be this repository: a push is compared where it happened.
        """
        if repo.lower() != self.full_name.lower():
            raise GitHubError(f"cannot compare commits of {repo} through {self.full_name}")
        what = f"compare {before[:12]}...{after[:12]}"
        params = {"per_page": 1}
        data = self._call("compare", what, "GET", f"/compare/{before}...{after}", params)
        records = data.get("files") or []
        if len(records) >= MAX_COMPARE_FILES:
            return self.changed_files_between(before, after)
        return _file_names(records)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit ``ancestor`` is ``descendant`` or one of its ancestors.

        One ``GET /compare/{ancestor}...{descendant}``: its ``status`` is ``identical`` or
        ``ahead`` exactly then (``behind`` or ``diverged`` otherwise).
        """
        if ancestor in self._recent.get(descendant, ()):
            return True  # among its newest 100 ancestors, read with the promotion's query
        what = f"compare {ancestor[:12]}...{descendant[:12]}"
        params = {"per_page": 1}
        data = self._call("compare", what, "GET", f"/compare/{ancestor}...{descendant}", params)
        return str((data or {}).get("status")) in ("identical", "ahead")


def _file_names(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """PR-file records → paths in order, each once; a rename gives its old name too."""
    names: list[str] = []
    for record in records:
        if record.get("previous_filename"):
            names.append(str(record["previous_filename"]))
        names.append(str(record["filename"]))
    return list(dict.fromkeys(names))
