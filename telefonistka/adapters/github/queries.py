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

# What the gate pass reads first, in one request (per 100 open PRs): who the token is, the
# open PRs into one base branch with what their head commit says (tree, parents,
# identities, the newest status of each context), and the merged PRs holding targets
# (rollbacks, ``$hold`` label). REST needs a list, one read per PR and the holds' list.
GATES_READ = """
query($owner: String!, $name: String!, $base: String!, $hold: String!, $after: String) {
  viewer { login }
  repository(owner: $owner, name: $name) {
    holds: pullRequests(labels: [$hold], states: [MERGED], first: 100,
                        orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { number body mergedAt author { __typename login } }
    }
    pullRequests(states: [OPEN], baseRefName: $base, first: 100, after: $after,
                 orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
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
    }
  }
}
"""

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


def source_moments_query(count: int) -> str:
    """The newest commit of ``$ref`` that changed each of ``count`` paths (``$p0``…), with
    its checks: one aliased field per path, so every source of a gate pass is one request."""
    params = "".join(f", $p{n}: String!" for n in range(count))
    fields = "".join(_MOMENT.format(n=n) for n in range(count))
    return (
        f"query($owner: String!, $name: String!, $ref: String!{params}) {{\n"
        f"  repository(owner: $owner, name: $name) {{{fields}\n  }}\n}}\n"
    )


# What the schema trim and the emulator's tests check: every document, as sent.
DOCUMENTS: tuple[str, ...] = (
    VIEWER,
    ENABLE_AUTO_MERGE,
    MINIMIZE_COMMENT,
    GATES_READ,
    source_moments_query(2),
)
