"""Generated IaC repositories for the benchmark: a fleet of envs x regions x clusters x components.

Each repository is written with one ``git fast-import`` stream into a bare repository, so
even the large fleet (≈200k files) takes seconds. The shape is what a platform team's
GitOps repo looks like: ``clusters/<env>/<region>/<cluster>/<component>/`` with nested
folders inside each component, a per-cluster ``cluster.yaml`` outside the components
(components are copied as is between clusters, so their folders are identical wherever
they are in sync), and a multi-stage ``telefonistka.yaml``:

- lab (1 region x 2 clusters) → staging (2 regions x 5 clusters = 10 targets, one PR);
- staging → prod (5 regions x 10 clusters = 50 targets, one PR per region: 5 PRs);
- every cluster folder routes push fan-out to its own webhook endpoint.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REGIONS = ("us-east1", "europe-west1", "asia-east1", "us-west1", "southamerica-east1")
# The first few components have familiar names; the rest are numbered services.
NAMED_COMPONENTS = (
    "ingress-nginx",
    "cert-manager",
    "external-dns",
    "prometheus",
    "grafana",
    "loki",
    "argo-rollouts",
    "keda",
    "vault-agent",
    "kyverno",
)
# Folders inside a component the generated files are spread over (nested on purpose).
COMPONENT_FOLDERS = (
    "manifests",
    "manifests/rbac",
    "manifests/crds",
    "overlays/default",
    "overlays/default/patches",
    "dashboards",
)
DEFAULT_WEBHOOK = "https://argocd-${3}.${2}.${1}.example.com/api/webhook"
NEW_TAG = "v1.1.0"  # what a scenario's PR bumps image.tag to
DRIFTED_CLUSTERS = 3  # target clusters given hand edits where a scenario needs drift
DRIFT_REPLICAS = 5


@dataclass(frozen=True)
class Env:
    """One environment: ``regions`` regions with ``clusters`` clusters each."""

    name: str
    regions: int
    clusters: int


FLEET_ENVS = (Env("lab", 1, 2), Env("staging", 2, 5), Env("prod", 5, 10))


@dataclass(frozen=True)
class FleetShape:
    """How big a generated repository is: components per cluster x files per component."""

    name: str
    components: int
    files_per_component: int
    envs: tuple[Env, ...] = FLEET_ENVS

    def cluster_paths(self, env: str | None = None) -> list[str]:
        """Every cluster folder (``clusters/<env>/<region>/<cluster>/``), or one env's."""
        return [
            f"clusters/{e.name}/{region}/c{c:02}/"
            for e in self.envs
            if env is None or e.name == env
            for region in REGIONS[: e.regions]
            for c in range(1, e.clusters + 1)
        ]

    def component_names(self) -> list[str]:
        named = list(NAMED_COMPONENTS[: self.components])
        return named + [f"svc-{i:03}" for i in range(len(named), self.components)]

    def component_files(self) -> list[str]:
        """Paths of one component's files, relative to the component folder."""
        files = ["values.yaml"]
        for i in range(1, self.files_per_component):
            folder = COMPONENT_FOLDERS[i % len(COMPONENT_FOLDERS)]
            files.append(f"{folder}/resource-{i:03}.yaml")
        return files

    def component_folders(self) -> list[str]:
        """The folders inside one component (nested ones counted once each)."""
        folders: set[str] = set()
        for path in self.component_files():
            parts = path.split("/")[:-1]
            folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return sorted(folders)

    @property
    def clusters(self) -> int:
        return len(self.cluster_paths())

    @property
    def files(self) -> int:
        """Files in the repository (components, cluster files and the config)."""
        return self.clusters * (self.components * self.files_per_component + 1) + 1

    @property
    def tree_entries(self) -> int:
        """Entries of a recursive tree listing: files plus every folder."""
        per_component = self.files_per_component + len(self.component_folders())
        per_cluster = 1 + self.components * (1 + per_component)
        cluster_folders = sum(1 + e.regions * (1 + e.clusters) for e in self.envs)
        return 1 + 1 + cluster_folders + self.clusters * per_cluster

    def summary(self) -> dict[str, int | str]:
        return {
            "name": self.name,
            "clusters": self.clusters,
            "components_per_cluster": self.components,
            "files_per_component": self.files_per_component,
            "folders_per_component": len(self.component_folders()),
            "files": self.files,
            "tree_entries": self.tree_entries,
        }


SMALL = FleetShape("small", components=10, files_per_component=2)
MEDIUM = FleetShape("medium", components=20, files_per_component=32)
LARGE = FleetShape("large", components=40, files_per_component=80)
SIZES = {shape.name: shape for shape in (SMALL, MEDIUM, LARGE)}


def repo_config(shape: FleetShape, webhook: str = DEFAULT_WEBHOOK) -> str:
    """The fleet's ``telefonistka.yaml``: lab → staging (one PR) → prod (one PR per region)."""
    staging = "".join(f'          - "{p}"\n' for p in shape.cluster_paths("staging"))
    prod_env = next(e for e in shape.envs if e.name == "prod")
    prod_prs = ""
    for region in REGIONS[: prod_env.regions]:
        paths = [p for p in shape.cluster_paths("prod") if p.split("/")[2] == region]
        prod_prs += f'      - targetDescription: "prod {region}"\n        targetPaths:\n'
        prod_prs += "".join(f'          - "{p}"\n' for p in paths)
    return (
        "# telefonistka.yaml of a generated fleet (bench/fleet.py)\n"
        "promotionPaths:\n"
        '  - sourcePath: "clusters/lab/[^/]*/[^/]*/"\n'
        "    promotionPrs:\n"
        '      - targetDescription: "staging"\n'
        "        targetPaths:\n"
        f"{staging}"
        '  - sourcePath: "clusters/staging/[^/]*/[^/]*/"\n'
        "    promotionPrs:\n"
        f"{prod_prs}"
        "promtionPRlables:\n"
        "  - gitops\n"
        "webhookEndpointRegexs:\n"
        '  - expression: "^clusters/([^/]*)/([^/]*)/([^/]*)/.*"\n'
        "    replacements:\n"
        f'      - "{webhook}"\n'
    )


def values_yaml(component: str, tag: str = "v1.0.0", replicas: int = 2) -> str:
    """A component's ``values.yaml``; scenarios bump ``image.tag`` or edit ``replicas``."""
    return (
        f"# {component} values\n"
        "image:\n"
        f"  repository: registry.example.com/platform/{component}\n"
        f"  tag: {tag}\n"
        f"replicas: {replicas}\n"
        "resources:\n"
        "  requests:\n"
        "    cpu: 100m\n"
        "    memory: 128Mi\n"
        "  limits:\n"
        "    memory: 256Mi\n"
    )


def resource_yaml(component: str, path: str) -> str:
    """A Kubernetes-like manifest, distinct per component and file, equal across clusters."""
    name = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    return (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        f"  name: {component}-{name}\n"
        f"  namespace: {component}\n"
        "  labels:\n"
        f"    app.kubernetes.io/name: {component}\n"
        "    app.kubernetes.io/managed-by: argocd\n"
        "data:\n"
        f"  source: {path}\n"
        "  settings: |\n"
        "    log_level = info\n"
        "    timeout_seconds = 30\n"
    )


def component_content(shape: FleetShape, component: str) -> dict[str, str]:
    """Relative path → content of one component as every cluster holds it at first."""
    return {
        rel: values_yaml(component) if rel == "values.yaml" else resource_yaml(component, rel)
        for rel in shape.component_files()
    }


def tag_bump(cluster: str, components: Iterable[str]) -> dict[str, str]:
    """A PR's change: a new ``image.tag`` in the values of ``components`` of one cluster."""
    return {f"{cluster}{c}/values.yaml": values_yaml(c, tag=NEW_TAG) for c in components}


def hand_edits(shape: FleetShape, component: str, clusters: Iterable[str]) -> dict[str, str]:
    """Drift: ``replicas`` and the first manifest of ``component`` edited in ``clusters``.

    Shapes with a single file per component get only the values edit.
    """
    manifests = [f for f in shape.component_files() if f != "values.yaml"][:1]
    edits: dict[str, str] = {}
    for cluster in clusters:
        folder = f"{cluster}{component}/"
        edits[f"{folder}values.yaml"] = values_yaml(component, replicas=DRIFT_REPLICAS)
        for rel in manifests:
            text = resource_yaml(component, rel)
            edits[f"{folder}{rel}"] = text.replace("log_level = info", "log_level = debug")
    return edits


def cluster_yaml(cluster_path: str) -> str:
    env, region, cluster = cluster_path.split("/")[1:4]
    return f"cluster: {cluster}\nregion: {region}\nenvironment: {env}\n"


def _fast_import_stream(shape: FleetShape, webhook: str) -> Iterator[bytes]:
    """A fast-import stream: every distinct blob once (marks), then one commit of all paths."""
    marks: dict[str, int] = {}

    def blob(content: str) -> Iterator[bytes]:
        if content not in marks:
            marks[content] = len(marks) + 1
            data = content.encode()
            yield b"blob\nmark :%d\ndata %d\n%s\n" % (marks[content], len(data), data)

    files: list[tuple[str, str]] = [("telefonistka.yaml", repo_config(shape, webhook))]
    contents = {c: component_content(shape, c) for c in shape.component_names()}
    for cluster in shape.cluster_paths():
        files.append((f"{cluster}cluster.yaml", cluster_yaml(cluster)))
        for component, inside in contents.items():
            files.extend((f"{cluster}{component}/{rel}", text) for rel, text in inside.items())
    for _, content in files:
        yield from blob(content)
    message = f"Fleet {shape.name}".encode()
    yield (
        b"commit refs/heads/main\n"
        b"author Fleet Generator <fleet@example.com> 1700000000 +0000\n"
        b"committer Fleet Generator <fleet@example.com> 1700000000 +0000\n"
        b"data %d\n%s\n" % (len(message), message)
    )
    for path, content in files:
        yield b"M 100644 :%d %s\n" % (marks[content], path.encode())
    yield b"done\n"


def generate(shape: FleetShape, path: Path, webhook: str = DEFAULT_WEBHOOK) -> Path:
    """Write the fleet as a bare repository at ``path`` (default branch ``main``)."""
    path.mkdir(parents=True, exist_ok=True)
    git = ["git", "-C", str(path)]
    subprocess.run([*git, "init", "--quiet", "--bare", "--initial-branch=main"], check=True)
    stream = b"".join(_fast_import_stream(shape, webhook))
    subprocess.run(
        [*git, "fast-import", "--quiet", "--done"], input=stream, check=True, capture_output=True
    )
    return path
