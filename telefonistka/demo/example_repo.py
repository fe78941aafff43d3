"""The files of the demo's example IaC repository, as plain data.

A small fleet: a ``workspace/`` where changes start, two lab clusters, two staging
clusters and two prod clusters, each running ``nginx`` and ``prometheus``. The config
shows stages (workspace → lab → staging → prod), fan-out to several clusters, a regex
source path, a label condition, auto-merge and a component that blocks one target.
"""

from __future__ import annotations

REGIONS = ("us-east4", "europe-west4")
ENVS = ("lab", "staging", "prod")

REPO_CONFIG = """\
# telefonistka.yaml: how changes move through this repo.
promotionPaths:
  # Stage 1: a change in workspace/ goes to every lab cluster in one PR, merged
  # automatically.
  - sourcePath: "workspace/"
    conditions:
      autoMerge: true
    promotionPrs:
      - targetDescription: "lab clusters"
        targetPaths:
          - "clusters/lab/us-east4/c1/"
          - "clusters/lab/europe-west4/c1/"
  # Stage 2: from any lab cluster to both staging clusters (a regex source path; the lab
  # clusters hold the same content, so either is a fine source).
  - sourcePath: "clusters/lab/[^/]*/[^/]*/"
    promotionPrs:
      - targetDescription: "staging clusters"
        targetPaths:
          - "clusters/staging/us-east4/c1/"
          - "clusters/staging/europe-west4/c1/"
  # Stage 3: staging to prod only for PRs labelled promote-to-prod, one PR per region.
  - sourcePath: "clusters/staging/[^/]*/[^/]*/"
    conditions:
      prHasLabels:
        - promote-to-prod
    promotionPrs:
      - targetPaths:
          - "clusters/prod/us-east4/c1/"
      - targetPaths:
          - "clusters/prod/europe-west4/c1/"
promtionPRlables:
  - gitops
webhookEndpointRegexs:
  - expression: "^clusters/([^/]*)/([^/]*)/([^/]*)/.*"
    replacements:
      - "https://argocd-${3}.${2}.${1}.example.com/api/webhook"
"""

NGINX_BLOCK = """\
# nginx is not ready for Europe's prod cluster yet.
promotionTargetBlockList:
  - "clusters/prod/europe-west4/"
"""


def nginx_values(tag: str, replicas: int = 2) -> str:
    """The nginx values file; the demo's change bumps ``image.tag``."""
    return (
        "# nginx ingress values\n"
        "image:\n"
        "  repository: registry.example.com/nginx\n"
        f"  tag: {tag}\n"
        f"replicas: {replicas}\n"
        "resources:\n"
        "  limits:\n"
        "    memory: 256Mi\n"
    )


def prometheus_values(retention: str = "15d") -> str:
    """The prometheus values file."""
    return f"retention: {retention}\nscrapeInterval: 30s\n"


def component_files(prefix: str) -> dict[str, str]:
    """The two components under one cluster (or workspace) folder."""
    return {
        f"{prefix}nginx/values.yaml": nginx_values("v1.25.0"),
        f"{prefix}nginx/telefonistka.yaml": NGINX_BLOCK,
        f"{prefix}prometheus/values.yaml": prometheus_values(),
    }


def initial_files() -> dict[str, str]:
    """Every file of the first commit: all environments in sync."""
    files = {"telefonistka.yaml": REPO_CONFIG, "README.md": "# example IaC repo\n"}
    files.update(component_files("workspace/"))
    for env in ENVS:
        for region in REGIONS:
            files.update(component_files(f"clusters/{env}/{region}/c1/"))
    return files
