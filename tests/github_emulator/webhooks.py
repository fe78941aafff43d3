"""Webhook payloads shaped like the ones GitHub sends (see tests/fixtures/webhooks/).

The emulator records one ``Event`` per delivery GitHub would make for what happened
through the API: ``pull_request`` (opened, synchronize, labeled, closed), ``push`` and
``issue_comment`` (created). Tests feed ``event.write(path)`` to the entrypoint as
``GITHUB_EVENT_PATH``, as GitHub Actions does.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from .git import ZERO, BareRepo
from .shapes import Json, Shapes
from .state import Issue, IssueComment, Label, PullRequest, Repository

PUSH_COMMITS_LIMIT = 20
# what a webhook's pull_request.{head,base}.repo adds to the REST repository
_PULL_REPO_EXTRAS: Json = {
    "allow_merge_commit": True,
    "allow_rebase_merge": False,
    "allow_squash_merge": True,
    "delete_branch_on_merge": False,
}


def repository(shapes: Shapes, repo: Repository) -> Json:
    """The webhook ``repository``: the REST one plus the push-only extras."""
    return shapes.repository(repo) | {
        "stargazers": 0,
        "master_branch": repo.default_branch,
        "custom_properties": {},
    }


def pull_request(
    shapes: Shapes, repo: Repository, pr: PullRequest, action: str, *, sender: str, mergeable: Any
) -> Json:
    shaped = shapes.pull(repo, pr, full=True, mergeable=mergeable)
    for end in ("head", "base"):
        shaped[end]["repo"] |= _PULL_REPO_EXTRAS | {"custom_properties": {}}
    payload: Json = {
        "action": action,
        "number": pr.number,
        "pull_request": shaped,
        "repository": repository(shapes, repo),
        "sender": shapes.user(sender),
    }
    return payload


def pull_request_synchronize(
    shapes: Shapes, repo: Repository, pr: PullRequest, before: str, sender: str
) -> Json:
    payload = pull_request(shapes, repo, pr, "synchronize", sender=sender, mergeable=None)
    return payload | {"before": before, "after": pr.head_sha}


def pull_request_labeled(
    shapes: Shapes, repo: Repository, pr: PullRequest, label: Label, sender: str
) -> Json:
    payload = pull_request(shapes, repo, pr, "labeled", sender=sender, mergeable=None)
    return payload | {"label": shapes.label(repo, label)}


def issue_comment(shapes: Shapes, repo: Repository, pr: PullRequest, comment: IssueComment) -> Json:
    return {
        "action": "created",
        "issue": shapes.issue(repo, pr),
        "comment": shapes.issue_comment(repo, comment),
        "repository": repository(shapes, repo),
        "sender": shapes.user(comment.user),
    }


def issue_comment_edited(
    shapes: Shapes,
    repo: Repository,
    pr: PullRequest,
    comment: IssueComment,
    *,
    previous: str,
    sender: str,
) -> Json:
    """``edited``: who edited (``sender``, not necessarily the author) and the old body."""
    return {
        "action": "edited",
        "changes": {"body": {"from": previous}},
        "issue": shapes.issue(repo, pr),
        "comment": shapes.issue_comment(repo, comment),
        "repository": repository(shapes, repo),
        "sender": shapes.user(sender),
    }


def issues_edited(
    shapes: Shapes, repo: Repository, issue: Issue, *, previous: str, sender: str
) -> Json:
    """``issues`` ``edited`` after a body change: the old body in ``changes.body.from``."""
    return {
        "action": "edited",
        "changes": {"body": {"from": previous}},
        "issue": shapes.plain_issue(repo, issue),
        "repository": repository(shapes, repo),
        "sender": shapes.user(sender),
    }


def push(
    shapes: Shapes, repo: Repository, ref: str, *, before: str, after: str, pusher: str
) -> Json:
    """A push of ``ref`` from ``before`` to ``after`` (either may be the zero id)."""
    git = repo.git
    created, deleted = before == ZERO, after == ZERO
    forced = not created and not deleted and not git.is_ancestor(before, after)
    commits = [] if deleted else _pushed_commits(shapes, repo, (before, after), pusher)
    html = f"{shapes.root}/{repo.full_name}"
    compare = (
        f"{html}/commit/{after}" if created else f"{html}/compare/{before[:12]}...{after[:12]}"
    )
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "created": created,
        "deleted": deleted,
        "forced": forced,
        "base_ref": None,
        "compare": compare,
        "commits": commits[-PUSH_COMMITS_LIMIT:],
        "head_commit": commits[-1] if commits else None,
        "repository": _push_repository(shapes, repo),
        "pusher": {"name": pusher, "email": f"{pusher}@users.noreply.github.com"},
        "sender": shapes.user(pusher),
    }


def _push_repository(shapes: Shapes, repo: Repository) -> Json:
    """A push's ``repository``: its owner also carries a git name and email."""
    body = repository(shapes, repo)
    body["owner"] |= {"name": repo.owner, "email": f"{repo.owner}@users.noreply.github.com"}
    stamp = int(time.time())
    body["pushed_at"] = stamp  # push payloads give epoch seconds in these two
    body["created_at"] = int(datetime.fromisoformat(repo.created_at).timestamp())
    return body


def _pushed_commits(
    shapes: Shapes, repo: Repository, span: tuple[str, str], pusher: str
) -> list[Json]:
    git, (before, after) = repo.git, span
    exclude = None if before == ZERO else before
    shas = git.rev_list(after, exclude)
    if before == ZERO:
        shas = shas[-1:]
    return [_push_commit(shapes, repo, git, sha, pusher) for sha in shas]


def _push_commit(shapes: Shapes, repo: Repository, git: BareRepo, sha: str, pusher: str) -> Json:
    commit = git.read_commit(sha)
    parent = commit.parents[0] if commit.parents else git.make_tree([])
    changes = git.diff(parent, sha)

    def files(status: str) -> list[str]:
        return [c.path for c in changes if c.status == status]

    def person(name: str, email: str) -> Json:
        return {"name": name, "email": email, "username": pusher}

    return {
        "id": sha,
        "tree_id": commit.tree,
        "distinct": True,
        "message": commit.message,
        "timestamp": commit.committer.date,
        "url": f"{shapes.root}/{repo.full_name}/commit/{sha}",
        "author": person(commit.author.name, commit.author.email),
        "committer": person(commit.committer.name, commit.committer.email),
        "added": files("added"),
        "removed": files("removed"),
        "modified": files("modified") + files("renamed"),
    }
