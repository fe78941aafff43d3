"""Every GraphQL document telefonistka sends, in one place.

Why one module: the GitHub emulator validates each query against GitHub's public schema,
and ``scripts/vendor_graphql_schema.py`` trims that schema to the types and fields these
documents use (``DOCUMENTS``), so a misspelt field fails a test here, not a run on GitHub.
Paths and names are always variables, never spliced into the text: a folder named
``") { x`` cannot change a query.
"""

from __future__ import annotations

VIEWER = "query { viewer { login } }"

ENABLE_AUTO_MERGE = (
    "mutation($input: EnablePullRequestAutoMergeInput!) { "
    "enablePullRequestAutoMerge(input: $input) { pullRequest { number } } }"
)

MINIMIZE_COMMENT = (
    "mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) "
    "{ minimizedComment { isMinimized } } }"
)

# An open PR with what its head commit says: tree, parents, identities (did the bot write
# it? on which default-branch commit?) and the newest status of each context.
_OPEN_PULL = """
fragment OpenPull on PullRequest {
  id number title body url createdAt
  author { __typename login }
  headRefName headRefOid baseRefName baseRefOid
  headRepository { nameWithOwner }
  labels(first: 100) { nodes { name } }
  assignees(first: 100) { nodes { login } }
  commits(last: 1) {
    nodes {
      commit {
        oid message
        tree { oid }
        parents(first: 100) { nodes { oid } }
        author { name email }
        committer { name email date }
        status { contexts { context state description createdAt } }
      }
    }
  }
}
"""

# What the gate pass and the fleet report read first, in one request (per 100 open PRs):
# who the token is, the branch's head and configuration blob, the open PRs (into ``$base``,
# or all of them when it is null) with their heads, and the merged PRs holding targets
# (rollbacks, ``$hold`` label). REST needs a ref, a blob, a list, one status read per PR
# and the holds' list.
GATES_READ = (
    """
query($owner: String!, $name: String!, $base: String, $hold: String!,
      $qualified: String!, $config: String!) {
  viewer { login }
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $qualified) { target { oid } }
    config: object(expression: $config) { ... on Blob { oid isBinary isTruncated text } }
    holds: pullRequests(labels: [$hold], states: [MERGED], first: 100,
                        orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { number body mergedAt author { __typename login } }
    }
    pullRequests(states: [OPEN], baseRefName: $base, first: 100,
                 orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...OpenPull }
    }
  }
}
"""
    + _OPEN_PULL
)

# What a promotion reads before it plans, in one request: the default branch's head, the
# repository configuration's blob, the merged PR's first 100 files, the open PRs into the
# default branch with their heads (which are the bot's, on which commit) and who the
# token is. REST needs a ref, a blob, a file list, a PR list and a commit read per PR
# sharing a target.
PROMOTION_READ = (
    """
query($owner: String!, $name: String!, $base: String!, $qualified: String!,
      $config: String!, $number: Int!, $assignee0: String!, $assignee1: String!) {
  viewer { login }
  assignee0: user(login: $assignee0) { id login }
  assignee1: user(login: $assignee1) { id login }
  repository(owner: $owner, name: $name) {
    id
    labels(first: 100) { nodes { id name } }
    ref(qualifiedName: $qualified) {
      target { oid ... on Commit { history(first: 100) { nodes { oid } } } }
    }
    config: object(expression: $config) { ... on Blob { oid isBinary isTruncated text } }
    pullRequest(number: $number) {
      files(first: 100) { totalCount nodes { path changeType } }
    }
    pullRequests(states: [OPEN], baseRefName: $base, first: 100,
                 orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...OpenPull }
    }
  }
}
"""
    + _OPEN_PULL
)


def create_pull_query(new_labels: int) -> str:
    """Open a PR; with ``new_labels``, first create that many labels (``$k0``…) the run
    will set and the repository does not have yet, in the same request (their ids come
    back for ``label_query``)."""
    params = "".join(f", $k{n}: CreateLabelInput!" for n in range(new_labels))
    labels = "".join(
        f"\n  k{n}: createLabel(input: $k{n}) {{ label {{ id name }} }}" for n in range(new_labels)
    )
    return (
        f"mutation($input: CreatePullRequestInput!{params}) {{{labels}\n"
        "  createPullRequest(input: $input) { pullRequest { ...OpenPull } }\n}\n" + _OPEN_PULL
    )


# The open PRs into a base branch and its head, read in a mutation's answer (after the
# mutation): what superseding compares with, as they are once this run's PRs are open
# and labelled.
_VIEW = """
    labelable {
      ... on PullRequest {
        repository {
          ref(qualifiedName: $qualified) { target { oid } }
          pullRequests(states: [OPEN], baseRefName: $base, first: 100,
                       orderBy: {field: CREATED_AT, direction: ASC}) {
            pageInfo { hasNextPage endCursor }
            nodes { ...OpenPull }
          }
        }
      }
    }"""


def label_query(labelled: int, assigned: int, *, view: bool = False) -> str:
    """Assignees for ``assigned`` PRs (``$a0``…) and labels for ``labelled`` (``$l0``…),
    each an aliased mutation of one request: every new PR of a run at once. With
    ``view``, the last one's answer reads the open PRs into ``$base`` and its head (GitHub
    runs a request's mutations in order, so they are read once every label is set)."""
    params = [f"$a{n}: AddAssigneesToAssignableInput!" for n in range(assigned)]
    params += [f"$l{n}: AddLabelsToLabelableInput!" for n in range(labelled)]
    if view:
        params += ["$base: String!", "$qualified: String!"]
    fields = [
        f"  a{n}: addAssigneesToAssignable(input: $a{n}) {{ clientMutationId }}"
        for n in range(assigned)
    ]
    for n in range(labelled):
        answer = _VIEW if view and n == labelled - 1 else " clientMutationId"
        fields.append(f"  l{n}: addLabelsToLabelable(input: $l{n}) {{{answer} }}")
    text = f"mutation({', '.join(params)}) {{\n" + "\n".join(fields) + "\n}\n"
    return text + _OPEN_PULL if view else text


def superseded_read_query(count: int) -> str:
    """The comments of ``count`` PRs (``$n0``…) and the ids of their branches (``$r0``…):
    what closing superseded PRs at once needs (is the note there already? which ref?)."""
    params = "".join(f", $n{n}: Int!, $r{n}: String!" for n in range(count))
    fields = "".join(
        f"\n    p{n}: pullRequest(number: $n{n}) {{ comments(last: 100) "
        "{ nodes { databaseId body author { __typename login } } } }"
        f"\n    r{n}: ref(qualifiedName: $r{n}) {{ id }}"
        for n in range(count)
    )
    return _in_repository(params, fields)


def close_query(commented: int, deleted: int, closed: int) -> str:
    """Notes (``$c0``…), branch deletions (``$d0``…) and closes (``$x0``…) in one request,
    in the order given (GitHub runs a request's mutations one after another)."""
    inputs = {"c": "AddCommentInput", "d": "DeleteRefInput", "x": "ClosePullRequestInput"}
    fields = {
        "c": "addComment(input: $c{n}) {{ commentEdge {{ node {{ databaseId }} }} }}",
        "d": "deleteRef(input: $d{n}) {{ clientMutationId }}",
        "x": "closePullRequest(input: $x{n}) {{ clientMutationId }}",
    }
    counts = {"c": commented, "d": deleted, "x": closed}
    params = [f"${k}{n}: {inputs[k]}!" for k in "cdx" for n in range(counts[k])]
    body = [f"  {k}{n}: " + fields[k].format(n=n) for k in "cdx" for n in range(counts[k])]
    return f"mutation({', '.join(params)}) {{\n" + "\n".join(body) + "\n}\n"


def _in_repository(params: str, fields: str) -> str:
    """A query of the repository's ``fields`` (aliased, one per item), with ``params``
    beside ``$owner`` and ``$name``."""
    return (
        f"query($owner: String!, $name: String!{params}) {{\n"
        f"  repository(owner: $owner, name: $name) {{{fields}\n  }}\n}}\n"
    )


# What a drift check reads before it plans, in one request: the default branch's head,
# the configuration's blob, the PR's first 100 files and its last 100 comments (are there
# earlier drift warnings to hide?). REST needs a ref, a blob, a file list, a comment list.
PR_READ = """
query($owner: String!, $name: String!, $qualified: String!, $config: String!,
      $number: Int!) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $qualified) { target { oid } }
    config: object(expression: $config) { ... on Blob { oid isBinary isTruncated text } }
    pullRequest(number: $number) {
      files(first: 100) { totalCount nodes { path changeType } }
      comments(last: 100) {
        totalCount
        nodes { id databaseId body author { __typename login } }
      }
    }
  }
}
"""

_BLOB = """
  b{n}: object(oid: $o{n}) {{ ... on Blob {{ oid isBinary isTruncated text }} }}"""


def blobs_query(count: int) -> str:
    """The text of ``count`` blobs by id (``$o0``…), one aliased field each."""
    params = "".join(f", $o{n}: GitObjectID!" for n in range(count))
    fields = "".join(_BLOB.format(n=n) for n in range(count))
    return _in_repository(params, fields)


_MOMENT = """
  s{n}: object(expression: $ref) {{
    ... on Commit {{
      history(path: $p{n}, first: 1) {{
        nodes {{
          oid committedDate
          statusCheckRollup {{
            contexts(first: 100) {{
              nodes {{
                __typename
                ... on CheckRun {{ name status conclusion }}
                ... on StatusContext {{ context state }}
              }}
            }}
          }}
        }}
      }}
    }}
  }}"""


# The next 100 open PRs into a branch (every branch when ``$base`` is null), after a
# cursor an earlier page gave.
OPEN_PULLS_PAGE = (
    """
query($owner: String!, $name: String!, $base: String, $after: String!) {
  repository(owner: $owner, name: $name) {
    pullRequests(states: [OPEN], baseRefName: $base, first: 100, after: $after,
                 orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...OpenPull }
    }
  }
}
"""
    + _OPEN_PULL
)


def source_moments_query(count: int) -> str:
    """The newest commit of ``$ref`` that changed each of ``count`` paths (``$p0``…), with
    its checks: one aliased field per path, so every source of a gate pass is one request."""
    params = ", $ref: String!" + "".join(f", $p{n}: String!" for n in range(count))
    return _in_repository(params, "".join(_MOMENT.format(n=n) for n in range(count)))


# What the schema trim and the emulator's tests check: every document, as sent.
DOCUMENTS: tuple[str, ...] = (
    VIEWER,
    ENABLE_AUTO_MERGE,
    MINIMIZE_COMMENT,
    GATES_READ,
    PROMOTION_READ,
    PR_READ,
    OPEN_PULLS_PAGE,
    create_pull_query(0),
    create_pull_query(2),
    label_query(2, 1),
    label_query(2, 1, view=True),
    superseded_read_query(2),
    close_query(2, 2, 2),
    source_moments_query(2),
    blobs_query(2),
)
