"""The GitHub adapter: a repository on GitHub (or GitHub Enterprise Server) via the REST API.

The remote twin of ``localgit.LocalGitRepo``: it fills the same ``TreeSnapshot``,
implements ``ports.BlobReader`` and the promotion's write side, and adds the pull-request
calls the Action needs. ``GitHubRepo`` is the parts put together, one module each:

- ``session``: the identity, the HTTP client, one call, pagination, GraphQL;
- ``refs``: branch heads and branch writes;
- ``git_data``: snapshots, blobs, commits, tree and commit writes;
- ``changed_files``: what a PR or a push changed;
- ``pulls``: PRs, labels, assignees, reviews, merges, comments;
- ``statuses``: commit statuses;
- ``batch_reads``: what one GraphQL request reads where REST needs one per item;
- ``batch_writes``: PR creation, labels and superseded PRs' closing, batched likewise;
- ``issues``: plain issues (the dashboard).

Every request goes through ``client.GitHubClient`` (retries, counting, error messages).
"""

from __future__ import annotations

from github import Auth

from telefonistka.adapters.github.batch_writes import BatchWrites
from telefonistka.adapters.github.changed_files import ChangedFiles
from telefonistka.adapters.github.issues import Issues
from telefonistka.adapters.github.statuses import CommitStatuses


class GitHubRepo(ChangedFiles, BatchWrites, CommitStatuses, Issues):
    """One GitHub repository, seen through one identity; see ``session.RepoSession``."""

    def with_identity(self, token: str | Auth.Auth) -> GitHubRepo:
        """The same repository and host seen by another identity (the approver).

        Shares the request counter, retry policy and sleep, so a run's figures add up.
        """
        http = self._http
        return GitHubRepo(
            token,
            self.full_name,
            self.base_url,
            policy=http.policy,
            counter=http.counter,
            sleep=http.sleep,
            clock=http.clock,
            default_branch=(self._metadata or {}).get("default_branch"),
        )
