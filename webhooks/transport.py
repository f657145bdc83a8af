"""One HTTP POST to a checked destination, connecting to the address that
was checked (never resolving the host again) and following a redirect only
to another destination that passes the same check.

Only 307 and 308 are followed (they keep the method and body, so the
signature still holds); any other redirect is reported, not followed.
Proxy settings from the environment are ignored on purpose: the address
checked is the address connected to.
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from .destinations import Destination, DestinationRefused, destination_check

MAX_REDIRECTS = 3
FOLLOWED_REDIRECTS = (307, 308)
#: seconds to connect and for each read
TIMEOUT_SECONDS = 10


@dataclass
class Answer:
    status_code: int | None = None
    error: str = ""
    address: str | None = None
    duration_ms: int = 0
    #: the destination (or a redirect's) is not allowed: trying again will not help
    refused: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to ``address`` while the request names ``host``."""

    def __init__(self, destination: Destination, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to ``address``, with the certificate checked against ``host`` (SNI too)."""

    def __init__(self, destination: Destination, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout, context=ssl.create_default_context())
        self._address = destination.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post_once(destination: Destination, body: bytes, headers: dict, timeout: float):
    connection_class = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(destination, timeout)
    try:
        connection.request("POST", destination.target, body=body, headers=headers)
        response = connection.getresponse()
        # The answer's body is not used; read a little so the connection closes cleanly.
        response.read(1024)
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def post(
    url: str, *, body: bytes, headers: dict, allowed_hosts: frozenset[str], timeout: float = TIMEOUT_SECONDS
) -> Answer:
    """POST ``body`` to ``url``; never raises for network trouble or a
    refused destination: the answer carries a short error instead."""
    started = time.monotonic()
    answer = Answer()
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            destination = destination_check(url, allowed_hosts=allowed_hosts)
            answer.address = destination.address
            status, location = _post_once(destination, body, headers, timeout)
            answer.status_code = status
            if status not in FOLLOWED_REDIRECTS and 300 <= status < 400:
                answer.error = f"HTTP {status}: redirect to {location or '?'} not followed (only 307 and 308 are)"
                break
            if status not in FOLLOWED_REDIRECTS:
                if not answer.succeeded:
                    answer.error = f"HTTP {status}"
                break
            if not location:
                answer.error = f"HTTP {status} without a Location"
                break
            url = urljoin(url, location)
        else:
            answer.error = f"More than {MAX_REDIRECTS} redirects"
    except DestinationRefused as refusal:
        answer.error, answer.refused = f"Refused: {refusal.messages[0]}", True
    except (OSError, http.client.HTTPException, ValueError) as error:
        answer.error = f"{type(error).__name__}: {error}"
    answer.duration_ms = int((time.monotonic() - started) * 1000)
    answer.error = answer.error[:300]
    return answer
