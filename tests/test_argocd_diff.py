"""The diff of one Argo CD app: what a PR changes in its cluster objects, nothing more."""

from __future__ import annotations

from typing import Any

from telefonistka.core.argocd.diff import (
    REDACTED,
    REDACTED_OTHER,
    Change,
    IgnoreRule,
    ObjectKey,
    diff_objects,
)


def deployment(replicas: int = 2, image: str = "web:1", **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "template": {"spec": {"containers": [{"name": "web", "image": image}]}},
    }
    spec.update(extra)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": spec,
    }


def live_of(obj: dict[str, Any], **spec_defaults: Any) -> dict[str, Any]:
    """``obj`` as the API server returns it: server metadata, status, defaults, tracking."""
    live = {**obj, "metadata": {**obj["metadata"]}, "spec": {**obj["spec"], **spec_defaults}}
    live["metadata"].update(
        uid="1234",
        resourceVersion="99",
        generation=4,
        creationTimestamp="2026-01-01T00:00:00Z",
        managedFields=[{"manager": "argocd-controller"}],
        labels={**obj["metadata"].get("labels", {}), "app.kubernetes.io/instance": "shop"},
        annotations={"kubectl.kubernetes.io/last-applied-configuration": "{...}"},
    )
    live["status"] = {"readyReplicas": 2}
    return live


def test_an_unchanged_app_has_no_diff_whatever_the_server_added() -> None:
    target = deployment()
    live = live_of(target, progressDeadlineSeconds=600, revisionHistoryLimit=10)

    assert not diff_objects([live], [target], [target]).changed


def test_a_changed_field_is_one_line_of_the_diff() -> None:
    live = live_of(deployment(replicas=2), progressDeadlineSeconds=600)

    result = diff_objects([live], [deployment(replicas=3)], [deployment(replicas=2)])

    [changed] = result.objects
    assert changed.key == ObjectKey("apps", "Deployment", "shop", "web")
    assert str(changed.key) == "apps/Deployment shop/web"
    assert changed.change is Change.CHANGED
    minus = [
        line
        for line in changed.diff.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    plus = [
        line
        for line in changed.diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert (minus, plus) == (["-  replicas: 2"], ["+  replicas: 3"])
    assert "progressDeadlineSeconds" not in changed.diff
    assert "resourceVersion" not in changed.diff
    assert "readyReplicas" not in changed.diff


def test_a_field_the_pr_removes_shows_while_server_defaults_stay_hidden() -> None:
    current = deployment(minReadySeconds=5)
    live = live_of(current, progressDeadlineSeconds=600)

    [changed] = diff_objects([live], [deployment()], [current]).objects

    assert "-  minReadySeconds: 5" in changed.diff
    assert "progressDeadlineSeconds" not in changed.diff


def test_added_and_removed_objects() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
    }
    old_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "old"},
        "data": {"a": "1"},
    }

    result = diff_objects([live_of(deployment()), old_map], [deployment(), service], [deployment()])

    assert [(str(o.key), o.change) for o in result.objects] == [
        ("ConfigMap old", Change.REMOVED),
        ("Service shop/web", Change.ADDED),
    ]
    assert "+kind: Service" in result.objects[1].diff
    assert "-  a: '1'" in result.objects[0].diff


def test_ignore_differences_apply_to_both_sides() -> None:
    live = live_of(deployment(replicas=5))
    rules = [
        IgnoreRule(group="apps", kind="Deployment", json_pointers=("/spec/replicas",)),
        IgnoreRule(kind="Deployment", jq_path_expressions=(".metadata.labels", ".spec.x[] | .y")),
    ]

    result = diff_objects([live], [deployment(replicas=3)], [deployment()], rules)

    assert not result.changed
    [note] = result.notes
    assert "'.spec.x[] | .y' is not applied" in note


def test_an_ignore_rule_for_another_object_changes_nothing() -> None:
    rule = IgnoreRule(kind="Deployment", name="api", json_pointers=("/spec/replicas",))

    assert diff_objects([live_of(deployment(2))], [deployment(3)], [deployment(2)], [rule]).changed


def secret(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "data": data}


def test_secret_values_never_show_only_that_they_change() -> None:
    live = secret(user="YWxpY2U=", password="c2VjcmV0")

    same = diff_objects([live], [secret(user="YWxpY2U=", password="c2VjcmV0")], [live])
    [changed] = diff_objects([live], [secret(user="YWxpY2U=", password="bmV3")], [live]).objects

    assert not same.changed
    assert f"-  password: {REDACTED}\n+  password: {REDACTED_OTHER}\n" in changed.diff
    assert f"   user: {REDACTED}\n" in changed.diff  # unchanged, and not shown either
    assert "c2VjcmV0" not in changed.diff
    assert "bmV3" not in changed.diff


def test_content_can_be_left_out() -> None:
    [changed] = diff_objects(
        [live_of(deployment(2))], [deployment(3)], [deployment(2)], show_content=False
    ).objects

    assert (changed.change, changed.diff) == (Change.CHANGED, "")


def test_managed_fields_managers_are_reported_as_not_applied() -> None:
    rule = IgnoreRule.from_json(
        {"kind": "Deployment", "managedFieldsManagers": ["kube-controller"]}
    )

    result = diff_objects([live_of(deployment(2))], [deployment(2)], [deployment(2)], [rule])

    [note] = result.notes
    assert "managedFieldsManagers 'kube-controller' is not applied" in note
