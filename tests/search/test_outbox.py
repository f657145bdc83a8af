"""Publishing feeds the portal index through the durable outbox."""

import pytest
from django.conf import settings

from content.models import SectionPage
from search.documents import document_id
from search.models import IndexOutboxEntry
from search.selectors import documents_search
from search.services import alias_name, outbox_drain


def _publish_section(parent, title, intro=""):
    page = parent.add_child(instance=SectionPage(title=title, intro=intro))
    page.save_revision().publish()
    return page


@pytest.mark.django_db
def test_a_published_page_is_indexed_in_elasticsearch_and_found(search_indexes, home_page):
    page = _publish_section(home_page, "Storage price list hub", "<p>Current list prices for all storage lines.</p>")

    pending = IndexOutboxEntry.objects.filter(document_type="page", object_id=str(page.pk), processed_at=None)
    assert pending.exists(), "publishing must write an outbox entry in the same transaction"
    result = outbox_drain(refresh=True)

    assert result.failed == 0
    hits = documents_search(query="price list")
    assert [hit.object_id for hit in hits] == [str(page.pk)]
    assert hits[0].title == "Storage price list hub"
    assert documents_search(query="battlecard") == []
    # It is the search engine answering: the document sits behind the alias.
    stored = search_indexes.get(index=alias_name(), id=document_id("page", page.pk))
    assert stored["_source"]["language"] == "en"
    assert alias_name().startswith(settings.SEARCH_INDEX_PREFIX)


@pytest.mark.django_db
def test_unpublishing_removes_the_page_from_results(search_indexes, home_page):
    page = _publish_section(home_page, "Quarterly rebate guide")
    outbox_drain(refresh=True)
    assert len(documents_search(query="rebate")) == 1

    page.unpublish()
    outbox_drain(refresh=True)

    assert documents_search(query="rebate") == []


@pytest.mark.django_db
def test_a_replayed_older_update_never_overwrites_a_newer_one(search_indexes, home_page):
    page = _publish_section(home_page, "Old title")
    older = IndexOutboxEntry.objects.filter(object_id=str(page.pk)).latest("id")
    page.title = "New title"
    page.save_revision().publish()
    outbox_drain(refresh=True)

    # The old entry comes back (a retry after a crash, a replay): the engine
    # rejects its lower version and the newer title stays.
    IndexOutboxEntry.objects.filter(pk=older.pk).update(processed_at=None)
    result = outbox_drain(refresh=True)

    assert result.failed == 0
    stored = search_indexes.get(index=alias_name(), id=document_id("page", page.pk))
    assert stored["_source"]["title"] == "New title"
    assert stored["_version"] > older.pk


@pytest.mark.django_db
def test_drain_keeps_entries_while_the_engine_is_unreachable(search_indexes, home_page, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    page = _publish_section(home_page, "Partner pricing FAQ")
    live_url = settings.ELASTICSEARCH_URL

    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port}"
    result = outbox_drain()
    entry = IndexOutboxEntry.objects.filter(object_id=str(page.pk)).latest("id")
    assert result.failed >= 1
    assert entry.processed_at is None
    assert entry.attempts == 1
    assert "unreachable" in entry.last_error

    settings.ELASTICSEARCH_URL = live_url
    IndexOutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=entry.created_at)
    outbox_drain(refresh=True)
    assert [hit.object_id for hit in documents_search(query="pricing FAQ")] == [str(page.pk)]
