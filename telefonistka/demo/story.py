"""The demo story: a change travels workspace → lab → staging → prod in a local repo.

Every step runs the real ``telefonistka`` commands (through ``cli.main``) on a real git
repository, so the demo shows exactly what users get; the git plumbing that stands in
for "a human merges the PR" is the only code of its own.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from telefonistka.demo.example_repo import initial_files, nginx_values

Say = Callable[[str], None]
Cli = Callable[[list[str]], int]


class DemoRepo:
    """A throwaway git repository with a fixed identity, driven like a human would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
            "GIT_AUTHOR_NAME": "Alice Example",
            "GIT_AUTHOR_EMAIL": "alice@example.com",
            "GIT_COMMITTER_NAME": "Alice Example",
            "GIT_COMMITTER_EMAIL": "alice@example.com",
        }

    def git(self, *args: str) -> str:
        """Run git in the repo; a failure stops the demo with git's own message."""
        result = subprocess.run(
            ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def write(self, files: Mapping[str, str]) -> None:
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit_on_branch(self, branch: str, files: Mapping[str, str], message: str) -> None:
        """Open a "PR": a branch from main with one commit."""
        self.git("checkout", "-q", "-b", branch, "main")
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        self.git("checkout", "-q", "main")

    def merge(self, branch: str, pr_number: int) -> str:
        """Merge a branch into main the way GitHub's merge button words it."""
        message = f"Merge pull request #{pr_number} from acme/{branch}"
        self.git("merge", "-q", "--no-ff", "-m", message, branch)
        return self.git("rev-parse", "HEAD")

    def promotion_branches(self) -> list[str]:
        out = self.git("for-each-ref", "--format=%(refname:short)", "refs/heads/promotions/")
        return out.splitlines()


def run_story(path: Path, cli: Cli, say: Say) -> int:
    """Tell the whole story; returns non-zero as soon as a command fails."""
    repo = DemoRepo(path)
    steps: list[Callable[[DemoRepo, Cli, Say], int]] = [
        create_repo,
        first_change,
        promote_to_lab,
        promote_to_staging,
        rerun_is_idempotent,
        drift_warning,
        promote_to_prod,
    ]
    for step in steps:
        code = step(repo, cli, say)
        if code != 0:
            return code
    say(f"\nDone. The example repo stays at {path} (remove it with: rm -rf {path}).")
    return 0


def heading(say: Say, text: str) -> None:
    say(f"\n{'=' * 78}\n{text}\n{'=' * 78}")


def command(cli: Cli, say: Say, *args: str) -> int:
    say(f"\n$ telefonistka {' '.join(args)}")
    return cli(list(args))


def create_repo(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(say, "1. An IaC repo: workspace/ plus lab, staging and prod clusters in 2 regions")
    repo.path.mkdir(parents=True, exist_ok=True)
    repo.git("init", "-q")
    repo.write(initial_files())
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Initial fleet")
    say(repo.git("ls-files"))
    return command(cli, say, "validate", str(repo.path / "telefonistka.yaml"))


def first_change(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(say, "2. PR #1 bumps nginx in workspace/; what will it promote?")
    files = {"workspace/nginx/values.yaml": nginx_values("v1.26.0")}
    repo.commit_on_branch("feature/nginx-1.26", files, "Bump nginx to v1.26.0")
    code = command(
        cli, say, "plan", "--repo", str(repo.path), "--base", "main", "--head", "feature/nginx-1.26"
    )
    repo.merge("feature/nginx-1.26", 1)
    say("\nPR #1 merged into main.")
    return code


def promote_and_show(repo: DemoRepo, cli: Cli, say: Say, *extra: str) -> int:
    """Run promote on main's head, then show every promotion branch it wrote."""
    before = set(repo.promotion_branches())
    code = command(cli, say, "promote", "--repo", str(repo.path), "--commit", "main", *extra)
    for branch in sorted(set(repo.promotion_branches()) - before):
        say(f"\n--- {branch}: files changed ---")
        say(repo.git("diff", "--stat", "main", branch))
        say(f"--- {branch}: PR title and body (the commit message) ---")
        say(repo.git("log", "-1", "--format=%B", branch))
    return code


def promote_to_lab(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(say, "3. The merge of PR #1 opens one promotion to both lab clusters")
    return promote_and_show(repo, cli, say)


def merge_promotion(repo: DemoRepo, say: Say, prefix: str, pr_number: int) -> None:
    branch = next(b for b in repo.promotion_branches() if b.startswith(prefix))
    repo.merge(branch, pr_number)
    say(f"\nPromotion PR #{pr_number} ({branch}) merged into main.")


def promote_to_staging(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(say, "4. Merging the lab promotion (PR #2) promotes on to staging; history grows")
    merge_promotion(repo, say, "promotions/1-", 2)
    return promote_and_show(repo, cli, say)


def rerun_is_idempotent(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(say, "5. Running the same promotion again changes nothing")
    return command(cli, say, "promote", "--repo", str(repo.path), "--commit", "main")


def drift_warning(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(say, "6. PR #3 edits nginx in a lab cluster while staging lags: drift warning")
    files = {"clusters/lab/us-east4/c1/nginx/values.yaml": nginx_values("v1.26.0", replicas=3)}
    repo.commit_on_branch("tune/lab-replicas", files, "More nginx replicas in lab")
    args = ["--repo", str(repo.path), "--base", "main", "--head", "tune/lab-replicas"]
    code = command(cli, say, "drift", *args)
    return code or command(cli, say, "drift", *args, "--markdown")


def promote_to_prod(repo: DemoRepo, cli: Cli, say: Say) -> int:
    heading(
        say,
        "7. Merging the staging promotion (PR #4): prod needs the promote-to-prod label,\n"
        "   and nginx's own telefonistka.yaml blocks prod/europe-west4",
    )
    merge_promotion(repo, say, "promotions/2-", 4)
    code = command(cli, say, "promote", "--repo", str(repo.path), "--commit", "main", "--dry-run")
    return code or promote_and_show(repo, cli, say, "--label", "promote-to-prod")
