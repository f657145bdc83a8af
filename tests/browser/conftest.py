"""The browser suite: Playwright driving Debian's Chromium on a phone-sized
screen, against pytest-django's live server on the real services, with the
demo program from ``seed_demo``.

Seeding the demo takes most of a minute on a loaded machine, so it happens
once for this package and is committed (the live server's thread sees only
committed rows); pytest-django's ``live_server`` fixture would flush the
database after every test, so the package runs pytest-django's
``LiveServer`` itself and, when its last test is done, flushes the database
and reloads the state the migrations left, as a ``serialized_rollback``
test does. Tests keep out of each other's way by using their own demo user
or their own records (see ``demo_data.TASK_USERS``).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.conftest import MIGRATED_STATE

from .demo_data import DemoProgram, demo_program_create

REPO = Path(__file__).resolve().parents[2]
#: Debian's build: Playwright's own browser download is not reachable.
CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking switches Chromium keeps calling Google's
#: services, and on a closed network those refused connections stall it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A common phone (iPhone 12 to 15) in CSS pixels.
PHONE_VIEWPORT = {"width": 390, "height": 844}
ARTIFACTS = REPO / ".services" / "browser-artifacts"


@pytest.fixture(scope="package")
def async_unsafe_allowed():
    """Playwright's sync API keeps an asyncio event loop marked as running in
    this thread from start to stop, and Django refuses ORM calls in a thread
    with a running loop (SynchronousOnlyOperation). The tests' own database
    calls are plain synchronous calls made between browser steps, never
    inside the loop, so the guard is lifted for this package only and put
    back when Playwright stops (after the package's last test)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb):
    """pytest-django creates the test database only when a collected test is
    marked as using it, and these tests use it outside its per-test
    transactions; when they run on their own, the database is created here."""
    from django.test.utils import setup_databases, teardown_databases

    if connections["default"].settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]:
        yield
        return
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases={"default"}, keepdb=keepdb
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, async_unsafe_allowed) -> DemoProgram:
    """The demo program, committed, with a fresh search index; afterwards the
    database is back to what the migrations created and the index is gone."""
    connection = connections["default"]
    test_database = settings.DATABASES["default"]["TEST"]["NAME"]
    assert connection.settings_dict["NAME"] == test_database, "refusing to seed a database that is not the test one"
    with django_db_blocker.unblock():
        migrated_state = MIGRATED_STATE["default"]
        # A transactional test run before this package leaves the tables empty
        # (flushed, not restored): start from what the migrations created.
        from wagtail.models import Locale

        if not Locale.objects.exists():
            _restore_migrated_state(connection, migrated_state)
        try:
            program = demo_program_create()
        except BaseException:
            # A half-made demo in a kept database would be serialized as the
            # next --reuse-db run's starting state and seeded on top of.
            _restore_migrated_state(connection, migrated_state)
            raise
    yield program
    with django_db_blocker.unblock():
        _restore_migrated_state(connection, migrated_state)
        connection.close()
    from search.engine import get_client

    get_client().indices.delete(
        index=f"{settings.SEARCH_INDEX_PREFIX}-*", ignore_unavailable=True, allow_no_indices=True
    )


def _restore_migrated_state(connection, migrated_state: str) -> None:
    from portal.celery import app

    # Queued tasks would only find missing rows; and while the tables are
    # swapped, a worker's lookup must wait rather than recreate a content type
    # the restored state brings back (a duplicate key).
    app.control.purge()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE django_content_type, auth_permission IN ACCESS EXCLUSIVE MODE")
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(migrated_state)


@pytest.fixture(scope="package")
def portal_server(demo):
    server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def chromium(async_unsafe_allowed):
    """One browser for the package; each test gets its own context."""
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def database_access(django_db_blocker, async_unsafe_allowed):
    """Tests read and write committed rows, as the live server does."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def phone_context(chromium, portal_server):
    """A fresh phone: no cookies, 390×844, touch."""
    context = chromium.new_context(
        base_url=portal_server.url,
        viewport=PHONE_VIEWPORT,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(request, phone_context):
    page = phone_context.new_page()
    request.node.browser_page = page
    return page


@pytest.fixture
def sign_in(phone_context, portal_server):
    """Sign a demo user in on this phone (a session cookie, as after the
    login form; the login page itself has its own test)."""
    from django.test import Client

    def sign_in(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        phone_context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": portal_server.url}]
        )
        return user

    return sign_in


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test leaves a full-page screenshot and names it in the report."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "browser_page", None)
    if report.when != "call" or not report.failed or page is None or page.is_closed():
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", item.nodeid.removeprefix("tests/browser/")) + ".png")
    try:
        page.screenshot(path=path, full_page=True)
    except Exception as error:  # noqa: BLE001 - the test's own failure matters more
        report.sections.append(("browser screenshot", f"could not be taken: {error}"))
    else:
        report.sections.append(("browser screenshot", f"{path} (page {page.url})"))


def pytest_terminal_summary(terminalreporter):
    from .phone import TAP_LOG

    for task, taps in TAP_LOG.items():
        terminalreporter.write_line(f"browser task: {task}: {len(taps)} taps ({' → '.join(taps) or 'none'})")
