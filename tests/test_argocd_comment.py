"""The Argo CD diff comments: golden markdown, and splitting below GitHub's limit."""

from __future__ import annotations

from golden_util import assert_golden
from test_argocd_diff import deployment, live_of, secret

from telefonistka.core.argocd.comment import ARGOCD_MARKER, AppSection, argocd_comments
from telefonistka.core.argocd.diff import diff_objects
from telefonistka.core.text.rendering import Renderer

HEAD = "0123456789abcdef0123456789abcdef01234567"


def sections() -> list[AppSection]:
    web = diff_objects([live_of(deployment(2))], [deployment(3)], [deployment(2)])
    creds = diff_objects([secret(password="b2xk")], [secret(password="bmV3")], [])
    hidden = diff_objects([live_of(deployment(2))], [deployment(4)], [], show_content=False)
    return [
        AppSection(
            "prod-web",
            ("auto-sync is off: merging changes nothing until someone syncs",),
            web.objects,
        ),
        AppSection("prod-creds", (), creds.objects),
        AppSection(
            "prod-hidden",
            (),
            hidden.objects,
            ("disableArgoCDDiff: contents not shown",),
            hidden=True,
        ),
        AppSection("prod-quiet"),
        AppSection(
            "prod-broken", error="Argo CD refused to render prod-broken (403 permission denied)"
        ),
    ]


def test_the_comment_is_golden() -> None:
    [comment] = argocd_comments(Renderer(), HEAD, sections())

    assert comment.startswith(ARGOCD_MARKER)
    assert "b2xk" not in comment
    assert "bmV3" not in comment
    assert_golden("argocd_diff_comment.md", comment)


def test_too_large_for_one_comment_splits_per_app_and_shortens_a_huge_app() -> None:
    many = [deployment(i, image="x" * 200) for i in range(3, 60)]
    huge = diff_objects(
        [live_of(deployment(2))],
        [{**m, "metadata": {**m["metadata"], "name": f"web{i}"}} for i, m in enumerate(many)],
        [],
    )
    apps = [AppSection("huge", (), huge.objects), *sections()]

    comments = argocd_comments(Renderer(), HEAD, apps, limit=8_000)

    assert len(comments) == len(apps)
    assert all(len(c) <= 8_000 for c in comments)
    assert all(c.startswith(ARGOCD_MARKER) for c in comments)
    assert f"(part 1/{len(apps)})" in comments[0]
    assert "too large for a comment: the changed objects without their diffs" in comments[0]
    assert "- added: `apps/Deployment shop/web0`" in comments[0]
    assert "+  replicas: 3" in comments[1]  # prod-web whole in its own comment


def test_no_app_no_comment() -> None:
    assert argocd_comments(Renderer(), HEAD, []) == []
