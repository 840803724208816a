"""Issue 16, item 2: SSRF through ``callback_url``.

The attacker holds the portal's credentials and registers callback URLs aimed at what stands
behind the gateway: its own operations API, the broker's management API, the cloud metadata
service, a private Redis with a password in the URL. Each is refused with a 422 when the
request is submitted, in development and in production, so the gateway never stores it and
never connects to it. The callback sender is attacked too, with real HTTP servers on
loopback: a declared origin that answers 302 towards another server, and a name that
resolves to loopback under an origin that does not allow it.

No test here lets anything connect outside 127.0.0.0/8: the private and link-local
addresses are only ever submitted, and the submission is refused before anything is sent.
"""

from __future__ import annotations

import hashlib
import secrets
import ssl
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from contracts.located_yaml import ConfigFileError
from contracts.messages import RequestStatus
from gateway.callback_origins import CallbackOrigin, CallbackPolicy
from gateway.callbacks import CallbackSender, queue_status_callback
from gateway.ops.queries import deliveries_of
from gateway.routing.config import load_routing_file
from gateway.settings import REPO_ROOT
from gateway.store import NewRequest, StatusChange, Store
from tests.fixtures.callback_portal import (
    PORTAL_CLIENT,
    bind_in_development_range,
    development_callback_policy,
    development_origin,
    serving,
)
from tests.fixtures.gateway import (
    PORTAL_KEY,
    GatewayProcess,
    citizen_request,
    http_json,
    production_audit_keys,
    registry_environment,
)
from tests.integration.relay.probes import running, wait_until

SECRET = b"test-callback-secret"
PRODUCTION_PORTAL_KEY = secrets.token_urlsafe(32)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _gateway(sandbox: Any, tmp_path: Path, extra: dict[str, str]) -> Iterator[GatewayProcess]:
    """``ekomunat-gateway serve`` with its broker workers off: no callback is ever sent."""
    gateway = GatewayProcess(
        {
            **registry_environment(sandbox),
            "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            **extra,
        },
        tmp_path / "gateway.log",
    )
    try:
        gateway.wait_ready()
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="module")
def development_gateway(sandbox, tmp_path_factory) -> Iterator[GatewayProcess]:  # type: ignore[no-untyped-def]
    yield from _gateway(sandbox, tmp_path_factory.mktemp("development"), {})


@pytest.fixture(scope="module")
def production_gateway(sandbox, tmp_path_factory) -> Iterator[GatewayProcess]:  # type: ignore[no-untyped-def]
    """Production, with none of the development credentials (item 3 refuses them there)."""
    others = {
        f"GATEWAY_{name}_KEY_SHA256": _sha256(secrets.token_urlsafe(32))
        for name in (
            "OPERATOR",
            "COMPLAINTS_APP",
            "MUNICIPALITY_13",
            "MUNICIPALITY_19",
            "MUNICIPALITY_20",
        )
    }
    yield from _gateway(
        sandbox,
        tmp_path_factory.mktemp("production"),
        {
            "GATEWAY_ENVIRONMENT": "production",
            "GATEWAY_CALLBACK_SECRET": secrets.token_urlsafe(32),
            "GATEWAY_OPEN_CURSOR_SECRET": secrets.token_urlsafe(32),
            "GATEWAY_AMQP_URL": f"amqp://gateway:{secrets.token_urlsafe(32)}@127.0.0.1:5672/",
            "GATEWAY_PORTAL_KEY_SHA256": _sha256(PRODUCTION_PORTAL_KEY),
            **production_audit_keys(),
            **others,
        },
    )


def submit(
    gateway: GatewayProcess,
    sandbox: Any,
    callback_url: str,
    *,
    key: str = PORTAL_KEY,
    language: str = "en",
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """An async request (a complaint to municipality 19) naming ``callback_url``."""
    body = citizen_request(
        sandbox.seed.alive_parcel_owner(21),
        "municipal-service-complaint",
        {"description": "The office was closed during opening hours."},
        language=language,
        municipality="19",
    )
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    return http_json(
        "POST",
        f"{gateway.base}/v1/requests",
        {**body, "callback_url": callback_url},
        headers,
    )


def assert_refused(answer: tuple[int, dict[str, str], dict[str, Any]], reason: str) -> None:
    status, headers, problem = answer
    assert status == 422, problem
    assert headers["content-type"] == "application/problem+json"
    assert problem["code"] == "request.callback.refused"
    assert problem["reason"] == reason
    assert problem["errors"][0]["pointer"] == "/callback_url"


INTERNAL_TARGETS = [
    pytest.param("{gateway}/v1/ops/whoami", "origin", id="the-gateways-own-ops-api"),
    pytest.param("http://127.0.0.1:15672/api/users", "origin", id="the-broker-management-api"),
    pytest.param(
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "origin",
        id="the-cloud-metadata-service",
    ),
    pytest.param("https://user:pw@10.0.0.1:6379/", "userinfo", id="a-password-to-private-redis"),
    pytest.param("https://collector.attacker.example/cb", "origin", id="an-undeclared-origin"),
    pytest.param("http://127.0.0.1:18100/cb", "origin", id="a-port-next-to-the-dev-range"),
    pytest.param("gopher://127.0.0.1:18080/", "scheme", id="another-scheme"),
]


@pytest.mark.parametrize(("url", "reason"), INTERNAL_TARGETS)
def test_a_callback_at_an_internal_target_is_refused_at_submission(
    development_gateway: GatewayProcess, sandbox: Any, url: str, reason: str
) -> None:
    answer = submit(development_gateway, sandbox, url.format(gateway=development_gateway.base))

    assert_refused(answer, reason)


def test_a_callback_under_the_declared_development_origin_is_accepted(
    development_gateway: GatewayProcess, sandbox: Any
) -> None:
    low, _ = development_origin().ports
    status, _, answer = submit(development_gateway, sandbox, f"http://127.0.0.1:{low}/cb")

    assert status == 202, answer


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("sq", "Adresa e njoftimeve (callback_url) nuk pranohet"),
        ("sr", "Adresa za obaveštenja (callback_url) nije prihvaćena"),
        ("en", "The callback address (callback_url) is not accepted"),
    ],
)
def test_the_refusal_says_why_in_the_citizens_language_and_never_echoes_the_password(
    development_gateway: GatewayProcess, sandbox: Any, language: str, title: str
) -> None:
    answer = submit(
        development_gateway, sandbox, "https://admin:s3cr3t-pw@10.0.0.1:6379/", language=language
    )

    assert_refused(answer, "userinfo")
    problem = answer[2]
    assert problem["title"] == title
    assert "callback_url" in problem["detail"]
    assert "s3cr3t-pw" not in str(problem)
    assert "s3cr3t-pw" not in development_gateway.log_text()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("http://ekosova.rks-gov.net/cb", "https_required", id="http-to-the-portal"),
        pytest.param("http://127.0.0.1:18080/cb", "https_required", id="http-to-the-dev-origin"),
        pytest.param("https://127.0.0.1:18080/cb", "origin", id="the-dev-origin-over-https"),
        pytest.param("https://169.254.169.254/latest/", "origin", id="the-metadata-service"),
    ],
)
def test_production_accepts_https_only_and_no_development_origin(
    production_gateway: GatewayProcess, sandbox: Any, url: str, reason: str
) -> None:
    answer = submit(production_gateway, sandbox, url, key=PRODUCTION_PORTAL_KEY)

    assert_refused(answer, reason)


def test_production_accepts_https_under_the_declared_portal_origin(
    production_gateway: GatewayProcess, sandbox: Any
) -> None:
    """Nothing is sent: the gateway's status consumer and callback sender are off."""
    status, _, answer = submit(
        production_gateway,
        sandbox,
        "https://ekosova.rks-gov.net/ekomunat/callbacks",
        key=PRODUCTION_PORTAL_KEY,
    )

    assert status == 202, answer


# The callback sender, attacked with real servers on loopback.


@dataclass
class Recorder:
    """Every request a server received, by method and path."""

    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, status: int, location: str | None = None) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with recorder.lock:
                    recorder.seen.append((self.command, self.path, dict(self.headers.items())))
                self.send_response(status)
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


def queue_callback(store: Store, client: str, url: str) -> str:
    """A request of ``client`` whose status change queued a callback to ``url``."""
    request_id = str(uuid.uuid4())
    moment = datetime.now(UTC)
    with store.unit_of_work() as uow:
        uow.requests.add(
            NewRequest(
                id=request_id,
                client_id=client,
                service="municipal-service-complaint",
                municipality="19",
                language="sq",
                payload={},
                callback_url=url,
            )
        )
        queue_status_callback(
            uow,
            client_id=client,
            callback_url=url,
            change=StatusChange(
                request_id=request_id,
                status=RequestStatus.IN_REVIEW,
                previous_status=RequestStatus.ACCEPTED,
                source="municipality:19",
                occurred_at=moment,
                recorded_at=moment,
                update_id=str(uuid.uuid4()),
            ),
        )
        uow.commit()
    return request_id


def callback_of(store: Store, request_id: str) -> dict[str, Any]:
    return next(d for d in deliveries_of(store, request_id) if d["kind"] == "callback")


def finished(store: Store, request_id: str) -> dict[str, Any] | None:
    delivery = callback_of(store, request_id)
    return delivery if delivery["state"] != "waiting" else None


def sender(store: Store, policy: CallbackPolicy) -> CallbackSender:
    return CallbackSender(
        store, SECRET, policy=policy, max_attempts=2, base_delay_s=0.05, idle_poll_s=0.05
    )


def send_under_origin(
    store: Store, server: ThreadingHTTPServer, scheme: str, host: str, *, development: bool
) -> dict[str, Any]:
    """Serve ``server`` while one callback goes to it by ``host``, under a declared origin of
    exactly that host and port; returns the delivery once it is published or failed."""
    with serving(server):
        port = int(server.server_address[1])
        origin = CallbackOrigin(scheme, host, (port, port), development=development)
        policy = CallbackPolicy({"test-portal": [origin]}, production=False)
        request_id = queue_callback(store, "test-portal", f"{scheme}://{host}:{port}/cb")
        with running(sender(store, policy)):
            return wait_until(lambda: finished(store, request_id), what="the callback's fate")


def test_a_redirect_from_a_declared_origin_is_not_followed(store: Store) -> None:
    elsewhere, portal = Recorder(), Recorder()
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), elsewhere.handler(204))) as internal:
        redirecting = portal.handler(302, location=f"{internal}/api/definitions")
        with serving(bind_in_development_range(redirecting)) as base:
            request_id = queue_callback(store, PORTAL_CLIENT, f"{base}/cb")
            with running(sender(store, development_callback_policy())):
                delivery = wait_until(lambda: finished(store, request_id), what="given up")

    assert delivery["state"] == "failed" and delivery["last_error"] == "HTTP 302"
    assert [method for method, _, _ in portal.seen] == ["POST", "POST"]
    assert "X-Ekomunat-Signature" in portal.seen[0][2]
    assert elsewhere.seen == [], "the redirect target received the callback"


@pytest.mark.parametrize("host", ["localhost", "127.1"])
def test_a_name_resolving_to_loopback_is_refused_at_connect_time(store: Store, host: str) -> None:
    """The origin is declared, but not for development: DNS (or the resolver's reading of an
    abbreviated address) says loopback, and that is where the sender stops."""
    listener = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), listener.handler(204))
    delivery = send_under_origin(store, server, "http", host, development=False)

    assert delivery["state"] == "failed"
    assert delivery["last_error"] == "refused: resolves to a loopback address"
    assert delivery["attempts"] == 1, "a refused destination is not tried again"
    assert listener.seen == []


def test_the_same_name_is_delivered_to_when_its_origin_is_for_development(store: Store) -> None:
    listener = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), listener.handler(204))
    delivery = send_under_origin(store, server, "http", "localhost", development=True)

    assert delivery["state"] == "published"
    assert [(method, path) for method, path, _ in listener.seen] == [("POST", "/cb")]
    assert listener.seen[0][2]["Host"] == f"localhost:{server.server_address[1]}"


def test_an_https_callback_goes_nowhere_when_the_certificate_does_not_verify(
    store: Store, tmp_path: Path
) -> None:
    """The https path connects to the checked address and verifies the certificate against
    the host name: a self-signed receiver completes no handshake and receives no request."""
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(certificate), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, key)
    listener = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), listener.handler(204))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    delivery = send_under_origin(store, server, "https", "localhost", development=True)

    assert delivery["state"] == "failed" and delivery["last_error"] == "unreachable: tls"
    assert listener.seen == []


def test_the_sender_refuses_a_stored_url_outside_the_declared_origins(store: Store) -> None:
    """A row queued before the origins were declared (or narrowed) is never sent."""
    listener = Recorder()
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), listener.handler(204))) as base:
        request_id = queue_callback(store, PORTAL_CLIENT, f"{base}/v1/ops/whoami")
        with running(sender(store, development_callback_policy())):
            delivery = wait_until(lambda: finished(store, request_id), what="refused")

    assert delivery["state"] == "failed" and delivery["last_error"] == "refused: origin"
    assert listener.seen == []


# routes check: the origins themselves.

ROUTING = REPO_ROOT / "routing.yaml"
DEVELOPMENT_ENTRY = "      - origin: http://127.0.0.1:18080-18099\n        development: true\n"


def _copy(tmp_path: Path, replacement: str) -> Path:
    text = ROUTING.read_text(encoding="utf-8")
    assert DEVELOPMENT_ENTRY in text
    path = tmp_path / "routing.yaml"
    path.write_text(text.replace(DEVELOPMENT_ENTRY, replacement), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        pytest.param(
            "      - origin: http://127.0.0.1:18080-18099\n",
            "127.0.0.1 is a loopback address",
            id="loopback-without-development",
        ),
        pytest.param(
            "      - https://10.0.0.1:6379\n", "10.0.0.1 is a private address", id="private"
        ),
        pytest.param(
            "      - https://user:pw@portal.example\n", "expected an origin", id="userinfo"
        ),
        pytest.param("      - https://portal.example/cb\n", "expected an origin", id="a-path"),
    ],
)
def test_routes_check_refuses_an_unsafe_origin_naming_file_line_and_key(
    tmp_path: Path, entry: str, complaint: str
) -> None:
    path = _copy(tmp_path, entry)
    line = next(
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if text == entry.rstrip("\n")
    )

    with pytest.raises(ConfigFileError) as caught:
        load_routing_file(path)

    message = str(caught.value)
    assert f"{path}:{line}: clients.e-kosova-portal.callback_origins[1]" in message
    assert complaint in message
