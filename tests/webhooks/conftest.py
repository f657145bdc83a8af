"""A real HTTP endpoint on loopback, and the admin allow-list that lets
webhooks reach it (loopback is refused otherwise)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import WebhookSettings


class Receiver:
    """Records every POST; answers with ``answers`` in turn (then the last
    one again): a status code, or ``(status, location)`` for a redirect.
    With ``hold`` set, each request waits until ``release`` is called."""

    def __init__(self, answers=(204,), hold: bool = False):
        self.requests: list[dict] = []
        self.answers = list(answers)
        self.arrived = threading.Event()
        self.released = threading.Event()
        if not hold:
            self.released.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                receiver.arrived.set()
                receiver.released.wait(timeout=30)
                answer = receiver.answers[min(len(receiver.requests), len(receiver.answers)) - 1]
                status, location = answer if isinstance(answer, tuple) else (answer, None)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self):
        self.released.set()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def make_receiver():
    receivers = []

    def make(**kwargs):
        receivers.append(Receiver(**kwargs))
        return receivers[-1]

    yield make
    for receiver in receivers:
        receiver.close()


@pytest.fixture
def receiver(make_receiver):
    """Fails the first request (500), accepts the next ones (204)."""
    return make_receiver(answers=(500, 204))


@pytest.fixture
def allow_hosts():
    """Allow-list hosts as an administrator does under Settings → Webhook settings."""

    def allow(*hosts):
        settings = WebhookSettings.load()
        settings.allowed_hosts = "\n".join(hosts)
        settings.save()

    return allow


@pytest.fixture
def allow_loopback(allow_hosts):
    allow_hosts("127.0.0.1")
