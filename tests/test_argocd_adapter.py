"""The Argo CD client against the Argo CD emulator: reads, retries, errors that say what
to fix."""

from __future__ import annotations

import datetime
import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from argocd_emulator import App, ArgoCdEmulator, argocd_session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gitrepo import GitRepoBuilder
from trickle import trickling_server

from telefonistka.adapters.argocd import ArgoCdClient
from telefonistka.core.argocd.apps import touched_apps
from telefonistka.errors import ArgoCdError

REPO_URL = "https://git.example.com/infra.git"
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    builder = GitRepoBuilder(tmp_path / "infra")
    builder.commit({"env/prod/web/deployment.yaml": DEPLOYMENT, "env/prod/web/notes.txt": "x"})
    return builder


@pytest.fixture
def argocd(repo: GitRepoBuilder) -> Iterator[ArgoCdEmulator]:
    for emulator in argocd_session({REPO_URL: repo.path / ".git"}):
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"k": "dg=="},
        }
        emulator.add(
            App("prod-web", REPO_URL, "env/prod/web", labels={"team": "shop"}, live=[secret])
        )
        emulator.add(
            App("other", REPO_URL, "env/other", labels={"team": "infra"}, sync="OutOfSync")
        )
        yield emulator


def client(argocd: ArgoCdEmulator, token: str = "argocd-token") -> ArgoCdClient:  # noqa: S107
    return ArgoCdClient(argocd.url, token, sleep=lambda _: None)


def test_apps_live_objects_and_manifests(argocd: ArgoCdEmulator, repo: GitRepoBuilder) -> None:
    argo = client(argocd)

    apps = argo.list_apps()
    [shop] = argo.list_apps("team=shop")
    live = argo.live_objects("prod-web")
    manifests = argo.manifests("prod-web", repo.git("rev-parse", "HEAD"))

    assert sorted(app.name for app in apps) == ["other", "prod-web"]
    assert (shop.name, shop.path, shop.health, shop.auto_sync) == (
        "prod-web",
        "env/prod/web",
        "Healthy",
        True,
    )
    assert live[0]["data"] == {"k": "++++++++"}  # Argo CD never returns a Secret's values
    assert manifests == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 2},
        }
    ]
    assert dict(argo.requests) == {"apps": 2, "resources": 1, "manifests": 1}
    other = next(app for app in apps if app.name == "other")
    assert other.warnings() == ("the app is OutOfSync: the live state is not what the branch says",)
    assert [a.name for a in touched_apps(apps, ["env/prod/web/deployment.yaml"])] == ["prod-web"]


def test_a_bad_token_is_named(argocd: ArgoCdEmulator) -> None:
    with pytest.raises(
        ArgoCdError, match=r"refused the token .*\(401 .*set `argocd-token`"
    ) as raised:
        client(argocd, "wrong").list_apps()
    assert raised.value.status == 401


def test_a_missing_permission_names_the_rbac_line(argocd: ArgoCdEmulator) -> None:
    argocd.deny("get", "prod-web")

    with pytest.raises(ArgoCdError, match=r"403 .*argocd-rbac-cm.*applications, get"):
        client(argocd).live_objects("prod-web")


def test_an_unknown_app_is_a_404(argocd: ArgoCdEmulator) -> None:
    with pytest.raises(ArgoCdError, match=r"404 .*no such application"):
        client(argocd).manifests("nope", "HEAD")


def test_a_5xx_is_retried_and_then_reported(argocd: ArgoCdEmulator) -> None:
    argocd.add_fault(r"/applications$", status=503, times=2)
    assert len(client(argocd).list_apps()) == 2
    argocd.add_fault(r"/applications$", status=503, times=3)
    with pytest.raises(ArgoCdError, match=r"\(503 "):
        client(argocd).list_apps()


def test_an_unreachable_server_is_named() -> None:
    argo = ArgoCdClient("http://127.0.0.1:9", "t", sleep=lambda _: None)
    with pytest.raises(ArgoCdError, match=r"could not reach Argo CD at http://127\.0\.0\.1:9"):
        argo.list_apps()


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ArgoCdError, match="not an http"):
        ArgoCdClient("argocd.example.com:443", "t")


def test_a_render_error_is_reported_as_argocd_does(argocd: ArgoCdEmulator) -> None:
    with pytest.raises(ArgoCdError, match=r"app path does not exist"):
        client(argocd).manifests("other", "HEAD")


def test_the_emulator_catches_an_answer_outside_the_description(argocd: ArgoCdEmulator) -> None:
    client(argocd).list_apps()
    argocd.log[-1] = type(argocd.log[-1])(
        "GET", "/api/v1/applications", "/api/v1/applications", 200, {"items": "nope"}
    )
    assert argocd.problems()
    argocd.log.clear()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as a private CA's server would have."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "argocd.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_with_a_private_ca_or_insecure(
    repo: GitRepoBuilder, certificate: tuple[Path, Path]
) -> None:
    with ArgoCdEmulator({REPO_URL: repo.path / ".git"}, tls=certificate) as argocd:
        argocd.add(App("prod-web", REPO_URL, "env/prod/web"))
        assert argocd.url.startswith("https://")

        with pytest.raises(
            ArgoCdError, match=r"could not reach Argo CD .*CERTIFICATE_VERIFY_FAILED"
        ):
            ArgoCdClient(argocd.url, "argocd-token", sleep=lambda _: None).list_apps()
        trusted = ArgoCdClient(argocd.url, "argocd-token", ca_file=str(certificate[0]))
        insecure = ArgoCdClient(argocd.url, "argocd-token", insecure=True)

        assert [a.name for a in trusted.list_apps()] == ["prod-web"]
        assert [a.name for a in insecure.list_apps()] == ["prod-web"]
        assert argocd.problems() == []


def test_a_server_slower_than_the_timeout_is_reported(argocd: ArgoCdEmulator) -> None:
    """The emulator's latency, against the client's timeout: each attempt times out."""
    argocd.latency = 0.5
    slow = ArgoCdClient(argocd.url, "argocd-token", timeout=0.1, attempts=2, sleep=lambda _: None)

    with pytest.raises(ArgoCdError, match=r"could not reach Argo CD .*(timed out|Read timed out)"):
        slow.list_apps()
    argocd.latency = 0.0
    assert slow.requests["apps"] == 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_trickling_server_meets_the_total_deadline() -> None:
    """One byte every 0.2 s passes every per-read timeout; the total deadline (twice the
    timeout) ends the call, and it is not retried."""
    with trickling_server() as url:
        client = ArgoCdClient(url, "argocd-token", timeout=0.5, sleep=lambda _: None)

        with pytest.raises(ArgoCdError, match=r"did not list the applications in time"):
            client.list_apps()
        assert client.requests["apps"] == 1


def test_the_run_budget_reports_what_it_could_not_reach(argocd: ArgoCdEmulator) -> None:
    """``argocd-timeout``: once the budget is spent, every call fails at once, so the
    apps not yet read are reported as not diffed instead of holding the step."""
    argocd.latency = 0.4
    client = ArgoCdClient(argocd.url, "argocd-token", timeout=5.0, budget=1.0)

    client.list_apps()
    client.list_apps()
    with pytest.raises(ArgoCdError, match="in time"):
        client.live_objects("prod-web")  # 0.2 s were left
    with pytest.raises(ArgoCdError, match=r"time budget \(argocd-timeout, 1 s\) is spent"):
        client.live_objects("other")
    for _ in range(50):  # the emulator logs the abandoned call once it has answered it
        if len(argocd.log) == 3:
            break
        time.sleep(0.05)
    argocd.latency = 0.0
    sent = [e.path for e in argocd.log if e.path.endswith("/managed-resources")]
    assert sent == ["/api/v1/applications/prod-web/managed-resources"]  # "other": never sent
