"""Branches: read a branch head, resolve a revision, create or move a branch.

Only branch refs (``refs/heads/…``) are ever read or written; tags are not accepted as
revisions. Two guards stand here, for every caller:

- a branch name goes into the URL path only when it is a valid git ref name, each
  component percent-encoded on its own, so no ``..`` or ``%2F`` can make the HTTP stack
  or the server resolve it to another ref;
- a branch is created or moved only inside the bot's own namespaces
  (``core.refnames.BOT_NAMESPACES``): the default branch and people's branches change
  only by merging a PR, whatever a caller asks.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from telefonistka.adapters.github.session import RepoSession
from telefonistka.core.github.refnames import BOT_NAMESPACES, check_branch_name, is_bot_branch
from telefonistka.errors import ForeignBranchError, GitHubError

_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class Refs(RepoSession):
    """The branch side of the git data API (``/git/ref``, ``/git/refs``)."""

    def branch_head(self, name: str) -> str | None:
        """The commit at the tip of branch ``name``, or None when there is no such branch.

        ``/git/ref/`` (singular) matches the name exactly; ``/git/refs/`` would also
        return ``name/...`` branches.
        """
        try:
            data = self._call("ref", f"read branch {name!r}", "GET", f"/git/ref/heads/{_ref(name)}")
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        if isinstance(data, list):  # some servers answer a prefix match with a list
            wanted = f"refs/heads/{name}"
            data = next((ref for ref in data if ref.get("ref") == wanted), None)
            if data is None:
                return None
        return str(data["object"]["sha"])

    def resolve_commit(self, rev: str) -> str:
        """The commit ``rev`` names: a full object id as is, else the head of that branch."""
        if _OID.fullmatch(rev):
            return rev
        head = self.branch_head(rev)
        if head is None:
            raise GitHubError(f"no branch {rev!r} in {self.full_name}", 404)
        return head

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None:
        """Point branch ``name`` at ``new_sha``: create it when ``old_sha`` is None, else move it.

        GitHub's ref API has no compare-and-swap, so a move is a forced update. That is
        safe for promotion branches: the bot owns them and their content is a function
        of (base, plan), so whichever concurrent run writes last leaves an equivalent
        commit. A create that loses the race (422 "Reference already exists": another
        run, or our own retried POST, created it first) re-reads the head and becomes an
        update unless the branch is already at ``new_sha``.
        """
        _guard_write(name)
        if old_sha is None:
            try:
                self._create_ref(name, new_sha)
                return
            except GitHubError as exc:
                if exc.status != 422 or "already exists" not in exc.detail.lower():
                    raise
            if self.branch_head(name) == new_sha:
                return
        self._move_ref(name, new_sha)

    def create_branch(self, name: str, sha: str) -> str | None:
        """Create branch ``name`` at ``sha`` (one ``POST /git/refs``). When GitHub answers
        that it exists (422 "Reference already exists"), its head is read: None when that
        is ``sha`` (our own create, retried after a lost answer), else that head."""
        _guard_write(name)
        try:
            self._create_ref(name, sha)
            return None
        except GitHubError as exc:
            if exc.status != 422 or "already exists" not in exc.detail.lower():
                raise
        head = self.branch_head(name)
        return None if head == sha else head

    def delete_branch(self, name: str) -> None:
        """Delete branch ``name`` of the bot's own; a branch already gone is no error.

        GitHub answers 422 "Reference does not exist" (or 404) for a branch deleted
        already, which is what a retry after a lost answer, or a re-run, meets.
        """
        _guard_write(name)
        path = f"/git/refs/heads/{_ref(name)}"
        try:
            self._call("ref", f"delete branch {name!r}", "DELETE", path)
        except GitHubError as exc:
            if exc.status not in (404, 422):
                raise

    def _create_ref(self, name: str, sha: str) -> None:
        body = {"ref": f"refs/heads/{name}", "sha": sha}
        self._call("ref", f"create branch {name!r}", "POST", "/git/refs", body=body)

    def _move_ref(self, name: str, sha: str) -> None:
        body = {"sha": sha, "force": True}
        path = f"/git/refs/heads/{_ref(name)}"
        self._call("ref", f"update branch {name!r}", "PATCH", path, body=body)


def _ref(name: str) -> str:
    """A valid branch name as a URL path: its slashes stay, each component is encoded."""
    check_branch_name(name)
    return "/".join(quote(component, safe="") for component in name.split("/"))


def _guard_write(name: str) -> None:
    """Refuse to create or move any branch outside the bot's own namespaces."""
    check_branch_name(name)
    if not is_bot_branch(name):
        owned = ", ".join(f"{namespace}…" for namespace in BOT_NAMESPACES)
        raise ForeignBranchError(
            f"refused to write branch {name!r}: telefonistka writes only its own "
            f"branches ({owned}); the default branch and people's branches change only by "
            "merging a pull request"
        )
