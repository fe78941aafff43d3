"""Temporary apps: the ApplicationSet that covers a folder and the app it would generate."""

from __future__ import annotations

from typing import Any

import pytest

from telefonistka.core.argocd.apps import repo_key, this_repository
from telefonistka.core.argocd.appsets import TEMP_PREFIX, AppSet, appset_for, temp_app


def appset(
    name: str, *directories: tuple[str, bool], go: bool = False, **template: object
) -> AppSet:
    return AppSet(name, tuple(directories), template, go_template=go)


def test_the_covering_appset_honours_excludes_and_name_order() -> None:
    sets = [
        appset("b-all", ("clusters/*/*", False)),
        appset("a-prod", ("clusters/prod/*", False), ("clusters/prod/legacy", True)),
    ]

    assert appset_for(sets, "clusters/prod/web").name == "a-prod"  # type: ignore[union-attr]
    assert appset_for(sets, "clusters/prod/legacy").name == "b-all"  # type: ignore[union-attr]
    assert appset_for(sets, "other/web") is None


def test_fasttemplate_parameters() -> None:
    template = {
        "metadata": {
            "name": "{{path[1]}}-{{path.basename}}",
            "finalizers": ["resources-finalizer"],
        },
        "spec": {"source": {"path": "{{path}}"}, "syncPolicy": {"automated": {}}},
        "labels": "{{path.basenameNormalized}}",
    }
    app = temp_app(appset("s", ("c/*/*", False), **template), "c/prod/My_App", 12)

    assert app["spec"] == {"source": {"path": "c/prod/My_App"}}  # no sync policy: never syncs
    assert app["labels"] == "my-app"
    assert app["metadata"]["name"].startswith(f"{TEMP_PREFIX}12-")
    assert "finalizers" not in app["metadata"]  # deleting it never deletes resources


def test_go_template_parameters() -> None:
    template = {"spec": {"source": {"path": "{{ .path.path }}"}, "x": "{{index .path.segments 1}}"}}

    app = temp_app(appset("s", go=True, **template), "c/prod/web", 3)

    assert app["spec"]["source"]["path"] == "c/prod/web"
    assert app["spec"]["x"] == "prod"


def test_from_json_reads_every_git_directory_generator() -> None:
    data = {
        "metadata": {"name": "s"},
        "spec": {
            "goTemplate": True,
            "generators": [
                {"git": {"directories": [{"path": "a/*"}, {"path": "a/x", "exclude": True}]}},
                {"list": {"elements": []}},
            ],
            "template": {"metadata": {"name": "n"}},
        },
    }

    parsed = AppSet.from_json(data)

    assert parsed.directories == (("a/*", False), ("a/x", True))
    assert parsed.go_template
    assert parsed.covers("a/y")
    assert not parsed.covers("a/x")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/acme/infra.git", "github.com/acme/infra"),
        ("https://github.com/Acme/Infra", "github.com/acme/infra"),
        ("https://github.com/acme/infra/", "github.com/acme/infra"),
        ("git@github.com:acme/infra.git", "github.com/acme/infra"),
        ("ssh://git@github.com:22/acme/infra", "github.com/acme/infra"),
        ("https://x-access-token:t@github.com/acme/infra.git", "github.com/acme/infra"),
        ("https://ghe.example.com/acme/infra.git", "ghe.example.com/acme/infra"),
        ("http://www.github.com/acme/infra", "github.com/acme/infra"),
        ("https://charts.example.com", None),  # a Helm repository: no owner/name
        ("https://github.com/acme", None),
        ("", None),
    ],
)
def test_every_spelling_of_a_repository_has_one_key(url: str, key: str | None) -> None:
    assert repo_key(url) == key


def test_this_repository_is_the_run_s_server_and_full_name() -> None:
    assert this_repository("https://github.com", "acme/infra") == "github.com/acme/infra"
    assert this_repository("https://GHE.example.com/", "Acme/Infra") == "ghe.example.com/acme/infra"


def git_appset(name: str, generators: dict[str, str], source: str) -> AppSet:
    """An ApplicationSet with one git directory generator per ``repoURL: glob``."""
    data: dict[str, Any] = {
        "metadata": {"name": name},
        "spec": {
            "generators": [
                {"git": {"repoURL": url, "directories": [{"path": glob}]}}
                for url, glob in generators.items()
            ],
            "template": {"spec": {"source": {"repoURL": source}}},
        },
    }
    return AppSet.from_json(data)


def test_an_application_set_counts_only_for_generators_of_this_repository() -> None:
    mixed = {"git@github.com:acme/infra": "a/*", "https://github.com/acme/other": "b/*"}
    appset = git_appset("mixed", mixed, "{{repoURL}}")

    mine = appset.of_repository("github.com/acme/infra")
    assert mine is not None
    assert mine.directories == (("a/*", False),)
    assert appset.of_repository("github.com/acme/elsewhere") is None
    foreign = git_appset("x", {"https://github.com/acme/infra": "a/*"}, "https://github.com/b/c")
    assert foreign.of_repository("github.com/acme/infra") is None
