"""The README's production recipe, followed literally: static files collected
on production settings, then gunicorn, a Celery worker and Celery beat started
with the README's commands (the worker and beat name no settings module) against
the real PostgreSQL, Redis and Elasticsearch. The web process serves pages and
fingerprinted static files, beat schedules work that the worker does, and a
notification leaves the worker through SMTP, caught by a local sink."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from email import message_from_bytes
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings

from deals.services import deal_approve
from home.models import WorkerHeartbeat
from support.models import Notification
from tests.conftest import REPO, _test_database_url
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import register_deal

SENDER = "partners@vendor.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An SMTP sink: every message the portal sends ends up in ``messages``."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler protocol
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _production_redis_url() -> str:
    """Another Redis database than the suite's, so the suite's own worker never
    takes the production worker's tasks."""
    parts = urlsplit(os.environ["REDIS_URL"])
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{15 if database != 15 else 14}"))


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait(condition, timeout: float, message: str, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process, log in processes:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    logs = "\n".join(f"--- {name} ---\n{log.read_text()[-6000:]}" for name, _, log in processes)
    raise AssertionError(f"Timed out after {timeout} s waiting for {message}\n{logs}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_web_worker_and_beat_run_on_production_settings(tmp_path, smtp_sink):
    controller, inbox = smtp_sink
    redis_url = _production_redis_url()
    probe = Celery("probe", broker=redis_url, set_as_current=False)
    # A worker of another run on this Redis database would take the tasks
    # this test sends to the production worker: say so instead of timing out.
    strangers = probe.control.ping(timeout=2)
    assert not strangers, f"Workers already consume from {redis_url}, stop them first: {strangers}"
    probe.control.purge()
    static_root = tmp_path / "static"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST", "CELERY"))
    }
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=redis_url,
        SEARCH_INDEX_PREFIX=f"prod-{uuid.uuid4().hex[:8]}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        DEFAULT_FROM_EMAIL=SENDER,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "site")]),
    )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO,
        env={**environment, "DJANGO_SETTINGS_MODULE": "portal.settings.production"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr

    port = _free_port()
    worker_name = f"production-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    commands = {
        # The README's three lines.
        "gunicorn": [
            sys.executable,
            "-m",
            "gunicorn",
            "--pythonpath",
            "site",
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
        ],
        # (INFO logging on top, so a failure shows which tasks the worker received.)
        "worker": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "-n",
            worker_name,
            "-l",
            "INFO",
        ],
        "beat": [sys.executable, "-m", "celery", "-A", "portal", "beat", "-s", str(tmp_path / "beat-schedule")],
    }
    processes = []
    try:
        for name, command in commands.items():
            log = tmp_path / f"{name}.log"
            with log.open("w") as output:
                process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT)
            processes.append((name, process, log))

        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                status, _, body = _get(f"{base}/healthz/")
            except OSError:
                return None
            return status == 200 and json.loads(body)

        report = _wait(healthy, 60, "the web process to report healthy", processes)
        assert report["failing"] == []

        # Production behaviour: HTTPS only, a partner page needs a login, no debug pages.
        status, headers, _ = _get(f"{base}/dashboard/")
        assert status == 301 and headers["Location"].startswith("https://")
        status, headers, _ = _get(f"{base}/dashboard/", **{"X-Forwarded-Proto": "https"})
        assert status == 302 and "/login/" in headers["Location"]
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        status, _, body = _get(f"{base}/no-such-page/", **{"X-Forwarded-Proto": "https"})
        assert status == 404 and b"Traceback" not in body and b"URLconf" not in body

        # Static files: fingerprinted names, compressed, cached for ever, served by the web process.
        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        fingerprinted = manifest["css/portal.css"]
        assert fingerprinted != "css/portal.css"
        status, headers, body = _get(
            f"{base}/static/{fingerprinted}", **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
        )
        assert status == 200 and headers.get("Content-Encoding") == "gzip"
        assert "immutable" in headers["Cache-Control"]

        # Beat schedules the heartbeat every minute; the production worker records it.
        _wait(
            lambda: WorkerHeartbeat.objects.filter(worker=worker_name).exists(),
            120,
            "beat's heartbeat task to run on the production worker",
            processes,
        )

        # A vendor decision e-mails the partner from the worker, through SMTP.
        organization = OrganizationFactory(name="Nordlicht IT")
        partner = PartnerUserFactory(organization=organization, roles=["sales"], email="sales@nordlicht.example")
        deal = register_deal(organization, partner, company_name="Fjord Shipping")
        deal_approve(deal=deal, actor=UserFactory(), note="")
        event = deal.events.get(kind="approved")
        probe.send_task("deals.tasks.notify_partner_of_deal_event", args=[event.pk])

        # The README's worker runs one task at a time, and beat's own tasks (the
        # search outbox drain every 30 s, the webhook sweeper every minute) may
        # be ahead of this one: wait as long as one task may run (its hard time
        # limit) plus the two this test queues, and say what the worker was doing.
        try:
            mail_from, recipients, message = _wait(
                lambda: inbox.messages and inbox.messages[0],
                settings.CELERY_TASK_TIME_LIMIT + 60,
                "the approval e-mail at the SMTP sink",
                processes,
            )
        except AssertionError as timed_out:
            inspect = probe.control.inspect(destination=[worker_name], timeout=5)
            notifications = list(Notification.objects.filter(recipient=partner).values("delivery", "emailed_at"))
            raise AssertionError(
                f"{timed_out}\nworker busy with: {inspect.active()}\npartner's notifications: {notifications}"
                f"\nworkers answering on the production broker: {probe.control.ping(timeout=2)}"
            ) from None
        assert mail_from == SENDER
        assert recipients == ["sales@nordlicht.example"]
        assert "Fjord Shipping" in message["Subject"]
    finally:
        for _, process, _ in processes:
            process.terminate()
        for _, process, _ in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(static_root, ignore_errors=True)
