"""``telefonistka argocd-diff``: what a local branch would change in the clusters.

The same diff the Action comments on a PR, for trying it before installing the Action:
the change ``BASE...HEAD`` of a local clone, its rules from BASE, the apps it touches on
an Argo CD server, each rendered at HEAD's commit. Argo CD renders from *its* copy of the
repository, so HEAD must be pushed there (``--revision`` names another commit or branch
Argo CD knows). The server comes from ``--argocd-url`` or ``ARGOCD_SERVER_ADDR``; the
token only from ``ARGOCD_TOKEN`` (a command-line token would show in process lists).
Only apps that deploy from this repository count: its ``origin`` remote's URL, or
``--repo-url`` (``usecases.argocd_scope``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from telefonistka.adapters.argocd import ArgoCdClient
from telefonistka.adapters.git_output import printable_lines
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.guard import json_text
from telefonistka.cli.local_plan import (
    FOUND_EXIT_CODE,
    add_range_arguments,
    base_of,
    read_repo_config,
)
from telefonistka.cli.terminal import progress
from telefonistka.core.argocd.apps import repo_key
from telefonistka.core.argocd.comment import argocd_comments
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import UsageError
from telefonistka.usecases.argocd_diff import (
    app_sections,
    component_folders,
    deploys,
    discover,
    hidden_folders,
    new_app_sections,
)
from telefonistka.usecases.argocd_scope import RepositoryScoped

HELP = "Show what a local change would change in the clusters, rendered by an Argo CD server."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the IaC repository (default: .)")
    add_range_arguments(parser, "its config is used", "an Argo CD app would change")
    parser.add_argument(
        "--revision", help="the commit or branch Argo CD renders (default: HEAD's commit)"
    )
    parser.add_argument(
        "--argocd-url", help="the Argo CD server (default: $ARGOCD_SERVER_ADDR as https://)"
    )
    parser.add_argument(
        "--insecure", action="store_true", help="skip TLS verification (or $ARGOCD_INSECURE)"
    )
    parser.add_argument("--ca-file", help="PEM file of the CA of the server's certificate")
    parser.add_argument(
        "--repo-url",
        help="the repository the Argo CD apps must deploy from (default: the clone's origin "
        "remote); apps of other repositories are left out",
    )
    parser.add_argument("--json", action="store_true", help="print every app's diff as JSON")


def run(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> int:
    repo = LocalGitRepo(args.repo)
    base = base_of(repo, args.base)
    revision = args.revision or repo.resolve_commit(args.head)
    argocd = RepositoryScoped(_client(args, environ), _repository(args, repo))
    try:
        with progress(f"asking Argo CD about {base}...{args.head}"):
            config = read_repo_config(repo, base)
            files = repo.changed_files(base, args.head)
            folders = component_folders(files, config)
            hidden = hidden_folders(repo, repo.read_snapshot(args.head), folders)
            apps = discover(argocd, files, config)
            sections = app_sections(argocd, apps, revision, hidden)
            if config.argocd.create_temp_app_object_from_new_apps:
                uncovered = [f for f in folders if not any(deploys(a, f) for a in apps)]
                sections += new_app_sections(argocd, uncovered, revision, 0, _stderr)
    finally:
        argocd.close()
    if args.json:
        listed = [
            {
                "app": s.name,
                "error": s.error,
                "warnings": list(s.warnings),
                "notes": list(s.notes),
                "objects": [
                    {"object": str(o.key), "change": str(o.change), "diff": o.diff}
                    for o in s.objects
                ],
            }
            for s in sections
        ]
        print(json_text({"revision": revision, "apps": listed}))
    else:
        comments = argocd_comments(Renderer(), revision, sections)
        print(printable_lines("\n\n---\n\n".join(comments) or "No Argo CD app is touched."))
    changed = any(s.objects for s in sections)
    failed = any(s.error for s in sections)
    if failed:
        return 1
    return FOUND_EXIT_CODE if args.exit_code and changed else 0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _repository(args: argparse.Namespace, repo: LocalGitRepo) -> str:
    """The key of the repository whose apps count (``--repo-url``, else ``origin``)."""
    url = args.repo_url or repo.remote_url()
    if not url:
        raise UsageError(
            "the clone has no origin remote: pass --repo-url with the repository Argo CD "
            "deploys from, so apps of other repositories are left out"
        )
    key = repo_key(url)
    if key is None:
        raise UsageError(f"--repo-url {url!r} names no repository (expected host/owner/name)")
    return key


def _client(args: argparse.Namespace, environ: Mapping[str, str]) -> ArgoCdClient:
    url = args.argocd_url or environ.get("ARGOCD_SERVER_ADDR", "").strip()
    if url and "://" not in url:
        plaintext = environ.get("ARGOCD_PLAINTEXT", "").strip().lower() in ("true", "1", "yes")
        url = f"{'http' if plaintext else 'https'}://{url}"
    if not url:
        raise UsageError("no Argo CD server: pass --argocd-url or set ARGOCD_SERVER_ADDR")
    token = environ.get("ARGOCD_TOKEN", "").strip()
    if not token:
        raise UsageError("no Argo CD token: set ARGOCD_TOKEN (never on the command line)")
    insecure = args.insecure or environ.get("ARGOCD_INSECURE", "").lower() in ("true", "1", "yes")
    return ArgoCdClient(url, token, insecure=insecure, ca_file=args.ca_file)
