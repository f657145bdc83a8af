"""The search log: every partner search is written, in batches, by a worker
that takes the lines from a list in the shared Redis (the end-to-end run
on a real worker is in test_degradation.py)."""

import json
import socket

import pytest
import redis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import timezone

from analytics.models import ActivityEvent, ActivityKind
from search import services
from search import tasks as search_tasks
from search.models import SearchQueryLog
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def _signed_in_partner(client):
    organization = OrganizationFactory()
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    return user, organization


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """The tasks the log queues, kept here instead of sent: the suite's real
    worker, alive once any earlier test started it, would otherwise run the
    write a second later and race the drains these tests call (the run on a
    real worker is in test_degradation.py). Lines earlier tests left in the
    list are dropped first."""
    services.shared_redis().delete(cache.make_key(services.QUERY_LOG_KEY))
    tasks = []
    task = search_tasks.write_search_query_log
    monkeypatch.setattr(task, "queue_or_hold", lambda **options: tasks.append((task.name, options)))
    return tasks


def _logged():
    return sorted(
        (entry.normalized_query, entry.results, entry.organization_id, entry.language)
        for entry in SearchQueryLog.objects.all()
    )


def test_searches_wait_in_redis_and_one_drain_writes_them_all(
    client, indexed, queued, django_capture_on_commit_callbacks
):
    indexed("doc", title="Storage price list")
    user, organization = _signed_in_partner(client)
    searched_from = timezone.now()

    # (The test runs in a transaction: the log's on-commit steps run as a request's would.)
    with django_capture_on_commit_callbacks(execute=True):
        for query in ("Price  List", "quantum widgets", "storage"):
            assert client.get("/search/api/", {"q": query}).status_code == 200
        assert client.get("/fr/search/api/", {"q": "tarifs"}).status_code == 200

    # One task for the four searches (queued by the first line), nothing written yet.
    assert queued == [("search.tasks.write_search_query_log", {"countdown": services.QUERY_LOG_WAIT, "retry": False})]
    assert SearchQueryLog.objects.count() == 0
    assert services.search_query_log_drain() == 4
    assert _logged() == [
        ("price list", 1, organization.pk, "en"),
        ("quantum widgets", 0, organization.pk, "en"),
        ("storage", 1, organization.pk, "en"),
        ("tarifs", 0, organization.pk, "fr"),
    ]
    # At the time of each search, and each search is the person's activity of the day.
    assert all(searched_from <= entry.created_at <= timezone.now() for entry in SearchQueryLog.objects.all())
    events = ActivityEvent.objects.filter(kind=ActivityKind.SEARCH)
    assert {(event.organization_id, event.user_id) for event in events} == {(organization.pk, user.pk)}
    assert events.count() == 4
    assert services.search_query_log_drain() == 0


def test_a_database_error_leaves_the_lines_for_the_next_drain(
    client, indexed, monkeypatch, django_capture_on_commit_callbacks
):
    indexed("doc", title="Storage price list")
    _user, organization = _signed_in_partner(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/search/api/", {"q": "price list"})
        client.get("/search/api/", {"q": "storage"})
    write = services.search_query_log

    def database_down(**kwargs):
        raise OperationalError("the database is unreachable")

    monkeypatch.setattr(services, "search_query_log", database_down)
    with pytest.raises(OperationalError):
        services.search_query_log_drain()
    monkeypatch.setattr(services, "search_query_log", write)

    assert services.search_query_log_drain() == 2
    assert _logged() == [("price list", 1, organization.pk, "en"), ("storage", 1, organization.pk, "en")]


def test_a_search_answers_when_redis_is_down(client, indexed, monkeypatch, django_capture_on_commit_callbacks, caplog):
    indexed("doc", title="Storage price list")
    _signed_in_partner(client)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(services, "shared_redis", lambda: redis.Redis(port=closed_port, socket_connect_timeout=1))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/search/api/", {"q": "price list"})

    assert response.status_code == 200
    assert response.json()["total"] == 1
    assert "Search query not logged: the shared cache is unreachable" in caplog.text
    monkeypatch.undo()
    assert services.search_query_log_drain() == 0  # the line is lost, as a queued task was before


def test_a_search_logs_its_query_once_its_response_is_sent(
    client, indexed, server_signals, django_capture_on_commit_callbacks
):
    indexed("doc", title="Storage price list")
    user, organization = _signed_in_partner(client)
    log = services.shared_redis()
    key = cache.make_key(services.QUERY_LOG_KEY)

    # The server's side of a request, as gunicorn runs it: the handler gives
    # the response, the server writes it, then closes it.
    environ = (
        RequestFactory()
        .get(
            "/search/api/",
            {"q": "storage"},
            HTTP_COOKIE="; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()),
        )
        .environ
    )
    with django_capture_on_commit_callbacks() as committed:
        response = WSGIHandler()(environ, lambda status, headers: None)
    assert response.status_code == 200
    assert json.loads(response.content)["total"] == 1
    # The request's commit (in production the view's autocommit, at once).
    for callback in committed:
        callback()
    assert log.lrange(key, 0, -1) == []

    response.close()
    (line,) = [json.loads(raw) for raw in log.lrange(key, 0, -1)]
    assert (line["query"], line["results"], line["organization_id"], line["user_id"]) == (
        "storage",
        1,
        organization.pk,
        user.pk,
    )
