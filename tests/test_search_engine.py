import pytest
from django.conf import settings

from search.selectors import page_documents_search
from search.services import page_document_save

pytestmark = pytest.mark.django_db


def test_a_published_page_indexed_in_elasticsearch_is_found(search_indexes, home_page):
    home_page.title = "Storage price list hub"
    home_page.save_revision().publish()

    page_document_save(page=home_page, refresh=True)

    hits = page_documents_search(query="price list")
    assert [hit.page_id for hit in hits] == [home_page.pk]
    assert hits[0].title == "Storage price list hub"
    assert page_documents_search(query="battlecard") == []
    # It really is the search engine answering, not a database fallback.
    assert search_indexes.count(index=f"{settings.SEARCH_INDEX_PREFIX}-pages")["count"] == 1
