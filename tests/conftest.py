"""Fixtures that tie the suite to the real services (see scripts/services.sh).

Nothing here skips: an unreachable service fails every test that needs it.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

REPO = Path(__file__).resolve().parent.parent
#: Celery workers this run started, reported at the end of the run.
STARTED_WORKERS: list[str] = []
#: The worker this run started, while it runs.
RUNNING_WORKERS: list["WorkerProcess"] = []
#: A task scheduled further ahead than this (a webhook retry's back-off) is
#: not waited for: no test waits that long, and teardown would time out.
IDLE_HORIZON_SECONDS = 15
#: The database as the migrations left it (serialized at session start), for
#: suites that restore it themselves (tests/browser); a connection looked up
#: later, in another context, may not carry Django's own copy.
MIGRATED_STATE: dict[str, str] = {}


def pytest_report_header(config):
    from search.engine import get_client

    lines = [f"database: {settings.DATABASES['default']['ENGINE']} at {settings.DATABASES['default'].get('HOST')}"]
    try:
        versions = {node["version"] for node in get_client().nodes.info()["nodes"].values()}
        lines.append(f"search engine: Elasticsearch {', '.join(sorted(versions))} at {settings.ELASTICSEARCH_URL}")
    except Exception as error:  # noqa: BLE001 - reported, then the tests fail on their own
        lines.append(f"search engine: UNREACHABLE at {settings.ELASTICSEARCH_URL} ({error})")
    try:
        info = redis.Redis.from_url(settings.CELERY_BROKER_URL).info("server")
        lines.append(f"broker: Redis {info['redis_version']} at {settings.CELERY_BROKER_URL}")
    except Exception as error:  # noqa: BLE001
        lines.append(f"broker: UNREACHABLE at {settings.CELERY_BROKER_URL} ({error})")
    return lines


def pytest_terminal_summary(terminalreporter):
    for worker in STARTED_WORKERS:
        terminalreporter.write_line(f"celery: tests ran tasks on a real worker process, {worker}, over Redis")


@pytest.fixture(scope="session", autouse=True)
def real_services(django_db_setup, django_db_blocker):
    """Fail the whole run at once, with the reason, if a service is missing."""
    from search.engine import get_client

    problems = []
    try:
        get_client().options(request_timeout=5).cluster.health()
    except Exception as error:  # noqa: BLE001
        problems.append(f"Elasticsearch at {settings.ELASTICSEARCH_URL}: {error}")
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5).ping()
    except Exception as error:  # noqa: BLE001
        problems.append(f"Redis at {settings.CELERY_BROKER_URL}: {error}")
    if problems:
        pytest.fail("Real services are not reachable (run scripts/services.sh start):\n" + "\n".join(problems))
    from django.db import connections

    connection = connections["default"]
    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        # No test of this run uses the database (pytest-django then creates none).
        return
    state = getattr(connection, "_test_serialized_contents", None)
    if state is None:
        with django_db_blocker.unblock():
            state = connection.creation.serialize_db_to_string()
    MIGRATED_STATE["default"] = content_types_first(state)


def content_types_first(state: str) -> str:
    """The serialized state with content types (and permissions) loaded first:
    anything that looks a content type up while later rows are restored (a
    signal receiver, the cache being cold) must find it rather than create a
    row the restore then inserts again (a duplicate key)."""
    import json

    first = ("contenttypes.contenttype", "auth.permission")
    rows = json.loads(state)
    rows.sort(key=lambda row: first.index(row["model"]) if row["model"] in first else len(first))
    return json.dumps(rows)


@pytest.fixture
def search_indexes():
    """An empty portal index for each test (the database rolls back, the
    search engine does not), and none left over after it; the process
    forgets which words the last test's index held."""
    from search import vocabulary
    from search.engine import get_client

    client = get_client()
    pattern = f"{settings.SEARCH_INDEX_PREFIX}-*"
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    vocabulary.forget()
    yield client
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)


def _test_database_url() -> str:
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, hostname: str, log_path: Path, broker_url: str):
        from celery import Celery

        self.process = process
        self.hostname = hostname
        self.log_path = log_path
        # Asked through an app of its own on the suite's broker: a test may
        # point the portal's app at a broker it then stops (test_reindex.py).
        self.control_app = Celery(broker=broker_url, set_as_current=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def idle(self) -> bool:
        """Nothing waiting on the broker, nothing scheduled soon (a countdown),
        reserved or running: tasks earlier tests queued are done (for tests
        that count what the worker did)."""
        from kombu.exceptions import ChannelError

        with self.control_app.connection_for_read() as connection:
            try:
                waiting = connection.default_channel.queue_declare(queue="celery", passive=True).message_count
            except ChannelError:  # no such queue on this broker yet: nothing was ever queued to it
                waiting = 0
        inspect = self.control_app.control.inspect(destination=[self.hostname], timeout=2)
        # Asked in the order a task moves (queue, scheduled, reserved,
        # running), so one moving on between two questions is still seen by the next.
        scheduled = (inspect.scheduled() or {}).get(self.hostname, [None])
        reserved = (inspect.reserved() or {}).get(self.hostname, [None])
        running = (inspect.active() or {}).get(self.hostname, [None])
        return waiting == 0 and not _due_soon(scheduled) and not reserved and not running

    def close(self) -> None:
        self.control_app.close()


def _due_soon(scheduled: list) -> list:
    """The scheduled tasks due within the idle horizon (an unanswered inspection, ``[None]``, counts as due)."""
    horizon = datetime.now(UTC) + timedelta(seconds=IDLE_HORIZON_SECONDS)
    return [entry for entry in scheduled if entry is None or datetime.fromisoformat(entry["eta"]) <= horizon]


def _wait_for_worker(hostname: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    from portal.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        replies = app.control.ping(destination=[hostname], timeout=1)
        if replies:
            return
    raise RuntimeError(f"Celery worker {hostname} did not answer within {timeout} s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real Celery worker process on the real Redis, writing to the test database."""
    from portal.celery import app

    app.control.purge()
    hostname = f"test-worker-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _test_database_url(),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "site")]),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                hostname,
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_worker(hostname, process, log_path)
        STARTED_WORKERS.append(f"{hostname} (pid {process.pid})")
        worker = WorkerProcess(process, hostname, log_path, app.conf.broker_url)
        RUNNING_WORKERS.append(worker)
        yield worker
    finally:
        for worker in RUNNING_WORKERS:
            worker.close()
        RUNNING_WORKERS.clear()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _commits(item) -> bool:
    """Whether ``item`` writes outside a rolled-back transaction (its commits queue tasks)."""
    marker = item.get_closest_marker("django_db")
    transaction = marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    return bool(transaction) or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A test that used the worker, or committed while one runs, leaves it
    idle before its fixtures are torn down: a task it queued (an analytics
    refresh, a conversion a rate save asks for) still writing while the
    database is flushed deadlocks the flush."""
    worker = getattr(item, "funcargs", {}).get("celery_worker")
    if not isinstance(worker, WorkerProcess) and RUNNING_WORKERS and _commits(item):
        # The worker an earlier test started runs the tasks this test's
        # commits queued (a registration's rollup refresh) just the same.
        worker = RUNNING_WORKERS[0]
    if isinstance(worker, WorkerProcess):
        deadline = time.monotonic() + 120
        while not worker.idle():
            if time.monotonic() > deadline:
                raise AssertionError(f"The Celery worker was still busy 120 s after the test:\n{worker.log()}")
            time.sleep(0.2)
    yield


@pytest.fixture
def wait_for():
    """Poll ``condition`` until it returns something truthy (async effects of workers)."""

    def wait(condition, timeout: float = 15, interval: float = 0.1, message: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"Timed out after {timeout} s waiting for {message}")

    return wait


@pytest.fixture
def home_page():
    """The portal home created by the migrations, served by the default site
    (other languages' homes are its translations or aliases)."""
    from wagtail.models import Locale

    from home.models import HomePage

    return HomePage.objects.get(depth=2, locale=Locale.get_default())


@pytest.fixture
def vendor_staff():
    """A non-superuser vendor staff member who may use the Wagtail admin."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture(autouse=True)
def default_language_and_time_zone():
    """Requests activate the language of their URL in the test's thread and
    leave it active; each test starts in English and UTC, as a worker's task does."""
    from django.utils import timezone, translation

    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def broker_asked_again():
    """A broker outage of the test before (a stopped Redis) leaves this
    process holding tasks without asking the broker for a few seconds
    (portal.celery.BrokerRefusal): each test starts asking it."""
    from portal.celery import BrokerRefusal

    BrokerRefusal.forget()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached counters (throttles, rate limits) from
    the one before; only this suite's keys are removed (Celery shares the db)."""
    yield
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if not prefix:
        return
    connection = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(connection.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        connection.delete(*keys)


@pytest.fixture(autouse=True)
def test_client_logins_pass_the_second_factor(monkeypatch):
    """``client.login`` and ``client.force_login`` stand for a finished login:
    for staff that includes the second factor (a confirmed TOTP device,
    verified in the session). Tests of the second factor itself log in
    through the login forms."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    original = Client._login

    def login(self, user, backend=None):
        original(self, user, backend)
        fresh = get_user_model().objects.get(pk=user.pk)  # the test's user object keeps its permission cache
        if fresh.is_superuser or fresh.is_staff or fresh.has_perm("wagtailadmin.access_admin"):
            device = TOTPDevice.objects.filter(user=fresh, confirmed=True).first() or TOTPDevice.objects.create(
                user=fresh, name="test authenticator", confirmed=True
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "_login", login)


@pytest.fixture
def server_signals():
    """Django's request signals as the test client sends them: without Django's
    ``close_old_connections``, which would close the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class BrokerOutage:
    """Call it to point the Celery app at a Redis address that refuses
    connections (a broker outage; the suite's shared Redis keeps running);
    ``end()`` points the app at the suite's broker again."""

    def __init__(self, monkeypatch):
        from portal.celery import app as celery_app

        self.conf = celery_app.conf
        self.suite_broker = celery_app.conf.broker_url
        self.monkeypatch = monkeypatch

    def __call__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        self.monkeypatch.setattr(self.conf, "broker_url", f"redis://127.0.0.1:{closed_port}/0")
        _drop_broker_connections()

    def end(self):
        self.monkeypatch.setattr(self.conf, "broker_url", self.suite_broker)
        _drop_broker_connections()


@pytest.fixture
def stop_broker(monkeypatch):
    """A broker outage the test starts by calling it (see BrokerOutage)."""
    outage = BrokerOutage(monkeypatch)
    yield outage
    outage.end()


def _drop_broker_connections():
    from portal.celery import BrokerRefusal
    from portal.celery import app as celery_app

    # Both pools go, so the next send connects to the broker configured now:
    # dropping only the connection pool (after an earlier test forked rebuild
    # workers it was gone already) left the producers sending to the suite's
    # broker, and this test saw no outage. Celery's own after-fork clean-up
    # drops both. Not app.close(): it also deregisters the app, so shared
    # tasks first imported afterwards were never registered on it (the
    # browser suite's demo data, run after tests/search, then failed with
    # NotRegistered: 'support.tasks.email_notification').
    celery_app._after_fork()
    # A refusal of the broker configured before says nothing of this one.
    BrokerRefusal.forget()
