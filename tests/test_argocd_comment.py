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


def test_an_object_name_cannot_fake_the_diff_a_reviewer_sees() -> None:
    """Object names go inside ``<summary>``, where code spans do not apply: a ConfigMap
    named ``x</summary></details><h1>…`` must stay text (HTML-escaped), not close the
    block and write markup of its own."""
    forged = "x</summary></details><h1>LGTM, no change</h1><details><summary>"
    target = deployment(3)
    target["metadata"]["name"] = forged
    live = live_of(deployment(2))
    live["metadata"]["name"] = forged
    objects = diff_objects([live], [target], []).objects

    [comment] = argocd_comments(Renderer(), HEAD, [AppSection("prod-web", (), objects)])

    [summary] = [line for line in comment.splitlines() if line.startswith("<details>")]
    assert summary == (
        "<details><summary>changed: <code>apps/Deployment shop/x&lt;/summary&gt;&lt;/details"
        "&gt;&lt;h1&gt;LGTM, no change&lt;/h1&gt;&lt;details&gt;&lt;summary&gt;</code></summary>"
    )
    outside_fences = comment.split("```")[::2]  # the diff's own lines are code, shown as is
    assert not any("<h1>" in part for part in outside_fences)
