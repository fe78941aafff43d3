"""The GitHub adapter, split by concern; ``GitHubRepo`` (in ``repo``) is what callers use.

Importing this package loads PyGithub and ``requests``: the Action edge imports it only
inside the handlers that talk to GitHub, so an ignored event never pays for it.
"""

from telefonistka.adapters.github.changed_files import MAX_COMPARE_FILES, MAX_PR_FILES
from telefonistka.adapters.github.git_data import commit_state_from_json
from telefonistka.adapters.github.pulls import comment_from_json, pull_request_from_json
from telefonistka.adapters.github.repo import GitHubRepo
from telefonistka.ports import Comment, CommitState, CommitStatusState

__all__ = [
    "MAX_COMPARE_FILES",
    "MAX_PR_FILES",
    "Comment",
    "CommitState",
    "CommitStatusState",
    "GitHubRepo",
    "comment_from_json",
    "commit_state_from_json",
    "pull_request_from_json",
]
