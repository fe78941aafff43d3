"""JSON bodies in GitHub's shapes (the OpenAPI ``components/schemas`` of each operation).

Every function returns plain JSON data; URLs point back at the emulator, so clients that
follow ``url`` fields or ``Link`` headers stay on it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .git import Change, Commit, Entry
from .state import (
    CheckRun,
    Issue,
    IssueComment,
    Label,
    PullRequest,
    Repository,
    Review,
    Status,
)

Json = dict[str, Any]


def user_id(login: str) -> int:
    return int(hashlib.sha256(login.encode()).hexdigest()[:7], 16)


def node_id(prefix: str, number: int) -> str:
    return f"{prefix}_kwDO{base64.b64encode(str(number).encode()).decode().rstrip('=')}"


@dataclass(frozen=True)
class Shapes:
    """Shapes bodies for an emulator reachable at ``root`` (``http://127.0.0.1:PORT``)."""

    root: str

    @property
    def api(self) -> str:
        return f"{self.root}/api/v3"

    def repo_api(self, repo: Repository) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    # --- users --------------------------------------------------------------------------

    def user(self, login: str) -> Json:
        url = f"{self.api}/users/{login}"
        bot = login.endswith("[bot]")
        return {
            "login": login,
            "id": user_id(login),
            "node_id": node_id("U", user_id(login)),
            "avatar_url": f"{self.root}/avatars/{login}",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.root}/{login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": "Bot" if bot else "User",
            "site_admin": False,
        }

    def collaborator_permission(self, repo: Repository, login: str) -> Json:
        permission, role = repo.permission(login)
        return {
            "permission": permission,
            "role_name": role,
            "user": self.user(login) | {"role_name": role},
        }

    def authenticated_user(self, login: str) -> Json:
        extra = {
            "name": login,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "private_gists": 0,
            "total_private_repos": 0,
            "owned_private_repos": 0,
            "disk_usage": 0,
            "collaborators": 0,
            "two_factor_authentication": False,
        }
        return self.user(login) | extra

    # --- repositories -------------------------------------------------------------------

    def repository(self, repo: Repository) -> Json:
        url = self.repo_api(repo)
        html = f"{self.root}/{repo.full_name}"
        templates = {
            "archive_url": "{archive_format}{/ref}",
            "assignees_url": "assignees{/user}",
            "blobs_url": "git/blobs{/sha}",
            "branches_url": "branches{/branch}",
            "collaborators_url": "collaborators{/collaborator}",
            "comments_url": "comments{/number}",
            "commits_url": "commits{/sha}",
            "compare_url": "compare/{base}...{head}",
            "contents_url": "contents/{+path}",
            "contributors_url": "contributors",
            "deployments_url": "deployments",
            "downloads_url": "downloads",
            "events_url": "events",
            "forks_url": "forks",
            "git_commits_url": "git/commits{/sha}",
            "git_refs_url": "git/refs{/sha}",
            "git_tags_url": "git/tags{/sha}",
            "hooks_url": "hooks",
            "issue_comment_url": "issues/comments{/number}",
            "issue_events_url": "issues/events{/number}",
            "issues_url": "issues{/number}",
            "keys_url": "keys{/key_id}",
            "labels_url": "labels{/name}",
            "languages_url": "languages",
            "merges_url": "merges",
            "milestones_url": "milestones{/number}",
            "notifications_url": "notifications{?since,all,participating}",
            "pulls_url": "pulls{/number}",
            "releases_url": "releases{/id}",
            "stargazers_url": "stargazers",
            "statuses_url": "statuses/{sha}",
            "subscribers_url": "subscribers",
            "subscription_url": "subscription",
            "tags_url": "tags",
            "teams_url": "teams",
            "trees_url": "git/trees{/sha}",
        }
        body: Json = {key: f"{url}/{suffix}" for key, suffix in templates.items()}
        open_prs = sum(1 for pr in repo.pulls.values() if pr.state == "open")
        body |= {
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner),
            "private": False,
            "html_url": html,
            "description": None,
            "fork": False,
            "url": url,
            "clone_url": f"{self.root}/{repo.full_name}.git",
            "git_url": f"git://127.0.0.1/{repo.full_name}.git",
            "ssh_url": f"git@127.0.0.1:{repo.full_name}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "size": 0,
            "default_branch": repo.default_branch,
            "open_issues": open_prs,
            "open_issues_count": open_prs,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "public",
            "license": None,
            "pushed_at": repo.created_at,
            "created_at": repo.created_at,
            "updated_at": repo.created_at,
            "allow_forking": True,
            "web_commit_signoff_required": False,
        }
        return body

    def full_repository(self, repo: Repository) -> Json:
        return self.repository(repo) | {
            "network_count": 0,
            "subscribers_count": 0,
            "allow_merge_commit": True,
            "allow_squash_merge": True,
            "allow_rebase_merge": False,
            "allow_auto_merge": repo.allow_auto_merge,
            "delete_branch_on_merge": False,
            "permissions": {
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }

    # --- git data -----------------------------------------------------------------------

    def ref(self, repo: Repository, name: str, sha: str, kind: str = "commit") -> Json:
        return {
            "ref": name,
            "node_id": node_id("REF", user_id(name)),
            "url": f"{self.repo_api(repo)}/git/{name}",
            "object": {"type": kind, "sha": sha, "url": f"{self.repo_api(repo)}/git/{kind}s/{sha}"},
        }

    def tree_entry(self, repo: Repository, entry: Entry) -> Json:
        kind = {"blob": "blobs", "tree": "trees", "commit": "commits"}[entry.type]
        body: Json = {
            "path": entry.path,
            "mode": entry.mode,
            "type": entry.type,
            "sha": entry.sha,
        }
        if entry.type == "blob":
            body["size"] = entry.size
        if entry.type != "commit":
            body["url"] = f"{self.repo_api(repo)}/git/{kind}/{entry.sha}"
        return body

    def tree(self, repo: Repository, sha: str, entries: list[Entry], truncated: bool) -> Json:
        return {
            "sha": sha,
            "url": f"{self.repo_api(repo)}/git/trees/{sha}",
            "tree": [self.tree_entry(repo, e) for e in entries],
            "truncated": truncated,
        }

    def blob(self, repo: Repository, sha: str, data: bytes) -> Json:
        return {
            "sha": sha,
            "node_id": node_id("B", user_id(sha)),
            "size": len(data),
            "url": f"{self.repo_api(repo)}/git/blobs/{sha}",
            "content": encode_content(data),
            "encoding": "base64",
        }

    def git_commit(self, repo: Repository, commit: Commit) -> Json:
        url = f"{self.repo_api(repo)}/git/commits/{commit.sha}"
        return {
            "sha": commit.sha,
            "node_id": node_id("C", user_id(commit.sha)),
            "url": url,
            "html_url": f"{self.root}/{repo.full_name}/commit/{commit.sha}",
            "author": _person(commit.author),
            "committer": _person(commit.committer),
            "message": commit.message,
            "tree": {"sha": commit.tree, "url": f"{self.repo_api(repo)}/git/trees/{commit.tree}"},
            "parents": [self._parent(repo, p) for p in commit.parents],
            "verification": _unverified(),
        }

    def commit(self, repo: Repository, commit: Commit) -> Json:
        """The REST ``commit`` schema (as in compare and branches)."""
        git = self.git_commit(repo, commit)
        inner = {
            key: git[key] for key in ("author", "committer", "message", "tree", "verification")
        }
        inner |= {"url": git["url"], "comment_count": 0}
        return {
            "url": f"{self.repo_api(repo)}/commits/{commit.sha}",
            "sha": commit.sha,
            "node_id": git["node_id"],
            "html_url": git["html_url"],
            "comments_url": f"{self.repo_api(repo)}/commits/{commit.sha}/comments",
            "commit": inner,
            "author": None,
            "committer": None,
            "parents": git["parents"],
        }

    def _parent(self, repo: Repository, sha: str) -> Json:
        return {
            "sha": sha,
            "url": f"{self.repo_api(repo)}/commits/{sha}",
            "html_url": f"{self.root}/{repo.full_name}/commit/{sha}",
        }

    def diff_entry(self, repo: Repository, change: Change, ref: str) -> Json:
        raw = f"{self.root}/{repo.full_name}/raw/{ref}/{change.path}"
        body: Json = {
            "sha": change.sha,
            "filename": change.path,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{self.root}/{repo.full_name}/blob/{ref}/{change.path}",
            "raw_url": raw,
            "contents_url": f"{self.repo_api(repo)}/contents/{change.path}?ref={ref}",
        }
        if change.previous_path is not None:
            body["previous_filename"] = change.previous_path
        return body

    def content_entry(self, repo: Repository, entry: Entry, path: str, ref: str) -> Json:
        kind = {"blob": "file", "tree": "dir", "commit": "submodule"}[entry.type]
        if entry.mode == "120000":
            kind = "symlink"
        url = f"{self.repo_api(repo)}/contents/{path}?ref={ref}"
        git_kind = "trees" if entry.type == "tree" else "blobs"
        git_url = f"{self.repo_api(repo)}/git/{git_kind}/{entry.sha}"
        html = f"{self.root}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
        download = f"{self.root}/{repo.full_name}/raw/{ref}/{path}" if kind == "file" else None
        return {
            "type": kind,
            "size": entry.size or 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": entry.sha,
            "url": url,
            "git_url": git_url,
            "html_url": html,
            "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html},
        }

    # --- pulls and issues ---------------------------------------------------------------

    def label(self, repo: Repository, label: Label) -> Json:
        return {
            "id": label.id,
            "node_id": node_id("LA", label.id),
            "url": f"{self.repo_api(repo)}/labels/{label.name}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": False,
        }

    def pull(self, repo: Repository, pr: PullRequest, *, full: bool, mergeable: Any) -> Json:
        url = f"{self.repo_api(repo)}/pulls/{pr.number}"
        issue = f"{self.repo_api(repo)}/issues/{pr.number}"
        html = f"{self.root}/{repo.full_name}/pull/{pr.number}"
        statuses = f"{self.repo_api(repo)}/statuses/{pr.head_sha}"
        body: Json = {
            "url": url,
            "id": pr.id,
            "node_id": node_id("PR", pr.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{self.repo_api(repo)}/pulls/comments{{/number}}",
            "comments_url": f"{issue}/comments",
            "statuses_url": statuses,
            "number": pr.number,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "user": self.user(pr.user),
            "body": pr.body,
            "labels": [self.label(repo, repo.labels[name]) for name in pr.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pr.created_at,
            "updated_at": pr.updated_at,
            "closed_at": pr.closed_at,
            "merged_at": pr.merged_at,
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": self.user(pr.assignees[0]) if pr.assignees else None,
            "assignees": [self.user(login) for login in pr.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._branch_end(repo, pr.head_ref, pr.head_sha, fork=pr.head_repo),
            "base": self._branch_end(repo, pr.base_ref, pr.base_sha),
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": issue},
                "comments": {"href": f"{issue}/comments"},
                "review_comments": {"href": f"{url}/comments"},
                "review_comment": {"href": f"{self.repo_api(repo)}/pulls/comments{{/number}}"},
                "commits": {"href": f"{url}/commits"},
                "statuses": {"href": statuses},
            },
            "author_association": repo.association(pr.user),
            "auto_merge": None,
            "draft": pr.draft,
        }
        if full:
            body |= {
                "merged": pr.merged,
                "mergeable": mergeable,
                "rebaseable": False,
                "mergeable_state": _mergeable_state(pr, mergeable),
                "merged_by": self.user(pr.merged_by) if pr.merged_by else None,
                "comments": sum(1 for c in repo.comments.values() if c.issue_number == pr.number),
                "review_comments": 0,
                "maintainer_can_modify": pr.maintainer_can_modify,
                "commits": 0,
                "additions": 0,
                "deletions": 0,
                "changed_files": self._changed_files(repo, pr),
            }
        return body

    def _changed_files(self, repo: Repository, pr: PullRequest) -> int:
        """The real count, uncapped (unlike the files list): clients use it to see >3,000."""
        if not pr.base_sha or not pr.head_sha:
            return 0
        merge_base = repo.git.merge_base(pr.base_sha, pr.head_sha) or pr.base_sha
        return len(repo.git.diff(merge_base, pr.head_sha))

    def _branch_end(self, repo: Repository, ref: str, sha: str, fork: str = "") -> Json:
        """``head`` or ``base`` of a PR; ``fork`` names the repository a fork PR's head
        branch lives in, shown as GitHub shows it (its own name, owner and URLs)."""
        if not fork:
            return {
                "label": f"{repo.owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self.user(repo.owner),
                "repo": self.repository(repo),
            }
        owner, _, name = fork.partition("/")
        text = json.dumps(self.repository(repo)).replace(repo.full_name, fork)
        forked: Json = json.loads(text) | {
            "name": name,
            "owner": self.user(owner),
            "fork": True,
            "id": repo.id + 1_000_000,
            "node_id": node_id("R", repo.id + 1_000_000),
        }
        return {
            "label": f"{owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(owner),
            "repo": forked,
        }

    def check_run(self, repo: Repository, run: CheckRun) -> Json:
        """The ``check-run`` schema (a check run of a CI app)."""
        url = f"{self.repo_api(repo)}/check-runs/{run.id}"
        html = f"{self.root}/{repo.full_name}/runs/{run.id}"
        done = run.status == "completed"
        return {
            "id": run.id,
            "node_id": node_id("CR", run.id),
            "head_sha": run.sha,
            "external_id": str(run.id),
            "url": url,
            "html_url": html,
            "details_url": html,
            "status": run.status,
            "conclusion": run.conclusion if done else None,
            "started_at": run.started_at,
            "completed_at": run.started_at if done else None,
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{url}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": run.id},
            "app": None,
            "pull_requests": [],
        }

    def plain_issue(self, repo: Repository, issue: Issue) -> Json:
        """The ``issue`` schema of an issue that is not a PR (no ``pull_request`` key)."""
        url = f"{self.repo_api(repo)}/issues/{issue.number}"
        comments = sum(1 for c in repo.comments.values() if c.issue_number == issue.number)
        return {
            "id": issue.id,
            "node_id": node_id("I", issue.id),
            "url": url,
            "repository_url": self.repo_api(repo),
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.root}/{repo.full_name}/issues/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": None,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user),
            "labels": [self.label(repo, repo.labels[name]) for name in issue.labels],
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(login) for login in issue.assignees],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": comments,
            "closed_at": issue.closed_at,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "author_association": repo.association(issue.user),
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
                "laugh": 0,
                "confused": 0,
                "heart": 0,
                "hooray": 0,
                "eyes": 0,
                "rocket": 0,
            },
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
        }

    def issue(self, repo: Repository, pr: PullRequest | Issue) -> Json:
        """The ``issue`` schema for a pull request's issue side (or a plain issue)."""
        if isinstance(pr, Issue):
            return self.plain_issue(repo, pr)
        url = f"{self.repo_api(repo)}/issues/{pr.number}"
        comments = sum(1 for c in repo.comments.values() if c.issue_number == pr.number)
        return {
            "id": pr.id,
            "node_id": node_id("I", pr.id),
            "url": url,
            "repository_url": self.repo_api(repo),
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.root}/{repo.full_name}/pull/{pr.number}",
            "number": pr.number,
            "state": pr.state,
            "title": pr.title,
            "body": pr.body,
            "user": self.user(pr.user),
            "labels": [self.label(repo, repo.labels[name]) for name in pr.labels],
            "assignee": self.user(pr.assignees[0]) if pr.assignees else None,
            "assignees": [self.user(login) for login in pr.assignees],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": comments,
            "pull_request": {
                "url": f"{self.repo_api(repo)}/pulls/{pr.number}",
                "html_url": f"{self.root}/{repo.full_name}/pull/{pr.number}",
                "diff_url": f"{self.root}/{repo.full_name}/pull/{pr.number}.diff",
                "patch_url": f"{self.root}/{repo.full_name}/pull/{pr.number}.patch",
                "merged_at": pr.merged_at,
            },
            "closed_at": pr.closed_at,
            "created_at": pr.created_at,
            "updated_at": pr.updated_at,
            "author_association": repo.association(pr.user),
        }

    def issue_comment(self, repo: Repository, comment: IssueComment) -> Json:
        issue = f"{self.repo_api(repo)}/issues/{comment.issue_number}"
        return {
            "id": comment.id,
            "node_id": comment_node_id(comment.id),
            "url": f"{self.repo_api(repo)}/issues/comments/{comment.id}",
            "html_url": f"{self.root}/{repo.full_name}/pull/{comment.issue_number}"
            f"#issuecomment-{comment.id}",
            "issue_url": issue,
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": repo.association(comment.user),
        }

    def review(self, repo: Repository, review: Review) -> Json:
        pull = f"{self.repo_api(repo)}/pulls/{review.pull_number}"
        html = f"{self.root}/{repo.full_name}/pull/{review.pull_number}"
        return {
            "id": review.id,
            "node_id": node_id("PRR", review.id),
            "user": self.user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": f"{html}#pullrequestreview-{review.id}",
            "pull_request_url": pull,
            "_links": {"html": {"href": html}, "pull_request": {"href": pull}},
            "submitted_at": review.submitted_at,
            "commit_id": review.commit_id,
            "author_association": repo.association(review.user),
        }

    def status(self, repo: Repository, status: Status) -> Json:
        return {
            "url": f"{self.repo_api(repo)}/statuses/{status.sha}",
            "avatar_url": None,
            "id": status.id,
            "node_id": node_id("SC", status.id),
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": status.created_at,
            "updated_at": status.created_at,
            "creator": self.user(status.creator),
        }


def comment_node_id(comment_id: int) -> str:
    return node_id("IC", comment_id)


def encode_content(data: bytes) -> str:
    """Base64 in 60-character lines with a final newline, as GitHub sends it."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def _person(person: Any) -> Json:
    return {"name": person.name, "email": person.email, "date": person.date}


def _unverified() -> Json:
    return {
        "verified": False,
        "reason": "unsigned",
        "signature": None,
        "payload": None,
        "verified_at": None,
    }


def _mergeable_state(pr: PullRequest, mergeable: Any) -> str:
    if pr.state != "open" or mergeable is None:
        return "unknown"
    return "clean" if mergeable else "dirty"
